"""The Arbitrum adapter's `FlowRef.data` codec: typed, versioned, and able to read every
version an earlier release wrote.

Why a codec: a withdrawal waits a week for its confirmation and a ticket lives a week on the
child chain; the package may be upgraded meanwhile, and the journal then hands the new release
a ref the old one wrote. Each version's layout is written down here and decoded into the same
dataclasses, so the rest of the adapter never reads raw JSON.

Versions:

- **1** (releases up to 0.1.0; a ref with no `version` field is version 1):
  deposit / retryable (parent -> child) `{"message_kind": int, "message_number": int,
  "child_tx_hash": "0x.."}`; withdrawal / message (child -> parent) `{"send": {"caller",
  "destination", "hash", "position", "arb_block_num", "eth_block_num", "timestamp",
  "callvalue": "<decimal>", "data": "0x.."}}`.
- **2**: version 1 plus `"recipient"` (who receives the value or the call on the target: the
  deposit's L2 address, the ticket's destination, the send's L1 destination) and `"value"`
  (the bridged amount as a decimal string: the deposit's value, the ticket's `l2CallValue`,
  the send's call value; never the initiating transaction's value, which for a retryable also
  pays its fees). Deposit refs upgraded from version 1 have neither (they are not in the data
  and `decode_ref` does no I/O); a withdrawal's are in its send.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from interop.adapters.base import Direction, FlowRef
from interop.errors import InputError, InteropError
from interop.spec.arbitrum import formulas as F
from interop.types import Address, Hash32, to_address, to_hash32

__all__ = [
    "REF_VERSION",
    "DepositData",
    "WithdrawalData",
    "decode_data",
    "encode_data",
    "upgrade_ref",
]

REF_VERSION = 2
"""The version this release writes."""


@dataclass(frozen=True)
class DepositData:
    """A parent -> child flow: the inbox message and the child-chain tx it becomes (the ETH
    deposit tx, kind 12, or the retryable's creation tx, kind 9)."""

    message_kind: int
    message_number: int
    child_tx_hash: Hash32
    recipient: Address | None = None
    value: int | None = None

    @property
    def is_retryable(self) -> bool:
        return self.message_kind == F.L1_MESSAGE_TYPE_SUBMIT_RETRYABLE


@dataclass(frozen=True)
class WithdrawalData:
    """A child -> parent flow: the ArbSys send (its outbox position and leaf fields)."""

    send: F.L2ToL1Tx

    @property
    def recipient(self) -> Address:
        return self.send.destination

    @property
    def value(self) -> int:
        return self.send.callvalue


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


def _int(v: object, what: str) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, str)):
        raise TypeError(f"{what} must be an integer or a decimal string, got {type(v).__name__}")
    n = int(v)
    if n < 0:
        raise ValueError(f"{what} must not be negative")
    return n


def _hex_bytes(v: object, what: str) -> bytes:
    if not isinstance(v, str) or not v.startswith("0x"):
        raise ValueError(f"{what} must be a 0x-prefixed hex string")
    return bytes.fromhex(v[2:])


def _send_from_json(d: object) -> F.L2ToL1Tx:
    if not isinstance(d, Mapping):
        raise TypeError("'send' must be an object")
    return F.L2ToL1Tx(
        caller=to_address(str(d["caller"])),
        destination=to_address(str(d["destination"])),
        hash=to_hash32(str(d["hash"])),
        position=_int(d["position"], "position"),
        arb_block_num=_int(d["arb_block_num"], "arb_block_num"),
        eth_block_num=_int(d["eth_block_num"], "eth_block_num"),
        timestamp=_int(d["timestamp"], "timestamp"),
        callvalue=_int(d["callvalue"], "callvalue"),
        data=_hex_bytes(d["data"], "data"),
    )


def encode_data(d: DepositData | WithdrawalData) -> dict[str, Any]:
    """The current version's JSON object for `d`."""
    if isinstance(d, WithdrawalData):
        return {
            "send": _send_to_json(d.send),
            "recipient": d.recipient,
            "value": str(d.value),
        }
    out: dict[str, Any] = {
        "message_kind": d.message_kind,
        "message_number": d.message_number,
        "child_tx_hash": d.child_tx_hash,
    }
    if d.recipient is not None:
        out["recipient"] = d.recipient
    if d.value is not None:
        out["value"] = str(d.value)
    return out


def decode_data(
    data: Mapping[str, Any], version: int, direction: Direction
) -> DepositData | WithdrawalData:
    """Decode `data` written at `version` (1 or 2) for a flow in `direction`.

    `InputError` naming the versions for a ref from a newer release, and naming the field for
    one in an unknown shape (a journal row must never crash a caller)."""
    if version > REF_VERSION or version < 1:
        raise InputError(
            f"arbitrum flow reference version {version} is not one this release reads "
            f"(1 to {REF_VERSION})",
            hint="it was written by a newer release of interop: upgrade to resume it",
        )
    try:
        if direction is Direction.L2_TO_L1:
            # version 2's recipient/value restate the send's own fields: the send is the truth
            return WithdrawalData(_send_from_json(data["send"]))
        if direction is not Direction.L1_TO_L2:
            raise ValueError(f"direction {direction.value} is not an Arbitrum route")
        kind = _int(data["message_kind"], "message_kind")
        if kind not in (F.L1_MESSAGE_TYPE_ETH_DEPOSIT, F.L1_MESSAGE_TYPE_SUBMIT_RETRYABLE):
            raise ValueError(f"message_kind {kind} is neither an ETH deposit nor a retryable")
        recipient = value = None
        if version >= 2:
            if data.get("recipient") is not None:
                recipient = to_address(str(data["recipient"]))
            if data.get("value") is not None:
                value = _int(data["value"], "value")
        return DepositData(
            message_kind=kind,
            message_number=_int(data["message_number"], "message_number"),
            child_tx_hash=to_hash32(str(data["child_tx_hash"])),
            recipient=recipient,
            value=value,
        )
    except InteropError as exc:
        raise InputError(
            f"not an arbitrum flow reference (version {version}): {exc.message}"
        ) from None
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise InputError(
            f"not an arbitrum flow reference (version {version}): {type(exc).__name__}: {exc}"[:300]
        ) from None


def upgrade_ref(ref: FlowRef) -> FlowRef:
    """`ref` with its data in the current version (the same object when already current)."""
    d = decode_data(ref.data, ref.version, ref.direction)
    if ref.version == REF_VERSION:
        return ref
    return FlowRef(
        adapter=ref.adapter,
        direction=ref.direction,
        kind=ref.kind,
        source_chain=ref.source_chain,
        target_chain=ref.target_chain,
        tx_hash=ref.tx_hash,
        data=encode_data(d),
        version=REF_VERSION,
    )
