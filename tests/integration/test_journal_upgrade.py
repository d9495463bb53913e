"""A 7-day withdrawal in flight resumes after the user upgrades the package.

The previous release (commit `PREVIOUS`, journal schema 2), run as its own code in a subprocess,
starts an OP Stack withdrawal and an Arbitrum withdrawal on the session devnet and exits: the
user's process before the upgrade. This release then opens that journal (migrating it), and
`resume()` proves and finalizes both on the same devnet with its clock fast-forwarded; each
recipient on L1 holds exactly the value, to the wei, and nothing is left to do.

The stored journal of the previous release (tests/data/journal_v2.sqlite3) cannot be resumed:
its transactions exist on no running chain. The unit tests read and migrate it; this test runs
the same script that wrote it (tests/data/make_journal_v2.py) live.

The old release's code comes from git (`git archive PREVIOUS interop`, ~1 MB, well under a
second); a clone without that commit (a shallow one) skips the test and says why.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import sqlite3
import sys
import tarfile
from pathlib import Path

import pytest

from interop.adapters.base import Status
from interop.cli.main import devnet_chains_json
from interop.devnet.core import Devnet
from interop.facade import Interop
from interop.journal import SCHEMA_VERSION
from interop.units import ether
from tests.helpers_crash import back_escrow, fund, key_for
from tests.integration.test_routes_e2e import L1, Driver, fresh

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
PREVIOUS = "12c7bbe"
"""The last commit before issue 9's seam changes: the release users run today."""
SCRIPT = ROOT / "tests" / "data" / "make_journal_v2.py"


async def _run(*argv: str, stdin: bytes = b"", env: dict[str, str] | None = None) -> bytes:
    proc = await asyncio.create_subprocess_exec(
        *argv, cwd=str(ROOT), env=env, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(proc.communicate(stdin), 120)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[:3]} exited {proc.returncode}: {err.decode()[-3000:]}")
    return out


async def _previous_release(folder: Path) -> Path:
    """The previous release's `interop` package, extracted from git into `folder`."""
    try:
        tar = await _run("git", "-C", str(ROOT), "archive", PREVIOUS, "interop")
    except (RuntimeError, OSError) as exc:
        pytest.skip(f"the previous release ({PREVIOUS}) is not in this clone: {exc}"[:300])
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        archive.extractall(folder, filter="data")
    return folder


async def test_withdrawals_in_flight_resume_after_upgrade(devnet: Devnet, tmp_path: Path) -> None:
    old = await _previous_release(tmp_path / "previous")
    key = key_for("journal upgrade")
    async with Interop(list(devnet.chains.values()), account=key, journal=":memory:") as probe:
        assert probe.signer is not None
        me = probe.signer.address
    await fund(devnet, me, ether("3"))
    op_value, arb_value = ether("0.0333") + 17, ether("0.0444") + 29
    op_to, arb_to = fresh(), fresh()
    # what earlier deposits would have locked in the L1 escrows, so the withdrawals are paid
    await back_escrow(devnet, 901, "optimism_portal", op_value)
    await back_escrow(devnet, 903, "bridge", arb_value)
    chains_file = tmp_path / "chains.json"
    chains_file.write_text(devnet_chains_json(list(devnet.chains.values())))
    journal = tmp_path / "journal.sqlite3"

    # the user's process on the previous release: starts both withdrawals, exits
    env = {**os.environ, "PYTHONPATH": str(old)}
    out = await _run(
        sys.executable, str(SCRIPT), "attach", str(chains_file), str(journal),
        str(op_value), op_to, str(arb_value), arb_to,
        stdin=key.encode() + b"\n", env=env,
    )  # fmt: skip
    report = json.loads(out.decode().strip().splitlines()[-1])
    ids = report["flows"]
    with sqlite3.connect(journal) as db:  # written by the old code: its schema, its rows
        assert db.execute("PRAGMA user_version").fetchone()[0] == 2
        refs = [json.loads(r[0]) for r in db.execute("SELECT ref FROM hops ORDER BY flow_id")]
        assert all("version" not in r for r in refs)  # the old release had no ref versions

    # the upgraded package opens the same journal and finishes what the old one started
    chains = list(devnet.chains.values())
    async with Interop(chains, account=key, journal=journal, sleep=Driver(devnet)) as again:
        assert again.journal.schema_version == SCHEMA_VERSION
        assert f"migrated 2 to {SCHEMA_VERSION}" in again.journal.meta()
        assert {f.record.id for f in again.flows(unfinished=True)} == set(ids.values())
        results = await asyncio.wait_for(again.resume(), 120)
        assert sorted(r.flow_id for r in results) == sorted(ids.values())
        for r in results:
            assert r.ok and r.state is not None, r
            assert r.state.status is Status.FINALIZED, r
        l1 = again.client(L1)
        assert await l1.get_balance(op_to) == op_value
        assert await l1.get_balance(arb_to) == arb_value
        steps = {k: [(t.step, t.state) for t in again.journal.txs(v)] for k, v in ids.items()}
        assert steps["op"] == [("initiate", "mined"), ("prove", "mined"), ("finalize", "mined")]
        assert steps["arb"][0] == ("initiate", "mined") and steps["arb"][-1][1] == "mined"
        assert again.flows(unfinished=True) == []
        assert await again.resume() == []
