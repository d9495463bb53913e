"""One batch for the calls made in one event-loop turn, each caller awaiting its own answer.

Why: a status sweep runs thousands of flows concurrently, and each flow issues its reads one by
one. Issued by themselves they cost a round trip each; but all the flows that are waiting run
in the same event-loop turn, so what they ask in that turn can go out together (one JSON-RPC
batch, one Multicall3 `eth_call`, one adapter `statuses` call). `TurnBatcher` is that pattern,
once: the sweep's transports and adapters (`interop.sweep`) and the OP Stack batched reads
(`interop.adapters.opstack.reads`) all use it.

How: `submit(item)` queues the item and returns a future; the first item of a turn schedules a
flush with `loop.call_soon`, which runs after every task that was ready in that turn has queued
its items. The flush hands the queued items (in submission order, in chunks of at most
`max_batch`) to the user's `send`, one task per chunk, and resolves each item's future with its
own entry of the answer:

- an entry that is an exception is raised to that caller only (the others get their results);
- `send` itself raising (the round trip failed) is raised to every caller of that chunk, since
  none of them has an answer; a `send` cancelled (loop shutdown) cancels their futures;
- a caller that stops waiting (its task cancelled) cancels only its own future: the batch is
  still sent and the others still get their answers; its entry is dropped.

Nothing here deduplicates or caches: a caller that wants equal items answered once keeps its
own map of futures (as `BatchReads` does) and shields them from its callers' cancellation.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from interop.errors import InteropError

__all__ = ["TurnBatcher"]

I = TypeVar("I")  # noqa: E741 - the item type
R = TypeVar("R")


class TurnBatcher(Generic[I, R]):
    """Collects the items submitted in one event-loop turn and sends them with one `send` call
    (per chunk of at most `max_batch` items; None: no limit). `send(items)` returns one entry per
    item, in order: its result, or an exception for that item alone (module docstring)."""

    def __init__(
        self,
        send: Callable[[list[I]], Awaitable[Sequence[R | BaseException]]],
        *,
        max_batch: int | None = None,
    ) -> None:
        if max_batch is not None and max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._send = send
        self._max = max_batch
        self._items: list[I] = []
        self._futures: list[asyncio.Future[R]] = []
        self._scheduled = False
        self._tasks: set[asyncio.Task[None]] = set()  # strong references while they run

    def submit(self, item: I) -> asyncio.Future[R]:
        """Queue `item` for this turn's batch; the future gets its own result or exception."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[R] = loop.create_future()
        self._items.append(item)
        self._futures.append(fut)
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._flush)
        return fut

    async def __call__(self, item: I) -> R:
        """`await submit(item)`: the answer to `item` (cancelling the caller drops only it)."""
        return await self.submit(item)

    def _flush(self) -> None:
        self._scheduled = False
        items, self._items = self._items, []
        futs, self._futures = self._futures, []
        step = self._max or max(len(items), 1)
        loop = asyncio.get_running_loop()
        for lo in range(0, len(items), step):
            task = loop.create_task(self._run(items[lo : lo + step], futs[lo : lo + step]))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _run(self, items: list[I], futs: list[asyncio.Future[R]]) -> None:
        try:
            results = await self._send(items)
            if len(results) != len(items):
                raise InteropError(
                    f"a batch of {len(items)} items was answered with {len(results)} results"
                )
        except asyncio.CancelledError:
            for fut in futs:
                fut.cancel()
            raise
        except BaseException as exc:  # the round trip failed: every caller of it hears it
            for fut in futs:
                if not fut.done():
                    fut.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        for fut, res in zip(futs, results, strict=True):
            if fut.done():  # its caller stopped waiting
                continue
            if isinstance(res, BaseException):
                fut.set_exception(res)
            else:
                fut.set_result(res)
