"""Pure OP Stack formulas: deposit source hashes and 0x7E encoding, withdrawal hashes, output roots.

No I/O here, so the devnet relayer and the adapter share exactly one implementation, and unit tests
check it against values published by the OP specs and viem's test suite. Everything that crosses a
bridge is identified by one of these hashes; getting a byte wrong strands funds, hence the vectors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import rlp
from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_utils.crypto import keccak

from interop.errors import MessageNotFoundError
from interop.spec.opstack.predeploys import (
    L2_CROSS_DOMAIN_MESSENGER,
    L2_STANDARD_BRIDGE,
    L2_TO_L1_MESSAGE_PASSER,
)
from interop.types import Address, Hash32, hex_to_bytes, to_address, to_hash32

__all__ = [
    "DEPOSIT_TX_TYPE",
    "FINALIZE_BRIDGE_ETH_SELECTOR",
    "L2_TO_L1_MESSAGE_PASSER",
    "MESSAGE_PASSED_TOPIC",
    "MESSAGE_VERSION_1",
    "RELAY_MESSAGE_SELECTOR",
    "TRANSACTION_DEPOSITED_TOPIC",
    "DepositEvent",
    "LogLike",
    "WithdrawalMessage",
    "cross_domain_message_hash",
    "decode_message_passed",
    "decode_nonce",
    "decode_opaque_data",
    "decode_relay_message",
    "decode_transaction_deposited",
    "deposit_recipient",
    "deposit_source_hash",
    "deposit_tx_hash",
    "encode_deposit_tx",
    "encode_relay_message",
    "encode_versioned_nonce",
    "output_root",
    "withdrawal_hash",
    "withdrawal_recipient",
    "withdrawal_storage_slot",
]


class LogLike(Protocol):
    """The fields of an event log these decoders read (`interop.rpc.models.Log` has them); a
    protocol so the spec layer does not import the RPC layer."""

    @property
    def topics(self) -> Sequence[Hash32]: ...
    @property
    def data(self) -> bytes: ...
    @property
    def block_hash(self) -> Hash32: ...
    @property
    def log_index(self) -> int: ...


DEPOSIT_TX_TYPE = 0x7E
MESSAGE_VERSION_1 = 1

TRANSACTION_DEPOSITED_TOPIC = to_hash32(
    keccak(b"TransactionDeposited(address,address,uint256,bytes)")
)
"""OptimismPortal(2): `TransactionDeposited(address indexed from, address indexed to,
uint256 indexed version, bytes opaqueData)`."""

MESSAGE_PASSED_TOPIC = to_hash32(
    keccak(b"MessagePassed(uint256,address,address,uint256,uint256,bytes,bytes32)")
)
"""L2ToL1MessagePasser: `MessagePassed(uint256 indexed nonce, address indexed sender,
address indexed target, uint256 value, uint256 gasLimit, bytes data, bytes32 withdrawalHash)`."""


def _b32(value: bytes | str) -> bytes:
    b = hex_to_bytes(value) if isinstance(value, str) else bytes(value)
    if len(b) != 32:
        raise ValueError(f"expected 32 bytes, got {len(b)}")
    return b


def _topic_address(topic: str) -> Address:
    return to_address(hex_to_bytes(topic)[12:])


# ---------------------------------------------------------------- deposits (L1 -> L2)


def deposit_source_hash(l1_block_hash: bytes | str, log_index: int) -> bytes:
    """User-deposit source hash (domain 0), as in the OP deposits spec:
    `keccak256(bytes32(0) || keccak256(l1BlockHash || bytes32(logIndex)))`.

    It ties the L2 transaction to exactly one L1 log, which is what makes deposit hashes unique.
    """
    inner = keccak(_b32(l1_block_hash) + int(log_index).to_bytes(32, "big"))
    return keccak(b"\x00" * 32 + inner)


def encode_deposit_tx(
    *,
    source_hash: bytes | str,
    from_address: str,
    to: str | None,
    mint: int,
    value: int,
    gas_limit: int,
    is_system_tx: bool = False,
    data: bytes = b"",
) -> bytes:
    """`0x7E || rlp([sourceHash, from, to, mint, value, gas, isSystemTx, data])`.

    `to=None` means contract creation (empty RLP string). Integers use RLP's minimal big-endian
    form (0 is the empty string), as go-ethereum's `DepositTx` does.
    """
    fields = [
        _b32(source_hash),
        bytes.fromhex(to_address(from_address)[2:]),
        b"" if to is None else bytes.fromhex(to_address(to)[2:]),
        int(mint),
        int(value),
        int(gas_limit),
        bool(is_system_tx),
        bytes(data),
    ]
    encoded: bytes = rlp.encode(fields)
    return bytes([DEPOSIT_TX_TYPE]) + encoded


@dataclass(frozen=True, slots=True)
class DepositEvent:
    """A decoded `TransactionDeposited` log: everything needed to rebuild the L2 transaction.

    `from_address` is already aliased by the portal when the L1 sender was a contract.
    """

    from_address: Address
    to: Address
    version: int
    mint: int
    value: int
    gas_limit: int
    is_creation: bool
    data: bytes
    l1_block_hash: Hash32
    log_index: int

    @property
    def source_hash(self) -> bytes:
        return deposit_source_hash(self.l1_block_hash, self.log_index)

    def encode(self) -> bytes:
        """The L2 deposit transaction (0x7E envelope) this log derives into."""
        return encode_deposit_tx(
            source_hash=self.source_hash,
            from_address=self.from_address,
            to=None if self.is_creation else self.to,
            mint=self.mint,
            value=self.value,
            gas_limit=self.gas_limit,
            data=self.data,
        )

    @property
    def l2_tx_hash(self) -> Hash32:
        return to_hash32(keccak(self.encode()))


def decode_opaque_data(opaque: bytes) -> tuple[int, int, int, bool, bytes]:
    """`mint(32) | value(32) | gasLimit(8) | isCreation(1) | data` -> (mint, value, gas, creation, data)."""
    if len(opaque) < 73:
        raise ValueError(f"opaque deposit data too short: {len(opaque)} bytes")
    mint = int.from_bytes(opaque[0:32], "big")
    value = int.from_bytes(opaque[32:64], "big")
    gas = int.from_bytes(opaque[64:72], "big")
    creation = opaque[72] != 0
    return mint, value, gas, creation, bytes(opaque[73:])


def decode_transaction_deposited(log: LogLike) -> DepositEvent:
    """Decode a portal `TransactionDeposited` log (version 0 only, the only one defined)."""
    if not log.topics or log.topics[0] != TRANSACTION_DEPOSITED_TOPIC or len(log.topics) != 4:
        raise MessageNotFoundError("log is not a TransactionDeposited event")
    version = int(log.topics[3], 16)
    if version != 0:
        raise MessageNotFoundError(f"unsupported deposit version {version}")
    (opaque,) = abi_decode(["bytes"], log.data)
    mint, value, gas, creation, data = decode_opaque_data(bytes(opaque))
    return DepositEvent(
        from_address=_topic_address(log.topics[1]),
        to=_topic_address(log.topics[2]),
        version=version,
        mint=mint,
        value=value,
        gas_limit=gas,
        is_creation=creation,
        data=data,
        l1_block_hash=log.block_hash,
        log_index=log.log_index,
    )


def deposit_tx_hash(log: LogLike) -> Hash32:
    """The L2 transaction hash a `TransactionDeposited` log derives into."""
    return decode_transaction_deposited(log).l2_tx_hash


# ---------------------------------------------------------------- withdrawals (L2 -> L1)


def encode_versioned_nonce(nonce: int, version: int) -> int:
    """Messenger / message passer nonces carry their version in the top two bytes."""
    return (version << 240) | nonce


def decode_nonce(versioned: int) -> tuple[int, int]:
    """(nonce, version) from a versioned nonce."""
    return versioned & ((1 << 240) - 1), versioned >> 240


def withdrawal_hash(
    nonce: int, sender: str, target: str, value: int, gas_limit: int, data: bytes
) -> Hash32:
    """`keccak256(abi.encode(nonce, sender, target, value, gasLimit, data))` (Hashing.sol)."""
    enc = abi_encode(
        ["uint256", "address", "address", "uint256", "uint256", "bytes"],
        [nonce, to_address(sender), to_address(target), value, gas_limit, bytes(data)],
    )
    return to_hash32(keccak(enc))


def withdrawal_storage_slot(withdrawal_hash_: bytes | str) -> bytes:
    """Slot of `sentMessages[withdrawalHash]` in L2ToL1MessagePasser (mapping at slot 0)."""
    return keccak(_b32(withdrawal_hash_) + b"\x00" * 32)


def output_root(
    state_root: bytes | str, message_passer_storage_root: bytes | str, block_hash: bytes | str
) -> Hash32:
    """Version-0 output root: `keccak256(bytes32(0) || stateRoot || storageRoot || blockHash)`."""
    return to_hash32(
        keccak(
            b"\x00" * 32 + _b32(state_root) + _b32(message_passer_storage_root) + _b32(block_hash)
        )
    )


@dataclass(frozen=True, slots=True)
class WithdrawalMessage:
    """One `MessagePassed` event: the withdrawal transaction the portal proves and finalizes."""

    nonce: int
    sender: Address
    target: Address
    value: int
    gas_limit: int
    data: bytes
    withdrawal_hash: Hash32

    def as_tuple(self) -> tuple[int, str, str, int, int, bytes]:
        """The `Types.WithdrawalTransaction` struct, in ABI order."""
        return (self.nonce, self.sender, self.target, self.value, self.gas_limit, self.data)

    def computed_hash(self) -> Hash32:
        return withdrawal_hash(
            self.nonce, self.sender, self.target, self.value, self.gas_limit, self.data
        )


def decode_message_passed(log: LogLike) -> WithdrawalMessage:
    """Decode an L2ToL1MessagePasser `MessagePassed` log."""
    if not log.topics or log.topics[0] != MESSAGE_PASSED_TOPIC or len(log.topics) != 4:
        raise MessageNotFoundError("log is not a MessagePassed event")
    value, gas_limit, data, whash = abi_decode(["uint256", "uint256", "bytes", "bytes32"], log.data)
    return WithdrawalMessage(
        nonce=int(log.topics[1], 16),
        sender=_topic_address(log.topics[2]),
        target=_topic_address(log.topics[3]),
        value=int(value),
        gas_limit=int(gas_limit),
        data=bytes(data),
        withdrawal_hash=to_hash32(bytes(whash)),
    )


# ---------------------------------------------------------------- cross-domain messages

RELAY_MESSAGE_SELECTOR = keccak(b"relayMessage(uint256,address,address,uint256,uint256,bytes)")[:4]


def encode_relay_message(
    nonce: int, sender: str, target: str, value: int, min_gas_limit: int, message: bytes
) -> bytes:
    """Calldata of `CrossDomainMessenger.relayMessage` (Encoding.encodeCrossDomainMessageV1).

    On L2->L1 this is the `data` of the withdrawal the messenger passes; its keccak is the key of
    `successfulMessages` / `failedMessages` on the receiving messenger.
    """
    return RELAY_MESSAGE_SELECTOR + abi_encode(
        ["uint256", "address", "address", "uint256", "uint256", "bytes"],
        [nonce, to_address(sender), to_address(target), value, min_gas_limit, bytes(message)],
    )


def decode_relay_message(calldata: bytes) -> tuple[int, Address, Address, int, int, bytes]:
    """Inverse of `encode_relay_message`: (nonce, sender, target, value, minGasLimit, message)."""
    if calldata[:4] != RELAY_MESSAGE_SELECTOR:
        raise MessageNotFoundError("calldata is not a relayMessage call")
    n, s, t, v, g, m = abi_decode(
        ["uint256", "address", "address", "uint256", "uint256", "bytes"], calldata[4:]
    )
    return int(n), to_address(s), to_address(t), int(v), int(g), bytes(m)


def cross_domain_message_hash(
    nonce: int, sender: str, target: str, value: int, min_gas_limit: int, message: bytes
) -> Hash32:
    """Hashing.hashCrossDomainMessageV1: keccak of the version-1 relayMessage calldata."""
    return to_hash32(
        keccak(encode_relay_message(nonce, sender, target, value, min_gas_limit, message))
    )


# ---------------------------------------------------------------- who really receives

FINALIZE_BRIDGE_ETH_SELECTOR = keccak(b"finalizeBridgeETH(address,address,uint256,bytes)")[:4]
"""StandardBridge's relayed call that pays `to` the bridged `amount` on the other side."""


