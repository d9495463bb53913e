"""`LineaAdapter`: the `BridgeAdapter` protocol over Linea's canonical message service.

Routes: L1 -> Linea (`LineaRollup.sendMessage` with value and fee) and Linea -> L1
(`L2MessageService.sendMessage`), for ETH (empty calldata) and messages (any target, calldata,
value, fee). Status mapping, and who acts next:

| direction | native | uniform | next step | actor |
| --- | --- | --- | --- | --- |
| L1 -> L2 | UNKNOWN (not anchored on L2 yet) | PENDING | claim | relayer (coordinator) |
| L1 -> L2 | CLAIMABLE, fee >= the postman's minimum | PENDING | claim | relayer (postman) |
| L1 -> L2 | CLAIMABLE, no fee or a smaller one | READY_TO_FINALIZE | claim | caller |
| L1 -> L2 | CLAIMED | FINALIZED | - | - |
| L2 -> L1 | SENT (its L2 block not finalized on L1) | WAITING_TO_FINALIZE | claim | relayer |
| L2 -> L1 | CLAIMABLE (finalized: `L2MessagingBlockAnchored`), no postman fee or too small | READY_TO_FINALIZE | claim | caller |
| L2 -> L1 | CLAIMABLE, postman fee >= its minimum at L1's gas price | WAITING_TO_FINALIZE | claim | relayer (postman) |
| L2 -> L1 | CLAIMED (`isMessageClaimed(nonce)`) | FINALIZED | - | - |

A caller may always claim a claimable message itself (`execute_next`), postman or not. The
L2 -> L1 claim carries a Merkle proof built here from the L2 `MessageSent` events of the
finalization's blocks and the roots its L1 transaction announced (`interop.spec.linea`): no
hosted API. Every log search is bounded (`LOG_WINDOW` blocks per `eth_getLogs`, split further
when a provider refuses a range).

Options (`option_names`): `fee`, the postman's fee in wei (default 0: the caller claims; on
L2 -> L1 the contract's `minimumFeeInWei` is added to it, as the contract requires);
`sender` (estimates without a key). Refusal codes: `fee-below-postman-minimum`,
`claim-needs-l2-gas`, `rate-limit` (see `refusals`).
"""

from __future__ import annotations

from typing import Any

from interop.actions.contract import call_one
from interop.actions.fees import estimate_fees
from interop.actions.tx import send_transaction, wait_for_receipt
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
from interop.adapters.linea.refdata import REF_VERSION, RefData, decode_data, upgrade_ref
from interop.chains.model import Chain, ContractName, Stack
from interop.client import ChainClient
from interop.errors import (
    AlreadyDoneError,
    BridgeError,
    ExecutionRevertedError,
    InputError,
    InvalidAmountError,
    MessageNotFoundError,
    NotReadyError,
    RpcError,
    UnsupportedOperationError,
    mark_sent,
)
from interop.families.linea import linea_estimate_gas
from interop.rpc.models import Log, Receipt
from interop.signer import require_signer
from interop.spec.linea import abis
from interop.spec.linea.formulas import (
    POSTMAN_CLAIM_GAS,
    SentMessage,
    decode_message_sent,
    message_proof,
    postman_minimum_fee,
    verify_merkle_proof,
)
from interop.types import Address, Hash32, hex_to_bytes, to_address, to_hash32

__all__ = [
    "DEFAULT_FINALIZATION_SECONDS",
    "L2_MESSAGE_SERVICE",
    "LOG_WINDOW",
    "OPTION_NAMES",
    "LineaAdapter",
]

OPTION_NAMES = frozenset({"sender", "fee"})
L2_MESSAGE_SERVICE = "l2_message_service"
"""Key of the L2MessageService in the Linea chain's `contracts`."""
LOG_WINDOW = 10_000
"""Blocks per `eth_getLogs` request (public endpoints cap ranges; a refused range splits)."""
FINALIZATION_LOOKBACK = 50_000
"""L1 blocks searched back for the latest finalization, to measure how long they take."""
DEFAULT_FINALIZATION_SECONDS = 8 * 3600
"""Assumed time from an L2 block to its finalization on L1 when no finalization is visible in
`FINALIZATION_LOOKBACK` L1 blocks (an assumption, not a chain value: the measured delay of the
latest finalization is used whenever there is one)."""
ZERO = "0x" + "00" * 20


