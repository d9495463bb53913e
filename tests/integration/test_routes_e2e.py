"""Every route through the facade on the devnet: `io.bridge(...)` then `complete()`, exact to the wei.

Real contracts (contracts-bedrock, nitro-contracts) on anvil; time is driven by the injected
`sleep`, which syncs the devnet relayers and fast-forwards the chains instead of sleeping.
Accounts: own keys (keccak of a fixed string) funded with `anvil_setBalance`; recipients are
fresh random addresses, so their balances are exact whatever else runs on the devnet.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from eth_utils.crypto import keccak

from interop.adapters.base import Direction, Status
from interop.devnet.core import Devnet
from interop.facade import Interop
from interop.flows import FlowEvent
from interop.types import to_address
from interop.units import ether

pytestmark = pytest.mark.integration

L1, OP, OP2, ARB = 900, 901, 902, 903


def key(name: str) -> str:
    return "0x" + keccak(f"interop routes e2e: {name}".encode()).hex()


def fresh() -> str:
    return to_address(os.urandom(20))


class Driver:
    """The injected clock: each "sleep" lets the relayers catch up and moves chain time."""

    def __init__(self, devnet: Devnet) -> None:
        self.devnet = devnet
        self.op: Any = devnet.component("opstack")
        self.arb: Any = devnet.component("arbitrum")
        self.slept: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.slept.append(seconds)
        await self.op.sync()
        await self.arb.sync()
        await self.devnet.fast_forward(int(seconds) + 1)
        await self.op.resolve_games()
        await self.op.sync()
        await self.arb.sync()


async def make_io(devnet: Devnet, name: str, tmp: Path, eth: int = ether("5")) -> Interop:
    io = Interop(
        list(devnet.chains.values()),
        account=key(name),
        journal=tmp / f"{name}.sqlite3",
        sleep=Driver(devnet),
    )
    assert io.signer is not None
    for cid in (L1, OP, OP2, ARB):
        await devnet.transport(cid).request("anvil_setBalance", [io.signer.address, hex(eth)])
    return io


@pytest.fixture
async def tmp(tmp_path: Path) -> AsyncIterator[Path]:
    yield tmp_path


def prove_finalize_counts(io: Interop, flow_id: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for t in io.journal.txs(flow_id):
        counts[t.step] = counts.get(t.step, 0) + 1
    return counts


async def test_l1_to_op_deposit(devnet: Devnet, tmp: Path) -> None:
    io = await make_io(devnet, "l1-op", tmp)
    async with io:
        to, value = fresh(), ether("0.0321") + 5
        plan = await io.plan(value, L1, OP, to)
        assert [s.adapter for s in plan.steps] == ["opstack"]
        assert plan.steps[0].direction is Direction.L1_TO_L2
        assert plan.steps[0].fee is not None and plan.steps[0].fee.initiate_gas > 21_000
        t = await io.bridge(value, L1, OP, to)
        events: list[FlowEvent] = []
        st = await t.complete(progress=events.append)
        assert st.status is Status.FINALIZED
        assert await io.client(OP).get_balance(to) == value
        assert events[-1].what == "done"
        assert io.flows(unfinished=True) == []
        # found again from its hash, through the journal and through the adapter alone
        again = await io.flow_from_tx(L1, t.tx_hash)  # type: ignore[arg-type]
        assert again.id == t.id
        async with Interop(list(devnet.chains.values()), journal=":memory:") as ro:
            looked = await ro.flow_from_tx(L1, t.tx_hash)  # type: ignore[arg-type]
            assert looked.id is None and looked.target == OP
            assert (await looked.status()).status is Status.FINALIZED


@pytest.mark.parametrize("l2", [OP, OP2], ids=["901-fault-proofs", "902-legacy-oracle"])
async def test_op_to_l1_withdrawal(devnet: Devnet, tmp: Path, l2: int) -> None:
    io = await make_io(devnet, f"op-l1-{l2}", tmp)
    async with io:
        value = ether("0.0456") + 11
        # a real deposit locks ETH in the portal, so the withdrawal below is backed
        await (await io.bridge(value, L1, l2)).complete()
        to = fresh()
        plan = await io.plan(value, l2, L1, to)
        assert plan.steps[0].actions == ("initiate", "prove", "finalize")
        finalize_wait = plan.steps[0].waits["finalize"]
        op = devnet.component("opstack")
        if l2 == OP:  # max(proof maturity, game clock + finality delay): all 12 s on the devnet
            assert finalize_wait == max(
                op.proof_maturity_delay,  # type: ignore[attr-defined]
                op.max_clock_duration + op.dispute_game_finality_delay,  # type: ignore[attr-defined]
            )
        else:
            assert finalize_wait == op.finalization_period  # type: ignore[attr-defined]
        t = await io.bridge(value, l2, L1, to)
        first = await t.status()
        assert first.status in (Status.WAITING_TO_PROVE, Status.READY_TO_PROVE)
        st = await t.complete()
        assert st.status is Status.FINALIZED
        assert await io.client(L1).get_balance(to) == value
        assert t.id is not None
        counts = prove_finalize_counts(io, t.id)
        assert counts == {"initiate": 1, "prove": 1, "finalize": 1}


async def test_l1_to_arbitrum_and_back(devnet: Devnet, tmp: Path) -> None:
    io = await make_io(devnet, "l1-arb", tmp)
    async with io:
        to, value = fresh(), ether("0.0789") + 3
        t = await io.bridge(value, L1, ARB, to)  # to someone else: a retryable ticket
        await t.complete()
        assert await io.client(ARB).get_balance(to) == value

        # back: ETH deposited by the user to itself, then withdrawn to a fresh L1 address
        await (await io.bridge(value, L1, ARB)).complete()
        back_to = fresh()
        plan = await io.plan(value, ARB, L1, back_to)
        assert plan.steps[0].actions == ("initiate", "execute")
        arb = devnet.component("arbitrum")
        assert plan.steps[0].waits["execute"] == arb.confirm_period_seconds  # type: ignore[attr-defined]
        w = await io.bridge(value, ARB, L1, back_to)
        assert (await w.status()).status is Status.WAITING_TO_FINALIZE
        assert (await w.time_to_next_step() or 0) > 0
        st = await w.complete()
        assert st.status is Status.FINALIZED
        assert await io.client(L1).get_balance(back_to) == value
        assert w.id is not None
        assert prove_finalize_counts(io, w.id) == {"initiate": 1, "execute": 1}


async def test_two_hops_op_to_arbitrum(devnet: Devnet, tmp: Path) -> None:
    io = await make_io(devnet, "op-arb", tmp)
    async with io:
        value = ether("0.0123") + 9
        await (await io.bridge(value, L1, OP)).complete()  # back the portal
        to = fresh()
        plan = await io.plan(value, OP, ARB, to)
        assert plan.two_hop
        assert [(s.adapter, s.source.id, s.target.id) for s in plan.steps] == [
            ("opstack", OP, L1),
            ("arbitrum", L1, ARB),
        ]
        assert plan.steps[0].actions == ("initiate", "prove", "finalize")
        assert plan.steps[1].actions == ("initiate",)
        assert "opstack" in plan.describe() and "arbitrum" in plan.describe()
        t = await io.bridge(value, OP, ARB, to)
        seen: list[str] = []
        st = await t.complete(progress=lambda e: seen.append(f"{e.what}:{e.step}"))
        assert st.status is Status.FINALIZED and st.hop == 1
        assert [h.status.status for h in st.hops if h.status] == [Status.FINALIZED] * 2
        assert await io.client(ARB).get_balance(to) == value
        assert "sent:initiate hop 2" in seen
        assert t.id is not None
        steps = [(x.hop, x.step) for x in io.journal.txs(t.id)]
        assert steps == [(0, "initiate"), (0, "prove"), (0, "finalize"), (1, "initiate")]


async def test_op_to_op_superchain(devnet: Devnet, tmp: Path) -> None:
    io = await make_io(devnet, "op-op", tmp)
    if "superchain" not in io.adapters.all():
        # Until the entry point is installed, load the same factory the entry point names.
        from importlib.metadata import entry_points

        from interop.routes import AdapterRegistry

        factories: dict[str, Any] = {
            ep.name: ep.load() for ep in entry_points(group="interop.adapters")
        }
        from interop.adapters.superchain import adapter_factory

        factories["superchain"] = adapter_factory
        io._adapters = AdapterRegistry(factories)
    async with io:
        messenger = "0x4200000000000000000000000000000000000023"
        if not await io.client(OP).get_code(messenger):
            pytest.skip("this devnet has no L2ToL2CrossDomainMessenger (superchain component off)")
        to, value = fresh(), ether("0.0042") + 1
        plan = await io.plan(value, OP, OP2, to)
        assert [s.adapter for s in plan.steps] == ["superchain"]
        assert plan.steps[0].direction is Direction.L2_TO_L2
        t = await io.bridge(value, OP, OP2, to)
        st = await t.complete()
        assert st.status is Status.FINALIZED
        assert await io.client(OP2).get_balance(to) == value


RECORDER_CODE = "0x33600055346001556000356002" + "5500"
"""CALLER->slot0, CALLVALUE->slot1, first calldata word->slot2 (same as the adapter tests)."""


async def test_message_l1_to_op(devnet: Devnet, tmp: Path) -> None:
    io = await make_io(devnet, "msg", tmp)
    async with io:
        target = fresh()
        await devnet.transport(OP).request("anvil_setCode", [target, RECORDER_CODE])
        word = os.urandom(32)
        m = await io.send_message(L1, OP, target, "0x" + word.hex(), value=1234)
        st = await m.complete()
        assert st.status is Status.FINALIZED
        l2 = io.client(OP)
        assert await l2.get_storage_at(target, 2) == word
        assert int.from_bytes(await l2.get_storage_at(target, 1), "big") == 1234
        # msg.sender on L2 is the L2CrossDomainMessenger predeploy
        assert (
            int.from_bytes(await l2.get_storage_at(target, 0), "big")
            == 0x4200000000000000000000000000000000000007
        )


async def test_bad_input_per_parameter(devnet: Devnet, tmp: Path) -> None:
    from interop.chains.model import Chain, Stack
    from interop.errors import (
        InputError,
        InsufficientFundsError,
        InvalidAddressError,
        InvalidAmountError,
        UnknownChainError,
        UnsafeRecipientError,
        UnsupportedOperationError,
    )

    await (await make_io(devnet, "bad", tmp, eth=ether("1"))).aclose()  # funds the key
    lonely = Chain(
        id=77777,
        name="lonely-l2",
        stack=Stack.OPSTACK,
        parent_id=4242,
        rpc_urls=("http://127.0.0.1:9",),
    )
    io = Interop([*devnet.chains.values(), lonely], account=key("bad"), journal=tmp / "bad.sqlite3")
    bob = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc"
    async with io:
        with pytest.raises(UnknownChainError) as unknown:
            await io.bridge(1, "devnet-opp", L1)
        assert "devnet-op" in str(unknown.value)  # did you mean
        with pytest.raises(InvalidAddressError):
            await io.bridge(1, L1, OP, bob.replace("dc", "DC"))
        with pytest.raises(InvalidAddressError):  # chain in the address conflicts with target
            await io.bridge(1, L1, OP, f"{bob}@{ARB}")
        for bad in (0.1, -1, 0, "1", True):
            with pytest.raises(InvalidAmountError):
                await io.bridge(bad, L1, OP)  # type: ignore[arg-type]
        with pytest.raises(InsufficientFundsError) as poor:
            await io.bridge(ether("1"), L1, OP)  # value alone equals the balance: fees do not fit
        assert poor.value.required > poor.value.balance == ether("1")
        with pytest.raises(UnsupportedOperationError) as nope:
            await io.bridge(1, L1, lonely)
        assert "routes that exist" in str(nope.value) and "devnet-op" in str(nope.value)
        with pytest.raises(UnsupportedOperationError):
            await io.send_message(OP, ARB, bob, b"\x01")  # messages never take two hops
        with pytest.raises(InputError):
            await io.send_message(L1, OP, bob, "0xzz")

        # a contract on the source with no code on the destination cannot be assumed to receive
        only_l1 = fresh()
        await devnet.transport(L1).request("anvil_setCode", [only_l1, RECORDER_CODE])
        with pytest.raises(UnsafeRecipientError):
            await io.bridge(ether("0.001"), L1, OP, only_l1)
        # a contract sender: its deposit would belong to its alias on L2
        assert io.signer is not None
        me = io.signer.address
        await devnet.transport(L1).request("anvil_setCode", [me, "0xef0100" + "11" * 20])
        try:
            with pytest.raises(UnsafeRecipientError):
                await io.bridge(ether("0.001"), L1, OP)
        finally:
            await devnet.transport(L1).request("anvil_setCode", [me, "0x"])
        # nothing refused above was journaled as a flow with a transaction
        assert all(not io.journal.txs(f.record.id) for f in io.flows())
        # force=True takes responsibility for the contract recipient
        t = await io.bridge(ether("0.001"), L1, OP, only_l1, force=True)
        await t.complete(sleep=Driver(devnet))
        assert await io.client(OP).get_balance(only_l1) == ether("0.001")
