"""Handles on cross-chain flows: `Transfer` (value) and `Message` (calldata), same API on every stack.

A handle is a view over one journal entry: its hops (one, or two for L2 -> parent -> L2 routes),
each hop's `FlowRef` once its first transaction is mined, and every transaction signed for it.
All decisions are driven by on-chain status read fresh each time, never by what the handle
remembers, so a handle rebuilt after a crash (`Interop.flow(id)`) behaves exactly like the
original, and no step is ever performed twice:

- `status()` -> `FlowState`: the uniform `Status` of the current hop, its native state, and
  every hop's own status;
- `time_to_next_step()` -> seconds (None when the stack gives no estimate);
- `wait(until=...)` waits without acting; it returns early when the flow needs the caller;
- `complete(progress=...)` performs every remaining step (prove, finalize, execute, redeem,
  relay, then the second hop's deposit) as each becomes possible.

Waiting goes through an injectable `sleep(seconds)` coroutine function, so tests (and bots with
their own scheduler) control time: on the devnet a `sleep` that fast-forwards the chains turns a
seven-day challenge period into milliseconds.

Signed transactions that have no receipt are settled with `tx_fate` (in `_fate`, the one place
that asks): their exact bytes are broadcast again, and a transaction whose nonce another
transaction used is marked `replaced` and never waited on. A replaced first transaction ends the
flow (`TransactionReplacedError`: nothing of it executed); a replaced later step is simply done
again from on-chain status, which is safe because the replaced one can never be mined. Only the
account that started a flow may continue it (`complete()` refuses another signer): a journal is
per user, not per key, and a second hop paid by another account would spend the wrong funds.
`status()` persists what it reads, so a flow finished on chain stops being listed as pending.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import math
import time
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from interop.actions.tx import wait_for_receipt
from interop.adapters.base import (
    Actor,
    AdapterContext,
    BridgeAdapter,
    BridgeRequest,
    Direction,
    FlowKind,
    FlowRef,
    FlowStatus,
    Status,
)
from interop.client import ChainClient
from interop.errors import (
    AlreadyDoneError,
    BridgeError,
    FlowTimeoutError,
    InputError,
    InsufficientFundsError,
    InteropError,
    ManualActionRequired,
    MissingSignerError,
    NotReadyError,
    ReceiptTimeoutError,
    TransactionFailedError,
    TransactionReplacedError,
    UnsupportedOperationError,
    mark_sent,
)
from interop.journal import (
    ABANDONED,
    REPLACED,
    FlowRecord,
    HopRecord,
    Journal,
    RecordingSigner,
    TxRecord,
    decode_raw_tx,
)
from interop.safety import adapter_options, waivers_of
from interop.signer import Signer, require_signer
from interop.types import Address, Hash32, to_address

if TYPE_CHECKING:
    from interop.actions.fate import Fate

__all__ = [
    "Flow",
    "FlowEvent",
    "FlowHost",
    "FlowState",
    "HopState",
    "Message",
    "Progress",
    "Sleep",
    "Transfer",
    "handle_for",
]

log = logging.getLogger("interop.flows")

Sleep = Callable[[float], Awaitable[Any]]

_ORDER = {
    Status.PENDING: 0,
    Status.WAITING_TO_PROVE: 1,
    Status.READY_TO_PROVE: 2,
    Status.WAITING_TO_FINALIZE: 3,
    Status.READY_TO_FINALIZE: 4,
    Status.NEEDS_MANUAL_ACTION: 4,
    Status.FINALIZED: 5,
    Status.FAILED: 5,
}
_ACTIONABLE = (Status.READY_TO_PROVE, Status.READY_TO_FINALIZE, Status.NEEDS_MANUAL_ACTION)
NATIVE = "native"
"""Adapter name the journal uses for a plain one-chain transfer."""

FATE_PATIENCE = 10.0
"""Seconds a settle looks for a signed transaction that has no receipt (lagging backends answer
null for a transaction they were just given) before leaving it open for the next look."""


def check_timing(**values: float | None) -> None:
    """Refuse waits that cannot work: a poll interval of 0 or less is a busy loop (thousands of
    requests a second), a timeout of 0 or less can never be met. None means "no limit"."""
    for name, v in values.items():
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, int | float) or not v > 0 or math.isnan(v):
            raise InputError(
                f"{name} must be a positive number of seconds, got {v!r}",
                hint="nothing was sent",
            )
        if name in ("poll", "max_interval") and math.isinf(v):
            raise InputError(f"{name} must be finite, got {v!r}", hint="nothing was sent")


async def _fate(client: ChainClient, t: TxRecord, *, patience: float) -> Fate:
    """What became of journaled transaction `t` (`interop.actions.fate.tx_fate`; its bytes are
    broadcast again while it is looked for). The one place flows ask it."""
    from interop.actions.fate import tx_fate

    sender, nonce = t.sender, t.nonce
    if not sender or nonce is None:
        decoded = decode_raw_tx(t.raw)
        if decoded is None:
            raise BridgeError(f"journaled transaction {t.tx_hash} does not decode")
        sender, nonce = decoded
    return await tx_fate(client, sender, nonce, t.tx_hash, patience=patience, raw=t.raw)


class FlowHost(Protocol):
    """What a handle needs from its owner (`Interop` implements it)."""

    @property
    def signer(self) -> Signer | None: ...

    @property
    def journal(self) -> Journal: ...

    def client(self, ref: Any) -> ChainClient: ...

    def adapter(self, name: str) -> BridgeAdapter: ...


@dataclass(frozen=True)
class HopState:
    index: int
    adapter: str
    direction: Direction
    source: int
    target: int
    started: bool
    status: FlowStatus | None
    """None until the hop's first transaction is mined."""


