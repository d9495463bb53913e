"""The Superchain interop predeploys and the functions / events the adapter uses.

Signatures match contracts-bedrock's interop contracts of the 0.17 line (L2ToL2CrossDomainMessenger
0.1.0, CrossL2Inbox 0.1.0, L1BlockInterop): `relayMessage` takes six arguments and is only callable
by CrossL2Inbox, and `SentMessage(bytes)` is anonymous with the full relay calldata as its data.
Kept here as data (not loaded from npm artifacts) so the adapter runs without devnet packages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_utils.crypto import keccak

from interop.types import Address, Hash32, to_hash32

__all__ = [
    "CROSS_L2_INBOX",
    "EXECUTE_MESSAGE",
    "FAILED_RELAYED_MESSAGE_TOPIC",
    "IS_IN_DEPENDENCY_SET",
    "L1_BLOCK",
    "L2_TO_L2_CROSS_DOMAIN_MESSENGER",
    "MESSAGE_NONCE",
    "RELAYED_MESSAGE_TOPIC",
    "RELAY_MESSAGE",
    "SEND_MESSAGE",
    "SUCCESSFUL_MESSAGES",
    "Fn",
    "event_topic",
]

CROSS_L2_INBOX = Address("0x4200000000000000000000000000000000000022")
L2_TO_L2_CROSS_DOMAIN_MESSENGER = Address("0x4200000000000000000000000000000000000023")
L1_BLOCK = Address("0x4200000000000000000000000000000000000015")


def _split_top(s: str) -> list[str]:
    out: list[str] = []
    depth, cur = 0, ""
    for ch in s:
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
            continue
        depth += (ch == "(") - (ch == ")")
        cur += ch
    if cur:
        out.append(cur)
    return out


@dataclass(frozen=True)
class Fn:
    """One function: `Fn("name(type,...)", ("outtype", ...))`; tuples written as `(t1,t2)`."""

    signature: str
    outputs: tuple[str, ...] = ()

    @property
    def inputs(self) -> list[str]:
        return _split_top(self.signature[self.signature.index("(") + 1 : -1])

    @property
    def selector(self) -> bytes:
        return keccak(self.signature.encode())[:4]

    def encode(self, *args: Any) -> bytes:
        return self.selector + abi_encode(self.inputs, list(args))

    def decode_input(self, data: bytes) -> tuple[Any, ...]:
        """Arguments of a call to this function (selector checked)."""
        if data[:4] != self.selector:
            raise ValueError(f"calldata is not a call to {self.signature}")
        return tuple(abi_decode(self.inputs, data[4:]))

    def decode(self, data: bytes) -> tuple[Any, ...]:
        return tuple(abi_decode(list(self.outputs), data))


def event_topic(signature: str) -> Hash32:
    return to_hash32(keccak(signature.encode()))


SEND_MESSAGE = Fn("sendMessage(uint256,address,bytes)")
RELAY_MESSAGE = Fn("relayMessage(uint256,uint256,uint256,address,address,bytes)")
SUCCESSFUL_MESSAGES = Fn("successfulMessages(bytes32)", ("bool",))
MESSAGE_NONCE = Fn("messageNonce()", ("uint256",))
EXECUTE_MESSAGE = Fn("executeMessage((address,uint256,uint256,uint256,uint256),address,bytes)")
IS_IN_DEPENDENCY_SET = Fn("isInDependencySet(uint256)", ("bool",))

RELAYED_MESSAGE_TOPIC = event_topic("RelayedMessage(bytes32)")
FAILED_RELAYED_MESSAGE_TOPIC = event_topic("FailedRelayedMessage(bytes32)")
