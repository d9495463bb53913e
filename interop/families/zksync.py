"""The ZKsync (ZK Stack) family: its fee model and its genesis escrow.

ZKsync charges no separate L1 data fee: an EraVM transaction pays for its pubdata in gas
(`gas_per_pubdata`), so gas x max fee per gas is the whole ceiling of a funds check.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from interop.chains.model import ContractName, Stack

if TYPE_CHECKING:
    from interop.chains.model import Chain
    from interop.client import ChainClient
    from interop.families.base import UnsignedTx

__all__ = ["ZkSyncFamily", "family"]


class ZkSyncFamily:
    name = Stack.ZKSYNC
    charges_l1_data_fee = False
    """Pubdata is paid in gas (see the module docstring), not as a fee on top of it."""

    async def l1_data_fee(
        self, client: ChainClient, tx: bytes | UnsignedTx, *, block: int | None = None
    ) -> int:
        return 0

    def genesis_escrow(self, chain: Chain) -> str | None:
        """The contract that pays withdrawals out: the L1 nullifier (the former shared bridge
        proxy, which held the chains' ETH before the v26 upgrade moved it to the native token
        vault, for which chain data has no key yet). On the devnet the nullifier holds it."""
        return ContractName.ZK_NULLIFIER


def family() -> ZkSyncFamily:
    """Entry point of the `interop.families` group."""
    return ZkSyncFamily()
