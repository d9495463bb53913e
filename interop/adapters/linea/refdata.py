"""The Linea adapter's ref codec: what `FlowRef.data` holds, by version.

Version 1 (current): the message as `MessageSent` carried it on the source chain, everything a
claim needs and nothing else: `message_hash`, `sender`, `to`, `fee` (the postman's fee, wei,
as a decimal string), `value` (wei, string), `nonce` (string), `calldata` (0x-hex) and `block`
(the source block that emitted it, where the L2->L1 proof's messages are looked up), plus the
search hint `l1_from` (an L1 block at or before the message's time: finalization events are
searched from there; `flow_from_tx` may rebuild a different, still correct, hint).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from interop.adapters.base import FlowRef
from interop.errors import InputError
from interop.spec.linea.formulas import SentMessage, message_hash
from interop.types import Address, Hash32, hex_to_bytes, to_address, to_hash32

__all__ = ["REBUILD_MAY_DIFFER", "REF_VERSION", "RefData", "decode_data", "upgrade_ref"]

REF_VERSION = 1
REBUILD_MAY_DIFFER = frozenset({"l1_from"})


@dataclass(frozen=True)
class RefData:
    message_hash: Hash32
    sender: Address
    to: Address
    fee: int
    value: int
    nonce: int
    calldata: bytes
    block: int
    l1_from: int = 0

    @classmethod
    def of(cls, m: SentMessage, l1_from: int = 0) -> RefData:
        return cls(
            m.message_hash,
            m.sender,
            m.to,
            m.fee,
            m.value,
            m.nonce,
            m.calldata,
            m.block_number,
            l1_from,
        )

    def encode(self) -> dict[str, Any]:
        return {
            "message_hash": self.message_hash,
            "sender": self.sender,
            "to": self.to,
            "fee": str(self.fee),
            "value": str(self.value),
            "nonce": str(self.nonce),
            "calldata": "0x" + self.calldata.hex(),
            "block": self.block,
            "l1_from": self.l1_from,
        }


def decode_data(data: Mapping[str, Any], version: int) -> RefData:
    """`RefData` of a ref's data; `InputError` for a version or shape this release cannot read,
    and for a message whose fields do not hash to its recorded hash (a corrupted row)."""
    if not 1 <= version <= REF_VERSION:
        raise InputError(
            f"linea ref data version {version} is not one this release reads (1..{REF_VERSION})",
            hint="upgrade interop to the release that wrote this flow",
        )
    try:
        d = RefData(
            to_hash32(data["message_hash"]),
            to_address(data["sender"]),
            to_address(data["to"]),
            int(data["fee"]),
            int(data["value"]),
            int(data["nonce"]),
            hex_to_bytes(str(data["calldata"])),
            int(data["block"]),
            int(data.get("l1_from", 0)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"linea ref data is malformed: {type(exc).__name__}: {exc}") from None
    except InputError as exc:
        raise InputError(f"linea ref data is malformed: {exc.message}") from None
    got = message_hash(d.sender, d.to, d.fee, d.value, d.nonce, d.calldata)
    if to_hash32(got) != d.message_hash:
        raise InputError("linea ref data is malformed: its fields do not hash to message_hash")
    return d


def upgrade_ref(ref: FlowRef) -> FlowRef:
    """`ref` in the current version (identity for a current, well-formed ref)."""
    decode_data(ref.data, ref.version)
    return ref
