"""The CLI's progress picture and deadline report, on the devnet, as a person sees them.

- A real OP -> L1 withdrawal driven by `Flow.complete()` draws into a recording terminal console
  (the same `FlowBoard` the CLI uses): its steps by name, who acts, the time to the next step and
  the final state are in the text.
- `interop bridge --complete` runs in a pseudo-terminal (stderr a tty, as at a prompt): the
  picture is drawn on stderr, stdout keeps the plain result; with `--json` nothing of it is drawn
  and stdout is the same JSON document as in a pipe.
- `interop status ID` shows a retryable's deadline ("expires in 6d 23h") and, once the watch
  deadline watchdog has seen it pass, that it was missed with the watchdog's alert.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import io as stdio
import json
import os
import re
import signal
import struct
import sys
import termios
from pathlib import Path

import pytest
from rich.console import Console

from interop.adapters.base import Status
from interop.cli.main import _plan_source, devnet_chains_json
from interop.cli.progress import FlowBoard
from interop.devnet.core import Devnet
from interop.units import ether
from interop.watch import Watcher
from tests.integration.test_cli_bridge import run, time_passes
from tests.integration.test_routes_e2e import ARB, L1, OP, fresh, key, make_io

pytestmark = pytest.mark.integration

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
SPINNER = set("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏✓✗▶·…")
RECORDER_CODE = "0x33600055346001556000356002" + "5500"
"""CALLER->slot0, CALLVALUE->slot1, first calldata word->slot2 (~66k gas: 25k is too little)."""


def plain(text: str) -> str:
    return ANSI.sub("", text).replace("\r", "")


async def run_pty(
    *args: str, env: dict[str, str], timeout: float = 180, interrupt_on: str | None = None
) -> tuple[int, str, str]:
    """The CLI with stderr on a pseudo-terminal (120 columns) and stdout on a pipe, as in
    `interop ... | jq` typed at a prompt: (exit code, stdout, what the terminal received).
    `interrupt_on`: press Ctrl-C (SIGINT) once the terminal shows this text."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    full = {**os.environ, **env, "TERM": "xterm-256color", "COLUMNS": "120"}
    for name in ("NO_COLOR", "INTEROP_PROGRESS", "FORCE_COLOR", "TTY_COMPATIBLE"):
        full.pop(name, None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "interop.cli", *args, env=full,
        stdout=asyncio.subprocess.PIPE, stderr=slave,
    )  # fmt: skip
    os.close(slave)
    loop = asyncio.get_running_loop()
    chunks: list[bytes] = []
    pressed: list[bool] = []
    eof = asyncio.Event()

    def readable() -> None:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: every writer closed the terminal
            data = b""
        if data:
            chunks.append(data)
            if (
                interrupt_on
                and not pressed
                and interrupt_on in plain(b"".join(chunks).decode(errors="replace"))
            ):
                proc.send_signal(signal.SIGINT)
                pressed.append(True)
        else:
            loop.remove_reader(master)
            eof.set()

    loop.add_reader(master, readable)
    try:
        assert proc.stdout is not None
        out = await asyncio.wait_for(proc.stdout.read(), timeout)
        await asyncio.wait_for(proc.wait(), 30)
        await asyncio.wait_for(eof.wait(), 10)
    finally:
        with contextlib.suppress(Exception):
            loop.remove_reader(master)
        os.close(master)
        if proc.returncode is None:
            proc.kill()
    return proc.returncode or 0, out.decode(), b"".join(chunks).decode(errors="replace")


async def test_board_draws_a_real_withdrawal(devnet: Devnet, tmp_path: Path) -> None:
    """Every frame the CLI would draw, for a real OP -> L1 withdrawal (prove, then finalize)."""
    async with await make_io(devnet, "progress-board", tmp_path) as io:
        flow = await io.bridge(ether("0.002") + 3, OP, L1, fresh())
        term = Console(file=stdio.StringIO(), force_terminal=True, width=120, record=True)
        names = {c.id: c.name for c in io.chains}
        board = FlowBoard(term, names=names, plans=_plan_source(io, flow.kind))
        frames: list[str] = []
        snap = Console(file=stdio.StringIO(), width=120, record=True)

        async def progress(ev: object) -> None:
            await board(ev)
            snap.print(board.renderable())
            frames.append(snap.export_text(clear=True))

        with board:
            st = await flow.complete(progress=progress, max_interval=0.5, poll=0.2)
        assert st.status is Status.FINALIZED
    text = "\n".join(frames)
    # the steps of the hop by name, who acts, and the route by chain name
    for word in ("hop 1/1", "opstack l2-to-l1", "devnet-op → devnet-l1", "initiate", "prove",
                 "finalize", "you"):  # fmt: skip
        assert word in text, (word, frames[-1])
    # the time to the next step, while waiting for the prove or the finalize
    assert re.search(r"next step in ~\d+[smhd]|any moment now", text), text[-3000:]
    assert "checking again in" in text
    # a step seen under way, then ready / sent, then every step done at the end
    assert any("in progress" in f for f in frames) and any("sent 0x" in f for f in frames)
    final = plain(term.export_text())
    assert "✓ done: finalized" in final, final[-2000:]
    last = frames[-1]
    assert last.count("✓") >= 3 and "pending" not in last, last


