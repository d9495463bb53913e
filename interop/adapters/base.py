"""What every rollup adapter offers, and the one status model shared by all stacks.

An adapter is chosen by (source chain, target chain). It turns a `BridgeRequest` into a first
transaction (`initiate`), reports a `FlowStatus` in the uniform enum plus the stack's own native
state, and performs the next step (prove / finalize / execute / redeem / relay) when possible.
Everything needed to find a flow again is in its `FlowRef`, which is JSON-serialisable so the
journal can store it and a crashed process can resume. Stack-specific richer functions (build /
estimate / time-to for each step) live in the adapter's own package; this protocol is the floor.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Protocol, runtime_checkable

from interop.chains.model import Chain
from interop.client import ChainClient
from interop.errors import InputError, InteropError, MissingSignerError, UnsupportedOperationError
from interop.signer import Signer
from interop.types import Address, Hash32, to_address, to_hash32

__all__ = [
    "Actor",
    "AdapterContext",
    "BatchStatusAdapter",
    "BridgeAdapter",
    "BridgeRequest",
    "Direction",
    "FeeEstimate",
    "FlowKind",
    "FlowRef",
    "FlowStatus",
    "PlannedStep",
    "Refusal",
    "Status",
    "check_ref",
    "estimate_sender",
    "statuses_of",
]


class Status(StrEnum):
    """Uniform lifecycle. Deposits go PENDING -> FINALIZED; withdrawals pass through every state."""

    PENDING = "pending"
    WAITING_TO_PROVE = "waiting-to-prove"
    READY_TO_PROVE = "ready-to-prove"
    WAITING_TO_FINALIZE = "waiting-to-finalize"
    READY_TO_FINALIZE = "ready-to-finalize"
    FINALIZED = "finalized"
    FAILED = "failed"
    NEEDS_MANUAL_ACTION = "needs-manual-action"

    @property
    def done(self) -> bool:
        return self in (Status.FINALIZED, Status.FAILED)


class Direction(StrEnum):
    L1_TO_L2 = "l1-to-l2"
    L2_TO_L1 = "l2-to-l1"
    L2_TO_L2 = "l2-to-l2"


class FlowKind(StrEnum):
    ETH = "eth"
    MESSAGE = "message"


class Actor(StrEnum):
    """Who performs a step: the caller's own signer, the rollup's infrastructure (sequencer,
    relayer, postman, auto-redeem), or nobody (time passes: a challenge window, a batch)."""

    CALLER = "caller"
    RELAYER = "relayer"
    NOBODY = "nobody"


@dataclass(frozen=True)
class PlannedStep:
    """One step of an adapter's route plan, in order. `action` is a verb the adapter's
    `execute_next` understands when `actor` is CALLER ('initiate', 'prove', 'finalize',
    'execute', 'claim', 'redeem', 'relay', ...) or a name for what happens ('arrive', 'relay').
    `wait_seconds`: expected seconds from the previous step until this one becomes possible,
    read from chain state where the chain configures it; None when unknown."""

    action: str
    actor: Actor
    wait_seconds: int | None = None
    note: str = ""


@dataclass(frozen=True)
class Refusal:
    """A reason not to send, found before anything is signed. `code` is stable and documented
    (the caller waives it with `waive={code}`); `message` and `hint` are for a person."""

    code: str
    message: str
    hint: str | None = None


@dataclass(frozen=True)
class BridgeRequest:
    """What the caller wants moved. `value` in wei; `data` only for messages."""

    kind: FlowKind
    value: int
    recipient: Address
    data: bytes = b""
    gas_limit: int | None = None
    allow_aliased_recipient: bool = False
    options: Mapping[str, Any] = field(default_factory=dict)
    """Adapter-specific settings; every key must be one the adapter declares in `option_names`
    (the core refuses unknown keys, so a misspelt option is an error, not silently ignored)."""
    waive: frozenset[str] = frozenset()
    """Refusal codes (see `Refusal`) the caller explicitly accepts."""


@dataclass(frozen=True)
class FeeEstimate:
    """Fees in wei for the first transaction and, where known, for the later steps."""

    initiate_gas: int
    max_fee_per_gas: int
    l1_data_fee: int = 0
    extra_value: int = 0
    """Value that must accompany the transaction besides the amount (e.g. a retryable's fees)."""
    later_steps_gas: Mapping[str, int] = field(default_factory=dict)

    @property
    def initiate_fee(self) -> int:
        return self.initiate_gas * self.max_fee_per_gas + self.l1_data_fee + self.extra_value


@dataclass(frozen=True)
class FlowRef:
    """Enough to find a flow again; JSON-serialisable (`to_json` / `from_json`)."""

    adapter: str
    direction: Direction
    kind: FlowKind
    source_chain: int
    target_chain: int
    tx_hash: Hash32
    data: Mapping[str, Any] = field(default_factory=dict)
    version: int = 1
    """Version of the adapter's `data` encoding (its ref codec). A ref stored by an older release
    carries the older number; the adapter's `decode_ref` upgrades it, so a flow in flight across
    a package upgrade still resumes. JSON without the field is version 1."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "data", MappingProxyType(dict(self.data)))

    def to_json(self) -> str:
        return json.dumps(
            {
                "adapter": self.adapter,
                "direction": self.direction.value,
                "kind": self.kind.value,
                "source_chain": self.source_chain,
                "target_chain": self.target_chain,
                "tx_hash": self.tx_hash,
                "data": dict(self.data),
                "version": self.version,
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> FlowRef:
        """Decode `to_json` output; anything else is an `InputError` naming what is wrong
        (a journal row or a stored reference from another version must not crash a caller)."""
        try:
            d = json.loads(text)
            if not isinstance(d, dict):
                raise TypeError(f"expected a JSON object, got {type(d).__name__}")
            data = d.get("data", {})
            if not isinstance(data, dict):
                raise TypeError("'data' must be an object")
            return cls(
                adapter=str(d["adapter"]),
                direction=Direction(d["direction"]),
                kind=FlowKind(d["kind"]),
                source_chain=int(d["source_chain"]),
                target_chain=int(d["target_chain"]),
                tx_hash=to_hash32(d["tx_hash"]),
                data=data,
                version=int(d.get("version", 1)),
            )
        except InteropError as exc:
            raise InputError(f"not a flow reference: {exc.message}") from None
        except (ValueError, TypeError, KeyError, OverflowError) as exc:
            raise InputError(f"not a flow reference: {type(exc).__name__}: {exc}"[:300]) from None


@dataclass(frozen=True)
class FlowStatus:
    status: Status
    native: str
    """The stack's own state name (e.g. OP 'ready-to-prove', Arbitrum 'FUNDS_DEPOSITED_ON_CHILD')."""
    next_step: str | None = None
    """'prove' | 'finalize' | 'execute' | 'redeem' | 'relay' | None (nothing for the caller to do)."""
    seconds_to_next: int | None = None
    """Estimated seconds until the status changes, when the stack lets us know."""
    details: Mapping[str, Any] = field(default_factory=dict)
    actor: Actor | None = None
    """Who acts next: CALLER when `next_step` is the caller's to perform now or later, RELAYER
    when the rollup's infrastructure will, NOBODY while only time must pass; None when done.
    A status needing a person (NEEDS_MANUAL_ACTION) carries what to do in `details["action"]`."""


@dataclass
class AdapterContext:
    """The clients for both ends of a route, and the signer (None for read-only use)."""

    source: ChainClient
    target: ChainClient
    signer: Signer | None = None


@runtime_checkable
class BridgeAdapter(Protocol):
    name: str

    def supports(self, source: Chain, target: Chain) -> bool:
        """True if this adapter handles the direct (one-hop) route source -> target."""
        ...

    async def estimate(self, ctx: AdapterContext, request: BridgeRequest) -> FeeEstimate:
        """Fees of `initiate` for whoever would send it: `ctx.signer`, or, for a read-only
        caller with no key, the address in `request.options['sender']` (the signer wins when
        both are given). `MissingSignerError` when there is neither, since gas depends on the
        sender (balance, nonce, aliasing, whether a deposit goes to oneself)."""
        ...

    async def initiate(self, ctx: AdapterContext, request: BridgeRequest) -> FlowRef:
        """Validate, then send the first transaction; returns as soon as it is mined."""
        ...

    async def status(self, ctx: AdapterContext, ref: FlowRef) -> FlowStatus:
        """`UnsupportedOperationError` (see `check_ref`) if `ref` belongs to another adapter or
        to other chains than `ctx`'s: a flow is never looked up on the wrong chain."""
        ...

    async def execute_next(self, ctx: AdapterContext, ref: FlowRef) -> Hash32 | None:
        """Perform the step named by `status().next_step`; `NotReadyError` if it is not possible
        yet, `AlreadyDoneError` if it already happened. Returns the step's transaction hash, or
        None when the step needs no transaction from the caller (e.g. waiting for a relayer)."""
        ...

    async def flow_from_tx(self, ctx: AdapterContext, tx_hash: str) -> FlowRef:
        """Rebuild a `FlowRef` from the initiating transaction's hash on the source chain."""
        ...

    # ---- the rest of the seam: what the core needs so it names no rollup family ----------

    option_names: frozenset[str]
    """Keys this adapter accepts in `BridgeRequest.options` (the core refuses any other)."""

    ref_version: int
    """Current version of this adapter's `FlowRef.data` encoding."""

    async def plan(
        self, ctx: AdapterContext, direction: Direction, kind: FlowKind
    ) -> tuple[PlannedStep, ...]:
        """The steps of a flow on this route, first ('initiate', by the CALLER) to last, with
        who acts and the expected waits read from the route's contracts (cheap reads only; a
        read that fails leaves `wait_seconds=None`, never raises for a transport fault it can
        name in `note`)."""
        ...

    async def refusals(self, ctx: AdapterContext, request: BridgeRequest) -> tuple[Refusal, ...]:
        """Every reason not to send `request`, checked before anything is signed (recipient
        cannot receive or would not own the funds, route limits, message fee below a relayer's
        minimum...). The core drops the codes in `request.waive` and refuses on the rest;
        `initiate` does not repeat these checks."""
        ...

    def decode_ref(self, ref: FlowRef) -> FlowRef:
        """`ref` with its data upgraded to `ref_version` (identity when current); a ref from a
        newer release or in an unknown shape is an `InputError` naming the versions."""
        ...


def estimate_sender(ctx: AdapterContext, request: BridgeRequest) -> Address:
    """Who would send the first transaction: the signer, else `options["sender"]`, so a caller
    without a key can still estimate (the sender decides gas, and for Arbitrum deposit vs
    retryable and the refund addresses)."""
    if ctx.signer is not None:
        return to_address(ctx.signer.address)
    s = request.options.get("sender")
    if not s:
        raise MissingSignerError("estimating needs a signer or options['sender']")
    return to_address(str(s))


def check_ref(ctx: AdapterContext, ref: FlowRef, adapter_name: str) -> None:
    """Refuse a stored ref handed with clients of another route, before any RPC call.

    A ref records its own chains; looked up through other clients (an OP 901 withdrawal checked
    with 902 -> L1 clients, a route given backwards) it would answer about a different chain's
    state, or act on it. Every adapter entry point taking a ref calls this first.
    """
    s, t = ctx.source.chain, ctx.target.chain
    want = (ref.source_chain, ref.target_chain)
    if ref.adapter != adapter_name:
        raise UnsupportedOperationError(
            f"flow {ref.tx_hash} belongs to adapter {ref.adapter!r}, not {adapter_name!r}",
            hint=f"use the {ref.adapter!r} adapter for it",
        )
    if (s.id, t.id) != want:
        raise UnsupportedOperationError(
            f"flow {ref.tx_hash} is {want[0]} -> {want[1]} but the clients given are "
            f"{s.name} ({s.id}) -> {t.name} ({t.id})",
            hint=f"pass clients for chain {want[0]} (source) and {want[1]} (target)",
        )


@runtime_checkable
class BatchStatusAdapter(Protocol):
    """Optional: an adapter that reads many flows' statuses at once (not part of
    `BridgeAdapter`, so adapters written without it still conform).

    `statuses(ctx, refs)` returns, per ref in order, what `status(ctx, ref)` would return, or
    the `InteropError` it would raise; one bad ref never fails the others. Why: a sweep over
    thousands of flows of one route asks the same questions of the chain for every flow; an
    adapter that knows its stack can ask them once and batch the rest (OP Stack: one Multicall3
    call per chunk of flows). The core calls it through `statuses_of`."""

    async def statuses(
        self, ctx: AdapterContext, refs: Sequence[FlowRef]
    ) -> list[FlowStatus | InteropError]: ...


async def statuses_of(
    adapter: BridgeAdapter, ctx: AdapterContext, refs: Sequence[FlowRef]
) -> list[FlowStatus | InteropError]:
    """The statuses of `refs` (all of `ctx`'s route): the adapter's `statuses` when it has one
    (`BatchStatusAdapter`), else its `status` for each ref, concurrently."""
    if isinstance(adapter, BatchStatusAdapter):
        return await adapter.statuses(ctx, refs)

    async def one(ref: FlowRef) -> FlowStatus | InteropError:
        try:
            return await adapter.status(ctx, ref)
        except InteropError as exc:
            return exc

    return list(await asyncio.gather(*(one(r) for r in refs)))
