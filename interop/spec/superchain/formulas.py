"""Pure formulas of OP Superchain interop messaging (no I/O): payloads, hashes, identifiers.

A message sent with `L2ToL2CrossDomainMessenger.sendMessage` is the *initiating message*: an
anonymous `SentMessage(bytes)` log whose data is the complete `relayMessage(destination, source,
nonce, sender, target, message)` calldata. The *executing message* is
`CrossL2Inbox.executeMessage(identifier, messenger, payload)` on the destination, where the
identifier `(origin, blockNumber, logIndex, timestamp, chainId)` points at that log. The
destination messenger marks `keccak256(abi.encode(destination, source, nonce, sender, target,
message))` in `successfulMessages`, which is what makes a relay happen at most once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_abi.exceptions import DecodingError
from eth_utils.crypto import keccak

from interop.errors import MessageNotFoundError
from interop.spec.superchain.abis import (
    EXECUTE_MESSAGE,
    L2_TO_L2_CROSS_DOMAIN_MESSENGER,
    RELAY_MESSAGE,
    SEND_MESSAGE,
)
from interop.types import Address, Hash32, to_address, to_hash32

__all__ = [
    "MESSAGE_VERSION",
    "Identifier",
    "LogLike",
    "SentMessage",
    "decode_sent_message",
    "decode_versioned_nonce",
    "encode_execute_message",
    "encode_sent_message_log_data",
    "encode_versioned_nonce",
    "is_sent_message_log",
    "message_hash",
    "sent_message_payload",
    "sent_values_in_trace",
]

MESSAGE_VERSION = 0


class LogLike(Protocol):
    """The fields of an event log read here (`interop.rpc.models.Log` has them)."""

    @property
    def address(self) -> Address: ...
    @property
    def topics(self) -> Sequence[Hash32]: ...


def encode_versioned_nonce(nonce: int, version: int = MESSAGE_VERSION) -> int:
    """`Encoding.encodeVersionedNonce`: version in the top two bytes, a 240-bit counter below."""
    if not 0 <= nonce < 1 << 240 or not 0 <= version < 1 << 16:
        raise ValueError("nonce must fit 240 bits and version 16 bits")
    return (version << 240) | nonce


def decode_versioned_nonce(value: int) -> tuple[int, int]:
    """(nonce, version) of a versioned nonce."""
    return value & ((1 << 240) - 1), value >> 240


def message_hash(
    destination: int, source: int, nonce: int, sender: str, target: str, message: bytes
) -> Hash32:
    """The key of `successfulMessages` and the topic of `RelayedMessage` on the destination."""
    return to_hash32(
        keccak(
            abi_encode(
                ["uint256", "uint256", "uint256", "address", "address", "bytes"],
                [destination, source, nonce, sender, target, message],
            )
        )
    )


@dataclass(frozen=True)
class SentMessage:
    """One initiating message, as decoded from its `SentMessage` log (or built locally)."""

    destination: int
    source: int
    nonce: int
    sender: Address
    target: Address
    message: bytes

    @property
    def hash(self) -> Hash32:
        return message_hash(
            self.destination, self.source, self.nonce, self.sender, self.target, self.message
        )

    @property
    def payload(self) -> bytes:
        """The log data, which is also the calldata CrossL2Inbox forwards to the messenger."""
        return RELAY_MESSAGE.encode(
            self.destination, self.source, self.nonce, self.sender, self.target, self.message
        )


def decode_sent_message(payload: bytes) -> SentMessage:
    """Decode `SentMessage` log data; `MessageNotFoundError` if it is not relayMessage calldata."""
    try:
        d, s, n, sender, target, msg = RELAY_MESSAGE.decode_input(payload)
    except (DecodingError, ValueError, TypeError) as exc:
        raise MessageNotFoundError(
            "log data is not an L2ToL2CrossDomainMessenger relayMessage payload"
        ) from exc
    return SentMessage(int(d), int(s), int(n), to_address(sender), to_address(target), bytes(msg))


def sent_message_payload(log_data: bytes) -> bytes:
    """The relay payload inside `SentMessage` log data.

    The 0.1.0 messenger emits `SentMessage(bytes)` with Solidity's `emit`, so the log data is the
    ABI encoding of the payload (offset, length, bytes). Later versions write the payload itself
    with `log0`; both forms are accepted.
    """
    if log_data[:4] == RELAY_MESSAGE.selector:
        return log_data
    try:
        (payload,) = abi_decode(["bytes"], log_data)
    except (DecodingError, ValueError, TypeError) as exc:
        raise MessageNotFoundError("log data is not a SentMessage payload") from exc
    return bytes(payload)


def encode_sent_message_log_data(payload: bytes) -> bytes:
    """What the 0.1.0 messenger writes as `SentMessage` log data for `payload`."""
    return abi_encode(["bytes"], [payload])


def is_sent_message_log(log: LogLike, messenger: str = L2_TO_L2_CROSS_DOMAIN_MESSENGER) -> bool:
    """`SentMessage` is anonymous: the messenger's only log without topics."""
    return log.address.lower() == messenger.lower() and not log.topics


@dataclass(frozen=True)
class Identifier:
    """`ICrossL2Inbox.Identifier`: where the initiating log lives on the source chain."""

    origin: Address
    block_number: int
    log_index: int
    timestamp: int
    chain_id: int

    def as_tuple(self) -> tuple[str, int, int, int, int]:
        return (self.origin, self.block_number, self.log_index, self.timestamp, self.chain_id)

    def to_json(self) -> dict[str, object]:
        return {
            "origin": self.origin,
            "block_number": self.block_number,
            "log_index": self.log_index,
            "timestamp": self.timestamp,
            "chain_id": self.chain_id,
        }

    @classmethod
    def from_json(cls, d: dict[str, object]) -> Identifier:
        return cls(
            to_address(str(d["origin"])),
            int(str(d["block_number"])),
            int(str(d["log_index"])),
            int(str(d["timestamp"])),
            int(str(d["chain_id"])),
        )


def encode_execute_message(
    identifier: Identifier,
    payload: bytes,
    target: str = L2_TO_L2_CROSS_DOMAIN_MESSENGER,
) -> bytes:
    """`CrossL2Inbox.executeMessage(identifier, target, payload)` calldata."""
    return EXECUTE_MESSAGE.encode(identifier.as_tuple(), target, payload)


def _walk(frame: dict[str, Any], messenger: str, out: list[int]) -> None:
    if frame.get("error"):
        return  # a reverted call emitted nothing
    to = str(frame.get("to") or "").lower()
    data = str(frame.get("input") or "0x")
    if (
        frame.get("type") == "CALL"
        and to == messenger.lower()
        and data[2:10] == SEND_MESSAGE.selector.hex()
    ):
        out.append(int(str(frame.get("value") or "0x0"), 16))
    for sub in frame.get("calls") or []:
        _walk(sub, messenger, out)


def sent_values_in_trace(
    trace: dict[str, Any], messenger: str = L2_TO_L2_CROSS_DOMAIN_MESSENGER
) -> list[int]:
    """`msg.value` of every successful `sendMessage` call in a `callTracer` trace, in call
    (hence log) order. The 0.17 messenger's value is not part of the message, so a relayer
    reads it from the initiating transaction's trace; reverted frames emitted nothing."""
    out: list[int] = []
    _walk(trace, messenger, out)
    return out
