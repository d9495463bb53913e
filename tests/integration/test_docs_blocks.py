"""Every ```python block in docs/*.md and README.md runs against the session devnet.

Why: documentation that is never executed rots; a reader copies a block and it must work. The
blocks of one page run in order in one namespace (as a reader pastes them one after another), in
this process and on the one shared devnet, so the whole collection costs seconds, not a devnet
start per block.

How a block runs:
- top-level `await` is allowed (fragments written as if inside an async function);
- a final `asyncio.run(main())` line is awaited in the test's event loop instead (the devnet's
  relayers live in that loop), and `Devnet.start_interop()` yields an `Interop` on the already
  running session devnet, signing with a fresh funded key: the block's code is otherwise
  unchanged;
- the names below (see `prelude`) exist before the page's first block: they are the ones
  docs/index.md ("Running the examples") promises fragments may use.

A block preceded by `<!-- no-run: REASON -->` is not run (signature listings, a conftest); the
test below keeps their number small. ```sh / ```console blocks run each `interop ...` line that
names `--devnet` (or `interop chains`) with the CLI against the same devnet.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import os
import re
import shlex
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from interop.devnet.core import Devnet
from interop.testing.fixtures import fund

ROOT = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```[ \t]*$", re.S | re.M)
NO_RUN = re.compile(r"<!--\s*no-run:\s*(.+?)\s*-->\s*$")
MAX_NO_RUN = 8


@dataclass(frozen=True)
class Block:
    path: Path
    line: int
    lang: str
    code: str
    no_run: str | None

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def blocks(page: Path) -> list[Block]:
    text = page.read_text()
    out = []
    for m in FENCE.finditer(text):
        before = text[: m.start()].rstrip("\n").rsplit("\n", 1)[-1]
        mark = NO_RUN.search(before)
        out.append(
            Block(
                page,
                text[: m.start()].count("\n") + 1,
                m.group(1),
                m.group(2),
                mark.group(1) if mark else None,
            )
        )
    return out


def python_blocks(page: Path) -> list[Block]:
    return [b for b in blocks(page) if b.lang in ("python", "py")]


def shell_lines(page: Path) -> list[tuple[Block, str, dict[str, str]]]:
    """`interop ...` lines that run on the devnet, each with the `export`s above it."""
    out = []
    for b in blocks(page):
        if b.lang not in ("sh", "console", "bash", "shell") or b.no_run:
            continue
        env: dict[str, str] = {}
        for raw in b.code.splitlines():
            line = raw.split("  #", 1)[0].strip().removeprefix("$ ")
            if line.startswith("export ") and "=" in line:
                name, value = line.removeprefix("export ").split("=", 1)
                env[name.strip()] = value.strip()
            elif line.startswith("interop ") and ("--devnet" in line or line == "interop chains"):
                out.append((b, line, dict(env)))
    return out


PAGES = [p for p in pages() if python_blocks(p)]
RUN_ASYNCIO = re.compile(r"^asyncio\.run\((.+)\)\s*$", re.M)


def compile_block(block: Block) -> Any:
    src = RUN_ASYNCIO.sub(r"await \1", block.code)
    # line numbers of a failure point into the markdown file
    src = "\n" * block.line + src
    return compile(src, str(block.path), "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)


@contextlib.asynccontextmanager
async def fresh_interop(
    devnet: Devnet, journal: Path, key: bytes | None = None
) -> AsyncIterator[Any]:
    from interop.signer import account_from_key

    signer = account_from_key(key or os.urandom(32))
    await fund(devnet, signer.address)
    async with devnet.interop(account=signer, journal=str(journal)) as io:
        yield io


async def prelude(devnet: Devnet, io: Any, tmp: Path) -> dict[str, Any]:
    """The names a docs fragment may use without defining them (docs/index.md lists them)."""
    from interop.units import ether

    client = io.client  # the devnet's RPC view (the Arbitrum shim answers its own receipts)
    bob = "0x" + os.urandom(20).hex()
    return {
        "__name__": "__main__",
        "devnet": devnet,
        "io": io,
        "signer": io.signer,
        "alice": io.signer.address,
        "bob": io.parse_address(bob),
        "recipient": io.parse_address(bob),
        "holders": [io.signer.address, io.parse_address(bob)],
        "ether": ether,
        "chain": devnet.chain(900),
        "client": client(900),
        "l1_client": client(900),
        "l2_client": client(901),
        "op_client": client(901),
        "op2_client": client(902),
        "arb_client": client(903),
        "tmp_path": tmp,
    }


def test_few_blocks_opt_out() -> None:
    skipped = [b.where for p in pages() for b in python_blocks(p) if b.no_run]
    assert len(skipped) <= MAX_NO_RUN, skipped
    assert sum(len(python_blocks(p)) for p in pages()) >= 20


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
async def test_page_python_blocks_run(
    page: Path, devnet: Devnet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    @contextlib.asynccontextmanager
    async def start_interop(**_: Any) -> AsyncIterator[Any]:
        async with fresh_interop(devnet, tmp_path / "started.sqlite3") as io:
            yield io

    monkeypatch.setattr(Devnet, "start_interop", start_interop)
    monkeypatch.chdir(tmp_path)  # files a block writes (journals, chain files) land here
    key = os.urandom(32)
    monkeypatch.setenv("INTEROP_PRIVATE_KEY", "0x" + key.hex())
    for b in blocks(page):  # a data block whose first line is `# NAME.toml` is that file
        first = b.code.split("\n", 1)[0]
        if b.lang in ("toml", "json") and first.startswith("# ") and "." in first:
            (tmp_path / first[2:].strip()).write_text(b.code)
    async with fresh_interop(devnet, tmp_path / "journal.sqlite3", key) as io:
        ns = await prelude(devnet, io, tmp_path)
        for block in python_blocks(page):
            if block.no_run:
                continue
            try:
                result = eval(compile_block(block), ns)
                if asyncio.iscoroutine(result):
                    await asyncio.wait_for(result, 120)
            except BaseException as exc:
                raise AssertionError(f"{block.where}: block failed: {exc!r}") from exc


SHELL = [x for p in pages() for x in shell_lines(p)]


@pytest.mark.parametrize(
    ("block", "line", "exports"), SHELL, ids=[f"{b.where} {line}" for b, line, _ in SHELL]
)
async def test_shell_lines_run(
    block: Block, line: str, exports: dict[str, str], devnet: Devnet, tmp_path: Path
) -> None:
    from interop.cli.main import devnet_chains_json

    chain_file = tmp_path / "devnet-chains.json"
    chain_file.write_text(devnet_chains_json(list(devnet.chains.values())))
    env = dict(
        os.environ,
        INTEROP_DEVNET_FILE=str(chain_file),
        INTEROP_JOURNAL=str(tmp_path / "journal.sqlite3"),
    )
    env.pop("INTEROP_PRIVATE_KEY", None)
    env.update(exports)
    args = shlex.split(line)[1:]
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "interop.cli",
        *args,
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )

    async def tick() -> None:  # what `interop devnet` does in its terminal: chain time moves
        while True:
            await asyncio.sleep(0.2)
            await devnet.advance(5)

    ticker = asyncio.create_task(tick())
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), 120)
    finally:
        ticker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticker
    assert proc.returncode == 0, (
        f"{block.where}: `{line}` exited {proc.returncode}:\n{out.decode()}"
    )
