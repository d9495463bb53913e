"""The loop every devnet relayer runs: one `step()` per poll interval, under the relayer's lock
(so `sync()` can step it too).

A failing step is retried, because a single RPC hiccup under load must not end a relayer; it is
counted and kept in `last_error`, and its traceback is logged once per distinct error. But a
relayer that keeps failing has stopped relaying, and a devnet whose relayer silently stopped
makes flows wait forever for a step that never comes (a withdrawal that is never confirmed, a
deposit never relayed). So after `max_failures` failed steps in a row the loop gives up and
raises `RelayerCrashedError` (chained to the last error): the task ends with it, and
`Devnet.check()` / `Devnet.advance()` / `Devnet.stop()` re-raise it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Protocol

from interop.errors import DevnetError

if TYPE_CHECKING:
    from interop.client import ChainClient

__all__ = [
    "MAX_FAILURES",
    "RelayerCrashedError",
    "Steppable",
    "locked_step",
    "pool_drained",
    "run_relayer",
]

MAX_FAILURES = 20
"""Failed steps in a row after which a relayer is declared crashed (~2-4 s at the default poll
intervals): far beyond a transient hiccup, far below a test's patience."""


class RelayerCrashedError(DevnetError):
    """A devnet relayer gave up: its steps kept failing. `__cause__` is the last failure."""


class Steppable(Protocol):
    lock: asyncio.Lock
    errors: int
    last_error: BaseException | None

    async def step(self) -> None: ...


async def pool_drained(
    client: ChainClient, sender: str, *, tries: int = 200, pause: float = 0.02
) -> bool:
    """Wait until the node's pool holds no transaction of `sender` (its pending nonce equals its
    latest), at most `tries` x `pause` seconds; True if it did.

    Why: anvil answers a send before it mines the transaction. A relayer step that failed after
    sending (an RPC fault, a lost receipt) must look for its transaction on chain before doing
    the work again, and a transaction still in the pool is not there yet: without this wait a
    step running in between did the work twice (a deposit minted twice, an L1 message included
    twice). Giving up after the bound is safe: the caller then scans what was mined."""
    for _ in range(tries):
        pending = await client.request("eth_getTransactionCount", [sender, "pending"])
        if pending == await client.request("eth_getTransactionCount", [sender, "latest"]):
            return True
        await asyncio.sleep(pause)
    return False


async def locked_step(relayer: Steppable) -> None:
    """One `step()` under the relayer's lock, for `sync()`: a caller cancelled meanwhile (its
    timeout) does not cancel the step.

    A step cancelled half-way can leave a transaction mined whose effect the relayer never
    recorded (a Linea finalization, a Scroll commit), and the next step then builds on a stale
    record. The step runs in its own task, shielded from the caller; its error, if the caller
    is gone, is kept in `last_error` rather than lost. The background loop is not shielded: it
    is cancelled only when the devnet stops."""

    async def locked() -> None:
        async with relayer.lock:
            await relayer.step()

    task = asyncio.ensure_future(locked())

    def keep(t: asyncio.Task[None]) -> None:
        if not t.cancelled() and t.exception() is not None:
            relayer.last_error = t.exception()

    task.add_done_callback(keep)
    await asyncio.shield(task)


async def run_relayer(
    relayer: Steppable,
    label: str,
    poll_interval: float,
    log: logging.Logger,
    *,
    max_failures: int = MAX_FAILURES,
) -> None:
    """Step `relayer` forever; raise `RelayerCrashedError` after `max_failures` failures in a
    row. Cancellation ends it quietly (that is how components stop their relayers)."""
    in_a_row = 0
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
            in_a_row += 1
            if in_a_row >= max_failures:
                raise RelayerCrashedError(
                    f"{label} crashed: {in_a_row} steps in a row failed",
                    details=f"last error: {type(exc).__name__}: {exc}",
                ) from exc
            log.log(
                logging.DEBUG if repeated else logging.ERROR,
                "%s failed (%d errors so far, %d in a row); retrying",
                label,
                relayer.errors,
                in_a_row,
                exc_info=not repeated,
            )
        else:
            in_a_row = 0
        await asyncio.sleep(poll_interval)
