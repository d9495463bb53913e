"""`ZkSyncAdapter`: the `BridgeAdapter` protocol over a ZK chain's canonical bridge.

Routes: L1 -> ZK chain (`Bridgehub.requestL2TransactionDirect`: ETH, and messages = calldata
to any L2 contract with value) and ZK chain -> L1 (ETH: `L2BaseToken.withdraw`, finalized on L1
by the caller with `L1Nullifier.finalizeDeposit` and a log proof). Status mapping:

| direction | native | uniform | next step | actor |
| --- | --- | --- | --- | --- |
| L1 -> L2 | QUEUED (priority op not executed on L2 yet) | PENDING | - | relayer (sequencer) |
| L1 -> L2 | EXECUTED (L2 receipt of the canonical hash, status 1) | FINALIZED | - | - |
| L1 -> L2 | FAILED (status 0: mint - fee refunded on L2) | FAILED | - | - |
| L2 -> L1 | SENT / SEALED / COMMITTED / PROVEN (batch not executed) | WAITING_TO_FINALIZE | finalize | relayer (operator) |
| L2 -> L1 | EXECUTED (batch executed on L1) | READY_TO_FINALIZE | finalize | caller |
| L2 -> L1 | FINALIZED (`isWithdrawalFinalized`) | FINALIZED | - | - |

The finalization proof comes from the node (`zks_getL2ToL1LogProof`) and is checked here,
against the batch root the chain's diamond stores on L1 (`l2LogsRootHash`), exactly as the L1
Mailbox checks it (`interop.spec.zksync.logs.verify_log_proof`), before anything is signed: a
bad proof never costs gas. A withdrawal finalized already (by anyone) is reported as FINALIZED
and `execute_next` raises `AlreadyDoneError`, never a revert.

A failed deposit: the protocol mints the whole `mintValue` on L2 whatever happens, and on
failure refunds it (minus the fee) to the refund recipient on L2. There is no ETH to claim back
on L1 for a direct deposit (`claimFailedDeposit` recovers deposits made through the asset
router, i.e. tokens); `execute_next` on a failed or a successful deposit raises
`AlreadyDoneError` saying so.

Options (`option_names`): `sender` (estimates without a key), `refund_recipient` (L2 address
refunded what the deposit does not spend; default the sender). Refusal codes:
`l2-call-reverts` (L1 -> L2: the L2 call reverts in simulation: the deposit would fail and be
refunded on L2), `recipient-rejects-eth` (L2 -> L1: the L1 recipient's code refuses ETH: the
finalization would revert).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eth_abi.abi import decode as abi_decode

from interop.abi import Fn
from interop.actions.contract import call_one
from interop.actions.fees import Fees, estimate_fees
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
from interop.adapters.zksync.refdata import REF_VERSION, check_data
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
    RpcResponseError,
    UnsupportedOperationError,
    mark_sent,
)
from interop.rpc.models import Receipt
from interop.signer import require_signer
from interop.spec.zksync import abis
from interop.spec.zksync.addresses import L1_MESSENGER, L2_BASE_TOKEN
from interop.spec.zksync.logs import message_log, verify_log_proof
from interop.spec.zksync.priority import (
    REQUIRED_L2_GAS_PRICE_PER_PUBDATA,
    CanonicalTx,
    decode_eth_withdrawal_message,
)
from interop.types import Address, Hash32, hex_to_bytes, to_address, to_hash32

__all__ = [
    "DEFAULT_L2_GAS_LIMIT",
    "EXECUTION_DELAY_SECONDS",
    "OPTION_NAMES",
    "ZkSyncAdapter",
]

OPTION_NAMES = frozenset({"sender", "refund_recipient"})
DEFAULT_L2_GAS_LIMIT = 300_000
"""L2 gas limit of a deposit when the node offers no `zks_estimateGasL1ToL2`."""
EXECUTION_DELAY_SECONDS = 3 * 3600
"""Expected time from a batch's commit to its execution on L1 (Era's ValidatorTimelock delay):
an estimate for `seconds_to_next` only; readiness is always read from L1."""
L1_NULLIFIER = Fn("L1_NULLIFIER()", ("address",))


class _Route:
    def __init__(self, direction: Direction, l1: ChainClient, l2: ChainClient, l2_chain: Chain):
        self.direction, self.l1, self.l2 = direction, l1, l2
        c = l2_chain.parent_contracts.get(l1.chain.id, {})
        hub = c.get(ContractName.ZK_BRIDGEHUB)
        if hub is None:
            raise UnsupportedOperationError(
                f"the chain data of {l2_chain.name} names no Bridgehub on chain {l1.chain.id}",
                hint=f"add {ContractName.ZK_BRIDGEHUB!r} to its parent contracts",
            )
        self.bridgehub = to_address(hub)
        d, n, s = (
            c.get(ContractName.ZK_DIAMOND_PROXY),
            c.get(ContractName.ZK_NULLIFIER),
            c.get(ContractName.ZK_SHARED_BRIDGE),
        )
        self._diamond = to_address(d) if d else None
        self._nullifier = to_address(n) if n else None
        self._router = to_address(s) if s else None

    @property
    def chain_id(self) -> int:
        return self.l2.chain.id

    async def diamond(self) -> Address:
        """The chain's diamond proxy: chain data, else `Bridgehub.getZKChain(chainId)`."""
        if self._diamond is None:
            got = await call_one(self.l1, self.bridgehub, abis.GET_ZK_CHAIN, self.chain_id)
            self._diamond = to_address(got)
        return self._diamond

    async def nullifier(self) -> Address:
        """The L1 nullifier: chain data, else the asset router's `L1_NULLIFIER()`."""
        if self._nullifier is None:
            if self._router is None:
                raise UnsupportedOperationError(
                    f"the chain data of {self.l2.chain.name} names neither the L1 nullifier "
                    "nor the asset router",
                    hint=f"add {ContractName.ZK_NULLIFIER!r} to its parent contracts",
                )
            self._nullifier = to_address(await call_one(self.l1, self._router, L1_NULLIFIER))
        return self._nullifier


