"""ZKsync flows beyond the conformance kit, on the devnet emulation, and the spec checked
against its Solidity.

- the canonical priority-op hash and l2TransactionBaseCost: the spec (Python) against the
  Mailbox emulation's abi.encode / _deriveL2GasPrice (Solidity), independently written;
- the batch root on L1 is the spec's root of the batch's logs; the node's proof passes the L1
  Mailbox's `proveL2MessageInclusion` and a tampered one does not;
- finalize before the batch is executed: NotReadyError, nothing signed; finalize twice:
  AlreadyDoneError; finalized by someone else: FINALIZED and AlreadyDoneError, no revert;
- a wrong proof from the node (injected at the transport seam): refused before signing;
- claim a deposit that succeeded, or one that failed on L2 (refunded there): AlreadyDoneError;
- wrong chain pair, an L2 gas limit the Mailbox refuses: refused before signing; an L2 -> L1 message with value: refused before
  signing (sendToL1 carries bytes only).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
import pytest_asyncio
from eth_abi.abi import decode as abi_decode

from interop.actions.contract import call_one, send_call
from interop.adapters.base import AdapterContext, BridgeRequest, Direction, FlowKind, Status
from interop.adapters.zksync import ZkSyncAdapter, adapter_factory
from interop.chains.model import ContractName
from interop.client import ChainClient
from interop.devnet.core import Devnet
from interop.devnet.zksync import ZkSyncDevnet
from interop.errors import (
    AlreadyDoneError,
    BridgeError,
    ExecutionRevertedError,
    NotReadyError,
    UnsupportedOperationError,
)
from interop.rpc.base import Call, Transport
from interop.rpc.http import HttpTransport
from interop.signer import SafeSigner, account_from_key
from interop.spec.zksync import abis
from interop.spec.zksync.addresses import L2_BASE_TOKEN
from interop.spec.zksync.logs import full_logs_root, logs_root
from interop.spec.zksync.priority import ERA_FEE_PARAMS, CanonicalTx, base_cost
from interop.testing.conformance import fresh_address
from interop.types import Address, hex_to_bytes
from interop.units import ether
from tests.integration.test_zksync_conformance import L1, L2, zksync_config


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def devnet() -> AsyncIterator[Devnet]:
    async with Devnet(zksync_config()) as dn:
        yield dn


Env = tuple[Devnet, SafeSigner, ChainClient, ChainClient]


@pytest_asyncio.fixture(loop_scope="session")
async def env(devnet: Devnet) -> AsyncIterator[Env]:
    me = account_from_key(os.urandom(32))
    for cid in (L1, L2):
        await devnet.transport(cid).request("anvil_setBalance", [me.address, hex(ether("100"))])
    l1, l2 = ChainClient(devnet.chain(L1)), ChainClient(devnet.chain(L2))
    try:
        yield devnet, me, l1, l2
    finally:
        await l1.aclose()
        await l2.aclose()


def zk(devnet: Devnet) -> ZkSyncDevnet:
    comp = devnet.component("zksync")
    assert isinstance(comp, ZkSyncDevnet)
    return comp


def contracts(devnet: Devnet) -> dict[str, str]:
    return dict(devnet.chain(L2).parent_contracts[L1])


async def _withdraw(env: Env, value: int) -> tuple[ZkSyncAdapter, AdapterContext, Any]:
    _, me, l1, l2 = env
    a = adapter_factory()
    ctx = AdapterContext(l2, l1, me)
    ref = await a.initiate(ctx, BridgeRequest(FlowKind.ETH, value, fresh_address()))
    return a, ctx, ref


async def test_spec_matches_the_solidity_mailbox(env: Env) -> None:
    devnet, me, l1, l2 = env
    c = contracts(devnet)
    hub = c[ContractName.ZK_BRIDGEHUB]
    for price in (1, 10**9, 37 * 10**9):
        got = await call_one(l1, hub, abis.BASE_COST, L2, price, 250_000, 800)
        assert got == base_cost(price, 250_000, 800, ERA_FEE_PARAMS)
    a = adapter_factory()
    ctx = AdapterContext(l1, l2, me)
    req = BridgeRequest(FlowKind.MESSAGE, 5, await _recorder(devnet), data=b"\x01\x02" * 40)
    ref = await a.initiate(ctx, req)
    rcpt = await l1.get_receipt(ref.tx_hash)
    assert rcpt is not None
    (ev,) = [lg for lg in rcpt.logs if lg.topics[0] == abis.NEW_PRIORITY_REQUEST_TOPIC]
    _, txhash, _, tx, _ = abi_decode(list(abis.NEW_PRIORITY_REQUEST_TYPES), ev.data)
    t = CanonicalTx.from_tuple(tx)
    assert t.hash() == bytes(txhash) == hex_to_bytes(ref.data["l2_hash"])
    assert t.data == req.data and t.value == 5 and t.mint > 5


async def _recorder(devnet: Devnet) -> Address:
    from interop.testing.conformance import RECORDER_CODE

    addr = fresh_address()
    await devnet.transport(L2).request("anvil_setCode", [addr, RECORDER_CODE])
    return addr


async def test_finalize_before_execute_then_twice_and_batch_root(env: Env) -> None:
    devnet, me, l1, l2 = env
    a, ctx, ref = await _withdraw(env, ether("0.01"))
    await zk(devnet).sync()  # sealed and committed, not executed (execution delay)
    st = await a.status(ctx, ref)
    assert st.status is Status.WAITING_TO_FINALIZE and st.native in {"COMMITTED", "PROVEN"}
    assert st.seconds_to_next is not None and st.seconds_to_next > 3000
    nonce = await l1.get_nonce(me.address)
    with pytest.raises(NotReadyError):
        await a.execute_next(ctx, ref)
    assert await l1.get_nonce(me.address) == nonce
    await devnet.advance(st.seconds_to_next)
    st = await a.status(ctx, ref)
    assert st.status is Status.READY_TO_FINALIZE
    # the root the diamond stores is the spec's root of the batch's logs
    seq = zk(devnet).sequencer
    assert seq is not None
    found = seq.batch_for_tx(ref.tx_hash)
    assert found is not None
    batch = found[0]
    diamond = contracts(devnet)[ContractName.ZK_DIAMOND_PROXY]
    stored = await call_one(l1, diamond, abis.L2_LOGS_ROOT_HASH, batch.number)
    assert stored == full_logs_root(logs_root([lg.leaf() for lg, _ in batch.logs]))
    # the node's proof passes the L1 Mailbox; a tampered one does not
    raw = await l2.request("eth_getTransactionReceipt", [ref.tx_hash])
    proof = await l2.request("zks_getL2ToL1LogProof", [ref.tx_hash, 0])
    path = [hex_to_bytes(p) for p in proof["proof"]]
    msg = (int(raw["l1BatchTxIndex"], 16), L2_BASE_TOKEN, hex_to_bytes(ref.data["message"]))
    prove = abis.PROVE_L2_MESSAGE_INCLUSION
    assert await call_one(l1, diamond, prove, batch.number, proof["id"], msg, path)
    bad = [*path[:3], b"\x11" * 32, *path[4:]]
    assert not await call_one(l1, diamond, prove, batch.number, proof["id"], msg, bad)
    before = await l1.get_balance(ref.data["l1_receiver"])
    h = await a.execute_next(ctx, ref)
    assert h is not None
    assert await l1.get_balance(ref.data["l1_receiver"]) - before == ether("0.01")
    assert (await a.status(ctx, ref)).status is Status.FINALIZED
    nonce = await l1.get_nonce(me.address)
    with pytest.raises(AlreadyDoneError):
        await a.execute_next(ctx, ref)
    assert await l1.get_nonce(me.address) == nonce


async def test_finalized_by_someone_else_is_reported_not_reverted(env: Env) -> None:
    devnet, _, l1, l2 = env
    a, ctx, ref = await _withdraw(env, ether("0.002"))
    await zk(devnet).sync()
    await devnet.advance((await a.status(ctx, ref)).seconds_to_next or 1)
    st = await a.status(ctx, ref)
    assert st.status is Status.READY_TO_FINALIZE
    # a stranger finalizes it with the same calldata
    raw = await l2.request("eth_getTransactionReceipt", [ref.tx_hash])
    proof = await l2.request("zks_getL2ToL1LogProof", [ref.tx_hash, 0])
    data = await a.finalize_calldata(a._route(ctx), ref, dict(ref.data), raw, proof)
    stranger = account_from_key(os.urandom(32))
    await devnet.transport(L1).request("anvil_setBalance", [stranger.address, hex(ether("1"))])
    await send_call(l1, stranger, contracts(devnet)[ContractName.ZK_NULLIFIER], data)
    assert (await a.status(ctx, ref)).status is Status.FINALIZED
    with pytest.raises(AlreadyDoneError):
        await a.execute_next(ctx, ref)


class _WrongProof:
    """The L2 node's transport, answering `zks_getL2ToL1LogProof` with one sibling changed."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner

    async def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        got = await self.inner.request(method, params)
        if method == "zks_getL2ToL1LogProof" and got is not None:
            got = dict(got)
            got["proof"] = [*got["proof"][:2], "0x" + "22" * 32, *got["proof"][3:]]
        return got

    async def batch(self, calls: Sequence[Call]) -> list[Any]:
        return [await self.request(m, p) for m, p in calls]

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_a_wrong_proof_from_the_node_is_refused_before_signing(env: Env) -> None:
    devnet, me, l1, _ = env
    a, ctx, ref = await _withdraw(env, ether("0.003"))
    await zk(devnet).sync()
    await devnet.advance((await a.status(ctx, ref)).seconds_to_next or 1)
    shim = HttpTransport(devnet.chain(L2).rpc_urls[0])  # the chain's RPC: the zks_ shim
    bad_l2 = ChainClient(devnet.chain(L2), _WrongProof(shim))
    bad = AdapterContext(bad_l2, l1, me)
    nonce = await l1.get_nonce(me.address)
    with pytest.raises(BridgeError, match="does not verify"):
        await a.execute_next(bad, ref)
    assert await l1.get_nonce(me.address) == nonce
    assert (await a.status(ctx, ref)).status is Status.READY_TO_FINALIZE
    await bad_l2.aclose()
    assert await a.execute_next(ctx, ref) is not None  # the honest node's proof works


