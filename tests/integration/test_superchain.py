"""OP Superchain interop end to end: real L2ToL2CrossDomainMessenger / CrossL2Inbox / L1BlockInterop
bytecode (contracts-bedrock 0.17.3) on two `--network optimism` anvils, relayed by the devnet's
auto-relayer or by hand through `SuperchainAdapter.execute_next`.

The sender is a key of this file's own (funded with `anvil_setBalance` on both L2s), so its nonces
never race other test files; recipients are fresh random addresses, so received amounts are exact
to the wei. Uses the session devnet when it has the "superchain" component, else starts one.
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from eth_utils.crypto import keccak

from interop.actions.tx import send_transaction, wait_for_receipt
from interop.adapters.base import (
    Actor,
    AdapterContext,
    BridgeRequest,
    Direction,
    FlowKind,
    FlowRef,
    Status,
)
from interop.adapters.superchain import adapter_factory
from interop.adapters.superchain.adapter import INTEROP_CONTRACT, SuperchainAdapter
from interop.adapters.superchain.message import (
    estimate_relay_gas,
    get_sent_messages,
    identifier_for,
    relay_message,
    relay_outcome,
    verify_identifier,
)
from interop.client import ChainClient
from interop.devnet.core import Devnet, DevnetConfig
from interop.devnet.opstack.artifacts import load
from interop.devnet.presets import default_config
from interop.devnet.superchain import SuperchainDevnet, make_component
from interop.errors import (
    AlreadyDoneError,
    InputError,
    ManualActionRequired,
    MessageNotFoundError,
    NotReadyError,
    RpcTimeoutError,
    UnsupportedOperationError,
)
from interop.signer import SafeSigner, account_from_key
from interop.spec.superchain import abis as A
from interop.spec.superchain.formulas import Identifier
from interop.types import Address, to_address
from interop.units import ether

pytestmark = pytest.mark.integration

OP_A, OP_B = 901, 902
# CALLER PUSH1 0 SSTORE CALLVALUE PUSH1 1 SSTORE PUSH1 0 CALLDATALOAD PUSH1 2 SSTORE STOP:
# records (caller, callvalue, first calldata word) in slots 0, 1, 2.
RECORDER_CODE = "0x33600055346001556000356002" + "5500"


@dataclass
class Env:
    devnet: Devnet
    sc: SuperchainDevnet
    c: dict[int, ChainClient]
    user: SafeSigner
    adapter: SuperchainAdapter

    def ctx(self, src: int, dst: int) -> AdapterContext:
        return AdapterContext(self.c[src], self.c[dst], self.user)


def _fresh() -> Address:
    return to_address(os.urandom(20))


async def _destination_reaches(env: Env, dst: int, ref: FlowRef) -> None:
    """Mine a destination block at the message's time if the destination is behind it: a real
    destination's sequencer has produced blocks by then, while a busy source anvil runs ahead of
    wall time (each block at least a second after its parent) and an idle one never moves."""
    ts = Identifier.from_json(dict(ref.data["identifier"])).timestamp
    if int((await env.c[dst].get_block("latest"))["timestamp"], 16) < ts:
        await env.c[dst].request("evm_mine", [ts])


@pytest.fixture(scope="module")
async def env(devnet: Devnet) -> AsyncIterator[Env]:
    own: Devnet | None = None
    try:
        dn = devnet
        sc = dn.component("superchain")
    except KeyError:
        cfg = default_config(arbitrum=False)
        sc = make_component(l2_ids=(OP_A, OP_B))
        own = Devnet(DevnetConfig(chains=cfg.chains, components=[*cfg.components, sc]))
        await own.start()
        dn = own
    assert isinstance(sc, SuperchainDevnet)
    user = account_from_key(keccak(b"interop.tests.superchain.user"))
    clients = {
        cid: ChainClient(dn.chain(cid), dn.transport(cid), owns_transport=False)
        for cid in (900, OP_A, OP_B)
    }
    for cid in (OP_A, OP_B):
        await clients[cid].request("anvil_setBalance", [user.address, hex(ether("1000"))])
    adapter = adapter_factory()
    adapter.relay_grace = 0.5
    try:
        yield Env(dn, sc, clients, user, adapter)
    finally:
        sc.auto_relay = True
        if own is not None:
            await own.stop()


async def test_devnet_installs_real_interop_predeploys(env: Env) -> None:
    for cid, other in ((OP_A, OP_B), (OP_B, OP_A)):
        c = env.c[cid]
        for name, addr in env.sc.predeploys.items():
            assert await c.get_code(addr) == load(name).deployed_bytecode, (cid, name)
        (dep,) = A.IS_IN_DEPENDENCY_SET.decode(
            await c.call(A.L1_BLOCK, A.IS_IN_DEPENDENCY_SET.encode(other))
        )
        (stranger,) = A.IS_IN_DEPENDENCY_SET.decode(
            await c.call(A.L1_BLOCK, A.IS_IN_DEPENDENCY_SET.encode(903))
        )
        assert dep is True and stranger is False
        # L1BlockInterop keeps serving the L1 values the opstack relayer writes (same layout)
        number = A.Fn("number()", ("uint64",))
        (n,) = number.decode(await c.call(A.L1_BLOCK, number.encode()))
        assert n > 0


async def test_eth_901_to_902_exact(env: Env) -> None:
    to = _fresh()
    value = ether("0.123") + 7
    src_messenger_before = await env.c[OP_A].get_balance(A.L2_TO_L2_CROSS_DOMAIN_MESSENGER)
    ref = await env.adapter.initiate(env.ctx(OP_A, OP_B), BridgeRequest(FlowKind.ETH, value, to))
    assert ref.direction is Direction.L2_TO_L2 and ref.kind is FlowKind.ETH
    await env.sc.sync()
    st = await env.adapter.status(env.ctx(OP_A, OP_B), ref)
    assert (st.status, st.native) == (Status.FINALIZED, "relayed")
    assert await env.c[OP_B].get_balance(to) == value
    # the value left the sender on the source: it is locked in the source messenger
    after = await env.c[OP_A].get_balance(A.L2_TO_L2_CROSS_DOMAIN_MESSENGER)
    assert after - src_messenger_before == value
    # rebuilt from the hash alone
    again = await env.adapter.flow_from_tx(env.ctx(OP_A, OP_B), ref.tx_hash)
    assert again.data["message_hash"] == ref.data["message_hash"]
    assert again.kind is FlowKind.ETH and int(again.data["value"]) == value
    assert again.data["recipient"] == to  # the message's target, not the messenger called


async def test_message_901_to_902_reaches_target(env: Env) -> None:
    target = _fresh()
    await env.c[OP_B].request("anvil_setCode", [target, RECORDER_CODE])
    word = os.urandom(32)
    ref = await env.adapter.initiate(
        env.ctx(OP_A, OP_B), BridgeRequest(FlowKind.MESSAGE, 0, target, data=word)
    )
    await env.sc.sync()
    caller = await env.c[OP_B].get_storage_at(target, 0)
    assert to_address(caller[12:]) == A.L2_TO_L2_CROSS_DOMAIN_MESSENGER
    assert await env.c[OP_B].get_storage_at(target, 2) == word
    # the hash we computed is the one the real messenger stored and emitted
    out = await relay_outcome(env.c[OP_B], ref.data["message_hash"])
    assert out.relayed and out.relay_tx is not None
    rcpt = await env.c[OP_B].get_receipt(out.relay_tx)
    assert rcpt is not None
    emitted = [lg.topics[1] for lg in rcpt.logs if lg.topics[:1] == (A.RELAYED_MESSAGE_TOPIC,)]
    assert emitted == [ref.data["message_hash"]]
    st = await env.adapter.status(env.ctx(OP_A, OP_B), ref)
    assert st.status is Status.FINALIZED and st.details["relay_tx"] == out.relay_tx


async def test_relayer_relays_when_the_destination_mined_nothing_for_a_while(env: Env) -> None:
    """`interop devnet` runs in real time: a destination L2 with no traffic mines no blocks, so
    its latest block stays older than the message. Regression: the relayer waited for the
    destination's clock forever (status "waiting-for-destination-time" with a constant ETA);
    a real destination produces blocks on its own, so the devnet relayer mines one."""
    # time passes on every node with no block mined (what wall-clock time does to idle anvils);
    # the source's clock moves further, so its block is later than any block the destination
    # may mine meanwhile (the background relayers can: seen when this test ran early in a run)
    for cid in env.devnet.nodes:
        await env.devnet.transport(cid).request("evm_increaseTime", [60 if cid == OP_A else 30])
    stale = int((await env.c[OP_B].get_block("latest"))["timestamp"], 16)
    to = _fresh()
    ref = await env.adapter.initiate(
        env.ctx(OP_A, OP_B), BridgeRequest(FlowKind.ETH, ether("0.01"), to)
    )
    assert Identifier.from_json(dict(ref.data["identifier"])).timestamp > stale + 1
    await env.sc.sync(timeout=10)
    st = await env.adapter.status(env.ctx(OP_A, OP_B), ref)
    assert (st.status, st.native) == (Status.FINALIZED, "relayed")
    assert await env.c[OP_B].get_balance(to) == ether("0.01")


async def test_message_902_to_901(env: Env) -> None:
    target = _fresh()
    await env.c[OP_A].request("anvil_setCode", [target, RECORDER_CODE])
    word = os.urandom(32)
    await env.adapter.initiate(
        env.ctx(OP_B, OP_A), BridgeRequest(FlowKind.MESSAGE, 0, target, data=word)
    )
    await env.sc.sync()
    assert await env.c[OP_A].get_storage_at(target, 2) == word


async def test_manual_relay_then_twice_is_already_done(env: Env) -> None:
    env.sc.auto_relay = False
    try:
        to = _fresh()
        value = 10**15 + 3
        ctx = env.ctx(OP_A, OP_B)
        ref = await env.adapter.initiate(ctx, BridgeRequest(FlowKind.ETH, value, to))
        await env.sc.sync()  # relays nothing while auto_relay is off
        await _destination_reaches(env, OP_B, ref)
        st = await env.adapter.status(ctx, ref)
        assert (st.status, st.native, st.next_step) == (
            Status.READY_TO_FINALIZE,
            "ready-to-relay",
            "relay",
        )
        assert await env.c[OP_B].get_balance(to) == 0
        t0 = time.monotonic()
        relay_tx = await env.adapter.execute_next(ctx, ref)  # no relayer: relays after the grace
        assert relay_tx is not None
        assert time.monotonic() - t0 >= env.adapter.relay_grace
        st = await env.adapter.status(ctx, ref)
        assert (st.status, st.native) == (Status.FINALIZED, "relayed")
        assert st.details["relay_tx"] == relay_tx
        assert await env.c[OP_B].get_balance(to) == value
        with pytest.raises(AlreadyDoneError):
            await env.adapter.execute_next(ctx, ref)
        assert await env.c[OP_B].get_balance(to) == value  # paid once
        # straight to the contracts too: the messenger's replay protection holds
        ident = Identifier.from_json(dict(ref.data["identifier"]))
        payload = bytes.fromhex(str(ref.data["payload"])[2:])
        with pytest.raises(AlreadyDoneError):
            await relay_message(env.c[OP_B], env.user, ident, payload, value=value, gas=300_000)
    finally:
        env.sc.auto_relay = True
    # switched back on, the relayer sees it was relayed by someone else and sends nothing
    await env.sc.sync()
    assert env.sc.relayer is not None
    assert env.sc.relayer.relayed[ref.data["message_hash"]] is None
    assert await env.c[OP_B].get_balance(to) == value


async def test_identifier_must_match_the_source_log(env: Env) -> None:
    env.sc.auto_relay = False
    try:
        target = _fresh()
        await env.c[OP_B].request("anvil_setCode", [target, RECORDER_CODE])
        ref = await env.adapter.initiate(
            env.ctx(OP_A, OP_B), BridgeRequest(FlowKind.MESSAGE, 0, target, data=b"\x01" * 32)
        )
        rcpt = await env.c[OP_A].get_receipt(ref.tx_hash)
        assert rcpt is not None
        sent = get_sent_messages(rcpt)[0]
        ident = await identifier_for(env.c[OP_A], sent.log)
        assert ident == Identifier.from_json(dict(ref.data["identifier"]))
        await verify_identifier(env.c[OP_A], ident, sent.message.payload)
        wrong = Identifier(
            ident.origin, ident.block_number, ident.log_index + 1, ident.timestamp, OP_A
        )
        with pytest.raises(MessageNotFoundError):
            await verify_identifier(env.c[OP_A], wrong, sent.message.payload)
        await _destination_reaches(env, OP_B, ref)
        await env.adapter.execute_next(env.ctx(OP_A, OP_B), ref)
        assert await env.c[OP_B].get_storage_at(target, 2) == b"\x01" * 32
    finally:
        env.sc.auto_relay = True


class _TimeoutInnerEstimate:
    """The destination's transport, timing out the estimate of the messenger's inner call (a
    fault at the transport seam; the node behind it is real)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        if method == "eth_estimateGas" and str(params[0].get("from", "")).lower() == (
            A.L2_TO_L2_CROSS_DOMAIN_MESSENGER.lower()
        ):
            raise RpcTimeoutError("read timed out")
        return await self.inner.request(method, params)

    async def batch(self, calls: Sequence[Any]) -> list[Any]:
        return [await self.request(m, p) for m, p in calls]

    async def aclose(self) -> None:
        pass


