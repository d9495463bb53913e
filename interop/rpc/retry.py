"""Which JSON-RPC calls may be sent again, and how long to wait in between.

Why an allowlist: resending a read is harmless, resending an arbitrary write is not (an
`eth_sendTransaction` sent twice can move funds twice, an `evm_mine` mines twice). So only methods
that read state, plus `eth_sendRawTransaction` (its hash is fixed by the signed bytes, so a second
copy is recognised by the node as the same transaction), are retried. Everything else is sent once.

What is retried: failures where the node did not give an answer — connection errors, timeouts,
HTTP 408/425/429/5xx. A JSON-RPC error object is an answer and is never retried here.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from interop.errors import RpcResponseError

__all__ = [
    "DEFAULT_RETRY",
    "IDEMPOTENT_METHODS",
    "NO_RETRY",
    "RetryPolicy",
    "TransientError",
    "is_already_known",
    "is_idempotent",
    "is_nonce_too_low",
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
    "eth_getBlockTransactionCountBy",
    "eth_getUncle",
    "debug_trace",
)


def is_idempotent(method: str) -> bool:
    """True if sending `method` twice has the same effect as sending it once."""
    return method in IDEMPOTENT_METHODS or method.startswith(_IDEMPOTENT_PREFIXES)


class TransientError(Exception):
    """Internal: the node gave no answer (connection, timeout, HTTP 408/429/5xx).

    Never escapes the transport: it is mapped to `RpcUnreachableError` / `RpcTimeoutError` at
    the HTTP boundary once retries are exhausted. `sent` is False only when the request provably
    never left (the connection could not be opened).
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
    ) -> None:
        self.kind = kind
        self.status = status
        self.sent = sent
        self.retry_after = retry_after
        self.cause = cause
        self.detail = detail
        super().__init__(detail or kind)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with jitter for idempotent calls.

    `attempts` counts the first try. The wait before retry n (1-based) is
    `min(max_wait, initial * 2**(n-1)) + uniform(0, jitter)`; a `Retry-After` header (429/503)
    raises it, capped at `max_wait`.
    """

    attempts: int = 4
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


def _wait(policy: RetryPolicy) -> Callable[[RetryCallState], float]:
    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        ra = exc.retry_after if isinstance(exc, TransientError) else None
        # attempt 1 of this loop is the second try overall (see run_with_retry)
        return policy.wait_for(state.attempt_number + 1, ra)

    return wait


async def run_with_retry(
    fn: Callable[[], Awaitable[T]], *, policy: RetryPolicy, retryable: bool
) -> T:
    """Run `fn`, retrying `TransientError`s per `policy` when `retryable`.

    The first attempt runs outside tenacity: this is the hot path and almost always succeeds.
    """
    try:
        return await fn()
    except TransientError as first:
        if not retryable or policy.attempts <= 1:
            raise
        await asyncio.sleep(policy.wait_for(1, first.retry_after))
    retrying = AsyncRetrying(
        stop=stop_after_attempt(policy.attempts - 1),
        wait=_wait(policy),
        retry=retry_if_exception(lambda e: isinstance(e, TransientError)),
        reraise=True,
    )

    async def attempt() -> T:  # tenacity awaits only coroutine functions
        return await fn()

    result: T = await retrying(attempt)
    return result


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


def is_already_known(err: RpcResponseError) -> bool:
    """The node already has this exact transaction (geth "already known", others alike)."""
    return bool(_ALREADY_KNOWN.search(err.message))


def is_nonce_too_low(err: RpcResponseError) -> bool:
    """The sender's nonce moved past this transaction: maybe because this very tx was mined."""
    return bool(_NONCE_TOO_LOW.search(err.message))


def all_idempotent(calls: Sequence[tuple[str, Any]]) -> bool:
    """True if every call of a batch may be sent twice (so the batch may be retried)."""
    return all(is_idempotent(m) for m in {c[0] for c in calls})