def _through_bridge(
    sender: str, target: Address, value: int, message: bytes, bridge: str
) -> tuple[Address, int]:
    if to_address(sender) == to_address(bridge) and message[:4] == FINALIZE_BRIDGE_ETH_SELECTOR:
        _, to, amount, _ = abi_decode(["address", "address", "uint256", "bytes"], message[4:])
        return to_address(to), int(amount)
    return target, value


def withdrawal_recipient(w: WithdrawalMessage) -> tuple[Address, int]:
    """(who receives, how much) of a withdrawal: its target and value, or, when the L2
    messenger sent it, the relayed message's target and value, or, when that message is the L2
    standard bridge's `finalizeBridgeETH`, the bridged-to address and amount.

    Why: the transaction that started a flow called the message passer, the messenger or the
    bridge; the person the funds are for is only inside the encoded call.
    """
    if w.sender != L2_CROSS_DOMAIN_MESSENGER or w.data[:4] != RELAY_MESSAGE_SELECTOR:
        return w.target, w.value
    _, sender, target, value, _, message = decode_relay_message(w.data)
    return _through_bridge(sender, target, value, message, L2_STANDARD_BRIDGE)


def deposit_recipient(
    e: DepositEvent, *, aliased_l1_messenger: str, l1_bridge: str
) -> tuple[Address, int]:
    """(who receives, how much) of a deposit, unwrapped as `withdrawal_recipient` does: a
    deposit from the (aliased) L1 messenger to the L2 messenger is a relayed message, and a
    message from the L1 standard bridge calling `finalizeBridgeETH` pays its `to`."""
    if (
        e.is_creation
        or e.to != L2_CROSS_DOMAIN_MESSENGER
        or e.from_address != to_address(aliased_l1_messenger)
        or e.data[:4] != RELAY_MESSAGE_SELECTOR
    ):
        return e.to, e.value
    _, sender, target, value, _, message = decode_relay_message(e.data)
    return _through_bridge(sender, target, value, message, l1_bridge)
