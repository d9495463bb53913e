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
  usable answer (dropped connection, timeout, 408/425/429/5xx, a body that is not JSON or not a
  JSON-RPC response to our request, a rate-limit or load-balancer error object).
  `eth_sendRawTransaction` answered "already known" (or "nonce too low" while the node knows the
  hash) counts as success: the signed bytes fix the hash.
- Time: each call has a total `deadline` (default 20 s) across its attempts and backoff, and
  each attempt at most `timeout` (default 10 s) of it; a node that accepts connections and never
  answers costs one deadline per call, not attempts x timeout. An enclosing `deadline_scope`
  (a fallback transport, a multi-chain read) can only shorten it.
- Errors: no answer in time -> `RpcTimeoutError`, no usable answer -> `RpcUnreachableError`
  (both state the real time spent and the attempts made), JSON-RPC error -> `RpcResponseError` /
  `ExecutionRevertedError`. For `eth_sendRawTransaction` every transport failure is an
  `RpcUnreachableError` (the send path then looks the hash up: the node may have the
  transaction). Messages show the URL without credentials, query string or API-key-like path
  segments. A malformed URL or header is refused at construction (`InputError`).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import operator
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from interop import speedups
from interop.errors import (
    ChainIdMismatchError,
    ExecutionRevertedError,
    InputError,
    RpcError,
    RpcResponseError,
    RpcTimeoutError,
    RpcUnreachableError,
)
from interop.rpc.base import Call, EthCallBatch, UniformBatch
from interop.rpc.models import HexStr, decode_quantity
from interop.rpc.retry import (
    DEFAULT_RETRY,
    RetryPolicy,
    TransientError,
    all_idempotent,
    check_seconds,
    deadline_scope,
    is_already_known,
    is_idempotent,
    is_nonce_too_low,
    run_with_retry,
    transient_rpc_kind,
)
from interop.types import hex_to_bytes, keccak256

__all__ = [
    "DEFAULT_ATTEMPT_TIMEOUT",
    "DEFAULT_DEADLINE",
    "HttpTransport",
    "check_rpc_url",
    "error_from_response",
    "redact_url",
    "scrub_urls",
]

DEFAULT_DEADLINE = 20.0
"""Seconds one call may take in all (attempts, backoff, fallback URLs)."""
DEFAULT_ATTEMPT_TIMEOUT = 10.0
"""Seconds one attempt may take (never more than what is left of the deadline)."""
DEFAULT_MAX_BATCH_SIZE = 1000
DEFAULT_MAX_BODY_BYTES = 1_000_000

_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+")
_KEYLIKE = re.compile(r"^[A-Za-z0-9_\-]{16,}$")
_DIGIT = re.compile(r"\d")


def redact_url(url: str) -> str:
    """The URL as it may appear in messages: no user/password, query, fragment or API key.

    A path segment of 20+ key characters, or 16+ with a digit, is taken for an API key
    (`/v2/<key>`, `/v3/<key>`, `/<token>/`) and shown as `***`.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.port is not None:
            host = f"{host}:{parts.port}"
    except (ValueError, TypeError, AttributeError):
        return "<invalid url>"
    segs = []
    for seg in parts.path.split("/"):
        if _KEYLIKE.match(seg) and (len(seg) >= 20 or _DIGIT.search(seg)):
            segs.append("***")
        else:
            segs.append(seg)
    return urlunsplit((parts.scheme, host, "/".join(segs), "", ""))


def scrub_urls(text: str) -> str:
    """`text` with every URL in it passed through `redact_url` (for foreign exception text)."""
    return _URL_IN_TEXT.sub(lambda m: redact_url(m.group(0)), text)


def _where(url: str) -> str:
    """Scheme and host of a URL that may be malformed: safe to print whatever it holds."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except (ValueError, TypeError, AttributeError):
        return "<unparseable>"
    host = host.encode("ascii", "backslashreplace").decode("ascii")
    return f"{parts.scheme}://{host}" if parts.scheme and host else "<unparseable>"


