"""Devnet relayers whose step sent a transaction but did not get to record it recover from the
chain at the next step, and never send it again.

A step can fail after its transaction was broadcast (a receipt timeout, an RPC fault); before
`relayloop.locked_step`, a caller's timeout could also cut it there. The relayer's record then
lags the contract, and a relayer that builds the next transaction on that record sends one the
contract refuses, on every step, until it is declared crashed, which takes down every test on
the shared devnet (a CI run saw it for Linea: tests/integration/test_linea_devnet.py). Each test
here rolls a relayer's record back to what such a step leaves, or breaks the step at the
transport seam right after its broadcast, and checks that the next steps neither fail nor send
twice. They run on the session devnet: every relayer recovers, so the others never notice.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import pytest
from eth_utils.crypto import keccak

from interop.actions.contract import call_one, send_call
from interop.actions.tx import send_transaction, wait_for_receipt
from interop.adapters.arbitrum.common import ArbContracts
from interop.adapters.arbitrum.retryable import (
    RetryableParams,
    RetryableStatus,
    create_retryable,
    retryable_status,
)
from interop.adapters.base import AdapterContext, BridgeRequest, FlowKind
from interop.adapters.scroll import adapter_factory as scroll_adapter
from interop.adapters.zksync import adapter_factory as zksync_adapter
from interop.aliasing import apply_l1_to_l2_alias
from interop.client import ChainClient
from interop.devnet.arbitrum import ArbitrumDevnet
from interop.devnet.arbitrum.artifacts import calldata, selector
from interop.devnet.arbitrum.relayer import Relayer as ArbitrumRelayer
from interop.devnet.core import Devnet
from interop.devnet.scroll import ScrollDevnet
from interop.devnet.scroll.relayer import ScrollRelayer, warm_up_blobs
from interop.devnet.zksync import ZkSyncDevnet
from interop.devnet.zksync.sequencer import Sequencer
from interop.errors import RpcError, RpcUnreachableError
from interop.rpc.base import Call, Transport
from interop.signer import account_from_key
from interop.spec.arbitrum.abis import INBOX_DEPOSIT_ETH
from interop.spec.arbitrum.formulas import (
    ARB_RETRYABLE_TX,
    REDEEM_SCHEDULED_TOPIC,
    decode_redeem_scheduled,
)
from interop.spec.scroll import abis as scroll
from interop.spec.zksync import abis as zk
from interop.spec.zksync.addresses import L1_MESSENGER
from interop.testing.conformance import fresh_address
from interop.testing.fixtures import FUNDING, fund
from interop.types import hex_to_bytes
from interop.units import gwei

L1, ARBITRUM, SCROLL, ZKSYNC = 900, 903, 905, 906


class AnswerLost:
    """The devnet node's transport, except that once a call matching `after` went through, the
    next call of method `lose` reaches the node but its answer is lost (as over a flaky link):
    the relayer's step fails right after its transaction was broadcast."""

    def __init__(
        self, inner: Transport, *, after: Callable[[str, Sequence[Any]], bool], lose: str
    ) -> None:
        self.inner, self.after, self.lose = inner, after, lose
        self.armed = False
        self.lost: list[Any] = []

    async def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        result = await self.inner.request(method, params)
        if self.armed and method == self.lose:
            self.armed = False
            self.lost.append(result)
            raise RpcUnreachableError(f"{method}: injected: answer lost")
        if not self.lost and self.after(method, params):
            self.armed = True
        return result

    async def batch(self, calls: Sequence[Call]) -> list[Any]:
        return await self.inner.batch(calls)

    async def aclose(self) -> None:  # the devnet owns the node's transport
        pass


async def _step_with(
    relayer: ScrollRelayer | Sequencer | ArbitrumRelayer, side: str, fault: AnswerLost
) -> None:
    """One step of `relayer` (lock held by the caller) whose `side` client ("l1"/"l2") goes
    through `fault`; the step must fail on it."""
    real: ChainClient = getattr(relayer, side)
    setattr(relayer, side, ChainClient(real.chain, fault, owns_transport=False))
    try:
        with pytest.raises(RpcError, match="injected"):
            await relayer.step()
    finally:
        setattr(relayer, side, real)
    assert fault.lost, "the fault was never hit"


