"""Arbitrum (Nitro) adapter: deposits, retryable tickets and withdrawals through the canonical
Inbox / ArbSys / Outbox. See docs/arbitrum.md."""

from __future__ import annotations
