"""Migration: move the ETH of N old accounts to N new addresses on every L2, exactly once.

Old keys come from --keys-file (one hex key per line) or $MIGRATION_KEYS (whitespace-separated);
the new addresses from --to-file, in the same order. The plan is printed first and needs a "y"
(or --yes, for automation). Every transfer is journaled before it is broadcast, so the script
can be killed at any point (kill -9 included) and run again: journaled transfers are finished
from the journal (the same signed bytes, never a second payment), done ones are skipped, and
only the rest is sent.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from interop import Interop, ether, format_ether
from interop.chains.loader import load_chains
from interop.signer import account_from_key


@dataclass
class Move:
    key: str
    sender: str
    to: str
    chain_id: int
    chain: str
    value: int
    flow: str | None  # the journaled transfer, when one exists already
    done: bool = False


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--chains-file", required=True, help="chains (e.g. the devnet's chain file)")
    p.add_argument("--keys-file", help="old accounts: one hex private key per line")
    p.add_argument("--to-file", required=True, help="new addresses, one per line, same order")
    p.add_argument("--reserve", default="0.001", help="ETH left behind for the fee")
    p.add_argument("--journal", default="migration-journal.sqlite3")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    return p.parse_args()


async def plan(io: Interop, key: str, to: str, reserve: int) -> list[Move]:
    """One move per L2: the journaled transfer if there is one, else balance minus reserve."""
    assert io.signer is not None
    me = io.signer.address
    journaled = {
        f.source: f
        for f in io.flows()
        if f.record.sender.lower() == me.lower()
        and f.recipient.lower() == to.lower()
        and f.record.status != "abandoned"
    }
    l2s = [c for c in io.chains if c.parent_id is not None]
    moves = []
    for entry in await io.balances([me], chains=[c.id for c in l2s]):
        chain = io.chain(entry.chain_id)
        f = journaled.get(chain.id)
        if f is not None:
            moves.append(Move(key, me, to, chain.id, chain.name, f.value, f.id, f.record.done))
            continue
        if entry.error is not None:
            raise SystemExit(f"{chain.name}: cannot read {me}'s balance: {entry.error.message}")
        (balance,) = entry.balances.values()
        if balance > reserve:
            moves.append(Move(key, me, to, chain.id, chain.name, balance - reserve, None))
    return moves


async def main() -> int:
    args = parse()
    chains = load_chains(args.chains_file)
    text = Path(args.keys_file).read_text() if args.keys_file else os.environ["MIGRATION_KEYS"]
    keys = text.split()
    targets = Path(args.to_file).read_text().split()
    if len(keys) != len(targets):
        raise SystemExit(f"{len(keys)} keys but {len(targets)} new addresses")
    reserve = ether(args.reserve)

    def open_io(key: str) -> Interop:
        return Interop(chains, account=account_from_key(key), journal=args.journal)

    moves: list[Move] = []
    for key, to in zip(keys, targets, strict=True):
        async with open_io(key) as io:
            moves += await plan(io, key, to, reserve)
    for m in moves:
        state = "done" if m.done else "journaled, finish" if m.flow else "send"
        print(f"{m.chain:>14}  {m.sender} -> {m.to}  {format_ether(m.value):>12} ETH  {state}")
    if not args.yes and input(f"{len(moves)} moves; proceed? [y/N] ").strip().lower() != "y":
        print("aborted, nothing sent")
        return 1

    for key, to in zip(keys, targets, strict=True):
        async with open_io(key) as io:
            for r in await io.resume():  # journaled transfers: finished, never sent twice
                print(f"{r.flow_id}: {r.state.status if r.state else r.error or r.skipped}")
            # planned again after resume: a transfer journaled but never signed (killed in
            # between) is abandoned by resume, and sent here with the same value
            for m in await plan(io, key, to, reserve):
                if m.flow is not None:
                    continue
                await io.transfer(m.chain_id, to=m.to, value=m.value)
                print(f"moved {m.chain} {m.sender} -> {m.to} {m.value} wei", flush=True)
    print("migration complete")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