def check_rpc_url(url: object) -> str:
    """Return `url` if it can serve as an HTTP(S) JSON-RPC endpoint, else raise `InputError`.

    Why refuse non-ASCII outright (rather than IDNA-encoding it, as HTTP clients do): RPC URLs
    are copied from dashboards, and a stray typographic dash, non-breaking space or look-alike
    letter would silently become another host — one that then receives the API key in the
    path. An internationalised host name can still be given in its `xn--` form. The message
    names only the scheme and host, never the path or query (which may hold a key).
    """
    if not isinstance(url, str):
        raise InputError(f"an RPC URL must be a str, got {type(url).__name__}")
    where = _where(url)
    bad = next((i for i, ch in enumerate(url) if not 32 < ord(ch) < 127), None)
    if bad is not None:
        ch = url[bad]
        raise InputError(
            f"RPC URL for {where} contains {'a space or control' if ord(ch) < 128 else 'a non-ASCII'}"
            f" character (U+{ord(ch):04X} at position {bad})",
            hint="retype the URL; write an internationalised host name in its xn-- form",
        )
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname
        if host:
            host.encode("idna")  # empty or over-long labels ("a..b")
    except (ValueError, UnicodeError) as exc:
        raise InputError(f"malformed RPC URL for {where}", details=str(exc)[:120]) from exc
    if parts.scheme not in ("http", "https") or not host:
        raise InputError(
            f"RPC URL for {where} must be http(s)://host[:port][/path]",
            hint="e.g. --rpc base=https://node.example/v2/KEY",
        )
    del port
    return url


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
_METHOD_JSON: dict[str, str] = {}
# bytes that a JSON string holds as they are (printable ASCII but the quote and the backslash)
_PLAIN: Final = bytes(c for c in range(0x20, 0x7F) if c not in b'"\\')
_PRINTABLE: Final = bytes(range(0x20, 0x7F))
_first = operator.itemgetter(0)
_second = operator.itemgetter(1)


def _method_json(m: str) -> str:
    j = _METHOD_JSON.get(m)
    if j is None:
        j = _encode(m)
        if len(_METHOD_JSON) < 4096:
            _METHOD_JSON[m] = j
    return j


def _params_json(p: Sequence[Any]) -> str:
    """`p` as a JSON array, exactly as the JSON encoder writes it (see `_params_pieces`)."""
    return "".join(_params_pieces(p))


def _params_pieces(p: Sequence[Any]) -> list[str]:
    """`p` as a JSON array in pieces, exactly as the JSON encoder writes it, usually without it.

    The encoder scans every string for characters to escape (~6 ns a character: 2.3 µs per
    balance in a Multicall3 call). Here lists, tuples, dicts, ints, literals and strings are
    written directly; `HexStr` values as they are (hex by construction), other strings once
    all of them were checked in one pass to need no escaping. Anything else, or a string
    that needs escaping, goes to the encoder.
    """
    out: list[str] = []
    plain: list[str] = []
    try:
        _write(p if type(p) is list or type(p) is tuple else list(p), out, plain)
    except _NotPlain:
        return [_encode(list(p))]
    if plain:
        text = "".join(plain)
        if not text.isascii() or text.encode().translate(None, _PLAIN):
            return [_encode(list(p))]
    return out


class _NotPlain(Exception):
    """Internal: a value `_write` leaves to the JSON encoder."""


def _write(o: Any, out: list[str], plain: list[str]) -> None:
    t = type(o)
    if t is str:
        plain.append(o)
        out += ('"', o, '"')
    elif t is HexStr:
        out += ('"', o, '"')
    elif t is list or t is tuple:
        out.append("[")
        for i, x in enumerate(o):
            if i:
                out.append(",")
            _write(x, out, plain)
        out.append("]")
    elif t is dict:
        out.append("{")
        for i, (k, v) in enumerate(o.items()):
            if type(k) is not str:
                raise _NotPlain
            plain.append(k)
            out += (',"' if i else '"', k, '":')
            _write(v, out, plain)
        out.append("}")
    elif t is int:
        out.append(int.__repr__(o))
    elif t is bytes:
        out += ('"0x', o.hex(), '"')
    elif o is None:
        out.append("null")
    elif o is True:
        out.append("true")
    elif o is False:
        out.append("false")
    else:
        raise _NotPlain


_ITEM_HEAD: Final = '{"jsonrpc":"2.0","id":'