async def _mined_balance(client: ChainClient, address: str) -> int:
    """`address`'s balance once the node has mined what the faulted step sent: anvil answers a
    send before its block is mined, and the step's own wait was cut short by the fault (two
    random-order runs read 0 right after the step)."""
    for _ in range(100):
        balance = await client.get_balance(address)
        if balance:
            return balance
        await asyncio.sleep(0.05)
    return balance


async def _chained(l1: ChainClient, relayer: ScrollRelayer, first: int) -> None:
    """Every batch of ours from `first` on is committed as we recorded it, on its parent."""
    batches = relayer.batches[first - 1 :]
    assert len(batches) >= 2
    for parent, b in itertools.pairwise(batches):
        assert b.index == parent.index + 1 and b.header[-32:] == keccak(parent.header)
    for b in batches:
        on_chain = await call_one(l1, relayer.rollup, scroll.COMMITTED_BATCHES, b.index)
        assert bytes(on_chain) == keccak(b.header)


async def test_scroll_commit_mined_but_not_recorded_is_read_back(devnet: Devnet) -> None:
    """Scroll's fix (f0d7b87): before it, the next commit went out on a stale parent and
    reverted (ErrorIncorrectBatchHash) on every step until the relayer crashed."""
    comp = devnet.component("scroll")
    assert isinstance(comp, ScrollDevnet)
    relayer = comp.relayer
    assert isinstance(relayer, ScrollRelayer)
    me = account_from_key(os.urandom(32))
    await fund(devnet, me.address)
    async with ChainClient(devnet.chain(L1)) as l1, ChainClient(devnet.chain(SCROLL)) as l2:

        async def committed(index: int) -> bytes:
            return bytes(await call_one(l1, relayer.rollup, scroll.COMMITTED_BATCHES, index))

        blob_tx = AnswerLost(
            relayer.l1.transport,
            after=lambda m, p: m == "eth_sendRawTransaction" and str(p[0]).startswith("0x03"),
            lose="eth_getBlockByNumber",  # the commit's block, read once its receipt is in
        )
        async with relayer.lock:
            await relayer.step()  # settle what the background loop has under way
            await send_call(l2, me, me.address, b"", value=1)  # an L2 block to commit
            index = len(relayer.batches) + 1
            await _step_with(relayer, "l1", blob_tx)
            assert len(relayer.batches) == index - 1  # not recorded ...
            landed = await committed(index)
            assert any(landed)  # ... but committed
        await comp.sync()  # before the fix: the next commit reverted, here and on every step
        assert keccak(relayer.batches[index - 1].header) == landed  # adopted, as it was sent
        await send_call(l2, me, me.address, b"", value=1)
        await comp.sync()
        await _chained(l1, relayer, index)  # the next batches build on it, none sent twice
        await devnet.advance(relayer.finalize_delay + 10)
        assert relayer.batches[index - 1].finalized and relayer.batches[index].finalized
        assert await call_one(l1, relayer.rollup, scroll.IS_BATCH_FINALIZED, index + 1)


async def test_scroll_l1_message_included_but_not_counted_is_neither_lost_nor_repeated(
    devnet: Devnet,
) -> None:
    """Before the fix the step had taken the message off the queue without counting it: no
    later L1 message was ever included (every later Scroll deposit waited forever)."""
    comp = devnet.component("scroll")
    assert isinstance(comp, ScrollDevnet)
    relayer = comp.relayer
    assert isinstance(relayer, ScrollRelayer)
    me = account_from_key(os.urandom(32))
    await fund(devnet, me.address)
    to1, to2 = fresh_address(), fresh_address()
    async with ChainClient(devnet.chain(L1)) as l1, ChainClient(devnet.chain(SCROLL)) as l2:
        ctx = AdapterContext(l1, l2, me)
        included = AnswerLost(
            relayer.l2.transport,
            after=lambda m, p: m == "eth_sendTransaction",
            lose="anvil_stopImpersonatingAccount",
        )
        async with relayer.lock:  # the background loop must not include it first
            await scroll_adapter().initiate(ctx, BridgeRequest(FlowKind.ETH, 10**15 + 1, to1))
            await _step_with(relayer, "l2", included)
        assert await _mined_balance(l2, to1) == 10**15 + 1  # included, not counted
        await scroll_adapter().initiate(ctx, BridgeRequest(FlowKind.ETH, 10**15 + 2, to2))
        await comp.sync()
        assert await l2.get_balance(to2) == 10**15 + 2  # the next one is not held up
        assert await l2.get_balance(to1) == 10**15 + 1  # and the first one ran once


