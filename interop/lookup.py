"""Finding the flow a transaction started (`Interop.flow_from_tx`), journaled or not.

A user often has only a transaction hash: from a block explorer, another tool, or a machine
whose journal is gone. The journal is asked first (it knows the flow's hops and options); else
each adapter whose routes leave the source chain tries to recognise the transaction, and the
first that does yields an unpersisted record, journaled only once the caller acts on it, so a
mere look-up never adds a flow that `resume()` would then try to finish.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from interop.errors import ConfigError, InputError

if TYPE_CHECKING:
    from interop.facade import ChainRef, Interop
    from interop.flows import Flow

__all__ = ["flow_from_tx"]


async def flow_from_tx(
    io: Interop, source: ChainRef, tx_hash: str, target: ChainRef | None = None
) -> Flow:
    """The handle of the flow `tx_hash` started on `source` (see `Interop.flow_from_tx`);
    `MessageNotFoundError` lists what every tried adapter said."""
    from interop.adapters.base import AdapterContext
    from interop.errors import MessageNotFoundError
    from interop.flows import handle_for
    from interop.journal import FlowRecord, HopRecord
    from interop.types import ZERO_ADDRESS, to_address, to_hash32

    h = to_hash32(tx_hash) if isinstance(tx_hash, str) else tx_hash
    known = io.journal.find_by_tx(h)
    if known is not None:
        return handle_for(io, known)
    src = io.chain(source)
    targets = [io.chain(target)] if target is not None else [c for c in io.chains if c.id != src.id]
    tried: list[str] = []
    for dst in targets:
        for adapter in io.adapters.candidates(src, dst):
            try:
                ref = await adapter.flow_from_tx(
                    AdapterContext(io.client(src), io.client(dst), io.signer), h
                )
            except (MessageNotFoundError, InputError, ConfigError) as exc:
                tried.append(f"{adapter.name} {src.name}->{dst.name}: {exc.message}")
                continue
            tx = await io.client(src).get_transaction(h) or {}
            now = time.time()
            rec = FlowRecord(
                id=h,
                kind=ref.kind.value,
                source_chain=src.id,
                target_chain=dst.id,
                value=int(tx.get("value", "0x0"), 16),
                recipient=to_address(str(tx.get("to") or tx.get("from") or ZERO_ADDRESS)),
                sender=to_address(str(tx.get("from") or ZERO_ADDRESS)),
                data=b"",
                options={"looked_up": True},
                status="unknown",
                native="",
                done=False,
                error=None,
                created=now,
                updated=now,
                hops=(
                    HopRecord(
                        0, adapter.name, ref.direction.value, src.id, dst.id, ref, "unknown", ""
                    ),
                ),
            )
            return handle_for(io, rec, persisted=False)
    raise MessageNotFoundError(
        f"{h} on {src.name} starts no flow any configured route knows",
        details="; ".join(tried) or "no route from this chain",
    )
