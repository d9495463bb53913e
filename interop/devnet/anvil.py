"""One anvil process: start on a free port, learn the port from its "Listening on" line, stop it.

Port 0 lets the OS pick a free port, so parallel test runs and a user's own anvil never collide.
We stop only the process we started, by its PID, and keep a log file per node whose tail goes
into any start-up error.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import re
import shutil
import signal
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from interop.devnet.install import anvil_path
from interop.errors import DevnetError

__all__ = ["DEV_ACCOUNTS", "DEV_MNEMONIC", "AnvilNode", "AnvilOptions"]

DEV_MNEMONIC = "test test test test test test test test test test test junk"

# The standard funded accounts of anvil/hardhat for DEV_MNEMONIC (public test keys; never use them
# on a real network). Index i: (address, private key).
DEV_ACCOUNTS: tuple[tuple[str, str], ...] = (
    (
        "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
        "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    ),
    (
        "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    ),
    (
        "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
        "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    ),
    (
        "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
        "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    ),
    (
        "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
        "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    ),
    (
        "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
        "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    ),
    (
        "0x976EA74026E726554dB657fA54763abd0C3a0aa9",
        "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
    ),
    (
        "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955",
        "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
    ),
    (
        "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f",
        "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
    ),
    (
        "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720",
        "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
    ),
)

_LISTEN = re.compile(r"Listening on ([0-9.]+):(\d+)")


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux to SIGTERM this anvil when its parent dies.

    `stop()` is the normal path; this covers a parent killed with SIGKILL (a crashed test run, a
    killed CLI), which would otherwise leave orphan nodes holding ports and memory.
    """
    if sys.platform != "linux":
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


@dataclass
class AnvilOptions:
    chain_id: int
    name: str = ""
    accounts: int = 10
    balance_ether: int = 10_000
    block_time: float | None = None
    extra_args: list[str] = field(default_factory=list)
    load_state: Path | None = None
    dump_state: Path | None = None


def keep_devnet_logs() -> bool:
    """`INTEROP_KEEP_DEVNET_LOGS=1` keeps a devnet's temporary log directory after it stops
    (for debugging a failed run); by default a directory the devnet created is removed."""
    return os.environ.get("INTEROP_KEEP_DEVNET_LOGS", "") not in ("", "0")


class AnvilNode:
    """An anvil child process. Use `async with AnvilNode(opts) as node:` or start()/stop()."""

    def __init__(self, options: AnvilOptions, *, log_dir: Path | None = None) -> None:
        self.options = options
        self.chain_id = options.chain_id
        self.name = options.name or f"anvil-{options.chain_id}"
        self._log_dir = log_dir
        self.log_path: Path | None = None
        self._proc: asyncio.subprocess.Process | None = None
        self.host = "127.0.0.1"
        self.port: int | None = None
        self._states_dir: Path | None = None
        self._own_dir: Path | None = None

    def __repr__(self) -> str:
        return f"AnvilNode(name={self.name!r}, chain_id={self.chain_id}, url={self.url if self.port else None!r})"

    @property
    def url(self) -> str:
        if self.port is None:
            raise DevnetError(f"{self.name} is not running")
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def _args(self) -> list[str]:
        o = self.options
        args = [
            str(anvil_path()),
            "--port",
            "0",
            "--host",
            "127.0.0.1",
            "--chain-id",
            str(o.chain_id),
            "--accounts",
            str(o.accounts),
            "--balance",
            str(o.balance_ether),
            "--mnemonic",
            DEV_MNEMONIC,
        ]
        if o.block_time is not None:
            args += ["--block-time", str(o.block_time)]
        if o.load_state is not None:
            args += ["--load-state", str(o.load_state)]
        if o.dump_state is not None:
            args += ["--dump-state", str(o.dump_state)]
        if self._states_dir is not None and "--cache-path" not in o.extra_args:
            args += ["--cache-path", str(self._states_dir)]
        return args + list(o.extra_args)

    def tail(self, n: int = 30) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])

    async def start(self, timeout: float = 20.0) -> None:
        if self._proc is not None:
            raise DevnetError(f"{self.name} already started")
        if self._log_dir is None:
            self._own_dir = Path(tempfile.mkdtemp(prefix="interop-devnet-"))
        log_dir = self._log_dir or self._own_dir
        assert log_dir is not None
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"{self.name}.log"
        # anvil writes older block states to disk (about 1-2 GB over a long test run) under
        # ~/.foundry/anvil/tmp by default and leaves them there when it is terminated; we keep
        # them beside the log and delete them at stop(), so no run leaks disk.
        self._states_dir = log_dir / f"{self.name}.states"
        log = self.log_path.open("wb")
        try:
            self._proc = await asyncio.create_subprocess_exec(
                *self._args(),
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
                stdin=asyncio.subprocess.DEVNULL,
                preexec_fn=_die_with_parent,
            )
        except OSError as exc:
            log.close()
            raise DevnetError(f"cannot start anvil for {self.name}", details=str(exc)) from exc
        assert self._proc.stdout is not None
        try:
            async with asyncio.timeout(timeout):
                while True:
                    line = await self._proc.stdout.readline()
                    if not line:
                        raise DevnetError(
                            f"anvil for {self.name} exited before listening",
                            details=self.tail() or None,
                        )
                    log.write(line)
                    m = _LISTEN.search(line.decode(errors="replace"))
                    if m:
                        self.host, self.port = m.group(1), int(m.group(2))
                        break
        except TimeoutError as exc:
            await self.stop()
            raise DevnetError(
                f"anvil for {self.name} did not start in {timeout}s", details=self.tail()
            ) from exc
        except BaseException:
            await self.stop()
            raise
        finally:
            log.flush()
        self._drain = asyncio.create_task(self._pump(log))

    async def _pump(self, log: object) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        stdout = self._proc.stdout
        try:
            # read(), not readline(): anvil can print a line longer than the 64 KiB readline
            # limit (a failed eth_call echoes its calldata); readline would then raise, nobody
            # would drain the pipe, and anvil would block on stdout and stop answering.
            while True:
                chunk = await stdout.read(1 << 16)
                if not chunk:
                    break
                log.write(chunk)  # type: ignore[attr-defined]
        finally:
            log.close()  # type: ignore[attr-defined]

    async def stop(self) -> None:
        """Terminate (then kill) our process, by its PID only."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 5)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(proc.pid, 9)
                await proc.wait()
        drain = getattr(self, "_drain", None)
        if drain is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(drain, 2)
        self.port = None
        if self._states_dir is not None:
            shutil.rmtree(self._states_dir, ignore_errors=True)
        if self._own_dir is not None and not keep_devnet_logs():
            shutil.rmtree(self._own_dir, ignore_errors=True)
            self._own_dir = None

    async def __aenter__(self) -> AnvilNode:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