@contextlib.asynccontextmanager
async def _pool_held(node: Transport) -> AsyncIterator[None]:
    """Automine off inside the block: anvil answers a send and keeps the transaction in its
    pool, as a node does before the next block. On the way out automine is back on and one block
    is mined, so nothing is left pooled for the next test."""
    await node.request("evm_setAutomine", [False])
    try:
        yield
    finally:
        await node.request("evm_setAutomine", [True])
        await node.request("evm_mine", [])


async def test_scroll_l1_message_still_in_the_pool_is_not_included_again(devnet: Devnet) -> None:
    """anvil answers a send before mining it. Before the fix, a step that ran while the lost
    step's transaction was still in the pool found nothing mined and included the message
    again: here the pool is held for half a second while the next step runs."""
    comp = devnet.component("scroll")
    assert isinstance(comp, ScrollDevnet)
    relayer = comp.relayer
    assert isinstance(relayer, ScrollRelayer)
    node = devnet.transport(SCROLL)
    me = account_from_key(os.urandom(32))
    await fund(devnet, me.address)
    to = fresh_address()

    async def release_the_pool() -> None:
        await asyncio.sleep(0.5)
        await node.request("evm_setAutomine", [True])
        await node.request("evm_mine", [])

    async with ChainClient(devnet.chain(L1)) as l1, ChainClient(devnet.chain(SCROLL)) as l2:
        included = AnswerLost(
            relayer.l2.transport,
            after=lambda m, p: m == "eth_sendTransaction",
            lose="anvil_stopImpersonatingAccount",
        )
        async with relayer.lock:
            await scroll_adapter().initiate(
                AdapterContext(l1, l2, me), BridgeRequest(FlowKind.ETH, 10**15 + 8, to)
            )
            async with _pool_held(node):  # the send stays in the pool
                await _step_with(relayer, "l2", included)
                release = asyncio.create_task(release_the_pool())
                await relayer.step()  # the next step, while the first send is still pooled
                await release
            recorded = relayer.relayed[-1]
        await comp.sync()
        assert await l2.get_balance(to) == 10**15 + 8  # once
        # and the inclusion on record is the one that ran (a second copy would revert in
        # L2ScrollMessenger as already executed, and the deposit would read as failed)
        rcpt = await l2.get_receipt(recorded)
        assert rcpt is not None and rcpt.succeeded


async def test_zksync_commit_and_execution_sent_but_not_recorded_are_adopted(
    devnet: Devnet,
) -> None:
    """Before the fix the next commit reused the batch number (`batch order`) and a repeated
    execution reverted (`execute order`) on every step until the sequencer crashed."""
    comp = devnet.component("zksync")
    assert isinstance(comp, ZkSyncDevnet) and comp.sequencer is not None
    seq = comp.sequencer
    diamond = seq.diamond
    me = account_from_key(os.urandom(32))
    await fund(devnet, me.address)
    async with ChainClient(devnet.chain(L1)) as l1, ChainClient(devnet.chain(ZKSYNC)) as l2:
        await comp.sync()
        sent = await send_call(l2, me, L1_MESSENGER, zk.SEND_TO_L1.encode(b"read back"))
        await comp.sync()
        async with seq.lock:  # what a step that failed after commitBatch + proveBatches leaves
            batch = seq.batches.pop()
            assert batch.tx_numbers.get(sent.transaction_hash.lower()) is not None
            assert batch.logs and not batch.executed
            seq.sealed_block = batch.first_block - 1
            for public in batch.tx_numbers:
                del seq.batch_of[public]
            committed = await call_one(l1, diamond, zk.TOTAL_BATCHES_COMMITTED)
            assert committed == batch.number
        errors = seq.errors
        await comp.sync()
        assert seq.errors == errors, seq.last_error
        assert await call_one(l1, diamond, zk.TOTAL_BATCHES_COMMITTED) == committed  # not resent
        adopted = seq.batches[batch.number - 1]
        assert adopted == batch  # blocks, tx numbers, logs, roots, commit tx and time
        assert seq.batch_for_tx(sent.transaction_hash) == (
            adopted,
            batch.tx_numbers[sent.transaction_hash.lower()],
        )

        await devnet.advance(comp.execute_delay + 10)
        assert adopted.executed
        executed = await call_one(l1, diamond, zk.TOTAL_BATCHES_EXECUTED)
        assert executed >= batch.number
        async with seq.lock:  # what a step that failed after executeBatches leaves
            done = [b for b in seq.batches if b.executed and b.number > batch.number - 1]
            record = [(b.execute_tx, b.executed_at) for b in done]
            for b in done:
                b.executed, b.execute_tx, b.executed_at = False, "", 0
        await comp.sync()
        assert seq.errors == errors, seq.last_error
        assert await call_one(l1, diamond, zk.TOTAL_BATCHES_EXECUTED) == executed
        assert [(b.executed, b.execute_tx, b.executed_at) for b in done] == [
            (True, *r) for r in record
        ]

        # and the next batch goes out as usual
        await send_call(l2, me, L1_MESSENGER, zk.SEND_TO_L1.encode(b"next"))
        await comp.sync()
        assert seq.errors == errors, seq.last_error
        assert await call_one(l1, diamond, zk.TOTAL_BATCHES_COMMITTED) == len(seq.batches)
        assert len(seq.batches) > committed


