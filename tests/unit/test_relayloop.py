"""`locked_step`: a `sync()` caller's cancellation does not cut a relayer step in half."""

from __future__ import annotations

import asyncio

import pytest

from interop.devnet.relayloop import locked_step


class _Relayer:
    def __init__(self, fail: bool = False) -> None:
        self.lock = asyncio.Lock()
        self.errors = 0
        self.last_error: BaseException | None = None
        self.sent = asyncio.Event()
        self.release = asyncio.Event()
        self.recorded = False
        self.fail = fail

    async def step(self) -> None:
        self.sent.set()  # "the transaction is mined"
        await self.release.wait()
        if self.fail:
            raise RuntimeError("after broadcast")
        self.recorded = True  # "and the relayer records it"


async def test_a_cancelled_caller_leaves_the_step_to_finish() -> None:
    r = _Relayer()
    caller = asyncio.ensure_future(locked_step(r))
    await r.sent.wait()
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    assert not r.recorded and r.lock.locked()  # still running, still holding the lock
    r.release.set()
    async with asyncio.timeout(5):
        async with r.lock:  # the next step waits for it
            assert r.recorded


async def test_an_error_after_the_caller_left_is_kept() -> None:
    r = _Relayer(fail=True)
    caller = asyncio.ensure_future(locked_step(r))
    await r.sent.wait()
    caller.cancel()
    r.release.set()
    with pytest.raises(asyncio.CancelledError):
        await caller
    async with asyncio.timeout(5):
        while r.last_error is None:
            await asyncio.sleep(0.01)
    assert str(r.last_error) == "after broadcast"


async def test_an_error_reaches_a_caller_still_waiting() -> None:
    r = _Relayer(fail=True)
    r.release.set()
    with pytest.raises(RuntimeError, match="after broadcast"):
        await locked_step(r)
