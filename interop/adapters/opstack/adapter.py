"""`OpStackAdapter`: the `BridgeAdapter` protocol over the OP Stack actions in this package.

The actions (deposit / withdraw / message / fees) are plain async functions of clients and
params; this class only maps `BridgeRequest` / `FlowRef` onto them and the uniform status model.

Refusal codes (`refusals`, waived with `waive={code}`; the generic recipient checks
`zero-recipient`, `contract-recipient` and `rejects-eth` are the core's):
  aliased-recipient   a deposit from a contract to its own address: the portal credits the
                      contract's aliased L2 address, which only its own L1 calls control

Who acts (`FlowStatus.actor`): the sequencer (RELAYER) includes deposits; the proposer (RELAYER)
posts the output / dispute game a withdrawal waits for; the CALLER proves and finalizes; NOBODY
acts while the challenge window runs. A failed message (NEEDS_MANUAL_ACTION) is the CALLER's:
`details` carry `action`, and the replay's `to`, `calldata` and `gas`.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence

from eth_abi.exceptions import DecodingError

from interop.actions.tx import suggest_fees
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
from interop.adapters.opstack.common import (
    OpContracts,
    call_one,
    check_pair,
    resolve_pair,
    send_fn,
)
from interop.adapters.opstack.deposit import (
    build_deposit,
    deposit_eth,
    estimate_deposit_gas,
    get_deposit_events,
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
from interop.adapters.opstack.reads import BatchReads, DirectReads, Reads
from interop.adapters.opstack.ref import REF_VERSION, OpRefData
from interop.adapters.opstack.withdraw import (
    build_initiate_withdrawal,
    finalize_withdrawal,
    game_cadence,
    get_withdrawals,
    initiate_withdrawal,
    prove_withdrawal,
    withdrawal_status,
)
from interop.aliasing import apply_l1_to_l2_alias
from interop.chains.model import Chain, ContractName, Stack
from interop.client import ChainClient
from interop.errors import (
    AlreadyDoneError,
    InputError,
    InteropError,
    ManualActionRequired,
    MessageNotFoundError,
    MissingSignerError,
    NotReadyError,
    UnsupportedOperationError,
    mark_sent,
)
from interop.rpc.models import Receipt
from interop.spec.opstack import abis as A
from interop.spec.opstack.formulas import (
    decode_relay_message,
    deposit_recipient,
    withdrawal_recipient,
)
from interop.types import Address, Hash32, hex_to_bytes, to_address

__all__ = ["OpStackAdapter"]


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
                l2.stack == Stack.OPSTACK
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

    async def _route(self, ctx: AdapterContext) -> tuple[Direction, ChainClient, ChainClient]:
        """`_ends`, with the L1 contracts checked against the portal the chain data trusts
        (`resolve_pair`: read once per L1 client, so once per `Interop`; a static address the
        chain contradicts is a warning and the on-chain one is used by every later step)."""
        d, l1, l2 = self._ends(ctx)
        await resolve_pair(l1, l2)
        return d, l1, l2

    # ------------------------------------------------------------ estimate / initiate
    async def estimate(self, ctx: AdapterContext, request: BridgeRequest) -> FeeEstimate:
        d, l1, l2 = await self._route(ctx)
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
        """Send the first transaction. The refusals (`refusals`) are the core's to check
        before this is called, waivers applied; they are not repeated here."""
        d, l1, l2 = await self._route(ctx)
        if ctx.signer is None:
            raise MissingSignerError("initiating a bridge flow needs a signer")
        c = check_pair(l1, l2)
        message_hash: Hash32 | None = None
        path: str | None = None
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
            message_hash = msg.hash
        elif d is Direction.L1_TO_L2:
            path = str(request.options.get("path", "portal"))
            req = await build_deposit(
                l1,
                l2,
                sender=ctx.signer.address,
                value=request.value,
                to=request.recipient,
                path="bridge" if path == "bridge" else "portal",
                l2_gas_limit=request.gas_limit,
                allow_aliased_recipient=True,  # "aliased-recipient" is a refusal, checked before
            )
            rcpt = await deposit_eth(l1, l2, ctx.signer, req)
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
            data = OpRefData(
                l2_hashes=tuple(get_l2_deposit_hashes(rcpt, c.portal)),
                path=path,
                message_hash=message_hash,
                recipient=to_address(request.recipient),
                value=request.value,
            )
        else:
            data = self._withdrawal_data(rcpt, message_hash)
        return FlowRef(
            adapter=self.name,
            direction=d,
            kind=request.kind,
            source_chain=ctx.source.chain.id,
            target_chain=ctx.target.chain.id,
            tx_hash=rcpt.transaction_hash,
            data=data.encode(),
            version=REF_VERSION,
        )

    @staticmethod
    def _withdrawal_data(rcpt: Receipt, message_hash: Hash32 | None) -> OpRefData:
        w = get_withdrawals(rcpt)[0]
        recipient, value = withdrawal_recipient(w)
        return OpRefData(
            withdrawal=w,
            l2_block=rcpt.block_number,
            message_hash=message_hash,
            recipient=recipient,
            value=value,
        )

    # ------------------------------------------------------------ the seam's other members
    option_names: frozenset[str] = frozenset({"path", "sender"})
    """`path`: "portal" (default) or "bridge" for deposits, "passer" (default) or "bridge" for
    withdrawals; `sender`: who would send, for a read-only `estimate`."""

    ref_version: int = REF_VERSION

    def decode_ref(self, ref: FlowRef) -> FlowRef:
        """`ref` with its data in the current codec version (see `opstack.ref`)."""
        if ref.adapter != self.name:
            raise InputError(f"flow {ref.tx_hash} belongs to adapter {ref.adapter!r}, not opstack")
        data = OpRefData.decode(ref.data, ref.version)
        if ref.version == REF_VERSION:
            return ref
        return dataclasses.replace(ref, data=data.encode(), version=REF_VERSION)

    async def plan(
        self, ctx: AdapterContext, direction: Direction, kind: FlowKind
    ) -> tuple[PlannedStep, ...]:
        """Deposits: initiate, then the sequencer includes the deposit about two L1 blocks
        later. Withdrawals: initiate, prove (after the next output: the oracle's submission
        interval, or for fault proofs the recent cadence of dispute games), finalize
        (after the finalization period, or for fault proofs max(proof maturity, game clock +
        game finality delay)); the waits are read from the portal, the dispute game factory's
        respected game implementation or the output oracle. A message's relay on the other
        side happens inside the deposit or the finalization, so it is no step of its own."""
        d, l1, l2 = self._ends(ctx)
        first = PlannedStep("initiate", Actor.CALLER, 0)
        if d is Direction.L1_TO_L2:
            secs = max(1, 2 * l1.chain.block_time_ms // 1000)  # two L1 blocks
            return (first, PlannedStep("arrive", Actor.RELAYER, secs, "sequencer includes it"))
        prove: int | None = None
        finalize: int | None = None
        note = ""
        try:
            await resolve_pair(l1, l2)
            prove, finalize = await self._withdrawal_waits(l1, l2)
        except InteropError as exc:
            note = f"waits unknown: {exc.message}"
        return (
            first,
            PlannedStep("prove", Actor.CALLER, prove, note),
            PlannedStep("finalize", Actor.CALLER, finalize, note),
        )

    @staticmethod
    async def _withdrawal_waits(l1: ChainClient, l2: ChainClient) -> tuple[int | None, int]:
        c = check_pair(l1, l2)
        if c.dispute_game_factory is not None:
            maturity = int(await call_one(l1, c.portal, A.PROOF_MATURITY_DELAY))
            finality = int(await call_one(l1, c.portal, A.DISPUTE_GAME_FINALITY_DELAY))
            gtype = int(await call_one(l1, c.portal, A.RESPECTED_GAME_TYPE))
            impl = to_address(await call_one(l1, c.dispute_game_factory, A.GAME_IMPLS, gtype))
            clock = int(await call_one(l1, impl, A.GAME_MAX_CLOCK_DURATION))
            try:  # advice only: an unreadable game history leaves the prove wait unknown
                cadence = await game_cadence(l1, c)
            except InteropError:
                cadence = None
            return cadence, max(maturity, clock + finality)
        assert c.l2_output_oracle is not None
        interval = int(await call_one(l1, c.l2_output_oracle, A.SUBMISSION_INTERVAL))
        l2_block = int(await call_one(l1, c.l2_output_oracle, A.L2_BLOCK_TIME))
        period = int(await call_one(l1, c.l2_output_oracle, A.FINALIZATION_PERIOD))
        return interval * l2_block, period

    async def refusals(self, ctx: AdapterContext, request: BridgeRequest) -> tuple[Refusal, ...]:
        """OP Stack's own pre-send refusal (the generic recipient checks are the core's):

        - `aliased-recipient`: a deposit whose sender is a contract on L1 and whose recipient
          is that same address. The portal credits the sender's *aliased* address on L2
          (+0x1111..1111), which only the contract's own L1 calls control.
        """
        d, l1, _ = self._ends(ctx)
        out: list[Refusal] = []
        sender = ctx.signer.address if ctx.signer is not None else request.options.get("sender")
        if (
            d is Direction.L1_TO_L2
            and request.kind is FlowKind.ETH
            and sender
            and not request.allow_aliased_recipient
            and to_address(str(sender)) == to_address(request.recipient)
            and await l1.get_code(to_address(str(sender)))
        ):
            out.append(
                Refusal(
                    "aliased-recipient",
                    f"sender {to_address(str(sender))} is a contract on {l1.chain.name}; the "
                    "deposit would be credited to its aliased L2 address",
                    "pass an explicit recipient, or waive 'aliased-recipient' if the contract "
                    "controls its alias",
                )
            )
        return tuple(r for r in out if r.code not in request.waive)

    # ------------------------------------------------------------ status / next step
    async def status(self, ctx: AdapterContext, ref: FlowRef) -> FlowStatus:
        d, l1, l2 = self._ends(ctx)
        check_ref(ctx, ref, self.name)
        await resolve_pair(l1, l2)
        data = OpRefData.decode(ref.data, ref.version)
        if d is Direction.L1_TO_L2:
            return await self._deposit_status(l2, data)
        return await self._withdrawal_status(l1, l2, data, DirectReads(l1))

    async def statuses(
        self, ctx: AdapterContext, refs: Sequence[FlowRef]
    ) -> list[FlowStatus | InteropError]:
        """`status` of many flows of `ctx`'s route at once (the optional batch hook of the
        seam, `interop.adapters.base.statuses_of`): per ref its status, or the error its
        `status` would raise.

        Withdrawals share one `BatchReads` (`opstack.reads`): every L1 read at one pinned
        block, the reads common to all flows (the latest block, the respected game type, the
        factory's latest games and which qualify, a proven game's state, the delays) made once,
        and each flow's own reads (finalized? who proved it? can it finalize?) sent for all
        flows together in Multicall3 `aggregate3` calls. Same logic as `status`
        (`withdraw.withdrawal_status`), so the same answers. Deposits: `status` per ref."""
        d, l1, l2 = self._ends(ctx)
        out: list[FlowStatus | InteropError | None] = [None] * len(refs)
        todo: list[tuple[int, OpRefData]] = []
        for i, ref in enumerate(refs):
            try:
                check_ref(ctx, ref, self.name)
                todo.append((i, OpRefData.decode(ref.data, ref.version)))
            except InteropError as exc:
                out[i] = exc
        reads: Reads | None = None
        c: OpContracts | None = None
        if todo and d is Direction.L2_TO_L1:
            try:
                c = await resolve_pair(l1, l2)
                reads = await BatchReads.at(l1)
            except InteropError as exc:
                for i, _ in todo:
                    out[i] = exc
                todo = []

        async def one(i: int, data: OpRefData) -> None:
            try:
                if reads is None:
                    out[i] = await self.status(ctx, refs[i])
                else:
                    out[i] = await self._withdrawal_status(l1, l2, data, reads, c)
            except InteropError as exc:
                out[i] = exc

        await asyncio.gather(*(one(i, data) for i, data in todo))
        return [s for s in out if s is not None]

    async def _withdrawal_status(
        self,
        l1: ChainClient,
        l2: ChainClient,
        data: OpRefData,
        reads: Reads,
        contracts: OpContracts | None = None,
    ) -> FlowStatus:
        assert data.withdrawal is not None and data.l2_block is not None
        c = check_pair(l1, l2) if contracts is None else contracts
        st = await withdrawal_status(reads, c, data.withdrawal, data.l2_block)
        next_step = {Status.READY_TO_PROVE: "prove", Status.READY_TO_FINALIZE: "finalize"}.get(
            st.status
        )
        if st.status is Status.FINALIZED and data.message_hash is not None:
            messenger = check_pair(l1, l2).l1_messenger
            if not await is_message_relayed(l1, messenger, data.message_hash):
                w = data.withdrawal
                return FlowStatus(
                    Status.NEEDS_MANUAL_ACTION,
                    "message-failed",
                    "relay",
                    None,
                    {
                        "withdrawal": "finalized",
                        "action": (
                            f"the withdrawal is finalized but the message's call to its target "
                            f"failed on {l1.chain.name}; once the cause is fixed, replay it: "
                            f"send `calldata` to the L1CrossDomainMessenger `to` with `gas` gas"
                            f"{_REPLAY_GAS_NOTE}"
                        ),
                        "to": messenger,
                        "calldata": "0x" + w.data.hex(),
                        "gas": _replay_gas(w.data),
                    },
                    Actor.CALLER,
                )
        return FlowStatus(
            st.status,
            st.native,
            next_step,
            st.seconds_to_next,
            dict(st.details),
            _withdrawal_actor(st.status),
        )

    async def _deposit_status(self, l2: ChainClient, data: OpRefData) -> FlowStatus:
        hashes = list(data.l2_hashes)
        receipts = [await l2.get_receipt(h) for h in hashes]
        if not receipts or any(r is None for r in receipts):
            return FlowStatus(
                Status.PENDING, "waiting-for-l2", None, None, {"l2_hashes": hashes}, Actor.RELAYER
            )
        if data.message_hash is not None:
            messenger = A.PREDEPLOYS["L2CrossDomainMessenger"]
            if await is_message_relayed(l2, messenger, data.message_hash):
                return FlowStatus(Status.FINALIZED, "relayed", None, 0, {"l2_hashes": hashes})
            if await is_message_failed(l2, messenger, data.message_hash):
                tx = await l2.get_transaction(hashes[0]) or {}
                calldata = str(tx.get("input") or "0x")
                return FlowStatus(
                    Status.NEEDS_MANUAL_ACTION,
                    "failed-relay",
                    "relay",
                    None,
                    {
                        "l2_hashes": hashes,
                        "action": (
                            f"the message reached {l2.chain.name} but its call to the target "
                            "failed; once the cause is fixed, replay it: send `calldata` to the "
                            f"L2CrossDomainMessenger `to` with `gas` gas{_REPLAY_GAS_NOTE}"
                        ),
                        "to": messenger,
                        "calldata": calldata,
                        "gas": _replay_gas(hex_to_bytes(calldata)),
                    },
                    Actor.CALLER,
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
        """Prove or finalize a withdrawal; for a failed message (NEEDS_MANUAL_ACTION), one
        replay with the gas the status names (enough when the message only ran short of gas);
        if the message still fails, `ManualActionRequired` says what a person must do."""
        d, l1, l2 = self._ends(ctx)
        check_ref(ctx, ref, self.name)
        await resolve_pair(l1, l2)
        st = await self.status(ctx, ref)
        if st.status.done:
            raise AlreadyDoneError(f"flow {ref.tx_hash} is already {st.native}")
        if st.status is Status.NEEDS_MANUAL_ACTION:
            return await self._replay(ctx, ref, st, l1 if d is Direction.L2_TO_L1 else l2)
        if d is Direction.L1_TO_L2:
            return None  # the sequencer relays deposits; nothing for the caller to send
        data = OpRefData.decode(ref.data, ref.version)
        w, block = data.withdrawal, data.l2_block
        assert w is not None and block is not None
        if st.next_step == "prove":
            return (await prove_withdrawal(l1, l2, ctx.signer, w, block)).transaction_hash
        if st.next_step == "finalize":
            return (await finalize_withdrawal(l1, l2, ctx.signer, w, block)).transaction_hash
        raise NotReadyError(
            f"withdrawal {w.withdrawal_hash} is {st.native}; nothing can be done yet",
            details=f"about {st.seconds_to_next}s" if st.seconds_to_next is not None else None,
        )

    async def _replay(
        self, ctx: AdapterContext, ref: FlowRef, st: FlowStatus, where: ChainClient
    ) -> Hash32:
        det = st.details
        calldata = hex_to_bytes(str(det["calldata"]))
        if not calldata:
            raise ManualActionRequired(
                f"flow {ref.tx_hash}: the failed message's calldata is unknown",
                action=str(det["action"]),
            )
        rcpt = await send_fn(where, ctx.signer, str(det["to"]), calldata, gas=int(det["gas"]))
        again = await self.status(ctx, ref)
        if again.status is Status.NEEDS_MANUAL_ACTION:
            err = ManualActionRequired(
                f"flow {ref.tx_hash}: the message failed again when replayed on "
                f"{where.chain.name} ({rcpt.transaction_hash})",
                action=str(again.details["action"]),
            )
            raise mark_sent(err, rcpt.transaction_hash)
        return rcpt.transaction_hash

    async def flow_from_tx(self, ctx: AdapterContext, tx_hash: str) -> FlowRef:
        """Rebuild the ref from the initiating transaction, recording who really receives and
        how much (decoded from the deposit event or the withdrawal, through the messenger's
        and the standard bridge's encoded calls), not the contract the transaction called."""
        d, l1, l2 = await self._route(ctx)
        c = check_pair(l1, l2)
        src = ctx.source
        rcpt = await src.get_receipt(tx_hash)
        if rcpt is None:
            raise MessageNotFoundError(f"no receipt for {tx_hash} on {src.chain.name}")
        kind = FlowKind.ETH
        message_hash: Hash32 | None = None
        messenger: Address = (
            c.l1_messenger if d is Direction.L1_TO_L2 else A.PREDEPLOYS["L2CrossDomainMessenger"]
        )
        bridge = c.l1_bridge if d is Direction.L1_TO_L2 else A.PREDEPLOYS["L2StandardBridge"]
        try:
            msgs = get_messages(rcpt, messenger)
        except MessageNotFoundError:
            msgs = []
        if msgs and msgs[0].sender != bridge:
            kind = FlowKind.MESSAGE
            message_hash = msgs[0].hash
        if d is Direction.L1_TO_L2:
            events = get_deposit_events(rcpt, c.portal)
            if not events:
                get_l2_deposit_hashes(rcpt, c.portal)  # raises MessageNotFoundError
            recipient, value = deposit_recipient(
                events[0],
                aliased_l1_messenger=apply_l1_to_l2_alias(c.l1_messenger),
                l1_bridge=c.l1_bridge,
            )
            data = OpRefData(
                l2_hashes=tuple(e.l2_tx_hash for e in events),
                path=None
                if kind is FlowKind.MESSAGE
                else ("bridge" if msgs and msgs[0].sender == bridge else "portal"),
                message_hash=message_hash,
                recipient=recipient,
                value=value,
            )
        else:
            data = self._withdrawal_data(rcpt, message_hash)
        return FlowRef(
            adapter=self.name,
            direction=d,
            kind=kind,
            source_chain=src.chain.id,
            target_chain=ctx.target.chain.id,
            tx_hash=rcpt.transaction_hash,
            data=data.encode(),
            version=REF_VERSION,
        )


_REPLAY_GAS_NOTE = (
    " (not an estimate: a replay that runs short of gas is recorded as failed again, and does "
    "not revert, so gas estimation picks too little)"
)


def _replay_gas(relay_calldata: bytes) -> int:
    """Gas for a replay of a failed cross-domain message: what the messenger must forward to
    the target (`minGasLimit`, times 64/63 for the EIP-150 retention) plus its own reserve and
    check buffer (40k + 5k in CrossDomainMessenger) and a margin for the transaction, its
    calldata and the messenger's bookkeeping."""
    try:
        _, _, _, _, min_gas, _ = decode_relay_message(relay_calldata)
    except (MessageNotFoundError, ValueError, DecodingError):
        min_gas = 200_000  # not relayMessage calldata: the SDKs' default message gas
    return min_gas * 64 // 63 + 45_000 + 100_000 + 16 * len(relay_calldata)


def _withdrawal_actor(status: Status) -> Actor | None:
    """Who acts next on a withdrawal: the proposer (an output / dispute game must cover the
    block), the caller (prove, finalize), nobody while the challenge window runs."""
    return {
        Status.PENDING: Actor.RELAYER,
        Status.WAITING_TO_PROVE: Actor.RELAYER,
        Status.READY_TO_PROVE: Actor.CALLER,
        Status.WAITING_TO_FINALIZE: Actor.NOBODY,
        Status.READY_TO_FINALIZE: Actor.CALLER,
        Status.NEEDS_MANUAL_ACTION: Actor.CALLER,
    }.get(status)
