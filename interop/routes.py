"""Which adapter moves value from one chain to another, and what the whole route will take.

Adapters are plugins: each is a factory registered under the entry-point group
`interop.adapters` (the built-ins `opstack` and `arbitrum` too), loaded on first use and cached.
Nothing here imports an adapter module at import time, so `import interop` stays cheap and a
broken third-party plugin cannot break the others: it is recorded as a `ConfigError` naming it,
raised only when that adapter is asked for by name.

A route is one hop when some adapter `supports(source, target)`. Two L2s on the same parent with
no direct adapter between them (OP Stack -> Arbitrum, say) get a two-hop route: withdraw to the
parent, then deposit from it. `plan_route` returns the steps with the actions each will need,
the waits the chain's contracts configure, and the first transaction's fees, so a caller can
inspect a route before any value moves.

Adapters may refine planning by defining (optionally) `expected_actions(direction, kind)` and
`async expected_waits(ctx, direction) -> Mapping[str, int | None]`; otherwise the tables and
contract reads below are used.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

from eth_utils.crypto import keccak

from interop.adapters.base import (
    AdapterContext,
    BridgeAdapter,
    BridgeRequest,
    Direction,
    FeeEstimate,
    FlowKind,
)
from interop.chains.model import Chain, ContractName
from interop.client import ChainClient
from interop.errors import ConfigError, InteropError, UnsupportedOperationError
from interop.signer import Signer
from interop.types import Address

__all__ = [
    "AdapterRegistry",
    "RoutePlan",
    "RouteStep",
    "default_adapters",
    "find_adapter",
    "load_adapters",
    "plan_route",
]

log = logging.getLogger("interop.routes")

GROUP = "interop.adapters"

Factory = Callable[[], Any]


def _check_adapter(name: str, obj: Any) -> BridgeAdapter:
    missing = [
        m
        for m in ("supports", "estimate", "initiate", "status", "execute_next", "flow_from_tx")
        if not callable(getattr(obj, m, None))
    ]
    if missing:
        raise ConfigError(
            f"adapter plugin {name!r} returned {type(obj).__name__}, which lacks "
            + ", ".join(missing),
            hint="an interop.adapters entry point must return a BridgeAdapter",
        )
    if getattr(obj, "name", None) != name:
        # The journal stores adapters by name; a mismatch would make flows unresumable.
        raise ConfigError(
            f"adapter plugin {name!r} calls itself {getattr(obj, 'name', None)!r}",
            hint="the entry-point name and the adapter's `name` must be equal",
        )
    return obj  # type: ignore[no-any-return]


class AdapterRegistry:
    """Adapters by name, loaded lazily from entry points (or from `factories`, for tests)."""

    def __init__(
        self, factories: Mapping[str, Factory] | None = None, *, group: str = GROUP
    ) -> None:
        self._factories = dict(factories) if factories is not None else None
        self._group = group
        self._adapters: dict[str, BridgeAdapter] | None = None
        self._errors: dict[str, ConfigError] = {}

    def _load(self) -> dict[str, BridgeAdapter]:
        if self._adapters is not None:
            return self._adapters
        adapters: dict[str, BridgeAdapter] = {}
        errors: dict[str, ConfigError] = {}
        items: list[tuple[str, str, Callable[[], Any]]] = []
        if self._factories is not None:
            items = [(n, repr(f), f) for n, f in self._factories.items()]
        else:
            for ep in sorted(entry_points(group=self._group), key=lambda e: e.name):

                def loader(ep: Any = ep) -> Any:
                    return ep.load()()

                items.append((ep.name, ep.value, loader))
        for name, origin, make in items:
            if name in adapters or name in errors:
                errors.setdefault(
                    name,
                    ConfigError(f"adapter plugin {name!r} is registered twice ({origin})"),
                )
                continue
            try:
                adapters[name] = _check_adapter(name, make())
            except ConfigError as exc:
                errors[name] = exc
            except Exception as exc:  # a third-party plugin can fail in any way
                errors[name] = ConfigError(
                    f"adapter plugin {name!r} ({origin}) failed to load: "
                    f"{type(exc).__name__}: {exc}",
                    hint=f"fix or uninstall the package providing the {name!r} adapter",
                )
        for err in errors.values():
            log.warning("%s", err.message)
        self._adapters, self._errors = adapters, errors
        return adapters

    def all(self) -> dict[str, BridgeAdapter]:
        """Every adapter that loaded, by name (broken plugins left out; see `errors`)."""
        return dict(self._load())

    def errors(self) -> dict[str, ConfigError]:
        """Plugins that failed to load, with the reason."""
        self._load()
        return dict(self._errors)

    def get(self, name: str) -> BridgeAdapter:
        adapters = self._load()
        if name in adapters:
            return adapters[name]
        if name in self._errors:
            raise self._errors[name]
        raise ConfigError(
            f"no bridge adapter named {name!r}",
            hint=f"installed: {', '.join(sorted(adapters)) or 'none'}",
        )

    def candidates(self, source: Chain, target: Chain) -> list[BridgeAdapter]:
        """Adapters supporting the direct route; the one named after the L2's stack first."""
        out = []
        for a in self._load().values():
            try:
                if a.supports(source, target):
                    out.append(a)
            except Exception as exc:  # a plugin's bug must not hide the other routes
                log.warning("adapter %s failed in supports(): %s", a.name, exc)
        stacks = {source.stack, target.stack}
        out.sort(key=lambda a: (a.name not in stacks, a.name))
        return out

    def find(self, source: Chain, target: Chain) -> BridgeAdapter:
        found = self.candidates(source, target)
        if not found:
            raise UnsupportedOperationError(
                f"no adapter bridges {source.name} ({source.id}) -> {target.name} ({target.id})",
                details=self._broken_note(),
            )
        return found[0]

    def routes(self, chains: Iterable[Chain]) -> list[tuple[Chain, Chain, str]]:
        """Every direct route between `chains`: (source, target, adapter name)."""
        cs = list(chains)
        out = []
        for s in cs:
            for t in cs:
                if s.id != t.id:
                    for a in self.candidates(s, t)[:1]:
                        out.append((s, t, a.name))
        return out

    def _broken_note(self) -> str | None:
        if not self._errors:
            return None
        return "adapters that failed to load: " + "; ".join(
            e.message for e in self._errors.values()
        )


