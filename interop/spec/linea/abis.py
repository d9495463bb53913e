"""The message-service functions and events the Linea adapter and devnet use.

Signatures are those of the contracts whose bytecode `@consensys/linea-sdk@0.3.0` ships (its
typechain factories): `LineaRollup` as in Consensys/linea-contracts @ 76afb8d (submitData with
calldata, `finalizeCompressedBlocks*`, `claimMessageWithProof`, rolling hashes) and the
`L2MessageService` with `anchorL1L2MessageHashes`. The user-facing part (sendMessage,
claimMessage, claimMessageWithProof, MessageSent, MessageClaimed, L2MerkleRootAdded,
L2MessagingBlockAnchored) is unchanged in the mainnet contracts of today. Kept as data, not
loaded from npm, so the adapter runs without the devnet's packages.
"""

from __future__ import annotations

from interop.abi import Fn, event_topic

__all__ = [
    "ANCHOR_L1_L2_MESSAGE_HASHES",
    "CLAIM_MESSAGE",
    "CLAIM_MESSAGE_WITH_PROOF",
    "CURRENT_L2_BLOCK_NUMBER",
    "CURRENT_PERIOD_AMOUNT_IN_WEI",
    "CURRENT_TIMESTAMP",
    "DATA_FINALIZED_TOPIC",
    "DATA_FINAL_STATE_ROOT_HASHES",
    "FINALIZE_WITHOUT_PROOF",
    "INBOX_L1_L2_MESSAGE_STATUS",
    "IS_MESSAGE_CLAIMED",
    "L1_INITIALIZE",
    "L1_ROLLING_HASHES_ON_L2",
    "L1_ROLLING_HASH_UPDATED_TOPIC",
    "L2_INITIALIZE",
    "L2_MERKLE_ROOTS_DEPTHS",
    "L2_MERKLE_ROOT_ADDED_TOPIC",
    "L2_MESSAGING_BLOCK_ANCHORED_TOPIC",
    "L2_ROLLING_HASH_UPDATED_TOPIC",
    "LAST_ANCHORED_L1_MESSAGE_NUMBER",
    "LIMIT_IN_WEI",
    "MESSAGE_CLAIMED_TOPIC",
    "MESSAGE_SENT_TOPIC",
    "MINIMUM_FEE_IN_WEI",
    "NEXT_MESSAGE_NUMBER",
    "ROLLING_HASHES",
    "SEND_MESSAGE",
    "SET_MINIMUM_FEE",
    "SUBMIT_DATA",
]

SEND_MESSAGE = Fn("sendMessage(address,uint256,bytes)")
CLAIM_MESSAGE = Fn("claimMessage(address,address,uint256,uint256,address,bytes,uint256)")
CLAIM_MESSAGE_WITH_PROOF = Fn(
    "claimMessageWithProof((bytes32[],uint256,uint32,address,address,uint256,uint256,address,"
    "bytes32,bytes))"
)
"""(proof, messageNumber, leafIndex, from, to, fee, value, feeRecipient, merkleRoot, data)."""

