"""The pre-send pipeline for value that crosses chains (`Interop.bridge`, `send_message`).

The checks run after the route is planned and before anything is signed, because a mistake found
after the first transaction is mined is usually unrecoverable: value credited to an address
nobody controls on the destination, a withdrawal finalized into a contract that reverts (the ETH
stays in the bridge), or a deposit that fails for want of funds after the journal already holds
it.

Every refusal has a stable code. The core's own (they hold for every route, whatever the rollup):

| code | refused when |
| --- | --- |
| `zero-recipient` | the recipient (or message target) is the zero address: value sent there is burned |
| `contract-recipient` | the recipient has code on the source and none on the destination: whoever controls it on the source may control nothing there |
| `rejects-eth` | the recipient is a contract on the destination whose code reverts a plain ETH transfer: the bridged value could not be delivered |

Each adapter adds its own (`BridgeAdapter.refusals`, documented by the adapter). The caller
waives exactly the codes it accepts (`waive={"contract-recipient"}`); the rest are raised as one
`UnsafeRecipientError` (a `RefusedError`) with `code` (the first) and `codes` (all). `force=True`
is the older blanket waiver: every code. Funds are not a refusal and are never waived
(`InsufficientFundsError`).

Options: `BridgeRequest.options` keys must be declared by the route's adapters (`option_names`)
or be the core's own (`CORE_OPTIONS`); anything else is an `InputError` naming the key, so a
misspelt option is not silently ignored.

Nothing here takes the `Interop` facade: the checks get the clients and values they need.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from interop.adapters.base import FeeEstimate, FlowKind, Refusal
from interop.errors import (
    ExecutionRevertedError,
    InputError,
    InsufficientFundsError,
    RpcResponseError,
    UnsafeRecipientError,
    redact_key_shaped,
)

if TYPE_CHECKING:
    from interop.adapters.base import BridgeAdapter
    from interop.client import ChainClient

# the facade's logger: users who filter on it keep seeing these messages
log = logging.getLogger("interop.facade")

__all__ = [
    "CONTRACT_RECIPIENT",
    "CORE_CODES",
    "CORE_OPTIONS",
    "REJECTS_ETH",
    "ZERO_RECIPIENT",
    "adapter_options",
    "check_accepts_eth",
    "check_funds",
    "check_not_zero_address",
    "check_options",
    "raise_refusals",
    "recipient_refusals",
    "redact_secrets",
    "verify_route_chains",
    "waivers_of",
    "zero_recipient",
]

ZERO_RECIPIENT = "zero-recipient"
CONTRACT_RECIPIENT = "contract-recipient"
REJECTS_ETH = "rejects-eth"
CORE_CODES = frozenset({ZERO_RECIPIENT, CONTRACT_RECIPIENT, REJECTS_ETH})

CORE_OPTIONS = frozenset({"sender", "force"})
"""Option keys the core itself reads: `sender` (who would send, for a keyless estimate) and
`force` (deprecated spelling of `force=True`; journals of releases up to 0.1.0 hold it)."""

_JOURNAL_KEYS = frozenset({"force", "waive"})
"""What the core adds to a flow's journaled options so later hops honour the caller's waivers."""


def redact_secrets(text: str) -> str:
    """`text` with every 64-hex-digit token shown as `0x1234…(redacted)`.

    Why: a private key is 64 hex digits, and people paste one by mistake where a chain name, an
    amount or a flow id was expected; an error that echoes the bad value would then print the
    key into logs and terminals. Such a token in user input cannot be told apart from a
    transaction hash, so every one is shortened where user input is echoed in an error.
    """
    return redact_key_shaped(text)


# ------------------------------------------------------------------------------ options


def check_options(options: Mapping[str, Any] | None, adapters: Iterable[BridgeAdapter]) -> None:
    """Refuse (`InputError`) an option key no adapter of the route declares and the core does
    not read, naming it and the accepted ones."""
    accepted = set(CORE_OPTIONS)
    for a in adapters:
        accepted |= set(a.option_names)
    unknown = sorted(k for k in (options or {}) if k not in accepted)
    if unknown:
        raise InputError(
            f"unknown option(s) {', '.join(repr(k) for k in unknown)} for this route",
            hint=f"accepted: {', '.join(sorted(accepted))}; nothing was signed or sent",
        )


def adapter_options(options: Mapping[str, Any] | None, adapter: BridgeAdapter) -> dict[str, Any]:
    """The options `adapter` declared, from the caller's (or a journal's) options: the core's
    own bookkeeping keys never reach an adapter, nor do another hop's adapter's keys."""
    return {
        k: v
        for k, v in (options or {}).items()
        if k in adapter.option_names and k not in _JOURNAL_KEYS
    }


def waivers_of(options: Mapping[str, Any]) -> tuple[frozenset[str], bool]:
    """`(waive, force)` as journaled with a flow's options (see `bridging.start_flow`)."""
    raw = options.get("waive") or ()
    waive = frozenset(str(c) for c in raw) if isinstance(raw, list | tuple | set) else frozenset()
    return waive, bool(options.get("force"))


# ----------------------------------------------------------------------------- refusals


