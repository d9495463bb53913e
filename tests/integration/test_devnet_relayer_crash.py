"""A background relayer that dies must fail loudly: the devnet re-raises its error from
`watch()`, `advance()` and `stop()` (the test fixture's teardown), never leaving flows to wait
for a step that will not come. The fault is real: the L2 node the relayer talks to is killed."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from interop.devnet.core import Devnet
from interop.devnet.presets import default_config
from interop.devnet.relayloop import RelayerCrashedError
from interop.errors import DevnetError, RpcError


def _causes(exc: BaseException | None) -> list[BaseException]:
    out: list[BaseException] = []
    while exc is not None:
        out.append(exc)
        exc = exc.__cause__
    return out


async def test_crashed_arbitrum_relayer_surfaces_in_watch_advance_and_stop() -> None:
    cfg = replace(
        default_config(opstack=False, linea=False, zksync=False, scroll=False),
        relayer_max_failures=3,
    )
    dn = Devnet(cfg)
    await dn.start()
    try:
        assert dn.crashed == []
        await dn.advance(1)  # healthy: relays, moves time, raises nothing
        healthy = await dn.describe()  # what a failing flow test prints
        assert str(dn.log_dir) in healthy and "assertions" in healthy, healthy
        assert "CRASHED" not in healthy
        await dn.nodes[903].stop()  # the Arbitrum L2 node dies under the relayer

        with pytest.raises(DevnetError) as watched:
            await asyncio.wait_for(dn.watch(), 30)  # bounded: a crash must not hang anyone
        chain = _causes(watched.value)
        assert isinstance(chain[1], RelayerCrashedError), chain
        assert "arbitrum relayer" in str(watched.value)
        assert any(isinstance(e, RpcError) for e in chain), chain  # the real cause is kept
        assert [name for name, _ in dn.crashed] == ["arbitrum relayer"]
        assert "CRASHED arbitrum relayer" in await dn.describe()

        with pytest.raises(DevnetError) as advanced:  # the next advance re-raises it
            await dn.advance(1)
        assert isinstance(advanced.value.__cause__, RelayerCrashedError)
    finally:
        with pytest.raises(DevnetError) as stopped:  # ... and so does the teardown
            await dn.stop()
    assert "arbitrum relayer crashed" in str(stopped.value)
    assert all(n.pid is None for n in dn.nodes.values())  # every node stopped regardless


async def test_healthy_devnet_stops_cleanly_and_sync_checks() -> None:
    async with Devnet(
        default_config(opstack=False, arbitrum=False, linea=False, zksync=False, scroll=False)
    ) as dn:
        await dn.sync()
        dn.check()
    assert dn.crashed == []
