"""The Arbitrum (Nitro) family: its fee model and its genesis escrow.

Arbitrum has no separate per-transaction L1 data fee. The parent-chain cost of posting a
transaction is charged as extra L2 gas: `eth_estimateGas` already includes it (NodeInterface's
`gasEstimateComponents` splits the same estimate into `gasEstimateForL1` and the rest), and a
receipt's `gasUsed` includes it (`gasUsedForL1` says how much). So gas x max fee per gas is the
whole ceiling for a funds check, and `gas_used x effective_gas_price` the whole fee paid; the
L1 part moves with the L1 price, which is why the estimate, not a constant, must be used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from interop.chains.model import ContractName, Stack

if TYPE_CHECKING:
    from interop.chains.model import Chain
    from interop.client import ChainClient
    from interop.families.base import UnsignedTx

__all__ = ["ArbitrumFamily", "family"]


class ArbitrumFamily:
    name = Stack.ARBITRUM
    charges_l1_data_fee = False
    """The L1 component is gas (see the module docstring), not a fee on top of it."""

    async def l1_data_fee(
        self, client: ChainClient, tx: bytes | UnsignedTx, *, block: int | None = None
    ) -> int:
        return 0

    def genesis_escrow(self, chain: Chain) -> str | None:
        """The Bridge holds every deposited ETH (the Outbox pays withdrawals from it)."""
        return ContractName.ARB_BRIDGE


def family() -> ArbitrumFamily:
    """Entry point of the `interop.families` group."""
    return ArbitrumFamily()
