"""The loop every devnet relayer runs: one `step()` per poll interval, forever, under the
relayer's lock (so `sync()` can step it too), surviving any error.

A failing step is counted and kept in `last_error`; its traceback is logged once per distinct
error, so a stuck relayer shows what is wrong without flooding the log.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

__all__ = ["Steppable", "run_relayer"]


class Steppable(Protocol):
    lock: asyncio.Lock
    errors: int
    last_error: BaseException | None

    async def step(self) -> None: ...


async def run_relayer(
    relayer: Steppable, label: str, poll_interval: float, log: logging.Logger
) -> None:
    while True:
        try:
            async with relayer.lock:
                await relayer.step()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            repeated = relayer.last_error is not None and str(relayer.last_error) == str(exc)
            relayer.errors += 1
            relayer.last_error = exc
            log.log(
                logging.DEBUG if repeated else logging.ERROR,
                "%s failed (%d errors so far); retrying",
                label,
                relayer.errors,
                exc_info=not repeated,
            )
        await asyncio.sleep(poll_interval)
