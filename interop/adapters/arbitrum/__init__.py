"""Arbitrum (Nitro) adapter: ETH deposits, retryable tickets and withdrawals / L2->L1 messages
through the canonical Inbox, ArbSys and Outbox. See docs/arbitrum.md.

The plain functions live in `deposit`, `retryable`, `withdraw` (build / estimate / execute /
status / time-to / wait); the byte-exact hashes shared with the devnet are in `interop.spec.arbitrum`.
"""

from __future__ import annotations

from interop.adapters.arbitrum.adapter import ArbitrumAdapter
from interop.adapters.arbitrum.common import ArbContracts, RetryableUnderfundedError

__all__ = ["ArbContracts", "ArbitrumAdapter", "RetryableUnderfundedError", "adapter_factory"]


def adapter_factory() -> ArbitrumAdapter:
    """Entry point (`interop.adapters` group)."""
    return ArbitrumAdapter()
