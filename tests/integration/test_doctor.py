"""`interop doctor` on the session devnet: all green as configured, and a planted wrong registry
entry (an OP Stack chain's dispute game factory, an Arbitrum chain's outbox) caught by the CLI
with exit 1 and named, with both addresses, in its JSON."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from interop.chains.model import Chain, ContractName
from interop.cli.main import devnet_chains_json
from interop.devnet.core import Devnet
from interop.doctor import doctor
from tests.integration.test_cli_bridge import run

pytestmark = pytest.mark.integration

WRONG = "0x000000000000000000000000000000000000dEaD"


def _plant(chain: Chain, key: str) -> Chain:
    """`chain` with one parent-side address replaced by an address the chain does not name."""
    assert chain.parent_id is not None
    table = dict(chain.parent_contracts[chain.parent_id])
    assert key in table
    table[key] = WRONG  # type: ignore[assignment]
    return dataclasses.replace(
        chain, parent_contracts={**chain.parent_contracts, chain.parent_id: table}
    )


async def test_doctor_all_green_on_the_devnet(devnet: Devnet) -> None:
    report = await doctor(list(devnet.chains.values()))
    assert report.ok, [c for c in report.checks if c.status == "fail"]
    seen = {(c.chain_id, c.check) for c in report.checks if c.status == "ok"}
    for cid in devnet.chains:
        assert (cid, "rpc") in seen and (cid, "proof") in seen
    # the chains whose family reads its bridge contracts from chain were compared
    assert (901, "registry") in seen and (903, "registry") in seen
    agreed = {c.key for c in report.checks if c.chain_id == 901 and c.check == "registry"}
    assert ContractName.DISPUTE_GAME_FACTORY in agreed
    assert ContractName.ANCHOR_STATE_REGISTRY in agreed
    assert all(c.latency_ms is not None for c in report.checks if c.check == "rpc")


async def test_doctor_cli_catches_a_planted_wrong_address(devnet: Devnet, tmp_path: Path) -> None:
    chains = dict(devnet.chains)
    good = tmp_path / "good.json"
    good.write_text(devnet_chains_json(list(chains.values())))
    green = await run("doctor", "--chains-file", str(good), env={})
    assert green.returncode == 0, green.stdout + green.stderr
    assert "all green" in green.stdout

    real_dgf = chains[901].parent_contracts[900][ContractName.DISPUTE_GAME_FACTORY]
    real_outbox = chains[903].parent_contracts[900][ContractName.ARB_OUTBOX]
    chains[901] = _plant(chains[901], ContractName.DISPUTE_GAME_FACTORY)
    chains[903] = _plant(chains[903], ContractName.ARB_OUTBOX)
    bad = tmp_path / "bad.json"
    bad.write_text(devnet_chains_json(list(chains.values())))

    out = await run("doctor", "--chains-file", str(bad), "--json", env={})
    assert out.returncode == 1, out.stdout + out.stderr
    report = json.loads(out.stdout)
    assert report["ok"] is False
    fails = {
        (c["chain_id"], c["check"], c["key"]): c for c in report["checks"] if c["status"] == "fail"
    }
    dgf = fails[(901, "registry", ContractName.DISPUTE_GAME_FACTORY)]
    assert dgf["expected"].lower() == WRONG.lower()
    assert dgf["actual"].lower() == str(real_dgf).lower()
    outbox = fails[(903, "registry", ContractName.ARB_OUTBOX)]
    assert outbox["expected"].lower() == WRONG.lower()
    assert outbox["actual"].lower() == str(real_outbox).lower()
    # the planted addresses have no code either, and nothing else failed
    assert (901, "code", ContractName.DISPUTE_GAME_FACTORY) in fails
    assert (903, "code", ContractName.ARB_OUTBOX) in fails
    assert len(fails) == 4, sorted(fails)

    table = await run("doctor", "--chains-file", str(bad), env={})
    assert table.returncode == 1
    assert "FAIL" in table.stdout and "4 check(s) failed" in table.stdout
