"""Transport tests: a real aiohttp server on 127.0.0.1 (port 0) plays scripted JSON-RPC nodes."""

from __future__ import annotations

import asyncio
import json
import random
import socket
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import web
from eth_account import Account

import interop.rpc as rpc_pkg
from interop.errors import (
    ChainIdMismatchError,
    ExecutionRevertedError,
    RpcError,
    RpcResponseError,
    RpcTimeoutError,
    RpcUnreachableError,
)
from interop.rpc import (
    FallbackTransport,
    HttpTransport,
    MockTransport,
    RetryPolicy,
    fetch_logs,
    is_idempotent,
    is_range_error,
    make_transport,
    redact_url,
)
from interop.rpc.base import Call
from interop.rpc.logs import suggested_range

FAST = RetryPolicy(attempts=3, initial=0.001, max_wait=0.01, jitter=0.0)
NO_RETRY = RetryPolicy(attempts=1)

Behaviour = Callable[[Any], Any]


class FakeNode:
    """A JSON-RPC node over real HTTP. `script` holds per-HTTP-request behaviours, used first.

    A behaviour is an int (HTTP status with an empty body), ("sleep", seconds), or a callable
    taking the parsed body and returning a `web.Response`. Without a script the node answers
    from `rpc(method, params)`.
    """

    def __init__(self, chain_id: int = 5, max_batch: int | None = None) -> None:
        self.chain_id = chain_id
        self.max_batch = max_batch
        self.script: list[Any] = []
        self.bodies: list[Any] = []
        self.sizes: list[int] = []
        self.shuffle = False
        self.logs: list[dict[str, Any]] = []
        self.max_log_range: int | None = None
        self.range_message = "query returned more than 10000 results"
        self.handlers: dict[str, Callable[[list[Any]], Any]] = {}
        self.runner: web.AppRunner | None = None
        self.url = ""

    def methods(self) -> list[str]:
        out: list[str] = []
        for b in self.bodies:
            items = b if isinstance(b, list) else [b]
            out.extend(i["method"] for i in items)
        return out

    async def start(self, path: str = "/") -> None:
        app = web.Application(client_max_size=10 * 1024 * 1024)
        app.router.add_post(path, self._handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = self.runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}{path}"

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    def rpc(self, method: str, params: list[Any]) -> dict[str, Any]:
        if method in self.handlers:
            try:
                return {"result": self.handlers[method](params)}
            except RpcResponseError as exc:
                return {"error": {"code": exc.code or -32000, "message": exc.message}}
        if method == "eth_chainId":
            return {"result": hex(self.chain_id)}
        if method == "eth_blockNumber":
            return {"result": hex(max((int(x["blockNumber"], 16) for x in self.logs), default=0))}
        if method == "eth_getBalance":
            return {"result": hex(int(params[0], 16) * 7)}
        if method == "eth_call":
            data = params[0].get("data", "0x")
            if data.startswith("0xdead"):
                return {"error": {"code": 3, "message": "execution reverted", "data": "0x08c379a0"}}
            return {"result": data}
        if method == "eth_getLogs":
            flt = params[0]
            head = max((int(x["blockNumber"], 16) for x in self.logs), default=0)
            lo, hi = (
                head if flt[k] == "latest" else int(flt[k], 16) for k in ("fromBlock", "toBlock")
            )
            if self.max_log_range is not None and hi - lo + 1 > self.max_log_range:
                msg = self.range_message.format(lo=lo, hi=hi, ok=hex(lo + self.max_log_range - 1))
                return {"error": {"code": -32005, "message": msg}}
            return {"result": [x for x in self.logs if lo <= int(x["blockNumber"], 16) <= hi]}
        return {"error": {"code": -32601, "message": f"the method {method} does not exist"}}

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        body = json.loads(raw)
        self.bodies.append(body)
        self.sizes.append(len(raw))
        if self.script:
            step = self.script.pop(0)
            if isinstance(step, int):
                return web.Response(status=step, text="busy", headers={"Retry-After": "0"})
            if isinstance(step, tuple) and step[0] == "sleep":
                await asyncio.sleep(step[1])
            elif callable(step):
                resp: web.StreamResponse = step(body)
                return resp
        if isinstance(body, list):
            if self.max_batch is not None and len(body) > self.max_batch:
                return web.json_response(
                    {
                        "jsonrpc": "2.0",
                        "id": None,
                        "error": {"code": -32600, "message": "batch too large"},
                    }
                )
            out = [
                {"jsonrpc": "2.0", "id": c["id"], **self.rpc(c["method"], c["params"])}
                for c in body
            ]
            if self.shuffle:
                random.shuffle(out)
            return web.json_response(out)
        return web.json_response(
            {"jsonrpc": "2.0", "id": body["id"], **self.rpc(body["method"], body["params"])}
        )