async def test_relay_gas_timeout_is_not_a_target_needing_nothing(env: Env) -> None:
    """A timeout while sizing the target's call must surface: taken as "the target reverts"
    (inner gas 0), the relay would be under-gassed and the message fail for good."""
    env.sc.auto_relay = False
    try:
        target = _fresh()
        await env.c[OP_B].request("anvil_setCode", [target, RECORDER_CODE])
        ref = await env.adapter.initiate(
            env.ctx(OP_A, OP_B), BridgeRequest(FlowKind.MESSAGE, 0, target, data=b"\x02" * 32)
        )
        await _destination_reaches(env, OP_B, ref)
        ident = Identifier.from_json(dict(ref.data["identifier"]))
        payload = bytes.fromhex(str(ref.data["payload"])[2:])
        b = env.c[OP_B]
        faulty = ChainClient(b.chain, _TimeoutInnerEstimate(b.transport), owns_transport=False)
        with pytest.raises(RpcTimeoutError):
            await estimate_relay_gas(faulty, env.user.address, ident, payload)
        assert await estimate_relay_gas(b, env.user.address, ident, payload) > 0
        await env.adapter.execute_next(env.ctx(OP_A, OP_B), ref)
        assert await b.get_storage_at(target, 2) == b"\x02" * 32
    finally:
        env.sc.auto_relay = True


