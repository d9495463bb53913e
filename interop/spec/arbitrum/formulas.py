"""Arbitrum (Nitro) hashes, event layouts and the outbox merkle tree, as pure functions.

Why a module of pure functions: the adapter, the devnet's RPC shim and its relayer must agree to
the byte on every id they compute (an L2 deposit's tx hash, a retryable's creation id, a send's
position in the outbox tree). They all import these, and the unit tests pin them to values that
Arbitrum itself published (mainnet receipts in @arbitrum/sdk's test suite).

Encodings (as Nitro's go-ethereum `arb_types.go` and @arbitrum/sdk do it):

- `num(x)` is the minimal big-endian byte string of `x` (0 -> b''), the message number is always
  left-padded to 32 bytes (it is the L1 request id).
- deposit tx (type 0x64): `keccak(0x64 || rlp([num(chainId), msgNum32, from, to, num(value)]))`.
- submit-retryable tx (type 0x69): `keccak(0x69 || rlp([num(chainId), msgNum32, from,
  num(l1BaseFee), num(deposit), num(maxFeePerGas), num(gasLimit), dest or b'', num(l2CallValue),
  callValueRefund, num(maxSubmissionFee), excessFeeRefund, data]))`.
- `from` is the sender as the Bridge's `MessageDelivered` event carries it: already aliased.
- L2->L1 send: item = keccak(abi.encodePacked(caller, dest, l2Block, l1Block, timestamp, value,
  data)); the outbox tree's leaf is keccak(item); missing subtrees are bytes32(0).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import rlp
from eth_abi.abi import decode as abi_decode
from eth_utils.crypto import keccak

from interop.errors import MessageNotFoundError
from interop.types import Address, Hash32, to_hash32
from interop.types import to_address as checksum

__all__ = [
    "ARB_RETRYABLE_TX",
    "ARB_SYS",
    "INBOX_MESSAGE_DELIVERED_TOPIC",
    "L1_MESSAGE_TYPE_ETH_DEPOSIT",
    "L1_MESSAGE_TYPE_SUBMIT_RETRYABLE",
    "L2_TO_L1_TX_TOPIC",
    "MESSAGE_DELIVERED_TOPIC",
    "NODE_INTERFACE",
    "OUTBOX_TX_EXECUTED_TOPIC",
    "REDEEM_SCHEDULED_TOPIC",
    "SEND_MERKLE_UPDATE_TOPIC",
    "TICKET_CREATED_TOPIC",
    "EthDepositData",
    "InboxMessageDelivered",
    "L2ToL1Tx",
    "LogLike",
    "MessageDelivered",
    "RedeemScheduled",
    "RetryableMessageData",
    "calculate_merkle_root",
    "decode_inbox_message_delivered",
    "decode_l2_to_l1_tx",
    "decode_message_delivered",
    "decode_redeem_scheduled",
    "encode_eth_deposit_data",
    "encode_retryable_message_data",
    "eth_deposit_tx_id",
    "l2_to_l1_item_hash",
    "num",
    "parse_eth_deposit_data",
    "parse_retryable_message_data",
    "retryable_creation_id",
    "send_leaf",
    "send_merkle_proof",
    "send_merkle_root",
    "verify_outbox_proof",
]


class LogLike(Protocol):
    """The fields of an event log the decoders read. A protocol, not `interop.rpc.models.Log`,
    so this spec layer imports no transport code (the devnet and the adapters pass their own
    log objects; `Log` satisfies it)."""

    @property
    def topics(self) -> Sequence[Hash32]: ...

    @property
    def data(self) -> bytes: ...

    @property
    def log_index(self) -> int: ...


# Precompiles every Nitro chain has at fixed addresses.
ARB_SYS = Address("0x0000000000000000000000000000000000000064")
ARB_RETRYABLE_TX = Address("0x000000000000000000000000000000000000006E")
NODE_INTERFACE = Address("0x00000000000000000000000000000000000000C8")

# Inbox message kinds (nitro-contracts src/libraries/MessageTypes.sol).
L1_MESSAGE_TYPE_SUBMIT_RETRYABLE = 9
L1_MESSAGE_TYPE_ETH_DEPOSIT = 12


def _topic(signature: str) -> Hash32:
    return to_hash32(keccak(signature.encode()))


MESSAGE_DELIVERED_TOPIC = _topic(
    "MessageDelivered(uint256,bytes32,address,uint8,address,bytes32,uint256,uint64)"
)
INBOX_MESSAGE_DELIVERED_TOPIC = _topic("InboxMessageDelivered(uint256,bytes)")
L2_TO_L1_TX_TOPIC = _topic(
    "L2ToL1Tx(address,address,uint256,uint256,uint256,uint256,uint256,uint256,bytes)"
)
SEND_MERKLE_UPDATE_TOPIC = _topic("SendMerkleUpdate(uint256,bytes32,uint256)")
TICKET_CREATED_TOPIC = _topic("TicketCreated(bytes32)")
REDEEM_SCHEDULED_TOPIC = _topic(
    "RedeemScheduled(bytes32,bytes32,uint64,uint64,address,uint256,uint256)"
)
OUTBOX_TX_EXECUTED_TOPIC = _topic("OutBoxTransactionExecuted(address,address,uint256,uint256)")


def num(x: int) -> bytes:
    """Minimal big-endian bytes of a non-negative int (0 -> b''), as RLP wants quantities."""
    if x < 0:
        raise ValueError("num() takes a non-negative int")
    return x.to_bytes((x.bit_length() + 7) // 8, "big") if x else b""


def _addr(a: str) -> bytes:
    return bytes.fromhex(checksum(a)[2:])


def _u256(x: int) -> bytes:
    return x.to_bytes(32, "big")


def eth_deposit_tx_id(
    child_chain_id: int, message_number: int, from_address: str, to_address: str, value: int
) -> bytes:
    """The L2 tx hash of an `Inbox.depositEth` (ArbitrumDepositTx, type 0x64).

    `from_address` is the (aliased) sender from `MessageDelivered`; `to_address` and `value` come
    from the message data (`parse_eth_deposit_data`).
    """
    fields = [
        num(child_chain_id),
        _u256(message_number),
        _addr(from_address),
        _addr(to_address),
        num(value),
    ]
    return keccak(b"\x64" + rlp.encode(fields))


def retryable_creation_id(
    child_chain_id: int,
    from_address: str,
    message_number: int,
    parent_base_fee: int,
    dest_address: str,
    child_call_value: int,
    parent_call_value: int,
    max_submission_fee: int,
    excess_fee_refund_address: str,
    call_value_refund_address: str,
    gas_limit: int,
    max_fee_per_gas: int,
    data: bytes,
) -> bytes:
    """The L2 tx hash of a retryable's creation (ArbitrumSubmitRetryableTx, type 0x69).

    Argument order follows @arbitrum/sdk's `calculateSubmitRetryableId`. `from_address` is the
    aliased sender from `MessageDelivered`; `parent_base_fee` its `baseFeeL1`; `parent_call_value`
    the L1 msg.value (the retryable's deposit). A zero destination is encoded as nil, as ArbOS
    does.
    """
    dest = _addr(dest_address)
    fields = [
        num(child_chain_id),
        _u256(message_number),
        _addr(from_address),
        num(parent_base_fee),
        num(parent_call_value),
        num(max_fee_per_gas),
        num(gas_limit),
        b"" if dest == b"\x00" * 20 else dest,
        num(child_call_value),
        _addr(call_value_refund_address),
        num(max_submission_fee),
        _addr(excess_fee_refund_address),
        bytes(data),
    ]
    return keccak(b"\x69" + rlp.encode(fields))


# ---------------------------------------------------------------------------- L1 inbox events


@dataclass(frozen=True, slots=True)
class MessageDelivered:
    """Bridge event: one message entered the delayed inbox."""

    message_index: int
    before_inbox_acc: Hash32
    inbox: Address
    kind: int
    sender: Address
    """Already aliased by the Inbox (the L2 `from`)."""
    message_data_hash: Hash32
    base_fee_l1: int
    timestamp: int


@dataclass(frozen=True, slots=True)
class InboxMessageDelivered:
    """Inbox event carrying the message data whose hash `MessageDelivered` commits to."""

    message_num: int
    data: bytes


def _check_topic(log: LogLike, topic: str, name: str) -> None:
    if not log.topics or log.topics[0] != topic:
        raise MessageNotFoundError(f"log {log.log_index} is not a {name} event")


def decode_message_delivered(log: LogLike) -> MessageDelivered:
    """Decode the Bridge's `MessageDelivered(uint256 indexed messageIndex, bytes32 indexed
    beforeInboxAcc, address inbox, uint8 kind, address sender, bytes32 messageDataHash,
    uint256 baseFeeL1, uint64 timestamp)`."""
    _check_topic(log, MESSAGE_DELIVERED_TOPIC, "MessageDelivered")
    inbox, kind, sender, mdh, base_fee, ts = abi_decode(
        ["address", "uint8", "address", "bytes32", "uint256", "uint64"], log.data
    )
    return MessageDelivered(
        message_index=int(log.topics[1], 16),
        before_inbox_acc=log.topics[2],
        inbox=checksum(inbox),
        kind=int(kind),
        sender=checksum(sender),
        message_data_hash=to_hash32(bytes(mdh)),
        base_fee_l1=int(base_fee),
        timestamp=int(ts),
    )


def decode_inbox_message_delivered(log: LogLike) -> InboxMessageDelivered:
    """Decode the Inbox's `InboxMessageDelivered(uint256 indexed messageNum, bytes data)`."""
    _check_topic(log, INBOX_MESSAGE_DELIVERED_TOPIC, "InboxMessageDelivered")
    (data,) = abi_decode(["bytes"], log.data)
    return InboxMessageDelivered(message_num=int(log.topics[1], 16), data=bytes(data))


@dataclass(frozen=True, slots=True)
class RetryableMessageData:
    """The payload of a kind-9 (submit retryable) inbox message."""

    dest_address: Address
    l2_call_value: int
    l1_value: int
    """The L1 msg.value: deposit covering call value, submission fee and L2 gas."""
    max_submission_fee: int
    excess_fee_refund_address: Address
    call_value_refund_address: Address
    gas_limit: int
    max_fee_per_gas: int
    data: bytes

    def creation_id(
        self, child_chain_id: int, sender: str, message_number: int, parent_base_fee: int
    ) -> bytes:
        """The ticket's creation tx id (0x69), from this payload and its inbox message."""
        return retryable_creation_id(
            child_chain_id,
            sender,
            message_number,
            parent_base_fee,
            self.dest_address,
            self.l2_call_value,
            self.l1_value,
            self.max_submission_fee,
            self.excess_fee_refund_address,
            self.call_value_refund_address,
            self.gas_limit,
            self.max_fee_per_gas,
            self.data,
        )


def parse_retryable_message_data(data: bytes) -> RetryableMessageData:
    """Parse the packed words the Inbox emits for a retryable (nine 32-byte words, then data)."""
    if len(data) < 9 * 32:
        raise MessageNotFoundError(f"retryable message data too short ({len(data)} bytes)")
    w = [int.from_bytes(data[i * 32 : (i + 1) * 32], "big") for i in range(9)]
    length = w[8]
    payload = data[9 * 32 : 9 * 32 + length]
    if len(payload) != length:
        raise MessageNotFoundError("retryable message data shorter than its declared length")

    def a(x: int) -> Address:
        return checksum(x.to_bytes(32, "big")[12:])

    return RetryableMessageData(
        dest_address=a(w[0]),
        l2_call_value=w[1],
        l1_value=w[2],
        max_submission_fee=w[3],
        excess_fee_refund_address=a(w[4]),
        call_value_refund_address=a(w[5]),
        gas_limit=w[6],
        max_fee_per_gas=w[7],
        data=bytes(payload),
    )


def encode_retryable_message_data(m: RetryableMessageData) -> bytes:
    """Inverse of `parse_retryable_message_data` (what `Inbox.createRetryableTicket` emits)."""

    def a(x: str) -> bytes:
        return b"\x00" * 12 + _addr(x)

    return b"".join(
        [
            a(m.dest_address),
            _u256(m.l2_call_value),
            _u256(m.l1_value),
            _u256(m.max_submission_fee),
            a(m.excess_fee_refund_address),
            a(m.call_value_refund_address),
            _u256(m.gas_limit),
            _u256(m.max_fee_per_gas),
            _u256(len(m.data)),
            bytes(m.data),
        ]
    )


@dataclass(frozen=True, slots=True)
class EthDepositData:
    """The payload of a kind-12 (ETH deposit) inbox message: abi.encodePacked(dest, value)."""

    to: Address
    value: int


def parse_eth_deposit_data(data: bytes) -> EthDepositData:
    if len(data) != 52:
        raise MessageNotFoundError(f"eth deposit message data must be 52 bytes, got {len(data)}")
    return EthDepositData(to=checksum(data[:20]), value=int.from_bytes(data[20:], "big"))


def encode_eth_deposit_data(to: str, value: int) -> bytes:
    return _addr(to) + _u256(value)


# ---------------------------------------------------------------------------- L2 events


@dataclass(frozen=True, slots=True)
class L2ToL1Tx:
    """ArbSys event for one L2->L1 send; `position` is its leaf index in the outbox tree."""

    caller: Address
    destination: Address
    hash: Hash32
    """The send's item hash (`l2_to_l1_item_hash`), not the leaf."""
    position: int
    arb_block_num: int
    eth_block_num: int
    timestamp: int
    callvalue: int
    data: bytes


def decode_l2_to_l1_tx(log: LogLike) -> L2ToL1Tx:
    """Decode ArbSys' `L2ToL1Tx(address caller, address indexed destination, uint256 indexed hash,
    uint256 indexed position, uint256 arbBlockNum, uint256 ethBlockNum, uint256 timestamp,
    uint256 callvalue, bytes data)`."""
    _check_topic(log, L2_TO_L1_TX_TOPIC, "L2ToL1Tx")
    caller, arb_block, eth_block, ts, value, data = abi_decode(
        ["address", "uint256", "uint256", "uint256", "uint256", "bytes"], log.data
    )
    return L2ToL1Tx(
        caller=checksum(caller),
        destination=checksum(bytes.fromhex(log.topics[1][2:])[12:]),
        hash=log.topics[2],
        position=int(log.topics[3], 16),
        arb_block_num=int(arb_block),
        eth_block_num=int(eth_block),
        timestamp=int(ts),
        callvalue=int(value),
        data=bytes(data),
    )


@dataclass(frozen=True, slots=True)
class RedeemScheduled:
    """ArbRetryableTx event in a creation (or manual redeem) receipt naming the retry tx."""

    ticket_id: Hash32
    retry_tx_hash: Hash32
    sequence_num: int
    donated_gas: int
    gas_donor: Address
    max_refund: int
    submission_fee_refund: int


def decode_redeem_scheduled(log: LogLike) -> RedeemScheduled:
    _check_topic(log, REDEEM_SCHEDULED_TOPIC, "RedeemScheduled")
    donated, donor, max_refund, sub_refund = abi_decode(
        ["uint64", "address", "uint256", "uint256"], log.data
    )
    return RedeemScheduled(
        ticket_id=log.topics[1],
        retry_tx_hash=log.topics[2],
        sequence_num=int(log.topics[3], 16),
        donated_gas=int(donated),
        gas_donor=checksum(donor),
        max_refund=int(max_refund),
        submission_fee_refund=int(sub_refund),
    )


# ---------------------------------------------------------------------------- outbox tree


def l2_to_l1_item_hash(
    caller: str,
    destination: str,
    l2_block: int,
    l1_block: int,
    timestamp: int,
    value: int,
    data: bytes,
) -> bytes:
    """`Outbox.calculateItemHash`: keccak(abi.encodePacked(l2Sender, to, l2Block, l1Block,
    l2Timestamp, value, data)); also the `hash` topic of `L2ToL1Tx`."""
    return keccak(
        _addr(caller)
        + _addr(destination)
        + _u256(l2_block)
        + _u256(l1_block)
        + _u256(timestamp)
        + _u256(value)
        + bytes(data)
    )


def send_leaf(item_hash: bytes) -> bytes:
    """The outbox tree's leaf for a send: keccak(item). The Outbox hashes the item once more."""
    return keccak(bytes(item_hash))


def calculate_merkle_root(proof: Sequence[bytes], path: int, item_hash: bytes) -> bytes:
    """`Outbox.calculateMerkleRoot(proof, path, item)`: walk up from keccak(item); bit i of
    `path` set means the node is the right child at level i."""
    h = send_leaf(item_hash)
    for i, node in enumerate(proof):
        h = keccak(bytes(node) + h) if (path >> i) & 1 else keccak(h + bytes(node))
    return h


def verify_outbox_proof(root: bytes, proof: Sequence[bytes], path: int, item_hash: bytes) -> bool:
    """True if `proof` links the send to `root` as the Outbox will check it (also refusing a
    path that does not fit the proof length, as `Outbox.recordOutputAsSpent` does)."""
    if len(proof) >= 256 or path >= (1 << len(proof)):
        return False
    return calculate_merkle_root(proof, path, item_hash) == bytes(root)


_ZERO32 = b"\x00" * 32


def _depth(size: int) -> int:
    return (size - 1).bit_length() if size > 1 else 0


def _node(leaves: Sequence[bytes], level: int, index: int) -> bytes:
    """Node of the ArbOS send tree: subtrees with no leaf are bytes32(0), others are hashed."""
    start = index << level
    if start >= len(leaves):
        return _ZERO32
    if level == 0:
        return bytes(leaves[index])
    return keccak(_node(leaves, level - 1, 2 * index) + _node(leaves, level - 1, 2 * index + 1))


def send_merkle_root(leaves: Sequence[bytes]) -> bytes:
    """Root of the send tree over `leaves` (each `send_leaf(item)`), as ArbOS' merkle accumulator
    reports it (`sendRoot`): depth ceil(log2(size)), empty subtrees 0; size 0 gives 0."""
    if not leaves:
        return _ZERO32
    return _node(leaves, _depth(len(leaves)), 0)


def send_merkle_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """Sibling path for leaf `index` in the tree of `leaves` (what NodeInterface
    `constructOutboxProof(size, index)` returns), bottom-up."""
    if not 0 <= index < len(leaves):
        raise MessageNotFoundError(f"leaf {index} not in a send tree of size {len(leaves)}")
    return [_node(leaves, lvl, (index >> lvl) ^ 1) for lvl in range(_depth(len(leaves)))]
