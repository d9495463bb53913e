"""`ArbitrumAdapter`: the `BridgeAdapter` protocol over the plain functions of this package.

Routes: parent (L1) -> Arbitrum chain (ETH deposit or retryable message) and back (ETH
withdrawal or `sendTxToL1` message). Status mapping onto the uniform enum, native state kept:

| flow | native | uniform | next step |
| --- | --- | --- | --- |
| ETH deposit | PENDING / DEPOSITED | PENDING / FINALIZED | - |
| retryable | NOT_YET_CREATED | PENDING | - |
| retryable | CREATION_FAILED / EXPIRED | FAILED | - |
| retryable | FUNDS_DEPOSITED_ON_CHILD | NEEDS_MANUAL_ACTION | redeem |
| retryable | REDEEMED | FINALIZED | - |
| withdrawal | UNCONFIRMED | WAITING_TO_FINALIZE | execute |
| withdrawal | CONFIRMED | READY_TO_FINALIZE | execute |
| withdrawal | EXECUTED | FINALIZED | - |
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from interop.adapters.arbitrum import retryable as R
from interop.adapters.arbitrum import withdraw as W
from interop.adapters.arbitrum.common import ArbContracts, check_alias_safety
from interop.adapters.arbitrum.deposit import (
    build_deposit_eth,
    deposit_eth,
    estimate_deposit_eth_gas,
    messages_from_receipt,
)
from interop.adapters.base import (
    AdapterContext,
    BridgeRequest,
    Direction,
    FeeEstimate,
    FlowKind,
    FlowRef,
    FlowStatus,
    Status,
    check_ref,
    estimate_sender,
)
from interop.chains.model import Chain, Stack
from interop.client import ChainClient
from interop.errors import (
    AlreadyDoneError,
    MessageNotFoundError,
    NotReadyError,
    RpcTimeoutError,
    UnsupportedOperationError,
)
from interop.signer import require_signer
from interop.spec.arbitrum import formulas as F
from interop.types import Hash32, to_address, to_hash32

__all__ = ["ArbitrumAdapter"]

_RETRYABLE_MAP = {
    R.RetryableStatus.NOT_YET_CREATED: (Status.PENDING, None),
    R.RetryableStatus.CREATION_FAILED: (Status.FAILED, None),
    R.RetryableStatus.FUNDS_DEPOSITED_ON_CHILD: (Status.NEEDS_MANUAL_ACTION, "redeem"),
    R.RetryableStatus.REDEEMED: (Status.FINALIZED, None),
    R.RetryableStatus.EXPIRED: (Status.FAILED, None),
}


def _send_to_json(s: F.L2ToL1Tx) -> dict[str, Any]:
    return {
        "caller": s.caller,
        "destination": s.destination,
        "hash": s.hash,
        "position": s.position,
        "arb_block_num": s.arb_block_num,
        "eth_block_num": s.eth_block_num,
        "timestamp": s.timestamp,
        "callvalue": str(s.callvalue),
        "data": "0x" + s.data.hex(),
    }


def _send_from_json(d: Any) -> F.L2ToL1Tx:
    return F.L2ToL1Tx(
        caller=to_address(d["caller"]),
        destination=to_address(d["destination"]),
        hash=to_hash32(d["hash"]),
        position=int(d["position"]),
        arb_block_num=int(d["arb_block_num"]),
        eth_block_num=int(d["eth_block_num"]),
        timestamp=int(d["timestamp"]),
        callvalue=int(d["callvalue"]),
        data=bytes.fromhex(str(d["data"])[2:]),
    )


class ArbitrumAdapter:
    """Parent <-> Arbitrum chain through the canonical Inbox / ArbSys / Outbox.

    Request options (`BridgeRequest.options`), all optional, for parent -> child messages:
    `max_submission_cost`, `max_fee_per_gas`, `deposit` (msg.value), `excess_fee_refund_address`,
    `call_value_refund_address`; `gas_limit` is `BridgeRequest.gas_limit`. For `estimate` only:
    `sender`, the address that would send, when there is no signer (read-only callers).
    """

    name = "arbitrum"

    def supports(self, source: Chain, target: Chain) -> bool:
        if target.stack is Stack.ARBITRUM and target.parent_id == source.id:
            return True
        return source.stack is Stack.ARBITRUM and source.parent_id == target.id

    # ------------------------------------------------------------------ routing helpers
    def _route(
        self, ctx: AdapterContext
    ) -> tuple[Direction, ChainClient, ChainClient, ArbContracts]:
        s, t = ctx.source.chain, ctx.target.chain
        if t.stack is Stack.ARBITRUM and t.parent_id == s.id:
            return Direction.L1_TO_L2, ctx.source, ctx.target, ArbContracts.of(t, s.id)
        if s.stack is Stack.ARBITRUM and s.parent_id == t.id:
            return Direction.L2_TO_L1, ctx.target, ctx.source, ArbContracts.of(s, t.id)
        raise UnsupportedOperationError(
            f"no Arbitrum route {s.name} -> {t.name}", hint="pick the adapter of their stack"
        )

    def _uses_retryable(self, request: BridgeRequest, sender: str) -> bool:
        return request.kind is FlowKind.MESSAGE or to_address(request.recipient) != to_address(
            sender
        )

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

    # ------------------------------------------------------------------ protocol
    async def estimate(self, ctx: AdapterContext, request: BridgeRequest) -> FeeEstimate:
        direction, l1, l2, c = self._route(ctx)
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
        if not self._uses_retryable(request, sender):
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
        direction, l1, l2, c = self._route(ctx)
        signer = require_signer(ctx.signer, "send this step's transaction")
        if direction is Direction.L2_TO_L1:
            call = (
                W.build_send_tx_to_l1(request.recipient, request.data, request.value)
                if request.kind is FlowKind.MESSAGE
                else W.build_withdraw_eth(request.recipient, request.value)
            )
            rcpt, send = await W.withdraw(l2, signer, call)
            return self._withdraw_ref(request.kind, c, rcpt.transaction_hash, send)
        if not self._uses_retryable(request, signer.address):
            rcpt, msg = await deposit_eth(
                l1,
                signer,
                c,
                request.value,
                allow_aliased_recipient=request.allow_aliased_recipient,
            )
        else:
            await check_alias_safety(
                l1,
                signer.address,
                allow_aliased_recipient=request.allow_aliased_recipient,
                what="the retryable's refunds",
            )
            p = await self._retryable_params(l1, l2, c, signer.address, request)
            rcpt, msg = await R.create_retryable(
                l1, signer, c, p, allow_aliased_recipient=request.allow_aliased_recipient
            )
        return FlowRef(
            adapter=self.name,
            direction=Direction.L1_TO_L2,
            kind=request.kind,
            source_chain=c.l1_id,
            target_chain=c.l2_id,
            tx_hash=rcpt.transaction_hash,
            data={
                "message_kind": msg.kind,
                "message_number": msg.message_number,
                "child_tx_hash": msg.child_tx_hash,
            },
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
            data={"send": _send_to_json(send)},
        )

    async def status(self, ctx: AdapterContext, ref: FlowRef) -> FlowStatus:
        _, l1, l2, c = self._route(ctx)
        check_ref(ctx, ref, self.name)
        if ref.direction is Direction.L2_TO_L1:
            send = _send_from_json(ref.data["send"])
            st = await W.withdrawal_status(l1, l2, c, send)
            details: dict[str, Any] = {"position": send.position}
            if st.status is W.WithdrawalStatus.EXECUTED:
                return FlowStatus(Status.FINALIZED, st.status.value, details=details)
            if st.status is W.WithdrawalStatus.CONFIRMED:
                return FlowStatus(Status.READY_TO_FINALIZE, st.status.value, "execute", 0, details)
            secs = await W.seconds_to_confirmation(l1, c, send)
            return FlowStatus(Status.WAITING_TO_FINALIZE, st.status.value, "execute", secs, details)
        child = str(ref.data["child_tx_hash"])
        if int(ref.data["message_kind"]) == F.L1_MESSAGE_TYPE_ETH_DEPOSIT:
            rcpt = await l2.get_receipt(child)
            if rcpt is None:
                return FlowStatus(Status.PENDING, "PENDING", details={"child_tx_hash": child})
            return FlowStatus(Status.FINALIZED, "DEPOSITED", details={"child_tx_hash": child})
        rs = await R.retryable_status(l2, child)
        uniform, step = _RETRYABLE_MAP[rs.status]
        return FlowStatus(
            uniform,
            rs.status.value,
            step,
            details={
                "child_tx_hash": child,
                "redeem_tx_hash": rs.redeem_tx_hash,
                "failed_redeems": list(rs.failed_redeems),
                "timeout": rs.timeout,
            },
        )

    async def execute_next(self, ctx: AdapterContext, ref: FlowRef) -> Hash32 | None:
        _, l1, l2, c = self._route(ctx)
        check_ref(ctx, ref, self.name)
        signer = require_signer(ctx.signer, "send this step's transaction")
        if ref.direction is Direction.L2_TO_L1:
            rcpt = await W.execute(l1, l2, signer, c, _send_from_json(ref.data["send"]))
            return rcpt.transaction_hash
        st = await self.status(ctx, ref)
        if st.status.done:  # finalized, or failed for good (creation failed / expired)
            raise AlreadyDoneError(f"{ref.tx_hash} is already {st.native} on {l2.chain.name}")
        if st.next_step != "redeem":
            raise NotReadyError(f"nothing to do for {ref.tx_hash} yet ({st.native})")
        retry_gas: int | None = None
        l1_rcpt = await l1.get_receipt(ref.tx_hash)
        if l1_rcpt is not None:
            child = str(ref.data["child_tx_hash"])
            for m in messages_from_receipt(l1_rcpt, c, c.l2_id):
                if m.child_tx_hash == child and m.retryable is not None:
                    retry_gas = await R.retry_gas_for(l2, m)
        redeem_rcpt, _ = await R.redeem(
            l2, signer, str(ref.data["child_tx_hash"]), retry_gas=retry_gas
        )
        return redeem_rcpt.transaction_hash

    async def flow_from_tx(self, ctx: AdapterContext, tx_hash: str) -> FlowRef:
        direction, l1, l2, c = self._route(ctx)
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
        return FlowRef(
            adapter=self.name,
            direction=Direction.L1_TO_L2,
            kind=kind,
            source_chain=c.l1_id,
            target_chain=c.l2_id,
            tx_hash=rcpt.transaction_hash,
            data={
                "message_kind": m.kind,
                "message_number": m.message_number,
                "child_tx_hash": m.child_tx_hash,
            },
        )

    async def wait(
        self, ctx: AdapterContext, ref: FlowRef, *, timeout: float = 60.0, poll: float = 0.1
    ) -> FlowStatus:
        """Poll `status` until the flow is done or needs the caller (manual redeem / execute)."""
        self._route(ctx)
        check_ref(ctx, ref, self.name)
        deadline = time.monotonic() + timeout
        while True:
            st = await self.status(ctx, ref)
            if st.status.done or st.next_step is not None:
                return st
            if time.monotonic() > deadline:
                raise RpcTimeoutError(f"flow {ref.tx_hash} still {st.native} after {timeout}s")
            await asyncio.sleep(poll)
