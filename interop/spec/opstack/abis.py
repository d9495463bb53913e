"""The few OP Stack contract functions and events the adapter uses, as human-readable signatures.

Kept in our code (not loaded from npm artifacts) so the adapter runs without the devnet packages;
the devnet imports the same signatures from here (the spec layer), never from the adapter.
Signatures match contracts-bedrock (OptimismPortal 2.x / OptimismPortal2 3.x, L2OutputOracle,
DisputeGameFactory, FaultDisputeGame, CrossDomainMessenger, StandardBridge, GasPriceOracle).
"""

from __future__ import annotations

from collections.abc import Sequence

from interop.abi import Fn, event_topic
from interop.spec.opstack.predeploys import (
    GAS_PRICE_ORACLE,
    L1_BLOCK,
    L2_CROSS_DOMAIN_MESSENGER,
    L2_STANDARD_BRIDGE,
    L2_TO_L1_MESSAGE_PASSER,
    LEGACY_ERC20_ETH,
)
from interop.types import Address, Hash32

__all__ = [
    "BASE_GAS",
    "CHECK_WITHDRAWAL",
    "DEPOSIT_ETH_TO",
    "DEPOSIT_TRANSACTION",
    "DISPUTE_GAME_BLACKLIST",
    "DISPUTE_GAME_FINALITY_DELAY",
    "FAILED_MESSAGES",
    "FINALIZATION_PERIOD",
    "FINALIZED_WITHDRAWALS",
    "FINALIZE_WITHDRAWAL",
    "FINALIZE_WITHDRAWAL_EXTERNAL",
    "FIND_LATEST_GAMES",
    "GAME_AT_INDEX",
    "GAME_COUNT",
    "GAME_CREATED_AT",
    "GAME_IMPLS",
    "GAME_L2_BLOCK_NUMBER",
    "GAME_L2_SEQUENCE_NUMBER",
    "GAME_MAX_CLOCK_DURATION",
    "GAME_RESOLVED_AT",
    "GAME_ROOT_CLAIM",
    "GAME_STATUS",
    "GAME_TYPE",
    "GAS_PRICE_ORACLE",
    "GET_L2_OUTPUT",
    "GET_L2_OUTPUT_INDEX_AFTER",
    "GPO_BASE_FEE_SCALAR",
    "GPO_BLOB_BASE_FEE",
    "GPO_BLOB_BASE_FEE_SCALAR",
    "GPO_GET_L1_FEE",
    "GPO_GET_L1_FEE_UPPER_BOUND",
    "GPO_IS_ECOTONE",
    "GPO_IS_FJORD",
    "GPO_L1_BASE_FEE",
    "INITIATE_WITHDRAWAL",
    "L1_BLOCK",
    "L2_BLOCK_TIME",
    "L2_CROSS_DOMAIN_MESSENGER",
    "L2_STANDARD_BRIDGE",
    "L2_TO_L1_MESSAGE_PASSER",
    "LATEST_BLOCK_NUMBER",
    "LATEST_OUTPUT_INDEX",
    "LEGACY_ERC20_ETH",
    "MESSAGE_NONCE",
    "MINIMUM_GAS_LIMIT",
    "NUM_PROOF_SUBMITTERS",
    "OUTPUT_ROOT_PROOF",
    "PORTAL_VERSION",
    "PREDEPLOYS",
    "PROOF_MATURITY_DELAY",
    "PROOF_SUBMITTERS",
    "PROVEN_WITHDRAWALS_2",
    "PROVEN_WITHDRAWALS_LEGACY",
    "PROVE_WITHDRAWAL",
    "RESPECTED_GAME_TYPE",
    "RESPECTED_GAME_TYPE_UPDATED_AT",
    "SEND_MESSAGE",
    "SENT_MESSAGES",
    "SENT_MESSAGE_EXT1_TOPIC",
    "SENT_MESSAGE_TOPIC",
    "SUBMISSION_INTERVAL",
    "SUCCESSFUL_MESSAGES",
    "WD_TUPLE",
    "WITHDRAWAL_PROVEN_EXT1_TOPIC",
    "WITHDRAW_TO",
    "Fn",
    "event_topic",
    "topics_of",
]


PREDEPLOYS: dict[str, Address] = {
    "L2CrossDomainMessenger": L2_CROSS_DOMAIN_MESSENGER,
    "L2StandardBridge": L2_STANDARD_BRIDGE,
    "L2ToL1MessagePasser": L2_TO_L1_MESSAGE_PASSER,
    "L1Block": L1_BLOCK,
    "GasPriceOracle": GAS_PRICE_ORACLE,
}

WD_TUPLE = "(uint256,address,address,uint256,uint256,bytes)"
OUTPUT_ROOT_PROOF = "(bytes32,bytes32,bytes32,bytes32)"