_ETH_CALL_MID: Final = ',"method":"eth_call","params":[{"to":"'


def _encode_eth_calls(calls: EthCallBatch, lo: int, hi: int) -> bytes | None:
    """`_encode_batch` for an `EthCallBatch`: its strings checked in one pass (no escaping
    needed), then the body joined from pieces laid out by slice assignment; None otherwise."""
    n = hi - lo
    to, data, block = calls.to[lo:hi], calls.args[lo:hi], calls.rest[0]
    try:
        text = "".join(to) + "".join(data) + block
    except TypeError:
        return None
    if len(to) != n or not text.isascii() or text.encode().translate(None, _PLAIN):
        return None
    pieces: list[Any] = ['","data":"'] * (5 * n + 2)
    pieces[0] = "["
    pieces[1:-1:5] = _id_pieces(_ETH_CALL_MID, lo, hi)
    pieces[2:-1:5] = to
    pieces[4:-1:5] = data
    pieces[5:-1:5] = [f'"}},"{block}"]}}'] * n
    pieces[-1] = "]"
    return "".join(pieces).encode()


def _encode_batch(calls: Sequence[Call], lo: int, hi: int) -> bytes:
    """JSON array for calls[lo:hi]; the id of each call is its index in `calls`."""
    if type(calls) is EthCallBatch:
        fast = _encode_eth_calls(calls, lo, hi)
        if fast is not None:
            return fast
    fast = _encode_uniform(calls, lo, hi)
    if fast is not None:
        return fast
    # every call written into one list of pieces, the strings of all of them checked at once
    # (a check per call costs more than the writing: a batch of eth_calls of ERC-20 balanceOf)
    out: list[str] = ["["]
    plain: list[str] = []
    try:
        for i in range(lo, hi):
            method, params = calls[i]
            out.append(f'{"," if i > lo else ""}{_ITEM_HEAD}{i},"method":')
            out.append(_method_json(method))
            out.append(',"params":')
            _write(
                params if type(params) is list or type(params) is tuple else list(params),
                out,
                plain,
            )
            out.append("}")
        out.append("]")
        text = "".join(plain)
        if text.isascii() and not text.encode().translate(None, _PLAIN):
            return "".join(out).encode()
    except _NotPlain:
        pass
    parts = [
        f'{_ITEM_HEAD}{i},"method":{_method_json(calls[i][0])},'
        f'"params":{_params_json(calls[i][1])}}}'
        for i in range(lo, hi)
    ]
    return ("[" + ",".join(parts) + "]").encode()


_ID_PIECES: dict[tuple[str, int, int], list[str]] = {}


def _id_pieces(mid: str, lo: int, hi: int) -> list[str]:
    """`{"jsonrpc":"2.0","id":<k><mid>` for k in lo..hi-1, a comma before all but the first.

    Cached per (method, chunk): a poller sends the same chunks again and again, and these
    pieces are 4 of the 5 strings per call the uniform body is joined from.
    """
    key = (mid, lo, hi)
    pieces = _ID_PIECES.get(key)
    if pieces is None:
        pieces = [f",{_ITEM_HEAD}{k}{mid}" for k in range(lo, hi)]
        if pieces:
            pieces[0] = pieces[0][1:]
        _bounded_put(_ID_PIECES, key, pieces)
    return pieces


_CACHED_PIECES_MAX: Final = 16_384  # per cache: a few chunks' worth, ~1.5 MB at most


def _bounded_put(cache: dict[Any, list[str]], key: Any, pieces: list[str]) -> None:
    """Cache `pieces` unless that would hold more than `_CACHED_PIECES_MAX` strings (then
    start afresh): a poller's few chunk shapes stay, an unusual workload cannot grow it."""
    if len(pieces) > _CACHED_PIECES_MAX:
        return
    if sum(map(len, cache.values())) + len(pieces) > _CACHED_PIECES_MAX:
        cache.clear()
    cache[key] = pieces


