"""`SuperchainAdapter`: the `BridgeAdapter` protocol for L2 -> L2 between OP chains of one interop set.

Status model (native names in quotes):
  PENDING "waiting-for-destination-time"  the destination's clock is before the source block
  READY_TO_FINALIZE "ready-to-relay"      the message can be executed; a relayer normally does it,
                                          `execute_next` relays it yourself
  FINALIZED "relayed"                     `successfulMessages[hash]` is set on the destination
  NEEDS_MANUAL_ACTION "relay-failed"      a relay ran but the target call failed; retry with
                                          `execute_next` once the cause is fixed
  FAILED "send-reverted"                  the source transaction reverted: nothing was sent

Which chains may talk is data: `INTEROP_SETS` lists chain ids that share a dependency set (the
devnet's two OP L2s). An OP chain without a set entry is refused, since sending to a chain outside
the dependency set locks the value forever.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from typing import Any

from interop.actions.fees import estimate_fees
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
from interop.adapters.superchain.eth import send_eth, sent_values
from interop.adapters.superchain.message import (
    SentMessageRef,
    get_sent_messages,
    identifier_for,
    is_message_relayed,
    relay_message,
    relay_outcome,
    send_message,
    verify_identifier,
)
from interop.chains.model import Chain, Stack
from interop.errors import (
    AlreadyDoneError,
    InsufficientFundsError,
    InvalidAmountError,
    MessageNotFoundError,
    MissingSignerError,
    NotReadyError,
    RpcError,
    UnsafeRecipientError,
    UnsupportedOperationError,
)
from interop.rpc.models import Receipt
from interop.spec.opstack.predeploys import GAS_PRICE_ORACLE
from interop.spec.superchain import abis as A
from interop.spec.superchain.formulas import Identifier, SentMessage, decode_sent_message
from interop.types import Hash32, hex_to_bytes, to_address

__all__ = ["INTEROP_SETS", "SuperchainAdapter", "message_of"]

INTEROP_SETS: tuple[frozenset[int], ...] = (frozenset({901, 902}),)
"""Chain ids whose L1BlockInterop dependency sets contain each other. Only the devnet for now:
no public OP chain runs the interop predeploys yet."""

L1_FEE_UPPER_BOUND = A.Fn("getL1FeeUpperBound(uint256)", ("uint256",))
_TX_ENVELOPE_BYTES = 120


class SuperchainAdapter:
    """Routes OP L2 -> OP L2 inside one interop set: ETH (a message carrying value) and messages."""

    name = "superchain"

    def __init__(
        self,
        interop_sets: Iterable[Iterable[int]] | None = None,
        *,
        relay_grace: float = 3.0,
    ) -> None:
        sets = INTEROP_SETS if interop_sets is None else interop_sets
        self.interop_sets = tuple(frozenset(s) for s in sets)
        self.relay_grace = relay_grace
        """Seconds `execute_next` leaves a running relayer to relay an ETH flow before relaying
        it with the caller's own ETH (see `execute_next`)."""

    # ------------------------------------------------------------ routing
    def supports(self, source: Chain, target: Chain) -> bool:
        return (
            source.id != target.id
            and source.stack is Stack.OPSTACK
            and target.stack is Stack.OPSTACK
            and source.parent_id == target.parent_id
            and any(source.id in s and target.id in s for s in self.interop_sets)
        )

    def _check(self, ctx: AdapterContext) -> None:
        s, t = ctx.source.chain, ctx.target.chain
        if not self.supports(s, t):
            raise UnsupportedOperationError(
                f"superchain does not route {s.name} ({s.id}) -> {t.name} ({t.id})",
                hint="both chains must be OP Stack L2s of one interop set (same parent, each in "
                "the other's dependency set)",
            )

    # ------------------------------------------------------------ estimate / initiate
    @staticmethod
    def _call(ctx: AdapterContext, request: BridgeRequest) -> tuple[bytes, int]:
        target = to_address(request.recipient)
        data = b"" if request.kind is FlowKind.ETH else request.data
        return A.SEND_MESSAGE.encode(ctx.target.chain.id, target, data), request.value

    async def estimate(self, ctx: AdapterContext, request: BridgeRequest) -> FeeEstimate:
        self._check(ctx)
        sender = estimate_sender(ctx, request)
        data, value = self._call(ctx, request)
        gas = request.gas_limit or await ctx.source.estimate_gas(
            {
                "from": sender,
                "to": A.L2_TO_L2_CROSS_DOMAIN_MESSENGER,
                "value": hex(value),
                "data": "0x" + data.hex(),
            }
        )
        fees = await estimate_fees(ctx.source)
        l1_fee = 0
        try:
            (l1_fee,) = L1_FEE_UPPER_BOUND.decode(
                await ctx.source.call(
                    GAS_PRICE_ORACLE, L1_FEE_UPPER_BOUND.encode(len(data) + _TX_ENVELOPE_BYTES)
                )
            )
        except RpcError:
            l1_fee = 0  # no GasPriceOracle: the chain charges no L1 fee we can know
        return FeeEstimate(
            initiate_gas=gas,
            max_fee_per_gas=fees.max_fee_per_gas,
            l1_data_fee=int(l1_fee),
            later_steps_gas={"relay": 0},
        )

    async def _check_recipient(self, ctx: AdapterContext, request: BridgeRequest) -> None:
        """Refuse what would lock value forever, unless `options['force']`."""
        if request.options.get("force"):
            return
        target = to_address(request.recipient)
        if target in (A.CROSS_L2_INBOX, A.L2_TO_L2_CROSS_DOMAIN_MESSENGER):
            raise UnsafeRecipientError(f"{target} is an interop predeploy; messages to it revert")
        code = await ctx.target.get_code(target)
        if request.kind is FlowKind.MESSAGE and request.data and not code:
            raise UnsafeRecipientError(
                f"{target} has no code on {ctx.target.chain.name}: the message would do nothing",
                hint="deploy the target first, or pass options={'force': True}",
            )
        if request.kind is FlowKind.ETH and code:
            try:
                await ctx.target.call(target, b"", sender=A.L2_TO_L2_CROSS_DOMAIN_MESSENGER)
            except RpcError as exc:
                raise UnsafeRecipientError(
                    f"{target} on {ctx.target.chain.name} does not accept plain ETH",
                    hint="the relay would fail and the value stay locked; "
                    "pass options={'force': True} to send anyway",
                ) from exc

    async def initiate(self, ctx: AdapterContext, request: BridgeRequest) -> FlowRef:
        self._check(ctx)
        if ctx.signer is None:
            raise MissingSignerError("initiating a bridge flow needs a signer")
        if request.value < 0:
            raise InvalidAmountError(
                "value must not be negative", details=f"got {request.value} wei"
            )
        await ctx.source.ensure_chain_id()
        await ctx.target.ensure_chain_id()
        await self._check_recipient(ctx, request)
        est = await self.estimate(ctx, request)
        balance = await ctx.source.get_balance(ctx.signer.address)
        need = request.value + est.initiate_fee
        if need > balance:
            raise InsufficientFundsError(
                f"sending {request.value} wei to {ctx.target.chain.name} needs {need} wei "
                f"with fees, the balance on {ctx.source.chain.name} is {balance}",
                balance=balance,
                required=need,
            )
        target_block = await ctx.target.block_number()
        if request.kind is FlowKind.ETH:
            rcpt, sent = await send_eth(
                ctx.source,
                ctx.signer,
                destination=ctx.target.chain.id,
                recipient=request.recipient,
                value=request.value,
                gas=request.gas_limit,
            )
        else:
            rcpt, sent = await send_message(
                ctx.source,
                ctx.signer,
                destination=ctx.target.chain.id,
                target=request.recipient,
                data=request.data,
                value=request.value,
                gas=request.gas_limit,
            )
        return await self._ref(ctx, rcpt, sent, request.kind, request.value, target_block)

    async def _ref(
        self,
        ctx: AdapterContext,
        rcpt: Receipt,
        sent: SentMessageRef,
        kind: FlowKind,
        value: int,
        target_block: int,
    ) -> FlowRef:
        ident = await identifier_for(ctx.source, sent.log)
        return FlowRef(
            adapter=self.name,
            direction=Direction.L2_TO_L2,
            kind=kind,
            source_chain=ctx.source.chain.id,
            target_chain=ctx.target.chain.id,
            tx_hash=rcpt.transaction_hash,
            data={
                "message_hash": sent.message.hash,
                "payload": "0x" + sent.message.payload.hex(),
                "identifier": ident.to_json(),
                "value": str(value),
                "target_block": target_block,
            },
        )

    # ------------------------------------------------------------ status / next step
    async def status(self, ctx: AdapterContext, ref: FlowRef) -> FlowStatus:
        self._check(ctx)
        check_ref(ctx, ref, self.name)
        rcpt = await ctx.source.get_receipt(ref.tx_hash)
        if rcpt is None:
            return FlowStatus(Status.PENDING, "waiting-for-source", None, None)
        if not rcpt.succeeded:
            return FlowStatus(Status.FAILED, "send-reverted", None, None)
        h = Hash32(str(ref.data["message_hash"]))
        out = await relay_outcome(ctx.target, h, from_block=int(ref.data.get("target_block", 0)))
        details: dict[str, Any] = {"message_hash": h}
        if out.relayed:
            details["relay_tx"] = out.relay_tx
            return FlowStatus(Status.FINALIZED, "relayed", None, 0, details)
        if out.failed_txs:
            details["failed_relays"] = list(out.failed_txs)
            return FlowStatus(Status.NEEDS_MANUAL_ACTION, "relay-failed", "relay", None, details)
        ident = Identifier.from_json(dict(ref.data["identifier"]))
        now = int((await ctx.target.get_block("latest"))["timestamp"], 16)
        if ident.timestamp > now + 1:
            wait = ident.timestamp - now
            return FlowStatus(Status.PENDING, "waiting-for-destination-time", None, wait, details)
        return FlowStatus(Status.READY_TO_FINALIZE, "ready-to-relay", "relay", 0, details)

    async def execute_next(self, ctx: AdapterContext, ref: FlowRef) -> Hash32 | None:
        """Relay the message yourself (for users who run no relayer).

        For ETH flows the relay transaction carries the flow's value from *your* balance on the
        destination: the 0.1.0 messenger does not release the value locked on the source (see
        docs/superchain.md). So an ETH flow first gives a running relayer `relay_grace` seconds;
        returns None (nothing sent) when someone else relayed, including a lost race.
        """
        self._check(ctx)
        check_ref(ctx, ref, self.name)
        st = await self.status(ctx, ref)
        if st.status in (Status.FINALIZED, Status.FAILED):
            raise AlreadyDoneError(f"flow {ref.tx_hash} is already {st.native}")
        if st.next_step != "relay":
            raise NotReadyError(
                f"message {ref.data['message_hash']} is {st.native}; it cannot be relayed yet",
                details=f"about {st.seconds_to_next}s" if st.seconds_to_next else None,
            )
        ident = Identifier.from_json(dict(ref.data["identifier"]))
        payload = hex_to_bytes(str(ref.data["payload"]))
        value = int(ref.data.get("value", 0))
        h = Hash32(str(ref.data["message_hash"]))
        if value and st.native == "ready-to-relay" and await self._relayed_within_grace(ctx, h):
            return None  # a relayer did it, with its own ETH
        await verify_identifier(ctx.source, ident, payload)
        try:
            rcpt = await relay_message(ctx.target, ctx.signer, ident, payload, value=value)
        except AlreadyDoneError:
            return None  # a relayer won the race; nothing left for the caller
        return rcpt.transaction_hash

    async def _relayed_within_grace(self, ctx: AdapterContext, message_hash: Hash32) -> bool:
        deadline = time.monotonic() + self.relay_grace
        while time.monotonic() < deadline:
            if await is_message_relayed(ctx.target, message_hash):
                return True
            await asyncio.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
        return await is_message_relayed(ctx.target, message_hash)

    async def flow_from_tx(self, ctx: AdapterContext, tx_hash: str) -> FlowRef:
        self._check(ctx)
        rcpt = await ctx.source.get_receipt(tx_hash)
        if rcpt is None:
            raise MessageNotFoundError(f"no receipt for {tx_hash} on {ctx.source.chain.name}")
        sent = get_sent_messages(rcpt)
        mine = [s for s in sent if s.message.destination == ctx.target.chain.id]
        if not mine:
            raise MessageNotFoundError(
                f"{tx_hash} sent no message to {ctx.target.chain.name} ({ctx.target.chain.id})"
            )
        values = await sent_values(ctx.source, rcpt.transaction_hash)
        index = sent.index(mine[0])
        value = values[index] if index < len(values) else 0
        kind = FlowKind.ETH if not mine[0].message.message else FlowKind.MESSAGE
        # the relay can only be on destination blocks after the source block; 0 is always safe
        return await self._ref(ctx, rcpt, mine[0], kind, value, 0)


def message_of(ref: FlowRef) -> SentMessage:
    """The decoded message of a flow (sender, target, nonce, data)."""
    return decode_sent_message(hex_to_bytes(str(ref.data["payload"])))
