"""The examples run as tests, exactly as a new user would run them (each starts its own devnet).
The README's and docs' code blocks run in tests/integration/test_docs_blocks.py."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


async def run_python(args: list[str], timeout: float = 300) -> tuple[int, str]:
    # asyncio subprocess: the session devnet (if any) keeps serving from this loop meanwhile
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        cwd=ROOT,
        env=dict(os.environ),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    return proc.returncode or 0, out.decode()


@pytest.mark.parametrize("example", sorted(p.name for p in (ROOT / "examples").glob("*.py")))
async def test_example_runs(example: str) -> None:
    rc, out = await run_python([f"examples/{example}"], timeout=600)
    assert rc == 0, out
    assert "Traceback" not in out
