"""Linea flows beyond the conformance kit: bad input and the postman, on the real contracts.

- a claim before the coordinator anchored (L1->L2) or finalized (L2->L1): NotReadyError, nothing
  sent; a second claim: AlreadyDoneError;
- a route that is not L1 <-> its Linea chain: refused before anything is signed;
- a postman fee below the postman's minimum: refused with a stable code; waived, the message is
  left for the caller, who claims it;
- a fee the postman accepts: the postman claims, and recipient + postman get value + fee to
  the wei (an EOA recipient gets the fee the claim did not cost back, as the contract refunds);
- 33 withdrawals in one finalization make two Merkle trees: messages of both claim on L1.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from interop.actions.tx import wait_for_receipt
from interop.adapters.base import AdapterContext, BridgeRequest, FlowKind, Status
from interop.adapters.linea import LineaAdapter, adapter_factory
from interop.client import ChainClient
from interop.devnet.core import Devnet
from interop.devnet.linea import LineaDevnet
from interop.errors import (
    AlreadyDoneError,
    NotReadyError,
    RefusedError,
    RpcResponseError,
    UnsupportedOperationError,
)
from interop.facade import Interop
from interop.routes import AdapterRegistry
from interop.signer import SafeSigner, account_from_key
from interop.spec.linea import abis
from interop.testing.conformance import fresh_address
from interop.types import to_address
from interop.units import ether
from tests.integration.test_linea_conformance import L1, L2, linea_config


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def devnet() -> AsyncIterator[Devnet]:
    async with Devnet(linea_config()) as dn:
        yield dn


@pytest_asyncio.fixture(loop_scope="session")
async def env(devnet: Devnet) -> AsyncIterator[tuple[Devnet, SafeSigner, ChainClient, ChainClient]]:
    me = account_from_key(os.urandom(32))
    for cid in (L1, L2):
        await devnet.transport(cid).request("anvil_setBalance", [me.address, hex(ether("100"))])
    l1, l2 = ChainClient(devnet.chain(L1)), ChainClient(devnet.chain(L2))
    try:
        yield devnet, me, l1, l2
    finally:
        await l1.aclose()
        await l2.aclose()


def linea(devnet: Devnet) -> LineaDevnet:
    comp = devnet.component("linea")
    assert isinstance(comp, LineaDevnet)
    return comp


async def test_claims_before_anchoring_and_twice(env: tuple) -> None:  # type: ignore[type-arg]
    devnet, me, l1, l2 = env
    a: LineaAdapter = adapter_factory()
    ctx = AdapterContext(l1, l2, me)
    relayer = linea(devnet).relayer
    assert relayer is not None
    to = fresh_address()
    async with relayer.lock:  # the coordinator cannot anchor meanwhile
        ref = await a.initiate(ctx, BridgeRequest(FlowKind.ETH, 1234, to))
        st = await a.status(ctx, ref)
        assert (st.status, st.native, st.actor and st.actor.value) == (
            Status.PENDING,
            "UNKNOWN",
            "relayer",
        )
        nonce = await l2.get_nonce(me.address)
        with pytest.raises(NotReadyError):
            await a.execute_next(ctx, ref)
        assert await l2.get_nonce(me.address) == nonce
    await devnet.sync()
    st = await a.status(ctx, ref)
    assert (st.status, st.next_step, st.actor and st.actor.value) == (
        Status.READY_TO_FINALIZE,
        "claim",
        "caller",
    )
    tx = await a.execute_next(ctx, ref)
    assert tx is not None
    await wait_for_receipt(l2, tx)
    assert await l2.get_balance(to) == 1234
    assert (await a.status(ctx, ref)).status is Status.FINALIZED
    with pytest.raises(AlreadyDoneError):
        await a.execute_next(ctx, ref)


async def test_withdrawal_claim_before_finalization_then_twice(env: tuple) -> None:  # type: ignore[type-arg]
    devnet, me, l1, l2 = env
    a = adapter_factory()
    ctx = AdapterContext(l2, l1, me)
    to = fresh_address()
    ref = await a.initiate(ctx, BridgeRequest(FlowKind.ETH, ether("0.5") + 3, to))
    st = await a.status(ctx, ref)
    assert st.status is Status.WAITING_TO_FINALIZE and st.native == "SENT"
    assert st.seconds_to_next is not None and st.seconds_to_next >= 1
    nonce = await l1.get_nonce(me.address)
    with pytest.raises(NotReadyError):
        await a.execute_next(ctx, ref)
    assert await l1.get_nonce(me.address) == nonce
    await devnet.advance(st.seconds_to_next)  # the estimate is enough for the coordinator
    st = await a.status(ctx, ref)
    assert st.status is Status.READY_TO_FINALIZE, st
    tx = await a.execute_next(ctx, ref)
    assert tx is not None
    await wait_for_receipt(l1, tx)
    assert await l1.get_balance(to) == ether("0.5") + 3
    with pytest.raises(AlreadyDoneError):
        await a.execute_next(ctx, ref)


async def test_wrong_chain_pair_is_refused_before_signing(env: tuple) -> None:  # type: ignore[type-arg]
    _, me, l1, l2 = env
    a = adapter_factory()
    nonce = await l1.get_nonce(me.address)
    for src, dst in ((l1, l1), (l2, l2)):
        assert not a.supports(src.chain, dst.chain)
        with pytest.raises(UnsupportedOperationError):
            await a.initiate(
                AdapterContext(src, dst, me), BridgeRequest(FlowKind.ETH, 1, me.address)
            )
    assert await l1.get_nonce(me.address) == nonce


async def test_fee_below_postman_minimum_is_refused_and_left_for_the_caller(env: tuple) -> None:  # type: ignore[type-arg]
    devnet, me, l1, l2 = env
    a = adapter_factory()
    ctx = AdapterContext(l1, l2, me)
    minimum = await a.postman_minimum(ctx)
    to = fresh_address()
    assert minimum > 1
    # 1 wei: below the minimum at any gas price the postman may see (its minimum moves with
    # the destination's gas price, which the advance below lowers)
    req = BridgeRequest(FlowKind.ETH, 1000, to, options={"fee": 1})
    (r,) = await a.refusals(ctx, req)
    assert r.code == "fee-below-postman-minimum" and "claim it yourself" in (r.hint or "")
    waived = BridgeRequest(
        FlowKind.ETH,
        1000,
        to,
        options={"fee": 1},
        waive=frozenset({"fee-below-postman-minimum"}),
    )
    assert await a.refusals(ctx, waived) == ()
    assert await a.refusals(ctx, BridgeRequest(FlowKind.ETH, 1000, to)) == ()  # fee 0: fine
    ref = await a.initiate(ctx, waived)
    await devnet.advance(60)  # the postman had its chance
    st = await a.status(ctx, ref)
    assert (st.status, st.native, st.actor and st.actor.value) == (
        Status.READY_TO_FINALIZE,
        "CLAIMABLE",
        "caller",
    )
    tx = await a.execute_next(ctx, ref)
    assert tx is not None
    rcpt = await wait_for_receipt(l2, tx)
    # the fee goes to whoever claims (here the caller); the recipient gets the value
    assert await l2.get_balance(to) == 1000 and rcpt.succeeded


async def test_postman_claims_a_fee_carrying_deposit_to_the_wei(env: tuple) -> None:  # type: ignore[type-arg]
    devnet, me, l1, l2 = env
    a = adapter_factory()
    ctx = AdapterContext(l1, l2, me)
    fee = 2 * await a.postman_minimum(ctx)
    to, value = fresh_address(), ether("0.25") + 1
    postman = to_address(linea(devnet).postman.address)
    relayer = linea(devnet).relayer
    assert relayer is not None
    async with relayer.lock:
        ref = await a.initiate(ctx, BridgeRequest(FlowKind.ETH, value, to, options={"fee": fee}))
        assert (
            await a.refusals(ctx, BridgeRequest(FlowKind.ETH, value, to, options={"fee": fee}))
            == ()
        )
        before = await l2.get_balance(postman)
    await devnet.sync()
    st = await a.status(ctx, ref)
    assert st.status is Status.FINALIZED and st.native == "CLAIMED"
    (claimed,) = await l2.get_logs(
        address=devnet.chain(L2).contracts["l2_message_service"],
        topics=[abis.MESSAGE_CLAIMED_TOPIC, ref.data["message_hash"]],
    )
    rcpt = await l2.get_receipt(claimed.transaction_hash)
    assert rcpt is not None and to_address(rcpt.from_address) == postman
    postman_gross = await l2.get_balance(postman) - before + rcpt.fee
    got = await l2.get_balance(to)
    assert got > value  # the contract refunds an EOA what the claim did not cost
    assert got + postman_gross == value + fee


async def test_withdrawals_in_two_trees_of_one_finalization(env: tuple) -> None:  # type: ignore[type-arg]
    devnet, me, l1, l2 = env
    a = adapter_factory()
    ctx = AdapterContext(l2, l1, me)
    refs = []
    for i in range(33):  # 32 leaves per tree: the 33rd opens a second tree
        refs.append(await a.initiate(ctx, BridgeRequest(FlowKind.ETH, 10**9 + i, fresh_address())))
    st = await a.status(ctx, refs[-1])
    await devnet.advance(st.seconds_to_next or 1)
    for ref in (refs[0], refs[31], refs[32]):
        st = await a.status(ctx, ref)
        assert st.status is Status.READY_TO_FINALIZE, st
        fin = await l1.get_receipt(st.details["finalization_tx"])
        assert fin is not None
        roots = [lg for lg in fin.logs if lg.topics[0] == abis.L2_MERKLE_ROOT_ADDED_TOPIC]
        assert len(roots) >= 2
        tx = await a.execute_next(ctx, ref)
        assert tx is not None
        await wait_for_receipt(l1, tx)
        assert await l1.get_balance(ref.data["to"]) == int(ref.data["value"])


async def test_through_the_facade_the_postman_finishes_a_paid_deposit(
    env: tuple,  # type: ignore[type-arg]
    tmp_path: Path,
) -> None:
    """`bridge(..., options={"fee": ...})` with a fee the postman accepts: `complete()` waits
    (PENDING, the relayer acts) and the postman's claim finishes the journaled flow; a fee below
    its minimum is refused by the core with the adapter's code, nothing signed."""
    devnet, me, l1, _ = env
    registry = AdapterRegistry({"linea": adapter_factory})
    async with Interop(
        [devnet.chain(L1), devnet.chain(L2)],
        account=me,
        journal=str(tmp_path / "j.sqlite3"),
        adapters=registry,
        sleep=devnet.advance,
    ) as io:
        a = io.adapter("linea")
        assert isinstance(a, LineaAdapter)
        fee = 2 * await a.postman_minimum(AdapterContext(io.client(L1), io.client(L2)))
        nonce = await l1.get_nonce(me.address)
        with pytest.raises(RefusedError) as refused:
            await io.bridge(1000, L1, L2, fresh_address(), options={"fee": 1})
        assert refused.value.code == "fee-below-postman-minimum"
        assert await l1.get_nonce(me.address) == nonce
        to = fresh_address()
        t = await io.bridge(ether("0.01"), L1, L2, to, options={"fee": fee})
        final = await t.complete(timeout=60)
        assert final.status is Status.FINALIZED and final.native == "CLAIMED"
        assert await io.client(L2).get_balance(to) >= ether("0.01")


