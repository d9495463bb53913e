"""The transport seam: everything that talks JSON-RPC goes through a `Transport`.

A transport has two coroutines and a close: `request` for one call, `batch` for many calls in one
round trip (results in call order, a failed call yields its exception object in its slot rather
than failing the batch), and `aclose`. Retries, fallback across URLs and chain-id checks are
layered inside the HTTP implementation; tests swap in `MockTransport`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

__all__ = ["Call", "Transport"]

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
