"""Test side of the crash and two-process tests: the worker zygote, its Unix-socket hub, a shared
clock, and on-chain accounting (balances and nonces) to check "exactly once, to the wei".

`Workers` starts `tests/helpers_crash/worker.py` once (it imports `interop` once and forks a
process per command) and serves each forked worker over a Unix socket: it records the worker's
reports and answers its `sleep` requests with `Clock`, which fast-forwards the devnet. Everything
runs in the test's event loop, as the devnet's relayers and the Arbitrum RPC shim do, so nothing
here blocks them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_utils.crypto import keccak

from interop.devnet.core import Devnet
from interop.facade import Interop

__all__ = [
    "Clock",
    "Run",
    "Workers",
    "back_escrow",
    "fund",
    "key_for",
    "nonces",
    "start_workers",
]

ROOT = Path(__file__).resolve().parents[2]


def key_for(name: str) -> str:
    """A private key of the tests' own, fixed per name (never printed, never in argv)."""
    return "0x" + keccak(f"interop crash tests: {name}".encode()).hex()


class Clock:
    """The injected `sleep` shared by every worker and every `resume()`: each call moves the
    devnet's time on with `Devnet.advance`, but concurrent callers share one advance — a caller
    returns once an advance that started after its call has finished (so each caller's waited-for
    time has really passed, and N waiting flows cost one advance, not N)."""

    def __init__(self, advance: Callable[[float], Awaitable[Any]]) -> None:
        self._advance = advance
        self._lock = asyncio.Lock()
        self._started = 0
        self._finished = 0
        self.calls = 0
        self.advances = 0

    async def __call__(self, seconds: float) -> None:
        self.calls += 1
        want = self._started + 1
        async with self._lock:
            if self._finished >= want:
                return
            self._started += 1
            self.advances += 1
            try:
                await self._advance(max(1.0, min(float(seconds), 3600.0)))
            finally:
                self._finished = self._started


@dataclass
class Run:
    """One forked worker: what it reported, and how it ended."""

    id: str
    pid: int | None = None
    reports: list[dict[str, Any]] = field(default_factory=list)
    status: int | None = None
    exited: asyncio.Event = field(default_factory=asyncio.Event)
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    go: asyncio.Event = field(default_factory=asyncio.Event)

    def first(self, key: str) -> dict[str, Any] | None:
        return next((r for r in self.reports if key in r), None)

    def all(self, key: str) -> list[dict[str, Any]]:
        return [r for r in self.reports if key in r]


