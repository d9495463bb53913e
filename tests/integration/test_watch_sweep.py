"""Batched status (`interop.sweep.status_sweep`): the status of many flows in round trips that
grow with the chains, not the flows, and the same answers as reading them flow by flow, for
every flow and in every state a withdrawal passes (ready to prove, proven and waiting, finalized)
and for an adapter without the batch hook (Arbitrum). Speed is the benchmark's
(`benchmarks/status_sweep.py`), not a timed test's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from eth_account import Account

from benchmarks.status_sweep import start_withdrawals
from interop.adapters.base import AdapterContext, Direction, FlowKind, FlowRef, FlowStatus, Status
from interop.adapters.opstack.common import check_pair
from interop.adapters.opstack.reads import BatchReads, DirectReads
from interop.adapters.opstack.ref import OpRefData
from interop.adapters.opstack.withdraw import withdrawal_status
from interop.devnet.core import Devnet
from interop.errors import InputError, UnsupportedOperationError
from interop.sweep import status_sweep
from interop.units import ether
from tests.helpers_crash import Clock
from tests.integration.test_watch import ARB, L1, OP, _fresh, _io, _user

pytestmark = pytest.mark.integration

N_OP = 150
N_ARB = 3


def _key(s: Any) -> Any:
    return (s.status, s.native, s.next_step) if not isinstance(s, Exception) else repr(s)


async def test_sweep_agrees_with_flow_by_flow_in_far_fewer_requests(
    devnet: Devnet, tmp_path: Path
) -> None:
    key = await _user(devnet, "watch sweep")
    async with await _io(devnet, key, tmp_path / "j.sqlite3", Clock(devnet.advance)) as io:
        assert await start_withdrawals(io, Account.from_key(key).address, N_OP) == N_OP
        for i in range(N_ARB):
            await io.bridge(ether("0.0001") + i, ARB, L1, _fresh())
        await devnet.advance(5)
        op = [f for f in io.flows(unfinished=True) if f.source == OP]
        assert len(op) == N_OP
        # other states than ready-to-prove: two proven (waiting, then ready, to finalize), one
        # finalized
        adapter = io.adapter("opstack")
        ctx = AdapterContext(io.client(OP), io.client(L1), io.signer)
        for f in op[:2]:
            ref = f.refs[0]
            assert ref is not None
            assert await adapter.execute_next(ctx, ref) is not None  # prove
        await op[2].complete()
        recs = io.journal.flows()
        assert len(recs) >= N_OP + N_ARB

        one_by_one = await status_sweep(io, recs, batched=False)
        swept = await status_sweep(io, recs)
        assert all(not isinstance(s, Exception) for s in swept.states), swept.states
        # chain time moves while the two sweeps run (the devnet's relayers mine L1 blocks in the
        # background), so a proven withdrawal may become ready to finalize between them: where
        # they differ, the swept answer must be what a flow-by-flow read says after it
        differ = [
            i
            for i, (a, b) in enumerate(zip(swept.states, one_by_one.states, strict=True))
            if _key(a) != _key(b)
        ]
        again = await status_sweep(io, [recs[i] for i in differ], batched=False)
        for i, s in zip(differ, again.states, strict=True):
            assert _key(swept.states[i]) == _key(s), (recs[i].id, swept.states[i], s)
        assert len(differ) <= 5, differ  # only proven and Arbitrum flows move on their own
        natives = {s.native for s in swept.states if not isinstance(s, Exception)}
        assert {"ready-to-prove", "finalized"} <= natives, natives
        assert natives & {"waiting-to-finalize", "ready-to-finalize"}, natives
        print(
            f"{len(recs)} flows: flow by flow {one_by_one.requests} requests"
            f" {one_by_one.calls} calls, swept {swept.requests} requests {swept.calls} calls"
        )
        # round trips: a few batches per chain for the whole sweep, however many flows (seen:
        # 41 vs 1,544 with this mix: the proven, finalized and Arbitrum flows need more
        # sequential rounds; 13 vs 20,007 for 2,000 withdrawals alike). And the OP withdrawals'
        # own reads go out in Multicall3 calls: before the batch hook both sweeps made the same
        # calls (about ten per withdrawal), only fewer requests.
        assert one_by_one.requests >= 20 * swept.requests, (one_by_one.requests, swept.requests)
        assert 10 * swept.calls <= one_by_one.calls, (swept.calls, one_by_one.calls)

        # the reader without Multicall3 (plain eth_calls in JSON-RPC batches) answers the same
        l1 = io.client(L1)
        c = check_pair(l1, io.client(OP))
        pinned = await BatchReads.at(l1)
        plain = BatchReads(l1, pinned.block, pinned.timestamp, None)
        for f in op[:4]:
            ref = f.refs[0]
            assert ref is not None
            data = OpRefData.decode(ref.data, ref.version)
            assert data.withdrawal is not None and data.l2_block is not None
            direct = await withdrawal_status(DirectReads(l1), c, data.withdrawal, data.l2_block)
            batched = await withdrawal_status(plain, c, data.withdrawal, data.l2_block)
            assert (batched.status, batched.native) == (direct.status, direct.native)

        # refresh() runs the sweep: the finalized flow leaves the unfinished list, the proven
        # ones are journaled as proven
        left = {f.id for f in await io.refresh()}
        assert op[2].id not in left and op[0].id in left
        got = {s.flow_id: s for s in swept.states if not isinstance(s, Exception)}
        for f in op[:2]:
            assert io.journal.get(f.id).native == got[f.id].native


async def test_statuses_hook_reports_a_bad_ref_without_failing_the_others(
    devnet: Devnet, tmp_path: Path
) -> None:
    key = await _user(devnet, "watch sweep hook")
    async with await _io(devnet, key, tmp_path / "j.sqlite3", Clock(devnet.advance)) as io:
        assert await start_withdrawals(io, Account.from_key(key).address, 3) == 3
        refs = [f.refs[0] for f in io.flows(unfinished=True)]
        assert all(r is not None for r in refs)
        adapter: Any = io.adapter("opstack")
        ctx = AdapterContext(io.client(OP), io.client(L1))
        bad = FlowRef("opstack", Direction.L2_TO_L1, FlowKind.ETH, OP, L1, "0x" + "11" * 32)
        elsewhere = FlowRef("opstack", Direction.L2_TO_L1, FlowKind.ETH, 902, L1, refs[0].tx_hash)
        # the devnet's relayer proposes output roots in the background, so a withdrawal may go
        # from waiting to ready to prove while this runs: each batched answer must be what the
        # flow-by-flow read said just before it or just after it
        before = [_key(await adapter.status(ctx, r)) for r in refs]
        got = await adapter.statuses(ctx, [refs[0], bad, refs[1], elsewhere, refs[2]])
        after = [_key(await adapter.status(ctx, r)) for r in refs]
        assert isinstance(got[1], InputError)  # no withdrawal in its data
        assert isinstance(got[3], UnsupportedOperationError)  # another chain's flow
        ok = [got[0], got[2], got[4]]
        assert all(isinstance(s, FlowStatus) for s in ok), got
        for s, b, a in zip(ok, before, after, strict=True):
            assert _key(s) in (b, a), (s, b, a)
        assert all(s.status in (Status.WAITING_TO_PROVE, Status.READY_TO_PROVE) for s in ok)
