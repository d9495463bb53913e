"""The OP Stack devnet itself: real contracts-bedrock contracts, predeploys, relayer, proposer.

These tests talk to the contracts with raw calldata built from the artifacts' ABIs (not through
the OP Stack adapter), so they check the devnet independently of the code it is used to test.
Senders are `DEV_ACCOUNTS[6]` (L1 and both L2s); recipients are fresh random addresses, so the
amounts they end with are exact whatever else runs on the shared devnet.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Sequence
from typing import Any, cast

import pytest
from eth_abi.abi import decode as abi_decode
from eth_utils.crypto import keccak

from interop.actions.tx import send_transaction, wait_for_receipt
from interop.chains.model import ContractName
from interop.client import ChainClient
from interop.devnet.anvil import DEV_ACCOUNTS
from interop.devnet.core import Devnet
from interop.devnet.opstack import OpStackDevnet, gamecode
from interop.devnet.opstack.artifacts import load
from interop.devnet.opstack.chainops import create_address, output_root_at
from interop.devnet.opstack.predeploys import (
    GAS_PRICE_ORACLE,
    L1_BLOCK,
    L2_CROSS_DOMAIN_MESSENGER,
    L2_STANDARD_BRIDGE,
    L2_TO_L1_MESSAGE_PASSER,
    PREDEPLOYS,
)
from interop.devnet.opstack.relayer import L2Relayer
from interop.errors import ExecutionRevertedError
from interop.rpc.base import Transport
from interop.rpc.models import Receipt
from interop.signer import SafeSigner, account_from_key
from interop.spec.opstack.formulas import (
    decode_message_passed,
    deposit_tx_hash,
    output_root,
    withdrawal_storage_slot,
)
from interop.types import ZERO_ADDRESS, Address, hex_to_bytes, to_address
from interop.units import ether

pytestmark = pytest.mark.integration

L1, FP, LEGACY = 900, 901, 902
SENDER = 6
IN_PROGRESS, DEFENDER_WINS = 0, 2


def _signer() -> SafeSigner:
    return account_from_key(DEV_ACCOUNTS[SENDER][1])


def _fresh() -> Address:
    return to_address(os.urandom(20))


def _op(devnet: Devnet) -> OpStackDevnet:
    comp = devnet.component("opstack")
    assert isinstance(comp, OpStackDevnet)
    return comp


def _client(devnet: Devnet, cid: int) -> ChainClient:
    return ChainClient(devnet.chain(cid), devnet.transport(cid), owns_transport=False)


async def _view(c: ChainClient, to: str, contract: str, fn: str, *args: Any) -> Any:
    art = load(contract)
    out = tuple(
        to_address(x) if isinstance(x, str) and len(x) == 42 else x
        for x in art.decode(fn, await c.call(to, art.call(fn, *args)), len(args))
    )
    return out[0] if len(out) == 1 else out


async def _send(
    c: ChainClient, to: str | None, data: bytes = b"", *, value: int = 0, gas: int | None = None
) -> Receipt:
    h = await send_transaction(c, _signer(), to=to, value=value, data=data, gas=gas)
    return await wait_for_receipt(c, h, poll=0.01)


def _portal_artifact(op: OpStackDevnet, l2: int) -> str:
    return "OptimismPortal2" if op.portal_generation[l2] == "portal2" else "OptimismPortal"


# ------------------------------------------------------------------ deployment


async def test_component_attributes(devnet: Devnet) -> None:
    op = _op(devnet)
    assert op.name == "opstack"
    assert op.portal_generation == {FP: "portal2", LEGACY: "portal"}
    assert op.game_type == 0
    assert op.startup_seconds is not None and op.startup_seconds < 5
    for attr in ("proof_maturity_delay", "dispute_game_finality_delay", "max_clock_duration"):
        assert getattr(op, attr) == 12
    assert op.finalization_period == 12
    assert op.deployer not in {to_address(a) for a, _ in DEV_ACCOUNTS}
    assert not set(op.proposers.values()) & {to_address(a) for a, _ in DEV_ACCOUNTS}


@pytest.mark.parametrize("l2", [FP, LEGACY])
async def test_contracts_have_code_at_recorded_addresses(devnet: Devnet, l2: int) -> None:
    op = _op(devnet)
    l1, c2 = _client(devnet, L1), _client(devnet, l2)
    recorded = devnet.chain(l2).parent_contracts[L1]
    expected = {
        ContractName.OPTIMISM_PORTAL,
        ContractName.L1_CROSS_DOMAIN_MESSENGER,
        ContractName.L1_STANDARD_BRIDGE,
        ContractName.SYSTEM_CONFIG,
        ContractName.SUPERCHAIN_CONFIG,
    }
    expected |= (
        {ContractName.DISPUTE_GAME_FACTORY, ContractName.ANCHOR_STATE_REGISTRY}
        if l2 == FP
        else {ContractName.L2_OUTPUT_ORACLE}
    )
    assert set(recorded) == {str(k) for k in expected}
    proxy_code = load("Proxy").deployed_bytecode
    for name, addr in recorded.items():
        assert await l1.get_code(addr) == proxy_code, name
        # the Proxy answers implementation() to its admin (the deployer) only
        impl = abi_decode(
            ["address"],
            await l1.call(addr, load("Proxy").call("implementation"), sender=op.deployer),
        )[0]
        assert len(await l1.get_code(impl)) > 1000, name
    for name, addr in PREDEPLOYS.items():
        allowed = {load(name).deployed_bytecode}
        if name == "L1Block":  # the "superchain" component upgrades it (same storage layout)
            allowed.add(load("L1BlockInterop").deployed_bytecode)
        assert await c2.get_code(addr) in allowed, name


@pytest.mark.parametrize("l2", [FP, LEGACY])
async def test_versions_and_wiring(devnet: Devnet, l2: int) -> None:
    op = _op(devnet)
    l1, c2 = _client(devnet, L1), _client(devnet, l2)
    a = devnet.chain(l2).parent_contracts[L1]
    portal = a[ContractName.OPTIMISM_PORTAL]
    messenger = a[ContractName.L1_CROSS_DOMAIN_MESSENGER]
    bridge = a[ContractName.L1_STANDARD_BRIDGE]
    # versions published in contracts-bedrock 0.17.3 (@custom:semver in the sources)
    want = "3.10.0" if l2 == FP else "2.8.1-beta.1"
    assert await _view(l1, portal, _portal_artifact(op, l2), "version") == want
    assert await _view(l1, messenger, "L1CrossDomainMessenger", "version") == "2.4.0"
    assert await _view(l1, bridge, "L1StandardBridge", "version") == "2.2.0"
    assert await _view(l1, messenger, "L1CrossDomainMessenger", "portal") == portal
    assert await _view(l1, bridge, "L1StandardBridge", "messenger") == messenger
    sysconf = a[ContractName.SYSTEM_CONFIG]
    assert await _view(l1, sysconf, "SystemConfig", "optimismPortal") == portal
    assert await _view(l1, portal, _portal_artifact(op, l2), "paused") is False
    if l2 == FP:
        dgf = a[ContractName.DISPUTE_GAME_FACTORY]
        assert await _view(l1, portal, "OptimismPortal2", "disputeGameFactory") == dgf
        assert await _view(l1, portal, "OptimismPortal2", "respectedGameType") == 0
        assert await _view(l1, portal, "OptimismPortal2", "proofMaturityDelaySeconds") == 12
        assert await _view(l1, portal, "OptimismPortal2", "disputeGameFinalityDelaySeconds") == 12
        impl = await _view(l1, dgf, "DisputeGameFactory", "gameImpls", 0)
        assert impl == op.contracts[FP]["fault_dispute_game"]
        assert await _view(l1, impl, "FaultDisputeGame", "maxClockDuration") == 12
        assert await _view(l1, impl, "FaultDisputeGame", "l2ChainId") == FP
    else:
        l2oo = a[ContractName.L2_OUTPUT_ORACLE]
        assert await _view(l1, portal, "OptimismPortal", "l2Oracle") == l2oo
        assert await _view(l1, l2oo, "L2OutputOracle", "version") == "1.8.0"
        assert await _view(l1, l2oo, "L2OutputOracle", "proposer") == op.proposers[LEGACY]
        assert await _view(l1, l2oo, "L2OutputOracle", "finalizationPeriodSeconds") == 12
    # L2 side: initialised predeploys point back at this L2's L1 contracts
    assert (
        await _view(c2, L2_CROSS_DOMAIN_MESSENGER, "L2CrossDomainMessenger", "otherMessenger")
        == messenger
    )
    assert await _view(c2, L2_STANDARD_BRIDGE, "L2StandardBridge", "otherBridge") == bridge
    assert await _view(c2, L2_STANDARD_BRIDGE, "L2StandardBridge", "messenger") == (
        L2_CROSS_DOMAIN_MESSENGER
    )
    assert await _view(c2, L2_TO_L1_MESSAGE_PASSER, "L2ToL1MessagePasser", "version") == "1.1.0"


# ------------------------------------------------------------------ deposits


@pytest.mark.parametrize("l2", [FP, LEGACY])
async def test_plain_eth_send_to_portal_is_relayed_exactly_once(devnet: Devnet, l2: int) -> None:
    op = _op(devnet)
    l1, c2 = _client(devnet, L1), _client(devnet, l2)
    me = _signer().address
    portal = devnet.chain(l2).parent_contracts[L1][ContractName.OPTIMISM_PORTAL]
    await op.sync()  # nothing else in flight: the count below is this deposit's alone
    before = await c2.get_balance(me)
    relayed_before = op.relayers[l2].relayed  # read before sending: the relayer runs meanwhile
    value = ether("0.123") + 7
    rcpt = await _send(l1, portal, value=value)
    await op.sync()
    await op.sync()  # a second round must not replay it
    # deposits pay no L2 gas, so the sender's L2 balance grows by exactly the minted value
    assert await c2.get_balance(me) - before == value
    assert op.relayers[l2].relayed - relayed_before == 1
    deposits = [lg for lg in rcpt.logs if lg.address == portal]
    assert len(deposits) == 1
    l2_hash = deposit_tx_hash(deposits[0])
    l2_rcpt = await c2.get_receipt(l2_hash)
    assert l2_rcpt is not None and l2_rcpt.succeeded
    tx = await c2.get_transaction(l2_hash)
    assert tx is not None and int(tx["type"], 16) == 0x7E
    assert int(tx["mint"], 16) == value and to_address(tx["from"]) == me


async def test_deposit_transaction_with_data_and_creation(devnet: Devnet) -> None:
    op = _op(devnet)
    l1, c2 = _client(devnet, L1), _client(devnet, FP)
    portal = devnet.chain(FP).parent_contracts[L1][ContractName.OPTIMISM_PORTAL]
    art = load("OptimismPortal2")
    me = _signer().address
    await op.sync()
    nonce = await c2.get_nonce(me, "latest")  # a deposit uses (and bumps) its sender's L2 nonce
    # 1) value to a fresh address with calldata
    to = _fresh()
    await _send(
        l1,
        portal,
        art.call("depositTransaction", to, 5555, 100_000, False, b"\x01\x02"),
        value=5555,
    )
    # 2) contract creation: init code returning the 1-byte runtime 0x00 (STOP)
    init = bytes.fromhex("600160" + "0c" + "600039" + "600160" + "00f3" + "00")
    await _send(l1, portal, art.call("depositTransaction", ZERO_ADDRESS, 0, 200_000, True, init))
    await op.sync()
    assert await c2.get_balance(to) == 5555
    created = create_address(me, nonce + 1)
    assert await c2.get_code(created) == b"\x00"


async def test_standard_bridge_deposit_reaches_recipient(devnet: Devnet) -> None:
    op = _op(devnet)
    l1, c2 = _client(devnet, L1), _client(devnet, LEGACY)
    bridge = devnet.chain(LEGACY).parent_contracts[L1][ContractName.L1_STANDARD_BRIDGE]
    to = _fresh()
    value = ether("0.05") + 3
    data = load("L1StandardBridge").call("depositETHTo", to, 200_000, b"")
    await _send(l1, bridge, data, value=value)
    await op.sync()
    # relayed through the real L2CrossDomainMessenger and L2StandardBridge predeploys
    assert await c2.get_balance(to) == value


async def test_l1_block_tracks_l1_and_gives_l1_fees(devnet: Devnet) -> None:
    op = _op(devnet)
    l1, c2 = _client(devnet, L1), _client(devnet, FP)
    await _send(l1, _fresh(), value=1)
    head = await l1.block_number()
    await op.sync()

    async def view(fn: str) -> Any:
        art = load("L1Block")
        (out,) = art.decode(fn, await c2.call(L1_BLOCK, art.call(fn)))
        return out

    # every view read while the relayer is held: its background loop may post a newer L1 block
    # between two reads (seen in a random-order run). Reading all at one L2 block number is not
    # enough: the relayer writes L1Block's storage without mining, and anvil leaves such writes
    # out of an older block's state once a later block is mined (seen in another run).
    async with op.relayers[FP].lock:
        number = await view("number")
        block_hash = await view("hash")
        basefee = await view("basefee")
        timestamp = await view("timestamp")
    assert number >= head
    block = await l1.get_block(number)
    assert "0x" + block_hash.hex() == block["hash"]
    assert basefee == int(block["baseFeePerGas"], 16)
    assert timestamp == int(block["timestamp"], 16)
    assert await _view(c2, GAS_PRICE_ORACLE, "GasPriceOracle", "isFjord") is True
    fee = await _view(c2, GAS_PRICE_ORACLE, "GasPriceOracle", "getL1Fee", os.urandom(200))
    assert fee > 0


# ------------------------------------------------------------------ withdrawals end to end


async def _withdraw_via_bridge(
    devnet: Devnet, l2: int, to: Address, value: int
) -> tuple[Receipt, Any]:
    c2 = _client(devnet, l2)
    data = load("L2StandardBridge").call(
        "withdrawTo", to_address("0xDeadDeAddeAddEAddeadDEaDDEAdDeaDDeAD0000"), to, value, 0, b""
    )
    rcpt = await _send(c2, L2_STANDARD_BRIDGE, data, value=value)
    passed = [lg for lg in rcpt.logs if lg.address == L2_TO_L1_MESSAGE_PASSER]
    assert len(passed) == 1
    return rcpt, decode_message_passed(passed[0])


async def _output_proof(
    c2: ChainClient, l2_block: int, whash: str
) -> tuple[tuple[bytes, bytes, bytes, bytes], list[bytes]]:
    block = await c2.get_block(l2_block)
    proof = await c2.get_proof(L2_TO_L1_MESSAGE_PASSER, [withdrawal_storage_slot(whash)], l2_block)
    orp = (
        b"\x00" * 32,
        hex_to_bytes(block["stateRoot"]),
        hex_to_bytes(proof["storageHash"]),
        hex_to_bytes(block["hash"]),
    )
    assert proof["storageProof"][0]["value"] in ("0x1", "0x01")
    return orp, [hex_to_bytes(p) for p in proof["storageProof"][0]["proof"]]


async def test_games_answer_l2_sequence_number_as_later_releases_do(devnet: Devnet) -> None:
    """Current viem calls `l2SequenceNumber()` on every game; 0.17.3's FaultDisputeGame lacks
    it. The factory's type-0 implementation is our L2SequenceNumberGame in front of the
    unchanged game: the view answers `l2BlockNumber()`, everything else is the game's own."""
    op = _op(devnet)
    l1 = _client(devnet, L1)
    for _ in range(2):  # a block below a new head: a new game
        await devnet.transport(FP).request("evm_mine", [])
    await op.sync()
    game = op.games(FP)[-1]
    # (not in 0.17.3's ABI, so called by its selector)
    (n,) = abi_decode(["uint256"], await l1.call(game.address, keccak(b"l2SequenceNumber()")[:4]))
    assert n == game.l2_block == await _view(l1, game.address, "FaultDisputeGame", "l2BlockNumber")
    assert await _view(l1, game.address, "FaultDisputeGame", "version") == await _view(
        l1, op.contracts[FP]["fault_dispute_game_0_17_3"], "FaultDisputeGame", "version"
    )
    root = await _view(l1, game.address, "FaultDisputeGame", "rootClaim")
    assert "0x" + root.hex() == game.root
    # a selector neither contract has reverts, as on the unchanged game
    with pytest.raises(ExecutionRevertedError):
        await l1.call(game.address, keccak(b"expectedResolution()")[:4])


