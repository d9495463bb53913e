"""`interop watch` and `interop scan` as separate OS processes, as the issue's "done when" reads.

One process (`tests/integration/watch_producer.py`) starts a mix of flows against the devnet's
RPC URLs and exits; then the `interop watch --until-idle` CLI, another process that shares
nothing with it but the journal file, finishes all of them with no other action. In the scan
test the two processes do not even share a journal: `interop scan ADDRESS` (a third process)
finds the flows on chain and imports them into the watch's journal.

The devnet's relayers and Arbitrum RPC shim live in this test's event loop, and the devnet's time
only moves when something moves it: while a subprocess runs, a background task here lets the
relayers catch up and fast-forwards chain time (as the chain does on its own), so the watch
process sees each challenge period pass. Checks are on chain: every recipient credited exactly
once, to the wei (fresh addresses; a message's target records its call), every flow finished in
the journal, no step mined twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account

from interop.cli.main import devnet_chains_json
from interop.devnet.core import Devnet
from interop.facade import Interop
from interop.units import ether
from tests.integration.test_routes_e2e import Driver
from tests.integration.test_watch import ARB, L1, OP, OP2, RECORDER_CODE, _fresh, _user

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SCALE = int(os.environ.get("INTEROP_WATCH_PROC_SCALE", "1"))
"""Multiplies the mix below (50 flows each, plus the retryable: 51, the issue's "50")."""


@contextlib.asynccontextmanager
async def _time_passes(devnet: Devnet, seconds: int) -> AsyncIterator[None]:
    """While the body runs: relayers catch up and chain time moves `seconds` (+1) per turn. A
    failure of the devnet (a crashed relayer) is raised at the end, not swallowed."""
    drive = Driver(devnet)

    async def loop() -> None:
        while True:
            await drive(seconds)
            await asyncio.sleep(0.1)

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        if task.done():
            task.result()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


class Done:
    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


async def _run(
    args: list[str], *, env: dict[str, str], timeout: float, stdin: bytes | None = None
) -> Done:
    """Run a process to its end; past `timeout` kill it (ours, by its pid) and fail with the
    tail of what it wrote, so a hang says where it was and leaves no process behind."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, *args, cwd=str(ROOT), env={**os.environ, **env},
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    talk = asyncio.ensure_future(proc.communicate(stdin))
    done, _ = await asyncio.wait([talk], timeout=timeout)
    if not done:
        proc.kill()
        out, err = await talk
        pytest.fail(f"{args[:3]} still running after {timeout} s; stderr:\n{err.decode()[-4000:]}")
    out, err = talk.result()
    return Done(proc.returncode or 0, out.decode(), err.decode())


async def _cli(*args: str, env: dict[str, str], timeout: float = 120) -> Done:
    return await _run(["-m", "interop.cli", *args], env=env, timeout=timeout)


async def _produce(cmd: dict[str, Any], timeout: float = 120) -> dict[str, Any]:
    """Run the producer process (key on stdin) and return what it printed."""
    done = await _run(
        ["-m", "tests.integration.watch_producer"], env={}, timeout=timeout,
        stdin=json.dumps(cmd).encode(),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout)
    return result


class Mix:
    """Flows to start and what each must do on chain: `balances[(chain, to)]` wei for value
    sent to a fresh address; `calls[(chain, target)] = (word, value)` for a message to a
    recorder contract (it stores its caller, call value and first calldata word)."""

    def __init__(self, devnet: Devnet) -> None:
        self.devnet = devnet
        self.flows: list[dict[str, Any]] = []
        self.balances: dict[tuple[int, str], int] = {}
        self.calls: dict[tuple[int, str], tuple[bytes, int]] = {}
        self.n = 0

    def _value(self) -> int:
        self.n += 1
        return ether("0.0001") * self.n + self.n  # distinct per flow, to the wei

    def bridge(self, source: int, target: int) -> None:
        to, value = _fresh(), self._value()
        self.flows.append(
            {"kind": "bridge", "source": source, "target": target, "to": to, "value": value}
        )
        self.balances[(target, to)] = value

    async def message(self, source: int, target: int, *, value: bool = True, **extra: Any) -> str:
        to, word = _fresh(), os.urandom(32)
        await self.devnet.transport(target).request("anvil_setCode", [to, RECORDER_CODE])
        wei = self._value() if value else 0
        self.flows.append(
            {"kind": "message", "source": source, "target": target, "to": to, "value": wei,
             "data": "0x" + word.hex(), **extra}
        )  # fmt: skip
        self.calls[(target, to)] = (word, wei)
        return to

    async def check(self, io: Interop) -> None:
        for (chain, to), value in self.balances.items():
            assert await io.client(chain).get_balance(to) == value, (chain, to)
        for (chain, to), (word, value) in self.calls.items():
            c = io.client(chain)
            assert await c.get_storage_at(to, 2) == word, (chain, to)
            assert int.from_bytes(await c.get_storage_at(to, 1), "big") == value, (chain, to)
            assert await c.get_balance(to) == value, (chain, to)


def _check_journal(io: Interop, ids: list[str]) -> None:
    """Every flow finished, and no step of any flow mined twice."""
    for fid in ids:
        rec = io.journal.get(fid)
        assert rec.done and rec.status == "finalized", (fid, rec.status, rec.error)
        mined = [(t.hop, t.step) for t in io.journal.txs(fid) if t.state == "mined"]
        assert len(mined) == len(set(mined)), (fid, mined)


async def test_cli_watch_finishes_a_mix_another_process_started(
    devnet: Devnet, tmp_path: Path
) -> None:
    """51 flows (OP and Arbitrum withdrawals and messages, Superchain transfers and messages,
    deposits, OP -> Arbitrum two-hop transfers, an Arbitrum retryable whose auto-redeem failed)
    started by one process; the retryable is 1 hour from expiry when `interop watch` starts."""
    key = await _user(devnet, "watch processes mix")
    chains = tmp_path / "chains.json"
    chains.write_text(devnet_chains_json(list(devnet.chains.values())))
    journal = tmp_path / "j.sqlite3"
    mix = Mix(devnet)
    for _ in range(SCALE):
        for route, count in (
            ((OP, L1), 11), ((ARB, L1), 11), ((OP, OP2), 9), ((L1, OP), 5), ((L1, ARB), 4),
            ((OP, ARB), 4),
        ):  # fmt: skip
            for _ in range(count):
                mix.bridge(*route)
        for route in ((OP, L1), (OP, L1), (ARB, L1), (ARB, L1)):
            await mix.message(*route)
        for _ in range(2):  # Superchain messages carry no value
            await mix.message(OP, OP2, value=False)
    # a retryable whose auto-redeem fails (25k gas for a ~66k call): only a redeem runs it
    ticket = await mix.message(L1, ARB, gas_limit=25_000, wait_for="redeem")
    assert len(mix.flows) == 50 * SCALE + 1

    cmd = {"key": key, "chains_file": str(chains), "journal": str(journal), "flows": mix.flows}
    out = await _produce(cmd)  # meanwhile the relayers, in this loop, run the ticket (and fail)
    ids: list[str] = out["ids"]
    assert len(ids) == len(mix.flows)
    [(retry_id, expiry)] = out["expiry"].items()
    # time passes with nobody watching, until the ticket is 1 hour from expiry: inside the
    # watchdog's default 6-hour margin, far from the edge of the test's time steps
    head = await devnet.transport(ARB).request("eth_getBlockByNumber", ["latest", False])
    await devnet.fast_forward(expiry - int(head["timestamp"], 16) - 3600)

    env = {"INTEROP_PRIVATE_KEY": key}
    base = ["--chains-file", str(chains), "--journal", str(journal), "--json"]
    async with _time_passes(devnet, 12):  # one turn: an OP proof matures (12 s on the devnet)
        done = await _cli(
            "watch", *base, "--until-idle", "--concurrency", "16", "--max-interval", "0.5",
            env=env, timeout=150,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout)
    assert summary["finished"] == len(ids) and summary["errors"] == 0, summary
    assert summary["failed"] == 0 and summary["gave_up"] == 0, summary

    async with Interop(list(devnet.chains.values()), journal=str(journal)) as io:
        _check_journal(io, ids)
        await mix.check(io)
        redeem = [t for t in io.journal.txs(retry_id) if t.step == "redeem"]
        assert len(redeem) == 1 and redeem[0].state == "mined"
        rcpt = await io.client(ARB).get_receipt(redeem[0].tx_hash)
        assert rcpt is not None
        block = await io.client(ARB).get_block(rcpt.block_number)
        # redeemed in the ticket's last hour (when watch found it), before it expired
        assert expiry - 3600 <= int(block["timestamp"], 16) < expiry
        assert int.from_bytes(await io.client(ARB).get_storage_at(ticket, 0), "big") != 0
        # the watch process performed every step after the first: the producer only initiated
        steps = {t.step for fid in ids for t in io.journal.txs(fid)} - {"initiate"}
        assert {"prove", "finalize", "execute", "redeem"} <= steps, steps
        two_hop = [f for f in ids if len(io.journal.get(f).hops) == 2]
        assert len(two_hop) == 4 * SCALE
        for fid in two_hop:
            assert [(t.hop, t.step) for t in io.journal.txs(fid)] == [
                (0, "initiate"), (0, "prove"), (0, "finalize"), (1, "initiate"),
            ]  # fmt: skip


async def test_cli_scan_imports_another_journals_flows_and_cli_watch_finishes_them(
    devnet: Devnet, tmp_path: Path
) -> None:
    """Flows started by one process into its own journal; `interop scan ADDRESS` (another
    process, no key) finds them on chain and imports them into a second journal; `interop
    watch` (a third) finishes them from there. The first journal is never touched again."""
    key = await _user(devnet, "watch processes scan")
    me = Account.from_key(key).address
    chains = tmp_path / "chains.json"
    chains.write_text(devnet_chains_json(list(devnet.chains.values())))
    routed = (L1, OP, OP2, ARB)
    starts = {
        cid: int(await devnet.transport(cid).request("eth_blockNumber", []), 16) for cid in routed
    }
    mix = Mix(devnet)
    for route in ((OP, L1), (OP, L1), (ARB, L1), (ARB, L1), (OP, OP2), (L1, OP), (L1, ARB)):
        mix.bridge(*route)
    await mix.message(OP, L1)
    await mix.message(ARB, L1)
    await mix.message(L1, ARB, gas_limit=25_000, wait_for="redeem")  # needs a redeem
    elsewhere = tmp_path / "elsewhere.sqlite3"
    cmd = {"key": key, "chains_file": str(chains), "journal": str(elsewhere), "flows": mix.flows}
    out = await _produce(cmd)
    theirs: list[str] = out["ids"]
    started = {tx.lower() for tx in out["txs"]}
    assert len(started) == len(theirs)

    here = tmp_path / "here.sqlite3"
    base = ["--chains-file", str(chains), "--journal", str(here), "--json"]
    since = [a for cid, n in starts.items() for a in ("--since", f"{cid}={n}")]
    since += ["--chains", ",".join(str(c) for c in routed)]
    scan = await _cli("scan", me, *base, *since, env={})
    assert scan.returncode == 0, scan.stderr[-3000:]
    rows = json.loads(scan.stdout)
    assert sorted(r["tx_hash"].lower() for r in rows if r["imported"]) == sorted(started), rows

    async with _time_passes(devnet, 5):
        done = await _cli(
            "watch", *base, "--until-idle", "--concurrency", "8", "--max-interval", "0.5",
            env={"INTEROP_PRIVATE_KEY": key}, timeout=120,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout)
    assert summary["finished"] == len(theirs) and summary["errors"] == 0, summary

    async with Interop(list(devnet.chains.values()), journal=str(here)) as io:
        ours = [r.id for r in io.journal.flows()]
        assert len(ours) == len(theirs)
        _check_journal(io, ours)
        await mix.check(io)
    async with Interop(list(devnet.chains.values()), journal=str(elsewhere)) as io:
        # the producer's journal: only what the producer itself wrote (first transactions)
        for fid in theirs:
            assert [t.step for t in io.journal.txs(fid)] == ["initiate"], fid
