"""What every rollup adapter offers, and the one status model shared by all stacks.

An adapter is chosen by (source chain, target chain). It turns a `BridgeRequest` into a first
transaction (`initiate`), reports a `FlowStatus` in the uniform enum plus the stack's own native
state, and performs the next step (prove / finalize / execute / redeem / relay) when possible.
Everything needed to find a flow again is in its `FlowRef`, which is JSON-serialisable so the
journal can store it and a crashed process can resume. Stack-specific richer functions (build /
estimate / time-to for each step) live in the adapter's own package; this protocol is the floor.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
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
    "AdapterContext",
    "BridgeAdapter",
    "BridgeRequest",
    "Direction",
    "FeeEstimate",
    "FlowKind",
    "FlowRef",
    "FlowStatus",
    "Status",
    "check_ref",
    "estimate_sender",
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
