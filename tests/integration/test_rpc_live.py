"""The transport against a real anvil node (our own, on port 0): batching, chain id, resends."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from eth_account import Account

from interop.chains.model import Chain
from interop.client import ChainClient
from interop.devnet.anvil import DEV_ACCOUNTS, AnvilNode, AnvilOptions
from interop.errors import ChainIdMismatchError
from interop.rpc import HttpTransport, RetryPolicy, make_transport
from interop.types import keccak256

CHAIN_ID = 31_999
FUNDED = 10_000 * 10**18  # anvil's default balance for its dev accounts


@pytest.fixture(scope="module")
async def anvil() -> AsyncIterator[AnvilNode]:
    async with AnvilNode(AnvilOptions(chain_id=CHAIN_ID, name="rpc-live")) as node:
        yield node


async def test_batch_balances_match_single_reads(anvil: AnvilNode) -> None:
    funded = [a for a, _ in DEV_ACCOUNTS]
    others = ["0x" + format(i + 1, "040x") for i in range(2990)]
    calls = [("eth_getBalance", [a, "latest"]) for a in funded + others]
    async with HttpTransport(anvil.url, max_batch_size=500, expected_chain_id=CHAIN_ID) as t:
        start = time.perf_counter()
        out = await t.batch(calls)
        elapsed = time.perf_counter() - start
        # accounts 8 and 9 are used by the resend test below (any order: pytest-randomly)
        assert [int(x, 16) for x in out[:8]] == [FUNDED] * 8
        assert all(int(x, 16) == 0 for x in out[10:])
        singles = [await t.request("eth_getBalance", [a, "latest"]) for a in funded]
        assert singles == out[:10]
    assert elapsed < 5.0  # 3,000 reads in 6 chunks; generous bound for a loaded machine


async def test_wrong_chain_id_sends_nothing(anvil: AnvilNode) -> None:
    wrong = Chain(id=1, name="mainnet-but-not", rpc_urls=(anvil.url,))
    async with ChainClient.from_urls(wrong) as c:
        with pytest.raises(ChainIdMismatchError) as ei:
            await c.get_nonce(DEV_ACCOUNTS[0][0])
    assert ei.value.actual == CHAIN_ID


async def test_fallback_from_dead_url_to_anvil(anvil: AnvilNode) -> None:
    fb = make_transport(
        ["http://127.0.0.1:9/", anvil.url],
        expected_chain_id=CHAIN_ID,
        retry=RetryPolicy(attempts=2, initial=0.001, jitter=0.0),
    )
    async with fb:
        assert int(await fb.request("eth_chainId", []), 16) == CHAIN_ID
        assert int(await fb.request("eth_blockNumber", []), 16) >= 0


async def test_raw_transaction_resend_returns_same_hash(anvil: AnvilNode) -> None:
    sender, key = DEV_ACCOUNTS[9]
    chain = Chain(id=CHAIN_ID, name="rpc-live", rpc_urls=(anvil.url,))
    async with ChainClient.from_urls(chain) as c:
        await c.request("evm_setAutomine", [False])
        try:
            nonce = await c.get_nonce(sender)
            tx = {
                "to": DEV_ACCOUNTS[8][0],
                "value": 1,
                "gas": 21_000,
                "maxFeePerGas": 100 * 10**9,
                "maxPriorityFeePerGas": 10**9,
                "nonce": nonce,
                "chainId": CHAIN_ID,
            }
            signed = Account.sign_transaction(tx, key)
            raw = bytes(signed.raw_transaction)
            first = await c.send_raw_transaction(raw)
            again = await c.send_raw_transaction(raw)  # node already has it in its pool
        finally:
            await c.request("evm_setAutomine", [True])
        await c.request("evm_mine", [])
        mined = await c.send_raw_transaction(raw)  # nonce moved on, but it is this very tx
        receipt = await c.get_receipt(first)
    assert first == again == mined == "0x" + bytes(signed.hash).hex()
    assert first == "0x" + keccak256(raw).hex()
    assert receipt is not None and receipt.succeeded
