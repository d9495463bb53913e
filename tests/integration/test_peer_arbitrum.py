"""@arbitrum/sdk, unchanged, as the oracle for the Arbitrum devnet and for interop's flows on it.

Each test runs `tests/peers/arbitrum/arb_peer.js` (Node, the SDK from the npm cache) against the
running devnet: the SDK discovers the chain from its rollup alone, reads and finishes flows that
interop started, and starts one that interop finishes. Skipped (with the reason) only when node
or the SDK package is not installed.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from eth_utils.crypto import keccak

from interop.actions.tx import send_transaction, wait_for_receipt
from interop.adapters.arbitrum import withdraw as W
from interop.adapters.arbitrum.common import ArbContracts
from interop.adapters.arbitrum.retryable import RetryableParams, create_retryable
from interop.client import ChainClient
from interop.devnet.arbitrum import ArbitrumDevnet
from interop.devnet.arbitrum.artifacts import calldata
from interop.devnet.arbitrum.relayer import min_tx_gas
from interop.devnet.core import Devnet
from interop.devnet.install import ensure_packages, node_modules
from interop.errors import DevnetError
from interop.signer import SafeSigner, account_from_key
from interop.types import to_address
from interop.units import ether, gwei

L1, L2 = 900, 903
SCRIPT = Path(__file__).resolve().parents[1] / "peers" / "arbitrum" / "arb_peer.js"

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


def _secret(tag: str) -> str:
    """A test key as hex (the SDK takes it; `SafeSigner` never shows its key)."""
    return "0x" + keccak(f"interop arbitrum peer test {tag}".encode()).hex()


def _key(tag: str) -> SafeSigner:
    return account_from_key(_secret(tag))


def _fresh(tag: str) -> str:
    return to_address(keccak(f"interop arbitrum peer fresh {tag}".encode())[:20])


class Peer:
    """One long-lived `node arb_peer.js` (the SDK loads once): a JSON request per line in, a
    JSON answer per line out."""

    def __init__(self, devnet: Devnet) -> None:
        self.devnet = devnet
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        env = {**os.environ, "NODE_PATH": str(node_modules())}
        self.proc = await asyncio.create_subprocess_exec(
            "node",
            str(SCRIPT),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            limit=16 * 1024 * 1024,
        )

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                await asyncio.wait_for(self.proc.wait(), timeout=10)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()

    async def __call__(self, cmd: str, **args: Any) -> dict[str, Any]:
        """Run one SDK command; its JSON answer, or a failure carrying the SDK's error."""
        assert self.proc is not None and self.proc.stdin and self.proc.stdout
        req = {
            "cmd": cmd,
            "l1": self.devnet.chain(L1).rpc_urls[0],
            "l2": self.devnet.chain(L2).rpc_urls[0],
            "rollup": self.devnet.chain(L2).parent_contracts[L1]["rollup"],
            **args,
        }
        self.proc.stdin.write((json.dumps(req) + "\n").encode())
        await self.proc.stdin.drain()
        line = await asyncio.wait_for(self.proc.stdout.readline(), timeout=120)
        if not line:
            assert self.proc.stderr is not None
            err = await self.proc.stderr.read()
            raise AssertionError(f"arb_peer exited:\n{err.decode()[-3000:]}")
        answer = json.loads(line)
        assert "ok" in answer, f"arb_peer {cmd} failed:\n{answer['error'][-3000:]}"
        result: dict[str, Any] = answer["ok"]
        return result


@pytest.fixture(scope="module")
async def peer(devnet: Devnet) -> AsyncIterator[Peer]:
    # installed with the devnet's other npm packages; a fresh cache gets them here
    try:
        await asyncio.to_thread(ensure_packages, ["@arbitrum/sdk", "ethers"])
    except DevnetError as exc:
        pytest.skip(f"@arbitrum/sdk cannot be installed into the npm cache: {exc}")
    p = Peer(devnet)
    await p.start()
    try:
        yield p
    finally:
        await p.stop()


@pytest.fixture(scope="module")
async def arb(devnet: Devnet) -> ArbitrumDevnet:
    comp = devnet.component("arbitrum")
    assert isinstance(comp, ArbitrumDevnet)
    return comp


@pytest.fixture
async def clients(devnet: Devnet) -> AsyncIterator[tuple[ChainClient, ChainClient]]:
    async with ChainClient(devnet.chain(L1)) as l1, ChainClient(devnet.chain(L2)) as l2:
        yield l1, l2


async def _funded(l1: ChainClient, l2: ChainClient, tag: str) -> SafeSigner:
    s = _key(tag)
    await l1.request("anvil_setBalance", [s.address, hex(ether("100"))])
    await l2.request("anvil_setBalance", [s.address, hex(ether("100"))])
    # the L1 Bridge must hold what withdrawals release, whatever ran before
    inbox = ArbContracts.of(_chain(l2), L1).inbox
    h = await send_transaction(l1, s, to=inbox, value=ether("2"), data=calldata("depositEth()"))
    await wait_for_receipt(l1, h)
    return s


def _chain(l2: ChainClient) -> Any:
    return l2.chain


async def _confirm(devnet: Devnet, arb: ArbitrumDevnet) -> None:
    await arb.sync()
    await devnet.fast_forward(arb.confirm_period_seconds + 1)
    await arb.sync()


