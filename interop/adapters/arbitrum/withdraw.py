"""Child -> parent: ETH withdrawals and L2->L1 messages through ArbSys and the Outbox.

Lifecycle (as @arbitrum/sdk's `ChildToParentMessageStatus`): UNCONFIRMED until an assertion
containing the send is confirmed on L1 (the rollup then calls `Outbox.updateSendRoot`),
CONFIRMED (executable) after that, EXECUTED once `Outbox.isSpent(position)`.

Confirmation is read from the Outbox itself: the newest `SendRootUpdated(root, l2BlockHash)` names
an L2 block whose `sendCount` (a Nitro block field) says how many sends the confirmed root covers;
the send at `position` is confirmed iff `position < sendCount`. That needs only the real Outbox and
the child chain's blocks, not the rollup's internals. The proof comes from
`NodeInterface.constructOutboxProof(sendCount, position)` and is checked locally against the root
the Outbox knows before anything is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from eth_abi.exceptions import DecodingError

from interop.actions.tx import send_transaction, wait_for_receipt
from interop.adapters.arbitrum import formulas as F
from interop.adapters.arbitrum.abis import (
    ARB_SYS_SEND_TX_TO_L1,
    ARB_SYS_WITHDRAW_ETH,
    NODE_INTERFACE_CONSTRUCT_OUTBOX_PROOF,
    OUTBOX_EXECUTE,
    OUTBOX_IS_SPENT,
    OUTBOX_ROOTS,
    ROLLUP_CONFIRM_PERIOD_BLOCKS,
    SEND_ROOT_UPDATED_TOPIC,
    Fn,
)
from interop.adapters.arbitrum.common import ArbContracts, call_fn
from interop.client import ChainClient
from interop.errors import (
    AlreadyDoneError,
    BridgeError,
    MessageNotFoundError,
    NotReadyError,
    RpcError,
)
from interop.rpc.models import Receipt
from interop.signer import Signer
from interop.types import Address, Hash32, to_address, to_wei_int

__all__ = [
    "ConfirmedSend",
    "OutboxProof",
    "WithdrawalState",
    "WithdrawalStatus",
    "build_send_tx_to_l1",
    "build_withdraw_eth",
    "execute",
    "latest_confirmed",
    "outbox_proof",
    "seconds_to_confirmation",
    "sends_from_receipt",
    "withdraw",
    "withdrawal_status",
]

LOG_WINDOW = 50_000
"""L1 blocks searched per `eth_getLogs` call when looking back for `SendRootUpdated`."""

# Rollup stand-in / RollupCore-style views, used only for time estimates.
_LATEST_CONFIRMED = Fn("latestConfirmed()", ("uint64",))
_LATEST_CREATED = Fn("latestNodeCreated()", ("uint64",))
_GET_ASSERTION = Fn(
    "getAssertion(uint64)",
    ("bytes32", "bytes32", "uint64", "uint64", "uint64", "uint64", "bool"),
)
_ASSERTION_DEADLINE = Fn("assertionDeadline(uint64)", ("uint64", "uint64"))
_CONFIRM_PERIOD_SECONDS = Fn("confirmPeriodSeconds()", ("uint64",))


@dataclass(frozen=True)
class L2Call:
    to: Address
    data: bytes
    value: int


def build_withdraw_eth(destination: str, value: int) -> L2Call:
    """`ArbSys.withdrawEth(destination)` with `value`: ETH claimable on L1 by `destination`."""
    return L2Call(
        F.ARB_SYS, ARB_SYS_WITHDRAW_ETH.encode(to_address(destination)), to_wei_int(value)
    )


def build_send_tx_to_l1(destination: str, data: bytes, value: int = 0) -> L2Call:
    """`ArbSys.sendTxToL1(destination, data)`: executed on L1 as a call from the Outbox's bridge,
    with `Outbox.l2ToL1Sender()` = the L2 caller."""
    return L2Call(
        F.ARB_SYS,
        ARB_SYS_SEND_TX_TO_L1.encode(to_address(destination), bytes(data)),
        to_wei_int(value),
    )


def sends_from_receipt(receipt: Receipt) -> list[F.L2ToL1Tx]:
    """Every `L2ToL1Tx` emitted by ArbSys in a child-chain receipt."""
    return [
        F.decode_l2_to_l1_tx(log)
        for log in receipt.logs
        if log.address == F.ARB_SYS and log.topics and log.topics[0] == F.L2_TO_L1_TX_TOPIC
    ]


async def withdraw(
    l2: ChainClient, signer: Signer, call: L2Call, *, timeout: float = 60.0
) -> tuple[Receipt, F.L2ToL1Tx]:
    """Send the ArbSys call and return the receipt and its `L2ToL1Tx`."""
    tx_hash = await send_transaction(l2, signer, to=call.to, value=call.value, data=call.data)
    rcpt = await wait_for_receipt(l2, tx_hash, timeout=timeout)
    sends = sends_from_receipt(rcpt)
    if not sends:
        raise MessageNotFoundError(f"L2 tx {tx_hash} emitted no L2ToL1Tx")
    return rcpt, sends[0]


@dataclass(frozen=True)
class ConfirmedSend:
    """The newest root the Outbox accepts, and how many sends it covers."""

    root: Hash32
    l2_block_hash: Hash32
    l2_block_number: int
    send_count: int


async def latest_confirmed(
    l1: ChainClient, l2: ChainClient, contracts: ArbContracts
) -> ConfirmedSend | None:
    """The newest `SendRootUpdated` on the Outbox, resolved to its L2 block's `sendCount`."""
    head = await l1.block_number()
    hi = head
    while hi >= 0:
        lo = max(0, hi - LOG_WINDOW + 1)
        logs = await l1.get_logs(
            address=contracts.outbox,
            topics=[SEND_ROOT_UPDATED_TOPIC],
            from_block=lo,
            to_block=hi,
        )
        if logs:
            log = logs[-1]
            root, block_hash = log.topics[1], log.topics[2]
            block = await l2.get_block_by_hash(block_hash)
            if block is None or "sendCount" not in block:
                raise BridgeError(
                    f"{l2.chain.name} does not know block {block_hash} or its sendCount",
                    hint="the child RPC must be an Arbitrum node (blocks carry sendCount)",
                )
            return ConfirmedSend(
                root=root,
                l2_block_hash=block_hash,
                l2_block_number=int(block["number"], 16),
                send_count=int(block["sendCount"], 16),
            )
        if lo == 0:
            return None
        hi = lo - 1
    return None


