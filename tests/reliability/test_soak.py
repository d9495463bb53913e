"""Soak under injected faults: many real operations through a fault proxy in front of every
devnet chain, each classified against the chain itself (never against what the library said).

Why: a bot runs the SDK unattended; the worst defects are the silent ones — a payment made twice,
a success that never landed, a failure reported for what executed. The proxy (tests/helpers/
faultproxy.py) drops connections before and after the node processed a request, delays, answers
429/5xx, truncated and non-JSON bodies, JSON-RPC errors, and hides just-sent transactions like a
lagging backend. Verification reads the nodes directly (`devnet.transport`), around the proxy.

Each operation gets one outcome:
- succeeded; failed-typed (an `InteropError`); failed-untyped (anything else); hung (ran past
  its deadline);
- duplicated: the sender's nonce moved by more than the operation may send, or a recipient got
  more than the value (to the wei);
- lost: reported success, but the transaction is not on chain (or the recipient did not get it);
- reported-failed-but-executed: raised an error that does NOT carry a tx hash with
  `may_have_executed`, yet something landed;
- wrong-result: a balance read returned a value that differs from the chain.
The last four and failed-untyped / hung must be 0.

Scale: `INTEROP_SOAK_OPS` operations per fault profile (default 20: the short form run by
`make test`, 60 operations in three profiles: 5% and 20% of all requests, and "sends", aimed at
eth_sendRawTransaction); `make reliability` runs 1,000 per profile. `INTEROP_SOAK_PROFILES`
chooses profiles (comma-separated; "0pct" checks the harness itself), `INTEROP_SOAK_REPORT` names
a JSON file for the report, `INTEROP_SOAK_SEED` the fault seed, `INTEROP_SOAK_DEADLINE` the
per-operation deadline in seconds (three times that for a whole flow). Three workers, each
with its own derived key (one operation at a time each, so nonce accounting per operation is exact) and
one proxy per worker and chain, so the faults an operation met are its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
import traceback
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_utils.crypto import keccak

from interop.devnet.core import Devnet
from interop.errors import InteropError
from interop.facade import Interop
from interop.types import to_address
from tests.helpers.faultproxy import FaultProxy

pytestmark = pytest.mark.integration

L1, OP, OP2, ARB = 900, 901, 902, 903
CHAINS = (L1, OP, OP2, ARB)
ROUTES = ((L1, OP), (OP, L1), (L1, ARB), (ARB, L1), (OP, OP2), (OP, ARB))
MESSAGE_ROUTES = ((L1, OP), (L1, ARB), (OP, OP2), (OP, L1))
# How far the sender's nonce may move per chain. The sender signs the first transaction (and, for
# a whole flow, prove / finalize / the second hop's deposit); an OP Stack deposit also moves the
# sender's nonce on the L2 (the relayed deposit transaction is "from" the L1 sender).
FIRST_TX: dict[tuple[int, int], dict[int, int]] = {
    (L1, OP): {L1: 1, OP: 1},
    (OP, L1): {OP: 1},
    (L1, ARB): {L1: 1, ARB: 1},
    (ARB, L1): {ARB: 1},
    (OP, OP2): {OP: 1},
    (OP, ARB): {OP: 1},
}
FULL_FLOW_TXS: dict[tuple[int, int], dict[int, int]] = {
    (L1, OP): {L1: 1, OP: 1},
    (OP, L1): {OP: 1, L1: 2},
    (L1, ARB): {L1: 1, ARB: 1},
    (ARB, L1): {ARB: 1, L1: 1},
    (OP, OP2): {OP: 1},
    (OP, ARB): {OP: 1, L1: 3, ARB: 1},
}
# the op schedule repeats every ten operations: 2 balances, 4 transfers, 3 bridges, 1 message
PATTERN = ("balances", "transfer", "bridge", "transfer", "message",
           "balances", "transfer", "bridge", "transfer", "bridge")  # fmt: skip
COMPLETE_EVERY = 7  # every seventh bridge runs its whole flow (complete), the others its first tx
WORKER_ACCOUNTS = (5, 6, 7)
"""Worker numbers. Each worker signs with its own key (`worker_account`), funded on every chain
at start: never a shared devnet account, because a soak under faults may leave a transaction
in a node's pool (its fate unknown when the operation gave up) that would later land in the
middle of another test using the same account."""
WORKER_FUNDS = 10**21  # 1000 ETH per chain


def worker_account(worker: int) -> tuple[str, str]:
    """(address, key) of a soak worker: derived, so other tests never sign with it."""
    key = "0x" + keccak(f"interop soak worker {worker}".encode()).hex()
    return str(Account.from_key(key).address), key


OPS = int(os.environ.get("INTEROP_SOAK_OPS", "20"))
SEED = int(os.environ.get("INTEROP_SOAK_SEED", "8"))
DEADLINE = float(os.environ.get("INTEROP_SOAK_DEADLINE", "90"))
FLOW_DEADLINE = 3 * DEADLINE
# fault profiles: the 5% and 20% on every request, and one aimed at the send path (half
# of all eth_sendRawTransaction requests fail, half of the sent transactions lag); "0pct" checks
# the harness itself (everything must succeed)
PROFILES: dict[str, dict[str, Any]] = {
    "0pct": {"rate": 0.0},
    "5pct": {"rate": 0.05},
    "20pct": {"rate": 0.20},
    "sends": {
        "rate": 0.05,
        "method_rates": {"eth_sendRawTransaction": 0.5},
        "lag_rate": 0.5,
    },
}
RUN = os.environ.get("INTEROP_SOAK_PROFILES", "5pct,20pct,sends").split(",")

SERIOUS = ("duplicated", "lost", "reported-failed-but-executed", "wrong-result")
OUTCOMES = ("succeeded", "failed-typed", "failed-untyped", "hung", *SERIOUS)


def fresh() -> str:
    return to_address(os.urandom(20))


@dataclass
class OpRecord:
    """One operation and what the chain says happened."""

    index: int
    rate: float
    worker: int
    kind: str  # balances | transfer | bridge | bridge-complete | message
    chains: tuple[int, ...]
    value: int = 0
    outcome: str = ""
    error_type: str | None = None
    error: str | None = None
    tx_hash: str | None = None
    may_have_executed: bool = False
    nonce_deltas: dict[int, int] = field(default_factory=dict)
    pending_gap: dict[int, int] = field(default_factory=dict)
    recipient_delta: int | None = None
    seconds: float = 0.0
    faults_seen: list[str] = field(default_factory=list)  # "chain:mode:method" met by this op
    recipient: str = ""
    note: str = ""


class Rig:
    """Proxies in front of each chain, workers' Interops, and direct (fault-free) readers."""

    def __init__(self, dn: Devnet, tmp: Path, profile: str, seed: int) -> None:
        self.dn = dn
        self.tmp = tmp
        self.profile = profile
        self.faults = PROFILES[profile]
        self.rate = float(self.faults["rate"])
        self.seed = seed
        self.proxies: dict[tuple[int, int], FaultProxy] = {}  # (worker, chain id)
        self._advance_lock = asyncio.Lock()
        self.expected_balances: dict[tuple[int, str], int] = {}

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Rig]:
        # one proxy per worker and chain: the faults an operation met are exactly its own
        async with contextlib.AsyncExitStack() as stack:
            for w in WORKER_ACCOUNTS:
                for cid in CHAINS:
                    await self.dn.transport(cid).request(
                        "anvil_setBalance", [worker_account(w)[0], hex(WORKER_FUNDS)]
                    )
                    url = self.dn.chains[cid].rpc_urls[0]
                    seed = self.seed * 10_000 + w * 1000 + cid
                    proxy = FaultProxy(url, seed=seed, name=f"{cid}", **self.faults)
                    self.proxies[(w, cid)] = await stack.enter_async_context(proxy)
            yield self

    async def advance(self, seconds: float) -> None:
        """The flows' clock: the devnet fast-forwards (one worker at a time moves time)."""
        async with self._advance_lock:
            await self.dn.advance(seconds)

    async def settle(self) -> None:
        """Let the relayers catch up, so a deposit's L2 transaction counts for its own op."""
        async with self._advance_lock:
            await self.dn.sync()

    def interop(self, worker: int) -> Interop:
        return Interop(
            list(self.dn.chains.values()),
            rpc={cid: self.proxies[(worker, cid)].url for cid in CHAINS},
            account=worker_account(worker)[1],
            journal=self.tmp / f"soak-{self.profile}-{worker}.sqlite3",
            sleep=self.advance,
        )

    async def nonce(self, cid: int, addr: str, tag: str = "latest") -> int:
        return int(await self.dn.transport(cid).request("eth_getTransactionCount", [addr, tag]), 16)

    async def nonces(self, addr: str, tag: str = "latest") -> dict[int, int]:
        got = await asyncio.gather(*(self.nonce(cid, addr, tag) for cid in CHAINS))
        return dict(zip(CHAINS, got, strict=True))

    async def balance(self, cid: int, addr: str) -> int:
        return int(await self.dn.transport(cid).request("eth_getBalance", [addr, "latest"]), 16)

    async def receipt(self, cid: int, tx_hash: str) -> dict[str, Any] | None:
        r = await self.dn.transport(cid).request("eth_getTransactionReceipt", [tx_hash])
        return r if isinstance(r, dict) else None

    def fault_marks(self, worker: int) -> dict[int, int]:
        return {cid: len(self.proxies[(worker, cid)].events) for cid in CHAINS}

    def faults_since(self, worker: int, marks: dict[int, int]) -> list[str]:
        return [
            f"{cid}:{mode}:{method}"
            for cid in CHAINS
            for mode, method in self.proxies[(worker, cid)].events[marks[cid] :]
        ]


