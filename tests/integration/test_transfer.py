"""Native transfers on every devnet chain, against real anvil nodes.

Accounts 4-7 of `DEV_ACCOUNTS` belong to this file. Balances are compared between the block
before and the block of each transfer (automine: one transaction per block), so other tests and
the devnet relayers cannot disturb the deltas.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import os
import pickle
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
from eth_utils.crypto import keccak

from interop.actions.fees import estimate_fees
from interop.actions.nonce import NonceManager
from interop.actions.transfer import TransferResult, send_native
from interop.actions.tx import send_transaction, wait_for_receipt
from interop.chains.model import Chain, Stack
from interop.client import ChainClient
from interop.devnet.anvil import DEV_ACCOUNTS, AnvilNode, AnvilOptions
from interop.devnet.core import Devnet
from interop.errors import (
    ChainIdMismatchError,
    InsufficientFundsError,
    InvalidAddressError,
    InvalidAmountError,
    MissingSignerError,
    ReceiptTimeoutError,
    RpcResponseError,
)
from interop.rpc.base import Call
from interop.rpc.http import HttpTransport
from interop.signer import SafeSigner, account_from_key
from interop.types import to_address
from interop.units import ether, gwei

pytestmark = pytest.mark.integration

L1_FEE_VAULT = "0x420000000000000000000000000000000000001A"
"""OP Stack predeploy that receives the L1 data fee (anvil's OP mode pays it there too)."""

SENDER, BATCH_SENDER, RESYNC_SENDER, SAFETY_SENDER = 4, 5, 6, 7


def _signer(i: int) -> SafeSigner:
    return account_from_key(DEV_ACCOUNTS[i][1])


def _fresh_address() -> str:
    return to_address(os.urandom(20))


def _client(devnet: Devnet, cid: int) -> ChainClient:
    return ChainClient(devnet.chain(cid), devnet.transport(cid), owns_transport=False)


@pytest.fixture
async def own_node() -> AsyncIterator[AnvilNode]:
    """A private anvil (chain 31337), for tests that change mining mode or hardfork."""
    async with AnvilNode(AnvilOptions(chain_id=31337, name="transfer-own")) as node:
        yield node


def _node_chain(node: AnvilNode, cid: int = 31337) -> Chain:
    return Chain(id=cid, name="own-anvil", stack=Stack.L1, block_time_ms=1000, rpc_urls=(node.url,))


@pytest.mark.parametrize("cid", [900, 901, 902, 903])
async def test_transfer_exact_to_the_wei(devnet: Devnet, cid: int) -> None:
    client = _client(devnet, cid)
    signer = _signer(SENDER)
    to = _fresh_address()
    value = ether("0.0123456789") + 7
    result = await send_native(client, signer, to, value, timeout=30)

    assert result.receipt is not None and result.receipt.succeeded
    assert result.fee is not None
    assert (result.chain_id, result.to, result.value) == (cid, to, value)
    n = result.receipt.block_number
    tx = await client.get_transaction(result.tx_hash)
    assert tx is not None and int(tx["chainId"], 16) == cid  # EIP-155: chain id signed in

    async def delta(addr: str) -> int:
        return await client.get_balance(addr, n) - await client.get_balance(addr, n - 1)

    assert await delta(to) == value
    sender_paid = -(await delta(signer.address))
    if devnet.chain(cid).stack is Stack.OPSTACK:
        # anvil's receipts carry no l1Fee; `fee` adds the L1 fee it charges (to the L1FeeVault).
        l1_fee = await delta(L1_FEE_VAULT)
        assert result.fee == result.receipt.fee + l1_fee
        if "opstack" in {c.name for c in devnet.components}:
            assert l1_fee > 0  # the relayer keeps L1Block current, so an L1 fee is charged
    else:
        assert result.fee == result.receipt.gas_used * result.receipt.effective_gas_price
    assert sender_paid == value + result.fee


async def test_fifty_concurrent_transfers_get_distinct_nonces(devnet: Devnet) -> None:
    client = _client(devnet, 900)
    signer = _signer(BATCH_SENDER)
    nonces = NonceManager()
    to = _fresh_address()
    start_nonce = await client.get_nonce(signer.address)
    values = [gwei(1000) + i for i in range(50)]

    t0 = time.perf_counter()
    results = await asyncio.gather(
        *(send_native(client, signer, to, v, nonces=nonces, timeout=60) for v in values)
    )
    elapsed = time.perf_counter() - t0

    txs = await asyncio.gather(*(client.get_transaction(r.tx_hash) for r in results))
    used = sorted(int(tx["nonce"], 16) for tx in txs if tx is not None)
    assert used == list(range(start_nonce, start_nonce + 50))
    assert all(r.receipt is not None and r.receipt.succeeded for r in results)
    assert await client.get_balance(to) == sum(values)
    assert nonces.last_used(client, signer.address) == start_nonce + 49
    assert elapsed < 30, f"50 transfers took {elapsed:.1f}s"


class LaggingTransport:
    """Forwards to a real node, but answers the first pending-nonce query one too low,
    as a load-balanced RPC whose backend lags behind does."""

    def __init__(self, inner: HttpTransport) -> None:
        self.inner = inner
        self.lagged = False

    async def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        res = await self.inner.request(method, params)
        if method == "eth_getTransactionCount" and not self.lagged and int(res, 16) > 0:
            self.lagged = True
            return hex(int(res, 16) - 1)
        return res

    async def batch(self, calls: Sequence[Call]) -> list[Any]:
        return await self.inner.batch(calls)

    async def aclose(self) -> None:
        pass


async def test_nonce_too_low_resyncs_and_sends_once(devnet: Devnet) -> None:
    real = _client(devnet, 903)
    signer = _signer(RESYNC_SENDER)
    await send_native(real, signer, _fresh_address(), 1)  # so the nonce is > 0
    lagging = LaggingTransport(HttpTransport(devnet.nodes[903].url))
    client = ChainClient(devnet.chain(903), lagging)
    to = _fresh_address()
    before = await real.get_nonce(signer.address)
    try:
        result = await send_native(client, signer, to, 12345, nonces=NonceManager())
    finally:
        await lagging.inner.aclose()
    assert lagging.lagged
    assert result.receipt is not None
    assert await real.get_nonce(signer.address) == before + 1
    assert await real.get_balance(to) == 12345

    # Without a NonceManager too: the stale count's nonce is proven used by our earlier
    # transaction (REPLACED, not a guess), so exactly one new transaction is signed and mined.
    lagging2 = LaggingTransport(HttpTransport(devnet.nodes[903].url))
    before = await real.get_nonce(signer.address)
    to2 = _fresh_address()
    try:
        await send_transaction(ChainClient(devnet.chain(903), lagging2), signer, to=to2, value=1)
    finally:
        await lagging2.inner.aclose()
    assert lagging2.lagged
    deadline = asyncio.get_running_loop().time() + 30
    while await real.get_balance(to2) == 0 and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.1)
    assert await real.get_nonce(signer.address, "latest") == before + 1
    assert await real.get_balance(to2) == 1