async def test_wrong_pairs_are_unsupported(env: Env) -> None:
    ad = env.adapter
    op_a, op_b, l1 = env.c[OP_A].chain, env.c[OP_B].chain, env.c[900].chain
    assert ad.supports(op_a, op_b) and ad.supports(op_b, op_a)
    assert not ad.supports(op_a, op_a)
    assert not ad.supports(op_a, l1) and not ad.supports(l1, op_a)
    req = BridgeRequest(FlowKind.ETH, 1, _fresh())
    for src, dst in ((OP_A, 900), (900, OP_B), (OP_A, OP_A)):
        with pytest.raises(UnsupportedOperationError):
            await ad.initiate(env.ctx(src, dst), req)
    # an OP chain outside the interop set is refused too
    lone = SuperchainAdapter(interop_sets=[{OP_A, 999}])
    with pytest.raises(UnsupportedOperationError):
        await lone.initiate(env.ctx(OP_A, OP_B), req)


def _marked(c: ChainClient, chain_id: int | None = None) -> ChainClient:
    """`c` with chain data that names CrossL2Inbox (optionally under another chain id)."""
    ch = c.chain
    ch = ch.replace(contracts={**ch.contracts, INTEROP_CONTRACT: A.CROSS_L2_INBOX})
    if chain_id is not None:
        ch = ch.replace(id=chain_id)
    return ChainClient(ch, c.transport, owns_transport=False)


