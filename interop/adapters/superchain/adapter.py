"""`SuperchainAdapter`: the `BridgeAdapter` protocol for L2 -> L2 between OP chains of one interop set.

Status model (native names in quotes):
  PENDING "waiting-for-destination-time"  the destination's clock is before the source block
  READY_TO_FINALIZE "ready-to-relay"      the message can be executed; a relayer normally does it,
                                          `execute_next` relays it yourself
  FINALIZED "relayed"                     `successfulMessages[hash]` is set on the destination
  NEEDS_MANUAL_ACTION "relay-failed"      a relay ran but the target call failed; retry with
                                          `execute_next` once the cause is fixed
  FAILED "send-reverted"                  the source transaction reverted: nothing was sent

Which chains may talk is chain data plus chain state, never a list of ids in code: a chain runs
the interop predeploys when its own contracts table names `cross_l2_inbox` (`INTEROP_CONTRACT`),
and two such L2s of one parent talk when each is in the other's dependency set, which the adapter
reads from `L1BlockInterop.isInDependencySet` on chain (cached per adapter). A pair outside it is
refused, since a message to a chain outside the dependency set locks its value forever.

Refusal codes (`refusals`, waived with `waive={code}`):
  interop-predeploy   the recipient is CrossL2Inbox or the L2ToL2CrossDomainMessenger: a message
                      to them reverts on relay and its value stays locked
  no-code-target      a message with data to an address with no code on the destination: the
                      call would do nothing
  rejects-eth         ETH to a contract on the destination that reverts a plain transfer from
                      the messenger: the relay can never succeed
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Iterable
from typing import Any

from eth_abi.exceptions import DecodingError

from interop.actions.fees import estimate_fees
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
from interop.adapters.superchain.ref import REF_VERSION, SuperchainRefData
from interop.chains.model import Chain, Stack
from interop.client import ChainClient
from interop.errors import (
    AlreadyDoneError,
    ExecutionRevertedError,
    InputError,
    InsufficientFundsError,
    InvalidAmountError,
    ManualActionRequired,
    MessageNotFoundError,
    MissingSignerError,
    NotReadyError,
    RpcResponseError,
    UnsupportedOperationError,
    mark_sent,
)
from interop.rpc.models import Receipt
from interop.spec.opstack.abis import GPO_GET_L1_FEE_UPPER_BOUND
from interop.spec.opstack.predeploys import GAS_PRICE_ORACLE
from interop.spec.superchain import abis as A
from interop.spec.superchain.formulas import SentMessage
from interop.types import Hash32, to_address

__all__ = ["INTEROP_CONTRACT", "SuperchainAdapter", "message_of"]

INTEROP_CONTRACT = "cross_l2_inbox"
"""Own-chain contracts key (`Chain.contracts`) marking a chain that runs the interop predeploys;
its value is the CrossL2Inbox address (0x4200..22)."""

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
        self.interop_sets = (
            None if interop_sets is None else tuple(frozenset(s) for s in interop_sets)
        )
        """Explicit sets of chain ids that may talk (tests, or a caller who knows better than
        the chain data); None (the default): chain data marks interop chains and the
        dependency sets are read on chain."""
        self.relay_grace = relay_grace
        """Seconds `execute_next` leaves a running relayer to relay an ETH flow before relaying
        it with the caller's own ETH (see `execute_next`)."""
        self._deps: dict[tuple[int, int], bool] = {}

    # ------------------------------------------------------------ routing
    def supports(self, source: Chain, target: Chain) -> bool:
        if (
            source.id == target.id
            or source.stack != Stack.OPSTACK
            or target.stack != Stack.OPSTACK
            or source.parent_id != target.parent_id
        ):
            return False
        if self.interop_sets is not None:
            return any(source.id in s and target.id in s for s in self.interop_sets)
        return _declares_interop(source) and _declares_interop(target)

    def _check(self, ctx: AdapterContext) -> None:
        s, t = ctx.source.chain, ctx.target.chain
        if not self.supports(s, t):
            raise UnsupportedOperationError(
                f"superchain does not route {s.name} ({s.id}) -> {t.name} ({t.id})",
                hint="both chains must be OP Stack L2s of one interop set (same parent, each "
                f"naming {INTEROP_CONTRACT!r} in its contracts, each in the other's dependency "
                "set)",
            )

    async def _check_route(self, ctx: AdapterContext) -> None:
        """`_check`, then each chain's dependency set must hold the other (read on chain once
        per adapter and pair): CrossL2Inbox refuses a message from outside it, so a message
        sent anyway could never be relayed and its value would stay locked. A transport fault
        propagates; a node that answers with a revert (no L1BlockInterop) is a "no"."""
        self._check(ctx)
        if self.interop_sets is not None:
            return
        s, t = ctx.source.chain.id, ctx.target.chain.id
        key = (s, t)
        if key not in self._deps:
            self._deps[key] = await _in_dependency_set(ctx.target, s) and await _in_dependency_set(
                ctx.source, t
            )
        if not self._deps[key]:
            raise UnsupportedOperationError(
                f"{ctx.source.chain.name} ({s}) and {ctx.target.chain.name} ({t}) are not in "
                "each other's interop dependency set",
                hint="L1BlockInterop.isInDependencySet on each chain must name the other",
            )

    # ------------------------------------------------------------ estimate / initiate
    @staticmethod
    def _call(ctx: AdapterContext, request: BridgeRequest) -> tuple[bytes, int]:
        target = to_address(request.recipient)
        data = b"" if request.kind is FlowKind.ETH else request.data
        return A.SEND_MESSAGE.encode(ctx.target.chain.id, target, data), request.value

    async def estimate(self, ctx: AdapterContext, request: BridgeRequest) -> FeeEstimate:
        await self._check_route(ctx)
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
            (l1_fee,) = GPO_GET_L1_FEE_UPPER_BOUND.decode(
                await ctx.source.call(
                    GAS_PRICE_ORACLE,
                    GPO_GET_L1_FEE_UPPER_BOUND.encode(len(data) + _TX_ENVELOPE_BYTES),
                )
            )
        except (ExecutionRevertedError, RpcResponseError, DecodingError):
            # the node answered: no GasPriceOracle (or no such function), so no L1 fee we can
            # know; a transport fault is not an answer and propagates (no fee of 0 on a guess)
            l1_fee = 0
        return FeeEstimate(
            initiate_gas=gas,
            max_fee_per_gas=fees.max_fee_per_gas,
            l1_data_fee=int(l1_fee),
            later_steps_gas={"relay": 0},
        )

    # ------------------------------------------------------------ the seam's other members
    option_names: frozenset[str] = frozenset({"sender"})
    """`sender`: who would send, for a read-only `estimate`."""

    ref_version: int = REF_VERSION

    def decode_ref(self, ref: FlowRef) -> FlowRef:
        """`ref` with its data in the current codec version (see `superchain.ref`)."""
        if ref.adapter != self.name:
            raise InputError(
                f"flow {ref.tx_hash} belongs to adapter {ref.adapter!r}, not superchain"
            )
        data = SuperchainRefData.decode(ref.data, ref.version)
        if ref.version == REF_VERSION:
            return ref
        return dataclasses.replace(ref, data=data.encode(), version=REF_VERSION)

    async def plan(
        self, ctx: AdapterContext, direction: Direction, kind: FlowKind
    ) -> tuple[PlannedStep, ...]:
        """Initiate on the source, then a relayer executes the message on the destination as
        soon as the destination's clock reaches the source block (no configured wait)."""
        self._check(ctx)
        return (
            PlannedStep("initiate", Actor.CALLER, 0),
            PlannedStep(
                "relay",
                Actor.RELAYER,
                None,
                "a relayer executes it; execute_next relays it yourself",
            ),
        )

    async def refusals(self, ctx: AdapterContext, request: BridgeRequest) -> tuple[Refusal, ...]:
        """What would lock the value or do nothing (codes in the module docstring)."""
        await self._check_route(ctx)
        out: list[Refusal] = []
        target = to_address(request.recipient)
        if target in (A.CROSS_L2_INBOX, A.L2_TO_L2_CROSS_DOMAIN_MESSENGER):
            out.append(
                Refusal(
                    "interop-predeploy",
                    f"{target} is an interop predeploy; a message to it reverts on relay",
                    "send to the intended account or contract",
                )
            )
            return tuple(r for r in out if r.code not in request.waive)
        code = await ctx.target.get_code(target)
        if request.kind is FlowKind.MESSAGE and request.data and not code:
            out.append(
                Refusal(
                    "no-code-target",
                    f"{target} has no code on {ctx.target.chain.name}: the message would do "
                    "nothing",
                    "deploy the target first, or waive 'no-code-target'",
                )
            )
        if request.kind is FlowKind.ETH and code:
            try:
                # as the messenger would call it on relay: with the value, the messenger funded
                # by a state override (an unfunded caller fails for want of gas money instead)
                m = A.L2_TO_L2_CROSS_DOMAIN_MESSENGER
                await ctx.target.call(
                    target,
                    b"",
                    sender=m,
                    value=request.value,
                    state_override={m: {"balance": hex(request.value + 10**18)}},
                )
            except ExecutionRevertedError:
                out.append(
                    Refusal(
                        "rejects-eth",
                        f"{target} on {ctx.target.chain.name} does not accept plain ETH: the "
                        "relay would fail and the value stay locked",
                        "send to an address that accepts ETH, or waive 'rejects-eth'",
                    )
                )
            except RpcResponseError:
                pass  # the node cannot simulate: not a reason to refuse
        return tuple(r for r in out if r.code not in request.waive)

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
        est = await self.estimate(ctx, request)  # checks the route (dependency sets) too
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
        data = SuperchainRefData(
            message_hash=sent.message.hash,
            payload=sent.message.payload,
            identifier=ident,
            value=value,
            target_block=target_block,
            recipient=sent.message.target,
        )
        return FlowRef(
            adapter=self.name,
            direction=Direction.L2_TO_L2,
            kind=kind,
            source_chain=ctx.source.chain.id,
            target_chain=ctx.target.chain.id,
            tx_hash=rcpt.transaction_hash,
            data=data.encode(),
            version=REF_VERSION,
        )

    # ------------------------------------------------------------ status / next step
    async def status(self, ctx: AdapterContext, ref: FlowRef) -> FlowStatus:
        self._check(ctx)
        check_ref(ctx, ref, self.name)
        data = SuperchainRefData.decode(ref.data, ref.version)
        rcpt = await ctx.source.get_receipt(ref.tx_hash)
        if rcpt is None:
            return FlowStatus(Status.PENDING, "waiting-for-source", None, None, actor=Actor.RELAYER)
        if not rcpt.succeeded:
            return FlowStatus(Status.FAILED, "send-reverted", None, None)
        h = data.message_hash
        out = await relay_outcome(ctx.target, h, from_block=data.target_block)
        details: dict[str, Any] = {"message_hash": h}
        if out.relayed:
            details["relay_tx"] = out.relay_tx
            return FlowStatus(Status.FINALIZED, "relayed", None, 0, details)
        if out.failed_txs:
            details["failed_relays"] = list(out.failed_txs)
            details["action"] = (
                f"a relay ran on {ctx.target.chain.name} but the call to the target "
                f"{data.recipient} failed; fix the cause (the target's state, or its gas), then "
                "relay again with execute_next (an ETH flow's relay pays the value again from "
                "your destination balance)"
            )
            return FlowStatus(
                Status.NEEDS_MANUAL_ACTION, "relay-failed", "relay", None, details, Actor.CALLER
            )
        now = int((await ctx.target.get_block("latest"))["timestamp"], 16)
        if data.identifier.timestamp > now:
            wait = data.identifier.timestamp - now
            return FlowStatus(
                Status.PENDING,
                "waiting-for-destination-time",
                None,
                wait,
                details,
                Actor.NOBODY,
            )
        return FlowStatus(
            Status.READY_TO_FINALIZE, "ready-to-relay", "relay", 0, details, Actor.RELAYER
        )

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
                f"message {st.details.get('message_hash')} is {st.native}; it cannot be relayed "
                "yet",
                details=f"about {st.seconds_to_next}s" if st.seconds_to_next else None,
            )
        data = SuperchainRefData.decode(ref.data, ref.version)
        ident, payload, value, h = data.identifier, data.payload, data.value, data.message_hash
        if value and st.native == "ready-to-relay" and await self._relayed_within_grace(ctx, h):
            return None  # a relayer did it, with its own ETH
        await verify_identifier(ctx.source, ident, payload)
        try:
            rcpt = await relay_message(ctx.target, ctx.signer, ident, payload, value=value)
        except AlreadyDoneError:
            return None  # a relayer won the race; nothing left for the caller
        if st.status is Status.NEEDS_MANUAL_ACTION:
            again = await self.status(ctx, ref)
            if again.status is Status.NEEDS_MANUAL_ACTION:
                # the retry failed the same way: a person must fix the cause first
                err = ManualActionRequired(
                    f"message {h} failed again when relayed on {ctx.target.chain.name}",
                    action=str(again.details["action"]),
                )
                raise mark_sent(err, rcpt.transaction_hash)
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
    return SuperchainRefData.decode(ref.data, ref.version).message


def _declares_interop(chain: Chain) -> bool:
    return INTEROP_CONTRACT in chain.contracts


async def _in_dependency_set(client: ChainClient, chain_id: int) -> bool:
    """`L1BlockInterop.isInDependencySet(chain_id)` on `client`'s chain; False when the node
    answers with a revert or an error (no interop L1Block there). Transport faults propagate."""
    try:
        out = await client.call(A.L1_BLOCK, A.IS_IN_DEPENDENCY_SET.encode(chain_id))
    except (ExecutionRevertedError, RpcResponseError):
        return False
    return len(out) >= 32 and int.from_bytes(out[:32], "big") == 1
