"""`ChainClient`: one chain + one transport. The only object actions and adapters talk to.

It verifies, once, that the transport really serves the configured chain id before anything is
signed for it (`ensure_chain_id`), and offers typed wrappers for the few RPC methods interop uses.
An `AsyncWeb3` view (`.web3`) is available for users who prefer web3.py's API.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from interop.chains.model import Chain
from interop.errors import ChainIdMismatchError, ConfigError
from interop.rpc.base import Call, Transport
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
            from interop.rpc.http import HttpTransport

            transport = HttpTransport(chain.rpc_urls[0])
            owns_transport = True if owns_transport is None else owns_transport
        self.transport = transport
        self._owns = bool(owns_transport)
        self._verified = False
        self._verify_lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"ChainClient({self.chain.name!r}, id={self.chain.id})"

    async def __aenter__(self) -> ChainClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
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
                url = self.chain.rpc_urls[0] if self.chain.rpc_urls else repr(self.transport)
                raise ChainIdMismatchError(url, self.chain.id, actual)
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
    ) -> list[Log]:
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
        res = await self.request("eth_getLogs", [flt])
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
        """An `AsyncWeb3` on this chain's first URL, for users who want web3.py's API.

        It has its own connection; interop's own calls never go through it.
        """
        from web3 import AsyncHTTPProvider, AsyncWeb3

        if not self.chain.rpc_urls:
            raise ConfigError(f"chain {self.chain.name} has no RPC URL for a web3 view")
        return AsyncWeb3(AsyncHTTPProvider(self.chain.rpc_urls[0]))
