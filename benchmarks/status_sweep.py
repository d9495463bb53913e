"""Benchmark: one full status sweep of N unfinished withdrawals, batched vs flow by flow.

Starts the default devnet, starts N OP Stack withdrawals (journaled, left unfinished), then in
the same run times two sweeps over the same journal records through the adapters' own status
code (`interop.sweep.status_sweep`):

- flow by flow: one status after another, one HTTP request per JSON-RPC call;
- batched: every status concurrently, the calls of each event-loop turn coalesced into one
  JSON-RPC batch per chain.

It checks that both sweeps give the same status for every flow, then prints requests, calls and
wall time of each and the ratios (the issue's targets: >= 50x fewer requests, >= 20x faster).

The devnet answers in microseconds, so there the time of both sweeps is the client's CPU; a real
provider costs a network round trip per request. `--rtt S` (default 0.02: a provider 20 ms away)
adds that round trip to every request (a sleep before passing it on), and both sweeps are timed
again with it over the first `--rtt-flows` flows (default 500: flow by flow at 20 ms costs
about 0.2 s per flow, over half an hour for 10,000).

Usage: `.venv/bin/python benchmarks/status_sweep.py [--flows N] [--rtt S] [--json]`
(default 10,000 flows; starting them takes most of the run, about 15 per second here).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from typing import Any

from interop.client import ChainClient
from interop.devnet.core import Devnet
from interop.rpc.base import Call, Transport
from interop.sweep import status_sweep
from interop.types import to_address
from interop.units import ether

OP, L1 = 901, 900


class Delayed:
    """A transport `rtt` seconds away: each request (one call or one batch) waits that long."""

    def __init__(self, inner: Transport, rtt: float) -> None:
        self.inner, self.rtt = inner, rtt

    async def request(self, method: str, params: Any = ()) -> Any:
        await asyncio.sleep(self.rtt)
        return await self.inner.request(method, params)

    async def batch(self, calls: list[Call]) -> list[Any]:
        await asyncio.sleep(self.rtt)
        return await self.inner.batch(calls)

    async def aclose(self) -> None:
        pass


class FarHost:
    """The Interop with every client behind a `Delayed` transport."""

    def __init__(self, io: Any, rtt: float) -> None:
        self.io, self.rtt, self.clients = io, rtt, {}

    signer = property(lambda self: self.io.signer)
    journal = property(lambda self: self.io.journal)

    def adapter(self, name: str) -> Any:
        return self.io.adapter(name)

    def client(self, ref: Any) -> ChainClient:
        base = self.io.client(ref)
        if base.chain.id not in self.clients:
            self.clients[base.chain.id] = ChainClient(
                base.chain, Delayed(base.transport, self.rtt), owns_transport=False
            )
        return self.clients[base.chain.id]


async def main(flows: int, rtt: float, rtt_flows: int, as_json: bool) -> dict[str, Any]:
    async with Devnet.start_interop(journal=":memory:") as io:
        dn = Devnet.of(io)
        sem = asyncio.Semaphore(16)
        t0 = time.monotonic()

        async def start(i: int) -> None:
            async with sem:
                await io.bridge(ether("0.00001") + i, OP, L1, to_address(os.urandom(20)))

        await asyncio.gather(*(start(i) for i in range(flows)))
        setup = time.monotonic() - t0
        await dn.advance(5)
        recs = io.journal.flows(unfinished=True)
        t1 = time.monotonic()
        one = await status_sweep(io, recs, batched=False)
        t_one = time.monotonic() - t1
        t2 = time.monotonic()
        swept = await status_sweep(io, recs)
        t_swept = time.monotonic() - t2
        far = FarHost(io, rtt)
        sample = recs[:rtt_flows]  # flow by flow at 20 ms x ~10 calls: 0.2 s per flow
        t3 = time.monotonic()
        one_far = await status_sweep(far, sample, batched=False)
        t_one_far = time.monotonic() - t3
        t4 = time.monotonic()
        swept_far = await status_sweep(far, sample)
        t_swept_far = time.monotonic() - t4

        def key(s: Any) -> Any:
            return repr(s) if isinstance(s, Exception) else (s.status, s.native)

        same = [key(s) for s in one.states] == [key(s) for s in swept.states]
        errors = sum(isinstance(s, Exception) for s in swept.states)
        out = {
            "flows": len(recs),
            "setup_seconds": round(setup, 1),
            "flow_by_flow": {"requests": one.requests, "calls": one.calls, "seconds": t_one},
            "batched": {"requests": swept.requests, "calls": swept.calls, "seconds": t_swept},
            "requests_ratio": round(one.requests / max(1, swept.requests), 1),
            "speedup": round(t_one / max(t_swept, 1e-9), 1),
            "rtt": rtt,
            "rtt_flows": len(sample),
            "rtt_requests": [one_far.requests, swept_far.requests],
            "flow_by_flow_rtt_seconds": t_one_far,
            "batched_rtt_seconds": t_swept_far,
            "speedup_rtt": round(t_one_far / max(t_swept_far, 1e-9), 1),
            "same_statuses": same,
            "errors": errors,
        }
    if as_json:
        print(json.dumps(out))
    else:
        fb, b = out["flow_by_flow"], out["batched"]
        print(f"status sweep of {out['flows']} unfinished OP withdrawals (devnet; started in"
              f" {out['setup_seconds']} s)")  # fmt: skip
        print(f"  flow by flow: {fb['requests']:>7} requests {fb['calls']:>7} calls"
              f" {fb['seconds']:8.2f} s")  # fmt: skip
        print(f"  batched:      {b['requests']:>7} requests {b['calls']:>7} calls"
              f" {b['seconds']:8.2f} s")  # fmt: skip
        print(f"  ratio: {out['requests_ratio']}x fewer requests, {out['speedup']}x faster"
              f" (devnet, no latency); same statuses: {same}; errors: {errors}")  # fmt: skip
        print(f"  with {rtt * 1000:g} ms per round trip, {len(sample)} of the flows: flow by flow"
              f" {out['flow_by_flow_rtt_seconds']:.2f} s, batched {out['batched_rtt_seconds']:.2f} s:"
              f" {out['speedup_rtt']}x faster")  # fmt: skip
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--flows", type=int, default=10_000)
    ap.add_argument("--rtt", type=float, default=0.02)
    ap.add_argument("--rtt-flows", type=int, default=500)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    asyncio.run(main(a.flows, a.rtt, a.rtt_flows, a.json))
