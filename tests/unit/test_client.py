"""ChainClient on a MockTransport: construction from URLs, chain-id check, logs, web3 view."""

from __future__ import annotations

from typing import Any

import pytest
from eth_typing import HexStr
from eth_utils.address import to_checksum_address

from interop.chains.model import Chain
from interop.client import ChainClient
from interop.errors import ChainIdMismatchError, ConfigError, ExecutionRevertedError
from interop.rpc import FallbackTransport, HttpTransport, MockTransport

CHAIN = Chain(id=10, name="op", rpc_urls=("http://127.0.0.1:1/a", "http://127.0.0.1:2/b"))


async def test_from_urls_builds_fallback_with_chain_check() -> None:
    async with ChainClient.from_urls(CHAIN, timeout=3.0) as c:
        assert isinstance(c.transport, FallbackTransport)
        assert c.transport.expected_chain_id == 10
        assert all(
            isinstance(t, HttpTransport) and t.timeout == 3.0 for t in c.transport.transports
        )
    async with ChainClient.from_urls(CHAIN, ["http://127.0.0.1:3/"]) as c:
        assert isinstance(c.transport, HttpTransport)
        assert c.transport.expected_chain_id == 10
    with pytest.raises(ConfigError):
        ChainClient.from_urls(Chain(id=1, name="x"))


async def test_default_transport_checks_chain_id() -> None:
    async with ChainClient(CHAIN) as c:
        assert isinstance(c.transport, FallbackTransport)
        assert c.transport.expected_chain_id == 10


async def test_ensure_chain_id() -> None:
    mock = MockTransport(chain_id=11)
    async with ChainClient(CHAIN, mock) as c:
        with pytest.raises(ChainIdMismatchError) as ei:
            await c.ensure_chain_id()
    assert ei.value.actual == 11 and ei.value.expected == 10
    ok = MockTransport(chain_id=10)
    async with ChainClient(CHAIN, ok) as c:
        await c.ensure_chain_id()
        await c.ensure_chain_id()
    assert ok.methods() == ["eth_chainId"]


async def test_owned_transport_is_closed() -> None:
    mock = MockTransport(chain_id=10)
    async with ChainClient(CHAIN, mock, owns_transport=True):
        pass
    assert mock.closed
    shared = MockTransport(chain_id=10)
    async with ChainClient(CHAIN, shared):
        pass
    assert not shared.closed


async def test_get_logs_splits_refused_ranges() -> None:
    logs: list[dict[str, Any]] = [
        {
            "address": "0x" + "11" * 20,
            "topics": [],
            "data": "0x",
            "blockNumber": hex(b),
            "blockHash": "0x" + format(b, "064x"),
            "transactionHash": "0x" + format(b, "064x"),
            "logIndex": "0x0",
        }
        for b in range(0, 64, 5)
    ]

    def handler(method: str, params: list[Any]) -> Any:
        if method == "eth_blockNumber":
            return hex(63)
        flt = params[0]
        lo = int(flt["fromBlock"], 16)
        hi = 63 if flt["toBlock"] == "latest" else int(flt["toBlock"], 16)
        if hi - lo >= 16:
            from interop.errors import RpcResponseError

            raise RpcResponseError("eth_getLogs: block range too large", code=-32000)
        return [x for x in logs if lo <= int(x["blockNumber"], 16) <= hi]

    mock = MockTransport(handler)
    async with ChainClient(CHAIN, mock) as c:
        got = await c.get_logs(from_block=0, to_block="latest")
    assert [g.block_number for g in got] == list(range(0, 64, 5))
    assert mock.methods().count("eth_blockNumber") == 1


async def test_web3_view_goes_through_transport() -> None:
    def handler(method: str, params: list[Any]) -> Any:
        if method == "eth_chainId":
            return "0xa"
        if method == "eth_getBalance":
            return hex(12345)
        if method == "eth_call":
            raise ExecutionRevertedError(
                "eth_call: execution reverted: nope",
                code=3,
                data="0x08c379a0"
                "0000000000000000000000000000000000000000000000000000000000000020"
                "0000000000000000000000000000000000000000000000000000000000000004"
                "6e6f706500000000000000000000000000000000000000000000000000000000",
            )
        raise AssertionError(method)

    mock = MockTransport(handler)
    async with ChainClient(CHAIN, mock, owns_transport=True) as c:
        w3 = c.web3
        assert c.web3 is w3
        assert await w3.eth.chain_id == 10
        assert await w3.eth.get_balance(to_checksum_address("0x" + "22" * 20)) == 12345
        from web3.exceptions import ContractLogicError

        with pytest.raises(ContractLogicError, match="nope"):
            await w3.eth.call({"to": to_checksum_address("0x" + "22" * 20), "data": HexStr("0x")})
    assert "eth_getBalance" in mock.methods()
    assert mock.closed