class Workers:
    """The zygote process and the hub its forked workers talk to."""

    def __init__(self, clock: Clock, folder: Path) -> None:
        self.clock = clock
        self.folder = folder
        self.runs: dict[str, Run] = {}
        self._proc: asyncio.subprocess.Process | None = None
        self._server: asyncio.AbstractServer | None = None
        self._reader: asyncio.Task[None] | None = None
        self.sock_path = str(folder / "hub.sock")

    async def start(self, chains_file: Path) -> None:
        self._server = await asyncio.start_unix_server(self._serve, path=self.sock_path)
        err = (self.folder / "zygote.err").open("wb")
        try:
            self._proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "tests.helpers_crash.worker", str(chains_file),
                self.sock_path,
                cwd=str(ROOT), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                stderr=err,
            )  # fmt: skip
        finally:
            err.close()
        assert self._proc.stdout is not None
        line = await asyncio.wait_for(self._proc.stdout.readline(), 60)
        if not line:
            raise RuntimeError(f"worker zygote did not start: {self.stderr()[-2000:]}")
        assert json.loads(line) == {"ready": True}
        self._reader = asyncio.create_task(self._read_exits())

    def stderr(self) -> str:
        p = self.folder / "zygote.err"
        return p.read_text(errors="replace") if p.exists() else ""

    async def _read_exits(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        while True:
            line = await self._proc.stdout.readline()
            if not line:
                return
            msg = json.loads(line)
            run = self.runs.get(str(msg["exit"]))
            if run is not None:
                run.status = int(msg["status"])
                run.pid = run.pid or int(msg["pid"])
                run.exited.set()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        run: Run | None = None
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                msg = json.loads(line)
                if "hello" in msg:
                    run = self.runs[str(msg["hello"])]
                    run.pid = int(msg["pid"])
                    run.connected.set()
                    await run.go.wait()
                    writer.write(b'{"go": true}\n')
                elif "sleep" in msg:
                    try:
                        await self.clock(float(msg["sleep"]))
                    except Exception as exc:  # the worker only sees its channel close: say why
                        if run is not None:
                            run.reports.append(
                                {"error": f"devnet advance raised {type(exc).__name__}: {exc}"}
                            )
                        raise
                    writer.write(b'{"ok": true}\n')
                elif run is not None:
                    run.reports.append(msg)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()

    def launch(self, run_id: str, command: dict[str, Any], *, go: bool = True) -> Run:
        """Fork a worker for `command` (its "key" stays inside the pipe). With `go=False` it
        waits at the start barrier until `run.go.set()`."""
        assert self._proc is not None and self._proc.stdin is not None
        run = Run(run_id)
        if go:
            run.go.set()
        self.runs[run_id] = run
        self._proc.stdin.write(json.dumps({**command, "id": run_id}).encode() + b"\n")
        return run

    async def finish(self, run: Run, timeout: float) -> None:
        """Wait for the worker to exit; past `timeout` kill it (it is ours, by its pid)."""
        try:
            await asyncio.wait_for(run.exited.wait(), timeout)
        except TimeoutError:
            if run.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(run.pid, signal.SIGKILL)
            await asyncio.wait_for(run.exited.wait(), 10)
            run.reports.append({"timeout": timeout})

    async def stop(self) -> None:
        if self._proc is not None:
            if self._proc.stdin is not None:
                self._proc.stdin.close()  # the zygote kills what is left and exits
            try:
                await asyncio.wait_for(self._proc.wait(), 15)
            except TimeoutError:
                self._proc.kill()
                await self._proc.wait()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(BaseException):
                await self._reader
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


@contextlib.asynccontextmanager
async def start_workers(devnet: Devnet, chains_json: str) -> AsyncIterator[Workers]:
    """A zygote for this devnet (chain file written from its live chains) in a short temporary
    folder (Unix socket paths are limited to ~100 bytes)."""
    folder = Path(tempfile.mkdtemp(prefix="icrash-"))
    chains_file = folder / "chains.json"
    chains_file.write_text(chains_json)
    workers = Workers(Clock(devnet.advance), folder)
    try:
        await workers.start(chains_file)
        yield workers
    finally:
        await workers.stop()
        shutil.rmtree(folder, ignore_errors=True)


async def nonces(io: Interop, address: str, chain_ids: Iterable[int]) -> dict[int, int]:
    """The account's mined transaction count per chain ("latest", not "pending")."""
    return {cid: await io.client(cid).get_nonce(address, "latest") for cid in chain_ids}


async def fund(devnet: Devnet, address: str, wei: int) -> None:
    """Give `address` exactly `wei` on every devnet chain (anvil_setBalance, as other tests do)."""
    for cid in devnet.chains:
        await devnet.transport(cid).request("anvil_setBalance", [address, hex(wei)])


async def back_escrow(devnet: Devnet, l2: int, key: str, wei: int) -> None:
    """Add `wei` to the L1 escrow of L2 `l2` (key "optimism_portal" or "bridge"): what earlier
    deposits would have locked there, so withdrawals of ETH given by anvil_setBalance are paid."""
    chain = devnet.chains[l2]
    escrow = chain.parent_contracts[chain.parent_id or 0][key]
    l1 = devnet.transport(chain.parent_id or 0)
    held = int(await l1.request("eth_getBalance", [escrow, "latest"]), 16)
    await l1.request("anvil_setBalance", [escrow, hex(held + wei)])
