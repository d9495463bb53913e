"""`tx_fate` and the nonce manager's bookkeeping, on a scripted chain behind `MockTransport`.

The scripted chain answers what a node would (receipts, transactions by hash, the sender's
transaction count at any block, full blocks), plus the faults a lagging or flaky backend shows:
null for a hash it was just given, failing reads. The bisection must find the block where the
sender's nonce moved past ours in O(log n) count queries.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pytest
from eth_utils.crypto import keccak

from interop.actions.fate import FateKind, tx_fate
from interop.actions.nonce import NonceManager
from interop.actions.tx import send_transaction
from interop.chains.model import Chain
from interop.client import ChainClient
from interop.errors import (
    RpcResponseError,
    RpcUnreachableError,
    TransactionReplacedError,
    TransactionUnknownError,
)
from interop.rpc.mock import MockTransport
from interop.signer import account_from_key

SENDER = "0x" + "aa" * 20
OTHER = "0x" + "bb" * 20
OURS = "0x" + "11" * 32


def h(n: int) -> str:
    return "0x" + n.to_bytes(32, "big").hex()


@dataclass
class ScriptedChain:
    """blocks[i] = list of (from, nonce, hash). Faults: `null_by_hash` (a lagging backend),
    `fail_reads` (method -> number of calls that raise `RpcUnreachableError`)."""

    blocks: list[list[tuple[str, int, str]]]
    pool: set[str] = field(default_factory=set)
    null_by_hash: bool = False
    fail_reads: dict[str, int] = field(default_factory=dict)
    accept_raw: bool = False
    counts: int = 0

    def where(self, tx_hash: str) -> tuple[int, tuple[str, int, str]] | None:
        for n, txs in enumerate(self.blocks):
            for tx in txs:
                if tx[2] == tx_hash:
                    return n, tx
        return None

    def handler(self, method: str, params: list[Any]) -> Any:
        if self.fail_reads.get(method, 0):
            self.fail_reads[method] -= 1
            raise RpcUnreachableError(f"{method}: injected")
        if method == "eth_getTransactionReceipt":
            found = None if self.null_by_hash else self.where(params[0])
            if found is None:
                return None
            n, (frm, _, th) = found
            return {
                "transactionHash": th,
                "blockNumber": hex(n),
                "blockHash": h(10_000 + n),
                "status": "0x1",
                "from": frm,
                "to": OTHER,
                "logs": [],
            }
        if method == "eth_getTransactionByHash":
            if self.null_by_hash:
                return None
            if params[0] in self.pool:
                return {"hash": params[0], "blockNumber": None}
            found = self.where(params[0])
            return None if found is None else {"hash": params[0], "blockNumber": hex(found[0])}
        if method == "eth_blockNumber":
            return hex(len(self.blocks) - 1)
        if method == "eth_getTransactionCount":
            self.counts += 1
            addr, tag = params
            upto = len(self.blocks) - 1 if tag in ("latest", "pending") else int(tag, 16)
            return hex(sum(1 for b in self.blocks[: upto + 1] for t in b if t[0] == addr))
        if method == "eth_getBlockByNumber":
            n = int(params[0], 16)
            txs = [{"from": f, "nonce": hex(nn), "hash": th} for f, nn, th in self.blocks[n]]
            return {"number": hex(n), "transactions": txs}
        if method == "eth_sendRawTransaction":
            if self.accept_raw:
                return OURS
            raise RpcResponseError("nonce too low")
        raise RpcResponseError(f"{method}: method not found", code=-32601)


def chain_with(n_blocks: int, sender_txs: dict[int, str]) -> ScriptedChain:
    """`n_blocks` blocks; the sender's k-th transaction (nonce k) lands in the given blocks."""
    blocks: list[list[tuple[str, int, str]]] = [[(OTHER, i, h(i + 1))] for i in range(n_blocks)]
    for nonce, (block, tx_hash) in enumerate(sorted(sender_txs.items())):
        blocks[block].append((SENDER, nonce, tx_hash))
    return ScriptedChain(blocks)


def client_for(chain: ScriptedChain) -> tuple[ChainClient, MockTransport]:
    t = MockTransport(chain.handler, chain_id=10)
    return ChainClient(Chain(id=10, name="scripted", block_time_ms=2000), t), t


async def test_mined_by_receipt() -> None:
    chain = chain_with(50, {3: h(900), 40: OURS})
    client, t = client_for(chain)
    fate = await tx_fate(client, SENDER, 1, OURS, patience=5)
    assert fate.kind is FateKind.MINED and fate.receipt is not None
    assert fate.receipt.block_number == 40 and fate.accepted
    assert t.methods() == ["eth_getTransactionReceipt"]


async def test_lagging_backend_inclusion_proven_from_the_block() -> None:
    chain = chain_with(1000, {10: h(900), 613: OURS})
    chain.null_by_hash = True  # receipts and transactions by hash: null
    client, _ = client_for(chain)
    fate = await tx_fate(client, SENDER, 1, OURS, patience=5)
    assert fate.kind is FateKind.MINED and fate.receipt is None and fate.block_number == 613


