"""Scroll adapter: ETH deposits through the L1 gateway router, L1->L2 messages with the message
queue's fee, replays of failed L1->L2 messages, and withdrawals / L2->L1 messages finalized with
`relayMessageWithProof` and a withdraw-trie proof built here from L2 events (no hosted API).
See docs/scroll.md; the hashes and the trie are in `interop.spec.scroll`."""

from __future__ import annotations

from interop.adapters.scroll.adapter import REF_VERSION, ScrollAdapter, replay_message

__all__ = ["REF_VERSION", "ScrollAdapter", "adapter_factory", "replay_message"]


def adapter_factory() -> ScrollAdapter:
    """Entry point (`interop.adapters` group)."""
    return ScrollAdapter()