async def test_zksync_priority_op_executed_but_not_counted_is_not_executed_again(
    devnet: Devnet,
) -> None:
    """Before the fix the next step executed the operation again: the deposit was minted twice
    (and the sender's balance and nonce were never put back)."""
    comp = devnet.component("zksync")
    assert isinstance(comp, ZkSyncDevnet) and comp.sequencer is not None
    seq = comp.sequencer
    me = account_from_key(os.urandom(32))
    await fund(devnet, me.address)
    to = fresh_address()
    async with ChainClient(devnet.chain(L1)) as l1, ChainClient(devnet.chain(ZKSYNC)) as l2:
        await comp.sync()
        ops = seq.priority_ops
        lost = AnswerLost(
            seq.l2.transport,
            after=lambda m, p: m == "eth_sendTransaction",
            lose="eth_getTransactionReceipt",
        )
        async with seq.lock:  # the background loop must not execute it first
            await zksync_adapter().initiate(
                AdapterContext(l1, l2, me), BridgeRequest(FlowKind.ETH, 10**15 + 3, to)
            )
            await _step_with(seq, "l2", lost)
        assert await _mined_balance(l2, to) == 10**15 + 3  # executed, not counted
        assert seq.priority_ops == ops
        await comp.sync()
        assert seq.priority_ops == ops + 1
        assert await l2.get_balance(to) == 10**15 + 3  # once
        assert FUNDING <= await l2.get_balance(me.address) < FUNDING + 10**15  # + unspent fee
        assert await l2.get_nonce(me.address, "latest") == 0  # a priority op uses no nonce


async def test_zksync_priority_op_still_in_the_pool_is_not_sent_again(devnet: Devnet) -> None:
    """anvil answers a send before mining it. Before the fix, a step that ran while the lost
    step's transaction was still in the pool found nothing mined and sent the operation again
    (seen once in a random-order run: the deposit minted twice)."""
    comp = devnet.component("zksync")
    assert isinstance(comp, ZkSyncDevnet) and comp.sequencer is not None
    seq = comp.sequencer
    node = devnet.transport(ZKSYNC)
    me = account_from_key(os.urandom(32))
    await fund(devnet, me.address)
    to = fresh_address()
    async with ChainClient(devnet.chain(L1)) as l1, ChainClient(devnet.chain(ZKSYNC)) as l2:
        await comp.sync()
        lost = AnswerLost(
            seq.l2.transport,
            after=lambda m, p: m == "eth_sendTransaction",
            lose="eth_getTransactionReceipt",
        )
        async with seq.lock:
            await zksync_adapter().initiate(
                AdapterContext(l1, l2, me), BridgeRequest(FlowKind.ETH, 10**15 + 7, to)
            )
            async with _pool_held(node):  # the send stays in the pool
                await _step_with(seq, "l2", lost)
                with pytest.raises(RuntimeError, match="not mined"):
                    await seq.step()  # the next step, while the first send is still pooled
        await comp.sync()
        assert await l2.get_balance(to) == 10**15 + 7  # once