async def test_interop_set_is_chain_data_and_chain_state(env: Env) -> None:
    """No chain id in code: chain data says a chain runs interop (CrossL2Inbox in its
    contracts), and each chain's L1BlockInterop says whom it accepts messages from."""
    ad = SuperchainAdapter()
    a, b = _marked(env.c[OP_A]), _marked(env.c[OP_B])
    user = env.user
    assert ad.supports(a.chain, b.chain)
    req = BridgeRequest(FlowKind.ETH, 1, _fresh())
    est = await ad.estimate(AdapterContext(a, b, user), req)  # reads both dependency sets
    assert est.initiate_gas > 0
    # a chain the destination's dependency set does not hold (its id as 905) is refused
    stranger = _marked(env.c[OP_A], 905)
    assert ad.supports(stranger.chain, b.chain)  # chain data alone cannot tell
    with pytest.raises(UnsupportedOperationError):
        await ad.estimate(AdapterContext(stranger, b, user), req)
    with pytest.raises(UnsupportedOperationError):
        await ad.refusals(AdapterContext(stranger, b, user), req)


async def test_refusals_have_stable_codes_and_can_be_waived(env: Env) -> None:
    ctx = env.ctx(OP_A, OP_B)
    no_code = BridgeRequest(FlowKind.MESSAGE, 0, _fresh(), data=b"\x01")
    assert [r.code for r in await env.adapter.refusals(ctx, no_code)] == ["no-code-target"]
    predeploy = BridgeRequest(FlowKind.ETH, 1, A.CROSS_L2_INBOX)
    assert [r.code for r in await env.adapter.refusals(ctx, predeploy)] == ["interop-predeploy"]
    # a contract whose code reverts a plain ETH transfer (PUSH1 0 PUSH1 0 REVERT)
    rejecter = _fresh()
    await env.c[OP_B].request("anvil_setCode", [rejecter, "0x60006000fd"])
    eth = BridgeRequest(FlowKind.ETH, 1, rejecter)
    assert [r.code for r in await env.adapter.refusals(ctx, eth)] == ["rejects-eth"]
    waived = BridgeRequest(FlowKind.ETH, 1, rejecter, waive=frozenset({"rejects-eth"}))
    assert await env.adapter.refusals(ctx, waived) == ()
    assert await env.adapter.refusals(ctx, BridgeRequest(FlowKind.ETH, 1, _fresh())) == ()
    # a contract that takes ETH is no reason to refuse (simulated as the messenger's call with
    # the value; the unfunded messenger once made every contract look like a rejecter)
    taker = _fresh()
    await env.c[OP_B].request("anvil_setCode", [taker, RECORDER_CODE])
    assert await env.adapter.refusals(ctx, BridgeRequest(FlowKind.ETH, 10**18, taker)) == ()