def _payload(n: int) -> bytes:
    return b"soak" + n.to_bytes(4, "big")


async def run_op(rig: Rig, io: Interop, worker: int, rec: OpRecord, route: Any) -> None:
    """Perform one operation and classify it against the chain."""
    addr = worker_account(worker)[0]
    to = fresh()
    kind = rec.kind
    chains = rec.chains
    target = chains[-1]
    before = await rig.nonces(addr)
    rcpt_before = 0  # fresh address
    rec.recipient = to
    marks = rig.fault_marks(worker)
    expected: dict[int, int] = {}
    mid: dict[int, int] = {}  # nonces once bridge() returned, for a whole flow
    call: Callable[[], Awaitable[Any]]
    if kind == "balances":
        known = list(rig.expected_balances.items())[-6:]
        addrs = [addr, *{a for (_, a), _ in known}]

        async def call() -> Any:
            return await io.balances(addrs)

    elif kind == "transfer":
        expected = {chains[0]: 1}

        async def call() -> Any:
            return await io.transfer(chains[0], to=to, value=rec.value)

    elif kind in ("bridge", "bridge-complete"):
        src, dst = route
        expected = FULL_FLOW_TXS[route] if kind == "bridge-complete" else FIRST_TX[route]

        async def call() -> Any:
            t = await io.bridge(rec.value, src, dst, to)
            if kind == "bridge-complete":
                # bridge() reported its first transaction: what complete() sends is counted
                # from here, so a failed complete() is judged on its own transactions
                if src == L1:
                    await rig.settle()
                mid.update(await rig.nonces(addr, "pending"))
                rec.tx_hash = t.tx_hash
                await t.complete(poll=0.05, max_interval=0.5)
            return t

    else:  # message
        src, dst = route
        expected = FIRST_TX[route]
        # the target: a contract that accepts any call (STOP), so the message is not refused
        await rig.dn.transport(dst).request("anvil_setCode", [to, "0x00"])

        async def call() -> Any:
            return await io.send_message(src, dst, to, _payload(rec.index), value=rec.value)

    deadline = FLOW_DEADLINE if kind == "bridge-complete" else DEADLINE
    t0 = time.monotonic()
    result: Any = None
    exc: BaseException | None = None
    hung = False
    try:
        async with asyncio.timeout(deadline) as cm:
            result = await call()
    except TimeoutError as e:
        if cm.expired():
            hung = True
        else:
            exc = e
    except Exception as e:  # classifying what escapes is the point
        exc = e
    rec.seconds = round(time.monotonic() - t0, 3)
    rec.faults_seen = rig.faults_since(worker, marks)
    if exc is not None:
        rec.error_type = type(exc).__name__
        rec.error = str(exc)[:600]
        if not isinstance(exc, InteropError):
            rec.error += "\n" + "".join(traceback.format_exception(exc))[-1500:]
        err_hash = getattr(exc, "tx_hash", None)
        rec.may_have_executed = bool(getattr(exc, "may_have_executed", False) and err_hash)
        rec.tx_hash = err_hash or rec.tx_hash

    # what the chain says: nonces moved (mined) and queued (a gap: may be mined later)
    if chains[0] == L1 or kind == "bridge-complete":
        await rig.settle()  # a deposit's L2 transaction (it moves the L2 nonce) counts here
    after, after_pending = await rig.nonces(addr), await rig.nonces(addr, "pending")
    for cid in CHAINS:
        latest, pending = after[cid], after_pending[cid]
        if latest != before[cid]:
            rec.nonce_deltas[cid] = latest - before[cid]
        if pending != latest:
            rec.pending_gap[cid] = pending - latest
    moved = {cid: rec.nonce_deltas.get(cid, 0) + rec.pending_gap.get(cid, 0) for cid in CHAINS}
    if kind in ("transfer", "bridge-complete"):
        rec.recipient_delta = await rig.balance(target, to) - rcpt_before
    if mid:  # complete() raised: only what it sent can have been reported failed
        landed = any(after_pending[cid] > mid[cid] for cid in CHAINS)
    else:
        landed = any(moved.values()) or (kind == "transfer" and bool(rec.recipient_delta))
    over = {cid: n for cid, n in moved.items() if n > expected.get(cid, 0)}

    def outcome() -> str:
        if over:
            rec.note = f"sender sent more than the op may: {over} (allowed {expected})"
            return "duplicated"
        if rec.recipient_delta is not None and rec.recipient_delta > rec.value:
            rec.note = f"recipient got {rec.recipient_delta}, value {rec.value}"
            return "duplicated"
        if hung:
            return "hung"
        if exc is not None:
            if landed and not rec.may_have_executed:
                rec.note = f"raised without a tx hash/may_have_executed, yet landed: {moved}"
                return "reported-failed-but-executed"
            return "failed-typed" if isinstance(exc, InteropError) else "failed-untyped"
        return "succeeded"

    rec.outcome = outcome()
    if rec.outcome != "succeeded":
        return
    # told success: it must be on chain, exactly
    if kind == "balances":
        table = result
        errors = table.errors
        for cid, entry in table.chains.items():
            if entry.error is not None and not isinstance(entry.error, InteropError):
                rec.outcome, rec.error_type = "failed-untyped", type(entry.error).__name__
                rec.error = f"chain {cid}: {entry.error!r}"[:600]
                return
        for (cid, a), want in known:
            got = table.get(cid, a)
            if got is not None and got != want:
                rec.outcome = "wrong-result"
                rec.note = f"chain {cid} {a}: read {got}, chain has {want}"
                return
        if errors:
            rec.outcome = "failed-typed"
            rec.error_type = "per-chain: " + ",".join(type(e).__name__ for e in errors.values())
            rec.error = "; ".join(f"{cid}: {e.message}" for cid, e in errors.items())[:600]
        return
    if kind == "transfer":
        rec.tx_hash = result.tx_hash
        if rec.recipient_delta != rec.value:
            rec.outcome, rec.note = "lost", f"recipient got {rec.recipient_delta}"
            return
        rig.expected_balances[(chains[0], to)] = rec.value
    elif kind == "bridge-complete" and rec.recipient_delta != rec.value:
        rec.outcome, rec.note = "lost", f"flow complete, recipient got {rec.recipient_delta}"
        return
    else:
        rec.tx_hash = result.tx_hash
    if kind == "bridge-complete":
        rig.expected_balances[(target, to)] = rec.value
        rec.tx_hash = result.tx_hash
    src = chains[0]
    r = await rig.receipt(src, rec.tx_hash) if rec.tx_hash else None
    if r is None or r.get("status") != "0x1" or to_address(r["from"]) != to_address(addr):
        rec.outcome, rec.note = "lost", f"reported {rec.tx_hash}; receipt on {src}: {r}"
        return
    if moved.get(src, 0) < 1:
        rec.outcome, rec.note = "lost", f"sender nonce on {src} did not move"


