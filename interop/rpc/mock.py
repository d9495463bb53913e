"""`MockTransport`: a `Transport` answered by a function, for unit tests without a network.

The handler gets `(method, params)` and returns the `result` (sync or async), or raises: an
`RpcResponseError` plays a node's JSON-RPC error (in a batch it lands in that call's slot),
any other `RpcError` plays a transport failure (a batch fails as a whole, like over HTTP).
Instead of a function, a mapping `{method: result or function(params)}` may be given.
Every call is recorded in `calls` (batched calls too, and `batches` holds each batch's size).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from interop.errors import RpcError, RpcResponseError
from interop.rpc.base import Call

__all__ = ["Handler", "MockTransport"]

Handler = Callable[[str, list[Any]], Any | Awaitable[Any]]


class MockTransport:
    def __init__(
        self,
        handler: Handler | Mapping[str, Any] | None = None,
        *,
        chain_id: int | None = None,
    ) -> None:
        self._handler = handler
        self.chain_id = chain_id
        self.calls: list[tuple[str, list[Any]]] = []
        self.batches: list[int] = []
        self.closed = False
        self.display_url = "mock://"

    def __repr__(self) -> str:
        return f"MockTransport(calls={len(self.calls)})"

    async def __aenter__(self) -> MockTransport:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def methods(self) -> list[str]:
        """The methods called so far, in order."""
        return [m for m, _ in self.calls]

    async def _answer(self, method: str, params: list[Any]) -> Any:
        if self.closed:
            raise RpcError("MockTransport is closed")
        self.calls.append((method, params))
        h = self._handler
        if (
            method == "eth_chainId"
            and self.chain_id is not None
            and (h is None or (isinstance(h, Mapping) and method not in h))
        ):
            return hex(self.chain_id)
        if h is None:
            raise RpcResponseError(f"{method}: method not found", code=-32601)
        if isinstance(h, Mapping):
            if method not in h:
                raise RpcResponseError(f"{method}: method not found", code=-32601)
            entry = h[method]
            res = entry(params) if callable(entry) else entry
        else:
            res = h(method, params)
        if inspect.isawaitable(res):
            res = await res
        return res

    async def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        return await self._answer(method, list(params))

    async def batch(self, calls: Sequence[Call]) -> list[Any]:
        self.batches.append(len(calls))
        out: list[Any] = []
        for method, params in calls:
            try:
                out.append(await self._answer(method, list(params)))
            except RpcResponseError as exc:
                out.append(exc)
        return out

    async def aclose(self) -> None:
        self.closed = True
