"""`interop watch` on the devnet: a worker finishes flows another `Interop` started and left, a
retryable near its expiry is redeemed in time, the gas policy holds a step back and says so, a
stop never leaves a step half done and a restart picks up, and a deadline that cannot be met is
reported loudly."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account

from interop.adapters.base import Status
from interop.devnet.core import Devnet
from interop.facade import Interop
from interop.types import to_address
from interop.units import ether
from interop.watch import GasPolicy, Watcher, WatchEvent
from tests.helpers_crash import Clock, back_escrow, fund, key_for

pytestmark = pytest.mark.integration

L1, OP, OP2, ARB = 900, 901, 902, 903
RECORDER_CODE = "0x33600055346001556000356002" + "5500"
"""CALLER->slot0, CALLVALUE->slot1, first calldata word->slot2: 3 cold SSTOREs (~66k gas)."""
PER_KIND = int(os.environ.get("INTEROP_WATCH_PER_KIND", "13"))
"""Flows per kind (OP withdrawal, Arbitrum withdrawal, Superchain transfer, L1 -> OP deposit):
4 x 13 + the retryable = 53 flows, the issue's "50" (about 12 s here)."""


def _fresh() -> str:
    return to_address(os.urandom(20))


async def _io(devnet: Devnet, key: str, journal: Path, clock: Clock) -> Interop:
    io = Interop(list(devnet.chains.values()), account=key, journal=str(journal), sleep=clock)
    if "superchain" not in io.adapters.all():  # as test_routes_e2e: until the entry point is in
        from importlib.metadata import entry_points

        from interop.adapters.superchain import adapter_factory
        from interop.routes import AdapterRegistry

        factories: dict[str, Any] = {
            ep.name: ep.load() for ep in entry_points(group="interop.adapters")
        }
        factories["superchain"] = adapter_factory
        io._adapters = AdapterRegistry(factories)
    return io


async def _user(devnet: Devnet, name: str) -> str:
    key = key_for(name)
    await fund(devnet, Account.from_key(key).address, ether("10"))
    await back_escrow(devnet, OP, "optimism_portal", ether("1"))
    await back_escrow(devnet, ARB, "bridge", ether("1"))
    return key


async def test_watch_finishes_flows_another_process_started(devnet: Devnet, tmp_path: Path) -> None:
    key = await _user(devnet, "watch mix")
    journal = tmp_path / "j.sqlite3"
    clock = Clock(devnet.advance)
    expected: dict[tuple[int, str], int] = {}
    started: list[str] = []
    async with await _io(devnet, key, journal, clock) as producer:  # "another process"
        n = 0
        for kind in ((OP, L1), (ARB, L1), (OP, OP2), (L1, OP)):
            for _ in range(PER_KIND):
                n += 1
                to, value = _fresh(), ether("0.001") * n + n
                t = await producer.bridge(value, kind[0], kind[1], to)
                assert t.id is not None
                started.append(t.id)
                expected[(kind[1], to)] = value
        # a retryable whose auto-redeem fails (25k gas for a ~66k call): needs a redeem
        target = _fresh()
        await devnet.transport(ARB).request("anvil_setCode", [target, RECORDER_CODE])
        word = os.urandom(32)
        msg = await producer.send_message(L1, ARB, target, word, gas_limit=25_000)
        assert msg.id is not None
        started.append(msg.id)
        for _ in range(40):
            st = await msg.status()
            if st.next_step == "redeem":
                break
            await devnet.advance(1)
        assert st.status is Status.NEEDS_MANUAL_ACTION and st.next_step == "redeem", st
        expiry = int(st.hops[0].status.details["timeout"])  # type: ignore[union-attr]
    # time passes until the ticket is 1 hour from expiry (inside the watchdog's margin)
    head = await devnet.transport(ARB).request("eth_getBlockByNumber", ["latest", False])
    await devnet.fast_forward(expiry - int(head["timestamp"], 16) - 3600)

    events: list[WatchEvent] = []
    async with await _io(devnet, key, journal, clock) as io:
        w = Watcher(io, devnet.chains, on_event=events.append, concurrency=4, poll=0.2)
        stats = await asyncio.wait_for(w.run(until_idle=True), 240)
        for fid in started:
            rec = io.journal.get(fid)
            assert rec.done and rec.status == "finalized", (fid, rec.status, rec.error)
        for (chain, to), value in expected.items():
            assert await io.client(chain).get_balance(to) == value, (chain, to)
        assert await io.client(ARB).get_storage_at(target, 2) == word  # redeemed: the call ran
        redeem = [t for t in io.journal.txs(msg.id) if t.step == "redeem"]
        assert len(redeem) == 1 and redeem[0].state == "mined"
        rcpt = await io.client(ARB).get_receipt(redeem[0].tx_hash)
        assert rcpt is not None
        block = await io.client(ARB).get_block(rcpt.block_number)
        assert int(block["timestamp"], 16) < expiry  # acted on before the deadline passed
        assert stats.finished == len(started) and stats.errors == 0, stats
        # each step once: no flow has two mined transactions for the same step and hop
        for fid in started:
            mined = [(t.hop, t.step) for t in io.journal.txs(fid) if t.state == "mined"]
            assert len(mined) == len(set(mined)), (fid, mined)
        # a second worker has nothing left to do
        again = await asyncio.wait_for(Watcher(io, devnet.chains).run(until_idle=True), 30)
        assert again.steps == 0 and again.finished == 0


