"""The Scroll `BridgeAdapter` (see interop/adapters/base.py and docs/scroll.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode as abi_decode

from interop.actions.contract import call_one
from interop.actions.tx import send_transaction, suggest_fees, wait_for_receipt
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
from interop.adapters.scroll.proof import build_proof, left_siblings
from interop.aliasing import apply_l1_to_l2_alias
from interop.chains.model import Chain, ContractName
from interop.client import ChainClient
from interop.errors import (
    AlreadyDoneError,
    InputError,
    InteropError,
    InvalidAmountError,
    ManualActionRequired,
    MessageNotFoundError,
    NotReadyError,
    UnsupportedOperationError,
    mark_sent,
)
from interop.rpc.models import Receipt
from interop.signer import Signer, require_signer
from interop.spec.scroll import abis, message_hash
from interop.types import Address, Hash32, hex_to_bytes, to_address, to_hash32

__all__ = ["DEPOSIT_GAS_LIMIT", "REF_VERSION", "ScrollAdapter", "replay_message"]

REF_VERSION = 1
"""FlowRef.data v1: sender, target, value (str), nonce, message (hex), gas_limit, block,
recipient, amount (str); L2->L1 also `left` (height -> hex: the withdraw trie's left siblings,
read when the flow starts so the proof later needs no archive state; absent = read then)."""
DEPOSIT_GAS_LIMIT = 200_000
"""L2 gas an ETH deposit's message gets (relayMessage + L2ETHGateway.finalizeDepositETH)."""
FINALIZATION_SECONDS = 3600
"""Typical time from an L2 block to its batch's finalization on L1 (Scroll finalizes bundles
about hourly): an estimate, since no contract configures it; status counts down from it."""
_STACK = "scroll"


@dataclass(frozen=True)
class _Route:
    direction: Direction
    l1: ChainClient
    l2: ChainClient
    messenger: Address
    router: Address
    queue: Address
    rollup: Address
    l2_messenger: Address
    l2_router: Address


def _route(ctx: AdapterContext) -> _Route:
    s, t = ctx.source, ctx.target
    if t.chain.stack == _STACK and t.chain.parent_id == s.chain.id:
        direction, l1, l2 = Direction.L1_TO_L2, s, t
    elif s.chain.stack == _STACK and s.chain.parent_id == t.chain.id:
        direction, l1, l2 = Direction.L2_TO_L1, t, s
    else:
        raise UnsupportedOperationError(
            f"no Scroll route {s.chain.name} -> {t.chain.name}",
            hint="Scroll bridges between a Scroll chain and its parent only",
        )
    pc = l2.chain.parent_contracts.get(l1.chain.id, {})
    try:
        return _Route(
            direction, l1, l2,
            to_address(pc[ContractName.SCROLL_MESSENGER]),
            to_address(pc[ContractName.SCROLL_GATEWAY_ROUTER]),
            to_address(pc[ContractName.SCROLL_MESSAGE_QUEUE]),
            to_address(pc[ContractName.SCROLL_CHAIN]),
            to_address(l2.chain.contracts["l2_scroll_messenger"]),
            to_address(l2.chain.contracts["l2_gateway_router"]),
        )  # fmt: skip
    except KeyError as exc:
        raise UnsupportedOperationError(
            f"{l2.chain.name} has no {exc.args[0]} in its chain data", hint="add the address"
        ) from None


def _sent_message(receipt: Receipt, messenger: Address) -> dict[str, Any]:
    for lg in receipt.logs:
        if lg.address == messenger and lg.topics and lg.topics[0] == abis.SENT_MESSAGE_TOPIC:
            value, nonce, gas_limit, message = abi_decode(
                ["uint256", "uint256", "uint256", "bytes"], lg.data
            )
            return {
                "sender": to_address("0x" + lg.topics[1][-40:]),
                "target": to_address("0x" + lg.topics[2][-40:]),
                "value": str(int(value)),
                "nonce": int(nonce),
                "gas_limit": int(gas_limit),
                "message": "0x" + bytes(message).hex(),
                "block": receipt.block_number,
            }
    raise MessageNotFoundError(f"transaction {receipt.transaction_hash} sent no Scroll message")