async def test_cli_bridge_complete_on_a_terminal_and_json(devnet: Devnet, tmp_path: Path) -> None:
    """At a prompt: the picture on stderr (steps, final state), the result on stdout. With
    --json: the same single JSON document on stdout as through a pipe, no picture anywhere."""
    io = await make_io(devnet, "progress-cli", tmp_path)
    await io.aclose()
    chains = tmp_path / "chains.json"
    chains.write_text(devnet_chains_json(list(devnet.chains.values())))
    env = {"INTEROP_PRIVATE_KEY": key("progress-cli")}
    base = ["--chains-file", str(chains), "--journal", str(tmp_path / "j.sqlite3")]
    value = ether("0.0042") + 5
    async with time_passes(devnet):
        rc, out, term = await run_pty(
            "bridge", *base, "--from", "devnet-op", "--to", "devnet-l1", "--value",
            f"{value}wei", "--recipient", fresh(), "--complete", "--max-interval", "0.2", env=env,
        )  # fmt: skip
    seen = plain(term)
    assert rc == 0, seen[-3000:]
    assert "\x1b[" in term  # drawn as a picture (cursor moves), not as lines
    for word in ("hop 1/1", "initiate", "prove", "finalize", "✓ done: finalized"):
        assert word in seen, (word, seen[-3000:])
    assert "checking again in" not in seen.split("✓ done")[-1]  # the last frame is final
    assert out.startswith("flow ") and "status: finalized" in out and "\x1b" not in out

    # --json on a terminal: no picture; stdout the document a pipe gets, key for key
    async with time_passes(devnet):
        rc, out, term = await run_pty(
            "bridge", *base, "--json", "--from", "devnet-l1", "--to", "devnet-op", "--value",
            f"{value}wei", "--complete", "--max-interval", "0.2", env=env,
        )  # fmt: skip
        piped = await run("bridge", *base, "--json", "--from", "devnet-l1", "--to", "devnet-op",
                          "--value", f"{value}wei", "--complete", "--max-interval", "0.2",
                          env=env)  # fmt: skip
    assert rc == 0 and piped.returncode == 0, (term[-2000:], piped.stderr)
    assert "\x1b[" not in term and not SPINNER & set(term), term[-2000:]
    assert "[hop 1/1]" in term  # the plain progress lines, as before
    assert out.count("\n") == 1 and out.endswith("}\n") and "\x1b" not in out
    doc, ref = json.loads(out), json.loads(piped.stdout)
    assert list(doc) == list(ref)  # same keys in the same order
    for k in ("kind", "source", "target", "value", "status", "native", "hop", "hops"):
        assert doc[k] == ref[k], k
    assert doc["status"] == "finalized" and doc["flow_id"] != ref["flow_id"]
    assert not SPINNER & set(out + piped.stdout + piped.stderr)


async def test_ctrl_c_while_the_picture_is_up(devnet: Devnet, tmp_path: Path) -> None:
    """Ctrl-C during a drawn wait ends the command as before: exit 130, the picture taken down
    (cursor shown again), then the report of what was signed, never a traceback."""
    io = await make_io(devnet, "progress-ctrl-c", tmp_path)
    await io.aclose()
    chains = tmp_path / "chains.json"
    chains.write_text(devnet_chains_json(list(devnet.chains.values())))
    env = {"INTEROP_PRIVATE_KEY": key("progress-ctrl-c")}
    rc, out, term = await run_pty(
        "bridge", "--chains-file", str(chains), "--journal", str(tmp_path / "j.sqlite3"),
        "--from", "devnet-op", "--to", "devnet-l1", "--value", "0.001ether", "--complete",
        "--max-interval", "0.2", env=env, timeout=90, interrupt_on="hop 1/1",
    )  # fmt: skip
    seen = plain(term)
    assert rc == 130, seen[-3000:]
    assert "\x1b[?25h" in term  # the cursor rich hid is shown again
    tail = seen.split("interrupted", 1)[-1]
    assert "interrupted" in seen and "do not retry" in tail and "Traceback" not in seen
    assert re.search(r"0x[0-9a-f]{64}", tail)  # the signed transaction is named
    assert out == ""


