"""What became of a signed transaction: `tx_fate`, the one question asked after a lost answer.

Why this exists: a node may accept `eth_sendRawTransaction` and the answer may still be lost
(dropped connection, timeout, 5xx from a proxy). Resending the *same* bytes is then harmless (same
hash, minable at most once), but deciding that "it did not go through" and signing a *new*
transaction is how a payment gets made twice. So after any uncertain submission the send path,
and `resume`, ask what happened to *that hash*, and act only on proof:

- `MINED`: a receipt for the hash, or the hash found in the block where the sender's nonce moved
  past the transaction's nonce (a backend may serve blocks before it serves receipts);
- `PENDING`: a node returned the transaction by hash, or accepted the bytes again;
- `REPLACED`: the sender's nonce moved past ours, and the transaction that used our nonce (found
  by bisecting `eth_getTransactionCount(sender, block)` for the block where the count passed it,
  then reading that block) has another hash. Ours can then never be mined;
- `UNKNOWN`: none of the above could be shown within `patience` seconds. Lagging backends answer
  `null` for a transaction they were just given, so `null` is never taken as "not sent".

A read that fails (after the transport's own retries) counts as "nothing proven this round", never
as an answer: the look is repeated with backoff until `patience` runs out. While waiting, the raw
bytes (when given) are broadcast again: a node that never received them gets them now, and a node
that did answers "already known" or "nonce too low", which changes nothing.

Reorgs: a `REPLACED` seen in a block that is later reorganised away could in principle be undone;
interop does not wait for finality before reporting it (the same holds for `MINED`).
"""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, TypeVar

from interop.client import ChainClient
from interop.errors import ConfigError, RpcError
from interop.rpc.models import Receipt
from interop.rpc.retry import deadline_scope
from interop.types import Hash32, to_hash32

__all__ = ["Fate", "FateKind", "tx_fate"]

log = logging.getLogger("interop.fate")

T = TypeVar("T")

_FIRST_WAIT = 0.1
_MAX_WAIT = 3.0
_MIN_ROUND = 2.0
"""Seconds one round (re-broadcast + look) may take even when `patience` is nearly spent, so
that the last look can still finish; an RPC that does not answer cannot stretch a round further."""


class FateKind(enum.Enum):
    MINED = "mined"
    PENDING = "pending"
    REPLACED = "replaced"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Fate:
    """The provable state of one signed transaction (see the module docstring).

    `receipt` is set for `MINED` when a node served it; it may be None when inclusion was proven
    from the block while the receipt was not served yet (`block_number` is then set): wait for
    the receipt with `wait_for_receipt`. `replaced_by` is the hash that used the nonce.
    """

    kind: FateKind
    tx_hash: Hash32
    receipt: Receipt | None = None
    block_number: int | None = None
    replaced_by: Hash32 | None = None

    @property
    def accepted(self) -> bool:
        """True if a node has it (pending) or it is on chain: no new signature is needed."""
        return self.kind in (FateKind.MINED, FateKind.PENDING)

    def __repr__(self) -> str:
        extra = ""
        if self.kind is FateKind.MINED:
            block = self.receipt.block_number if self.receipt else self.block_number
            extra = f", block={block}"
        elif self.kind is FateKind.REPLACED:
            extra = f", replaced_by={self.replaced_by}"
        return f"Fate({self.kind.value}, {self.tx_hash}{extra})"


class _NoProof(Exception):
    """Internal: a read failed or answered inconsistently; nothing can be concluded this round."""


async def _read(what: str, aw: Awaitable[T]) -> T:
    """A read whose failure means "unknown", not "absent" (see the module docstring)."""
    try:
        return await aw
    except (RpcError, ConfigError, ValueError, KeyError, TypeError) as exc:
        log.debug("fate lookup %s failed: %s", what, exc)
        raise _NoProof(what) from exc


async def _count_at(client: ChainClient, sender: str, block: int) -> int:
    return await _read(f"nonce at {block}", client.get_nonce(sender, block))


async def _first_block_past(client: ChainClient, sender: str, nonce: int, head: int) -> int:
    """The lowest block whose post-state count of `sender` exceeds `nonce` (count(head) does).

    Galloping back from the head first: a transaction we just sent was used recently, and recent
    state is what non-archive nodes still have. Then plain bisection over the bracket found.
    """
    hi, step = head, 1
    lo = -1  # a block known to have count <= nonce (-1: "before genesis")
    while True:
        probe = hi - step
        if probe < 0:
            break
        if await _count_at(client, sender, probe) <= nonce:
            lo = probe
            break
        hi, step = probe, step * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if await _count_at(client, sender, mid) <= nonce:
            lo = mid
        else:
            hi = mid
    return hi


_DEPOSIT_TX_TYPE = 0x7E


def _field_int(tx: dict[str, Any], key: str) -> int | None:
    v = tx.get(key)
    if v is None:
        return None
    return int(v, 16) if isinstance(v, str) else int(v)


