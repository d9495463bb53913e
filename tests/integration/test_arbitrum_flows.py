"""Arbitrum flows end to end on the devnet: real nitro-contracts Bridge / Inbox / Outbox on the L1
anvil, the devnet's emulated Nitro L2 (see interop/devnet/arbitrum/README.md).

Accounts: this file uses its own keys (keccak of a fixed string) funded with `anvil_setBalance`,
so it never shares nonces with other tests. Recipients are fresh random addresses, so their
balances are exact to the wei.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from eth_utils.crypto import keccak

from interop.adapters.arbitrum import RetryableUnderfundedError, adapter_factory
from interop.adapters.arbitrum import retryable as R
from interop.adapters.arbitrum.common import ArbContracts, call_fn
from interop.adapters.arbitrum.refdata import WithdrawalData, decode_data
from interop.adapters.arbitrum.withdraw import outbox_proof
from interop.adapters.base import (
    Actor,
    AdapterContext,
    BridgeRequest,
    Direction,
    FlowKind,
    FlowRef,
    Status,
)
from interop.aliasing import apply_l1_to_l2_alias
from interop.client import ChainClient
from interop.devnet.core import Devnet
from interop.errors import AlreadyDoneError, ManualActionRequired, NotReadyError
from interop.signer import SafeSigner, account_from_key
from interop.spec.arbitrum import formulas as F
from interop.spec.arbitrum.abis import (
    OUTBOX_CALCULATE_ITEM_HASH,
    OUTBOX_CALCULATE_MERKLE_ROOT,
)
from interop.types import to_address
from interop.units import ether

pytestmark = pytest.mark.integration

L1, ARB = 900, 903

# Runtime code that records (caller, callvalue, first calldata word) in slots 0, 1, 2:
# CALLER PUSH1 0 SSTORE CALLVALUE PUSH1 1 SSTORE PUSH1 0 CALLDATALOAD PUSH1 2 SSTORE STOP
RECORDER_CODE = "0x33600055346001556000356002" + "5500"
REVERT_CODE = "0x60006000fd"  # PUSH1 0 PUSH1 0 REVERT


def _key(name: str) -> str:
    return "0x" + keccak(f"interop arbitrum adapter test: {name}".encode()).hex()


def _fresh() -> str:
    return to_address(os.urandom(20))


class Env:
    def __init__(self, devnet: Devnet) -> None:
        self.devnet = devnet
        self.arb: Any = devnet.component("arbitrum")
        self.l1 = ChainClient(devnet.chain(L1), devnet.transport(L1), owns_transport=False)
        # the child chain is reached through its RPC shim (chain.rpc_urls[0]), as a user would
        self.l2 = ChainClient(devnet.chain(ARB))
        self.raw_l2 = devnet.transport(ARB)
        self.adapter = adapter_factory()
        self.contracts = ArbContracts.of(devnet.chain(ARB), L1)

    async def user(self, name: str, l1_eth: int = ether("10"), l2_eth: int = 0) -> SafeSigner:
        s = account_from_key(_key(name))
        await self.l1.request("anvil_setBalance", [s.address, hex(l1_eth)])
        if l2_eth:
            await self.raw_l2.request("anvil_setBalance", [s.address, hex(l2_eth)])
        return s

    def ctx(self, src: int, dst: int, signer: SafeSigner | None) -> AdapterContext:
        c = {L1: self.l1, ARB: self.l2}
        return AdapterContext(c[src], c[dst], signer)

    async def recorder_l2(self) -> str:
        addr = _fresh()
        await self.raw_l2.request("anvil_setCode", [addr, RECORDER_CODE])
        return addr


@pytest.fixture(scope="module")
async def env(devnet: Devnet) -> AsyncIterator[Env]:
    e = Env(devnet)
    yield e
    await e.l2.aclose()


async def _slot(client: ChainClient, addr: str, i: int) -> int:
    return int.from_bytes(await client.get_storage_at(addr, i), "big")


# ------------------------------------------------------------------ deposits


async def test_deposit_eth_exact(env: Env) -> None:
    signer = await env.user("depositor")
    value = ether("0.0123") + 7
    ctx = env.ctx(L1, ARB, signer)
    l1_before = await env.l1.get_balance(signer.address)
    l2_before = await env.l2.get_balance(signer.address)
    ref = await env.adapter.initiate(
        ctx, BridgeRequest(FlowKind.ETH, value, to_address(signer.address))
    )
    assert ref.direction is Direction.L1_TO_L2 and ref.version == 2
    assert int(ref.data["message_kind"]) == F.L1_MESSAGE_TYPE_ETH_DEPOSIT
    assert ref.data["recipient"] == signer.address and int(ref.data["value"]) == value
    l1_rcpt = await env.l1.get_receipt(ref.tx_hash)
    assert l1_rcpt is not None
    assert await env.l1.get_balance(signer.address) == l1_before - value - l1_rcpt.fee
    await env.arb.sync()
    st = await env.adapter.wait(ctx, ref, timeout=30)
    assert st.status is Status.FINALIZED and st.native == "DEPOSITED" and st.actor is None
    # the L2 knows the deposit by the hash we computed from the L1 receipt alone
    l2_rcpt = await env.l2.get_receipt(str(ref.data["child_tx_hash"]))
    assert l2_rcpt is not None and l2_rcpt.succeeded
    assert await env.l2.get_balance(signer.address) == l2_before + value
    again = await env.adapter.flow_from_tx(ctx, ref.tx_hash)
    assert again.data == ref.data
    with pytest.raises(AlreadyDoneError):
        await env.adapter.execute_next(ctx, ref)


async def test_deposit_from_contract_sender_is_refused(env: Env) -> None:
    """A contract sender's `depositEth` credits its alias: refused with a stable code before
    anything is signed; the caller who waives exactly that code gets the deposit, at the alias."""
    signer = await env.user("contract-sender")
    # give the account code (as an EIP-7702 delegation would): the Inbox would alias it
    await env.l1.request("anvil_setCode", [signer.address, "0x00"])
    ctx = env.ctx(L1, ARB, signer)
    value = ether("0.01") + 3
    try:
        nonce = await env.l1.get_nonce(signer.address)
        req = BridgeRequest(FlowKind.ETH, value, to_address(signer.address))
        found = await env.adapter.refusals(ctx, req)
        assert [r.code for r in found] == ["aliased-recipient"]
        assert await env.l1.get_nonce(signer.address) == nonce
        waived = replace(req, waive=frozenset({"aliased-recipient"}))
        assert await env.adapter.refusals(ctx, waived) == ()
        # the legacy flag (what force=True sets) waives it too
        assert await env.adapter.refusals(ctx, replace(req, allow_aliased_recipient=True)) == ()
        alias = apply_l1_to_l2_alias(signer.address)
        before = await env.l2.get_balance(alias)
        ref = await env.adapter.initiate(ctx, waived)
        assert ref.data["recipient"] == alias and int(ref.data["value"]) == value
        await env.arb.sync()
        assert (await env.adapter.wait(ctx, ref, timeout=30)).status is Status.FINALIZED
        assert await env.l2.get_balance(alias) == before + value
    finally:
        await env.l1.request("anvil_setCode", [signer.address, "0x"])


async def test_retryable_refunds_to_a_contract_are_refused(env: Env) -> None:
    """A retryable whose refund address has code on L1: its refunds (and its call value on
    expiry) would go to the alias. Refused with `aliased-refund`, per refund address."""
    signer = await env.user("refund-contract")
    refund = _fresh()
    await env.l1.request("anvil_setCode", [refund, "0x00"])
    ctx = env.ctx(L1, ARB, signer)
    target = _fresh()
    req = BridgeRequest(
        FlowKind.MESSAGE,
        0,
        to_address(target),
        data=b"\x01",
        options={"call_value_refund_address": refund},
    )
    found = await env.adapter.refusals(ctx, req)
    assert [r.code for r in found] == ["aliased-refund"] and refund in found[0].message
    assert await env.adapter.refusals(ctx, replace(req, waive=frozenset({"aliased-refund"}))) == ()
    # legacy journals carry options["force"]: it waives every code
    forced = replace(req, options={**req.options, "force": True})
    assert await env.adapter.refusals(ctx, forced) == ()
    # an EOA sender with its own refunds passes
    assert await env.adapter.refusals(ctx, replace(req, options={})) == ()


async def test_contract_recipient_missing_on_target_is_refused(env: Env) -> None:
    signer = await env.user("contract-recipient", l2_eth=ether("1"))
    onlyl1 = _fresh()
    await env.l1.request("anvil_setCode", [onlyl1, "0x00"])
    # both directions: a contract on the source that does not exist on the target
    up = BridgeRequest(FlowKind.ETH, 1, to_address(onlyl1))
    assert [r.code for r in await env.adapter.refusals(env.ctx(L1, ARB, signer), up)] == [
        "contract-recipient"
    ]
    onlyl2 = await env.recorder_l2()
    down = BridgeRequest(FlowKind.ETH, 1, to_address(onlyl2))
    assert [r.code for r in await env.adapter.refusals(env.ctx(ARB, L1, signer), down)] == [
        "contract-recipient"
    ]
    # a message to a contract is the point of a message: no refusal
    msg = BridgeRequest(FlowKind.MESSAGE, 0, to_address(onlyl2), data=b"\x01")
    assert await env.adapter.refusals(env.ctx(ARB, L1, signer), msg) == ()


async def test_plan_names_actors_and_reads_the_confirm_period(env: Env) -> None:
    ctx_up, ctx_down = env.ctx(L1, ARB, None), env.ctx(ARB, L1, None)
    up = await env.adapter.plan(ctx_up, Direction.L1_TO_L2, FlowKind.ETH)
    assert [(s.action, s.actor) for s in up] == [
        ("initiate", Actor.CALLER),
        ("arrive", Actor.RELAYER),
    ]
    assert up[1].wait_seconds is not None and up[1].wait_seconds >= 1
    down = await env.adapter.plan(ctx_down, Direction.L2_TO_L1, FlowKind.ETH)
    assert [(s.action, s.actor) for s in down] == [
        ("initiate", Actor.CALLER),
        ("confirm", Actor.NOBODY),
        ("execute", Actor.CALLER),
    ]
    # read from the rollup on chain: confirmPeriodBlocks x the L1 block time (at least)
    blocks = int(env.arb.confirm_period_blocks)
    assert down[1].wait_seconds is not None
    block_s = max(1, env.l1.chain.block_time_ms // 1000)
    assert down[1].wait_seconds >= blocks * env.l1.chain.block_time_ms // 1000
    assert abs(down[1].wait_seconds - int(env.arb.confirm_period_seconds)) <= block_s
    assert env.adapter.option_names >= {"max_submission_cost", "sender"}


# ------------------------------------------------------------------ retryables


async def test_retryable_auto_redeem_succeeds(env: Env) -> None:
    signer = await env.user("retryable-ok")
    target = await env.recorder_l2()
    word = os.urandom(32)
    call_value = 12345
    ctx = env.ctx(L1, ARB, signer)
    ref = await env.adapter.initiate(
        ctx, BridgeRequest(FlowKind.MESSAGE, call_value, to_address(target), data=word)
    )
    await env.arb.sync()
    st = await env.adapter.wait(ctx, ref, timeout=30)
    assert st.status is Status.FINALIZED and st.native == "REDEEMED", st
    # executed on L2 as a call from the aliased L1 sender, with the call value and data
    assert await _slot(env.l2, target, 0) == int(apply_l1_to_l2_alias(signer.address), 16)
    assert await _slot(env.l2, target, 1) == call_value
    assert await _slot(env.l2, target, 2) == int.from_bytes(word, "big")
    assert await env.l2.get_balance(target) == call_value


async def test_retryable_failed_auto_redeem_then_manual_redeem(env: Env) -> None:
    signer = await env.user("retryable-manual", l2_eth=ether("1"))
    target = await env.recorder_l2()
    word = os.urandom(32)
    ctx = env.ctx(L1, ARB, signer)
    # 3 cold SSTOREs need ~66k gas: 25k is enough to pass intrinsic checks but not to run
    ref = await env.adapter.initiate(
        ctx, BridgeRequest(FlowKind.MESSAGE, 0, to_address(target), data=word, gas_limit=25_000)
    )
    await env.arb.sync()
    st = await env.adapter.wait(ctx, ref, timeout=30)
    assert st.status is Status.NEEDS_MANUAL_ACTION, st
    assert st.native == "FUNDS_DEPOSITED_ON_CHILD" and st.next_step == "redeem"
    assert st.actor is Actor.CALLER
    assert "redeem" in st.details["action"] and "before it expires at" in st.details["action"]
    assert len(st.details["failed_redeems"]) == 1
    assert await _slot(env.l2, target, 2) == 0
    ref = FlowRef.from_json(ref.to_json())
    redeem_hash = await env.adapter.execute_next(ctx, ref)
    assert redeem_hash is not None
    await env.arb.sync()
    st = await env.adapter.wait(ctx, ref, timeout=30)
    assert st.status is Status.FINALIZED and st.native == "REDEEMED", st
    assert await _slot(env.l2, target, 2) == int.from_bytes(word, "big")
    with pytest.raises(AlreadyDoneError):
        await env.adapter.execute_next(ctx, ref)


async def test_retryable_with_too_little_submission_cost_is_refused(env: Env) -> None:
    signer = await env.user("retryable-cheap")
    ctx = env.ctx(L1, ARB, signer)
    nonce = await env.l1.get_nonce(signer.address)
    req = BridgeRequest(
        FlowKind.MESSAGE,
        0,
        to_address(_fresh()),
        data=b"\x01" * 100,
        options={"max_submission_cost": 1},
    )
    with pytest.raises(RetryableUnderfundedError) as ei:
        await env.adapter.initiate(ctx, req)
    assert ei.value.required > 1 and ei.value.provided == 1
    # value below what the Inbox requires is refused too
    req2 = BridgeRequest(
        FlowKind.MESSAGE, 10**15, to_address(_fresh()), options={"deposit": 10**15}
    )
    with pytest.raises(RetryableUnderfundedError):
        await env.adapter.initiate(ctx, req2)
    assert await env.l1.get_nonce(signer.address) == nonce  # nothing was sent


# ------------------------------------------------------------------ withdrawals


async def test_withdraw_eth_full_cycle(env: Env) -> None:
    signer = await env.user("withdrawer")
    # fund L2 through a real deposit, so the L1 Bridge holds the ETH the withdrawal releases
    dctx = env.ctx(L1, ARB, signer)
    dref = await env.adapter.initiate(
        dctx, BridgeRequest(FlowKind.ETH, ether("0.2"), to_address(signer.address))
    )
    await env.arb.sync()
    assert (await env.adapter.wait(dctx, dref, timeout=30)).status is Status.FINALIZED
    dest, value = _fresh(), ether("0.0456") + 11
    ctx = env.ctx(ARB, L1, signer)
    ref = await env.adapter.initiate(ctx, BridgeRequest(FlowKind.ETH, value, to_address(dest)))
    assert ref.direction is Direction.L2_TO_L1
    ref = FlowRef.from_json(ref.to_json())
    st = await env.adapter.status(ctx, ref)
    assert st.status is Status.WAITING_TO_FINALIZE and st.native == "UNCONFIRMED"
    assert st.next_step == "execute" and st.actor is Actor.CALLER
    # the ref names the real recipient and amount, not ArbSys and the tx value
    looked_up = await env.adapter.flow_from_tx(ctx, ref.tx_hash)
    assert looked_up.data == ref.data
    assert ref.data["recipient"] == dest and int(ref.data["value"]) == value
    assert st.seconds_to_next is not None and st.seconds_to_next > 0
    with pytest.raises(NotReadyError):
        await env.adapter.execute_next(ctx, ref)
    await env.arb.sync()
    await env.devnet.fast_forward(int(env.arb.confirm_period_seconds) + 1)
    await env.arb.sync()
    st = await env.adapter.status(ctx, ref)
    assert st.status is Status.READY_TO_FINALIZE and st.native == "CONFIRMED", st
    assert st.actor is Actor.CALLER

    # our item hash and proof agree with the real Outbox's own pure functions
    send = await _send_of(env, ref)
    (item,) = await call_fn(
        env.l1,
        env.contracts.outbox,
        OUTBOX_CALCULATE_ITEM_HASH,
        send.caller,
        send.destination,
        send.arb_block_num,
        send.eth_block_num,
        send.timestamp,
        send.callvalue,
        send.data,
    )
    assert "0x" + bytes(item).hex() == send.hash
    p = await outbox_proof(env.l1, env.l2, env.contracts, send)
    (root,) = await call_fn(
        env.l1, env.contracts.outbox, OUTBOX_CALCULATE_MERKLE_ROOT, p.proof, send.position, item
    )
    assert bytes(root) == p.root

    assert await env.l1.get_balance(dest) == 0
    exec_hash = await env.adapter.execute_next(ctx, ref)
    assert exec_hash is not None
    assert await env.l1.get_balance(dest) == value
    st = await env.adapter.status(ctx, ref)
    assert st.status is Status.FINALIZED and st.native == "EXECUTED"
    with pytest.raises(AlreadyDoneError):
        await env.adapter.execute_next(ctx, ref)
    assert await env.l1.get_balance(dest) == value


async def test_l2_to_l1_message_executes_on_l1(env: Env) -> None:
    signer = await env.user("messenger", l2_eth=ether("1"))
    target = _fresh()
    await env.l1.request("anvil_setCode", [target, RECORDER_CODE])
    word = os.urandom(32)
    ctx = env.ctx(ARB, L1, signer)
    ref = await env.adapter.initiate(
        ctx, BridgeRequest(FlowKind.MESSAGE, 0, to_address(target), data=word)
    )
    again = await env.adapter.flow_from_tx(ctx, ref.tx_hash)
    assert again.data == ref.data
    await env.arb.sync()
    await env.devnet.fast_forward(int(env.arb.confirm_period_seconds) + 1)
    await env.arb.sync()
    await env.adapter.execute_next(ctx, ref)
    # the L1 call comes from the Bridge, which the real Outbox uses to execute sends
    assert await _slot(env.l1, target, 0) == int(env.contracts.bridge, 16)
    assert await _slot(env.l1, target, 2) == int.from_bytes(word, "big")


# ------------------------------------------------------------------ issue 10, ref versions


async def test_looked_up_retryable_reports_bridged_amount_and_recipient(env: Env) -> None:
    """ETH to another address goes through a retryable: the L1 tx calls the Inbox with the
    amount plus the ticket's fees. A look-up must report the recipient and the amount bridged
    (`l2CallValue`), not the Inbox and the tx value."""
    signer = await env.user("lookup-retryable")
    dest, value = _fresh(), ether("0.0321") + 5
    ctx = env.ctx(L1, ARB, signer)
    ref = await env.adapter.initiate(ctx, BridgeRequest(FlowKind.ETH, value, to_address(dest)))
    tx = await env.l1.get_transaction(ref.tx_hash)
    assert tx is not None and int(tx["value"], 16) > value
    assert to_address(tx["to"]) == env.contracts.inbox
    looked_up = await env.adapter.flow_from_tx(ctx, ref.tx_hash)
    assert looked_up.kind is FlowKind.ETH
    assert looked_up.data["recipient"] == dest and int(looked_up.data["value"]) == value
    assert looked_up.data == ref.data
    await env.arb.sync()
    st = await env.adapter.wait(ctx, ref, timeout=30)
    assert st.status is Status.FINALIZED and st.native == "REDEEMED", st
    assert await env.l2.get_balance(dest) == value


def _as_v1(ref: FlowRef) -> FlowRef:
    """The ref exactly as release 0.1.0 wrote it: no version field, no recipient / value."""
    d = json.loads(ref.to_json())
    del d["version"]
    d["data"].pop("recipient", None)
    d["data"].pop("value", None)
    return FlowRef.from_json(json.dumps(d))


async def test_version_1_refs_still_resume(env: Env) -> None:
    """A flow in flight across an upgrade: refs written by 0.1.0 (version 1) are read, acted on
    and upgraded by `decode_ref`."""
    signer = await env.user("v1-refs", l2_eth=ether("1"))
    target = await env.recorder_l2()
    word = os.urandom(32)
    ctx = env.ctx(L1, ARB, signer)
    ref = await env.adapter.initiate(
        ctx, BridgeRequest(FlowKind.MESSAGE, 0, to_address(target), data=word, gas_limit=25_000)
    )
    old = _as_v1(ref)
    assert old.version == 1 and "recipient" not in old.data
    await env.arb.sync()
    st = await env.adapter.wait(ctx, old, timeout=30)
    assert st.status is Status.NEEDS_MANUAL_ACTION and st.next_step == "redeem", st
    assert await env.adapter.execute_next(ctx, old) is not None
    await env.arb.sync()
    assert (await env.adapter.wait(ctx, old, timeout=30)).native == "REDEEMED"
    assert await _slot(env.l2, target, 2) == int.from_bytes(word, "big")
    up = env.adapter.decode_ref(old)
    assert up.version == 2 and up.data["child_tx_hash"] == ref.data["child_tx_hash"]
    assert env.adapter.decode_ref(up) is up

    wctx = env.ctx(ARB, L1, signer)
    dest = _fresh()
    wref = await env.adapter.initiate(wctx, BridgeRequest(FlowKind.ETH, 77, to_address(dest)))
    wold = _as_v1(wref)
    assert (await env.adapter.status(wctx, wold)).native == "UNCONFIRMED"
    wup = env.adapter.decode_ref(wold)
    assert wup.data == wref.data  # a withdrawal's recipient and value are in its send


async def test_expired_retryable_needs_a_person(env: Env) -> None:
    """A ticket whose auto-redeem failed and that nobody redeemed within its lifetime: status
    NEEDS_MANUAL_ACTION saying what was lost and what to do; `execute_next` raises
    `ManualActionRequired` (nothing the library could send would run the call now)."""
    signer = await env.user("expired", l2_eth=ether("1"))
    target = await env.recorder_l2()
    ctx = env.ctx(L1, ARB, signer)
    call_value = 4242
    ref = await env.adapter.initiate(
        ctx,
        BridgeRequest(
            FlowKind.MESSAGE, call_value, to_address(target), data=b"\x01" * 32, gas_limit=25_000
        ),
    )
    await env.arb.sync()
    st = await env.adapter.wait(ctx, ref, timeout=30)
    assert st.status is Status.NEEDS_MANUAL_ACTION and st.next_step == "redeem", st
    await env.devnet.fast_forward(int(env.arb.retryable_lifetime_seconds) + 60)
    await env.arb.sync()
    st = await env.adapter.status(ctx, ref)
    assert st.status is Status.NEEDS_MANUAL_ACTION and st.native == "EXPIRED", st
    assert st.next_step is None and st.actor is Actor.CALLER
    action = st.details["action"]
    assert "expired" in action and f"{call_value} wei" in action and signer.address in action
    with pytest.raises(ManualActionRequired) as ei:
        await env.adapter.execute_next(ctx, ref)
    assert ei.value.action == action
    assert await _slot(env.l2, target, 2) == 0


async def test_failed_manual_redeem_is_not_retried_blindly(env: Env) -> None:
    """After a redeem on purpose failed too, another automatic redeem would only burn gas:
    the status asks a person (next_step None, details['action']) and `execute_next` raises
    `ManualActionRequired` without sending."""
    signer = await env.user("manual-fails", l2_eth=ether("1"))
    target = await env.recorder_l2()
    ctx = env.ctx(L1, ARB, signer)
    ref = await env.adapter.initiate(
        ctx,
        BridgeRequest(
            FlowKind.MESSAGE, 0, to_address(target), data=os.urandom(32), gas_limit=25_000
        ),
    )
    await env.arb.sync()
    st = await env.adapter.wait(ctx, ref, timeout=30)
    assert st.next_step == "redeem", st
    child = str(ref.data["child_tx_hash"])
    # a redeem with only its own gas (a fixed 60k; the node's estimate now includes the retry, as
    # Nitro's does): the retry gets the ticket's 25k and fails again
    own = 60_000
    _, retry = await R.redeem(env.l2, signer, child, gas=own)
    await env.arb.sync()
    assert retry is not None
    retry_rcpt = await env.l2.get_receipt(retry)
    assert retry_rcpt is not None and not retry_rcpt.succeeded
    st = await env.adapter.status(ctx, ref)
    assert st.status is Status.NEEDS_MANUAL_ACTION and st.next_step is None, st
    assert st.actor is Actor.CALLER and "manual redeem" in st.details["action"]
    assert retry in st.details["action"]
    nonce = await env.l2.get_nonce(signer.address)
    with pytest.raises(ManualActionRequired):
        await env.adapter.execute_next(ctx, ref)
    assert await env.l2.get_nonce(signer.address) == nonce


async def test_redeem_of_a_reverting_call_is_refused_before_sending(env: Env) -> None:
    """The ticket's call reverts in the current state: the retry estimate says so, and
    `execute_next` raises `ManualActionRequired` instead of paying for a redeem that fails."""
    signer = await env.user("reverting-call", l2_eth=ether("1"))
    target = _fresh()
    await env.raw_l2.request("anvil_setCode", [target, REVERT_CODE])
    ctx = env.ctx(L1, ARB, signer)
    ref = await env.adapter.initiate(
        ctx,
        BridgeRequest(FlowKind.MESSAGE, 0, to_address(target), data=b"\x01", gas_limit=100_000),
    )
    await env.arb.sync()
    st = await env.adapter.wait(ctx, ref, timeout=30)
    assert st.status is Status.NEEDS_MANUAL_ACTION and st.next_step == "redeem", st
    nonce = await env.l2.get_nonce(signer.address)
    with pytest.raises(ManualActionRequired) as ei:
        await env.adapter.execute_next(ctx, ref)
    assert "reverts" in ei.value.message and "redeem" in ei.value.action
    assert await env.l2.get_nonce(signer.address) == nonce


async def _send_of(env: Env, ref: FlowRef) -> F.L2ToL1Tx:
    d = decode_data(ref.data, ref.version, ref.direction)
    assert isinstance(d, WithdrawalData)
    return d.send
