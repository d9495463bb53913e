"""L1->L2 priority operations: the canonical L2 transaction, its hash, and the base cost.

- `L2CanonicalTransaction` (era-contracts `common/Messaging.sol`) is what the Mailbox writes
  for `Bridgehub.requestL2TransactionDirect`: txType 255, from/to as uint256, the chain's L2
  gas price as maxFeePerGas, no priority fee or paymaster, nonce = the priority-queue id,
  `reserved = [mintValue, refundRecipient, 0, 0]`, empty signature / paymasterInput /
  reservedDynamic, factory deps as bytecode hashes.
- Its canonical hash is keccak256(abi.encode(transaction)) (Mailbox `_writePriorityOp`); the
  bootloader computes the same over the transaction as it received it
  (`getCanonicalL1TxHash`: keccak of 0x20 || abi-encoded fields), and it is the L2
  transaction's hash on ZKsync (`NewPriorityRequest.txHash`, the L2 receipt's hash).
  This is NOT an EIP-712 hash: EIP-712 signing hashes are for account-signed (type 0x71)
  transactions, which priority operations are not.
- `l2TransactionBaseCost = derive_l2_gas_price(l1GasPrice, gasPerPubdata) * l2GasLimit`, with
  the Mailbox's `_deriveL2GasPrice` over the chain's `FeeParams`.
- `L2BaseToken.withdraw(to)` sends L1 the message
  `finalizeEthWithdrawal.selector || to || amount` (56 bytes; withdrawWithMessage appends the
  L2 sender and the extra data), which the L1 nullifier parses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from eth_abi.abi import encode as abi_encode
from eth_utils.crypto import keccak

from interop.errors import InputError
from interop.types import hex_to_bytes, to_address

__all__ = [
    "CANONICAL_TX_TYPES",
    "ERA_FEE_PARAMS",
    "FINALIZE_ETH_WITHDRAWAL_SELECTOR",
    "L1_GAS_PER_PUBDATA_BYTE",
    "PRIORITY_OPERATION_L2_TX_TYPE",
    "REQUIRED_L2_GAS_PRICE_PER_PUBDATA",
    "CanonicalTx",
    "FeeParams",
    "base_cost",
    "decode_eth_withdrawal_message",
    "derive_l2_gas_price",
    "eth_withdrawal_message",
]

PRIORITY_OPERATION_L2_TX_TYPE: Final = 255
REQUIRED_L2_GAS_PRICE_PER_PUBDATA: Final = 800
L1_GAS_PER_PUBDATA_BYTE: Final = 17
FINALIZE_ETH_WITHDRAWAL_SELECTOR: Final = keccak(
    b"finalizeEthWithdrawal(uint256,uint256,uint16,bytes,bytes32[])"
)[:4]

CANONICAL_TX_TYPES: Final = (
    "(uint256,uint256,uint256,uint256,uint256,uint256,uint256,uint256,uint256,uint256,"
    "uint256[4],bytes,bytes,uint256[],bytes,bytes)"
)


def _u(addr: str) -> int:
    return int.from_bytes(hex_to_bytes(addr), "big")


@dataclass(frozen=True)
class CanonicalTx:
    sender: str
    to: str
    gas_limit: int
    gas_per_pubdata: int
    max_fee_per_gas: int
    nonce: int
    value: int
    mint: int
    refund_recipient: str
    data: bytes = b""
    factory_deps: tuple[int, ...] = field(default_factory=tuple)
    tx_type: int = PRIORITY_OPERATION_L2_TX_TYPE

    def as_tuple(self) -> tuple[object, ...]:
        return (
            self.tx_type,
            _u(self.sender),
            _u(self.to),
            self.gas_limit,
            self.gas_per_pubdata,
            self.max_fee_per_gas,
            0,
            0,
            self.nonce,
            self.value,
            [self.mint, _u(self.refund_recipient), 0, 0],
            self.data,
            b"",
            list(self.factory_deps),
            b"",
            b"",
        )

    def encode(self) -> bytes:
        return abi_encode([CANONICAL_TX_TYPES], [self.as_tuple()])

    def hash(self) -> bytes:
        """The canonical L2 transaction hash (see the module docstring)."""
        return keccak(self.encode())

    @classmethod
    def from_tuple(cls, t: tuple[object, ...] | list[object]) -> CanonicalTx:
        """From the decoded `transaction` of a `NewPriorityRequest` event."""
        (ty, frm, to, gas, gpp, mfpg, _prio, _pm, nonce, value, res, data, _sig, deps, _pi, _rd) = t
        reserved = list(res)  # type: ignore[call-overload]
        return cls(
            sender=to_address(int(frm).to_bytes(20, "big")),  # type: ignore[call-overload]
            to=to_address(int(to).to_bytes(20, "big")),  # type: ignore[call-overload]
            gas_limit=int(gas),  # type: ignore[call-overload]
            gas_per_pubdata=int(gpp),  # type: ignore[call-overload]
            max_fee_per_gas=int(mfpg),  # type: ignore[call-overload]
            nonce=int(nonce),  # type: ignore[call-overload]
            value=int(value),  # type: ignore[call-overload]
            mint=int(reserved[0]),
            refund_recipient=to_address(int(reserved[1]).to_bytes(20, "big")),
            data=bytes(data),  # type: ignore[call-overload]
            factory_deps=tuple(int(d) for d in deps),  # type: ignore[attr-defined]
            tx_type=int(ty),  # type: ignore[call-overload]
        )


@dataclass(frozen=True)
class FeeParams:
    """The chain's `FeeParams` (Mailbox storage) and base-token price ratio."""

    rollup_pubdata: bool = True
    batch_overhead_l1_gas: int = 1_000_000
    max_pubdata_per_batch: int = 120_000
    max_l2_gas_per_batch: int = 80_000_000
    priority_tx_max_pubdata: int = 99_000
    minimal_l2_gas_price: int = 250_000_000
    base_token_nominator: int = 1
    base_token_denominator: int = 1


