"""How the withdrawal status code reads L1: one call at a time, or many flows' reads at once.

Why: a status sweep over thousands of withdrawals of one chain asks the same questions for
every flow (the latest block, the portal's respected game type, the factory's latest games and
which of them qualify, the finalization delays) and a few questions of its own (is this
withdrawal finalized, who proved it, can it be finalized). Asked flow by flow that is about ten
`eth_call`s per flow, and decoding the factory's list of 50 games for each flow costs the client
more than the node answering. `withdraw.get_withdrawal_status` reads through a `Reads`:

- `DirectReads(l1)`: each read is its own `eth_call` at "latest", exactly what one flow's
  `status()` has always sent (nothing shared, nothing cached);
- `BatchReads(l1, ...)`: one reader shared by every flow of a sweep on one chain. Every read is
  made at one block (pinned when the reader is made, so all flows see one consistent state),
  a read or a derived value asked by several flows (`once`) is made once, and the reads issued
  by all flows in one event-loop turn go out together (`interop.turnbatch`): one Multicall3
  `aggregate3` `eth_call` per chunk (a JSON-RPC batch of `eth_call`s where the chain has no
  Multicall3).

A sub-call that failed inside `aggregate3` with revert data is that call's
`ExecutionRevertedError`, as a direct `eth_call` would raise. One that failed without data may
have run out of the gas left to it, so it is asked again on its own: a revert is never
inferred from a batch artefact.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, Final, Protocol, TypeVar

from interop.abi import Fn
from interop.chains.model import MULTICALL3
from interop.client import ChainClient
from interop.errors import ExecutionRevertedError, RpcResponseError
from interop.rpc.models import decode_data
from interop.turnbatch import TurnBatcher
from interop.types import Address, hex_to_bytes

__all__ = ["BatchReads", "DirectReads", "Reads", "decode_aggregate3", "encode_aggregate3"]

T = TypeVar("T")

_SEL_AGGREGATE3: Final = bytes.fromhex("82ad56cb")  # aggregate3((address,bool,bytes)[])
MAX_SUBCALLS: Final = 300
"""Sub-calls per `aggregate3`: far below a node's `eth_call` gas cap for the portal's views."""


class Reads(Protocol):
    """The L1 reads of the withdrawal status code (module docstring)."""

    async def fn(self, to: str, fn: Fn, *args: Any) -> tuple[Any, ...]:
        """`eth_call` `fn(*args)` on `to` and decode its outputs."""
        ...

    async def call(self, to: str, data: bytes) -> bytes:
        """`eth_call` raw calldata (`ExecutionRevertedError` when it reverts)."""
        ...

    async def now(self) -> int:
        """The L1 chain time the status is computed at."""
        ...

    async def once(self, key: Hashable, make: Callable[[], Awaitable[T]]) -> T:
        """`await make()`, shared by every caller asking for the same `key` (BatchReads) or
        not shared at all (DirectReads)."""
        ...


class DirectReads:
    """Each read its own request at "latest": the flow-by-flow behaviour."""

    def __init__(self, l1: ChainClient) -> None:
        self.l1 = l1

    async def fn(self, to: str, fn: Fn, *args: Any) -> tuple[Any, ...]:
        return fn.decode(await self.l1.call(to, fn.encode(*args)))

    async def call(self, to: str, data: bytes) -> bytes:
        return await self.l1.call(to, data)

    async def now(self) -> int:
        return int((await self.l1.get_block("latest"))["timestamp"], 16)

    async def once(self, key: Hashable, make: Callable[[], Awaitable[T]]) -> T:
        return await make()


# ------------------------------------------------------------------ aggregate3 codec (by hand:
# eth-abi costs tens of microseconds per element, and a sweep encodes thousands)


def encode_aggregate3(calls: Sequence[tuple[str, bytes]]) -> bytes:
    """Calldata of `aggregate3([(to, allowFailure=true, data) ...])`."""
    n = len(calls)
    head = bytearray()
    tail = bytearray()
    for to, data in calls:
        head += (32 * n + len(tail)).to_bytes(32, "big")
        pad = (-len(data)) % 32
        tail += bytes(12) + bytes.fromhex(to[2:])
        tail += (1).to_bytes(32, "big")
        tail += (96).to_bytes(32, "big")
        tail += len(data).to_bytes(32, "big") + data + bytes(pad)
    return _SEL_AGGREGATE3 + (32).to_bytes(32, "big") + n.to_bytes(32, "big") + head + tail


def decode_aggregate3(raw: bytes, count: int) -> list[tuple[bool, bytes]]:
    """`(success, returnData)` per sub-call of an `aggregate3` answer; `ValueError` if the
    answer is not one (wrong length or offsets)."""
    if len(raw) < 64 or int.from_bytes(raw[32:64], "big") != count:
        raise ValueError("not an aggregate3 answer for this many calls")
    base = 64
    out: list[tuple[bool, bytes]] = []
    for i in range(count):
        at = base + int.from_bytes(raw[base + 32 * i : base + 32 * i + 32], "big")
        ok = int.from_bytes(raw[at : at + 32], "big")
        off = int.from_bytes(raw[at + 32 : at + 64], "big")
        start = at + off
        size = int.from_bytes(raw[start : start + 32], "big")
        data = raw[start + 32 : start + 32 + size]
        if ok > 1 or len(data) != size:
            raise ValueError("malformed aggregate3 element")
        out.append((bool(ok), bytes(data)))
    return out


# ------------------------------------------------------------------ a fast codec for the common
# shapes (one or two static words in, one static word out); anything else goes to eth-abi

_STATIC_IN: Final = frozenset({"bytes32", "uint256", "uint32", "uint64", "address", "bool"})


def _word(t: str, v: Any) -> bytes:
    if t == "bytes32":
        b = bytes(v)
        if len(b) != 32:
            raise ValueError("bytes32 argument of the wrong length")
        return b
    if t == "address":
        return bytes(12) + hex_to_bytes(str(v))
    return int(v).to_bytes(32, "big")


class _Codec:
    def __init__(self, fn: Fn) -> None:
        self.fn = fn
        self.selector = fn.selector
        self.inputs = fn.inputs
        self.fast_in = all(t in _STATIC_IN for t in self.inputs)
        out = fn.outputs
        self.fast_out = out[0] if len(out) == 1 and out[0] in ("uint256", "bool") else None
        if out and out[0].startswith("uint") and len(out) == 1:
            self.fast_out = "uint"

    def encode(self, args: tuple[Any, ...]) -> bytes:
        if self.fast_in and len(args) == len(self.inputs):
            return self.selector + b"".join(
                _word(t, v) for t, v in zip(self.inputs, args, strict=True)
            )
        return self.fn.encode(*args)

    def decode(self, raw: bytes) -> tuple[Any, ...]:
        if self.fast_out is not None and len(raw) == 32:
            n = int.from_bytes(raw, "big")
            if self.fast_out == "uint":
                return (n,)
            if n <= 1:
                return (bool(n),)
        return self.fn.decode(raw)


_CODECS: dict[Fn, _Codec] = {}


def _codec(fn: Fn) -> _Codec:
    c = _CODECS.get(fn)
    if c is None:
        c = _CODECS[fn] = _Codec(fn)
    return c


class BatchReads:
    """Reads shared by many flows on one L1, all at block `block` (chain time `timestamp`).

    `multicall`: the Multicall3 address to aggregate through (None: JSON-RPC batches of plain
    `eth_call`s). Use `BatchReads.at(l1)` to pin the latest block and find Multicall3.
    """

    def __init__(
        self, l1: ChainClient, block: int, timestamp: int, multicall: Address | None
    ) -> None:
        self.l1 = l1
        self.block = block
        self.timestamp = timestamp
        self.multicall = multicall
        self._memo: dict[Hashable, asyncio.Future[Any]] = {}
        self._raw: dict[tuple[str, bytes], asyncio.Future[bytes]] = {}
        self._batcher: TurnBatcher[tuple[str, bytes], bytes] = TurnBatcher(
            self._aggregate, max_batch=MAX_SUBCALLS
        )

    @classmethod
    async def at(cls, l1: ChainClient) -> BatchReads:
        """A reader pinned to `l1`'s latest block, aggregating through the chain's Multicall3
        (its configured one, else the canonical address) when it has code there."""
        head = await l1.get_block("latest")
        number, ts = int(head["number"], 16), int(head["timestamp"], 16)
        mc = l1.chain.multicall3 or MULTICALL3
        code = await l1.get_code(mc, number)
        return cls(l1, number, ts, mc if code else None)

    async def now(self) -> int:
        return self.timestamp

    async def once(self, key: Hashable, make: Callable[[], Awaitable[T]]) -> T:
        fut = self._memo.get(key)
        if fut is None:
            fut = self._memo[key] = asyncio.ensure_future(make())
        return await asyncio.shield(fut) if not fut.done() else fut.result()

    async def fn(self, to: str, fn: Fn, *args: Any) -> tuple[Any, ...]:
        # shared through `call`'s memo of the raw answer; decoding again is cheap for the
        # one-word answers flows read for themselves, and larger shared answers are read
        # inside a `once` (withdraw.py), so decoded once
        c = _codec(fn)
        return c.decode(await self.call(to, c.encode(args)))

    async def call(self, to: str, data: bytes) -> bytes:
        key = (to, data)
        fut = self._raw.get(key)
        if fut is None:
            fut = self._raw[key] = self._batcher.submit(key)
        return await asyncio.shield(fut) if not fut.done() else fut.result()

    async def _aggregate(self, calls: list[tuple[str, bytes]]) -> list[bytes | BaseException]:
        if self.multicall is not None and len(calls) > 1:
            try:
                raw = await self.l1.call(self.multicall, encode_aggregate3(calls), block=self.block)
                answers = decode_aggregate3(raw, len(calls))
            except (ExecutionRevertedError, RpcResponseError, ValueError):
                pass  # the aggregate itself failed (gas cap, size): ask each call plainly
            else:
                out: list[bytes | BaseException] = []
                again: list[int] = []
                for i, (ok, data) in enumerate(answers):
                    if ok:
                        out.append(data)
                    elif data:
                        out.append(
                            ExecutionRevertedError(
                                "execution reverted",
                                data="0x" + data.hex(),
                                details="in aggregate3",
                            )
                        )
                    else:  # no revert data: perhaps out of gas inside the aggregate; ask alone
                        out.append(b"")
                        again.append(i)
                if again:
                    alone = await self._plain([calls[i] for i in again])
                    for i, res in zip(again, alone, strict=True):
                        out[i] = res
                return out
        return await self._plain(calls)

    async def _plain(self, calls: list[tuple[str, bytes]]) -> list[bytes | BaseException]:
        tag = hex(self.block)
        if len(calls) == 1:
            to, data = calls[0]
            try:
                return [await self.l1.call(to, data, block=self.block)]
            except (ExecutionRevertedError, RpcResponseError) as exc:
                return [exc]
        answers = await self.l1.batch(
            [("eth_call", [{"to": to, "data": "0x" + d.hex()}, tag]) for to, d in calls]
        )
        out: list[bytes | BaseException] = []
        for a in answers:
            if isinstance(a, BaseException):
                out.append(a)
                continue
            try:
                out.append(decode_data(a, "eth_call"))
            except RpcResponseError as exc:
                out.append(exc)
        return out
