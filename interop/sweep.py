"""Batched status of many flows: round trips that grow with the number of chains, not of flows.

Why: a worker or a dashboard tracking thousands of unfinished flows reads each one's status
again and again. Flow by flow, every status is several sequential JSON-RPC calls, each its own
HTTP request: 10,000 withdrawals cost tens of thousands of requests per sweep, and (measured on
the devnet) the client's own CPU per flow matters as much as the round trips: decoding the same
dispute game list once per flow cost more than the node answering.

How: every flow's own `Flow.status()` runs concurrently (so the flow logic, hop by hop, and
what is written to the journal are the ones a single `status()` has), with three changes below
it, all per sweep (the first two group a turn's calls with `interop.turnbatch.TurnBatcher`):

- adapters: the `status()` calls all flows make in one event-loop turn are grouped by route and
  handed to the adapter's optional batch hook (`interop.adapters.base.statuses_of`): an adapter
  that has `statuses` (OP Stack) reads what all flows share once, at one pinned block, and each
  flow's own state in Multicall3 calls per chunk; others get `status()` per flow;
- transports (`CoalescingTransport`): the calls all flows issue in one turn go out as one
  JSON-RPC batch per chain (split by the HTTP transport at its batch size limit), each caller
  getting its own answer or error (a reverting view stays a per-call `ExecutionRevertedError`);
- journal (`_QuietJournal`): a status equal to the one the flow's record already holds is not
  written again (flow by flow, each fresh handle rewrites it: two transactions per flow).

The statuses are the adapters' own logic; the tests compare every flow with flow by flow.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

from interop.adapters.base import AdapterContext, BridgeAdapter, FlowRef, FlowStatus, statuses_of
from interop.client import ChainClient
from interop.errors import InteropError
from interop.flows import FlowHost, FlowState, handle_for
from interop.journal import FlowRecord, HopRecord, Journal
from interop.rpc.base import Call, Transport
from interop.turnbatch import TurnBatcher

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
        self._batcher: TurnBatcher[Call, Any] = TurnBatcher(self._send)

    async def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        return await self._batcher((method, params))

    async def _send(self, calls: list[Call]) -> Sequence[Any]:
        if len(calls) == 1:
            return [await self.inner.request(*calls[0])]
        return await self.inner.batch(calls)

    async def batch(self, calls: Sequence[Call]) -> list[Any]:
        return await self.inner.batch(calls)

    async def aclose(self) -> None:
        """The inner transport belongs to its own client."""


class _BatchingAdapter:
    """An adapter whose `status()` calls made in one event-loop turn are answered together,
    per route, by `statuses_of` (the adapter's batch hook, or `status` per ref)."""

    def __init__(self, inner: BridgeAdapter) -> None:
        self._inner = inner
        # per route (the sweep host's clients, kept alive here so their ids stay theirs): the
        # context of its first caller (status reads no signer) and the route's batcher
        self._routes: dict[
            tuple[int, int], tuple[AdapterContext, TurnBatcher[FlowRef, FlowStatus]]
        ] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def status(self, ctx: AdapterContext, ref: FlowRef) -> FlowStatus:
        key = (id(ctx.source), id(ctx.target))
        route = self._routes.get(key)
        if route is None:
            route = self._routes[key] = (ctx, TurnBatcher(partial(statuses_of, self._inner, ctx)))
        return await route[1](ref)


class _QuietJournal:
    """The journal, except that a status equal to what the flow's record (as the sweep read
    it) already holds is not written again, and such a flow's record is not read again."""

    def __init__(self, inner: Journal, records: Sequence[FlowRecord]) -> None:
        self._inner = inner
        self._recs = {r.id: r for r in records}
        self._written: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def _known(self, flow_id: str) -> FlowRecord | None:
        return None if flow_id in self._written else self._recs.get(flow_id)

    def set_hop_status(self, flow_id: str, hop: int, status: str, native: str) -> None:
        r = self._known(flow_id)
        h: HopRecord | None = r.hops[hop] if r is not None and hop < len(r.hops) else None
        if h is not None and (h.status, h.native) == (status, native):
            return
        self._written.add(flow_id)
        self._inner.set_hop_status(flow_id, hop, status, native)

    def set_status(
        self,
        flow_id: str,
        status: str,
        native: str,
        *,
        done: bool = False,
        error: str | None = None,
    ) -> None:
        r = self._known(flow_id)
        if r is not None and (r.status, r.native, r.done, r.error) == (status, native, done, error):
            return
        self._written.add(flow_id)
        self._inner.set_status(flow_id, status, native, done=done, error=error)

    def get(self, flow_id: str) -> FlowRecord:
        r = self._known(flow_id)
        return r if r is not None else self._inner.get(flow_id)


class _SweepHost:
    """The caller's host with its clients swapped for ones over `wrap(transport)` (and, for a
    batched sweep, its adapters batching and its journal quiet)."""

    def __init__(
        self, host: FlowHost, wrap: Any, *, batched: bool, records: Sequence[FlowRecord]
    ) -> None:
        self._host = host
        self._wrap = wrap
        self._batched = batched
        self._clients: dict[int, ChainClient] = {}
        self._adapters: dict[str, Any] = {}
        self.transports: dict[int, Any] = {}
        self._journal = (
            cast(Journal, _QuietJournal(host.journal, records)) if batched else host.journal
        )

    @property
    def signer(self) -> Any:
        return self._host.signer

    @property
    def journal(self) -> Journal:
        return self._journal

    def adapter(self, name: str) -> Any:
        if not self._batched:
            return self._host.adapter(name)
        a = self._adapters.get(name)
        if a is None:
            a = self._adapters[name] = _BatchingAdapter(self._host.adapter(name))
        return a

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
    concurrency: int = 100_000,
) -> SweepResult:
    """The status of every flow in `records` (default: the journal's unfinished ones), all
    concurrently (at most `concurrency` at a time) through batching adapters and coalescing
    transports (module docstring; `batched=False`: flow by flow, each flow's own `status()`,
    one request per call, for comparison). Statuses are written to the journal as
    `Flow.status()` writes them (a batched sweep skips rewriting an unchanged one)."""
    recs = list(host.journal.flows(unfinished=True) if records is None else records)
    counters: list[CountingTransport] = []

    def wrap(inner: Transport) -> Any:
        counting = CountingTransport(inner)
        counters.append(counting)
        return CoalescingTransport(counting) if batched else counting

    sweep = _SweepHost(host, wrap, batched=batched, records=recs)
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
