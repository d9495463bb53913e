"""Small value types used at every boundary: addresses, hashes, chain ids, wei.

Addresses are validated once, at the edge (`to_address`), and carried as checksummed `str`
subtypes so that the rest of the code never re-checks them and a type checker sees the difference.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable
from typing import Any, NewType, cast

from eth_utils.crypto import keccak

from interop import speedups
from interop.errors import InputError, InvalidAddressError, InvalidAmountError, shown

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


def _portable_prefixes(bodies: bytes) -> bytes:
    """The reference path: eth-utils' public keccak, one call per 40-byte body."""
    return b"".join(keccak(bodies[i : i + 40])[:20] for i in range(0, len(bodies), 40))


def _make_hash_prefixes(module: Any = None) -> Callable[[bytes], bytes]:
    """keccak-256(body)[:20] of each 40-byte body in a run of them: EIP-55's costly half.

    Why the trick: through eth-utils each keccak costs several microseconds, mostly Python and
    ctypes overhead around ~0.5 us of C; checksumming the 100k addresses of a bulk balance read
    took 2.5 s that way and 0.8 s this way (measured for issue 9). pycryptodome's C
    `keccak_digest` leaves its state untouched, so one state holding 40 absorbed bytes can
    serve every address: write the next address into its input buffer, call `keccak_digest`
    (one foreign call per address).

    That reaches into pycryptodome's private state layout (`uint64_t state[25]; uint8_t
    buf[200]; ...`), so it is used only when everything checks out: `module` (default
    `Crypto.Hash.keccak`, a declared dependency) is pycryptodome 3.x, the layout is confirmed
    on a probe, and the digests of sample bodies equal the public API's. Anything else (missing,
    another major version, another layout, another answer) selects `_portable_prefixes`: slower,
    never wrong. `hash_prefixes_path()` says which one is in use.
    """
    try:
        if module is None:
            import Crypto
            from Crypto.Hash import keccak as module

            if getattr(Crypto, "version_info", (0,))[0] != 3:
                return _portable_prefixes  # pragma: no cover - a major version we never saw
        probe = bytes(range(0x61, 0x61 + 40))
        holder = module.new(digest_bits=256)
        holder.update(probe)  # buffered, not yet permuted: state 0, buf = probe
        state = holder._state.get()
        if not isinstance(state, ctypes.c_void_p) or not state.value:
            return _portable_prefixes
        if ctypes.string_at(state.value, 240) != bytes(200) + probe:
            return _portable_prefixes
        buf = (ctypes.c_char * 40).from_address(state.value + 200)
        digest_fn = module._raw_keccak_lib.keccak_digest
        out = ctypes.create_string_buffer(32)
        size32, pad = ctypes.c_size_t(32), ctypes.c_ubyte(0x01)
        lock = threading.Lock()

        def fast(bodies: bytes) -> bytes:
            if len(bodies) % 40:
                raise ValueError("hash prefixes take 40-byte bodies")
            parts: list[bytes] = []
            append = parts.append
            with lock:
                for i in range(0, len(bodies), 40):
                    buf.raw = bodies[i : i + 40]
                    if digest_fn(state, out, size32, pad):
                        raise ValueError("keccak failed")  # pragma: no cover
                    append(out.raw[:20])
            return b"".join(parts)

        fast._holder = holder  # type: ignore[attr-defined]  # keeps the state alive
        probes = b"".join(
            [probe, b"0" * 40, b"f" * 40, bytes(40), b"\xff" * 40, bytes(range(40)), probe]
        )
        if fast(probes) == _portable_prefixes(probes) and fast(b"") == b"":
            return fast
    except (ImportError, AttributeError, TypeError, ValueError, OSError, ctypes.ArgumentError):
        pass  # pycryptodome missing or not the one we checked: the portable path
    return _portable_prefixes


def _select_hash_prefixes(module: Any = speedups.native) -> Callable[[bytes], bytes]:
    """The fastest keccak-prefix path that checks out: interop's C module (`interop.speedups`,
    checked at import; one call hashes a whole run of addresses, ~0.6 us an address, where the
    pycryptodome path's per-address foreign call costs ~2), else pycryptodome's state, else the
    portable one."""
    if module is None:
        return _make_hash_prefixes()
    prefixes = module.prefixes

    def run(bodies: bytes) -> bytes:
        return bytes(prefixes(bytes(bodies), 40, 20))

    run._native = module  # type: ignore[attr-defined]
    return run


_hash_prefixes = _select_hash_prefixes()
_native = getattr(_hash_prefixes, "_native", None)


