"""Real-time devnets must keep chain time moving: anvil mines only on demand, and withdrawal
periods are measured in L1 block time, so an idle devnet would otherwise wait forever."""

from __future__ import annotations

import asyncio

from interop.devnet.core import Devnet
from interop.devnet.presets import default_config


async def test_ticking_devnet_advances_l1_time() -> None:
    async with Devnet(default_config(opstack=False, arbitrum=False, tick_seconds=0.2)) as dn:
        l1 = dn.transport(900)
        first = await l1.request("eth_getBlockByNumber", ["latest", False])
        await asyncio.sleep(1.5)
        later = await l1.request("eth_getBlockByNumber", ["latest", False])
        assert int(later["number"], 16) - int(first["number"], 16) >= 3
        assert int(later["timestamp"], 16) > int(first["timestamp"], 16)


async def test_default_devnet_does_not_tick() -> None:
    async with Devnet(default_config(opstack=False, arbitrum=False)) as dn:
        l1 = dn.transport(900)
        first = int(await l1.request("eth_blockNumber"), 16)
        await asyncio.sleep(0.5)
        assert int(await l1.request("eth_blockNumber"), 16) == first
