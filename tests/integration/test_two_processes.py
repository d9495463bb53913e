"""Two processes, one key, one journal, at the same time: no value moves twice, no flow is stuck.

Two workers (forked from tests/helpers_crash/worker.py, released together at a start barrier)
each send plain transfers on L1 and on OP, a deposit L1 -> Arbitrum they complete, and a
withdrawal OP -> L1 they only start — with the same private key and the same journal file, so
they race for every nonce. A bot run twice by mistake (cron overlap, two replicas) does this.

After both exit, this process resumes with that key and journal (bounded: a flow that can never
progress must be marked, not waited on), then checks on chain, to the wei:
- every operation has its own fresh recipient, which holds either 0 or exactly the value: never
  twice; an operation reported successful has delivered (after resume for the withdrawals);
- every error either process saw is an `InteropError`, and one that says nothing may have
  executed (`may_have_executed` false) really delivered nothing;
- the journal agrees with the chain: a flow is "finalized" exactly when its value arrived, each
  journaled transaction is "mined" exactly when the node has its receipt;
- nonces are contiguous: the account's mined transactions on L1 and OP are exactly the journaled
  mined ones (their nonces fill before..after with no gap), and nothing is left pending in a
  node's pool; every journaled transaction that was not mined lost its nonce to another one (it
  can never execute) and is no longer merely "signed" in the journal;
- nothing is unfinished after resume, and a second resume has nothing to do.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import rlp
from eth_account import Account

from interop.cli.main import devnet_chains_json
from interop.devnet.core import Devnet
from interop.errors import InteropError
from interop.facade import Interop
from interop.types import to_address
from interop.units import ether
from tests.helpers_crash import back_escrow, fund, key_for, nonces, start_workers

pytestmark = pytest.mark.integration

L1, OP, OP2, ARB = 900, 901, 902, 903
CHAINS = (L1, OP, OP2, ARB)
WORKER_TIMEOUT = 60.0
RESUME_TIMEOUT = 60.0


def _ops(tag: int) -> list[dict[str, Any]]:
    """One process's work: every operation to its own fresh recipient, with its own value."""
    plan: list[dict[str, Any]] = [
        {"kind": "transfer", "chain": L1},
        {"kind": "bridge", "source": L1, "target": ARB, "complete": True},
        {"kind": "transfer", "chain": OP},
        {"kind": "bridge", "source": OP, "target": L1, "complete": False},
        {"kind": "transfer", "chain": L1},
        {"kind": "transfer", "chain": OP},
    ]
    for i, op in enumerate(plan):
        op["to"] = to_address(Account.create().address)
        op["value"] = str(ether("0.001") * (i + 1) + 100 * tag + i)
    return plan


def _raw_nonce(raw: bytes) -> int:
    """The nonce inside a signed raw transaction (typed: [chainId, nonce, ...]; legacy: [nonce, ...])."""
    fields = rlp.decode(raw[1:]) if raw[0] < 0x80 else rlp.decode(raw)
    return int.from_bytes(fields[1] if raw[0] < 0x80 else fields[0], "big")


def _target(op: dict[str, Any]) -> int:
    return int(op["chain"] if op["kind"] == "transfer" else op["target"])