@pytest.mark.parametrize("block", [0, 1, 2, 511, 998, 999])
async def test_replaced_found_by_bisection_in_log_queries(block: int) -> None:
    other = h(777)
    chain = chain_with(1000, {block: other})
    client, _ = client_for(chain)
    fate = await tx_fate(client, SENDER, 0, OURS, patience=5)
    assert fate.kind is FateKind.REPLACED and not fate.accepted
    assert fate.replaced_by == other and fate.block_number == block
    assert chain.counts <= 2 * 10 + 2  # galloping + bisection over 1000 blocks


async def test_pending_when_a_node_has_it() -> None:
    chain = chain_with(20, {})
    chain.pool.add(OURS)
    client, _ = client_for(chain)
    fate = await tx_fate(client, SENDER, 0, OURS, patience=5)
    assert fate.kind is FateKind.PENDING and fate.accepted


async def test_unknown_after_patience_rebroadcasting_the_same_bytes() -> None:
    chain = chain_with(20, {})
    client, t = client_for(chain)
    raw = b"\x02signed"
    t0 = time.monotonic()
    fate = await tx_fate(client, SENDER, 0, OURS, patience=0.5, raw=raw)
    assert 0.5 <= time.monotonic() - t0 < 2
    assert fate.kind is FateKind.UNKNOWN and not fate.accepted
    sends = [p for m, p in t.calls if m == "eth_sendRawTransaction"]
    assert len(sends) >= 2 and all(p == ["0x" + raw.hex()] for p in sends)


async def test_rebroadcast_accepted_proves_pending() -> None:
    chain = chain_with(5, {})
    chain.accept_raw = True
    client, _ = client_for(chain)
    fate = await tx_fate(client, SENDER, 0, OURS, patience=5, raw=b"\x02signed")
    assert fate.kind is FateKind.PENDING


async def test_failed_reads_are_unknown_not_absent() -> None:
    """Failing reads neither raise nor count as "not there": the look is repeated."""
    chain = chain_with(30, {25: OURS})
    chain.fail_reads = {"eth_getTransactionReceipt": 3}
    client, _ = client_for(chain)
    fate = await tx_fate(client, SENDER, 0, OURS, patience=10, poll=0.01)
    assert fate.kind is FateKind.MINED and fate.receipt is not None


async def test_lag_then_visible() -> None:
    """Nothing provable at first (the count has not moved on this backend), then mined."""
    chain = chain_with(10, {})
    looks = 0

    def handler(method: str, params: list[Any]) -> Any:
        nonlocal looks
        if method == "eth_getTransactionReceipt":
            looks += 1
            if looks == 3:
                chain.blocks.append([(SENDER, 0, OURS)])
        return chain.handler(method, params)

    client = ChainClient(Chain(id=10, name="scripted"), MockTransport(handler))
    fate = await tx_fate(client, SENDER, 0, OURS, patience=10, poll=0.01)
    assert fate.kind is FateKind.MINED and looks == 3


# ------------------------------------------------------------------ NonceManager bookkeeping


def counting_client(pending: list[int]) -> ChainClient:
    t = MockTransport({"eth_getTransactionCount": lambda p: hex(pending[0])}, chain_id=10)
    return ChainClient(Chain(id=10, name="scripted"), t)


async def test_uncertain_nonce_is_never_handed_out_again() -> None:
    pending = [7]
    client, nonces = counting_client(pending), NonceManager()
    with pytest.raises(RpcUnreachableError):
        async with nonces.reserve(client, SENDER) as slot:
            slot.uncertain()
            raise RpcUnreachableError("answer lost")
    async with nonces.reserve(client, SENDER) as slot:  # the node's count still says 7
        assert slot.nonce == 8


async def test_refused_nonce_is_reused_and_replaced_resyncs() -> None:
    pending = [7]
    client, nonces = counting_client(pending), NonceManager()
    with pytest.raises(RpcResponseError):
        async with nonces.reserve(client, SENDER) as slot:
            slot.uncertain()
            slot.released()  # the node refused these bytes outright
            raise RpcResponseError("insufficient funds")
    async with nonces.reserve(client, SENDER) as slot:
        assert slot.nonce == 7
        slot.sent()
    async with nonces.reserve(client, SENDER) as slot:
        assert slot.nonce == 8
        slot.replaced()  # another transaction used 8 ...
    pending[0] = 5  # ... and the node is trusted again, even when it says less
    async with nonces.reserve(client, SENDER) as slot:
        assert slot.nonce == 5


# ------------------------------------------------------------------ send_transaction decisions

KEY_ACCOUNT = account_from_key("0x" + "42" * 32)