async def test_status_shows_a_retryable_deadline_then_that_it_was_missed(
    devnet: Devnet, tmp_path: Path
) -> None:
    """`interop status ID`: a retryable whose auto-redeem failed expires in ~7 days; after the
    watchdog saw it expire, status says MISSED and shows the watchdog's alert (text and JSON)."""
    name = "progress-deadline"
    io = await make_io(devnet, name, tmp_path)
    chains = tmp_path / "chains.json"
    chains.write_text(devnet_chains_json(list(devnet.chains.values())))
    base = ["--chains-file", str(chains), "--journal", str(tmp_path / f"{name}.sqlite3")]
    async with io:
        target = fresh()
        await devnet.transport(ARB).request("anvil_setCode", [target, RECORDER_CODE])
        msg = await io.send_message(L1, ARB, target, os.urandom(32), gas_limit=25_000)
        fid = str(msg.id)
        for _ in range(40):
            st = await msg.status()
            if st.next_step == "redeem":
                break
            await devnet.advance(1)
        assert st.next_step == "redeem", st
        expiry = int(st.hops[0].status.details["timeout"])  # type: ignore[union-attr]

    shown = await run("status", *base, fid, env={})
    assert shown.returncode == 0, shown.stderr
    line = next(x for x in shown.stdout.splitlines() if "deadline:" in x)
    assert re.search(r"deadline: hop 1 \(arbitrum\) expires in (6d 2[0-3]h|7d)", line), line
    js = json.loads((await run("status", *base, fid, "--json", env={})).stdout)
    assert js["deadline"]["at"] == expiry and js["deadline"]["missed"] is False
    assert 6 * 86400 < js["deadline"]["seconds_left"] <= 7 * 86400

    async with await make_io(devnet, name, tmp_path) as io:
        # a worker sees the ticket while gas is too dear to redeem it (the cap holds it back)
        w = Watcher(io, devnet.chains, gas={ARB: 1}, poll=0.2, max_interval=1.0)
        task = asyncio.create_task(w.run())
        for _ in range(300):
            if any(what == "deadline-at" for _, what, _ in io.journal.events(fid)):
                break
            await asyncio.sleep(0.05)
        w.stop()
        await asyncio.wait_for(task, 30)
        head = await devnet.transport(ARB).request("eth_getBlockByNumber", ["latest", False])
        await devnet.fast_forward(expiry - int(head["timestamp"], 16) + 120)
        # down until the ticket expired: on restart the watchdog says so
        alerts: list[object] = []
        w = Watcher(io, devnet.chains, poll=0.2, max_interval=1.0, on_event=alerts.append)
        task = asyncio.create_task(w.run())
        for _ in range(300):
            if any(what == "deadline" for _, what, _ in io.journal.events(fid)):
                break
            await asyncio.sleep(0.05)
        w.stop()
        await asyncio.wait_for(task, 30)

    shown = await run("status", *base, fid, env={})
    assert shown.returncode == 0, shown.stderr
    assert re.search(r"deadline: MISSED: hop 1 \(arbitrum\) expired \d+[smh]", shown.stdout), (
        shown.stdout
    )
    assert "deadline alert at " in shown.stdout and "passed" in shown.stdout
    js = json.loads((await run("status", *base, fid, "--json", env={})).stdout)
    assert js["deadline"]["missed"] is True and js["deadline"]["alerts"]
    listed = await run("status", *base, "--all", env={})
    row = next(x for x in listed.stdout.splitlines() if x.startswith(fid))
    assert "MISSED" in row and "deadline" in listed.stdout.splitlines()[0]


async def test_watch_on_a_terminal_draws_its_table(devnet: Devnet, tmp_path: Path) -> None:
    """`interop watch --until-idle` at a prompt: the live table and the notable events on
    stderr, the summary alone on stdout; the withdrawal it finishes is credited."""
    name = "progress-watch"
    async with await make_io(devnet, name, tmp_path) as io:
        to, value = fresh(), ether("0.0021") + 9
        flow = await io.bridge(value, OP, L1, to)
    chains = tmp_path / "chains.json"
    chains.write_text(devnet_chains_json(list(devnet.chains.values())))
    base = ["--chains-file", str(chains), "--journal", str(tmp_path / f"{name}.sqlite3")]
    async with time_passes(devnet):
        rc, out, term = await run_pty(
            "watch", *base, "--until-idle", "--max-interval", "0.2",
            env={"INTEROP_PRIVATE_KEY": key(name)},
        )  # fmt: skip
    seen = plain(term)
    assert rc == 0, seen[-3000:]
    assert "\x1b[" in term and "watch: " in seen and "flow(s) in hand" in seen
    assert re.search(rf"step\s+{flow.id} prove 0x[0-9a-f]{{8}}…", seen)  # printed above it
    assert f"done      {flow.id} finalized" in seen
    # its row: the flow's status, next step, who acts and when, from the worker's own reads
    assert re.search(rf"{flow.id}\s+(waiting|ready)-to-(prove|finalize)\s+(prove|finalize)", seen)
    assert "finished 1 · steps 2" in seen  # the last frame: prove + finalize
    assert out.startswith("finished=1 ") and "\x1b" not in out
    async with await make_io(devnet, f"{name}-check", tmp_path) as check:
        assert await check.client(L1).get_balance(to) == value
