"""The README's code and the examples run as tests, exactly as a new user would run them."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def readme_python_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


async def run_python(args: list[str], timeout: float = 300) -> tuple[int, str]:
    # asyncio subprocess: the session devnet (if any) keeps serving from this loop meanwhile
    proc = await asyncio.create_subprocess_exec(
        sys.executable, *args, cwd=ROOT, env=dict(os.environ),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    return proc.returncode or 0, out.decode()


def test_readme_has_code() -> None:
    assert readme_python_blocks(), "README must show a library example"


@pytest.mark.parametrize("index", range(len(readme_python_blocks())))
async def test_readme_python_block_runs(index: int, tmp_path: Path) -> None:
    script = tmp_path / f"readme_{index}.py"
    script.write_text(readme_python_blocks()[index])
    rc, out = await run_python([str(script)])
    assert rc == 0, out


@pytest.mark.parametrize("example", sorted(p.name for p in (ROOT / "examples").glob("*.py")))
async def test_example_runs(example: str) -> None:
    rc, out = await run_python([f"examples/{example}"], timeout=600)
    assert rc == 0, out
    assert "Traceback" not in out