def _encode_uniform(calls: Sequence[Call], lo: int, hi: int) -> bytes | None:
    """`_encode_batch` for calls of one method whose params are all strings (eth_getBalance,
    eth_getCode...), in one go: one join in C, then one check of the whole body; None otherwise.

    The body is written as if no string needed escaping, then checked: printable ASCII
    without a backslash, and exactly the quotes the structure and 2 per parameter make (a
    quote inside a string, or an empty parameter list, adds some). Byte for byte what the
    per-call encoding writes whenever it passes; anything else takes that path.
    """
    n = hi - lo
    try:
        tail = '"]}'
        if type(calls) is UniformBatch:
            # (arg, *rest): the args go in as they are, the shared rest is part of the tail
            method = calls.method
            params: Any = calls.args[lo:hi]
            if calls.rest:
                tail = '","' + '","'.join(calls.rest) + tail
            count = n * (1 + len(calls.rest))
        else:
            part = calls[lo:hi]
            methods = set(map(_first, part))
            if len(methods) != 1:
                return None
            (method,) = methods
            params = list(map('","'.join, map(_second, part)))
            count = sum(map(len, map(_second, part)))
        mj = _method_json(method)
        if mj != f'"{method}"':
            return None
        mid = f',"method":{mj},"params":["'
        if len(params) != n:
            return None
        # the pieces laid out by slice assignment: ~3x cheaper than a chain of zips
        pieces: list[Any] = [tail] * (3 * n + 2)
        pieces[0] = "["
        pieces[1:-1:3] = _id_pieces(mid, lo, hi)
        pieces[2:-1:3] = params
        pieces[-1] = "]"
        body = "".join(pieces)
    except (TypeError, ValueError):
        return None
    if not body.isascii():
        return None
    raw = body.encode()
    quotes = n * (_ITEM_HEAD + mid + '"]}').count('"') - 2 * n + 2 * count
    if raw.count(b'"') != quotes or b"\\" in raw or raw.translate(None, _PRINTABLE):
        return None
    return raw


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
    `deadline` bounds each call in all (None: only an enclosing `deadline_scope` does),
    `timeout` each attempt within it.
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float = DEFAULT_ATTEMPT_TIMEOUT,
        deadline: float | None = DEFAULT_DEADLINE,
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
        check_rpc_url(url)
        if max_batch_size < 1 or max_body_bytes < 1 or max_concurrency < 1:
            raise InputError("max_batch_size, max_body_bytes and max_concurrency must be >= 1")
        attempt = check_seconds(timeout, "timeout")
        if attempt is None:
            raise InputError("timeout must be a number of seconds > 0, got None")
        self.url = url
        self.display_url = redact_url(url)
        self.timeout = attempt
        self.deadline = check_seconds(deadline, "deadline")
        self.retry = retry or DEFAULT_RETRY
        self.max_batch_size = int(max_batch_size)
        self.max_body_bytes = int(max_body_bytes)
        self.max_concurrency = int(max_concurrency)
        self.expected_chain_id = expected_chain_id
        self._headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if headers:
            for k, v in headers.items():
                if not (isinstance(k, str) and isinstance(v, str)) or any(
                    not 31 < ord(c) < 127 for c in k + v.replace("\t", " ")
                ):
                    raise InputError(
                        f"HTTP header {k!r} for {self.display_url} must be printable ASCII"
                    )
            self._headers.update(headers)
        # the per-attempt bound is enforced by asyncio.timeout in `_post_once`
        self._client_timeout = aiohttp.ClientTimeout(total=None)
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
        """`text` (an exception's words, a body snippet) with every URL in it redacted: aiohttp
        quotes the request URL in its own, possibly normalised, form."""
        return scrub_urls(text)

    async def _post_once(
        self, body: bytes, budget: float, quick: Callable[[bytes], Any] | None = None
    ) -> Any:
        """One HTTP exchange within `budget` seconds: the parsed JSON, or `TransientError`.

        `quick`, if given, reads an HTTP 200 body first (None: not in the shape it knows).
        """
        sess = self._sess()
        try:
            async with asyncio.timeout(budget if math.isfinite(budget) else None):
                async with (
                    self._sem,
                    sess.post(self.url, data=body, headers=self._headers) as resp,
                ):
                    status = resp.status
                    raw = await resp.read()
                    retry_after = resp.headers.get("Retry-After")
        except aiohttp.ClientConnectorError as exc:
            raise TransientError(
                "connect", sent=False, cause=exc, detail=self._scrub(str(exc))
            ) from exc
        except TimeoutError as exc:
            raise TransientError("timeout", cause=exc, detail="no answer in time") from exc
        except (aiohttp.ClientError, OSError) as exc:
            detail = self._scrub(f"{type(exc).__name__}: {exc}")
            raise TransientError("io", cause=exc, detail=detail) from exc
        if quick is not None and status == 200:
            fast = quick(raw)
            if fast is not None:
                return fast
        parsed: Any = _MISSING
        with contextlib.suppress(ValueError, RecursionError):  # includes bad UTF-8
            parsed = json.loads(raw)
        if status == 200 and parsed is not _MISSING:
            return parsed
        if status == 413:
            raise _PayloadTooLarge()
        answered = parsed is not _MISSING and (
            isinstance(parsed, list) or (isinstance(parsed, dict) and "error" in parsed)
        )
        if status in self.retry.statuses and not (status == 500 and answered):
            ra = _retry_after(retry_after)
            raise TransientError(
                "status",
                status=status,
                retry_after=ra,
                detail=f"HTTP {status}" + (f" (Retry-After {ra:g}s)" if ra else ""),
            )
        if answered:
            return parsed
        snippet = self._scrub(raw[:120].decode("utf-8", "replace"))
        if status == 200:
            # an empty, truncated or non-JSON body (a proxy's error page, a cut connection)
            kind = "empty body" if not raw.strip() else "a body that is not JSON"
            raise TransientError("body", detail=f"HTTP 200 with {kind}: {snippet!r}")
        raise _Refused(
            f"{self.display_url} answered HTTP {status} without a JSON-RPC body", snippet
        )

    async def _exchange(
        self,
        body: bytes,
        *,
        retryable: bool,
        what: str,
        check: Callable[[Any], Any],
        method: str,
        quick: Callable[[bytes], Any] | None = None,
    ) -> Any:
        """POST `body` (retried per policy within the deadline); `check` validates each answer.

        `check` raises `TransientError` for an answer not worth keeping (not a JSON-RPC
        response to this request, a rate limit...); one carrying `answer` is used as the
        result when the attempts or the deadline run out.
        """

        async def once(budget: float) -> Any:
            return check(await self._post_once(body, budget, quick))

        try:
            return await run_with_retry(
                once, policy=self.retry, retryable=retryable, attempt_timeout=self.timeout
            )
        except TransientError as te:
            if te.answer is not None:
                return te.answer
            raise self._public(te, what, method) from te.cause
        except _Refused as exc:
            raise RpcUnreachableError(exc.message, details=exc.snippet) from None

    def _public(self, te: TransientError, what: str, method: str) -> RpcError:
        """The error a caller sees once retries or the deadline ran out: says what really took
        how long (the time spent, the attempts, the per-attempt bound), never a key."""
        tries = f"{te.attempts} attempt{'s' if te.attempts != 1 else ''}"
        spent = f"{te.elapsed:.1f}s"
        if te.kind == "timeout":
            each = f", each at most {self.timeout:g}s" if te.attempts > 1 else ""
            why = " (call deadline reached)" if te.deadline_hit else ""
            msg = (
                f"{what} to {self.display_url} timed out: no answer in {spent} ({tries}{each}){why}"
            )
            if method == "eth_sendRawTransaction":
                # the send path must look the hash up: the node may have the transaction
                return RpcUnreachableError(msg, details="the node may have received it")
            return RpcTimeoutError(msg)
        why = "; call deadline reached" if te.deadline_hit else ""
        return RpcUnreachableError(
            f"cannot reach {self.display_url} ({what}; {tries} in {spent}{why})",
            details=te.detail,
        )

    # -- chain id ---------------------------------------------------------------------------

    async def verify_chain_id(self) -> int:
        """Ask the node its chain id; raise `ChainIdMismatchError` if it is not the expected one.

        A garbage answer (not a hex quantity) is an `RpcResponseError`, never a `ValueError`.
        """
        async with self._verify_lock:
            if self._verified and self._chain_id is not None:
                return self._chain_id
            actual = decode_quantity(await self._request("eth_chainId", ()), "eth_chainId")
            if self.expected_chain_id is not None and actual != self.expected_chain_id:
                raise ChainIdMismatchError(self.display_url, self.expected_chain_id, actual)
            self._chain_id = actual
            self._verified = True
            return actual

    # -- Transport --------------------------------------------------------------------------

    async def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        with deadline_scope(self.deadline):
            if not self._verified and method != "eth_chainId":
                await self.verify_chain_id()
            if method == "eth_sendRawTransaction":
                return await self._send_raw(params)
            return await self._request(method, params)

    async def _request(self, method: str, params: Sequence[Any]) -> Any:
        rid = next(self._ids)
        # one join of the pieces: a large eth_call payload is copied once into the body
        head = f'{_ITEM_HEAD}{rid},"method":{_method_json(method)},"params":'
        body = "".join([head, *_params_pieces(params), "}"]).encode()
        retryable = is_idempotent(method)

        def check(data: Any) -> Any:
            if type(data) is not dict or not ("result" in data or "error" in data):
                raise TransientError("malformed", detail=_shape(data))
            got = data.get("id")
            if got is not None and got != rid and str(got) != str(rid):
                raise TransientError("malformed", detail=f"answer to request id {got!r}")
            err = data.get("error")
            if err is not None:
                kind = _transient_error_kind(err)
                if kind == "rate":
                    raise TransientError("rate", detail=_error_text(err))
                if kind == "hiccup" and retryable:
                    raise TransientError("rpc", detail=_error_text(err), answer=data)
            return data

        def quick(raw: bytes) -> dict[str, Any] | None:
            return _quick_single(raw, rid)

        try:
            data = await self._exchange(
                body, retryable=retryable, what=method, check=check, method=method, quick=quick
            )
        except _PayloadTooLarge as exc:
            raise RpcResponseError(
                f"{method}: request too large for {self.display_url} (HTTP 413)"
            ) from exc
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
            try:
                raw = params[0] if isinstance(params[0], bytes) else hex_to_bytes(params[0])
            except ValueError:
                raise err from None
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
        with deadline_scope(self.deadline):
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
                    out[i] = RpcUnreachableError(
                        f"{calls[i][0]}: no answer for this call in the batch answer from "
                        f"{self.display_url}"
                    )
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

        def check(data: Any) -> Any:
            if type(data) is _Results:
                return data
            values = _plain_results(data, lo, hi)
            return _check_batch(data, lo, hi) if values is None else _Results(values)

        def quick(raw: bytes) -> _Results | None:
            return _quick_results(raw, lo, hi)

        what = f"batch of {hi - lo}"
        try:
            data = await self._exchange(
                body,
                retryable=retryable,
                what=what,
                check=check,
                method=calls[lo][0],
                quick=quick,
            )
        except _PayloadTooLarge as exc:
            if hi - lo > 1:
                await self._halves(calls, lo, hi, out, retryable)
                return
            raise RpcResponseError(
                f"{calls[lo][0]}: request too large for {self.display_url} (HTTP 413)"
            ) from exc
        except _SizeRefused:
            await self._halves(calls, lo, hi, out, retryable)
            return
        if type(data) is _Results:
            out[lo:hi] = data.values
            return
        if isinstance(data, dict):  # one error object for the whole chunk: the node's answer
            err = error_from_response(data.get("error"), calls[lo][0])
            out[lo:hi] = [err] * (hi - lo)
            return
        for k, item in _slots(data, lo, hi):
            e = item.get("error")
            if e is None:
                if "result" in item:
                    out[k] = item["result"]
            else:
                out[k] = error_from_response(e, calls[k][0])