async def _look(client: ChainClient, sender: str, nonce: int, tx_hash: Hash32) -> Fate | None:
    """One look. A Fate when something was proven, else None (raises `_NoProof` on a failed read)."""
    rcpt = await _read("receipt", client.get_receipt(tx_hash))
    if rcpt is not None:
        return Fate(FateKind.MINED, tx_hash, receipt=rcpt)
    seen = await _read("transaction", client.get_transaction(tx_hash))
    if seen is not None:
        included = _field_int(seen, "blockNumber")
        if included is None:
            return Fate(FateKind.PENDING, tx_hash)
        return Fate(FateKind.MINED, tx_hash, block_number=included)  # receipt not served yet
    head = await _read("block number", client.block_number())
    if await _count_at(client, sender, head) <= nonce:
        return None  # the nonce is still free (or this backend lags): nothing to prove yet
    block_no = await _first_block_past(client, sender, nonce, head)
    block = await _read("block", client.get_block(block_no, full=True))
    before: int | None = None  # the sender's count before this block, read if needed
    k = 0  # the sender's transactions seen so far in this block
    for tx in block.get("transactions") or []:
        if not isinstance(tx, dict):
            raise _NoProof("block without full transactions")
        if str(tx.get("from", "")).lower() != sender.lower():
            continue
        used_nonce = _field_int(tx, "nonce")
        if used_nonce is None or _field_int(tx, "type") == _DEPOSIT_TX_TYPE:
            # An OP Stack deposit (type 0x7e: an L1 deposit from the same key) consumes the
            # sender's next nonce, but its envelope has no nonce: op-geth fills the field from
            # the receipt's depositNonce, anvil serves 0. Each of the sender's transactions in
            # a block consumes the next nonce, so its position tells its nonce.
            if before is None:
                before = await _count_at(client, sender, block_no - 1) if block_no else 0
            used_nonce = before + k
        k += 1
        if used_nonce != nonce:
            continue
        used = to_hash32(str(tx["hash"]))
        if used == tx_hash:
            rcpt = await _read("receipt", client.get_receipt(tx_hash))
            return Fate(FateKind.MINED, tx_hash, receipt=rcpt, block_number=block_no)
        return Fate(FateKind.REPLACED, tx_hash, block_number=block_no, replaced_by=used)
    # The count moved in this block but no transaction of the sender carries the nonce (a
    # backend serving another head, or a transaction type without a nonce field): no proof.
    raise _NoProof(f"no transaction with nonce {nonce} in block {block_no}")


async def _rebroadcast(client: ChainClient, raw: bytes) -> bool:
    """Send the same bytes again; True if a node accepted them (so it holds the transaction)."""
    try:
        await client.request("eth_sendRawTransaction", ["0x" + raw.hex()])
    except Exception as exc:  # any answer but acceptance proves nothing either way
        log.debug("re-broadcast not accepted: %s", exc)
        return False
    return True


async def tx_fate(
    client: ChainClient,
    sender: str,
    nonce: int,
    tx_hash: str,
    *,
    patience: float,
    raw: bytes | None = None,
    poll: float | None = None,
) -> Fate:
    """Find out what happened to the signed transaction `tx_hash` (`sender`, `nonce`).

    Looks by hash, then by the sender's nonce (see the module docstring), and repeats with backoff
    (from `poll`, default 0.1 s, doubling up to 3 s) while nothing is proven, for at most
    `patience` seconds; then returns `UNKNOWN`. With `raw` (the signed bytes of `tx_hash`), they
    are broadcast again before each repeated look; a node accepting them proves `PENDING`.

    Never raises for RPC trouble (a failed read is "unknown") and returns within about
    `patience` + 2.5 s even if the RPC stops answering; cancellation propagates. Callers decide:
    only `REPLACED` proves the transaction can never execute.
    """
    h = to_hash32(tx_hash)
    deadline = time.monotonic() + max(0.0, patience)
    wait = _FIRST_WAIT if poll is None else max(poll, 0.01)
    first = True
    while True:
        bound = max(deadline - time.monotonic(), _MIN_ROUND)
        accepted, fate = False, None
        try:
            with deadline_scope(bound):
                async with asyncio.timeout(bound + 0.5):  # for transports that ignore the scope
                    accepted = not first and raw is not None and await _rebroadcast(client, raw)
                    fate = await _look(client, sender, nonce, h)
        except (_NoProof, TimeoutError):
            pass
        first = False
        if fate is None and accepted:
            fate = Fate(FateKind.PENDING, h)
        if fate is not None:
            log.debug("fate of %s: %r", h, fate)
            return fate
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            log.debug("fate of %s unknown after %.1fs", h, patience)
            return Fate(FateKind.UNKNOWN, h)
        await asyncio.sleep(min(wait, remaining))
        wait = min(wait * 2, _MAX_WAIT)
