"""Parent -> child: ETH deposits (`Inbox.depositEth`) and finding the messages an L1 tx created.

Why no child-chain lookup to find the L2 tx: on Arbitrum the L2 transaction of a deposit is
deterministic. Its hash is computed from the L1 receipt's `MessageDelivered` +
`InboxMessageDelivered` pair (see `formulas`), exactly as @arbitrum/sdk's
`ParentTransactionReceipt.getEthDeposits` / `getParentToChildMessages` do, so we know what to wait
for before the sequencer has even seen the message.

Build / estimate / execute / wait are plain functions; `ArbitrumAdapter` wraps them.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from interop.actions.tx import send_transaction, wait_for_receipt
from interop.adapters.arbitrum.common import ArbContracts, check_alias_safety
from interop.client import ChainClient
from interop.errors import MessageNotFoundError, ReceiptTimeoutError
from interop.rpc.models import Receipt
from interop.signer import Signer
from interop.spec.arbitrum import formulas as F
from interop.spec.arbitrum.abis import INBOX_DEPOSIT_ETH
from interop.types import Address, Hash32, to_hash32, to_wei_int

__all__ = [
    "DepositTx",
    "ParentToChildMessage",
    "build_deposit_eth",
    "deposit_eth",
    "estimate_deposit_eth_gas",
    "messages_from_receipt",
    "wait_for_child_tx",
]


@dataclass(frozen=True)
class DepositTx:
    """An unsigned parent-chain call: where, what, how much."""

    to: Address
    data: bytes
    value: int


@dataclass(frozen=True)
class ParentToChildMessage:
    """One delayed-inbox message created by a parent-chain tx, with its child-chain tx hash.

    `child_tx_hash` is the deposit tx id (kind 12) or the retryable creation id (kind 9).
    """

    kind: int
    message_number: int
    sender: Address
    """The L2 `from`: the L1 sender, aliased by the Inbox."""
    base_fee_l1: int
    child_tx_hash: Hash32
    eth_deposit: F.EthDepositData | None = None
    retryable: F.RetryableMessageData | None = None


def build_deposit_eth(contracts: ArbContracts, value: int) -> DepositTx:
    """`Inbox.depositEth()` with `value`: credits msg.sender (aliased if a contract) on L2."""
    return DepositTx(contracts.inbox, INBOX_DEPOSIT_ETH.encode(), to_wei_int(value))


async def estimate_deposit_eth_gas(l1: ChainClient, sender: str, tx: DepositTx) -> int:
    return await l1.estimate_gas(
        {"from": sender, "to": tx.to, "value": hex(tx.value), "data": "0x" + tx.data.hex()}
    )


def messages_from_receipt(
    receipt: Receipt, contracts: ArbContracts, child_chain_id: int
) -> list[ParentToChildMessage]:
    """Every ETH-deposit and retryable message in a parent-chain receipt, in log order.

    Only logs emitted by this chain's Bridge and Inbox (from chain data) count, so a look-alike
    event from another contract cannot forge a message.
    """
    delivered: list[F.MessageDelivered] = []
    data_by_num: dict[int, bytes] = {}
    for log in receipt.logs:
        if not log.topics:
            continue
        if log.address == contracts.bridge and log.topics[0] == F.MESSAGE_DELIVERED_TOPIC:
            md = F.decode_message_delivered(log)
            if md.inbox == contracts.inbox:
                delivered.append(md)
        elif log.address == contracts.inbox and log.topics[0] == F.INBOX_MESSAGE_DELIVERED_TOPIC:
            imd = F.decode_inbox_message_delivered(log)
            data_by_num[imd.message_num] = imd.data
    out: list[ParentToChildMessage] = []
    for md in delivered:
        data = data_by_num.get(md.message_index)
        if data is None:
            continue
        if md.kind == F.L1_MESSAGE_TYPE_ETH_DEPOSIT:
            dep = F.parse_eth_deposit_data(data)
            txid = F.eth_deposit_tx_id(
                child_chain_id, md.message_index, md.sender, dep.to, dep.value
            )
            out.append(
                ParentToChildMessage(
                    kind=md.kind,
                    message_number=md.message_index,
                    sender=md.sender,
                    base_fee_l1=md.base_fee_l1,
                    child_tx_hash=to_hash32(txid),
                    eth_deposit=dep,
                )
            )
        elif md.kind == F.L1_MESSAGE_TYPE_SUBMIT_RETRYABLE:
            r = F.parse_retryable_message_data(data)
            cid = r.creation_id(child_chain_id, md.sender, md.message_index, md.base_fee_l1)
            out.append(
                ParentToChildMessage(
                    kind=md.kind,
                    message_number=md.message_index,
                    sender=md.sender,
                    base_fee_l1=md.base_fee_l1,
                    child_tx_hash=to_hash32(cid),
                    retryable=r,
                )
            )
    return out


def _only(msgs: list[ParentToChildMessage], kind: int, tx: str) -> ParentToChildMessage:
    found = [m for m in msgs if m.kind == kind]
    if not found:
        raise MessageNotFoundError(f"parent tx {tx} delivered no inbox message of kind {kind}")
    return found[0]


async def deposit_eth(
    l1: ChainClient,
    signer: Signer,
    contracts: ArbContracts,
    value: int,
    *,
    allow_aliased_recipient: bool = False,
    timeout: float = 60.0,
) -> tuple[Receipt, ParentToChildMessage]:
    """Send `Inbox.depositEth` and return the L1 receipt and the deposit (with its L2 tx hash).

    The funds go to the sender's own address on L2 (the Inbox has no recipient argument); for
    another recipient use a retryable (`retryable.create_retryable` with `l2_call_value`).
    """
    await check_alias_safety(
        l1, signer.address, allow_aliased_recipient=allow_aliased_recipient, what="the deposit"
    )
    tx = build_deposit_eth(contracts, value)
    tx_hash = await send_transaction(l1, signer, to=tx.to, value=tx.value, data=tx.data)
    rcpt = await wait_for_receipt(l1, tx_hash, timeout=timeout)
    msg = _only(messages_from_receipt(rcpt, contracts, contracts.l2_id), 12, tx_hash)
    return rcpt, msg


async def wait_for_child_tx(
    l2: ChainClient, child_tx_hash: str, *, timeout: float = 60.0, poll: float = 0.1
) -> Receipt:
    """Wait until the child chain has a receipt for `child_tx_hash` (the sequencer included the
    message). Unlike `wait_for_receipt` it does not raise on status 0: a failed retryable
    creation is a status, not an exception."""
    deadline = time.monotonic() + timeout
    while True:
        rcpt = await l2.get_receipt(child_tx_hash)
        if rcpt is not None:
            return rcpt
        if time.monotonic() > deadline:
            raise ReceiptTimeoutError(
                f"no receipt for {child_tx_hash} on {l2.chain.name} within {timeout}s",
                tx_hash=child_tx_hash,
                hint="the sequencer may be behind; the message stays in the delayed inbox",
            )
        await asyncio.sleep(poll)
