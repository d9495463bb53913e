"""Batched status of many flows: round trips that grow with the number of chains, not of flows.

Why: a worker or a dashboard tracking thousands of unfinished flows reads each one's status
again and again. Flow by flow, every status is several sequential JSON-RPC calls, each its own
HTTP request: 10,000 withdrawals cost tens of thousands of requests per sweep.

How, without touching any adapter: every flow's own `status()` runs concurrently against clients
whose transport coalesces (`CoalescingTransport`): the calls all flows issue in the same event
loop turn are sent as one JSON-RPC batch per chain (which the HTTP transport splits at its batch
size limit), and each caller gets its own answer or its own error (a reverting view stays a
per-call `ExecutionRevertedError`). A status that needs k sequential calls costs about k batches
per chain for the whole sweep. The statuses are the adapters' own, so a sweep and a look flow by
flow agree by construction; the tests check it anyway.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from interop.client import ChainClient
from interop.errors import InteropError
from interop.flows import FlowHost, FlowState, handle_for
from interop.journal import FlowRecord, Journal
from interop.rpc.base import Call, Transport

__all__ = ["CoalescingTransport", "CountingTransport", "SweepResult", "status_sweep"]


class CountingTransport:
    """Counts the round trips (HTTP requests: one per call, one per batch) made through it."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.requests = 0
        self.calls = 0

    async def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        self.requests += 1
        self.calls += 1
        return await self.inner.request(method, params)

    async def batch(self, calls: Sequence[Call]) -> list[Any]:
        self.requests += 1
        self.calls += len(calls)
        return await self.inner.batch(calls)

    async def aclose(self) -> None:
        """The inner transport belongs to its own client."""


class CoalescingTransport:
    """Sends the `request`s made in one event-loop turn as one `batch` (module docstring)."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self._pending: list[tuple[str, Sequence[Any], asyncio.Future[Any]]] = []
        self._scheduled = False
        self._tasks: set[asyncio.Task[None]] = set()

    async def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Any] = loop.create_future()
        self._pending.append((method, params, fut))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._flush)
        return await fut

    def _flush(self) -> None:
        self._scheduled = False
        items, self._pending = self._pending, []
        if items:
            task = asyncio.get_running_loop().create_task(self._send(items))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _send(self, items: list[tuple[str, Sequence[Any], asyncio.Future[Any]]]) -> None:
        try:
            if len(items) == 1:
                m, p, fut = items[0]
                results: list[Any] = [await self.inner.request(m, p)]
            else:
                results = await self.inner.batch([(m, p) for m, p, _ in items])
        except BaseException as exc:  # the whole round trip failed: every caller hears it
            for _, _, fut in items:
                if not fut.done():
                    fut.set_exception(exc)
            return
        for (_, _, fut), res in zip(items, results, strict=True):
            if fut.done():
                continue
            if isinstance(res, BaseException):
                fut.set_exception(res)
            else:
                fut.set_result(res)

    async def batch(self, calls: Sequence[Call]) -> list[Any]:
        return await self.inner.batch(calls)

    async def aclose(self) -> None:
        """The inner transport belongs to its own client."""


class _SweepHost:
    """The caller's host with its clients swapped for ones over `wrap(transport)`."""

    def __init__(self, host: FlowHost, wrap: Any) -> None:
        self._host = host
        self._wrap = wrap
        self._clients: dict[int, ChainClient] = {}
        self.transports: dict[int, Any] = {}

    @property
    def signer(self) -> Any:
        return self._host.signer

    @property
    def journal(self) -> Journal:
        return self._host.journal

    def adapter(self, name: str) -> Any:
        return self._host.adapter(name)

    def client(self, ref: Any) -> ChainClient:
        base = self._host.client(ref)
        cid = base.chain.id
        if cid not in self._clients:
            t = self._wrap(base.transport)
            self.transports[cid] = t
            self._clients[cid] = ChainClient(base.chain, t, owns_transport=False)
        return self._clients[cid]


@dataclass(frozen=True)
class SweepResult:
    """Per flow (in the order given) its fresh state or the error reading it; `requests`: the
    HTTP requests the sweep made, `calls`: the JSON-RPC calls inside them."""

    states: list[FlowState | InteropError]
    requests: int
    calls: int


async def status_sweep(
    host: FlowHost,
    records: Sequence[FlowRecord] | None = None,
    *,
    batched: bool = True,
    concurrency: int = 5000,
) -> SweepResult:
    """The status of every flow in `records` (default: the journal's unfinished ones), all
    concurrently through coalescing transports (`batched=False`: flow by flow, one request per
    call, for comparison). Statuses are written to the journal as `Flow.status()` does."""
    recs = list(host.journal.flows(unfinished=True) if records is None else records)
    counters: list[CountingTransport] = []

    def wrap(inner: Transport) -> Any:
        counting = CountingTransport(inner)
        counters.append(counting)
        return CoalescingTransport(counting) if batched else counting

    sweep = _SweepHost(host, wrap)
    out: list[FlowState | InteropError | None] = [None] * len(recs)

    async def one(i: int, rec: FlowRecord) -> None:
        try:
            out[i] = await handle_for(sweep, rec).status()
        except InteropError as exc:
            out[i] = exc

    if batched:
        sem = asyncio.Semaphore(concurrency)

        async def bounded(i: int, rec: FlowRecord) -> None:
            async with sem:
                await one(i, rec)

        await asyncio.gather(*(bounded(i, r) for i, r in enumerate(recs)))
    else:
        for i, r in enumerate(recs):
            await one(i, r)
    states = [s for s in out if s is not None]
    return SweepResult(states, sum(c.requests for c in counters), sum(c.calls for c in counters))
