"""Crash and resume: a withdrawal started in another process, killed with SIGKILL between steps,
is finished by `Interop.resume()` here with exactly one prove and one finalize.

The child runs through `asyncio.create_subprocess_exec` (never a blocking call: the session
devnet's relayers and the Arbitrum RPC shim run in this event loop). Three crash points:
- the test kills the child (by its PID) right after its prove transaction was mined;
- the child dies (SIGKILL to itself) right after the prove transaction was committed to the
  journal but before it was broadcast: resume must broadcast the very same bytes;
- the same, after signing the initiating withdrawal: resume must broadcast it and rebuild the
  flow's reference from the receipt.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest
from eth_utils.crypto import keccak

from interop.adapters.base import Status
from interop.cli.main import devnet_chains_json
from interop.devnet.core import Devnet
from interop.facade import Interop
from interop.journal import TxRecord
from interop.types import to_hash32
from interop.units import ether
from tests.integration.test_routes_e2e import ARB, L1, OP, Driver, fresh, key, make_io

pytestmark = pytest.mark.integration

CHILD = r"""
import asyncio, os, signal, sys
from interop.chains.loader import load_chains
from interop.chains.registry import default_registry
from interop.facade import Interop

async def main() -> None:
    chains_file, journal, mode, value, to = sys.argv[1:6]
    chains = load_chains(chains_file, base=default_registry().copy())
    async def nap(seconds: float) -> None:
        await asyncio.sleep(0.05)
    io = Interop(chains, account=os.environ["CHILD_KEY"], journal=journal, sleep=nap)
    def hook(rec) -> None:
        if mode == "self-kill-" + rec.step:
            print("SIGNED", rec.step, rec.tx_hash, flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
    io.journal.after_record = hook
    t = await io.bridge(int(value), 901, 900, to)
    print("INITIATED", t.id, flush=True)
    def progress(e) -> None:
        if e.what == "mined":
            print("MINED", e.step, e.tx_hash, flush=True)
    await t.complete(progress=progress, poll=0.05)
    print("DONE", flush=True)

asyncio.run(main())
"""


async def _events(io: Interop, topic: str, withdrawal_hash: str) -> int:
    portal = io.chain(OP).parent_contracts[L1]["optimism_portal"]
    logs = await io.client(L1).get_logs(
        address=portal, topics=["0x" + keccak(topic.encode()).hex(), withdrawal_hash]
    )
    return len(logs)


@pytest.mark.parametrize("mode", ["killed-after-prove", "self-kill-prove", "self-kill-initiate"])
async def test_crash_between_steps_then_resume(devnet: Devnet, tmp_path: Path, mode: str) -> None:
    name = f"resume-{mode}"
    io = await make_io(devnet, name, tmp_path)
    value, to = ether("0.0777") + 13, fresh()
    async with io:
        await (await io.bridge(value, L1, OP)).complete()  # back the portal with a real deposit
    chains_file = tmp_path / "chains.json"
    chains_file.write_text(devnet_chains_json(list(devnet.chains.values())))
    journal = tmp_path / "crash.sqlite3"
    script = tmp_path / "child.py"
    script.write_text(CHILD)

    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(script), str(chains_file), str(journal), mode, str(value), to,
        env={**os.environ, "CHILD_KEY": key(name)},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    op = devnet.component("opstack")
    lines: list[str] = []
    try:
        while True:
            raw = await asyncio.wait_for(proc.stdout.readline(), 60)
            if not raw:
                break
            line = raw.decode().strip()
            lines.append(line)
            if line.startswith("INITIATED"):
                # let a game cover the withdrawal and L1 time pass its creation: prove is possible
                await op.sync()  # type: ignore[attr-defined]
                await devnet.fast_forward(1)
            if line.startswith("MINED prove") and mode == "killed-after-prove":
                os.kill(proc.pid, signal.SIGKILL)
                break
    finally:
        if proc.returncode is None:
            with_timeout = asyncio.wait_for(proc.wait(), 30)
            if mode == "killed-after-prove":
                await with_timeout
            else:
                try:
                    await with_timeout
                except TimeoutError:
                    os.kill(proc.pid, signal.SIGKILL)
                    await proc.wait()
    err = (await proc.stderr.read()).decode() if proc.stderr else ""
    assert proc.returncode == -signal.SIGKILL, (lines, err[-2000:])
    assert "DONE" not in lines

    # resume in this process with the same journal
    chains = list(devnet.chains.values())
    async with Interop(chains, account=key(name), journal=journal, sleep=Driver(devnet)) as again:
        unfinished = again.flows(unfinished=True)
        assert len(unfinished) == 1
        flow_id = unfinished[0].record.id
        before = {t.step: t.state for t in again.journal.txs(flow_id)}
        if mode == "killed-after-prove":
            assert before == {"initiate": "mined", "prove": "mined"}
        elif mode == "self-kill-prove":
            assert before == {"initiate": "mined", "prove": "signed"}
            # never broadcast: the node does not know it yet
            tx = again.journal.txs(flow_id, step="prove")[0]
            assert await again.client(L1).get_transaction(tx.tx_hash) is None
        else:
            assert before == {"initiate": "signed"}
            assert unfinished[0].record.hops[0].ref is None
        results = await again.resume()
        assert [r.ok for r in results] == [True], results
        assert results[0].state is not None and results[0].state.status is Status.FINALIZED
        assert await again.client(L1).get_balance(to) == value
        txs = again.journal.txs(flow_id)
        assert [t.step for t in txs] == ["initiate", "prove", "finalize"]
        assert all(t.state == "mined" for t in txs)
        ref = again.flow(flow_id).refs[0]
        assert ref is not None
        wd_hash = to_hash32(ref.data["withdrawal"]["withdrawal_hash"])
        assert await _events(again, "WithdrawalProven(bytes32,address,address)", wd_hash) == 1
        assert await _events(again, "WithdrawalFinalized(bytes32,bool)", wd_hash) == 1
        assert again.flows(unfinished=True) == []
        # resuming again does nothing
        assert await again.resume() == []


async def test_replaced_second_hop_deposit_is_made_again_once(
    devnet: Devnet, tmp_path: Path
) -> None:
    """A two-hop flow's deposit (hop 2) was signed, never broadcast (crash), and its nonce was
    then used by another transaction. It can never be mined, so resume marks it `replaced` and
    deposits again from on-chain status: the recipient gets the value exactly once, without the
    resume waiting on the dead transaction."""
    io = await make_io(devnet, "resume-replaced-hop2", tmp_path)
    value, to = ether("0.0191") + 7, fresh()
    crash = {"on": False}

    def hook(rec: TxRecord) -> None:
        if crash["on"] and rec.hop == 1 and rec.step == "initiate":
            crash["on"] = False
            raise RuntimeError("simulated crash between signing and broadcast")

    async with io:
        await (await io.bridge(value, L1, OP)).complete()  # back the portal
        io.journal.after_record = hook
        t = await io.bridge(value, OP, ARB, to)
        assert t.id is not None
        crash["on"] = True
        with pytest.raises(RuntimeError):
            await t.complete()
        [dead] = io.journal.txs(t.id, hop=1)
        assert dead.state == "signed"
        await io.transfer(L1, to=fresh(), value=1)  # takes the nonce the deposit was signed with
        [res] = await asyncio.wait_for(io.resume(), 60)
        assert res.ok and res.state is not None and res.state.status is Status.FINALIZED, res
        assert await io.client(ARB).get_balance(to) == value
        states = [(x.hop, x.step, x.state) for x in io.journal.txs(t.id)]
        assert states[-2:] == [(1, "initiate", "replaced"), (1, "initiate", "mined")]
        assert await io.resume() == []