async def test_plan_and_ref_codec(env: Env) -> None:
    ctx = env.ctx(OP_A, OP_B)
    steps = await env.adapter.plan(ctx, Direction.L2_TO_L2, FlowKind.ETH)
    assert [(s.action, s.actor) for s in steps] == [
        ("initiate", Actor.CALLER),
        ("relay", Actor.RELAYER),
    ]
    to = _fresh()
    ref = await env.adapter.initiate(ctx, BridgeRequest(FlowKind.ETH, 7, to))
    assert ref.version == env.adapter.ref_version == 2
    assert ref.data["recipient"] == to and ref.data["value"] == "7"
    # a ref written by the previous release (version 1: no recipient) still decodes and
    # upgrades; the recipient comes from the message payload
    old = FlowRef.from_json(ref.to_json().replace('"version": 2', '"version": 1'))
    v1 = FlowRef(
        old.adapter,
        old.direction,
        old.kind,
        old.source_chain,
        old.target_chain,
        old.tx_hash,
        {k: v for k, v in old.data.items() if k != "recipient"},
        version=1,
    )
    up = env.adapter.decode_ref(v1)
    assert up.version == 2 and up.data == ref.data
    st = await env.adapter.status(ctx, v1)
    assert st.status in (Status.PENDING, Status.READY_TO_FINALIZE, Status.FINALIZED)
    assert st.actor in (Actor.RELAYER, Actor.NOBODY, None)
    with pytest.raises(InputError):
        env.adapter.decode_ref(
            FlowRef.from_json(ref.to_json().replace('"version": 2', '"version": 3'))
        )
    await env.sc.sync()
    final = await env.adapter.status(ctx, v1)
    assert final.status is Status.FINALIZED and final.actor is None