def zero_recipient(address: str, what: str = "recipient") -> Refusal | None:
    """`zero-recipient`: nobody holds the zero address's key, so value sent or bridged to it
    is burned, and a typo or an unset variable is by far the likeliest way to get it."""
    if int(address, 16) != 0:
        return None
    return Refusal(
        ZERO_RECIPIENT,
        f"the {what} is the zero address {address}: value sent there is burned",
        f"pass the intended address, or waive {ZERO_RECIPIENT!r} if burning is really meant;"
        " nothing was signed or sent",
    )


def check_not_zero_address(address: str, what: str = "recipient") -> None:
    """Raise the `zero-recipient` refusal (for one-chain transfers, which have no route)."""
    r = zero_recipient(address, what)
    if r is not None:
        raise_refusals([r])


async def recipient_refusals(
    source: ChainClient, target: ChainClient, rcpt: str, kind: FlowKind, amount: int
) -> list[Refusal]:
    """`contract-recipient` and `rejects-eth` for `rcpt` on a route source -> target."""
    out: list[Refusal] = []
    code_src, code_dst = await asyncio.gather(source.get_code(rcpt), target.get_code(rcpt))
    src, dst = source.chain.name, target.chain.name
    if code_src and not code_dst:
        out.append(
            Refusal(
                CONTRACT_RECIPIENT,
                f"{rcpt} is a contract on {src} but has no code on {dst}: whoever controls it "
                "on the source may control nothing there",
                "send to an address that exists on the destination, or waive "
                f"{CONTRACT_RECIPIENT!r}",
            )
        )
    if code_dst and kind is FlowKind.ETH and amount:
        r = await check_accepts_eth(target, rcpt, amount)
        if r is not None:
            out.append(r)
    return out


async def check_accepts_eth(client: ChainClient, rcpt: str, amount: int) -> Refusal | None:
    """`rejects-eth`: a contract recipient whose code reverts a plain ETH transfer on the
    destination can never be paid by the bridge (a withdrawal finalized to it may leave the ETH
    in the bridge for good). Simulated with `eth_call` (the caller funded by a state override);
    a node that cannot simulate is not a reason to refuse."""
    probe = "0x000000000000000000000000000000000000dEaD"  # keyless stand-in for the bridge
    try:
        await client.call(
            rcpt,
            b"",
            sender=probe,
            value=amount,
            state_override={probe: {"balance": hex(amount + 10**18)}},
        )
    except ExecutionRevertedError as exc:
        return Refusal(
            REJECTS_ETH,
            f"{rcpt} is a contract on {client.chain.name} that reverts when sent ETH: the "
            f"bridged value could not be delivered ({exc.message})",
            f"send to an address that accepts ETH, or waive {REJECTS_ETH!r}",
        )
    except RpcResponseError as exc:
        log.debug("cannot simulate an ETH transfer to %s on %s: %s", rcpt, client.chain.name, exc)
    return None


def raise_refusals(refusals: Sequence[Refusal]) -> None:
    """Raise the refusals left after waivers as one `UnsafeRecipientError`: `code` is the first
    one's, `codes` all of them; the message names each, so one run tells everything to fix."""
    if not refusals:
        return
    first, rest = refusals[0], refusals[1:]
    details = "; ".join(f"[{r.code}] {r.message}" for r in rest) or None
    codes = tuple(dict.fromkeys(r.code for r in refusals))
    raise UnsafeRecipientError(
        first.message,
        code=first.code,
        codes=codes,
        details=f"also: {details}" if details else None,
        hint=(first.hint or f"waive {first.code!r} if you know better")
        + (f" (waive={{{', '.join(repr(c) for c in codes)}}} accepts all)" if rest else ""),
    )


# ------------------------------------------------------------------------- other checks


async def verify_route_chains(clients: Iterable[ChainClient]) -> None:
    """Every chain of the route answers with its configured id before anything is signed, the
    second hop's chains too (nothing else may touch them before the first hop is sent). The
    comparison itself is the transport's (`ChainClient.ensure_chain_id`)."""
    await asyncio.gather(*(c.ensure_chain_id() for c in clients))


async def check_funds(
    client: ChainClient, sender: str, amount: int, fee: FeeEstimate | None
) -> None:
    """Value plus the first transaction's fees must be on the source before the flow is
    journaled: a flow that cannot pay for its first step should leave no trace. A route with
    no fee estimate is checked on its value alone, and the message says the fees are not
    estimated (it said "fees 0": the estimate itself usually fails for lack of funds, since a
    node will not estimate a transaction whose value exceeds the balance)."""
    from interop.units import format_ether

    def format_amount(wei: int) -> str:  # tiny amounts also in wei: 0.000000000001 ETH is unread
        return f"{format_ether(wei)} ETH" + (f" ({wei} wei)" if 0 < wei < 10**9 else "")

    balance = await client.get_balance(sender)
    cost = fee.initiate_fee if fee is not None else 0
    if balance < amount + cost:
        fees = (
            f" + first-transaction fees {format_amount(cost)}"
            if fee is not None
            else "; fees not estimated, they come on top"
        )
        raise InsufficientFundsError(
            f"{sender} has {format_amount(balance)} on {client.chain.name} but the transfer "
            f"needs {format_amount(amount + cost)} (value {format_amount(amount)}{fees})",
            balance=balance,
            required=amount + cost,
            hint="nothing was signed or sent; fund the account or send less",
        )
