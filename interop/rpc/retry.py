"""Which JSON-RPC calls may be sent again, when, how long to wait, and the per-call deadline.

Why an allowlist: resending a read is harmless, resending an arbitrary write is not (an
`eth_sendTransaction` sent twice can move funds twice, an `evm_mine` mines twice). So only methods
that read state, plus `eth_sendRawTransaction` (its hash is fixed by the signed bytes, so a second
copy is recognised by the node as the same transaction), are retried. Everything else is sent once.

What is retried (for those methods): every failure that is not a real answer — the connection
failed or dropped (before or after the request was written), no answer in time, HTTP
408/425/429/5xx, an HTTP body that is not JSON (empty, truncated, an HTML error page), JSON that
is not a JSON-RPC response to our request (no `result`/`error`, another id, batch items missing),
and the few JSON-RPC errors that load balancers and rate limiters return instead of an answer
(`is_transient_rpc_error`). A JSON-RPC error that *is* an answer (execution reverted, invalid
params, nonce too low) is never retried: asking again would get the same answer.

Deadlines: every call has a total time budget across attempts, backoff and fallback URLs
(`deadline_scope`); each attempt gets at most what is left of it. Why a total: a node that
accepts connections and never answers would otherwise cost attempts x timeout per call, and
multi-chain operations would wait for the slowest chain. Scopes nest (the earliest end wins), and
are carried by a context variable, so every transport and every task started inside a scope
(batch chunks, `asyncio.gather`) sees the same end.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import math
import random
import re
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp

from interop.errors import InputError, RpcResponseError
from interop.rpc.base import UniformBatch
from interop.rpc.logs import is_range_error

__all__ = [
    "DEFAULT_RETRY",
    "IDEMPOTENT_METHODS",
    "NO_RETRY",
    "RetryPolicy",
    "TransientError",
    "check_seconds",
    "deadline_scope",
    "is_already_known",
    "is_idempotent",
    "is_nonce_too_low",
    "is_transient_rpc_error",
    "remaining",
    "request_never_sent",
    "run_with_retry",
]

T = TypeVar("T")

IDEMPOTENT_METHODS: frozenset[str] = frozenset(
    {
        "eth_call",
        "eth_chainId",
        "eth_blockNumber",
        "eth_getBalance",
        "eth_getLogs",
        "eth_getTransactionReceipt",
        "eth_getTransactionCount",
        "eth_getCode",
        "eth_getProof",
        "eth_estimateGas",
        "eth_getStorageAt",
        "eth_feeHistory",
        "eth_maxPriorityFeePerGas",
        "eth_gasPrice",
        "eth_blobBaseFee",
        "eth_syncing",
        "eth_getBlockReceipts",
        "eth_createAccessList",
        "eth_sendRawTransaction",  # fixed hash: a resend is the same transaction
        "net_version",
        "net_listening",
        "web3_clientVersion",
        "zks_getL2ToL1LogProof",
        "zks_getL1BatchNumber",
    }
)
"""Methods safe to send more than once. Prefixes in `_IDEMPOTENT_PREFIXES` are added."""

_IDEMPOTENT_PREFIXES = (
    "eth_getBlockBy",
    "eth_getTransactionBy",
    "eth_getRawTransactionBy",
    "eth_getBlockTransactionCountBy",
    "eth_getUncle",
    "debug_trace",
)


def is_idempotent(method: str) -> bool:
    """True if sending `method` twice has the same effect as sending it once."""
    return method in IDEMPOTENT_METHODS or method.startswith(_IDEMPOTENT_PREFIXES)


class TransientError(Exception):
    """Internal: no usable answer this time (connection, timeout, HTTP status, bad body...).

    Never escapes the transport: it is mapped to `RpcUnreachableError` / `RpcTimeoutError` at
    the HTTP boundary once retries or the deadline are exhausted. `sent` is False only when the
    request provably never left (the connection could not be opened). `answer`, when set, is a
    real JSON-RPC answer that is worth asking again for (e.g. "header not found" from a lagging
    backend) but is the result if the retries run out. `attempts` and `elapsed` are filled in by
    `run_with_retry` for the final message.
    """

    def __init__(
        self,
        kind: str,
        *,
        status: int | None = None,
        sent: bool = True,
        retry_after: float | None = None,
        cause: BaseException | None = None,
        detail: str = "",
        answer: Any = None,
    ) -> None:
        self.kind = kind
        self.status = status
        self.sent = sent
        self.retry_after = retry_after
        self.cause = cause
        self.detail = detail
        self.answer = answer
        self.attempts = 1
        self.elapsed = 0.0
        self.attempt_timeout: float | None = None
        self.deadline_hit = False
        super().__init__(detail or kind)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with jitter for idempotent calls.

    `attempts` counts the first try. The wait before retry n (1-based) is
    `min(max_wait, initial * 2**(n-1)) + uniform(0, jitter)`; a `Retry-After` header (429/503)
    raises it, capped at `max_wait`. No wait runs past the call's deadline: a retry that could
    not start before it is not made.
    """

    attempts: int = 6
    initial: float = 0.1
    max_wait: float = 4.0
    jitter: float = 0.1
    statuses: frozenset[int] = field(
        default_factory=lambda: frozenset({408, 425, 429, 500, 502, 503, 504})
    )

    def wait_for(self, attempt: int, retry_after: float | None = None) -> float:
        base = min(self.max_wait, self.initial * float(2 ** max(0, attempt - 1)))
        base += random.uniform(0.0, self.jitter) if self.jitter > 0 else 0.0
        if retry_after is not None:
            base = max(base, min(retry_after, self.max_wait))
        return base


DEFAULT_RETRY = RetryPolicy()
NO_RETRY = RetryPolicy(attempts=1)

