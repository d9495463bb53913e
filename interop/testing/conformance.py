"""Conformance kit for the `BridgeAdapter` protocol (interop/adapters/base.py).

Two ways to run the same contract against an adapter:

1. **Test classes**, one per capability, subclassed once per route (as web3.py's
   `_utils/module_testing/` is subclassed per provider). `AdapterConformance` gathers every
   capability. A route subclass states the route's facts as class attributes (see `Route`); the
   classes here are not named `Test*`, so pytest collects only your subclasses::

       from interop.testing.conformance import AdapterConformance
       from mypkg import adapter_factory

       class TestMyRollupDeposit(AdapterConformance):
           adapter_factory = staticmethod(adapter_factory)
           SOURCE, TARGET = 900, 904
           DIRECTION = Direction.L1_TO_L2
           SUPPORTED = frozenset({(900, 904), (904, 900)})
           FIRST_STATES = frozenset({Status.PENDING, Status.FINALIZED})

   They need the `devnet` fixture (`interop.testing.fixtures`): a flow is driven with nothing
   but the protocol (`status()`, `execute_next()`) and `devnet.advance()` (relayers catch up,
   time moves), as a generic client would.

2. **`run_conformance(io, source, target, ...)`**: one flow end to end through a configured
   `Interop`: the plan, the start, the journal (a fresh handle read back from it finishes the
   flow, as `resume` would after a crash), status progression to FINALIZED, the amount to the
   wei, `flow_from_tx` and the ref codec. Works on any network whose clock moves (on the devnet
   use `devnet.interop()`, whose waits fast-forward).

What is checked, for every route: the pairs an adapter claims and refuses (before sending
anything), typed refusals of bad input (no signer, negative amounts, unknown transactions,
refs of another adapter or other chains), fee estimates with and without a key, the ref's JSON
round trip and codec version (`ref_version`, `decode_ref`), the step plan (first step
'initiate' by the CALLER), pre-send `refusals`, the uniform status progression (never
backwards) to FINALIZED with exactly the documented number of caller steps, the value credited
to the wei, message data and value delivered, `flow_from_tx` equal to the original ref, and
that every transaction is signed through the context's signer (so the journal sees it).

Accounts: each route class signs with its own key (keccak of the class name) funded with
`anvil_setBalance` on both ends, never shared test accounts; recipients are fresh random
addresses, so what they receive is exact to the wei.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import pytest
import pytest_asyncio
from eth_utils.crypto import keccak

from interop.actions.tx import wait_for_receipt
from interop.adapters.base import (
    Actor,
    AdapterContext,
    BridgeAdapter,
    BridgeRequest,
    Direction,
    FlowKind,
    FlowRef,
    FlowStatus,
    PlannedStep,
    Refusal,
    Status,
)
from interop.client import ChainClient
from interop.devnet.core import Devnet
from interop.errors import (
    AlreadyDoneError,
    InputError,
    InvalidAmountError,
    MessageNotFoundError,
    MissingSignerError,
    NotReadyError,
    UnsupportedOperationError,
)
from interop.signer import Signer, account_from_key
from interop.types import Address, Hash32, to_address, to_hash32
from interop.units import ether

if TYPE_CHECKING:
    from interop.facade import ChainRef, Interop
    from interop.flows import FlowEvent, FlowState

__all__ = [
    "RECORDER_CODE",
    "AdapterConformance",
    "ConformanceReport",
    "Drive",
    "Env",
    "EstimateConformance",
    "EthFlowConformance",
    "FacadeConformance",
    "InputConformance",
    "MessageConformance",
    "PlanConformance",
    "RefCodecConformance",
    "Route",
    "RoutingConformance",
    "SigningConformance",
    "SigningLog",
    "drive_to_end",
    "run_conformance",
]

# CALLER PUSH1 0 SSTORE CALLVALUE PUSH1 1 SSTORE PUSH1 0 CALLDATALOAD PUSH1 2 SSTORE STOP:
# records (caller, callvalue, first calldata word) in slots 0, 1, 2.
RECORDER_CODE = "0x33600055346001556000356002" + "5500"
"""Runtime code of a message target that records (caller, value, first calldata word)."""

ORDER = {
    Status.PENDING: 0,
    Status.WAITING_TO_PROVE: 1,
    Status.READY_TO_PROVE: 2,
    Status.WAITING_TO_FINALIZE: 3,
    Status.READY_TO_FINALIZE: 4,
    Status.FINALIZED: 5,
}
"""The uniform states a healthy flow passes through, in order: it never goes back."""

_ACTIONABLE = (Status.READY_TO_PROVE, Status.READY_TO_FINALIZE)
_MAX_STEPS = 16
STEP_NAMES = (None, "prove", "finalize", "execute", "claim", "redeem", "relay")
"""`FlowStatus.next_step` values the protocol documents."""
CODE_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
"""Refusal codes are stable kebab-case words (`contract-recipient`), waived by name."""


def fresh_address() -> Address:
    """A random address: nobody holds its key and it has never received anything."""
    return to_address(os.urandom(20))


class SigningLog:
    """A signer that remembers every transaction it signed (chain id, hash), then delegates.

    The journal only sees what is signed through the signer it is given (`AdapterContext.signer`
    wraps a journaling signer in production); an adapter that signs with anything else (a key
    it holds, a node's `eth_sendTransaction`) sends value the journal cannot resume. The suite
    compares this log with the account's nonces on chain."""

    def __init__(self, inner: Signer) -> None:
        self._inner = inner
        self.signed: list[tuple[int, Hash32]] = []

    @property
    def address(self) -> str:
        return str(self._inner.address)

    @property
    def nonce_manager(self) -> Any:
        return getattr(self._inner, "nonce_manager", None)

    def sign_transaction(self, transaction_dict: dict[str, Any]) -> Any:
        signed = self._inner.sign_transaction(transaction_dict)
        self.signed.append((int(transaction_dict["chainId"]), to_hash32(bytes(signed.hash))))
        return signed

    def count(self, chain_id: int) -> int:
        return sum(1 for cid, _ in self.signed if cid == chain_id)

    def __repr__(self) -> str:
        return f"SigningLog({self.address}, {len(self.signed)} signed)"


@dataclass
class Env:
    """Clients for every chain of the devnet (through each chain's own RPC URL, shims included)
    and the route's funded signer."""

    devnet: Devnet
    adapter: BridgeAdapter
    clients: dict[int, ChainClient]
    signer: SigningLog
    source: int
    target: int
    nonces_at_start: dict[int, int] = field(default_factory=dict)

    @property
    def chain_ids(self) -> tuple[int, ...]:
        return tuple(self.clients)

    def ctx(
        self, source: int | None = None, target: int | None = None, *, signer: bool = True
    ) -> AdapterContext:
        return AdapterContext(
            self.clients[self.source if source is None else source],
            self.clients[self.target if target is None else target],
            self.signer if signer else None,
        )

    async def raw(self, chain_id: int, method: str, params: list[Any]) -> Any:
        """Devnet-only calls (`anvil_*`) go to the node itself, not through a shim."""
        return await self.devnet.transport(chain_id).request(method, params)

    async def recorder(self, chain_id: int) -> Address:
        """A fresh contract with `RECORDER_CODE` on `chain_id`."""
        addr = fresh_address()
        await self.raw(chain_id, "anvil_setCode", [addr, RECORDER_CODE])
        return addr

    async def slot(self, chain_id: int, addr: str, i: int) -> int:
        return int.from_bytes(await self.clients[chain_id].get_storage_at(addr, i), "big")

    async def nonce(self, chain_id: int) -> int:
        return await self.clients[chain_id].get_nonce(self.signer.address)


@dataclass
class Drive:
    """What happened while a flow was driven to the end with the protocol alone."""

    seen: list[FlowStatus] = field(default_factory=list)
    not_ready_checked: bool = False
    signerless_checked: bool = False
    sent: list[Hash32] = field(default_factory=list)

    @property
    def steps_sent(self) -> int:
        return len(self.sent)


@dataclass
class Flow:
    """A flow initiated once per route class; `finish()` drives it once, whoever asks first."""

    env: Env
    request: BridgeRequest
    ref: FlowRef
    first: FlowStatus
    target_before: int
    drive: Drive | None = None

    async def finish(self) -> Drive:
        if self.drive is None:
            self.drive = await drive_to_end(self.env, self.ref)
        return self.drive


async def _raced_by_relayer(env: Env, ctx: AdapterContext, ref: FlowRef) -> None:
    """`AlreadyDoneError` right after a status that named a step is only right if a background
    relayer did the step in between: the flow must then really be done."""
    again = await env.adapter.status(ctx, ref)
    assert again.status.done, f"AlreadyDoneError but the flow is {again}"


def check_status(st: FlowStatus) -> None:
    """What every `FlowStatus` must satisfy, whatever the adapter."""
    assert isinstance(st.native, str) and st.native, st
    assert st.next_step in STEP_NAMES, st
    assert st.seconds_to_next is None or st.seconds_to_next >= 0, st
    assert st.actor is None or isinstance(st.actor, Actor), st
    if st.status.done:
        assert st.next_step is None, f"a finished flow names a next step: {st}"


async def drive_to_end(env: Env, ref: FlowRef) -> Drive:
    """Reach FINALIZED using only the protocol: act when the status says a step is ready,
    otherwise let the devnet advance by the adapter's own estimate. In the first stable waiting
    state (WAITING_TO_FINALIZE: nothing moves until time does) `execute_next` must refuse."""
    d = Drive()
    ctx = env.ctx()
    for _ in range(_MAX_STEPS):
        st = await env.adapter.status(ctx, ref)
        d.seen.append(st)
        check_status(st)
        if st.status is Status.FINALIZED:
            return d
        assert st.status in ORDER, f"flow went {st.status} ({st.native}): {st}"
        if st.status in _ACTIONABLE:
            assert st.next_step is not None, f"{st.status} names no step: {st}"
            if not d.signerless_checked:
                # a step that needs a transaction is refused, typed, when no one can sign it
                try:
                    tx = await env.adapter.execute_next(env.ctx(signer=False), ref)
                except MissingSignerError:
                    pass
                except AlreadyDoneError:
                    await _raced_by_relayer(env, ctx, ref)
                else:
                    assert tx is None, "a transaction was sent without a signer"
                d.signerless_checked = True
                continue
            try:
                tx = await env.adapter.execute_next(ctx, ref)
            except AlreadyDoneError:
                await _raced_by_relayer(env, ctx, ref)
                continue
            if tx is not None:
                d.sent.append(tx)
                await wait_for_receipt(ctx.target, tx)
            continue
        if st.status is Status.WAITING_TO_FINALIZE and not d.not_ready_checked:
            with pytest.raises(NotReadyError):
                await env.adapter.execute_next(ctx, ref)
            d.not_ready_checked = True
        await env.devnet.advance(min(st.seconds_to_next or 1, 7 * 86_400))
    state = await env.devnet.describe()  # the relayers' and nodes' side of the story
    raise AssertionError(f"not finalized after {_MAX_STEPS} steps: {d.seen[-3:]}\n{state}")


class Route:
    """Facts of one route; subclasses set them. Fixtures are shared by the capability classes."""

    adapter_factory: ClassVar[Callable[[], BridgeAdapter]]
    SOURCE: ClassVar[int]
    TARGET: ClassVar[int]
    DIRECTION: ClassVar[Direction]
    SUPPORTED: ClassVar[frozenset[tuple[int, int]]]
    """Every (source, target) pair of `CHAINS` the adapter handles; all others it must refuse."""
    FIRST_STATES: ClassVar[frozenset[Status]]
    """The uniform states a flow may be in right after `initiate` returns."""
    CHAINS: ClassVar[tuple[int, ...] | None] = None
    """The chains the pair checks range over (None: every chain of the devnet)."""
    WAITS: ClassVar[bool] = False
    """True if the route has a stable waiting state in which `execute_next` must refuse."""
    STEPS: ClassVar[frozenset[int]] = frozenset({0})
    """How many transactions the caller may have to send after `initiate` (prove, finalize,
    execute, relay ...) for a flow to finish, as documented for the route."""
    REBUILD_MAY_DIFFER: ClassVar[frozenset[str]] = frozenset()
    """`FlowRef.data` keys that `flow_from_tx` may rebuild differently (search hints only)."""
    ETH_VALUE: ClassVar[int] = ether("0.0123") + 7
    MSG_VALUE: ClassVar[int] = 12_345

    @pytest_asyncio.fixture(scope="class", loop_scope="session")
    @classmethod
    async def env(cls, devnet: Devnet) -> AsyncIterator[Env]:
        ids = cls.CHAINS if cls.CHAINS is not None else tuple(devnet.chains)
        clients = {cid: ChainClient(devnet.chain(cid)) for cid in ids}
        signer = SigningLog(
            account_from_key(keccak(f"interop conformance: {cls.__name__}".encode()))
        )
        e = Env(devnet, cls.adapter_factory(), clients, signer, cls.SOURCE, cls.TARGET)
        for cid in {cls.SOURCE, cls.TARGET}:
            await e.raw(cid, "anvil_setBalance", [signer.address, hex(ether("100"))])
        e.nonces_at_start = {cid: await e.nonce(cid) for cid in ids}
        try:
            yield e
        finally:
            for c in clients.values():
                await c.aclose()

    @pytest_asyncio.fixture(scope="class", loop_scope="session")
    @classmethod
    async def eth_flow(cls, env: Env) -> Flow:
        return await _start(env, BridgeRequest(FlowKind.ETH, cls.ETH_VALUE, fresh_address()))

    @pytest_asyncio.fixture(scope="class", loop_scope="session")
    @classmethod
    async def msg_flow(cls, env: Env) -> Flow:
        to = await env.recorder(cls.TARGET)
        data = os.urandom(32) + b"tail"
        return await _start(env, BridgeRequest(FlowKind.MESSAGE, cls.MSG_VALUE, to, data=data))


async def _start(env: Env, req: BridgeRequest) -> Flow:
    before = await env.clients[env.target].get_balance(req.recipient)
    ref = await env.adapter.initiate(env.ctx(), req)
    first = await env.adapter.status(env.ctx(), ref)
    return Flow(env, req, ref, first, before)


def _key(st: FlowStatus) -> tuple[Status, str, str | None]:
    return st.status, st.native, st.next_step


def assert_same_flow(a: FlowRef, b: FlowRef, may_differ: frozenset[str] = frozenset()) -> None:
    """`a` and `b` name the same flow: same route, kind and first transaction, and the same
    value for every `data` key both carry (except the search hints in `may_differ`)."""
    assert (a.adapter, a.direction, a.kind, a.source_chain, a.target_chain, a.tx_hash) == (
        b.adapter,
        b.direction,
        b.kind,
        b.source_chain,
        b.target_chain,
        b.tx_hash,
    )
    common = (set(a.data) & set(b.data)) - may_differ
    assert {k: a.data[k] for k in common} == {k: b.data[k] for k in common}


class RoutingConformance(Route):
    async def test_supports_exactly_its_pairs(self, env: Env) -> None:
        ids = env.chain_ids
        chains = {cid: env.devnet.chain(cid) for cid in ids}
        assert (self.SOURCE, self.TARGET) in self.SUPPORTED
        claimed = {(s, t) for s in ids for t in ids if env.adapter.supports(chains[s], chains[t])}
        assert claimed == self.SUPPORTED

    async def test_unsupported_pair_is_refused_before_sending(self, env: Env) -> None:
        ids = env.chain_ids
        bad = [(s, t) for s in ids for t in ids if (s, t) not in self.SUPPORTED]
        req = BridgeRequest(FlowKind.ETH, 1, fresh_address())
        for s, t in bad:
            ctx = env.ctx(s, t)
            nonce = await env.nonce(s)
            with pytest.raises(UnsupportedOperationError):
                await env.adapter.estimate(ctx, req)
            with pytest.raises(UnsupportedOperationError):
                await env.adapter.initiate(ctx, req)
            assert await env.nonce(s) == nonce, (s, t)

    async def test_unsupported_pair_refused_for_existing_flow(self, eth_flow: Flow) -> None:
        """A stored ref handed with clients of a pair the adapter does not serve is refused,
        typed, by every entry point (nothing is guessed from the ref)."""
        env, ref = eth_flow.env, eth_flow.ref
        ids = env.chain_ids
        bad = [(s, t) for s in ids for t in ids if (s, t) not in self.SUPPORTED]
        for s, t in bad:
            ctx = env.ctx(s, t)
            with pytest.raises(UnsupportedOperationError):
                await env.adapter.status(ctx, ref)
            with pytest.raises(UnsupportedOperationError):
                await env.adapter.execute_next(ctx, ref)
            with pytest.raises(UnsupportedOperationError):
                await env.adapter.flow_from_tx(ctx, ref.tx_hash)

    async def test_ref_with_clients_of_another_supported_pair_is_refused(
        self, eth_flow: Flow
    ) -> None:
        """The adapter serves the pair, but not this flow: a ref looked up through the clients of
        another route (backwards, or another L2) would be answered about the wrong chain. Every
        entry point refuses it, typed and naming both pairs, and sends nothing."""
        env, ref = eth_flow.env, eth_flow.ref
        others = sorted(self.SUPPORTED - {(self.SOURCE, self.TARGET)})
        assert others, "every adapter serves at least the way back"
        for s, t in others:
            ctx = env.ctx(s, t)
            nonces = [await env.nonce(c) for c in (s, t)]
            for call in (env.adapter.status, env.adapter.execute_next):
                with pytest.raises(UnsupportedOperationError) as e:
                    await call(ctx, ref)
                msg = str(e.value)
                assert f"{self.SOURCE} -> {self.TARGET}" in msg, msg
                assert f"({s})" in msg and f"({t})" in msg, msg
            assert [await env.nonce(c) for c in (s, t)] == nonces, (s, t)

    async def test_ref_of_another_adapter_is_refused(self, eth_flow: Flow) -> None:
        """Right chains, wrong owner: a ref stored by another adapter is not reinterpreted."""
        env = eth_flow.env
        ref = dataclasses.replace(eth_flow.ref, adapter=f"not-{env.adapter.name}")
        nonce = await env.nonce(self.TARGET)
        for call in (env.adapter.status, env.adapter.execute_next):
            with pytest.raises(UnsupportedOperationError) as e:
                await call(env.ctx(), ref)
            assert ref.adapter in str(e.value)
        assert await env.nonce(self.TARGET) == nonce


class EstimateConformance(Route):
    async def test_estimate_without_signer_or_sender(self, env: Env) -> None:
        """Who pays decides the estimate: with neither a signer nor `options['sender']` it is a
        typed `MissingSignerError`, not a node error."""
        with pytest.raises(MissingSignerError):
            await env.adapter.estimate(
                env.ctx(signer=False), BridgeRequest(FlowKind.ETH, self.ETH_VALUE, fresh_address())
            )

    @pytest.mark.parametrize("kind", [FlowKind.ETH, FlowKind.MESSAGE])
    async def test_estimate_is_positive(self, env: Env, kind: FlowKind) -> None:
        if kind is FlowKind.MESSAGE:
            req = BridgeRequest(
                kind, self.MSG_VALUE, await env.recorder(self.TARGET), data=os.urandom(32)
            )
        else:
            req = BridgeRequest(kind, self.ETH_VALUE, fresh_address())
        est = await env.adapter.estimate(env.ctx(), req)
        assert est.initiate_gas > 21_000 - 1
        assert est.max_fee_per_gas > 0
        assert est.l1_data_fee >= 0 and est.extra_value >= 0
        assert est.initiate_fee >= est.initiate_gas * est.max_fee_per_gas > 0

    @pytest.mark.parametrize("kind", [FlowKind.ETH, FlowKind.MESSAGE])
    async def test_estimate_for_a_sender_without_key(self, env: Env, kind: FlowKind) -> None:
        """A read-only caller names the sender in `options['sender']`; the estimate is the one
        the signer of that address gets (relayers mine in the background, so it must match the
        signer's estimate taken just before or just after)."""
        assert "sender" in env.adapter.option_names
        to = await env.recorder(self.TARGET) if kind is FlowKind.MESSAGE else fresh_address()
        data = os.urandom(32) if kind is FlowKind.MESSAGE else b""
        value = self.MSG_VALUE if kind is FlowKind.MESSAGE else self.ETH_VALUE
        signed = BridgeRequest(kind, value, to, data=data)
        keyless = dataclasses.replace(signed, options={"sender": env.signer.address})
        before = await env.adapter.estimate(env.ctx(), signed)
        est = await env.adapter.estimate(env.ctx(signer=False), keyless)
        after = await env.adapter.estimate(env.ctx(), signed)
        assert est.initiate_gas > 21_000 - 1 and est.max_fee_per_gas > 0
        assert est.initiate_fee > 0
        assert est.initiate_gas in (before.initiate_gas, after.initiate_gas)
        assert (est.extra_value > 0) == (before.extra_value > 0)


class InputConformance(Route):
    async def test_initiate_without_signer(self, env: Env) -> None:
        ctx = env.ctx(signer=False)
        with pytest.raises(MissingSignerError):
            await env.adapter.initiate(ctx, BridgeRequest(FlowKind.ETH, 1, fresh_address()))

    @pytest.mark.parametrize("kind", [FlowKind.ETH, FlowKind.MESSAGE])
    async def test_negative_value_is_an_invalid_amount(self, env: Env, kind: FlowKind) -> None:
        ctx = env.ctx()
        nonce = await env.nonce(self.SOURCE)
        data = os.urandom(32) if kind is FlowKind.MESSAGE else b""
        to = await env.recorder(self.TARGET) if kind is FlowKind.MESSAGE else fresh_address()
        with pytest.raises(InvalidAmountError):
            await env.adapter.initiate(ctx, BridgeRequest(kind, -1, to, data=data))
        assert await env.nonce(self.SOURCE) == nonce

    async def test_zero_value_is_refused_typed_or_moves_nothing(self, env: Env) -> None:
        """Zero is not a bridge amount for the facade; an adapter may refuse it (typed, before
        sending) or run it, but then it must complete like any other flow."""
        ctx, to = env.ctx(), fresh_address()
        nonce = await env.nonce(self.SOURCE)
        try:
            ref = await env.adapter.initiate(ctx, BridgeRequest(FlowKind.ETH, 0, to))
        except InputError:
            assert await env.nonce(self.SOURCE) == nonce
            return
        d = await drive_to_end(env, ref)
        assert d.seen[-1].status is Status.FINALIZED
        assert await ctx.target.get_balance(to) == 0

    async def test_flow_from_unknown_tx(self, env: Env) -> None:
        with pytest.raises(MessageNotFoundError):
            await env.adapter.flow_from_tx(env.ctx(), "0x" + os.urandom(32).hex())

    async def test_option_names_are_declared(self, env: Env) -> None:
        """The core refuses option keys an adapter does not declare, so the set must exist and
        hold plain names."""
        names = env.adapter.option_names
        assert isinstance(names, frozenset)
        assert all(isinstance(n, str) and n for n in names), names

    async def test_refusals_send_nothing_and_use_stable_codes(self, env: Env) -> None:
        """A plain transfer to a fresh address is not refused; a message to a contract that
        exists on the target neither. Whatever is reported is a `Refusal` with a stable
        kebab-case code, and nothing is signed while checking."""
        signed = len(env.signer.signed)
        nonce = await env.nonce(self.SOURCE)
        plain = BridgeRequest(FlowKind.ETH, self.ETH_VALUE, fresh_address())
        assert await env.adapter.refusals(env.ctx(), plain) == ()
        to = await env.recorder(self.TARGET)
        msg = BridgeRequest(FlowKind.MESSAGE, self.MSG_VALUE, to, data=os.urandom(32))
        found = await env.adapter.refusals(env.ctx(), msg)
        assert isinstance(found, tuple)
        for r in found:
            assert isinstance(r, Refusal) and CODE_RE.match(r.code) and r.message, r
        assert found == (), f"a message to a live contract was refused: {found}"
        assert len(env.signer.signed) == signed
        assert await env.nonce(self.SOURCE) == nonce


class PlanConformance(Route):
    @pytest.mark.parametrize("kind", [FlowKind.ETH, FlowKind.MESSAGE])
    async def test_plan_shape(self, env: Env, kind: FlowKind) -> None:
        """The step plan starts with 'initiate' by the CALLER; every step names who acts and a
        wait that is unknown (None) or a number of seconds; as many later steps fall to the
        caller as the route documents (a relayer's step may fall back to the caller)."""
        nonce = await env.nonce(self.SOURCE)
        steps = await env.adapter.plan(env.ctx(), self.DIRECTION, kind)
        assert isinstance(steps, tuple) and steps, steps
        assert all(isinstance(s, PlannedStep) for s in steps), steps
        first = steps[0]
        assert (first.action, first.actor) == ("initiate", Actor.CALLER), first
        for s in steps:
            assert isinstance(s.actor, Actor) and s.action, s
            assert s.wait_seconds is None or (
                isinstance(s.wait_seconds, int) and s.wait_seconds >= 0
            ), s
        callers = sum(1 for s in steps[1:] if s.actor is Actor.CALLER)
        assert min(self.STEPS) <= callers <= max(self.STEPS), (steps, self.STEPS)
        assert await env.nonce(self.SOURCE) == nonce

    async def test_plan_without_signer(self, env: Env) -> None:
        """A plan is for deciding before anyone signs: it needs no key."""
        steps = await env.adapter.plan(env.ctx(signer=False), self.DIRECTION, FlowKind.ETH)
        assert steps[0].action == "initiate"


class RefCodecConformance(Route):
    async def test_ref_carries_the_current_codec_version(self, eth_flow: Flow) -> None:
        v = eth_flow.env.adapter.ref_version
        assert isinstance(v, int) and v >= 1
        assert eth_flow.ref.version == v

    async def test_ref_json_round_trip_is_exact(self, eth_flow: Flow) -> None:
        text = eth_flow.ref.to_json()
        back = FlowRef.from_json(text)
        assert back == eth_flow.ref
        assert back.to_json() == text

    async def test_decode_ref_of_a_current_ref_is_identity(self, eth_flow: Flow) -> None:
        """What the journal does on every load: JSON back to a ref, then the adapter's codec."""
        adapter, ref = eth_flow.env.adapter, eth_flow.ref
        assert adapter.decode_ref(ref) == ref
        assert adapter.decode_ref(FlowRef.from_json(ref.to_json())) == ref

    async def test_decode_ref_refuses_a_newer_version(self, eth_flow: Flow) -> None:
        """A ref written by a newer release is refused, typed, never guessed at."""
        adapter = eth_flow.env.adapter
        newer = dataclasses.replace(eth_flow.ref, version=adapter.ref_version + 1)
        with pytest.raises(InputError):
            adapter.decode_ref(newer)

    async def test_decode_ref_refuses_data_of_unknown_shape(self, eth_flow: Flow) -> None:
        adapter = eth_flow.env.adapter
        junk = dataclasses.replace(eth_flow.ref, data={"not": ["what", "you", "wrote"]})
        with pytest.raises(InputError):
            adapter.decode_ref(junk)


class EthFlowConformance(Route):
    async def test_ref_describes_the_route(self, eth_flow: Flow) -> None:
        ref = eth_flow.ref
        assert ref.adapter == eth_flow.env.adapter.name
        assert (ref.source_chain, ref.target_chain) == (self.SOURCE, self.TARGET)
        assert ref.direction is self.DIRECTION and ref.kind is FlowKind.ETH
        rcpt = await eth_flow.env.clients[self.SOURCE].get_receipt(ref.tx_hash)
        assert rcpt is not None and rcpt.succeeded
        assert to_address(rcpt.from_address) == to_address(eth_flow.env.signer.address)

    async def test_flow_from_tx_rebuilds_the_flow(self, eth_flow: Flow) -> None:
        env = eth_flow.env
        again = await env.adapter.flow_from_tx(env.ctx(), eth_flow.ref.tx_hash)
        assert_same_flow(again, eth_flow.ref, self.REBUILD_MAY_DIFFER)
        # relayers run in the background: the rebuilt ref's status must match the original's
        # at a moment just before or just after it
        before = await env.adapter.status(env.ctx(), eth_flow.ref)
        rebuilt = await env.adapter.status(env.ctx(), again)
        after = await env.adapter.status(env.ctx(), eth_flow.ref)
        assert _key(rebuilt) in (_key(before), _key(after))

    async def test_first_status(self, eth_flow: Flow) -> None:
        st = eth_flow.first
        assert st.status in self.FIRST_STATES, st
        check_status(st)

    async def test_driven_to_finalized_credits_exact_value(self, eth_flow: Flow) -> None:
        d = await eth_flow.finish()
        statuses = [s.status for s in d.seen]
        assert statuses[-1] is Status.FINALIZED
        assert d.steps_sent in self.STEPS, statuses
        ranks = [ORDER[s] for s in statuses]
        assert ranks == sorted(ranks), f"status went backwards: {statuses}"
        credited = await eth_flow.env.clients[self.TARGET].get_balance(eth_flow.request.recipient)
        assert credited - eth_flow.target_before == eth_flow.request.value

    async def test_execute_next_refuses_while_waiting(self, eth_flow: Flow) -> None:
        d = await eth_flow.finish()
        if not self.WAITS:
            assert Status.WAITING_TO_FINALIZE not in [s.status for s in d.seen]
            pytest.skip("the route has no stable waiting state")
        if not d.not_ready_checked:
            # The shared flow was started when its class began; in a random test order other
            # tests may move the devnet's clock past its waiting period before it is driven.
            # Drive a flow of our own from its start, so the check runs on a real waiting state.
            req = BridgeRequest(FlowKind.ETH, self.ETH_VALUE, fresh_address())
            own = await _start(eth_flow.env, req)
            d = await own.finish()
        assert d.not_ready_checked, [s.status for s in d.seen]

    async def test_execute_next_after_finalized_is_already_done(self, eth_flow: Flow) -> None:
        await eth_flow.finish()
        env = eth_flow.env
        with pytest.raises(AlreadyDoneError):
            await env.adapter.execute_next(env.ctx(), eth_flow.ref)
        again = await env.adapter.flow_from_tx(env.ctx(), eth_flow.ref.tx_hash)
        assert (await env.adapter.status(env.ctx(), again)).status is Status.FINALIZED


class MessageConformance(Route):
    async def test_message_ref(self, msg_flow: Flow) -> None:
        ref = msg_flow.ref
        assert ref.kind is FlowKind.MESSAGE and ref.direction is self.DIRECTION
        assert FlowRef.from_json(ref.to_json()) == ref
        env = msg_flow.env
        assert env.adapter.decode_ref(ref) == ref
        again = await env.adapter.flow_from_tx(env.ctx(), ref.tx_hash)
        assert_same_flow(again, ref, self.REBUILD_MAY_DIFFER)
        assert msg_flow.first.status in self.FIRST_STATES
        check_status(msg_flow.first)

    async def test_message_delivered_with_data_and_value(self, msg_flow: Flow) -> None:
        d = await msg_flow.finish()
        assert d.seen[-1].status is Status.FINALIZED
        assert d.steps_sent in self.STEPS
        env, req = msg_flow.env, msg_flow.request
        assert await env.slot(self.TARGET, req.recipient, 2) == int.from_bytes(req.data[:32], "big")
        assert await env.slot(self.TARGET, req.recipient, 1) == req.value
        assert await env.slot(self.TARGET, req.recipient, 0) != 0  # some messenger called it
        got = await env.clients[self.TARGET].get_balance(req.recipient)
        assert got - msg_flow.target_before == req.value
        with pytest.raises(AlreadyDoneError):
            await env.adapter.execute_next(env.ctx(), msg_flow.ref)


class SigningConformance(Route):
    async def test_every_transaction_is_signed_through_the_context_signer(
        self, eth_flow: Flow, msg_flow: Flow
    ) -> None:
        """The journal sees only what is signed through `ctx.signer`. Every transaction the
        adapter returned was signed there, and the account sent no transaction on any chain
        that the signer did not sign (nonces on chain vs the signing log)."""
        env = eth_flow.env
        drives = [await eth_flow.finish(), await msg_flow.finish()]
        signed = {h for _, h in env.signer.signed}
        for ref, d in zip((eth_flow.ref, msg_flow.ref), drives, strict=True):
            assert ref.tx_hash in signed, "initiate's transaction was not signed by ctx.signer"
            for tx in d.sent:
                assert tx in signed, f"step transaction {tx} was not signed by ctx.signer"
        # A deposit arrives on its L2 as a system transaction "from" the depositor that uses
        # the account's L2 nonce unsigned (OP Stack deposits), so the target of L1 -> L2 is
        # left out of the nonce count; its caller steps (a redeem) are in the hash check above.
        counted = [
            c
            for c in env.chain_ids
            if not (self.DIRECTION is Direction.L1_TO_L2 and c == self.TARGET)
        ]
        for cid in counted:
            sent = await env.nonce(cid) - env.nonces_at_start[cid]
            assert sent <= env.signer.count(cid), (
                f"chain {cid}: the account sent {sent} transactions, "
                f"ctx.signer signed {env.signer.count(cid)}"
            )


class FacadeConformance(Route):
    @pytest.mark.parametrize("kind", [FlowKind.ETH, FlowKind.MESSAGE])
    async def test_through_the_facade_and_its_journal(
        self, env: Env, kind: FlowKind, tmp_path: Path
    ) -> None:
        """`run_conformance` on this route, with only this adapter installed: the core's plan,
        pre-send pipeline, journal and resume path drive the adapter like any other."""
        from interop.facade import Interop
        from interop.routes import AdapterRegistry

        adapter = env.adapter
        key = account_from_key(os.urandom(32))  # its own nonces: not shared with `env.signer`
        for cid in {self.SOURCE, self.TARGET}:
            await env.raw(cid, "anvil_setBalance", [key.address, hex(ether("100"))])
        registry = AdapterRegistry({adapter.name: lambda: adapter})
        async with Interop(
            [env.devnet.chain(cid) for cid in env.chain_ids],
            account=key,
            journal=str(tmp_path / "journal.sqlite3"),
            adapters=registry,
            sleep=env.devnet.advance,
        ) as io:
            if kind is FlowKind.MESSAGE:
                to = await env.recorder(self.TARGET)
                report = await run_conformance(
                    io,
                    self.SOURCE,
                    self.TARGET,
                    kind=kind,
                    value=self.MSG_VALUE,
                    recipient=to,
                    data=os.urandom(32),
                    may_differ=self.REBUILD_MAY_DIFFER,
                )
            else:
                report = await run_conformance(
                    io,
                    self.SOURCE,
                    self.TARGET,
                    value=self.ETH_VALUE,
                    may_differ=self.REBUILD_MAY_DIFFER,
                )
        assert report.ref.adapter == adapter.name
        assert report.final.status is Status.FINALIZED and report.credited > 0


class AdapterConformance(
    RoutingConformance,
    EstimateConformance,
    InputConformance,
    PlanConformance,
    RefCodecConformance,
    EthFlowConformance,
    MessageConformance,
    SigningConformance,
    FacadeConformance,
):
    """Every capability: subclass once per route of your adapter."""


# ---------------------------------------------------------------------- through the facade


@dataclass(frozen=True)
class ConformanceReport:
    """What `run_conformance` saw: the flow, every uniform status on the way, what arrived."""

    flow_id: str
    ref: FlowRef
    statuses: tuple[Status, ...]
    final: FlowState
    credited: int


async def run_conformance(
    io: Interop,
    source: ChainRef,
    target: ChainRef,
    *,
    value: int,
    kind: FlowKind = FlowKind.ETH,
    recipient: str | None = None,
    data: bytes = b"",
    timeout: float = 300.0,
    may_differ: frozenset[str] = frozenset(),
) -> ConformanceReport:
    """One flow from `source` to `target` through `io`, checked end to end (AssertionError on
    a breach of the contract, typed `InteropError`s as they come).

    The plan covers the route; the flow starts (`bridge` / `send_message`) and is journaled; a
    fresh handle read back from the journal, as after a crash, finishes it (`complete`), its
    status never going backwards, to FINALIZED; the recipient's balance on `target` grows by
    exactly `value`; the adapter rebuilds the same ref from the first transaction, and its codec
    reads the journaled ref unchanged. `recipient` defaults to a fresh address (ETH); a message
    needs one, and must not be `io`'s own account (its fees would blur the amount).
    `io` needs a signer, and a `sleep` that lets time pass (`devnet.interop()` provides one).
    """
    from interop.flows import Message, Transfer

    src, dst = io.chain(source), io.chain(target)
    assert io.signer is not None, "run_conformance needs an Interop with an account"
    if recipient is None:
        assert kind is FlowKind.ETH, "a message needs a recipient"
        recipient = fresh_address()
    rcpt = io.parse_address(recipient, dst)
    assert rcpt != to_address(io.signer.address), "pick a recipient other than the signer"
    before = await io.client(dst.id).get_balance(rcpt)

    plan = await io.plan(value, src.id, dst.id, rcpt, data=data, message=kind is FlowKind.MESSAGE)
    assert plan.steps, plan
    assert plan.steps[0].source.id == src.id and plan.steps[-1].target.id == dst.id, plan
    for a, b in zip(plan.steps, plan.steps[1:], strict=False):
        assert a.target.id == b.source.id, f"the plan's hops do not join: {plan.describe()}"

    if kind is FlowKind.MESSAGE:
        started: Transfer | Message = await io.send_message(src.id, dst.id, rcpt, data, value)
    else:
        started = await io.bridge(value, src.id, dst.id, rcpt)
    flow_id = started.id
    assert flow_id, "a started flow is journaled"
    assert started.tx_hash is not None
    first_ref = started.refs[0]
    assert first_ref is not None and first_ref.tx_hash == started.tx_hash

    # as after a crash: nothing but the journal row
    handle = io.flow(flow_id)
    assert handle.refs[0] == first_ref, "the journal did not give back the ref it was given"
    statuses: list[Status] = []

    def seen(event: FlowEvent) -> None:
        if event.what == "status" and (not statuses or statuses[-1] is not event.state.status):
            statuses.append(event.state.status)

    final = await handle.complete(progress=seen, timeout=timeout)
    assert final.status is Status.FINALIZED, final
    if len(plan.steps) == 1:
        ranks = [ORDER[s] for s in statuses if s in ORDER]
        assert ranks == sorted(ranks), f"status went backwards: {statuses}"
    credited = await io.client(dst.id).get_balance(rcpt) - before
    assert credited == value, f"{rcpt} received {credited} wei on {dst.id}, expected {value}"

    adapter = io.adapter(first_ref.adapter)
    assert adapter.decode_ref(first_ref) == first_ref
    ctx = AdapterContext(io.client(first_ref.source_chain), io.client(first_ref.target_chain))
    rebuilt = await adapter.flow_from_tx(ctx, first_ref.tx_hash)
    assert_same_flow(rebuilt, first_ref, may_differ)
    return ConformanceReport(flow_id, first_ref, tuple(statuses), final, credited)