class _Results:
    """Internal: a chunk's results, in call order, from an answer `_plain_results` took."""

    __slots__ = ("values",)

    def __init__(self, values: list[Any]) -> None:
        self.values = values


_get = dict.get
_repeat = itertools.repeat


def _plain_results(data: Any, lo: int, hi: int) -> list[Any] | None:
    """The results of a chunk's answer in the usual shape, or None for any other.

    The usual shape: one object per call, in call order, ids lo..hi-1 (ints), each with a
    `result` and no `error`. Read with a few C-level passes instead of a walk per object;
    what `_check_batch` would accept as it is, and decode to the same values. Anything else
    (errors, gaps, foreign ids, another order) is left to `_check_batch`.
    """
    n = hi - lo
    if type(data) is not list or len(data) != n:
        return None
    try:
        ids = list(map(_get, data, _repeat("id", n)))
    except TypeError:  # not every item is an object
        return None
    if ids != list(range(lo, hi)) or set(map(type, ids)) != {int}:
        return None
    if list(map(_get, data, _repeat("error", n))).count(None) != n:
        return None
    values = list(map(_get, data, _repeat("result", n), _repeat(_MISSING, n)))
    if _MISSING in values:
        return None
    return values


def _quick_single(raw: bytes, rid: int) -> dict[str, Any] | None:
    """The answer to request `rid` read without `json.loads` when it is the usual
    `{"jsonrpc":"2.0","id":<rid>,"result":"<string>"}` (a large eth_call answer: ~3x faster).

    One C pass over the body proves the string needs no decoding: once printable ASCII other
    than quotes and backslashes is deleted, exactly the 10 quotes of that frame remain (no
    escape, no control or non-ASCII character, no quote inside). Anything else returns None
    and takes the JSON path.
    """
    native = speedups.native
    if native is not None:  # the same check in one C pass, 16 bytes a step (~8x faster)
        value = native.single_string(raw, rid)
        return None if value is None else {"jsonrpc": "2.0", "id": rid, "result": value}
    head = b'{"jsonrpc":"2.0","id":%d,"result":"' % rid
    if not raw.startswith(head):
        return None
    end = _content_end(raw)
    if not raw.endswith(b'"}', 0, end) or raw.translate(None, _PLAIN) != b'"' * 10 + _unplain(
        raw[end:]
    ):
        return None
    value = str(memoryview(raw)[len(head) : end - 2], "ascii")
    return {"jsonrpc": "2.0", "id": rid, "result": value}