# L1 (LineaRollup)
IS_MESSAGE_CLAIMED = Fn("isMessageClaimed(uint256)", ("bool",))
L2_MERKLE_ROOTS_DEPTHS = Fn("l2MerkleRootsDepths(bytes32)", ("uint256",))
ROLLING_HASHES = Fn("rollingHashes(uint256)", ("bytes32",))
CURRENT_L2_BLOCK_NUMBER = Fn("currentL2BlockNumber()", ("uint256",))
CURRENT_TIMESTAMP = Fn("currentTimestamp()", ("uint256",))
DATA_FINAL_STATE_ROOT_HASHES = Fn("dataFinalStateRootHashes(bytes32)", ("bytes32",))
"""Non-zero once `submitData` has recorded that data hash."""
LIMIT_IN_WEI = Fn("limitInWei()", ("uint256",))
CURRENT_PERIOD_AMOUNT_IN_WEI = Fn("currentPeriodAmountInWei()", ("uint256",))
SUBMIT_DATA = Fn("submitData((bytes32,bytes32,bytes32,uint256,uint256,bytes32,bytes))")
"""(parentStateRootHash, dataParentHash, finalStateRootHash, firstBlockInData, finalBlockInData,
snarkHash, compressedData): OPERATOR_ROLE."""
FINALIZE_WITHOUT_PROOF = Fn(
    "finalizeCompressedBlocksWithoutProof((bytes32,bytes32[],bytes32,uint256,uint256,uint256,"
    "bytes32,uint256,bytes32[],uint256,bytes))"
)
"""(parentStateRootHash, dataHashes, dataParentHash, finalBlockNumber, lastFinalizedTimestamp,
finalTimestamp, l1RollingHash, l1RollingHashMessageNumber, l2MerkleRoots, l2MerkleTreesDepth,
l2MessagingBlocksOffsets): DEFAULT_ADMIN_ROLE (the security council)."""

# L2 (L2MessageService)
INBOX_L1_L2_MESSAGE_STATUS = Fn("inboxL1L2MessageStatus(bytes32)", ("uint256",))
"""0 unknown, 1 received (anchored, claimable), 2 claimed."""
LAST_ANCHORED_L1_MESSAGE_NUMBER = Fn("lastAnchoredL1MessageNumber()", ("uint256",))
ANCHOR_L1_L2_MESSAGE_HASHES = Fn("anchorL1L2MessageHashes(bytes32[],uint256,uint256,bytes32)")
MINIMUM_FEE_IN_WEI = Fn("minimumFeeInWei()", ("uint256",))
L1_ROLLING_HASHES_ON_L2 = Fn("l1RollingHashes(uint256)", ("bytes32",))
SET_MINIMUM_FEE = Fn("setMinimumFee(uint256)")
L2_INITIALIZE = Fn("initialize(address,address,uint256,uint256)")
"""(securityCouncil, l1l2MessageSetter, rateLimitPeriod, rateLimitAmount)."""
L1_INITIALIZE = Fn("initialize(bytes32,uint256,address,address,address[],uint256,uint256,uint256)")
"""(initialStateRootHash, initialL2BlockNumber, defaultVerifier, securityCouncil, operators,
rateLimitPeriodInSeconds, rateLimitAmountInWei, systemMigrationBlock)."""
NEXT_MESSAGE_NUMBER = Fn("nextMessageNumber()", ("uint256",))

MESSAGE_SENT_TOPIC = event_topic(
    "MessageSent(address,address,uint256,uint256,uint256,bytes,bytes32)"
)
"""Indexed: _from, _to, _messageHash; data: (fee, value, nonce, calldata). Both layers."""
MESSAGE_CLAIMED_TOPIC = event_topic("MessageClaimed(bytes32)")
L1_ROLLING_HASH_UPDATED_TOPIC = event_topic("RollingHashUpdated(uint256,bytes32,bytes32)")
"""L1: indexed messageNumber, rollingHash, messageHash."""
L2_ROLLING_HASH_UPDATED_TOPIC = event_topic("RollingHashUpdated(uint256,bytes32)")
L2_MERKLE_ROOT_ADDED_TOPIC = event_topic("L2MerkleRootAdded(bytes32,uint256)")
"""Indexed: l2MerkleRoot, treeDepth."""
L2_MESSAGING_BLOCK_ANCHORED_TOPIC = event_topic("L2MessagingBlockAnchored(uint256)")
"""Indexed: l2Block: an L2 block with L2->L1 messages, finalized by this transaction."""
DATA_FINALIZED_TOPIC = event_topic("DataFinalized(uint256,bytes32,bytes32,bool)")
"""Indexed: lastBlockFinalized, startingRootHash, finalRootHash; data: withProof."""
