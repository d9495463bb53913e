"""Scroll end to end on a devnet of L1 900 + Scroll 905 running Scroll's own contracts
(`@scroll-tech/contracts@4.0.0`, compiled from source into the cache).

This module starts its own small devnet (the shared session devnet does not include Scroll
until the preset turns it on), and registers the Scroll adapter through the `AdapterRegistry`
factories, as a third-party package's tests do before its entry point is installed.
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from interop.abi import Fn
from interop.actions.contract import call_one
from interop.actions.tx import send_transaction, wait_for_receipt
from interop.adapters.base import AdapterContext, BridgeRequest, Direction, FlowKind, Status
from interop.adapters.scroll import adapter_factory, replay_message
from interop.chains.data.devnet import DEVNET_ARB, DEVNET_L1
from interop.client import ChainClient
from interop.devnet.core import Devnet, DevnetChainSpec, DevnetConfig
from interop.devnet.scroll import DEVNET_SCROLL, make_component
from interop.devnet.scroll.artifacts import artifact
from interop.errors import (
    AlreadyDoneError,
    InputError,
    ManualActionRequired,
    NotReadyError,
    UnsupportedOperationError,
)
from interop.routes import AdapterRegistry
from interop.signer import account_from_key
from interop.spec.scroll import WithdrawTrie, abis, message_hash, proof_bytes
from interop.spec.scroll.predeploys import L1_GAS_PRICE_ORACLE, L2_MESSAGE_QUEUE
from interop.testing.conformance import (
    RECORDER_CODE,
    AdapterConformance,
    fresh_address,
    run_conformance,
)
from interop.units import ether

pytestmark = pytest.mark.asyncio(loop_scope="session")

L1, L2 = DEVNET_L1.id, DEVNET_SCROLL.id
TIMES: dict[str, float] = {}


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def devnet() -> AsyncIterator[Devnet]:
    """L1 + Scroll only: the Scroll component's start-up is measured on its own."""
    t0 = time.monotonic()
    cfg = DevnetConfig(
        chains=[DevnetChainSpec(DEVNET_L1), DevnetChainSpec(DEVNET_SCROLL)],
        components=[make_component()],
    )
    async with Devnet(cfg) as dn:
        TIMES["devnet start (L1 + Scroll)"] = time.monotonic() - t0
        yield dn
    print("scroll timings:", {k: round(v, 2) for k, v in TIMES.items()})


@pytest_asyncio.fixture(loop_scope="session")
async def clients(devnet: Devnet) -> AsyncIterator[tuple[ChainClient, ChainClient]]:
    l1 = ChainClient(devnet.chain(L1), devnet.transport(L1), owns_transport=False)
    l2 = ChainClient(devnet.chain(L2), devnet.transport(L2), owns_transport=False)
    yield l1, l2


async def _funded(devnet: Devnet) -> object:
    signer = account_from_key(os.urandom(32))
    for cid in (L1, L2):
        await devnet.transport(cid).request("anvil_setBalance", [signer.address, hex(ether("100"))])
    return signer


# --------------------------------------------------------------------- the conformance kit


class TestScrollDeposit(AdapterConformance):
    adapter_factory = staticmethod(adapter_factory)
    SOURCE, TARGET = L1, L2
    DIRECTION = Direction.L1_TO_L2
    SUPPORTED = frozenset({(L1, L2), (L2, L1)})
    FIRST_STATES = frozenset({Status.PENDING, Status.FINALIZED})


class TestScrollWithdraw(AdapterConformance):
    adapter_factory = staticmethod(adapter_factory)
    SOURCE, TARGET = L2, L1
    DIRECTION = Direction.L2_TO_L1
    SUPPORTED = frozenset({(L1, L2), (L2, L1)})
    FIRST_STATES = frozenset({Status.WAITING_TO_FINALIZE})
    WAITS = True
    STEPS = frozenset({1})