class _Route:
    def __init__(self, direction: Direction, l1: ChainClient, l2: ChainClient, l2_chain: Chain):
        self.direction, self.l1, self.l2 = direction, l1, l2
        rollup = l2_chain.parent_contracts.get(l1.chain.id, {}).get(
            ContractName.LINEA_MESSAGE_SERVICE
        )
        l2ms = l2_chain.contracts.get(L2_MESSAGE_SERVICE)
        if rollup is None or l2ms is None:
            raise UnsupportedOperationError(
                f"the chain data of {l2_chain.name} names no message service "
                f"({ContractName.LINEA_MESSAGE_SERVICE!r} on chain {l1.chain.id}, "
                f"{L2_MESSAGE_SERVICE!r} on {l2_chain.id})",
                hint="add both addresses to the chain's data",
            )
        self.rollup, self.l2ms = to_address(rollup), to_address(l2ms)

    @property
    def source_service(self) -> Address:
        return self.rollup if self.direction is Direction.L1_TO_L2 else self.l2ms


def _topic_int(n: int) -> str:
    return "0x" + n.to_bytes(32, "big").hex()


class LineaAdapter:
    """L1 <-> Linea through `LineaRollup` and `L2MessageService` (see the module docstring)."""

    name = "linea"
    option_names = OPTION_NAMES
    ref_version = REF_VERSION

    def supports(self, source: Chain, target: Chain) -> bool:
        if target.stack == Stack.LINEA and target.parent_id == source.id:
            return True
        return source.stack == Stack.LINEA and source.parent_id == target.id

    def _route(self, ctx: AdapterContext) -> _Route:
        s, t = ctx.source.chain, ctx.target.chain
        if t.stack == Stack.LINEA and t.parent_id == s.id:
            return _Route(Direction.L1_TO_L2, ctx.source, ctx.target, t)
        if s.stack == Stack.LINEA and s.parent_id == t.id:
            return _Route(Direction.L2_TO_L1, ctx.target, ctx.source, s)
        raise UnsupportedOperationError(
            f"no Linea route {s.name} -> {t.name}", hint="pick the adapter of their stack"
        )

    def decode_ref(self, ref: FlowRef) -> FlowRef:
        return upgrade_ref(ref)

    # ------------------------------------------------------------------ fees and checks
    @staticmethod
    def _postman_fee(request: BridgeRequest) -> int:
        fee = request.options.get("fee", 0)
        if isinstance(fee, bool) or not isinstance(fee, int):
            raise InvalidAmountError(f"options['fee'] must be an int number of wei, not {fee!r}")
        if fee < 0:
            raise InvalidAmountError("options['fee'] must not be negative")
        return fee

    async def _message_fee(self, r: _Route, request: BridgeRequest) -> int:
        """The `_fee` argument of `sendMessage`: the postman's fee, plus on L2 the contract's
        `minimumFeeInWei` (paid to the block's coinbase; the message records the rest)."""
        fee = self._postman_fee(request)
        if r.direction is Direction.L2_TO_L1:
            fee += int(await call_one(r.l2, r.l2ms, abis.MINIMUM_FEE_IN_WEI))
        return fee

    async def _gas(
        self, client: ChainClient, sender: str, to: str, value: int, data: bytes
    ) -> tuple[int, int]:
        """(gas, max fee per gas) of one call: `linea_estimateGas` on a Linea node that offers
        it (its gas limit, and base fee + priority fee, which prices the data's L1 cost), else
        `eth_estimateGas` and the usual fee estimate (a plain node, such as the devnet's)."""
        tx = {"from": sender, "to": to, "value": hex(value), "data": "0x" + data.hex()}
        if client.chain.stack == Stack.LINEA:
            got = await linea_estimate_gas(client, tx)
            if got is not None:
                return got
        gas = await client.estimate_gas(tx)
        fees = await estimate_fees(client)
        return gas, fees.max_fee_per_gas

    async def estimate(self, ctx: AdapterContext, request: BridgeRequest) -> FeeEstimate:
        r = self._route(ctx)
        sender = estimate_sender(ctx, request)
        fee = await self._message_fee(r, request)
        data = abis.SEND_MESSAGE.encode(request.recipient, fee, request.data)
        gas, price = await self._gas(
            ctx.source, sender, r.source_service, max(request.value, 0) + fee, data
        )
        return FeeEstimate(initiate_gas=gas, max_fee_per_gas=price, extra_value=fee)

    async def postman_minimum(self, ctx: AdapterContext) -> int:
        """The smallest fee the postman claims a message to `ctx.target` for, at the target's
        gas price now (`postman_minimum_fee` with `POSTMAN_CLAIM_GAS`, margin 1.0)."""
        fees = await estimate_fees(ctx.target)
        return postman_minimum_fee(POSTMAN_CLAIM_GAS, fees.max_fee_per_gas)

    async def refusals(self, ctx: AdapterContext, request: BridgeRequest) -> tuple[Refusal, ...]:
        """- `fee-below-postman-minimum`: the message carries a postman fee, but less than the
          postman claims for (`postman_minimum`): nobody would claim it; the caller must
          (waive it to send anyway and claim with `execute_next`). A fee of 0 is the plain
          way to claim oneself and is not refused.
        - `claim-needs-l2-gas`: L1 -> L2 with no postman fee, and the sender cannot pay the
          claim's gas on the L2 (a first deposit to Linea would otherwise be stuck until the
          account is funded there).
        - `rate-limit`: L2 -> L1: value + fee exceed what `LineaRollup`'s rate limit leaves in
          its current period; the claim on L1 would revert until the period ends."""
        r = self._route(ctx)
        sender = estimate_sender(ctx, request)
        out: list[Refusal] = []
        fee = self._postman_fee(request)
        if fee == 0 and r.direction is Direction.L1_TO_L2:
            # Nobody claims a fee-less message but its owner, and the claim is paid in L2 gas:
            # a first deposit to Linea from an account with no ETH there would be stuck.
            price = (await estimate_fees(r.l2)).max_fee_per_gas
            need = POSTMAN_CLAIM_GAS * price
            have = await r.l2.get_balance(sender)
            if have < need:
                minimum = postman_minimum_fee(POSTMAN_CLAIM_GAS, price)
                out.append(
                    Refusal(
                        "claim-needs-l2-gas",
                        f"a message with no postman fee must be claimed on "
                        f"{ctx.target.chain.name} by you, which costs about {need} wei of gas "
                        f"there, and {sender} holds {have} wei on it",
                        f"pay the postman: options={{'fee': {minimum * 6 // 5}}} (it claims "
                        "for you; Linea refunds what the claim did not cost to the recipient), "
                        "or fund the account on the L2 first, or waive the code",
                    )
                )
        if fee > 0:
            minimum = await self.postman_minimum(ctx)
            if fee < minimum:
                out.append(
                    Refusal(
                        "fee-below-postman-minimum",
                        f"a fee of {fee} wei is below the {minimum} wei the postman claims "
                        f"messages to {ctx.target.chain.name} for: nobody will claim it for you",
                        f"pay at least {minimum} wei, or send fee 0 and claim it yourself "
                        "(complete() does), or waive the code",
                    )
                )
        if r.direction is Direction.L2_TO_L1:
            limit = int(await call_one(r.l1, r.rollup, abis.LIMIT_IN_WEI))
            used = int(await call_one(r.l1, r.rollup, abis.CURRENT_PERIOD_AMOUNT_IN_WEI))
            if max(request.value, 0) + fee > limit - used:
                out.append(
                    Refusal(
                        "rate-limit",
                        f"{request.value + fee} wei is more than the {max(limit - used, 0)} wei "
                        f"the L1 message service's withdrawal limit leaves this period",
                        "send less, or claim after the limit's period ends",
                    )
                )
        return tuple(x for x in out if x.code not in request.waive)

    # ------------------------------------------------------------------ plan
    async def plan(
        self, ctx: AdapterContext, direction: Direction, kind: FlowKind
    ) -> tuple[PlannedStep, ...]:
        r = self._route(ctx)
        if direction is not r.direction:
            raise UnsupportedOperationError(
                f"{ctx.source.chain.name} -> {ctx.target.chain.name} is "
                f"{r.direction.value}, not {direction.value}"
            )
        first = PlannedStep("initiate", Actor.CALLER, 0)
        if direction is Direction.L1_TO_L2:
            return (
                first,
                PlannedStep(
                    "anchor",
                    Actor.RELAYER,
                    None,
                    "the coordinator anchors the message hash on Linea (a few L1 blocks)",
                ),
                PlannedStep(
                    "claim",
                    Actor.CALLER,
                    0,
                    "claimMessage on Linea; the postman claims it instead when the message "
                    "carries a fee of at least its minimum (options['fee'])",
                ),
            )
        note = "the coordinator finalizes the L2 block on L1 with the messages' Merkle root"
        wait: int | None = None
        try:
            wait = await self._finalization_lag(r)
        except RpcError as exc:
            note += f" (its usual delay could not be read: {exc.message})"
        return (
            first,
            PlannedStep("finalize", Actor.RELAYER, wait, note),
            PlannedStep(
                "claim", Actor.CALLER, 0, "claimMessageWithProof on L1 with a locally built proof"
            ),
        )

    async def _finalization_lag(self, r: _Route) -> int:
        """Seconds from an L2 block to its finalization on L1, as the latest finalization in
        the last `FINALIZATION_LOOKBACK` L1 blocks took; `DEFAULT_FINALIZATION_SECONDS` when
        there is none."""
        head = await r.l1.block_number()
        logs = await r.l1.get_logs(
            address=r.rollup,
            topics=[abis.DATA_FINALIZED_TOPIC],
            from_block=max(0, head - FINALIZATION_LOOKBACK),
            to_block=head,
            max_block_range=LOG_WINDOW,
        )
        if not logs:
            return DEFAULT_FINALIZATION_SECONDS
        last = logs[-1]
        l1_ts = int((await r.l1.get_block(last.block_number))["timestamp"], 16)
        l2_ts = int((await r.l2.get_block(int(last.topics[1], 16)))["timestamp"], 16)
        return max(0, l1_ts - l2_ts)

    # ------------------------------------------------------------------ initiate
    async def initiate(self, ctx: AdapterContext, request: BridgeRequest) -> FlowRef:
        r = self._route(ctx)
        signer = require_signer(ctx.signer, "send this step's transaction")
        if request.value < 0:
            raise InvalidAmountError("a negative amount cannot be bridged")
        fee = await self._message_fee(r, request)
        l1_from = await r.l1.block_number()
        data = abis.SEND_MESSAGE.encode(request.recipient, fee, request.data)
        h = await send_transaction(
            ctx.source, signer, to=r.source_service, value=request.value + fee, data=data
        )
        rcpt = await wait_for_receipt(ctx.source, h)  # its errors carry the hash
        sent = self._sent(rcpt, r.source_service)
        if not sent:  # mined, but not a message of this service: say so, with the hash
            raise mark_sent(MessageNotFoundError(f"{h} emitted no MessageSent"), h)
        return self._ref(r, request.kind, h, sent[0], l1_from)

    @staticmethod
    def _sent(rcpt: Receipt, service: Address) -> list[SentMessage]:
        return [
            decode_message_sent(lg)
            for lg in rcpt.logs
            if to_address(lg.address) == service
            and lg.topics
            and lg.topics[0] == abis.MESSAGE_SENT_TOPIC
        ]

    def _ref(
        self, r: _Route, kind: FlowKind, tx_hash: Hash32, m: SentMessage, l1_from: int
    ) -> FlowRef:
        src, dst = (
            (r.l1.chain.id, r.l2.chain.id)
            if r.direction is Direction.L1_TO_L2
            else (r.l2.chain.id, r.l1.chain.id)
        )
        return FlowRef(
            self.name,
            r.direction,
            kind,
            src,
            dst,
            to_hash32(tx_hash),
            RefData.of(m, l1_from).encode(),
            version=REF_VERSION,
        )

    # ------------------------------------------------------------------ status
    async def status(self, ctx: AdapterContext, ref: FlowRef) -> FlowStatus:
        r = self._route(ctx)
        check_ref(ctx, ref, self.name)
        d = decode_data(ref.data, ref.version)
        details: dict[str, Any] = {"message_hash": d.message_hash, "nonce": d.nonce}
        if r.direction is Direction.L1_TO_L2:
            st = int(
                await call_one(
                    r.l2, r.l2ms, abis.INBOX_L1_L2_MESSAGE_STATUS, hex_to_bytes(d.message_hash)
                )
            )
            if st == 2:
                return FlowStatus(Status.FINALIZED, "CLAIMED", details=details)
            if st == 0:
                return FlowStatus(Status.PENDING, "UNKNOWN", "claim", None, details, Actor.RELAYER)
            minimum = await self.postman_minimum(ctx)
            details["postman_minimum_fee"] = minimum
            if d.fee > 0 and d.fee >= minimum:
                return FlowStatus(Status.PENDING, "CLAIMABLE", "claim", 0, details, Actor.RELAYER)
            return FlowStatus(
                Status.READY_TO_FINALIZE, "CLAIMABLE", "claim", 0, details, Actor.CALLER
            )
        if await call_one(r.l1, r.rollup, abis.IS_MESSAGE_CLAIMED, d.nonce):
            return FlowStatus(Status.FINALIZED, "CLAIMED", details=details)
        anchored = await self._anchoring(r, d)
        if anchored is not None:
            details["finalization_tx"] = anchored.transaction_hash
            if d.fee > 0:
                minimum = await self.postman_minimum(ctx)
                details["postman_minimum_fee"] = minimum
                if d.fee >= minimum:  # the postman finishes it (the caller still may)
                    return FlowStatus(
                        Status.WAITING_TO_FINALIZE,
                        "CLAIMABLE",
                        "claim",
                        None,
                        details,
                        Actor.RELAYER,
                    )
            return FlowStatus(
                Status.READY_TO_FINALIZE, "CLAIMABLE", "claim", 0, details, Actor.CALLER
            )
        secs = await self.seconds_to_claim(r, d)
        return FlowStatus(Status.WAITING_TO_FINALIZE, "SENT", "claim", secs, details, Actor.RELAYER)

    async def seconds_to_claim(self, r: _Route, d: RefData) -> int:
        """Time-to-claim estimate of an L2 -> L1 message: its block's time plus the latest
        finalization's delay, minus L1's time now (at least 1 s while it is not finalized)."""
        lag = await self._finalization_lag(r)
        sent_ts = int((await r.l2.get_block(d.block))["timestamp"], 16)
        now = int((await r.l1.get_block("latest"))["timestamp"], 16)
        return max(1, sent_ts + lag - now)

    async def _anchoring(self, r: _Route, d: RefData) -> Log | None:
        """The L1 `L2MessagingBlockAnchored(block)` of the message's L2 block, if finalized."""
        logs = await r.l1.get_logs(
            address=r.rollup,
            topics=[abis.L2_MESSAGING_BLOCK_ANCHORED_TOPIC, _topic_int(d.block)],
            from_block=d.l1_from,
            to_block="latest",
            max_block_range=LOG_WINDOW,
        )
        return logs[0] if logs else None

    # ------------------------------------------------------------------ execute
    async def execute_next(self, ctx: AdapterContext, ref: FlowRef) -> Hash32 | None:
        r = self._route(ctx)
        check_ref(ctx, ref, self.name)
        d = decode_data(ref.data, ref.version)
        st = await self.status(ctx, ref)
        if st.status is Status.FINALIZED:
            raise AlreadyDoneError(f"message {d.message_hash} is already claimed")
        if st.native != "CLAIMABLE":
            raise NotReadyError(
                f"message {d.message_hash} cannot be claimed yet ({st.native})",
                hint="wait for the coordinator to "
                + ("anchor it on Linea" if r.direction is Direction.L1_TO_L2 else "finalize it"),
            )
        signer = require_signer(ctx.signer, "claim the message")
        if r.direction is Direction.L1_TO_L2:
            client, to = r.l2, r.l2ms
            data = abis.CLAIM_MESSAGE.encode(
                d.sender, d.to, d.fee, d.value, ZERO, d.calldata, d.nonce
            )
        else:
            client, to = r.l1, r.rollup
            data = await self.claim_calldata(r, d, to_hash32(st.details["finalization_tx"]))
        try:
            h = await send_transaction(client, signer, to=to, data=data)
        except ExecutionRevertedError:
            again = await self.status(ctx, ref)  # a postman claimed it in between?
            if again.status is Status.FINALIZED:
                raise AlreadyDoneError(
                    f"message {d.message_hash} was claimed by someone else just now"
                ) from None
            raise
        return h

    async def claim_calldata(self, r: _Route, d: RefData, finalization_tx: Hash32) -> bytes:
        """`claimMessageWithProof` for an L2 -> L1 message, with its proof built from the L2
        `MessageSent` hashes of the blocks its finalization anchored (as the SDK's
        `getMessageProof` does), checked against the roots that transaction added."""
        rcpt = await r.l1.get_receipt(finalization_tx)
        if rcpt is None:
            raise NotReadyError(f"the finalization {finalization_tx} has no receipt yet")
        mine = [lg for lg in rcpt.logs if to_address(lg.address) == r.rollup and lg.topics]
        roots = {
            hex_to_bytes(lg.topics[1]): int(lg.topics[2], 16)
            for lg in mine
            if lg.topics[0] == abis.L2_MERKLE_ROOT_ADDED_TOPIC
        }
        blocks = [
            int(lg.topics[1], 16)
            for lg in mine
            if lg.topics[0] == abis.L2_MESSAGING_BLOCK_ANCHORED_TOPIC
        ]
        if not roots or not blocks:
            raise BridgeError(f"finalization {finalization_tx} added no L2 message roots")
        logs = await r.l2.get_logs(
            address=r.l2ms,
            topics=[abis.MESSAGE_SENT_TOPIC],
            from_block=min(blocks),
            to_block=max(blocks),
            max_block_range=LOG_WINDOW,
        )
        hashes = [hex_to_bytes(decode_message_sent(lg).message_hash) for lg in logs]
        leaf = hex_to_bytes(d.message_hash)
        if leaf not in hashes:
            raise BridgeError(
                f"message {d.message_hash} is not among the L2 messages of finalization "
                f"{finalization_tx}"
            )
        depth = next(iter(roots.values()))
        p = message_proof(hashes, leaf, depth)
        if p.root not in roots or not verify_merkle_proof(leaf, p.proof, p.leaf_index, p.root):
            raise BridgeError(
                f"the Merkle proof of {d.message_hash} does not match the roots finalization "
                f"{finalization_tx} added",
                hint="the L2 node may be missing logs; try another L2 RPC",
            )
        return abis.CLAIM_MESSAGE_WITH_PROOF.encode(
            (
                list(p.proof),
                d.nonce,
                p.leaf_index,
                d.sender,
                d.to,
                d.fee,
                d.value,
                ZERO,
                p.root,
                d.calldata,
            )
        )

    # ------------------------------------------------------------------ rebuild
    async def flow_from_tx(self, ctx: AdapterContext, tx_hash: str) -> FlowRef:
        r = self._route(ctx)
        try:
            h = to_hash32(tx_hash)
        except InputError as exc:
            raise MessageNotFoundError(f"{tx_hash!r} is not a transaction hash") from exc
        rcpt = await ctx.source.get_receipt(h)
        if rcpt is None:
            raise MessageNotFoundError(f"no receipt for {h} on {ctx.source.chain.name}")
        sent = self._sent(rcpt, r.source_service)
        if not sent:
            raise MessageNotFoundError(f"{h} sent no Linea message from {ctx.source.chain.name}")
        m = sent[0]
        kind = FlowKind.MESSAGE if m.calldata else FlowKind.ETH
        l1_from = rcpt.block_number if r.direction is Direction.L1_TO_L2 else 0
        if r.direction is Direction.L2_TO_L1:
            ts = int((await r.l2.get_block(m.block_number))["timestamp"], 16)
            l1_from = await self._l1_block_before(r.l1, ts)
        return self._ref(r, kind, h, m, l1_from)

    @staticmethod
    async def _l1_block_before(l1: ChainClient, ts: int) -> int:
        """The last L1 block with timestamp <= `ts` (bisection; 0 if none): a search start
        no later than anything that happened after `ts`."""
        lo, hi = 0, await l1.block_number()
        if int((await l1.get_block(lo))["timestamp"], 16) > ts:
            return 0
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if int((await l1.get_block(mid))["timestamp"], 16) <= ts:
                lo = mid
            else:
                hi = mid - 1
        return lo