async def test_gas_policy_waits_and_says_so_then_stop_and_restart(
    devnet: Devnet, tmp_path: Path
) -> None:
    key = await _user(devnet, "watch gas")
    journal = tmp_path / "j.sqlite3"
    clock = Clock(devnet.advance)
    to, value = _fresh(), ether("0.003") + 7
    async with await _io(devnet, key, journal, clock) as io:
        t = await io.bridge(value, OP, L1, to)
        fid = str(t.id)
        events: list[WatchEvent] = []
        w = Watcher(
            io,
            devnet.chains,
            gas=GasPolicy({L1: 1}),
            on_event=events.append,
            poll=0.2,
            max_interval=1.0,
            metrics_port=0,
        )
        task = asyncio.create_task(w.run())
        for _ in range(300):
            if any(e.what == "gas" for e in events):
                break
            await asyncio.sleep(0.05)
        gas = [e for e in events if e.what == "gas"]
        assert gas and "above the cap 1" in gas[0].detail and f"chain {L1}" in gas[0].detail
        assert w.metrics_url is not None
        import aiohttp

        async with aiohttp.ClientSession() as http, http.get(w.metrics_url) as resp:
            text = await resp.text()
        assert f'interop_watch_gas_waits_total{{worker="{w.owner}"}} ' in text
        assert 'interop_flows{status="waiting-to-prove",done="0"} 1' in text or (
            'interop_flows{status="ready-to-prove",done="0"} 1' in text
        ), text
        assert [x.step for x in io.journal.txs(fid)] == ["initiate"]  # nothing signed on L1
        w.stop()  # as SIGTERM does
        await asyncio.wait_for(task, 30)
        assert not io.journal.get(fid).done
        # restart with no cap: it picks up where it left and finishes
        w2 = Watcher(io, devnet.chains, poll=0.2)
        await asyncio.wait_for(w2.run(until_idle=True), 120)
        assert io.journal.get(fid).status == "finalized"
        assert await io.client(L1).get_balance(to) == value
        assert [x.step for x in io.journal.txs(fid)] == ["initiate", "prove", "finalize"]


