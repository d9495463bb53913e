"""Exit codes follow what happened (issue 8, defect 6): 2 only when nothing was signed; 3, with
every signed transaction hash and the flow id, when something may have been sent and the command
did not finish; 1 for a partial `balances`; 130 on Ctrl-C, saying what was sent. Checked against
the chain: every hash the CLI prints is a real transaction of the sender.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from eth_utils.crypto import keccak

from interop.cli import main as cli
from interop.cli.main import devnet_chains_json, main
from interop.client import ChainClient
from interop.devnet.core import Devnet
from interop.signer import account_from_key
from interop.units import ether

pytestmark = pytest.mark.integration

BOB = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc"
HASH = re.compile(r"0x[0-9a-f]{64}")


def _key(name: str) -> str:
    return "0x" + keccak(f"interop tests: cli exit codes {name}".encode()).hex()


async def _funded(devnet: Devnet, tmp_path: Path, name: str) -> tuple[list[str], str, str]:
    """Chains file + journal args, the key and its address, funded on every devnet chain."""
    chains = tmp_path / "chains.json"
    chains.write_text(devnet_chains_json(list(devnet.chains.values())))
    key = _key(name)
    me = account_from_key(key).address
    for cid in devnet.chains:
        await devnet.transport(cid).request("anvil_setBalance", [me, hex(ether("5"))])
    return ["--chains-file", str(chains), "--journal", str(tmp_path / "j.sqlite3")], key, me


def _client(devnet: Devnet, cid: int) -> ChainClient:
    return ChainClient(devnet.chain(cid), devnet.transport(cid), owns_transport=False)


async def _sender_of(devnet: Devnet, cid: int, tx_hash: str) -> str | None:
    tx = await devnet.transport(cid).request("eth_getTransactionByHash", [tx_hash])
    return None if tx is None else str(tx["from"]).lower()


class DarkAfterSend:
    """A JSON-RPC proxy whose node accepts the first `eth_sendRawTransaction` it is given and
    whose answer is a 502, after which every request gets a 502 (the provider went dark right
    after taking the transaction): the CLI cannot learn what happened and must say so."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.dark = False
        self.url = ""
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> DarkAfterSend:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _handle(self, request: web.Request) -> web.Response:
        if self.dark:
            return web.Response(status=502, text="Bad Gateway")
        body = await request.read()
        assert self._session is not None
        async with self._session.post(
            self.upstream, data=body, headers={"Content-Type": "application/json"}
        ) as resp:
            raw = await resp.read()
        if b"eth_sendRawTransaction" in body:
            self.dark = True
            return web.Response(status=502, text="Bad Gateway")
        return web.Response(status=resp.status, body=raw, content_type="application/json")


