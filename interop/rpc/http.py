"""JSON-RPC over HTTP on one aiohttp session (keep-alive), for one URL.

Why our own client rather than web3's provider: batching is on the hot path (thousands of balance
reads), and we need retry, fallback and chain-id checks to behave the same for every caller.

- Lifecycle: the session is created on first use inside the running loop and closed by
  `aclose()` / `async with`. A closed transport cannot be reused (it raises).
- Batches are split into chunks of at most `max_batch_size` calls and `max_body_bytes` bytes,
  sent concurrently (at most `max_concurrency` requests in flight per transport); results come
  back in call order, a call the node refused holds its `RpcResponseError` in its slot. A node
  that refuses a chunk as too large (HTTP 413 or one error object for the whole batch) gets it
  again in halves.
- Retries (see `interop.rpc.retry`) only for idempotent methods and only when the node gave no
  answer. `eth_sendRawTransaction` answered "already known" (or "nonce too low" while the node
  knows the hash) counts as success: the signed bytes fix the hash.
- Errors: timeout -> `RpcTimeoutError`, no answer -> `RpcUnreachableError`, JSON-RPC error ->
  `RpcResponseError` / `ExecutionRevertedError`. Messages show the URL without credentials,
  query string or API-key-like path segments.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from interop.errors import (
    ChainIdMismatchError,
    ExecutionRevertedError,
    RpcError,
    RpcResponseError,
    RpcTimeoutError,
    RpcUnreachableError,
)
from interop.rpc.base import Call
from interop.rpc.retry import (
    DEFAULT_RETRY,
    RetryPolicy,
    TransientError,
    all_idempotent,
    is_already_known,
    is_idempotent,
    is_nonce_too_low,
    run_with_retry,
)
from interop.types import hex_to_bytes, keccak256

__all__ = ["HttpTransport", "error_from_response", "redact_url"]

DEFAULT_MAX_BATCH_SIZE = 1000
DEFAULT_MAX_BODY_BYTES = 1_000_000

_KEYLIKE = re.compile(r"^[A-Za-z0-9_\-]{16,}$")
_DIGIT = re.compile(r"\d")


def redact_url(url: str) -> str:
    """The URL as it may appear in messages: no user/password, query, fragment or API key.

    A path segment of 20+ key characters, or 16+ with a digit, is taken for an API key
    (`/v2/<key>`, `/v3/<key>`, `/<token>/`) and shown as `***`.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid url>"
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    segs = []
    for seg in parts.path.split("/"):
        if _KEYLIKE.match(seg) and (len(seg) >= 20 or _DIGIT.search(seg)):
            segs.append("***")
        else:
            segs.append(seg)
    return urlunsplit((parts.scheme, host, "/".join(segs), "", ""))


def error_from_response(err: Any, method: str) -> RpcResponseError:
    """Map one JSON-RPC error object to our tree (reverts keep their data)."""
    if not isinstance(err, dict):
        return RpcResponseError(f"{method}: {err!s}"[:500])
    code = err.get("code")
    msg = str(err.get("message", "")) or "JSON-RPC error"
    data = err.get("data")
    low = msg.lower()
    cls = ExecutionRevertedError if ("revert" in low or code == 3) else RpcResponseError
    return cls(f"{method}: {msg}", code=code if isinstance(code, int) else None, data=data)


def _json_default(o: Any) -> Any:
    if isinstance(o, bytes | bytearray | memoryview):
        return "0x" + bytes(o).hex()
    raise TypeError(f"cannot encode {type(o).__name__} as JSON-RPC parameter")


_ENC = json.JSONEncoder(separators=(",", ":"), check_circular=False, default=_json_default)
_encode = _ENC.encode
_isalnum = str.isalnum
_METHOD_JSON: dict[str, str] = {}


def _method_json(m: str) -> str:
    j = _METHOD_JSON.get(m)
    if j is None:
        j = _encode(m)
        if len(_METHOD_JSON) < 4096:
            _METHOD_JSON[m] = j
    return j


def _params_json(p: Sequence[Any]) -> str:
    # Fast path: hex strings and block tags need no escaping (the usual balance/call params).
    if p:
        try:
            if all(map(_isalnum, p)):
                return '["' + '","'.join(p) + '"]'
        except TypeError:
            pass
    return _encode(list(p))


def _encode_batch(calls: Sequence[Call], lo: int, hi: int) -> bytes:
    """JSON array for calls[lo:hi]; the id of each call is its index in `calls`."""
    parts = [
        f'{{"jsonrpc":"2.0","id":{i},"method":{_method_json(calls[i][0])},'
        f'"params":{_params_json(calls[i][1])}}}'
        for i in range(lo, hi)
    ]
    return ("[" + ",".join(parts) + "]").encode()


class _PayloadTooLarge(Exception):
    """Internal: HTTP 413; the batch is resent in halves."""