# routes whose value reaches the recipient by the devnet's relayers alone (no further user step)
RELAYED = {
    ("bridge", (L1, OP)),
    ("bridge", (L1, ARB)),
    ("message", (L1, OP)),
    ("message", (L1, ARB)),
}


async def sweep(rig: Rig, records: list[OpRecord]) -> None:
    """After the run, once the relayers caught up: every first-transaction deposit told success
    credited its recipient exactly once; one that raised credited it at most once, and only if
    the error said it may have executed."""
    await rig.settle()
    for rec in records:
        if (rec.kind, rec.chains) not in RELAYED or rec.outcome not in (
            "succeeded",
            "failed-typed",
        ):
            continue
        got = await rig.balance(rec.chains[-1], rec.recipient)
        rec.recipient_delta = got
        if got > rec.value:
            rec.outcome, rec.note = "duplicated", f"recipient got {got}, value {rec.value}"
        elif rec.outcome == "succeeded" and got != rec.value:
            rec.outcome, rec.note = "lost", f"relayed: recipient got {got}, value {rec.value}"
        elif rec.outcome == "failed-typed" and got and not rec.may_have_executed:
            rec.outcome = "reported-failed-but-executed"
            rec.note = f"raised without may_have_executed, recipient got {got}"


def schedule(n: int) -> list[tuple[str, tuple[int, ...], Any]]:
    """(kind, chains, route) for each of `n` operations: a fixed, balanced mix."""
    out: list[tuple[str, tuple[int, ...], Any]] = []
    counts: Counter[str] = Counter()
    for i in range(n):
        kind = PATTERN[i % len(PATTERN)]
        k = counts[kind]
        counts[kind] += 1
        if kind == "balances":
            out.append((kind, CHAINS, None))
        elif kind == "transfer":
            cid = CHAINS[k % len(CHAINS)]
            out.append((kind, (cid,), None))
        elif kind == "bridge":
            route = ROUTES[k % len(ROUTES)]
            # 7 is prime to the 6 routes: whole flows rotate over every route; the short form
            # also completes the two-hop route (withdraw, prove, finalize, deposit)
            full = k % COMPLETE_EVERY == 0 or (n <= 60 and k == 5)
            out.append(("bridge-complete" if full else kind, route, route))
        else:
            route = MESSAGE_ROUTES[k % len(MESSAGE_ROUTES)]
            out.append((kind, route, route))
    return out


