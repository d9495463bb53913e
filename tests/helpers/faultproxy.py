"""A fault-injecting JSON-RPC proxy for reliability tests.

Why a proxy and not a mocked transport: the code under test (transport, send path, journal)
must meet faults exactly as it would in production — over a real socket, from something that
looks like a flaky RPC provider — while a real node behind it keeps the chain state honest.

`FaultProxy(upstream_url, rate=0.2, seed=1)` listens on 127.0.0.1 (an OS-chosen port; `.url`)
and forwards each HTTP request to `upstream_url`. With probability `rate` a request meets one
fault, drawn from `modes` (default: all of `MODES`) with a seeded `random.Random`:

- `drop_before`       connection closed before anything is forwarded (node never saw it)
- `drop_after`        forwarded, the node processed it, then the connection is closed
- `delay`             forwarded after a pause of `delay` seconds (uniform in the range)
- `http_429`          429 Too Many Requests with `Retry-After`, not forwarded
- `http_5xx`          500, 502 or 503 with a plain-text body, not forwarded
- `forward_5xx`       forwarded (the node processed it), then 502 Bad Gateway
- `truncated`         forwarded, then the first half of the node's body with status 200
- `non_json`          200 with an HTML page, not forwarded (a captive gateway)
- `rpc_error`         JSON-RPC error -32603 or -32005 for every call, not forwarded

Independently of those, the proxy can act as a *lagging backend*: with probability `lag_rate`
(default: `rate`) a transaction that reached the node through it (`eth_sendRawTransaction`,
whatever happened to the answer) is unknown for `lag_seconds`: `eth_getTransactionByHash`,
`eth_getTransactionReceipt` and `eth_getRawTransactionByHash` for its hash answer `null`, as a
load-balanced provider whose other backends have not seen the transaction yet would.

Batches (JSON arrays) are handled: a fault applies to the whole HTTP request; lagging hashes
are blanked per item. `counts` holds how often each mode (and `requests`, `forwarded`,
`lagged_answers`) happened; `events` lists each fault as (mode, method). `seed` makes a single-threaded run reproducible; with concurrent
clients the order of draws follows arrival order.

    async with FaultProxy(node_url, rate=0.05, seed=7) as proxy:
        io = Interop(chains, rpc={901: proxy.url}, ...)
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import aiohttp
from aiohttp import web
from eth_utils.crypto import keccak

__all__ = ["MODES", "FaultProxy"]

MODES: tuple[str, ...] = (
    "drop_before",
    "drop_after",
    "delay",
    "http_429",
    "http_5xx",
    "forward_5xx",
    "truncated",
    "non_json",
    "rpc_error",
)

LAGGED_METHODS = frozenset(
    {"eth_getTransactionByHash", "eth_getTransactionReceipt", "eth_getRawTransactionByHash"}
)

_HTML = b"<html><head><title>502 Bad Gateway</title></head><body>upstream error</body></html>"


def _calls(payload: Any) -> list[dict[str, Any]]:
    """The call objects of a request (one, or the items of a batch); malformed ones dropped."""
    items = payload if isinstance(payload, list) else [payload]
    return [c for c in items if isinstance(c, dict)]


def _raw_tx_hash(call: dict[str, Any]) -> str | None:
    params = call.get("params")
    if call.get("method") != "eth_sendRawTransaction" or not isinstance(params, list) or not params:
        return None
    raw = params[0]
    if not isinstance(raw, str):
        return None
    try:
        return "0x" + keccak(bytes.fromhex(raw.removeprefix("0x"))).hex()
    except ValueError:
        return None


class FaultProxy:
    """JSON-RPC proxy with seeded random faults in front of one node (an async context manager).

    `rate` is the probability that one HTTP request meets a fault; `weights` optionally weighs
    `modes`; `delay` is the (min, max) pause of the `delay` mode; `retry_after` is the header
    value of 429 answers; `lag_seconds` / `lag_rate` configure the lagging backend (0 = off);
    `method_rates` overrides `rate` for requests whose (first) call is a given method, e.g.
    `{"eth_sendRawTransaction": 0.5}` to aim at the send path.
    `rate` may be changed while running (e.g. 0 to let a test check the chain undisturbed).
    """

    def __init__(
        self,
        upstream: str,
        *,
        rate: float = 0.05,
        seed: int = 0,
        modes: Sequence[str] = MODES,
        weights: Sequence[float] | None = None,
        delay: tuple[float, float] = (0.05, 0.5),
        retry_after: str = "1",
        lag_seconds: float = 1.0,
        lag_rate: float | None = None,
        method_rates: Mapping[str, float] | None = None,
        name: str = "",
    ) -> None:
        unknown = set(modes) - set(MODES)
        if unknown:
            raise ValueError(f"unknown fault modes {sorted(unknown)}")
        if weights is not None and len(weights) != len(modes):
            raise ValueError("weights must match modes")
        self.upstream = upstream
        self.rate = rate
        self.rng = random.Random(seed)
        self.modes = tuple(modes)
        self.weights = None if weights is None else list(weights)
        self.delay = delay
        self.retry_after = retry_after
        self.lag_seconds = lag_seconds
        self.lag_rate = rate if lag_rate is None else lag_rate
        self.method_rates = dict(method_rates or {})
        self.name = name or upstream
        self.counts: Counter[str] = Counter()
        self.by_method: Counter[tuple[str, str]] = Counter()  # (mode, first method)
        self.events: list[tuple[str, str]] = []  # (mode, first method) of each fault, in order
        self._lagging: dict[str, float] = {}  # tx hash -> monotonic time it becomes visible
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.url = ""

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> FaultProxy:
        """Listen on 127.0.0.1 at an OS-chosen port; `.url` is where to send requests."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        port = runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        return self

    async def stop(self) -> None:
        """Stop listening and close the upstream session. Idempotent."""
        runner, self._runner = self._runner, None
        session, self._session = self._session, None
        if runner is not None:
            await runner.cleanup()
        if session is not None:
            await session.close()

    async def __aenter__(self) -> FaultProxy:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ behaviour
    def _draw(self, method: str = "") -> str | None:
        rate = self.method_rates.get(method, self.rate)
        if rate <= 0 or self.rng.random() >= rate:
            return None
        if self.weights is None:
            return self.rng.choice(self.modes)
        return self.rng.choices(self.modes, weights=self.weights)[0]

    def lagging(self, tx_hash: str) -> bool:
        """Whether the lagging backend still hides `tx_hash`."""
        until = self._lagging.get(tx_hash.lower())
        return until is not None and time.monotonic() < until

    def _note_sent(self, calls: list[dict[str, Any]]) -> None:
        """The node has seen these calls: start the lag of the transactions among them."""
        if self.lag_seconds <= 0:
            return
        for c in calls:
            h = _raw_tx_hash(c)
            if h is not None and self.rng.random() < self.lag_rate:
                self._lagging[h] = time.monotonic() + self.lag_seconds
                self.counts["lagged_txs"] += 1

    def _hidden(self, call: dict[str, Any]) -> bool:
        params = call.get("params")
        return (
            call.get("method") in LAGGED_METHODS
            and isinstance(params, list)
            and bool(params)
            and isinstance(params[0], str)
            and self.lagging(params[0])
        )

    async def _forward(self, body: bytes) -> tuple[int, bytes]:
        assert self._session is not None
        async with self._session.post(
            self.upstream, data=body, headers={"Content-Type": "application/json"}
        ) as resp:
            return resp.status, await resp.read()

    @staticmethod
    def _drop(request: web.Request) -> web.Response:
        """Close the client's connection without an answer (the client sees a reset / EOF)."""
        transport = request.transport
        if transport is not None:
            transport.abort()
        return web.Response(status=500)  # never reaches the client: the socket is gone

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        try:
            payload: Any = json.loads(body)
        except ValueError:
            payload = None
        calls = _calls(payload)
        method = str(calls[0].get("method")) if calls else "?"
        self.counts["requests"] += 1
        mode = self._draw(method)
        if mode is not None:
            self.counts[mode] += 1
            self.by_method[(mode, method)] += 1
            self.events.append((mode, method))

        # faults that never reach the node
        if mode == "drop_before":
            return self._drop(request)
        if mode == "http_429":
            return web.Response(
                status=429, text="Too Many Requests", headers={"Retry-After": self.retry_after}
            )
        if mode == "http_5xx":
            status = self.rng.choice((500, 502, 503))
            return web.Response(status=status, text=f"HTTP {status} from the proxy")
        if mode == "non_json":
            return web.Response(status=200, body=_HTML, content_type="text/html")
        if mode == "rpc_error":
            code = self.rng.choice((-32603, -32005))
            msg = "internal error" if code == -32603 else "request rate exceeded"
            errs = [
                {"jsonrpc": "2.0", "id": c.get("id"), "error": {"code": code, "message": msg}}
                for c in calls
            ] or [{"jsonrpc": "2.0", "id": None, "error": {"code": code, "message": msg}}]
            out: Any = errs if isinstance(payload, list) else errs[0]
            return web.json_response(out)
        if mode == "delay":
            await asyncio.sleep(self.rng.uniform(*self.delay))

        # the lagging backend: a single hidden lookup is answered here, batches item by item
        if calls and not isinstance(payload, list) and self._hidden(calls[0]):
            self.counts["lagged_answers"] += 1
            return web.json_response({"jsonrpc": "2.0", "id": calls[0].get("id"), "result": None})

        try:
            status, raw = await self._forward(body)
        except (aiohttp.ClientError, TimeoutError, OSError):
            return self._drop(request)  # the node is gone: so is the answer
        self.counts["forwarded"] += 1
        self._note_sent(calls)
        if isinstance(payload, list) and any(self._hidden(c) for c in calls):
            raw = self._blank_hidden(calls, raw)

        if mode == "drop_after":
            return self._drop(request)
        if mode == "forward_5xx":
            return web.Response(status=502, text="Bad Gateway")
        if mode == "truncated":
            cut = max(1, len(raw) // 2) if len(raw) > 1 else 0
            return web.Response(status=200, body=raw[:cut], content_type="application/json")
        return web.Response(status=status, body=raw, content_type="application/json")

    def _blank_hidden(self, calls: list[dict[str, Any]], raw: bytes) -> bytes:
        hidden = {c.get("id") for c in calls if self._hidden(c)}
        try:
            answer = json.loads(raw)
        except ValueError:
            return raw
        if not isinstance(answer, list):
            return raw
        for item in answer:
            if isinstance(item, dict) and item.get("id") in hidden and "result" in item:
                item["result"] = None
                self.counts["lagged_answers"] += 1
        return json.dumps(answer).encode()

    def report(self) -> dict[str, int]:
        """The counters as a plain dict (mode -> count, plus requests / forwarded / lag)."""
        return dict(sorted(self.counts.items()))
