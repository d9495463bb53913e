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
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from interop.actions.tx import wait_for_receipt
from interop.adapters.base import (
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
    InsufficientFundsError,
    InteropError,
    NotReadyError,
    RpcError,
    RpcTimeoutError,
    TransactionFailedError,
    UnsupportedOperationError,
)
from interop.journal import FlowRecord, HopRecord, Journal, RecordingSigner
from interop.signer import Signer, require_signer
from interop.types import Address, Hash32, to_address

if TYPE_CHECKING:
    pass

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

    @property
    def done(self) -> bool:
        return self.status.done

    def to_dict(self) -> dict[str, Any]:
        return {
            "flow_id": self.flow_id,
            "status": self.status.value,
            "native": self.native,
            "next_step": self.next_step,
            "seconds_to_next": self.seconds_to_next,
            "hop": self.hop,
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
        txs = self._journal_txs(0, "initiate")
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
            rcpt = await client.get_receipt(t.tx_hash)
            if rcpt is not None:
                if rcpt.succeeded:
                    return FlowStatus(Status.FINALIZED, "mined", details={"tx_hash": t.tx_hash})
                return FlowStatus(Status.FAILED, "reverted", details={"tx_hash": t.tx_hash})
        return FlowStatus(Status.PENDING, "sent" if txs else "not-sent")

    async def _hop_status(self, hop: HopRecord) -> FlowStatus | None:
        if hop.adapter == NATIVE:
            return await self._native_status(hop)
        if hop.ref is None:
            return None
        adapter = self._host.adapter(hop.adapter)
        return await adapter.status(self._ctx(hop), hop.ref)

    # ------------------------------------------------------------------ public API
    async def status(self) -> FlowState:
        """Fresh on-chain status of every started hop (reads only, no journal writes)."""
        statuses: list[FlowStatus | None] = []
        for hop in self._rec.hops:
            if statuses and (statuses[-1] is None or statuses[-1].status is not Status.FINALIZED):
                statuses.append(None)
            else:
                statuses.append(await self._hop_status(hop))
        hops = tuple(
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
        cur = next(
            (i for i, st in enumerate(statuses) if st is None or st.status is not Status.FINALIZED),
            len(statuses) - 1,
        )
        st = statuses[cur]
        if st is None:
            sent = bool(self._journal_txs(cur, "initiate"))
            if cur == 0 or sent:
                native, step = ("initiate-sent", None) if sent else ("not-started", "initiate")
            else:
                native, step = "between-hops", "deposit"
            return FlowState(self.id, Status.PENDING, native, step, None if sent else 0, cur, hops)
        return FlowState(self.id, st.status, st.native, st.next_step, st.seconds_to_next, cur, hops)

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
        """Wait (without sending anything) until the current hop reaches `until` or later.

        Returns early when the flow is done or needs the caller (ready to prove / finalize,
        manual action, next hop to deposit): call `complete()` for that. `RpcTimeoutError`
        after `timeout` seconds of wall time.
        """
        sleep = sleep or _default_sleep(self._host)
        deadline = None if timeout is None else time.monotonic() + timeout
        interval = poll
        while True:
            st = await self.status()
            await _emit(progress, FlowEvent("status", st))
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
            raise RpcTimeoutError(
                f"flow {self.id or self.tx_hash} still {st.native} ({st.status.value})",
                hint="it continues on chain; call wait()/complete() again or `interop resume`",
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

    async def complete(
        self,
        *,
        progress: Progress | None = None,
        timeout: float | None = None,
        poll: float = 1.0,
        max_interval: float = 60.0,
        sleep: Sleep | None = None,
        receipt_timeout: float = 120.0,
    ) -> FlowState:
        """Perform every remaining step as it becomes possible; returns the final state.

        Journal first: the flow is persisted (if it was only looked up), each step's transaction
        is committed when signed, statuses after each step. Raises `TransactionFailedError`
        if the flow failed on chain, `RpcTimeoutError` after `timeout` (nothing is lost: resume
        later), `UnsupportedOperationError` when a manual action is needed that the adapter
        cannot perform.
        """
        signer = require_signer(self._host.signer, "complete a bridge flow")
        self._persist()
        await self.rebroadcast(receipt_timeout=receipt_timeout)
        await self._recover_refs()
        sleep = sleep or _default_sleep(self._host)
        deadline = None if timeout is None else time.monotonic() + timeout
        interval = poll
        j = self._host.journal
        while True:
            st = await self.status()
            self._save(st)
            await _emit(progress, FlowEvent("status", st))
            last = st.hop == len(self._rec.hops) - 1
            if st.status is Status.FINALIZED and last:
                j.set_status(self._rec.id, st.status.value, st.native, done=True)
                await _emit(progress, FlowEvent("done", st))
                return st
            if st.status is Status.FAILED:
                msg = f"flow {self._rec.id} failed on chain ({st.native}, hop {st.hop + 1})"
                j.set_status(self._rec.id, st.status.value, st.native, done=True, error=msg)
                raise TransactionFailedError(msg, tx_hash=self.tx_hash)
            if st.next_step == "initiate":
                msg = "the first transaction was never signed; nothing was sent"
                j.set_status(self._rec.id, "cancelled", "not-started", done=True, error=msg)
                raise BridgeError(f"flow {self._rec.id}: {msg}", hint="start a new bridge()")
            if st.next_step == "deposit":
                await self._start_hop(st.hop, signer, progress, st, receipt_timeout)
                interval = poll
                continue
            if st.status in _ACTIONABLE and st.next_step:
                try:
                    if await self._do_step(st, signer, progress, receipt_timeout):
                        interval = poll
                        continue
                except NotReadyError:
                    pass
                except AlreadyDoneError:
                    continue
            interval = await self._pause(
                st, interval, poll, max_interval, deadline, sleep, progress
            )

    def _save(self, st: FlowState) -> None:
        if not self._persisted:
            return
        j = self._host.journal
        for h in st.hops:
            if h.status is not None:
                j.set_hop_status(self._rec.id, h.index, h.status.status.value, h.status.native)
        j.set_status(self._rec.id, st.status.value, st.native)

    async def _do_step(
        self, st: FlowState, signer: Signer, progress: Progress | None, receipt_timeout: float
    ) -> bool:
        hop = self._rec.hops[st.hop]
        step = st.next_step or "step"
        adapter = self._host.adapter(hop.adapter)
        assert hop.ref is not None
        rs = RecordingSigner(signer, self._host.journal, self._rec.id, hop.index, step)
        try:
            tx_hash = await adapter.execute_next(self._ctx(hop, rs), hop.ref)
        except UnsupportedOperationError:
            raise
        if tx_hash is None:
            return False
        self._host.journal.add_event(self._rec.id, f"sent {step}", tx_hash)
        await _emit(progress, FlowEvent("sent", st, step=step, tx_hash=tx_hash))
        await self._wait_mined(tx_hash, hop, receipt_timeout)
        await _emit(progress, FlowEvent("mined", st, step=step, tx_hash=tx_hash))
        return True

    async def _wait_mined(self, tx_hash: Hash32, hop: HopRecord, receipt_timeout: float) -> None:
        chain_id = hop.target_chain
        for t in self._journal_txs(hop.index):
            if t.tx_hash == tx_hash:
                chain_id = t.chain_id
        try:
            await wait_for_receipt(self._host.client(chain_id), tx_hash, timeout=receipt_timeout)
        except TransactionFailedError:
            self._host.journal.set_tx_state(tx_hash, "failed")
            raise
        self._host.journal.set_tx_state(tx_hash, "mined")

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
        req = BridgeRequest(
            self.kind,
            r.value,
            recipient,
            data=r.data if last else b"",
            allow_aliased_recipient=bool(r.options.get("force", False)),
            options={k: v for k, v in r.options.items() if k not in ("force",)},
        )
        ctx = self._ctx(hop, signer)
        await ctx.source.ensure_chain_id()
        await ctx.target.ensure_chain_id()
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
        ref = await adapter.initiate(AdapterContext(ctx.source, ctx.target, rs), req)
        self._host.journal.set_hop_ref(r.id, index, ref)
        self._host.journal.set_tx_state(ref.tx_hash, "mined")
        self._reload()
        await _emit(
            progress, FlowEvent("mined", st, step=f"initiate hop {index + 1}", tx_hash=ref.tx_hash)
        )

    async def rebroadcast(self, *, receipt_timeout: float = 120.0) -> list[Hash32]:
        """Re-send every journaled transaction that has no receipt (same bytes, same hash).

        Safe by construction: a signed transaction can be mined once. One whose nonce was
        meanwhile used by another transaction is marked `dropped`.
        """
        if not self._persisted:
            return []
        out: list[Hash32] = []
        j = self._host.journal
        for t in j.txs(self._rec.id):
            if t.state != "signed":
                continue
            client = self._host.client(t.chain_id)
            rcpt = await client.get_receipt(t.tx_hash)
            if rcpt is None:
                try:
                    await client.send_raw_transaction(t.raw)
                    j.add_event(self._rec.id, f"rebroadcast {t.step}", t.tx_hash)
                    out.append(t.tx_hash)
                except RpcError as exc:
                    log.info("rebroadcast of %s refused: %s", t.tx_hash, exc)
                try:
                    rcpt = await wait_for_receipt(
                        client, t.tx_hash, timeout=receipt_timeout if out else 2.0, check=False
                    )
                except InteropError:
                    rcpt = None
            if rcpt is None:
                if await client.get_transaction(t.tx_hash) is None:
                    j.set_tx_state(t.tx_hash, "dropped")
                continue
            j.set_tx_state(t.tx_hash, "mined" if rcpt.succeeded else "failed")
        self._reload()
        return out

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
        self._reload()


class Transfer(Flow):
    """Value moving across chains (one or two hops), or a journaled one-chain transfer."""


class Message(Flow):
    """Calldata (optionally with value) delivered to a contract on the target chain."""


def handle_for(host: FlowHost, record: FlowRecord, *, persisted: bool = True) -> Flow:
    cls = Message if record.kind == FlowKind.MESSAGE.value else Transfer
    return cls(host, record, persisted=persisted)


def _default_sleep(host: FlowHost) -> Sleep:
    own = getattr(host, "sleep", None)
    return own if callable(own) else asyncio.sleep
