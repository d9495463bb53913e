"""Starting a cross-chain flow: from a request to a journaled, initiated `Flow` handle.

`Interop.bridge` and `Interop.send_message` are thin wrappers over `start_flow`, which keeps the
one order that makes a flow safe to resume: plan the route, verify every chain id, run the
pre-send pipeline (`interop.safety`: the options, the core's refusals and every hop's adapter
refusals, minus what the caller waived; the funds), journal the flow, and only then sign the
first transaction through a `RecordingSigner`, so a crash at any point leaves either nothing or
a journaled flow with its signed transaction.

When the first transaction's call raises, the journal and the error are made to agree
(`Journal.note_raised`, the rule is in `interop.journal`): nothing signed -> the flow is
`abandoned` and `resume()` never sends it; something signed -> the error carries the hash, the
flow id and `may_have_executed=True`, and `resume()` only settles those exact bytes.

It takes what it needs (the flow host: signer, journal, clients, adapters; the configured chains;
the adapter registry), never the facade.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any

from interop.adapters.base import AdapterContext, BridgeRequest, FlowKind, Refusal
from interop.errors import InputError, InvalidAmountError, MissingSignerError
from interop.flows import Flow, FlowHost, handle_for, settle_leftovers
from interop.journal import RecordingSigner
from interop.routes import AdapterRegistry, plan_route
from interop.safety import (
    adapter_options,
    check_funds,
    check_options,
    raise_refusals,
    recipient_refusals,
    verify_route_chains,
    zero_recipient,
)
from interop.types import to_address, to_wei_int

if TYPE_CHECKING:
    from interop.chains.model import Chain
    from interop.types import Address

# the facade's logger: users who filter on it keep seeing these messages
log = logging.getLogger("interop.facade")

__all__ = ["calldata_bytes", "start_flow"]


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


async def start_flow(
    host: FlowHost,
    registry: AdapterRegistry,
    chains: Mapping[int, Chain],
    kind: FlowKind,
    value: int,
    src: Chain,
    dst: Chain,
    rcpt: Address,
    data: bytes,
    *,
    waive: Collection[str] = (),
    force: bool = False,
    gas_limit: int | None = None,
    options: Mapping[str, Any] | None = None,
    allow_zero: bool = False,
) -> Flow:
    """Plan, check, journal and initiate one flow; returns its handle once the first
    transaction is mined.

    `waive`: refusal codes the caller accepts; `force`: every code (deprecated blanket waiver;
    `options={"force": True}` is the same). Never the funds check. Both are journaled with the
    flow, so later hops honour them too, and the adapter gets them as `BridgeRequest.waive`.
    """
    if host.signer is None:
        raise MissingSignerError("bridging needs an account", hint="Interop(..., account=...)")
    signer = host.signer
    if isinstance(waive, str):
        raise InputError("waive must be a collection of codes, e.g. {'contract-recipient'}")
    waived = frozenset(waive)
    force = force or bool((options or {}).get("force"))
    amount = to_wei_int(value)
    if amount == 0 and not allow_zero:
        raise InvalidAmountError("bridging 0 wei moves nothing", hint="pass a positive amount")
    sender = to_address(signer.address)
    what = "message target" if kind is FlowKind.MESSAGE else "recipient"
    # the zero address first: nothing about it needs the network
    zero = zero_recipient(rcpt, what)
    if zero is not None and not force and zero.code not in waived:
        raise_refusals([zero])
    plan = await plan_route(
        src,
        dst,
        kind,
        chains=chains,
        client=host.client,
        value=amount,
        recipient=rcpt,
        data=data,
        signer=signer,
        registry=registry,
        options=options,
    )
    adapters = [registry.get(s.adapter) for s in plan.steps]
    check_options(options, adapters)
    clients = {cid: host.client(cid) for s in plan.steps for cid in (s.source.id, s.target.id)}
    await verify_route_chains(clients.values())

    # every refusal of the route, core first, then each hop's adapter; one code once
    found: list[Refusal] = [] if zero is None else [zero]
    found += await recipient_refusals(clients[src.id], clients[dst.id], rcpt, kind, amount)
    requests: list[BridgeRequest] = []
    for i, (step, adapter) in enumerate(zip(plan.steps, adapters, strict=True)):
        last = i == len(plan.steps) - 1
        req = BridgeRequest(
            kind if last else FlowKind.ETH,
            amount,
            rcpt if last else sender,
            data=data if last else b"",
            gas_limit=gas_limit if i == 0 else None,
            allow_aliased_recipient=force,
            options=adapter_options(options, adapter),
            waive=waived,
        )
        ctx = AdapterContext(clients[step.source.id], clients[step.target.id], signer)
        found += await adapter.refusals(ctx, req)
        requests.append(req)
    by_code = {r.code: r for r in reversed(found)}  # first of each code wins
    unique = [by_code[c] for c in dict.fromkeys(r.code for r in found)]
    if not force:
        raise_refusals([r for r in unique if r.code not in waived])
    accepted = waived | {r.code for r in unique}  # what the caller waived and was found

    first = plan.steps[0]
    await check_funds(clients[src.id], sender, amount, first.fee)
    if first.fee is None:
        log.info("no fee estimate for %s -> %s: %s", src.name, dst.name, first.fee_error)
    opts = {k: v for k, v in (options or {}).items() if k != "force"}
    if force:
        opts["force"] = True
    if waived:
        opts["waive"] = sorted(waived)
    j = host.journal
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
    req = requests[0]
    req = BridgeRequest(
        req.kind,
        req.value,
        req.recipient,
        data=req.data,
        gas_limit=req.gas_limit,
        allow_aliased_recipient=force,
        options=req.options,
        waive=accepted if force else waived,
    )
    rs = RecordingSigner(signer, j, fid, 0, "initiate")
    ctx = AdapterContext(clients[first.source.id], clients[first.target.id], rs)
    try:
        ref = await adapters[0].initiate(ctx, req)
    except BaseException as exc:
        j.note_raised(fid, exc)
        raise
    j.set_hop_ref(fid, 0, ref)
    j.set_tx_state(ref.tx_hash, "mined")
    j.add_event(fid, "initiated", ref.tx_hash)
    await settle_leftovers(host, fid, ref.tx_hash)
    return handle_for(host, j.get(fid))
