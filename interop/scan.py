"""Discovery (`interop scan ADDRESS`): find the flows an address started elsewhere and journal them.

Why: a withdrawal started from a wallet UI, another machine or a script whose journal is gone is
still waiting for its prove and finalize; `interop watch` can only finish what is in its
journal. Scanning imports such flows so the worker finishes them.

How, without knowing any stack: an account's flows start with transactions it sent. The scan
reads each configured chain's blocks in a bounded window (`since`..head; JSON-RPC batches of
`batch` blocks, full transactions), keeps the transactions sent *from* the address, and asks the
adapters of every route leaving that chain whether the transaction starts a flow
(`interop.lookup.flow_from_tx`, the same recognition `interop status TX_HASH` uses). Those that
do are journaled (`options.scanned`), hops and refs included, unless the journal already knows
the transaction. Every route an adapter knows is found (deposits, withdrawals, messages,
L2 -> L2), including ones whose events do not name the sender in an indexed topic, which an
`eth_getLogs` topic search would miss. Cost: one batched request per `batch` blocks per chain,
plus a few requests per transaction of the address, so bound the window with `since`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from interop.chains.model import Chain
from interop.errors import InputError, InteropError, MessageNotFoundError
from interop.flows import FlowHost
from interop.journal import FlowRecord, Journal
from interop.lookup import flow_from_tx
from interop.routes import AdapterRegistry
from interop.types import to_address

__all__ = ["DEFAULT_WINDOW", "ScanResult", "journal_found_flow", "scan_address"]

DEFAULT_WINDOW = 10_000
"""Blocks scanned back from each chain's head when no `since` is given."""


@dataclass(frozen=True)
class ScanResult:
    """One transaction of the address that starts a flow. `flow_id`: its journal id;
    `imported`: False when the journal already had it; `error`: why it could not be read."""

    chain_id: int
    tx_hash: str
    flow_id: str | None
    imported: bool
    target_chain: int | None = None
    error: str | None = None


async def scan_address(
    host: FlowHost,
    registry: AdapterRegistry,
    chains: Sequence[Chain],
    address: str,
    *,
    since: int | Mapping[int, int] | None = None,
    to_block: int | None = None,
    batch: int = 50,
    persist: bool = True,
) -> list[ScanResult]:
    """Scan every chain in `chains` (see the module docstring); results in chain, block order.

    `since`: first block, one number for every chain or {chain id: block}; default: the last
    `DEFAULT_WINDOW` blocks. `persist=False` only reports (nothing is journaled)."""
    who = to_address(address).lower()
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise InputError(f"batch must be an int >= 1, got {batch!r}")

    async def one(chain: Chain) -> list[ScanResult]:
        client = host.client(chain.id)
        head = await client.block_number() if to_block is None else to_block
        first = since.get(chain.id) if isinstance(since, Mapping) else since
        start = max(0, head - DEFAULT_WINDOW + 1) if first is None else max(0, int(first))
        hashes: list[str] = []
        for lo in range(start, head + 1, batch):
            calls = [
                ("eth_getBlockByNumber", [hex(n), True])
                for n in range(lo, min(head, lo + batch - 1) + 1)
            ]
            for block in await client.batch(calls):
                for tx in (block or {}).get("transactions", ()):
                    if isinstance(tx, dict) and str(tx.get("from", "")).lower() == who:
                        hashes.append(str(tx["hash"]))
        targets = [c for c in chains if c.id != chain.id]
        out = []
        for h in hashes:
            res = await _one_tx(host, registry, chain, targets, h, persist)
            if res is not None:
                out.append(res)
        return out

    # every chain's scan runs to its end before a failure is raised, so what the others
    # imported is all in the journal when the caller hears of it (the CLI lists it)
    found = await asyncio.gather(*(one(c) for c in chains), return_exceptions=True)
    for res in found:
        if isinstance(res, BaseException):
            raise res
    return [r for per_chain in found if not isinstance(per_chain, BaseException) for r in per_chain]


async def _one_tx(
    host: FlowHost,
    registry: AdapterRegistry,
    chain: Chain,
    targets: Sequence[Chain],
    tx_hash: str,
    persist: bool,
) -> ScanResult | None:
    j = host.journal
    known = j.find_by_tx(tx_hash)
    if known is not None:
        return ScanResult(chain.id, tx_hash, known.id, False, known.target_chain)
    try:
        flow = await flow_from_tx(host, registry, chain, targets, tx_hash)
    except MessageNotFoundError:
        return None  # a transfer or a call that starts no flow
    except InteropError as exc:
        return ScanResult(chain.id, tx_hash, None, False, None, exc.message)
    r = flow.record
    if not persist:
        return ScanResult(chain.id, tx_hash, None, False, r.target_chain)
    fid = journal_found_flow(j, r, tx_hash)
    return ScanResult(chain.id, tx_hash, fid, True, r.target_chain)


def journal_found_flow(j: Journal, r: FlowRecord, tx_hash: str) -> str:
    """Write a flow recognised from its initiating transaction (`lookup.flow_from_tx`) into the
    journal, marked `scanned`, with its hops' refs and an "imported by scan" event; its id.
    Does not check whether the journal knows the transaction already (the caller does)."""
    fid = j.create_flow(
        kind=r.kind,
        source_chain=r.source_chain,
        target_chain=r.target_chain,
        value=r.value,
        recipient=r.recipient,
        sender=r.sender,
        data=r.data,
        options={**dict(r.options), "scanned": True},
        hops=[(h.adapter, h.direction, h.source_chain, h.target_chain) for h in r.hops],
    )
    for h in r.hops:
        if h.ref is not None:
            j.set_hop_ref(fid, h.index, h.ref)
    j.add_event(fid, "imported by scan", tx_hash)
    return fid
