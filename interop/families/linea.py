"""The Linea family: its fee model and its genesis escrow.

Linea charges no separate L1 data fee: the gas price a Linea node asks for covers the cost of
posting the transaction's data to L1. Its own estimator, `linea_estimateGas`, returns a gas
limit and a priority fee that already price the transaction's data (a larger transaction gets
a higher priority fee); gas x max fee per gas is therefore the whole ceiling for a funds check.
The Linea adapter asks `linea_estimateGas` where the node offers it (a plain node, such as the
devnet's anvil, does not: `eth_estimateGas` and the usual fee estimate are used there).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from interop.chains.model import ContractName, Stack

if TYPE_CHECKING:
    from interop.chains.model import Chain
    from interop.client import ChainClient
    from interop.families.base import UnsignedTx

__all__ = ["LineaFamily", "family"]


class LineaFamily:
    name = Stack.LINEA
    charges_l1_data_fee = False
    """The L1 cost is in the gas price (see the module docstring), not a fee on top of it."""

    async def l1_data_fee(
        self, client: ChainClient, tx: bytes | UnsignedTx, *, block: int | None = None
    ) -> int:
        return 0

    def genesis_escrow(self, chain: Chain) -> str | None:
        """`LineaRollup` (the L1 message service) holds the ETH bridged to Linea and pays
        L2->L1 claims from it."""
        return ContractName.LINEA_MESSAGE_SERVICE


def family() -> LineaFamily:
    """Entry point of the `interop.families` group."""
    return LineaFamily()
