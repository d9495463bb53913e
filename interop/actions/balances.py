"""Native balances of many addresses on one or many chains, as fast as the node can answer.

Why not one `eth_getBalance` per address: each is a round trip plus JSON work on both sides, so
8,000 balances take seconds. Instead, per chain and per chunk of addresses, one request:

- ``"override"``: one `eth_call` that runs a 30-byte balance reader of ours, placed at a
  throwaway address by a state override (the third `eth_call` parameter). Calldata is the packed
  20-byte addresses, the answer is packed 32-byte balances, decoded with `int.from_bytes`.
- ``"multicall3"``: `aggregate` of `getEthBalance` on the chain's Multicall3 (from chain data,
  `chain.multicall3`), for nodes that refuse state overrides. Encoded and decoded by hand.
  `aggregate`, not `aggregate3`: `getEthBalance` cannot revert, so allowFailure buys nothing,
  and `aggregate` is smaller (192 bytes out, 96 back per balance against 224 and 160) and
  reports the block number it ran at, which replaces the pinning request (`_multicall3_chunks`).
  Token reads, which may revert, use `tryAggregate(false, …)`: per-call failures in the same
  160-byte elements.
- ``"deployless"``: an `eth_call` without `to` whose constructor reads the balances and returns
  them as the "deployed code"; needs neither overrides nor Multicall3, but the answer is capped
  by the 24,576-byte code-size limit (767 balances per call).
- ``"batch"``: JSON-RPC batches of `eth_getBalance`, which every node supports.

``"auto"`` tries override, deployless, Multicall3, batch (deployless before Multicall3: it is
cheaper for both sides; see `_AUTO_ORDER`) and remembers, per `ChainClient`, the first that works, so
only the first call on a restrictive node pays for the probing. A node that cannot be reached is
not "restrictive": that error is raised (or, in `get_balances_multichain`, reported per chain)
instead of degrading.

Limits that set the chunk sizes (anvil 1.7.1; a cold BALANCE costs 2,600 gas): the reader runs
out of gas near 9,000 addresses under a 30M gas cap, deployless answers hold 767 balances, and
very large request bodies (~1.9 MB) are refused. Chunks of one chain run a few at a time, all
at the same block: a moving tag (``"latest"``) is pinned to a number first when a chain needs
more than one request (Multicall3 instead checks the block number each chunk reports).
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import operator
import struct
import weakref
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    ItemsView,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
    ValuesView,
)
from dataclasses import dataclass, field
from itertools import compress, repeat
from types import MappingProxyType
from typing import Any, Final, Literal, TypeAlias, TypeVar, cast, get_args

from interop import speedups
from interop.client import BlockTag, ChainClient
from interop.errors import (
    InputError,
    InteropError,
    RpcError,
    RpcResponseError,
    RpcTimeoutError,
    UnsupportedOperationError,
)
from interop.rpc.base import EthCallBatch, UniformBatch
from interop.rpc.models import HexStr, decode_data, decode_quantity
from interop.rpc.retry import check_seconds, deadline_scope
from interop.tokens import Token, TokenError, fetch_token_info, resolve_token
from interop.types import Address, checksum_keys, hex_to_bytes, to_address

__all__ = [
    "BALANCE_READER_ADDRESS",
    "BALANCE_READER_CODE",
    "DEFAULT_MULTICHAIN_DEADLINE",
    "DEPLOYLESS_READER_CODE",
    "DEPLOYLESS_RECORD_READER_CODE",
    "RECORD_READER_CODE",
    "STRATEGIES",
    "BalanceChunk",
    "BalanceMap",
    "BalanceTable",
    "ChainBalances",
    "Strategy",
    "TokensArg",
    "clear_address_cache",
    "decode_multicall3_balances",
    "decode_multicall3_records",
    "decode_packed_balances",
    "decode_records",
    "encode_multicall3_balances",
    "encode_multicall3_records",
    "encode_records",
    "get_balances",
    "get_balances_multichain",
    "iter_balances",
    "validate_addresses",
]

Strategy = Literal["auto", "override", "multicall3", "deployless", "batch"]
STRATEGIES: Final[tuple[str, ...]] = get_args(Strategy)
TokensArg: TypeAlias = Mapping[int, Sequence[str | Token]] | Sequence[str | Token]
"""`tokens=`: per chain id a list, or one list for every chain (`Token`s go to their chain)."""

# Runtime code run through a state override. Stack comments: [bottom .. top]; i = calldata
# offset, j = memory offset; for each 20-byte address: mstore(j, balance(address)), i += 20,
# j += 32, loop while i < calldatasize. Listing:
#   00 6000 PUSH1 0 | 02 6000 PUSH1 0 | 04 5b JUMPDEST | 05 81 DUP2 | 06 35 CALLDATALOAD
#   07 6060 PUSH1 96 | 09 1c SHR | 0a 31 BALANCE | 0b 81 DUP2 | 0c 52 MSTORE
#   0d 6020 PUSH1 32 | 0f 01 ADD | 10 90 SWAP1 | 11 6014 PUSH1 20 | 13 01 ADD | 14 90 SWAP1
#   15 81 DUP2 | 16 36 CALLDATASIZE | 17 11 GT | 18 6004 PUSH1 4 | 1a 57 JUMPI
#   1b 6000 PUSH1 0 | 1d f3 RETURN            -> return(0, 32 * n)
BALANCE_READER_CODE: Final = bytes.fromhex(
    "6000" "6000" "5b" "81" "35" "6060" "1c" "31" "81" "52"
    "6020" "01" "90" "6014" "01" "90" "81" "36" "11" "6004" "57" "6000" "f3"
)  # fmt: skip

# Init code for deployless calls; the packed addresses are appended to it and read back with
# CODECOPY. Balances are written after a zero byte, because returned "code" may not start with
# 0xEF (EIP-3541) and a balance may. Stack: [n20 i j], n20 = bytes of addresses.
#   00 602c PUSH1 44 | 02 38 CODESIZE | 03 03 SUB | 04 80 DUP1 | 05 602c PUSH1 44
#   07 6000 PUSH1 0 | 09 39 CODECOPY             -> mem[0:n20] = addresses
#   0a 6000 PUSH1 0 | 0c 81 DUP2 | 0d 6001 PUSH1 1 | 0f 01 ADD   -> i = 0, j = n20 + 1
#   10 5b JUMPDEST | 11 81 DUP2 | 12 51 MLOAD | 13 6060 PUSH1 96 | 15 1c SHR | 16 31 BALANCE
#   17 81 DUP2 | 18 52 MSTORE | 19 6020 PUSH1 32 | 1b 01 ADD | 1c 90 SWAP1 | 1d 6014 PUSH1 20
#   1f 01 ADD | 20 90 SWAP1 | 21 82 DUP3 | 22 82 DUP3 | 23 10 LT | 24 6010 PUSH1 16 | 26 57 JUMPI
#   27 82 DUP3 | 28 90 SWAP1 | 29 03 SUB | 2a 82 DUP3 | 2b f3 RETURN  -> return(n20, 1 + 32 * n)
DEPLOYLESS_READER_CODE: Final = bytes.fromhex(
    "602c" "38" "03" "80" "602c" "6000" "39"
    "6000" "81" "6001" "01"
    "5b" "81" "51" "6060" "1c" "31" "81" "52" "6020" "01" "90" "6014" "01" "90"
    "82" "82" "10" "6010" "57"
    "82" "90" "03" "82" "f3"
)  # fmt: skip

# keccak256("interop.balance-reader")[12:]: an address nobody holds a key for or deploys to.
BALANCE_READER_ADDRESS: Final = Address("0x3CA3d26b782bc4620f4da145669A1fE5Fe6484D0")

_SEL_TRY_AGGREGATE: Final = bytes.fromhex("bce38bd7")  # tryAggregate(bool,(address,bytes)[])
_SEL_AGGREGATE: Final = bytes.fromhex("252dba42")  # aggregate((address,bytes)[])
_SEL_GET_ETH_BALANCE: Final = bytes.fromhex("4d2301cc")  # getEthBalance(address)

# (default, maximum) addresses per request
_CHUNK: Final[dict[str, tuple[int, int]]] = {
    "override": (2_500, 8_000),
    "multicall3": (2_340, 2_340),  # see _MC3_CHUNK
    "deployless": (700, 767),
    "batch": (1_000, 1_000),
}
# Multicall3 native chunk: the largest whose request body stays under ~900 KB (bodies near
# 1.9 MB are refused; 900 KB leaves room for proxies with a 1 MB limit). `aggregate` calldata
# is 4 + 64 + 192 n bytes, sent as hex: 2 * 192 = 384 body bytes per address, plus ~200 of
# selector, heads and JSON envelope, so (900_000 - 200) // 384 = 2,343; 2,340 rounds it down.
# (aggregate3's 224 bytes a balance held the chunk at 2,000 = 896 KB.)
_MC3_CHUNK: Final = 2_340
# deployless before Multicall3: on the same nodes it costs ~1.3 µs of client CPU per balance
# against ~2.5 (the `aggregate` elements are JSON-encoded and decoded as hex) and the node runs
# it ~3x faster; a node that refuses it still falls through to Multicall3.
_AUTO_ORDER: Final[tuple[str, ...]] = ("override", "deployless", "multicall3", "batch")
_MAX_PARALLEL_CHUNKS: Final = 4
DEFAULT_MULTICHAIN_DEADLINE: Final = 30.0
"""Seconds `get_balances_multichain` may take in all, unless told otherwise."""
_BACKSTOP_GRACE: Final = 0.1
_YIELDS_BEFORE_WORK: Final = 3
_KEYS_SLICE: Final = 512  # addresses checksummed between two looks at the sockets
_KEYS_SLICE_NATIVE: Final = 2048  # the same in C (~0.8 ms of work)

# per client: the strategy that last worked under "auto"
_learned: weakref.WeakKeyDictionary[ChainClient, str] = weakref.WeakKeyDictionary()


class _Unsupported(Exception):
    """The node answered, but this strategy does not work there: try the next one."""


# ---------------------------------------------------------------------------------------------
# addresses


_HEXCHARS = frozenset("0123456789abcdefABCDEF")


_CACHE: dict[str, Address] = {}
_CACHE_MAX: Final = 1 << 16
# whole address lists (their concatenated lower-case bodies) -> keys: a poller's next call
# skips checksumming every address (~0.4 µs each in C) or splitting and looking up each one.
# Bounded in lists and in addresses held by all of them together (~28 MB at most: the keys, the
# bodies' string and the index BalanceMap uses), so a portfolio of 100,000 addresses polled
# again is remembered, and _CACHE's 65,536 entries are not what it depends on.
_LISTS: dict[str, tuple[Address, ...]] = {}
_LISTS_MAX: Final = 4
_LISTS_MAX_ADDRESSES: Final = 1 << 17


# the address -> position index of a list in _LISTS (what BalanceMap looks keys up in), built
# on the first multichain read of that list and dropped with it
_INDEXES: dict[str, dict[Address, int]] = {}


def clear_address_cache() -> None:
    """Forget cached checksums (for benchmarks measuring the cold path)."""
    _CACHE.clear()
    _LISTS.clear()
    _INDEXES.clear()


def _index_of(lower: str, keys: tuple[Address, ...]) -> dict[Address, int]:
    """Each distinct key's position (the last, as `dict(zip(keys, values))` keeps the last
    value; first-seen order); kept while `_LISTS` holds these very keys."""
    index = _INDEXES.get(lower)
    if index is not None and _LISTS.get(lower) is keys:
        return index
    index = dict(zip(keys, range(len(keys)), strict=True))
    if _LISTS.get(lower) is keys:
        _INDEXES[lower] = index
    return index


def _remember(lower_keys: Sequence[str], checksummed: Sequence[Address]) -> None:
    """Cache under the lower-case form, the form `_prepare` yields."""
    if len(_CACHE) + len(lower_keys) > _CACHE_MAX:
        _CACHE.clear()
    _CACHE.update(zip(lower_keys, checksummed, strict=True))


def _checked(value: str) -> Address:
    """`to_address` semantics (strict EIP-55), cached; the same result as `to_address`.

    Anything unusual goes to `to_address` so errors read the same everywhere. Cached under
    the input, its lower-case form and its checksummed form: balance polling repeats the same
    addresses, and lookups in the result are usually by the checksummed keys it returned.
    """
    hit = _CACHE.get(value)
    if hit is not None:
        return hit
    if len(value) != 42 or value[:2] != "0x" or not _HEXCHARS.issuperset(value[2:]):
        return to_address(value)
    body = value[2:]
    lower = body.lower()
    checksummed = checksum_keys(lower.encode("ascii"))[0]
    if body != lower and body != body.upper() and value != checksummed:
        return to_address(value)  # raises InvalidAddressError with the usual hint
    result = Address(checksummed)
    _remember(["0x" + lower], [result])
    _CACHE[value] = _CACHE[checksummed] = result
    return result


def _prepare(addresses: Iterable[str | bytes]) -> tuple[str, bytes]:
    """Check every address; return their lower-case hex bodies, concatenated, and packed bytes.

    Everything that can be wrong is found here, before any request: syntax, and the EIP-55
    checksum of mixed-case input. All-lower / all-upper input is valid as it is, so its
    checksummed form (one keccak each) can be computed later, while the node is working.
    Duplicates are not removed here (reading one balance twice is cheaper than finding them);
    the result mapping collapses them.
    """
    if isinstance(addresses, str | bytes | bytearray):
        raise InputError(
            "addresses must be a list of addresses, not a single address",
            hint="wrap it: get_balances(client, [address])",
        )
    items = addresses if isinstance(addresses, list | tuple) else list(addresses)
    fast = _prepare_bulk(items)
    if fast is not None:
        return fast
    bodies: list[str] = []
    hexchars = _HEXCHARS
    for a in items:
        if isinstance(a, str) and len(a) == 42 and a[:2] == "0x" and hexchars.issuperset(a[2:]):
            body = a[2:]
            low = body.lower()
            if body != low and body != body.upper():
                _checked(a)  # verifies the checksum; raises InvalidAddressError
        else:
            low = to_address(a)[2:].lower()  # raises InvalidAddressError with the usual hint
        bodies.append(low)
    lower = "".join(bodies)
    return lower, bytes.fromhex(lower)


def _prepare_bulk(items: Sequence[str | bytes]) -> tuple[str, bytes] | None:
    """`_prepare` for the common case (0x + 40 hex strings) with whole-list string operations.

    Returns None whenever anything is unusual; the per-address path then decides (and words
    the error).
    """
    n = len(items)
    native = speedups.native
    if native is not None and isinstance(items, list | tuple):
        # one pass in C: ~0.03 µs an address against ~0.3 for the string operations below
        got = native.address_bodies(items)
        if got is None:
            return None
        lower, packed, upper = got
        if upper:
            _verify_mixed(items)
        return lower, packed
    if not n or set(map(len, items)) != {42}:
        return None
    try:
        joined = "".join(items)  # type: ignore[arg-type]  # bytes items raise
    except TypeError:
        return None
    if joined[0::42] != "0" * n or joined[1::42] != "x" * n:
        return None
    bodies = joined.replace("0x", "")  # an "0x" inside a body shortens it: caught below
    lower = bodies.lower()
    if len(bodies) != 40 * n or len(lower) != 40 * n:
        return None
    try:
        packed = bytes.fromhex(lower)
    except ValueError:
        return None
    if len(packed) != 20 * n:  # fromhex skips whitespace
        return None
    if bodies != lower:
        _verify_mixed(items)
    return lower, packed


def _verify_mixed(items: Sequence[str | bytes]) -> None:
    """Some address has upper case: verify (and cache) the mixed-case ones' EIP-55 checksums;
    all-upper ones are valid as they are."""
    for a in items:
        if a not in _CACHE:
            body = a[2:]
            if body != body.lower() and body != body.upper():  # type: ignore[union-attr]
                _checked(a)  # type: ignore[arg-type]


def validate_addresses(addresses: Iterable[str | bytes]) -> list[Address]:
    """Checksum every address (raising `InvalidAddressError` on the first bad one), dedupe.

    A lone string is refused rather than iterated character by character.
    """
    lower, _ = _prepare(addresses)
    return list(dict.fromkeys(_keys_now(lower)))


def _keys_now(lower: str) -> list[Address]:
    """Checksummed addresses of concatenated lower-case bodies; cache hits, the rest in bulk."""
    if not lower:
        return []
    # split in C (hex with a comma every 20 bytes): half the cost of slicing in a comprehension
    keys = ("0x" + bytes.fromhex(lower).hex(",", 20).replace(",", ",0x")).split(",")
    found = list(map(_CACHE.get, keys))
    misses = found.count(None)
    if not misses:
        return found  # type: ignore[return-value]  # no None left
    if misses == len(keys):  # the usual cold case: no index bookkeeping
        fresh = checksum_keys(lower.encode("ascii"))
        _remember(keys, fresh)
        return fresh
    missing = [i for i, hit in enumerate(found) if hit is None]
    todo = [keys[i] for i in missing]
    fresh = checksum_keys("".join([k[2:] for k in todo]).encode("ascii"))
    _remember(todo, fresh)
    for i, a in zip(missing, fresh, strict=True):
        found[i] = a
    return found  # type: ignore[return-value]


async def _checksummed(lower: str) -> tuple[Address, ...]:
    """The checksummed keys, computed while the requests are in flight.

    Yields first, a few times: aiohttp writes a request body from a task of its own, so the
    requests reach the nodes only after the loop has gone round more than once. Then works in
    slices, so the answers are read as they arrive.
    """
    known = _LISTS.get(lower)
    if known is not None:
        return known
    for _ in range(_YIELDS_BEFORE_WORK):
        await asyncio.sleep(0)
    text: str | bytes = lower
    keys_of: Callable[[Any], Iterable[Address]] = _keys_now
    step = 40 * _KEYS_SLICE
    if speedups.native is not None and len(lower) > step:
        # a long list in C without the per-address cache: computing a checksum there (~0.4 µs)
        # costs less than cutting the list into keys, looking each up and caching the misses
        # (~0.6 µs), and a list polled again is found whole in _LISTS above
        text, keys_of, step = lower.encode("ascii"), checksum_keys, 40 * _KEYS_SLICE_NATIVE
    out: list[Address] = []
    for i in range(0, len(text), step):
        if i:
            await asyncio.sleep(0)
        out.extend(keys_of(text[i : i + step]))
    keys = tuple(out)
    if len(keys) <= _LISTS_MAX_ADDRESSES:
        held = sum(map(len, _LISTS.values()))
        while _LISTS and (len(_LISTS) >= _LISTS_MAX or held + len(keys) > _LISTS_MAX_ADDRESSES):
            oldest = next(iter(_LISTS))
            held -= len(_LISTS.pop(oldest))
            _INDEXES.pop(oldest, None)
        _LISTS[lower] = keys
    return keys


# ---------------------------------------------------------------------------------------------
# encoders / decoders (pure; unit-tested)


@functools.lru_cache(maxsize=128)
def _repeated(unit: str, count: int, order: str = "") -> struct.Struct:
    """A `struct` of `unit` repeated `count` times (e.g. "32s": cut `count` words in one C call),
    cached: a reader sees the same few chunk sizes again and again, and compiling a format of
    thousands of fields costs more than the unpack it serves."""
    return struct.Struct(order + unit * count)


def decode_packed_balances(raw: bytes, count: int) -> list[int]:
    """`count` big-endian uint256 values packed back to back (the readers' answer).

    One `struct` unpack cuts the answer into 32-byte pieces in C, and `map` turns them into
    ints: ~2.5x faster than slicing in a Python loop.
    """
    if len(raw) != 32 * count:
        raise _Unsupported(f"expected {32 * count} bytes of balances, got {len(raw)}")
    return list(map(int.from_bytes, _repeated("32s", count).unpack(raw)))


def encode_multicall3_balances(multicall3: Address | str, packed: bytes) -> bytes:
    """Calldata of `aggregate([(multicall3, getEthBalance(a)) for a in addresses])`.

    ABI layout written out by hand (eth-abi costs ~15x more here): head offset, array length,
    one relative offset per element (32 n + 160 k), then each 160-byte element (target, bytes
    offset 0x40, length 36, selector + padded address + 28 bytes of padding): 192 bytes a
    balance with its offset. Every element is the same 140 bytes around its address, so the
    elements are one `bytes.join` of the addresses with that filler as separator (C speed; the
    per-element loop cost ~2 µs each).
    """
    n = len(packed) // 20
    if not n:
        return _SEL_AGGREGATE + (0x20).to_bytes(32, "big") + bytes(32)
    prefix = _mc3_elem_prefix(str(multicall3))
    return b"".join(
        (
            _SEL_AGGREGATE,
            (0x20).to_bytes(32, "big"),
            _array_heads(n, 160),
            prefix,
            (bytes(28) + prefix).join(_split20(packed, n)),
            bytes(28),
        )
    )


def _mc3_elem_prefix(multicall3: str) -> bytes:
    """The 112 bytes of an `aggregate` element before the address: target (Multicall3 itself),
    offset of its bytes (0x40), their length (36), `getEthBalance` and the address's padding."""
    target = bytes(12) + bytes.fromhex(multicall3[2:])
    return (
        target
        + (0x40).to_bytes(32, "big")
        + (36).to_bytes(32, "big")
        + _SEL_GET_ETH_BALANCE
        + bytes(12)
    )


_ARRAY_HEADS: dict[tuple[int, int], bytes] = {}


def _array_heads(n: int, size: int) -> bytes:
    """Array length and the n relative offsets of `size`-byte elements (cached per n, size)."""
    heads = _ARRAY_HEADS.get((n, size))
    if heads is None:
        heads = n.to_bytes(32, "big") + b"".join(
            (32 * n + size * k).to_bytes(32, "big") for k in range(n)
        )
        if len(_ARRAY_HEADS) < 16:
            _ARRAY_HEADS[(n, size)] = heads
    return heads


def _split20(packed: bytes, n: int) -> tuple[bytes, ...]:
    return cast(tuple[bytes, ...], _repeated("20s", n).unpack(packed))


# tryAggregate's (and aggregate3's) answer when every sub-call returned one word, as Multicall3
# encodes it: offset 0x20, n, n relative offsets (32 n + 128 k), then per result: success,
# 0x40, 32, value
_RESULT_PREFIX: Final = (
    (1).to_bytes(32, "big") + (0x40).to_bytes(32, "big") + (32).to_bytes(32, "big")
)
_RESULTS: dict[int, tuple[bytes, struct.Struct]] = {}


def _compact_results(raw: bytes, count: int) -> tuple[bytes, ...] | None:
    """The 32-byte values of a compact all-successful `Result[]` answer, or None if the answer
    is laid out in any other way (then the general decoder follows the offsets)."""
    entry = _RESULTS.get(count)
    if entry is None:
        head = (0x20).to_bytes(32, "big") + count.to_bytes(32, "big")
        head += b"".join((32 * count + 128 * k).to_bytes(32, "big") for k in range(count))
        entry = (head, struct.Struct("96s32s" * count))
        if len(_RESULTS) < 16:
            _RESULTS[count] = entry
    head, splitter = entry
    if len(raw) != len(head) + 128 * count or not raw.startswith(head):
        return None
    parts = splitter.unpack_from(raw, len(head))
    prefixes = parts[0::2]
    if prefixes.count(_RESULT_PREFIX) != count:
        return None
    return cast(tuple[bytes, ...], parts[1::2])


def decode_multicall3_balances(raw: bytes, count: int) -> list[int]:
    """Balances from an `aggregate` answer `(uint256 blockNumber, bytes[] returnData)`."""
    return _decode_aggregate(raw, count)[1]


_W32: Final = (32).to_bytes(32, "big")
_AGG_RESULTS: dict[int, tuple[bytes, struct.Struct]] = {}


def _decode_aggregate(raw: bytes, count: int) -> tuple[int, list[int]]:
    """The block number and the balances of an `aggregate` answer.

    Multicall3 encodes it compactly: block, 0x40, n, n offsets (32 n + 64 k), then per result
    its length (32) and value, 96 bytes a balance; that layout is checked and read with one
    `struct` unpack. Any other ABI-correct layout is read by following the offsets; a result
    that is not one word means this strategy does not work here.
    """
    fb = int.from_bytes
    entry = _AGG_RESULTS.get(count)
    if entry is None:
        head = (0x40).to_bytes(32, "big") + _array_heads(count, 64)
        entry = (head, struct.Struct("32s32s" * count))
        if len(_AGG_RESULTS) < 16:
            _AGG_RESULTS[count] = entry
    head, splitter = entry
    if len(raw) == 32 + len(head) + 64 * count and raw.startswith(head, 32):
        parts = splitter.unpack_from(raw, 32 + len(head))
        if parts[0::2].count(_W32) == count:
            return fb(raw[:32]), list(map(fb, parts[1::2]))
    if len(raw) < 64:
        raise _Unsupported(f"undecodable aggregate answer of {len(raw)} bytes")
    base = fb(raw[32:64])
    n = fb(raw[base : base + 32])
    if n != count:
        raise _Unsupported(f"aggregate returned {n} results for {count} calls")
    heads = base + 32
    out: list[int] = []
    for k in range(n):
        data = heads + fb(raw[heads + 32 * k : heads + 32 * k + 32])
        length = fb(raw[data : data + 32])
        if length != 32 or len(raw) < data + 64:
            raise _Unsupported(f"getEthBalance sub-call {k} returned {length} bytes")
        out.append(fb(raw[data + 32 : data + 64]))
    return fb(raw[:32]), out


# ---------------------------------------------------------------------------------------------
# strategies: one request for one chunk


def _tag(block: BlockTag) -> str:
    return hex(block) if isinstance(block, int) else block


def _data(value: Any) -> bytes:
    """An eth_call answer as bytes. `bytes.fromhex` validates in C as it decodes (it skips
    whitespace only, caught by the length check), so the large answers of these readers are
    not scanned a second time by a regex; anything unusual goes to the strict decoder, which
    words the error."""
    if type(value) is str and value[:2] == "0x":
        try:
            raw = bytes.fromhex(value[2:])
        except ValueError:
            pass
        else:
            if 2 * len(raw) + 2 == len(value):
                return raw
    return decode_data(value, "eth_call")


async def _eth_call(
    client: ChainClient, to: str, data: bytes, block: BlockTag, code: bytes | None = None
) -> bytes:
    """`client.call`, with the answer decoded by `_data`."""
    params: list[Any] = [{"to": to, "data": HexStr(data)}, _tag(block)]
    if code is not None:
        params.append({to: {"code": HexStr(code)}})
    return _data(await client.request("eth_call", params))


def _hex_balances(value: Any, start: int, n: int) -> list[int] | None:
    """A reader's answer read straight from its hex by the C module (`interop.speedups`): one
    pass, no intermediate bytes or 32-byte pieces (~3x cheaper than `fromhex`, `struct` and
    `int.from_bytes`). None when the module is absent or the answer is not exactly `0x`, the
    prefix `start` covers, and `n` words of hex: the Python path then decodes or words the
    error."""
    native = speedups.native
    if native is None or type(value) is not str or value[:2] != "0x":
        return None
    try:
        words: list[int] = native.hex_words(value, start, n)
    except ValueError:
        return None
    return words


_OVERRIDE_CODE_HEX: Final = HexStr(BALANCE_READER_CODE)


async def _via_override(client: ChainClient, packed: bytes, n: int, block: BlockTag) -> list[int]:
    params: list[Any] = [
        {"to": BALANCE_READER_ADDRESS, "data": HexStr(packed)},
        _tag(block),
        {BALANCE_READER_ADDRESS: {"code": _OVERRIDE_CODE_HEX}},
    ]
    value = await client.request("eth_call", params)
    fast = _hex_balances(value, 2, n)
    if fast is not None:
        return fast
    return decode_packed_balances(_data(value), n)


_MC3_HEX: dict[tuple[str, int], tuple[str, str]] = {}
_PAD28_HEX: Final = bytes(28).hex()


def _multicall3_hex(multicall3: str, packed: bytes, n: int) -> HexStr:
    """`encode_multicall3_balances` as hex, written as hex: the fixed parts (selector, heads,
    the 140 bytes around each address) are hex made once per (Multicall3, count), the addresses'
    hex is one `bytes.hex` of the packed list, and one join makes the payload. Building the
    bytes and converting them (and the `0x` concatenation) cost ~2x more and ~3 x 400 KB of
    short-lived buffers per 1,000 balances."""
    parts = _MC3_HEX.get((multicall3, n))
    if parts is None:
        prefix = _mc3_elem_prefix(multicall3)
        head = _SEL_AGGREGATE + (0x20).to_bytes(32, "big") + _array_heads(n, 160) + prefix
        parts = (head.hex(), (bytes(28) + prefix).hex())
        if len(_MC3_HEX) >= 8:  # the full chunk and the last one, per Multicall3
            _MC3_HEX.clear()
        _MC3_HEX[(multicall3, n)] = parts
    head_hex, sep_hex = parts
    pieces = [sep_hex] * (2 * n + 1)  # head, address, filler, address, ..., address, padding
    pieces[0] = head_hex
    pieces[1::2] = packed.hex(",", 20).split(",")
    pieces[-1] = _PAD28_HEX
    return HexStr.join_hex(pieces)


async def _multicall3_chunk(
    client: ChainClient, packed: bytes, n: int, block: BlockTag
) -> tuple[int, list[int]]:
    """One `aggregate` request: the block number it ran at and the balances."""
    mc = client.chain.multicall3
    if mc is None:
        raise _Unsupported(f"chain {client.chain.name} has no Multicall3 in its chain data")
    if not n:
        raw = await _eth_call(client, mc, encode_multicall3_balances(mc, packed), block)
    else:
        params: list[Any] = [{"to": mc, "data": _multicall3_hex(str(mc), packed, n)}, _tag(block)]
        value = await client.request("eth_call", params)
        fast = _hex_aggregate(value, n)
        if fast is not None:
            return fast
        raw = _data(value)
    return _decode_aggregate(raw, n)


_AGG_HEADS_HEX: dict[int, str] = {}


def _hex_aggregate(value: Any, count: int) -> tuple[int, list[int]] | None:
    """`_decode_aggregate`'s compact layout read straight from the answer's hex by the C module:
    the heads compared as text, then every word after them in one `hex_words` pass (each
    result's length, which must be 32, and its value). ~0.15 µs a balance against ~0.45 for
    `fromhex` and the `struct` path. None when the module is absent or the answer is anything
    else (another layout, upper-case hex, a bad digit): `_decode_aggregate` decides."""
    native = speedups.native
    if native is None or type(value) is not str or value[:2] != "0x":
        return None
    heads = _AGG_HEADS_HEX.get(count)
    if heads is None:
        heads = ((0x40).to_bytes(32, "big") + _array_heads(count, 64)).hex()
        if len(_AGG_HEADS_HEX) < 16:
            _AGG_HEADS_HEX[count] = heads
    start = 66 + len(heads)
    if len(value) != start + 128 * count or not value.startswith(heads, 66):
        return None
    try:
        block = native.hex_words(value[:66], 2, 1)[0]
        words = native.hex_words(value, start, 2 * count)
    except ValueError:
        return None
    if words[0::2].count(32) != count:
        return None
    return block, words[1::2]


async def _via_multicall3(client: ChainClient, packed: bytes, n: int, block: BlockTag) -> list[int]:
    return (await _multicall3_chunk(client, packed, n, block))[1]


async def _via_deployless(client: ChainClient, packed: bytes, n: int, block: BlockTag) -> list[int]:
    tx = {"data": HexStr(DEPLOYLESS_READER_CODE + packed)}
    value = await client.request("eth_call", [tx, _tag(block)])
    if type(value) is str and value[2:4] == "00":
        fast = _hex_balances(value, 4, n)
        if fast is not None:
            return fast
    raw = _data(value)
    if raw[:1] != b"\x00":
        raise _Unsupported("deployless call did not return the reader's output")
    return decode_packed_balances(raw[1:], n)


async def _via_batch(client: ChainClient, packed: bytes, n: int, block: BlockTag) -> list[int]:
    # the addresses split in C (hex with a comma every 20 bytes); a `UniformBatch` rather than
    # n (method, params) tuples, which the garbage collector would walk again and again
    addrs = ("0x" + packed.hex(",", 20).replace(",", ",0x")).split(",")
    calls = UniformBatch("eth_getBalance", addrs, (_tag(block),))
    return _quantities(await client.batch(calls), "eth_getBalance")


_QUANTITY_CHARS: Final = b"0123456789abcdefABCDEFx,"


def _quantities(results: list[Any], method: str) -> list[int]:
    """A batch's answers as ints: the whole list is checked with a few C-speed string scans
    (only hex digits, exactly one '0x' per answer, none empty), not a regex per answer; any
    answer that is an error or unusual is raised or worded by `decode_quantity`."""
    n = len(results)
    native = speedups.native
    if native is not None and type(results) is list:
        values: list[int] | None = native.quantities(results)  # ~15x the checks below
        if values is not None:
            return values
    if n and set(map(type, results)) == {str}:
        joined = ",".join(results)
        if (
            not joined.encode().translate(None, _QUANTITY_CHARS)
            and joined.count("x") == n
            and ("," + joined).count(",0x") == n
            and ",0x," not in "," + joined + ","
        ):
            return list(map(int, results, repeat(16, n)))
    out: list[int] = []
    for r in results:
        if isinstance(r, BaseException):
            raise r
        out.append(decode_quantity(r, method))
    return out


_STRATEGY_FNS = {
    "override": _via_override,
    "multicall3": _via_multicall3,
    "deployless": _via_deployless,
    "batch": _via_batch,
}


# ---------------------------------------------------------------------------------------------
# records: native and ERC-20 balances in one request
#
# A record is 40 bytes: target (20) + holder (20). Target zero means the holder's native
# balance; any other target is an ERC-20 whose `balanceOf(holder)` is read. A record's answer is
# a value or None (the token reverted, has no code, or answered fewer than 32 bytes): a
# per-entry failure, never a failed request.

# Runtime code for records, run through a state override like BALANCE_READER_CODE. Output per
# record: 1 status byte (1 = ok) + 32-byte value (0 when failed). Stack: [i j], i = calldata
# offset, j = memory offset of the next output record (starting at 0x40; mem[0:36] is the
# call's input and mem[0:32] its output). Each token call gets at most 100,000 gas, so a
# token that burns gas fails alone (the reader keeps 1/64 of the rest by EIP-150).
#   00 6000 PUSH1 0 | 02 6040 PUSH1 0x40 | 04 5b JUMPDEST(loop)
#   05 81 DUP2 | 06 35 CALLDATALOAD | 07 6060 PUSH1 96 | 09 1c SHR            -> t
#   0a 82 DUP3 | 0b 6014 PUSH1 20 | 0d 01 ADD | 0e 35 CALLDATALOAD | 0f 6060 | 11 1c  -> h
#   12 81 DUP2 | 13 15 ISZERO | 14 61004c PUSH2 native | 17 57 JUMPI
#   18 6370a08231 PUSH4 balanceOf | 1d 60e0 | 1f 1b SHL | 20 6000 | 22 52 MSTORE  mem[0]=sel
#   23 6004 | 25 52 MSTORE                                               mem[4:36]=h
#   26 6020 | 28 6000 | 2a 6024 | 2c 6000 | 2e 84 DUP5 | 2f 620186a0 | 33 fa STATICCALL -> ok
#   34 3d RETURNDATASIZE | 35 6020 | 37 11 GT | 38 15 ISZERO | 39 16 AND  -> ok && rds >= 32
#   3a 90 SWAP1 | 3b 50 POP | 3c 6000 | 3e 51 MLOAD | 3f 81 DUP2 | 40 02 MUL  -> v * ok
#   41 82 DUP3 | 42 6001 | 44 01 ADD | 45 52 MSTORE | 46 81 DUP2 | 47 53 MSTORE8
#   48 610058 PUSH2 next | 4b 56 JUMP
#   4c 5b JUMPDEST(native) | 4d 31 BALANCE | 4e 82 DUP3 | 4f 6001 | 51 01 | 52 52 MSTORE
#   53 6001 | 55 82 DUP3 | 56 53 MSTORE8 | 57 50 POP
#   58 5b JUMPDEST(next) | 59 6021 | 5b 01 ADD | 5c 90 | 5d 6028 | 5f 01 | 60 90  -> i+40, j+33
#   61 81 DUP2 | 62 36 CALLDATASIZE | 63 11 GT | 64 6004 | 66 57 JUMPI
#   67 6040 | 69 81 DUP2 | 6a 03 SUB | 6b 6040 | 6d f3 RETURN     -> return(0x40, j - 0x40)
RECORD_READER_CODE: Final = bytes.fromhex(
    "6000" "6040" "5b"
    "81" "35" "6060" "1c"
    "82" "6014" "01" "35" "6060" "1c"
    "81" "15" "61004c" "57"
    "6370a08231" "60e0" "1b" "6000" "52"
    "6004" "52"
    "6020" "6000" "6024" "6000" "84" "620186a0" "fa"
    "3d" "6020" "11" "15" "16"
    "90" "50" "6000" "51" "81" "02"
    "82" "6001" "01" "52" "81" "53"
    "610058" "56"
    "5b" "31" "82" "6001" "01" "52"
    "6001" "82" "53" "50"
    "5b" "6021" "01" "90" "6028" "01" "90"
    "81" "36" "11" "6004" "57"
    "6040" "81" "03" "6040" "f3"
)  # fmt: skip

# Init code of the same loop for deployless calls (no state override, no Multicall3): the
# records are appended to it, copied to memory at 0x40, and the output — a zero byte (EIP-3541)
# then 33 bytes per record — is returned as the "deployed code", so at most 744 records fit
# under the 24,576-byte code-size limit. Stack: [end i j], i/end = memory of the records.
#   00 607b PUSH1 123 | 02 38 CODESIZE | 03 03 SUB | 04 80 DUP1 | 05 607b | 07 6040 | 09 39
#      CODECOPY -> mem[0x40:] = records | 0a 6040 | 0c 01 ADD -> end | 0d 6040 -> i
#   0f 81 DUP2 | 10 6001 | 12 01 ADD -> j = end + 1 | 13 5b JUMPDEST(loop)
#   14 81 DUP2 | 15 51 MLOAD | 16 6060 | 18 1c SHR -> t | 19 82 | 1a 6014 | 1c 01 | 1d 51 MLOAD
#   1e 6060 | 20 1c -> h | 21 81 | 22 15 ISZERO | 23 61005b PUSH2 native | 26 57 JUMPI
#   27..5a the token call, exactly as in RECORD_READER_CODE (18..4b there), next = 0x67
#   5b 5b JUMPDEST(native) .. 66 as 4c..57 there | 67 5b JUMPDEST(next) | 68 6021 | 6a 01 -> j+33
#   6b 90 | 6c 6028 | 6e 01 | 6f 90 -> i+40 | 70 82 DUP3 | 71 82 DUP3 | 72 10 LT | 73 6013
#   75 57 JUMPI -> loop while i < end | 76 82 DUP3 | 77 81 DUP2 | 78 03 SUB | 79 83 DUP4
#   7a f3 RETURN -> return(end, j - end)
DEPLOYLESS_RECORD_READER_CODE: Final = bytes.fromhex(
    "607b" "38" "03" "80" "607b" "6040" "39"
    "6040" "01" "6040" "81" "6001" "01"
    "5b"
    "81" "51" "6060" "1c"
    "82" "6014" "01" "51" "6060" "1c"
    "81" "15" "61005b" "57"
    "6370a08231" "60e0" "1b" "6000" "52"
    "6004" "52"
    "6020" "6000" "6024" "6000" "84" "620186a0" "fa"
    "3d" "6020" "11" "15" "16"
    "90" "50" "6000" "51" "81" "02"
    "82" "6001" "01" "52" "81" "53"
    "610067" "56"
    "5b" "31" "82" "6001" "01" "52"
    "6001" "82" "53" "50"
    "5b" "6021" "01" "90" "6028" "01" "90"
    "82" "82" "10" "6013" "57"
    "82" "81" "03" "83" "f3"
)  # fmt: skip

_SEL_BALANCE_OF: Final = bytes.fromhex("70a08231")  # balanceOf(address)
_NATIVE: Final = bytes(20)

# (default, maximum) records per request; a cold balanceOf costs ~7k gas, so 3,000 records
# stay well inside a 30M gas cap.
_RECORD_CHUNK: Final[dict[str, tuple[int, int]]] = {
    "override": (1_500, 3_000),
    "deployless": (700, 744),
    "multicall3": (1_000, 2_000),
    # sent as two requests, natives and tokens: with one token, 1,000 calls each (the
    # transport cuts a larger side at its `max_batch_size`)
    "batch": (2_000, 2_000),
}
_RECORD_AUTO_ORDER: Final[tuple[str, ...]] = ("override", "deployless", "multicall3", "batch")
_learned_records: weakref.WeakKeyDictionary[ChainClient, str] = weakref.WeakKeyDictionary()


def encode_records(targets: Sequence[bytes], packed: bytes) -> bytes:
    """Records of every holder in `packed` (20 bytes each) × every target, holder-major:
    holder 0's targets, then holder 1's... `targets` are 20-byte addresses, zero for native.

    Built as one list of 20-byte pieces filled by strided slice assignments (C speed), then
    joined: a comprehension over holders × targets cost ~0.25 µs a record."""
    n = len(packed) // 20
    m = len(targets)
    if not n or not m:
        return b""
    holders = _split20(packed, n)
    pieces: list[bytes] = [b""] * (2 * m * n)
    for j, target in enumerate(targets):
        pieces[2 * j :: 2 * m] = [bytes(target)] * n
        pieces[2 * j + 1 :: 2 * m] = holders
    return b"".join(pieces)


def decode_records(raw: bytes, count: int) -> list[int | None]:
    """The record reader's answer: `count` times (status byte, 32-byte value)."""
    if len(raw) != 33 * count:
        raise _Unsupported(f"expected {33 * count} bytes of records, got {len(raw)}")
    parts = _repeated("B32s", count, ">").unpack(raw)
    values: list[int | None] = list(map(int.from_bytes, parts[1::2]))
    if 0 in parts[0::2]:
        for k, ok in enumerate(parts[0::2]):
            if not ok:
                values[k] = None
    return values


def encode_multicall3_records(multicall3: Address | str, records: bytes) -> bytes:
    """`tryAggregate(false, calls)` calldata: native records become `getEthBalance(holder)` on
    Multicall3 itself, token records `balanceOf(holder)` on the token, and a sub-call that
    fails (a token that reverts) is reported, not fatal. `tryAggregate` rather than
    `aggregate3`: the same per-call failure result, in 160-byte elements instead of 192 (no
    per-call flag), so 384 hex characters a record instead of 448 cross the wire.

    Hand-written layout, as `encode_multicall3_balances`: selector, `false`, the array's
    offset (0x40), its length and n relative offsets (32 n + 160 k), then each element: a
    fixed prefix per target, the holder, and 28 zero bytes. The prefixes (each with the
    previous element's 28 bytes of padding in front) and the holders are laid into one list by
    strided slice assignment and joined once: a loop over the records cost ~2.5 µs each."""
    return bytes.fromhex(_multicall3_records_hex(str(multicall3), records, len(records) // 40)[2:])


def decode_multicall3_records(raw: bytes, count: int) -> list[int | None]:
    """`tryAggregate(false, …)` results: a failed or short sub-call is None. When every
    sub-call succeeded with one word (the usual case), one `struct` unpack reads them all."""
    compact = _compact_results(raw, count)
    if compact is not None:
        return list(map(int.from_bytes, compact))
    fb = int.from_bytes
    base = fb(raw[0:32], "big")
    n = fb(raw[base : base + 32], "big")
    if n != count or len(raw) < base + 32 + 32 * n:
        raise _Unsupported(f"tryAggregate returned {n} results for {count} calls")
    heads = base + 32
    out: list[int | None] = []
    for k in range(n):
        el = heads + fb(raw[heads + 32 * k : heads + 32 * k + 32], "big")
        ok = fb(raw[el : el + 32], "big")
        data = el + fb(raw[el + 32 : el + 64], "big")
        length = fb(raw[data : data + 32], "big")
        if ok == 1 and length >= 32 and len(raw) >= data + 64:
            out.append(fb(raw[data + 32 : data + 64], "big"))
        else:
            out.append(None)
    return out


async def _rec_override(client: ChainClient, records: bytes, block: BlockTag) -> list[int | None]:
    raw = await _eth_call(client, BALANCE_READER_ADDRESS, records, block, RECORD_READER_CODE)
    return decode_records(raw, len(records) // 40)


async def _rec_multicall3(client: ChainClient, records: bytes, block: BlockTag) -> list[int | None]:
    mc = client.chain.multicall3
    if mc is None:
        raise _Unsupported(f"chain {client.chain.name} has no Multicall3 in its chain data")
    n = len(records) // 40
    data = _multicall3_records_hex(str(mc), records, n)
    value = await client.request("eth_call", [{"to": mc, "data": data}, _tag(block)])
    fast = _hex_try_aggregate(value, n)
    if fast is not None:
        return fast
    return decode_multicall3_records(_data(value), n)


_MC3_REC_HEX: dict[tuple[str, int], str] = {}


def _multicall3_records_hex(multicall3: str, records: bytes, n: int) -> HexStr:
    """`encode_multicall3_records`, written as hex (as `_multicall3_hex` is for natives): the
    records' hex is one `bytes.hex` cut in C, each target's element prefix is hex made once,
    and one join makes the payload; building the bytes, then their hex, then `0x` + it, cost
    ~2x more and three payload-sized buffers."""
    head = _MC3_REC_HEX.get((multicall3, n))
    if head is None:
        head = (
            _SEL_TRY_AGGREGATE + bytes(32) + (0x40).to_bytes(32, "big") + _array_heads(n, 160)
        ).hex()
        if len(_MC3_REC_HEX) >= 8:  # the full chunk and the last one, per Multicall3
            _MC3_REC_HEX.clear()
        _MC3_REC_HEX[(multicall3, n)] = head
    if not n:
        return HexStr.join_hex([head])
    units = records.hex(",", 20).split(",")  # target, holder, target, holder...
    targets = units[0::2]
    mc = multicall3[2:].lower()
    rest = ((0x40).to_bytes(32, "big") + (36).to_bytes(32, "big")).hex()
    native_hex = "0" * 40
    prefixes = {  # each with the previous element's 28 bytes of padding in front
        t: _PAD28_HEX
        + "0" * 24
        + (mc if t == native_hex else t)
        + rest
        + (_SEL_GET_ETH_BALANCE if t == native_hex else _SEL_BALANCE_OF).hex()
        + "0" * 24
        for t in set(targets)
    }
    pieces = [""] * (2 * n + 2)  # head, prefix, holder, ..., prefix, holder, padding
    pieces[0] = head
    pieces[1 : 2 * n + 1 : 2] = map(prefixes.__getitem__, targets)
    pieces[2 : 2 * n + 1 : 2] = units[1::2]
    pieces[1] = pieces[1][len(_PAD28_HEX) :]  # the first element has no padding before it
    pieces[-1] = _PAD28_HEX
    return HexStr.join_hex(pieces)


_TRY_HEADS_HEX: dict[int, str] = {}


def _hex_try_aggregate(value: Any, count: int) -> list[int | None] | None:
    """`_compact_results` read straight from the answer's hex by the C module (as
    `_hex_aggregate` does for `aggregate`): the heads compared as text, then every word after
    them in one `hex_words` pass; each result's three leading words (success, 0x40, 32) must be
    exactly those. None when the module is absent or the answer is anything else (a failed
    sub-call, another layout, upper-case hex): `decode_multicall3_records` decides."""
    native = speedups.native
    if native is None or type(value) is not str or value[:2] != "0x":
        return None
    heads = _TRY_HEADS_HEX.get(count)
    if heads is None:
        heads = ((0x20).to_bytes(32, "big") + _array_heads(count, 128)).hex()
        if len(_TRY_HEADS_HEX) < 16:
            _TRY_HEADS_HEX[count] = heads
    start = 2 + len(heads)
    if len(value) != start + 256 * count or not value.startswith(heads, 2):
        return None
    try:
        words = native.hex_words(value, start, 4 * count)
    except ValueError:
        return None
    if words[0::4].count(1) != count or words[1::4].count(0x40) != count:
        return None
    if words[2::4].count(32) != count:
        return None
    return cast(list[int | None], words[3::4])


async def _rec_batch(client: ChainClient, records: bytes, block: BlockTag) -> list[int | None]:
    """Records as a batch of `eth_getBalance` (native) and one of `eth_call` of `balanceOf`
    (tokens), sent together, at one block (a moving tag is pinned first when there are both:
    two requests could otherwise read two blocks). The calls are lazy sequences over the
    records' hex split in C (`UniformBatch`, `EthCallBatch`), which the transport writes with a
    few joins; the answers are decoded per kind in bulk (`_quantities`, `_token_words`)."""
    hexes = records.hex(",", 20).split(",")  # target, holder, target, holder...
    targets, holders = hexes[0::2], hexes[1::2]
    native_hex = "0" * 40
    is_native = [t == native_hex for t in targets]
    is_token = [not nat for nat in is_native]
    nat_holders = ["0x" + h for h in compress(holders, is_native)]
    if len(nat_holders) not in (0, len(holders)):
        block = await _pin_block(client, block)
    tag = _tag(block)
    tok_to = ["0x" + t for t in compress(targets, is_token)]
    pre = "0x70a08231" + "0" * 24
    tok_data = [pre + h for h in compress(holders, is_token)]
    nat_res, tok_res = await asyncio.gather(
        client.batch(UniformBatch("eth_getBalance", nat_holders, (tag,))),
        client.batch(EthCallBatch(tok_to, tok_data, tag)),
    )
    return _merge(is_native, _quantities(nat_res, "eth_getBalance"), _token_words(tok_res))


def _merge(first: list[bool], a: list[int], b: list[int | None]) -> list[int | None]:
    """`a` where `first` is true and `b` elsewhere, each in order. Records repeat the same
    targets holder after holder, so the mask is usually periodic (period = targets per holder):
    then each phase is one strided slice assignment (C speed); otherwise one pass in Python
    (~0.2 µs an entry)."""
    n = len(first)
    out: list[int | None] = [None] * n
    if not a or not b:
        out[:] = a or b
        return out
    p0 = first.index(True)
    try:
        m = first.index(True, p0 + 1) - p0
    except ValueError:
        m = n  # a single native record: one period covers the chunk
    phases = [first[j::m] for j in range(m)]
    if all(ph.count(not ph[0]) == 0 for ph in phases if ph):
        ia = ib = 0
        na, nb = (
            sum(1 for ph in phases if ph and ph[0]),
            sum(1 for ph in phases if ph and not ph[0]),
        )
        for j, ph in enumerate(phases):
            if not ph:
                continue
            if ph[0]:
                out[j::m] = a[ia::na]
                ia += 1
            else:
                out[j::m] = b[ib::nb]
                ib += 1
        return out
    ita, itb = iter(a), iter(b)
    return [next(ita) if f else next(itb) for f in first]


_AFTER_0X: Final = operator.itemgetter(slice(2, None))


def _token_words(results: list[Any]) -> list[int | None]:
    """`balanceOf` answers as ints; a reverted call (a JSON-RPC error) or an answer shorter than
    32 bytes is None, any other error is raised. The usual answer (each exactly one word of
    hex) is decoded all at once: with the C module one `hex_words` pass, else one
    `bytes.fromhex` and one `struct` unpack. The `0x` prefixes are cut off per answer:
    `str.replace("0x", "")` over answers that are mostly zeros tries a match at every "0" and
    cost ~0.35 µs an answer, 6x the slicing."""
    m = len(results)
    if m and set(map(type, results)) == {str} and set(map(len, results)) == {66}:
        joined = "".join(results)
        if joined[0::66] == "0" * m and joined[1::66] == "x" * m:
            bodies = "".join(map(_AFTER_0X, results))
            native = speedups.native
            if native is not None:
                try:  # straight from the hex in C, ~3x cheaper than fromhex + struct
                    return cast(list[int | None], native.hex_words(bodies, 0, m))
                except ValueError:
                    pass  # not all hex: worded per answer below
            try:
                raw = bytes.fromhex(bodies)
            except ValueError:
                raw = b""
            if len(raw) == 32 * m:  # fromhex skips whitespace
                return list(map(int.from_bytes, _repeated("32s", m).unpack(raw)))
    out: list[int | None] = []
    for r in results:
        if isinstance(r, RpcResponseError):
            out.append(None)  # this token reverted: that entry only
        elif isinstance(r, BaseException):
            raise r
        else:
            raw = hex_to_bytes(r)
            out.append(int.from_bytes(raw[:32], "big") if len(raw) >= 32 else None)
    return out


async def _rec_deployless(client: ChainClient, records: bytes, block: BlockTag) -> list[int | None]:
    tx = {"data": HexStr(DEPLOYLESS_RECORD_READER_CODE + records)}
    raw = _data(await client.request("eth_call", [tx, _tag(block)]))
    if raw[:1] != b"\x00":
        raise _Unsupported("deployless call did not return the reader's output")
    return decode_records(raw[1:], len(records) // 40)


_RECORD_FNS = {
    "override": _rec_override,
    "deployless": _rec_deployless,
    "multicall3": _rec_multicall3,
    "batch": _rec_batch,
}


async def _run_records(
    client: ChainClient, strategy: str, records: bytes, block: BlockTag, chunk_size: int | None
) -> list[int | None]:
    default, maximum = _RECORD_CHUNK[strategy]
    size = 40 * max(1, min(chunk_size or default, maximum))
    fn = _RECORD_FNS[strategy]
    if len(records) <= size:
        return await fn(client, records, block)
    block = await _pin_block(client, block)
    sem = asyncio.Semaphore(_MAX_PARALLEL_CHUNKS)

    async def one(start: int) -> list[int | None]:
        async with sem:
            return await fn(client, records[start : start + size], block)

    parts = await asyncio.gather(*(one(s) for s in range(0, len(records), size)))
    out: list[int | None] = []
    for part in parts:
        out += part
    return out


async def _records_one_chain(
    client: ChainClient, records: bytes, *, block: BlockTag, strategy: str, chunk_size: int | None
) -> tuple[list[int | None], str]:
    """Values of the records, in order, and the strategy that produced them (`auto`: override,
    deployless, Multicall3, batched calls)."""
    if not records:
        return [], strategy
    if strategy != "auto":
        if strategy not in _RECORD_FNS:
            raise UnsupportedOperationError(
                f"balance strategy {strategy!r} cannot read token balances",
                hint=f"one of {('auto', *_RECORD_FNS)}",
            )
        try:
            return await _run_records(client, strategy, records, block, chunk_size), strategy
        except _Unsupported as exc:
            raise UnsupportedOperationError(
                f"balance strategy {strategy!r} does not work on {client.chain.name}",
                details=str(exc),
            ) from exc
    learned = _learned_records.get(client)
    order = (
        _RECORD_AUTO_ORDER[_RECORD_AUTO_ORDER.index(learned) :] if learned else _RECORD_AUTO_ORDER
    )
    reasons: list[str] = []
    for name in order:
        try:
            values = await _run_records(client, name, records, block, chunk_size)
        except (_Unsupported, RpcResponseError) as exc:
            if name == "batch" and isinstance(exc, RpcResponseError):
                raise
            reasons.append(f"{name}: {exc}")
            continue
        _learned_records[client] = name
        return values, name
    raise UnsupportedOperationError(
        f"no balance strategy works on {client.chain.name}", details="; ".join(reasons)
    )


def _resolve_tokens(
    tokens: TokensArg | None, chain_ids: Iterable[int]
) -> dict[int, tuple[Address, ...]]:
    """Token addresses per chain from what the caller passed (see `get_balances_multichain`).

    A mapping names tokens per chain id; a plain sequence applies to every chain, except its
    `Token` objects, which go to their own chain only. Symbols resolve through the built-in
    list. Everything is checked before any request (`InputError`)."""
    ids = list(chain_ids)
    out: dict[int, list[Address]] = {cid: [] for cid in ids}
    if tokens is None:
        return {}
    if isinstance(tokens, str | bytes):
        raise InputError("tokens must be a list or a mapping chain id -> list, not one token")
    if isinstance(tokens, Mapping):
        for cid, items in tokens.items():
            if cid not in out:
                raise InputError(f"tokens given for chain {cid}, which is not being read")
            if isinstance(items, str | bytes):
                raise InputError(f"tokens of chain {cid} must be a list, not one token")
            out[cid].extend(resolve_token(cid, t) for t in items)
    else:
        for t in tokens:
            if isinstance(t, Token):
                if t.chain_id in out:
                    out[t.chain_id].append(t.address)
            else:
                for cid in ids:
                    out[cid].append(resolve_token(cid, t))
    return {cid: tuple(dict.fromkeys(v)) for cid, v in out.items() if v}


async def _chain_tokens(
    client: ChainClient,
    packed: bytes,
    tokens: tuple[Address, ...],
    *,
    block: BlockTag,
    strategy: str,
    chunk_size: int | None,
    native: bool,
    with_info: bool = True,
) -> tuple[list[int] | None, list[list[int | None]], dict[Address, Token | InteropError], str]:
    """Native (if `native`) and token balances of the packed holders on one chain, one record
    set, plus the tokens' metadata (fetched concurrently, cached per client)."""
    targets = ([_NATIVE] if native else []) + [bytes.fromhex(t[2:]) for t in tokens]
    records = encode_records(targets, packed)
    info_task = asyncio.ensure_future(fetch_token_info(client, tokens)) if with_info else None
    try:
        values, used = await _records_one_chain(
            client, records, block=block, strategy=strategy, chunk_size=chunk_size
        )
        info = await info_task if info_task is not None else {}
    finally:
        if info_task is not None:
            info_task.cancel()
    m = len(targets)
    nat: list[int] | None = None
    off = 0
    if native:
        nat_vals = values[0::m]
        if None in nat_vals:  # BALANCE cannot fail; this would be a broken reader or node
            raise RpcError(f"native balance missing from the answer on {client.chain.name}")
        nat = cast(list[int], nat_vals)
        off = 1
    per_token = [values[off + j :: m] for j in range(len(tokens))]
    return nat, per_token, info, used


def _token_tables(
    keys: Sequence[Address],
    index: Mapping[Address, int],
    tokens: tuple[Address, ...],
    per_token: list[list[int | None]],
    info: Mapping[Address, Token | InteropError],
    chain_id: int,
) -> tuple[dict[Address, Mapping[Address, int]], dict[Address, InteropError]]:
    balances: dict[Address, Mapping[Address, int]] = {}
    errors: dict[Address, InteropError] = {}
    for tok, vals in zip(tokens, per_token, strict=True):
        if len(vals) != len(keys):  # the decoders count; this guards BalanceMap
            raise RpcError(
                f"chain {chain_id}: {len(vals)} balances of {tok} for {len(keys)} holders"
            )
        failed = vals.count(None)
        if not failed:  # the usual case: the shared index, no dict per token (~0.1 µs an entry)
            balances[tok] = BalanceMap(index, cast(list[int], vals))
            continue
        ok = {k: v for k, v in zip(keys, vals, strict=True) if v is not None}
        balances[tok] = MappingProxyType(ok)
        meta = info.get(tok)
        why = f"; {meta.message}" if isinstance(meta, InteropError) else ""
        errors[tok] = TokenError(
            f"balanceOf failed on token {tok} (chain {chain_id}) for {failed} of "
            f"{len(vals)} holders{why}",
            hint="the token reverted, is not a contract, or answered no uint256",
        )
    return balances, errors


# ---------------------------------------------------------------------------------------------
# one chain


def _moves(block: BlockTag) -> bool:
    """Whether `block` names a block that can change between requests and can be pinned: a tag
    like "latest" or "safe" (not a number or hash, nor "pending", which has no number yet)."""
    return not (isinstance(block, int) or block in ("pending", "earliest") or block[:2] == "0x")


async def _pin_block(client: ChainClient, block: BlockTag) -> BlockTag:
    """Turn a moving tag into a number so that every chunk reads the same block."""
    if not _moves(block):
        return block
    if block == "latest":
        return await client.block_number()
    number = (await client.get_block(block)).get("number")
    return int(number, 16) if isinstance(number, str) else block


async def _run_strategy(
    client: ChainClient,
    strategy: str,
    packed: bytes,
    block: BlockTag,
    chunk_size: int | None,
) -> list[int]:
    default, maximum = _CHUNK[strategy]
    size = max(1, min(chunk_size or default, maximum))
    fn = _STRATEGY_FNS[strategy]
    n = len(packed) // 20
    if n <= size:
        return await fn(client, packed, n, block)
    if strategy == "multicall3" and _moves(block):
        return await _multicall3_chunks(client, packed, n, size, block)
    block = await _pin_block(client, block)
    parts = await _in_chunks(client, fn, packed, n, size, block, range(0, n, size))
    out: list[int] = []
    for part in parts:
        out += part  # extends in C; a comprehension cost ~30 ns a balance
    return out


_R = TypeVar("_R")


async def _in_chunks(
    client: ChainClient,
    fn: Callable[[ChainClient, bytes, int, BlockTag], Awaitable[_R]],
    packed: bytes,
    n: int,
    size: int,
    block: BlockTag,
    starts: Sequence[int],
) -> list[_R]:
    """`fn` on the chunks of `size` addresses that begin at `starts`, all at `block`, at most
    `_MAX_PARALLEL_CHUNKS` at a time (memory stays flat for long address lists)."""
    sem = asyncio.Semaphore(_MAX_PARALLEL_CHUNKS)

    async def one(start: int) -> _R:
        stop = min(start + size, n)
        async with sem:
            return await fn(client, packed[20 * start : 20 * stop], stop - start, block)

    return list(await asyncio.gather(*(one(s) for s in starts)))


async def _multicall3_chunks(
    client: ChainClient, packed: bytes, n: int, size: int, block: BlockTag
) -> list[int]:
    """Every chunk at the caller's moving tag, without a pinning request: `aggregate` reports
    the block number it ran at. The first chunk's number is the answer's block; a chunk that
    reports another (a block was mined between chunks) is read again at that number, a second
    round that is rare. If a re-read does not report that number or is refused (a node whose
    `block.number` in `eth_call` is not the block read, e.g. one ahead), every chunk is read
    again at a pinned number, as the other strategies do."""
    starts = range(0, n, size)
    read = _multicall3_chunk
    parts = await _in_chunks(client, read, packed, n, size, block, starts)
    first = parts[0][0]
    stale = [i for i, (number, _) in enumerate(parts) if number != first]
    if stale:
        try:
            again = await _in_chunks(
                client, read, packed, n, size, first, [starts[i] for i in stale]
            )
        except RpcResponseError:
            again = []
        if len(again) != len(stale) or any(number != first for number, _ in again):
            pinned = await _pin_block(client, block)
            parts = await _in_chunks(client, read, packed, n, size, pinned, starts)
        else:
            for i, part in zip(stale, again, strict=True):
                parts[i] = part
    return [b for _, values in parts for b in values]


async def _balances_one_chain(
    client: ChainClient,
    packed: bytes,
    *,
    block: BlockTag,
    strategy: str,
    chunk_size: int | None,
) -> tuple[list[int], str]:
    """Balances of the packed addresses, in order, and the strategy that produced them."""
    if not packed:
        return [], strategy
    if strategy != "auto":
        if strategy not in _STRATEGY_FNS:
            raise InputError(f"unknown balance strategy {strategy!r}", hint=f"one of {STRATEGIES}")
        try:
            values = await _run_strategy(client, strategy, packed, block, chunk_size)
        except _Unsupported as exc:
            raise UnsupportedOperationError(
                f"balance strategy {strategy!r} does not work on {client.chain.name}",
                details=str(exc),
            ) from exc
        return values, strategy
    learned = _learned.get(client)
    order = _AUTO_ORDER[_AUTO_ORDER.index(learned) :] if learned else _AUTO_ORDER
    reasons: list[str] = []
    for name in order:
        try:
            values = await _run_strategy(client, name, packed, block, chunk_size)
        except (_Unsupported, RpcResponseError) as exc:
            # the node answered but refused or mis-ran this strategy: degrade. Unreachable /
            # timeout errors are not RpcResponseError and propagate: the chain is down.
            if name == "batch" and isinstance(exc, RpcResponseError):
                # plain eth_getBalance failed too (e.g. unknown block): that is the real error
                raise
            reasons.append(f"{name}: {exc}")
            continue
        _learned[client] = name
        return values, name
    raise UnsupportedOperationError(
        f"no balance strategy works on {client.chain.name}", details="; ".join(reasons)
    )


async def get_balances(
    client: ChainClient,
    addresses: Iterable[str | bytes],
    *,
    block: BlockTag = "latest",
    strategy: Strategy = "auto",
    chunk_size: int | None = None,
) -> dict[Address, int]:
    """Native balances (wei) of `addresses` on `client`'s chain, keyed by checksummed address.

    Every address is validated before any request (`InvalidAddressError`); duplicates
    collapse into one key. `block` is a number or a tag and is honoured by every strategy.
    `chunk_size` caps the addresses per request (clamped to what the strategy can carry).

    Example::

        balances = await get_balances(client, [alice, bob])
        print(balances[alice])

    Raises `RpcError` subclasses when the node cannot be reached, `UnsupportedOperationError`
    when the chosen strategy (or, for ``"auto"``, every strategy) is refused by the node.
    """
    lower, packed = _prepare(addresses)
    task = asyncio.ensure_future(
        _balances_one_chain(client, packed, block=block, strategy=strategy, chunk_size=chunk_size)
    )
    try:
        keys = await _checksummed(lower)
        values, _ = await task
    finally:
        task.cancel()
    return dict(zip(keys, values, strict=True))


# ---------------------------------------------------------------------------------------------
# many chains


class BalanceMap(Mapping[Address, int]):
    """One chain's balances by checksummed address: a read-only mapping over a list of values
    and an address -> position index that every chain of the call shares.

    Why not a dict per chain: building one costs ~0.1 µs an entry, as much client CPU as reading
    the balance did, for every chain; the index is built once per address list (and kept with
    the list cache for the next poll). Lookups, `in`, iteration, `items()` and `values()` behave
    as the dict `dict(zip(addresses, values))` would: addresses in first-seen order, one entry
    per distinct address, equal to any mapping with the same items.
    """

    __slots__ = ("_index", "_values")

    def __init__(self, index: Mapping[Address, int], values: Sequence[int]) -> None:
        self._index = index
        self._values = values

    def __getitem__(self, key: Address) -> int:
        return self._values[self._index[key]]

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def __iter__(self) -> Iterator[Address]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def _pairs(self) -> Iterator[tuple[Address, int]]:
        if len(self._index) == len(self._values):  # no duplicate address: positions in order
            return zip(self._index, self._values, strict=True)
        return zip(self._index, map(self._values.__getitem__, self._index.values()), strict=True)

    def items(self) -> ItemsView[Address, int]:
        return _Items(self)

    def values(self) -> ValuesView[int]:
        return _Values(self)

    def copy(self) -> dict[Address, int]:
        """A dict of the pairs (as `MappingProxyType.copy()`, what this type replaced, gives)."""
        return dict(self._pairs())

    def __or__(self, other: Mapping[Address, int]) -> dict[Address, int]:
        return {**self.copy(), **other}

    def __ror__(self, other: Mapping[Address, int]) -> dict[Address, int]:
        return {**other, **self.copy()}

    def __repr__(self) -> str:
        return f"BalanceMap({dict(self._pairs())!r})"


class _Items(ItemsView[Address, int]):
    _mapping: BalanceMap

    def __iter__(self) -> Iterator[tuple[Address, int]]:
        return self._mapping._pairs()


class _Values(ValuesView[int]):
    _mapping: BalanceMap

    def __iter__(self) -> Iterator[int]:
        return (v for _, v in self._mapping._pairs())


@dataclass(frozen=True, slots=True)
class ChainBalances:
    """One chain's answer: balances, or the error that chain gave (never both)."""

    chain_id: int
    balances: Mapping[Address, int] = field(default_factory=lambda: MappingProxyType({}))
    error: InteropError | None = None
    strategy: str | None = None
    block: BlockTag = "latest"
    tokens: Mapping[Address, Mapping[Address, int]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    """token -> holder -> balance in the token's smallest unit; a failed entry is absent."""
    token_errors: Mapping[Address, InteropError] = field(
        default_factory=lambda: MappingProxyType({})
    )
    """token -> `TokenError` for a token whose balanceOf failed for some holders."""
    token_info: Mapping[Address, Token] = field(default_factory=lambda: MappingProxyType({}))
    """token -> its symbol and decimals (read once per client and cached)."""

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True, slots=True)
class BalanceTable:
    """Balances of the same addresses on several chains; a failed chain has an error entry.

    `table[chain_id].balances[address]`, or `table.balance(chain_id, address)` which raises
    that chain's error if it failed.
    """

    addresses: tuple[Address, ...]
    chains: Mapping[int, ChainBalances]

    def __getitem__(self, chain_id: int) -> ChainBalances:
        return self.chains[chain_id]

    def __iter__(self) -> Iterator[ChainBalances]:
        return iter(self.chains.values())

    def __len__(self) -> int:
        return len(self.chains)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.chains.values())

    @property
    def errors(self) -> dict[int, InteropError]:
        return {cid: c.error for cid, c in self.chains.items() if c.error is not None}

    def balance(self, chain_id: int, address: str) -> int:
        entry = self.chains[chain_id]
        if entry.error is not None:
            raise entry.error
        return entry.balances[_checked(address)]

    def get(self, chain_id: int, address: str) -> int | None:
        """The balance, or None if that chain failed (or is not in the table)."""
        entry = self.chains.get(chain_id)
        if entry is None or entry.error is not None:
            return None
        return entry.balances.get(_checked(address))

    def token_balance(self, chain_id: int, token: str, address: str) -> int:
        """A holder's balance of `token` (smallest units); raises the chain's error if the chain
        failed, or the token's `TokenError` if that entry failed."""
        entry = self.chains[chain_id]
        if entry.error is not None:
            raise entry.error
        tok = _checked(token)
        value = entry.tokens[tok].get(_checked(address))
        if value is None:
            err = entry.token_errors.get(tok)
            if err is not None:
                raise err
            raise KeyError(address)
        return value

    def raise_for_errors(self) -> None:
        """Raise the first chain's error, if any chain failed (for callers who want all-or-none)."""
        for c in self.chains.values():
            if c.error is not None:
                raise c.error


async def get_balances_multichain(
    clients: Mapping[int, ChainClient],
    addresses: Iterable[str | bytes],
    *,
    block: BlockTag | Mapping[int, BlockTag] = "latest",
    strategy: Strategy = "auto",
    chunk_size: int | None = None,
    timeout: float | None = DEFAULT_MULTICHAIN_DEADLINE,
    tokens: TokensArg | None = None,
    native: bool = True,
) -> BalanceTable:
    """The same addresses on every chain in `clients`, all chains concurrently.

    A chain that fails (unreachable, refused, over `timeout` seconds) gets an error entry in the
    table; the other chains still return. Input errors (a bad address) raise before any request.
    `block` may be one tag for all chains or a mapping chain id -> block.

    Time: the whole call ends within about `timeout` seconds (default 30; None: no overall
    bound) whatever the chains do. It is a deadline every RPC call of every chain shares, on top
    of each client's own per-call deadline, so a dead chain (one that accepts connections and
    never answers) fails alone, with a typed `RpcTimeoutError` / `RpcUnreachableError` entry,
    while the others answer in their normal time.

    `tokens` adds ERC-20 balances read in the same requests as the native ones (one `eth_call`
    per chunk per chain): ``{chain_id: [token, ...]}`` or one list for every chain; a token is an
    address, a `Token`, or a symbol of the built-in list (`interop.tokens`). Results are in
    ``table[chain_id].tokens[token][holder]`` (exact integers), metadata in ``.token_info``; a
    token that reverts or has no code gets a ``.token_errors`` entry, not a failed chain.
    `native=False` reads tokens only.

    Example::

        table = await get_balances_multichain({1: eth, 10: op}, [alice])
        for entry in table:
            print(entry.chain_id, entry.balances.get(alice), entry.error)
    """
    if strategy not in STRATEGIES:
        raise InputError(f"unknown balance strategy {strategy!r}", hint=f"one of {STRATEGIES}")
    timeout = check_seconds(timeout, "timeout")
    lower, packed = _prepare(addresses)
    token_map = _resolve_tokens(tokens, clients)
    _check_block(block)
    # the backstop fires a moment after the shared deadline, so that a transport's own (more
    # precise) timeout error usually wins the race
    backstop = None if timeout is None else timeout + _BACKSTOP_GRACE

    Extra = tuple[tuple[Address, ...], list[list[int | None]], dict[Address, Token | InteropError]]
    extras: dict[int, Extra] = {}

    async def one(cid: int, client: ChainClient) -> tuple[list[int] | None, ChainBalances]:
        blk = block.get(cid, "latest") if isinstance(block, Mapping) else block
        toks = token_map.get(cid)
        try:
            with deadline_scope(timeout):
                async with asyncio.timeout(backstop):
                    if toks:
                        nat, per_token, info, used = await _chain_tokens(
                            client,
                            packed,
                            toks,
                            block=blk,
                            strategy=strategy,
                            chunk_size=chunk_size,
                            native=native,
                        )
                        values = nat if nat is not None else []
                        extras[cid] = (toks, per_token, info)
                    elif native:
                        values, used = await _balances_one_chain(
                            client, packed, block=blk, strategy=strategy, chunk_size=chunk_size
                        )
                    else:
                        values, used = [], strategy
        except InteropError as exc:
            return None, ChainBalances(cid, error=exc, block=blk)
        except TimeoutError as exc:
            limit = f"the {timeout:g}s deadline" if timeout is not None else "its time"
            err = RpcTimeoutError(f"balances on chain {cid} took over {limit}")
            err.__cause__ = exc
            return None, ChainBalances(cid, error=err, block=blk)
        except Exception as exc:  # a foreign error must not sink the other chains
            err2 = RpcError(f"balances on chain {cid} failed", details=repr(exc))
            err2.__cause__ = exc
            return None, ChainBalances(cid, error=err2, block=blk)
        return values, ChainBalances(cid, strategy=used, block=blk)

    # requests first; the checksummed keys are computed while the nodes work
    work = asyncio.gather(*(one(cid, c) for cid, c in clients.items()))
    try:
        keys = await _checksummed(lower)
        index = _index_of(lower, keys)  # while the nodes work, too
        results = await work
    finally:
        work.cancel()
    chains: dict[int, ChainBalances] = {}
    for values, entry in results:
        if values is not None:
            changes: dict[str, Any] = {}
            if native:
                if len(values) != len(keys):  # the decoders count; this guards BalanceMap
                    raise RpcError(
                        f"chain {entry.chain_id}: {len(values)} balances read for {len(keys)} addresses"
                    )
                changes["balances"] = BalanceMap(index, values)
            extra = extras.get(entry.chain_id)
            if extra is not None:
                toks, per_token, info = extra
                tb, te = _token_tables(keys, index, toks, per_token, info, entry.chain_id)
                changes["tokens"] = MappingProxyType(tb)
                changes["token_errors"] = MappingProxyType(te)
                changes["token_info"] = MappingProxyType(
                    {t: i for t, i in info.items() if isinstance(i, Token)}
                )
            entry = dataclasses.replace(entry, **changes)
        chains[entry.chain_id] = entry
    distinct = keys if len(index) == len(keys) else tuple(index)
    return BalanceTable(distinct, MappingProxyType(chains))


# ---------------------------------------------------------------------------------------------
# blocks

_TAGS: Final = frozenset({"latest", "pending", "safe", "finalized", "earliest"})


def _check_block(block: BlockTag | Mapping[int, BlockTag]) -> None:
    """Refuse a block that no chain could honour, before any request: the same five tags,
    non-negative numbers and 0x-quantities are accepted everywhere."""
    for b in block.values() if isinstance(block, Mapping) else (block,):
        if isinstance(b, bool) or not isinstance(b, int | str):
            raise InputError(f"block must be a tag or a number, not {b!r}")
        if isinstance(b, int):
            if b < 0:
                raise InputError(f"block number must be >= 0, not {b}")
        elif b not in _TAGS:
            try:
                ok = b[:2] in ("0x", "0X") and int(b, 16) >= 0
            except ValueError:
                ok = False
            if not ok:
                raise InputError(f"unknown block {b!r}", hint=f"a number or one of {sorted(_TAGS)}")


# ---------------------------------------------------------------------------------------------
# streaming


@dataclass(frozen=True, slots=True)
class BalanceChunk:
    """One chunk of addresses on one chain, as `iter_balances` yields it.

    `offset` is the position of `addresses[0]` in the caller's input, so chunks can be placed
    back in order; `balances[k]` is the native balance of `addresses[k]` (empty when
    `native=False`), `tokens[token][k]` its balance of `token` (None: that entry failed).
    A chunk that failed as a whole has `error` set and no values.
    """

    chain_id: int
    offset: int
    addresses: tuple[Address, ...]
    balances: tuple[int, ...] = ()
    tokens: Mapping[Address, tuple[int | None, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    error: InteropError | None = None
    strategy: str | None = None
    block: BlockTag = "latest"

    @property
    def ok(self) -> bool:
        return self.error is None


_STREAM_CHUNK: Final = 2_000
_STREAM_IN_FLIGHT: Final = 4  # address chunks in flight (each on every chain)


async def _address_chunks(
    addresses: Iterable[str | bytes] | AsyncIterable[str | bytes], size: int
) -> AsyncIterator[list[str | bytes]]:
    """The input in lists of `size`, pulled lazily, so a generator of 10^6 addresses is never
    held in memory at once."""
    buf: list[str | bytes] = []
    if isinstance(addresses, AsyncIterable):
        async for a in addresses:
            buf.append(a)
            if len(buf) == size:
                yield buf
                buf = []
    else:
        if isinstance(addresses, str | bytes | bytearray):
            raise InputError("addresses must be a list of addresses, not a single address")
        for a in addresses:
            buf.append(a)
            if len(buf) == size:
                yield buf
                buf = []
    if buf:
        yield buf


async def iter_balances(
    clients: Mapping[int, ChainClient],
    addresses: Iterable[str | bytes] | AsyncIterable[str | bytes],
    *,
    tokens: TokensArg | None = None,
    native: bool = True,
    block: BlockTag | Mapping[int, BlockTag] = "latest",
    strategy: Strategy = "auto",
    chunk_size: int | None = None,
    max_in_flight: int = _STREAM_IN_FLIGHT,
) -> AsyncIterator[BalanceChunk]:
    """Balances of any number of addresses on every chain, yielded chunk by chunk as answers
    arrive (not in input order: use `BalanceChunk.offset`).

    Memory stays flat in the address count: `addresses` (a list, a generator or an async
    iterator) is read `chunk_size` (default 2,000) at a time, at most `max_in_flight` chunks
    are being read at once, and nothing is kept after a chunk is yielded. Every chain is read at
    one block for the whole stream: a moving tag is pinned to a number once per chain at the
    start (``"pending"`` cannot be pinned). A chain whose pinning fails yields one error chunk
    (offset -1) and is skipped; a chunk that fails yields an error chunk and the stream goes on.
    Input errors (a bad address) raise when their chunk is reached, before its requests.

    Example::

        async for part in iter_balances({1: eth, 10: op}, huge_generator()):
            for a, v in zip(part.addresses, part.balances):
                ...
    """
    if strategy not in STRATEGIES:
        raise InputError(f"unknown balance strategy {strategy!r}", hint=f"one of {STRATEGIES}")
    if max_in_flight < 1:
        raise InputError("max_in_flight must be >= 1")
    _check_block(block)
    token_map = _resolve_tokens(tokens, clients)
    size = max(1, chunk_size or _STREAM_CHUNK)

    async def pin(cid: int, client: ChainClient) -> tuple[int, BlockTag | InteropError]:
        blk = block.get(cid, "latest") if isinstance(block, Mapping) else block
        try:
            return cid, await _pin_block(client, blk)
        except InteropError as exc:
            return cid, exc

    pinned: dict[int, BlockTag] = {}
    for cid, res in await asyncio.gather(*(pin(cid, c) for cid, c in clients.items())):
        if isinstance(res, InteropError):
            yield BalanceChunk(cid, -1, (), error=res)
        else:
            pinned[cid] = res
    infos: dict[int, dict[Address, Token | InteropError]] = {}

    async def one(cid: int, offset: int, packed: bytes, keys: tuple[Address, ...]) -> BalanceChunk:
        client, blk, toks = clients[cid], pinned[cid], token_map.get(cid)
        try:
            tok_vals: dict[Address, tuple[int | None, ...]] = {}
            if toks:
                nat, per_token, info, used = await _chain_tokens(
                    client,
                    packed,
                    toks,
                    block=blk,
                    strategy=strategy,
                    chunk_size=None,
                    native=native,
                    with_info=cid not in infos,
                )
                if info:
                    infos[cid] = info
                values = nat or []
                tok_vals = {t: tuple(v) for t, v in zip(toks, per_token, strict=True)}
            elif native:
                values, used = await _balances_one_chain(
                    client, packed, block=blk, strategy=strategy, chunk_size=None
                )
            else:
                values, used = [], strategy
        except InteropError as exc:
            return BalanceChunk(cid, offset, keys, error=exc, block=blk)
        return BalanceChunk(
            cid, offset, keys, tuple(values), MappingProxyType(tok_vals), None, used, blk
        )

    pending: set[asyncio.Task[BalanceChunk]] = set()
    limit = max_in_flight * max(1, len(pinned))
    offset = 0
    try:
        async for items in _address_chunks(addresses, size):
            lower, packed = _prepare(items)
            # checksummed without the address cache: a stream of 10^5 distinct addresses would
            # fill it (64k entries, ~15 MB) for nothing, and memory must not grow with the count
            keys = tuple(checksum_keys(lower.encode("ascii")))
            for cid in pinned:
                pending.add(asyncio.ensure_future(one(cid, offset, packed, keys)))
            offset += len(items)
            del items, lower, packed, keys
            while len(pending) >= limit:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for t in done:
                    yield t.result()
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for t in done:
                yield t.result()
    finally:
        for t in pending:
            t.cancel()
