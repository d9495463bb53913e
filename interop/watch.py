"""`interop watch`: a long-running worker that finishes every unfinished flow in the journal.

Why: an SDK call ends at "here is your transaction hash", but a withdrawal still needs a prove
and a finalize days later, a failed Arbitrum retryable a redeem within 7 days, a two-hop route
its second deposit. Every stack runs a server daemon for that; this is one worker for all the
adapters, sharing the journal with whatever started the flows.

How (no new flow machinery): the worker claims flows from the journal (`Journal.claim`: leases;
on PostgreSQL several workers on several machines share the journal, see `interop.journal_pg`)
and runs the flow's own `Flow.complete()` on each, with two hooks:

- its `progress` hook sees each fresh status before `complete()` acts on it. That is where the
  gas policy is applied (the step would run on the hop's target chain, or its source chain for
  the deposit of a route's next hop; if that chain's suggested max fee per gas is above the cap,
  the step waits and the worker says so), the deadline watchdog looks at the status, and a stop
  request takes effect: a step is either not started or performed to the end (signed,
  journaled, broadcast, mined), never half-signed.
- its `sleep` hook: a short wait is slept (with the host's sleep, so on the devnet time is fast
  forwarded); a wait longer than `park_after` seconds "parks" the flow: its lease is given back
  with the time it is next due, and the worker's slot goes to another flow. Everything about
  where a flow stands is read from chain again on the next claim, so nothing is remembered
  in the worker and a restarted worker picks up where the last one left.

Deadline watchdog: a hop whose status carries a deadline (`details["timeout"]`, `"deadline"` or
`"expires_at"`, unix seconds on the hop's target chain: e.g. an Arbitrum retryable's expiry) is
compared with that chain's latest block time. Inside `deadline_margin` the gas policy is waived
for it (a missed deadline loses the message; gas does not). A deadline that passed, or one inside
the margin that the worker cannot act on (a person must), is reported loudly: an ERROR log line,
a `deadline` event in the journal (`interop status` lists it), a `WatchEvent`, and a POST to
`webhook` when one is given.

Per flow the same rules as `resume` hold (only flows of this signer's account; flows on chains
not configured are skipped and left to a worker that has them; abandoned flows are never sent).
A flow whose step keeps failing is retried with a growing delay and given up after
`max_failures` in a row (reported; a person looks at it), never looped on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import signal
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from interop.adapters.base import Actor
from interop.errors import (
    InputError,
    InteropError,
    JournalError,
    ManualActionRequired,
    TransactionFailedError,
    TransactionReplacedError,
)
from interop.flows import Flow, FlowEvent, FlowHost, FlowState, Progress, Sleep, handle_for
from interop.resume import _skip_reason
from interop.safety import redact_secrets
from interop.signer import require_signer

__all__ = ["DEADLINE_KEYS", "GasPolicy", "WatchEvent", "WatchStats", "Watcher"]

log = logging.getLogger("interop.watch")

DEADLINE_KEYS = ("timeout", "deadline", "expires_at")
"""The `HopStatus.details` keys an adapter puts a hop's deadline under (unix seconds, chain time):
the watchdog and `interop status` read the same ones."""


@dataclass(frozen=True)
class GasPolicy:
    """The most a step may pay per gas, per chain id (wei). Chains not named are uncapped."""

    max_fee_per_gas: Mapping[int, int] = field(default_factory=dict)

    def cap(self, chain_id: int) -> int | None:
        return self.max_fee_per_gas.get(chain_id)


@dataclass(frozen=True)
class WatchEvent:
    """What the worker did or saw. `what`: claimed | step | done | failed | parked | gas |
    deadline | manual | error | gave-up | skipped | lost-lease | stopping."""

    what: str
    flow_id: str | None
    detail: str = ""
    state: FlowState | None = None
    seconds: float | None = None


@dataclass
class WatchStats:
    """Counts since the worker started (also the metrics' source)."""

    finished: int = 0
    failed: int = 0
    steps: int = 0
    parked: int = 0
    errors: int = 0
    gas_waits: int = 0
    deadline_alerts: int = 0
    gave_up: int = 0
    next_deadline: float | None = None
    """Seconds to the nearest deadline seen in the last pass (chain time), None if none."""


class _Park(Exception):
    """Raised from the hooks inside `complete()` to hand the flow back until later."""

    def __init__(self, seconds: float, why: str, what: str = "parked") -> None:
        super().__init__(why)
        self.seconds = seconds
        self.why = why
        self.what = what


class Watcher:
    """One worker (see the module docstring). `run()` until `stop()` (or SIGTERM / SIGINT with
    `handle_signals=True`), or until nothing is left to do with `until_idle=True`."""

    def __init__(
        self,
        host: FlowHost,
        configured: Collection[int],
        *,
        owner: str | None = None,
        gas: GasPolicy | Mapping[int, int] | None = None,
        concurrency: int = 4,
        lease_ttl: float = 60.0,
        poll: float = 1.0,
        max_interval: float = 60.0,
        park_after: float | None = None,
        deadline_margin: float = 6 * 3600.0,
        webhook: str | None = None,
        on_event: Callable[[WatchEvent], Any] | None = None,
        progress: Progress | None = None,
        receipt_timeout: float = 120.0,
        max_failures: int = 5,
        stop_grace: float = 60.0,
        metrics_port: int | None = None,
        metrics_host: str = "127.0.0.1",
    ) -> None:
        """`owner`: this worker's id in leases (default host-pid-random). `gas`: a
        `GasPolicy` or {chain id: max fee per gas}. `park_after`: waits longer than this park
        the flow (default 30 s; with a host `sleep` of its own, e.g. the devnet's fast-forward,
        every wait is slept). `deadline_margin`: seconds before a deadline when the gas policy
        stops applying and a flow that cannot be acted on is reported. `stop_grace`: seconds a
        stop waits for steps in progress before cancelling them (a cancelled step's signed
        transaction is in the journal; the next run settles it). `metrics_port`: serve
        Prometheus text on http://metrics_host:port/metrics while running (`interop.metrics`;
        0 picks a free port, then `metrics_url` says which)."""
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise InputError(f"concurrency must be an int >= 1, got {concurrency!r}")
        for name, v in (("lease_ttl", lease_ttl), ("poll", poll), ("max_interval", max_interval)):
            if not isinstance(v, int | float) or isinstance(v, bool) or not 0 < v < math.inf:
                raise InputError(f"{name} must be a positive number of seconds, got {v!r}")
        self.host = host
        self.configured = set(configured)
        self.owner = owner or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.gas = gas if isinstance(gas, GasPolicy) else GasPolicy(dict(gas or {}))
        self.concurrency = concurrency
        self.lease_ttl = float(lease_ttl)
        self.poll = float(poll)
        self.max_interval = float(max_interval)
        own_sleep = getattr(host, "sleep", None)
        self._sleep: Sleep = own_sleep if callable(own_sleep) else asyncio.sleep
        if park_after is None:
            park_after = math.inf if callable(own_sleep) else 30.0
        self.park_after = float(park_after)
        self.deadline_margin = float(deadline_margin)
        self.webhook = webhook
        self.on_event = on_event
        self.progress = progress
        self.receipt_timeout = receipt_timeout
        self.max_failures = max_failures
        self.stop_grace = stop_grace
        self.metrics_port = metrics_port
        self.metrics_host = metrics_host
        self.metrics_url: str | None = None
        self.stats = WatchStats()
        self.deadlines: dict[str, float] = {}
        """Seconds to each watched flow's deadline (chain time), as last seen."""
        self._stopping = asyncio.Event()
        self._active: dict[str, asyncio.Task[None]] = {}
        self._skipped: dict[str, str] = {}
        self._failures: dict[str, int] = {}
        self._gave_up: set[str] = set()
        self._alerted: set[tuple[str, str]] = set()
        self._known_at: dict[str, int] = {}
        self._me = ""

    # ------------------------------------------------------------------ control
    def stop(self) -> None:
        """Stop claiming; steps in progress finish (or, not yet started, are not started)."""
        if not self._stopping.is_set():
            self._emit(WatchEvent("stopping", None, "stop requested"))
        self._stopping.set()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    async def run(
        self,
        *,
        until_idle: bool = False,
        max_time: float | None = None,
        handle_signals: bool = False,
    ) -> WatchStats:
        """Work until stopped. `until_idle`: return once no unfinished flow of this account is
        left (other than skipped or given-up ones), whoever finished them. `max_time`: stop
        after this many seconds of wall time."""
        j = self.host.journal
        self._me = require_signer(self.host.signer, "watch flows").address
        j.owner = self.owner
        loop = asyncio.get_running_loop()
        installed: list[signal.Signals] = []
        if handle_signals:
            for sig in (signal.SIGTERM, signal.SIGINT):
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    loop.add_signal_handler(sig, self.stop)
                    installed.append(sig)
        end = None if max_time is None else time.monotonic() + max_time
        async with contextlib.AsyncExitStack() as stack:
            if self.metrics_port is not None:
                from interop.metrics import MetricsServer, render

                server = await stack.enter_async_context(
                    MetricsServer(
                        lambda: render(j, self.stats, owner=self.owner),
                        host=self.metrics_host,
                        port=self.metrics_port,
                    )
                )
                self.metrics_url = f"http://{server.host}:{server.port}/metrics"
                log.info("watch %s: metrics at %s", self.owner, self.metrics_url)
            try:
                await self._loop(until_idle, end)
            finally:
                for sig in installed:
                    loop.remove_signal_handler(sig)
                j.owner = None
        return self.stats

    async def _loop(self, until_idle: bool, end: float | None) -> None:
        j = self.host.journal
        beat = asyncio.create_task(self._heartbeat())
        log.info("watch %s: started", self.owner)
        try:
            while not self.stopping:
                if end is not None and time.monotonic() >= end:
                    self.stop()
                    break
                free = self.concurrency - len(self._active)
                got: list[str] = []
                if free > 0:
                    got = j.claim(self.owner, limit=free, ttl=self.lease_ttl, senders=[self._me])
                for fid in got:
                    self._active[fid] = asyncio.create_task(self._tick(fid))
                if not got and not self._active and until_idle and self._idle():
                    break
                waiters: list[asyncio.Future[Any]] = [*self._active.values()]
                stop_wait = asyncio.ensure_future(self._stopping.wait())
                await asyncio.wait(
                    [*waiters, stop_wait],
                    timeout=self.poll if len(self._active) < self.concurrency else None,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                stop_wait.cancel()
            await self._drain()
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat
            log.info("watch %s: stopped (%s)", self.owner, self.stats)

    async def _drain(self) -> None:
        """Let steps in progress end (they park at their next wait), then give leases back."""
        if self._active:
            _, pending = await asyncio.wait(list(self._active.values()), timeout=self.stop_grace)
            for t in pending:
                t.cancel()
            if pending:
                await asyncio.wait(pending)

    def _idle(self) -> bool:
        left = [
            r
            for r in self.host.journal.flows(unfinished=True)
            if (not r.sender or r.sender.lower() == self._me.lower())
            and r.id not in self._skipped
            and r.id not in self._gave_up
        ]
        return not left

    async def _heartbeat(self) -> None:
        j = self.host.journal
        while True:
            await asyncio.sleep(self.lease_ttl / 3)
            held = list(self._active)
            if not held:
                continue
            try:
                kept = j.renew(self.owner, held, self.lease_ttl)
            except InteropError as exc:
                log.warning("watch %s: lease renewal failed: %s", self.owner, exc)
                continue
            for fid in set(held) - kept:
                self._emit(WatchEvent("lost-lease", fid, "lease expired or taken over"))

    # ------------------------------------------------------------------ one flow
    async def _tick(self, fid: str) -> None:
        j = self.host.journal
        delay: float | None = 0.0
        try:
            delay = await self._work(fid)
        except asyncio.CancelledError:
            delay = 0.0
            raise
        except JournalError as exc:
            if "lease" in str(exc):
                self._emit(WatchEvent("lost-lease", fid, str(exc)))
                delay = None
            else:
                self._failed_step(fid, exc)
                delay = self.max_interval
        finally:
            self._active.pop(fid, None)
            if delay is not None:
                with contextlib.suppress(InteropError):
                    j.release(self.owner, fid, delay=delay)

    async def _work(self, fid: str) -> float:
        """Run one flow as far as it goes now; returns seconds until it is due again."""
        j = self.host.journal
        rec = j.get(fid)
        reason = _skip_reason(self.host, self.configured, rec, self._me, False)
        if reason is not None:
            if fid not in self._skipped:
                self._emit(WatchEvent("skipped", fid, reason))
            self._skipped[fid] = reason
            return 3600.0
        flow = handle_for(self.host, rec)
        gate = _Gate(self, flow)
        try:
            st = await flow.complete(
                progress=gate,
                sleep=gate.sleep,
                poll=self.poll,
                max_interval=self.max_interval,
                receipt_timeout=self.receipt_timeout,
            )
        except _Park as p:
            self.stats.parked += 1
            if p.what == "gas":
                self.stats.gas_waits += 1
            self._emit(WatchEvent(p.what, fid, p.why, gate.last, p.seconds))
            self._failures.pop(fid, None)
            return p.seconds
        except ManualActionRequired as exc:
            await self._deadline_cannot_act(fid, gate.last, exc.action or str(exc))
            self._emit(WatchEvent("manual", fid, exc.action or str(exc), gate.last))
            return self.max_interval
        except (TransactionFailedError, TransactionReplacedError) as exc:
            if j.get(fid).done:  # the flow itself ended badly (the journal says so)
                self.stats.failed += 1
                self._emit(WatchEvent("failed", fid, str(exc), gate.last))
                return 0.0
            return self._failed_step(fid, exc)
        except InteropError as exc:
            if isinstance(exc, JournalError):
                raise
            if j.get(fid).done:
                self.stats.failed += 1
                self._emit(WatchEvent("failed", fid, str(exc), gate.last))
                return 0.0
            return self._failed_step(fid, exc)
        self._failures.pop(fid, None)
        self.deadlines.pop(fid, None)
        self.stats.finished += 1
        self._emit(WatchEvent("done", fid, st.native, st))
        return 0.0

    def _failed_step(self, fid: str, exc: BaseException) -> float:
        n = self._failures.get(fid, 0) + 1
        self._failures[fid] = n
        self.stats.errors += 1
        why = redact_secrets(f"{type(exc).__name__}: {exc}")[:300]
        if n >= self.max_failures:
            self._gave_up.add(fid)
            self.stats.gave_up += 1
            self._emit(WatchEvent("gave-up", fid, f"{n} failures in a row; last: {why}"))
            log.error("watch: flow %s failed %d times in a row, left alone: %s", fid, n, why)
            with contextlib.suppress(InteropError):
                self.host.journal.add_event(fid, "watch gave up", why)
            return 24 * 3600.0
        self._emit(WatchEvent("error", fid, why))
        return float(min(self.max_interval * 2 ** (n - 1), 3600.0))

    # ------------------------------------------------------------------ deadlines
    async def deadline_left(self, st: FlowState, flow_id: str | None = None) -> float | None:
        """Seconds (chain time, on the hop's target chain) to the current hop's deadline; None
        if it has none. A deadline seen once is journaled (`deadline-at` event), so a status
        that no longer carries it (an expired Arbitrum ticket has no timeout left) is still
        compared with it, by this worker after a restart or by another worker."""
        if st.done or not st.hops:
            return None
        hop = st.hops[st.hop]
        hs = hop.status
        if hs is None:
            return None
        at = next((hs.details.get(k) for k in DEADLINE_KEYS if hs.details.get(k)), None)
        j = self.host.journal
        if isinstance(at, int) and not isinstance(at, bool) and at > 0:
            if flow_id is not None and self._known_at.get(flow_id) != at:
                self._known_at[flow_id] = at
                if not any(
                    w == "deadline-at" and d == f"{st.hop} {at}" for _, w, d in j.events(flow_id)
                ):
                    j.add_event(flow_id, "deadline-at", f"{st.hop} {at}")
        elif flow_id is not None and st.status.value in ("needs-manual-action", "failed"):
            at = self._known_at.get(flow_id)
            if at is None:
                for _, what, detail in reversed(j.events(flow_id)):
                    hop_s, _, at_s = detail.partition(" ")
                    if what == "deadline-at" and hop_s == str(st.hop) and at_s.isdigit():
                        at = self._known_at[flow_id] = int(at_s)
                        break
            if at is None:
                return None
        else:
            return None
        block = await self.host.client(hop.target).get_block("latest")
        now = block.get("timestamp")
        now_s = int(now, 16) if isinstance(now, str) else int(now or 0)
        return float(at - now_s)

    async def _check_deadline(self, flow: Flow, st: FlowState) -> bool:
        """Look at the flow's deadline; True when it is inside the margin (act now)."""
        fid = str(flow.id)
        try:
            left = await self.deadline_left(st, fid)
        except InteropError as exc:
            log.warning("watch: deadline of flow %s unreadable: %s", fid, exc)
            return False
        if left is None:
            self.deadlines.pop(fid, None)
            return False
        self.deadlines[fid] = left
        nearest = min(self.deadlines.values())
        self.stats.next_deadline = nearest
        can_act = bool(st.next_step) and st.actor is Actor.CALLER
        if left <= 0:
            await self._alert(
                fid,
                "passed",
                f"flow {fid}: its deadline passed {-left:.0f} s ago ({st.native}):"
                f" {st.action or 'see `interop status`'}",
            )
        elif left <= self.deadline_margin:
            if can_act:
                log.warning(
                    "watch: flow %s deadline in %.0f s: %s now (gas policy waived)",
                    fid,
                    left,
                    st.next_step,
                )
            else:
                await self._alert(
                    fid,
                    "near",
                    f"flow {fid}: deadline in {left:.0f} s and the worker cannot act on it"
                    f" ({st.native}): {st.action or 'waiting for others'}",
                )
        return left <= self.deadline_margin

    async def _deadline_cannot_act(self, fid: str, st: FlowState | None, action: str) -> None:
        left = self.deadlines.get(fid)
        if st is None or left is None or left > self.deadline_margin:
            return
        await self._alert(
            fid,
            "manual",
            f"flow {fid}: deadline in {left:.0f} s and it needs a person: {action}",
        )

    async def _alert(self, fid: str, kind: str, message: str) -> None:
        """Loud: ERROR log, journal event, WatchEvent, webhook (once per flow and kind)."""
        if (fid, kind) in self._alerted:
            return
        self._alerted.add((fid, kind))
        self.stats.deadline_alerts += 1
        log.error("watch: DEADLINE %s", message)
        with contextlib.suppress(InteropError):
            self.host.journal.add_event(fid, "deadline", message)
        self._emit(WatchEvent("deadline", fid, message, seconds=self.deadlines.get(fid)))
        if self.webhook:
            await _post(self.webhook, {"flow_id": fid, "kind": kind, "message": message})

    # ------------------------------------------------------------------ plumbing
    def _emit(self, event: WatchEvent) -> None:
        """Log the event and hand it to `on_event`. With an `on_event` and no logging configured
        the log call is left out: Python's last-resort handler would print WARNING events to
        stderr a second time, beside the caller's own line (the CLI showed every "skipped"
        twice). A program that configured logging gets both, as it asked."""
        level = logging.INFO if event.what in ("done", "step", "claimed") else logging.DEBUG
        if event.what in ("error", "gas", "manual", "lost-lease", "skipped"):
            level = logging.WARNING
        if self.on_event is None or log.hasHandlers():
            log.log(level, "watch: %s %s %s", event.what, event.flow_id or "", event.detail)
        if self.on_event is not None:
            try:
                self.on_event(event)
            except Exception:  # a reporting callback must not stop the worker
                log.exception("watch: on_event raised")


class _Gate:
    """The hooks `Watcher` gives one flow's `complete()` (module docstring)."""

    def __init__(self, watcher: Watcher, flow: Flow) -> None:
        self.w = watcher
        self.flow = flow
        self.last: FlowState | None = None

    async def __call__(self, event: FlowEvent) -> None:
        w = self.w
        if event.what == "status":
            st = event.state
            self.last = st
            urgent = await w._check_deadline(self.flow, st)
            if st.next_step and st.actor is Actor.CALLER and not st.done:
                if w.stopping:
                    raise _Park(0.0, "stopping before " + st.next_step, "stopping")
                if not urgent:
                    await self._gas(st)
        elif event.what == "sent":
            w.stats.steps += 1
            w._emit(WatchEvent("step", self.flow.id, f"{event.step} {event.tx_hash or ''}"))
        if w.progress is not None:
            res = w.progress(event)
            if isinstance(res, Awaitable):
                await res

    async def _gas(self, st: FlowState) -> None:
        hop = st.hops[st.hop] if st.hops else None
        if hop is None:
            return
        chain = hop.source if st.next_step == "deposit" else hop.target
        cap = self.w.gas.cap(chain)
        if cap is None:
            return
        from interop.actions.tx import suggest_fees

        fee, _ = await suggest_fees(self.w.host.client(chain))
        if fee > cap:
            raise _Park(
                self.w.max_interval,
                f"{st.next_step} waits: max fee per gas {fee} wei on chain {chain} is above"
                f" the cap {cap}",
                "gas",
            )

    async def sleep(self, seconds: float) -> None:
        if self.w.stopping:
            raise _Park(0.0, "stopping while waiting", "stopping")
        if seconds > self.w.park_after:
            raise _Park(seconds, f"waiting {seconds:.0f} s ({self.last and self.last.native})")
        await self.w._sleep(seconds)


async def _post(url: str, payload: dict[str, Any]) -> None:
    """POST `payload` as JSON to the webhook; failures are logged, never raised."""
    try:
        import aiohttp

        timeout = aiohttp.ClientTimeout(total=10)
        async with (
            aiohttp.ClientSession(timeout=timeout) as s,
            s.post(url, data=json.dumps(payload), headers={"content-type": "application/json"}),
        ):
            pass
    except Exception as exc:  # the alert is already logged and journaled
        log.warning("watch: webhook failed: %s", redact_secrets(str(exc))[:200])
