"""Progress a person can read while the CLI waits: each hop's steps, who acts, time to the next.

Why a separate module: `interop bridge --complete`, `finalize`, `resume` and `watch` can wait
minutes (devnet) to days (a mainnet challenge window). A line per poll tells a person little;
this draws, on stderr, every hop of the flow with its planned steps (from the adapter's own
`plan`: initiate, prove, finalize, arrive, execute, claim, ...), which are done, which one is
under way and who acts on it (you, the rollup's relayer, or nobody: time must pass), and a
countdown to the next step from the adapter's `FlowStatus.seconds_to_next`, with a spinner.

It is drawn only where a person looks: stderr is a terminal (not a pipe, not `TERM=dumb`), the
command is not `--json`, and `rich` (the `cli` extra) is installed. Everywhere else the CLI
keeps its plain progress lines, so logs, pipes and `--json` output stay exactly as they were.
Nothing here writes to stdout, and nothing here can fail a command: a plan that cannot be read
leaves the steps out, a rendering error is swallowed (the flow matters, not its picture).

The rendering functions (`fmt_duration`, `step_marks`, `FlowBoard.renderable`) are pure, so
tests draw a real flow into a recording console and read the text back.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

from interop.adapters.base import Actor, PlannedStep, Status

__all__ = [
    "FlowBoard",
    "WatchBoard",
    "fmt_duration",
    "make_console",
    "step_marks",
]

PlanSource = Callable[[str | None, Any], Awaitable[tuple[PlannedStep, ...]]]
"""`(flow_id, HopState) -> the hop's planned steps` (the CLI asks the hop's adapter)."""

_PLAN_TIMEOUT = 10.0
"""Seconds a plan read may take before the steps are drawn without it."""

_MARK = {
    "done": ("✓", "green"),
    "active": ("", "cyan"),  # a spinner
    "ready": ("▶", "bold yellow"),
    "pending": ("·", "dim"),
    "failed": ("✗", "bold red"),
    "manual": ("!", "bold red"),
}
_HASH = re.compile(r"0x[0-9a-fA-F]{64}")
_WHO = {Actor.CALLER: "you", Actor.RELAYER: "relayer", Actor.NOBODY: "time"}
_WAITING = {Actor.RELAYER: "waiting for the relayer", Actor.NOBODY: "waiting for time to pass"}


def fmt_duration(seconds: float) -> str:
    """`6d 23h`, `2h 5m`, `3m 20s`, `12s`: two units at most, what a person reads at a glance."""
    s = max(0, round(seconds))
    d, rem = divmod(s, 86400)
    h, rem = divmod(rem, 3600)
    m, sec = divmod(rem, 60)
    if d:
        return f"{d}d {h}h" if h else f"{d}d"
    if h:
        return f"{h}h {m}m" if m else f"{h}h"
    if m:
        return f"{m}m {sec}s" if sec else f"{m}m"
    return f"{sec}s"


def make_console(*, json_output: bool, quiet: bool = False) -> Any | None:
    """A rich Console on stderr when progress should be drawn, else None (plain lines).

    None when `--json` or `--quiet` is given, rich is not installed, or stderr is not a terminal
    a person reads (a pipe, a file, `TERM=dumb`). `INTEROP_PROGRESS=plain` forces the lines."""
    if json_output or quiet or os.environ.get("INTEROP_PROGRESS", "").lower() == "plain":
        return None
    try:  # the stream itself, not rich's opinion: FORCE_COLOR / TTY_COMPATIBLE (set by many CI
        # setups) make rich call a pipe a terminal, and a picture would land in the CI log
        if not sys.stderr.isatty():
            return None
    except (AttributeError, ValueError):  # replaced or closed stderr
        return None
    try:
        from rich.console import Console
    except ImportError:
        return None
    console = Console(stderr=True, highlight=False)
    if not console.is_terminal or console.is_dumb_terminal:
        return None
    return console


# --------------------------------------------------------------------------------------------
# one flow


def _step_of(name: str | None) -> str | None:
    """The planned action a progress event's step names ('initiate hop 2' -> 'initiate')."""
    if not name:
        return None
    return "initiate" if name.startswith("initiate") or name == "transfer" else name


def step_marks(
    steps: tuple[PlannedStep, ...],
    st: Any,
    hop: int,
    *,
    mined: frozenset[str] = frozenset(),
    sent: frozenset[str] = frozenset(),
) -> list[str]:
    """Where each planned step of hop `hop` stands in flow state `st` (a `FlowState`):
    done | active (under way, or waiting for time / a relayer) | ready (yours, now) | pending |
    failed | manual. `mined` / `sent`: steps of this hop this command saw mined / broadcast.

    The adapters' uniform status names the next step (`next_step`) and who acts (`actor`); a
    planned step before it is done, and while the flow waits for time or a relayer the step
    in between (a challenge window, a relay) is the one under way."""
    n = len(steps)
    if not n:
        return []
    cur = st.hop
    if hop < cur:
        return ["done"] * n
    if hop > cur:
        return ["pending"] * n
    hs = st.hops[hop].status if st.hops and hop < len(st.hops) else None
    last = hop == len(st.hops) - 1 if st.hops else True
    if st.status is Status.FINALIZED and (last or (hs is not None and hs.status.done)):
        return ["done"] * n
    marks = ["pending"] * n
    if hs is None:  # the hop's first transaction is not mined yet
        started = "initiate" in sent or st.native == "initiate-sent"
        marks[0] = "active" if started else ("ready" if st.actor is Actor.CALLER else "pending")
        if st.status is Status.FAILED:
            marks[0] = "failed"
        return marks
    marks[0] = "done"
    k: int | None = None
    if st.next_step:
        names = [s.action for s in steps]
        callers = [
            i for i in range(1, n) if names[i] == st.next_step and steps[i].actor is Actor.CALLER
        ]
        anyone = [i for i in range(1, n) if names[i] == st.next_step]
        found = callers or anyone
        k = found[0] if found else None
    if k is None:  # nothing named: the first step after what is known done is under way
        k = 1 if n > 1 else None
        for i in range(1, n):
            if steps[i].action in mined:
                k = i + 1 if i + 1 < n else None
        if k is not None:
            for i in range(1, k):
                marks[i] = "done"
            marks[k] = "active"
    else:
        for i in range(1, k):
            marks[i] = "done"
        waiting = st.status in (Status.WAITING_TO_PROVE, Status.WAITING_TO_FINALIZE, Status.PENDING)
        if st.actor is Actor.CALLER and not waiting:
            marks[k] = "active" if steps[k].action in sent - mined else "ready"
        elif waiting and k > 1 and steps[k - 1].actor is not Actor.CALLER:
            marks[k - 1] = "active"  # e.g. the challenge window (nobody) before execute
        else:
            marks[k] = "active"
    for i, s in enumerate(steps):  # what this command saw mined is done, whatever came before
        if s.action in mined and i > 0:
            for j in range(i + 1):
                marks[j] = "done"
    if st.status is Status.FAILED or st.status is Status.NEEDS_MANUAL_ACTION:
        bad = "failed" if st.status is Status.FAILED else "manual"
        live = [i for i, m in enumerate(marks) if m in ("active", "ready")]
        if live:
            marks[live[0]] = bad
        elif st.status is Status.FAILED:
            marks[-1] = bad
    return marks


@dataclass
class _View:
    """What the board knows about one flow (from its progress events)."""

    flow_id: str | None
    state: Any = None
    started: float = field(default_factory=time.monotonic)
    eta_at: float | None = None
    check_at: float | None = None
    sent: dict[tuple[int, str], str | None] = field(default_factory=dict)
    mined: set[tuple[int, str]] = field(default_factory=set)
    just_mined: str | None = None
    done: bool = False


class _LiveBoard:
    """A board drawn live on the console while inside `with board:` (its `renderable()` is
    re-drawn at `_rate` per second; on leaving, its final picture stays on screen)."""

    console: Any
    _live: Any
    _rate: float

    def renderable(self, *, final: bool = False) -> Any:
        raise NotImplementedError

    def __enter__(self) -> Self:
        from rich.live import Live

        # stdout is never redirected (it carries the command's result); stderr writes made
        # while the picture is up are printed above it instead of tearing it
        self._live = Live(
            _Lazy(self),
            console=self.console,
            refresh_per_second=self._rate,
            transient=False,
            redirect_stdout=False,
            redirect_stderr=True,
        )
        try:
            self._live.start()
        except Exception:  # a terminal rich cannot drive: the flow goes on undrawn
            self._live = None
        return self

    def __exit__(self, *exc: object) -> None:
        live, self._live = self._live, None
        if live is not None:
            with contextlib.suppress(Exception):
                live.update(self.renderable(final=True), refresh=True)
            live.stop()


class FlowBoard(_LiveBoard):
    """A live picture of one or more flows, fed by `Flow.complete()` / `wait()` / `resume()`
    progress events (use an instance as the `progress` callback, inside `with board:`).

    `names`: chain id -> name. `plans`: reads a hop's planned steps (once per route; a failure
    or a slow read leaves the steps out). `label`: what is being done, for the header."""

    MAX_FULL = 4
    """Flows drawn in full at once; the rest are counted."""

    def __init__(
        self,
        console: Any,
        *,
        names: Mapping[int, str] | None = None,
        plans: PlanSource | None = None,
        label: str = "",
        refresh_per_second: float = 8.0,
    ) -> None:
        self.console = console
        self.names = dict(names or {})
        self.plans = plans
        self.label = label
        self.views: dict[str | None, _View] = {}
        self._plans: dict[tuple[Any, ...], tuple[PlannedStep, ...] | None] = {}
        self._live: Any = None
        self._rate = refresh_per_second
        self._t0 = time.monotonic()

    # ---- the progress callback
    async def __call__(self, ev: Any) -> None:
        st = ev.state
        v = self.views.get(st.flow_id)
        if v is None:
            v = self.views[st.flow_id] = _View(st.flow_id)
        v.state = st
        now = time.monotonic()
        step = _step_of(ev.step)
        hop = st.hop
        if ev.what == "status":
            v.eta_at = None if st.seconds_to_next is None else now + st.seconds_to_next
            v.check_at = None
            v.just_mined = None
            await self._fetch_plans(st)
        elif ev.what == "waiting":
            v.check_at = None if ev.seconds is None else now + float(ev.seconds)
        elif ev.what == "sent" and step:
            v.sent[(hop, step)] = ev.tx_hash
        elif ev.what == "mined" and step:
            v.sent[(hop, step)] = ev.tx_hash or v.sent.get((hop, step))
            v.mined.add((hop, step))
            v.just_mined = step
        elif ev.what == "done":
            v.done = True
        if self._live is not None:
            with contextlib.suppress(Exception):
                self._live.refresh()

    async def _fetch_plans(self, st: Any) -> None:
        if self.plans is None:
            return
        for h in st.hops:
            key = (h.adapter, h.direction, h.source, h.target, st.flow_id)
            if key in self._plans:
                continue
            self._plans[key] = None
            try:
                self._plans[key] = await asyncio.wait_for(self.plans(st.flow_id, h), _PLAN_TIMEOUT)
            except (Exception, TimeoutError):  # the picture goes without the steps
                self._plans[key] = None

    def _steps(self, st: Any, h: Any) -> tuple[PlannedStep, ...]:
        found = self._plans.get((h.adapter, h.direction, h.source, h.target, st.flow_id))
        return found or ()

    def _name(self, chain: int) -> str:
        return self.names.get(chain, str(chain))

    # ---- drawing
    def renderable(self, *, final: bool = False) -> Any:
        """Everything the board shows now (a rich renderable); `final`: no spinners."""
        from rich.console import Group
        from rich.text import Text

        views = [v for v in list(self.views.values()) if v.state is not None]
        if not views:
            return Text("") if final else self._spinner_line(f"{self.label or 'working'}…", final)
        if len(views) == 1:
            return Group(*self._flow(views[0], final))
        # several flows (resume): the ones still going in full, those that ended in one line
        # each, so a long resume still fits a screen
        parts: list[Any] = []
        going = [v for v in views if not (v.done or v.state.status.done)]
        for v in views:
            if v not in going:
                ok = v.state.status is Status.FINALIZED
                parts.append(
                    Text(
                        f"{'✓' if ok else '✗'} flow {v.flow_id}: {v.state.status.value}",
                        style="green" if ok else "red",
                    )
                )
        for v in going[: self.MAX_FULL]:
            parts.extend(self._flow(v, final))
        if len(going) > self.MAX_FULL:
            parts.append(Text(f"… and {len(going) - self.MAX_FULL} more flows", style="dim"))
        return Group(*parts)

    def _spinner_line(self, text: str, final: bool, indent: int = 0) -> Any:
        from rich.padding import Padding
        from rich.spinner import Spinner
        from rich.text import Text

        if final:
            return Text(f"{' ' * indent}{text}")
        return Padding(Spinner("dots", Text(text), style="cyan"), (0, 0, 0, indent))

    def _flow(self, v: _View, final: bool) -> list[Any]:
        from rich.table import Table
        from rich.text import Text

        st = v.state
        now = time.monotonic()
        out: list[Any] = []
        first, last = (st.hops[0], st.hops[-1]) if st.hops else (None, None)
        head = Text()
        head.append(f"flow {v.flow_id or '(not journaled)'}", style="bold")
        if first and last:
            head.append(f"  {self._name(first.source)} → {self._name(last.target)}")
        head.append(f"  ·  {fmt_duration(now - v.started)} elapsed", style="dim")
        out.append(head)
        for h in st.hops:
            out.append(
                Text(
                    f"  hop {h.index + 1}/{len(st.hops)}  {h.adapter} {h.direction.value}  "
                    f"{self._name(h.source)} → {self._name(h.target)}",
                    style="bold" if h.index == st.hop else "dim",
                )
            )
            steps = self._steps(st, h)
            if not steps:
                continue
            mined = frozenset(s for (i, s) in v.mined if i == h.index)
            sent = frozenset(s for (i, s) in v.sent if i == h.index)
            grid = Table.grid(padding=(0, 1))
            grid.add_column(width=3)  # indent
            for _ in range(5):
                grid.add_column(no_wrap=True)
            marks = step_marks(steps, st, h.index, mined=mined, sent=sent)
            for s, mark in zip(steps, marks, strict=True):
                grid.add_row(*self._step_row(v, st, h.index, s, mark, final, now))
            out.append(grid)
        out.append(self._summary(v, final, now))
        return out

    def _step_row(
        self, v: _View, st: Any, hop: int, s: PlannedStep, mark: str, final: bool, now: float
    ) -> list[Any]:
        from rich.spinner import Spinner
        from rich.text import Text

        glyph, style = _MARK[mark]
        icon: Any = Text(glyph or "…", style=style)
        if mark == "active" and not final:
            icon = Spinner("dots", style=style)
        tx = v.sent.get((hop, s.action))
        state = {"active": "in progress", "manual": "needs a person"}.get(mark, mark)
        detail = ""
        if mark == "done":
            detail = _short(tx)
        elif mark == "ready":
            state, detail = "ready", "yours to do now"
        elif mark == "active":
            if tx and (hop, s.action) not in v.mined:
                detail = f"sent {_short(tx)}, waiting for it to be mined"
            else:
                waiter = _WAITING.get(st.actor, "") if st.actor is not Actor.CALLER else ""
                detail = ", ".join(x for x in (waiter, self._eta(v, now)) if x)
        elif mark == "manual":
            detail = st.action or ""
        elif mark == "pending" and s.wait_seconds:
            detail = f"about {fmt_duration(s.wait_seconds)} after the step before"
        return [
            Text(""),
            icon,
            Text(s.action, style="bold" if mark in ("active", "ready") else ""),
            Text(_WHO.get(s.actor, s.actor.value), style="dim"),
            Text(state, style=style),
            Text(detail, style="dim" if mark in ("pending", "done") else ""),
        ]

    def _eta(self, v: _View, now: float) -> str:
        if v.eta_at is None:
            return ""
        left = v.eta_at - now
        if left >= 0.5:
            return f"next step in ~{fmt_duration(left)}"
        return "now" if v.state.actor is Actor.CALLER else "next step any moment now"

    def _summary(self, v: _View, final: bool, now: float) -> Any:
        from rich.text import Text

        st = v.state
        state = st.status.value + ("" if st.native == st.status.value else f" ({st.native})")
        if st.status.done or v.done:
            ok = st.status is Status.FINALIZED
            return Text(
                f"  {'✓ done' if ok else '✗ ' + st.status.value}: {state}",
                style="bold green" if ok else "bold red",
            )
        if v.just_mined:  # the status shown was read before this step: do not repeat it
            return self._spinner_line(f"{v.just_mined} mined · reading the status", final, 2)
        parts = [state]
        if st.next_step:
            who = _WHO.get(st.actor, "") if st.actor else ""
            parts.append(f"next: {st.next_step}" + (f" by {who}" if who else ""))
        eta = self._eta(v, now)
        if eta:
            parts.append(eta)
        if v.check_at is not None and not final:
            parts.append(f"checking again in {fmt_duration(max(0.0, v.check_at - now))}")
        if st.action:
            parts.append(f"manual action needed: {st.action}")
        text = " · ".join(parts)
        if final:
            return Text("  " + text)
        return self._spinner_line(text, final, 2)


class _Lazy:
    """Re-draws the board each time rich refreshes (so countdowns and spinners move)."""

    def __init__(self, board: _LiveBoard) -> None:
        self.board = board

    def __rich__(self) -> Any:
        try:
            return self.board.renderable()
        except Exception as exc:  # a drawing bug must not end the command
            from rich.text import Text

            return Text(f"(progress not shown: {type(exc).__name__})", style="dim")


def _short(tx: str | None) -> str:
    if not tx:
        return ""
    return f"{tx[:10]}…{tx[-4:]}" if len(tx) > 16 else tx


# --------------------------------------------------------------------------------------------
# interop watch


@dataclass
class _Row:
    what: str
    detail: str
    state: Any = None
    due_at: float | None = None
    at: float = field(default_factory=time.monotonic)


class WatchBoard(_LiveBoard):
    """`interop watch` on a terminal: the flows in hand (status, next step, who, when), counts
    since the start, and notable events (done, failed, deadline, gave up...) printed above.
    Use an instance as the Watcher's `on_event`, inside `with board:`."""

    NOTABLE: ClassVar[dict[str, str]] = {
        "step": "cyan",
        "done": "green",
        "failed": "bold red",
        "deadline": "bold red",
        "gave-up": "bold red",
        "manual": "yellow",
        "error": "yellow",
        "skipped": "dim",
        "stopping": "yellow",
        "lost-lease": "yellow",
    }

    def __init__(self, console: Any, *, refresh_per_second: float = 4.0) -> None:
        self.console = console
        self.rows: dict[str, _Row] = {}
        self.counts: dict[str, int] = {}
        self._live: Any = None
        self._rate = refresh_per_second
        self._t0 = time.monotonic()
        self.stopping = False

    def __call__(self, ev: Any) -> None:
        now = time.monotonic()
        self.counts[ev.what] = self.counts.get(ev.what, 0) + 1
        if ev.what == "stopping":
            self.stopping = True
        fid = ev.flow_id
        if fid:
            if ev.what in ("done", "failed", "gave-up", "skipped"):
                self.rows.pop(fid, None)
            else:
                row = self.rows.get(fid) or _Row(ev.what, ev.detail)
                row.what, row.detail, row.at = ev.what, ev.detail, now
                if ev.state is not None:
                    row.state = ev.state
                row.due_at = None if ev.seconds is None else now + float(ev.seconds)
                self.rows[fid] = row
        style = self.NOTABLE.get(ev.what)
        if style and self._live is not None:
            from rich.text import Text

            detail = _HASH.sub(lambda m: _short(m.group(0)), ev.detail)
            line = Text(f"{ev.what:<9} {fid or ''} {detail}".rstrip(), style=style)
            with contextlib.suppress(Exception):
                self._live.console.print(line)
        if self._live is not None:
            with contextlib.suppress(Exception):
                self._live.refresh()

    def progress(self, ev: Any) -> None:
        """The Watcher's `progress` hook: each flow's fresh status (`FlowEvent`) fills its row's
        status, next step, who acts and when."""
        fid = ev.state.flow_id
        if not fid or (fid not in self.rows and ev.what not in ("status", "waiting")):
            return
        row = self.rows.get(fid) or _Row("working", "")
        row.state = ev.state
        now = time.monotonic()
        if ev.what == "waiting" and ev.seconds is not None:
            row.due_at = now + float(ev.seconds)
        elif ev.what == "status":
            secs = ev.state.seconds_to_next
            row.due_at = None if secs is None else now + secs
        self.rows[fid] = row

    def renderable(self, *, final: bool = False) -> Any:
        from rich.console import Group
        from rich.spinner import Spinner
        from rich.table import Table
        from rich.text import Text

        now = time.monotonic()
        c = self.counts
        head = (
            f"watch: {len(self.rows)} flow(s) in hand · finished {c.get('done', 0)} · steps"
            f" {c.get('step', 0)} · failed {c.get('failed', 0)} · deadline alerts"
            f" {c.get('deadline', 0)} · {fmt_duration(now - self._t0)}"
            + (" · stopping" if self.stopping else "")
        )
        top: Any = Text(head) if final else Spinner("dots", Text(head), style="cyan")
        if not self.rows:
            return top
        table = Table(box=None, padding=(0, 1), show_edge=False)
        for col in ("flow", "status", "next", "who", "when", "last"):
            table.add_column(
                col, style="dim" if col == "last" else None, no_wrap=True, overflow="ellipsis"
            )
        for fid, row in list(self.rows.items())[:20]:
            st = row.state
            when = ""
            if row.due_at is not None and row.due_at - now >= 0.5:
                when = f"in ~{fmt_duration(row.due_at - now)}"
            elif row.due_at is not None and st is not None:
                when = "now" if st.actor is Actor.CALLER else "any moment"
            table.add_row(
                fid,
                "" if st is None else st.status.value,
                "" if st is None else (st.next_step or ""),
                "" if st is None or st.actor is None else _WHO.get(st.actor, ""),
                when,
                _HASH.sub(lambda m: _short(m.group(0)), f"{row.what}: {row.detail}")[:80],
            )
        more = len(self.rows) - 20
        parts: list[Any] = [top, table]
        if more > 0:
            parts.append(Text(f"… and {more} more", style="dim"))
        return Group(*parts)
