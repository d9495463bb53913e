"""Benchmark: one full status sweep of N unfinished withdrawals, batched vs flow by flow.

Starts the default devnet and N real OP Stack withdrawals on its L2, imported into the journal
by the library's own discovery, then in the same run times two sweeps over the journal's
unfinished flows (`interop.sweep.status_sweep`):

- flow by flow: each flow's own `Flow.status()`, one after another, one HTTP request per
  JSON-RPC call: what a user without the sweep does;
- batched: every flow concurrently; per route the adapter's batch hook (OP Stack: what every
  flow shares read once at a pinned block, each flow's own state in Multicall3 calls), the
  calls of each event-loop turn coalesced into one JSON-RPC batch per chain.

An untimed batched sweep runs first, so both timed sweeps find the journal up to date (the
first look at a flow writes its new status; later looks find it unchanged). It checks that both
sweeps give the same status for every flow, then prints requests, calls and wall time of each
and the ratios (the issue's targets: >= 50x fewer requests, >= 20x faster).

Starting the withdrawals: the initiating transactions (`L2ToL1MessagePasser.initiateWithdrawal`,
built by the OP Stack adapter's own `build_initiate_withdrawal`) are sent from a funded
address of the benchmark's own, with consecutive nonces, in JSON-RPC batches of
`eth_sendTransaction`: the L2 node is told to sign for it (anvil's impersonation; this venv's
secp256k1 is pure Python, ~90 ms a signature: 15 minutes for 10,000), and mines them. Then
they are journaled as `interop scan` journals the flows it finds (`import_flows`: the library's
own recognition, `interop.lookup.flow_from_tx`, and the same records), 64 at a time. Starting them one by one
through `Interop.bridge` takes about 15 per second here (11 minutes for 10,000).

The devnet answers in microseconds, so there the time of both sweeps is mostly the client's
CPU and the node's work per call; a real provider adds a network round trip per request.
`--rtt S` (default 0.02: a provider 20 ms away) adds that round trip to every request (a sleep
before passing it on), and both sweeps are timed again with it over the first `--rtt-flows`
flows (default 300: flow by flow at 20 ms costs about 0.2 s per flow).

Usage: `.venv/bin/python benchmarks/status_sweep.py [--flows N] [--rtt S] [--json]`
(default 10,000 flows).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from typing import Any

from interop.adapters.opstack.withdraw import build_initiate_withdrawal
from interop.client import ChainClient
from interop.devnet.core import Devnet
from interop.errors import InteropError, RpcResponseError
from interop.lookup import flow_from_tx
from interop.rpc.base import Call, Transport
from interop.scan import journal_found_flow
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


async def start_withdrawals(
    io: Any, sender: str, n: int, *, l2_id: int = OP, l1_id: int = L1
) -> int:
    """Start `n` ETH withdrawals l2 -> l1 from `sender` (a devnet account, or any funded
    address: the L2 node is told to sign for it; see the module docstring) and
    journal them (`import_flows`); returns how many were imported. Each goes to a fresh
    address with a distinct amount."""
    l2, l1 = io.client(l2_id), io.client(l1_id)
    address = to_address(sender)
    await l2.request("anvil_impersonateAccount", [address])  # the node signs for it
    nonce = await l2.get_nonce(address, "pending")
    base_fee = int((await l2.get_block("latest"))["baseFeePerGas"], 16)
    txs: list[dict[str, Any]] = []
    gas = 0
    for i in range(n):
        to, data, value = await build_initiate_withdrawal(
            l1, l2, value=ether("0.00001") + i, to=to_address(os.urandom(20)), gas_limit=100_000
        )
        tx = {"from": address, "to": to, "value": hex(value), "data": "0x" + data.hex()}
        if not gas:
            gas = await l2.estimate_gas(tx) * 3 // 2
        tx |= {
            "nonce": hex(nonce + i),
            "gas": hex(gas),
            "maxFeePerGas": hex(base_fee * 100 + 10**9),
            "maxPriorityFeePerGas": hex(10**9),
        }
        txs.append(tx)
    hashes: list[str] = []
    for lo in range(0, n, 200):
        chunk = txs[lo : lo + 200]
        answers = await l2.batch([("eth_sendTransaction", [tx]) for tx in chunk])
        bad = [a for a in answers if isinstance(a, BaseException)]
        if bad:
            raise bad[0]
        hashes += [str(a) for a in answers]
        await _mined(l2, address, nonce + lo + len(chunk), txs, nonce, hashes)
    await l2.request("anvil_stopImpersonatingAccount", [address])
    return await import_flows(io, hashes, l2_id, [io.client(l1_id).chain])


async def _mined(
    l2: ChainClient, address: str, upto: int, txs: list[Any], first: int, hashes: list[str]
) -> None:
    """Mine until `address`'s nonce reaches `upto`. The node mines what fits in a block when a
    transaction arrives and the rest waits for a next block that nothing else would trigger.
    Two faults of the node under load are worked around, on this devnet's own transactions
    only: a transaction it dropped from its pool is sent again, the same, after 10 blocks
    without progress; one it holds ("already imported") but does not mine for 30 blocks is
    replaced by the same transaction at twice the fees (its new hash replaces the old one in
    `hashes`, which `import_flows` reads)."""
    got = last = -1
    idle = 0
    for _ in range(1000):
        got = await l2.get_nonce(address, "latest")
        if got >= upto:
            return
        idle = idle + 1 if got == last else 0
        last = got
        if idle and idle % 10 == 0:
            k = got - first
            if idle % 30 == 0:
                tx = txs[k]
                txs[k] = tx | {
                    "maxFeePerGas": hex(2 * int(tx["maxFeePerGas"], 16)),
                    "maxPriorityFeePerGas": hex(2 * int(tx["maxPriorityFeePerGas"], 16)),
                }
            try:
                hashes[k] = str(await l2.request("eth_sendTransaction", [txs[k]]))
            except RpcResponseError as exc:
                print(f"  nonce {got}: sending it again: {exc.message}", file=sys.stderr)
        await l2.request("evm_mine", [])
    raise RuntimeError(f"withdrawals not mined: nonce {got}, wanted {upto}")


async def import_flows(io: Any, hashes: list[str], source: int, targets: list[Any]) -> int:
    """Journal the flows these transactions started, as `interop scan` does for each
    transaction it finds (`interop.scan`): the flow is recognised by `interop.lookup.flow_from_tx`
    (each route's adapter `flow_from_tx`) and journaled with its hops and refs, marked
    `scanned`, with an "imported by scan" event. Concurrently (64 at a time), with `scan`'s
    check that the journal does not know the transaction yet (`Journal.find_by_tx`, an index
    lookup since journal schema 4)."""
    src = io.client(source).chain
    j = io.journal
    sem = asyncio.Semaphore(64)

    async def one(h: str) -> None:
        async with sem:
            if io.journal.find_by_tx(h) is not None:
                return
            flow = await flow_from_tx(io, io.adapters, src, targets, h)
        r = flow.record
        journal_found_flow(j, r, h)

    await asyncio.gather(*(one(h) for h in hashes))
    return len(hashes)


def _key(s: Any) -> Any:
    return repr(s) if isinstance(s, Exception) else (s.status, s.native, s.next_step)


async def main(flows: int, rtt: float, rtt_flows: int, as_json: bool) -> dict[str, Any]:
    async with Devnet.start_interop(journal=":memory:") as io:
        dn = Devnet.of(io)
        t0 = time.monotonic()
        # A sender of its own: the devnet's accounts also send (genesis backing deposits)
        sender = to_address(os.urandom(20))
        await io.client(OP).request("anvil_setBalance", [sender, hex(ether("1000"))])
        imported = await start_withdrawals(io, sender, flows)
        setup = time.monotonic() - t0
        await dn.advance(5)
        await status_sweep(io)  # untimed: the journal now holds every flow's current status
        t1 = time.monotonic()
        one = await status_sweep(io, batched=False)
        t_one = time.monotonic() - t1
        t2 = time.monotonic()
        swept = await status_sweep(io)
        t_swept = time.monotonic() - t2
        far = FarHost(io, rtt)
        sample = io.journal.flows(unfinished=True)[:rtt_flows]
        t3 = time.monotonic()
        one_far = await status_sweep(far, sample, batched=False)
        t_one_far = time.monotonic() - t3
        t4 = time.monotonic()
        swept_far = await status_sweep(far, sample)
        t_swept_far = time.monotonic() - t4

        same = [_key(s) for s in one.states] == [_key(s) for s in swept.states]
        same = same and [_key(s) for s in one_far.states] == [_key(s) for s in swept_far.states]
        errors = sum(isinstance(s, InteropError) for s in swept.states)
        statuses: dict[str, int] = {}
        for s in swept.states:
            k = "error" if isinstance(s, InteropError) else s.native
            statuses[k] = statuses.get(k, 0) + 1
        out = {
            "flows": len(one.states),
            "imported": imported,
            "setup_seconds": round(setup, 1),
            "statuses": statuses,
            "flow_by_flow": {
                "requests": one.requests,
                "calls": one.calls,
                "seconds": round(t_one, 3),
            },
            "batched": {
                "requests": swept.requests,
                "calls": swept.calls,
                "seconds": round(t_swept, 3),
            },
            "requests_ratio": round(one.requests / max(1, swept.requests), 1),
            "speedup": round(t_one / max(t_swept, 1e-9), 1),
            "rtt": rtt,
            "rtt_flows": len(sample),
            "rtt_requests": [one_far.requests, swept_far.requests],
            "flow_by_flow_rtt_seconds": round(t_one_far, 3),
            "batched_rtt_seconds": round(t_swept_far, 3),
            "speedup_rtt": round(t_one_far / max(t_swept_far, 1e-9), 1),
            "same_statuses": same,
            "errors": errors,
        }
    if as_json:
        print(json.dumps(out))
    else:
        fb, b = out["flow_by_flow"], out["batched"]
        print(f"status sweep of {out['flows']} unfinished OP withdrawals on the devnet (started"
              f" and imported in {out['setup_seconds']} s; {statuses})")  # fmt: skip
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
    ap.add_argument("--rtt-flows", type=int, default=300)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    asyncio.run(main(a.flows, a.rtt, a.rtt_flows, a.json))