@dataclass(frozen=True)
class FlowState:
    """Where a flow stands. `status` / `native` / `next_step` are those of the current hop
    (`hop`); for a two-hop route between its hops the next step is "deposit"."""

    flow_id: str | None
    status: Status
    native: str
    next_step: str | None
    seconds_to_next: int | None
    hop: int
    hops: tuple[HopState, ...]
    actor: Actor | None = None
    """Who acts next on the current hop: CALLER (`complete()` performs it, or a person must when
    the status is NEEDS_MANUAL_ACTION), RELAYER (the rollup's infrastructure), NOBODY (only
    time must pass); None when the flow is done. From the adapter's `FlowStatus.actor`."""

    @property
    def done(self) -> bool:
        return self.status.done

    @property
    def action(self) -> str | None:
        """What a person must do, when the current hop needs manual action (the adapter's
        `details["action"]`)."""
        cur = self.hops[self.hop].status if self.hops else None
        if cur is None or self.status is not Status.NEEDS_MANUAL_ACTION:
            return None
        return str(cur.details.get("action") or "") or None

    def to_dict(self) -> dict[str, Any]:
        return {
            "flow_id": self.flow_id,
            "status": self.status.value,
            "native": self.native,
            "next_step": self.next_step,
            "seconds_to_next": self.seconds_to_next,
            "hop": self.hop,
            "actor": None if self.actor is None else self.actor.value,
            "action": self.action,
            "hops": [
                {
                    "index": h.index,
                    "adapter": h.adapter,
                    "direction": h.direction.value,
                    "source": h.source,
                    "target": h.target,
                    "status": None if h.status is None else h.status.status.value,
                    "native": None if h.status is None else h.status.native,
                }
                for h in self.hops
            ],
        }


@dataclass(frozen=True)
class FlowEvent:
    """Reported to `progress` callbacks. `what`: status | sent | mined | waiting | done."""

    what: str
    state: FlowState
    step: str | None = None
    tx_hash: Hash32 | None = None
    seconds: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


Progress = Callable[[FlowEvent], Any]


async def _emit(progress: Progress | None, event: FlowEvent) -> None:
    if progress is None:
        return
    res = progress(event)
    if inspect.isawaitable(res):
        await res


