"""Nonces for many concurrent sends from one account on one chain.

Why a lock held across the submission and not only across the reservation: if nonce n+1 reaches
the node before n and n then fails, n+1 sits in the pool forever behind a gap. Holding the
per-(chain, account) lock from "pick nonce" to "node accepted the raw transaction" keeps nonces
contiguous; only the submission is serialised (one round trip), gas and fee estimation and the
wait for receipts still run concurrently. When a submission's answer is lost, the lock is also
held while its fate is settled (at most the send's `patience`): the next nonce depends on it.

The next nonce is `max(node's pending count, last used + 1)`: the node's count covers
transactions sent by someone else, our own count covers nodes (or load balancers) whose pending
count lags behind what they just accepted. What happens to a reserved nonce depends on what the
send path could prove about its transaction (`interop.actions.fate`):

- accepted (`sent()`), or *uncertain* (`uncertain()`: the bytes may have reached a node and sit in
  a pool) -> the nonce is used; it is never handed out again, because a second transaction with
  it could replace ours or be replaced by it. A gap this leaves (the bytes never arrived) costs a
  stuck later transaction, which is recoverable; reusing the nonce could cost a double payment.
- definitely refused by the node before anything was accepted -> released, the next reservation
  gets it again;
- proven replaced (`replaced()`: another transaction used it) -> our count is dropped and the next
  reservation trusts the node, as after any nonce-related rejection.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from interop.client import ChainClient
from interop.errors import RpcResponseError

__all__ = ["NonceManager", "NonceSlot", "is_nonce_error"]

log = logging.getLogger("interop.nonce")

_NONCE_ERRORS = (
    "nonce too low",
    "nonce too high",
    "invalid nonce",
    "nonce has already been used",
    "replacement transaction underpriced",
    "already known",
    "known transaction",
)


def is_nonce_error(exc: BaseException) -> bool:
    """True if a node rejected a transaction because of its nonce (so a resync may fix it)."""
    return isinstance(exc, RpcResponseError) and any(
        s in exc.message.lower() for s in _NONCE_ERRORS
    )


@dataclass
class NonceSlot:
    """A reserved nonce. Mark `uncertain()` before handing signed bytes to a node, `sent()`
    once the node accepted them, `released()` if it provably refused them, `replaced()` if
    another transaction was proven to use the nonce."""

    nonce: int
    accepted: bool = False
    maybe_used: bool = False
    was_replaced: bool = False

    def sent(self) -> None:
        self.accepted = True

    def uncertain(self) -> None:
        self.maybe_used = True

    def released(self) -> None:
        self.maybe_used = False

    def replaced(self) -> None:
        self.was_replaced = True
        self.maybe_used = False


class NonceManager:
    """Hands out nonces per (chain id, address). Share one instance between concurrent senders.

    Bound to one event loop (it holds asyncio locks), like the clients it is used with.
    """

    def __init__(self) -> None:
        self._locks: dict[tuple[int, str], asyncio.Lock] = {}
        self._last: dict[tuple[int, str], int] = {}

    def __repr__(self) -> str:
        return f"NonceManager(accounts={len(self._locks)})"

    @staticmethod
    def _key(client: ChainClient, address: str) -> tuple[int, str]:
        return client.chain.id, address.lower()

    def last_used(self, client: ChainClient, address: str) -> int | None:
        """The highest nonce the node accepted through this manager, if any."""
        return self._last.get(self._key(client, address))

    def reset(self, client: ChainClient, address: str) -> None:
        """Forget our own count; the next reservation asks the node only."""
        self._last.pop(self._key(client, address), None)

    @asynccontextmanager
    async def reserve(self, client: ChainClient, address: str) -> AsyncIterator[NonceSlot]:
        """Hold the account's lock, yield the next nonce (see the module docstring for how
        `slot.sent()` / `uncertain()` / `replaced()` decide what happens to it on exit).

        Leaving with neither `sent()` nor `uncertain()` (or with an exception) releases the nonce.
        After `replaced()`, or an exception saying the nonce was wrong, our own count is dropped
        so the node's count wins next time.
        """
        key = self._key(client, address)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            pending = await client.get_nonce(address, "pending")
            last = self._last.get(key)
            nonce = pending if last is None else max(pending, last + 1)
            slot = NonceSlot(nonce)
            try:
                yield slot
            except BaseException as exc:
                self._settle(key, slot, address, nonce_error=is_nonce_error(exc))
                raise
            self._settle(key, slot, address, nonce_error=False)

    def _settle(
        self, key: tuple[int, str], slot: NonceSlot, address: str, *, nonce_error: bool
    ) -> None:
        if slot.accepted or slot.maybe_used:
            if not slot.accepted:
                log.debug(
                    "nonce %d for %s may be in use; not handing it out again", slot.nonce, address
                )
            self._last[key] = max(slot.nonce, self._last.get(key, slot.nonce))
        elif slot.was_replaced or nonce_error:
            log.debug(
                "nonce %d for %s used elsewhere; resyncing from the node", slot.nonce, address
            )
            self._last.pop(key, None)
