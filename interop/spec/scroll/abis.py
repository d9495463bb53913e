"""The Scroll functions and events the adapter and the devnet use, as in
`@scroll-tech/contracts@4.0.0` (file named at each group). Kept as data so the adapter needs no
compiled artifacts at run time."""

from __future__ import annotations

from interop.abi import Fn, event_topic

# L1/gateways/L1GatewayRouter.sol, L1ETHGateway.sol
L1_ROUTER_DEPOSIT_ETH = Fn("depositETH(address,uint256,uint256)")
L1_ETH_GATEWAY_FINALIZE_WITHDRAW = Fn("finalizeWithdrawETH(address,address,uint256,bytes)")
# L2/gateways/L2GatewayRouter.sol, L2ETHGateway.sol
L2_ROUTER_WITHDRAW_ETH = Fn("withdrawETH(address,uint256,uint256)")
L2_ETH_GATEWAY_FINALIZE_DEPOSIT = Fn("finalizeDepositETH(address,address,uint256,bytes)")
GATEWAY_COUNTERPART = Fn("counterpart()", ("address",))
ROUTER_ETH_GATEWAY = Fn("ethGateway()", ("address",))
# libraries/IScrollMessenger.sol and both messengers
SEND_MESSAGE = Fn("sendMessage(address,uint256,bytes,uint256)")
SEND_MESSAGE_REFUND = Fn("sendMessage(address,uint256,bytes,uint256,address)")
RELAY_MESSAGE = Fn("relayMessage(address,address,uint256,uint256,bytes)")
RELAY_MESSAGE_WITH_PROOF = Fn(
    "relayMessageWithProof(address,address,uint256,uint256,bytes,(uint256,bytes))"
)
REPLAY_MESSAGE = Fn("replayMessage(address,address,uint256,uint256,bytes,uint32,address)")
IS_L1_MESSAGE_EXECUTED = Fn("isL1MessageExecuted(bytes32)", ("bool",))
IS_L2_MESSAGE_EXECUTED = Fn("isL2MessageExecuted(bytes32)", ("bool",))
MESSAGE_SEND_TIMESTAMP = Fn("messageSendTimestamp(bytes32)", ("uint256",))
REPLAY_STATES = Fn("replayStates(bytes32)", ("uint128", "uint128"))
MESSENGER_COUNTERPART = Fn("counterpart()", ("address",))
MESSENGER_ROLLUP = Fn("rollup()", ("address",))
MESSENGER_QUEUE_V2 = Fn("messageQueueV2()", ("address",))
SENT_MESSAGE_TOPIC = event_topic("SentMessage(address,address,uint256,uint256,uint256,bytes)")
RELAYED_MESSAGE_TOPIC = event_topic("RelayedMessage(bytes32)")
FAILED_RELAYED_MESSAGE_TOPIC = event_topic("FailedRelayedMessage(bytes32)")
# L1/rollup/L1MessageQueueV2.sol
ESTIMATE_CROSS_DOMAIN_MESSAGE_FEE = Fn("estimateCrossDomainMessageFee(uint256)", ("uint256",))
CALCULATE_INTRINSIC_GAS_FEE = Fn("calculateIntrinsicGasFee(bytes)", ("uint256",))
NEXT_CROSS_DOMAIN_MESSAGE_INDEX = Fn("nextCrossDomainMessageIndex()", ("uint256",))
NEXT_UNFINALIZED_QUEUE_INDEX = Fn("nextUnfinalizedQueueIndex()", ("uint256",))
QUEUE_TRANSACTION_TOPIC = event_topic(
    "QueueTransaction(address,address,uint256,uint64,uint256,bytes)"
)
# L1/system-contract/SystemConfig.sol
MESSAGE_QUEUE_PARAMETERS = Fn(
    "messageQueueParameters()", ("uint32", "uint112", "uint112")
)  # (maxGasLimit, baseFeeOverhead, baseFeeScalar)
# L1/rollup/ScrollChain.sol (+ mocks/ScrollChainMockFinalize.sol)
LAST_FINALIZED_BATCH_INDEX = Fn("lastFinalizedBatchIndex()", ("uint256",))
IS_BATCH_FINALIZED = Fn("isBatchFinalized(uint256)", ("bool",))
WITHDRAW_ROOTS = Fn("withdrawRoots(uint256)", ("bytes32",))
COMMITTED_BATCHES = Fn("committedBatches(uint256)", ("bytes32",))
COMMIT_BATCHES = Fn("commitBatches(uint8,bytes32,bytes32)")
IMPORT_GENESIS_BATCH = Fn("importGenesisBatch(bytes,bytes32)")
FINALIZE_NO_PROOF = Fn("finalizeBundlePostEuclidV2NoProof(bytes,uint256,bytes32,bytes32)")
COMMIT_BATCH_TOPIC = event_topic("CommitBatch(uint256,bytes32)")
FINALIZE_BATCH_TOPIC = event_topic("FinalizeBatch(uint256,bytes32,bytes32,bytes32)")
# L2/predeploys/L2MessageQueue.sol
L2_MESSAGE_ROOT = Fn("messageRoot()", ("bytes32",))
L2_NEXT_MESSAGE_INDEX = Fn("nextMessageIndex()", ("uint256",))
APPEND_MESSAGE_TOPIC = event_topic("AppendMessage(uint256,bytes32)")
# L2/predeploys/L1GasPriceOracle.sol
GET_L1_FEE = Fn("getL1Fee(bytes)", ("uint256",))
