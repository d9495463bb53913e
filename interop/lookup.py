"""Finding the flow a transaction started (`Interop.flow_from_tx`), journaled or not.

A user often has only a transaction hash: from a block explorer, another tool, or a machine
whose journal is gone. The journal is asked first (it knows the flow's hops and options); else
each adapter whose routes leave the source chain tries to recognise the transaction, and the
first that does yields an unpersisted record, journaled only once the caller acts on it, so a
mere look-up never adds a flow that `resume()` would then try to finish.

It takes the flow host (journal, clients, signer), the adapter registry and the chains, never the
facade.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from interop.adapters.base import AdapterContext
from interop.chains.model import Chain
from interop.errors import ConfigError, InputError, MessageNotFoundError
from interop.flows import Flow, FlowHost, handle_for
from interop.journal import FlowRecord, HopRecord
from interop.routes import AdapterRegistry
from interop.types import ZERO_ADDRESS, to_address, to_hash32

__all__ = ["flow_from_tx"]


async def flow_from_tx(
    host: FlowHost,
    registry: AdapterRegistry,
    src: Chain,
    targets: Sequence[Chain],
    tx_hash: str,
) -> Flow:
    """The handle of the flow `tx_hash` started on `src` towards one of `targets` (see
    `Interop.flow_from_tx`); `MessageNotFoundError` lists what every tried adapter said."""
    h = to_hash32(tx_hash) if isinstance(tx_hash, str) else tx_hash
    known = host.journal.find_by_tx(h)
    if known is not None:
        return handle_for(host, known)
    tried: list[str] = []
    for dst in targets:
        for adapter in registry.candidates(src, dst):
            try:
                ref = await adapter.flow_from_tx(
                    AdapterContext(host.client(src.id), host.client(dst.id), host.signer), h
                )
            except (MessageNotFoundError, InputError, ConfigError) as exc:
                tried.append(f"{adapter.name} {src.name}->{dst.name}: {exc.message}")
                continue
            ref = adapter.decode_ref(ref)
            tx = await host.client(src.id).get_transaction(h) or {}
            # The adapter knows the real recipient and the bridged amount (a deposit sent to
            # the portal or the Inbox names the bridge contract as `to`, and its value may
            # include fees); the transaction's own fields are only a fallback for adapters that
            # do not record them.
            recipient = ref.data.get("recipient") or tx.get("to") or tx.get("from")
            value = ref.data.get("value")
            now = time.time()
            rec = FlowRecord(
                id=h,
                kind=ref.kind.value,
                source_chain=src.id,
                target_chain=dst.id,
                value=int(str(value)) if value is not None else int(tx.get("value", "0x0"), 16),
                recipient=to_address(str(recipient or ZERO_ADDRESS)),
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
            return handle_for(host, rec, persisted=False)
    raise MessageNotFoundError(
        f"{h} on {src.name} starts no flow any configured route knows",
        details="; ".join(tried) or "no route from this chain",
    )
