"""Small value types used at every boundary: addresses, hashes, chain ids, wei.

Addresses are validated once, at the edge (`to_address`), and carried as checksummed `str`
subtypes so that the rest of the code never re-checks them and a type checker sees the difference.
"""

from __future__ import annotations

from typing import NewType

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from interop.errors import InvalidAddressError, InvalidAmountError

__all__ = [
    "MAX_UINT256",
    "ZERO_ADDRESS",
    "Address",
    "ChainId",
    "Hash32",
    "TxHash",
    "Wei",
    "hex_to_bytes",
    "to_address",
    "to_hash32",
    "to_wei_int",
]

Address = NewType("Address", str)
"""An EIP-55 checksummed 20-byte address."""

ChainId = NewType("ChainId", int)
Wei = int
"""Amounts are plain ints in wei at every boundary, never floats."""

Hash32 = NewType("Hash32", str)
"""A 0x-prefixed, lower-case, 32-byte hex string."""

TxHash = Hash32

MAX_UINT256 = 2**256 - 1

ZERO_ADDRESS = Address("0x0000000000000000000000000000000000000000")

_HEX = frozenset("0123456789abcdefABCDEF")


def to_address(value: str | bytes, *, strict: bool = True) -> Address:
    """Validate and checksum an address.

    All-lower or all-upper hex is accepted (no checksum to check); mixed case must be a correct
    EIP-55 checksum, because a wrong one usually means a typo that would send funds to nowhere.
    """
    if isinstance(value, bytes | bytearray):
        if len(value) != 20:
            raise InvalidAddressError(f"address must be 20 bytes, got {len(value)}")
        return Address(to_checksum_address(bytes(value)))
    if not isinstance(value, str):
        raise InvalidAddressError(f"address must be a str, got {type(value).__name__}")
    s = value.strip()
    if not (s.startswith("0x") or s.startswith("0X")):
        raise InvalidAddressError(f"address {value!r} must start with 0x")
    body = s[2:]
    if len(body) != 40 or not set(body) <= _HEX:
        raise InvalidAddressError(
            f"address {value!r} is not 40 hex digits", hint="an address is 0x + 40 hex characters"
        )
    checksummed = to_checksum_address("0x" + body.lower())
    if strict and body != body.lower() and body != body.upper() and "0x" + body != checksummed:
        raise InvalidAddressError(
            f"address {value!r} has an invalid EIP-55 checksum",
            hint=f"did you mean {checksummed}? Check the address character by character.",
        )
    return Address(checksummed)


def to_hash32(value: str | bytes) -> Hash32:
    """Normalise a 32-byte hash to 0x-prefixed lower-case hex."""
    if isinstance(value, bytes | bytearray):
        if len(value) != 32:
            raise ValueError(f"hash must be 32 bytes, got {len(value)}")
        return Hash32("0x" + bytes(value).hex())
    s = value.lower()
    if not s.startswith("0x") or len(s) != 66 or not set(s[2:]) <= _HEX:
        raise ValueError(f"not a 32-byte hex hash: {value!r}")
    return Hash32(s)


def hex_to_bytes(value: str) -> bytes:
    """Decode 0x-prefixed hex (odd length tolerated, as some nodes return quantities so)."""
    s = value[2:] if value.startswith(("0x", "0X")) else value
    if len(s) % 2:
        s = "0" + s
    return bytes.fromhex(s)


def to_wei_int(value: object) -> int:
    """Accept a non-negative int amount in wei; refuse floats, bools and strings.

    Floats are refused because 0.1 ether as a float is not 10**17 wei.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidAmountError(
            f"amount must be an int in wei, got {type(value).__name__} {value!r}",
            hint="use interop.ether('0.1') or interop.parse_amount('0.1ether')",
        )
    if value < 0:
        raise InvalidAmountError(f"amount must not be negative, got {value}")
    if value > MAX_UINT256:
        raise InvalidAmountError(f"amount {value} does not fit in uint256")
    return value


def keccak256(data: bytes) -> bytes:
    """keccak-256 (Ethereum's, not NIST SHA3)."""
    return keccak(data)
