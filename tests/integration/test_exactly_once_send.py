"""Exactly once on the send path (issue 8, defects 1 and 2), on a real anvil node.

Faults are injected at the transport seam, around the real HTTP transport, the way a flaky proxy
and a load-balanced RPC with a lagging backend show them to the library:

- `eth_sendRawTransaction` reaches the node (which accepts and mines it), but the caller gets
  `RpcUnreachableError` or "nonce too low" instead of the answer; every resend is lost the same way;
- `eth_getTransactionByHash` / `eth_getTransactionReceipt` answer null for a while after the send;
- the lookups after the receipt (the OP Stack fee: `eth_getRawTransactionByHash`, GasPriceOracle
  reads) fail.

Each test checks the chain, not the library's word: the sender's nonce moved by exactly one, the
recipient received exactly the value, the sender paid exactly value + the reported fee. Before
the fix, the lost-answer tests put three transactions on chain and raised
`RpcResponseError: nonce too low`, or raised `RpcUnreachableError` without a hash for a mined
transfer; the fee test raised `RpcUnreachableError` for a mined transfer.

The node is a private `--network optimism` anvil (so the OP Stack fee path runs), started per test
(~0.3 s): these tests change no shared devnet state.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
from eth_account import Account

from interop.actions.fate import FateKind, tx_fate
from interop.actions.nonce import NonceManager
from interop.actions.transfer import TransferResult, send_native
from interop.actions.tx import send_transaction, submit_transaction, wait_for_receipt
from interop.chains.model import Chain, Stack
from interop.client import ChainClient
from interop.devnet.anvil import DEV_ACCOUNTS, AnvilNode, AnvilOptions
from interop.errors import (
    InputError,
    InteropError,
    InvalidAddressError,
    InvalidAmountError,
    ReceiptTimeoutError,
    RpcError,
    RpcResponseError,
    RpcUnreachableError,
    TransactionReplacedError,
    TransactionUnknownError,
)
from interop.rpc.base import Call
from interop.rpc.http import HttpTransport
from interop.signer import account_from_key
from interop.types import to_address

pytestmark = pytest.mark.integration

CHAIN_ID = 31337
LAGGING = frozenset({"eth_getTransactionByHash", "eth_getTransactionReceipt"})


class FaultyTransport:
    """The real transport, with the faults of a flaky proxy and a lagging backend.

    `lose_sends`: how many `eth_sendRawTransaction` answers are lost (the node still gets the
    bytes unless `forward_lost=False`); the caller sees `send_error` instead. `lag`: seconds after
    the first send during which by-hash lookups answer null. `fail_after_send`: method -> number
    of calls (-1: all) that raise `RpcUnreachableError` once a send happened (a batch containing
    such a method fails as a whole, as over HTTP).
    """

    def __init__(
        self,
        inner: HttpTransport,
        *,
        lose_sends: int = 0,
        send_error: str = "unreachable",
        forward_lost: bool = True,
        lag: float = 0.0,
        fail_after_send: dict[str, int] | None = None,
    ) -> None:
        self.inner = inner
        self.lose_sends = lose_sends
        self.send_error = send_error
        self.forward_lost = forward_lost
        self.lag = lag
        self.fail = dict(fail_after_send or {})
        self.sends = 0
        self.injected: list[str] = []
        self._lag_until: float | None = None

    def _maybe_fail(self, methods: Sequence[str]) -> None:
        if self.sends == 0:
            return
        for m in methods:
            if self.fail.get(m, 0) != 0:
                self.fail[m] -= 1
                self.injected.append(m)
                raise RpcUnreachableError(f"{m}: injected: connection reset")

    async def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        self._maybe_fail([method])
        if method == "eth_sendRawTransaction":
            self.sends += 1
            if self._lag_until is None:
                self._lag_until = time.monotonic() + self.lag
            if self.sends <= self.lose_sends:
                if self.forward_lost:
                    # a refused resend ("nonce too low") is lost the same way
                    with contextlib.suppress(RpcError):
                        await self.inner.request(method, params)
                self.injected.append("send")
                if self.send_error == "nonce too low":
                    raise RpcResponseError(f"{method}: nonce too low", code=-32003)
                raise RpcUnreachableError(f"{method}: injected: answer lost after sending")
        elif (
            method in LAGGING and self._lag_until is not None and time.monotonic() < self._lag_until
        ):
            self.injected.append(f"null {method}")
            return None
        return await self.inner.request(method, params)

    async def batch(self, calls: Sequence[Call]) -> list[Any]:
        self._maybe_fail([m for m, _ in calls])
        return await self.inner.batch(calls)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture
async def node() -> AsyncIterator[AnvilNode]:
    opts = AnvilOptions(
        chain_id=CHAIN_ID, name="exactly-once", extra_args=["--network", "optimism"]
    )
    async with AnvilNode(opts) as n:
        yield n


def _chain(node: AnvilNode) -> Chain:
    return Chain(
        id=CHAIN_ID, name="op-anvil", stack=Stack.OPSTACK, block_time_ms=1000, rpc_urls=(node.url,)
    )


@pytest.fixture
async def real(node: AnvilNode) -> AsyncIterator[ChainClient]:
    """A fault-free client on the same node: the judge of what really happened."""
    async with ChainClient(_chain(node), HttpTransport(node.url)) as c:
        yield c


def _faulty(node: AnvilNode, **faults: Any) -> tuple[ChainClient, FaultyTransport]:
    t = FaultyTransport(HttpTransport(node.url), **faults)
    return ChainClient(_chain(node), t), t


def _fresh() -> str:
    return to_address(os.urandom(20))


SIGNER = account_from_key(DEV_ACCOUNTS[1][1])


async def _balances(real: ChainClient, *addrs: str) -> list[int]:
    return [await real.get_balance(a) for a in addrs]


@pytest.mark.parametrize("send_error", ["unreachable", "nonce too low"])
async def test_lost_answer_sends_exactly_once(
    node: AnvilNode, real: ChainClient, send_error: str
) -> None:
    """Defect 1: the node took the transfer, every answer was lost, lookups lagged."""
    client, faults = _faulty(
        node,
        lose_sends=99,
        send_error=send_error,
        lag=1.5,
        fail_after_send={"eth_getRawTransactionByHash": -1},
    )
    to = _fresh()
    value = 10**15 + 7
    nonce0 = await real.get_nonce(SIGNER.address)
    (sender0,) = await _balances(real, SIGNER.address)
    outcome: TransferResult | InteropError
    async with client:
        try:
            outcome = await send_native(
                client, SIGNER, to, value, nonces=NonceManager(), timeout=30, patience=10
            )
        except InteropError as exc:
            outcome = exc
    assert await real.get_nonce(SIGNER.address, "latest") == nonce0 + 1  # one transaction
    assert await real.get_balance(to) == value  # delivered once
    assert "send" in faults.injected
    if isinstance(outcome, InteropError):
        assert outcome.tx_hash is not None and outcome.may_have_executed, repr(outcome)
        assert await real.get_receipt(outcome.tx_hash) is not None
    else:
        assert outcome.receipt is not None and outcome.receipt.succeeded
        assert outcome.fee is not None
        (sender1,) = await _balances(real, SIGNER.address)
        assert sender0 - sender1 == value + outcome.fee
        mined = await real.get_transaction(outcome.tx_hash)
        assert mined is not None and int(mined["nonce"], 16) == nonce0


@pytest.mark.parametrize(
    "failing",
    [
        # the OP Stack fee: the signed bytes, then GasPriceOracle reads at the block of inclusion
        {"eth_getRawTransactionByHash": -1, "eth_call": 2},
        {"eth_getTransactionReceipt": 2},  # the receipt poll
    ],
    ids=["fee lookups", "receipt poll"],
)
async def test_mined_transfer_is_not_reported_failed_when_lookups_fail(
    node: AnvilNode, real: ChainClient, failing: dict[str, int]
) -> None:
    """Defect 2: the answer arrives, but lookups after the send fail at first."""
    client, faults = _faulty(node, fail_after_send=failing)
    to = _fresh()
    (sender0,) = await _balances(real, SIGNER.address)
    async with client:
        res = await send_native(client, SIGNER, to, 12345, timeout=30)
    assert faults.injected and set(faults.injected) <= set(failing)  # a fault was hit
    assert res.receipt is not None and res.fee is not None
    (sender1,) = await _balances(real, SIGNER.address)
    assert await real.get_balance(to) == 12345
    assert sender0 - sender1 == 12345 + res.fee


async def test_receipt_wait_errors_carry_the_hash(node: AnvilNode, real: ChainClient) -> None:
    """An RPC that fails every receipt lookup: the timeout names the hash and the last error."""
    client, _ = _faulty(node, fail_after_send={"eth_getTransactionReceipt": -1})
    async with client:
        tx_hash = await send_transaction(client, SIGNER, to=_fresh(), value=1)
        with pytest.raises(ReceiptTimeoutError) as info:
            await wait_for_receipt(client, tx_hash, timeout=0.5)
    err = info.value
    assert isinstance(err, InteropError)
    assert err.tx_hash == tx_hash and err.may_have_executed
    assert "RpcUnreachableError" in err.message
    assert await real.get_receipt(tx_hash) is not None


async def test_never_arrived_is_unknown_not_resigned(node: AnvilNode, real: ChainClient) -> None:
    """The bytes never reach the node and nothing can be proven: raise with the hash, sign no
    second transaction, and never hand the (possibly pooled) nonce out again."""
    client, faults = _faulty(node, lose_sends=99, forward_lost=False)
    nonces = NonceManager()
    nonce0 = await real.get_nonce(SIGNER.address)
    t0 = time.monotonic()
    async with client:
        with pytest.raises(TransactionUnknownError) as info:
            await send_native(client, SIGNER, _fresh(), 5, nonces=nonces, patience=1.0)
    assert time.monotonic() - t0 < 10
    err = info.value
    assert err.tx_hash is not None and err.may_have_executed
    assert faults.sends >= 2  # the same bytes were offered again while looking
    assert await real.get_nonce(SIGNER.address) == nonce0  # nothing else was signed and sent
    assert nonces.last_used(client, SIGNER.address) == nonce0  # reserved, not released


async def _use_nonce_elsewhere(real: ChainClient, nonce: int) -> str:
    """Another process with the same key: a different transaction with `nonce`, mined."""
    other = Account.from_key(DEV_ACCOUNTS[1][1]).sign_transaction(
        {
            "chainId": CHAIN_ID,
            "nonce": nonce,
            "to": _fresh(),
            "value": 1,
            "gas": 21_000,
            "maxFeePerGas": 10**10,
            "maxPriorityFeePerGas": 10**9,
            "type": 2,
        }
    )
    h = await real.send_raw_transaction(bytes(other.raw_transaction))
    assert (await wait_for_receipt(real, h, timeout=10)).succeeded
    return h


async def test_replaced_nonce_is_reported_not_waited_on(real: ChainClient) -> None:
    nonce = await real.get_nonce(SIGNER.address)
    other = await _use_nonce_elsewhere(real, nonce)
    to = _fresh()
    t0 = time.monotonic()
    with pytest.raises(TransactionReplacedError) as info:
        await send_transaction(real, SIGNER, to=to, value=77, nonce=nonce, patience=20)
    assert time.monotonic() - t0 < 5  # proven at once, not after the patience ran out
    err = info.value
    assert err.replaced_by == other and err.tx_hash not in (None, other)
    assert not err.may_have_executed
    assert await real.get_balance(to) == 0
    fate = await tx_fate(real, SIGNER.address, nonce, err.tx_hash or "", patience=1)
    assert fate.kind is FateKind.REPLACED and fate.replaced_by == other


class StalePendingCount(FaultyTransport):
    """Answers the first pending-nonce query one too low (a backend behind the others)."""

    stale = False

    async def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        res = await super().request(method, params)
        if method == "eth_getTransactionCount" and params[1] == "pending" and not self.stale:
            self.stale = True
            return hex(int(res, 16) - 1)
        return res


class NotingSigner:
    """The test account, recording what it signed and which of those were proven replaced."""

    def __init__(self) -> None:
        self.signed: list[str] = []
        self.replaced: list[tuple[str, str | None]] = []

    @property
    def address(self) -> str:
        return SIGNER.address

    def sign_transaction(self, tx: dict[str, Any]) -> Any:
        signed = SIGNER.sign_transaction(tx)
        self.signed.append("0x" + bytes(signed.hash).hex())
        return signed

    def note_replaced(self, tx_hash: str, replaced_by: str | None) -> None:
        self.replaced.append((tx_hash, replaced_by))


async def test_proven_replacement_signs_again_once(node: AnvilNode, real: ChainClient) -> None:
    """Our nonce was provably used by our own earlier transaction: sign again with a fresh
    nonce, and the value moves once."""
    earlier = await send_native(real, SIGNER, _fresh(), 1)  # the stale count points at its nonce
    nonce0 = await real.get_nonce(SIGNER.address)
    stale = StalePendingCount(HttpTransport(node.url))
    to = _fresh()
    signer = NotingSigner()
    async with ChainClient(_chain(node), stale) as client:
        sent = await submit_transaction(client, signer, to=to, value=4242, nonces=NonceManager())
        await wait_for_receipt(client, sent.tx_hash)
    assert stale.stale and sent.nonce == nonce0
    assert len(signer.signed) == 2 and signer.signed[1] == sent.tx_hash
    assert signer.replaced == [(signer.signed[0], earlier.tx_hash)]
    assert await real.get_nonce(SIGNER.address) == nonce0 + 1
    assert await real.get_balance(to) == 4242


async def test_zero_value_and_zero_address_refused_before_signing(real: ChainClient) -> None:
    nonce0 = await real.get_nonce(SIGNER.address)
    with pytest.raises(InvalidAmountError, match="zero-value"):
        await send_native(real, SIGNER, _fresh(), 0)
    with pytest.raises(InvalidAddressError, match="zero address"):
        await send_native(real, SIGNER, "0x" + "00" * 20, 5)
    for bad in ({"timeout": 0}, {"patience": -1}):  # a bound that could only fail after sending
        with pytest.raises(InputError, match="seconds"):
            await send_native(real, SIGNER, _fresh(), 5, **bad)
    assert await real.get_nonce(SIGNER.address) == nonce0
    burn = await send_native(real, SIGNER, "0x" + "00" * 20, 5, allow_zero_address=True)
    empty = await send_native(real, SIGNER, _fresh(), 0, allow_zero=True)
    assert burn.receipt is not None and empty.receipt is not None
    assert await real.get_nonce(SIGNER.address) == nonce0 + 2
