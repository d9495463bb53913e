"""Nonces for many concurrent sends from one account on one chain.

Why a lock held across the submission and not only across the reservation: if nonce n+1 reaches
the node before n and n then fails, n+1 sits in the pool forever behind a gap. Holding the
per-(chain, account) lock from "pick nonce" to "node accepted the raw transaction" keeps nonces
contiguous; only the submission is serialised (one round trip), gas and fee estimation and the
wait for receipts still run concurrently.

The next nonce is `max(node's pending count, last accepted + 1)`: the node's count covers
transactions sent by someone else, our own count covers nodes (or load balancers) whose pending
count lags behind what they just accepted. A failed submission releases its nonce (the next
reservation gets it again); a "nonce too low" style rejection forgets our own count so that the
next reservation trusts the node.
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
    """A reserved nonce. Mark `sent()` once the node accepted the transaction."""

    nonce: int
    accepted: bool = False

    def sent(self) -> None:
        self.accepted = True


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
        """Hold the account's lock, yield the next nonce; call `slot.sent()` once accepted.

        Leaving without `sent()` (or with an exception) releases the nonce. If the exception
        says the nonce was wrong, our own count is dropped so the node's count wins next time.
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
                if is_nonce_error(exc):
                    log.debug("nonce %d for %s rejected; resyncing from the node", nonce, address)
                    self._last.pop(key, None)
                raise
            if slot.accepted:
                self._last[key] = nonce