def test_sequence_number_game_bytecode_is_built_from_its_source() -> None:
    """The committed creation code is what solc-js makes of the committed source."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed: solc-js cannot run")
    rec = gamecode.build_record()
    assert rec == gamecode.record()


async def test_withdrawal_game_proposed_resolved_and_finalized_portal2(devnet: Devnet) -> None:
    op = _op(devnet)
    l1, c2 = _client(devnet, L1), _client(devnet, FP)
    a = devnet.chain(FP).parent_contracts[L1]
    to, value = _fresh(), ether("0.01") + 1
    rcpt, w = await _withdraw_via_bridge(devnet, FP, to, value)
    await op.sync()

    # a game covering the withdrawal block exists, with the output root of its L2 block
    game = next(g for g in reversed(op.games(FP)) if g.l2_block >= rcpt.block_number)
    # proposals cover settled blocks only: the head's state is not stable on anvil
    assert rcpt.block_number <= game.l2_block < await c2.block_number()
    orp, proof = await _output_proof(c2, game.l2_block, w.withdrawal_hash)
    root = output_root(orp[1], orp[2], orp[3])
    assert "0x" + (await _view(l1, game.address, "FaultDisputeGame", "rootClaim")).hex() == root
    assert await _view(l1, game.address, "FaultDisputeGame", "l2BlockNumber") == game.l2_block
    assert await _view(l1, game.address, "FaultDisputeGame", "status") == IN_PROGRESS

    # the real OptimismPortal2 accepts the proof against that game
    portal = a[ContractName.OPTIMISM_PORTAL]
    art = load("OptimismPortal2")
    await _send(
        l1, portal, art.call("proveWithdrawalTransaction", w.as_tuple(), game.index, orp, proof)
    )

    # before the clock runs out the game cannot be resolved
    await op.resolve_games()
    assert await _view(l1, game.address, "FaultDisputeGame", "status") == IN_PROGRESS
    await devnet.fast_forward(op.max_clock_duration + 1)
    await op.resolve_games()
    assert await _view(l1, game.address, "FaultDisputeGame", "status") == DEFENDER_WINS
    anchor = await _view(
        l1, a[ContractName.ANCHOR_STATE_REGISTRY], "AnchorStateRegistry", "anchors", 0
    )
    assert anchor[1] >= game.l2_block

    await devnet.fast_forward(max(op.proof_maturity_delay, op.dispute_game_finality_delay) + 1)
    await _send(l1, portal, art.call("finalizeWithdrawalTransaction", w.as_tuple()))
    assert await l1.get_balance(to) == value


async def test_withdrawal_output_proposed_and_finalized_legacy_portal(devnet: Devnet) -> None:
    op = _op(devnet)
    l1, c2 = _client(devnet, L1), _client(devnet, LEGACY)
    a = devnet.chain(LEGACY).parent_contracts[L1]
    to, value = _fresh(), ether("0.02") + 9
    rcpt, w = await _withdraw_via_bridge(devnet, LEGACY, to, value)
    await op.sync()

    l2oo = a[ContractName.L2_OUTPUT_ORACLE]
    assert rcpt.block_number <= await op.latest_output_block(LEGACY) < await c2.block_number()
    index = await _view(l1, l2oo, "L2OutputOracle", "getL2OutputIndexAfter", rcpt.block_number)
    proposal = await _view(l1, l2oo, "L2OutputOracle", "getL2Output", index)
    out_root, _ts, out_block = proposal
    assert out_block == rcpt.block_number  # submission interval 1: every block has an output
    orp, proof = await _output_proof(c2, out_block, w.withdrawal_hash)
    assert "0x" + out_root.hex() == output_root(orp[1], orp[2], orp[3])

    portal = a[ContractName.OPTIMISM_PORTAL]
    art = load("OptimismPortal")
    await _send(l1, portal, art.call("proveWithdrawalTransaction", w.as_tuple(), index, orp, proof))
    await devnet.fast_forward(op.finalization_period + 1)
    await _send(l1, portal, art.call("finalizeWithdrawalTransaction", w.as_tuple()))
    assert await l1.get_balance(to) == value


# ------------------------------------------------------------------ robustness


class _MinedWhileProving:
    """An L2 transport with anvil's mining window at the seam: the first `eth_getProof` for the
    head block is answered while the next block (a withdrawal) is being mined.

    anvil commits a new block's state to its live database a moment before it advances the
    head number, and serves the head number from that live database, so in that window a proof
    "at block N" carries block N+1's message-passer writes (seen with a bare anvil: 31 of 280
    head reads under a stream of withdrawals; none of the reads below the head). The seam makes
    that window certain instead of rare: it mines the withdrawal, then answers from the live
    state, exactly what anvil answers inside the window."""

    def __init__(self, inner: Transport, withdraw: Any) -> None:
        self.inner, self.withdraw, self.fired = inner, withdraw, False

    async def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        if method == "eth_getProof" and not self.fired:
            head = int(await self.inner.request("eth_blockNumber"), 16)
            if params[2] in ("latest", hex(head)):
                self.fired = True
                await self.withdraw()
                return await self.inner.request(method, [params[0], params[1], "latest"])
        return await self.inner.request(method, params)

    async def batch(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        return await self.inner.batch(calls)

    async def aclose(self) -> None:
        pass


@pytest.mark.parametrize("l2", [FP, LEGACY])
async def test_a_proposal_never_reads_a_block_being_superseded(devnet: Devnet, l2: int) -> None:
    """Regression (a flake of TestOpStack902ToL1, seed 432: "output root for L2 block 64 does
    not match the proposal"): the proposer read the output root of the L2 head, and when the
    next block was mined at that moment the proposal carried that block's withdrawals, so no
    later read of the proposed block matched it. Proposals now cover settled blocks only (one
    below the head; the proposer adds an empty block on a head with transactions)."""
    op = _op(devnet)
    real = op.relayers[l2]
    l1, c2 = _client(devnet, L1), _client(devnet, l2)
    passer = load("L2ToL1MessagePasser")

    async def withdraw() -> Receipt:
        data = passer.call("initiateWithdrawal", _fresh(), 100_000, b"")
        return await _send(c2, L2_TO_L1_MESSAGE_PASSER, data, value=1, gas=200_000)

    seam = _MinedWhileProving(devnet.transport(l2), withdraw)
    l2_seam = ChainClient(devnet.chain(l2), cast(Transport, seam), owns_transport=False)
    proposer = L2Relayer(
        real.l1, l2_seam, real.dep, real.proposer, real.params, batcher=real.batcher
    )
    async with real.lock:  # the background relayer of this L2 waits meanwhile
        await real.step()
        proposer.games = list(real.games)
        mine = await withdraw()  # a new head with a withdrawal: it needs a proposal
        if l2 == FP:
            game = await proposer.propose_game()
            assert game is not None
            proposals = [(game.l2_block, game.root)]
        else:
            l2oo = real.dep.addresses[ContractName.L2_OUTPUT_ORACLE]
            first = await _view(l1, l2oo, "L2OutputOracle", "nextOutputIndex")
            assert await proposer.propose_outputs() >= 1
            last = await _view(l1, l2oo, "L2OutputOracle", "nextOutputIndex")
            proposals = []
            for i in range(first, last):
                root, _ts, n = await _view(l1, l2oo, "L2OutputOracle", "getL2Output", i)
                proposals.append((n, "0x" + bytes(root).hex()))
        await real.step()
    assert max(n for n, _ in proposals) >= mine.block_number  # the withdrawal is covered
    for n, root in proposals:
        assert (await output_root_at(c2, n))[0] == root, f"the proposal for L2 block {n}"


async def test_relayer_survives_a_failing_round(devnet: Devnet) -> None:
    op = _op(devnet)
    r = op.relayers[LEGACY]
    real_step = r.step
    calls = 0

    async def flaky() -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("injected failure")
        await real_step()

    errors = r.errors
    r.step = flaky  # type: ignore[method-assign]
    try:
        async with asyncio.timeout(10):
            while calls < 3:
                await asyncio.sleep(0.05)
    finally:
        del r.step
    assert r.errors == errors + 1
    assert isinstance(r.last_error, RuntimeError)
    # and it still relays
    l1, c2 = _client(devnet, L1), _client(devnet, LEGACY)
    to = _fresh()
    portal = devnet.chain(LEGACY).parent_contracts[L1][ContractName.OPTIMISM_PORTAL]
    data = load("OptimismPortal").call("depositTransaction", to, 42, 100_000, False, b"")
    await _send(l1, portal, data, value=42)
    async with asyncio.timeout(10):
        while await c2.get_balance(to) != 42:
            await asyncio.sleep(0.05)


async def test_deposit_the_sender_cannot_pay_does_not_stall_the_relayer(devnet: Devnet) -> None:
    """value > L2 balance + mint: a real chain includes it as failed (mint kept); the relayer
    must skip it, credit the mint, and go on with the next deposit."""
    op = _op(devnet)
    l1, c2 = _client(devnet, L1), _client(devnet, FP)
    poor = account_from_key(os.urandom(32))
    await l1.request("anvil_setBalance", [poor.address, hex(ether("1"))])
    portal = devnet.chain(FP).parent_contracts[L1][ContractName.OPTIMISM_PORTAL]
    art = load("OptimismPortal2")
    to = _fresh()
    mint = 1000
    data = art.call("depositTransaction", to, ether("0.5"), 100_000, False, b"")
    h = await send_transaction(l1, poor, to=portal, value=mint, data=data)
    rcpt = await wait_for_receipt(l1, h, poll=0.01)
    refused = deposit_tx_hash(next(lg for lg in rcpt.logs if lg.address == portal))
    to2 = _fresh()
    await _send(l1, portal, art.call("depositTransaction", to2, 77, 100_000, False, b""), value=77)
    await op.sync()
    assert refused in op.relayers[FP].refused_deposits
    assert await c2.get_receipt(refused) is None
    assert await c2.get_balance(to) == 0
    assert await c2.get_balance(poor.address) == mint
    assert await c2.get_balance(to2) == 77