async def test_claiming_a_deposit_that_succeeded_or_failed(env: Env) -> None:
    devnet, me, l1, l2 = env
    a = adapter_factory()
    ctx = AdapterContext(l1, l2, me)
    ok = await a.initiate(ctx, BridgeRequest(FlowKind.ETH, ether("0.01"), fresh_address()))
    await zk(devnet).sync()
    assert (await a.status(ctx, ok)).status is Status.FINALIZED
    with pytest.raises(AlreadyDoneError, match="succeeded"):
        await a.execute_next(ctx, ok)
    # a call that reverts on L2 (L2BaseToken has no such function): refused unless waived
    junk = BridgeRequest(FlowKind.MESSAGE, 7, L2_BASE_TOKEN, data=b"\xde\xad\xbe\xef")
    assert [r.code for r in await a.refusals(ctx, junk)] == ["l2-call-reverts"]
    junk = BridgeRequest(
        FlowKind.MESSAGE, 7, L2_BASE_TOKEN, data=b"\xde\xad\xbe\xef", gas_limit=200_000
    )
    l2_before = await l2.get_balance(me.address)
    bad = await a.initiate(ctx, junk)
    await zk(devnet).sync()
    st = await a.status(ctx, bad)
    assert st.status is Status.FAILED and st.native == "FAILED"
    refund = await l2.get_balance(me.address) - l2_before
    assert 0 < refund < int(bad.data["mint"])  # the mint minus the fee, refunded on L2
    with pytest.raises(AlreadyDoneError, match="refunded"):
        await a.execute_next(ctx, bad)
    # its failure is provable on L1 through the bootloader's status log, as on Era
    await devnet.advance(3 * 3600)
    h = bad.data["l2_hash"]
    raw = await l2.request("eth_getTransactionReceipt", [h])
    assert [lg["sender"].lower() for lg in raw["l2ToL1Logs"]] == ["0x" + "0" * 36 + "8001"]
    proof = await l2.request("zks_getL2ToL1LogProof", [h, 0])
    args = (
        hex_to_bytes(h),
        int(raw["l1BatchNumber"], 16),
        proof["id"],
        int(raw["l1BatchTxIndex"], 16),
        [hex_to_bytes(p) for p in proof["proof"]],
    )
    diamond = contracts(devnet)[ContractName.ZK_DIAMOND_PROXY]
    prove = abis.PROVE_L1_TO_L2_TRANSACTION_STATUS
    assert await call_one(l1, diamond, prove, *args, 0)  # Failure
    assert not await call_one(l1, diamond, prove, *args, 1)


