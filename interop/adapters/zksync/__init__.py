"""ZKsync (ZK Stack) adapter: ETH and messages L1 -> ZK chain through the Bridgehub, ETH
withdrawals back with L2->L1 log proofs verified before sending. See docs/zksync.md; formulas
in `interop.spec.zksync`."""

from __future__ import annotations

from interop.adapters.zksync.adapter import ZkSyncAdapter

__all__ = ["ZkSyncAdapter", "adapter_factory"]


def adapter_factory() -> ZkSyncAdapter:
    """Entry point (`interop.adapters` group)."""
    return ZkSyncAdapter()
