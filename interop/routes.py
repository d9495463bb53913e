"""Which adapter moves value from one chain to another, and what the whole route will take.

Adapters are plugins: each is a factory registered under the entry-point group
`interop.adapters` (the built-in ones too), loaded on first use and cached.
Nothing here imports an adapter module at import time, so `import interop` stays cheap and a
broken third-party plugin cannot break the others: it is recorded as a `ConfigError` naming it,
raised only when that adapter is asked for by name.

A route is one hop when some adapter `supports(source, target)`. Two L2s on the same parent with
no direct adapter between them (OP Stack -> Arbitrum, say) get a two-hop route: withdraw to the
parent, then deposit from it. `plan_route` returns each hop's steps as its adapter plans them
(`BridgeAdapter.plan`: who acts for each step and the wait read from the route's contracts) and
the first transaction's fees, so a caller can inspect a route before any value moves. Nothing
here knows a rollup family: every family-specific fact comes from the adapter.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

from interop.adapters.base import (
    Actor,
    AdapterContext,
    BridgeAdapter,
    BridgeRequest,
    Direction,
    FeeEstimate,
    FlowKind,
    PlannedStep,
)
from interop.chains.model import Chain
from interop.client import ChainClient
from interop.errors import ConfigError, InteropError, UnsupportedOperationError
from interop.safety import adapter_options
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


_METHODS = (
    "supports",
    "estimate",
    "initiate",
    "status",
    "execute_next",
    "flow_from_tx",
    "plan",
    "refusals",
    "decode_ref",
)


def _check_adapter(name: str, obj: Any) -> BridgeAdapter:
    """The whole protocol or a `ConfigError` that lists every member the plugin lacks (a plugin
    written against an older protocol learns all it must add at once, not one per release)."""
    missing = [m for m in _METHODS if not callable(getattr(obj, m, None))]
    options = getattr(obj, "option_names", None)
    if not isinstance(options, (frozenset, set)) or not all(isinstance(o, str) for o in options):
        missing.append("option_names (a frozenset of str)")
    version = getattr(obj, "ref_version", None)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        missing.append("ref_version (an int >= 1)")
    if missing:
        raise ConfigError(
            f"adapter plugin {name!r} returned {type(obj).__name__}, which lacks "
            + ", ".join(missing),
            hint="an interop.adapters entry point must return a BridgeAdapter "
            "(interop.adapters.base); run interop.testing's conformance suite against it",
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
    """One hop of a route, as its adapter plans it.

    `planned` are the adapter's steps in order, each with who acts (`Actor`) and its wait.
    Derived views kept from before the adapters planned: `actions` are the caller's own steps
    (what `complete()` will sign), and `waits[step]` the seconds expected before each later step
    by the caller or a relayer becomes possible, counted from the step before it (a wait in which
    nobody acts is folded into the step after it); None where the chain gives no figure.
    """

    index: int
    adapter: str
    direction: Direction
    source: Chain
    target: Chain
    actions: tuple[str, ...]
    waits: Mapping[str, int | None] = field(default_factory=dict)
    fee: FeeEstimate | None = None
    fee_error: str | None = None
    planned: tuple[PlannedStep, ...] = ()

    @property
    def expected_seconds(self) -> int | None:
        vals = list(self.waits.values())
        if any(v is None for v in vals):
            return None
        return sum(v for v in vals if v is not None)

    def actor(self, action: str) -> Actor | None:
        """Who performs `action` on this hop (None if the plan has no such step)."""
        return next((p.actor for p in self.planned if p.action == action), None)

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
            "steps": [
                {
                    "action": p.action,
                    "actor": p.actor.value,
                    "wait_seconds": p.wait_seconds,
                    "note": p.note,
                }
                for p in self.planned
            ],
        }


def derive_actions_and_waits(
    planned: tuple[PlannedStep, ...],
) -> tuple[tuple[str, ...], dict[str, int | None]]:
    """`(actions, waits)` of a hop from its planned steps (see `RouteStep`)."""
    actions = tuple(p.action for p in planned if p.actor is Actor.CALLER)
    waits: dict[str, int | None] = {}
    pending: int | None = 0  # a wait in which nobody acts, carried to the next step
    for i, p in enumerate(planned):
        if i == 0:
            continue
        w = None if pending is None or p.wait_seconds is None else pending + p.wait_seconds
        if p.actor is Actor.NOBODY and i < len(planned) - 1:
            pending = w
            continue
        waits[p.action] = w
        pending = 0
    return actions, waits


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
                f"{a} {_UNESTIMATED.get(a, 'after a wait not estimated yet')}"
                if w is None
                else f"{a} after {_fmt_secs(w)}"
                for a, w in s.waits.items()
            )
            fee = f"{s.fee.initiate_fee} wei" if s.fee is not None else "not estimated"
            if s.fee is None and s.fee_error:
                fee += f" ({s.fee_error})"
            others = ", ".join(
                f"{p.action} by {p.actor.value}" for p in s.planned if p.actor is Actor.RELAYER
            )
            lines.append(
                f"  {s.index + 1}. {s.adapter} {s.direction.value} {s.source.name} -> "
                f"{s.target.name}: {' + '.join(s.actions)}; first tx fee {fee}"
                + (f"; {waits}" if waits else "")
                + (f"; {others}" if others else "")
            )
        return "\n".join(lines)


_UNESTIMATED = {"prove": "once a proposal covers it (not estimated yet)"}
"""What `describe()` says of a wait the chain gives no figure for yet ("prove after ?" read as
a bug): an OP withdrawal can be proven once an output proposal (dispute game) covers it."""


def _fmt_secs(s: int) -> str:
    if s >= 86400:
        return f"{s / 86400:.1f}d"
    if s >= 3600:
        return f"{s / 3600:.1f}h"
    if s >= 60:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s}s"


def _direction(source: Chain, target: Chain) -> Direction:
    if target.parent_id == source.id:
        return Direction.L1_TO_L2
    if source.parent_id == target.id:
        return Direction.L2_TO_L1
    return Direction.L2_TO_L2


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
                        options=adapter_options(options, adapter),
                    ),
                )
            except InteropError as exc:
                fee_error = exc.message
        elif estimate:
            fee_error = "no sender to estimate for"
        planned = tuple(await adapter.plan(ctx, direction, kind if last else FlowKind.ETH))
        actions, waits = derive_actions_and_waits(planned)
        steps.append(
            RouteStep(
                index=i,
                adapter=adapter.name,
                direction=direction,
                source=s,
                target=t,
                actions=actions,
                waits=waits,
                fee=fee,
                fee_error=fee_error,
                planned=planned,
            )
        )
    return RoutePlan(source, target, kind, value, recipient, tuple(steps))
