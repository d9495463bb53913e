"""The CLI progress picture's pure parts: durations, where each planned step stands for the
uniform statuses of several stacks, when a picture is drawn at all, the `watch` table, and the
deadline wording of `interop status`. (The devnet tests draw real flows:
tests/integration/test_cli_progress.py.)"""

from __future__ import annotations

import asyncio
import io
from typing import Any

import pytest
from rich.console import Console

from interop.adapters.base import Actor, Direction, FlowStatus, PlannedStep, Status
from interop.cli.main import _deadline_lines, _deadline_short
from interop.cli.progress import FlowBoard, WatchBoard, fmt_duration, make_console, step_marks
from interop.flows import FlowEvent, FlowState, HopState
from interop.watch import WatchEvent

OP_WITHDRAWAL = (
    PlannedStep("initiate", Actor.CALLER, 0),
    PlannedStep("prove", Actor.CALLER, 3600),
    PlannedStep("finalize", Actor.CALLER, 7 * 86400),
)
ARB_WITHDRAWAL = (
    PlannedStep("initiate", Actor.CALLER, 0),
    PlannedStep("confirm", Actor.NOBODY, 6 * 86400),
    PlannedStep("execute", Actor.CALLER, 0),
)
DEPOSIT = (PlannedStep("initiate", Actor.CALLER, 0), PlannedStep("arrive", Actor.RELAYER, 60))


def state(
    status: Status,
    next_step: str | None = None,
    actor: Actor | None = None,
    *,
    hop: int = 0,
    hops: int = 1,
    started: bool = True,
    native: str | None = None,
    secs: int | None = None,
) -> FlowState:
    fs = FlowStatus(status, native or status.value, next_step, secs, {}, actor) if started else None
    hs = tuple(
        HopState(i, "opstack", Direction.L2_TO_L1, 901, 900, i <= hop, fs if i == hop else None)
        for i in range(hops)
    )
    return FlowState("f1", status, native or status.value, next_step, secs, hop, hs, actor)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (12.4, "12s"), (60, "1m"), (200, "3m 20s"), (7500, "2h 5m"), (3600, "1h"),
     (86400 * 7 - 3600, "6d 23h"), (86400 * 2, "2d"), (-5, "0s")],
)  # fmt: skip
def test_fmt_duration(seconds: float, text: str) -> None:
    assert fmt_duration(seconds) == text


@pytest.mark.parametrize(
    ("steps", "st", "marks"),
    [
        # OP: the output root is not proposed yet (the proposer acts), then yours to prove
        (OP_WITHDRAWAL, state(Status.WAITING_TO_PROVE, None, Actor.RELAYER),
         ["done", "active", "pending"]),
        (OP_WITHDRAWAL, state(Status.READY_TO_PROVE, "prove", Actor.CALLER),
         ["done", "ready", "pending"]),
        (OP_WITHDRAWAL, state(Status.WAITING_TO_FINALIZE, "finalize", Actor.NOBODY, secs=30),
         ["done", "done", "active"]),
        (OP_WITHDRAWAL, state(Status.READY_TO_FINALIZE, "finalize", Actor.CALLER),
         ["done", "done", "ready"]),
        (OP_WITHDRAWAL, state(Status.FINALIZED), ["done", "done", "done"]),
        # Arbitrum: the challenge window (nobody acts) is the step under way before execute
        (ARB_WITHDRAWAL, state(Status.WAITING_TO_FINALIZE, "execute", Actor.NOBODY),
         ["done", "active", "pending"]),
        (ARB_WITHDRAWAL, state(Status.READY_TO_FINALIZE, "execute", Actor.CALLER),
         ["done", "done", "ready"]),
        # a deposit on its way, and one that failed on arrival / needs a person
        (DEPOSIT, state(Status.PENDING, None, Actor.RELAYER), ["done", "active"]),
        (DEPOSIT, state(Status.FAILED), ["done", "failed"]),
        (DEPOSIT, state(Status.NEEDS_MANUAL_ACTION, "redeem", Actor.CALLER), ["done", "manual"]),
        # a hop whose first transaction is not mined yet
        (DEPOSIT, state(Status.PENDING, None, Actor.NOBODY, started=False, native="initiate-sent"),
         ["active", "pending"]),
    ],
)  # fmt: skip
def test_step_marks(steps: tuple[PlannedStep, ...], st: FlowState, marks: list[str]) -> None:
    assert step_marks(steps, st, 0) == marks


