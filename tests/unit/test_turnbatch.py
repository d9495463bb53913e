"""`TurnBatcher`: what is submitted in one event-loop turn is sent once (per chunk), each caller
gets its own answer or its own error, and neither a failing item nor a cancelled caller takes
the others down. Real asyncio, no chain: `send` records what it was handed."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from interop.errors import InteropError, RpcResponseError
from interop.turnbatch import TurnBatcher


class _Recorder:
    """`send`: answers n with n * 10, except an `RpcResponseError` for n < 0 (that item only)."""

    def __init__(self, *, gate: asyncio.Event | None = None) -> None:
        self.batches: list[list[int]] = []
        self.gate = gate

    async def __call__(self, items: list[int]) -> Sequence[int | BaseException]:
        self.batches.append(list(items))
        if self.gate is not None:
            await self.gate.wait()
        return [RpcResponseError(f"bad {n}") if n < 0 else n * 10 for n in items]


async def test_one_turn_is_one_batch_in_order_each_caller_its_own_answer() -> None:
    send = _Recorder()
    b: TurnBatcher[int, int] = TurnBatcher(send)
    got = await asyncio.gather(*(b(n) for n in range(5)))
    assert got == [0, 10, 20, 30, 40]
    assert send.batches == [[0, 1, 2, 3, 4]]
    # the next turn is a new batch
    assert await b(7) == 70
    assert send.batches[-1] == [7]


async def test_max_batch_splits_a_turn_into_chunks() -> None:
    send = _Recorder()
    b: TurnBatcher[int, int] = TurnBatcher(send, max_batch=2)
    got = await asyncio.gather(*(b(n) for n in range(5)))
    assert got == [0, 10, 20, 30, 40]
    assert sorted(send.batches) == [[0, 1], [2, 3], [4]]
    with pytest.raises(ValueError):
        TurnBatcher(send, max_batch=0)


async def test_an_item_error_reaches_its_caller_only() -> None:
    send = _Recorder()
    b: TurnBatcher[int, int] = TurnBatcher(send)
    got = await asyncio.gather(b(1), b(-2), b(3), return_exceptions=True)
    assert got[0] == 10 and got[2] == 30
    assert isinstance(got[1], RpcResponseError) and "bad -2" in str(got[1])
    assert len(send.batches) == 1


async def test_a_failed_send_reaches_every_caller_of_that_chunk_only() -> None:
    async def send(items: list[int]) -> list[int]:
        if 0 in items:
            raise RpcResponseError("round trip lost")
        return [n * 10 for n in items]

    b: TurnBatcher[int, int] = TurnBatcher(send, max_batch=2)
    got = await asyncio.gather(*(b(n) for n in range(4)), return_exceptions=True)
    assert [type(g) for g in got[:2]] == [RpcResponseError, RpcResponseError]
    assert got[2:] == [20, 30]


async def test_a_wrong_number_of_results_is_an_error_not_a_hang() -> None:
    async def send(items: list[int]) -> list[int]:
        return [1]

    b: TurnBatcher[int, int] = TurnBatcher(send)
    got = await asyncio.wait_for(asyncio.gather(b(1), b(2), return_exceptions=True), 5)
    assert all(isinstance(g, InteropError) for g in got)


async def test_a_cancelled_caller_does_not_break_the_batch() -> None:
    gate = asyncio.Event()
    send = _Recorder(gate=gate)
    b: TurnBatcher[int, int] = TurnBatcher(send)
    tasks = [asyncio.create_task(b(n)) for n in range(3)]
    while not send.batches:  # the batch is in flight
        await asyncio.sleep(0)
    tasks[1].cancel()
    await asyncio.sleep(0)
    gate.set()
    assert await asyncio.wait_for(asyncio.gather(tasks[0], tasks[2]), 5) == [0, 20]
    with pytest.raises(asyncio.CancelledError):
        await tasks[1]
    assert send.batches == [[0, 1, 2]]


async def test_a_caller_cancelled_before_the_flush_leaves_the_others_answered() -> None:
    send = _Recorder()
    b: TurnBatcher[int, int] = TurnBatcher(send)
    f1, f2 = b.submit(1), b.submit(2)
    f1.cancel()
    assert await asyncio.wait_for(f2, 5) == 20
    assert f1.cancelled()


async def test_a_cancelled_send_cancels_its_callers() -> None:
    gate = asyncio.Event()
    send = _Recorder(gate=gate)
    b: TurnBatcher[int, int] = TurnBatcher(send)
    fut = b.submit(1)
    while not send.batches:
        await asyncio.sleep(0)
    for t in list(b._tasks):  # the batch's own task, as at loop shutdown
        t.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(fut, 5)
