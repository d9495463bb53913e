"""The few Arbitrum contract functions interop calls, as signatures (no npm artifacts at run time).

Each `Fn` is built from its canonical signature, so the selector is derived, not pasted; the
signatures are those of nitro-contracts 3.x (Inbox, Outbox, rollup) and the Nitro precompiles
(ArbSys 0x64, ArbRetryableTx 0x6e, NodeInterface 0xc8).
"""

from __future__ import annotations

from collections.abc import Sequence

from eth_utils.crypto import keccak

from interop.abi import Fn

__all__ = [
    "ARB_RETRYABLE_GET_TIMEOUT",
    "ARB_RETRYABLE_REDEEM",
    "ARB_SYS_SEND_TX_TO_L1",
    "ARB_SYS_WITHDRAW_ETH",
    "INBOX_CALCULATE_SUBMISSION_FEE",
    "INBOX_CREATE_RETRYABLE",
    "INBOX_DEPOSIT_ETH",
    "NODE_INTERFACE_CONSTRUCT_OUTBOX_PROOF",
    "NODE_INTERFACE_ESTIMATE_RETRYABLE",
    "OUTBOX_CALCULATE_ITEM_HASH",
    "OUTBOX_CALCULATE_MERKLE_ROOT",
    "OUTBOX_EXECUTE",
    "OUTBOX_IS_SPENT",
    "OUTBOX_ROOTS",
    "ROLLUP_CONFIRM_PERIOD_BLOCKS",
    "SEND_ROOT_UPDATED_TOPIC",
    "Fn",
    "words",
]


INBOX_DEPOSIT_ETH = Fn("depositEth()", ("uint256",))
INBOX_CREATE_RETRYABLE = Fn(
    "createRetryableTicket(address,uint256,uint256,address,address,uint256,uint256,bytes)",
    ("uint256",),
)
INBOX_CALCULATE_SUBMISSION_FEE = Fn(
    "calculateRetryableSubmissionFee(uint256,uint256)", ("uint256",)
)

OUTBOX_EXECUTE = Fn(
    "executeTransaction(bytes32[],uint256,address,address,uint256,uint256,uint256,uint256,bytes)"
)
OUTBOX_IS_SPENT = Fn("isSpent(uint256)", ("bool",))
OUTBOX_ROOTS = Fn("roots(bytes32)", ("bytes32",))
OUTBOX_CALCULATE_ITEM_HASH = Fn(
    "calculateItemHash(address,address,uint256,uint256,uint256,uint256,bytes)", ("bytes32",)
)
OUTBOX_CALCULATE_MERKLE_ROOT = Fn("calculateMerkleRoot(bytes32[],uint256,bytes32)", ("bytes32",))
SEND_ROOT_UPDATED_TOPIC = "0x" + keccak(b"SendRootUpdated(bytes32,bytes32)").hex()

ROLLUP_CONFIRM_PERIOD_BLOCKS = Fn("confirmPeriodBlocks()", ("uint64",))

ARB_SYS_WITHDRAW_ETH = Fn("withdrawEth(address)", ("uint256",))
ARB_SYS_SEND_TX_TO_L1 = Fn("sendTxToL1(address,bytes)", ("uint256",))

ARB_RETRYABLE_REDEEM = Fn("redeem(bytes32)", ("bytes32",))
ARB_RETRYABLE_GET_TIMEOUT = Fn("getTimeout(bytes32)", ("uint256",))

NODE_INTERFACE_CONSTRUCT_OUTBOX_PROOF = Fn(
    "constructOutboxProof(uint64,uint64)", ("bytes32", "bytes32", "bytes32[]")
)
NODE_INTERFACE_ESTIMATE_RETRYABLE = Fn(
    "estimateRetryableTicket(address,uint256,address,uint256,address,address,bytes)"
)


def words(values: Sequence[bytes]) -> list[bytes]:
    """Normalise a proof (or any bytes32 list) for `encode`."""
    return [bytes(v).rjust(32, b"\x00") for v in values]
