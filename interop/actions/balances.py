"""Native balances of many addresses on one or many chains, as fast as the node can answer.

Why not one `eth_getBalance` per address: each is a round trip plus JSON work on both sides, so
8,000 balances take seconds. Instead, per chain and per chunk of addresses, one request:

- ``"override"``: one `eth_call` that runs a 30-byte balance reader of ours, placed at a
  throwaway address by a state override (the third `eth_call` parameter). Calldata is the packed
  20-byte addresses, the answer is packed 32-byte balances, decoded with `int.from_bytes`.
- ``"multicall3"``: `aggregate3` of `getEthBalance` on the chain's Multicall3 (from chain data,
  `chain.multicall3`), for nodes that refuse state overrides. Encoded and decoded by hand.
- ``"deployless"``: an `eth_call` without `to` whose constructor reads the balances and returns
  them as the "deployed code"; needs neither overrides nor Multicall3, but the answer is capped
  by the 24,576-byte code-size limit (767 balances per call).
- ``"batch"``: JSON-RPC batches of `eth_getBalance`, which every node supports.

``"auto"`` tries them in that order and remembers, per `ChainClient`, the first that works, so
only the first call on a restrictive node pays for the probing. A node that cannot be reached is
not "restrictive": that error is raised (or, in `get_balances_multichain`, reported per chain)
instead of degrading.

Limits that set the chunk sizes (anvil 1.7.1; a cold BALANCE costs 2,600 gas): the reader runs
out of gas near 9,000 addresses under a 30M gas cap, deployless answers hold 767 balances, and
very large request bodies (~1.9 MB) are refused. Chunks of one chain run a few at a time, all
at the same block: a moving tag (``"latest"``) is pinned to a number first when a chain needs
more than one request.
"""

from __future__ import annotations

import asyncio
import dataclasses
import struct
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final, Literal, cast, get_args

from interop.client import BlockTag, ChainClient
from interop.errors import (
    InputError,
    InteropError,
    RpcError,
    RpcResponseError,
    RpcTimeoutError,
    UnsupportedOperationError,
)
from interop.rpc.models import decode_quantity
from interop.rpc.retry import check_seconds, deadline_scope
from interop.types import Address, checksum_bodies, hex_to_bytes, to_address

__all__ = [
    "BALANCE_READER_ADDRESS",
    "BALANCE_READER_CODE",
    "DEFAULT_MULTICHAIN_DEADLINE",
    "DEPLOYLESS_READER_CODE",
    "STRATEGIES",
    "BalanceTable",
    "ChainBalances",
    "Strategy",
    "clear_address_cache",
    "decode_multicall3_balances",
    "decode_packed_balances",
    "encode_multicall3_balances",
    "get_balances",
    "get_balances_multichain",
    "validate_addresses",
]

Strategy = Literal["auto", "override", "multicall3", "deployless", "batch"]
STRATEGIES: Final[tuple[str, ...]] = get_args(Strategy)

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

_SEL_AGGREGATE3: Final = bytes.fromhex("82ad56cb")  # aggregate3((address,bool,bytes)[])
_SEL_GET_ETH_BALANCE: Final = bytes.fromhex("4d2301cc")  # getEthBalance(address)

# (default, maximum) addresses per request
_CHUNK: Final[dict[str, tuple[int, int]]] = {
    "override": (2_500, 8_000),
    "multicall3": (1_000, 2_000),
    "deployless": (700, 767),
    "batch": (500, 1_000),
}
_AUTO_ORDER: Final[tuple[str, ...]] = ("override", "multicall3", "deployless", "batch")
_MAX_PARALLEL_CHUNKS: Final = 4
DEFAULT_MULTICHAIN_DEADLINE: Final = 30.0
"""Seconds `get_balances_multichain` may take in all, unless told otherwise."""
_BACKSTOP_GRACE: Final = 0.1
_YIELDS_BEFORE_WORK: Final = 3
_KEYS_SLICE: Final = 512  # addresses checksummed between two looks at the sockets

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
_LISTS: dict[str, tuple[Address, ...]] = {}
_LISTS_MAX: Final = 4
_LISTS_MAX_ADDRESSES: Final = 1 << 14


def clear_address_cache() -> None:
    """Forget cached checksums (for benchmarks measuring the cold path)."""
    _CACHE.clear()
    _LISTS.clear()


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
    checksummed = "0x" + checksum_bodies(lower.encode("ascii"))
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
        # some upper case: verify (and cache) the mixed-case ones; all-upper ones are valid
        for a in items:
            if a not in _CACHE:
                body = a[2:]
                if body != body.lower() and body != body.upper():  # type: ignore[union-attr]
                    _checked(a)  # type: ignore[arg-type]
    return lower, packed


def validate_addresses(addresses: Iterable[str | bytes]) -> list[Address]:
    """Checksum every address (raising `InvalidAddressError` on the first bad one), dedupe.

    A lone string is refused rather than iterated character by character.
    """
    lower, _ = _prepare(addresses)
    return list(dict.fromkeys(_keys_now(lower)))


