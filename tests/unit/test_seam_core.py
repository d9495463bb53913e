"""The core over the adapter seam, with an adapter of a family the package does not ship.

The adapter here is a plugin (the seam's other side), scripted to answer what a real adapter
would: the code under test is the core (flows, routes, the pre-send pipeline), unchanged. No
network: the pipeline's own reads come after the checks these tests exercise.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from interop.adapters.base import (
    Actor,
    AdapterContext,
    BridgeRequest,
    Direction,
    FeeEstimate,
    FlowKind,
    FlowRef,
    FlowStatus,
    PlannedStep,
    Refusal,
    Status,
)
from interop.chains.model import Chain
from interop.errors import (
    ConfigError,
    FlowTimeoutError,
    InputError,
    ManualActionRequired,
    NotReadyError,
    RpcError,
)
from interop.facade import Interop
from interop.routes import AdapterRegistry, plan_route
from interop.types import to_hash32

KEY = "0x" + "42" * 32
L1 = Chain(id=777600, name="seam-l1", rpc_urls=("http://127.0.0.1:9",))
L2 = Chain(id=777601, name="seam-l2", stack="newrollup", parent_id=777600,
           rpc_urls=("http://127.0.0.1:9",))  # fmt: skip
BOB = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc"


class NewRollupAdapter:
    """A third party's adapter: deposits only; a batch wait nobody acts in, a relayer's
    delivery, then a claim by the caller."""

    name = "newrollup"
    option_names = frozenset({"sender", "gas_token"})
    ref_version = 1

    def __init__(self) -> None:
        self.statuses: list[FlowStatus] = []
        self.executed: list[str | None] = []
        self.execute_result: Hash32OrExc = None
        self.seen: list[BridgeRequest] = []

    def supports(self, source: Chain, target: Chain) -> bool:
        return target.stack == "newrollup" and target.parent_id == source.id

    async def plan(
        self, ctx: AdapterContext, direction: Direction, kind: FlowKind
    ) -> tuple[PlannedStep, ...]:
        return (
            PlannedStep("initiate", Actor.CALLER, 0),
            PlannedStep("batch", Actor.NOBODY, 3600, "posted to the parent in a batch"),
            PlannedStep("arrive", Actor.RELAYER, 60),
            PlannedStep("claim", Actor.CALLER, 0),
        )

    async def refusals(self, ctx: AdapterContext, request: BridgeRequest) -> tuple[Refusal, ...]:
        self.seen.append(request)
        out = [Refusal("fee-token", "this rollup wants a gas token option", "pass gas_token")]
        return tuple(r for r in out if r.code not in request.waive)

    async def estimate(self, ctx: AdapterContext, request: BridgeRequest) -> FeeEstimate:
        return FeeEstimate(21_000, 10**9)

    async def initiate(self, ctx: AdapterContext, request: BridgeRequest) -> FlowRef:
        raise AssertionError("not reached in these tests")

    async def status(self, ctx: AdapterContext, ref: FlowRef) -> FlowStatus:
        return self.statuses[0] if len(self.statuses) == 1 else self.statuses.pop(0)

    async def execute_next(self, ctx: AdapterContext, ref: FlowRef) -> Any:
        st = await self.status(ctx, ref)
        self.executed.append(st.next_step)
        if isinstance(self.execute_result, Exception):
            raise self.execute_result
        return self.execute_result

    async def flow_from_tx(self, ctx: AdapterContext, tx_hash: str) -> FlowRef:
        raise AssertionError("not reached")

    def decode_ref(self, ref: FlowRef) -> FlowRef:
        return ref


Hash32OrExc = Any


def _io(adapter: NewRollupAdapter) -> Interop:
    return Interop(
        [L1, L2],
        account=KEY,
        journal=":memory:",
        adapters=AdapterRegistry({"newrollup": lambda: adapter}),
    )


def _started(io: Interop) -> str:
    """A journaled deposit whose first transaction is mined (its ref recorded)."""
    assert io.signer is not None
    j = io.journal
    fid = j.create_flow(
        kind="eth", source_chain=L1.id, target_chain=L2.id, value=1, recipient=BOB,
        sender=io.signer.address, hops=[("newrollup", "l1-to-l2", L1.id, L2.id)],
    )  # fmt: skip
    ref = FlowRef("newrollup", Direction.L1_TO_L2, FlowKind.ETH, L1.id, L2.id,
                  to_hash32(b"\x07" * 32))  # fmt: skip
    j.set_hop_ref(fid, 0, ref)
    return fid


async def _no_sleep(seconds: float) -> None:
    raise AssertionError(f"polled ({seconds}s) although only a person can move the flow on")


async def test_manual_action_ends_complete_and_wait_with_the_adapters_action() -> None:
    """A hop that needs a person raises `ManualActionRequired` with what to do; before, the
    default `timeout=None` polled forever (here: the scripted sleep would fail the test)."""
    a = NewRollupAdapter()
    a.statuses = [
        FlowStatus(Status.NEEDS_MANUAL_ACTION, "expired", None, None,
                   {"action": "claim the refund on the parent"}, Actor.CALLER)
    ]  # fmt: skip
    async with _io(a) as io:
        flow = io.flow(_started(io))
        with pytest.raises(ManualActionRequired) as info:
            await asyncio.wait_for(flow.complete(sleep=_no_sleep), 5)
        assert info.value.action == "claim the refund on the parent"
        assert info.value.flow_id == flow.id and "expired" in info.value.message
        with pytest.raises(ManualActionRequired):
            await asyncio.wait_for(flow.wait(sleep=_no_sleep), 5)
        st = await flow.status()
        assert st.actor is Actor.CALLER and st.action == "claim the refund on the parent"
        assert st.to_dict()["actor"] == "caller"
        assert a.executed == []  # nothing the library could send


@pytest.mark.parametrize("outcome", [None, NotReadyError("the relayer must act first")])
async def test_a_manual_step_the_adapter_offers_is_tried_once(outcome: Any) -> None:
    """NEEDS_MANUAL_ACTION with a step for the caller (a redeem): `complete()` asks the adapter
    once; when that sends nothing, a person must act (no loop of attempts)."""
    a = NewRollupAdapter()
    a.statuses = [
        FlowStatus(Status.NEEDS_MANUAL_ACTION, "redeem-failed", "redeem", 0,
                   {"action": "redeem with more gas"}, Actor.CALLER)
    ]  # fmt: skip
    a.execute_result = outcome
    async with _io(a) as io:
        flow = io.flow(_started(io))
        # wait() leaves it to complete(): the step is one complete() performs
        assert (await flow.wait(sleep=_no_sleep)).next_step == "redeem"
        with pytest.raises(ManualActionRequired, match="redeem-failed"):
            await asyncio.wait_for(flow.complete(sleep=_no_sleep), 5)
        assert a.executed == ["redeem"]


async def test_a_flow_timeout_is_its_own_error() -> None:
    """`complete(timeout=...)` running out is `FlowTimeoutError` (still a `TimeoutError`), not
    an RPC timeout: every node answered."""
    a = NewRollupAdapter()
    a.statuses = [FlowStatus(Status.PENDING, "in-batch", None, None, {}, Actor.NOBODY)]
    async with _io(a) as io:
        flow = io.flow(_started(io))
        with pytest.raises(FlowTimeoutError) as info:
            await flow.complete(timeout=0.3, poll=0.1)
        assert isinstance(info.value, TimeoutError) and not isinstance(info.value, RpcError)
        assert info.value.flow_id == flow.id
        assert (await flow.status()).actor is Actor.NOBODY


async def test_routes_plan_through_the_adapter_with_actors() -> None:
    a = NewRollupAdapter()
    plan = await plan_route(
        L1, L2, chains={L1.id: L1, L2.id: L2}, client=_io(a).client,
        registry=AdapterRegistry({"newrollup": lambda: a}), estimate=False,
    )  # fmt: skip
    (step,) = plan.steps
    assert step.actions == ("initiate", "claim")  # what complete() will sign
    # the batch wait (nobody acts) is folded into the relayer's delivery after it
    assert step.waits == {"arrive": 3660, "claim": 0}
    assert step.actor("arrive") is Actor.RELAYER and step.actor("batch") is Actor.NOBODY
    assert plan.expected_seconds == 3660
    d = step.to_dict()
    assert d["actions"] == ["initiate", "claim"] and d["waits"] == {"arrive": 3660, "claim": 0}
    assert [(s["action"], s["actor"]) for s in d["steps"]] == [
        ("initiate", "caller"), ("batch", "nobody"), ("arrive", "relayer"), ("claim", "caller"),
    ]  # fmt: skip
    assert "arrive by relayer" in plan.describe()


def test_an_incomplete_adapter_plugin_is_told_everything_it_lacks() -> None:
    class Old:
        name = "old"

        def supports(self, s: Chain, t: Chain) -> bool:
            return False

    reg = AdapterRegistry({"old": Old})
    with pytest.raises(ConfigError) as info:
        reg.get("old")
    text = str(info.value)
    for member in ("estimate", "initiate", "status", "execute_next", "flow_from_tx", "plan",
                   "refusals", "decode_ref", "option_names", "ref_version"):  # fmt: skip
        assert member in text, member


async def test_an_unknown_option_is_refused_naming_it_and_the_accepted_ones() -> None:
    a = NewRollupAdapter()
    async with _io(a) as io:
        with pytest.raises(InputError) as info:
            await io.bridge(1, L1.id, L2.id, BOB, options={"gas_tokn": "0x01"})
        text = str(info.value)
        assert "'gas_tokn'" in text and "gas_token" in text and "sender" in text
        assert io.journal.flows() == []