async def test_facade_deposit_and_withdrawal_to_the_wei(devnet: Devnet, tmp_path: object) -> None:
    """Through `Interop` and its journal, with the adapter registered by factory."""
    signer = await _funded(devnet)
    registry = AdapterRegistry({"scroll": adapter_factory})
    async with devnet.interop(
        account=signer, journal=str(tmp_path) + "/j.sqlite3", adapters=registry
    ) as io:
        t0 = time.monotonic()
        report = await run_conformance(io, L1, L2, value=ether("0.25") + 3)
        TIMES["deposit (facade, to FINALIZED)"] = time.monotonic() - t0
        assert report.credited == ether("0.25") + 3
        t0 = time.monotonic()
        report = await run_conformance(io, L2, L1, value=ether("0.125") + 5)
        TIMES["withdrawal (facade: initiate, batch, finalize, relay)"] = time.monotonic() - t0
        assert report.credited == ether("0.125") + 5


# --------------------------------------------------------------------- proofs on chain


async def test_proofs_verify_with_scrolls_own_withdraw_trie_verifier(
    devnet: Devnet, clients: tuple[ChainClient, ChainClient]
) -> None:
    """Our proofs for every leaf of trees of 1..9 leaves pass `WithdrawTrieVerifier` (through
    a harness exposing the internal library); a wrong index or a cut proof does not."""
    l1, _ = clients
    signer = await _funded(devnet)
    h = await send_transaction(l1, signer, to=None, data=artifact("WithdrawTrieHarness").bytecode)
    harness = (await wait_for_receipt(l1, h)).contract_address
    assert harness is not None
    trie = WithdrawTrie(os.urandom(32) for _ in range(9))
    verify = Fn("verify(bytes32,bytes32,uint256,bytes)", ("bool",))
    for size in range(1, 10):
        root = bytes.fromhex(trie.root(size)[2:])
        for i in range(size):
            proof = proof_bytes(trie.proof(i, size))
            assert await call_one(l1, harness, verify, root, trie.leaves[i], i, proof)
            if size > 1:
                assert not await call_one(l1, harness, verify, root, trie.leaves[i], i ^ 1, proof)
                assert not await call_one(l1, harness, verify, root, trie.leaves[i], i, proof[32:])


async def test_message_root_matches_l2_message_queue(
    devnet: Devnet, clients: tuple[ChainClient, ChainClient]
) -> None:
    """After withdrawals, `L2MessageQueue.messageRoot()` equals our tree over its
    `AppendMessage` leaves, and each leaf is `message_hash` of its `SentMessage`."""
    l1, l2 = clients
    signer = await _funded(devnet)
    ctx = AdapterContext(l2, l1, signer)  # type: ignore[arg-type]
    for kind, data in ((FlowKind.ETH, b""), (FlowKind.MESSAGE, b"\x01\x02")):
        await adapter_factory().initiate(ctx, BridgeRequest(kind, 3, fresh_address(), data=data))
    logs = await l2.get_logs(address=L2_MESSAGE_QUEUE, topics=[abis.APPEND_MESSAGE_TOPIC])
    assert len(logs) >= 2
    trie = WithdrawTrie(lg.data[32:64] for lg in logs)
    root = await call_one(l2, L2_MESSAGE_QUEUE, abis.L2_MESSAGE_ROOT)
    assert trie.root() == "0x" + bytes(root).hex()
    sent = await l2.get_logs(
        address=devnet.chain(L2).contracts["l2_scroll_messenger"],
        topics=[abis.SENT_MESSAGE_TOPIC],
    )
    from eth_abi.abi import decode

    for lg in sent:
        value, nonce, _gas, msg = decode(["uint256", "uint256", "uint256", "bytes"], lg.data)
        leaf = message_hash(
            "0x" + lg.topics[1][-40:], "0x" + lg.topics[2][-40:], value, nonce, bytes(msg)
        )
        assert "0x" + trie.leaves[nonce].hex() == leaf


async def test_l1_data_fee_is_the_oracles(clients: tuple[ChainClient, ChainClient]) -> None:
    """The family asks `L1GasPriceOracle` (Curie formula with the scalars Scroll set)."""
    from interop.devnet.scroll import BLOB_SCALAR, COMMIT_SCALAR
    from interop.families.scroll import family

    _, l2 = clients
    data = os.urandom(100)
    fee = await family().l1_data_fee(l2, data)
    base = await call_one(l2, L1_GAS_PRICE_ORACLE, Fn("l1BaseFee()", ("uint256",)))
    blob = await call_one(l2, L1_GAS_PRICE_ORACLE, Fn("l1BlobBaseFee()", ("uint256",)))
    assert base > 0
    assert fee == (COMMIT_SCALAR * base + BLOB_SCALAR * len(data) * blob) // 10**9