async def test_send_accepted_then_502_exits_3_with_the_hash(
    devnet: Devnet,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Regression: the node took the transaction, the answer was a 502, and `send` exited 2
    ("refused input, nothing was sent") while the payment was on chain."""
    common, key, me = await _funded(devnet, tmp_path, "send-502")
    l1 = _client(devnet, 900)
    nonce = await l1.get_nonce(me)
    monkeypatch.setenv("INTEROP_PRIVATE_KEY", key)
    async with DarkAfterSend(devnet.chain(900).rpc_urls[0]) as proxy:
        argv = ["send", *common, "--chain", "devnet-l1", "--to", BOB, "--value", "1gwei",
                "--rpc", f"devnet-l1={proxy.url}", "--no-wait", "--json",
                "--patience", "3"]  # fmt: skip
        code = await asyncio.to_thread(main, argv)
        assert proxy.dark  # the transaction did reach the node
    out, err = capsys.readouterr()
    assert code == 3, (code, out, err)
    assert "do not retry" in err and "interop resume" in err
    printed = set(HASH.findall(err))
    assert printed, err
    assert await l1.get_nonce(me) >= nonce + 1  # it executed: the CLI must not have said "not sent"
    for h in printed:  # every hash it names is a real transaction of ours
        assert await _sender_of(devnet, 900, h) == me.lower(), h
    report = json.loads(out.strip().splitlines()[-1])
    assert report["exit_code"] == 3 and report["may_have_executed"] is True
    assert {s["tx_hash"] for s in report["sent"]} == printed
    assert report["flow_ids"], report
    assert key[2:] not in out + err


async def test_bridge_complete_timeout_after_sending_exits_3(
    devnet: Devnet, tmp_path: Path
) -> None:
    """Regression: `bridge --complete --timeout 3` after the withdrawal was started (and maybe
    proven) exited 2. Now 3, with the flow id and each signed hash, all real on chain."""
    common, key, me = await _funded(devnet, tmp_path, "bridge-timeout")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "interop.cli", "bridge", *common, "--from", "devnet-op", "--to",
        "devnet-l1", "--value", "0.001ether", "--complete", "--timeout", "3", "--max-interval",
        "0.5", env={**os.environ, "INTEROP_PRIVATE_KEY": key},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out_b, err_b = await asyncio.wait_for(proc.communicate(), 120)
    out, err = out_b.decode(), err_b.decode()
    assert proc.returncode == 3, (proc.returncode, out, err)
    assert "do not retry" in err and "Traceback" not in err
    flow = re.search(r"^flow: ([0-9a-f]+)", err, re.M)
    assert flow is not None, err
    assert f"interop status {flow.group(1)}" in err
    section = err[err.index("this command signed") :]
    printed = HASH.findall(section)
    assert printed, err
    for h in printed:  # the withdrawal on 901 (and a proof on 900, if it got that far)
        assert me.lower() in {await _sender_of(devnet, c, h) for c in (900, 901)}, h
    assert key[2:] not in out + err


async def test_interrupt_after_sending_exits_130_and_names_the_tx(
    devnet: Devnet, tmp_path: Path
) -> None:
    """Ctrl-C while `bridge --complete` waits: exit 130, and the started flow is named (a user
    who reads "interrupted" must not run the bridge again)."""
    common, key, me = await _funded(devnet, tmp_path, "bridge-sigint")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "interop.cli", "bridge", *common, "--from", "devnet-op", "--to",
        "devnet-l1", "--value", "0.001ether", "--complete", "--max-interval", "0.5",
        env={**os.environ, "INTEROP_PRIVATE_KEY": key},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stderr is not None
    seen = ""
    try:
        async with asyncio.timeout(90):
            while "started:" not in seen:
                line = (await proc.stderr.readline()).decode()
                assert line, seen
                seen += line
        proc.send_signal(signal.SIGINT)  # our own child
        out_b, err_b = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    err = seen + err_b.decode()
    assert proc.returncode == 130, (proc.returncode, err)
    started = re.search(r"flow (\S+) started: (0x[0-9a-f]{64})", err)
    assert started is not None, err
    tail = err[err.index("interrupted") :]
    assert started.group(2) in tail and started.group(1) in tail and "do not retry" in tail
    assert await _sender_of(devnet, 901, started.group(2)) == me.lower()
    assert "Traceback" not in err and key[2:] not in err + out_b.decode()


async def test_balances_with_a_dead_chain_exits_1_without_traceback(
    devnet: Devnet, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chains = tmp_path / "chains.json"
    chains.write_text(devnet_chains_json(list(devnet.chains.values())))
    server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)  # hangs up
    port = server.sockets[0].getsockname()[1]
    try:
        argv = ["balances", BOB, "--chains-file", str(chains), "--chains", "devnet-l1,devnet-op",
                "--rpc", f"devnet-op=http://127.0.0.1:{port}", "--json"]  # fmt: skip
        code = await asyncio.to_thread(main, argv)
    finally:
        server.close()
        await server.wait_closed()
    out, err = capsys.readouterr()
    assert code == 1, (code, out, err)
    data = json.loads(out)
    assert int(data["900"][BOB]) >= 0 and "error" in data["901"]
    assert "Traceback" not in err


async def test_unexpected_exception_is_reported_not_raised(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug of ours (any non-interop exception) prints `internal error: <type>: <msg>` with a
    hint to report it, never a traceback or a key, and exits 2 when nothing was signed."""
    pasted = _key("pasted")

    async def boom(args: object) -> int:
        raise RuntimeError(f"boom with {pasted} inside")

    monkeypatch.setattr(cli, "_balances", boom)
    code = await asyncio.to_thread(main, ["balances", pasted, "--chains", "ethereum"])
    out, err = capsys.readouterr()
    assert code == 2, err
    assert err.startswith("internal error: RuntimeError: boom with ") and "report" in err
    assert pasted[2:] not in out + err and "Traceback" not in err
    assert "nothing was signed" in err


async def test_second_devnet_keeps_the_first_ones_chain_file(tmp_path: Path) -> None:
    """Regression: a second `interop devnet` overwrote the first one's chain file and deleted
    it on exit. Two real (L1-only) devnets: the second writes and prints its own file and
    removes only that; the first one's file is untouched until the first one stops."""
    shared = tmp_path / "devnet.json"
    env = {**os.environ, "INTEROP_DEVNET_FILE": str(shared)}

    async def start(seconds: str) -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "interop.cli", "devnet", "--no-opstack", "--no-arbitrum",
            "--for-seconds", seconds, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip

    first = await start("120")
    try:
        assert first.stdout is not None
        seen = ""
        async with asyncio.timeout(90):
            while "chain file:" not in seen:
                line = (await first.stdout.readline()).decode()
                assert line, seen
                seen += line
        assert str(shared) in seen
        content = shared.read_text()
        second = await start("0.5")
        out_b, _ = await asyncio.wait_for(second.communicate(), 120)
        out = out_b.decode()
        assert second.returncode == 0, out
        other = tmp_path / f"devnet-{second.pid}.json"
        assert "another `interop devnet` is running" in out and str(other) in out, out
        assert shared.read_text() == content  # neither overwritten nor deleted
        assert not other.exists()  # the second one removed its own file
    finally:
        first.terminate()  # our own child, by its handle
        await asyncio.wait_for(first.wait(), 30)
    assert not shared.exists()  # the owner removes its file when it stops


async def test_waivers_send_what_was_refused(
    devnet: Devnet,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`--allow-zero-address` / `--allow-zero` really waive the refusals (CLI and library):
    each sends exactly one transaction and exits 0."""
    common, key, me = await _funded(devnet, tmp_path, "waivers")
    monkeypatch.setenv("INTEROP_PRIVATE_KEY", key)
    l1 = _client(devnet, 900)
    send = ["send", *common, "--chain", "devnet-l1", "--json"]
    cases = [
        ["--to", "0x" + "0" * 40, "--value", "1wei", "--allow-zero-address"],
        ["--to", BOB, "--value", "0wei", "--allow-zero"],
    ]
    for extra in cases:
        nonce = await l1.get_nonce(me)
        code = await asyncio.to_thread(main, [*send, *extra])
        out, err = capsys.readouterr()
        assert code == 0, (extra, err)
        assert await l1.get_nonce(me) == nonce + 1
        assert await _sender_of(devnet, 900, json.loads(out)["tx_hash"]) == me.lower()


async def test_status_lists_what_the_chain_says_not_a_stale_journal(
    devnet: Devnet,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Regression (issue 8, defect 9): `interop status` listed a deposit as pending after it had
    been relayed on L2, because it printed the journal's last recorded status."""
    from tests.integration.test_routes_e2e import Driver

    common, key, _ = await _funded(devnet, tmp_path, "status-live")
    monkeypatch.setenv("INTEROP_PRIVATE_KEY", key)
    to = "0x" + os.urandom(20).hex()
    argv = ["bridge", *common, "--from", "devnet-l1", "--to", "devnet-op", "--value", "1gwei",
            "--recipient", to, "--json"]  # fmt: skip
    assert await asyncio.to_thread(main, argv) == 0
    started = json.loads(capsys.readouterr().out)
    l2 = _client(devnet, 901)
    drive = Driver(devnet)
    async with asyncio.timeout(60):
        while await l2.get_balance(to) != 10**9:  # relayed on L2: finalized on chain
            await drive(1)
    assert await asyncio.to_thread(main, ["status", *common, "--json"]) == 0
    unfinished = json.loads(capsys.readouterr().out)
    assert started["flow_id"] not in [f["flow_id"] for f in unfinished], unfinished
    assert await asyncio.to_thread(main, ["status", *common, "--all", "--json"]) == 0
    listed = {f["flow_id"]: f for f in json.loads(capsys.readouterr().out)}
    assert listed[started["flow_id"]]["status"] == "finalized"
    assert listed[started["flow_id"]]["done"] is True