def _unplain(tail: bytes) -> bytes:
    """What `translate(None, _PLAIN)` leaves of trailing whitespace (all but the spaces)."""
    return tail.translate(None, _PLAIN) if tail else b""


def _content_end(raw: bytes) -> int:
    """The length of `raw` without trailing JSON whitespace, found without copying `raw`
    (`rstrip` would copy a large answer whole, as nodes end it with a newline)."""
    end = len(raw)
    while end and raw[end - 1] in b" \t\n\r":
        end -= 1
    return end


_QUICK_HEAD: Final = b'[{"jsonrpc":"2.0","id":'
_QUICK_MID: Final = ',"result":"'
# no backslash in the class: the quote count in `_quick_results` already rules escapes out
_QUICK_RESULT: Final = re.compile(r'result":"([^"]*)')
_QUICK_PIECES: dict[tuple[int, int], list[str]] = {}


def _quick_pieces(lo: int, hi: int) -> list[str]:
    """The usual batch answer for ids lo..hi-1 in pieces, every other one a slot for a result
    (empty here): what `_quick_results` fills in and compares. Cached per chunk."""
    pieces = _QUICK_PIECES.get((lo, hi))
    if pieces is None:
        pieces = ['"}]'] * (2 * (hi - lo) + 1)
        pieces[0:-1:2] = [f'"}},{{"jsonrpc":"2.0","id":{k}{_QUICK_MID}' for k in range(lo, hi)]
        if hi > lo:
            pieces[0] = f'[{{"jsonrpc":"2.0","id":{lo}{_QUICK_MID}'
        _bounded_put(_QUICK_PIECES, (lo, hi), pieces)
    return pieces


