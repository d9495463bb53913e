"""The transport under faults: a real aiohttp server on 127.0.0.1 (OS port) serves each fault
mode once, then a correct answer.

What is asserted: reads are retried on every transient fault and end with the right answer;
answers (reverts, invalid params) are not retried; what cannot succeed raises the right typed
error within the deadline, whose message states the real time and attempts and never a key.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from eth_account import Account

from interop.chains.model import Chain
from interop.client import ChainClient
from interop.errors import (
    ConfigError,
    ExecutionRevertedError,
    InputError,
    InteropError,
    RpcError,
    RpcResponseError,
    RpcTimeoutError,
    RpcUnreachableError,
)
from interop.rpc import FallbackTransport, HttpTransport, MockTransport, RetryPolicy, make_transport
from interop.rpc.retry import deadline_scope, is_idempotent, is_transient_rpc_error
from interop.types import hex_to_bytes, keccak256

FAST = RetryPolicy(attempts=4, initial=0.01, max_wait=0.05, jitter=0.0)
ONE = RetryPolicy(attempts=1)
CHAIN_ID = 5
CHAIN = Chain(id=CHAIN_ID, name="faulty")
SECRET = "AbCdEfGhIjKlMnOpQrStUvWx0123"


class FaultNode:
    """A JSON-RPC node whose next HTTP requests misbehave as `script` says, in order.

    Faults (strings): drop-before (connection closed before the body is read), drop-after (body
    read and processed, connection closed without an answer), hang, truncated (Content-Length
    promises more than is sent), http-NNN (status, empty body), retry-after:S (429 with
    Retry-After S), not-json, cut-json, empty, not-rpc, wrong-type, wrong-id, batch-missing,
    batch-wrong-ids; or a dict: a JSON-RPC error object to answer with. Once the script is
    used up, requests are answered correctly.
    """

    def __init__(self) -> None:
        self.script: list[Any] = []
        self.requests: list[Any] = []  # parsed bodies that reached the handler
        self.processed: list[str] = []  # methods "executed" (answered or dropped after)
        self.chain_answer: Any = hex(CHAIN_ID)
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self, path: str = "/") -> None:
        app = web.Application()
        app.router.add_post(path, self._handle)
        self.runner = web.AppRunner(app, handler_cancellation=True)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}{path}"

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    def count(self, method: str) -> int:
        n = 0
        for b in self.requests:
            n += sum(1 for c in (b if isinstance(b, list) else [b]) if c["method"] == method)
        return n

    def answer(self, call: dict[str, Any]) -> dict[str, Any]:
        m, p = call["method"], call["params"]
        self.processed.append(m)
        if m == "eth_chainId":
            out: dict[str, Any] = {"result": self.chain_answer}
        elif m == "eth_getBalance":
            out = {"result": hex(int(p[0], 16) * 7)}
        elif m == "eth_sendRawTransaction":
            out = {"result": "0x" + keccak256(hex_to_bytes(p[0])).hex()}
        elif m == "eth_call" and p[0].get("data", "").startswith("0xdead"):
            out = {"error": {"code": 3, "message": "execution reverted", "data": "0x"}}
        elif m == "eth_bad":
            out = {"error": {"code": -32602, "message": "invalid params"}}
        else:
            out = {"result": "0x2a"}
        return {"jsonrpc": "2.0", "id": call["id"], **out}

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        step = self.script.pop(0) if self.script else None
        if step == "drop-before":
            assert request.transport is not None
            request.transport.abort()
            return web.Response()
        body = json.loads(await request.read())
        self.requests.append(body)
        calls = body if isinstance(body, list) else [body]
        if step == "drop-after":
            for c in calls:
                self.answer(c)
            assert request.transport is not None
            request.transport.abort()
            return web.Response()
        if step == "hang":
            await asyncio.sleep(3600)
        if isinstance(step, str) and step.startswith("http-"):
            return web.Response(status=int(step[5:]), text="")
        if isinstance(step, str) and step.startswith("retry-after:"):
            return web.Response(status=429, text="slow down", headers={"Retry-After": step[12:]})
        if step == "not-json":
            return web.Response(text="<html>502 Bad Gateway</html>", content_type="text/html")
        if step == "cut-json":
            return web.Response(
                text='{"jsonrpc":"2.0","id":1,"res', content_type="application/json"
            )
        if step == "empty":
            return web.Response(body=b"", content_type="application/json")
        if step == "not-rpc":
            return web.json_response({"jsonrpc": "2.0", "status": "ok"})
        if step == "wrong-type":
            return web.json_response(["not", "an", "answer"] if isinstance(body, dict) else "x")
        if step == "wrong-id":
            return web.json_response({"jsonrpc": "2.0", "id": 10**6, "result": "0x0"})
        if step == "truncated":
            full = json.dumps(self.answer(calls[0])).encode()
            resp = web.StreamResponse(headers={"Content-Length": str(len(full) + 50)})
            await resp.prepare(request)
            await resp.write(full[: len(full) // 2])
            assert request.transport is not None
            request.transport.abort()
            return resp
        if isinstance(step, dict):  # a JSON-RPC error object for every call
            errs = [{"jsonrpc": "2.0", "id": c["id"], "error": step} for c in calls]
            return web.json_response(errs if isinstance(body, list) else errs[0])
        answers = [self.answer(c) for c in calls]
        if step == "batch-missing":
            answers = answers[1:]
        if step == "batch-wrong-ids":
            answers = [{**a, "id": a["id"] + 1000} for a in answers]
        return web.json_response(answers if isinstance(body, list) else answers[0])


@pytest.fixture
async def node() -> AsyncIterator[FaultNode]:
    n = FaultNode()
    await n.start()
    yield n
    await n.stop()


def addr(i: int) -> str:
    return "0x" + format(i, "040x")


def signed_raw() -> tuple[str, str]:
    key = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
    tx = {"to": addr(9), "value": 1, "gas": 21000, "gasPrice": 10**9, "nonce": 0, "chainId": 5}
    s = Account.sign_transaction(tx, key)
    return "0x" + bytes(s.raw_transaction).hex(), "0x" + bytes(s.hash).hex()


READ_FAULTS = [
    "drop-before",
    "drop-after",
    "hang",
    "truncated",
    "http-408",
    "http-425",
    "http-429",
    "http-500",
    "http-502",
    "http-503",
    "http-504",
    "retry-after:0.05",
    "not-json",
    "cut-json",
    "empty",
    "not-rpc",
    "wrong-type",
    "wrong-id",
    {"code": -32005, "message": "limit exceeded"},
    {"code": -32000, "message": "rate limit reached, retry later"},
    {"code": 429, "message": "Too Many Requests"},
    {"code": -32603, "message": "internal error"},
    {"code": -32000, "message": "header not found"},
]


def _id(f: Any) -> str:
    return f if isinstance(f, str) else f"rpc{f['code']}-{f['message'][:12]}"


# -- reads are retried on every transient fault ----------------------------------------------


@pytest.mark.parametrize("fault", READ_FAULTS, ids=_id)
async def test_read_retried_after_each_fault(node: FaultNode, fault: Any) -> None:
    node.script = [fault, fault]
    async with HttpTransport(node.url, retry=FAST, timeout=0.2, deadline=1.5) as t:
        start = time.monotonic()
        assert await t.request("eth_getBalance", [addr(3), "latest"]) == hex(21)
        elapsed = time.monotonic() - start
    assert node.script == []
    reached = 0 if fault == "drop-before" else 2
    assert node.count("eth_getBalance") == reached + 1
    assert elapsed < 1.2


@pytest.mark.parametrize(
    "fault", ["drop-after", "not-json", "batch-missing", "batch-wrong-ids", "http-503"]
)
async def test_batch_of_reads_retried(node: FaultNode, fault: str) -> None:
    node.script = [fault]
    calls = [("eth_getBalance", [addr(i), "latest"]) for i in range(1, 6)]
    async with HttpTransport(node.url, retry=FAST, timeout=0.5, deadline=1.5) as t:
        assert await t.batch(calls) == [hex(7 * i) for i in range(1, 6)]
    assert node.count("eth_getBalance") == 10


async def test_batch_rate_limited_item_is_retried(node: FaultNode) -> None:
    node.script = [{"code": -32005, "message": "request limit exceeded"}]
    calls = [("eth_getBalance", [addr(i), "latest"]) for i in range(1, 4)]
    async with HttpTransport(node.url, retry=FAST, timeout=0.5) as t:
        assert await t.batch(calls) == [hex(7 * i) for i in range(1, 4)]


async def test_batch_missing_items_after_retries_are_typed(node: FaultNode) -> None:
    node.script = ["batch-missing"] * 4
    calls = [("eth_getBalance", [addr(i), "latest"]) for i in range(1, 4)]
    async with HttpTransport(node.url, retry=FAST, timeout=0.5) as t:
        out = await t.batch(calls)
    assert isinstance(out[0], RpcUnreachableError)
    assert out[1:] == [hex(14), hex(21)]
    assert len(node.requests) == 4


@pytest.mark.parametrize(
    ("params", "cls"),
    [
        ([{"to": addr(1), "data": "0xdead"}, "latest"], ExecutionRevertedError),
        ([], RpcResponseError),
    ],
)
async def test_answers_are_not_retried(node: FaultNode, params: Any, cls: type) -> None:
    method = "eth_call" if params else "eth_bad"
    async with HttpTransport(node.url, retry=FAST) as t:
        with pytest.raises(cls):
            await t.request(method, params)
    assert len(node.requests) == 1


def test_lookups_after_a_send_are_retried_reads() -> None:
    # the fee lookup after a receipt (issue 8, defect 2) must be retried like any read
    for m in ("eth_getRawTransactionByHash", "eth_getTransactionByHash", "eth_getBlockReceipts"):
        assert is_idempotent(m), m


def test_transient_json_rpc_errors_are_told_from_answers() -> None:
    transient = [
        (-32005, "limit exceeded"),
        (-32005, "daily request count exceeded, request rate limited"),
        (-32603, "internal error"),
        (-32000, "header not found"),
        (429, "Too Many Requests"),
        (-32000, "Your app has exceeded its compute units per second capacity"),
    ]
    answers = [
        (3, "execution reverted"),
        (-32603, "execution reverted: nope"),  # some nodes use -32603 for reverts
        (-32602, "invalid params"),
        (-32000, "nonce too low"),
        (-32000, "insufficient funds for gas * price + value"),
        (-32005, "query returned more than 10000 results"),  # a range error: fetch_logs splits
        (-32000, "exceeds block gas limit"),
        (-32601, "the method eth_foo does not exist"),
    ]
    for code, msg in transient:
        assert is_transient_rpc_error(RpcResponseError(msg, code=code)), msg
    for code, msg in answers:
        assert not is_transient_rpc_error(RpcResponseError(msg, code=code)), msg


async def test_header_not_found_is_the_answer_when_retries_run_out(node: FaultNode) -> None:
    node.script = [{"code": -32000, "message": "header not found"}] * 4
    async with HttpTransport(node.url, retry=FAST) as t:
        with pytest.raises(RpcResponseError, match="header not found"):
            await t.request("eth_getBlockByNumber", ["0x99", False])
    assert len(node.requests) == 4


async def test_rate_limit_that_never_ends_is_unreachable(node: FaultNode) -> None:
    node.script = [{"code": -32005, "message": "limit exceeded"}] * 4
    async with HttpTransport(node.url, retry=FAST) as t:
        with pytest.raises(RpcUnreachableError, match="4 attempts"):
            await t.request("eth_blockNumber", [])


async def test_writes_are_not_retried_on_a_dropped_answer(node: FaultNode) -> None:
    node.script = ["drop-after"]
    async with HttpTransport(node.url, retry=FAST) as t:
        with pytest.raises(RpcUnreachableError):
            await t.request("eth_sendTransaction", [{"from": addr(1)}])
    assert node.processed == ["eth_sendTransaction"]


# -- eth_sendRawTransaction -----------------------------------------------------------------


@pytest.mark.parametrize("fault", ["drop-after", "http-502", "not-json", "truncated"])
async def test_raw_transaction_resent_with_the_same_bytes(node: FaultNode, fault: str) -> None:
    raw, tx_hash = signed_raw()
    node.script = [fault]
    async with HttpTransport(node.url, retry=FAST, timeout=0.5) as t:
        assert await t.request("eth_sendRawTransaction", [raw]) == tx_hash
    sent = [b["params"][0] for b in node.requests if b["method"] == "eth_sendRawTransaction"]
    assert sent == [raw, raw]


@pytest.mark.parametrize("fault", ["hang", "drop-after", "http-503", "not-json"])
async def test_raw_transaction_transport_failure_is_unreachable(
    node: FaultNode, fault: str
) -> None:
    """The send path looks the hash up on `RpcUnreachableError`: a timeout must be one too."""
    raw, _ = signed_raw()
    node.script = [fault] * 8
    async with HttpTransport(node.url, retry=FAST, timeout=0.2, deadline=0.5) as t:
        start = time.monotonic()
        with pytest.raises(RpcUnreachableError) as ei:
            await t.request("eth_sendRawTransaction", [raw])
        assert time.monotonic() - start < 0.9
    assert "eth_sendRawTransaction" in str(ei.value)


async def test_raw_transaction_timeout_via_fallback_and_client(node: FaultNode) -> None:
    raw, _ = signed_raw()
    node.script = ["hang"] * 8
    fb = make_transport([node.url, node.url], retry=ONE, timeout=0.2, deadline=0.4)
    async with fb:
        with pytest.raises(RpcUnreachableError):
            await fb.request("eth_sendRawTransaction", [raw])

    async def hang(method: str, params: list[Any]) -> Any:
        await asyncio.sleep(3600)

    client = ChainClient(CHAIN, MockTransport(hang), deadline=0.2)
    with pytest.raises(RpcUnreachableError):
        await client.send_raw_transaction(bytes.fromhex(raw[2:]))


# -- deadlines --------------------------------------------------------------------------------


async def test_hanging_node_costs_one_deadline_not_attempts_times_timeout(node: FaultNode) -> None:
    node.script = ["hang"] * 10
    async with HttpTransport(node.url, retry=FAST, timeout=0.3, deadline=0.7) as t:
        start = time.monotonic()
        with pytest.raises(RpcTimeoutError) as ei:
            await t.request("eth_blockNumber", [])
        elapsed = time.monotonic() - start
    assert 0.6 < elapsed < 1.1  # 4 attempts x 0.3 s + backoff would be 1.27 s
    msg = str(ei.value)  # the real time spent and attempts made, not "timed out after 0.3s"
    said = re.search(r"no answer in ([0-9.]+)s \((\d) attempts, each at most 0.3s\)", msg)
    assert said is not None and "deadline" in msg, msg
    assert abs(float(said.group(1)) - elapsed) < 0.15 and int(said.group(2)) >= 2, msg


async def test_retry_after_is_honoured_and_capped_by_the_deadline(node: FaultNode) -> None:
    node.script = ["retry-after:0.3"]
    patient = RetryPolicy(attempts=4, initial=0.01, max_wait=1.0, jitter=0.0)
    async with HttpTransport(node.url, retry=patient, deadline=2) as t:
        start = time.monotonic()
        assert await t.request("eth_blockNumber", []) == "0x2a"
        assert time.monotonic() - start >= 0.3
    node.script = ["retry-after:100"]
    async with HttpTransport(node.url, retry=FAST, deadline=0.5) as t:
        start = time.monotonic()
        assert await t.request("eth_blockNumber", []) == "0x2a"  # capped at max_wait 0.05
        assert time.monotonic() - start < 0.4
    node.script = ["retry-after:100"]
    policy = RetryPolicy(attempts=4, initial=0.01, max_wait=60, jitter=0.0)
    async with HttpTransport(node.url, retry=policy, deadline=0.5) as t:
        start = time.monotonic()
        with pytest.raises(RpcUnreachableError, match="deadline"):
            await t.request("eth_blockNumber", [])  # would wait past the deadline: fail now
        assert time.monotonic() - start < 0.3


async def test_deadline_spans_fallback_urls(node: FaultNode) -> None:
    hung = FaultNode()
    await hung.start()
    try:
        hung.script = ["hang"] * 10
        async with make_transport([hung.url, node.url], retry=FAST, timeout=5, deadline=1.0) as fb:
            start = time.monotonic()
            assert await fb.request("eth_blockNumber", []) == "0x2a"
            assert time.monotonic() - start < 0.8  # the hung URL got half of the deadline
        hung.script = ["hang"] * 10
        node.script = ["hang"] * 10
        async with make_transport([hung.url, node.url], retry=FAST, timeout=5, deadline=0.6) as fb:
            start = time.monotonic()
            with pytest.raises(RpcUnreachableError, match=r"2 tried") as ei:
                await fb.request("eth_blockNumber", [])
            assert time.monotonic() - start < 1.0
            assert re.search(r"no RPC URL answered eth_blockNumber in 0\.[5-9]s", str(ei.value))
    finally:
        await hung.stop()


async def test_enclosing_scope_shortens_and_client_deadline_bounds_any_transport(
    node: FaultNode,
) -> None:
    node.script = ["hang"]
    async with HttpTransport(node.url, retry=ONE) as t:  # default 20 s deadline
        start = time.monotonic()
        with deadline_scope(0.3), pytest.raises(RpcTimeoutError):
            await t.request("eth_blockNumber", [])
        assert time.monotonic() - start < 0.6

    async def hang(method: str, params: list[Any]) -> Any:
        await asyncio.sleep(3600)

    client = ChainClient(CHAIN, MockTransport(hang), deadline=0.2)
    start = time.monotonic()
    with pytest.raises(RpcTimeoutError, match=r"0\.2s deadline"):
        await client.block_number()
    assert time.monotonic() - start < 1.0


def test_client_and_transport_deadline_options() -> None:
    c = ChainClient(Chain(id=1, name="x", rpc_urls=("http://127.0.0.1:1",)), deadline=3, timeout=9)
    assert c.deadline == 3.0
    t = c.transport
    assert isinstance(t, HttpTransport) and t.deadline == 3.0 and t.timeout == 3.0
    c2 = ChainClient.from_urls(CHAIN, ["http://127.0.0.1:1", "http://127.0.0.1:2"], deadline=4)
    assert isinstance(c2.transport, FallbackTransport) and c2.transport.deadline == 4.0
    for bad in (0, -1, float("nan"), "5", True):
        with pytest.raises(InputError):
            ChainClient(CHAIN, MockTransport(), deadline=bad)  # type: ignore[arg-type]
        with pytest.raises(InputError):
            HttpTransport("http://127.0.0.1:1", deadline=bad)  # type: ignore[arg-type]


# -- typed errors only ------------------------------------------------------------------------


@pytest.mark.parametrize("answer", ["0xzz", "banana", 5, None, "", "0x", {"id": 5}, " 0x5"])
async def test_garbage_chain_id_is_a_typed_rpc_error(node: FaultNode, answer: Any) -> None:
    node.chain_answer = answer
    async with HttpTransport(node.url, expected_chain_id=CHAIN_ID, retry=ONE) as t:
        with pytest.raises(RpcResponseError, match="eth_chainId"):
            await t.request("eth_blockNumber", [])
    fb = FallbackTransport(
        [HttpTransport(node.url, retry=ONE), HttpTransport(node.url, retry=ONE)],
        expected_chain_id=CHAIN_ID,
    )
    async with fb:
        with pytest.raises(RpcResponseError, match="eth_chainId"):
            await fb.request("eth_blockNumber", [])
    client = ChainClient(CHAIN, MockTransport({"eth_chainId": answer}))
    with pytest.raises(RpcResponseError, match="eth_chainId"):
        await client.ensure_chain_id()


BAD_URLS = [
    "http://ñode.example/",
    "https://node.example/v2/" + SECRET + "\u2013x",  # an en dash pasted from a web page
    "https://node.example:8545/rpc\u00a0",  # a non-breaking space
    "http://exa mple/",
    "http://a..b/",
    "http://" + "a" * 70 + ".example/",
    "http://127.0.0.1:99999/",
    "ftp://node.example/",
    "localhost:8545",
    "",
    "http://[::1/",
]


@pytest.mark.parametrize("url", BAD_URLS)
def test_malformed_url_is_refused_at_construction(url: str) -> None:
    for build in (
        lambda: HttpTransport(url),
        lambda: make_transport([url, "http://127.0.0.1:1/"]),
        lambda: ChainClient.from_urls(CHAIN, url),
        lambda: ChainClient(Chain(id=5, name="x", rpc_urls=(url,))),
    ):
        with pytest.raises((InputError, ConfigError)) as ei:  # never UnicodeError / ValueError
            build()
        assert SECRET not in str(ei.value)


def _answers(bad: Any) -> dict[str, Any]:
    return {
        m: bad
        for m in (
            "eth_blockNumber",
            "eth_getBalance",
            "eth_getTransactionCount",
            "eth_getCode",
            "eth_call",
            "eth_estimateGas",
            "eth_getStorageAt",
            "eth_getBlockByNumber",
            "eth_getTransactionReceipt",
            "eth_getTransactionByHash",
            "eth_getLogs",
            "eth_sendRawTransaction",
            "eth_getProof",
        )
    }


@pytest.mark.parametrize("bad", ["0xnope", 12, ["0x1"], "xyz", True])
async def test_client_decoders_raise_typed_errors_naming_the_method(bad: Any) -> None:
    c = ChainClient(CHAIN, MockTransport(_answers(bad), chain_id=CHAIN_ID))
    calls = {
        "eth_blockNumber": c.block_number(),
        "eth_getBalance": c.get_balance(addr(1)),
        "eth_getTransactionCount": c.get_nonce(addr(1)),
        "eth_getCode": c.get_code(addr(1)),
        "eth_call": c.call(addr(1), b""),
        "eth_estimateGas": c.estimate_gas({}),
        "eth_getStorageAt": c.get_storage_at(addr(1), 0),
        "eth_getBlockByNumber": c.get_block(1),
        "eth_getTransactionReceipt": c.get_receipt("0x" + "11" * 32),
        "eth_getTransactionByHash": c.get_transaction("0x" + "11" * 32),
        "eth_getLogs": c.get_logs(block_hash="0x" + "11" * 32),
        "eth_sendRawTransaction": c.send_raw_transaction(b"\x01"),
        "eth_getProof": c.get_proof(addr(1), [], 1),
    }
    for method, coro in calls.items():
        with pytest.raises(RpcResponseError) as ei:
            await coro
        assert method in str(ei.value), (method, str(ei.value))


async def test_receipt_with_a_bad_address_is_not_an_input_error() -> None:
    receipt = {
        "transactionHash": "0x" + "11" * 32,
        "blockNumber": "0x1",
        "blockHash": "0x" + "22" * 32,
        "from": "0xnot-an-address",
        "to": None,
        "logs": [],
    }
    c = ChainClient(CHAIN, MockTransport({"eth_getTransactionReceipt": receipt}))
    with pytest.raises(RpcResponseError, match="eth_getTransactionReceipt") as ei:
        await c.get_receipt("0x" + "11" * 32)
    assert not isinstance(ei.value, InputError)


async def test_foreign_transport_exceptions_are_mapped() -> None:
    def broken(method: str, params: list[Any]) -> Any:
        raise aiohttp.ClientOSError(104, "Connection reset by peer")

    c = ChainClient(CHAIN, MockTransport(broken))
    with pytest.raises(RpcUnreachableError) as ei:
        await c.block_number()
    assert isinstance(ei.value.__cause__, aiohttp.ClientOSError)

    def leaky(method: str, params: list[Any]) -> Any:
        raise ValueError(f"bad answer from https://user:pw@node.example/v2/{SECRET}?key=s3cr3t")

    with pytest.raises(RpcUnreachableError) as ei:
        await ChainClient(CHAIN, MockTransport(leaky)).get_balance(addr(1))
    text = str(ei.value)
    assert "node.example" in text
    assert SECRET not in text and "s3cr3t" not in text and "pw@" not in text


# -- no credentials in any message -------------------------------------------------------------


async def test_messages_never_show_credentials() -> None:
    n = FaultNode()
    await n.start(path="/v2/" + SECRET)
    try:
        url = n.url.replace("http://", "http://user:pa55word@") + "?apikey=s3cr3t"
        texts: list[str] = []
        for script, kw in (
            (["hang"] * 5, {"timeout": 0.1, "deadline": 0.25}),
            (["http-503"] * 5, {}),
            (["not-json"] * 5, {}),
            (["drop-after"] * 5, {}),
        ):
            n.script = list(script)
            async with HttpTransport(url, retry=FAST, **kw) as t:
                with pytest.raises(RpcError) as ei:
                    await t.request("eth_blockNumber", [])
                texts.append(str(ei.value))
        n.script = ["hang"] * 5
        async with make_transport([url, url], retry=ONE, timeout=0.1, deadline=0.3) as fb:
            with pytest.raises(RpcError) as ei:
                await fb.request("eth_blockNumber", [])
            texts.append(str(ei.value))
        for text in texts:
            for secret in (SECRET, "pa55word", "s3cr3t", "user"):
                assert secret not in text, text
            assert "127.0.0.1" in text
    finally:
        await n.stop()


def test_all_failures_are_interop_errors() -> None:
    # the error classes the transport raises all sit under InteropError (one tree)
    for cls in (RpcUnreachableError, RpcTimeoutError, RpcResponseError, InputError):
        assert issubclass(cls, InteropError)
