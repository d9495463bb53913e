"""The `Devnet`: several anvil nodes plus stack components (real bridge contracts, relayers).

Start order: every anvil node (in parallel), the helper contracts every chain gets (Multicall3),
then each component in order (OP Stack, Arbitrum, ...). Stop order is the reverse, every error is
collected, and only processes this object started are stopped (by PID, through `AnvilNode`).

A component is anything with `name`, `async start(devnet)` and `async stop()`; it deploys its
contracts through `devnet.transport(chain_id)`, records addresses in `devnet.chains` (as new
`Chain` values via `devnet.update_chain`), and may run relayer tasks until stopped.

Background work (relayers, the clock tick) runs in tasks started with `devnet.spawn()`, so that a
task that dies is never silent: it is logged at ERROR the moment it ends, `check()` /
`sync()` / `fast_forward()` / `advance()` raise a `DevnetError` chained to its exception, and so
does `stop()` (the test fixture's teardown); `watch()` lets a long-running owner such as
`interop devnet` wake up on it. A devnet whose relayer stopped would otherwise only show as a
flow that never progresses.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import tempfile
import time
import weakref
from collections.abc import AsyncIterator, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from interop.chains.model import Chain, Stack
from interop.devnet.anvil import DEV_ACCOUNTS, AnvilNode, AnvilOptions, keep_devnet_logs
from interop.devnet.config import DevnetChainSpec, DevnetComponent, DevnetConfig
from interop.errors import DevnetError
from interop.rpc.base import Transport
from interop.rpc.http import HttpTransport

if TYPE_CHECKING:
    from interop.facade import Interop

__all__ = ["Devnet", "DevnetChainSpec", "DevnetComponent", "DevnetConfig"]

log = logging.getLogger("interop.devnet")

_RUNS_ON: weakref.WeakKeyDictionary[Interop, Devnet] = weakref.WeakKeyDictionary()
"""Which devnet each `Interop` made by `Devnet.interop()` runs on (see `Devnet.of`). Kept here,
not on the `Interop`, so that production code (the facade) never names the devnet."""


class Devnet:
    """A local multi-chain network. `async with Devnet.default() as dn:` then `dn.chains`."""

    def __init__(self, config: DevnetConfig) -> None:
        if not config.chains:
            raise DevnetError("a devnet needs at least one chain")
        self.config = config
        self.nodes: dict[int, AnvilNode] = {}
        self.chains: dict[int, Chain] = {s.chain.id: s.chain for s in config.chains}
        self.components: list[DevnetComponent] = list(config.components)
        self._transports: dict[int, HttpTransport] = {}
        self._started: list[DevnetComponent] = []
        self._ticker: asyncio.Task[None] | None = None
        self._background: dict[asyncio.Task[None], str] = {}
        self._crashed: list[tuple[str, BaseException]] = []
        self._crash_event = asyncio.Event()
        self._own_log_dir = config.log_dir is None
        self.log_dir = config.log_dir or Path(tempfile.mkdtemp(prefix="interop-devnet-"))
        self.running = False

    @classmethod
    def default(cls, **kw: Any) -> Devnet:
        """L1 + OP Stack L2s + Arbitrum L2, with whatever stack components are available."""
        from interop.devnet.presets import default_config

        return cls(default_config(**kw))

    @classmethod
    @contextlib.asynccontextmanager
    async def start_interop(
        cls, *, account_index: int = 0, fast_forward: bool = True, **devnet_kw: Any
    ) -> AsyncIterator[Interop]:
        """Start the default devnet, yield an `Interop` on all of its chains with a funded
        account, and stop everything on exit. `Devnet.of(io)` is the running devnet.

        With `fast_forward` (the default) every wait of a flow moves the devnet's clock instead
        of sleeping, so a withdrawal's challenge period passes in milliseconds; without it the
        devnet mines an L1 block every second (`tick_seconds=1.0` unless given), so chain time
        moves by itself as a real chain's does. `devnet_kw` go to `Devnet.default()`.
        """
        if not fast_forward:
            devnet_kw.setdefault("tick_seconds", 1.0)
        async with (
            cls.default(**devnet_kw) as dn,
            dn.interop(account_index=account_index, fast_forward=fast_forward) as io,
        ):
            yield io

    @contextlib.asynccontextmanager
    async def interop(
        self, *, account_index: int = 0, fast_forward: bool = True, **kw: Any
    ) -> AsyncIterator[Interop]:
        """An `Interop` on every chain of this running devnet, signing with funded account
        `account_index`; closed on exit (the devnet keeps running).

        With `fast_forward` (the default) flows wait with `self.advance` (relayers catch up,
        chain time moves) instead of sleeping. The journal lives beside the devnet's logs
        (`log_dir / "journal.sqlite3"`): it is as ephemeral as the chains it describes. `kw`
        go to `Interop(...)` and win over these defaults (e.g. `journal=":memory:"`, or
        `account=` a key of your own instead of devnet account `account_index`).
        """
        from interop.facade import Interop

        if not self.running:
            raise DevnetError("the devnet is not running", hint="start it first: `async with dn:`")
        if not 0 <= account_index < len(self.accounts):
            raise DevnetError(
                f"no funded devnet account {account_index}",
                hint=f"pick 0..{len(self.accounts) - 1}",
            )
        kw.setdefault("journal", str(self.log_dir / "journal.sqlite3"))
        if fast_forward:
            kw.setdefault("sleep", self.advance)
        kw.setdefault("account", self.accounts[account_index][1])
        io = Interop(list(self.chains.values()), **kw)
        _RUNS_ON[io] = self
        try:
            yield io
        finally:
            await io.aclose()

    @staticmethod
    def of(io: Interop) -> Devnet:
        """The devnet an `Interop` made by `interop()` / `start_interop()` runs on."""
        try:
            return _RUNS_ON[io]
        except KeyError:
            raise DevnetError(
                "this Interop was not made by a Devnet",
                hint="use `Devnet.start_interop()` or `devnet.interop()`",
            ) from None

    @property
    def accounts(self) -> tuple[tuple[str, str], ...]:
        """The funded test accounts (address, private key). Public keys: devnet only."""
        return DEV_ACCOUNTS

    def chain(self, chain_id: int) -> Chain:
        return self.chains[chain_id]

    def update_chain(self, chain: Chain) -> None:
        self.chains[chain.id] = chain

    def transport(self, chain_id: int) -> Transport:
        """A shared keep-alive transport to one node, owned (and closed) by the devnet."""
        t = self._transports.get(chain_id)
        if t is None:
            t = HttpTransport(self.nodes[chain_id].url)
            self._transports[chain_id] = t
        return t

    def component(self, name: str) -> DevnetComponent:
        """A started component by name (e.g. "opstack", "arbitrum"); KeyError if absent."""
        for comp in self.components:
            if comp.name == name:
                return comp
        raise KeyError(f"devnet has no component {name!r}")

    def l1_id(self) -> int:
        for c in self.chains.values():
            if c.stack == Stack.L1:
                return c.id
        raise DevnetError("devnet has no L1")

    async def start(self) -> None:
        if self.running:
            raise DevnetError("devnet already running")
        try:
            for spec in self.config.chains:
                node = AnvilNode(
                    AnvilOptions(
                        chain_id=spec.chain.id,
                        name=spec.chain.name,
                        extra_args=list(spec.anvil_args),
                    ),
                    log_dir=self.log_dir,
                )
                self.nodes[spec.chain.id] = node
            await asyncio.gather(*(n.start() for n in self.nodes.values()))
            for cid, node in self.nodes.items():
                self.chains[cid] = self.chains[cid].with_rpc(node.url)
            if self.config.install_multicall3:
                from interop.devnet.helpers import install_multicall3

                await asyncio.gather(*(install_multicall3(self, cid) for cid in self.nodes))
            for comp in self.components:
                log.info("starting devnet component %s", comp.name)
                await comp.start(self)
                self._started.append(comp)
            await self._back_genesis_funds()
            if self.config.tick_seconds:
                self._ticker = self.spawn("devnet clock", self._tick(self.config.tick_seconds))
            self.running = True
        except BaseException:
            await self.stop()
            raise

    async def _back_genesis_funds(self) -> None:
        """Lock on L1 the ETH that the L2s' funded accounts start with.

        anvil gives every L2 account its balance out of thin air; on a real rollup all L2 ETH was
        deposited, so the L1 escrow (OP: the portal; Arbitrum: the bridge) holds it. Without
        this, a withdrawal of genesis ETH would be proven and finalized but could not be paid.
        Which contract is the escrow is the chain family's answer (`genesis_escrow`), so a
        family from another package is backed the same way without the devnet naming it.
        """
        from interop.families import family_of

        for chain in self.chains.values():
            if chain.parent_id is None or chain.parent_id not in self.nodes:
                continue
            family = family_of(chain)  # None (logged once) when no package provides it
            key = None if family is None else family.genesis_escrow(chain)
            if key is None:
                continue
            escrow = chain.parent_contracts.get(chain.parent_id, {}).get(key)
            if escrow is None:  # the chain runs without its family's component: no bridge
                log.warning(
                    "chain %d: its genesis ETH is not backed: no %r on chain %d",
                    chain.id,
                    key,
                    chain.parent_id,
                )
                continue
            l2 = self.transport(chain.id)
            balances = await l2.batch([("eth_getBalance", [a, "latest"]) for a, _ in DEV_ACCOUNTS])
            genesis = sum(int(b, 16) for b in balances if isinstance(b, str))
            l1 = self.transport(chain.parent_id)
            held = int(await l1.request("eth_getBalance", [escrow, "latest"]), 16)
            await l1.request("anvil_setBalance", [escrow, hex(held + genesis)])

    async def _tick(self, seconds: float) -> None:
        l1 = self.transport(self.l1_id())
        in_a_row = 0
        while True:
            await asyncio.sleep(seconds)
            try:
                await l1.request("evm_mine", [])
                in_a_row = 0
            except Exception as exc:  # a hiccup must not end the clock, a dead L1 must
                in_a_row += 1
                if in_a_row >= self.config.relayer_max_failures:
                    raise
                log.warning("devnet clock tick failed: %s", exc)

    # ------------------------------------------------------------------ background tasks

    def spawn(self, name: str, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run `coro` in the background, watched: if it ends other than by cancellation, the
        devnet records it as crashed (see `check()`). The caller still cancels it to stop it."""
        task = asyncio.create_task(coro, name=name)
        self._background[task] = name
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[None]) -> None:
        name = self._background.pop(task, task.get_name())
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            exc = DevnetError(f"{name} stopped", details="a background task must run until stopped")
        log.error("devnet background task %r crashed: %s", name, exc, exc_info=exc)
        self._crashed.append((name, exc))
        self._crash_event.set()

    @property
    def crashed(self) -> list[tuple[str, BaseException]]:
        """(task name, exception) of every background task that died, oldest first."""
        return list(self._crashed)

    def check(self) -> None:
        """Raise `DevnetError` (chained to the cause) if a background task crashed."""
        if self._crashed:
            name, exc = self._crashed[0]
            raise DevnetError(
                f"devnet background task {name!r} crashed",
                details=f"{type(exc).__name__}: {exc}",
            ) from exc

    async def watch(self) -> None:
        """Wait until a background task crashes, then raise as `check()` does. For owners that
        otherwise only wait (`interop devnet`): race it with the stop signal."""
        await self._crash_event.wait()
        self.check()

    async def stop(self) -> None:
        """Stop everything (reverse order, every error collected); then raise a `DevnetError` if
        a stop step failed or a background task had crashed while the devnet ran."""
        errors: list[BaseException] = []
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(BaseException):
                await self._ticker
            self._ticker = None
        for comp in reversed(self._started):
            try:
                await comp.stop()
            except Exception as exc:  # collect, keep stopping the rest
                errors.append(exc)
        self._started.clear()
        for t in self._transports.values():
            with contextlib.suppress(Exception):
                await t.aclose()
        self._transports.clear()
        for node in reversed(list(self.nodes.values())):
            try:
                await node.stop()
            except Exception as exc:
                errors.append(exc)
        self.running = False
        crashed = [f"{name} crashed: {type(e).__name__}: {e}" for name, e in self._crashed]
        if self._own_log_dir and not errors and not crashed and not keep_devnet_logs():
            # A clean stop removes the directory we created; a failed one keeps its logs.
            shutil.rmtree(self.log_dir, ignore_errors=True)
        if errors or crashed:
            raise DevnetError(
                "errors while stopping the devnet"
                if errors
                else "a devnet background task crashed",
                details="; ".join([*crashed, *map(str, errors)]),
            ) from (self._crashed[0][1] if self._crashed else errors[0])

    async def describe(self) -> str:
        """A diagnostic snapshot for failure messages: each node's head (number, timestamp,
        and how far its clock is from wall time), each component's own state, crashed tasks,
        and where the node logs are."""
        lines = [f"devnet logs: {self.log_dir}"]
        for cid, node in self.nodes.items():
            try:
                b = await self.transport(cid).request("eth_getBlockByNumber", ["latest", False])
                ts = int(b["timestamp"], 16)
                lines.append(
                    f"chain {cid}: block {int(b['number'], 16)} time {ts} "
                    f"(wall {ts - int(time.time()):+d} s) log {node.log_path}"
                )
            except Exception as exc:
                lines.append(f"chain {cid}: unreadable ({type(exc).__name__}: {exc})")
        for comp in self._started:
            describe = getattr(comp, "describe", None)
            if describe is not None:
                try:
                    lines.append(f"{comp.name}: {await describe()}")
                except Exception as exc:
                    lines.append(f"{comp.name}: unreadable ({type(exc).__name__}: {exc})")
        for name, err in self._crashed:
            lines.append(f"CRASHED {name}: {type(err).__name__}: {err}")
        return "\n".join(lines)

    async def fast_forward(self, seconds: int) -> None:
        """Advance time on every node by `seconds` and mine a block on each.

        Checked, not assumed: each node's new head must be at least `seconds` past its clock
        before the jump. Anything that mines at an absolute timestamp between the jump and the
        block (a relayer, a test) would otherwise erase the jump without a trace, and a flow
        told to wait `seconds` would find its period not over."""
        self.check()
        seconds = int(seconds)

        async def clock(t: Transport) -> int:
            return int(
                (await t.request("eth_getBlockByNumber", ["pending", False]))["timestamp"], 16
            )

        async def one(cid: int) -> None:
            t = self.transport(cid)
            target = await clock(t) + seconds
            await t.request("evm_increaseTime", [seconds])
            await t.request("evm_mine", [])
            for _ in range(3):
                head = await t.request("eth_getBlockByNumber", ["latest", False])
                missing = target - int(head["timestamp"], 16)
                if missing <= 0:
                    return
                log.warning(
                    "chain %d: %d s of a %d s jump were lost; re-applied", cid, missing, seconds
                )
                await t.request("evm_increaseTime", [missing])
                await t.request("evm_mine", [])
            raise DevnetError(f"chain {cid}: could not move time forward by {seconds} s")

        await asyncio.gather(*(one(cid) for cid in self.nodes))

    async def sync(self) -> None:
        """Wait until every component's relayer has caught up (deposits relayed, outputs and
        assertions posted, interop messages relayed). Raises if a background task crashed."""
        self.check()
        for comp in self._started:
            sync = getattr(comp, "sync", None)
            if sync is not None:
                await sync()

    async def advance(self, seconds: float) -> None:
        """A `sleep` replacement for flows on the devnet: let the relayers catch up, move chain
        time forward by `seconds` (at least 1 s), settle what became due (dispute games), and
        catch up again. Pass it as `Interop(..., sleep=devnet.advance)`; challenge periods then
        take milliseconds of wall time."""
        await self.sync()
        await self.fast_forward(max(1, int(seconds) + 1))
        for comp in self._started:
            resolve = getattr(comp, "resolve_games", None)
            if resolve is not None:
                await resolve()
        await self.sync()
        self.check()

    async def __aenter__(self) -> Devnet:
        await self.start()
        return self

    async def __aexit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc is None:
            await self.stop()
            return
        # the body already failed (perhaps with our own crash report): stop, and let that
        # exception propagate rather than replacing it with a second report of the same crash
        try:
            await self.stop()
        except DevnetError as stop_exc:
            log.error("while stopping the devnet after an error: %s", stop_exc)
