"""Deadlines against a node that accepts connections and never answers (issue 8, defect 7).

Before: such a node cost attempts x timeout per call (4 x 30 s) while the message said "timed out
after 30s", and one dead chain held `balances` over four chains for minutes. Now every call has a
total deadline, and a multi-chain read a shared one: the dead chain fails alone with a typed error
entry, within the deadline, and the live chain's balances come back.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator

import pytest

from interop.actions import balances as bal
from interop.chains.model import Chain
from interop.client import ChainClient
from interop.devnet.anvil import DEV_ACCOUNTS, AnvilNode, AnvilOptions
from interop.errors import RpcError, RpcTimeoutError

LIVE_ID = 31_901
DEAD_ID = 31_902


class SilentServer:
    """A TCP server on 127.0.0.1 (port chosen by the OS) that accepts, reads, never answers."""

    def __init__(self) -> None:
        self.server: asyncio.Server | None = None
        self.writers: list[asyncio.StreamWriter] = []
        self.connections = 0
        self.url = ""

    async def _hold(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.writers.append(writer)
        while await reader.read(65536):
            pass

    async def __aenter__(self) -> SilentServer:
        self.server = await asyncio.start_server(self._hold, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/"
        return self

    async def __aexit__(self, *exc: object) -> None:
        for w in self.writers:
            w.close()
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()


@pytest.fixture(scope="module")
async def live() -> AsyncIterator[AnvilNode]:
    async with AnvilNode(AnvilOptions(chain_id=LIVE_ID, name="rpc-deadlines")) as node:
        yield node


async def test_silent_node_fails_in_about_the_deadline_not_attempts_times_timeout() -> None:
    async with SilentServer() as silent:
        chain = Chain(id=DEAD_ID, name="silent", rpc_urls=(silent.url,))
        async with ChainClient.from_urls(chain, deadline=1.0, timeout=0.4) as client:
            start = time.monotonic()
            with pytest.raises(RpcTimeoutError) as ei:
                await client.block_number()
            elapsed = time.monotonic() - start
        # default retry policy: 6 attempts; 6 x 0.4 s plus backoff would be ~3.5 s
        assert 0.9 < elapsed < 1.5, elapsed
        msg = str(ei.value)  # states the real time spent and the attempts made
        said = re.search(r"no answer in ([0-9.]+)s \((\d) attempts", msg)
        assert said is not None and "deadline" in msg, msg
        assert abs(float(said.group(1)) - elapsed) < 0.15 and int(said.group(2)) >= 2, msg
        assert silent.connections >= 1


async def test_balances_live_chain_and_silent_chain(live: AnvilNode) -> None:
    addrs = [a for a, _ in DEV_ACCOUNTS[:3]]
    async with SilentServer() as silent:
        dead_chain = Chain(id=DEAD_ID, name="silent", rpc_urls=(silent.url,))
        live_chain = Chain(id=LIVE_ID, name="live", rpc_urls=(live.url,))
        async with (
            ChainClient(live_chain) as live_client,  # default deadlines
            ChainClient(dead_chain) as dead_client,
        ):
            truth = [await live_client.get_balance(a) for a in addrs]
            start = time.monotonic()
            table = await bal.get_balances_multichain(
                {LIVE_ID: live_client, DEAD_ID: dead_client}, addrs, timeout=1.5
            )
            elapsed = time.monotonic() - start
    assert elapsed < 2.0, elapsed  # the shared deadline, not the clients' 20 s or 4 x 10 s
    assert set(table.errors) == {DEAD_ID}
    err = table.errors[DEAD_ID]
    assert isinstance(err, RpcError) and isinstance(err, RpcTimeoutError), repr(err)
    assert table[LIVE_ID].ok
    assert [table.balance(LIVE_ID, a) for a in addrs] == truth


async def test_dead_chain_fails_alone_on_its_own_client_deadline(live: AnvilNode) -> None:
    """No overall timeout given: the dead chain's client deadline ends its entry early, and
    the live chain is not held back by it."""
    addrs = [a for a, _ in DEV_ACCOUNTS[3:5]]
    async with SilentServer() as silent:
        dead_chain = Chain(id=DEAD_ID, name="silent", rpc_urls=(silent.url,))
        live_chain = Chain(id=LIVE_ID, name="live", rpc_urls=(live.url,))
        async with (
            ChainClient(live_chain) as live_client,
            ChainClient(dead_chain, deadline=0.8) as dead_client,
        ):
            live_start = time.monotonic()
            alone = await bal.get_balances_multichain({LIVE_ID: live_client}, addrs)
            live_alone = time.monotonic() - live_start
            start = time.monotonic()
            table = await bal.get_balances_multichain(
                {LIVE_ID: live_client, DEAD_ID: dead_client}, addrs
            )
            elapsed = time.monotonic() - start
    assert alone.ok and live_alone < 1.0
    assert elapsed < 1.4, elapsed
    assert isinstance(table.errors[DEAD_ID], RpcTimeoutError)
    assert table[LIVE_ID].ok
    assert dict(table[LIVE_ID].balances) == dict(alone[LIVE_ID].balances)
