"""Child -> parent: ETH withdrawals and L2->L1 messages through ArbSys and the Outbox.

Lifecycle (as @arbitrum/sdk's `ChildToParentMessageStatus`): UNCONFIRMED until an assertion
containing the send is confirmed on L1 (the rollup then calls `Outbox.updateSendRoot`),
CONFIRMED (executable) after that, EXECUTED once `Outbox.isSpent(position)`.

Confirmation is read from the BoLD rollup, as @arbitrum/sdk reads it: `latestConfirmed()` is an
assertion hash, `getAssertion(hash).createdAtBlock` is the one L1 block holding its
`AssertionCreated`, whose after-state names the L2 block (and send root) it confirmed; that
block's `sendCount` (a Nitro block field) says how many sends are confirmed: the send at
`position` is confirmed iff `position < sendCount`. A rollup that is not BoLD (pre-BoLD Orbit
chains) is read through the Outbox instead: its newest `SendRootUpdated(root, l2BlockHash)`. The
proof comes from `NodeInterface.constructOutboxProof(sendCount, position)` and is checked locally
against the root the Outbox knows before anything is sent.

Time to confirmation (BoLD): the first assertion whose L2 block covers the send, created at L1
block `b`, is confirmable at `b + confirmPeriodBlocks`. Pre-BoLD: `confirmPeriodBlocks` from the
send's L1 block (an estimate, as the SDK's for classic rollups).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.exceptions import DecodingError

from interop.abi import event_topic
from interop.actions.tx import estimate_gas_limit, send_transaction, wait_for_receipt
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
from interop.spec.arbitrum import formulas as F
from interop.spec.arbitrum.abis import (
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
from interop.types import Address, Hash32, to_address, to_wei_int

__all__ = [
    "ASSERTION_CONFIRMED_TOPIC",
    "ASSERTION_CREATED_TOPIC",
    "AssertionInfo",
    "ConfirmedSend",
    "OutboxProof",
    "WithdrawalState",
    "WithdrawalStatus",
    "bold_assertion",
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

# BoLD rollup (RollupUserLogic of nitro-contracts 3.x, as on Arbitrum One, Nova and Sepolia)
_ASSERTION_STATE = "((bytes32[2],uint64[2]),uint8,bytes32)"
_ASSERTION_INPUTS = (
    "((bytes32,bytes32,(bytes32,uint256,address,uint64,uint64)),"
    + _ASSERTION_STATE
    + ","
    + _ASSERTION_STATE
    + ")"
)
BOLD_GENESIS = Fn("genesisAssertionHash()", ("bytes32",))
BOLD_LATEST_CONFIRMED = Fn("latestConfirmed()", ("bytes32",))
BOLD_GET_ASSERTION = Fn("getAssertion(bytes32)", ("(uint64,uint64,uint64,bool,uint8,bytes32)",))
ASSERTION_CREATED_TOPIC = event_topic(
    "AssertionCreated(bytes32,bytes32,"
    + _ASSERTION_INPUTS
    + ",bytes32,uint256,bytes32,uint256,address,uint64)"
)
ASSERTION_CONFIRMED_TOPIC = event_topic("AssertionConfirmed(bytes32,bytes32,bytes32)")
_CONFIRMED = 2  # AssertionStatus.Confirmed


SEND_GAS_HEADROOM = 100_000
"""Gas above the estimate for an ArbSys send. Appending to the send Merkle accumulator costs one
storage update per level it merges, and how many it merges depends on how many sends came
first (a send at a power-of-two boundary merges ~log2(sends) levels more). A transaction signed
now may be broadcast later, when it is resumed after a crash (it is journaled before broadcast
and never re-signed), so it must cover a later position; a CI run saw such a resumed send run
out of gas and emit no `L2ToL1Tx`. Unused gas is not paid for."""


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
    gas = await estimate_gas_limit(l2, signer.address, to=call.to, value=call.value, data=call.data)
    tx_hash = await send_transaction(
        l2, signer, to=call.to, value=call.value, data=call.data, gas=gas + SEND_GAS_HEADROOM
    )
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


@dataclass(frozen=True)
class AssertionInfo:
    """A BoLD assertion as its `AssertionCreated` describes it (what the SDK reads)."""

    hash: Hash32
    created_at_block: int
    l2_block_hash: Hash32
    send_root: Hash32
    status: int


async def bold_assertion(l1: ChainClient, rollup: str, h: bytes) -> AssertionInfo | None:
    """`getAssertion(h)` plus its `AssertionCreated` (searched in the one block it names); None
    if the rollup is not BoLD or does not know `h`."""
    node = await _try(l1, rollup, BOLD_GET_ASSERTION, h)
    if node is None or int(node[0][4]) == 0:
        return None
    block = int(node[0][2])
    hx = Hash32("0x" + bytes(h).hex())
    logs = await l1.get_logs(
        address=rollup, topics=[ASSERTION_CREATED_TOPIC, hx], from_block=block, to_block=block
    )
    if not logs:
        return None
    return _assertion_from_log(logs[0], int(node[0][4]))


def _assertion_from_log(log: Any, status: int) -> AssertionInfo:
    (inputs, *_rest) = abi_decode(
        [_ASSERTION_INPUTS, "bytes32", "uint256", "bytes32", "uint256", "address", "uint64"],
        bytes(log.data),
    )
    vals = inputs[2][0][0]
    return AssertionInfo(
        hash=log.topics[1],
        created_at_block=log.block_number,
        l2_block_hash=Hash32("0x" + bytes(vals[0]).hex()),
        send_root=Hash32("0x" + bytes(vals[1]).hex()),
        status=status,
    )


async def _send_count(l2: ChainClient, block_hash: str) -> tuple[int, int]:
    """(number, sendCount) of a child-chain block."""
    block = await l2.get_block_by_hash(block_hash)
    if block is None or "sendCount" not in block:
        raise BridgeError(
            f"{l2.chain.name} does not know block {block_hash} or its sendCount",
            hint="the child RPC must be an Arbitrum node (blocks carry sendCount)",
        )
    return int(block["number"], 16), int(block["sendCount"], 16)


async def latest_confirmed(
    l1: ChainClient, l2: ChainClient, contracts: ArbContracts
) -> ConfirmedSend | None:
    """The newest confirmed send root and how many sends it covers: from the BoLD rollup's
    `latestConfirmed()` assertion, else (pre-BoLD) the Outbox's newest `SendRootUpdated`."""
    if contracts.rollup is not None:
        latest = await _try(l1, contracts.rollup, BOLD_LATEST_CONFIRMED)
        if latest is not None:
            a = await bold_assertion(l1, contracts.rollup, bytes(latest[0]))
            if a is not None:
                number, count = await _send_count(l2, a.l2_block_hash)
                return ConfirmedSend(a.send_root, a.l2_block_hash, number, count)
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
    l1: ChainClient,
    contracts: ArbContracts,
    send: F.L2ToL1Tx,
    *,
    l2: ChainClient | None = None,
) -> int | None:
    """Estimated seconds until `send` is executable; 0 once it is, None if unknown.

    BoLD with `l2`: the first assertion covering the send (scanning `AssertionCreated` from the
    send's L1 block) is confirmable `confirmPeriodBlocks` L1 blocks after its creation. While
    the send is not confirmed the answer is never 0: a passed deadline means the validator's
    `confirmAssertion` is due, so one L1 block is the next useful wait (a 0 here made callers
    spin or report a ready step while the Outbox still refused it). No assertion yet: a full
    period from now. Pre-BoLD rollups (or no `l2`): `confirmPeriodBlocks` x L1 block time from
    the send's L1 block, as @arbitrum/sdk estimates.
    """
    rollup = contracts.rollup
    if rollup is None:
        return None
    blocks = await _try(l1, rollup, ROLLUP_CONFIRM_PERIOD_BLOCKS)
    if blocks is None:
        return None
    period = int(blocks[0])
    now_block = await l1.block_number()
    block_s = max(l1.chain.block_time_ms // 1000, 1)
    is_bold = await _try(l1, rollup, BOLD_GENESIS) is not None
    if is_bold and l2 is not None:
        covering = await _first_covering_assertion(l1, l2, rollup, send, now_block)
        if covering is None:
            return max(period, 1) * block_s
        if covering.status == _CONFIRMED:
            return 0
        return max(covering.created_at_block + period - now_block, 1) * block_s
    elapsed = max(0, now_block - send.eth_block_num)
    return max(period - elapsed, 1) * block_s


async def _first_covering_assertion(
    l1: ChainClient, l2: ChainClient, rollup: str, send: F.L2ToL1Tx, head: int
) -> AssertionInfo | None:
    """The first assertion created at or after the send's L1 block whose L2 block's sendCount
    exceeds the send's position."""
    lo = max(0, send.eth_block_num)
    while lo <= head:
        hi = min(head, lo + LOG_WINDOW - 1)
        logs = await l1.get_logs(
            address=rollup, topics=[ASSERTION_CREATED_TOPIC], from_block=lo, to_block=hi
        )
        for log in logs:
            a = _assertion_from_log(log, 0)
            _number, count = await _send_count(l2, a.l2_block_hash)
            if count > send.position:
                node = await call_fn(l1, rollup, BOLD_GET_ASSERTION, bytes.fromhex(a.hash[2:]))
                return AssertionInfo(
                    a.hash, a.created_at_block, a.l2_block_hash, a.send_root, int(node[0][4])
                )
        lo = hi + 1
    return None
