"""The Superchain adapter's `FlowRef.data` codec, versioned (see `opstack.ref` for why).

Versions:
  1  `{"message_hash", "payload", "identifier": {...}, "value", "target_block"}`.
  2  adds `"recipient"`: the message's target on the destination (the source transaction called
     the messenger, or a contract that did). A version-1 ref gets it from its payload.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from interop.errors import InputError, MessageNotFoundError
from interop.spec.superchain.formulas import Identifier, SentMessage, decode_sent_message
from interop.types import Address, Hash32, hex_to_bytes, to_address, to_hash32

__all__ = ["REF_VERSION", "SuperchainRefData"]

REF_VERSION = 2


@dataclass(frozen=True)
class SuperchainRefData:
    """Typed `FlowRef.data` of a Superchain flow."""

    message_hash: Hash32
    payload: bytes
    identifier: Identifier
    value: int
    target_block: int
    recipient: Address

    @property
    def message(self) -> SentMessage:
        return decode_sent_message(self.payload)

    def encode(self) -> dict[str, Any]:
        return {
            "message_hash": self.message_hash,
            "payload": "0x" + self.payload.hex(),
            "identifier": self.identifier.to_json(),
            "value": str(self.value),
            "target_block": self.target_block,
            "recipient": self.recipient,
        }

    @classmethod
    def decode(cls, data: Mapping[str, Any], version: int) -> SuperchainRefData:
        """Read any version up to `REF_VERSION`; `InputError` for a newer one or a bad shape."""
        if not 1 <= version <= REF_VERSION:
            raise InputError(
                f"superchain ref data version {version} is not one this release reads "
                f"(1..{REF_VERSION})",
                hint="upgrade the package to the release that wrote this flow",
            )
        try:
            payload = hex_to_bytes(str(data["payload"]))
            r = data.get("recipient") if version >= 2 else None
            recipient = to_address(str(r)) if r is not None else decode_sent_message(payload).target
            return cls(
                message_hash=to_hash32(str(data["message_hash"])),
                payload=payload,
                identifier=Identifier.from_json(dict(data["identifier"])),
                value=int(data.get("value", 0)),
                target_block=int(data.get("target_block", 0)),
                recipient=recipient,
            )
        except InputError as exc:
            raise InputError(f"superchain ref data (version {version}): {exc.message}") from None
        except (KeyError, TypeError, ValueError, AttributeError, MessageNotFoundError) as exc:
            raise InputError(
                f"superchain ref data (version {version}) is malformed: {type(exc).__name__}: {exc}"
            ) from None
