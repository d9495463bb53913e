"""The Linea family: its fee model and its genesis escrow.

Linea charges no separate L1 data fee: the gas price a Linea node asks for covers the cost of
posting the transaction's data to L1. Its own estimator, `linea_estimateGas`, returns a gas
limit and a priority fee that already price the transaction's data (a larger transaction gets
a higher priority fee); gas x max fee per gas is therefore the whole ceiling for a funds check.
The Linea adapter asks `linea_estimateGas` where the node offers it (a plain node, such as the
devnet's anvil, does not: `eth_estimateGas` and the usual fee estimate are used there).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from interop.chains.model import ContractName, Stack
from interop.errors import ExecutionRevertedError, RpcResponseError

if TYPE_CHECKING:
    from interop.chains.model import Chain
    from interop.client import ChainClient
    from interop.families.base import UnsignedTx

__all__ = ["LineaFamily", "family", "linea_estimate_gas"]


async def linea_estimate_gas(client: ChainClient, tx: dict[str, Any]) -> tuple[int, int] | None:
    """(gas limit, max fee per gas) from the node's `linea_estimateGas`, or None when the node
    does not offer it (any JSON-RPC error but a revert). The max fee is twice the base fee plus
    the priority fee, which on Linea prices the transaction's L1 data; a revert propagates as
    `ExecutionRevertedError`, as `eth_estimateGas`'s would."""
    try:
        got = await client.request("linea_estimateGas", [tx])
    except ExecutionRevertedError:
        raise
    except RpcResponseError:
        return None
    base = int(got["baseFeePerGas"], 16)
    return int(got["gasLimit"], 16), 2 * base + int(got["priorityFeePerGas"], 16)


class LineaFamily:
    name = Stack.LINEA
    charges_l1_data_fee = False
    """The L1 cost is in the gas price (see the module docstring), not a fee on top of it."""

    async def l1_data_fee(
        self, client: ChainClient, tx: bytes | UnsignedTx, *, block: int | None = None
    ) -> int:
        return 0

    async def estimate_gas(self, client: ChainClient, tx: dict[str, Any]) -> tuple[int, int] | None:
        """Linea's own estimate (`linea_estimate_gas`); None where the node lacks it. Not part
        of the `ChainFamily` protocol yet: a funds check that finds this method may use it."""
        return await linea_estimate_gas(client, tx)

    def genesis_escrow(self, chain: Chain) -> str | None:
        """`LineaRollup` (the L1 message service) holds the ETH bridged to Linea and pays
        L2->L1 claims from it."""
        return ContractName.LINEA_MESSAGE_SERVICE


def family() -> LineaFamily:
    """Entry point of the `interop.families` group."""
    return LineaFamily()