_MISSING: Any = object()
_SIZE_REFUSAL = re.compile(r"batch|too (large|many|big)|exceed|limit", re.IGNORECASE)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: ignore, use our backoff


class HttpTransport:
    """JSON-RPC client for one URL. Close with `aclose()` or use `async with`.

    `expected_chain_id`, if given, is checked (`eth_chainId`) before the first other request;
    a mismatch raises `ChainIdMismatchError` and nothing else is sent through this transport.
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        max_batch_size: int = DEFAULT_MAX_BATCH_SIZE,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        max_concurrency: int = 8,
        headers: Mapping[str, str] | None = None,
        expected_chain_id: int | None = None,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        if not isinstance(url, str):
            raise TypeError("HttpTransport takes one URL; use FallbackTransport for several")
        if max_batch_size < 1 or max_body_bytes < 1 or max_concurrency < 1:
            raise ValueError("max_batch_size, max_body_bytes and max_concurrency must be >= 1")
        self.url = url
        self.display_url = redact_url(url)
        self.timeout = float(timeout)
        self.retry = retry or DEFAULT_RETRY
        self.max_batch_size = int(max_batch_size)
        self.max_body_bytes = int(max_body_bytes)
        self.max_concurrency = int(max_concurrency)
        self.expected_chain_id = expected_chain_id
        self._headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if headers:
            self._headers.update(headers)
        self._client_timeout = aiohttp.ClientTimeout(total=self.timeout)
        self._session = session
        self._owns_session = session is None
        self._closed = False
        self._sem = asyncio.Semaphore(self.max_concurrency)
        self._ids = itertools.count(1)
        self._verified = expected_chain_id is None
        self._verify_lock = asyncio.Lock()
        self._chain_id: int | None = None

    def __repr__(self) -> str:
        return f"HttpTransport({self.display_url!r})"

    async def __aenter__(self) -> HttpTransport:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    @property
    def closed(self) -> bool:
        return self._closed

    async def aclose(self) -> None:
        """Close the session (if this transport created it). Idempotent."""
        self._closed = True
        sess, self._session = self._session, None
        if sess is not None and self._owns_session and not sess.closed:
            await sess.close()

    # -- wire -------------------------------------------------------------------------------

    def _sess(self) -> aiohttp.ClientSession:
        if self._closed:
            raise RpcError(f"transport for {self.display_url} is closed")
        s = self._session
        if s is None:
            s = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=max(64, self.max_concurrency * 2)),
                timeout=self._client_timeout,
            )
            self._session = s
        return s

    def _scrub(self, text: str) -> str:
        return text.replace(self.url, self.display_url)

    async def _post_once(self, body: bytes) -> Any:
        sess = self._sess()
        try:
            async with (
                self._sem,
                sess.post(
                    self.url, data=body, headers=self._headers, timeout=self._client_timeout
                ) as resp,
            ):
                status = resp.status
                raw = await resp.read()
                retry_after = resp.headers.get("Retry-After")
        except aiohttp.ClientConnectorError as exc:
            raise TransientError(
                "connect", sent=False, cause=exc, detail=self._scrub(str(exc))
            ) from exc
        except TimeoutError as exc:
            raise TransientError("timeout", cause=exc, detail="timed out") from exc
        except (aiohttp.ClientError, OSError) as exc:
            detail = self._scrub(f"{type(exc).__name__}: {exc}")
            raise TransientError("io", cause=exc, detail=detail) from exc
        parsed: Any = _MISSING
        with contextlib.suppress(ValueError):
            parsed = json.loads(raw)
        if status == 200 and parsed is not _MISSING:
            return parsed
        if status == 413:
            raise _PayloadTooLarge()
        answered = parsed is not _MISSING and (
            isinstance(parsed, list) or (isinstance(parsed, dict) and "error" in parsed)
        )
        if status in self.retry.statuses and not (status == 500 and answered):
            raise TransientError(
                "status",
                status=status,
                retry_after=_retry_after(retry_after),
                detail=f"HTTP {status}",
            )
        if answered:
            return parsed
        snippet = self._scrub(raw[:200].decode("utf-8", "replace"))
        raise RpcUnreachableError(
            f"{self.display_url} answered HTTP {status} without a JSON-RPC body",
            details=snippet,
        )

    async def _exchange(self, body: bytes, *, retryable: bool, what: str) -> Any:
        async def once() -> Any:
            return await self._post_once(body)

        try:
            return await run_with_retry(once, policy=self.retry, retryable=retryable)
        except TransientError as te:
            raise self._public(te, what) from te.cause

    def _public(self, te: TransientError, what: str) -> RpcError:
        if te.kind == "timeout":
            return RpcTimeoutError(
                f"{what} to {self.display_url} timed out after {self.timeout:g}s"
            )
        return RpcUnreachableError(f"cannot reach {self.display_url} ({what})", details=te.detail)

    # -- chain id ---------------------------------------------------------------------------

    async def verify_chain_id(self) -> int:
        """Ask the node its chain id; raise `ChainIdMismatchError` if it is not the expected one."""
        async with self._verify_lock:
            if self._verified and self._chain_id is not None:
                return self._chain_id
            actual = int(await self._request("eth_chainId", ()), 16)
            if self.expected_chain_id is not None and actual != self.expected_chain_id:
                raise ChainIdMismatchError(self.display_url, self.expected_chain_id, actual)
            self._chain_id = actual
            self._verified = True
            return actual

    # -- Transport --------------------------------------------------------------------------

    async def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        if not self._verified and method != "eth_chainId":
            await self.verify_chain_id()
        if method == "eth_sendRawTransaction":
            return await self._send_raw(params)
        return await self._request(method, params)

    async def _request(self, method: str, params: Sequence[Any]) -> Any:
        body = (
            f'{{"jsonrpc":"2.0","id":{next(self._ids)},"method":{_method_json(method)},'
            f'"params":{_params_json(params)}}}'
        ).encode()
        try:
            data = await self._exchange(body, retryable=is_idempotent(method), what=method)
        except _PayloadTooLarge as exc:
            raise RpcResponseError(
                f"{method}: request too large for {self.display_url} (HTTP 413)"
            ) from exc
        if not isinstance(data, dict):
            raise RpcError(f"{method}: unexpected answer from {self.display_url}")
        err = data.get("error")
        if err is not None:
            raise error_from_response(err, method)
        return data.get("result")

    async def _send_raw(self, params: Sequence[Any]) -> Any:
        """Send a signed tx; a copy the node already has is success (same bytes, same hash)."""
        try:
            return await self._request("eth_sendRawTransaction", params)
        except RpcResponseError as err:
            if not params or not isinstance(params[0], str | bytes):
                raise
            raw = params[0] if isinstance(params[0], bytes) else hex_to_bytes(params[0])
            tx_hash = "0x" + keccak256(raw).hex()
            if is_already_known(err):
                return tx_hash
            if is_nonce_too_low(err):
                try:
                    known = await self._request("eth_getTransactionByHash", [tx_hash])
                except RpcError:
                    known = None
                if known:
                    return tx_hash
            raise

    async def batch(self, calls: Sequence[Call]) -> list[Any]:
        n = len(calls)
        if n == 0:
            return []
        if not self._verified:
            await self.verify_chain_id()
        out: list[Any] = [_MISSING] * n
        retryable = all_idempotent(calls)
        size = self.max_batch_size
        if n <= size:
            await self._chunk(calls, 0, n, out, retryable)
        else:
            await asyncio.gather(
                *(
                    self._chunk(calls, lo, min(lo + size, n), out, retryable)
                    for lo in range(0, n, size)
                )
            )
        if _MISSING in out:
            for i in range(n):
                if out[i] is _MISSING:
                    out[i] = RpcError(f"{calls[i][0]}: missing from the batch answer")
        return out

    async def _halves(
        self, calls: Sequence[Call], lo: int, hi: int, out: list[Any], retryable: bool
    ) -> None:
        mid = (lo + hi) // 2
        await asyncio.gather(
            self._chunk(calls, lo, mid, out, retryable),
            self._chunk(calls, mid, hi, out, retryable),
        )

    async def _chunk(
        self, calls: Sequence[Call], lo: int, hi: int, out: list[Any], retryable: bool
    ) -> None:
        body = _encode_batch(calls, lo, hi)
        if len(body) > self.max_body_bytes and hi - lo > 1:
            await self._halves(calls, lo, hi, out, retryable)
            return
        try:
            data = await self._exchange(body, retryable=retryable, what=f"batch of {hi - lo}")
        except _PayloadTooLarge as exc:
            if hi - lo > 1:
                await self._halves(calls, lo, hi, out, retryable)
                return
            raise RpcResponseError(
                f"{calls[lo][0]}: request too large for {self.display_url} (HTTP 413)"
            ) from exc
        if isinstance(data, dict):
            item_id = data.get("id")
            if type(item_id) is int and lo <= item_id < hi and hi - lo == 1:
                data = [data]
            elif hi - lo > 1 and _SIZE_REFUSAL.search(str(data.get("error"))):
                # one error for the whole batch (e.g. geth "batch too large"): try halves
                await self._halves(calls, lo, hi, out, retryable)
                return
            else:
                err = error_from_response(data.get("error"), calls[lo][0])
                out[lo:hi] = [err] * (hi - lo)
                return
        if not isinstance(data, list):
            raise RpcError(f"batch answer from {self.display_url} is not a list")
        for item in data:
            if type(item) is not dict:
                continue
            k = item.get("id")
            if type(k) is not int or not lo <= k < hi:
                continue
            e = item.get("error")
            if e is None:
                out[k] = item.get("result")
            else:
                out[k] = error_from_response(e, calls[k][0])
