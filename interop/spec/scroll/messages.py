"""The cross-domain message both Scroll messengers hash and relay.

`ScrollMessengerBase._encodeXDomainCalldata` (libraries/ScrollMessengerBase.sol) is the ABI call
`relayMessage(address from, address to, uint256 value, uint256 nonce, bytes message)`; its keccak
is the message hash everywhere: the L2 withdraw-trie leaf (`L2ScrollMessenger._sendMessage`),
`isL1MessageExecuted` / `isL2MessageExecuted`, `messageSendTimestamp`, the `RelayedMessage` and
`FailedRelayedMessage` events. The nonce is the L1 message queue index (L1->L2) or the L2
message queue's `nextMessageIndex` (L2->L1), which is also the leaf's index in the trie.
"""

from __future__ import annotations

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_utils.crypto import keccak

from interop.types import Address, Hash32, to_address, to_hash32

__all__ = [
    "RELAY_MESSAGE_SELECTOR",
    "decode_xdomain_calldata",
    "encode_xdomain_calldata",
    "message_hash",
]

_TYPES = ["address", "address", "uint256", "uint256", "bytes"]
RELAY_MESSAGE_SELECTOR = keccak(b"relayMessage(address,address,uint256,uint256,bytes)")[:4]


def encode_xdomain_calldata(
    sender: str, target: str, value: int, nonce: int, message: bytes
) -> bytes:
    """`abi.encodeWithSignature("relayMessage(address,address,uint256,uint256,bytes)", ...)`."""
    return RELAY_MESSAGE_SELECTOR + abi_encode(
        _TYPES, [to_address(sender), to_address(target), value, nonce, message]
    )


def message_hash(sender: str, target: str, value: int, nonce: int, message: bytes) -> Hash32:
    """keccak256 of `encode_xdomain_calldata`: the message's identity on both sides."""
    return to_hash32(keccak(encode_xdomain_calldata(sender, target, value, nonce, message)))


def decode_xdomain_calldata(data: bytes) -> tuple[Address, Address, int, int, bytes]:
    """(from, to, value, nonce, message) of a `relayMessage` call; `ValueError` otherwise."""
    if data[:4] != RELAY_MESSAGE_SELECTOR:
        raise ValueError("not a relayMessage(address,address,uint256,uint256,bytes) call")
    f, t, v, n, m = abi_decode(_TYPES, data[4:])
    return to_address(f), to_address(t), int(v), int(n), bytes(m)