@pytest.fixture
async def node() -> AsyncIterator[FakeNode]:
    n = FakeNode()
    await n.start()
    yield n
    await n.stop()


@pytest.fixture
async def node2() -> AsyncIterator[FakeNode]:
    n = FakeNode()
    await n.start()
    yield n
    await n.stop()


def dead_url() -> str:
    """A URL on a port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def addr(i: int) -> str:
    return "0x" + format(i, "040x")


# -- public surface ----------------------------------------------------------------------------


def test_all_is_exported() -> None:
    for name in rpc_pkg.__all__:
        assert hasattr(rpc_pkg, name), name


def test_idempotent_allowlist() -> None:
    for m in (
        "eth_call",
        "eth_getBalance",
        "eth_getBlockByNumber",
        "eth_getBlockByHash",
        "eth_getLogs",
        "eth_sendRawTransaction",
        "net_version",
        "eth_feeHistory",
    ):
        assert is_idempotent(m), m
    for m in ("eth_sendTransaction", "evm_mine", "anvil_setBalance", "personal_sign"):
        assert not is_idempotent(m), m


@pytest.mark.parametrize(
    ("url", "shown", "hidden"),
    [
        (
            "https://eth-mainnet.example/v2/AbCdEfGhIjKlMnOpQrStUvWx",
            "https://eth-mainnet.example/v2/***",
            "AbCd",
        ),
        (
            "https://mainnet.example/v3/0123456789abcdef0123456789abcdef",
            "https://mainnet.example/v3/***",
            "0123",
        ),
        (
            "https://user:pa55@node.example:8545/rpc?apikey=s3cret#x",
            "https://node.example:8545/rpc",
            "s3cret",
        ),
        ("http://127.0.0.1:8545", "http://127.0.0.1:8545", "pa55"),
    ],
)
def test_redact_url(url: str, shown: str, hidden: str) -> None:
    assert redact_url(url) == shown
    assert hidden not in redact_url(url)


# -- single requests, retry, timeouts ---------------------------------------------------------


async def test_request_roundtrip(node: FakeNode) -> None:
    async with HttpTransport(node.url) as t:
        assert await t.request("eth_getBalance", [addr(3), "latest"]) == hex(21)
        with pytest.raises(RpcResponseError) as ei:
            await t.request("eth_nothing", [])
        assert ei.value.code == -32601
        with pytest.raises(ExecutionRevertedError) as er:
            await t.request("eth_call", [{"to": addr(1), "data": "0xdead"}, "latest"])
        assert er.value.data == "0x08c379a0"


async def test_retry_on_503_and_429(node: FakeNode) -> None:
    node.script = [503, 429]
    async with HttpTransport(node.url, retry=FAST) as t:
        assert await t.request("eth_getBalance", [addr(1), "latest"]) == hex(7)
    assert node.methods() == ["eth_getBalance"] * 3


async def test_retries_exhausted_is_unreachable_and_redacted() -> None:
    n = FakeNode()
    await n.start(path="/v3/0123456789abcdef0123456789abcdef")
    try:
        n.script = [502, 502, 502]
        async with HttpTransport(n.url + "?key=topsecret", retry=FAST) as t:
            with pytest.raises(RpcUnreachableError) as ei:
                await t.request("eth_blockNumber", [])
        text = str(ei.value)
        assert "0123456789abcdef" not in text and "topsecret" not in text
        assert "127.0.0.1" in text
        assert len(n.bodies) == 3
    finally:
        await n.stop()


async def test_writes_are_not_retried(node: FakeNode) -> None:
    node.script = [503]
    async with HttpTransport(node.url, retry=FAST) as t:
        with pytest.raises(RpcUnreachableError):
            await t.request("eth_sendTransaction", [{"from": addr(1)}])
    assert node.methods() == ["eth_sendTransaction"]


async def test_rpc_errors_are_not_retried(node: FakeNode) -> None:
    async with HttpTransport(node.url, retry=FAST) as t:
        with pytest.raises(RpcResponseError):
            await t.request("eth_unknown", [])
    assert len(node.bodies) == 1


async def test_timeout(node: FakeNode) -> None:
    node.script = [("sleep", 0.4)]
    async with HttpTransport(node.url, timeout=0.1, retry=NO_RETRY) as t:
        start = time.monotonic()
        with pytest.raises(RpcTimeoutError) as ei:
            await t.request("eth_blockNumber", [])
        assert time.monotonic() - start < 0.35
        assert "timed out" in str(ei.value)


async def test_timeout_then_retry_succeeds(node: FakeNode) -> None:
    node.script = [("sleep", 0.4)]
    async with HttpTransport(node.url, timeout=0.1, retry=FAST) as t:
        assert await t.request("eth_getBalance", [addr(2), "latest"]) == hex(14)


async def test_unreachable_url() -> None:
    async with HttpTransport(dead_url(), retry=FAST) as t:
        with pytest.raises(RpcUnreachableError) as ei:
            await t.request("eth_chainId", [])
    assert "127.0.0.1" in str(ei.value)


async def test_closed_transport_cannot_be_reused(node: FakeNode) -> None:
    t = HttpTransport(node.url)
    await t.request("eth_chainId", [])
    await t.aclose()
    await t.aclose()  # idempotent
    with pytest.raises(RpcError):
        await t.request("eth_chainId", [])


# -- batches ------------------------------------------------------------------------------------


async def test_batch_chunking_and_order(node: FakeNode) -> None:
    node.shuffle = True
    calls = [("eth_getBalance", [addr(i), "latest"]) for i in range(2500)]
    async with HttpTransport(node.url, max_batch_size=1000) as t:
        out = await t.batch(calls)
    assert out == [hex(i * 7) for i in range(2500)]
    assert sorted(len(b) for b in node.bodies) == [500, 1000, 1000]


async def test_batch_split_by_body_size(node: FakeNode) -> None:
    blob = "0x" + "ab" * 1000  # ~2 KB of params per call, ~2.1 MB in total
    calls = [("eth_call", [{"to": addr(1), "data": blob}, "latest"]) for _ in range(1000)]
    async with HttpTransport(node.url) as t:
        out = await t.batch(calls)
    assert out == [blob] * 1000
    assert len(node.bodies) >= 3
    assert max(node.sizes) <= 1_000_000
    assert sum(len(b) for b in node.bodies) == 1000


async def test_batch_per_call_errors(node: FakeNode) -> None:
    calls: list[Call] = [
        ("eth_getBalance", [addr(1), "latest"]),
        ("eth_call", [{"to": addr(1), "data": "0xdead"}, "latest"]),
        ("eth_bogus", []),
        ("eth_chainId", []),
    ]
    async with HttpTransport(node.url) as t:
        out = await t.batch(calls)
    assert out[0] == hex(7)
    assert isinstance(out[1], ExecutionRevertedError) and out[1].data == "0x08c379a0"
    assert isinstance(out[2], RpcResponseError) and out[2].code == -32601
    assert out[3] == hex(5)
    assert await HttpTransport(node.url).batch([]) == []


async def test_batch_refused_as_too_large_is_halved(node: FakeNode) -> None:
    node.max_batch = 100
    calls = [("eth_getBalance", [addr(i), "latest"]) for i in range(300)]
    async with HttpTransport(node.url, max_batch_size=1000) as t:
        out = await t.batch(calls)
    assert out == [hex(i * 7) for i in range(300)]
    assert all(len(b) <= 300 for b in node.bodies)


async def test_batch_http_413_is_halved(node: FakeNode) -> None:
    node.script = [413]
    calls = [("eth_getBalance", [addr(i), "latest"]) for i in range(10)]
    async with HttpTransport(node.url) as t:
        out = await t.batch(calls)
    assert out == [hex(i * 7) for i in range(10)]
    assert [len(b) for b in node.bodies] == [10, 5, 5]


async def test_batch_retry_only_when_all_idempotent(node: FakeNode) -> None:
    node.script = [503]
    async with HttpTransport(node.url, retry=FAST) as t:
        assert await t.batch([("eth_chainId", []), ("eth_blockNumber", [])]) == ["0x5", "0x0"]
    node.script = [503]
    async with HttpTransport(node.url, retry=FAST) as t:
        with pytest.raises(RpcUnreachableError):
            await t.batch([("eth_chainId", []), ("evm_mine", [])])


async def test_batch_concurrency_cap(node: FakeNode) -> None:
    in_flight = 0
    peak = 0

    def slow(body: Any) -> web.Response:
        return web.json_response([{"jsonrpc": "2.0", "id": c["id"], "result": "0x1"} for c in body])

    async def track(request: web.Request) -> web.StreamResponse:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.02)
        in_flight -= 1
        return slow(json.loads(await request.read()))

    app = web.Application()
    app.router.add_post("/", track)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/"
    try:
        async with HttpTransport(url, max_batch_size=10, max_concurrency=3) as t:
            out = await t.batch([("eth_chainId", [])] * 200)
        assert out == ["0x1"] * 200
        assert 1 < peak <= 3
    finally:
        await runner.cleanup()


# -- chain id -----------------------------------------------------------------------------------


async def test_chain_id_mismatch_blocks_everything(node: FakeNode) -> None:
    async with HttpTransport(node.url, expected_chain_id=1) as t:
        with pytest.raises(ChainIdMismatchError) as ei:
            await t.request("eth_sendRawTransaction", ["0x02"])
        with pytest.raises(ChainIdMismatchError):
            await t.batch([("eth_getBalance", [addr(1), "latest"])])
    assert ei.value.expected == 1 and ei.value.actual == 5
    assert set(node.methods()) == {"eth_chainId"}


async def test_chain_id_checked_once(node: FakeNode) -> None:
    async with HttpTransport(node.url, expected_chain_id=5) as t:
        await asyncio.gather(*(t.request("eth_blockNumber", []) for _ in range(5)))
        await t.batch([("eth_blockNumber", [])])
    assert node.methods().count("eth_chainId") == 1


async def test_fallback_verifies_each_url(node: FakeNode, node2: FakeNode) -> None:
    node2.chain_id = 10
    node.script = [503, 503, 503]
    fb = make_transport([node.url, node2.url], expected_chain_id=5, retry=FAST)
    async with fb:
        with pytest.raises(ChainIdMismatchError) as ei:
            await fb.request("eth_getBalance", [addr(1), "latest"])
    assert ei.value.url == redact_url(node2.url)
    assert node2.methods() == ["eth_chainId"]


# -- fallback -----------------------------------------------------------------------------------


async def test_fallback_to_second_url(node: FakeNode) -> None:
    fb = make_transport([dead_url(), node.url], expected_chain_id=5, retry=FAST)
    assert isinstance(fb, FallbackTransport)
    async with fb:
        assert await fb.request("eth_getBalance", [addr(2), "latest"]) == hex(14)
        assert await fb.batch([("eth_chainId", [])]) == ["0x5"]


async def test_fallback_on_5xx_and_cooldown(node: FakeNode, node2: FakeNode) -> None:
    node.script = [503, 503, 503]
    fb = FallbackTransport(
        [HttpTransport(node.url, retry=FAST), HttpTransport(node2.url, retry=FAST)], cooldown=60
    )
    async with fb:
        assert await fb.request("eth_blockNumber", []) == "0x0"
        assert await fb.request("eth_blockNumber", []) == "0x0"
    assert len(node.bodies) == 3  # cooled down: the second call went straight to node2
    assert len(node2.bodies) == 2


async def test_fallback_does_not_fail_over_rpc_errors(node: FakeNode, node2: FakeNode) -> None:
    fb = make_transport([node.url, node2.url])
    async with fb:
        with pytest.raises(ExecutionRevertedError):
            await fb.request("eth_call", [{"to": addr(1), "data": "0xdead"}, "latest"])
    assert node2.bodies == []


async def test_fallback_writes(node: FakeNode, node2: FakeNode) -> None:
    node2.handlers["eth_sendTransaction"] = lambda p: "0x" + "11" * 32
    node.script = [503]
    fb = make_transport([node.url, node2.url], retry=FAST)
    async with fb:
        with pytest.raises(RpcUnreachableError):  # may have reached node 1: never resend
            await fb.request("eth_sendTransaction", [{}])
    assert node2.bodies == []
    fb = make_transport([dead_url(), node2.url], retry=FAST)
    async with fb:  # provably never sent: safe to send elsewhere
        assert await fb.request("eth_sendTransaction", [{}]) == "0x" + "11" * 32


async def test_fallback_all_down() -> None:
    fb = make_transport([dead_url(), dead_url()], retry=NO_RETRY)
    async with fb:
        with pytest.raises(RpcUnreachableError) as ei:
            await fb.request("eth_chainId", [])
    assert "2 tried" in str(ei.value)


# -- eth_sendRawTransaction ---------------------------------------------------------------------

KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"


def signed_tx() -> tuple[str, str]:
    tx = {"to": addr(9), "value": 1, "gas": 21000, "gasPrice": 10**9, "nonce": 0, "chainId": 5}
    s = Account.sign_transaction(tx, KEY)
    return "0x" + bytes(s.raw_transaction).hex(), "0x" + bytes(s.hash).hex()


async def test_send_raw_already_known_is_success(node: FakeNode) -> None:
    raw, expected = signed_tx()

    def already(p: list[Any]) -> Any:
        raise RpcResponseError("already known", code=-32000)

    node.handlers["eth_sendRawTransaction"] = already
    async with HttpTransport(node.url) as t:
        assert await t.request("eth_sendRawTransaction", [raw]) == expected


async def test_send_raw_nonce_too_low(node: FakeNode) -> None:
    raw, expected = signed_tx()
    seen: dict[str, Any] = {}

    def low(p: list[Any]) -> Any:
        raise RpcResponseError("nonce too low: next nonce 1, tx nonce 0", code=-32000)

    node.handlers["eth_sendRawTransaction"] = low
    node.handlers["eth_getTransactionByHash"] = lambda p: seen.get(p[0])
    async with HttpTransport(node.url) as t:
        with pytest.raises(RpcResponseError, match="nonce too low"):
            await t.request("eth_sendRawTransaction", [raw])  # another tx took the nonce
        seen[expected] = {"hash": expected}
        assert await t.request("eth_sendRawTransaction", [raw]) == expected


async def test_send_raw_resent_after_503(node: FakeNode) -> None:
    raw, expected = signed_tx()
    node.handlers["eth_sendRawTransaction"] = lambda p: expected
    node.script = [503]
    async with HttpTransport(node.url, retry=FAST) as t:
        assert await t.request("eth_sendRawTransaction", [raw]) == expected
    assert node.methods() == ["eth_sendRawTransaction"] * 2


# -- eth_getLogs splitting ------------------------------------------------------------------------


def make_logs(blocks: range) -> list[dict[str, Any]]:
    return [
        {
            "address": addr(1),
            "topics": ["0x" + format(b, "064x")],
            "data": "0x",
            "blockNumber": hex(b),
            "blockHash": "0x" + format(b + 1, "064x"),
            "transactionHash": "0x" + format(b + 2, "064x"),
            "logIndex": "0x0",
        }
        for b in blocks
    ]


@pytest.mark.parametrize(
    "message",
    [
        "query returned more than 10000 results",
        # Alchemy's wording, with its suggested range
        "Log response size exceeded. You can make eth_getLogs requests with up to a 2K block "
        "range and no limit on the response size, or you can request any block range with a cap "
        "of 10K logs in the response. Based on your parameters, this block range should work: "
        "[{lo:#x}, {ok}]",
        "query exceeds max block range 100",
        "block range is too wide (maximum 100)",
    ],
)
async def test_get_logs_split(node: FakeNode, message: str) -> None:
    node.logs = make_logs(range(0, 1000, 3))
    node.max_log_range = 100
    node.range_message = message
    async with HttpTransport(node.url) as t:
        got = await fetch_logs(t, {"fromBlock": "0x0", "toBlock": "latest", "address": addr(1)})
    assert got == node.logs
    assert all(
        b["params"][0]["address"] == addr(1) for b in node.bodies if b["method"] == "eth_getLogs"
    )


async def test_get_logs_suggested_range_is_used(node: FakeNode) -> None:
    node.logs = make_logs(range(0, 500))
    node.max_log_range = 100
    node.range_message = "Log response size exceeded. this block range should work: [{lo:#x}, {ok}]"
    async with HttpTransport(node.url) as t:
        got = await fetch_logs(t, {"fromBlock": "0x0", "toBlock": hex(499)})
    assert got == node.logs
    ranges = sorted(
        (int(b["params"][0]["fromBlock"], 16), int(b["params"][0]["toBlock"], 16))
        for b in node.bodies
        if b["method"] == "eth_getLogs"
    )
    assert (0, 99) in ranges and (100, 199) in ranges


async def test_get_logs_max_block_range_up_front(node: FakeNode) -> None:
    node.logs = make_logs(range(0, 250))
    async with HttpTransport(node.url) as t:
        got = await fetch_logs(t, {"fromBlock": "0x0", "toBlock": hex(249)}, max_block_range=100)
    assert got == node.logs
    assert len(node.bodies) == 3


async def test_get_logs_other_errors_are_not_split() -> None:
    mock = MockTransport(
        {
            "eth_getLogs": lambda p: (_ for _ in ()).throw(
                RpcResponseError("invalid params", code=-32602)
            )
        }
    )
    with pytest.raises(RpcResponseError, match="invalid params"):
        await fetch_logs(mock, {"fromBlock": "0x0", "toBlock": "0x10"})
    assert mock.methods() == ["eth_getLogs"]


async def test_get_logs_single_block_refused_raises() -> None:
    def refuse(p: list[Any]) -> Any:
        raise RpcResponseError("query returned more than 10000 results", code=-32005)

    mock = MockTransport({"eth_getLogs": refuse})
    with pytest.raises(RpcResponseError, match="more than 10000"):
        await fetch_logs(mock, {"fromBlock": "0x7", "toBlock": "0x8"})
    assert mock.methods() == ["eth_getLogs"] * 3


def test_range_error_patterns() -> None:
    yes = [
        "query returned more than 10000 results",
        "Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range",
        "query exceeds max results 2000, retry with the range 21102592-21102595",
        "exceed maximum block range: 50000",
        "eth_getLogs is limited to a 10,000 range",
        "ranges over 10000 blocks are not supported on freetier",
        "block range too large",
        "range limit exceeded",
    ]
    no = ["execution reverted", "rate limit exceeded", "invalid params", "header not found"]
    for m in yes:
        assert is_range_error(RpcResponseError(f"eth_getLogs: {m}")), m
    for m in no:
        assert not is_range_error(RpcResponseError(f"eth_getLogs: {m}")), m
    assert not is_range_error(RpcUnreachableError("query returned more than 10000 results"))
    assert suggested_range(RpcResponseError(yes[2])) == (21102592, 21102595)
    assert suggested_range(RpcResponseError("should work: [0x10, 0x1f]")) == (16, 31)


# -- MockTransport --------------------------------------------------------------------------------


async def test_mock_transport() -> None:
    async def handler(method: str, params: list[Any]) -> Any:
        if method == "eth_call":
            raise ExecutionRevertedError("eth_call: execution reverted", code=3, data="0x")
        return params[0] if params else None

    m = MockTransport(handler)
    assert await m.request("eth_getBalance", ["0x1", "latest"]) == "0x1"
    out = await m.batch([("eth_getBalance", ["0x2"]), ("eth_call", [{}])])
    assert out[0] == "0x2" and isinstance(out[1], ExecutionRevertedError)
    assert m.methods() == ["eth_getBalance", "eth_getBalance", "eth_call"]
    assert m.batches == [2]

    def down(method: str, params: list[Any]) -> Any:
        raise RpcUnreachableError("down")

    with pytest.raises(RpcUnreachableError):
        await MockTransport(down).batch([("eth_chainId", [])])

    d = MockTransport({"eth_blockNumber": "0x10"}, chain_id=7)
    assert await d.request("eth_blockNumber") == "0x10"
    assert await d.request("eth_chainId") == "0x7"
    with pytest.raises(RpcResponseError):
        await d.request("eth_other")
    await d.aclose()
    with pytest.raises(RpcError):
        await d.request("eth_blockNumber")