async def test_insufficient_funds_refused_before_sending(devnet: Devnet) -> None:
    client = _client(devnet, 900)
    poor = account_from_key(keccak(b"interop tests: transfer / poor account"))
    balance = ether("0.001")
    await devnet.transport(900).request("anvil_setBalance", [poor.address, hex(balance)])
    nonce = await client.get_nonce(poor.address)

    with pytest.raises(InsufficientFundsError) as info:
        await send_native(client, poor, _fresh_address(), balance)  # gas pushes it over
    assert info.value.balance == balance
    assert info.value.required > balance
    assert await client.get_nonce(poor.address) == nonce
    assert await client.get_balance(poor.address) == balance

    fees = await estimate_fees(client)
    affordable = balance - fees.max_cost(21_000)
    r = await send_native(client, poor, _fresh_address(), affordable, fees=fees)
    assert r.receipt is not None and r.value == affordable


async def test_overspending_concurrent_sends_refused_by_node_mapped(devnet: Devnet) -> None:
    client = _client(devnet, 903)
    poor = account_from_key(keccak(b"interop tests: transfer / overspending account"))
    balance = ether("0.01")
    await devnet.transport(903).request("anvil_setBalance", [poor.address, hex(balance)])
    fees = await estimate_fees(client)
    # Each passes the pre-send balance check alone (they run concurrently), only two fit: the
    # third is refused by the node and must surface as InsufficientFundsError too.
    value = (balance - 2 * fees.max_cost(21_000)) // 2
    nonces = NonceManager()
    outcomes = await asyncio.gather(
        *(send_native(client, poor, _fresh_address(), value, nonces=nonces) for _ in range(3)),
        return_exceptions=True,
    )
    sent = [o for o in outcomes if isinstance(o, TransferResult)]
    refused = [o for o in outcomes if isinstance(o, InsufficientFundsError)]
    assert (len(sent), len(refused)) == (2, 1), outcomes
    assert refused[0].balance < refused[0].required
    assert await client.get_nonce(poor.address) == 2


