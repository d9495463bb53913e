"""Deposits L1 -> L2: build / estimate / execute / L2 hash / wait.

Two paths: the portal (`depositTransaction`, the L2 tx is from the sender itself) and the
standard bridge (`L1StandardBridge.depositETHTo`, the L2 tx is the messenger's relay from the
aliased L1 messenger). In both, the L2 transaction hash is computed from the L1 receipt's
`TransactionDeposited` log (source hash + 0x7E encoding), so it is known before L2 includes it.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Literal

from interop.adapters.opstack.common import call_one, check_pair, send_fn
from interop.client import ChainClient
from interop.errors import (
    ExecutionRevertedError,
    MessageNotFoundError,
    RpcResponseError,
    RpcTimeoutError,
    UnsafeRecipientError,
)
from interop.rpc.models import Receipt
from interop.signer import Signer
from interop.spec.opstack.abis import (
    DEPOSIT_ETH_TO,
    DEPOSIT_TRANSACTION,
    MINIMUM_GAS_LIMIT,
)
from interop.spec.opstack.formulas import (
    TRANSACTION_DEPOSITED_TOPIC,
    DepositEvent,
    decode_transaction_deposited,
)
from interop.types import Address, Hash32, to_address, to_wei_int

__all__ = [
    "DepositRequest",
    "build_deposit",
    "deposit_eth",
    "estimate_deposit_gas",
    "get_deposit_events",
    "get_l2_deposit_hashes",
    "wait_for_deposit",
]

DEFAULT_BRIDGE_MIN_GAS = 200_000
"""L2 gas for the bridge's `finalizeBridgeETH` and the recipient call (the SDKs' default)."""


@dataclass(frozen=True)
class DepositRequest:
    """A ready L1 transaction: `to`, `data`, `value`, plus the L2 gas limit it asks for."""

    path: Literal["portal", "bridge"]
    to: Address
    data: bytes
    value: int
    recipient: Address
    l2_gas_limit: int


async def check_aliasing(
    l1: ChainClient, sender: str, recipient: str | None, *, allow_aliased_recipient: bool
) -> Address:
    """The recipient to use; refuse when a contract sender would fund its own aliased address.

    A contract's L1 address is aliased on L2 (+0x1111..1111), where usually nobody controls it.
    """
    snd = to_address(sender)
    rcp = snd if recipient is None else to_address(recipient)
    if rcp == snd and not allow_aliased_recipient and await l1.get_code(snd):
        raise UnsafeRecipientError(
            f"sender {snd} is a contract on L1; the funds would go to its aliased L2 address",
            hint="pass an explicit recipient, or allow_aliased_recipient=True if you control it",
        )
    return rcp


async def build_deposit(
    l1: ChainClient,
    l2: ChainClient,
    *,
    sender: str,
    value: int,
    to: str | None = None,
    path: Literal["portal", "bridge"] = "portal",
    data: bytes = b"",
    l2_gas_limit: int | None = None,
    allow_aliased_recipient: bool = False,
) -> DepositRequest:
    """Build (not send) an ETH deposit of `value` wei to `to` (default: the sender) on L2."""
    value = to_wei_int(value)
    c = check_pair(l1, l2)
    rcp = await check_aliasing(l1, sender, to, allow_aliased_recipient=allow_aliased_recipient)
    if path == "bridge":
        gas = l2_gas_limit or DEFAULT_BRIDGE_MIN_GAS
        return DepositRequest(
            "bridge", c.l1_bridge, DEPOSIT_ETH_TO.encode(rcp, gas, data), value, rcp, gas
        )
    if l2_gas_limit is None:
        minimum = int(await call_one(l1, c.portal, MINIMUM_GAS_LIMIT, len(data)))
        try:
            est = await l2.estimate_gas(
                {"from": to_address(sender), "to": rcp, "data": "0x" + data.hex()}
            )
        except (ExecutionRevertedError, RpcResponseError):
            # The L2 node answered that the call reverts as the sender (e.g. it needs the value
            # the deposit will mint first): a generous default. A timeout or an unreachable L2
            # is no answer and propagates rather than deciding a gas limit on a guess.
            est = 100_000
        l2_gas_limit = max(minimum, est * 6 // 5, 21_000)
    return DepositRequest(
        "portal",
        c.portal,
        DEPOSIT_TRANSACTION.encode(rcp, value, l2_gas_limit, False, data),
        value,
        rcp,
        l2_gas_limit,
    )


async def estimate_deposit_gas(l1: ChainClient, sender: str, req: DepositRequest) -> int:
    """L1 gas for the deposit transaction (includes the portal's resource-metering burn)."""
    return await l1.estimate_gas(
        {"from": sender, "to": req.to, "value": hex(req.value), "data": "0x" + req.data.hex()}
    )


async def deposit_eth(
    l1: ChainClient, l2: ChainClient, signer: Signer | None, req: DepositRequest
) -> Receipt:
    """Send the deposit on L1 and return its receipt (mined, succeeded)."""
    sender = signer.address if signer is not None else ""
    gas = None
    if signer is not None:
        gas = await estimate_deposit_gas(l1, sender, req)
        gas = gas * 6 // 5 + 20_000
    return await send_fn(l1, signer, req.to, req.data, value=req.value, gas=gas)


def get_deposit_events(receipt: Receipt, portal: str | None = None) -> list[DepositEvent]:
    """Every `TransactionDeposited` in an L1 receipt (optionally only from `portal`)."""
    out = []
    for log in receipt.logs:
        if (
            log.topics
            and log.topics[0] == TRANSACTION_DEPOSITED_TOPIC
            and (portal is None or log.address == to_address(portal))
        ):
            out.append(decode_transaction_deposited(log))
    return out


def get_l2_deposit_hashes(receipt: Receipt, portal: str | None = None) -> list[Hash32]:
    """L2 transaction hashes of every deposit in an L1 receipt; `MessageNotFoundError` if none."""
    events = get_deposit_events(receipt, portal)
    if not events:
        raise MessageNotFoundError(
            f"L1 transaction {receipt.transaction_hash} contains no deposit",
            hint="is this the deposit transaction on the right L1?",
        )
    return [e.l2_tx_hash for e in events]


async def wait_for_deposit(
    l2: ChainClient, l2_hash: str, *, timeout: float = 120.0, poll: float = 0.1
) -> Receipt:
    """Poll L2 until the deposit transaction has a receipt (success or not: deposits are
    included even when their execution reverts, and then only `mint` is credited)."""
    deadline = time.monotonic() + timeout
    while True:
        r = await l2.get_receipt(l2_hash)
        if r is not None:
            return r
        if time.monotonic() > deadline:
            raise RpcTimeoutError(
                f"deposit {l2_hash} not included on {l2.chain.name} within {timeout}s",
                hint="the sequencer includes deposits after the L1 block is seen; retry later",
            )
        await asyncio.sleep(poll)