# --------------------------------------------------------------------- bad input


async def test_relay_before_finalization_then_twice(
    devnet: Devnet, clients: tuple[ChainClient, ChainClient]
) -> None:
    l1, l2 = clients
    signer = await _funded(devnet)
    ad = adapter_factory()
    ctx = AdapterContext(l2, l1, signer)  # type: ignore[arg-type]
    bob = fresh_address()
    t0 = time.monotonic()
    ref = await ad.initiate(ctx, BridgeRequest(FlowKind.ETH, ether("0.01"), bob))
    TIMES["withdraw initiate"] = time.monotonic() - t0
    await devnet.sync()  # committed, not finalized
    with pytest.raises(NotReadyError):
        await ad.execute_next(ctx, ref)
    assert (await ad.status(ctx, ref)).status is Status.WAITING_TO_FINALIZE
    t0 = time.monotonic()
    await devnet.advance(120)
    TIMES["batch finalized (advance 120 s)"] = time.monotonic() - t0
    t0 = time.monotonic()
    assert (await ad.status(ctx, ref)).status is Status.READY_TO_FINALIZE
    await ad.execute_next(ctx, ref)
    TIMES["relayMessageWithProof (proof built locally)"] = time.monotonic() - t0
    assert await l1.get_balance(bob) == ether("0.01")
    with pytest.raises(AlreadyDoneError):
        await ad.execute_next(ctx, ref)


async def test_failed_message_needs_replay_and_replays(
    devnet: Devnet, clients: tuple[ChainClient, ChainClient]
) -> None:
    """An L1->L2 message with too little gas fails on L2; once its batch is final the status
    says a replay is needed (NEEDS_MANUAL_ACTION, details['action']), execute_next refuses to
    guess, a replay below the queue's intrinsic gas is refused, and one with enough gas lands."""
    l1, l2 = clients
    signer = await _funded(devnet)
    ad = adapter_factory()
    ctx = AdapterContext(l1, l2, signer)  # type: ignore[arg-type]
    target = fresh_address()
    await l2.request("anvil_setCode", [target, RECORDER_CODE])
    word = os.urandom(32)
    req = BridgeRequest(FlowKind.MESSAGE, 777, target, data=word, gas_limit=40_000)
    ref = await ad.initiate(ctx, req)
    await devnet.sync()
    st = await ad.status(ctx, ref)
    assert st.status is Status.PENDING  # included but not final yet: could still be relayed
    await devnet.advance(120)
    st = await ad.status(ctx, ref)
    assert st.status is Status.NEEDS_MANUAL_ACTION, st
    assert "replay" in st.details["action"]
    with pytest.raises(ManualActionRequired):
        await ad.execute_next(ctx, ref)
    with pytest.raises(InputError):
        await replay_message(ctx, ref, 21_000)  # below the queue's intrinsic gas: refused
    await replay_message(ctx, ref, 40_000)  # accepted, but too little again: fails on L2 too
    await devnet.sync()
    await devnet.advance(120)
    st = await ad.status(ctx, ref)
    assert st.status is Status.NEEDS_MANUAL_ACTION, st  # judged by the latest replay's index
    assert st.details["queue_index"] == int(ref.data["nonce"])
    t0 = time.monotonic()
    await replay_message(ctx, ref, 300_000)
    await devnet.sync()
    TIMES["replay + relay"] = time.monotonic() - t0
    assert (await ad.status(ctx, ref)).status is Status.FINALIZED
    stored = await l2.get_storage_at(target, 2)
    assert stored == word
    assert int.from_bytes(await l2.get_storage_at(target, 1), "big") == 777