class SpySigner:
    def __init__(self, inner: SafeSigner) -> None:
        self.inner = inner
        self.calls = 0

    @property
    def address(self) -> str:
        return self.inner.address

    def sign_transaction(self, transaction_dict: dict[str, Any]) -> Any:
        self.calls += 1
        return self.inner.sign_transaction(transaction_dict)


async def test_chain_id_mismatch_refused_before_signing(devnet: Devnet) -> None:
    url = devnet.nodes[900].url
    wrong = Chain(id=1, name="claims-mainnet", stack=Stack.L1, rpc_urls=(url,))
    spy = SpySigner(_signer(SENDER))
    real = _client(devnet, 900)
    nonce = await real.get_nonce(spy.address)
    async with ChainClient(wrong) as client:
        with pytest.raises(ChainIdMismatchError) as info:
            await send_native(client, spy, _fresh_address(), 1)
        with pytest.raises(ChainIdMismatchError):
            await send_transaction(client, spy, to=_fresh_address(), value=1)
    assert (info.value.expected, info.value.actual) == (1, 900)
    assert spy.calls == 0
    assert await real.get_nonce(spy.address) == nonce


async def test_input_validation_before_any_rpc(devnet: Devnet) -> None:
    client = _client(devnet, 900)
    signer = _signer(SENDER)
    good = "0x52908400098527886E0F7030069857D2E4169EE7"  # EIP-55 spec vector
    with pytest.raises(MissingSignerError):
        await send_native(client, None, good, 1)
    with pytest.raises(InvalidAddressError):
        await send_native(client, signer, "0x52908400098527886E0F7030069857D2E4169Ee7", 1)
    for bad in (0.1, -1, True, "1", 2**256):
        with pytest.raises(InvalidAmountError):
            await send_native(client, signer, good, bad)  # type: ignore[arg-type]


async def test_receipt_timeout_then_mined(own_node: AnvilNode) -> None:
    async with ChainClient(_node_chain(own_node)) as client:
        await client.request("evm_setAutomine", [False])
        signer = _signer(SENDER)
        to = _fresh_address()
        t0 = time.perf_counter()
        with pytest.raises(ReceiptTimeoutError) as info:
            await send_native(client, signer, to, 777, timeout=0.3)
        assert time.perf_counter() - t0 < 5
        tx_hash = info.value.tx_hash
        assert tx_hash is not None and tx_hash in str(info.value)
        await client.request("evm_mine", [])
        rcpt = await wait_for_receipt(client, tx_hash, timeout=5)
        assert rcpt.succeeded and await client.get_balance(to) == 777