def test_step_marks_two_hops_and_what_was_seen_mined() -> None:
    st = state(Status.PENDING, "deposit", Actor.CALLER, hop=1, hops=2, started=False)
    assert step_marks(OP_WITHDRAWAL, st, 0) == ["done"] * 3  # an earlier hop is done
    assert step_marks(DEPOSIT, st, 1) == ["ready", "pending"]  # yours: the next hop's deposit
    assert step_marks(DEPOSIT, state(Status.PENDING, hop=0, hops=2), 1) == ["pending"] * 2
    # the status was read before the prove was mined: what this command saw mined is done
    ready = state(Status.READY_TO_PROVE, "prove", Actor.CALLER)
    assert step_marks(OP_WITHDRAWAL, ready, 0, sent=frozenset({"prove"})) == [
        "done", "active", "pending"
    ]  # fmt: skip
    assert step_marks(OP_WITHDRAWAL, ready, 0, mined=frozenset({"prove"})) == [
        "done", "done", "pending"
    ]  # fmt: skip


def test_no_picture_for_json_pipes_or_plain(monkeypatch: pytest.MonkeyPatch) -> None:
    assert make_console(json_output=True) is None
    assert make_console(json_output=False, quiet=True) is None
    assert make_console(json_output=False) is None  # pytest's stderr is not a terminal
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich alone would call the pipe a terminal
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    assert make_console(json_output=False) is None
    monkeypatch.setattr("sys.stderr", _Tty())
    assert make_console(json_output=False) is not None  # a terminal: drawn
    assert make_console(json_output=True) is None  # never with --json
    monkeypatch.setenv("INTEROP_PROGRESS", "plain")
    assert make_console(json_output=False) is None
    monkeypatch.delenv("INTEROP_PROGRESS")
    monkeypatch.delenv("FORCE_COLOR")
    monkeypatch.delenv("TTY_COMPATIBLE")
    monkeypatch.setenv("TERM", "dumb")
    assert make_console(json_output=False) is None


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def _text(renderable: Any) -> str:
    c = Console(file=io.StringIO(), width=120, record=True)
    c.print(renderable)
    return c.export_text()


def test_flow_board_without_a_plan_still_says_where_and_when() -> None:
    """A plan that cannot be read leaves the steps out, never the status or the countdown."""

    async def broken(flow_id: str | None, hop: Any) -> tuple[PlannedStep, ...]:
        raise RuntimeError("rpc down")

    board = FlowBoard(Console(file=io.StringIO()), names={901: "op", 900: "l1"}, plans=broken)
    st = state(Status.WAITING_TO_FINALIZE, "finalize", Actor.NOBODY, secs=3 * 86400 + 7200)
    asyncio.run(board(FlowEvent("status", st)))
    text = _text(board.renderable(final=True))
    assert "flow f1  op → l1" in text and "hop 1/1  opstack l2-to-l1" in text
    assert "waiting-to-finalize · next: finalize by time · next step in ~3d 2h" in text


def test_watch_board_table_and_counts() -> None:
    board = WatchBoard(Console(file=io.StringIO()))
    st = state(Status.WAITING_TO_PROVE, "prove", Actor.NOBODY, secs=120)
    board(WatchEvent("claimed", "aaa111", ""))
    board(WatchEvent("parked", "aaa111", "waiting 120 s", st, 120.0))
    board(WatchEvent("step", "bbb222", "prove 0x12"))
    board(WatchEvent("done", "bbb222", "finalized"))
    text = _text(board.renderable())
    assert "1 flow(s) in hand · finished 1 · steps 1" in text
    row = next(x for x in text.splitlines() if x.strip().startswith("aaa111"))
    assert "waiting-to-prove" in row and "prove" in row and "time" in row
    assert "in ~2m" in row or "in ~1m 59s" in row
    assert "bbb222" not in text  # finished flows leave the table


