"""A devnet whose process is killed outright (SIGKILL: no cleanup runs) must not leave anvil
nodes behind: each node asks the kernel to be terminated when its parent dies."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time

SCRIPT = """
import asyncio
from interop.devnet.core import Devnet
from interop.devnet.presets import default_config
async def main():
    async with Devnet(default_config(opstack=False, arbitrum=False)) as dn:
        print("PIDS", *[n.pid for n in dn.nodes.values()], flush=True)
        await asyncio.sleep(120)
asyncio.run(main())
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_nodes_die_with_a_killed_parent() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", SCRIPT, stdout=asyncio.subprocess.PIPE
    )
    assert proc.stdout is not None
    line = (await asyncio.wait_for(proc.stdout.readline(), 60)).decode().split()
    assert line and line[0] == "PIDS", line
    pids = [int(p) for p in line[1:]]
    assert pids and all(alive(p) for p in pids)
    os.kill(proc.pid, signal.SIGKILL)  # our own child, by its PID
    await proc.wait()
    deadline = time.monotonic() + 20
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    assert not any(alive(p) for p in pids), "anvil outlived its killed parent"
