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
