"""`ChainClient`: one chain + one transport. The only object actions and adapters talk to.

It verifies, once, that the transport really serves the configured chain id before anything is
signed for it (`ensure_chain_id`), and offers typed wrappers for the few RPC methods interop uses.
Clients built from URLs (`from_urls`, or no transport given) also check every URL's chain id on
first use, inside the transport. An `AsyncWeb3` view (`.web3`) goes through the same transport,
so it gets the same retry, fallback and chain-id checks; it is created once and closed with the
client.

Every call has a total `deadline` (default 20 s, across retries and fallback URLs; `timeout` is
the per-attempt bound of transports the client builds), so a node that accepts connections and
never answers costs one deadline, not attempts x timeout. The typed readers decode answers
strictly: a result that is not what the method promises raises `RpcResponseError` naming the
method (never `ValueError`, `KeyError` or an `InputError`). Foreign exceptions a transport lets
through (aiohttp, OS, JSON, timeouts) are mapped here to `RpcUnreachableError` /
`RpcTimeoutError` with `raise ... from`.
"""

from __future__ import annotations

import asyncio
import itertools
import math
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp

from interop.chains.model import Chain
from interop.errors import (
    ChainIdMismatchError,
    ConfigError,
    InteropError,
    RpcError,
    RpcResponseError,
    RpcTimeoutError,
    RpcUnreachableError,
)
from interop.rpc.base import Call, Transport, UniformBatch
from interop.rpc.http import DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_DEADLINE, scrub_urls
from interop.rpc.logs import fetch_logs
from interop.rpc.models import (
    Log,
    Receipt,
    decode_data,
    decode_quantity,
    decode_result,
)
from interop.rpc.retry import check_seconds, deadline_scope, remaining
from interop.types import Address, Hash32, to_hash32

if TYPE_CHECKING:
    from web3 import AsyncWeb3

__all__ = ["BlockTag", "ChainClient"]

BlockTag = int | str
T = TypeVar("T")

_BACKSTOP_GRACE = 0.5
"""Seconds past the deadline before the client cancels a transport that ignores deadlines
(ours honour it themselves, and word a more precise error)."""


def _tag(block: BlockTag) -> str:
    return hex(block) if isinstance(block, int) else block


