"""Sweep bot: ETH above a threshold on any L2 goes to a treasury on L1.

For every key (one per line in --keys-file) and every L2 of the chain file: if the balance is
above --threshold, bridge all of it but --reserve (what the withdrawal's own fee needs) to
--treasury on the L2's parent chain. Run it on a timer (cron, a loop): it is restartable because
every sweep is journaled first. A chain with a sweep of this account still in flight is not swept
again (a refill waits for the next run after it lands); `--finish` performs the remaining steps
(prove, finalize, execute) of every sweep in flight, as far as the chain allows today.
`--dry-run` prints what it would do and signs nothing. While `--finish` waits, each flow's
progress (a step sent or mined, a new status) goes to stderr; stdout stays one line per sweep.

The key also needs a little ETH on L1: an L2 -> L1 withdrawal is finished there by its sender.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from interop import Interop, ether, format_ether
from interop.chains.loader import load_chains
from interop.flows import FlowEvent
from interop.signer import account_from_key


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--chains-file", required=True, help="chains (e.g. the devnet's chain file)")
    p.add_argument("--keys-file", required=True, help="one hex private key per line")
    p.add_argument("--treasury", required=True, help="recipient on L1")
    p.add_argument("--threshold", default="0.5", help="ETH; sweep above this (default 0.5)")
    p.add_argument("--reserve", default="0.01", help="ETH left on the L2 for fees")
    p.add_argument("--journal", default="sweep-journal.sqlite3")
    p.add_argument("--dry-run", action="store_true", help="print the plan, sign nothing")
    p.add_argument("--finish", action="store_true", help="complete the sweeps in flight")
    p.add_argument("--poll", type=float, default=60.0, help="most seconds between status reads")
    return p.parse_args()


async def sweep_account(io: Interop, args: argparse.Namespace) -> None:
    assert io.signer is not None
    me = io.signer.address
    threshold, reserve = ether(args.threshold), ether(args.reserve)
    in_flight = {
        f.source: f.id
        for f in io.flows(unfinished=True)
        if f.record.sender.lower() == me.lower() and f.recipient.lower() == args.treasury.lower()
    }
    l2s = [c for c in io.chains if c.parent_id is not None]
    table = await io.balances([me], chains=[c.id for c in l2s])
    for entry in table:
        chain = io.chain(entry.chain_id)
        if entry.error is not None:
            print(f"{chain.name}: {me}: cannot read the balance ({entry.error.message})")
            continue
        (balance,) = entry.balances.values()  # one address asked
        if chain.id in in_flight:
            print(f"{chain.name}: {me}: sweep {in_flight[chain.id]} in flight, not swept again")
        elif balance <= threshold:
            print(f"{chain.name}: {me}: {format_ether(balance)} ETH, below the threshold")
        elif args.dry_run:
            amount = format_ether(balance - reserve)
            print(f"{chain.name}: {me}: would sweep {amount} ETH to {args.treasury}")
        else:
            assert chain.parent_id is not None
            t = await io.bridge(balance - reserve, chain.id, chain.parent_id, args.treasury)
            print(f"{chain.name}: {me}: sweeping {format_ether(t.value)} ETH, flow {t.id}")
    if args.finish and not args.dry_run:
        # A withdrawal waits out its chain's challenge or finality period (on `interop devnet`,
        # which runs in real time, from half a minute up to ten minutes for Linea): without a
        # line now and then, a finishing bot is indistinguishable from a hung one.
        seen: dict[str | None, str] = {}

        def show(event: FlowEvent) -> None:
            st = event.state
            if event.what in ("sent", "mined") or seen.get(st.flow_id) != st.status.value:
                seen[st.flow_id] = st.status.value
                step = f" {event.what} {event.step} {event.tx_hash or ''}" if event.step else ""
                print(f"  flow {st.flow_id}: {st.status.value}{step}", file=sys.stderr)

        for r in await io.resume(max_interval=args.poll, progress=show):
            print(f"flow {r.flow_id}: {r.state.status if r.state else r.error or r.skipped}")


async def main() -> None:
    args = parse()
    chains = load_chains(args.chains_file)
    keys = [k.strip() for k in Path(args.keys_file).read_text().split() if k.strip()]
    for key in keys:
        async with Interop(chains, account=account_from_key(key), journal=args.journal) as io:
            await sweep_account(io, args)


if __name__ == "__main__":
    asyncio.run(main())
