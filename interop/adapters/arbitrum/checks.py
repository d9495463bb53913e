"""The Arbitrum adapter's pre-send refusals, each with a stable code a caller can waive.

Why these: the Inbox *aliases* every parent-chain address that has code (it credits
`address + 0x1111000000000000000000000000000000001111` on the child chain instead), and only
aliased calls from that very contract control the alias. So value that the caller expects at
its own address, or refunds it expects back, may be owned by an address nobody else can move
funds from. Checked once, before anything is signed (`ArbitrumAdapter.refusals`); `initiate`
does not repeat them.

| code | route | refused when |
| --- | --- | --- |
| `aliased-recipient` | parent -> child ETH to oneself | the sender has code on the parent chain (`Inbox.depositEth` credits its alias) |
| `aliased-refund` | parent -> child retryable (a message, or ETH to another address) | a refund address (fee refund or call-value refund, the sender unless given) has code on the parent chain: its refunds, and the call value if the ticket expires, go to its alias |
| `contract-recipient` | either direction, ETH (not to oneself by `depositEth`) | the recipient has code on the source chain and none on the target: whoever controls it on the source may control nothing there |

Legacy waivers still honoured: `allow_aliased_recipient=True` waives the two alias codes,
`options["force"]` (what releases up to 0.1.0 journaled for `force=True`) waives all three.
"""

from __future__ import annotations

import asyncio

from interop.adapters.base import BridgeRequest, Direction, FlowKind, Refusal
from interop.client import ChainClient
from interop.types import to_address

__all__ = [
    "ALIASED_RECIPIENT",
    "ALIASED_REFUND",
    "CODES",
    "CONTRACT_RECIPIENT",
    "refusals",
    "uses_retryable",
]

ALIASED_RECIPIENT = "aliased-recipient"
ALIASED_REFUND = "aliased-refund"
CONTRACT_RECIPIENT = "contract-recipient"
CODES = frozenset({ALIASED_RECIPIENT, ALIASED_REFUND, CONTRACT_RECIPIENT})
_ALIAS_CODES = frozenset({ALIASED_RECIPIENT, ALIASED_REFUND})


def uses_retryable(request: BridgeRequest, sender: str) -> bool:
    """A parent -> child flow goes through a retryable ticket unless it is ETH to the sender
    itself (`Inbox.depositEth` has no recipient argument)."""
    return request.kind is FlowKind.MESSAGE or to_address(request.recipient) != to_address(sender)


def waived(request: BridgeRequest) -> frozenset[str]:
    """The codes `request` waives: `waive`, plus the legacy flags (see the module doc)."""
    out = set(request.waive)
    if request.allow_aliased_recipient:
        out |= _ALIAS_CODES
    if request.options.get("force"):
        out |= CODES
    return frozenset(out)


async def refusals(
    direction: Direction,
    source: ChainClient,
    target: ChainClient,
    sender: str,
    request: BridgeRequest,
) -> tuple[Refusal, ...]:
    """Every refusal for `request` sent by `sender` over source -> target, minus the waived.

    Only `eth_getCode` reads; a transport failure propagates (a refusal that could not be
    checked is not a pass)."""
    skip = waived(request)
    out: list[Refusal] = []
    src, dst = source.chain.name, target.chain.name
    rcpt = to_address(request.recipient)
    # ETH to oneself through depositEth lands at the alias: `aliased-recipient` says it better
    to_self = direction is Direction.L1_TO_L2 and not uses_retryable(request, sender)
    if request.kind is FlowKind.ETH and not to_self and CONTRACT_RECIPIENT not in skip:
        code_src, code_dst = await asyncio.gather(source.get_code(rcpt), target.get_code(rcpt))
        if code_src and not code_dst:
            out.append(
                Refusal(
                    CONTRACT_RECIPIENT,
                    f"{rcpt} is a contract on {src} but has no code on {dst}: whoever controls "
                    f"it on {src} may control nothing on {dst}",
                    hint="send to an address that exists on the destination, or "
                    f"waive={{'{CONTRACT_RECIPIENT}'}}",
                )
            )
    if direction is not Direction.L1_TO_L2:
        return tuple(out)
    if to_self:
        if ALIASED_RECIPIENT not in skip and await source.get_code(sender):
            out.append(
                Refusal(
                    ALIASED_RECIPIENT,
                    f"the sender {sender} has code on {src}: Inbox.depositEth credits the "
                    f"deposit to its alias on {dst}, which only this contract's own calls "
                    "through the Inbox control",
                    hint="pass another recipient (the deposit then goes through a retryable), "
                    f"send from an EOA, or waive={{'{ALIASED_RECIPIENT}'}}",
                )
            )
        return tuple(out)
    if ALIASED_REFUND in skip:
        return tuple(out)
    o = request.options
    refund_to = {
        to_address(str(o.get("excess_fee_refund_address") or sender)),
        to_address(str(o.get("call_value_refund_address") or sender)),
    }
    for who in sorted(refund_to):
        if await source.get_code(who):
            out.append(
                Refusal(
                    ALIASED_REFUND,
                    f"{who} has code on {src}: the Inbox aliases it, so the retryable's refunds "
                    f"(and its call value, should the ticket expire) go to its alias on {dst}",
                    hint="pass excess_fee_refund_address / call_value_refund_address options "
                    f"that you control on {dst}, or waive={{'{ALIASED_REFUND}'}}",
                )
            )
    return tuple(out)