def _quick_results(raw: bytes, lo: int, hi: int) -> _Results | None:
    """A chunk's results read from the body as the usual nodes write it, without `json.loads`.

    The usual body: `[{"jsonrpc":"2.0","id":<lo>,"result":"<string>"},...]`, ids lo..hi-1 in
    order, no spaces. The strings are cut out with one regex, the body is written again from
    them and compared with what came: only a body exactly of that shape (strings of printable
    ASCII without escapes) passes, and then `json.loads` would have given these very results.
    Anything else (another key order, errors, escapes, other ids) returns None and takes the
    JSON path. ~2x faster than `json.loads`, and no dict per call. With the C module
    (`interop.speedups`), one pass in C that accepts exactly the same bodies (~8x faster).
    """
    native = speedups.native
    if native is not None:
        strings = native.batch_strings(raw, lo, hi)
        return None if strings is None else _Results(strings)
    if not raw.startswith(_QUICK_HEAD):
        return None
    end = _content_end(raw)
    n = hi - lo
    # printable ASCII but for exactly the 10 quotes of each object's frame: no escape, no
    # control or non-ASCII character, no quote inside a string
    rest = raw.translate(None, _PLAIN)
    if rest != b'"' * (10 * n) + _unplain(raw[end:]):
        return None
    text = str(memoryview(raw)[:end], "ascii")
    values = _QUICK_RESULT.findall(text)
    if len(values) != n:
        return None
    pieces = _quick_pieces(lo, hi).copy()
    pieces[1:-1:2] = values
    if text != "".join(pieces):
        return None
    return _Results(values)


