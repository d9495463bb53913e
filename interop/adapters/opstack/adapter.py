"""`OpStackAdapter`: the `BridgeAdapter` protocol over the OP Stack actions in this package.

The actions (deposit / withdraw / message / fees) are plain async functions of clients and
params; this class only maps `BridgeRequest` / `FlowRef` onto them and the uniform status model.
"""

from __future__ import annotations

from typing import Any

from interop.actions.tx import suggest_fees
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
from interop.adapters.opstack.common import check_pair
from interop.adapters.opstack.deposit import (
    build_deposit,
    deposit_eth,
    estimate_deposit_gas,
    get_l2_deposit_hashes,
)
from interop.adapters.opstack.fees import (
    estimate_l2_fee,
    typical_finalize_gas,
    typical_prove_gas,
    withdrawal_shape,
)
from interop.adapters.opstack.message import (
    get_messages,
    is_message_failed,
    is_message_relayed,
    send_message,
)
from interop.adapters.opstack.withdraw import (
    build_initiate_withdrawal,
    finalize_withdrawal,
    get_withdrawal_status,
    get_withdrawals,
    initiate_withdrawal,
    prove_withdrawal,
)
from interop.chains.model import Chain, ContractName, Stack
from interop.client import ChainClient
from interop.errors import (
    AlreadyDoneError,
    MessageNotFoundError,
    MissingSignerError,
    NotReadyError,
    UnsupportedOperationError,
)
from interop.rpc.models import Receipt
from interop.spec.opstack import abis as A
from interop.spec.opstack.formulas import WithdrawalMessage
from interop.types import Address, Hash32, to_address

__all__ = ["OpStackAdapter"]


def _wd_to_json(w: WithdrawalMessage) -> dict[str, Any]:
    return {
        "nonce": str(w.nonce),
        "sender": w.sender,
        "target": w.target,
        "value": str(w.value),
        "gas_limit": str(w.gas_limit),
        "data": "0x" + w.data.hex(),
        "withdrawal_hash": w.withdrawal_hash,
    }


def _wd_from_json(d: dict[str, Any]) -> WithdrawalMessage:
    from interop.types import Hash32 as H
    from interop.types import hex_to_bytes

    return WithdrawalMessage(
        nonce=int(d["nonce"]),
        sender=to_address(d["sender"]),
        target=to_address(d["target"]),
        value=int(d["value"]),
        gas_limit=int(d["gas_limit"]),
        data=hex_to_bytes(d["data"]),
        withdrawal_hash=H(d["withdrawal_hash"]),
    )