def _keys_now(lower: str) -> list[Address]:
    """Checksummed addresses of concatenated lower-case bodies; cache hits, the rest in bulk."""
    keys = ["0x" + lower[i : i + 40] for i in range(0, len(lower), 40)]
    found = list(map(_CACHE.get, keys))
    misses = found.count(None)
    if not misses:
        return found  # type: ignore[return-value]  # no None left
    if misses == len(keys):  # the usual cold case: no index bookkeeping
        fresh = _split_bodies(checksum_bodies(lower.encode("ascii")))
        _remember(keys, fresh)
        return fresh
    missing = [i for i, hit in enumerate(found) if hit is None]
    todo = [keys[i] for i in missing]
    fresh = _split_bodies(checksum_bodies("".join([k[2:] for k in todo]).encode("ascii")))
    _remember(todo, fresh)
    for i, a in zip(missing, fresh, strict=True):
        found[i] = a
    return found  # type: ignore[return-value]


def _split_bodies(done: str) -> list[Address]:
    return cast(list[Address], ["0x" + done[o : o + 40] for o in range(0, len(done), 40)])


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
    out: list[Address] = []
    step = 40 * _KEYS_SLICE
    for i in range(0, len(lower), step):
        if i:
            await asyncio.sleep(0)
        out.extend(_keys_now(lower[i : i + step]))
    keys = tuple(out)
    if len(keys) <= _LISTS_MAX_ADDRESSES:
        if len(_LISTS) >= _LISTS_MAX:
            del _LISTS[next(iter(_LISTS))]
        _LISTS[lower] = keys
    return keys


# ---------------------------------------------------------------------------------------------
# encoders / decoders (pure; unit-tested)


_SPLITTERS: dict[int, struct.Struct] = {}


def decode_packed_balances(raw: bytes, count: int) -> list[int]:
    """`count` big-endian uint256 values packed back to back (the readers' answer).

    One `struct` unpack cuts the answer into 32-byte pieces in C, and `map` turns them into
    ints: ~2.5x faster than slicing in a Python loop.
    """
    if len(raw) != 32 * count:
        raise _Unsupported(f"expected {32 * count} bytes of balances, got {len(raw)}")
    splitter = _SPLITTERS.get(count)
    if splitter is None:
        splitter = struct.Struct("32s" * count)
        if len(_SPLITTERS) < 64:
            _SPLITTERS[count] = splitter
    return list(map(int.from_bytes, splitter.unpack(raw)))


def encode_multicall3_balances(multicall3: Address | str, packed: bytes) -> bytes:
    """Calldata of `aggregate3([(multicall3, true, getEthBalance(a)) for a in addresses])`.

    ABI layout written out by hand (eth-abi costs ~15x more here): head offset, array length,
    one relative offset per element, then each 192-byte element (target, allowFailure, bytes
    offset 0x60, length 36, selector + padded address + 28 bytes of padding).
    """
    n = len(packed) // 20
    target = bytes(12) + bytes.fromhex(str(multicall3)[2:])
    elem_prefix = target + (1).to_bytes(32, "big") + (0x60).to_bytes(32, "big")
    elem_prefix += (36).to_bytes(32, "big") + _SEL_GET_ETH_BALANCE + bytes(12)
    tail = bytes(28)
    parts = [_SEL_AGGREGATE3, (0x20).to_bytes(32, "big"), n.to_bytes(32, "big")]
    parts.extend((32 * n + 192 * k).to_bytes(32, "big") for k in range(n))
    for k in range(n):
        parts.append(elem_prefix)
        parts.append(packed[20 * k : 20 * k + 20])
        parts.append(tail)
    return b"".join(parts)


def decode_multicall3_balances(raw: bytes, count: int) -> list[int]:
    """Balances from an `aggregate3` answer `(bool success, bytes returnData)[]`.

    Follows the offsets rather than assuming the compact layout, so any ABI-correct encoder on
    the node side decodes; a failed or short sub-call means this strategy does not work here.
    """
    try:
        fb = int.from_bytes
        base = fb(raw[0:32], "big")
        n = fb(raw[base : base + 32], "big")
        if n != count:
            raise _Unsupported(f"aggregate3 returned {n} results for {count} calls")
        heads = base + 32
        out: list[int] = []
        for k in range(n):
            el = heads + fb(raw[heads + 32 * k : heads + 32 * k + 32], "big")
            ok = fb(raw[el : el + 32], "big")
            data = el + fb(raw[el + 32 : el + 64], "big")
            length = fb(raw[data : data + 32], "big")
            if ok != 1 or length != 32 or len(raw) < data + 64:
                raise _Unsupported(f"getEthBalance sub-call {k} failed or returned {length} bytes")
            out.append(fb(raw[data + 32 : data + 64], "big"))
        return out
    except (IndexError, ValueError) as exc:  # pragma: no cover - slices do not raise; defensive
        raise _Unsupported(f"undecodable aggregate3 answer: {exc}") from exc


