"""OP Stack fault proofs: re-proving after the guardian blacklists a game or changes the
respected game type, and the per-step L1 gas estimates, end to end on real contracts.

These tests change what the portal trusts (blacklisted games, respected game type), so they run
on their OWN devnet (L1 + OP L2s, no Arbitrum) instead of the session one. Users are keys
derived from fixed labels here and funded with `anvil_setBalance`; the guardian is the devnet
component's deployer key. What the portal itself says (`checkWithdrawal` by `eth_call`) is the
oracle the adapter's status is compared with.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
from eth_abi.abi import encode as abi_encode
from eth_utils.crypto import keccak

from interop.actions.tx import send_transaction, wait_for_receipt
from interop.adapters.base import AdapterContext, BridgeRequest, FlowKind, FlowRef, Status
from interop.adapters.opstack import adapter_factory
from interop.adapters.opstack.common import OpContracts, call_one
from interop.adapters.opstack.fees import (
    estimate_finalize_gas,
    estimate_prove_gas,
    typical_finalize_gas,
    typical_prove_gas,
)
from interop.adapters.opstack.withdraw import build_prove_withdrawal, get_withdrawals
from interop.chains.model import ContractName
from interop.client import ChainClient
from interop.devnet.core import Devnet
from interop.devnet.opstack import OpStackDevnet
from interop.devnet.opstack.artifacts import load
from interop.devnet.opstack.chainops import Sender, devnet_signer, output_root_at
from interop.devnet.opstack.deploy_l1 import ABSOLUTE_PRESTATE, game_extra_data
from interop.devnet.presets import default_config
from interop.errors import ExecutionRevertedError, NotReadyError, RpcResponseError
from interop.signer import SafeSigner, account_from_key
from interop.spec.opstack import abis as A
from interop.types import Address, to_address
from interop.units import ether

pytestmark = pytest.mark.integration

L1, OP_FP, OP_LEGACY = 900, 901, 902
NEW_GAME_TYPE = 1
BLACKLIST_DISPUTE_GAME = A.Fn("blacklistDisputeGame(address)")
SET_RESPECTED_GAME_TYPE = A.Fn("setRespectedGameType(uint32)")
GUARDIAN = A.Fn("guardian()", ("address",))


def _user(label: str) -> SafeSigner:
    return account_from_key(keccak(f"interop.tests.opstack_reprove.{label}".encode()))


def _fresh() -> Address:
    return to_address(os.urandom(20))


class Env:
    def __init__(self, devnet: Devnet) -> None:
        self.devnet = devnet
        op = devnet.component("opstack")
        assert isinstance(op, OpStackDevnet)
        self.op = op
        self.c = {
            cid: ChainClient(devnet.chain(cid), devnet.transport(cid), owns_transport=False)
            for cid in (L1, OP_FP, OP_LEGACY)
        }
        self.adapter = adapter_factory()
        self.guardian = Sender(self.c[L1], devnet_signer("deployer"))
        self.contracts = OpContracts.of(self.c[OP_FP].chain)

    def ctx(self, src: int, dst: int, signer: SafeSigner | None) -> AdapterContext:
        return AdapterContext(self.c[src], self.c[dst], signer)

    async def funded(self, label: str, l2_id: int, backed: int) -> SafeSigner:
        """A fresh user with gas on both sides and `backed` wei deposited to itself on L2 (so
        the portal holds what it will withdraw, as on a real chain)."""
        s = _user(label)
        l1, l2 = self.c[L1], self.c[l2_id]
        await l1.request("anvil_setBalance", [s.address, hex(ether(10) + backed)])
        await l2.request("anvil_setBalance", [s.address, hex(ether(1))])
        portal = OpContracts.of(l2.chain).portal
        await wait_for_receipt(l1, await send_transaction(l1, s, to=portal, value=backed))
        await self.op.sync()
        assert await l2.get_balance(s.address) >= backed
        return s

    async def portal_check(self, whash: str, submitter: str) -> str | None:
        """None if the portal would finalize now, else its revert message."""
        try:
            await self.c[L1].call(
                self.contracts.portal,
                A.CHECK_WITHDRAWAL.encode(bytes.fromhex(whash[2:]), submitter),
            )
            return None
        except (ExecutionRevertedError, RpcResponseError) as exc:
            return str(exc)

    async def mine_l2_and_sync(self) -> None:
        """A new L2 block, so the proposer makes a new game (one that postdates any change)."""
        await self.c[OP_FP].request("evm_mine", [])
        await self.op.sync()

    async def resolve_and_mature(self) -> None:
        await self.devnet.fast_forward(self.op.max_clock_duration + 1)
        await self.op.resolve_games()
        await self.devnet.fast_forward(
            max(self.op.proof_maturity_delay, self.op.dispute_game_finality_delay) + 1
        )

    async def set_respected(self, game_type: int) -> None:
        await self.guardian.send(
            self.contracts.portal,
            SET_RESPECTED_GAME_TYPE.encode(game_type),
            what="setRespectedGameType",
        )


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[Env]:
    async with Devnet(default_config(arbitrum=False)) as dn:
        e = Env(dn)
        # The component's deployer really is the portal's guardian (SuperchainConfig).
        assert (
            to_address(await call_one(e.c[L1], e.contracts.portal, GUARDIAN)) == e.guardian.address
        )
        yield e


async def _prove(env: Env, ctx: AdapterContext, ref: FlowRef) -> tuple[Any, int]:
    """Prove through the adapter, checking the simulated estimate against the receipt."""
    l1, l2 = env.c[L1], env.c[ref.source_chain]
    w = get_withdrawals(await l2.get_receipt(ref.tx_hash))  # type: ignore[arg-type]
    assert ctx.signer is not None
    est = await estimate_prove_gas(
        l1, l2, w[0], int(ref.data["l2_block"]), sender=ctx.signer.address
    )
    h = await env.adapter.execute_next(ctx, ref)
    assert h is not None
    rcpt = await wait_for_receipt(l1, h)
    assert rcpt.succeeded
    # eth_estimateGas of the very call: at least what it used, and not wildly more.
    assert rcpt.gas_used <= est <= rcpt.gas_used * 3 // 2, (est, rcpt.gas_used)
    return rcpt, est


async def _finalize_exact(env: Env, ctx: AdapterContext, ref: FlowRef, rcp: str, value: int) -> int:
    st = await env.adapter.status(ctx, ref)
    assert st.status is Status.READY_TO_FINALIZE, st
    h = await env.adapter.execute_next(ctx, ref)
    assert h is not None
    rcpt = await wait_for_receipt(env.c[L1], h)
    assert await env.c[L1].get_balance(rcp) == value
    assert (await env.adapter.status(ctx, ref)).status is Status.FINALIZED
    return rcpt.gas_used


# ------------------------------------------------------------------ blacklisted game


async def test_reprove_after_blacklist(env: Env) -> None:
    value = ether("0.0311") + 3
    user = await env.funded("blacklist", OP_FP, value)
    rcp = _fresh()
    ctx = env.ctx(OP_FP, L1, user)
    ref = await env.adapter.initiate(ctx, BridgeRequest(FlowKind.ETH, value, rcp))
    whash = ref.data["withdrawal"]["withdrawal_hash"]
    await env.op.sync()
    await env.devnet.fast_forward(1)
    await _prove(env, ctx, ref)
    st = await env.adapter.status(ctx, ref)
    assert st.status is Status.WAITING_TO_FINALIZE
    game = st.details["game"]

    # Everything but the blacklist is satisfied: without it the portal would pay out now.
    await env.resolve_and_mature()
    assert await env.portal_check(whash, user.address) is None
    assert (await env.adapter.status(ctx, ref)).status is Status.READY_TO_FINALIZE

    await env.guardian.send(
        env.contracts.portal, BLACKLIST_DISPUTE_GAME.encode(game), what="blacklistDisputeGame"
    )
    assert "blacklisted" in str(await env.portal_check(whash, user.address))
    await env.op.sync()  # a game for the L2 head exists (newer than the blacklisted one)
    st = await env.adapter.status(ctx, ref)
    assert st.status is Status.READY_TO_PROVE and st.next_step == "prove", st
    assert st.native == "ready-to-prove"
    assert st.details["reprove_reason"] == "blacklisted" and st.details["game"] == game
    with pytest.raises(NotReadyError):  # the adapter refuses to finalize a dead proof
        await _finalize_directly(env, user, ref)

    await _prove(env, ctx, ref)
    st = await env.adapter.status(ctx, ref)
    assert st.status is Status.WAITING_TO_FINALIZE, st
    assert st.details["game"] != game and "reprove_reason" not in st.details
    await env.resolve_and_mature()
    await _finalize_exact(env, ctx, ref, rcp, value)


async def _finalize_directly(env: Env, user: SafeSigner, ref: FlowRef) -> None:
    from interop.adapters.opstack.withdraw import finalize_withdrawal

    l2 = env.c[OP_FP]
    w = get_withdrawals(await l2.get_receipt(ref.tx_hash))[0]  # type: ignore[arg-type]
    await finalize_withdrawal(env.c[L1], l2, user, w, int(ref.data["l2_block"]))


# ------------------------------------------------------------------ respected game type


class NewGameType:
    """A second FaultDisputeGame implementation registered as game type 1, as a chain switching
    game types would deploy; its games are created and resolved here (the devnet proposer only
    makes type-0 games)."""

    def __init__(self, env: Env) -> None:
        self.env = env
        self.proposer = Sender(env.c[L1], devnet_signer("tests.reprove.proposer-type-1"))

    async def register(self) -> None:
        env, p, a = self.env, self.env.op.params, self.env.op.contracts[OP_FP]
        asr = a[ContractName.ANCHOR_STATE_REGISTRY]
        impl = await env.guardian.deploy(
            load("FaultDisputeGame").deploy_data(
                NEW_GAME_TYPE,
                ABSOLUTE_PRESTATE,
                p.max_game_depth,
                p.split_depth,
                p.clock_extension,
                p.max_clock_duration,
                a["mips"],
                a["delayed_weth"],
                asr,
                OP_FP,
            ),
            what="FaultDisputeGame type 1",
        )
        await env.guardian.send(
            a[ContractName.DISPUTE_GAME_FACTORY],
            load("DisputeGameFactory").call("setImplementation", NEW_GAME_TYPE, impl),
            what="setImplementation(1)",
        )
        # The 0.17.3 AnchorStateRegistry only takes starting anchors in `initialize`; seed the
        # new type's anchor with type 0's, in storage, as a re-initialising upgrade would.
        art = load("AnchorStateRegistry")
        root, block = art.decode("anchors", await env.c[L1].call(asr, art.call("anchors", 0)), 1)
        base = int.from_bytes(
            keccak(abi_encode(["uint256", "uint256"], [NEW_GAME_TYPE, art.slot("anchors")[0]])),
            "big",
        )
        for i, word in enumerate((bytes(root), int(block).to_bytes(32, "big"))):
            await env.c[L1].request("anvil_setStorageAt", [asr, hex(base + i), "0x" + word.hex()])
        await self.proposer.fund(ether(10))

    async def create_for_head(self) -> Address:
        env = self.env
        l2 = env.c[OP_FP]
        await l2.request("evm_mine", [])
        head = await l2.block_number()
        root, _ = await output_root_at(l2, head)
        rcpt = await self.proposer.send(
            env.contracts.dispute_game_factory,
            load("DisputeGameFactory").call(
                "create", NEW_GAME_TYPE, bytes.fromhex(root[2:]), game_extra_data(head)
            ),
            what="create type-1 game",
        )
        await env.devnet.fast_forward(1)  # the portal takes proofs strictly after creation
        topic = A.event_topic("DisputeGameCreated(address,uint32,bytes32)")
        return to_address(
            "0x" + next(lg for lg in rcpt.logs if lg.topics[0] == topic).topics[1][-40:]
        )

    async def resolve(self, game: Address) -> None:
        fdg = load("FaultDisputeGame")
        await self.proposer.send(game, fdg.call("resolveClaim", 0, 0), what="resolveClaim")
        await self.proposer.send(game, fdg.call("resolve"), what="resolve")


async def test_reprove_after_respected_game_type_change(env: Env) -> None:
    value = ether("0.0222") + 5
    user = await env.funded("game-type", OP_FP, value)
    rcp = _fresh()
    ctx = env.ctx(OP_FP, L1, user)
    ref = await env.adapter.initiate(ctx, BridgeRequest(FlowKind.ETH, value, rcp))
    whash = ref.data["withdrawal"]["withdrawal_hash"]
    await env.op.sync()
    await env.devnet.fast_forward(1)
    await _prove(env, ctx, ref)
    old_game = (await env.adapter.status(ctx, ref)).details["game"]

    new_type = NewGameType(env)
    await new_type.register()
    await env.resolve_and_mature()
    assert await env.portal_check(whash, user.address) is None  # would pay out, until:
    try:
        await env.set_respected(NEW_GAME_TYPE)
        assert "invalid game type" in str(await env.portal_check(whash, user.address))
        # No game of the new type yet: nothing to prove against, and the status says why.
        st = await env.adapter.status(ctx, ref)
        assert st.status is Status.WAITING_TO_PROVE and st.next_step is None, st
        assert st.details["reprove_reason"] == "game-type-changed"
        with pytest.raises(NotReadyError):
            await env.adapter.execute_next(ctx, ref)

        game = await new_type.create_for_head()
        st = await env.adapter.status(ctx, ref)
        assert st.status is Status.READY_TO_PROVE and st.next_step == "prove", st
        await _prove(env, ctx, ref)
        st = await env.adapter.status(ctx, ref)
        assert st.status is Status.WAITING_TO_FINALIZE and st.details["game"] == game != old_game

        await env.devnet.fast_forward(env.op.max_clock_duration + 1)
        await new_type.resolve(game)
        await env.devnet.fast_forward(
            max(env.op.proof_maturity_delay, env.op.dispute_game_finality_delay) + 1
        )
        assert await env.portal_check(whash, user.address) is None
        await _finalize_exact(env, ctx, ref, rcp, value)
    finally:
        await env.set_respected(0)  # back to the devnet proposer's games


async def test_reprove_after_respected_game_type_reset(env: Env) -> None:
    """Re-setting the same respected type retires every game created before (the guardian's
    way to invalidate all pending proofs in this portal version)."""
    value = ether("0.0133") + 9
    user = await env.funded("game-retired", OP_FP, value)
    rcp = _fresh()
    ctx = env.ctx(OP_FP, L1, user)
    ref = await env.adapter.initiate(ctx, BridgeRequest(FlowKind.ETH, value, rcp))
    whash = ref.data["withdrawal"]["withdrawal_hash"]
    await env.op.sync()
    await env.devnet.fast_forward(1)
    await _prove(env, ctx, ref)
    old_game = (await env.adapter.status(ctx, ref)).details["game"]

    await env.resolve_and_mature()
    await env.op.sync()  # games for every L2 block so far exist before the reset
    assert await env.portal_check(whash, user.address) is None  # would pay out, until:
    await env.set_respected(0)
    assert "created before respected game type was updated" in str(
        await env.portal_check(whash, user.address)
    )
    st = await env.adapter.status(ctx, ref)
    assert st.status is Status.WAITING_TO_PROVE, st
    assert st.details["reprove_reason"] == "game-retired"

    await env.mine_l2_and_sync()  # the proposer's next game postdates the reset
    st = await env.adapter.status(ctx, ref)
    assert st.status is Status.READY_TO_PROVE, st
    await _prove(env, ctx, ref)
    st = await env.adapter.status(ctx, ref)
    assert st.status is Status.WAITING_TO_FINALIZE and st.details["game"] != old_game
    await env.resolve_and_mature()
    await _finalize_exact(env, ctx, ref, rcp, value)


# ------------------------------------------------------------------ gas per step

GAS: dict[str, int] = {}


@pytest.mark.parametrize(
    ("l2_id", "kind", "path"),
    [
        (OP_FP, FlowKind.ETH, "passer"),
        (OP_FP, FlowKind.ETH, "bridge"),
        (OP_FP, FlowKind.MESSAGE, ""),
        (OP_LEGACY, FlowKind.ETH, "passer"),
        (OP_LEGACY, FlowKind.ETH, "bridge"),
    ],
)
async def test_step_gas_estimates(env: Env, l2_id: int, kind: FlowKind, path: str) -> None:
    value = ether("0.0007") + l2_id
    user = await env.funded(f"gas-{l2_id}-{kind.value}-{path}", l2_id, value)
    rcp = _fresh()
    ctx = env.ctx(l2_id, L1, user)
    opts = {"path": path} if path else {}
    data = os.urandom(68) if kind is FlowKind.MESSAGE else b""
    req = BridgeRequest(kind, value, rcp, data=data, options=opts)
    fee = await env.adapter.estimate(ctx, req)
    typical = dict(fee.later_steps_gas)
    assert set(typical) == {"prove", "finalize"}

    ref = await env.adapter.initiate(ctx, req)
    l1, l2 = env.c[L1], env.c[l2_id]
    w = get_withdrawals(await l2.get_receipt(ref.tx_hash))[0]  # type: ignore[arg-type]
    block = int(ref.data["l2_block"])
    # Nothing proposed covers it yet... (901: a game is usable only after its creation second)
    gen = OpContracts.of(l2.chain).generation
    assert typical["prove"] == typical_prove_gas(gen, len(w.data))
    assert typical["finalize"] == typical_finalize_gas(gen, w.gas_limit, len(w.data))
    await env.op.sync()
    if gen == "portal2":
        await env.devnet.fast_forward(1)
    prove_rcpt, prove_est = await _prove(env, ctx, ref)
    fin_typical = await estimate_finalize_gas(l1, l2, w, block, sender=user.address)
    assert fin_typical == typical["finalize"]  # not ready: the documented value
    if gen == "portal2":
        await env.resolve_and_mature()
    else:
        await env.devnet.fast_forward(env.op.finalization_period + 1)
    fin_est = await estimate_finalize_gas(l1, l2, w, block, sender=user.address)
    fin_used = await _finalize_exact(env, ctx, ref, rcp, value)
    # Prove: simulation checked in _prove; the documented value is within 2x of the real use.
    assert prove_rcpt.gas_used // 2 <= typical["prove"] <= 2 * prove_rcpt.gas_used
    # Finalize: both numbers are the gas the transaction must carry (the portal must be able to
    # forward the withdrawal's gas limit), so at least what it used; the documented formula
    # matches the simulation within 10%.
    assert fin_used <= fin_est <= 4 * fin_used
    assert fin_est * 9 // 10 <= typical["finalize"] <= fin_est * 11 // 10
    assert fin_used <= typical["finalize"] <= 4 * fin_used
    key = f"{l2_id}-{kind.value}-{path}"
    GAS[key + "-prove"] = prove_rcpt.gas_used
    GAS[key + "-finalize"] = fin_used
    print(
        f"GAS {key}: prove used {prove_rcpt.gas_used} est {prove_est} typical "
        f"{typical['prove']}; finalize used {fin_used} est {fin_est} typical "
        f"{typical['finalize']} (gas_limit {w.gas_limit}, data {len(w.data)})"
    )


async def test_prove_gas_on_a_deeper_trie(env: Env) -> None:
    """A real chain's message passer holds millions of withdrawals, so its storage proofs are
    longer than the devnet's. Grow 901's trie to ~5,000 slots (anvil_setStorageAt, value 1 like
    a sent withdrawal) and check the simulated and documented prove estimates still hold."""
    passer = A.PREDEPLOYS["L2ToL1MessagePasser"]
    t = env.devnet.transport(OP_FP)
    for _ in range(5):
        await t.batch(
            [
                (
                    "anvil_setStorageAt",
                    [passer, "0x" + os.urandom(32).hex(), "0x" + "00" * 31 + "01"],
                )
                for _ in range(1000)
            ]
        )
    value = ether("0.0009")
    user = await env.funded("deep-trie", OP_FP, value)
    ctx = env.ctx(OP_FP, L1, user)
    ref = await env.adapter.initiate(ctx, BridgeRequest(FlowKind.ETH, value, _fresh()))
    await env.op.sync()
    await env.devnet.fast_forward(1)
    l1, l2 = env.c[L1], env.c[OP_FP]
    w = get_withdrawals(await l2.get_receipt(ref.tx_hash))[0]  # type: ignore[arg-type]
    args = await build_prove_withdrawal(l1, l2, w, int(ref.data["l2_block"]))
    assert len(args.withdrawal_proof) >= 4  # deeper than the 2-node proofs above
    rcpt, _ = await _prove(env, ctx, ref)
    assert rcpt.gas_used // 2 <= typical_prove_gas("portal2") <= 2 * rcpt.gas_used
    print(f"GAS deep trie: {len(args.withdrawal_proof)} nodes, prove used {rcpt.gas_used}")