class ScriptedNode(ScriptedChain):
    """A `ScriptedChain` that also answers what signing needs, and scripts the submit answer.

    `submit(raw_hex, n)` returns the answer for the n-th submission (or raises). `lag_pending`
    makes the pending count lag behind by that much (a backend behind the others).
    """

    def __init__(self, submit: Any, *, lag_pending: int = 0, used_elsewhere: bool = False) -> None:
        super().__init__(chain_with(20, {}).blocks)
        self.submit = submit
        self.lag_pending = lag_pending
        self.used_elsewhere = used_elsewhere
        self.raws: list[str] = []

    def handler(self, method: str, params: list[Any]) -> Any:
        if method == "eth_chainId":
            return hex(10)
        if method == "eth_getBlockByNumber" and params[0] == "latest":
            return {"number": hex(len(self.blocks) - 1), "baseFeePerGas": hex(10**9)}
        if method == "eth_maxPriorityFeePerGas":
            return hex(10**8)
        if method == "eth_estimateGas":
            return hex(21_000)
        if method == "eth_getTransactionCount" and params[1] == "pending":
            count = sum(1 for b in self.blocks for t in b if t[0] == params[0])
            return hex(max(count - self.lag_pending, 0))
        if method == "eth_sendRawTransaction":
            self.raws.append(params[0])
            if self.used_elsewhere:  # another process takes the nonce first, every time
                n = sum(1 for b in self.blocks for t in b if t[0] == KEY_ACCOUNT.address)
                self.blocks.append([(KEY_ACCOUNT.address, n, h(5000 + n))])
            return self.submit(params[0], len(self.raws))
        return super().handler(method, params)


def node_client(node: ScriptedNode) -> ChainClient:
    return ChainClient(
        Chain(id=10, name="scripted", block_time_ms=2000), MockTransport(node.handler)
    )


def mine(node: ScriptedNode, raw_hex: str) -> str:
    tx_hash = "0x" + keccak(hexstr=raw_hex).hex()
    n = sum(1 for b in node.blocks for t in b if t[0] == KEY_ACCOUNT.address)
    node.blocks.append([(KEY_ACCOUNT.address, n, tx_hash)])
    return tx_hash


async def test_refusal_raises_plainly_and_frees_the_nonce() -> None:
    def submit(raw: str, n: int) -> Any:
        raise RpcResponseError("insufficient funds for gas * price + value", code=-32000)

    node = ScriptedNode(submit)
    nonces = NonceManager()
    client = node_client(node)
    with pytest.raises(RpcResponseError) as info:
        await send_transaction(client, KEY_ACCOUNT, to=OTHER, value=1, nonces=nonces)
    assert info.value.tx_hash is None and not info.value.may_have_executed
    assert nonces.last_used(client, KEY_ACCOUNT.address) is None
    assert len(node.raws) == 1


@pytest.mark.parametrize(
    "lost",
    [
        RpcUnreachableError("eth_sendRawTransaction: connection reset"),
        RpcResponseError("internal error", code=-32603),  # a load balancer, not the node
        RpcResponseError("nonce too low", code=-32000),
        RpcResponseError("already known", code=-32000),
    ],
    ids=lambda e: e.message,
)
async def test_lost_answer_mined_is_success_with_one_signature(lost: Exception) -> None:
    def submit(raw: str, n: int) -> Any:
        if n == 1:
            mine(node, raw)
        raise lost

    node = ScriptedNode(submit)
    node.null_by_hash = True  # and the backend lags
    tx_hash = await send_transaction(node_client(node), KEY_ACCOUNT, to=OTHER, value=1, patience=5)
    assert node.raws[0] == node.raws[-1] and len(set(node.raws)) == 1
    assert node.where(tx_hash) is not None


async def test_lost_answer_nothing_provable_raises_unknown_with_the_hash() -> None:
    def submit(raw: str, n: int) -> Any:
        raise RpcUnreachableError("eth_sendRawTransaction: connection reset")

    node = ScriptedNode(submit)
    with pytest.raises(TransactionUnknownError) as info:
        await send_transaction(node_client(node), KEY_ACCOUNT, to=OTHER, value=1, patience=0.3)
    assert info.value.may_have_executed and info.value.tx_hash is not None
    assert len(set(node.raws)) == 1 and len(node.raws) >= 2  # re-offered, never re-signed


async def test_replacements_are_bounded() -> None:
    """Every nonce we pick is taken by someone else first: three signatures, then the error."""

    def submit(raw: str, n: int) -> Any:
        raise RpcResponseError("nonce too low", code=-32000)

    node = ScriptedNode(submit, used_elsewhere=True)
    with pytest.raises(TransactionReplacedError) as info:
        await send_transaction(node_client(node), KEY_ACCOUNT, to=OTHER, value=1, patience=5)
    assert len(set(node.raws)) == 3 == len(node.raws)
    assert not info.value.may_have_executed and info.value.replaced_by is not None


async def test_explicit_nonce_replaced_is_reported_not_resigned() -> None:
    def submit(raw: str, n: int) -> Any:
        raise RpcResponseError("nonce too low", code=-32000)

    node = ScriptedNode(submit)
    node.blocks.append([(KEY_ACCOUNT.address, 0, h(4242))])
    with pytest.raises(TransactionReplacedError) as info:
        await send_transaction(node_client(node), KEY_ACCOUNT, to=OTHER, value=1, nonce=0)
    assert info.value.replaced_by == h(4242) and len(node.raws) == 1
