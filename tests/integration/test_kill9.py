"""Kill -9 at every step boundary of every route, then `resume()`: each flow finishes exactly once.

For every route the devnet has (L1 -> OP deposit, OP -> L1 withdrawal, L1 -> Arbitrum deposit,
Arbitrum -> L1 withdrawal, Superchain 901 -> 902, the two-hop 901 -> 903) and every transaction of
it, a worker process runs the flow and SIGKILLs itself at one of two boundaries:

- "signed": the transaction is signed and committed to the journal but not yet broadcast
  (the journal's `after_record` hook) — resume must broadcast those very bytes;
- "mined": the transaction is mined and the process has not taken the next step
  (`bridge()` returned, or the flow's "mined" progress event).

Then this process resumes with the same key and journal, and we check to the wei: the recipient
received exactly the value, the sender's nonce moved on each chain by exactly the number of
transactions the route needs, the journal holds each step once, all mined, and nothing is left.

Speed: workers are forked from one pre-imported process (tests/helpers_crash/worker.py), run a few
at a time, and every wait fast-forwards the devnet (one shared `Clock`); all scenarios run in one
module fixture and each parametrized test checks one of them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account

from interop.adapters.base import Status
from interop.cli.main import devnet_chains_json
from interop.devnet.core import Devnet
from interop.facade import Interop
from interop.resume import ResumeResult
from interop.types import to_address
from interop.units import ether
from tests.helpers_crash import (
    Run,
    Workers,
    back_escrow,
    fund,
    key_for,
    nonces,
    start_workers,
)

pytestmark = pytest.mark.integration

L1, OP, OP2, ARB = 900, 901, 902, 903
CHAINS = (L1, OP, OP2, ARB)
CONCURRENCY = 6
CHILD_TIMEOUT = 60.0
RESUME_TIMEOUT = 60.0


@dataclass(frozen=True)
class Route:
    source: int
    target: int
    steps: tuple[tuple[int, str], ...]
    """(hop, step) of every transaction the route needs, in order."""
    nonces: dict[int, int]
    """How far the sender's nonce moves on each chain: its own transactions, plus one on an OP
    L2 per deposit it makes there (the deposit transaction runs with `from` = the depositor, not
    aliased for an EOA, and bumps its nonce as op-geth does; Arbitrum retryables run from the
    alias and leave the sender's L2 nonce alone)."""


ROUTES: dict[str, Route] = {
    "l1-op": Route(L1, OP, ((0, "initiate"),), {L1: 1, OP: 1}),
    "op-l1": Route(OP, L1, ((0, "initiate"), (0, "prove"), (0, "finalize")), {OP: 1, L1: 2}),
    "l1-arb": Route(L1, ARB, ((0, "initiate"),), {L1: 1}),
    "arb-l1": Route(ARB, L1, ((0, "initiate"), (0, "execute")), {ARB: 1, L1: 1}),
    # the devnet's auto-relayer is paused for this module: the sender relays (its own ETH)
    "op-op2": Route(OP, OP2, ((0, "initiate"), (0, "relay")), {OP: 1, OP2: 1}),
    "op-arb": Route(
        OP,
        ARB,
        ((0, "initiate"), (0, "prove"), (0, "finalize"), (1, "initiate")),
        {OP: 1, L1: 3},
    ),
}

POINTS = [
    (route, what, hop, step)
    for route, r in ROUTES.items()
    for hop, step in r.steps
    for what in ("signed", "mined")
]


def point_id(p: tuple[str, str, int, str]) -> str:
    return f"{p[0]}-{p[1]}-{p[3]}{p[2] + 1 if p[2] else ''}"


@dataclass
class Outcome:
    run: Run | None = None
    value: int = 0
    recipient: str = ""
    sender: str = ""
    before: dict[int, int] = field(default_factory=dict)
    after: dict[int, int] = field(default_factory=dict)
    journal_before: list[tuple[int, str, str]] = field(default_factory=list)
    killed_tx_on_node: bool | None = None
    results: list[ResumeResult] = field(default_factory=list)
    received: int | None = None
    journal_after: list[tuple[int, str, str]] = field(default_factory=list)
    unfinished_after: int | None = None
    second_resume: int | None = None
    error: str | None = None
    seconds: float = 0.0


async def _scenario(
    devnet: Devnet,
    workers: Workers,
    gate: asyncio.Semaphore,
    point: tuple[str, str, int, str],
    index: int,
    folder: Path,
) -> Outcome:
    name, what, hop, step = point
    route = ROUTES[name]
    key = key_for(f"kill9 {point_id(point)}")
    out = Outcome(value=ether("0.01") + 1_000 * index + 7, sender=Account.from_key(key).address)
    out.recipient = to_address(Account.create().address)
    journal = folder / f"{point_id(point)}.sqlite3"
    chains = list(devnet.chains.values())
    start = time.monotonic()
    async with gate:
        try:
            async with Interop(chains, account=key, journal=journal, sleep=workers.clock) as io:
                out.before = await nonces(io, out.sender, CHAINS)
                run = workers.launch(
                    point_id(point),
                    {
                        "mode": "crash",
                        "key": key,
                        "journal": str(journal),
                        "source": route.source,
                        "target": route.target,
                        "to": out.recipient,
                        "value": str(out.value),
                        "kill": [what, hop, step],
                    },
                )
                out.run = run
                await workers.finish(run, CHILD_TIMEOUT)
                fid = [f.record.id for f in io.flows()]
                if len(fid) == 1:
                    out.journal_before = [(t.hop, t.step, t.state) for t in io.journal.txs(fid[0])]
                killed = run.first("killed")
                if what == "signed" and killed is not None and len(fid) == 1:
                    rec = io.journal.txs(fid[0])[-1]
                    assert rec.tx_hash == killed["tx_hash"]
                    tx = await io.client(rec.chain_id).get_transaction(rec.tx_hash)
                    out.killed_tx_on_node = tx is not None
                out.results = await asyncio.wait_for(io.resume(), RESUME_TIMEOUT)
                out.received = await io.client(route.target).get_balance(out.recipient)
                out.after = await nonces(io, out.sender, CHAINS)
                if len(fid) == 1:
                    out.journal_after = [(t.hop, t.step, t.state) for t in io.journal.txs(fid[0])]
                out.unfinished_after = len(io.flows(unfinished=True))
                out.second_resume = len(await asyncio.wait_for(io.resume(), RESUME_TIMEOUT))
        except Exception as exc:  # kept per scenario; its test reports it
            out.error = f"{type(exc).__name__}: {exc}"
    out.seconds = time.monotonic() - start
    return out


@pytest.fixture(scope="module")
async def crashes(devnet: Devnet, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[
    dict[tuple[str, str, int, str], Outcome]
]:  # fmt: skip
    """Run every crash point (a few at a time) and resume each; the tests check the outcomes."""
    folder = tmp_path_factory.mktemp("kill9")
    for p in POINTS:
        await fund(devnet, Account.from_key(key_for(f"kill9 {point_id(p)}")).address, ether("3"))
    # withdrawals pay out of the L1 escrows: back them as deposits would have
    await back_escrow(devnet, OP, "optimism_portal", ether("1"))
    await back_escrow(devnet, ARB, "bridge", ether("1"))
    sc: Any = devnet.component("superchain")
    was = sc.auto_relay
    sc.auto_relay = False
    gate = asyncio.Semaphore(CONCURRENCY)
    try:
        async with start_workers(devnet, devnet_chains_json(list(devnet.chains.values()))) as w:
            outcomes = await asyncio.gather(
                *(_scenario(devnet, w, gate, p, i, folder) for i, p in enumerate(POINTS))
            )
            zygote_err = w.stderr()
    finally:
        sc.auto_relay = was
    results = dict(zip(POINTS, outcomes, strict=True))
    for o in results.values():
        if o.error is None and o.run is not None and o.run.status != -9:
            said = [r["error"] for r in o.run.reports if isinstance(r, dict) and "error" in r]
            o.error = (
                f"worker ended with {o.run.status} before its kill point; it reported {said};"
                f" zygote stderr: {zygote_err[-1500:]}"
            )
    yield results


@pytest.mark.parametrize("point", POINTS, ids=point_id)
async def test_kill9_then_resume_exactly_once(
    crashes: dict[tuple[str, str, int, str], Outcome], point: tuple[str, str, int, str]
) -> None:
    name, what, hop, step = point
    route = ROUTES[name]
    o = crashes[point]
    assert o.error is None, o.error
    assert o.run is not None
    # the worker died by SIGKILL exactly at this boundary (never finished the flow itself)
    assert o.run.status == -9, o.run.reports
    killed = o.run.first("killed")
    assert killed is not None and killed["killed"] == [what, hop, step], o.run.reports
    assert o.run.first("done") is None and o.run.first("error") is None, o.run.reports
    # what the crash left in the journal: every step up to this one, this one signed or mined
    upto = route.steps[: route.steps.index((hop, step)) + 1]
    assert [(h, s) for h, s, _ in o.journal_before] == list(upto), o.journal_before
    if what == "signed":
        assert o.journal_before[-1][2] == "signed"
        assert o.killed_tx_on_node is False, "the signed transaction was broadcast before the kill"
    # resume finished it, once
    assert [r.ok for r in o.results] == [True], [(r.error, r.skipped) for r in o.results]
    state = o.results[0].state
    assert state is not None and state.status is Status.FINALIZED
    assert o.received == o.value, f"recipient got {o.received}, expected exactly {o.value}"
    deltas = {cid: o.after[cid] - o.before[cid] for cid in CHAINS}
    assert deltas == {cid: route.nonces.get(cid, 0) for cid in CHAINS}
    assert o.journal_after == [(h, s, "mined") for h, s in route.steps]
    assert o.unfinished_after == 0
    assert o.second_resume == 0
