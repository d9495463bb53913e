"""Bridge addresses read from the contracts the chain data already trusts; static data is a check.

Why: a live chain upgrades. OP Stack chains redeployed their anchor state registries (and, for
Zora and Mode, moved from the output oracle to a dispute game factory) while a copy of the
addresses shipped in a package stayed as it was; an Arbitrum chain can move its rollup (BoLD) or
outbox. Proving against a stale factory, or executing at a stale outbox, fails or worse. So for
every address that one of the chain's *root* contracts names on chain, interop reads it at run
time and uses the answer; the static value only checks it. A difference is logged once, as a
WARNING naming the chain, the contract, both values and where the on-chain one was read, and the
on-chain value wins: an upgrade must not break users, and the user is told to update the data.

The roots are the addresses users send value to, which come only from chain data (or an explicit
override): the OP Stack `OptimismPortal`, the Arbitrum `Inbox`. From them:

- OP Stack: `portal.disputeGameFactory()`, `portal.systemConfig()`, `portal.respectedGameType()`,
  the anchor state registry from `portal.anchorStateRegistry()` (contracts since upgrade 16) or
  else from the respected game's implementation (`factory.gameImpls(type).anchorStateRegistry()`),
  and for a legacy portal `portal.l2Oracle()`.
- Arbitrum: `inbox.bridge()`, `bridge.rollup()`, `rollup.outbox()` (else the bridge's allowed
  outbox list when it has exactly one entry), `rollup.sequencerInbox()`.

A contract that does not answer a view (it reverts, or is an older release without it) leaves the
static value in place, silently: that is an interface difference, not a mismatch. Transport
errors propagate (typed `RpcError`s): a stale value is never used because a node hiccupped.

Results are cached per parent-chain client (one `Interop` instance owns its clients), so each
instance reads once and warns once; concurrent callers share one read.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from interop.abi import Fn
from interop.chains.model import Chain, ContractName
from interop.client import ChainClient
from interop.errors import ConfigError, ExecutionRevertedError
from interop.types import Address, to_address

__all__ = [
    "Discovered",
    "Mismatch",
    "cached",
    "discover",
    "discover_arbitrum",
    "discover_opstack",
    "forget",
]

log = logging.getLogger("interop.discovery")

_ZERO = "0x" + "00" * 20

# Views read here (kept local: this module depends on no adapter and on no ABI file).
_DISPUTE_GAME_FACTORY = Fn("disputeGameFactory()", ("address",))
_SYSTEM_CONFIG = Fn("systemConfig()", ("address",))
_RESPECTED_GAME_TYPE = Fn("respectedGameType()", ("uint32",))
_ANCHOR_STATE_REGISTRY = Fn("anchorStateRegistry()", ("address",))
_L2_ORACLE = Fn("l2Oracle()", ("address",))
_GAME_IMPLS = Fn("gameImpls(uint32)", ("address",))
_BRIDGE = Fn("bridge()", ("address",))
_ROLLUP = Fn("rollup()", ("address",))
_OUTBOX = Fn("outbox()", ("address",))
_SEQUENCER_INBOX = Fn("sequencerInbox()", ("address",))
_ALLOWED_OUTBOX_LIST = Fn("allowedOutboxList(uint256)", ("address",))

_LABELS: Mapping[str, str] = {
    ContractName.DISPUTE_GAME_FACTORY: "DisputeGameFactory",
    ContractName.SYSTEM_CONFIG: "SystemConfig",
    ContractName.ANCHOR_STATE_REGISTRY: "AnchorStateRegistry",
    ContractName.L2_OUTPUT_ORACLE: "L2OutputOracle",
    ContractName.ARB_BRIDGE: "Bridge",
    ContractName.ARB_ROLLUP: "Rollup",
    ContractName.ARB_OUTBOX: "Outbox",
    ContractName.ARB_SEQUENCER_INBOX: "SequencerInbox",
}


@dataclass(frozen=True)
class Mismatch:
    """A static address that the chain contradicts; `onchain` is the one in use."""

    chain_id: int
    chain_name: str
    parent_id: int
    key: str
    static: Address
    onchain: Address
    via: str

    def describe(self) -> str:
        label = _LABELS.get(self.key, self.key)
        return (
            f"{self.chain_name} ({self.chain_id}): the chain data's {label} ({self.key!r}) on "
            f"parent {self.parent_id} is {self.static}, but {self.via} answers {self.onchain}; "
            "using the on-chain address (the chain was upgraded, or the data is wrong: update "
            "the chain definition or your override to silence this)"
        )


@dataclass(frozen=True)
class Discovered:
    """What one parent chain says about one child chain's bridge contracts.

    `addresses` is the resolved parent-side table: the static one with every on-chain answer
    laid over it. `onchain` holds only what was read; `mismatches` the contradicted static
    values. `respected_game_type` is the OP Stack portal's (None elsewhere, or a legacy portal).
    """

    chain_id: int
    parent_id: int
    addresses: Mapping[str, Address]
    onchain: Mapping[str, Address] = field(default_factory=dict)
    mismatches: tuple[Mismatch, ...] = ()
    respected_game_type: int | None = None

    def get(self, key: str) -> Address | None:
        return self.addresses.get(key)


# ------------------------------------------------------------------ per-client cache

_Key = tuple[int, int, str, frozenset[tuple[str, str]]]


class _ClientCache:
    def __init__(self) -> None:
        self.results: dict[_Key, Discovered] = {}
        self.inflight: dict[_Key, asyncio.Future[Discovered]] = {}


_CACHES: weakref.WeakKeyDictionary[ChainClient, _ClientCache] = weakref.WeakKeyDictionary()


def _key(family: str, parent_id: int, chain: Chain) -> _Key:
    table = chain.parent_contracts.get(parent_id, {})
    return (chain.id, parent_id, family, frozenset((k, str(v)) for k, v in table.items()))


def _family(chain: Chain) -> str:
    return str(chain.stack)


def cached(parent: ChainClient, chain: Chain) -> Discovered | None:
    """The discovery already made through `parent` for `chain` (as configured now), if any."""
    cache = _CACHES.get(parent)
    if cache is None:
        return None
    return cache.results.get(_key(_family(chain), parent.chain.id, chain))


def forget(parent: ChainClient) -> None:
    """Drop what `parent` discovered (the next call reads again and may warn again)."""
    _CACHES.pop(parent, None)


_Reader = Callable[[ChainClient, Chain], Awaitable[Discovered]]


async def _cached_read(parent: ChainClient, chain: Chain, family: str, read: _Reader) -> Discovered:
    key = _key(family, parent.chain.id, chain)
    cache = _CACHES.get(parent)
    if cache is None:
        cache = _CACHES[parent] = _ClientCache()
    while True:
        done = cache.results.get(key)
        if done is not None:
            return done
        pending = cache.inflight.get(key)
        if pending is None:
            break
        try:
            return await asyncio.shield(pending)
        except asyncio.CancelledError:
            me = asyncio.current_task()
            if not pending.cancelled() or (me is not None and me.cancelling()):
                raise  # we were cancelled ourselves (perhaps with the reader: Ctrl-C)
            # the reader was cancelled, not us, and removed its entry: read ourselves
    fut: asyncio.Future[Discovered] = asyncio.get_running_loop().create_future()
    cache.inflight[key] = fut
    try:
        result = await read(parent, chain)
    except asyncio.CancelledError:
        fut.cancel()
        raise
    except BaseException as exc:
        # Not cached: the next caller reads again (a transport error is not an answer).
        fut.set_exception(exc)
        fut.exception()  # marked retrieved: a future nobody awaited logs nothing
        raise
    else:
        cache.results[key] = result
        for m in result.mismatches:
            log.warning("%s", m.describe())
        fut.set_result(result)
        return result
    finally:
        cache.inflight.pop(key, None)


# ------------------------------------------------------------------ reading views


async def _address_view(client: ChainClient, to: str, fn: Fn, *args: object) -> Address | None:
    """One address-returning view; None if the contract does not answer it (revert, no code,
    short or non-address data) or answers the zero address."""
    try:
        raw = await client.call(to, fn.encode(*args))
    except ExecutionRevertedError:
        return None
    if len(raw) < 32 or any(raw[:12]):
        return None
    value = "0x" + raw[12:32].hex()
    if value == _ZERO:
        return None
    return to_address(value)


async def _uint_view(client: ChainClient, to: str, fn: Fn) -> int | None:
    try:
        raw = await client.call(to, fn.encode())
    except ExecutionRevertedError:
        return None
    if len(raw) < 32:
        return None
    return int.from_bytes(raw[:32], "big")


def _same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.lower() == b.lower()


class _Builder:
    """Collects on-chain answers against one static table."""

    def __init__(self, chain: Chain, parent_id: int) -> None:
        self.chain = chain
        self.parent_id = parent_id
        self.static: Mapping[str, Address] = chain.parent_contracts.get(parent_id, {})
        self.onchain: dict[str, Address] = {}
        self.mismatches: list[Mismatch] = []

    def current(self, key: str) -> Address | None:
        return self.onchain.get(key) or self.static.get(key)

    def found(self, key: str, value: Address | None, via: str) -> None:
        if value is None:
            return
        self.onchain[key] = value
        old = self.static.get(key)
        if old is None:
            log.info(
                "%s (%s): %s read from %s (the chain data has none)",
                self.chain.name,
                self.chain.id,
                _LABELS.get(key, key),
                via,
            )
        elif not _same(old, value):
            self.mismatches.append(
                Mismatch(self.chain.id, self.chain.name, self.parent_id, key, old, value, via)
            )

    def result(self, respected_game_type: int | None = None) -> Discovered:
        table = dict(self.static)
        table.update(self.onchain)
        return Discovered(
            chain_id=self.chain.id,
            parent_id=self.parent_id,
            addresses=MappingProxyType(table),
            onchain=MappingProxyType(dict(self.onchain)),
            mismatches=tuple(self.mismatches),
            respected_game_type=respected_game_type,
        )


def _root(chain: Chain, parent_id: int, key: str) -> Address:
    try:
        return chain.parent_contracts[parent_id][key]
    except KeyError:
        raise ConfigError(
            f"chain {chain.name} ({chain.id}) has no {key!r} contract configured on parent "
            f"{parent_id}",
            hint="pass an explicit address override or add it to the chain definition",
        ) from None


async def _read_opstack(parent: ChainClient, chain: Chain) -> Discovered:
    b = _Builder(chain, parent.chain.id)
    portal = _root(chain, b.parent_id, ContractName.OPTIMISM_PORTAL)
    dgf, sysconf, rgt, asr, oracle = await asyncio.gather(
        _address_view(parent, portal, _DISPUTE_GAME_FACTORY),
        _address_view(parent, portal, _SYSTEM_CONFIG),
        _uint_view(parent, portal, _RESPECTED_GAME_TYPE),
        _address_view(parent, portal, _ANCHOR_STATE_REGISTRY),
        _address_view(parent, portal, _L2_ORACLE),
    )
    b.found(ContractName.DISPUTE_GAME_FACTORY, dgf, f"OptimismPortal {portal} disputeGameFactory()")
    b.found(ContractName.SYSTEM_CONFIG, sysconf, f"OptimismPortal {portal} systemConfig()")
    if dgf is None:
        # A legacy portal (output oracle); its game type and registry do not exist.
        b.found(ContractName.L2_OUTPUT_ORACLE, oracle, f"OptimismPortal {portal} l2Oracle()")
        return b.result()
    if asr is not None:
        b.found(
            ContractName.ANCHOR_STATE_REGISTRY,
            asr,
            f"OptimismPortal {portal} anchorStateRegistry()",
        )
        if rgt is None:  # releases where the registry, not the portal, holds the game type
            rgt = await _uint_view(parent, asr, _RESPECTED_GAME_TYPE)
    elif rgt is not None:
        impl = await _address_view(parent, dgf, _GAME_IMPLS, rgt)
        if impl is not None:
            asr = await _address_view(parent, impl, _ANCHOR_STATE_REGISTRY)
            b.found(
                ContractName.ANCHOR_STATE_REGISTRY,
                asr,
                f"DisputeGameFactory {dgf} gameImpls({rgt}) = {impl} anchorStateRegistry()",
            )
    return b.result(respected_game_type=rgt)


async def _read_arbitrum(parent: ChainClient, chain: Chain) -> Discovered:
    b = _Builder(chain, parent.chain.id)
    inbox = _root(chain, b.parent_id, ContractName.ARB_INBOX)
    b.found(
        ContractName.ARB_BRIDGE,
        await _address_view(parent, inbox, _BRIDGE),
        f"Inbox {inbox} bridge()",
    )
    bridge = b.current(ContractName.ARB_BRIDGE)
    if bridge is None:
        return b.result()
    b.found(
        ContractName.ARB_ROLLUP,
        await _address_view(parent, bridge, _ROLLUP),
        f"Bridge {bridge} rollup()",
    )
    rollup = b.onchain.get(ContractName.ARB_ROLLUP)
    outbox = seq = None
    if rollup is not None:
        outbox, seq = await asyncio.gather(
            _address_view(parent, rollup, _OUTBOX), _address_view(parent, rollup, _SEQUENCER_INBOX)
        )
        b.found(ContractName.ARB_OUTBOX, outbox, f"Rollup {rollup} outbox()")
        b.found(ContractName.ARB_SEQUENCER_INBOX, seq, f"Rollup {rollup} sequencerInbox()")
    if outbox is None:
        await _outbox_from_bridge(parent, bridge, b)
    return b.result()


async def _outbox_from_bridge(parent: ChainClient, bridge: Address, b: _Builder) -> None:
    """A rollup without `outbox()`: the bridge's allowed outboxes decide, when unambiguous."""
    allowed: list[Address] = []
    for i in range(4):
        a = await _address_view(parent, bridge, _ALLOWED_OUTBOX_LIST, i)
        if a is None:
            break
        allowed.append(a)
    static = b.static.get(ContractName.ARB_OUTBOX)
    if static is not None and any(_same(static, a) for a in allowed):
        b.onchain[ContractName.ARB_OUTBOX] = static
    elif len(allowed) == 1:
        b.found(ContractName.ARB_OUTBOX, allowed[0], f"Bridge {bridge} allowedOutboxList(0)")


async def discover_opstack(parent: ChainClient, chain: Chain) -> Discovered:
    """An OP Stack chain's parent-side contracts as its portal on `parent` names them (cached)."""
    return await _cached_read(parent, chain, "opstack", _read_opstack)


async def discover_arbitrum(parent: ChainClient, chain: Chain) -> Discovered:
    """An Arbitrum chain's parent-side contracts as its inbox on `parent` names them (cached)."""
    return await _cached_read(parent, chain, "arbitrum", _read_arbitrum)


_READERS: Mapping[str, Callable[[ChainClient, Chain], Awaitable[Discovered]]] = {
    "opstack": discover_opstack,
    "arbitrum": discover_arbitrum,
}


async def discover(parent: ChainClient, chain: Chain) -> Discovered:
    """`chain`'s parent-side contracts on `parent`, read from chain where its family allows.

    Families without discovery get their static table back unchanged (nothing is read).
    """
    reader = _READERS.get(_family(chain))
    if reader is None:
        static = chain.parent_contracts.get(parent.chain.id, {})
        return Discovered(chain.id, parent.chain.id, MappingProxyType(dict(static)))
    return await reader(parent, chain)
