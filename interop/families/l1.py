"""The family of chains that are not rollups (Ethereum, its testnets, a devnet's L1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from interop.chains.model import Stack

if TYPE_CHECKING:
    from interop.chains.model import Chain
    from interop.client import ChainClient
    from interop.families.base import UnsignedTx

__all__ = ["L1Family", "family"]


class L1Family:
    """A base chain: gas x price is the whole fee, and it escrows nothing for anyone."""

    name = Stack.L1
    charges_l1_data_fee = False

    async def l1_data_fee(
        self, client: ChainClient, tx: bytes | UnsignedTx, *, block: int | None = None
    ) -> int:
        return 0

    def genesis_escrow(self, chain: Chain) -> str | None:
        return None


def family() -> L1Family:
    """Entry point of the `interop.families` group."""
    return L1Family()