class OpStackAdapter:
    """Routes L1 <-> OP Stack L2 (one hop, either direction): ETH and messages."""

    name = "opstack"

    # ------------------------------------------------------------ routing
    def supports(self, source: Chain, target: Chain) -> bool:
        return self._direction(source, target) is not None

    @staticmethod
    def _direction(source: Chain, target: Chain) -> Direction | None:
        def settles(l2: Chain, l1: Chain) -> bool:
            return (
                l2.stack is Stack.OPSTACK
                and ContractName.OPTIMISM_PORTAL in l2.parent_contracts.get(l1.id, {})
            )

        if settles(target, source):
            return Direction.L1_TO_L2
        if settles(source, target):
            return Direction.L2_TO_L1
        return None

    def _ends(self, ctx: AdapterContext) -> tuple[Direction, ChainClient, ChainClient]:
        d = self._direction(ctx.source.chain, ctx.target.chain)
        if d is None:
            raise UnsupportedOperationError(
                f"opstack does not bridge {ctx.source.chain.name} -> {ctx.target.chain.name}",
                hint="the OP Stack adapter handles an L1 and an OP Stack L2 settling on it",
            )
        if d is Direction.L1_TO_L2:
            return d, ctx.source, ctx.target
        return d, ctx.target, ctx.source

    # ------------------------------------------------------------ estimate / initiate
    async def estimate(self, ctx: AdapterContext, request: BridgeRequest) -> FeeEstimate:
        d, l1, l2 = self._ends(ctx)
        sender = estimate_sender(ctx, request)
        if d is Direction.L1_TO_L2:
            if request.kind is FlowKind.MESSAGE:
                c = check_pair(l1, l2)
                data = A.SEND_MESSAGE.encode(
                    request.recipient, request.data, request.gas_limit or 200_000
                )
                gas = await l1.estimate_gas(
                    {
                        "from": sender,
                        "to": c.l1_messenger,
                        "value": hex(request.value),
                        "data": "0x" + data.hex(),
                    }
                )
            else:
                req = await build_deposit(
                    l1,
                    l2,
                    sender=sender,
                    value=request.value,
                    to=request.recipient,
                    path=request.options.get("path", "portal"),
                    l2_gas_limit=request.gas_limit,
                    allow_aliased_recipient=request.allow_aliased_recipient,
                )
                gas = await estimate_deposit_gas(l1, sender, req)
            max_fee, _ = await suggest_fees(l1)
            return FeeEstimate(initiate_gas=gas, max_fee_per_gas=max_fee)
        if request.kind is FlowKind.MESSAGE:
            to, data, value = (
                A.PREDEPLOYS["L2CrossDomainMessenger"],
                A.SEND_MESSAGE.encode(
                    request.recipient, request.data, request.gas_limit or 200_000
                ),
                request.value,
            )
        else:
            to, data, value = await build_initiate_withdrawal(
                l1,
                l2,
                value=request.value,
                to=request.recipient,
                data=request.data,
                path=request.options.get("path", "passer"),
                gas_limit=request.gas_limit,
            )
        fee = await estimate_l2_fee(l2, sender=sender, to=to, value=value, data=data)
        return FeeEstimate(
            initiate_gas=fee.gas,
            max_fee_per_gas=fee.max_fee_per_gas,
            l1_data_fee=fee.l1_fee,
            later_steps_gas=await self._later_steps_gas(l1, l2, sender, request, data),
        )

    @staticmethod
    async def _later_steps_gas(
        l1: ChainClient, l2: ChainClient, sender: str, request: BridgeRequest, calldata: bytes
    ) -> dict[str, int]:
        """L1 gas of prove and finalize for a withdrawal not sent yet: nothing to simulate, so
        the typical values of `fees` applied to the withdrawal this request will create."""
        if request.kind is FlowKind.MESSAGE:
            kind, path, gas_limit, wdata = "message", "", request.gas_limit or 200_000, request.data
        else:
            kind, path = "eth", request.options.get("path", "passer")
            if path == "bridge":
                _, _, _, gas_limit, wdata = A.WITHDRAW_TO.decode_input(calldata)
            else:
                _, gas_limit, wdata = A.INITIATE_WITHDRAWAL.decode_input(calldata)
        wd_gas, wd_len = await withdrawal_shape(
            l1,
            l2,
            sender=sender,
            kind=kind,
            path=path,
            to=request.recipient,
            value=request.value,
            data=bytes(wdata),
            gas_limit=int(gas_limit),
        )
        gen = check_pair(l1, l2).generation
        return {
            "prove": typical_prove_gas(gen, wd_len),
            "finalize": typical_finalize_gas(gen, wd_gas, wd_len),
        }

    async def initiate(self, ctx: AdapterContext, request: BridgeRequest) -> FlowRef:
        d, l1, l2 = self._ends(ctx)
        if ctx.signer is None:
            raise MissingSignerError("initiating a bridge flow needs a signer")
        data: dict[str, Any] = {}
        if request.kind is FlowKind.MESSAGE:
            rcpt, msg = await send_message(
                l1,
                l2,
                ctx.signer,
                direction=d.value,
                target=request.recipient,
                data=request.data,
                value=request.value,
                min_gas_limit=request.gas_limit or 200_000,
            )
            data["message_hash"] = msg.hash
        elif d is Direction.L1_TO_L2:
            path = request.options.get("path", "portal")
            req = await build_deposit(
                l1,
                l2,
                sender=ctx.signer.address,
                value=request.value,
                to=request.recipient,
                path=path,
                l2_gas_limit=request.gas_limit,
                allow_aliased_recipient=request.allow_aliased_recipient,
            )
            rcpt = await deposit_eth(l1, l2, ctx.signer, req)
            data["path"] = path
        else:
            rcpt = await initiate_withdrawal(
                l1,
                l2,
                ctx.signer,
                value=request.value,
                to=request.recipient,
                data=request.data,
                path=request.options.get("path", "passer"),
                gas_limit=request.gas_limit,
            )
        if d is Direction.L1_TO_L2:
            data["l2_hashes"] = list(get_l2_deposit_hashes(rcpt, check_pair(l1, l2).portal))
        else:
            data.update(self._withdrawal_data(rcpt))
        return FlowRef(
            adapter=self.name,
            direction=d,
            kind=request.kind,
            source_chain=ctx.source.chain.id,
            target_chain=ctx.target.chain.id,
            tx_hash=rcpt.transaction_hash,
            data=data,
        )

    @staticmethod
    def _withdrawal_data(rcpt: Receipt) -> dict[str, Any]:
        w = get_withdrawals(rcpt)[0]
        return {"withdrawal": _wd_to_json(w), "l2_block": rcpt.block_number}

    # ------------------------------------------------------------ status / next step
    async def status(self, ctx: AdapterContext, ref: FlowRef) -> FlowStatus:
        d, l1, l2 = self._ends(ctx)
        check_ref(ctx, ref, self.name)
        if d is Direction.L1_TO_L2:
            return await self._deposit_status(l2, ref)
        w = _wd_from_json(dict(ref.data["withdrawal"]))
        st = await get_withdrawal_status(l1, l2, w, int(ref.data["l2_block"]))
        next_step = {Status.READY_TO_PROVE: "prove", Status.READY_TO_FINALIZE: "finalize"}.get(
            st.status
        )
        if st.status is Status.FINALIZED and "message_hash" in ref.data:
            messenger = check_pair(l1, l2).l1_messenger
            if not await is_message_relayed(l1, messenger, ref.data["message_hash"]):
                return FlowStatus(
                    Status.NEEDS_MANUAL_ACTION,
                    "message-failed",
                    "relay",
                    None,
                    {"withdrawal": "finalized"},
                )
        return FlowStatus(st.status, st.native, next_step, st.seconds_to_next, dict(st.details))

    async def _deposit_status(self, l2: ChainClient, ref: FlowRef) -> FlowStatus:
        hashes = list(ref.data.get("l2_hashes", []))
        receipts = [await l2.get_receipt(h) for h in hashes]
        if not receipts or any(r is None for r in receipts):
            return FlowStatus(Status.PENDING, "waiting-for-l2", None, None, {"l2_hashes": hashes})
        if "message_hash" in ref.data:
            messenger = A.PREDEPLOYS["L2CrossDomainMessenger"]
            if await is_message_relayed(l2, messenger, ref.data["message_hash"]):
                return FlowStatus(Status.FINALIZED, "relayed", None, 0, {"l2_hashes": hashes})
            if await is_message_failed(l2, messenger, ref.data["message_hash"]):
                return FlowStatus(
                    Status.NEEDS_MANUAL_ACTION, "failed-relay", "relay", None, {"l2_hashes": hashes}
                )
            return FlowStatus(Status.FAILED, "deposit-reverted", None, None, {"l2_hashes": hashes})
        ok = all(r is not None and r.succeeded for r in receipts)
        return FlowStatus(
            Status.FINALIZED if ok else Status.FAILED,
            "relayed" if ok else "deposit-reverted",
            None,
            0,
            {"l2_hashes": hashes},
        )

    async def execute_next(self, ctx: AdapterContext, ref: FlowRef) -> Hash32 | None:
        d, l1, l2 = self._ends(ctx)
        check_ref(ctx, ref, self.name)
        st = await self.status(ctx, ref)
        if st.status.done:
            raise AlreadyDoneError(f"flow {ref.tx_hash} is already {st.native}")
        if d is Direction.L1_TO_L2:
            return None  # the sequencer relays deposits; nothing for the caller to send
        w = _wd_from_json(dict(ref.data["withdrawal"]))
        block = int(ref.data["l2_block"])
        if st.next_step == "prove":
            return (await prove_withdrawal(l1, l2, ctx.signer, w, block)).transaction_hash
        if st.next_step == "finalize":
            return (await finalize_withdrawal(l1, l2, ctx.signer, w, block)).transaction_hash
        raise NotReadyError(
            f"withdrawal {w.withdrawal_hash} is {st.native}; nothing can be done yet",
            details=f"about {st.seconds_to_next}s" if st.seconds_to_next is not None else None,
        )

    async def flow_from_tx(self, ctx: AdapterContext, tx_hash: str) -> FlowRef:
        d, l1, l2 = self._ends(ctx)
        c = check_pair(l1, l2)
        src = ctx.source
        rcpt = await src.get_receipt(tx_hash)
        if rcpt is None:
            raise MessageNotFoundError(f"no receipt for {tx_hash} on {src.chain.name}")
        data: dict[str, Any] = {}
        kind = FlowKind.ETH
        messenger: Address = (
            c.l1_messenger if d is Direction.L1_TO_L2 else A.PREDEPLOYS["L2CrossDomainMessenger"]
        )
        bridge = c.l1_bridge if d is Direction.L1_TO_L2 else A.PREDEPLOYS["L2StandardBridge"]
        try:
            msg = get_messages(rcpt, messenger)[0]
            if msg.sender != bridge:
                kind = FlowKind.MESSAGE
                data["message_hash"] = msg.hash
        except MessageNotFoundError:
            pass
        if d is Direction.L1_TO_L2:
            data["l2_hashes"] = list(get_l2_deposit_hashes(rcpt, c.portal))
        else:
            data.update(self._withdrawal_data(rcpt))
        return FlowRef(
            adapter=self.name,
            direction=d,
            kind=kind,
            source_chain=src.chain.id,
            target_chain=ctx.target.chain.id,
            tx_hash=rcpt.transaction_hash,
            data=data,
        )
