"""The CLI as a user runs it: real processes, real devnet, exit codes and output checked."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from interop.cli.main import devnet_chains_json
from interop.devnet.core import Devnet

ALICE, ALICE_KEY = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", None
BOB = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc"  # account 5


class Done:
    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


async def run(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> Done:
    """Run the CLI without blocking the event loop: the session devnet's relayers and the
    Arbitrum RPC shim live in this process's loop and must keep serving while the CLI runs."""
    full_env = {**os.environ, **(env or {})}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "interop.cli",
        *args,
        env=full_env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    return Done(proc.returncode or 0, out.decode(), err.decode())


async def test_chains_lists_builtins() -> None:
    out = await run("chains")
    assert out.returncode == 0, out.stderr
    assert "Arbitrum One" in out.stdout and "OP Mainnet" in out.stdout
    js = json.loads((await run("chains", "--json", "--testnets")).stdout)
    assert {c["id"] for c in js} >= {1, 10, 8453, 42161, 11155111, 11155420}


async def test_balances_and_send_on_devnet(devnet: Devnet, tmp_path: Path) -> None:
    chains_file = tmp_path / "chains.json"
    chains_file.write_text(devnet_chains_json(list(devnet.chains.values())))
    ids = ",".join(str(c) for c in devnet.chains)
    out = await run(
        "balances", ALICE, BOB, "--chains-file", str(chains_file), "--chains", ids, "--json"
    )
    assert out.returncode == 0, out.stderr
    before = json.loads(out.stdout)
    assert set(before) == {str(c) for c in devnet.chains}

    key = devnet.accounts[5][1]
    sent = await run(
        "send",
        "--chains-file",
        str(chains_file),
        "--chain",
        "devnet-l1",
        "--to",
        ALICE,
        "--value",
        "0.25ether",
        "--json",
        env={"INTEROP_PRIVATE_KEY": key},
    )
    assert sent.returncode == 0, sent.stderr
    assert key not in sent.stdout + sent.stderr and key[2:] not in sent.stdout + sent.stderr
    res = json.loads(sent.stdout)
    assert res["value"] == str(25 * 10**16)

    after = json.loads(
        (
            await run(
                "balances", ALICE, "--chains-file", str(chains_file), "--chains", "900", "--json"
            )
        ).stdout
    )
    assert int(after["900"][ALICE]) - int(before["900"][ALICE]) == 25 * 10**16


async def test_devnet_command_then_balances_from_another_process(tmp_path: Path) -> None:
    """The README flow: `interop devnet` in one shell, `interop balances --devnet` in another."""
    env = {**os.environ, "INTEROP_DEVNET_FILE": str(tmp_path / "devnet.json")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "interop.cli",
        "devnet",
        "--for-seconds",
        "120",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=env,
    )
    try:
        assert proc.stdout is not None
        seen: list[str] = []
        async with asyncio.timeout(90):
            while True:
                line = (await proc.stdout.readline()).decode()
                if not line:
                    break
                seen.append(line)
                if "chain file:" in line:
                    break
        assert any("chain file:" in s for s in seen), "".join(seen)
        assert any("devnet-l1" in s for s in seen) and any("devnet-arb" in s for s in seen)
        out = await run("balances", ALICE, "--devnet", "--json", env=env)
        assert out.returncode == 0, out.stderr
        data = json.loads(out.stdout)
        assert set(data) == {"900", "901", "902", "903", "904", "905", "906"}
        assert all(int(data[c][ALICE]) > 0 for c in data)
    finally:
        proc.terminate()  # our own child, by its handle
        await asyncio.wait_for(proc.wait(), 30)
    assert not (tmp_path / "devnet.json").exists()