async def test_two_processes_one_key_one_journal(devnet: Devnet, tmp_path: Path) -> None:
    key = key_for("two processes")
    me = Account.from_key(key).address
    await fund(devnet, me, ether("5"))
    await back_escrow(devnet, OP, "optimism_portal", ether("0.1"))
    journal = tmp_path / "shared.sqlite3"
    chains = list(devnet.chains.values())
    plans = {"a": _ops(1), "b": _ops(2)}

    async with (
        start_workers(devnet, devnet_chains_json(chains)) as workers,
        Interop(chains, account=key, journal=journal, sleep=workers.clock) as io,
    ):
        before = await nonces(io, me, CHAINS)
        runs = {
            name: workers.launch(
                f"two-{name}",
                {"mode": "ops", "key": key, "journal": str(journal), "ops": ops},
                go=False,
            )
            for name, ops in plans.items()
        }
        await asyncio.gather(*(r.connected.wait() for r in runs.values()))
        for r in runs.values():  # the start barrier: both go at once
            r.go.set()
        await asyncio.gather(*(workers.finish(r, WORKER_TIMEOUT) for r in runs.values()))

        for name, r in runs.items():
            assert r.status == 0 and r.first("done") is not None, (name, r.reports)
            assert r.first("timeout") is None, (name, r.reports)
        reports = {(name, int(rep["op"])): rep for name, r in runs.items() for rep in r.all("op")}
        assert sorted(reports) == sorted(
            (name, i) for name, ops in plans.items() for i in range(len(ops))
        )
        untyped = [rep for rep in reports.values() if not rep["ok"] and not rep["error"]["typed"]]
        assert untyped == [], untyped

        results = await asyncio.wait_for(io.resume(), RESUME_TIMEOUT)
        for res in results:  # an error is allowed (e.g. a replaced flow), untyped never
            assert res.ok or res.skipped or isinstance(res.error, InteropError), res
        assert io.flows(unfinished=True) == [], [f.record for f in io.flows(unfinished=True)]
        assert await asyncio.wait_for(io.resume(), RESUME_TIMEOUT) == []

        # value: each recipient 0 or exactly its value; success means delivered
        received: dict[str, int] = {}
        for (name, i), rep in sorted(reports.items()):
            op = plans[name][i]
            got = await io.client(_target(op)).get_balance(op["to"])
            received[op["to"]] = got
            assert got in (0, int(op["value"])), (name, i, op, got, rep)
            if rep["ok"]:
                assert got == int(op["value"]), ("reported ok, not delivered", name, i, rep)
            elif rep["error"]["may_have_executed"] is False:
                assert got == 0, ("reported 'not executed', but delivered", name, i, rep)

        # the journal agrees with the chain
        flows = io.journal.flows()
        recipients = {to_address(f.recipient) for f in flows}
        for f in flows:
            paid = received.get(to_address(f.recipient))
            assert paid is not None, f"journal flow {f.id} to an address no operation used"
            assert (paid == f.value) == (f.status == "finalized"), (f.id, f.status, f.error, paid)
        for (name, i), rep in reports.items():  # delivered implies journaled
            to = to_address(plans[name][i]["to"])
            if received[to]:
                assert to in recipients, ("delivered but not in the journal", name, i, rep)
        mined: dict[int, list[int]] = {cid: [] for cid in CHAINS}
        dead: list[tuple[str, str, int, str, int]] = []
        for f in flows:
            for t in io.journal.txs(f.id):
                client = io.client(t.chain_id)
                rcpt = await client.get_receipt(t.tx_hash)
                assert (t.state == "mined") == (rcpt is not None), (f.id, t.step, t.state)
                if rcpt is not None:
                    tx = await client.get_transaction(t.tx_hash)
                    assert tx is not None
                    n = tx["nonce"]
                    assert _raw_nonce(t.raw) == (int(n, 16) if isinstance(n, str) else int(n))
                    mined[t.chain_id].append(_raw_nonce(t.raw))
                else:
                    # its fate is decided: its nonce was used by another transaction, so it can
                    # never execute, and the journal no longer calls it merely "signed"
                    dead.append((f.id, t.step, t.chain_id, t.state, _raw_nonce(t.raw)))

        # nonces: contiguous, all ours accounted for, none stuck in a pool
        after = await nonces(io, me, CHAINS)
        for cid in (L1, OP):
            assert sorted(mined[cid]) == list(range(before[cid], after[cid])), (
                cid,
                sorted(mined[cid]),
                before[cid],
                after[cid],
            )
        for cid in CHAINS:
            assert await io.client(cid).get_nonce(me, "pending") == after[cid], cid
        for fid, step, cid, state, nonce in dead:
            assert nonce < after[cid], ("a journaled transaction could still be mined", fid, step)
            assert state != "signed", ("left 'signed' after resume", fid, step, cid, nonce)