_DEFAULT: AdapterRegistry | None = None


def default_adapters() -> AdapterRegistry:
    """The process-wide registry over the installed entry points."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = AdapterRegistry()
    return _DEFAULT


def load_adapters(*, reload: bool = False) -> dict[str, BridgeAdapter]:
    """Installed adapters by name (cached; `reload=True` re-reads the entry points)."""
    global _DEFAULT
    if reload:
        _DEFAULT = None
    return default_adapters().all()


def find_adapter(
    source: Chain, target: Chain, registry: AdapterRegistry | None = None
) -> BridgeAdapter:
    """The adapter for the direct route, or `UnsupportedOperationError`."""
    return (registry or default_adapters()).find(source, target)


# ---------------------------------------------------------------------------------- planning


@dataclass(frozen=True)
class RouteStep:
    """One hop of a route. `waits[action]` = seconds expected before `action` becomes possible
    (counted from the previous action), None where the chain gives no figure."""

    index: int
    adapter: str
    direction: Direction
    source: Chain
    target: Chain
    actions: tuple[str, ...]
    waits: Mapping[str, int | None] = field(default_factory=dict)
    fee: FeeEstimate | None = None
    fee_error: str | None = None

    @property
    def expected_seconds(self) -> int | None:
        vals = list(self.waits.values())
        if any(v is None for v in vals):
            return None
        return sum(v for v in vals if v is not None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "adapter": self.adapter,
            "direction": self.direction.value,
            "source": self.source.id,
            "target": self.target.id,
            "actions": list(self.actions),
            "waits": dict(self.waits),
            "initiate_fee": None if self.fee is None else str(self.fee.initiate_fee),
            "fee_error": self.fee_error,
        }


@dataclass(frozen=True)
class RoutePlan:
    """The whole route from `source` to `target`, one or two steps, before anything is sent."""

    source: Chain
    target: Chain
    kind: FlowKind
    value: int
    recipient: Address | None
    steps: tuple[RouteStep, ...]

    @property
    def two_hop(self) -> bool:
        return len(self.steps) > 1

    @property
    def expected_seconds(self) -> int | None:
        secs = [s.expected_seconds for s in self.steps]
        return None if any(x is None for x in secs) else sum(x for x in secs if x is not None)

    @property
    def known_fees(self) -> int:
        """Sum of the first-transaction fees that could be estimated (later steps excluded)."""
        return sum(s.fee.initiate_fee for s in self.steps if s.fee is not None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source.id,
            "target": self.target.id,
            "kind": self.kind.value,
            "value": str(self.value),
            "recipient": self.recipient,
            "expected_seconds": self.expected_seconds,
            "steps": [s.to_dict() for s in self.steps],
        }

    def describe(self) -> str:
        """Human-readable, one line per step."""
        lines = [f"{self.source.name} -> {self.target.name}: {len(self.steps)} step(s)"]
        for s in self.steps:
            waits = ", ".join(
                f"{a} after {'?' if w is None else _fmt_secs(w)}" for a, w in s.waits.items()
            )
            fee = "?" if s.fee is None else f"{s.fee.initiate_fee} wei"
            lines.append(
                f"  {s.index + 1}. {s.adapter} {s.direction.value} {s.source.name} -> "
                f"{s.target.name}: {' + '.join(s.actions)}; first tx fee {fee}"
                + (f"; {waits}" if waits else "")
            )
        return "\n".join(lines)


def _fmt_secs(s: int) -> str:
    if s >= 86400:
        return f"{s / 86400:.1f}d"
    if s >= 3600:
        return f"{s / 3600:.1f}h"
    if s >= 60:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s}s"


_ACTIONS: dict[tuple[str, Direction], tuple[str, ...]] = {
    ("opstack", Direction.L1_TO_L2): ("initiate",),
    ("opstack", Direction.L2_TO_L1): ("initiate", "prove", "finalize"),
    ("arbitrum", Direction.L1_TO_L2): ("initiate",),
    ("arbitrum", Direction.L2_TO_L1): ("initiate", "execute"),
}


def _direction(source: Chain, target: Chain) -> Direction:
    if target.parent_id == source.id:
        return Direction.L1_TO_L2
    if source.parent_id == target.id:
        return Direction.L2_TO_L1
    return Direction.L2_TO_L2


def expected_actions(
    adapter: BridgeAdapter, direction: Direction, kind: FlowKind
) -> tuple[str, ...]:
    own = getattr(adapter, "expected_actions", None)
    if callable(own):
        return tuple(own(direction, kind))
    if (adapter.name, direction) in _ACTIONS:
        return _ACTIONS[(adapter.name, direction)]
    if direction is Direction.L2_TO_L2:
        return ("initiate", "relay")
    return ("initiate",) if direction is Direction.L1_TO_L2 else ("initiate", "finalize")


async def _uint(client: ChainClient, to: str, signature: str, arg: bytes = b"") -> int:
    out = await client.call(to, keccak(signature.encode())[:4] + arg)
    return int.from_bytes(out[:32], "big")


async def expected_waits(
    adapter: BridgeAdapter, ctx: AdapterContext, direction: Direction
) -> dict[str, int | None]:
    """Seconds before each later action, read from the route's contracts (chain data addresses).

    Deposits: about two parent blocks (inclusion + derivation). OP withdrawals: the output
    cadence before proving (legacy oracle), then the finalization period, or for fault proofs
    max(proof maturity, game clock + game finality delay). Arbitrum: the rollup's confirm period.
    """
    own = getattr(adapter, "expected_waits", None)
    if callable(own):
        return dict(await own(ctx, direction))
    s, t = ctx.source.chain, ctx.target.chain
    if direction is Direction.L1_TO_L2:
        return {"arrive": max(1, 2 * s.block_time_ms // 1000)}
    if direction is Direction.L2_TO_L2:
        return {"relay": None}
    l1 = ctx.target
    pc = s.parent_contracts.get(t.id, {})
    try:
        if adapter.name == "opstack":
            portal = pc[ContractName.OPTIMISM_PORTAL]
            if ContractName.DISPUTE_GAME_FACTORY in pc:
                maturity = await _uint(l1, portal, "proofMaturityDelaySeconds()")
                finality = await _uint(l1, portal, "disputeGameFinalityDelaySeconds()")
                gtype = await _uint(l1, portal, "respectedGameType()")
                impl = await _uint(
                    l1,
                    pc[ContractName.DISPUTE_GAME_FACTORY],
                    "gameImpls(uint32)",
                    gtype.to_bytes(32, "big"),
                )
                clock = await _uint(l1, "0x" + impl.to_bytes(20, "big").hex(), "maxClockDuration()")
                return {"prove": None, "finalize": max(maturity, clock + finality)}
            oracle = pc[ContractName.L2_OUTPUT_ORACLE]
            interval = await _uint(l1, oracle, "submissionInterval()")
            l2_block = await _uint(l1, oracle, "l2BlockTime()")
            period = await _uint(l1, oracle, "finalizationPeriodSeconds()")
            return {"prove": interval * l2_block, "finalize": period}
        if adapter.name == "arbitrum":
            rollup = pc[ContractName.ARB_ROLLUP]
            blocks = await _uint(l1, rollup, "confirmPeriodBlocks()")
            secs = blocks * t.block_time_ms // 1000
            # the devnet's rollup stand-in also has a time-based period
            with contextlib.suppress(InteropError):
                secs = max(secs, await _uint(l1, rollup, "confirmPeriodSeconds()"))
            return {"execute": secs}
    except (InteropError, KeyError, ValueError) as exc:
        log.debug("cannot read waits for %s %s -> %s: %s", adapter.name, s.name, t.name, exc)
    return {a: None for a in expected_actions(adapter, direction, FlowKind.ETH)[1:]}


def _hops(
    source: Chain, target: Chain, chains: Mapping[int, Chain], registry: AdapterRegistry
) -> list[tuple[BridgeAdapter, Chain, Chain]]:
    direct = registry.candidates(source, target)
    if direct:
        return [(direct[0], source, target)]
    parent = chains.get(source.parent_id) if source.parent_id is not None else None
    if parent is not None and target.parent_id == parent.id:
        up = registry.candidates(source, parent)
        down = registry.candidates(parent, target)
        if up and down:
            return [(up[0], source, parent), (down[0], parent, target)]
    existing = [
        f"{s.name} -> {t.name} ({a})"
        for s, t, a in registry.routes(chains.values())
        if source.id in (s.id, t.id) or target.id in (s.id, t.id)
    ]
    note = registry._broken_note()
    raise UnsupportedOperationError(
        f"no route from {source.name} ({source.id}) to {target.name} ({target.id})",
        details="routes that exist: "
        + ("; ".join(existing) or "none")
        + (f". {note}" if note else ""),
        hint="two-hop routes need both chains to be L2s of the same configured parent",
    )


async def plan_route(
    source: Chain,
    target: Chain,
    kind: FlowKind = FlowKind.ETH,
    *,
    chains: Mapping[int, Chain],
    client: Callable[[int], ChainClient],
    value: int = 0,
    recipient: Address | None = None,
    data: bytes = b"",
    signer: Signer | None = None,
    registry: AdapterRegistry | None = None,
    estimate: bool = True,
    options: Mapping[str, Any] | None = None,
) -> RoutePlan:
    """Plan `source -> target`. Raises `UnsupportedOperationError` (listing the routes that do
    exist) when neither a direct adapter nor a two-hop route through a shared parent exists.

    Messages only go direct: a two-hop message would arrive from the parent-side relayer, not
    from the sender, which no contract expects. Fees are estimated for the first transaction of
    each step (`estimate=False` skips it); an estimate that fails (e.g. the value for the second
    hop is not on L1 yet) leaves `fee=None` and the reason in `fee_error`.
    """
    if source.id == target.id:
        raise UnsupportedOperationError(
            f"source and target are the same chain ({source.name})",
            hint="use transfer() for a payment on one chain",
        )
    reg = registry or default_adapters()
    hops = _hops(source, target, chains, reg)
    if kind is FlowKind.MESSAGE and len(hops) > 1:
        raise UnsupportedOperationError(
            f"messages need a direct route; {source.name} -> {target.name} has none",
            details="a two-hop message would arrive from the relaying account, not the sender",
        )
    steps = []
    for i, (adapter, s, t) in enumerate(hops):
        direction = _direction(s, t)
        ctx = AdapterContext(client(s.id), client(t.id), signer)
        last = i == len(hops) - 1
        rcpt = recipient if last else (None if signer is None else Address(signer.address))
        fee: FeeEstimate | None = None
        fee_error: str | None = None
        if estimate and rcpt is not None and (signer is not None or (options or {}).get("sender")):
            try:
                fee = await adapter.estimate(
                    ctx,
                    BridgeRequest(
                        kind,
                        value,
                        rcpt,
                        data=data if last else b"",
                        options=dict(options or {}),
                    ),
                )
            except InteropError as exc:
                fee_error = exc.message
        elif estimate:
            fee_error = "no sender to estimate for"
        steps.append(
            RouteStep(
                index=i,
                adapter=adapter.name,
                direction=direction,
                source=s,
                target=t,
                actions=expected_actions(adapter, direction, kind),
                waits=await expected_waits(adapter, ctx, direction),
                fee=fee,
                fee_error=fee_error,
            )
        )
    return RoutePlan(source, target, kind, value, recipient, tuple(steps))
