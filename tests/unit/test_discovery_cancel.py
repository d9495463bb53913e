"""Ctrl-C cancels every task at once. A caller waiting for another task's discovery read must
then stop too: before, it took the cancelled read for "the reader was cancelled, not me",
swallowed its own cancellation and read again, so `interop bridge --complete` kept polling
after Ctrl-C and the CLI never exited (seen once in a CI run)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

from interop import discovery
from interop.chains import get_chain


class _Parent(SimpleNamespace):
    __hash__ = object.__hash__  # a weak-keyable stand-in for a ChainClient (only .chain is read)


async def test_a_waiter_cancelled_with_the_reader_stays_cancelled() -> None:
    parent: Any = _Parent(chain=get_chain("ethereum"))
    chain = get_chain("optimism")
    reads = 0
    started = asyncio.Event()

    async def slow_read(p: Any, c: Any) -> Any:
        nonlocal reads
        reads += 1
        started.set()
        await asyncio.sleep(3600)

    reader = asyncio.create_task(discovery._cached_read(parent, chain, "x", slow_read))
    await started.wait()
    waiter = asyncio.create_task(discovery._cached_read(parent, chain, "x", slow_read))
    await asyncio.sleep(0)  # the waiter now awaits the reader's future
    reader.cancel()
    waiter.cancel()  # both at once, as asyncio.run does on Ctrl-C
    for t in (reader, waiter):
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(t, 2)
    assert reads == 1  # the waiter did not start a read of its own


async def test_a_waiter_reads_itself_when_only_the_reader_was_cancelled() -> None:
    parent: Any = _Parent(chain=get_chain("ethereum"))
    chain = get_chain("optimism")
    started = asyncio.Event()
    calls: list[str] = []

    async def read(p: Any, c: Any) -> Any:
        calls.append("read")
        if len(calls) == 1:
            started.set()
            await asyncio.sleep(3600)
        return SimpleNamespace(mismatches=())

    reader = asyncio.create_task(discovery._cached_read(parent, chain, "y", read))
    await started.wait()
    waiter = asyncio.create_task(discovery._cached_read(parent, chain, "y", read))
    await asyncio.sleep(0)
    reader.cancel()
    assert (await asyncio.wait_for(waiter, 2)).mismatches == ()
    assert calls == ["read", "read"]
