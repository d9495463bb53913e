"""`interop bridge / status / finalize / resume / message` as a user runs them, on the devnet.

The CLI runs in asyncio subprocesses (the devnet's relayers and the Arbitrum shim live in this
event loop). While a CLI process waits, a background task here plays the passing of time
(relayer sync, fast-forward, game resolution), as the chain would on its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from interop.cli.main import devnet_chains_json
from interop.devnet.core import Devnet
from interop.units import ether
from tests.integration.test_routes_e2e import L1, Driver, fresh, key, make_io

pytestmark = pytest.mark.integration


class Done:
    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


async def run(*args: str, env: dict[str, str], timeout: float = 120) -> Done:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "interop.cli", *args, env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    return Done(proc.returncode or 0, out.decode(), err.decode())


@contextlib.asynccontextmanager
async def time_passes(devnet: Devnet) -> AsyncIterator[None]:
    drive = Driver(devnet)

    async def loop() -> None:
        while True:
            await drive(1)
            await asyncio.sleep(0.1)

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_cli_bridge_status_finalize_resume(devnet: Devnet, tmp_path: Path) -> None:
    io = await make_io(devnet, "cli", tmp_path)
    await io.aclose()
    chains = tmp_path / "chains.json"
    chains.write_text(devnet_chains_json(list(devnet.chains.values())))
    journal = tmp_path / "cli.sqlite3"
    env = {"INTEROP_PRIVATE_KEY": key("cli")}
    base = ["--chains-file", str(chains), "--journal", str(journal), "--json"]

    plan = await run("bridge", *base, "--from", "devnet-op", "--to", "devnet-arb",
                     "--value", "0.01ether", "--plan", env=env)  # fmt: skip
    assert plan.returncode == 0, plan.stderr
    p = json.loads(plan.stdout)
    assert [(s["adapter"], s["source"], s["target"]) for s in p["steps"]] == [
        ("opstack", 901, 900),
        ("arbitrum", 900, 903),
    ]
    # a plan sends nothing, so it needs no key (it used to refuse without one)
    keyless = await run("bridge", *base, "--from", "devnet-op", "--to", "devnet-arb",
                        "--value", "0.01ether", "--plan", env={"INTEROP_PRIVATE_KEY": ""})  # fmt: skip
    assert keyless.returncode == 0, keyless.stderr
    assert [s["adapter"] for s in json.loads(keyless.stdout)["steps"]] == ["opstack", "arbitrum"]

    # L1 -> OP deposit to self (backs the portal), completed by the CLI itself
    value = ether("0.0135") + 7
    async with time_passes(devnet):
        dep = await run("bridge", *base, "--from", "900", "--to", "901", "--value",
                        f"{value}wei", "--complete", "--max-interval", "0.2", env=env)  # fmt: skip
    assert dep.returncode == 0, dep.stderr
    assert json.loads(dep.stdout)["status"] == "finalized"
    assert key("cli")[2:] not in dep.stdout + dep.stderr

    # OP -> L1 withdrawal: start it, look it up by id and by hash, then finalize it by id
    to = fresh()
    wd = await run("bridge", *base, "--from", "devnet-op", "--to", "devnet-l1", "--value",
                   f"{value}wei", "--recipient", to, env=env)  # fmt: skip
    assert wd.returncode == 0, wd.stderr
    started = json.loads(wd.stdout)
    assert started["status"] in ("waiting-to-prove", "ready-to-prove")
    by_id = json.loads((await run("status", *base, started["flow_id"], env={})).stdout)
    by_hash = json.loads((await run("status", *base, started["tx_hash"], env={})).stdout)
    assert by_id["flow_id"] == by_hash["flow_id"] == started["flow_id"]
    listed = json.loads((await run("status", *base, env={})).stdout)
    assert [f["flow_id"] for f in listed] == [started["flow_id"]]

    async with time_passes(devnet):
        fin = await run("finalize", *base, started["flow_id"][:8], "--max-interval", "0.2",
                        env=env)  # fmt: skip
    assert fin.returncode == 0, fin.stderr
    assert json.loads(fin.stdout)["status"] == "finalized"
    assert "sent prove" in fin.stderr and "sent finalize" in fin.stderr  # progress lines
    async with await make_io(devnet, "cli-check", tmp_path) as check:
        assert await check.client(L1).get_balance(to) == value

    res = await run("resume", *base, env=env)
    assert res.returncode == 0 and json.loads(res.stdout) == []


@pytest.mark.parametrize("l2", ["devnet-linea", "devnet-scroll", "devnet-zksync"])
async def test_cli_bridge_complete_both_ways(devnet: Devnet, tmp_path: Path, l2: str) -> None:
    """`interop bridge --from <l2> --to devnet-l1 --complete` as a user types it: a Linea
    withdrawal claimed on L1 with a locally built Merkle proof, a ZKsync one finalized with the
    log proof; the deposits first (they back the withdrawals). Credited to the wei."""
    name = f"cli-{l2}"
    io = await make_io(devnet, name, tmp_path)
    await io.aclose()
    chains = tmp_path / "chains.json"
    chains.write_text(devnet_chains_json(list(devnet.chains.values())))
    env = {"INTEROP_PRIVATE_KEY": key(name)}
    base = ["--chains-file", str(chains), "--journal", str(tmp_path / "j.sqlite3"), "--json"]
    value, to = ether("0.0123") + 11, fresh()
    if l2 == "devnet-linea":
        # a fee-less Linea deposit is claimed by its owner, in L2 gas: with no ETH on Linea the
        # CLI refuses it (nothing sent, its code named), and a funded account goes through
        refused = await run("bridge", *base, "--from", "devnet-l1", "--to", l2, "--value",
                            f"{2 * value}wei", env=env)  # fmt: skip
        assert refused.returncode == 2 and "claim-needs-l2-gas" in refused.stderr, refused.stderr
        me = io.signer.address if io.signer else ""
        await devnet.transport(904).request("anvil_setBalance", [me, hex(ether("0.01"))])
    async with time_passes(devnet):
        dep = await run("bridge", *base, "--from", "devnet-l1", "--to", l2, "--value",
                        f"{2 * value}wei", "--complete", "--max-interval", "0.2",
                        env=env)  # fmt: skip
        assert dep.returncode == 0, dep.stderr
        assert json.loads(dep.stdout)["status"] == "finalized"
        wd = await run("bridge", *base, "--from", l2, "--to", "devnet-l1", "--value",
                       f"{value}wei", "--recipient", to, "--complete", "--max-interval", "0.2",
                       env=env)  # fmt: skip
    assert wd.returncode == 0, wd.stderr
    assert json.loads(wd.stdout)["status"] == "finalized"
    async with await make_io(devnet, f"{name}-check", tmp_path) as check:
        assert await check.client(L1).get_balance(to) == value