async def test_arbitrum_deposit_minted_but_not_recorded_is_minted_once(devnet: Devnet) -> None:
    """Before the fix the next step minted the deposit again (the relayer added the value to the
    recipient's balance at every attempt)."""
    comp = devnet.component("arbitrum")
    assert isinstance(comp, ArbitrumDevnet) and comp.relayer is not None
    relayer = comp.relayer
    me = account_from_key(os.urandom(32))
    await fund(devnet, me.address)
    async with ChainClient(devnet.chain(L1)) as l1, ChainClient(devnet.chain(ARBITRUM)) as l2:
        await comp.sync()
        minted = AnswerLost(
            relayer.l2.transport,
            after=lambda m, p: (
                m in ("anvil_addBalance", "anvil_setBalance")
                and str(p[0]).lower() == me.address.lower()
            ),
            lose="evm_mine",  # the deposit's block
        )
        async with relayer.lock:  # the background loop must not relay it first
            await send_call(l1, me, relayer.inbox, INBOX_DEPOSIT_ETH.encode(), value=10**15 + 4)
            await _step_with(relayer, "l2", minted)
        assert await l2.get_balance(me.address) == FUNDING + 10**15 + 4  # minted, not recorded
        await comp.sync()
        assert await l2.get_balance(me.address) == FUNDING + 10**15 + 4  # once


async def test_blob_warm_up_is_mined(devnet: Devnet) -> None:
    """`warm_up_blobs` (for the Scroll component's start: anvil's first blob loads its KZG
    setup and stalls the L1) sends a blob transaction that is mined, on the shared L1."""
    key = "0x" + os.urandom(32).hex()
    await fund(devnet, account_from_key(key).address)
    async with ChainClient(devnet.chain(L1)) as l1:
        assert 0 < await warm_up_blobs(l1, key, timeout=60) < 60
        assert await l1.get_nonce(account_from_key(key).address, "latest") == 1


# runtime code: revert unless storage slot 0 is non-zero (PUSH1 0 SLOAD PUSH1 11 JUMPI
# PUSH1 0 PUSH1 0 REVERT JUMPDEST STOP)
_GATED = bytes.fromhex("600054600b5760006000fd5b00")


def _arbos_call(name: str) -> Callable[[str, Sequence[Any]], bool]:
    """Matches the relayer's ArbOS transaction calling `name` on the ArbRetryableTx emulation."""
    sel = "0x" + selector(name).hex()
    return lambda m, p: m == "eth_sendTransaction" and str(p[0].get("data", "")).startswith(sel)


async def _retryable_to(
    devnet: Devnet, l1: ChainClient, l2: ChainClient, user: Any, to: str, value: int
) -> tuple[str, int, int]:
    """Sends a retryable of `value` to `to` (refunds to `user`) on L1 and returns its creation
    id, the excess submission fee and the gas prepaid for its auto-redeem (both refunded)."""
    l1_base = int((await l1.get_block("latest"))["baseFeePerGas"], 16)
    l2_base = int((await l2.get_block("latest"))["baseFeePerGas"], 16)
    p = RetryableParams(
        to=to,
        l2_call_value=value,
        max_submission_cost=1400 * l1_base * 3,
        excess_fee_refund_address=user.address,
        call_value_refund_address=user.address,
        gas_limit=100_000,
        max_fee_per_gas=2 * l2_base + gwei(1),
    )
    _rcpt, msg = await create_retryable(l1, user, ArbContracts.of(devnet.chain(ARBITRUM), L1), p)
    excess = p.max_submission_cost - 1400 * msg.base_fee_l1
    return msg.child_tx_hash, excess, p.gas_limit * p.max_fee_per_gas