# ---------------------------------------------------------------------------------------------
# strategies: one request for one chunk


def _tag(block: BlockTag) -> str:
    return hex(block) if isinstance(block, int) else block


async def _via_override(client: ChainClient, packed: bytes, n: int, block: BlockTag) -> list[int]:
    raw = await client.call(
        BALANCE_READER_ADDRESS,
        packed,
        block=block,
        state_override={BALANCE_READER_ADDRESS: {"code": "0x" + BALANCE_READER_CODE.hex()}},
    )
    return decode_packed_balances(raw, n)


async def _via_multicall3(client: ChainClient, packed: bytes, n: int, block: BlockTag) -> list[int]:
    mc = client.chain.multicall3
    if mc is None:
        raise _Unsupported(f"chain {client.chain.name} has no Multicall3 in its chain data")
    raw = await client.call(mc, encode_multicall3_balances(mc, packed), block=block)
    return decode_multicall3_balances(raw, n)


async def _via_deployless(client: ChainClient, packed: bytes, n: int, block: BlockTag) -> list[int]:
    tx = {"data": "0x" + DEPLOYLESS_READER_CODE.hex() + packed.hex()}
    raw = hex_to_bytes(await client.request("eth_call", [tx, _tag(block)]))
    if raw[:1] != b"\x00":
        raise _Unsupported("deployless call did not return the reader's output")
    return decode_packed_balances(raw[1:], n)


async def _via_batch(client: ChainClient, packed: bytes, n: int, block: BlockTag) -> list[int]:
    tag = _tag(block)
    hx = packed.hex()
    calls = [("eth_getBalance", ["0x" + hx[40 * k : 40 * k + 40], tag]) for k in range(n)]
    results = await client.batch(calls)
    out: list[int] = []
    for r in results:
        if isinstance(r, BaseException):
            raise r
        out.append(decode_quantity(r, "eth_getBalance"))
    return out


_STRATEGY_FNS = {
    "override": _via_override,
    "multicall3": _via_multicall3,
    "deployless": _via_deployless,
    "batch": _via_batch,
}


# ---------------------------------------------------------------------------------------------
# one chain


async def _pin_block(client: ChainClient, block: BlockTag) -> BlockTag:
    """Turn a moving tag into a number so that every chunk reads the same block."""
    if isinstance(block, int) or block in ("pending", "earliest") or block.startswith("0x"):
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
    block = await _pin_block(client, block)
    sem = asyncio.Semaphore(_MAX_PARALLEL_CHUNKS)

    async def one(start: int) -> list[int]:
        stop = min(start + size, n)
        async with sem:
            return await fn(client, packed[20 * start : 20 * stop], stop - start, block)

    parts = await asyncio.gather(*(one(s) for s in range(0, n, size)))
    return [b for part in parts for b in part]


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


@dataclass(frozen=True, slots=True)
class ChainBalances:
    """One chain's answer: balances, or the error that chain gave (never both)."""

    chain_id: int
    balances: Mapping[Address, int] = field(default_factory=lambda: MappingProxyType({}))
    error: InteropError | None = None
    strategy: str | None = None
    block: BlockTag = "latest"

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

    Example::

        table = await get_balances_multichain({1: eth, 10: op}, [alice])
        for entry in table:
            print(entry.chain_id, entry.balances.get(alice), entry.error)
    """
    if strategy not in STRATEGIES:
        raise InputError(f"unknown balance strategy {strategy!r}", hint=f"one of {STRATEGIES}")
    timeout = check_seconds(timeout, "timeout")
    lower, packed = _prepare(addresses)
    # the backstop fires a moment after the shared deadline, so that a transport's own (more
    # precise) timeout error usually wins the race
    backstop = None if timeout is None else timeout + _BACKSTOP_GRACE

    async def one(cid: int, client: ChainClient) -> tuple[list[int] | None, ChainBalances]:
        blk = block.get(cid, "latest") if isinstance(block, Mapping) else block
        try:
            with deadline_scope(timeout):
                async with asyncio.timeout(backstop):
                    values, used = await _balances_one_chain(
                        client, packed, block=blk, strategy=strategy, chunk_size=chunk_size
                    )
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
        results = await work
    finally:
        work.cancel()
    chains: dict[int, ChainBalances] = {}
    unique: int | None = None  # distinct addresses, known once one chain's dict is built
    for values, entry in results:
        if values is not None:
            balances = dict(zip(keys, values, strict=True))
            unique = len(balances)
            entry = dataclasses.replace(entry, balances=MappingProxyType(balances))
        chains[entry.chain_id] = entry
    distinct = keys if unique == len(keys) else tuple(dict.fromkeys(keys))
    return BalanceTable(distinct, MappingProxyType(chains))