class Flow:
    """A cross-chain flow (base of `Transfer` and `Message`)."""

    def __init__(self, host: FlowHost, record: FlowRecord, *, persisted: bool = True) -> None:
        self._host = host
        self._rec = record
        self._persisted = persisted
        self._saved: tuple[Any, ...] | None = None
        self._replaced_by: dict[str, Hash32] = {}

    # ------------------------------------------------------------------ identity
    @property
    def id(self) -> str | None:
        """The journal id (None for a flow looked up by hash and not acted on yet)."""
        return self._rec.id if self._persisted else None

    @property
    def record(self) -> FlowRecord:
        return self._rec

    @property
    def kind(self) -> FlowKind:
        return FlowKind.MESSAGE if self._rec.kind == FlowKind.MESSAGE.value else FlowKind.ETH

    @property
    def source(self) -> int:
        return self._rec.source_chain

    @property
    def target(self) -> int:
        return self._rec.target_chain

    @property
    def value(self) -> int:
        return self._rec.value

    @property
    def recipient(self) -> Address:
        return to_address(self._rec.recipient)

    @property
    def refs(self) -> tuple[FlowRef | None, ...]:
        return tuple(h.ref for h in self._rec.hops)

    @property
    def tx_hash(self) -> Hash32 | None:
        """The initiating transaction of the first hop."""
        ref = self._rec.hops[0].ref if self._rec.hops else None
        if ref is not None:
            return ref.tx_hash
        txs = self._journal_txs(0, "initiate") or self._journal_txs(0)  # native: "transfer"
        return txs[-1].tx_hash if txs else None

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(id={self.id}, {self.source} -> {self.target}, "
            f"value={self.value}, hops={len(self._rec.hops)}, last={self._rec.status})"
        )

    # ------------------------------------------------------------------ internals
    def _journal_txs(self, hop: int, step: str | None = None) -> list[Any]:
        if not self._persisted:
            return []
        return self._host.journal.txs(self._rec.id, hop=hop, step=step)

    def _reload(self) -> None:
        if self._persisted:
            self._rec = self._host.journal.get(self._rec.id)

    def _ctx(self, hop: HopRecord, signer: Signer | None = None) -> AdapterContext:
        return AdapterContext(
            self._host.client(hop.source_chain), self._host.client(hop.target_chain), signer
        )

    def _persist(self) -> None:
        """Write a looked-up flow to the journal before the first step is sent for it."""
        if self._persisted:
            return
        r = self._rec
        j = self._host.journal
        fid = j.create_flow(
            kind=r.kind,
            source_chain=r.source_chain,
            target_chain=r.target_chain,
            value=r.value,
            recipient=r.recipient,
            sender=r.sender,
            data=r.data,
            options=r.options,
            hops=[(h.adapter, h.direction, h.source_chain, h.target_chain) for h in r.hops],
        )
        for h in r.hops:
            if h.ref is not None:
                j.set_hop_ref(fid, h.index, h.ref)
        self._persisted = True
        self._rec = j.get(fid)

    async def _native_status(self, hop: HopRecord) -> FlowStatus:
        txs = self._journal_txs(hop.index)
        client = self._host.client(hop.source_chain)
        for t in reversed(txs):
            if t.state == "replaced":
                continue
            rcpt = await client.get_receipt(t.tx_hash)
            if rcpt is not None:
                if rcpt.succeeded:
                    return FlowStatus(Status.FINALIZED, "mined", details={"tx_hash": t.tx_hash})
                return FlowStatus(Status.FAILED, "reverted", details={"tx_hash": t.tx_hash})
        if txs and all(t.state == "replaced" for t in txs):
            return FlowStatus(Status.FAILED, REPLACED, details={"tx_hash": txs[-1].tx_hash})
        if txs:
            return FlowStatus(Status.PENDING, "sent")
        return FlowStatus(Status.PENDING, "not-sent", next_step="initiate", seconds_to_next=0)

    async def _hop_status(self, hop: HopRecord) -> FlowStatus | None:
        if hop.adapter == NATIVE:
            return await self._native_status(hop)
        if hop.ref is None:
            return None
        adapter = self._host.adapter(hop.adapter)
        return await adapter.status(self._ctx(hop), _current_ref(adapter, hop, self._rec.id))

    def _hop_states(self, statuses: list[FlowStatus | None]) -> tuple[HopState, ...]:
        return tuple(
            HopState(
                h.index,
                h.adapter,
                Direction(h.direction) if h.adapter != NATIVE else Direction.L1_TO_L2,
                h.source_chain,
                h.target_chain,
                st is not None,
                st,
            )
            for h, st in zip(self._rec.hops, statuses, strict=True)
        )

    def _open_txs(self) -> bool:
        return any(t.open for t in self._journal_txs_all())

    def _journal_txs_all(self) -> list[TxRecord]:
        if not self._persisted:
            return []
        return self._host.journal.txs(self._rec.id)

    # ------------------------------------------------------------------ public API
    async def status(self) -> FlowState:
        """Fresh on-chain status of every started hop.

        What it reads is written to the journal (a flow finished on chain is marked done there),
        so listings of unfinished flows stop showing it; it sends nothing.
        """
        r = self._rec
        if r.done and r.status in (ABANDONED, REPLACED):
            hops = self._hop_states([None] * len(r.hops))
            return FlowState(self.id, Status.FAILED, r.status, None, None, 0, hops)
        statuses: list[FlowStatus | None] = []
        for hop in r.hops:
            if statuses and (statuses[-1] is None or statuses[-1].status is not Status.FINALIZED):
                statuses.append(None)
            else:
                statuses.append(await self._hop_status(hop))
        hops = self._hop_states(statuses)
        cur = next(
            (i for i, st in enumerate(statuses) if st is None or st.status is not Status.FINALIZED),
            len(statuses) - 1,
        )
        st = statuses[cur]
        if st is None:
            initiates = self._journal_txs(cur, "initiate")
            live = [t for t in initiates if t.state != "replaced"]
            if live:  # mined soon: the chain acts
                state = FlowState(
                    self.id, Status.PENDING, "initiate-sent", None, None, cur, hops, Actor.NOBODY
                )
            elif cur == 0 and initiates:  # every first transaction was replaced: never started
                state = FlowState(self.id, Status.FAILED, REPLACED, None, None, cur, hops)
            elif cur == 0:
                state = FlowState(
                    self.id, Status.PENDING, "not-started", "initiate", 0, cur, hops, Actor.CALLER
                )
            else:
                state = FlowState(
                    self.id, Status.PENDING, "between-hops", "deposit", 0, cur, hops, Actor.CALLER
                )
        else:
            state = FlowState(
                self.id,
                st.status,
                st.native,
                st.next_step,
                st.seconds_to_next,
                cur,
                hops,
                None if st.status.done and cur == len(hops) - 1 else _actor(st),
            )
        self._save(state)
        return state

    async def time_to_next_step(self) -> int | None:
        """Seconds until the flow's status should change (0 = now); None if unknown."""
        return (await self.status()).seconds_to_next

    async def wait(
        self,
        until: Status = Status.FINALIZED,
        *,
        timeout: float | None = None,
        poll: float = 1.0,
        max_interval: float = 60.0,
        sleep: Sleep | None = None,
        progress: Progress | None = None,
    ) -> FlowState:
        """Wait (without signing anything) until the current hop reaches `until` or later.

        Returns early when the flow is done or needs the caller (ready to prove / finalize,
        a step like a redeem that `complete()` can perform, next hop to deposit): call
        `complete()` for that. Raises `ManualActionRequired` (its `action` says what to do) when
        a hop needs a person: no step of the library can move it on. `FlowTimeoutError` (a
        `TimeoutError`) after `timeout` seconds of wall time. Journaled transactions without a
        receipt are settled on the way (same bytes re-broadcast; a replaced one is marked, not
        waited on).
        """
        check_timing(timeout=timeout, poll=poll, max_interval=max_interval)
        sleep = sleep or _default_sleep(self._host)
        deadline = None if timeout is None else time.monotonic() + timeout
        interval = poll
        while True:
            if self._open_txs():
                await self.settle(patience=min(FATE_PATIENCE, poll), deadline=deadline)
            st = await self.status()
            await _emit(progress, FlowEvent("status", st))
            if st.status is Status.NEEDS_MANUAL_ACTION and not (
                st.next_step and st.actor is Actor.CALLER
            ):
                raise self._manual(st)
            if (
                st.done
                or (
                    _ORDER[st.status] >= _ORDER[until]
                    and (st.hop == len(self._rec.hops) - 1 or until is not Status.FINALIZED)
                )
                or st.status in _ACTIONABLE
                or st.next_step in ("deposit", "initiate")
            ):
                return st
            interval = await self._pause(
                st, interval, poll, max_interval, deadline, sleep, progress
            )

    async def _pause(
        self,
        st: FlowState,
        interval: float,
        poll: float,
        max_interval: float,
        deadline: float | None,
        sleep: Sleep,
        progress: Progress | None,
    ) -> float:
        if deadline is not None and time.monotonic() >= deadline:
            raise mark_sent(
                FlowTimeoutError(
                    f"flow {self.id or self.tx_hash} still {st.native} ({st.status.value}) "
                    "when the timeout ran out",
                    hint="it continues on chain; call wait()/complete() again or `interop resume`",
                ),
                None,
                flow_id=self.id,
            )
        if st.seconds_to_next:
            delay = float(min(max(st.seconds_to_next, poll), max_interval))
        else:
            delay = interval
        if deadline is not None:
            delay = max(0.0, min(delay, deadline - time.monotonic()))
        await _emit(progress, FlowEvent("waiting", st, seconds=delay))
        await sleep(delay)
        return min(interval * 1.5, max_interval)

    def _check_sender(self, signer: Signer) -> None:
        """Only the account that started a flow continues it (a looked-up flow, whose remaining
        steps anyone may perform, excepted): its later steps spend that account's gas and, for
        a second hop, its funds."""
        r = self._rec
        if r.options.get("looked_up") or not r.sender:
            return
        if r.sender.lower() != str(signer.address).lower():
            raise MissingSignerError(
                f"flow {r.id} was started by {r.sender}; this Interop signs as {signer.address}",
                hint="only the account that started a flow continues it: use that account's key;"
                " nothing was sent",
            )

    async def complete(
        self,
        *,
        progress: Progress | None = None,
        timeout: float | None = None,
        poll: float = 1.0,
        max_interval: float = 60.0,
        sleep: Sleep | None = None,
        receipt_timeout: float = 120.0,
        send_abandoned: bool = False,
    ) -> FlowState:
        """Perform every remaining step as it becomes possible; returns the final state.

        Journal first: the flow is persisted (if it was only looked up), each step's transaction
        is committed when signed, statuses after each step. Raises `TransactionFailedError`
        if the flow failed on chain, `TransactionReplacedError` if its first transaction can never
        be mined (nothing of it executed), `FlowTimeoutError` (a `TimeoutError`) after `timeout`
        (nothing is lost: resume later), `ManualActionRequired` when a hop needs a person (its
        `action` says what to do: the adapter's `details["action"]`; a step the adapter can
        perform, such as a redeem, is tried once first), `MissingSignerError` when this signer
        did not start the flow.

        An `abandoned` flow (its starting call raised before anything was signed) is sent only
        with `send_abandoned=True`: the caller was told it failed and may have paid otherwise.

        Any error raised after this call signed a transaction carries the last such
        transaction's hash, the flow id and `may_have_executed=True` (a status read that fails
        after a mined prove must not read as "nothing happened"); other errors carry the flow id.
        """
        j = self._host.journal
        fid = self._rec.id
        before = {t.seq for t in j.txs(fid)} if self._persisted else set()
        try:
            return await self._complete(
                progress=progress,
                timeout=timeout,
                poll=poll,
                max_interval=max_interval,
                sleep=sleep,
                receipt_timeout=receipt_timeout,
                send_abandoned=send_abandoned,
            )
        except InteropError as exc:
            if self._persisted:
                signed = [t for t in j.txs(fid) if t.seq not in before]
                mark_sent(exc, signed[-1].tx_hash if signed else None, flow_id=fid)
            raise

    async def _complete(
        self,
        *,
        progress: Progress | None,
        timeout: float | None,
        poll: float,
        max_interval: float,
        sleep: Sleep | None,
        receipt_timeout: float,
        send_abandoned: bool,
    ) -> FlowState:
        check_timing(
            timeout=timeout, poll=poll, max_interval=max_interval, receipt_timeout=receipt_timeout
        )
        signer = require_signer(self._host.signer, "complete a bridge flow")
        self._check_sender(signer)
        self._persist()
        self._reload()
        j = self._host.journal
        r = self._rec
        if r.done and r.status == ABANDONED:
            if not send_abandoned:
                raise BridgeError(
                    f"flow {r.id} was abandoned: the call that started it raised before anything"
                    " was signed, so nothing was sent",
                    details=r.error,
                    hint="complete(send_abandoned=True) or resume(include_abandoned=True) sends"
                    " it now",
                )
            j.reopen(r.id)
            self._reload()
        deadline = None if timeout is None else time.monotonic() + timeout
        await self.settle(receipt_timeout=receipt_timeout, deadline=deadline)
        await self._recover_refs()
        sleep = sleep or _default_sleep(self._host)
        interval = poll
        tried_manual: set[tuple[int, str]] = set()
        while True:
            st = await self.status()
            await _emit(progress, FlowEvent("status", st))
            last = st.hop == len(self._rec.hops) - 1
            if st.status is Status.FINALIZED and last:
                if self._open_txs():  # e.g. one the send path proved replaced and re-signed
                    await self.settle(patience=min(FATE_PATIENCE, poll), deadline=deadline)
                await _emit(progress, FlowEvent("done", st))
                return st
            if st.status is Status.FAILED:
                raise self._failure(st)
            if st.next_step == "initiate":
                if not send_abandoned:
                    msg = "its first transaction was never signed, so nothing was sent"
                    j.set_status(self._rec.id, ABANDONED, "not-started", done=True, error=msg)
                    self._reload()
                    raise BridgeError(
                        f"flow {self._rec.id}: {msg}",
                        hint="complete(send_abandoned=True) sends it now",
                    )
                await self._start_first(signer, progress, st, receipt_timeout)
                interval = poll
                continue
            if st.next_step == "deposit":
                await self._start_hop(st.hop, signer, progress, st, receipt_timeout)
                interval = poll
                continue
            if st.status is Status.NEEDS_MANUAL_ACTION:
                # one try of a step the adapter offers (e.g. a redeem); then a person decides:
                # never a loop of transactions that keep failing the same way
                key = (st.hop, st.native)
                if not st.next_step or st.actor is not Actor.CALLER or key in tried_manual:
                    raise self._manual(st)
                tried_manual.add(key)
                try:
                    if await self._do_step(st, signer, progress, receipt_timeout):
                        interval = poll
                        continue
                except (NotReadyError, UnsupportedOperationError):
                    pass
                except AlreadyDoneError:
                    continue
                raise self._manual(st)
            if st.status in _ACTIONABLE and st.next_step:
                try:
                    if await self._do_step(st, signer, progress, receipt_timeout):
                        interval = poll
                        continue
                except NotReadyError:
                    pass
                except AlreadyDoneError:
                    continue
            if self._open_txs():
                await self.settle(
                    patience=min(FATE_PATIENCE, poll),
                    receipt_timeout=receipt_timeout,
                    deadline=deadline,
                )
                await self._recover_refs()
            interval = await self._pause(
                st, interval, poll, max_interval, deadline, sleep, progress
            )

    def _manual(self, st: FlowState) -> ManualActionRequired:
        """The error for a hop that needs a person, with the adapter's `details["action"]`."""
        hop = st.hops[st.hop] if st.hops else None
        where = "" if hop is None else f" ({hop.adapter}, chain {hop.source} -> {hop.target})"
        err = ManualActionRequired(
            f"flow {self.id or self.tx_hash} needs manual action at hop {st.hop + 1}{where}: "
            f"{st.native}",
            action=st.action or "look the flow up (`interop status`) and act on its native state",
        )
        mark_sent(err, None, flow_id=self.id)
        return err

    def _failure(self, st: FlowState) -> InteropError:
        """The error for a flow that ended badly (journal already says so, via `status`)."""
        fid = self._rec.id
        if st.native == REPLACED:
            dead = self.tx_hash
            by = self._replaced_by.get(dead) if dead else None
            return TransactionReplacedError(
                f"flow {fid} never executed: its transaction {dead} can never be mined because "
                f"its nonce was used by another transaction{f' ({by})' if by else ''}",
                tx_hash=dead,
                flow_id=fid,
                replaced_by=by,
                hint="nothing of this flow executed; start it again if it is still wanted",
            )
        msg = f"flow {fid} failed on chain ({st.native}, hop {st.hop + 1})"
        return TransactionFailedError(msg, tx_hash=self.tx_hash, flow_id=fid)

    def _save(self, st: FlowState) -> None:
        """Persist a fresh status (only what changed): hop statuses, the flow's status, and
        `done` once it is finished or failed on chain."""
        if not self._persisted:
            return
        key = (
            st.status,
            st.native,
            tuple(
                None if h.status is None else (h.status.status, h.status.native) for h in st.hops
            ),
        )
        if key == self._saved:
            return
        j = self._host.journal
        for h in st.hops:
            if h.status is not None:
                j.set_hop_status(self._rec.id, h.index, h.status.status.value, h.status.native)
        final = st.status is Status.FAILED or (
            st.status is Status.FINALIZED and st.hop == len(self._rec.hops) - 1
        )
        error = self._rec.error
        if st.status is Status.FAILED:
            error = error or f"flow {self._rec.id} failed on chain ({st.native}, hop {st.hop + 1})"
        status = REPLACED if st.native == REPLACED else st.status.value
        j.set_status(self._rec.id, status, st.native, done=final, error=error)
        self._saved = key
        self._reload()

    def _new_txs(self, since: int, hop: int) -> list[TxRecord]:
        return [t for t in self._journal_txs(hop) if t.seq > since]

    def _last_seq(self) -> int:
        txs = self._journal_txs_all()
        return txs[-1].seq if txs else 0

    async def _do_step(
        self, st: FlowState, signer: Signer, progress: Progress | None, receipt_timeout: float
    ) -> bool:
        hop = self._rec.hops[st.hop]
        step = st.next_step or "step"
        adapter = self._host.adapter(hop.adapter)
        assert hop.ref is not None
        rs = RecordingSigner(signer, self._host.journal, self._rec.id, hop.index, step)
        before = self._last_seq()
        try:
            tx_hash = await adapter.execute_next(
                self._ctx(hop, rs), _current_ref(adapter, hop, self._rec.id)
            )
        except BaseException as exc:
            new = self._new_txs(before, hop.index)
            raise mark_sent(exc, new[-1].tx_hash if new else None, flow_id=self._rec.id) from None
        if tx_hash is None:
            return False
        self._host.journal.add_event(self._rec.id, f"sent {step}", tx_hash)
        await _emit(progress, FlowEvent("sent", st, step=step, tx_hash=tx_hash))
        if await self._wait_mined(tx_hash, hop, receipt_timeout):
            await _emit(progress, FlowEvent("mined", st, step=step, tx_hash=tx_hash))
        return True

    async def _wait_mined(self, tx_hash: Hash32, hop: HopRecord, receipt_timeout: float) -> bool:
        """Wait for a step's receipt: True once mined; False when the transaction turned out to
        be replaced (the step is then taken again from on-chain status)."""
        j = self._host.journal
        rec = next((t for t in self._journal_txs(hop.index) if t.tx_hash == tx_hash), None)
        client = self._host.client(rec.chain_id if rec is not None else hop.target_chain)
        try:
            await wait_for_receipt(client, tx_hash, timeout=receipt_timeout)
        except TransactionFailedError as exc:
            j.set_tx_state(tx_hash, "failed")
            raise mark_sent(exc, tx_hash, flow_id=self._rec.id) from None
        except ReceiptTimeoutError as exc:
            if rec is not None:
                fate = await _fate(client, rec, patience=FATE_PATIENCE)
                if fate.kind.value == "replaced":
                    self._mark_replaced(rec, fate)
                    return False
                if fate.kind.value == "mined":
                    rcpt = fate.receipt or await client.get_receipt(tx_hash)
                    if rcpt is not None:
                        j.set_tx_state(tx_hash, "mined" if rcpt.succeeded else "failed")
                        return True
            raise mark_sent(exc, tx_hash, flow_id=self._rec.id) from None
        except BaseException as exc:
            raise mark_sent(exc, tx_hash, flow_id=self._rec.id) from None
        j.set_tx_state(tx_hash, "mined")
        return True

    def _mark_replaced(self, t: TxRecord, fate: Fate) -> None:
        by = fate.replaced_by
        self._host.journal.set_tx_state(t.tx_hash, "replaced")
        self._host.journal.add_event(
            self._rec.id, f"replaced {t.step}", f"{t.tx_hash} by {by or 'another transaction'}"
        )
        if by:
            self._replaced_by[t.tx_hash] = by

    async def _start_first(
        self, signer: Signer, progress: Progress | None, st: FlowState, receipt_timeout: float
    ) -> None:
        """Send the first transaction of a flow that never sent one (an abandoned flow the caller
        asked to send). The same delivery rule as the call that first tried applies."""
        r = self._rec
        j = self._host.journal
        try:
            if r.hops[0].adapter == NATIVE:
                from interop.actions.transfer import send_native

                client = self._host.client(r.source_chain)
                rs = RecordingSigner(signer, j, r.id, 0, "transfer")
                await _emit(progress, FlowEvent("sent", st, step="transfer"))
                # the call that journaled it already applied the refusals it was given
                res = await send_native(
                    client,
                    rs,
                    r.recipient,
                    r.value,
                    timeout=receipt_timeout,
                    allow_zero=True,
                    allow_zero_address=True,
                )
                j.set_tx_state(res.tx_hash, "mined")
                await _emit(progress, FlowEvent("mined", st, step="transfer", tx_hash=res.tx_hash))
            else:
                await self._start_hop(0, signer, progress, st, receipt_timeout)
        except BaseException as exc:
            j.note_raised(r.id, exc)
            self._reload()
            raise

    async def _start_hop(
        self,
        index: int,
        signer: Signer,
        progress: Progress | None,
        st: FlowState,
        receipt_timeout: float,
    ) -> None:
        """Send the first transaction of hop `index` (the deposit of a two-hop route)."""
        hop = self._rec.hops[index]
        adapter = self._host.adapter(hop.adapter)
        r = self._rec
        last = index == len(r.hops) - 1
        recipient = to_address(r.recipient) if last else to_address(signer.address)
        waive, force = waivers_of(r.options)  # what the caller waived when it started the flow
        req = BridgeRequest(
            self.kind,
            r.value,
            recipient,
            data=r.data if last else b"",
            allow_aliased_recipient=force,
            options=adapter_options(r.options, adapter),
            waive=waive,
        )
        ctx = self._ctx(hop, signer)
        fee = await adapter.estimate(ctx, req)
        balance = await ctx.source.get_balance(signer.address)
        if balance < r.value + fee.initiate_fee:
            raise InsufficientFundsError(
                f"hop {index + 1} needs {r.value + fee.initiate_fee} wei on chain "
                f"{hop.source_chain}, {signer.address} has {balance}",
                balance=balance,
                required=r.value + fee.initiate_fee,
                hint="fund the account and call complete() / `interop resume` again",
            )
        rs = RecordingSigner(signer, self._host.journal, r.id, index, "initiate")
        await _emit(progress, FlowEvent("sent", st, step=f"initiate hop {index + 1}"))
        before = self._last_seq()
        try:
            ref = await adapter.initiate(AdapterContext(ctx.source, ctx.target, rs), req)
        except BaseException as exc:
            new = self._new_txs(before, index)
            raise mark_sent(exc, new[-1].tx_hash if new else None, flow_id=r.id) from None
        self._host.journal.set_hop_ref(r.id, index, ref)
        self._host.journal.set_tx_state(ref.tx_hash, "mined")
        self._reload()
        await _emit(
            progress, FlowEvent("mined", st, step=f"initiate hop {index + 1}", tx_hash=ref.tx_hash)
        )

    async def settle(
        self,
        *,
        patience: float = FATE_PATIENCE,
        receipt_timeout: float = 120.0,
        deadline: float | None = None,
        skip: Collection[str] = (),
    ) -> list[Hash32]:
        """Settle every journaled transaction that may still be mined; returns those broadcast
        again.

        Each is re-sent as the very same bytes (safe: one hash, minable once), then its fate is
        looked up: mined (or reverted) is recorded; replaced (its nonce was used by another
        transaction, so it can never be mined) is recorded and never waited on; pending is
        waited for up to `receipt_timeout` (and `deadline`); unknown stays open for a later look.
        Never signs anything. `skip`: hashes left alone (e.g. one just sent and not awaited).
        """
        if not self._persisted:
            return []
        out: list[Hash32] = []
        j = self._host.journal
        for t in j.txs(self._rec.id):
            if not t.open or t.tx_hash in skip:
                continue
            client = self._host.client(t.chain_id)
            try:
                rcpt = await client.get_receipt(t.tx_hash)
            except InteropError:
                rcpt = None
            if rcpt is None:
                try:
                    await client.send_raw_transaction(t.raw)
                    j.add_event(self._rec.id, f"rebroadcast {t.step}", t.tx_hash)
                    out.append(t.tx_hash)
                except InteropError as exc:
                    log.info("rebroadcast of %s refused: %s", t.tx_hash, exc)
                budget = patience
                if deadline is not None:
                    budget = max(0.0, min(budget, deadline - time.monotonic()))
                fate = await _fate(client, t, patience=budget)
                kind = fate.kind.value
                if kind == "replaced":
                    self._mark_replaced(t, fate)
                    continue
                if kind == "unknown":
                    continue
                rcpt = fate.receipt
                if rcpt is None:
                    wait = receipt_timeout
                    if deadline is not None:
                        wait = max(0.1, min(wait, deadline - time.monotonic()))
                    try:
                        rcpt = await wait_for_receipt(client, t.tx_hash, timeout=wait, check=False)
                    except InteropError:
                        continue
            j.set_tx_state(t.tx_hash, "mined" if rcpt.succeeded else "failed")
        self._reload()
        return out

    async def rebroadcast(self, *, receipt_timeout: float = 120.0) -> list[Hash32]:
        """The first release's name for `settle` (re-send journaled transactions without a
        receipt, same bytes, and record what became of them)."""
        return await self.settle(receipt_timeout=receipt_timeout)

    async def _recover_refs(self) -> None:
        """A hop whose initiating tx is mined but whose ref was never written (crash in
        between) gets its ref back from the receipt, through the adapter."""
        j = self._host.journal
        for hop in self._rec.hops:
            if hop.ref is not None or hop.adapter == NATIVE:
                continue
            for t in j.txs(self._rec.id, hop=hop.index, step="initiate"):
                if t.state in ("mined", "failed"):
                    adapter = self._host.adapter(hop.adapter)
                    ref = await adapter.flow_from_tx(self._ctx(hop), t.tx_hash)
                    j.set_hop_ref(self._rec.id, hop.index, ref)
                    j.add_event(self._rec.id, "recovered ref", t.tx_hash)
                    break
        self._reload()