class ChainClient:
    """Async client for one chain. Owns its transport unless `owns_transport=False`.

    `deadline`: seconds any one call may take in all (None: only the transport's own bound).
    `timeout`: seconds per attempt, for the transport built from `chain.rpc_urls` when no
    `transport` is given. Both are independent of the `Chain` data.
    """

    def __init__(
        self,
        chain: Chain,
        transport: Transport | None = None,
        *,
        owns_transport: bool | None = None,
        deadline: float | None = DEFAULT_DEADLINE,
        timeout: float | None = None,
    ) -> None:
        self.chain = chain
        self.deadline = check_seconds(deadline, "deadline")
        attempt = check_seconds(timeout, "timeout")
        if transport is None:
            if not chain.rpc_urls:
                raise ConfigError(f"chain {chain.name} ({chain.id}) has no RPC URL configured")
            from interop.rpc.fallback import make_transport

            transport = make_transport(
                chain.rpc_urls,
                expected_chain_id=chain.id,
                deadline=self.deadline,
                timeout=_attempt_timeout(attempt, self.deadline),
            )
            owns_transport = True if owns_transport is None else owns_transport
        self.transport = transport
        self._owns = bool(owns_transport)
        self._verified = False
        self._verify_lock = asyncio.Lock()
        self._web3: AsyncWeb3[Any] | None = None

    @classmethod
    def from_urls(
        cls,
        chain: Chain,
        urls: str | Sequence[str] | None = None,
        *,
        deadline: float | None = DEFAULT_DEADLINE,
        **transport_opts: Any,
    ) -> ChainClient:
        """A client over `urls` (default: `chain.rpc_urls`), with fallback if there are several.

        Every URL must serve `chain.id` (checked on its first use). `deadline` bounds each call
        in all; `transport_opts` go to `make_transport` / `HttpTransport` (timeout per attempt,
        retry, max_batch_size, max_body_bytes, max_concurrency, headers, cooldown). A malformed
        URL raises `InputError` here.
        """
        from interop.rpc.fallback import make_transport

        chosen = chain.rpc_urls if urls is None else urls
        if not chosen:
            raise ConfigError(f"chain {chain.name} ({chain.id}) has no RPC URL configured")
        dl = check_seconds(deadline, "deadline")
        opts = dict(transport_opts)
        opts["timeout"] = _attempt_timeout(check_seconds(opts.get("timeout"), "timeout"), dl)
        transport = make_transport(chosen, expected_chain_id=chain.id, deadline=dl, **opts)
        return cls(chain, transport, owns_transport=True, deadline=dl)

    def __repr__(self) -> str:
        return f"ChainClient({self.chain.name!r}, id={self.chain.id})"

    async def __aenter__(self) -> ChainClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the transport if this client owns it; drop the web3 view."""
        self._web3 = None
        if self._owns:
            await self.transport.aclose()

    # raw
    async def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        """One JSON-RPC call within the deadline; only `RpcError` subclasses escape."""
        return await self._bounded(method, lambda: self.transport.request(method, params))

    async def batch(self, calls: Sequence[Call]) -> list[Any]:
        """Many calls (see `Transport.batch`) within one deadline."""
        if not calls:
            return []
        if isinstance(calls, UniformBatch):  # one method by construction: no set to build
            what = calls.method
        else:
            what = calls[0][0] if len({m for m, _ in calls}) == 1 else "a batch"
        return await self._bounded(what, lambda: self.transport.batch(calls))

    async def _bounded(self, what: str, fn: Callable[[], Awaitable[T]]) -> T:
        """Run one transport operation under the deadline, mapping foreign exceptions.

        The deadline is set as a scope (our transports size their attempts to it) and, as a
        backstop for transports that ignore it, enforced with `asyncio.timeout`.
        """
        with deadline_scope(self.deadline):
            left = remaining()
            try:
                async with asyncio.timeout(left + _BACKSTOP_GRACE if math.isfinite(left) else None):
                    return await fn()
            except InteropError:
                raise
            except TimeoutError as exc:
                bound = f"the {self.deadline:g}s deadline" if self.deadline else "time"
                msg = f"{what} on {self.chain.name}: no answer within {bound}"
                if what == "eth_sendRawTransaction":
                    raise RpcUnreachableError(msg, details="the node may have received it") from exc
                raise RpcTimeoutError(msg) from exc
            except (aiohttp.ClientError, OSError, ValueError) as exc:
                raise RpcUnreachableError(
                    f"{what} on {self.chain.name} failed in the transport",
                    details=scrub_urls(f"{type(exc).__name__}: {exc}")[:300],
                ) from exc

    # identity
    async def ensure_chain_id(self) -> None:
        """Raise `ChainIdMismatchError` unless the node serves `chain.id`. Cached after success.

        The comparison is the transport's when it checks the chain id itself (ours do, before
        the first other request, when built for this chain): it is asked to verify now. A
        transport that does not check (a mock, a user's own) is checked here, the one other place.
        """
        if self._verified:
            return
        async with self._verify_lock:
            if self._verified:
                return
            verify = getattr(self.transport, "verify_chain_id", None)
            if callable(verify) and getattr(self.transport, "expected_chain_id", None) == (
                self.chain.id
            ):
                await self._bounded("eth_chainId", verify)
                self._verified = True
                return
            actual = decode_quantity(await self.request("eth_chainId"), "eth_chainId")
            if actual != self.chain.id:
                url = getattr(self.transport, "display_url", None) or repr(self.transport)
                raise ChainIdMismatchError(str(url), self.chain.id, actual)
            self._verified = True

    # reads (each answer decoded strictly: a bad one is an RpcResponseError naming the method)
    async def block_number(self) -> int:
        return decode_quantity(await self.request("eth_blockNumber"), "eth_blockNumber")

    async def get_balance(self, address: str, block: BlockTag = "latest") -> int:
        res = await self.request("eth_getBalance", [address, _tag(block)])
        return decode_quantity(res, "eth_getBalance")

    async def get_nonce(self, address: str, block: BlockTag = "pending") -> int:
        res = await self.request("eth_getTransactionCount", [address, _tag(block)])
        return decode_quantity(res, "eth_getTransactionCount")

    async def get_code(self, address: str, block: BlockTag = "latest") -> bytes:
        return decode_data(await self.request("eth_getCode", [address, _tag(block)]), "eth_getCode")

    async def get_storage_at(self, address: str, slot: int, block: BlockTag = "latest") -> bytes:
        res = await self.request("eth_getStorageAt", [address, hex(slot), _tag(block)])
        return decode_data(res, "eth_getStorageAt")

    async def call(
        self,
        to: str,
        data: bytes,
        *,
        block: BlockTag = "latest",
        sender: str | None = None,
        value: int = 0,
        state_override: dict[str, Any] | None = None,
    ) -> bytes:
        tx: dict[str, Any] = {"to": to, "data": "0x" + data.hex()}
        if sender:
            tx["from"] = sender
        if value:
            tx["value"] = hex(value)
        params: list[Any] = [tx, _tag(block)]
        if state_override:
            params.append(state_override)
        return decode_data(await self.request("eth_call", params), "eth_call")

    async def estimate_gas(self, tx: dict[str, Any]) -> int:
        return decode_quantity(await self.request("eth_estimateGas", [tx]), "eth_estimateGas")

    async def get_block(self, block: BlockTag = "latest", *, full: bool = False) -> dict[str, Any]:
        res = await self.request("eth_getBlockByNumber", [_tag(block), full])
        if res is None:
            raise ConfigError(f"block {block} not found on {self.chain.name}")
        return decode_result("eth_getBlockByNumber", _object, res, "block")

    async def get_block_by_hash(self, block_hash: str) -> dict[str, Any] | None:
        res = await self.request("eth_getBlockByHash", [block_hash, False])
        return (
            decode_result("eth_getBlockByHash", _object, res, "block") if res is not None else None
        )

    async def get_receipt(self, tx_hash: str) -> Receipt | None:
        res = await self.request("eth_getTransactionReceipt", [tx_hash])
        if not res:
            return None
        return decode_result("eth_getTransactionReceipt", _receipt, res, "receipt")

    async def get_transaction(self, tx_hash: str) -> dict[str, Any] | None:
        res = await self.request("eth_getTransactionByHash", [tx_hash])
        return (
            decode_result("eth_getTransactionByHash", _object, res, "transaction") if res else None
        )

    async def get_logs(
        self,
        *,
        address: str | Sequence[str] | None = None,
        topics: Sequence[Any] | None = None,
        from_block: BlockTag = 0,
        to_block: BlockTag = "latest",
        block_hash: str | None = None,
        max_block_range: int | None = None,
    ) -> list[Log]:
        """Logs matching the filter, in block order.

        A range the node refuses (too many results, span too large) is split and retried;
        `max_block_range` splits up front when a provider's cap is known. Each request has the
        transport's deadline (a long scan is many calls, not one).
        """
        flt: dict[str, Any] = {}
        if address is not None:
            flt["address"] = address if isinstance(address, str) else list(address)
        if topics is not None:
            flt["topics"] = list(topics)
        if block_hash is not None:
            flt["blockHash"] = block_hash
        else:
            flt["fromBlock"] = _tag(from_block)
            flt["toBlock"] = _tag(to_block)
        try:
            res = await fetch_logs(self.transport, flt, max_block_range=max_block_range)
        except InteropError:
            raise
        except (aiohttp.ClientError, OSError, ValueError, TypeError, KeyError) as exc:
            # a transport that lets foreign errors through, or a malformed block answer
            raise RpcResponseError(
                f"eth_getLogs on {self.chain.name}: unusable answer",
                details=scrub_urls(f"{type(exc).__name__}: {exc}")[:300],
            ) from exc
        return decode_result("eth_getLogs", _logs, res, "log list")

    async def send_raw_transaction(self, raw: bytes) -> Hash32:
        res = await self.request("eth_sendRawTransaction", ["0x" + raw.hex()])
        return decode_result("eth_sendRawTransaction", to_hash32, res, "transaction hash")

    async def get_proof(
        self, address: Address | str, slots: Sequence[bytes | str], block: BlockTag
    ) -> dict[str, Any]:
        keys = [s if isinstance(s, str) else "0x" + s.hex() for s in slots]
        res = await self.request("eth_getProof", [address, keys, _tag(block)])
        return decode_result("eth_getProof", _object, res, "proof")

    @property
    def web3(self) -> AsyncWeb3[Any]:
        """An `AsyncWeb3` for users who want web3.py's API, over this client's transport.

        Created on first access and cached; it shares the client's session, retries, fallback
        and chain-id checks, and needs no closing of its own (`aclose()` closes the transport).
        """
        if self._web3 is None:
            from web3 import AsyncWeb3

            self._web3 = AsyncWeb3(_web3_provider(self.transport))
        return self._web3


def _attempt_timeout(timeout: float | None, deadline: float | None) -> float:
    """Per-attempt bound: as given, else the default, and never above the deadline."""
    t = DEFAULT_ATTEMPT_TIMEOUT if timeout is None else timeout
    return min(t, deadline) if deadline is not None else t


def _object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"expected a JSON object, got {type(value).__name__}")
    return dict(value)


def _receipt(value: Any) -> Receipt:
    return Receipt.from_rpc(_object(value))


def _logs(value: Any) -> list[Log]:
    if not isinstance(value, list):
        raise TypeError(f"expected a JSON array, got {type(value).__name__}")
    return [Log.from_rpc(_object(x)) for x in value]


def _web3_provider(transport: Transport) -> Any:
    """A web3.py provider that sends through an interop `Transport` (web3 imported lazily)."""
    from web3.providers.async_base import AsyncBaseProvider

    def wrap(method: str, value: Any, rid: int) -> dict[str, Any]:
        if isinstance(value, RpcResponseError):
            msg = value.message
            if msg.startswith(method + ": "):
                msg = msg[len(method) + 2 :]
            err: dict[str, Any] = {"code": value.code if value.code is not None else -32000}
            err["message"] = msg
            if value.data is not None:
                err["data"] = value.data
            return {"jsonrpc": "2.0", "id": rid, "error": err}
        if isinstance(value, BaseException):
            raise value
        return {"jsonrpc": "2.0", "id": rid, "result": value}

    class TransportProvider(AsyncBaseProvider):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self._ids = itertools.count(1)

        async def make_request(self, method: Any, params: Any) -> Any:
            try:
                value: Any = await transport.request(str(method), list(params or ()))
            except RpcResponseError as exc:
                value = exc
            return wrap(str(method), value, next(self._ids))

        async def make_batch_request(self, requests: list[tuple[Any, Any]]) -> Any:
            calls = [(str(m), list(p or ())) for m, p in requests]
            results = await transport.batch(calls)
            return [wrap(m, r, next(self._ids)) for (m, _), r in zip(calls, results, strict=True)]

        async def is_connected(self, show_traceback: bool = False) -> bool:
            try:
                await transport.request("eth_chainId", ())
            except RpcError:
                if show_traceback:
                    raise
                return False
            return True

        async def disconnect(self) -> None:
            return None  # the ChainClient owns (and closes) the transport

    return TransportProvider()
