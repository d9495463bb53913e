"""`ChainClient`: one chain + one transport. The only object actions and adapters talk to.

It verifies, once, that the transport really serves the configured chain id before anything is
signed for it (`ensure_chain_id`), and offers typed wrappers for the few RPC methods interop uses.
Clients built from URLs (`from_urls`, or no transport given) also check every URL's chain id on
first use, inside the transport. An `AsyncWeb3` view (`.web3`) goes through the same transport,
so it gets the same retry, fallback and chain-id checks; it is created once and closed with the
client.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from interop.chains.model import Chain
from interop.errors import ChainIdMismatchError, ConfigError, RpcError, RpcResponseError
from interop.rpc.base import Call, Transport
from interop.rpc.logs import fetch_logs
from interop.rpc.models import Log, Receipt
from interop.types import Address, Hash32, hex_to_bytes, to_hash32

if TYPE_CHECKING:
    from web3 import AsyncWeb3

__all__ = ["BlockTag", "ChainClient"]

BlockTag = int | str


def _tag(block: BlockTag) -> str:
    return hex(block) if isinstance(block, int) else block


class ChainClient:
    """Async client for one chain. Owns its transport unless `owns_transport=False`."""

    def __init__(
        self,
        chain: Chain,
        transport: Transport | None = None,
        *,
        owns_transport: bool | None = None,
    ) -> None:
        self.chain = chain
        if transport is None:
            if not chain.rpc_urls:
                raise ConfigError(f"chain {chain.name} ({chain.id}) has no RPC URL configured")
            from interop.rpc.fallback import make_transport

            transport = make_transport(chain.rpc_urls, expected_chain_id=chain.id)
            owns_transport = True if owns_transport is None else owns_transport
        self.transport = transport
        self._owns = bool(owns_transport)
        self._verified = False
        self._verify_lock = asyncio.Lock()
        self._web3: AsyncWeb3[Any] | None = None

    @classmethod
    def from_urls(
        cls, chain: Chain, urls: str | Sequence[str] | None = None, **transport_opts: Any
    ) -> ChainClient:
        """A client over `urls` (default: `chain.rpc_urls`), with fallback if there are several.

        Every URL must serve `chain.id` (checked on its first use). `transport_opts` go to
        `make_transport` / `HttpTransport` (timeout, retry, max_batch_size, max_body_bytes,
        max_concurrency, headers, cooldown).
        """
        from interop.rpc.fallback import make_transport

        chosen = chain.rpc_urls if urls is None else urls
        if not chosen:
            raise ConfigError(f"chain {chain.name} ({chain.id}) has no RPC URL configured")
        transport = make_transport(chosen, expected_chain_id=chain.id, **transport_opts)
        return cls(chain, transport, owns_transport=True)

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
        return await self.transport.request(method, params)

    async def batch(self, calls: Sequence[Call]) -> list[Any]:
        return await self.transport.batch(calls)

    # identity
    async def ensure_chain_id(self) -> None:
        """Raise `ChainIdMismatchError` unless the node serves `chain.id`. Cached after success."""
        if self._verified:
            return
        async with self._verify_lock:
            if self._verified:
                return
            actual = int(await self.request("eth_chainId"), 16)
            if actual != self.chain.id:
                url = getattr(self.transport, "display_url", None) or repr(self.transport)
                raise ChainIdMismatchError(str(url), self.chain.id, actual)
            self._verified = True

    # reads
    async def block_number(self) -> int:
        return int(await self.request("eth_blockNumber"), 16)

    async def get_balance(self, address: str, block: BlockTag = "latest") -> int:
        return int(await self.request("eth_getBalance", [address, _tag(block)]), 16)

    async def get_nonce(self, address: str, block: BlockTag = "pending") -> int:
        return int(await self.request("eth_getTransactionCount", [address, _tag(block)]), 16)

    async def get_code(self, address: str, block: BlockTag = "latest") -> bytes:
        return hex_to_bytes(await self.request("eth_getCode", [address, _tag(block)]))

    async def get_storage_at(self, address: str, slot: int, block: BlockTag = "latest") -> bytes:
        return hex_to_bytes(
            await self.request("eth_getStorageAt", [address, hex(slot), _tag(block)])
        )

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
        return hex_to_bytes(await self.request("eth_call", params))

    async def estimate_gas(self, tx: dict[str, Any]) -> int:
        return int(await self.request("eth_estimateGas", [tx]), 16)

    async def get_block(self, block: BlockTag = "latest", *, full: bool = False) -> dict[str, Any]:
        res = await self.request("eth_getBlockByNumber", [_tag(block), full])
        if res is None:
            raise ConfigError(f"block {block} not found on {self.chain.name}")
        return dict(res)

    async def get_block_by_hash(self, block_hash: str) -> dict[str, Any] | None:
        res = await self.request("eth_getBlockByHash", [block_hash, False])
        return dict(res) if res is not None else None

    async def get_receipt(self, tx_hash: str) -> Receipt | None:
        res = await self.request("eth_getTransactionReceipt", [tx_hash])
        return Receipt.from_rpc(res) if res else None

    async def get_transaction(self, tx_hash: str) -> dict[str, Any] | None:
        res = await self.request("eth_getTransactionByHash", [tx_hash])
        return dict(res) if res else None

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
        `max_block_range` splits up front when a provider's cap is known.
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
        res = await fetch_logs(self.transport, flt, max_block_range=max_block_range)
        return [Log.from_rpc(x) for x in res]

    async def send_raw_transaction(self, raw: bytes) -> Hash32:
        return to_hash32(await self.request("eth_sendRawTransaction", ["0x" + raw.hex()]))

    async def get_proof(
        self, address: Address | str, slots: Sequence[bytes | str], block: BlockTag
    ) -> dict[str, Any]:
        keys = [s if isinstance(s, str) else "0x" + s.hex() for s in slots]
        return dict(await self.request("eth_getProof", [address, keys, _tag(block)]))

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
