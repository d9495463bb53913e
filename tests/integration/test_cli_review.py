"""CLI regressions found in review, run as a user runs them: asyncio subprocesses (the session
devnet's relayers live in this event loop), exit codes and output checked, and the chain checked
for what was (not) sent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eth_utils.crypto import keccak

from interop.chains.model import MULTICALL3
from interop.cli.main import devnet_chains_json
from interop.client import ChainClient
from interop.devnet.core import Devnet
from interop.signer import account_from_key
from interop.units import ether
from tests.integration.test_cli import run

pytestmark = pytest.mark.integration

L1 = 900
KEY = "0x" + keccak(b"interop tests: cli review").hex()
TARGET = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc"


async def _setup(devnet: Devnet, tmp_path: Path) -> tuple[list[str], dict[str, str], ChainClient]:
    chains_file = tmp_path / "chains.json"
    chains_file.write_text(devnet_chains_json(list(devnet.chains.values())))
    l1 = ChainClient(devnet.chain(L1), devnet.transport(L1), owns_transport=False)
    me = account_from_key(KEY).address
    for cid in (L1, 901):
        await devnet.transport(cid).request("anvil_setBalance", [me, hex(ether("10"))])
    common = ["--chains-file", str(chains_file), "--journal", str(tmp_path / "j.sqlite3")]
    return common, {"INTEROP_PRIVATE_KEY": KEY}, l1


async def test_bridge_that_failed_on_chain_exits_nonzero(devnet: Devnet, tmp_path: Path) -> None:
    """Regression: a deposit whose L2 call reverted printed `status: failed` and exited 0, so a
    script read it as a success. Multicall3 (code on L1 and on the L2, so the recipient checks
    pass) has no payable fallback: the deposit's L2 execution reverts (`--force` skips the
    refusal that now catches this before sending)."""
    common, env, _ = await _setup(devnet, tmp_path)
    out = await run(
        "bridge", *common, "--from", "devnet-l1", "--to", "devnet-op", "--value", "0.01ether",
        "--recipient", MULTICALL3, "--force", "--wait", "--timeout", "60", "--max-interval", "1",
        "--json", env=env,
    )  # fmt: skip
    assert out.returncode == 1, (out.stdout, out.stderr)
    state = json.loads(out.stdout)
    assert (state["status"], state["native"]) == ("failed", "deposit-reverted")


async def test_bridge_refuses_a_recipient_that_reverts_on_eth(
    devnet: Devnet, tmp_path: Path
) -> None:
    """Regression: only "contract on the source, no code on the destination" was refused. A
    contract that exists on the destination but reverts a plain ETH transfer (Multicall3: no
    payable fallback) was accepted; an OP withdrawal to it is finalized with the ETH left in the
    portal, lost. Refused before signing, on both directions."""
    common, env, l1 = await _setup(devnet, tmp_path)
    me = account_from_key(KEY).address
    l2 = ChainClient(devnet.chain(901), devnet.transport(901), owns_transport=False)
    nonces = (await l1.get_nonce(me), await l2.get_nonce(me))
    for src, dst in (("devnet-op", "devnet-l1"), ("devnet-l1", "devnet-op")):
        out = await run(
            "bridge", *common, "--from", src, "--to", dst, "--value", "0.01ether",
            "--recipient", MULTICALL3, env=env,
        )  # fmt: skip
        assert out.returncode == 2, (src, dst, out.stdout, out.stderr)
        assert out.stderr.startswith("error:") and "reverts when sent ETH" in out.stderr
        assert "Traceback" not in out.stderr
    assert (await l1.get_nonce(me), await l2.get_nonce(me)) == nonces  # nothing was sent
