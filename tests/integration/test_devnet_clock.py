"""Real-time devnets must keep chain time moving: anvil mines only on demand, and withdrawal
periods are measured in L1 block time, so an idle devnet would otherwise wait forever."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any, cast

from interop.client import ChainClient
from interop.devnet.core import Devnet
from interop.devnet.opstack.relayer import L2Relayer
from interop.devnet.presets import default_config
from interop.rpc.base import Transport


async def test_ticking_devnet_advances_l1_time() -> None:
    async with Devnet(
        default_config(
            opstack=False, arbitrum=False, linea=False, zksync=False, scroll=False, tick_seconds=0.2
        )
    ) as dn:
        l1 = dn.transport(900)
        first = await l1.request("eth_getBlockByNumber", ["latest", False])
        await asyncio.sleep(1.5)
        later = await l1.request("eth_getBlockByNumber", ["latest", False])
        assert int(later["number"], 16) - int(first["number"], 16) >= 3
        assert int(later["timestamp"], 16) > int(first["timestamp"], 16)


async def test_default_devnet_does_not_tick() -> None:
    async with Devnet(
        default_config(opstack=False, arbitrum=False, linea=False, zksync=False, scroll=False)
    ) as dn:
        l1 = dn.transport(900)
        first = int(await l1.request("eth_blockNumber"), 16)
        await asyncio.sleep(0.5)
        assert int(await l1.request("eth_blockNumber"), 16) == first


class _JumpBeforeMine:
    """The L1 transport of a proposer, with a fault at the seam: just before each `evm_mine`
    it lands an `evm_increaseTime` - what a concurrent `Devnet.advance()` does when its
    fast-forward falls between a game's creation and the proposer's follow-up block."""

    def __init__(self, inner: Transport, jump: int) -> None:
        self.inner, self.jump, self.jumps = inner, jump, 0

    async def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        if method == "evm_mine":
            await self.inner.request("evm_increaseTime", [self.jump])
            self.jumps += 1
        return await self.inner.request(method, params)

    async def batch(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        return await self.inner.batch(calls)

    async def aclose(self) -> None:
        pass


async def _ts(t: Transport, tag: str = "latest") -> int:
    return int((await t.request("eth_getBlockByNumber", [tag, False]))["timestamp"], 16)


async def test_proposer_never_erases_a_time_jump_of_advance(
    devnet: Devnet,
) -> None:
    """Every OP Stack game is followed by one L1 block later than the game. That block used to
    be mined at the absolute time `game + 1`, which resets anvil's clock: a time jump made by
    `advance()` in between was erased (a flow then waits a full period more, and with the
    jump lost again and again never gets there). Now the clock only moves forward,
    relatively, and only if it has not passed the game yet."""
    op: Any = devnet.component("opstack")
    real = op.relayers[901]
    l1_raw = devnet.transport(900)
    jump = 100
    seam = _JumpBeforeMine(l1_raw, jump)
    l1 = ChainClient(devnet.chain(900), cast(Transport, seam), owns_transport=False)
    proposer = L2Relayer(
        l1,
        real.l2,
        real.dep,
        real.proposer,
        real.params,
        batcher=real.batcher,
        start_block=await real.l1.block_number(),
    )
    async with real.lock:  # the background proposer of 901 waits meanwhile
        await real.step()  # settled: no game pending for the current head
        proposer.games = list(real.games)
        # games cover the block below the head: one more block, then each new head needs one
        await devnet.transport(901).request("evm_mine", [])
        for _ in range(3):
            await devnet.transport(901).request("evm_mine", [])  # a new L2 head: a new game
            clock_before = await _ts(l1_raw, "pending")
            game = await proposer.propose_game()
            assert game is not None
            after = await _ts(l1_raw)
            assert after > game.created_at  # a proof can follow the game
            # the jump that landed before the follow-up block is kept, not erased
            assert after >= clock_before + jump, (clock_before, game.created_at, after)
    assert seam.jumps == 3


class _AbsoluteMineBeforeMine:
    """A devnet's own L1 transport with a fault at the seam: before the first plain
    `evm_mine` it mines a block at the absolute time `head + 1`, as anything setting a block
    timestamp (the old proposer, a test) could between `fast_forward`'s jump and its block."""

    def __init__(self, inner: Transport) -> None:
        self.inner, self.fired = inner, False

    async def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        if method == "evm_mine" and not params and not self.fired:
            self.fired = True
            await self.inner.request("evm_mine", [await _ts(self.inner) + 1])
        return await self.inner.request(method, params)

    async def batch(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        return await self.inner.batch(calls)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_fast_forward_checks_that_the_jump_happened() -> None:
    async with Devnet(
        default_config(opstack=False, arbitrum=False, linea=False, zksync=False, scroll=False)
    ) as dn:
        seam = _AbsoluteMineBeforeMine(dn.transport(900))
        dn._transports[900] = seam  # type: ignore[assignment]
        before = await _ts(seam, "pending")
        await dn.fast_forward(100)
        assert seam.fired
        assert await _ts(seam) >= before + 100


async def test_real_time_proposer_keeps_l1_time_with_the_wall_clock(devnet: Devnet) -> None:
    """In real-time mode (`tick_seconds`, as `interop devnet` runs) the L1 clock is the wall
    clock. The proposer follows every game with an L1 block later than the game; it used to
    move the clock a second forward for it, so L1 time ran a second ahead of wall time per new
    901 block (5-10 s within a minute). Now it waits for the wall clock instead: after several
    games the L1 clock's lead over the wall clock has not grown."""
    op: Any = devnet.component("opstack")
    real = op.relayers[901]
    proposer = L2Relayer(
        real.l1,
        real.l2,
        real.dep,
        real.proposer,
        real.params,
        batcher=real.batcher,
        start_block=await real.l1.block_number(),
        real_time=True,
    )
    l1, l2 = devnet.transport(900), devnet.transport(901)

    async def lead() -> float:  # L1 clock minus wall clock (the session devnet is fast-forwarded)
        return await _ts(l1, "pending") - time.time()

    async with real.lock:  # the background proposer of 901 waits meanwhile
        await real.step()
        proposer.games = list(real.games)
        # games cover the block below the head: one more block, then each new head needs one
        await l2.request("evm_mine", [])
        before = await lead()
        for _ in range(3):
            await l2.request("evm_mine", [])  # a new L2 head: a new game
            game = await proposer.propose_game()
            assert game is not None
            assert await _ts(l1) > game.created_at  # a proof can still follow the game
        after = await lead()
    assert after - before <= 1.0, f"L1 clock gained {after - before:.1f} s on the wall clock"
