"""Adapter discovery through entry points and route planning, without a network.

Planning reads the route's contracts with `eth_call`; here a `MockTransport` answers with the
values published for mainnet (OptimismPortal2: proof maturity 7 days, dispute game finality
3.5 days; FaultDisputeGame max clock 3.5 days; Arbitrum One rollup: confirmPeriodBlocks 45818).
"""

from __future__ import annotations

from importlib.metadata import EntryPoint, entry_points
from typing import Any

import pytest
from eth_utils.crypto import keccak

import interop.routes as routes
from interop.adapters.base import Direction, FlowKind
from interop.chains.registry import get_chain
from interop.client import ChainClient
from interop.errors import (
    ConfigError,
    ExecutionRevertedError,
    UnsupportedOperationError,
)
from interop.routes import AdapterRegistry, plan_route
from interop.rpc.mock import MockTransport

GROUP = "interop.adapters"


def broken_factory() -> Any:
    raise RuntimeError("plugin exploded")


def wrong_factory() -> Any:
    return object()


def test_entry_points_lazy_and_broken_plugin_isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    real = list(entry_points(group=GROUP))
    assert {"opstack", "arbitrum"} <= {e.name for e in real}
    fake = [
        *real,
        EntryPoint("broken", f"{__name__}:broken_factory", GROUP),
        EntryPoint("missing", "interop_no_such_package:adapter_factory", GROUP),
        EntryPoint("wrong", f"{__name__}:wrong_factory", GROUP),
    ]
    monkeypatch.setattr(routes, "entry_points", lambda group: [e for e in fake if e.group == group])
    reg = AdapterRegistry()
    loaded = reg.all()
    assert {"opstack", "arbitrum"} <= set(loaded)
    assert {"broken", "missing", "wrong"} <= set(reg.errors())
    with pytest.raises(ConfigError, match=r"'broken'.*plugin exploded"):
        reg.get("broken")
    with pytest.raises(ConfigError, match="'missing'"):
        reg.get("missing")
    with pytest.raises(ConfigError, match="lacks"):
        reg.get("wrong")
    with pytest.raises(ConfigError, match="no bridge adapter named"):
        reg.get("nothing")
    # routes still work, and an unsupported pair names the broken plugins
    assert reg.find(get_chain("ethereum"), get_chain("base")).name == "opstack"
    with pytest.raises(UnsupportedOperationError) as exc:
        reg.find(get_chain("base"), get_chain("arbitrum"))
    assert "broken" in str(exc.value)


def test_import_is_lazy() -> None:
    import subprocess
    import sys

    code = "import sys, interop, interop.facade, interop.routes, interop.flows; " \
        "print(sorted(m for m in sys.modules if m.startswith('interop.adapters.')))"  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['interop.adapters.base']"


def test_find_direct_routes_on_builtin_data() -> None:
    reg = AdapterRegistry()
    eth, op, base, arb = (get_chain(n) for n in ("ethereum", "optimism", "base", "arbitrum"))
    assert reg.find(eth, op).name == "opstack" and reg.find(op, eth).name == "opstack"
    assert reg.find(eth, arb).name == "arbitrum" and reg.find(arb, eth).name == "arbitrum"
    pairs = {(s.id, t.id, a) for s, t, a in reg.routes([eth, base, arb])}
    assert pairs >= {
        (1, 8453, "opstack"),
        (8453, 1, "opstack"),
        (1, 42161, "arbitrum"),
        (42161, 1, "arbitrum"),
    }


def _mainnet_l1(calls: dict[bytes, bytes]) -> ChainClient:
    def handler(method: str, params: list[Any]) -> Any:
        if method == "eth_chainId":
            return "0x1"
        assert method == "eth_call", method
        data = bytes.fromhex(params[0]["data"][2:])
        if data[:4] not in calls:
            raise ExecutionRevertedError("execution reverted", code=3)
        return "0x" + calls[data[:4]].hex()

    return ChainClient(get_chain("ethereum"), MockTransport(handler), owns_transport=False)


def _sel(sig: str) -> bytes:
    return keccak(sig.encode())[:4]


def _u(x: int) -> bytes:
    return x.to_bytes(32, "big")


async def test_plan_two_hops_with_waits_from_contracts() -> None:
    game = "11" * 20
    l1 = _mainnet_l1({
        _sel("proofMaturityDelaySeconds()"): _u(604800),
        _sel("disputeGameFinalityDelaySeconds()"): _u(302400),
        _sel("respectedGameType()"): _u(0),
        _sel("gameImpls(uint32)"): bytes(12) + bytes.fromhex(game),
        _sel("maxClockDuration()"): _u(302400),
        _sel("confirmPeriodBlocks()"): _u(45818),
    })  # fmt: skip
    chains = {c.id: c for c in (get_chain(n) for n in ("ethereum", "optimism", "arbitrum"))}

    def client(cid: int) -> ChainClient:
        if cid == 1:
            return l1
        return ChainClient(chains[cid], MockTransport({}), owns_transport=False)

    plan = await plan_route(chains[10], chains[42161], FlowKind.ETH, chains=chains, client=client,
                            value=10**17, estimate=False)  # fmt: skip
    assert plan.two_hop
    one, two = plan.steps
    assert (one.adapter, one.direction, one.source.id, one.target.id) == (
        "opstack",
        Direction.L2_TO_L1,
        10,
        1,
    )
    assert one.actions == ("initiate", "prove", "finalize")
    assert one.waits == {"prove": None, "finalize": 604800}  # max(7d, 3.5d + 3.5d)
    assert (two.adapter, two.direction, two.target.id) == ("arbitrum", Direction.L1_TO_L2, 42161)
    assert two.waits == {"arrive": 24}  # two L1 blocks of 12 s
    assert plan.expected_seconds is None  # the prove wait is unknown until a game exists
    d = plan.to_dict()
    assert [s["adapter"] for s in d["steps"]] == ["opstack", "arbitrum"]
    assert "2 step(s)" in plan.describe()

    back = await plan_route(chains[42161], chains[1], chains=chains, client=client, estimate=False)
    assert back.steps[0].actions == ("initiate", "execute")
    assert back.steps[0].waits == {"execute": 45818 * 12}  # ~6.4 days, as Arbitrum documents
    assert back.expected_seconds == 549816

    with pytest.raises(UnsupportedOperationError, match="direct route"):
        await plan_route(chains[10], chains[42161], FlowKind.MESSAGE, chains=chains, client=client,
                         estimate=False)  # fmt: skip
    with pytest.raises(UnsupportedOperationError, match="same chain"):
        await plan_route(chains[1], chains[1], chains=chains, client=client)


async def test_unsupported_pair_lists_existing_routes() -> None:
    chains = {c.id: c for c in (get_chain(n) for n in ("ethereum", "base", "sepolia"))}
    with pytest.raises(UnsupportedOperationError) as exc:
        await plan_route(chains[8453], chains[11155111], chains=chains,
                         client=lambda cid: None)  # type: ignore[arg-type,return-value]  # fmt: skip
    text = str(exc.value)
    assert "routes that exist" in text and "Base" in text
