"""The devnet component that deploys once and then runs one background relayer.

Linea, Scroll and ZKsync have this shape, and so does a third party's rollup (docs/plugins.md:
a component is anything with `name`, `async start(devnet)` and `async stop()`). What differs is
only what gets deployed and which relayer runs; the lifecycle around it is written here once,
so a new family cannot get it subtly wrong (a relayer not watched by the devnet, a `sync()`
cut half-way by a caller's timeout, a task left running after `stop()`).

A subclass sets `name` and `label` and writes `deploy(devnet, l1, l2)`: put its contracts on
the chains, publish their addresses (`devnet.update_chain`) and return its relayer (anything
`relayloop` can step that also has `describe()`). The base opens the L1 and L2 clients, runs
the relayer's loop with `relayloop.run_relayer` under `devnet.spawn` (so a crash is re-raised
by the devnet), and provides `sync()` (one `relayloop.locked_step`), `describe()` and `stop()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from interop.client import ChainClient
from interop.devnet.relayloop import Steppable, locked_step, run_relayer
from interop.errors import DevnetError

if TYPE_CHECKING:
    from interop.devnet.core import Devnet

__all__ = ["DescribedRelayer", "RelayerComponent", "cancel_and_wait"]


class DescribedRelayer(Steppable, Protocol):
    """A relayer the component can step and report on (`describe()` feeds failure messages)."""

    def describe(self) -> str: ...


R = TypeVar("R", bound=DescribedRelayer)


async def cancel_and_wait(task: asyncio.Task[Any] | None) -> None:
    """Cancel `task` and wait until it has ended, so nothing of it runs after `stop()` returns.

    Its error is not raised here: a relayer's crash is the devnet's to report (it watches the
    task it spawned), and a stop must go on to release what else the component holds."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task


class RelayerComponent(Generic[R]):
    """A devnet component for one L2 on one L1 that runs one relayer in the background.

    `sync()` runs one relayer step now, under the relayer's lock and shielded from the
    caller's cancellation (`relayloop.locked_step`): on return, what was due is done."""

    name: str
    """The component's name (`Devnet.component(name)`)."""
    label: str
    """The relayer's name in the devnet's task list and in its crash message."""

    def __init__(self, *, l1_id: int, l2_id: int, poll_interval: float) -> None:
        self.l1_id, self.l2_id = l1_id, l2_id
        self.poll_interval = poll_interval
        self.relayer: R | None = None
        self.startup_seconds = 0.0
        self._task: asyncio.Task[None] | None = None
        self._clients: list[ChainClient] = []

    @property
    def log(self) -> logging.Logger:
        """The logger of the module that defines the component (its relayer logs there too)."""
        return logging.getLogger(type(self).__module__)

    async def deploy(self, devnet: Devnet, l1: ChainClient, l2: ChainClient) -> R:
        """Deploy onto the running devnet, publish the addresses, return the relayer to run."""
        raise NotImplementedError

    async def start(self, devnet: Devnet) -> None:
        t0 = time.monotonic()
        l1 = ChainClient(
            devnet.chain(self.l1_id), devnet.transport(self.l1_id), owns_transport=False
        )
        l2 = ChainClient(
            devnet.chain(self.l2_id), devnet.transport(self.l2_id), owns_transport=False
        )
        self._clients = [l1, l2]
        self.relayer = relayer = await self.deploy(devnet, l1, l2)
        self._task = devnet.spawn(
            self.label,
            run_relayer(
                relayer,
                self.label,
                self.poll_interval,
                self.log,
                max_failures=devnet.config.relayer_max_failures,
            ),
        )
        self.startup_seconds = time.monotonic() - t0
        self.log.info("%s component started in %.2f s", self.name, self.startup_seconds)

    async def sync(self) -> None:
        if self.relayer is None:
            raise DevnetError(f"the {self.name} component is not started")
        await locked_step(self.relayer)

    async def describe(self) -> str:
        return "not started" if self.relayer is None else self.relayer.describe()

    async def stop(self) -> None:
        """Cancel the relayer's loop and wait for it to end; a subclass then releases the rest."""
        task, self._task = self._task, None
        await cancel_and_wait(task)
        self.relayer = None
