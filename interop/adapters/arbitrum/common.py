"""Shared plumbing for the Arbitrum actions: contract addresses from chain data, calls, sends."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from interop.abi import Fn
from interop.actions.contract import call_fn, send_call
from interop.chains.model import Chain, ContractName, Stack
from interop.client import ChainClient
from interop.errors import (
    InputError,
    UnsafeRecipientError,
    UnsupportedOperationError,
)
from interop.rpc.models import Receipt
from interop.signer import Signer
from interop.types import Address

__all__ = [
    "ArbContracts",
    "RetryableUnderfundedError",
    "call_fn",
    "check_alias_safety",
    "send_fn",
]


class RetryableUnderfundedError(InputError):
    """A retryable's submission cost, gas or value is below what the Inbox will accept (or what
    the child chain needs); refused before anything was sent. `required` / `provided` in wei."""

    def __init__(self, message: str, *, required: int, provided: int, **kw: Any) -> None:
        self.required = required
        self.provided = provided
        super().__init__(message, **kw)


@dataclass(frozen=True)
class ArbContracts:
    """The parent-side contracts of one Arbitrum chain, from `Chain.parent_contracts[l1_id]`."""

    l1_id: int
    l2_id: int
    bridge: Address
    inbox: Address
    outbox: Address
    rollup: Address | None

    @classmethod
    def of(cls, l2: Chain, l1_id: int | None = None) -> ArbContracts:
        if l2.stack is not Stack.ARBITRUM:
            raise UnsupportedOperationError(f"{l2.name} is not an Arbitrum chain")
        pid = l2.parent_id if l1_id is None else l1_id
        if pid is None:
            raise UnsupportedOperationError(f"{l2.name} has no parent chain")
        return cls(
            l1_id=pid,
            l2_id=l2.id,
            bridge=l2.parent_contract(ContractName.ARB_BRIDGE, pid),
            inbox=l2.parent_contract(ContractName.ARB_INBOX, pid),
            outbox=l2.parent_contract(ContractName.ARB_OUTBOX, pid),
            rollup=l2.parent_contracts.get(pid, {}).get(ContractName.ARB_ROLLUP),
        )


async def send_fn(
    client: ChainClient,
    signer: Signer,
    to: str,
    fn: Fn,
    *args: Any,
    value: int = 0,
    gas: int | None = None,
    timeout: float = 60.0,
) -> Receipt:
    """Send one contract call and wait for it; `TransactionFailedError` if it reverts."""
    return await send_call(
        client, signer, to, fn.encode(*args), value=value, gas=gas, timeout=timeout
    )


async def check_alias_safety(
    l1: ChainClient, sender: str, *, allow_aliased_recipient: bool, what: str
) -> bool:
    """True if `sender` has code on L1 (the Inbox then aliases it); raise unless allowed.

    The Inbox credits a contract sender's deposit (and refunds) to `sender + 0x1111...1111` on
    the child chain, an address only that contract's aliased calls control. Refuse unless the
    caller says they know (`allow_aliased_recipient=True`).
    """
    code = await l1.get_code(sender)
    if code and not allow_aliased_recipient:
        raise UnsafeRecipientError(
            f"{sender} is a contract on {l1.chain.name}: {what} would be owned by its L2 alias",
            hint="pass allow_aliased_recipient=True if the alias can use the funds, "
            "or send from an EOA",
        )
    return bool(code)