async def test_missed_deadline_is_reported_loudly(
    devnet: Devnet, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A worker sees a ticket's expiry while gas is too dear to redeem it (7 days out: the policy
    holds), then is down until the ticket expired: on restart it says so, loudly."""
    key = await _user(devnet, "watch expired")
    journal = tmp_path / "j.sqlite3"
    clock = Clock(devnet.advance)
    async with await _io(devnet, key, journal, clock) as io:
        target = _fresh()
        await devnet.transport(ARB).request("anvil_setCode", [target, RECORDER_CODE])
        msg = await io.send_message(L1, ARB, target, os.urandom(32), gas_limit=25_000)
        fid = str(msg.id)
        for _ in range(40):
            st = await msg.status()
            if st.next_step == "redeem":
                break
            await devnet.advance(1)
        expiry = int(st.hops[0].status.details["timeout"])  # type: ignore[union-attr]
        events: list[WatchEvent] = []
        w = Watcher(
            io, devnet.chains, gas={ARB: 1}, on_event=events.append, poll=0.2,
            max_interval=1.0, deadline_margin=3600,
        )  # fmt: skip
        task = asyncio.create_task(w.run())
        for _ in range(300):
            if any(e.what == "gas" for e in events):
                break
            await asyncio.sleep(0.05)
        w.stop()
        await asyncio.wait_for(task, 30)
        assert any(e.what == "gas" for e in events) and not any(
            e.what == "deadline" for e in events
        )
        assert [w for _, w, d in io.journal.events(fid) if w == "deadline-at"] == ["deadline-at"]
        head = await devnet.transport(ARB).request("eth_getBlockByNumber", ["latest", False])
        await devnet.fast_forward(expiry - int(head["timestamp"], 16) + 60)
        events.clear()
        from aiohttp import web

        posted: list[dict[str, str]] = []

        async def hook(request: web.Request) -> web.Response:
            posted.append(await request.json())
            return web.Response(text="ok")

        app = web.Application()
        app.router.add_post("/alert", hook)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        w = Watcher(
            io, devnet.chains, on_event=events.append, poll=0.2, max_interval=1.0,
            webhook=f"http://127.0.0.1:{port}/alert",
        )  # fmt: skip
        task = asyncio.create_task(w.run())
        for _ in range(300):
            if any(e.what == "deadline" for e in events):
                break
            await asyncio.sleep(0.05)
        w.stop()
        await asyncio.wait_for(task, 30)
        alerts = [e for e in events if e.what == "deadline"]
        assert alerts and alerts[0].flow_id == fid and "passed" in alerts[0].detail
        assert "expired" in alerts[0].detail  # the adapter's action says what was lost
        assert any(what == "deadline" for _, what, _ in io.journal.events(fid))
        assert any("DEADLINE" in r.message and r.levelname == "ERROR" for r in caplog.records)
        assert not [t for t in io.journal.txs(fid) if t.step == "redeem"]  # nothing sent
        await runner.cleanup()
        assert posted and posted[0]["flow_id"] == fid and posted[0]["kind"] == "passed"
        assert "expired" in posted[0]["message"]


async def test_cli_watch_sigterm_then_until_idle(devnet: Devnet, tmp_path: Path) -> None:
    """`interop watch` as an operator runs it: SIGTERM while a gas cap holds a step back exits 0
    with its summary and nothing half done; run again, it finishes the flows."""
    import json
    import signal
    import sys

    from interop.cli.main import devnet_chains_json
    from tests.integration.test_cli_bridge import run, time_passes

    key = await _user(devnet, "watch cli")
    journal = tmp_path / "j.sqlite3"
    chains = tmp_path / "chains.json"
    chains.write_text(devnet_chains_json(list(devnet.chains.values())))
    expected = {}
    async with await _io(devnet, key, journal, Clock(devnet.advance)) as io:
        for i in range(2):
            to, value = _fresh(), ether("0.002") + i
            await io.bridge(value, OP, L1, to)
            expected[to] = value
    base = ["--chains-file", str(chains), "--journal", str(journal), "--json"]
    env = {**os.environ, "INTEROP_PRIVATE_KEY": key}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "interop.cli", "watch", *base, "--gas-cap", "devnet-l1=1wei",
        "--max-interval", "0.2", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stderr is not None and proc.stdout is not None
    seen = b""
    async with time_passes(devnet):
        while b"watch: gas" not in seen:
            line = await asyncio.wait_for(proc.stderr.readline(), 60)
            assert line, seen.decode()
            seen += line
        proc.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, (seen + err).decode()
    summary = json.loads(out)
    assert summary["gas_waits"] >= 1 and summary["steps"] == 0
    assert b"above the cap 1" in seen
    async with time_passes(devnet):
        again = await run("watch", *base, "--until-idle", "--max-interval", "0.2", env=env)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["finished"] == 2
    async with await _io(devnet, key, journal, Clock(devnet.advance)) as io:
        for to, value in expected.items():
            assert await io.client(L1).get_balance(to) == value
