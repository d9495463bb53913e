"""`ArbitrumAdapter`: the `BridgeAdapter` protocol over the plain functions of this package.

Routes: parent (L1) -> Arbitrum chain (ETH deposit or retryable message) and back (ETH
withdrawal or `sendTxToL1` message). Status mapping onto the uniform enum, native state kept,
and who acts next (`FlowStatus.actor`):

| flow | native | uniform | next step | actor |
| --- | --- | --- | --- | --- |
| ETH deposit | PENDING / DEPOSITED | PENDING / FINALIZED | - | relayer / - |
| retryable | NOT_YET_CREATED | PENDING | - | relayer |
| retryable | CREATION_FAILED | FAILED | - | - |
| retryable | FUNDS_DEPOSITED_ON_CHILD, auto-redeem scheduled | PENDING | - | relayer |
| retryable | FUNDS_DEPOSITED_ON_CHILD, auto-redeem failed | NEEDS_MANUAL_ACTION | redeem | caller |
| retryable | FUNDS_DEPOSITED_ON_CHILD, a manual redeem failed too | NEEDS_MANUAL_ACTION | - | caller (a person) |
| retryable | EXPIRED | NEEDS_MANUAL_ACTION | - | caller (a person) |
| retryable | REDEEMED | FINALIZED | - | - |
| withdrawal | UNCONFIRMED | WAITING_TO_FINALIZE | execute | caller (after the wait) |
| withdrawal | CONFIRMED | READY_TO_FINALIZE | execute | caller |
| withdrawal | EXECUTED | FINALIZED | - | - |

A NEEDS_MANUAL_ACTION status says what to do in `details["action"]`; `execute_next` performs a
redeem itself when `next_step` is "redeem", and raises `ManualActionRequired` (sending nothing)
for an expired ticket, a ticket whose manual redeem failed too, or one whose call reverts in
the current state: a blind retry would only burn gas. Refusals and their codes: `checks`. Ref data codec: `refdata`.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

from eth_abi.exceptions import DecodingError

from interop.adapters.arbitrum import checks
from interop.adapters.arbitrum import retryable as R
from interop.adapters.arbitrum import withdraw as W
from interop.adapters.arbitrum.common import ArbContracts, call_fn
from interop.adapters.arbitrum.deposit import (
    ParentToChildMessage,
    build_deposit_eth,
    deposit_eth,
    estimate_deposit_eth_gas,
    messages_from_receipt,
)
from interop.adapters.arbitrum.refdata import (
    REF_VERSION,
    DepositData,
    WithdrawalData,
    decode_data,
    encode_data,
    upgrade_ref,
)
from interop.adapters.base import (
    Actor,
    AdapterContext,
    BridgeRequest,
    Direction,
    FeeEstimate,
    FlowKind,
    FlowRef,
    FlowStatus,
    PlannedStep,
    Refusal,
    Status,
    check_ref,
    estimate_sender,
)
from interop.chains.model import Chain, Stack
from interop.client import ChainClient
from interop.errors import (
    AlreadyDoneError,
    ExecutionRevertedError,
    FlowTimeoutError,
    ManualActionRequired,
    MessageNotFoundError,
    NotReadyError,
    RpcError,
    UnsupportedOperationError,
)
from interop.signer import require_signer
from interop.spec.arbitrum import formulas as F
from interop.spec.arbitrum.abis import ROLLUP_CONFIRM_PERIOD_BLOCKS
from interop.types import Hash32

__all__ = ["OPTION_NAMES", "ArbitrumAdapter", "confirm_period_seconds"]

OPTION_NAMES = frozenset(
    {
        "sender",
        "max_submission_cost",
        "max_fee_per_gas",
        "deposit",
        "excess_fee_refund_address",
        "call_value_refund_address",
        "force",
    }
)
"""`BridgeRequest.options` keys this adapter reads (see `ArbitrumAdapter`)."""


def _utc(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


async def confirm_period_seconds(l1: ChainClient, contracts: ArbContracts) -> int | None:
    """Seconds an assertion waits before it can be confirmed: the rollup's
    `confirmPeriodBlocks()` (BoLD and pre-BoLD rollups both answer it) times the parent's block
    time. None when the chain data names no rollup. Transport faults propagate."""
    rollup = contracts.rollup
    if rollup is None:
        return None
    (blocks,) = await call_fn(l1, rollup, ROLLUP_CONFIRM_PERIOD_BLOCKS)
    return int(blocks) * l1.chain.block_time_ms // 1000


class ArbitrumAdapter:
    """Parent <-> Arbitrum chain through the canonical Inbox / ArbSys / Outbox.

    Request options (`BridgeRequest.options`, `option_names`), all optional, for parent -> child
    messages: `max_submission_cost`, `max_fee_per_gas`, `deposit` (msg.value),
    `excess_fee_refund_address`, `call_value_refund_address`; `gas_limit` is
    `BridgeRequest.gas_limit`. For `estimate` only: `sender`, the address that would send, when
    there is no signer (read-only callers). `force` (journaled by releases up to 0.1.0) waives
    every refusal.
    """

    name = "arbitrum"
    option_names = OPTION_NAMES
    ref_version = REF_VERSION

    def supports(self, source: Chain, target: Chain) -> bool:
        if target.stack == Stack.ARBITRUM and target.parent_id == source.id:
            return True
        return source.stack == Stack.ARBITRUM and source.parent_id == target.id

    # ------------------------------------------------------------------ routing helpers
    def _route(
        self, ctx: AdapterContext
    ) -> tuple[Direction, ChainClient, ChainClient, ArbContracts]:
        s, t = ctx.source.chain, ctx.target.chain
        if t.stack == Stack.ARBITRUM and t.parent_id == s.id:
            return Direction.L1_TO_L2, ctx.source, ctx.target, ArbContracts.of(t, s.id)
        if s.stack == Stack.ARBITRUM and s.parent_id == t.id:
            return Direction.L2_TO_L1, ctx.target, ctx.source, ArbContracts.of(s, t.id)
        raise UnsupportedOperationError(
            f"no Arbitrum route {s.name} -> {t.name}", hint="pick the adapter of their stack"
        )

    async def _resolved(
        self, ctx: AdapterContext
    ) -> tuple[Direction, ChainClient, ChainClient, ArbContracts]:
        """`_route` with the contracts checked against the chain (`ArbContracts.resolve`:
        bridge -> rollup -> outbox read once per L1 client; a contradicted static address is
        a warning and the on-chain one is used), so a live upgrade never breaks a flow."""
        d, l1, l2, _ = self._route(ctx)
        return d, l1, l2, await ArbContracts.resolve(l1, l2.chain)

    async def _retryable_params(
        self,
        l1: ChainClient,
        l2: ChainClient,
        c: ArbContracts,
        sender: str,
        request: BridgeRequest,
    ) -> R.RetryableParams:
        o = request.options
        return await R.estimate_retryable(
            l1,
            l2,
            c,
            sender,
            request.recipient,
            l2_call_value=request.value,
            data=request.data,
            excess_fee_refund_address=o.get("excess_fee_refund_address"),
            call_value_refund_address=o.get("call_value_refund_address"),
            gas_limit=request.gas_limit,
            max_fee_per_gas=o.get("max_fee_per_gas"),
            max_submission_cost=o.get("max_submission_cost"),
            deposit=o.get("deposit"),
        )

    def _data(self, ref: FlowRef) -> DepositData | WithdrawalData:
        return decode_data(ref.data, ref.version, ref.direction)

    # ------------------------------------------------------------------ plan and checks
    async def plan(
        self, ctx: AdapterContext, direction: Direction, kind: FlowKind
    ) -> tuple[PlannedStep, ...]:
        """Deposits: the caller initiates on the parent chain, the sequencer (and for a
        retryable its auto-redeem) delivers on the child chain about two parent blocks later.
        Withdrawals: the caller initiates, the rollup's confirm period passes (read from the
        rollup: `confirm_period_seconds`), the caller executes on the Outbox."""
        d, l1, l2, c = self._route(ctx)
        if direction is not d:
            raise UnsupportedOperationError(
                f"{ctx.source.chain.name} -> {ctx.target.chain.name} is {d.value}, "
                f"not {direction.value}"
            )
        first = PlannedStep("initiate", Actor.CALLER, 0)
        if direction is Direction.L1_TO_L2:
            arrive = max(1, 2 * l1.chain.block_time_ms // 1000)
            note = (
                "the retryable's auto-redeem runs the call; if it fails, the caller redeems "
                "the ticket before it expires"
                if kind is FlowKind.MESSAGE
                else "credited by the sequencer (a deposit to another address is a retryable "
                "whose auto-redeem pays it)"
            )
            return (first, PlannedStep("arrive", Actor.RELAYER, arrive, note))
        wait: int | None = None
        note = "an assertion covering the send must be confirmed on the parent chain"
        try:
            c = await ArbContracts.resolve(l1, l2.chain)
            wait = await confirm_period_seconds(l1, c)
        except RpcError as exc:  # planning is advice: a read that failed is named, not raised
            note += f" (its period could not be read: {exc.message})"
        except DecodingError as exc:
            note += f" (the rollup's confirmPeriodBlocks() answer is not a uint64: {exc})"
        if wait is None and c.rollup is None:
            note += " (the chain data names no rollup to read the period from)"
        return (
            first,
            PlannedStep("confirm", Actor.NOBODY, wait, note),
            PlannedStep("execute", Actor.CALLER, 0, "Outbox.executeTransaction with a proof"),
        )

    async def refusals(self, ctx: AdapterContext, request: BridgeRequest) -> tuple[Refusal, ...]:
        """See `checks` for the codes: `aliased-recipient`, `aliased-refund`,
        `contract-recipient`. Codes in `request.waive` (and the legacy waivers) are left out."""
        direction, _, _, _ = self._route(ctx)
        sender = estimate_sender(ctx, request)
        return await checks.refusals(direction, ctx.source, ctx.target, sender, request)

    def decode_ref(self, ref: FlowRef) -> FlowRef:
        """`ref` with data in the current codec version (see `refdata`)."""
        return upgrade_ref(ref)

    # ------------------------------------------------------------------ protocol
    async def estimate(self, ctx: AdapterContext, request: BridgeRequest) -> FeeEstimate:
        direction, l1, l2, c = await self._resolved(ctx)
        sender = estimate_sender(ctx, request)
        src = ctx.source
        price = int(await src.request("eth_gasPrice"), 16)
        if direction is Direction.L2_TO_L1:
            call = (
                W.build_send_tx_to_l1(request.recipient, request.data, request.value)
                if request.kind is FlowKind.MESSAGE
                else W.build_withdraw_eth(request.recipient, request.value)
            )
            gas = await l2.estimate_gas(
                {
                    "from": sender,
                    "to": call.to,
                    "value": hex(call.value),
                    "data": "0x" + call.data.hex(),
                }
            )
            return FeeEstimate(initiate_gas=gas, max_fee_per_gas=price)
        if not checks.uses_retryable(request, sender):
            tx = build_deposit_eth(c, request.value)
            gas = await estimate_deposit_eth_gas(l1, sender, tx)
            return FeeEstimate(initiate_gas=gas, max_fee_per_gas=price)
        p = await self._retryable_params(l1, l2, c, sender, request)
        data = p.calldata()
        gas = await l1.estimate_gas(
            {"from": sender, "to": c.inbox, "value": hex(p.value), "data": "0x" + data.hex()}
        )
        return FeeEstimate(
            initiate_gas=gas,
            max_fee_per_gas=price,
            extra_value=p.value - p.l2_call_value,
            later_steps_gas={"l2_gas_limit": p.gas_limit},
        )

    async def initiate(self, ctx: AdapterContext, request: BridgeRequest) -> FlowRef:
        """Send the first transaction. The refusals (`refusals`) are the core's to apply before
        this is called; they are not repeated here. What the Inbox itself would reject (a
        retryable underfunded, reserved gas values) is still refused before signing."""
        direction, l1, l2, c = await self._resolved(ctx)
        signer = require_signer(ctx.signer, "send this step's transaction")
        if direction is Direction.L2_TO_L1:
            call = (
                W.build_send_tx_to_l1(request.recipient, request.data, request.value)
                if request.kind is FlowKind.MESSAGE
                else W.build_withdraw_eth(request.recipient, request.value)
            )
            rcpt, send = await W.withdraw(l2, signer, call)
            return self._withdraw_ref(request.kind, c, rcpt.transaction_hash, send)
        if not checks.uses_retryable(request, signer.address):
            rcpt, msg = await deposit_eth(
                l1, signer, c, request.value, allow_aliased_recipient=True
            )
        else:
            p = await self._retryable_params(l1, l2, c, signer.address, request)
            rcpt, msg = await R.create_retryable(l1, signer, c, p, allow_aliased_recipient=True)
        return self._deposit_ref(request.kind, c, rcpt.transaction_hash, msg)

    def _deposit_ref(
        self, kind: FlowKind, c: ArbContracts, tx_hash: Hash32, m: ParentToChildMessage
    ) -> FlowRef:
        """The recipient and the bridged amount come from the inbox message itself (the
        deposit's credited address; the ticket's destination and `l2CallValue`), not from the
        parent transaction, whose `to` is the Inbox and whose value also pays a ticket's fees."""
        recipient, value = None, None
        if m.eth_deposit is not None:
            recipient, value = m.eth_deposit.to, m.eth_deposit.value
        elif m.retryable is not None:
            recipient, value = m.retryable.dest_address, m.retryable.l2_call_value
        data = DepositData(m.kind, m.message_number, m.child_tx_hash, recipient, value)
        return FlowRef(
            adapter=self.name,
            direction=Direction.L1_TO_L2,
            kind=kind,
            source_chain=c.l1_id,
            target_chain=c.l2_id,
            tx_hash=tx_hash,
            data=encode_data(data),
            version=REF_VERSION,
        )

    def _withdraw_ref(
        self, kind: FlowKind, c: ArbContracts, tx_hash: Hash32, send: F.L2ToL1Tx
    ) -> FlowRef:
        return FlowRef(
            adapter=self.name,
            direction=Direction.L2_TO_L1,
            kind=kind,
            source_chain=c.l2_id,
            target_chain=c.l1_id,
            tx_hash=tx_hash,
            data=encode_data(WithdrawalData(send)),
            version=REF_VERSION,
        )

    async def status(self, ctx: AdapterContext, ref: FlowRef) -> FlowStatus:
        _, l1, l2, c = await self._resolved(ctx)
        check_ref(ctx, ref, self.name)
        d = self._data(ref)
        if isinstance(d, WithdrawalData):
            send = d.send
            st = await W.withdrawal_status(l1, l2, c, send)
            details: dict[str, Any] = {"position": send.position}
            if st.status is W.WithdrawalStatus.EXECUTED:
                return FlowStatus(Status.FINALIZED, st.status.value, details=details)
            if st.status is W.WithdrawalStatus.CONFIRMED:
                return FlowStatus(
                    Status.READY_TO_FINALIZE, st.status.value, "execute", 0, details, Actor.CALLER
                )
            secs = await W.seconds_to_confirmation(l1, c, send, l2=l2)
            return FlowStatus(
                Status.WAITING_TO_FINALIZE,
                st.status.value,
                "execute",
                secs,
                details,
                Actor.CALLER,
            )
        child = d.child_tx_hash
        if not d.is_retryable:
            rcpt = await l2.get_receipt(child)
            if rcpt is None:
                return FlowStatus(
                    Status.PENDING, "PENDING", details={"child_tx_hash": child}, actor=Actor.RELAYER
                )
            return FlowStatus(Status.FINALIZED, "DEPOSITED", details={"child_tx_hash": child})
        rs = await R.retryable_status(l2, child)
        details = {
            "child_tx_hash": child,
            "redeem_tx_hash": rs.redeem_tx_hash,
            "failed_redeems": list(rs.failed_redeems),
            "timeout": rs.timeout,
        }
        native = rs.status.value
        S = R.RetryableStatus
        if rs.status is S.REDEEMED:
            return FlowStatus(Status.FINALIZED, native, details=details)
        if rs.status is S.CREATION_FAILED:
            return FlowStatus(Status.FAILED, native, details=details)
        if rs.status is S.NOT_YET_CREATED:
            return FlowStatus(Status.PENDING, native, details=details, actor=Actor.RELAYER)
        if rs.status is S.FUNDS_DEPOSITED_ON_CHILD:
            if rs.pending_redeems:  # a scheduled retry not mined yet: the chain acts next
                details["pending_redeems"] = list(rs.pending_redeems)
                return FlowStatus(Status.PENDING, native, details=details, actor=Actor.RELAYER)
            expiry = f" before it expires at {_utc(rs.timeout)}" if rs.timeout else ""
            if rs.failed_manual_redeems:  # retried on purpose and failed: do not retry blindly
                details["action"] = (
                    f"a manual redeem of ticket {child} failed too (retry "
                    f"{rs.failed_manual_redeems[-1]} on {l2.chain.name}): its call reverts or "
                    "needs more gas than it got. Find out why from that retry's receipt, then "
                    f"call ArbRetryableTx.redeem({child}) with enough gas{expiry}; if it "
                    "expires, its call never runs and its call value goes to its call-value "
                    "refund address"
                )
                return FlowStatus(
                    Status.NEEDS_MANUAL_ACTION, native, None, None, details, Actor.CALLER
                )
            details["action"] = (
                f"redeem ticket {child} on {l2.chain.name}{expiry} "
                "(ArbRetryableTx.redeem; complete() does it), with enough gas for its call; "
                "after expiry its call never runs"
            )
            return FlowStatus(
                Status.NEEDS_MANUAL_ACTION, native, "redeem", 0, details, Actor.CALLER
            )
        details["action"] = await self._expired_action(l1, c, ref, d, l2.chain.name)
        return FlowStatus(Status.NEEDS_MANUAL_ACTION, native, None, None, details, Actor.CALLER)

    async def _expired_action(
        self, l1: ChainClient, c: ArbContracts, ref: FlowRef, d: DepositData, l2_name: str
    ) -> str:
        """What an expired ticket lost and what to do: its call never ran and cannot be
        redeemed any more; Nitro paid its call value to the call-value refund address."""
        refund = "its call-value refund address"
        value = "" if d.value is None else f" ({d.value} wei)"
        rcpt = await l1.get_receipt(ref.tx_hash)
        if rcpt is not None:
            for m in messages_from_receipt(rcpt, c, c.l2_id):
                if m.child_tx_hash == d.child_tx_hash and m.retryable is not None:
                    refund = m.retryable.call_value_refund_address
                    value = f" ({m.retryable.l2_call_value} wei)"
        return (
            f"ticket {d.child_tx_hash} expired on {l2_name} without a successful redeem: its "
            f"call never ran and can no longer be redeemed; its call value{value} was "
            f"credited to {refund} on {l2_name} and the fees paid are spent. Send the "
            "message again if it is still wanted"
        )

    async def execute_next(self, ctx: AdapterContext, ref: FlowRef) -> Hash32 | None:
        _, l1, l2, c = await self._resolved(ctx)
        check_ref(ctx, ref, self.name)
        d = self._data(ref)
        signer = require_signer(ctx.signer, "send this step's transaction")
        if isinstance(d, WithdrawalData):
            rcpt = await W.execute(l1, l2, signer, c, d.send)
            return rcpt.transaction_hash
        st = await self.status(ctx, ref)
        if st.status.done:  # finalized, or failed for good (creation failed)
            raise AlreadyDoneError(f"{ref.tx_hash} is already {st.native} on {l2.chain.name}")
        if st.status is Status.NEEDS_MANUAL_ACTION and st.next_step is None:
            action = str(st.details.get("action", "look the flow up"))
            raise ManualActionRequired(
                f"{ref.tx_hash}: the retryable is {st.native} on {l2.chain.name}", action=action
            )
        if st.next_step != "redeem":
            raise NotReadyError(f"nothing to do for {ref.tx_hash} yet ({st.native})")
        try:
            retry_gas = await self._retry_gas(l1, l2, c, ref, d)
        except ExecutionRevertedError as exc:  # the call reverts now: a redeem would fail too
            raise ManualActionRequired(
                f"{ref.tx_hash}: the retryable's call reverts on {l2.chain.name} now, so a "
                "redeem would fail again (and cost gas)",
                action=f"{st.details.get('action', 'redeem the ticket')}; first make its call "
                f"succeed (it reverted with: {exc.message})",
            ) from exc
        redeem_rcpt, _ = await R.redeem(l2, signer, d.child_tx_hash, retry_gas=retry_gas)
        return redeem_rcpt.transaction_hash

    async def _retry_gas(
        self, l1: ChainClient, l2: ChainClient, c: ArbContracts, ref: FlowRef, d: DepositData
    ) -> int | None:
        """Gas the ticket's call needs now, estimated from the ticket as the inbox message
        carries it; `redeem` adds it to the redeem's own gas, since the redeem donates its
        remaining gas to the retry it schedules in the same block (Nitro's estimator counts
        that retry; a node whose estimate does not would leave the retry short and failing)."""
        l1_rcpt = await l1.get_receipt(ref.tx_hash)
        if l1_rcpt is None:
            return None
        for m in messages_from_receipt(l1_rcpt, c, c.l2_id):
            if m.child_tx_hash == d.child_tx_hash and m.retryable is not None:
                return await R.retry_gas_for(l2, m)
        return None

    async def flow_from_tx(self, ctx: AdapterContext, tx_hash: str) -> FlowRef:
        """The flow `tx_hash` started; its ref records the real recipient and bridged amount
        (the deposit's credited address, the ticket's destination and `l2CallValue`, the
        send's destination and call value), never the Inbox or ArbSys it called."""
        direction, l1, l2, c = await self._resolved(ctx)
        if direction is Direction.L2_TO_L1:
            rcpt = await l2.get_receipt(tx_hash)
            if rcpt is None:
                raise MessageNotFoundError(f"no receipt for {tx_hash} on {l2.chain.name}")
            sends = W.sends_from_receipt(rcpt)
            if not sends:
                raise MessageNotFoundError(f"{tx_hash} emitted no L2ToL1Tx")
            kind = FlowKind.MESSAGE if sends[0].data else FlowKind.ETH
            return self._withdraw_ref(kind, c, rcpt.transaction_hash, sends[0])
        rcpt = await l1.get_receipt(tx_hash)
        if rcpt is None:
            raise MessageNotFoundError(f"no receipt for {tx_hash} on {l1.chain.name}")
        msgs = messages_from_receipt(rcpt, c, c.l2_id)
        if not msgs:
            raise MessageNotFoundError(f"{tx_hash} delivered no Arbitrum inbox message")
        m = msgs[0]
        kind = FlowKind.MESSAGE if m.retryable is not None and m.retryable.data else FlowKind.ETH
        return self._deposit_ref(kind, c, rcpt.transaction_hash, m)

    async def wait(
        self, ctx: AdapterContext, ref: FlowRef, *, timeout: float = 60.0, poll: float = 0.1
    ) -> FlowStatus:
        """Poll `status` until the flow is done or needs the caller (a redeem, an execute, or
        a person: NEEDS_MANUAL_ACTION). `FlowTimeoutError` after `timeout` seconds."""
        self._route(ctx)
        check_ref(ctx, ref, self.name)
        deadline = time.monotonic() + timeout
        while True:
            st = await self.status(ctx, ref)
            if st.status.done or st.next_step is not None:
                return st
            if st.status is Status.NEEDS_MANUAL_ACTION:
                return st
            if time.monotonic() > deadline:
                raise FlowTimeoutError(f"flow {ref.tx_hash} still {st.native} after {timeout}s")
            await asyncio.sleep(poll)
