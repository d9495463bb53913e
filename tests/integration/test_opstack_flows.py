"""OP Stack flows end to end on the devnet: real contracts-bedrock contracts on anvil.

Accounts 0-3 of `DEV_ACCOUNTS` belong to this file. Recipients are fresh random addresses, so the
amounts they end with are exact to the wei whatever else runs on the devnet; senders' balances
are checked against the fees their receipts report.
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from interop.actions.tx import send_transaction, wait_for_receipt
from interop.adapters.base import (
    Actor,
    AdapterContext,
    BridgeRequest,
    Direction,
    FlowKind,
    FlowRef,
    Status,
)
from interop.adapters.opstack import adapter_factory
from interop.adapters.opstack.common import OpContracts
from interop.adapters.opstack.deposit import build_deposit, get_l2_deposit_hashes, wait_for_deposit
from interop.adapters.opstack.fees import estimate_l2_fee
from interop.adapters.opstack.withdraw import get_withdrawals
from interop.client import ChainClient
from interop.devnet.anvil import DEV_ACCOUNTS
from interop.devnet.core import Devnet
from interop.errors import (
    AlreadyDoneError,
    ManualActionRequired,
    MessageNotFoundError,
    NotReadyError,
    UnsafeRecipientError,
    UnsupportedOperationError,
)
from interop.signer import SafeSigner, account_from_key
from interop.spec.opstack.abis import PREDEPLOYS
from interop.types import to_address
from interop.units import ether

pytestmark = pytest.mark.integration

L1, OP_FP, OP_LEGACY = 900, 901, 902
DEPOSITOR, WD_FP, WD_LEGACY, MESSENGER_USER = 0, 1, 2, 3

# Runtime code that records (caller, callvalue, first calldata word) in slots 0, 1, 2:
# CALLER PUSH1 0 SSTORE CALLVALUE PUSH1 1 SSTORE PUSH1 0 CALLDATALOAD PUSH1 2 SSTORE STOP
RECORDER_CODE = "0x33600055346001556000356002" + "5500"

TIMINGS: dict[str, float] = {}


def _signer(i: int) -> SafeSigner:
    return account_from_key(DEV_ACCOUNTS[i][1])


def _fresh() -> str:
    return to_address(os.urandom(20))


class Env:
    def __init__(self, devnet: Devnet) -> None:
        self.devnet = devnet
        self.op: Any = devnet.component("opstack")
        self.c = {
            cid: ChainClient(devnet.chain(cid), devnet.transport(cid), owns_transport=False)
            for cid in (L1, OP_FP, OP_LEGACY)
        }
        self.adapter = adapter_factory()

    def ctx(self, src: int, dst: int, signer: SafeSigner | None) -> AdapterContext:
        return AdapterContext(self.c[src], self.c[dst], signer)


@pytest.fixture(scope="module")
async def env(devnet: Devnet) -> AsyncIterator[Env]:
    yield Env(devnet)


async def _recorder(client: ChainClient) -> str:
    addr = _fresh()
    await client.request("anvil_setCode", [addr, RECORDER_CODE])
    return addr


async def _back_portal(env: Env, l2_id: int, signer: SafeSigner, value: int) -> None:
    """Devnet L2 accounts start funded without any ETH locked on L1; lock `value` in the portal
    (a plain send is a deposit to oneself) so that withdrawals of it are backed."""
    portal = OpContracts.of(env.c[l2_id].chain).portal
    l1 = env.c[L1]
    await wait_for_receipt(l1, await send_transaction(l1, signer, to=portal, value=value))


async def _slot(client: ChainClient, addr: str, i: int) -> int:
    return int.from_bytes(await client.get_storage_at(addr, i), "big")


# ------------------------------------------------------------------ deposits


@pytest.mark.parametrize(("l2_id", "path"), [(OP_FP, "portal"), (OP_LEGACY, "bridge")])
async def test_deposit_exact_on_l2(env: Env, l2_id: int, path: str) -> None:
    signer, rcp, value = _signer(DEPOSITOR), _fresh(), ether("0.0123") + 7
    ctx = env.ctx(L1, l2_id, signer)
    t0 = time.perf_counter()
    ref = await env.adapter.initiate(
        ctx,
        BridgeRequest(FlowKind.ETH, value, to_address(rcp), options={"path": path}),
    )
    assert ref.direction is Direction.L1_TO_L2
    await env.op.sync()
    l2 = env.c[l2_id]
    rcpt = await wait_for_deposit(l2, ref.data["l2_hashes"][0], timeout=30)
    TIMINGS[f"deposit-{path}"] = time.perf_counter() - t0
    assert rcpt.succeeded
    assert await l2.get_balance(rcp) == value
    st = await env.adapter.status(ctx, ref)
    assert st.status is Status.FINALIZED and st.native == "relayed"
    # The L2 hash was computed from the L1 receipt alone; it is the hash L2 knows the tx by.
    again = await env.adapter.flow_from_tx(ctx, ref.tx_hash)
    assert again.data["l2_hashes"] == ref.data["l2_hashes"] and again.kind is FlowKind.ETH
    # the real recipient and amount, not the portal / bridge the transaction called
    assert again.data["recipient"] == to_address(rcp) and int(again.data["value"]) == value
    assert again.data == ref.data and again.version == ref.version
    with pytest.raises(AlreadyDoneError):
        await env.adapter.execute_next(ctx, ref)


# ------------------------------------------------------------------ withdrawals


async def _withdraw_flow(env: Env, l2_id: int, account: int, path: str) -> None:
    signer, rcp, value = _signer(account), _fresh(), ether("0.0456") + 11
    ctx = env.ctx(l2_id, L1, signer)
    l1 = env.c[L1]
    await _back_portal(env, l2_id, signer, value)
    t0 = time.perf_counter()
    ref = await env.adapter.initiate(
        ctx, BridgeRequest(FlowKind.ETH, value, to_address(rcp), options={"path": path})
    )
    TIMINGS[f"{l2_id}-initiate"] = time.perf_counter() - t0
    assert ref.direction is Direction.L2_TO_L1
    first = await env.adapter.status(ctx, ref)
    assert first.status in (Status.WAITING_TO_PROVE, Status.READY_TO_PROVE)
    assert first.actor is (
        Actor.RELAYER if first.status is Status.WAITING_TO_PROVE else Actor.CALLER
    )
    # the real recipient and amount, not the message passer / bridge the transaction called
    again = await env.adapter.flow_from_tx(ctx, ref.tx_hash)
    assert again.data["recipient"] == to_address(rcp) and int(again.data["value"]) == value
    assert again.data == ref.data
    # JSON round trip: a resumed process sees the same flow.
    ref = FlowRef.from_json(ref.to_json())

    t0 = time.perf_counter()
    await env.op.sync()
    st = await env.adapter.status(ctx, ref)
    if st.status is Status.WAITING_TO_PROVE:
        # A fault-proof game is only usable once L1 time has moved past its creation.
        assert st.seconds_to_next is not None and st.seconds_to_next <= 1
        await env.devnet.fast_forward(1)
        st = await env.adapter.status(ctx, ref)
    assert st.status is Status.READY_TO_PROVE and st.next_step == "prove"
    with pytest.raises(NotReadyError):  # finalize before proving
        from interop.adapters.opstack.withdraw import finalize_withdrawal

        w = get_withdrawals(await env.c[l2_id].get_receipt(ref.tx_hash))[0]  # type: ignore[arg-type]
        await finalize_withdrawal(l1, env.c[l2_id], signer, w, int(ref.data["l2_block"]))
    before_prove = await l1.get_balance(signer.address)
    prove_hash = await env.adapter.execute_next(ctx, ref)
    assert prove_hash is not None
    prove_rcpt = await wait_for_receipt(l1, prove_hash)
    assert await l1.get_balance(signer.address, prove_rcpt.block_number) == (
        before_prove - prove_rcpt.fee
    )
    TIMINGS[f"{l2_id}-prove"] = time.perf_counter() - t0

    st = await env.adapter.status(ctx, ref)
    assert st.status is Status.WAITING_TO_FINALIZE and st.actor is Actor.NOBODY
    assert st.seconds_to_next is not None and st.seconds_to_next > 0
    with pytest.raises(NotReadyError):
        await env.adapter.execute_next(ctx, ref)
    from interop.adapters.opstack.withdraw import prove_withdrawal

    w = get_withdrawals(await env.c[l2_id].get_receipt(ref.tx_hash))[0]  # type: ignore[arg-type]
    with pytest.raises(AlreadyDoneError):
        await prove_withdrawal(l1, env.c[l2_id], signer, w, int(ref.data["l2_block"]))

    t0 = time.perf_counter()
    if OpContracts.of(env.c[l2_id].chain).generation == "portal2":
        await env.devnet.fast_forward(env.op.max_clock_duration + 1)
        await env.op.resolve_games()
        await env.devnet.fast_forward(
            max(env.op.proof_maturity_delay, env.op.dispute_game_finality_delay) + 1
        )
    else:
        await env.devnet.fast_forward(env.op.finalization_period + 1)
    st = await env.adapter.status(ctx, ref)
    assert st.status is Status.READY_TO_FINALIZE and st.next_step == "finalize"
    assert st.actor is Actor.CALLER
    fin = await env.adapter.execute_next(ctx, ref)
    assert fin is not None
    await wait_for_receipt(l1, fin)
    TIMINGS[f"{l2_id}-finalize"] = time.perf_counter() - t0
    assert await l1.get_balance(rcp) == value
    st = await env.adapter.status(ctx, ref)
    assert st.status is Status.FINALIZED and st.actor is None
    with pytest.raises(AlreadyDoneError):
        await env.adapter.execute_next(ctx, ref)


async def test_withdrawal_fault_proofs_901(env: Env) -> None:
    await _withdraw_flow(env, OP_FP, WD_FP, "passer")


async def test_withdrawal_legacy_oracle_902_via_bridge(env: Env) -> None:
    await _withdraw_flow(env, OP_LEGACY, WD_LEGACY, "bridge")


# ------------------------------------------------------------------ messages


async def test_message_l1_to_l2(env: Env) -> None:
    signer = _signer(MESSENGER_USER)
    target = await _recorder(env.c[OP_FP])
    word = os.urandom(32)
    ctx = env.ctx(L1, OP_FP, signer)
    ref = await env.adapter.initiate(
        ctx, BridgeRequest(FlowKind.MESSAGE, 12345, to_address(target), data=word)
    )
    assert "message_hash" in ref.data
    await env.op.sync()
    await wait_for_deposit(env.c[OP_FP], ref.data["l2_hashes"][0], timeout=30)
    st = await env.adapter.status(ctx, ref)
    assert st.status is Status.FINALIZED, st
    l2 = env.c[OP_FP]
    assert await _slot(l2, target, 0) == int(PREDEPLOYS["L2CrossDomainMessenger"], 16)
    assert await _slot(l2, target, 1) == 12345
    assert await _slot(l2, target, 2) == int.from_bytes(word, "big")
    again = await env.adapter.flow_from_tx(ctx, ref.tx_hash)
    assert again.kind is FlowKind.MESSAGE
    assert again.data["recipient"] == to_address(target) and again.data["value"] == "12345"
    assert again.data == ref.data


async def test_failed_l1_to_l2_message_says_what_to_do(env: Env) -> None:
    """A message whose target reverts on L2 needs a person: the status says who (the caller)
    and what (replay this calldata on the L2 messenger), and doing exactly that finishes it."""
    signer = _signer(MESSENGER_USER)
    l2 = env.c[OP_FP]
    target = _fresh()
    await l2.request("anvil_setCode", [target, "0x60006000fd"])  # always REVERT
    ctx = env.ctx(L1, OP_FP, signer)
    word = os.urandom(32)
    ref = await env.adapter.initiate(
        ctx, BridgeRequest(FlowKind.MESSAGE, 321, to_address(target), data=word)
    )
    await env.op.sync()
    await wait_for_deposit(l2, ref.data["l2_hashes"][0], timeout=30)
    st = await env.adapter.status(ctx, ref)
    assert (st.status, st.native, st.actor) == (
        Status.NEEDS_MANUAL_ACTION,
        "failed-relay",
        Actor.CALLER,
    )
    assert "replay" in st.details["action"]
    assert st.details["to"] == PREDEPLOYS["L2CrossDomainMessenger"]
    assert st.details["gas"] > 200_000 and st.details["calldata"].startswith("0x")
    # one replay (what complete() tries once): the target still reverts, so a person must act
    with pytest.raises(ManualActionRequired) as info:
        await env.adapter.execute_next(ctx, ref)
    assert info.value.tx_hash is not None and "replay" in info.value.action
    assert (await env.adapter.status(ctx, ref)).status is Status.NEEDS_MANUAL_ACTION
    # fix the target, then replay: the message is delivered
    await l2.request("anvil_setCode", [target, RECORDER_CODE])
    h = await env.adapter.execute_next(ctx, ref)
    assert h is not None and (await wait_for_receipt(l2, h)).succeeded
    st = await env.adapter.status(ctx, ref)
    assert st.status is Status.FINALIZED and st.actor is None
    assert await _slot(l2, target, 1) == 321
    assert await _slot(l2, target, 2) == int.from_bytes(word, "big")


async def test_message_l2_to_l1_legacy(env: Env) -> None:
    signer = _signer(MESSENGER_USER)
    l1 = env.c[L1]
    target = await _recorder(l1)
    word = os.urandom(32)
    ctx = env.ctx(OP_LEGACY, L1, signer)
    await _back_portal(env, OP_LEGACY, signer, 777)
    ref = await env.adapter.initiate(
        ctx, BridgeRequest(FlowKind.MESSAGE, 777, to_address(target), data=word)
    )
    await env.op.sync()
    await wait_for_receipt(l1, str(await env.adapter.execute_next(ctx, ref)))
    await env.devnet.fast_forward(env.op.finalization_period + 1)
    await wait_for_receipt(l1, str(await env.adapter.execute_next(ctx, ref)))
    st = await env.adapter.status(ctx, ref)
    assert st.status is Status.FINALIZED, st
    messenger = OpContracts.of(env.c[OP_LEGACY].chain).l1_messenger
    assert ref.data["recipient"] == to_address(target) and ref.data["value"] == "777"
    assert await _slot(l1, target, 0) == int(messenger, 16)
    assert await _slot(l1, target, 1) == 777
    assert await _slot(l1, target, 2) == int.from_bytes(word, "big")


# ------------------------------------------------------------------ the seam


async def test_plan_reads_waits_from_chain(env: Env) -> None:
    ad = env.adapter
    dep = await ad.plan(env.ctx(L1, OP_FP, None), Direction.L1_TO_L2, FlowKind.ETH)
    assert [(s.action, s.actor) for s in dep] == [
        ("initiate", Actor.CALLER),
        ("arrive", Actor.RELAYER),
    ]
    fp = await ad.plan(env.ctx(OP_FP, L1, None), Direction.L2_TO_L1, FlowKind.ETH)
    assert [(s.action, s.actor) for s in fp] == [
        ("initiate", Actor.CALLER),
        ("prove", Actor.CALLER),
        ("finalize", Actor.CALLER),
    ]
    op = env.op
    assert fp[1].wait_seconds is None or fp[1].wait_seconds >= 0  # the games' recent cadence
    assert fp[2].wait_seconds == max(
        op.proof_maturity_delay, op.max_clock_duration + op.dispute_game_finality_delay
    )
    legacy = await ad.plan(env.ctx(OP_LEGACY, L1, None), Direction.L2_TO_L1, FlowKind.MESSAGE)
    assert legacy[1].wait_seconds is not None and legacy[1].wait_seconds > 0
    assert legacy[2].wait_seconds == op.finalization_period


async def test_refusals_aliased_recipient(env: Env) -> None:
    contract = to_address(await _recorder(env.c[L1]))
    ctx = env.ctx(L1, OP_FP, None)
    self_deposit = BridgeRequest(FlowKind.ETH, 1, contract, options={"sender": contract})
    assert [r.code for r in await env.adapter.refusals(ctx, self_deposit)] == ["aliased-recipient"]
    waived = BridgeRequest(
        FlowKind.ETH,
        1,
        contract,
        options={"sender": contract},
        waive=frozenset({"aliased-recipient"}),
    )
    assert await env.adapter.refusals(ctx, waived) == ()
    other = BridgeRequest(FlowKind.ETH, 1, to_address(_fresh()), options={"sender": contract})
    assert await env.adapter.refusals(ctx, other) == ()
    eoa = to_address(_signer(DEPOSITOR).address)
    mine = BridgeRequest(FlowKind.ETH, 1, eoa, options={"sender": eoa})
    assert await env.adapter.refusals(ctx, mine) == ()
    # a message names its target (no aliasing of the recipient); withdrawals have no OP
    # refusal of their own
    msg = BridgeRequest(FlowKind.MESSAGE, 0, contract, data=b"\x01", options={"sender": contract})
    assert await env.adapter.refusals(ctx, msg) == ()
    back = BridgeRequest(FlowKind.ETH, 1, contract, options={"sender": contract})
    assert await env.adapter.refusals(env.ctx(OP_FP, L1, None), back) == ()
    assert env.adapter.option_names == {"path", "sender"}


async def test_version_1_refs_still_resume(env: Env) -> None:
    """A ref written by the release before the versioned codec (no version, no recipient)
    decodes, upgrades and answers status as it did."""
    signer, rcp = _signer(WD_FP), to_address(_fresh())
    ctx = env.ctx(OP_LEGACY, L1, signer)
    ref = await env.adapter.initiate(
        ctx, BridgeRequest(FlowKind.ETH, 5, rcp, options={"path": "bridge"})
    )
    assert ref.version == env.adapter.ref_version == 2
    old = {k: v for k, v in ref.data.items() if k not in ("recipient", "value")}
    text = FlowRef(
        ref.adapter, ref.direction, ref.kind, ref.source_chain, ref.target_chain, ref.tx_hash, old
    ).to_json()
    v1 = FlowRef.from_json(text.replace(', "version": 1', ""))
    assert v1.version == 1
    up = env.adapter.decode_ref(v1)
    assert up.version == 2 and up.data == ref.data  # recipient from the withdrawal itself
    # the proposer runs in the background: v1's status must be ref's just before or just after
    before = (await env.adapter.status(ctx, ref)).status
    mid = (await env.adapter.status(ctx, v1)).status
    after = (await env.adapter.status(ctx, ref)).status
    assert mid in (before, after), (before, mid, after)
    from interop.errors import InputError

    with pytest.raises(InputError):
        env.adapter.decode_ref(
            FlowRef.from_json(ref.to_json().replace('"version": 2', '"version": 9'))
        )
    with pytest.raises(InputError):
        env.adapter.decode_ref(
            FlowRef(ref.adapter, ref.direction, ref.kind, 1, 2, ref.tx_hash, {"l2_block": 1})
        )


# ------------------------------------------------------------------ fees and errors


async def test_l2_fee_estimate_includes_l1_fee(env: Env) -> None:
    fee = await estimate_l2_fee(
        env.c[OP_FP], sender=DEV_ACCOUNTS[DEPOSITOR][0], to=_fresh(), value=1, data=b"\x01" * 100
    )
    assert fee.gas >= 21_000 + 100 * 16
    assert fee.l1_fee_source in ("getL1Fee", "getL1FeeUpperBound", "unavailable")
    if fee.l1_fee_source != "unavailable":
        assert fee.l1_fee >= 0
    est = await env.adapter.estimate(
        env.ctx(L1, OP_FP, _signer(DEPOSITOR)),
        BridgeRequest(FlowKind.ETH, ether("0.001"), to_address(_fresh())),
    )
    assert est.initiate_gas > 21_000


async def test_errors(env: Env) -> None:
    signer = _signer(DEPOSITOR)
    # A plain L2 transfer has no withdrawal in it.
    h = await send_transaction(env.c[OP_FP], signer, to=_fresh(), value=1)
    rcpt = await wait_for_receipt(env.c[OP_FP], h)
    with pytest.raises(MessageNotFoundError):
        get_withdrawals(rcpt)
    with pytest.raises(MessageNotFoundError):
        get_l2_deposit_hashes(rcpt)
    with pytest.raises(MessageNotFoundError):
        await env.adapter.flow_from_tx(env.ctx(OP_FP, L1, signer), h)
    # Wrong pair: two L2s, or L2 -> L2.
    assert not env.adapter.supports(env.c[OP_FP].chain, env.c[OP_LEGACY].chain)
    with pytest.raises(UnsupportedOperationError):
        await env.adapter.initiate(
            env.ctx(OP_FP, OP_LEGACY, signer),
            BridgeRequest(FlowKind.ETH, 1, to_address(_fresh())),
        )
    # A contract sender without explicit recipient would fund its aliased L2 address.
    contract = await _recorder(env.c[L1])
    with pytest.raises(UnsafeRecipientError):
        await build_deposit(env.c[L1], env.c[OP_FP], sender=contract, value=1)
    ok = await build_deposit(
        env.c[L1], env.c[OP_FP], sender=contract, value=1, allow_aliased_recipient=True
    )
    assert ok.recipient == to_address(contract)
    explicit = _fresh()
    ok2 = await build_deposit(env.c[L1], env.c[OP_FP], sender=contract, value=1, to=explicit)
    assert ok2.recipient == to_address(explicit)


def test_zz_print_timings() -> None:
    for k, v in TIMINGS.items():
        print(f"TIMING {k}: {v:.2f}s")
