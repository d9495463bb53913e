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
    async with Devnet(default_config(opstack=False, arbitrum=False, linea=False, zksync=False, scroll=False)) as dn:
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


async def test_a_stopped_devnet_leaves_nothing_on_disk() -> None:
    """anvil moves older block states to disk; by default under ~/.foundry/anvil/tmp, where a
    terminated anvil leaves them (76 GB over a few days of test runs filled this machine's
    disk). The devnet keeps them in its own directory and removes it at a clean stop."""
    from pathlib import Path

    from interop.devnet.core import Devnet
    from interop.devnet.presets import default_config

    foundry_tmp = Path.home() / ".foundry" / "anvil" / "tmp"
    before = set(foundry_tmp.iterdir()) if foundry_tmp.exists() else set()
    async with Devnet(
        default_config(opstack=False, arbitrum=False, linea=False, zksync=False, scroll=False)
    ) as dn:
        log_dir = dn.log_dir
        node = next(iter(dn.nodes.values()))
        t = dn.transport(node.chain_id)
        for _ in range(3):  # transactions make states anvil keeps, then moves to disk
            await t.request("anvil_mine", ["0x100"])
            await t.request(
                "eth_sendTransaction",
                [
                    {
                        "from": "0x" + "f39fd6e51aad88f6f4ce6ab8827279cfffb92266",
                        "to": "0x" + "11" * 20,
                        "value": "0x1",
                    }
                ],
            )
        assert (log_dir / f"{node.name}.states").exists()
    assert not log_dir.exists(), "the devnet's own directory outlived a clean stop"
    after = set(foundry_tmp.iterdir()) if foundry_tmp.exists() else set()
    assert after <= before, f"anvil left state under {foundry_tmp}: {sorted(after - before)}"