ERA_FEE_PARAMS: Final = FeeParams()
"""ZKsync Era's fee parameters as set at genesis (era-contracts deploy config defaults)."""


def derive_l2_gas_price(l1_gas_price: int, gas_per_pubdata: int, p: FeeParams) -> int:
    """The Mailbox's `_deriveL2GasPrice`."""
    if gas_per_pubdata <= 0:
        raise InputError("gas per pubdata must be positive")
    l1 = l1_gas_price * p.base_token_nominator // p.base_token_denominator
    pubdata = L1_GAS_PER_PUBDATA_BYTE * l1 if p.rollup_pubdata else 0
    overhead = p.batch_overhead_l1_gas * l1
    full_pubdata = pubdata + overhead // p.max_pubdata_per_batch
    l2 = p.minimal_l2_gas_price + overhead // p.max_l2_gas_per_batch
    min_l2 = (full_pubdata + gas_per_pubdata - 1) // gas_per_pubdata
    return max(l2, min_l2)


def base_cost(l1_gas_price: int, l2_gas_limit: int, gas_per_pubdata: int, p: FeeParams) -> int:
    """`l2TransactionBaseCost`: what the L2 execution of a priority op costs, paid from mint."""
    return derive_l2_gas_price(l1_gas_price, gas_per_pubdata, p) * l2_gas_limit


def eth_withdrawal_message(
    l1_receiver: str, amount: int, l2_sender: str | None = None, extra: bytes = b""
) -> bytes:
    """What `L2BaseToken.withdraw` (or `withdrawWithMessage` with `l2_sender`) sends to L1."""
    m = FINALIZE_ETH_WITHDRAWAL_SELECTOR + hex_to_bytes(l1_receiver) + amount.to_bytes(32, "big")
    if l2_sender is not None:
        m += hex_to_bytes(l2_sender) + extra
    return m


def decode_eth_withdrawal_message(m: bytes) -> tuple[str, int]:
    """(L1 receiver, amount) of an ETH withdrawal message; `InputError` if it is not one."""
    if len(m) < 56 or m[:4] != FINALIZE_ETH_WITHDRAWAL_SELECTOR:
        raise InputError("not an ETH withdrawal message")
    return to_address(m[4:24]), int.from_bytes(m[24:56], "big")