def hash_prefixes_path() -> str:
    """Which keccak path EIP-55 checksumming uses, chosen at import: "native" (interop's C
    module), "pycryptodome-state" or "portable"."""
    if _native is not None:
        return "native"
    return "portable" if _hash_prefixes is _portable_prefixes else "pycryptodome-state"


_LOW_TO_UPPER: dict[int, int] = {}  # len -> int with 0x20 in every byte


def checksum_bodies(lower: bytes) -> str:
    """EIP-55 checksummed form of many addresses at once, without their 0x.

    `lower` is the concatenation of lower-case 40-hex-digit bodies (ASCII, unchecked: the
    caller validated them). A letter is upper-cased (its 0x20 bit cleared) when its nibble of
    keccak(body) is >= 8. That is done for the whole run with big-integer bit operations, no
    Python loop per character: in ASCII hex, a letter has bit 0x40 set; a hash digit's nibble
    is >= 8 when its character has bit 0x40 (a-f) or bit 0x08 ("8", "9") set. Shifting moves
    those bits onto 0x20 within each byte; the 0x20-per-byte mask drops what crossed a byte.
    """
    n = len(lower)
    if not n:
        return ""
    bit20 = _LOW_TO_UPPER.get(n)
    if bit20 is None:
        bit20 = int.from_bytes(b"\x20" * n, "big")
        if len(_LOW_TO_UPPER) < 64:
            _LOW_TO_UPPER[n] = bit20
    chars = int.from_bytes(lower, "big")
    digits = int.from_bytes(_hash_prefixes(lower).hex().encode("ascii"), "big")
    flip = (chars >> 1) & ((digits >> 1) | (digits << 2)) & bit20
    return (chars ^ flip).to_bytes(n, "big").decode("ascii")


def checksum_keys(lower: bytes) -> list[Address]:
    """``"0x"`` + the EIP-55 form of each address body in `lower` (concatenated lower-case
    40-hex-digit bodies, ASCII, validated by the caller), as a list.

    The C module does it in one call (keccak four addresses at a time where the CPU has AVX2,
    the case set and each string built in C): ~0.4 µs an address against ~1.2 µs for
    `checksum_bodies` and slicing the result.
    """
    if _native is not None:
        return cast(list[Address], _native.checksum_keys(lower))
    done = checksum_bodies(lower)
    return cast(list[Address], ["0x" + done[o : o + 40] for o in range(0, len(done), 40)])


def to_address(value: str | bytes, *, strict: bool = True) -> Address:
    """Validate and checksum an address.

    All-lower or all-upper hex is accepted (no checksum to check); mixed case must be a correct
    EIP-55 checksum, because a wrong one usually means a typo that would send funds to nowhere.
    """
    if isinstance(value, bytes | bytearray):
        if len(value) != 20:
            raise InvalidAddressError(f"address must be 20 bytes, got {len(value)}")
        return checksum_keys(bytes(value).hex().encode("ascii"))[0]
    if not isinstance(value, str):
        raise InvalidAddressError(f"address must be a str, got {type(value).__name__}")
    s = value.strip()
    if not (s.startswith("0x") or s.startswith("0X")):
        raise InvalidAddressError(f"address {shown(value)} must start with 0x")
    body = s[2:]
    if len(body) != 40 or not set(body) <= _HEX:
        raise InvalidAddressError(
            f"address {shown(value)} is not 40 hex digits",
            hint="an address is 0x + 40 hex characters",
        )
    checksummed = checksum_keys(body.lower().encode("ascii"))[0]
    if strict and body != body.lower() and body != body.upper() and "0x" + body != checksummed:
        raise InvalidAddressError(
            f"address {shown(value)} has an invalid EIP-55 checksum",
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
        raise InputError(f"not a 32-byte hex hash: {shown(value)}")
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
            f"amount must be an int in wei, got {type(value).__name__} {shown(value)}",
            hint="use interop.ether('0.1') or interop.parse_amount('0.1ether')",
        )
    if value < 0:
        raise InvalidAmountError(f"amount must not be negative, got {value}")
    if value > MAX_UINT256:
        raise InvalidAmountError(f"amount {value} does not fit in uint256")
    return value


def keccak256(data: bytes) -> bytes:
    """keccak-256 (Ethereum's, not NIST SHA3): interop's C module when it checked out at
    import (~8x cheaper a call), else eth-utils'."""
    if _native is not None:
        return bytes(_native.digest(bytes(data)))
    return keccak(data)