async def test_wrong_pairs_and_l2_to_l1_messages_are_refused_before_signing(env: Env) -> None:
    devnet, me, l1, l2 = env
    a = adapter_factory()
    other_l1 = devnet.chain(L2).replace(parent_id=1)
    assert not a.supports(devnet.chain(L1), other_l1)
    assert not a.supports(devnet.chain(L1), devnet.chain(L1))
    req = BridgeRequest(FlowKind.ETH, 1, fresh_address())
    n1, n2 = await l1.get_nonce(me.address), await l2.get_nonce(me.address)
    with pytest.raises(UnsupportedOperationError):
        await a.initiate(AdapterContext(l1, l1, me), req)
    tiny = BridgeRequest(FlowKind.ETH, 1, fresh_address(), gas_limit=50_000)
    with pytest.raises(ExecutionRevertedError):  # the Mailbox refuses it: nothing signed
        await a.initiate(AdapterContext(l1, l2, me), tiny)
    msg = BridgeRequest(FlowKind.MESSAGE, 1, fresh_address(), data=b"hi")
    with pytest.raises(UnsupportedOperationError, match="carries no value"):
        await a.initiate(AdapterContext(l2, l1, me), msg)
    # a deposit ref handed with the clients of the way back
    _, _, wref = await _withdraw(env, 1)
    assert wref.direction is Direction.L2_TO_L1
    with pytest.raises(UnsupportedOperationError):
        await a.status(AdapterContext(l1, l2, me), wref)
    assert await l1.get_nonce(me.address) == n1
    assert await l2.get_nonce(me.address) == n2 + 1  # only the withdrawal above
