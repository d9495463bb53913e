"""`interop scan` then `interop watch`: flows an address started from another journal (another
machine, a wallet) are found on chain, imported, and finished."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from eth_account import Account

from interop.devnet.core import Devnet
from interop.scan import scan_address
from interop.units import ether
from interop.watch import Watcher
from tests.helpers_crash import Clock, key_for
from tests.integration.test_watch import ARB, L1, OP, OP2, RECORDER_CODE, _fresh, _io, _user

pytestmark = pytest.mark.integration


async def test_scan_imports_flows_started_elsewhere_and_watch_finishes_them(
    devnet: Devnet, tmp_path: Path
) -> None:
    key = await _user(devnet, "watch scan")
    me = Account.from_key(key).address
    clock = Clock(devnet.advance)
    starts: dict[int, int] = {}
    expected: dict[tuple[int, str], int] = {}
    async with await _io(devnet, key, tmp_path / "elsewhere.sqlite3", clock) as other:
        for cid in devnet.chains:
            starts[cid] = await other.client(cid).block_number()
        for i, (src, dst) in enumerate(((OP, L1), (ARB, L1), (OP, OP2), (L1, ARB))):
            to, value = _fresh(), ether("0.001") * (i + 1) + 11
            await other.bridge(value, src, dst, to)
            expected[(dst, to)] = value
        target = _fresh()
        await devnet.transport(ARB).request("anvil_setCode", [target, RECORDER_CODE])
        word = os.urandom(32)
        await other.send_message(L1, ARB, target, word, gas_limit=25_000)  # needs a redeem
        await other.transfer(L1, to=_fresh(), value=12345)  # a plain transfer: not a flow
        started = len(other.journal.flows())
    # the CLI: a dry run reports, a real run imports (both name the chains' first blocks)
    import json

    from interop.cli.main import devnet_chains_json
    from tests.integration.test_cli_bridge import run

    chains_file = tmp_path / "chains.json"
    chains_file.write_text(devnet_chains_json(list(devnet.chains.values())))
    since = [a for cid, n in starts.items() for a in ("--since", f"{cid}={n}")]
    cli_journal = tmp_path / "cli.sqlite3"
    base = ["--chains-file", str(chains_file), "--journal", str(cli_journal), "--json"]
    since += ["--chains", ",".join(str(c) for c in devnet.chains)]
    dry = await run("scan", me, *base, *since, "--dry-run", env={})
    assert dry.returncode == 0, dry.stderr
    assert len(json.loads(dry.stdout)) == started - 1
    # one chain unreachable: the flows found on the others are journaled and listed, the exit
    # code says the scan failed, and the words say nothing was sent and to run it again
    dead = ["--rpc", f"{ARB}=http://127.0.0.1:1"]
    partial = await run("scan", me, *base, *since, *dead, env={})
    assert partial.returncode == 1, partial.stderr
    assert "the scan did not read every chain; nothing was signed or sent" in partial.stderr
    first = json.loads(partial.stdout)
    assert first and all(r["imported"] and r["chain_id"] != ARB for r in first), first
    assert f"journaled {len(first)} flow(s) before the error" in partial.stderr
    real = await run("scan", me, *base, *since, env={})
    assert real.returncode == 0, real.stderr
    # the rest now; those of the failed run are known and not imported twice
    assert sum(r["imported"] for r in json.loads(real.stdout)) == started - 1 - len(first)
    listed = await run("status", *base, "--all", env={})
    assert len(json.loads(listed.stdout)) == started - 1, listed.stdout

    async with await _io(devnet, key, tmp_path / "here.sqlite3", clock) as io:
        chains = io.chains
        found = await scan_address(io, io.adapters, chains, me, since=starts)
        imported = [r for r in found if r.imported]
        assert [r.error for r in found if r.error] == []
        assert len(imported) == started - 1, found  # every flow but the plain transfer
        again = await scan_address(io, io.adapters, chains, me, since=starts)
        assert not [r for r in again if r.imported]  # known now: never imported twice
        assert len(io.journal.flows()) == len(imported)
        stats = await asyncio.wait_for(
            Watcher(io, devnet.chains, poll=0.2).run(until_idle=True), 120
        )
        assert stats.finished == len(imported), stats
        for (chain, to), value in expected.items():
            assert await io.client(chain).get_balance(to) == value, (chain, to)
        assert await io.client(ARB).get_storage_at(target, 2) == word
        assert key_for("watch scan")[2:] not in repr(found)


async def test_cli_finalize_by_tx_hash_of_a_flow_not_in_the_journal(
    devnet: Devnet, tmp_path: Path
) -> None:
    """A withdrawal started elsewhere, known here only by its transaction hash: `interop
    finalize TX --chain C` proves and finalizes it (and journals it on the way)."""
    import json

    from interop.cli.main import devnet_chains_json
    from tests.integration.test_cli_bridge import run, time_passes

    key = await _user(devnet, "watch finalize by hash")
    to, value = _fresh(), ether("0.0021") + 5
    async with await _io(devnet, key, tmp_path / "elsewhere.sqlite3", Clock(devnet.advance)) as o:
        t = await o.bridge(value, OP, L1, to)
        tx = str(t.tx_hash)
    chains_file = tmp_path / "chains.json"
    chains_file.write_text(devnet_chains_json(list(devnet.chains.values())))
    base = ["--chains-file", str(chains_file), "--journal", str(tmp_path / "here.sqlite3")]
    env = {"INTEROP_PRIVATE_KEY": key}
    no_chain = await run("finalize", *base, tx, env=env)
    assert no_chain.returncode == 2 and "needs --chain" in no_chain.stderr
    async with time_passes(devnet):
        fin = await run("finalize", *base, "--json", tx, "--chain", str(OP),
                        "--max-interval", "0.2", env=env)  # fmt: skip
    assert fin.returncode == 0, fin.stderr
    assert json.loads(fin.stdout)["status"] == "finalized"
    async with await _io(devnet, key, tmp_path / "check.sqlite3", Clock(devnet.advance)) as io:
        assert await io.client(L1).get_balance(to) == value