class WithdrawalStatus(StrEnum):
    """@arbitrum/sdk's ChildToParentMessageStatus names."""

    UNCONFIRMED = "UNCONFIRMED"
    CONFIRMED = "CONFIRMED"
    EXECUTED = "EXECUTED"


@dataclass(frozen=True)
class WithdrawalState:
    status: WithdrawalStatus
    confirmed: ConfirmedSend | None = None


async def is_spent(l1: ChainClient, contracts: ArbContracts, position: int) -> bool:
    (spent,) = await call_fn(l1, contracts.outbox, OUTBOX_IS_SPENT, position)
    return bool(spent)


async def withdrawal_status(
    l1: ChainClient, l2: ChainClient, contracts: ArbContracts, send: F.L2ToL1Tx
) -> WithdrawalState:
    if await is_spent(l1, contracts, send.position):
        return WithdrawalState(WithdrawalStatus.EXECUTED)
    conf = await latest_confirmed(l1, l2, contracts)
    if conf is not None and send.position < conf.send_count:
        return WithdrawalState(WithdrawalStatus.CONFIRMED, conf)
    return WithdrawalState(WithdrawalStatus.UNCONFIRMED, conf)


@dataclass(frozen=True)
class OutboxProof:
    root: bytes
    proof: list[bytes]
    send_count: int