async def soak(dn: Devnet, tmp: Path, profile: str, n: int, seed: int) -> dict[str, Any]:
    rig = Rig(dn, tmp, profile, seed)
    rate = rig.rate
    plan = schedule(n)
    records: list[OpRecord] = []
    t0 = time.monotonic()
    async with rig.running():
        ios = {w: rig.interop(w) for w in WORKER_ACCOUNTS}

        async def worker(w: int, mine: list[int]) -> None:
            async with ios[w] as io:
                for i in mine:
                    kind, chains, route = plan[i]
                    value = (10**12 if kind == "transfer" else 10**13) + i * 1000 + w
                    rec = OpRecord(i, rate, w, kind, chains, value if kind != "balances" else 0)
                    if kind == "message":
                        rec.value = 1000 + i
                    records.append(rec)
                    await run_op(rig, io, w, rec, route)

        share = {w: [i for i in range(n) if i % len(WORKER_ACCOUNTS) == k]
                 for k, w in enumerate(WORKER_ACCOUNTS)}  # fmt: skip
        await asyncio.gather(*(worker(w, idx) for w, idx in share.items()))
        await sweep(rig, records)
        faults: dict[str, Counter[str]] = {}
        send_faults: Counter[str] = Counter()  # faults met by eth_sendRawTransaction itself
        for (_, cid), p in rig.proxies.items():
            faults.setdefault(str(cid), Counter()).update(p.counts)
            send_faults.update(m for m, meth in p.events if meth == "eth_sendRawTransaction")
            send_faults["lagged_txs"] += p.counts["lagged_txs"]
    records.sort(key=lambda r: r.index)
    counts = Counter(r.outcome for r in records)
    by_kind: dict[str, dict[str, int]] = {}
    times: dict[str, list[float]] = {}
    for r in records:
        name = r.kind if r.kind == "balances" else f"{r.kind} {'->'.join(map(str, r.chains))}"
        by_kind.setdefault(name, {}).setdefault(r.outcome, 0)
        by_kind[name][r.outcome] += 1
        times.setdefault(name, []).append(r.seconds)
    return {
        "profile": profile,
        "faults": PROFILES[profile],
        "rate": rate,
        "seed": seed,
        "operations": len(records),
        "seconds": round(time.monotonic() - t0, 1),
        "outcomes": {o: counts.get(o, 0) for o in OUTCOMES},
        "by_kind": by_kind,
        "seconds_by_kind": {  # mean and max wall time of one operation
            k: [round(sum(v) / len(v), 3), max(v)] for k, v in sorted(times.items())
        },
        "faults_by_chain": {cid: dict(sorted(c.items())) for cid, c in faults.items()},
        "send_faults": dict(sorted(send_faults.items())),
        "failures": [asdict(r) for r in records if r.outcome != "succeeded"],
    }