async def test_sdk_discovers_the_devnet_from_its_rollup(
    devnet: Devnet, arb: ArbitrumDevnet, peer: Peer
) -> None:
    net = await peer("network")
    pc = devnet.chain(L2).parent_contracts[L1]
    eb = {k: to_address(v) for k, v in net["ethBridge"].items()}
    assert eb == {
        "bridge": pc["bridge"],
        "inbox": pc["inbox"],
        "sequencerInbox": pc["sequencer_inbox"],
        "outbox": pc["outbox"],
        "rollup": pc["rollup"],
    }
    assert net["confirmPeriodBlocks"] == arb.confirm_period_blocks
    assert (net["parentChainId"], net["chainId"]) == (L1, L2)


async def test_interop_withdrawal_read_and_executed_by_the_sdk(
    devnet: Devnet, arb: ArbitrumDevnet, clients: tuple[ChainClient, ChainClient], peer: Peer
) -> None:
    l1, l2 = clients
    user = await _funded(l1, l2, "interop withdraws")
    await _funded(l1, l2, "sdk executes")  # the SDK signs with this key
    contracts = ArbContracts.of(devnet.chain(L2), L1)
    dest, value = _fresh("sdk executes dest"), ether("0.0321") + 7
    rcpt, send = await W.withdraw(l2, user, W.build_withdraw_eth(dest, value))
    tx = rcpt.transaction_hash
    assert (await peer("withdrawal-status", txHash=tx))["status"] == "UNCONFIRMED"
    await _confirm(devnet, arb)
    assert (await W.withdrawal_status(l1, l2, contracts, send)).status.value == "CONFIRMED"
    assert (await peer("withdrawal-status", txHash=tx))["status"] == "CONFIRMED"
    out = await peer("withdrawal-execute", txHash=tx, key=_secret("sdk executes"))
    assert out["txStatus"] == 1 and out["status"] == "EXECUTED"
    assert await l1.get_balance(dest) == value
    assert (await W.withdrawal_status(l1, l2, contracts, send)).status.value == "EXECUTED"


async def test_sdk_withdrawal_finished_by_interop(
    devnet: Devnet, arb: ArbitrumDevnet, clients: tuple[ChainClient, ChainClient], peer: Peer
) -> None:
    l1, l2 = clients
    user = await _funded(l1, l2, "sdk withdraws")
    contracts = ArbContracts.of(devnet.chain(L2), L1)
    dest, value = _fresh("interop executes dest"), ether("0.0123") + 5
    out = await peer("withdraw", key=_secret("sdk withdraws"), dest=dest, value=str(value))
    assert out["txStatus"] == 1
    rcpt = await wait_for_receipt(l2, out["txHash"])
    (send,) = W.sends_from_receipt(rcpt)
    assert send.destination == dest and send.callvalue == value
    await _confirm(devnet, arb)
    rcpt1 = await W.execute(l1, l2, user, contracts, send)
    assert rcpt1.succeeded
    assert await l1.get_balance(dest) == value
    assert (await peer("withdrawal-status", txHash=out["txHash"]))["status"] == "EXECUTED"


async def test_retryable_below_the_calldata_floor_fails_and_the_sdk_redeems_it(
    devnet: Devnet, arb: ArbitrumDevnet, clients: tuple[ChainClient, ChainClient], peer: Peer
) -> None:
    """An interop-started retryable whose gas limit covers the intrinsic gas but not the
    EIP-7623 calldata floor: its auto-redeem fails (it used to stall the relayer: anvil never
    mines such a tx) and the ticket waits; the SDK's default `redeem()` then succeeds because
    the devnet's estimate includes the retry, and `waitForRedeem()` finds the retry at once, in the
    redeem's own block."""
    l1, l2 = clients
    user = await _funded(l1, l2, "retryable floor")
    contracts = ArbContracts.of(devnet.chain(L2), L1)
    payload = b"\xab" * 200
    intrinsic = 21_000 + 16 * len(payload)
    gas_limit = (intrinsic + min_tx_gas(payload)) // 2
    assert intrinsic < gas_limit < min_tx_gas(payload)
    l2_base = int((await l2.get_block("latest"))["baseFeePerGas"], 16)
    l1_base = int((await l1.get_block("latest"))["baseFeePerGas"], 16)
    p = RetryableParams(
        to=to_address(_fresh("retryable floor dest")),
        l2_call_value=0,
        max_submission_cost=(1400 + 6 * len(payload)) * l1_base * 3,
        excess_fee_refund_address=to_address(user.address),
        call_value_refund_address=to_address(user.address),
        gas_limit=gas_limit,
        max_fee_per_gas=2 * l2_base + gwei(1),
        data=payload,
    )
    rcpt, _msg = await create_retryable(l1, user, contracts, p)
    await asyncio.wait_for(arb.sync(), timeout=20)  # used to wait 30 s and fail the round
    first = await peer("retryable-status", l1TxHash=rcpt.transaction_hash)
    assert first["status"] == "FUNDS_DEPOSITED_ON_CHILD"
    out = await peer(
        "retryable-redeem",
        l1TxHash=rcpt.transaction_hash,
        key=_secret("retryable floor"),
    )
    assert out["before"] == "FUNDS_DEPOSITED_ON_CHILD"
    assert out["retryTxHash"] is not None and out["retryStatus"] == 1, out
    assert out["retryBlock"] == out["redeemBlock"]  # as on Nitro: one block
    assert out["status"] == "REDEEMED"