async def outbox_proof(
    l1: ChainClient, l2: ChainClient, contracts: ArbContracts, send: F.L2ToL1Tx
) -> OutboxProof:
    """Proof of `send` against the newest confirmed root, checked locally before use."""
    conf = await latest_confirmed(l1, l2, contracts)
    if conf is None or send.position >= conf.send_count:
        raise NotReadyError(
            f"send {send.position} is not covered by a confirmed assertion yet",
            hint="wait for the rollup's confirmation period (see time_to_next_step)",
        )
    item, root, proof = await call_fn(
        l2,
        F.NODE_INTERFACE,
        NODE_INTERFACE_CONSTRUCT_OUTBOX_PROOF,
        conf.send_count,
        send.position,
    )
    proof_b = [bytes(p) for p in proof]
    if bytes(item) != bytes.fromhex(send.hash[2:]):
        raise BridgeError(f"NodeInterface returned another send than {send.hash}")
    if bytes(root) != bytes.fromhex(conf.root[2:]):
        raise BridgeError("NodeInterface's root differs from the Outbox's confirmed root")
    expected = F.l2_to_l1_item_hash(
        send.caller,
        send.destination,
        send.arb_block_num,
        send.eth_block_num,
        send.timestamp,
        send.callvalue,
        send.data,
    )
    if expected != bytes(item) or not F.verify_outbox_proof(
        bytes(root), proof_b, send.position, expected
    ):
        raise BridgeError(f"outbox proof for send {send.position} does not verify")
    (known,) = await call_fn(l1, contracts.outbox, OUTBOX_ROOTS, bytes(root))
    if bytes(known) == b"\x00" * 32:
        raise NotReadyError(f"the Outbox does not know root 0x{bytes(root).hex()} yet")
    return OutboxProof(bytes(root), proof_b, conf.send_count)


async def execute(
    l1: ChainClient,
    l2: ChainClient,
    signer: Signer,
    contracts: ArbContracts,
    send: F.L2ToL1Tx,
    *,
    timeout: float = 60.0,
) -> Receipt:
    """`Outbox.executeTransaction(...)`: `AlreadyDoneError` if spent, `NotReadyError` if not
    confirmed yet; nothing is sent in either case."""
    if await is_spent(l1, contracts, send.position):
        raise AlreadyDoneError(f"L2->L1 send {send.position} was already executed")
    p = await outbox_proof(l1, l2, contracts, send)
    data = OUTBOX_EXECUTE.encode(
        p.proof,
        send.position,
        send.caller,
        send.destination,
        send.arb_block_num,
        send.eth_block_num,
        send.timestamp,
        send.callvalue,
        send.data,
    )
    tx_hash = await send_transaction(l1, signer, to=contracts.outbox, data=data)
    return await wait_for_receipt(l1, tx_hash, timeout=timeout)


async def _try(client: ChainClient, to: str, fn: Fn, *args: Any) -> tuple[Any, ...] | None:
    try:
        return await call_fn(client, to, fn, *args)
    except (RpcError, ValueError, DecodingError):
        return None


async def seconds_to_confirmation(
    l1: ChainClient, contracts: ArbContracts, send: F.L2ToL1Tx
) -> int | None:
    """Estimated seconds until `send` is executable; 0 if it should be now, None if unknown.

    With a rollup exposing assertions (`latestNodeCreated` / `getAssertion` /
    `assertionDeadline`, as the devnet's stand-in does) the first assertion covering the send
    gives an exact deadline. Otherwise `confirmPeriodBlocks` x L1 block time from the send's L1
    block is used, as @arbitrum/sdk estimates it.
    """
    rollup = contracts.rollup
    if rollup is None:
        return None
    latest = await l1.get_block("latest")
    now_ts, now_block = int(latest["timestamp"], 16), int(latest["number"], 16)
    block_s = max(l1.chain.block_time_ms // 1000, 1)
    created = await _try(l1, rollup, _LATEST_CREATED)
    if created is not None:
        first: int | None = None
        for n in range(int(created[0]), 0, -1):
            a = await _try(l1, rollup, _GET_ASSERTION, n)
            if a is None or int(a[2]) <= send.position:
                break
            first = n
        if first is not None:
            dl = await _try(l1, rollup, _ASSERTION_DEADLINE, first)
            if dl is not None:
                by_block = max(0, int(dl[0]) - now_block) * block_s
                return max(by_block, max(0, int(dl[1]) - now_ts))
        # not asserted yet: at least one full period from now
        secs = await _try(l1, rollup, _CONFIRM_PERIOD_SECONDS)
        blocks = await _try(l1, rollup, ROLLUP_CONFIRM_PERIOD_BLOCKS)
        if secs is not None or blocks is not None:
            return max(int(secs[0]) if secs else 0, (int(blocks[0]) if blocks else 0) * block_s)
    blocks = await _try(l1, rollup, ROLLUP_CONFIRM_PERIOD_BLOCKS)
    if blocks is None:
        return None
    elapsed = max(0, now_block - send.eth_block_num)
    return max(0, int(blocks[0]) - elapsed) * block_s
