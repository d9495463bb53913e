"""Functions and events of the real ZKsync interfaces (`@matterlabs/zksync-contracts` 29.0.0:
`IBridgehub`, `IMailboxImpl`, `IGetters`, `IL1Nullifier`, `IBaseToken`, `IL1Messenger`) that
the adapter and the devnet emulation use. Kept as data so the adapter needs no npm package."""

from __future__ import annotations

from typing import Final

from interop.abi import Fn, event_topic
from interop.spec.zksync.priority import CANONICAL_TX_TYPES

__all__ = [
    "BASE_COST",
    "CLAIM_FAILED_DEPOSIT",
    "FINALIZE_DEPOSIT",
    "FINALIZE_WITHDRAWAL",
    "GET_ZK_CHAIN",
    "IS_WITHDRAWAL_FINALIZED",
    "L1_MESSAGE_SENT_TOPIC",
    "L2_LOGS_ROOT_HASH",
    "NEW_PRIORITY_REQUEST_TOPIC",
    "NEW_PRIORITY_REQUEST_TYPES",
    "PROVE_L1_TO_L2_TRANSACTION_STATUS",
    "PROVE_L2_MESSAGE_INCLUSION",
    "REQUEST_L2_TRANSACTION_DIRECT",
    "SEND_TO_L1",
    "TOTAL_BATCHES_COMMITTED",
    "TOTAL_BATCHES_EXECUTED",
    "TOTAL_BATCHES_VERIFIED",
    "WITHDRAW",
    "WITHDRAWAL_TOPIC",
    "WITHDRAW_WITH_MESSAGE",
]

REQUEST_L2_TRANSACTION_DIRECT: Final = Fn(
    "requestL2TransactionDirect((uint256,uint256,address,uint256,bytes,uint256,uint256,bytes[],"
    "address))",
    ("bytes32",),
)
"""(chainId, mintValue, l2Contract, l2Value, l2Calldata, l2GasLimit, l2GasPerPubdataByteLimit,
factoryDeps, refundRecipient), payable with msg.value == mintValue for an ETH-based chain."""
BASE_COST: Final = Fn("l2TransactionBaseCost(uint256,uint256,uint256,uint256)", ("uint256",))
GET_ZK_CHAIN: Final = Fn("getZKChain(uint256)", ("address",))
NEW_PRIORITY_REQUEST_TYPES: Final = ("uint256", "bytes32", "uint64", CANONICAL_TX_TYPES, "bytes[]")
NEW_PRIORITY_REQUEST_TOPIC: Final = event_topic(
    f"NewPriorityRequest(uint256,bytes32,uint64,{CANONICAL_TX_TYPES},bytes[])"
)
L2_LOGS_ROOT_HASH: Final = Fn("l2LogsRootHash(uint256)", ("bytes32",))
TOTAL_BATCHES_COMMITTED: Final = Fn("getTotalBatchesCommitted()", ("uint256",))
TOTAL_BATCHES_VERIFIED: Final = Fn("getTotalBatchesVerified()", ("uint256",))
TOTAL_BATCHES_EXECUTED: Final = Fn("getTotalBatchesExecuted()", ("uint256",))
PROVE_L2_MESSAGE_INCLUSION: Final = Fn(
    "proveL2MessageInclusion(uint256,uint256,(uint16,address,bytes),bytes32[])", ("bool",)
)
"""Mailbox form (batch, index, message, proof); the Bridgehub's takes the chain id first."""
PROVE_L1_TO_L2_TRANSACTION_STATUS: Final = Fn(
    "proveL1ToL2TransactionStatus(bytes32,uint256,uint256,uint16,bytes32[],uint8)", ("bool",)
)
"""Mailbox form (l2TxHash, batch, index, txNumberInBatch, proof, status 0 failure / 1 success):
proves the bootloader's status log of a priority operation (what claimFailedDeposit checks)."""
FINALIZE_DEPOSIT: Final = Fn(
    "finalizeDeposit((uint256,uint256,uint256,address,uint16,bytes,bytes32[]))"
)
FINALIZE_WITHDRAWAL: Final = Fn(
    "finalizeWithdrawal(uint256,uint256,uint256,uint16,bytes,bytes32[])"
)
IS_WITHDRAWAL_FINALIZED: Final = Fn("isWithdrawalFinalized(uint256,uint256,uint256)", ("bool",))
CLAIM_FAILED_DEPOSIT: Final = Fn(
    "claimFailedDeposit(uint256,address,address,uint256,bytes32,uint256,uint256,uint16,bytes32[])"
)

WITHDRAW: Final = Fn("withdraw(address)")
WITHDRAW_WITH_MESSAGE: Final = Fn("withdrawWithMessage(address,bytes)")
WITHDRAWAL_TOPIC: Final = event_topic("Withdrawal(address,address,uint256)")
SEND_TO_L1: Final = Fn("sendToL1(bytes)", ("bytes32",))
L1_MESSAGE_SENT_TOPIC: Final = event_topic("L1MessageSent(address,bytes32,bytes)")
