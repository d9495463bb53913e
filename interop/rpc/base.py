"""The transport seam: everything that talks JSON-RPC goes through a `Transport`.

A transport has two coroutines and a close: `request` for one call, `batch` for many calls in one
round trip (results in call order, a failed call yields its exception object in its slot rather
than failing the batch), and `aclose`. Retries, fallback across URLs and chain-id checks are
layered inside the HTTP implementation; tests swap in `MockTransport`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import repeat
from typing import Any, Protocol, overload, runtime_checkable

__all__ = ["Call", "EthCallBatch", "Transport", "UniformBatch"]

Call = tuple[str, Sequence[Any]]
"""(method, params) of one JSON-RPC call."""


@runtime_checkable
class Transport(Protocol):
    async def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        """One JSON-RPC call; returns `result` or raises an `RpcError` subclass."""
        ...

    async def batch(self, calls: Sequence[Call]) -> list[Any]:
        """Many calls in as few round trips as possible.

        Returns one entry per call, in order: the `result`, or an `RpcError` instance (not raised)
        for a call the node answered with an error. Transport-level failures raise.
        """
        ...

    async def aclose(self) -> None: ...


class UniformBatch(Sequence[Call]):
    """Calls of one method whose params are `(arg, *rest)` for each of `args`: a `Sequence` of
    `(method, params)` like any batch, made on demand.

    Why: a batch of thousands of `eth_getBalance` held as tuples is thousands of objects the
    garbage collector walks (measured ~1 µs a call in collections alone), and a transport
    that knows the shape encodes the whole batch with a few joins. Any transport takes it as
    the plain sequence it also is; `HttpTransport` writes it without making the tuples.
    """

    __slots__ = ("args", "method", "rest")

    def __init__(self, method: str, args: Sequence[Any], rest: Sequence[Any] = ()) -> None:
        self.method = method
        self.args = args
        self.rest = tuple(rest)

    def __len__(self) -> int:
        return len(self.args)

    @overload
    def __getitem__(self, i: int) -> Call: ...

    @overload
    def __getitem__(self, i: slice) -> UniformBatch: ...

    def __getitem__(self, i: int | slice) -> Call | UniformBatch:
        if isinstance(i, slice):
            return UniformBatch(self.method, self.args[i], self.rest)
        return self.method, (self.args[i], *self.rest)

    def __iter__(self) -> Iterator[Call]:
        n = len(self.args)
        return zip(
            repeat(self.method, n),
            zip(self.args, *map(repeat, self.rest), strict=False),
            strict=True,
        )

    def __repr__(self) -> str:
        return f"UniformBatch({self.method!r}, <{len(self.args)} args>, rest={self.rest!r})"


class EthCallBatch(UniformBatch):
    """`eth_call`s of `data[k]` sent to `to[k]`, all at one block: the calls
    `("eth_call", ({"to": to[k], "data": data[k]}, block))`, made on demand.

    Why: a batch of thousands of `balanceOf` calls held as tuples of dicts is thousands of
    containers to build and walk; `HttpTransport` writes this one with a few joins. Any other
    transport takes it as the plain sequence of calls it also is.
    """

    __slots__ = ("to",)

    def __init__(self, to: Sequence[str], data: Sequence[str], block: str) -> None:
        if len(to) != len(data):
            raise ValueError("EthCallBatch: to and data must have the same length")
        super().__init__("eth_call", data, (block,))
        self.to = to

    @overload
    def __getitem__(self, i: int) -> Call: ...

    @overload
    def __getitem__(self, i: slice) -> EthCallBatch: ...

    def __getitem__(self, i: int | slice) -> Call | EthCallBatch:
        if isinstance(i, slice):
            return EthCallBatch(self.to[i], self.args[i], self.rest[0])
        return self.method, ({"to": self.to[i], "data": self.args[i]}, self.rest[0])

    def __iter__(self) -> Iterator[Call]:
        block = self.rest[0]
        return (
            (self.method, ({"to": t, "data": d}, block))
            for t, d in zip(self.to, self.args, strict=True)
        )

    def __repr__(self) -> str:
        return f"EthCallBatch(<{len(self.args)} calls>, block={self.rest[0]!r})"
