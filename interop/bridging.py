"""Starting a cross-chain flow: from a request to a journaled, initiated `Flow` handle.

`Interop.bridge` and `Interop.send_message` are thin wrappers over `start_flow`, which keeps the
one order that makes a flow safe to resume: plan the route, verify every chain id, run the
safety checks (`interop.safety`), journal the flow, and only then sign the first transaction
through a `RecordingSigner`, so a crash at any point leaves either nothing or a journaled flow
with its signed transaction.

When the first transaction's call raises, the journal and the error are made to agree
(`Journal.note_raised`, the rule is in `interop.journal`): nothing signed -> the flow is
`abandoned` and `resume()` never sends it; something signed -> the error carries the hash, the
flow id and `may_have_executed=True`, and `resume()` only settles those exact bytes.
The zero address is refused as recipient (`UnsafeRecipientError`) unless `force=True`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from interop.errors import InputError, InvalidAmountError, MissingSignerError
from interop.safety import (
    check_funds,
    check_not_zero_address,
    check_recipient,
    verify_route_chains,
)

if TYPE_CHECKING:
    from interop.chains.model import Chain
    from interop.facade import ChainRef, Interop
    from interop.flows import Flow
    from interop.types import Address

# the facade's logger: users who filter on it keep seeing these messages
log = logging.getLogger("interop.facade")

__all__ = ["calldata_bytes", "resolve_recipient", "start_flow"]


def calldata_bytes(data: bytes | str) -> bytes:
    """Calldata given as bytes or 0x-hex, strictly: whole bytes only. (`hex_to_bytes` pads an
    odd digit count, right for node quantities, but for calldata it would shift every byte of a
    typo'd selector or argument and send a different call.)"""
    if isinstance(data, bytes | bytearray):
        return bytes(data)
    if not isinstance(data, str):
        raise InputError(f"data must be bytes or 0x-hex, got {type(data).__name__}")
    body = data[2:] if data[:2] in ("0x", "0X") else data
    if len(body) % 2 or any(c not in "0123456789abcdefABCDEF" for c in body):
        raise InputError(
            f"data {data!r} is not 0x-hex of whole bytes",
            hint="calldata is 0x followed by an even number of hex digits",
        )
    return bytes.fromhex(body)


def resolve_recipient(io: Interop, recipient: str | None, dst: Chain) -> Address | None:
    """The recipient on `dst`: the given address in any accepted form, else the signer (the
    default is "yourself"), else None when there is no signer to default to (planning only)."""
    if recipient is None:
        if io.signer is None:
            return None
        from interop.types import to_address

        return to_address(io.signer.address)
    return io.parse_address(recipient, dst)


async def start_flow(
    io: Interop,
    kind: Any,
    value: int,
    source: ChainRef,
    target: ChainRef,
    recipient: str | None,
    data: bytes,
    force: bool,
    gas_limit: int | None,
    options: Mapping[str, Any] | None,
    *,
    allow_zero: bool = False,
) -> Flow:
    """Plan, check, journal and initiate one flow; returns its handle once the first
    transaction is mined. `force` skips the recipient refusals (never the funds check) and is
    journaled so later hops honour it too."""
    from interop.adapters.base import AdapterContext, BridgeRequest
    from interop.flows import handle_for, settle_leftovers
    from interop.journal import RecordingSigner
    from interop.routes import plan_route
    from interop.types import to_address, to_wei_int

    if io.signer is None:
        raise MissingSignerError("bridging needs an account", hint="Interop(..., account=...)")
    signer = io.signer
    # `options={"force": True}` (what adapters' refusals suggest) and `force=True` are one waiver
    force = force or bool((options or {}).get("force"))
    amount = to_wei_int(value)
    if amount == 0 and not allow_zero:
        raise InvalidAmountError("bridging 0 wei moves nothing", hint="pass a positive amount")
    src, dst = io.chain(source), io.chain(target)
    rcpt = resolve_recipient(io, recipient, dst)
    assert rcpt is not None
    if not force:
        check_not_zero_address(rcpt, "message target" if kind.value == "message" else "recipient")
    sender = to_address(signer.address)
    plan = await plan_route(
        src,
        dst,
        kind,
        chains={c.id: c for c in io.chains},
        client=io.client,
        value=amount,
        recipient=rcpt,
        data=data,
        signer=signer,
        registry=io.adapters,
        options=options,
    )
    await verify_route_chains(io, plan.steps)
    first = plan.steps[0]
    if not force:
        await check_recipient(io, src, dst, rcpt, sender, plan.steps, kind, amount)
    await check_funds(io, src, sender, amount, first)
    if first.fee is None:
        log.info("no fee estimate for %s -> %s: %s", src.name, dst.name, first.fee_error)
    opts = dict(options or {})
    if force:
        opts["force"] = True
    j = io.journal
    fid = j.create_flow(
        kind=kind.value,
        source_chain=src.id,
        target_chain=dst.id,
        value=amount,
        recipient=rcpt,
        sender=sender,
        data=data,
        options=opts,
        hops=[(s.adapter, s.direction.value, s.source.id, s.target.id) for s in plan.steps],
    )
    one_hop = len(plan.steps) == 1
    req = BridgeRequest(
        kind,
        amount,
        rcpt if one_hop else sender,
        data=data,
        gas_limit=gas_limit,
        allow_aliased_recipient=force,
        options=opts,  # with "force": adapters' own recipient refusals honour it too
    )
    adapter = io.adapter(first.adapter)
    rs = RecordingSigner(signer, j, fid, 0, "initiate")
    ctx = AdapterContext(io.client(first.source.id), io.client(first.target.id), rs)
    try:
        ref = await adapter.initiate(ctx, req)
    except BaseException as exc:
        j.note_raised(fid, exc)
        raise
    j.set_hop_ref(fid, 0, ref)
    j.set_tx_state(ref.tx_hash, "mined")
    j.add_event(fid, "initiated", ref.tx_hash)
    await settle_leftovers(io, fid, ref.tx_hash)
    return handle_for(io, j.get(fid))
