"""Shared plumbing for the Arbitrum actions: contract addresses from chain data, calls, sends."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from interop import discovery
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
    """The parent-side contracts of one Arbitrum chain.

    `of()` reads them from `Chain.parent_contracts[l1_id]` alone. `resolve()` also asks the
    inbox, the root the chain data trusts, for its bridge, the bridge for its rollup, and the
    rollup for its outbox and sequencer inbox (`interop.discovery`); where the chain data
    disagrees it warns once and the on-chain value is used (an upgraded chain, e.g. a new BoLD
    rollup or outbox, must not break users).
    """

    l1_id: int
    l2_id: int
    bridge: Address
    inbox: Address
    outbox: Address
    rollup: Address | None
    sequencer_inbox: Address | None = None
    discovered: bool = False
    """True when bridge, rollup, outbox and sequencer inbox were checked on chain."""

    @classmethod
    def of(cls, l2: Chain, l1_id: int | None = None) -> ArbContracts:
        if l2.stack != Stack.ARBITRUM:
            raise UnsupportedOperationError(f"{l2.name} is not an Arbitrum chain")
        pid = l2.parent_id if l1_id is None else l1_id
        if pid is None:
            raise UnsupportedOperationError(f"{l2.name} has no parent chain")
        pc = l2.parent_contracts.get(pid, {})
        return cls(
            l1_id=pid,
            l2_id=l2.id,
            bridge=l2.parent_contract(ContractName.ARB_BRIDGE, pid),
            inbox=l2.parent_contract(ContractName.ARB_INBOX, pid),
            outbox=l2.parent_contract(ContractName.ARB_OUTBOX, pid),
            rollup=pc.get(ContractName.ARB_ROLLUP),
            sequencer_inbox=pc.get(ContractName.ARB_SEQUENCER_INBOX),
        )

    def with_discovery(self, found: discovery.Discovered) -> ArbContracts:
        """These contracts with what the inbox, bridge and rollup named on chain laid over."""
        onchain = found.onchain
        return dataclasses.replace(
            self,
            bridge=onchain.get(ContractName.ARB_BRIDGE, self.bridge),
            outbox=onchain.get(ContractName.ARB_OUTBOX, self.outbox),
            rollup=onchain.get(ContractName.ARB_ROLLUP, self.rollup),
            sequencer_inbox=onchain.get(ContractName.ARB_SEQUENCER_INBOX, self.sequencer_inbox),
            discovered=True,
        )

    @classmethod
    async def resolve(cls, l1: ChainClient, l2: Chain) -> ArbContracts:
        """`of(l2, l1.chain.id)` checked against (and corrected by) the contracts on `l1`.

        Read once per `l1` client (so once per `Interop` instance); transport errors propagate.
        """
        static = cls.of(l2, l1.chain.id)
        return static.with_discovery(await discovery.discover_arbitrum(l1, l2))

    @classmethod
    def known(cls, l1: ChainClient, l2: Chain) -> ArbContracts:
        """Synchronous: what `resolve` already found through this `l1` client, else `of()`."""
        static = cls.of(l2, l1.chain.id)
        found = discovery.cached(l1, l2)
        return static if found is None else static.with_discovery(found)


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