# -- deadlines -------------------------------------------------------------------------------

_DEADLINE: contextvars.ContextVar[float] = contextvars.ContextVar(
    "interop_rpc_deadline", default=math.inf
)


@contextlib.contextmanager
def deadline_scope(seconds: float | None) -> Iterator[float]:
    """Within the block, RPC calls end by `seconds` from now (or an enclosing scope's end).

    Yields the absolute end (`time.monotonic()` clock; `inf` when neither bounds it). `None`
    adds no bound of its own. Usable around any number of calls::

        with deadline_scope(5):
            await client.get_balance(a)   # these two share 5 s
            await client.block_number()
    """
    end = _DEADLINE.get()
    if seconds is not None:
        end = min(end, time.monotonic() + max(0.0, float(seconds)))
    token = _DEADLINE.set(end)
    try:
        yield end
    finally:
        _DEADLINE.reset(token)


def check_seconds(value: object, what: str) -> float | None:
    """`value` as float seconds (None stays None); anything not a finite number > 0 (a str,
    a bool, 0, a negative, NaN) is an `InputError` — a zero or negative bound would turn
    every wait into a busy loop or an instant failure."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
        raise InputError(f"{what} must be a number of seconds > 0, got {value!r}")
    return float(value)


def remaining() -> float:
    """Seconds left in the current deadline scope (`inf` outside any)."""
    return _DEADLINE.get() - time.monotonic()


async def run_with_retry(
    fn: Callable[[float], Awaitable[T]],
    *,
    policy: RetryPolicy,
    retryable: bool,
    attempt_timeout: float,
) -> T:
    """Run `fn(timeout)`, retrying `TransientError`s per `policy` when `retryable`.

    Each attempt gets `min(attempt_timeout, time left in the deadline scope)`. When the attempts
    or the deadline run out, the last `TransientError` is raised with `attempts`, `elapsed`
    and `deadline_hit` filled in (the transport words the public error from them).
    """
    start = time.monotonic()
    end = _DEADLINE.get()
    attempt = 0
    while True:
        attempt += 1
        left = end - time.monotonic()
        budget = min(attempt_timeout, left)
        try:
            if budget <= 0:
                raise TransientError("timeout", sent=False, detail="no time left")
            return await fn(budget)
        except TransientError as exc:
            now = time.monotonic()
            exc.attempts = attempt
            exc.elapsed = now - start
            exc.attempt_timeout = attempt_timeout
            exc.deadline_hit = now >= end - 1e-3
            if not retryable or attempt >= policy.attempts or exc.deadline_hit:
                raise
            wait = policy.wait_for(attempt, exc.retry_after)
            if now + wait >= end:
                exc.deadline_hit = True
                raise
        await asyncio.sleep(wait)


def request_never_sent(exc: BaseException) -> bool:
    """True if `exc` (as raised by a transport) proves the request never reached a node."""
    cause = exc.__cause__
    return isinstance(cause, aiohttp.ClientConnectorError | ConnectionRefusedError)


_ALREADY_KNOWN = re.compile(
    r"already known|known transaction|already imported|alreadyknown|"
    r"transaction already exists|already in (the )?(mempool|pool)",
    re.IGNORECASE,
)
_NONCE_TOO_LOW = re.compile(
    r"nonce too low|nonce is too low|oldnonce|nonce has already been used", re.I
)
_RATE_LIMITED = re.compile(
    r"rate.?limit|too many requests|request limit|limit exceeded|exceeded .*(quota|capacity|"
    r"limit)|capacity exceeded|throttl|compute units|over (the )?quota",
    re.IGNORECASE,
)
_BACKEND_HICCUP = re.compile(
    r"header not found|internal error|internal server error|upstream|bad gateway|"
    r"service unavailable|temporar|overload|server busy|try again|no backend|"
    r"connection (reset|refused|closed)",
    re.IGNORECASE,
)
_ANSWER_NOT_HICCUP = re.compile(r"revert|invalid|nonce|insufficient|underpriced|gas", re.I)


def is_already_known(err: RpcResponseError) -> bool:
    """The node already has this exact transaction (geth "already known", others alike)."""
    return bool(_ALREADY_KNOWN.search(err.message))


def is_nonce_too_low(err: RpcResponseError) -> bool:
    """The sender's nonce moved past this transaction: maybe because this very tx was mined."""
    return bool(_NONCE_TOO_LOW.search(err.message))


def transient_rpc_kind(code: Any, message: str) -> str | None:
    """`"rate"` (refused service), `"hiccup"` (a backend's momentary failure) or None (an answer).

    Rate limits: EIP-1474 -32005 "limit exceeded" and providers' wordings (not the `eth_getLogs`
    range refusals, which share the code but are answers that `fetch_logs` splits on).
    Hiccups: load balancers in front of lagging or failing backends answer "header not found",
    "internal error" (-32603) and the like for a read that another try serves.
    """
    err = RpcResponseError(message, code=code if isinstance(code, int) else None)
    if is_range_error(err) or _ANSWER_NOT_HICCUP.search(message):
        return None
    if code in (-32005, 429) or _RATE_LIMITED.search(message):
        return "rate"
    if code == -32603 or _BACKEND_HICCUP.search(message):
        return "hiccup"
    return None


def is_transient_rpc_error(err: RpcResponseError) -> bool:
    """True for a JSON-RPC error that a read should simply ask again for (see above)."""
    return transient_rpc_kind(err.code, err.message) is not None


def all_idempotent(calls: Sequence[tuple[str, Any]]) -> bool:
    """True if every call of a batch may be sent twice (so the batch may be retried)."""
    if isinstance(calls, UniformBatch):  # one method by construction (EthCallBatch too)
        return is_idempotent(calls.method)
    return all(is_idempotent(m) for m in {c[0] for c in calls})
