"""Pre-send safety checks for value that crosses chains (`Interop.bridge`, `send_message`).

They run after the route is planned and before anything is signed, because a mistake found
after the first transaction is mined is usually unrecoverable: value credited to an address
nobody controls on the destination, an OP withdrawal finalized into a contract that reverts
(the ETH stays in the portal), or a deposit that fails for want of funds after the journal
already holds it. Each refusal is a typed error the caller can act on
(`UnsafeRecipientError`, overridable with `force=True`; `InsufficientFundsError`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from interop.errors import InsufficientFundsError, UnsafeRecipientError, redact_key_shaped

if TYPE_CHECKING:
    from interop.adapters.base import FlowKind
    from interop.chains.model import Chain
    from interop.facade import Interop
    from interop.routes import RouteStep

# the facade's logger: users who filter on it keep seeing these messages
log = logging.getLogger("interop.facade")

__all__ = [
    "check_accepts_eth",
    "check_funds",
    "check_not_zero_address",
    "check_recipient",
    "redact_secrets",
    "verify_route_chains",
]


def redact_secrets(text: str) -> str:
    """`text` with every 64-hex-digit token shown as `0x1234…(redacted)`.

    Why: a private key is 64 hex digits, and people paste one by mistake where a chain name, an
    amount or a flow id was expected; an error that echoes the bad value would then print the
    key into logs and terminals. Such a token in user input cannot be told apart from a
    transaction hash, so every one is shortened where user input is echoed in an error.
    """
    return redact_key_shaped(text)


def check_not_zero_address(address: str, what: str = "recipient") -> None:
    """Refuse the zero address as a recipient (`UnsafeRecipientError`; waived by `force=True`):
    nobody holds its key, so value sent or bridged to it is burned, and a typo or an unset
    variable is by far the likeliest way to get it."""
    if int(address, 16) == 0:
        raise UnsafeRecipientError(
            f"the {what} is the zero address {address}: value sent there is burned",
            hint="pass the intended address, or force=True if burning is really meant;"
            " nothing was signed or sent",
        )


async def verify_route_chains(io: Interop, steps: Sequence[RouteStep]) -> None:
    """Every chain of the route must be the one configured, checked before anything is signed:
    a misconfigured RPC would otherwise receive a transaction signed for another chain."""
    route_ids = {s.source.id for s in steps} | {s.target.id for s in steps}
    await asyncio.gather(*(io.client(cid).ensure_chain_id() for cid in route_ids))


async def check_recipient(
    io: Interop,
    src: Chain,
    dst: Chain,
    rcpt: str,
    sender: str,
    steps: Sequence[Any],
    kind: FlowKind | None = None,
    amount: int = 0,
) -> None:
    """Refuse a recipient that would not control the value on the destination: a contract on
    the source with no code on the destination, a contract that reverts plain ETH there, or a
    contract sender depositing to itself (its alias, not itself, would own the funds)."""
    from interop.adapters.base import Direction
    from interop.adapters.base import FlowKind as Kind

    code_src, code_dst, sender_code = await asyncio.gather(
        io.client(src).get_code(rcpt),
        io.client(dst).get_code(rcpt),
        io.client(src).get_code(sender),
    )
    if code_src and not code_dst:
        raise UnsafeRecipientError(
            f"{rcpt} is a contract on {src.name} but has no code on {dst.name}: whoever "
            "controls it on the source may control nothing there",
            hint="send to an address that exists on the destination, or pass force=True",
        )
    if code_dst and kind is Kind.ETH and amount:
        await check_accepts_eth(io, dst, rcpt, amount)
    deposits_from_sender = any(
        s.direction is Direction.L1_TO_L2 and s.source.id == src.id for s in steps
    )
    if sender_code and deposits_from_sender and rcpt.lower() == sender.lower():
        raise UnsafeRecipientError(
            f"the sender {sender} has code on {src.name}: its deposit would be credited to "
            "its aliased address on the L2, which only its own L1 calls control",
            hint="pass an explicit recipient, or force=True if the contract handles it",
        )


async def check_accepts_eth(io: Interop, dst: Chain, rcpt: str, amount: int) -> None:
    """Refuse a contract recipient whose code reverts a plain ETH transfer on the
    destination: an OP withdrawal to it is finalized with the ETH left in the portal (lost),
    an Arbitrum outbox execution or a Superchain relay can never succeed. Simulated with
    `eth_call` (the caller funded by a state override); a node that cannot simulate is not
    a reason to refuse."""
    from interop.errors import ExecutionRevertedError, RpcResponseError

    probe = "0x000000000000000000000000000000000000dEaD"  # keyless stand-in for the bridge
    try:
        await io.client(dst).call(
            rcpt,
            b"",
            sender=probe,
            value=amount,
            state_override={probe: {"balance": hex(amount + 10**18)}},
        )
    except ExecutionRevertedError as exc:
        raise UnsafeRecipientError(
            f"{rcpt} is a contract on {dst.name} that reverts when sent ETH: the bridged "
            "value could not be delivered (an OP withdrawal would be lost)",
            details=exc.message,
            hint="send to an address that accepts ETH, or pass force=True",
        ) from None
    except RpcResponseError as exc:
        log.debug("cannot simulate an ETH transfer to %s on %s: %s", rcpt, dst.name, exc)


async def check_funds(io: Interop, src: Chain, sender: str, amount: int, first: RouteStep) -> None:
    """Value plus the first transaction's fees must be on the source before the flow is
    journaled: a flow that cannot pay for its first step should leave no trace. A route with
    no fee estimate is checked on its value alone."""
    from interop.units import format_ether

    balance = await io.client(src).get_balance(sender)
    fee = first.fee.initiate_fee if first.fee is not None else 0
    if balance < amount + fee:
        raise InsufficientFundsError(
            f"{sender} has {format_ether(balance)} ETH on {src.name} but the transfer needs "
            f"{format_ether(amount + fee)} (value {format_ether(amount)} + fees "
            f"{format_ether(fee)})",
            balance=balance,
            required=amount + fee,
            hint="nothing was signed or sent",
        )