def _slots(data: list[Any], lo: int, hi: int) -> Iterator[tuple[int, dict[str, Any]]]:
    """(id, answer) for each answer of a batch answer that is one of ours: an object whose id is
    an int in [lo, hi). Anything else (a foreign id, a stray value) is no answer to us."""
    for item in data:
        if type(item) is dict:
            k = item.get("id")
            if type(k) is int and lo <= k < hi:
                yield k, item


class _SizeRefused(Exception):
    """Internal: one error object for a whole batch that says it is too large: halves."""


class _Refused(Exception):
    """Internal: an HTTP status that is an answer (401, 403, 404...) with no JSON-RPC body."""

    def __init__(self, message: str, snippet: str) -> None:
        self.message = message
        self.snippet = snippet
        super().__init__(message)


def _shape(data: Any) -> str:
    if type(data) is dict:
        return f"JSON object without result or error (keys {sorted(data)[:6]})"
    return f"JSON {type(data).__name__} instead of a JSON-RPC response"


def _error_text(err: Any) -> str:
    if isinstance(err, dict):
        return f"JSON-RPC error {err.get('code')}: {str(err.get('message'))[:200]}"
    return f"JSON-RPC error {str(err)[:200]}"


def _transient_error_kind(err: Any) -> str | None:
    if isinstance(err, dict):
        return transient_rpc_kind(err.get("code"), str(err.get("message", "")))
    return transient_rpc_kind(None, str(err))


def _check_batch(data: Any, lo: int, hi: int) -> Any:
    """Validate one chunk's answer (ids lo..hi-1): retry what is not a complete answer.

    Returns the answer to decode. Raises `TransientError` for a non-JSON-RPC shape, missing or
    foreign ids, or rate-limit / backend errors in any slot — carrying the answer, so that once
    retries run out the usable part is kept (missing slots become `RpcUnreachableError`).
    """
    if isinstance(data, dict):
        if hi - lo == 1 and data.get("id") == lo and ("result" in data or "error" in data):
            return _check_batch([data], lo, hi)
        err = data.get("error")
        if err is None:
            raise TransientError("malformed", detail=_shape(data))
        kind = _transient_error_kind(err)
        msg = str(err.get("message", "")) if isinstance(err, dict) else str(err)
        if kind == "rate" and "batch" not in msg.lower():
            raise TransientError("rate", detail=_error_text(err))
        if hi - lo > 1 and _SIZE_REFUSAL.search(msg):
            raise _SizeRefused()
        if kind is not None:
            raise TransientError("rpc", detail=_error_text(err), answer=data)
        return data
    if not isinstance(data, list):
        raise TransientError("malformed", detail=_shape(data))
    seen = 0
    flaky: str | None = None
    for _, item in _slots(data, lo, hi):
        err = item.get("error")
        if err is not None:
            seen += 1
            if flaky is None and _transient_error_kind(err) is not None:
                flaky = _error_text(err)
        elif "result" in item:
            seen += 1
    if seen < hi - lo:
        raise TransientError(
            "malformed", detail=f"batch answer holds {seen} of {hi - lo} answers", answer=data
        )
    if flaky is not None:
        raise TransientError("rpc", detail=flaky, answer=data)
    return data