def table(reports: list[dict[str, Any]]) -> str:
    head = f"{'outcome':<30}" + "".join(f"{r['profile']:>12}" for r in reports)
    lines = [head, "-" * len(head)]
    lines.append(f"{'operations':<30}" + "".join(f"{r['operations']:>12}" for r in reports))
    for o in OUTCOMES:
        lines.append(f"{o:<30}" + "".join(f"{r['outcomes'][o]:>12}" for r in reports))
    lines.append(f"{'seconds':<30}" + "".join(f"{r['seconds']:>12}" for r in reports))
    for r in reports:
        injected: Counter[str] = Counter()
        for c in r["faults_by_chain"].values():
            injected.update(c)
        lines.append(f"faults injected ({r['profile']}): {dict(sorted(injected.items()))}")
        lines.append(f"  of which on eth_sendRawTransaction: {r['send_faults']}")
        for f in r["failures"]:
            if f["outcome"] != "failed-typed":
                lines.append(
                    f"  [{f['outcome']}] op {f['index']} {f['kind']} {f['chains']} "
                    f"w{f['worker']} faults={f['faults_seen'][-6:]} {f['error_type']}: "
                    f"{(f['error'] or '').splitlines()[0] if f['error'] else ''} {f['note']}"
                )
    return "\n".join(lines)


@pytest.mark.timeout(max(300, OPS * 4))
@pytest.mark.parametrize("profile", RUN)
async def test_soak_under_faults(devnet: Devnet, tmp_path: Path, profile: str) -> None:
    report = await soak(devnet, tmp_path, profile, OPS, SEED)
    text = table([report])
    print("\n" + text)
    out = os.environ.get("INTEROP_SOAK_REPORT")
    if out:  # one file for every profile of the run (read back, this profile replaced)
        path = Path(out)
        old = json.loads(path.read_text()) if path.exists() else {}
        runs = [r for r in old.get("runs", []) if r.get("profile") != profile] + [report]
        path.write_text(json.dumps({"runs": runs}, indent=1))
    bad = {o: report["outcomes"][o] for o in ("failed-untyped", "hung", *SERIOUS)}
    assert report["operations"] == OPS
    assert not any(bad.values()), f"{bad}\n{text}"