async def _left(l2: ChainClient, d: dict[str, Any]) -> dict[str, str]:
    """The withdrawal's left siblings in the withdraw trie, read while the node still has the
    state of the withdrawal's block (see proof.left_siblings), as JSON: height -> hex."""
    left = await left_siblings(l2, nonce=int(d["nonce"]), l2_block=int(d["block"]))
    return {str(h): "0x" + v.hex() for h, v in left.items()}


def _hash(d: dict[str, Any] | Any) -> Hash32:
    return message_hash(
        d["sender"], d["target"], int(d["value"]), int(d["nonce"]), hex_to_bytes(d["message"])
    )


class ScrollAdapter:
    name = "scroll"
    option_names = frozenset({"sender"})
    ref_version = REF_VERSION

    def supports(self, source: Chain, target: Chain) -> bool:
        l1, l2 = (source, target) if target.stack == _STACK else (target, source)
        if l2.stack != _STACK or l2.parent_id != l1.id or l1.stack == _STACK:
            return False
        return ContractName.SCROLL_MESSENGER in l2.parent_contracts.get(l1.id, {})

    # ------------------------------------------------------------------ plan / fees / checks

    async def plan(
        self, ctx: AdapterContext, direction: Direction, kind: FlowKind
    ) -> tuple[PlannedStep, ...]:
        if direction is Direction.L1_TO_L2:
            return (
                PlannedStep("initiate", Actor.CALLER, 0),
                PlannedStep("relay", Actor.RELAYER, None, "the sequencer includes the L1 message"),
            )
        return (
            PlannedStep("initiate", Actor.CALLER, 0),
            PlannedStep(
                "finalize-batch", Actor.RELAYER, FINALIZATION_SECONDS,
                "the rollup relayer commits and finalizes the batch with its withdraw root",
            ),
            PlannedStep("finalize", Actor.CALLER, 0, "relayMessageWithProof on L1"),
        )  # fmt: skip

    async def _tx(
        self, r: _Route, request: BridgeRequest, sender: str
    ) -> tuple[ChainClient, Address, bytes, int]:
        """(client, to, calldata, value) of the first transaction."""
        if request.value < 0:
            raise InvalidAmountError("the amount must not be negative")
        if request.kind is FlowKind.ETH and request.value == 0:
            raise InvalidAmountError(
                "Scroll's ETH gateways refuse a zero amount ('deposit zero eth' / "
                "'withdraw zero eth')",
                hint="send a positive amount, or a message for a call without value",
            )
        if r.direction is Direction.L2_TO_L1:
            if request.kind is FlowKind.ETH:
                data = abis.L2_ROUTER_WITHDRAW_ETH.encode(request.recipient, request.value, 0)
                return r.l2, r.l2_router, data, request.value
            data = abis.SEND_MESSAGE.encode(request.recipient, request.value, request.data, 0)
            return r.l2, r.l2_messenger, data, request.value
        gas_limit = request.gas_limit or (
            DEPOSIT_GAS_LIMIT
            if request.kind is FlowKind.ETH
            else await self._message_gas(r, request, sender)
        )
        fee = await call_one(r.l1, r.queue, abis.ESTIMATE_CROSS_DOMAIN_MESSAGE_FEE, gas_limit)
        if request.kind is FlowKind.ETH:
            data = abis.L1_ROUTER_DEPOSIT_ETH.encode(request.recipient, request.value, gas_limit)
            return r.l1, r.router, data, request.value + int(fee)
        data = abis.SEND_MESSAGE_REFUND.encode(
            request.recipient, request.value, request.data, gas_limit, sender
        )
        return r.l1, r.messenger, data, request.value + int(fee)

    async def _message_gas(self, r: _Route, request: BridgeRequest, sender: str) -> int:
        """L2 gas for an L1->L2 message: its `relayMessage` estimated from the aliased L1
        messenger, with headroom, and at least the queue's intrinsic gas."""
        call = abis.RELAY_MESSAGE.encode(
            sender, request.recipient, request.value, 2**64, request.data
        )
        est = await r.l2.estimate_gas(
            {
                "from": apply_l1_to_l2_alias(r.messenger),
                "to": r.l2_messenger,
                "data": "0x" + call.hex(),
            }
        )
        return max(est * 3 // 2 + 20_000, 21_000 + 40 * len(call))

    async def estimate(self, ctx: AdapterContext, request: BridgeRequest) -> FeeEstimate:
        r = _route(ctx)
        sender = estimate_sender(ctx, request)
        client, to, data, value = await self._tx(r, request, sender)
        gas = await client.estimate_gas(
            {"from": sender, "to": to, "data": "0x" + data.hex(), "value": hex(value)}
        )
        _, max_fee = await suggest_fees(client)
        l1_fee = 0
        if r.direction is Direction.L2_TO_L1:
            from interop.families.base import UnsignedTx
            from interop.families.scroll import ScrollFamily

            tx = UnsignedTx(client.chain.id, 0, gas, to, value, data, max_fee, max_fee)
            l1_fee = await ScrollFamily().l1_data_fee(client, tx)
        return FeeEstimate(gas, max_fee, l1_data_fee=l1_fee, extra_value=value - request.value)

    async def refusals(self, ctx: AdapterContext, request: BridgeRequest) -> tuple[Refusal, ...]:
        r = _route(ctx)
        out: list[Refusal] = []
        if request.gas_limit is not None and r.direction is Direction.L1_TO_L2:
            intrinsic = 21_000 + 40 * (4 + 32 * 6 + -(-len(request.data) // 32) * 32)
            if request.gas_limit < intrinsic:
                out.append(
                    Refusal(
                        "gas-limit-too-low",
                        f"gas limit {request.gas_limit} is below the L1 message queue's "
                        f"intrinsic gas ({intrinsic})",
                        hint="leave gas_limit unset to have it estimated",
                    )
                )
        return tuple(out)

    # ------------------------------------------------------------------ initiate

    async def initiate(self, ctx: AdapterContext, request: BridgeRequest) -> FlowRef:
        r = _route(ctx)
        signer = require_signer(ctx.signer, "send this step's transaction")
        client, to, data, value = await self._tx(r, request, signer.address)
        h = await send_transaction(client, signer, to=to, data=data, value=value)
        rcpt = await wait_for_receipt(client, h)
        messenger = r.messenger if r.direction is Direction.L1_TO_L2 else r.l2_messenger
        try:
            d = _sent_message(rcpt, messenger)
            if r.direction is Direction.L2_TO_L1:
                d["left"] = await _left(r.l2, d)
        except InteropError as exc:
            raise mark_sent(exc, h) from None
        return self._ref(ctx, r.direction, request.kind, h, d, request.recipient, request.value)

    def _ref(
        self, ctx: AdapterContext, direction: Direction, kind: FlowKind, h: Hash32,
        d: dict[str, Any], recipient: str, amount: int,
    ) -> FlowRef:  # fmt: skip
        data = {**d, "recipient": to_address(recipient), "amount": str(amount)}
        return FlowRef(
            self.name, direction, kind, ctx.source.chain.id, ctx.target.chain.id, h, data,
            version=REF_VERSION,
        )  # fmt: skip

    async def flow_from_tx(self, ctx: AdapterContext, tx_hash: str) -> FlowRef:
        r = _route(ctx)
        rcpt = await ctx.source.get_receipt(tx_hash)
        if rcpt is None:
            raise MessageNotFoundError(f"no transaction {tx_hash} on {ctx.source.chain.name}")
        messenger = r.messenger if r.direction is Direction.L1_TO_L2 else r.l2_messenger
        d = _sent_message(rcpt, messenger)
        if r.direction is Direction.L2_TO_L1:
            d["left"] = await _left(r.l2, d)
        msg = hex_to_bytes(d["message"])
        gw = (
            abis.L2_ETH_GATEWAY_FINALIZE_DEPOSIT
            if r.direction is Direction.L1_TO_L2
            else abis.L1_ETH_GATEWAY_FINALIZE_WITHDRAW
        )
        if msg[:4] == gw.selector:
            _from, to, amount, _ = gw.decode_input(msg)
            return self._ref(
                ctx, r.direction, FlowKind.ETH, rcpt.transaction_hash, d, to, int(amount)
            )
        return self._ref(
            ctx,
            r.direction,
            FlowKind.MESSAGE,
            rcpt.transaction_hash,
            d,
            d["target"],
            int(d["value"]),
        )

    def decode_ref(self, ref: FlowRef) -> FlowRef:
        if ref.version != REF_VERSION:
            raise InputError(
                f"scroll ref data version {ref.version} is not one this release reads (1..{REF_VERSION})",
                hint="upgrade the package to the release that wrote this flow",
            )
        try:
            for k in ("sender", "target", "recipient"):
                to_address(str(ref.data[k]))
            int(ref.data["value"]), int(ref.data["nonce"]), int(ref.data["gas_limit"])
            int(ref.data["block"]), int(ref.data["amount"])
            hex_to_bytes(str(ref.data["message"]))
            left = ref.data.get("left", {})
            if not isinstance(left, dict) or any(
                not 0 <= int(k) < 40 or len(hex_to_bytes(str(v))) != 32 for k, v in left.items()
            ):
                raise ValueError("'left' must map heights 0..39 to 32-byte hashes")
        except (KeyError, TypeError, ValueError, InteropError) as exc:
            raise InputError(f"scroll ref data is malformed: {exc!r}") from None
        return ref

    # ------------------------------------------------------------------ status / steps

    async def status(self, ctx: AdapterContext, ref: FlowRef) -> FlowStatus:
        check_ref(ctx, ref, self.name)
        ref = self.decode_ref(ref)
        r = _route(ctx)
        h = _hash(ref.data)
        if r.direction is Direction.L1_TO_L2:
            return await self._deposit_status(r, ref, h)
        if await call_one(r.l1, r.messenger, abis.IS_L2_MESSAGE_EXECUTED, hex_to_bytes(h)):
            return FlowStatus(Status.FINALIZED, "relayed", details={"message_hash": h})
        proof = await self._proof(r, ref, h)
        if proof is None:
            sent = int((await r.l2.get_block(int(ref.data["block"])))["timestamp"], 16)
            now = int((await r.l2.get_block("latest"))["timestamp"], 16)
            return FlowStatus(
                Status.WAITING_TO_FINALIZE, "waiting-for-batch-finalization", "finalize",
                seconds_to_next=max(60, FINALIZATION_SECONDS - (now - sent)),
                details={"message_hash": h}, actor=Actor.NOBODY,
            )  # fmt: skip
        return FlowStatus(
            Status.READY_TO_FINALIZE, "ready-to-relay", "finalize",
            details={"message_hash": h, "batch_index": proof.batch_index}, actor=Actor.CALLER,
        )  # fmt: skip

    async def _deposit_status(self, r: _Route, ref: FlowRef, h: Hash32) -> FlowStatus:
        details: dict[str, Any] = {"message_hash": h, "queue_index": int(ref.data["nonce"])}
        if await call_one(r.l2, r.l2_messenger, abis.IS_L1_MESSAGE_EXECUTED, hex_to_bytes(h)):
            return FlowStatus(Status.FINALIZED, "relayed", details=details)
        _times, last = await self._replays(r, h)
        index = int(last) if last else int(ref.data["nonce"])
        done = int(await call_one(r.l1, r.queue, abis.NEXT_UNFINALIZED_QUEUE_INDEX))
        if done > index:
            details["action"] = (
                f"the L1->L2 message (queue index {index}) was included on L2 and failed; replay "
                "it from L1 with a higher gas limit: interop.adapters.scroll.replay_message("
                "ctx, ref, new_gas_limit) (L1ScrollMessenger.replayMessage)"
            )
            return FlowStatus(
                Status.NEEDS_MANUAL_ACTION,
                "failed-on-l2",
                None,
                details=details,
                actor=Actor.CALLER,
            )
        return FlowStatus(Status.PENDING, "queued", None, details=details, actor=Actor.RELAYER)

    async def _replays(self, r: _Route, h: Hash32) -> tuple[int, int]:
        out = await r.l1.call(r.messenger, abis.REPLAY_STATES.encode(hex_to_bytes(h)))
        times, last = abis.REPLAY_STATES.decode(out)
        return int(times), int(last)

    async def _proof(self, r: _Route, ref: FlowRef, h: Hash32) -> Any:
        batch = int(await call_one(r.l1, r.rollup, abis.LAST_FINALIZED_BATCH_INDEX))
        if batch == 0:
            return None
        root = await call_one(r.l1, r.rollup, abis.WITHDRAW_ROOTS, batch)
        stored = ref.data.get("left")
        left = None if stored is None else {int(k): hex_to_bytes(v) for k, v in stored.items()}
        return await build_proof(
            r.l2, leaf=h, nonce=int(ref.data["nonce"]), l2_block=int(ref.data["block"]),
            batch_index=batch, root=to_hash32(bytes(root)), left=left,
        )  # fmt: skip

    async def execute_next(self, ctx: AdapterContext, ref: FlowRef) -> Hash32 | None:
        check_ref(ctx, ref, self.name)
        ref = self.decode_ref(ref)
        st = await self.status(ctx, ref)
        if st.status is Status.FINALIZED:
            raise AlreadyDoneError(
                f"Scroll message {st.details['message_hash']} was already relayed"
            )
        if st.status is Status.NEEDS_MANUAL_ACTION:
            raise ManualActionRequired(str(st.details["action"]), action=str(st.details["action"]))
        if st.status is Status.PENDING:
            return None  # the sequencer includes L1 messages; nothing for the caller to send
        if st.status is not Status.READY_TO_FINALIZE:
            raise NotReadyError(
                "the withdrawal's batch is not finalized on L1 yet", hint="wait, then call again"
            )
        r = _route(ctx)
        signer = require_signer(ctx.signer, "relay the message on L1")
        h = _hash(ref.data)
        proof = await self._proof(r, ref, h)
        if proof is None:
            raise NotReadyError("the withdrawal's batch is not finalized on L1 yet")
        d = ref.data
        data = abis.RELAY_MESSAGE_WITH_PROOF.encode(
            d["sender"], d["target"], int(d["value"]), int(d["nonce"]), hex_to_bytes(d["message"]),
            (proof.batch_index, proof.proof),
        )  # fmt: skip
        return await _send_and_check(r.l1, signer, r.messenger, data, 0)


async def _send_and_check(
    client: ChainClient, signer: Signer, to: Address, data: bytes, value: int
) -> Hash32:
    h = await send_transaction(client, signer, to=to, data=data, value=value)
    try:
        rcpt = await wait_for_receipt(client, h)
    except Exception as exc:
        raise mark_sent(exc, h) from None
    if any(lg.topics and lg.topics[0] == abis.FAILED_RELAYED_MESSAGE_TOPIC for lg in rcpt.logs):
        raise mark_sent(
            ManualActionRequired(
                "the message was relayed but its call failed on L1",
                action="inspect the target contract; relay again once it accepts the call",
            ),
            h,
        )
    return h


async def replay_message(ctx: AdapterContext, ref: FlowRef, new_gas_limit: int) -> Hash32:
    """Replay a failed L1->L2 message from L1 with `new_gas_limit` (`L1ScrollMessenger.
    replayMessage`), paying the queue's fee for the new limit; the surplus is refunded to the
    signer. `AlreadyDoneError` if the message was executed; `InputError` if the limit is below
    the queue's intrinsic gas for this message (the queue would revert)."""
    adapter = ScrollAdapter()
    check_ref(ctx, ref, adapter.name)
    ref = adapter.decode_ref(ref)
    r = _route(ctx)
    if r.direction is not Direction.L1_TO_L2:
        raise UnsupportedOperationError("only L1->L2 messages are replayed")
    h = _hash(ref.data)
    if await call_one(r.l2, r.l2_messenger, abis.IS_L1_MESSAGE_EXECUTED, hex_to_bytes(h)):
        raise AlreadyDoneError(f"Scroll message {h} was already executed on L2")
    d = ref.data
    xcall = abis.RELAY_MESSAGE.encode(
        d["sender"], d["target"], int(d["value"]), int(d["nonce"]), hex_to_bytes(d["message"])
    )
    intrinsic = int(await call_one(r.l1, r.queue, abis.CALCULATE_INTRINSIC_GAS_FEE, xcall))
    if new_gas_limit < intrinsic:
        raise InputError(
            f"gas limit {new_gas_limit} is below the L1 message queue's intrinsic gas {intrinsic}",
            hint="give a higher gas limit",
        )
    signer = require_signer(ctx.signer, "replay the message")
    fee = int(await call_one(r.l1, r.queue, abis.ESTIMATE_CROSS_DOMAIN_MESSAGE_FEE, new_gas_limit))
    data = abis.REPLAY_MESSAGE.encode(
        d["sender"], d["target"], int(d["value"]), int(d["nonce"]), hex_to_bytes(d["message"]),
        new_gas_limit, signer.address,
    )  # fmt: skip
    return await _send_and_check(r.l1, signer, r.messenger, data, fee)
