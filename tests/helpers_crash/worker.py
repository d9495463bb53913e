"""Subprocess side of the crash and two-process tests: a pre-imported "zygote" that forks workers.

Why a zygote: importing `interop` with its adapters costs ~2 s of CPU. The crash test runs about
two dozen flows, each in a process that kills itself with SIGKILL; paying the import once and
`fork()`ing a fresh process per flow keeps the suite fast on a loaded 2-core machine. The zygote
never creates an event loop, a socket or a thread before forking, so each child starts clean.

Protocol (all JSON lines):
- the test starts `python -m tests.helpers_crash.worker CHAINS_FILE SOCKET_PATH`; the zygote
  prints `{"ready": true}` on stdout once imports are done;
- the test writes one command per line on the zygote's stdin; the zygote forks a child for it
  and later prints `{"exit": ID, "pid": PID, "status": S}` (S = -signal when killed by one);
- the child connects to the test's Unix socket, says `{"hello": ID, "pid": PID}` and waits for
  `{"go": true}` (a start barrier for the two-process test); it then reports events, asks the
  test to pass time (`{"sleep": seconds}` -> `{"ok": true}`: the test fast-forwards the devnet,
  whose relayers run in the test's event loop), and ends with `{"done": ...}` or `{"error": ...}`.

The private key travels inside the command on stdin (a pipe), never in argv, the environment
of other processes, or any output.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import select
import signal
import socket
import sys
from typing import Any

# imported before any fork, so children share the work (see the module docstring)
import interop.adapters.arbitrum.adapter
import interop.adapters.opstack.adapter
import interop.adapters.superchain.adapter  # noqa: F401
from interop.chains.loader import load_chains
from interop.chains.registry import default_registry
from interop.errors import InteropError
from interop.facade import Interop
from interop.flows import FlowEvent
from interop.journal import TxRecord


class Channel:
    """The child's blocking line channel to the test (the child has nothing else to run)."""

    def __init__(self, path: str) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.buf = b""

    def send(self, obj: dict[str, Any]) -> None:
        self.sock.sendall(json.dumps(obj).encode() + b"\n")

    def request(self, obj: dict[str, Any]) -> dict[str, Any]:
        self.send(obj)
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise SystemExit("the test closed the channel")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        reply: dict[str, Any] = json.loads(line)
        return reply


def _die(chan: Channel, what: str, hop: int, step: str, tx_hash: str | None) -> None:
    """Report the boundary reached, then SIGKILL ourselves: no cleanup, no flush, no finally."""
    chan.send({"killed": [what, hop, step], "tx_hash": tx_hash})
    os.kill(os.getpid(), signal.SIGKILL)


def _event_point(event: FlowEvent) -> tuple[int, str] | None:
    """(hop, step) of a "mined" progress event; the second hop's deposit is "initiate hop 2"."""
    if event.what != "mined" or event.step is None:
        return None
    if event.step.startswith("initiate hop "):
        return int(event.step.rsplit(" ", 1)[1]) - 1, "initiate"
    return event.state.hop, event.step


def _error_report(exc: BaseException) -> dict[str, Any]:
    return {
        "type": type(exc).__name__,
        "typed": isinstance(exc, InteropError),
        "message": str(exc)[:400],
        "tx_hash": getattr(exc, "tx_hash", None),
        "may_have_executed": getattr(exc, "may_have_executed", None),
        "flow_id": getattr(exc, "flow_id", None),
    }