def _iso_seconds(s: Any) -> int | None:
    if not isinstance(s, str):
        return None
    try:
        return int(datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp())
    except ValueError:
        return None


class ZkSyncAdapter:
    """L1 <-> a ZK chain through the Bridgehub and the L1 nullifier (see the module docstring)."""

    name = "zksync"
    option_names = OPTION_NAMES
    ref_version = REF_VERSION

    def supports(self, source: Chain, target: Chain) -> bool:
        if target.stack == Stack.ZKSYNC and target.parent_id == source.id:
            return True
        return source.stack == Stack.ZKSYNC and source.parent_id == target.id

    def _route(self, ctx: AdapterContext) -> _Route:
        s, t = ctx.source.chain, ctx.target.chain
        if t.stack == Stack.ZKSYNC and t.parent_id == s.id:
            return _Route(Direction.L1_TO_L2, ctx.source, ctx.target, t)
        if s.stack == Stack.ZKSYNC and s.parent_id == t.id:
            return _Route(Direction.L2_TO_L1, ctx.target, ctx.source, s)
        raise UnsupportedOperationError(
            f"no ZKsync route {s.name} -> {t.name}", hint="pick the adapter of their stack"
        )

    def decode_ref(self, ref: FlowRef) -> FlowRef:
        check_data(ref)
        return ref

    # ------------------------------------------------------------------ deposits: parameters
    @staticmethod
    def _refund_recipient(request: BridgeRequest, sender: str) -> Address:
        r = request.options.get("refund_recipient")
        return to_address(str(r)) if r else to_address(sender)

    async def _l2_gas_limit(self, r: _Route, sender: str, request: BridgeRequest) -> int:
        """`request.gas_limit`, else the node's `zks_estimateGasL1ToL2` (a revert propagates
        as `ExecutionRevertedError`), else `DEFAULT_L2_GAS_LIMIT`."""
        if request.gas_limit:
            return request.gas_limit
        tx = {
            "from": sender,
            "to": request.recipient,
            "value": hex(max(request.value, 0)),
            "data": "0x" + request.data.hex(),
        }
        try:
            return int(await r.l2.request("zks_estimateGasL1ToL2", [tx]), 16)
        except ExecutionRevertedError:
            raise
        except RpcResponseError:
            return DEFAULT_L2_GAS_LIMIT

    async def _deposit_call(
        self, r: _Route, sender: str, request: BridgeRequest
    ) -> tuple[bytes, int, int, Fees]:
        """(calldata, mint value, base cost, L1 fees) of `requestL2TransactionDirect`. The base
        cost is priced at the fees' max fee per gas, the most the transaction's gas price can
        be, so the Mailbox's check (at the actual gas price) always passes."""
        gas_limit = await self._l2_gas_limit(r, sender, request)
        fees = await estimate_fees(r.l1)
        base = int(
            await call_one(
                r.l1,
                r.bridgehub,
                abis.BASE_COST,
                r.chain_id,
                fees.max_fee_per_gas,
                gas_limit,
                REQUIRED_L2_GAS_PRICE_PER_PUBDATA,
            )
        )
        mint = request.value + base
        data = abis.REQUEST_L2_TRANSACTION_DIRECT.encode(
            (
                r.chain_id,
                mint,
                request.recipient,
                request.value,
                request.data,
                gas_limit,
                REQUIRED_L2_GAS_PRICE_PER_PUBDATA,
                [],
                self._refund_recipient(request, sender),
            )
        )
        return data, mint, base, fees

    def _check_kind(self, r: _Route, request: BridgeRequest) -> None:
        if request.value < 0:
            raise InvalidAmountError("a negative amount cannot be bridged")
        if r.direction is Direction.L2_TO_L1 and request.kind is FlowKind.MESSAGE and request.value:
            raise UnsupportedOperationError(
                "a ZKsync L2->L1 message carries no value (L1Messenger.sendToL1 takes bytes only)",
                hint="send the message with value 0 and withdraw the ETH separately",
            )

    @staticmethod
    def _l2_call(request: BridgeRequest) -> tuple[Address, bytes]:
        """(L2 contract, calldata) of the first L2 -> L1 transaction."""
        if request.kind is FlowKind.MESSAGE:
            return L1_MESSENGER, abis.SEND_TO_L1.encode(request.data)
        return L2_BASE_TOKEN, abis.WITHDRAW.encode(request.recipient)

    # ------------------------------------------------------------------ estimate, refusals
    async def estimate(self, ctx: AdapterContext, request: BridgeRequest) -> FeeEstimate:
        r = self._route(ctx)
        self._check_kind(r, request)
        sender = estimate_sender(ctx, request)
        if r.direction is Direction.L1_TO_L2:
            data, mint, base, fees = await self._deposit_call(r, sender, request)
            tx = {"from": sender, "to": r.bridgehub, "value": hex(mint), "data": "0x" + data.hex()}
            gas = await r.l1.estimate_gas(tx)
            return FeeEstimate(gas, fees.max_fee_per_gas, extra_value=base)
        to, data = self._l2_call(request)
        tx = {"from": sender, "to": to, "value": hex(request.value), "data": "0x" + data.hex()}
        gas = await r.l2.estimate_gas(tx)
        fees = await estimate_fees(r.l2)
        return FeeEstimate(gas, fees.max_fee_per_gas, later_steps_gas={"finalize": 150_000})

    async def refusals(self, ctx: AdapterContext, request: BridgeRequest) -> tuple[Refusal, ...]:
        """- `l2-call-reverts`: L1 -> L2: the L2 call (ETH to the recipient, or the message's
          calldata) reverts when simulated on L2: the deposit would fail there and its mint,
          minus the fee, be refunded to the refund recipient on L2.
        - `recipient-rejects-eth`: L2 -> L1: the L1 recipient has code that refuses this ETH:
          the finalization would revert and the withdrawal stay unpaid."""
        r = self._route(ctx)
        sender = estimate_sender(ctx, request)
        out: list[Refusal] = []
        if r.direction is Direction.L2_TO_L1 and request.kind is FlowKind.MESSAGE:
            return ()  # nothing is paid or executed on L1: the consumer proves the message
        if r.direction is Direction.L1_TO_L2:
            try:
                await self._l2_gas_limit(r, sender, request)
            except ExecutionRevertedError as exc:
                out.append(
                    Refusal(
                        "l2-call-reverts",
                        f"the L2 call to {request.recipient} reverts on "
                        f"{r.l2.chain.name}: {exc.message}",
                        "fix the call; waived, the deposit fails on L2 and its value is "
                        "refunded there to the refund recipient",
                    )
                )
        elif await r.l1.get_code(request.recipient):
            try:
                await r.l1.call(
                    request.recipient,
                    b"",
                    sender=await r.nullifier(),
                    value=max(request.value, 0),
                )
            except ExecutionRevertedError:
                out.append(
                    Refusal(
                        "recipient-rejects-eth",
                        f"{request.recipient} on {r.l1.chain.name} refuses ETH: the "
                        "finalization would revert",
                        "withdraw to an address that accepts ETH",
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
                    "execute",
                    Actor.RELAYER,
                    None,
                    "the sequencer executes the priority operation on the ZK chain",
                ),
            )
        steps = (
            first,
            PlannedStep("commit", Actor.RELAYER, None, "the operator seals and commits the batch"),
            PlannedStep("prove", Actor.RELAYER, None, "the batch's validity proof on L1"),
            PlannedStep(
                "execute",
                Actor.RELAYER,
                EXECUTION_DELAY_SECONDS,
                "the operator executes the batch after the validator timelock's delay "
                "(Era's; an estimate, not read from the chain)",
            ),
        )
        if kind is FlowKind.MESSAGE:  # delivered once provable on L1: the consumer proves it
            return steps
        return (
            *steps,
            PlannedStep(
                "finalize",
                Actor.CALLER,
                0,
                "finalizeDeposit on the L1 nullifier with the L2->L1 log proof",
            ),
        )

    # ------------------------------------------------------------------ initiate
    async def initiate(self, ctx: AdapterContext, request: BridgeRequest) -> FlowRef:
        r = self._route(ctx)
        signer = require_signer(ctx.signer, "send this step's transaction")
        self._check_kind(r, request)
        if r.direction is Direction.L1_TO_L2:
            data, mint, _, fees = await self._deposit_call(r, signer.address, request)
            h = await send_transaction(
                r.l1, signer, to=r.bridgehub, value=mint, data=data, fees=fees
            )
            rcpt = await wait_for_receipt(r.l1, h)
            try:
                return await self._deposit_ref(r, request.kind, rcpt)
            except BridgeError as exc:
                raise mark_sent(exc, h) from None
        to, data = self._l2_call(request)
        h = await send_transaction(r.l2, signer, to=to, value=request.value, data=data)
        rcpt = await wait_for_receipt(r.l2, h)
        try:
            return self._withdrawal_ref(r, rcpt)
        except BridgeError as exc:
            raise mark_sent(exc, h) from None

    async def _deposit_ref(self, r: _Route, kind: FlowKind | None, rcpt: Receipt) -> FlowRef:
        diamond = await r.diamond()
        for lg in rcpt.logs:
            if to_address(lg.address) != diamond or not lg.topics:
                continue
            if lg.topics[0] != abis.NEW_PRIORITY_REQUEST_TOPIC:
                continue
            txid, txhash, _, tx, _ = abi_decode(list(abis.NEW_PRIORITY_REQUEST_TYPES), lg.data)
            t = CanonicalTx.from_tuple(tx)
            l2_hash = "0x" + bytes(txhash).hex()
            if t.hash() != bytes(txhash):  # the spec and the chain disagree: say so, loudly
                raise BridgeError(
                    f"priority operation {l2_hash}: its transaction does not hash to it",
                    hint="the chain's Mailbox encodes L2CanonicalTransaction differently",
                )
            if kind is None:
                kind = FlowKind.MESSAGE if t.data else FlowKind.ETH
            data = {
                "l2_hash": to_hash32(l2_hash),
                "txid": str(int(txid)),
                "sender": to_address(t.sender),
                "to": to_address(t.to),
                "l2_value": str(t.value),
                "mint": str(t.mint),
                "refund_recipient": to_address(t.refund_recipient),
                "calldata": "0x" + t.data.hex(),
            }
            return FlowRef(
                self.name,
                Direction.L1_TO_L2,
                kind,
                r.l1.chain.id,
                r.chain_id,
                rcpt.transaction_hash,
                data,
                version=REF_VERSION,
            )
        raise MessageNotFoundError(
            f"{rcpt.transaction_hash} requested no L2 transaction of {r.l2.chain.name}"
        )

    def _withdrawal_ref(self, r: _Route, rcpt: Receipt) -> FlowRef:
        """The transaction's first L2->L1 message: an ETH withdrawal when L2BaseToken sent
        it, else a message (whoever called `sendToL1`)."""
        k = 0
        for lg in rcpt.logs:
            if to_address(lg.address) != L1_MESSENGER or not lg.topics:
                continue
            if lg.topics[0] != abis.L1_MESSAGE_SENT_TOPIC:
                continue
            sender = to_address("0x" + lg.topics[1][-40:])
            (message,) = abi_decode(["bytes"], lg.data)
            data: dict[str, Any] = {
                "l2_sender": sender,
                "message": "0x" + bytes(message).hex(),
                "log_index": k,
            }
            kind = FlowKind.MESSAGE
            if sender == L2_BASE_TOKEN:
                receiver, amount = decode_eth_withdrawal_message(bytes(message))
                data["l1_receiver"] = to_address(receiver)
                data["amount"] = str(amount)
                kind = FlowKind.ETH
            return FlowRef(
                self.name,
                Direction.L2_TO_L1,
                kind,
                r.chain_id,
                r.l1.chain.id,
                rcpt.transaction_hash,
                data,
                version=REF_VERSION,
            )
        raise MessageNotFoundError(
            f"{rcpt.transaction_hash} sent no L2->L1 message from {r.l2.chain.name}"
        )

    # ------------------------------------------------------------------ status
    async def status(self, ctx: AdapterContext, ref: FlowRef) -> FlowStatus:
        r = self._route(ctx)
        check_ref(ctx, ref, self.name)
        d = check_data(ref)
        if r.direction is Direction.L1_TO_L2:
            return await self._deposit_status(r, d)
        return (await self._withdrawal_state(r, ref, d))[0]

    async def _deposit_status(self, r: _Route, d: dict[str, Any]) -> FlowStatus:
        details: dict[str, Any] = {"l2_hash": d["l2_hash"], "txid": d["txid"]}
        rcpt = await r.l2.get_receipt(d["l2_hash"])
        if rcpt is None:
            return FlowStatus(Status.PENDING, "QUEUED", None, None, details, Actor.RELAYER)
        details["l2_block"] = rcpt.block_number
        if rcpt.succeeded:
            return FlowStatus(Status.FINALIZED, "EXECUTED", details=details)
        details["refund_recipient"] = d["refund_recipient"]
        details["note"] = (
            "the L2 call failed: the protocol refunded the mint minus the fee to the refund "
            "recipient on L2"
        )
        return FlowStatus(Status.FAILED, "FAILED", details=details)

    async def _withdrawal_state(
        self, r: _Route, ref: FlowRef, d: dict[str, Any]
    ) -> tuple[FlowStatus, dict[str, Any] | None, dict[str, Any] | None]:
        """(status, L2 receipt as the node answers it, the node's log proof when executed)."""
        details: dict[str, Any] = {"l2_sender": d["l2_sender"]}
        raw = await r.l2.request("eth_getTransactionReceipt", [ref.tx_hash])
        if raw is None:
            raise MessageNotFoundError(f"no receipt for {ref.tx_hash} on {r.l2.chain.name}")
        batch = raw.get("l1BatchNumber")
        if batch is None:
            return (
                FlowStatus(
                    Status.WAITING_TO_FINALIZE,
                    "SENT",
                    "finalize",
                    EXECUTION_DELAY_SECONDS,
                    details,
                    Actor.RELAYER,
                ),
                raw,
                None,
            )
        b = int(batch, 16)
        details["l1_batch"] = b
        diamond = await r.diamond()
        committed = int(await call_one(r.l1, diamond, abis.TOTAL_BATCHES_COMMITTED))
        verified = int(await call_one(r.l1, diamond, abis.TOTAL_BATCHES_VERIFIED))
        executed = int(await call_one(r.l1, diamond, abis.TOTAL_BATCHES_EXECUTED))
        if b > executed:
            native = "SEALED" if b > committed else "COMMITTED" if b > verified else "PROVEN"
            secs = await self._seconds_to_execute(r, b)
            return (
                FlowStatus(
                    Status.WAITING_TO_FINALIZE, native, "finalize", secs, details, Actor.RELAYER
                ),
                raw,
                None,
            )
        proof = await r.l2.request("zks_getL2ToL1LogProof", [ref.tx_hash, int(d["log_index"])])
        if proof is None:
            raise BridgeError(
                f"batch {b} is executed but the node gives no log proof for {ref.tx_hash}",
                hint="try another L2 RPC",
            )
        details["l2_message_index"] = int(proof["id"])
        details["l2_tx_number_in_batch"] = int(raw["l1BatchTxIndex"], 16)
        if ref.kind is FlowKind.MESSAGE:
            # nothing to execute on L1: the message is delivered once provable there; the
            # proof is checked against the L1 root before it is handed out
            await self.finalize_calldata(r, ref, d, raw, proof)
            details["proof"] = list(proof["proof"])
            return FlowStatus(Status.FINALIZED, "EXECUTED", details=details), raw, proof
        done = await call_one(
            r.l1,
            await r.nullifier(),
            abis.IS_WITHDRAWAL_FINALIZED,
            r.chain_id,
            b,
            int(proof["id"]),
        )
        if done:
            return FlowStatus(Status.FINALIZED, "FINALIZED", details=details), raw, proof
        return (
            FlowStatus(Status.READY_TO_FINALIZE, "EXECUTED", "finalize", 0, details, Actor.CALLER),
            raw,
            proof,
        )

    async def _seconds_to_execute(self, r: _Route, batch: int) -> int:
        """The batch's commit time (`zks_getL1BatchDetails`) plus `EXECUTION_DELAY_SECONDS`,
        minus L1's time now; at least 1 s. The full delay when the commit time is unknown."""
        try:
            det = await r.l2.request("zks_getL1BatchDetails", [batch])
        except RpcError:
            det = None
        committed = _iso_seconds(det.get("committedAt")) if isinstance(det, dict) else None
        if committed is None:
            return EXECUTION_DELAY_SECONDS
        now = int((await r.l1.get_block("latest"))["timestamp"], 16)
        return max(1, committed + EXECUTION_DELAY_SECONDS - now)

    # ------------------------------------------------------------------ execute
    async def execute_next(self, ctx: AdapterContext, ref: FlowRef) -> Hash32 | None:
        r = self._route(ctx)
        check_ref(ctx, ref, self.name)
        d = check_data(ref)
        if r.direction is Direction.L1_TO_L2:
            st = await self._deposit_status(r, d)
            if st.status is Status.FINALIZED:
                raise AlreadyDoneError(
                    f"deposit {d['l2_hash']} succeeded on {r.l2.chain.name}: nothing to claim"
                )
            if st.status is Status.FAILED:
                raise AlreadyDoneError(
                    f"deposit {d['l2_hash']} failed on {r.l2.chain.name}; the protocol already "
                    f"refunded its mint minus the fee to {d['refund_recipient']} there: "
                    "nothing to claim on L1",
                )
            raise NotReadyError(
                f"deposit {d['l2_hash']} is not executed on {r.l2.chain.name} yet",
                hint="the sequencer executes it; nothing for you to do",
            )
        st, raw, proof = await self._withdrawal_state(r, ref, d)
        if st.status is Status.FINALIZED:
            if ref.kind is FlowKind.MESSAGE:
                raise AlreadyDoneError(
                    f"message {ref.tx_hash} is in an executed batch: prove it on L1 with "
                    "proveL2MessageInclusion (status details carry the proof)"
                )
            raise AlreadyDoneError(f"withdrawal {ref.tx_hash} is already finalized")
        if st.status is not Status.READY_TO_FINALIZE or raw is None or proof is None:
            raise NotReadyError(
                f"withdrawal {ref.tx_hash} cannot be finalized yet ({st.native})",
                hint="its batch must be executed on L1 first",
            )
        signer = require_signer(ctx.signer, "finalize the withdrawal")
        data = await self.finalize_calldata(r, ref, d, raw, proof)
        nullifier = await r.nullifier()
        try:
            return await send_transaction(r.l1, signer, to=nullifier, data=data)
        except ExecutionRevertedError:
            again = await self._withdrawal_state(r, ref, d)
            if again[0].status is Status.FINALIZED:  # finalized by someone else just now
                raise AlreadyDoneError(
                    f"withdrawal {ref.tx_hash} was finalized by someone else just now"
                ) from None
            raise

    async def finalize_calldata(
        self,
        r: _Route,
        ref: FlowRef,
        d: dict[str, Any],
        raw: dict[str, Any],
        proof: dict[str, Any],
    ) -> bytes:
        """`finalizeDeposit` of the withdrawal, with the node's proof checked first against the
        batch root stored on L1 (`BridgeError`, nothing signed, when it does not verify)."""
        batch = int(raw["l1BatchNumber"], 16)
        tx_number = int(raw["l1BatchTxIndex"], 16)
        index = int(proof["id"])
        path = [hex_to_bytes(p) for p in proof["proof"]]
        message = hex_to_bytes(str(d["message"]))
        sender = to_address(d["l2_sender"])
        root = bytes(await call_one(r.l1, await r.diamond(), abis.L2_LOGS_ROOT_HASH, batch))
        try:
            ok = verify_log_proof(path, index, message_log(tx_number, sender, message), root)
        except InputError as exc:
            raise BridgeError(f"the node's log proof is malformed: {exc.message}") from None
        if not ok:
            raise BridgeError(
                f"the log proof of {ref.tx_hash} does not verify against batch {batch}'s root "
                f"0x{root.hex()} on L1: nothing was sent",
                hint="the L2 node answered a wrong proof; try another L2 RPC",
            )
        return abis.FINALIZE_DEPOSIT.encode(
            (r.chain_id, batch, index, sender, tx_number, message, path)
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
        if r.direction is Direction.L1_TO_L2:
            return await self._deposit_ref(r, None, rcpt)
        return self._withdrawal_ref(r, rcpt)