@pytest.mark.parametrize("lost", ["creation", "retry", "settlement"])
async def test_arbitrum_retryable_cut_after_a_broadcast_is_finished_once(
    devnet: Devnet, lost: str
) -> None:
    """A retryable whose step failed right after one of its broadcasts (the ticket's creation,
    the auto-redeem's retry, the retry's settlement) is finished by the next step, doing only
    what was left: created once, redeemed once, refunded once. Before the fix the relayer marked
    the ticket seen before doing anything, so the flow stayed stuck half-way forever (creation
    receipt never served, auto-redeem never run or never settled); and a lost answer to the
    retry's broadcast was taken for the node refusing it (a failed retry, settled as such, while
    it had run)."""
    comp = devnet.component("arbitrum")
    assert isinstance(comp, ArbitrumDevnet) and comp.relayer is not None
    relayer = comp.relayer
    me = account_from_key(os.urandom(32))
    await fund(devnet, me.address)
    dest = fresh_address()
    alias = apply_l1_to_l2_alias(me.address)
    after = {
        "creation": lambda m, p: m == "anvil_setBalance",  # the ticket's funds, then its creation
        "retry": lambda m, p: m == "anvil_impersonateAccount" and p[0].lower() == alias.lower(),
        "settlement": lambda m, p: m == "anvil_stopImpersonatingAccount",
    }[lost]
    async with ChainClient(devnet.chain(L1)) as l1, ChainClient(devnet.chain(ARBITRUM)) as l2:
        await comp.sync()
        nonce = await l2.get_nonce(alias, "latest")
        fault = AnswerLost(relayer.l2.transport, after=after, lose="eth_sendTransaction")
        async with relayer.lock:  # the background loop must not relay it first
            ticket, excess, prepaid = await _retryable_to(devnet, l1, l2, me, dest, 10**15 + 5)
            await _step_with(relayer, "l2", fault)
        await comp.sync()
        state = await retryable_status(l2, ticket)
        assert state.status is RetryableStatus.REDEEMED, state
        assert not state.failed_redeems and not state.pending_redeems
        created = await l2.get_receipt(ticket)
        assert created is not None and created.succeeded
        assert await l2.get_balance(dest) == 10**15 + 5  # once
        assert await l2.get_nonce(alias, "latest") == nonce + 1  # one retry sent
        assert state.redeem_tx_hash is not None
        retry = await l2.get_receipt(state.redeem_tx_hash)
        assert retry is not None and retry.succeeded
        spent = retry.gas_used * retry.effective_gas_price
        # the excess submission fee and the unused prepaid gas, each refunded once
        assert await l2.get_balance(me.address) == FUNDING + excess + prepaid - spent


async def test_arbitrum_manual_redeem_cut_after_a_broadcast_is_finished_once(
    devnet: Devnet,
) -> None:
    """A redeem that reached the L2 node directly (not through the shim, which runs its retry
    in the redeem's block) is executed by the relayer's step; when that step fails right after
    the retry's settlement was broadcast, the next step finishes it. Before the fix the step had
    moved its cursor past the redeem first: the retry's receipt was never served (the shim held
    back the redeem's receipt forever) and the ticket was never settled by the relayer."""
    comp = devnet.component("arbitrum")
    assert isinstance(comp, ArbitrumDevnet) and comp.relayer is not None
    relayer = comp.relayer
    me = account_from_key(os.urandom(32))
    await fund(devnet, me.address)
    target = fresh_address()
    alias = apply_l1_to_l2_alias(me.address)
    async with ChainClient(devnet.chain(L1)) as l1, ChainClient(devnet.chain(ARBITRUM)) as l2:
        await l2.request("anvil_setCode", [target, "0x" + _GATED.hex()])
        ticket, _, _ = await _retryable_to(devnet, l1, l2, me, target, 10**15 + 6)
        await comp.sync()
        assert (
            await retryable_status(l2, ticket)
        ).status is RetryableStatus.FUNDS_DEPOSITED_ON_CHILD
        await l2.request("anvil_setStorageAt", [target, "0x0", "0x" + "00" * 31 + "01"])
        nonce = await l2.get_nonce(alias, "latest")
        settled = AnswerLost(
            relayer.l2.transport,
            after=lambda m, p: m == "anvil_stopImpersonatingAccount",
            lose="eth_sendTransaction",  # the retry's settlement
        )
        async with relayer.lock:  # the background loop must not run the retry first
            h = await send_transaction(
                relayer.l2,  # the node itself: no retry in the redeem's block
                me,
                to=ARB_RETRYABLE_TX,
                data=calldata("redeem(bytes32)", hex_to_bytes(ticket)),
                gas=300_000,
            )
            rcpt = await wait_for_receipt(relayer.l2, h)
            manual = decode_redeem_scheduled(
                next(x for x in rcpt.logs if x.topics[0] == REDEEM_SCHEDULED_TOPIC)
            )
            await _step_with(relayer, "l2", settled)
        assert await l2.get_balance(target) == 10**15 + 6  # retried, not settled
        await comp.sync()
        retry = await l2.get_receipt(manual.retry_tx_hash)
        assert retry is not None and retry.succeeded
        state = await retryable_status(l2, ticket)
        assert state.status is RetryableStatus.REDEEMED, state
        assert state.redeem_tx_hash == manual.retry_tx_hash
        assert await l2.get_balance(target) == 10**15 + 6  # once
        assert await l2.get_nonce(alias, "latest") == nonce + 1  # one retry sent