async def test_execute_next_leaves_eth_flows_to_a_running_relayer(env: Env) -> None:
    # A manual relay of an ETH flow pays the value again from the caller's destination balance,
    # so while a relayer runs, execute_next must not race it.
    to = _fresh()
    value = 10**14 + 11
    ctx = env.ctx(OP_A, OP_B)
    mine_before = await env.c[OP_B].get_balance(env.user.address)
    ref = await env.adapter.initiate(ctx, BridgeRequest(FlowKind.ETH, value, to))
    # the relayer may win before or during the call, or the destination's clock may not have
    # reached the message yet: either way the caller sends nothing
    try:
        sent = await env.adapter.execute_next(ctx, ref)
    except (AlreadyDoneError, NotReadyError):
        sent = None
    assert sent is None
    await env.sc.sync(timeout=10)
    assert (await env.adapter.status(ctx, ref)).status is Status.FINALIZED
    assert await env.c[OP_B].get_balance(to) == value
    assert await env.c[OP_B].get_balance(env.user.address) == mine_before


async def test_no_operator_fee_from_the_dependency_set(env: Env) -> None:
    # anvil reads L1Block slot 8 as operator-fee parameters; the dependency set must not leak
    # into it: the sender pays value + execution fee + L1 fee (L1FeeVault), not a wei more.
    c = env.c[OP_A]
    vault = "0x420000000000000000000000000000000000001A"
    to, value = _fresh(), 12345
    tx = await send_transaction(c, env.user, to=to, value=value)
    rcpt = await wait_for_receipt(c, tx)
    n = rcpt.block_number

    async def delta(addr: str) -> int:
        return await c.get_balance(addr, n) - await c.get_balance(addr, n - 1)

    assert await delta(to) == value
    assert -(await delta(env.user.address)) == value + rcpt.fee + await delta(vault)


async def test_failed_relay_is_recorded_once_and_can_be_retried(env: Env) -> None:
    target = _fresh()
    await env.c[OP_B].request("anvil_setCode", [target, "0x60006000fd"])  # always REVERT
    ctx = env.ctx(OP_A, OP_B)
    word = os.urandom(32)
    ref = await env.adapter.initiate(ctx, BridgeRequest(FlowKind.MESSAGE, 0, target, data=word))
    await env.sc.sync()
    h = ref.data["message_hash"]
    assert env.sc.relayer is not None and h in env.sc.relayer.failed
    st = await env.adapter.status(ctx, ref)
    assert (st.status, st.native, st.next_step) == (
        Status.NEEDS_MANUAL_ACTION,
        "relay-failed",
        "relay",
    )
    assert st.actor is Actor.CALLER and "relay again" in st.details["action"]
    await env.sc.sync()  # the relayer does not retry on its own
    assert len((await relay_outcome(env.c[OP_B], h)).failed_txs) == 1
    # a retry while the cause is not fixed fails the same way: a person must act
    with pytest.raises(ManualActionRequired) as info:
        await env.adapter.execute_next(ctx, ref)
    assert info.value.tx_hash is not None and "relay again" in info.value.action
    assert len((await relay_outcome(env.c[OP_B], h)).failed_txs) == 2
    # fix the target, then retry by hand
    await env.c[OP_B].request("anvil_setCode", [target, RECORDER_CODE])
    assert await env.adapter.execute_next(ctx, ref) is not None
    assert (await env.adapter.status(ctx, ref)).status is Status.FINALIZED
    assert await env.c[OP_B].get_storage_at(target, 2) == word