async def test_legacy_chain_gets_type0_with_eip155() -> None:
    opts = AnvilOptions(chain_id=31338, name="transfer-berlin", extra_args=["--hardfork", "berlin"])
    async with AnvilNode(opts) as node, ChainClient(_node_chain(node, 31338)) as client:
        fees = await estimate_fees(client)
        assert fees.legacy and fees.base_fee is None
        assert fees.gas_price == int(await client.request("eth_gasPrice"), 16)
        r = await send_native(client, _signer(SENDER), _fresh_address(), 5)
        tx = await client.get_transaction(r.tx_hash)
        assert tx is not None and int(tx["type"], 16) == 0
        assert int(tx["v"], 16) in (31338 * 2 + 35, 31338 * 2 + 36)  # EIP-155 v


class NoPriorityFeeMethod:
    """A real node behind an RPC that lacks eth_maxPriorityFeePerGas (as some L2 RPCs do)."""

    def __init__(self, inner: HttpTransport) -> None:
        self.inner = inner

    async def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        if method == "eth_maxPriorityFeePerGas":
            raise RpcResponseError(f"{method}: method not found", code=-32601)
        return await self.inner.request(method, params)

    async def batch(self, calls: Sequence[Call]) -> list[Any]:
        out: list[Any] = []
        for m, p in calls:
            try:
                out.append(await self.request(m, p))
            except RpcResponseError as exc:
                out.append(exc)
        return out

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_fee_fallback_without_max_priority_fee(own_node: AnvilNode) -> None:
    transport = NoPriorityFeeMethod(HttpTransport(own_node.url))
    async with ChainClient(_node_chain(own_node), transport, owns_transport=True) as c:
        fees = await estimate_fees(c)
        base = int((await c.get_block("latest"))["baseFeePerGas"], 16)
        gas_price = int(await c.request("eth_gasPrice"), 16)
        # anvil's fee history has zero rewards, so the last fallback applies: gasPrice - baseFee
        assert fees.base_fee == base
        assert fees.max_priority_fee_per_gas == gas_price - base
        assert fees.max_fee_per_gas == 2 * base + fees.max_priority_fee_per_gas
        r = await send_native(c, _signer(SENDER), _fresh_address(), 9, fees=fees)
        assert r.receipt is not None


async def test_key_never_appears(devnet: Devnet, caplog: pytest.LogCaptureFixture) -> None:
    key = DEV_ACCOUNTS[SAFETY_SENDER][1]
    forms = {key, key[2:], key.upper(), key[2:].upper(), "0X" + key[2:].upper()}
    caplog.set_level(logging.DEBUG)
    client = _client(devnet, 902)
    signer = account_from_key(key)
    result: TransferResult = await send_native(client, signer, _fresh_address(), 1)
    texts = [repr(signer), str(signer), f"{signer}", f"{signer!r}", repr(result), str(result)]
    errors: list[BaseException] = []
    for bad_key in (key[:-2], key + "00", key.replace("0x", "0xzz"), key[2:] + " x"):
        try:
            account_from_key(bad_key)
        except Exception as exc:
            errors.append(exc)
    for action in (pickle.dumps, copy.copy, copy.deepcopy):
        try:
            action(signer)
        except Exception as exc:
            errors.append(exc)
    try:
        await send_native(client, signer, _fresh_address(), ether("1000000"))
    except InsufficientFundsError as exc:
        errors.append(exc)
    for tx in (
        {"to": _fresh_address(), "value": 1, "nonce": 0, "gas": 21_000, "gasPrice": 1},
        {"to": "0xnot-an-address", "value": 1, "nonce": 0, "gas": 1, "chainId": 902},
    ):
        try:
            signer.sign_transaction(tx)
        except Exception as exc:
            errors.append(exc)
    assert len(errors) == 10
    texts += [t for e in errors for t in (str(e), repr(e), repr(e.args))]
    assert any(r.name == "interop.tx" and signer.address in r.getMessage() for r in caplog.records)
    texts += [r.getMessage() for r in caplog.records] + [caplog.text]
    for text in texts:
        for form in forms:
            assert form not in text
        assert key[2:] not in text.lower()
