"""The examples in examples/ run against the session devnet, as their READMEs say to run them.

Each example is started the way a user starts it (a subprocess, given the devnet's chain file),
never a devnet of its own; while one waits, the devnet's clock moves (`time_passes`).
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from interop.cli.main import devnet_chains_json
from interop.devnet.core import Devnet
from interop.signer import account_from_key
from interop.testing.fixtures import fund
from interop.units import ether
from tests.integration.test_cli_bridge import Done, time_passes
from tests.integration.test_routes_e2e import fresh

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
L1, OP, ARB = 900, 901, 903


async def example(script: str, *args: str, timeout: float = 180) -> Done:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "examples" / script), *args, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    return Done(proc.returncode or 0, out.decode(), err.decode())


def chain_file(devnet: Devnet, tmp: Path, ids: tuple[int, ...] = (L1, OP, ARB)) -> Path:
    f = tmp / "chains.json"
    f.write_text(devnet_chains_json([devnet.chains[i] for i in ids]))
    return f


def keys(tmp: Path, n: int) -> tuple[Path, list[str]]:
    ks = ["0x" + os.urandom(32).hex() for _ in range(n)]
    f = tmp / "keys.txt"
    f.write_text("\n".join(ks) + "\n")
    return f, [account_from_key(k).address for k in ks]


async def test_bot_sweeps_once_resumes_and_dry_runs(devnet: Devnet, tmp_path: Path) -> None:
    keys_file, addrs = keys(tmp_path, 2)
    for a in addrs:
        await fund(devnet, a, ether("2"))
    treasury = fresh()
    base = ["--chains-file", str(chain_file(devnet, tmp_path)), "--keys-file", str(keys_file),
            "--treasury", treasury, "--journal", str(tmp_path / "bot.sqlite3"),
            "--threshold", "1", "--reserve", "0.01", "--poll", "0.2"]  # fmt: skip
    l1 = devnet.transport(L1)

    dry = await example("bot/sweep.py", *base, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.count("would sweep 1.99 ETH") == 4, dry.stdout
    for a in addrs:  # nothing was sent
        assert int(await devnet.transport(OP).request("eth_getBalance", [a, "latest"]), 16) == (
            ether("2")
        )

    first = await example("bot/sweep.py", *base)
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("sweeping 1.99 ETH") == 4, first.stdout

    for a in addrs:  # refilled while the sweeps are in flight: not swept a second time
        await fund(devnet, a, ether("2"))
    second = await example("bot/sweep.py", *base)
    assert second.returncode == 0, second.stderr
    assert second.stdout.count("in flight, not swept again") == 4, second.stdout
    assert "sweeping" not in second.stdout

    async with time_passes(devnet):
        done = await example("bot/sweep.py", *base, "--finish")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count(": finalized") == 4, done.stdout
    got = int(await l1.request("eth_getBalance", [treasury, "latest"]), 16)
    assert got == 4 * ether("1.99")


async def test_migration_plan_confirm_kill9_resume(devnet: Devnet, tmp_path: Path) -> None:
    """Killed with SIGKILL after its first transfer, run again with --yes: every new address is
    credited exactly once, to the wei (balance minus the reserve)."""
    keys_file, olds = keys(tmp_path, 3)
    news = [fresh() for _ in olds]
    (tmp_path / "new.txt").write_text("\n".join(news) + "\n")
    for a in olds:
        await fund(devnet, a, ether("1"))
    args = [str(ROOT / "examples" / "migration" / "migrate.py"),
            "--chains-file", str(chain_file(devnet, tmp_path)), "--keys-file", str(keys_file),
            "--to-file", str(tmp_path / "new.txt"), "--journal", str(tmp_path / "m.sqlite3"),
            "--reserve", "0.001"]  # fmt: skip

    no = await asyncio.create_subprocess_exec(
        sys.executable, *args, cwd=ROOT, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(no.communicate(b"n\n"), 60)
    assert no.returncode == 1, err.decode()
    assert out.decode().count(" send") == 6 and "aborted, nothing sent" in out.decode()

    proc = await asyncio.create_subprocess_exec(
        sys.executable, *args, "--yes", cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    while True:
        line = (await asyncio.wait_for(proc.stdout.readline(), 60)).decode()
        assert line, (await proc.stderr.read()).decode() if proc.stderr else ""
        if line.startswith("moved "):
            break
    proc.kill()  # SIGKILL: no cleanup, mid-run
    await proc.wait()
    before = [
        int(await devnet.transport(cid).request("eth_getBalance", [a, "latest"]), 16)
        for a in news
        for cid in (OP, ARB)
    ]
    assert 1 <= sum(b > 0 for b in before) < 6, before  # killed part-way

    again = await example("migration/migrate.py", *args[1:], "--yes")
    assert again.returncode == 0, again.stderr
    assert "migration complete" in again.stdout
    print(again.stdout)  # shown when the test fails
    assert again.stdout.count(" done") + again.stdout.count("journaled, finish") >= 1
    for a in news:
        for cid in (OP, ARB):
            got = int(await devnet.transport(cid).request("eth_getBalance", [a, "latest"]), 16)
            assert got == ether("1") - ether("0.001"), (cid, a)


async def test_backend_balances_withdrawal_and_its_status(
    devnet: Devnet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The FastAPI app over HTTP (httpx against the ASGI app, its lifespan run as a server
    would): balances of several addresses on several chains, a withdrawal started for the
    configured user, and its status by flow id."""
    pytest.importorskip("fastapi")
    import importlib.util

    import httpx

    key = "0x" + os.urandom(32).hex()
    user = account_from_key(key).address
    await fund(devnet, user, ether("3"))
    other = fresh()
    monkeypatch.setenv("INTEROP_CHAINS_FILE", str(chain_file(devnet, tmp_path)))
    monkeypatch.setenv("BACKEND_USER_KEY", key)
    monkeypatch.setenv("BACKEND_JOURNAL", str(tmp_path / "backend.sqlite3"))
    spec = importlib.util.spec_from_file_location("backend_app", ROOT / "examples/backend/app.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    app = mod.app

    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app") as http,
    ):
        r = await http.get(
            "/balances", params={"addresses": f"{user},{other}", "chains": "901,903"}
        )
        assert r.status_code == 200, r.text
        got = r.json()
        assert set(got) == {"901", "903"}
        for cid in ("901", "903"):
            assert {k.lower(): v for k, v in got[cid].items()} == {
                user.lower(): str(ether("3")),
                other.lower(): "0",
            }

        r = await http.post("/withdrawals", json={"chain": OP, "value_wei": str(ether("0.25"))})
        assert r.status_code == 201, r.text
        started = r.json()
        r = await http.get(f"/flows/{started['flow_id']}")
        assert r.status_code == 200, r.text
        st = r.json()
        assert st["flow_id"] == started["flow_id"]
        assert st["hops"][0]["source"] == OP and st["hops"][0]["target"] == L1
        assert st["status"] not in ("failed", "finalized")

        assert (await http.get("/flows/ffffffffffff")).status_code == 404
        r = await http.post("/withdrawals", json={"chain": L1, "value_wei": "1"})
        assert r.status_code == 400, r.text