async def test_wrong_chain_pair_is_refused(
    devnet: Devnet, clients: tuple[ChainClient, ChainClient]
) -> None:
    l1, _ = clients
    ad = adapter_factory()
    assert not ad.supports(DEVNET_L1, DEVNET_ARB)
    assert not ad.supports(devnet.chain(L2), devnet.chain(L2))
    signer = await _funded(devnet)
    with pytest.raises(UnsupportedOperationError):
        await ad.initiate(
            AdapterContext(l1, l1, signer),  # type: ignore[arg-type]
            BridgeRequest(FlowKind.ETH, 1, fresh_address()),
        )


async def test_gas_limit_below_intrinsic_is_a_refusal(
    devnet: Devnet, clients: tuple[ChainClient, ChainClient]
) -> None:
    """Too low a gas limit for an L1->L2 message: the stable code `gas-limit-too-low`, found
    before anything is signed (the queue would revert the transaction)."""
    l1, l2 = clients
    ad = adapter_factory()
    ctx = AdapterContext(l1, l2, None)
    req = BridgeRequest(FlowKind.MESSAGE, 0, fresh_address(), data=b"x" * 40, gas_limit=30_000)
    codes = [r.code for r in await ad.refusals(ctx, req)]
    assert codes == ["gas-limit-too-low"]
    ok = BridgeRequest(FlowKind.MESSAGE, 0, fresh_address(), data=b"x" * 40, gas_limit=100_000)
    assert await ad.refusals(ctx, ok) == ()


async def test_two_withdrawals_in_one_l2_block_both_relay(
    devnet: Devnet, clients: tuple[ChainClient, ChainClient]
) -> None:
    """The second message of a block needs the first one applied on top of the queue's state
    of the block before (left siblings); both flows also rebuild from their transactions, and a
    ref without the stored siblings (read from state instead) gives the same proof."""
    from interop.adapters.scroll.adapter import _hash
    from interop.adapters.scroll.proof import build_proof

    l1, l2 = clients
    ad = adapter_factory()
    signer = await _funded(devnet)
    ctx = AdapterContext(l2, l1, signer)  # type: ignore[arg-type]
    router = devnet.chain(L2).contracts["l2_gateway_router"]
    bobs = [fresh_address(), fresh_address()]
    relayer = devnet.component("scroll").relayer  # type: ignore[attr-defined]
    async with relayer.lock:  # no relayer transaction between the two
        await l2.request("evm_setAutomine", [False])
        try:
            nonce = await l2.get_nonce(signer.address)
            hashes = [
                await send_transaction(
                    l2,
                    signer,
                    to=router,
                    value=ether("0.02") + i,
                    nonce=nonce + i,
                    gas=300_000,
                    data=abis.L2_ROUTER_WITHDRAW_ETH.encode(bob, ether("0.02") + i, 0),
                )
                for i, bob in enumerate(bobs)
            ]
            await l2.request("evm_mine", [])
        finally:
            await l2.request("evm_setAutomine", [True])
    r0, r1 = [await wait_for_receipt(l2, h) for h in hashes]
    assert r0.block_number == r1.block_number
    refs = [await ad.flow_from_tx(ctx, h) for h in hashes]
    rollup = devnet.chain(L2).parent_contracts[L1]["scroll_chain"]
    assert int(refs[1].data["nonce"]) == int(refs[0].data["nonce"]) + 1
    await devnet.advance(120)
    for ref, bob, i in zip(refs, bobs, (0, 1), strict=True):
        assert (await ad.status(ctx, ref)).status is Status.READY_TO_FINALIZE
        batch = int(
            await call_one(
                l1,
                rollup,
                abis.LAST_FINALIZED_BATCH_INDEX,
            )
        )
        root = await call_one(l1, rollup, abis.WITHDRAW_ROOTS, batch)
        kw = dict(leaf=_hash(ref.data), nonce=int(ref.data["nonce"]), l2_block=r0.block_number,
                  batch_index=batch, root="0x" + bytes(root).hex())  # fmt: skip
        stored = {int(k): bytes.fromhex(v[2:]) for k, v in ref.data["left"].items()}
        with_stored = await build_proof(l2, left=stored, **kw)  # type: ignore[arg-type]
        from_state = await build_proof(l2, **kw)  # type: ignore[arg-type]
        assert with_stored is not None and with_stored == from_state
        await ad.execute_next(ctx, ref)
        assert await l1.get_balance(bob) == ether("0.02") + i
