"""The fault proxy itself: each mode does what it claims (the soak's verdicts rest on it).

The upstream is a tiny in-process JSON-RPC server that records every call it received, so
"forwarded or not" is observed, not assumed. Runs in well under a second.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from eth_utils.crypto import keccak

from tests.helpers.faultproxy import MODES, FaultProxy

RAW = "0x02f86b0180843b9aca00"  # any bytes: the proxy hashes them as a node would
RAW_HASH = "0x" + keccak(bytes.fromhex(RAW[2:])).hex()


class Upstream:
    def __init__(self) -> None:
        self.seen: list[str] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        payload = json.loads(await request.read())
        items = payload if isinstance(payload, list) else [payload]
        out = []
        for c in items:
            self.seen.append(c["method"])
            result: Any = {"hash": c["params"][0]} if c["method"].startswith("eth_getTr") else "0x1"
            if c["method"] == "eth_sendRawTransaction":
                result = RAW_HASH
            out.append({"jsonrpc": "2.0", "id": c["id"], "result": result})
        return web.json_response(out if isinstance(payload, list) else out[0])

    async def __aenter__(self) -> Upstream:
        app = web.Application()
        app.router.add_post("/", self.handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()


@pytest.fixture
async def upstream() -> AsyncIterator[Upstream]:
    async with Upstream() as up:
        yield up


def call(method: str, *params: Any, id_: int = 1) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": id_, "method": method, "params": list(params)}


async def post(url: str, payload: Any) -> tuple[int, bytes, dict[str, str]]:
    async with (
        aiohttp.ClientSession() as s,
        s.post(url, json=payload, timeout=aiohttp.ClientTimeout(total=5)) as r,
    ):
        return r.status, await r.read(), dict(r.headers)


@pytest.mark.parametrize("mode", MODES)
async def test_each_mode(upstream: Upstream, mode: str) -> None:
    async with FaultProxy(
        upstream.url, rate=1.0, modes=[mode], delay=(0.01, 0.02), lag_seconds=0
    ) as proxy:
        payload = call("eth_blockNumber")
        if mode in ("drop_before", "drop_after"):
            with pytest.raises(aiohttp.ClientError):
                await post(proxy.url, payload)
        else:
            status, body, headers = await post(proxy.url, payload)
            if mode == "delay":
                assert (status, json.loads(body)["result"]) == (200, "0x1")
            elif mode == "http_429":
                assert status == 429 and headers["Retry-After"] == "1"
            elif mode in ("http_5xx", "forward_5xx"):
                assert status in (500, 502, 503)
            elif mode in ("truncated", "non_json"):
                assert status == 200
                with pytest.raises(ValueError):
                    json.loads(body)
            else:
                err = json.loads(body)["error"]
                assert err["code"] in (-32603, -32005)
        forwarded = mode in ("drop_after", "delay", "forward_5xx", "truncated")
        assert upstream.seen == (["eth_blockNumber"] if forwarded else [])
        assert proxy.counts[mode] == 1 and proxy.counts["requests"] == 1
    assert proxy.url and proxy._runner is None  # stopped by the context manager


async def test_no_faults_at_rate_zero_and_batches_pass(upstream: Upstream) -> None:
    async with FaultProxy(upstream.url, rate=0.0, seed=3) as proxy:
        batch = [call("eth_chainId", id_=i) for i in range(5)]
        status, body, _ = await post(proxy.url, batch)
        assert status == 200 and [x["id"] for x in json.loads(body)] == list(range(5))
        assert proxy.counts["forwarded"] == 1 and sum(proxy.counts[m] for m in MODES) == 0


async def test_rpc_error_answers_every_item_of_a_batch(upstream: Upstream) -> None:
    async with FaultProxy(upstream.url, rate=1.0, modes=["rpc_error"]) as proxy:
        status, body, _ = await post(proxy.url, [call("eth_chainId", id_=i) for i in range(3)])
        assert status == 200
        assert sorted(x["id"] for x in json.loads(body)) == [0, 1, 2]
        assert all("error" in x for x in json.loads(body))


async def test_lagging_backend_hides_a_sent_tx_then_shows_it(upstream: Upstream) -> None:
    async with FaultProxy(upstream.url, rate=0.0, lag_seconds=0.3, lag_rate=1.0) as proxy:
        await post(proxy.url, call("eth_sendRawTransaction", RAW))
        _, body, _ = await post(proxy.url, call("eth_getTransactionByHash", RAW_HASH))
        assert json.loads(body)["result"] is None
        batch = [
            call("eth_getTransactionReceipt", RAW_HASH, id_=1),
            call("eth_getTransactionByHash", "0x" + "11" * 32, id_=2),
        ]
        _, body, _ = await post(proxy.url, batch)
        by_id = {x["id"]: x["result"] for x in json.loads(body)}
        assert by_id[1] is None and by_id[2] == {"hash": "0x" + "11" * 32}
        assert proxy.counts["lagged_answers"] == 2
        await asyncio.sleep(0.35)
        _, body, _ = await post(proxy.url, call("eth_getTransactionReceipt", RAW_HASH))
        assert json.loads(body)["result"] == {"hash": RAW_HASH}


async def test_seeded_draws_repeat(upstream: Upstream) -> None:
    seqs = []
    for _ in range(2):
        async with FaultProxy(upstream.url, rate=0.5, seed=42, lag_seconds=0) as proxy:
            seqs.append([proxy._draw() for _ in range(50)])
    assert seqs[0] == seqs[1] and any(seqs[0]) and None in seqs[0]