async def _crash(io: Interop, cmd: dict[str, Any], chan: Channel) -> dict[str, Any]:
    """Run one bridge flow to the end, dying at the boundary `cmd["kill"]` = [what, hop, step]:
    what is "signed" (committed to the journal, not yet broadcast) or "mined"."""
    kill_what, kill_hop, kill_step = cmd["kill"]

    def after_record(rec: TxRecord) -> None:
        chan.send({"signed": [rec.hop, rec.step], "tx_hash": rec.tx_hash})
        if kill_what == "signed" and (rec.hop, rec.step) == (kill_hop, kill_step):
            _die(chan, "signed", rec.hop, rec.step, rec.tx_hash)

    io.journal.after_record = after_record
    t = await io.bridge(int(cmd["value"]), cmd["source"], cmd["target"], cmd["to"])
    chan.send({"initiated": t.id, "tx_hash": t.tx_hash})
    if [kill_what, kill_hop, kill_step] == ["mined", 0, "initiate"]:
        _die(chan, "mined", 0, "initiate", t.tx_hash)

    def progress(event: FlowEvent) -> None:
        point = _event_point(event)
        if point is None:
            return
        chan.send({"mined": list(point), "tx_hash": event.tx_hash})
        if kill_what == "mined" and point == (kill_hop, kill_step):
            _die(chan, "mined", point[0], point[1], event.tx_hash)

    st = await t.complete(progress=progress, poll=0.05)
    return {"flow_id": t.id, "status": st.status.value}


async def _ops(io: Interop, cmd: dict[str, Any], chan: Channel) -> dict[str, Any]:
    """Run a list of operations one after the other, each reported typed or untyped; one
    failing does not stop the next (a bot carries on)."""
    for i, op in enumerate(cmd["ops"]):
        try:
            if op["kind"] == "transfer":
                res = await io.transfer(op["chain"], to=op["to"], value=int(op["value"]))
                chan.send({"op": i, "ok": True, "tx_hash": res.tx_hash})
            else:
                t = await io.bridge(int(op["value"]), op["source"], op["target"], op["to"])
                if op.get("complete"):
                    await t.complete(poll=0.05)
                chan.send({"op": i, "ok": True, "flow_id": t.id, "tx_hash": t.tx_hash})
        except Exception as exc:
            chan.send({"op": i, "ok": False, "error": _error_report(exc)})
    return {}


async def _run(cmd: dict[str, Any], chains_file: str, chan: Channel) -> dict[str, Any]:
    chains = load_chains(chains_file, base=default_registry().copy())

    async def sleep(seconds: float) -> None:
        chan.request({"sleep": seconds})

    async with Interop(chains, account=cmd["key"], journal=cmd["journal"], sleep=sleep) as io:
        if cmd["mode"] == "crash":
            return await _crash(io, cmd, chan)
        return await _ops(io, cmd, chan)


def _child(cmd: dict[str, Any], chains_file: str, sock_path: str) -> int:
    chan = Channel(sock_path)
    chan.request({"hello": cmd["id"], "pid": os.getpid()})  # waits for "go"
    try:
        out = asyncio.run(_run(cmd, chains_file, chan))
    except BaseException as exc:  # reported, typed or not: the test decides
        chan.send({"error": _error_report(exc)})
        return 1
    chan.send({"done": out})
    return 0


def main() -> None:
    chains_file, sock_path = sys.argv[1:3]
    children: dict[int, str] = {}
    print(json.dumps({"ready": True}), flush=True)
    stdin = sys.stdin.buffer
    pending = b""
    eof = False
    while not eof or children:
        if not eof:
            readable, _, _ = select.select([stdin], [], [], 0.05)
            if readable:
                chunk = os.read(stdin.fileno(), 65536)
                if not chunk:
                    eof = True
                pending += chunk
        elif children:
            # the test is gone: stop what we started (by pid), then reap below
            for pid in list(children):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            cmd = json.loads(line)
            pid = os.fork()
            if pid == 0:
                code = 1
                try:
                    code = _child(cmd, chains_file, sock_path)
                finally:
                    os._exit(code)
            children[pid] = str(cmd["id"])
        while children:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            ident = children.pop(pid, "?")
            code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
            print(json.dumps({"exit": ident, "pid": pid, "status": code}), flush=True)
        if eof and children:
            select.select([], [], [], 0.05)


if __name__ == "__main__":
    main()