async def test_time_to_claim_follows_the_measured_finalization_delay(env: tuple) -> None:  # type: ignore[type-arg]
    """The estimate is the delay the latest finalization on L1 showed (here ~700 s: the
    coordinator's 600 s and our jump), applied to the message's block, not the 8-hour
    assumption used when no finalization is visible."""
    devnet, me, l1, l2 = env
    a = adapter_factory()
    ctx = AdapterContext(l2, l1, me)
    first = await a.initiate(ctx, BridgeRequest(FlowKind.ETH, 1, fresh_address()))
    await devnet.advance(700)  # the coordinator finalizes it ~700 s after its block
    assert (await a.status(ctx, first)).status is Status.READY_TO_FINALIZE
    ref = await a.initiate(ctx, BridgeRequest(FlowKind.ETH, 1, fresh_address()))
    st = await a.status(ctx, ref)
    assert st.status is Status.WAITING_TO_FINALIZE
    assert st.seconds_to_next is not None and 600 <= st.seconds_to_next <= 760, st
    await devnet.advance(st.seconds_to_next)
    assert (await a.status(ctx, ref)).status is Status.READY_TO_FINALIZE


class CappedLogs:
    """A node that refuses `eth_getLogs` over more than 4 blocks, as public endpoints cap
    ranges (the error text is one such provider's); everything else passes through."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.refused, self.served = inner, 0, 0

    async def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        if method == "eth_getLogs" and "fromBlock" in params[0]:
            flt = params[0]
            head = int(await self.inner.request("eth_blockNumber", []), 16)
            lo = head if flt["fromBlock"] == "latest" else int(flt["fromBlock"], 16)
            hi = head if flt["toBlock"] == "latest" else int(flt["toBlock"], 16)
            if hi - lo > 4:
                self.refused += 1
                raise RpcResponseError("query exceeds max block range 5", code=-32005)
            self.served += 1
        return await self.inner.request(method, params)

    async def batch(self, calls: Sequence[Any]) -> list[Any]:
        return list(await self.inner.batch(calls))

    async def aclose(self) -> None:
        return None


async def test_withdrawal_proof_built_through_a_node_that_caps_log_ranges(env: tuple) -> None:  # type: ignore[type-arg]
    """Status and the claim's proof come from `eth_getLogs` on both chains; through nodes that
    refuse wide ranges the searches split, and the claim still pays to the wei."""
    devnet, me, _, _ = env
    t1, t2 = CappedLogs(devnet.transport(L1)), CappedLogs(devnet.transport(L2))
    async with (
        ChainClient(devnet.chain(L1), t1, owns_transport=False) as l1,
        ChainClient(devnet.chain(L2), t2, owns_transport=False) as l2,
    ):
        a = adapter_factory()
        ctx = AdapterContext(l2, l1, me)
        await devnet.transport(L1).request("anvil_mine", [hex(30)])  # wide L1 searches
        # two messages 6 L2 blocks apart in one finalization: the proof's L2 search is wide too
        await a.initiate(ctx, BridgeRequest(FlowKind.ETH, 1, fresh_address()))
        await devnet.transport(L2).request("anvil_mine", [hex(6)])
        to = fresh_address()
        ref = await a.initiate(ctx, BridgeRequest(FlowKind.ETH, 777, to))
        st = await a.status(ctx, ref)
        await devnet.advance(st.seconds_to_next or 1)
        again = await a.flow_from_tx(ctx, ref.tx_hash)  # its l1_from hint: found by bisection
        tx = await a.execute_next(ctx, again)
        assert tx is not None
        await wait_for_receipt(l1, tx)
        assert await l1.get_balance(to) == 777
        assert t1.refused > 0 and t1.served > 0, (t1.refused, t1.served)
        assert t2.refused > 0 and t2.served > 0, (t2.refused, t2.served)


async def test_postman_claims_a_paid_withdrawal_on_l1_to_the_wei(env: tuple) -> None:  # type: ignore[type-arg]
    """A withdrawal whose postman fee meets the rule at L1's gas price is claimed by the postman
    with a proof right after its finalization; recipient + postman get value + fee exactly."""
    devnet, me, l1, l2 = env
    a = adapter_factory()
    ctx = AdapterContext(l2, l1, me)
    fee = 3 * await a.postman_minimum(ctx)
    to, value = fresh_address(), ether("0.3") + 5
    postman = to_address(linea(devnet).postman.address)
    ref = await a.initiate(ctx, BridgeRequest(FlowKind.ETH, value, to, options={"fee": fee}))
    assert int(ref.data["fee"]) == fee  # the message records the postman's part only
    st = await a.status(ctx, ref)
    assert st.status is Status.WAITING_TO_FINALIZE and st.native == "SENT"
    before = await l1.get_balance(postman)
    await devnet.advance(st.seconds_to_next or 1)
    st = await a.status(ctx, ref)
    assert st.status is Status.FINALIZED, st
    (claimed,) = await l1.get_logs(
        address=devnet.chain(L2).parent_contracts[L1]["line_rollup"],
        topics=[abis.MESSAGE_CLAIMED_TOPIC, ref.data["message_hash"]],
    )
    rcpt = await l1.get_receipt(claimed.transaction_hash)
    assert rcpt is not None and to_address(rcpt.from_address) == postman
    postman_gross = await l1.get_balance(postman) - before + rcpt.fee
    assert await l1.get_balance(to) + postman_gross == value + fee
    with pytest.raises(AlreadyDoneError):
        await a.execute_next(ctx, ref)
