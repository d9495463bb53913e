"""JSON-RPC transport: the one seam between interop and nodes.

`HttpTransport` (one URL: batching, retry, timeouts), `FallbackTransport` (several URLs of one
chain), `MockTransport` (unit tests), `make_transport` (picks one of the first two), and
`fetch_logs` (`eth_getLogs` with range splitting). See docs/transport.md.

Every call has a total deadline (`DEFAULT_DEADLINE`, 20 s, across attempts and URLs);
`deadline_scope(seconds)` shortens it for every call made inside a block.
"""

from interop.rpc.base import Call, EthCallBatch, Transport, UniformBatch
from interop.rpc.fallback import FallbackTransport, make_transport
from interop.rpc.http import DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_DEADLINE, HttpTransport, redact_url
from interop.rpc.logs import fetch_logs, is_range_error
from interop.rpc.mock import MockTransport
from interop.rpc.models import HexStr
from interop.rpc.retry import (
    DEFAULT_RETRY,
    NO_RETRY,
    RetryPolicy,
    deadline_scope,
    is_idempotent,
    is_transient_rpc_error,
)

__all__ = [
    "DEFAULT_ATTEMPT_TIMEOUT",
    "DEFAULT_DEADLINE",
    "DEFAULT_RETRY",
    "NO_RETRY",
    "Call",
    "EthCallBatch",
    "FallbackTransport",
    "HexStr",
    "HttpTransport",
    "MockTransport",
    "RetryPolicy",
    "Transport",
    "UniformBatch",
    "deadline_scope",
    "fetch_logs",
    "is_idempotent",
    "is_range_error",
    "is_transient_rpc_error",
    "make_transport",
    "redact_url",
]