# OptimismPortal / OptimismPortal2
DEPOSIT_TRANSACTION = Fn("depositTransaction(address,uint256,uint64,bool,bytes)")
MINIMUM_GAS_LIMIT = Fn("minimumGasLimit(uint64)", ("uint64",))
PORTAL_VERSION = Fn("version()", ("string",))
PROVE_WITHDRAWAL = Fn(f"proveWithdrawalTransaction({WD_TUPLE},uint256,{OUTPUT_ROOT_PROOF},bytes[])")
FINALIZE_WITHDRAWAL = Fn(f"finalizeWithdrawalTransaction({WD_TUPLE})")
FINALIZE_WITHDRAWAL_EXTERNAL = Fn(f"finalizeWithdrawalTransactionExternalProof({WD_TUPLE},address)")
FINALIZED_WITHDRAWALS = Fn("finalizedWithdrawals(bytes32)", ("bool",))
PROVEN_WITHDRAWALS_LEGACY = Fn("provenWithdrawals(bytes32)", ("bytes32", "uint128", "uint128"))
PROVEN_WITHDRAWALS_2 = Fn("provenWithdrawals(bytes32,address)", ("address", "uint64"))
CHECK_WITHDRAWAL = Fn("checkWithdrawal(bytes32,address)")
RESPECTED_GAME_TYPE = Fn("respectedGameType()", ("uint32",))
RESPECTED_GAME_TYPE_UPDATED_AT = Fn("respectedGameTypeUpdatedAt()", ("uint64",))
DISPUTE_GAME_BLACKLIST = Fn("disputeGameBlacklist(address)", ("bool",))
PROOF_MATURITY_DELAY = Fn("proofMaturityDelaySeconds()", ("uint256",))
DISPUTE_GAME_FINALITY_DELAY = Fn("disputeGameFinalityDelaySeconds()", ("uint256",))
NUM_PROOF_SUBMITTERS = Fn("numProofSubmitters(bytes32)", ("uint256",))
PROOF_SUBMITTERS = Fn("proofSubmitters(bytes32,uint256)", ("address",))

# L2OutputOracle
GET_L2_OUTPUT_INDEX_AFTER = Fn("getL2OutputIndexAfter(uint256)", ("uint256",))
GET_L2_OUTPUT = Fn("getL2Output(uint256)", ("(bytes32,uint128,uint128)",))
LATEST_BLOCK_NUMBER = Fn("latestBlockNumber()", ("uint256",))
LATEST_OUTPUT_INDEX = Fn("latestOutputIndex()", ("uint256",))
FINALIZATION_PERIOD = Fn("finalizationPeriodSeconds()", ("uint256",))
SUBMISSION_INTERVAL = Fn("submissionInterval()", ("uint256",))
L2_BLOCK_TIME = Fn("l2BlockTime()", ("uint256",))

# DisputeGameFactory / FaultDisputeGame
GAME_COUNT = Fn("gameCount()", ("uint256",))
FIND_LATEST_GAMES = Fn(
    "findLatestGames(uint32,uint256,uint256)", ("(uint256,bytes32,uint64,bytes32,bytes)[]",)
)
GAME_AT_INDEX = Fn("gameAtIndex(uint256)", ("uint32", "uint64", "address"))
GAME_STATUS = Fn("status()", ("uint8",))
GAME_RESOLVED_AT = Fn("resolvedAt()", ("uint64",))
GAME_CREATED_AT = Fn("createdAt()", ("uint64",))
GAME_L2_BLOCK_NUMBER = Fn("l2BlockNumber()", ("uint256",))
GAME_L2_SEQUENCE_NUMBER = Fn("l2SequenceNumber()", ("uint256",))
"""Newer contract releases' name for what `l2BlockNumber()` answers (the L2 block, or for
super-root games the timestamp, the game's output commits to); a game answers one or both."""
GAME_IMPLS = Fn("gameImpls(uint32)", ("address",))
GAME_MAX_CLOCK_DURATION = Fn("maxClockDuration()", ("uint64",))
GAME_ROOT_CLAIM = Fn("rootClaim()", ("bytes32",))
GAME_TYPE = Fn("gameType()", ("uint32",))

# GasPriceOracle (L2 predeploy): the L1 data fee of an L2 transaction
GPO_GET_L1_FEE = Fn("getL1Fee(bytes)", ("uint256",))
GPO_GET_L1_FEE_UPPER_BOUND = Fn("getL1FeeUpperBound(uint256)", ("uint256",))
GPO_IS_FJORD = Fn("isFjord()", ("bool",))
GPO_IS_ECOTONE = Fn("isEcotone()", ("bool",))
GPO_L1_BASE_FEE = Fn("l1BaseFee()", ("uint256",))
GPO_BLOB_BASE_FEE = Fn("blobBaseFee()", ("uint256",))
GPO_BASE_FEE_SCALAR = Fn("baseFeeScalar()", ("uint32",))
GPO_BLOB_BASE_FEE_SCALAR = Fn("blobBaseFeeScalar()", ("uint32",))

# CrossDomainMessenger (both sides)
SEND_MESSAGE = Fn("sendMessage(address,bytes,uint32)")
MESSAGE_NONCE = Fn("messageNonce()", ("uint256",))
BASE_GAS = Fn("baseGas(bytes,uint32)", ("uint64",))
SUCCESSFUL_MESSAGES = Fn("successfulMessages(bytes32)", ("bool",))
FAILED_MESSAGES = Fn("failedMessages(bytes32)", ("bool",))
SENT_MESSAGE_TOPIC = event_topic("SentMessage(address,address,bytes,uint256,uint256)")
SENT_MESSAGE_EXT1_TOPIC = event_topic("SentMessageExtension1(address,uint256)")

# Standard bridges / message passer
DEPOSIT_ETH_TO = Fn("depositETHTo(address,uint32,bytes)")
WITHDRAW_TO = Fn("withdrawTo(address,address,uint256,uint32,bytes)")
INITIATE_WITHDRAWAL = Fn("initiateWithdrawal(address,uint256,bytes)")
SENT_MESSAGES = Fn("sentMessages(bytes32)", ("bool",))

WITHDRAWAL_PROVEN_EXT1_TOPIC = event_topic("WithdrawalProvenExtension1(bytes32,address)")


def topics_of(names: Sequence[str]) -> list[Hash32]:
    return [event_topic(n) for n in names]