class Transfer(Flow):
    """Value moving across chains (one or two hops), or a journaled one-chain transfer."""


class Message(Flow):
    """Calldata (optionally with value) delivered to a contract on the target chain."""


async def settle_leftovers(host: FlowHost, flow_id: str, done: str) -> None:
    """After a call succeeded with transaction `done`, decide the fate of any other signature
    it left open in the journal (the send path signs again only once it has proven the earlier
    one's nonce used by another transaction): those are marked `replaced`, never left "signed"."""
    j = host.journal
    if any(t.open and t.tx_hash != done for t in j.txs(flow_id)):
        await handle_for(host, j.get(flow_id)).settle(skip=(done,))


def handle_for(host: FlowHost, record: FlowRecord, *, persisted: bool = True) -> Flow:
    cls = Message if record.kind == FlowKind.MESSAGE.value else Transfer
    return cls(host, record, persisted=persisted)


def _actor(st: FlowStatus) -> Actor | None:
    """Who acts next, from the adapter (`FlowStatus.actor`), else from the uniform status for
    an adapter written before the field existed."""
    if st.actor is not None:
        return st.actor
    if st.status.done:
        return None
    if st.status in _ACTIONABLE:
        return Actor.CALLER
    return Actor.NOBODY


def _default_sleep(host: FlowHost) -> Sleep:
    own = getattr(host, "sleep", None)
    return own if callable(own) else asyncio.sleep


def _current_ref(adapter: BridgeAdapter, hop: HopRecord, flow_id: str) -> FlowRef:
    """The hop's stored ref upgraded by its adapter's codec (`decode_ref`), so a flow journaled
    by an older release resumes with today's adapter, and a ref from a newer release (or in a
    shape the adapter does not know) fails here, naming the flow, before any RPC call."""
    assert hop.ref is not None
    try:
        return adapter.decode_ref(hop.ref)
    except InputError as exc:
        raise InputError(
            f"flow {flow_id} hop {hop.index + 1}: {exc.message}",
            details=exc.details,
            hint=exc.hint or "open this journal with the release that wrote it",
        ) from None