def test_status_deadline_wording() -> None:
    ahead = {"alerts": [], "hop": 0, "adapter": "arbitrum", "chain_id": 903, "at": 1_800_000_000,
             "seconds_left": 7 * 86400 - 3600, "missed": False, "chain_time": True}  # fmt: skip
    assert _deadline_lines(ahead) == [
        "deadline: hop 1 (arbitrum) expires in 6d 23h (2027-01-15 08:00 UTC)"
    ]
    assert _deadline_short(ahead) == "in 6d 23h"
    missed = {**ahead, "seconds_left": -180, "missed": True,
              "alerts": [{"at": 1_800_000_100.0, "message": "flow f1: its deadline passed"}]}  # fmt: skip
    assert _deadline_lines(missed) == [
        "deadline: MISSED: hop 1 (arbitrum) expired 3m ago (2027-01-15 08:00 UTC)",
        "deadline alert at 2027-01-15 08:01 UTC: flow f1: its deadline passed",
    ]
    assert _deadline_short(missed) == "MISSED 3m ago"
    assert _deadline_lines(None) == [] and _deadline_short(None) == ""
    assert _deadline_short({"alerts": [{"at": 0.0, "message": "x"}]}) == "alert"


def test_a_closed_output_pipe_is_not_reported_as_a_bug() -> None:
    """`interop chains --json | head -c 100`: the reader left; before, the CLI printed
    "internal error: BrokenPipeError ... this is a bug in interop" and exited 2."""
    import os
    import subprocess
    import sys

    r, w = os.pipe()
    os.close(r)  # the reader is gone before the first write: every write gets EPIPE
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "interop.cli", "chains", "--json", "--testnets"],
            stdout=w, stderr=subprocess.PIPE, timeout=60, check=False,
        )  # fmt: skip
    finally:
        os.close(w)
    err = proc.stderr.decode()
    assert proc.returncode == 0, err
    assert "internal error" not in err and "Traceback" not in err and "Exception" not in err


def test_every_command_has_a_tidy_help(capsys: pytest.CaptureFixture[str]) -> None:
    """`interop --help` and each `interop COMMAND --help` exit 0, start with what the command
    does, and every option says what it is for (and the journal option that it takes a URL)."""
    import argparse

    from interop.cli.main import _parser, main

    assert main(["--help"]) == 0
    top = capsys.readouterr().out
    sub = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    for name, parser in sub.choices.items():
        assert name in top
        assert main([name, "--help"]) == 0, name
        text = capsys.readouterr().out
        assert parser.description and parser.description.endswith("."), name
        assert parser.description in " ".join(text.split()), name
        for action in parser._actions:
            if action.option_strings and action.help != argparse.SUPPRESS:
                assert action.help, (name, action.option_strings)
        if "--journal" in text:
            assert "postgresql://" in text, name


def test_flow_board_with_many_flows_fits_a_screen() -> None:
    """`interop resume` over many flows: ended ones take a line each, at most MAX_FULL are
    drawn in full, the rest are counted."""
    board = FlowBoard(Console(file=io.StringIO()))

    def named(fid: str, st: FlowState) -> FlowState:
        return FlowState(fid, *(getattr(st, f) for f in (
            "status", "native", "next_step", "seconds_to_next", "hop", "hops", "actor")))  # fmt: skip

    for i in range(7):
        st = named(f"w{i}", state(Status.WAITING_TO_FINALIZE, "finalize", Actor.NOBODY, secs=60))
        asyncio.run(board(FlowEvent("status", st)))
    asyncio.run(board(FlowEvent("done", named("w0", state(Status.FINALIZED)))))
    text = _text(board.renderable())
    assert "✓ flow w0: finalized" in text and "flow w0  " not in text
    assert sum(f"flow w{i}  " in text for i in range(1, 7)) == FlowBoard.MAX_FULL
    assert "… and 2 more flows" in text
    assert _text(FlowBoard(Console(file=io.StringIO())).renderable(final=True)).strip() == ""
