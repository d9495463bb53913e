// SPDX-License-Identifier: MIT
// interop devnet: our own emulation of the ZKsync (ZK Stack) contracts a bridge user touches,
// written against the real interfaces and structs of @matterlabs/zksync-contracts (imported,
// never copied). See docs/devnet-zksync.md for what is emulated and why.
pragma solidity ^0.8.24;

import {BridgehubL2TransactionRequest, L2CanonicalTransaction, L2Log, L2Message, TxStatus} from "@matterlabs/zksync-contracts/contracts/l1-contracts/common/Messaging.sol";
import {L2TransactionRequestDirect} from "@matterlabs/zksync-contracts/contracts/l1-contracts/bridgehub/IBridgehub.sol";
import {FinalizeL1DepositParams} from "@matterlabs/zksync-contracts/contracts/l1-contracts/bridge/interfaces/IL1Nullifier.sol";
import {L2ToL1Log, L2_L1_LOGS_TREE_DEFAULT_LEAF_HASH} from "@matterlabs/zksync-contracts/contracts/system-contracts/interfaces/IL1Messenger.sol";

address constant L2_BOOTLOADER = address(0x8001);
address constant L2_TO_L1_MESSENGER = address(0x8008);
address constant L2_BASE_TOKEN = address(0x800A);
address constant ETH_TOKEN_ADDRESS = address(1);
uint256 constant REQUIRED_L2_GAS_PRICE_PER_PUBDATA = 800;
uint256 constant L1_GAS_PER_PUBDATA_BYTE = 17;
uint256 constant PRIORITY_TX_MAX_GAS_LIMIT = 72_000_000;
// The real TransactionValidator derives the minimum from the transaction's size and pubdata;
// the emulation asks a flat minimum, enough for anvil's intrinsic gas with margin.
uint256 constant EMU_MIN_L2_GAS_LIMIT = 100_000;
uint256 constant PRIORITY_OPERATION_L2_TX_TYPE = 255;
bytes4 constant FINALIZE_ETH_WITHDRAWAL = bytes4(keccak256("finalizeEthWithdrawal(uint256,uint256,uint16,bytes,bytes32[])"));
uint160 constant ALIAS_OFFSET = uint160(0x1111000000000000000000000000000000001111);

error BatchNotExecuted(uint256 batchNumber);
error WithdrawalAlreadyFinalized();
error InvalidProof();
error MsgValueMismatch(uint256 expected, uint256 provided);
error MintValueTooLow(uint256 required, uint256 provided);
error GasPerPubdataMismatch();
error TooMuchGas();
error ValidateTxnNotEnoughGas();
error Unauthorized(address caller);
error UnsupportedMessage();
error MerkleIndexOutOfBounds();
error HashedLogIsDefault();
error UnsupportedProofMetadataVersion(uint256 version);
error NotFinalProofNode();

/// The chain's diamond: Mailbox (priority queue, inclusion proofs), Getters and Executor
/// (batches committed, proven and executed by the devnet's operator).
contract EmuZkChain {
    address public immutable BRIDGEHUB;
    uint256 public immutable CHAIN_ID;
    address public operator;

    // FeeParams (Mailbox storage), Era's genesis values
    uint256 public minimalL2GasPrice = 250_000_000;
    uint256 public batchOverheadL1Gas = 1_000_000;
    uint256 public maxPubdataPerBatch = 120_000;
    uint256 public maxL2GasPerBatch = 80_000_000;

    uint256 public getTotalPriorityTxs;
    uint256 public getTotalBatchesCommitted;
    uint256 public getTotalBatchesVerified;
    uint256 public getTotalBatchesExecuted;
    mapping(uint256 => bytes32) internal committedRoots;
    mapping(uint256 => bytes32) public l2LogsRootHash;

    event NewPriorityRequest(uint256 txId, bytes32 txHash, uint64 expirationTimestamp, L2CanonicalTransaction transaction, bytes[] factoryDeps);
    event BlockCommit(uint256 indexed batchNumber, bytes32 indexed batchHash, bytes32 indexed commitment);
    event BlocksVerification(uint256 indexed previousLastVerifiedBatch, uint256 indexed currentLastVerifiedBatch);
    event BlockExecution(uint256 indexed batchNumber, bytes32 indexed batchHash, bytes32 indexed commitment);

    constructor(address bridgehub, uint256 chainId, address op) {
        BRIDGEHUB = bridgehub;
        CHAIN_ID = chainId;
        operator = op;
    }

    function getBridgehub() external view returns (address) { return BRIDGEHUB; }
    function getChainId() external view returns (uint256) { return CHAIN_ID; }

    function _deriveL2GasPrice(uint256 l1GasPrice, uint256 gasPerPubdata) internal view returns (uint256) {
        uint256 pubdata = L1_GAS_PER_PUBDATA_BYTE * l1GasPrice;
        uint256 overhead = batchOverheadL1Gas * l1GasPrice;
        uint256 fullPubdata = pubdata + overhead / maxPubdataPerBatch;
        uint256 l2 = minimalL2GasPrice + overhead / maxL2GasPerBatch;
        uint256 minL2 = (fullPubdata + gasPerPubdata - 1) / gasPerPubdata;
        return l2 > minL2 ? l2 : minL2;
    }

    function l2TransactionBaseCost(uint256 gasPrice, uint256 l2GasLimit, uint256 gasPerPubdata) public view returns (uint256) {
        return _deriveL2GasPrice(gasPrice, gasPerPubdata) * l2GasLimit;
    }

    function bridgehubRequestL2Transaction(BridgehubL2TransactionRequest calldata r) external returns (bytes32 canonicalTxHash) {
        if (msg.sender != BRIDGEHUB) revert Unauthorized(msg.sender);
        if (r.l2GasPerPubdataByteLimit != REQUIRED_L2_GAS_PRICE_PER_PUBDATA) revert GasPerPubdataMismatch();
        if (r.l2GasLimit > PRIORITY_TX_MAX_GAS_LIMIT) revert TooMuchGas();
        if (r.l2GasLimit < EMU_MIN_L2_GAS_LIMIT) revert ValidateTxnNotEnoughGas();
        uint256 l2GasPrice = _deriveL2GasPrice(tx.gasprice, r.l2GasPerPubdataByteLimit);
        uint256 required = l2GasPrice * r.l2GasLimit + r.l2Value;
        if (r.mintValue < required) revert MintValueTooLow(required, r.mintValue);
        address sender = r.sender;
        if (sender != tx.origin) sender = address(uint160(sender) + ALIAS_OFFSET);
        address refund = r.refundRecipient;
        if (refund == address(0)) refund = sender;
        else if (refund.code.length > 0) refund = address(uint160(refund) + ALIAS_OFFSET);
        uint256 txId = getTotalPriorityTxs++;
        uint256[] memory deps = new uint256[](r.factoryDeps.length);
        for (uint256 i = 0; i < deps.length; ++i) deps[i] = uint256(keccak256(r.factoryDeps[i]));
        L2CanonicalTransaction memory t = L2CanonicalTransaction({
            txType: PRIORITY_OPERATION_L2_TX_TYPE,
            from: uint256(uint160(sender)),
            to: uint256(uint160(r.contractL2)),
            gasLimit: r.l2GasLimit,
            gasPerPubdataByteLimit: r.l2GasPerPubdataByteLimit,
            maxFeePerGas: l2GasPrice,
            maxPriorityFeePerGas: 0,
            paymaster: 0,
            nonce: txId,
            value: r.l2Value,
            reserved: [r.mintValue, uint256(uint160(refund)), 0, 0],
            data: r.l2Calldata,
            signature: new bytes(0),
            factoryDeps: deps,
            paymasterInput: new bytes(0),
            reservedDynamic: new bytes(0)
        });
        canonicalTxHash = keccak256(abi.encode(t));
        emit NewPriorityRequest(txId, canonicalTxHash, uint64(block.timestamp), t, r.factoryDeps);
    }

    // ---- Executor (the devnet's operator commits, proves and executes, in order)

    function commitBatch(uint256 batchNumber, bytes32 l2LogsRoot) external {
        if (msg.sender != operator) revert Unauthorized(msg.sender);
        require(batchNumber == getTotalBatchesCommitted + 1, "batch order");
        committedRoots[batchNumber] = l2LogsRoot;
        getTotalBatchesCommitted = batchNumber;
        emit BlockCommit(batchNumber, l2LogsRoot, bytes32(0));
    }

    function proveBatches(uint256 upTo) external {
        if (msg.sender != operator) revert Unauthorized(msg.sender);
        require(upTo <= getTotalBatchesCommitted && upTo > getTotalBatchesVerified, "prove order");
        emit BlocksVerification(getTotalBatchesVerified, upTo);
        getTotalBatchesVerified = upTo;
    }

    function executeBatches(uint256 upTo) external {
        if (msg.sender != operator) revert Unauthorized(msg.sender);
        require(upTo <= getTotalBatchesVerified && upTo > getTotalBatchesExecuted, "execute order");
        for (uint256 b = getTotalBatchesExecuted + 1; b <= upTo; ++b) {
            l2LogsRootHash[b] = committedRoots[b];
            emit BlockExecution(b, committedRoots[b], bytes32(0));
        }
        getTotalBatchesExecuted = upTo;
    }

    // ---- Mailbox: inclusion proofs, as MessageHashing / Merkle read them

    function _root(bytes32[] calldata proof, uint256 index, bytes32 leaf) internal pure returns (bytes32) {
        uint256 start = 0;
        uint256 len = proof.length;
        bytes32 meta = proof[0];
        if ((uint256(meta) << 32) == 0) {
            if (uint8(meta[0]) != 1) revert UnsupportedProofMetadataVersion(uint8(meta[0]));
            if (uint8(meta[2]) != 0 || uint8(meta[3]) == 0) revert NotFinalProofNode();
            start = 1;
            len = uint8(meta[1]);
        }
        if (index >= (1 << len)) revert MerkleIndexOutOfBounds();
        bytes32 h = leaf;
        for (uint256 i = 0; i < len; ++i) {
            bytes32 s = proof[start + i];
            h = (index & 1) == 0 ? keccak256(abi.encodePacked(h, s)) : keccak256(abi.encodePacked(s, h));
            index >>= 1;
        }
        return h;
    }

    function proveL2LogInclusion(uint256 batchNumber, uint256 index, L2Log calldata log, bytes32[] calldata proof) public view returns (bool) {
        if (batchNumber > getTotalBatchesExecuted) revert BatchNotExecuted(batchNumber);
        bytes32 leaf = keccak256(abi.encodePacked(log.l2ShardId, log.isService, log.txNumberInBatch, log.sender, log.key, log.value));
        if (leaf == L2_L1_LOGS_TREE_DEFAULT_LEAF_HASH) revert HashedLogIsDefault();
        return _root(proof, index, leaf) == l2LogsRootHash[batchNumber];
    }

    function proveL2MessageInclusion(uint256 batchNumber, uint256 index, L2Message calldata message, bytes32[] calldata proof) public view returns (bool) {
        L2Log memory log = L2Log({l2ShardId: 0, isService: true, txNumberInBatch: message.txNumberInBatch, sender: L2_TO_L1_MESSENGER, key: bytes32(uint256(uint160(message.sender))), value: keccak256(message.data)});
        return this.proveL2LogInclusion(batchNumber, index, log, proof);
    }

    function proveL1ToL2TransactionStatus(bytes32 l2TxHash, uint256 batchNumber, uint256 index, uint16 txNumberInBatch, bytes32[] calldata proof, TxStatus status) external view returns (bool) {
        L2Log memory log = L2Log({l2ShardId: 0, isService: true, txNumberInBatch: txNumberInBatch, sender: L2_BOOTLOADER, key: l2TxHash, value: bytes32(uint256(status))});
        return this.proveL2LogInclusion(batchNumber, index, log, proof);
    }
}

/// Bridgehub: the entry point for L1->L2 requests and the registry of chains.
contract EmuBridgehub {
    mapping(uint256 => address) public getZKChain;
    address public immutable admin;
    address public sharedBridge;
    address public nullifier;

    constructor() { admin = msg.sender; }

    function setAddresses(address assetRouter, address l1Nullifier) external {
        require(msg.sender == admin);
        sharedBridge = assetRouter;
        nullifier = l1Nullifier;
    }

    function assetRouter() external view returns (address) { return sharedBridge; }

    function baseToken(uint256) external pure returns (address) { return ETH_TOKEN_ADDRESS; }

    function registerChain(uint256 chainId, address zkChain) external {
        require(msg.sender == admin);
        getZKChain[chainId] = zkChain;
    }

    function l2TransactionBaseCost(uint256 chainId, uint256 gasPrice, uint256 l2GasLimit, uint256 gasPerPubdata) external view returns (uint256) {
        return EmuZkChain(getZKChain[chainId]).l2TransactionBaseCost(gasPrice, l2GasLimit, gasPerPubdata);
    }

    function requestL2TransactionDirect(L2TransactionRequestDirect calldata r) external payable returns (bytes32) {
        address chain = getZKChain[r.chainId];
        require(chain != address(0), "unknown chain");
        if (msg.value != r.mintValue) revert MsgValueMismatch(r.mintValue, msg.value);
        EmuL1AssetRouter(sharedBridge).bridgehubDepositBaseToken{value: msg.value}(r.chainId, msg.sender, r.mintValue);
        return EmuZkChain(chain).bridgehubRequestL2Transaction(BridgehubL2TransactionRequest({
            sender: msg.sender,
            contractL2: r.l2Contract,
            mintValue: r.mintValue,
            l2Value: r.l2Value,
            l2Calldata: r.l2Calldata,
            l2GasLimit: r.l2GasLimit,
            l2GasPerPubdataByteLimit: r.l2GasPerPubdataByteLimit,
            factoryDeps: r.factoryDeps,
            refundRecipient: r.refundRecipient
        }));
    }

    function proveL2MessageInclusion(uint256 chainId, uint256 batchNumber, uint256 index, L2Message calldata message, bytes32[] calldata proof) external view returns (bool) {
        return EmuZkChain(getZKChain[chainId]).proveL2MessageInclusion(batchNumber, index, message, proof);
    }

    function proveL2LogInclusion(uint256 chainId, uint256 batchNumber, uint256 index, L2Log calldata log, bytes32[] calldata proof) external view returns (bool) {
        return EmuZkChain(getZKChain[chainId]).proveL2LogInclusion(batchNumber, index, log, proof);
    }
}

/// L1AssetRouter (the Bridgehub's `sharedBridge`): takes the base token of deposits to the
/// nullifier's escrow; its legacy `finalizeWithdrawal` forwards to the nullifier, as the real one.
contract EmuL1AssetRouter {
    address public immutable BRIDGE_HUB;
    address payable public immutable L1_NULLIFIER;

    constructor(address bridgehub, address payable l1Nullifier) {
        BRIDGE_HUB = bridgehub;
        L1_NULLIFIER = l1Nullifier;
    }

    function bridgehubDepositBaseToken(uint256 chainId, address, uint256 amount) external payable {
        if (msg.sender != BRIDGE_HUB) revert Unauthorized(msg.sender);
        EmuL1Nullifier(L1_NULLIFIER).lockBaseToken{value: amount}(chainId);
    }

    function finalizeWithdrawal(uint256 chainId, uint256 batch, uint256 index, uint16 txNumber, bytes calldata message, bytes32[] calldata proof) external {
        EmuL1Nullifier(L1_NULLIFIER).finalizeDeposit(FinalizeL1DepositParams({chainId: chainId, l2BatchNumber: batch, l2MessageIndex: index, l2Sender: L2_BASE_TOKEN, l2TxNumberInBatch: txNumber, message: message, merkleProof: proof}));
    }
}

/// L1Nullifier: finalizes withdrawals once (isWithdrawalFinalized) and, in this emulation,
/// also holds the chain's ETH (the real v26 system keeps it in the L1NativeTokenVault, with a
/// per-chain balance; with one chain on the devnet the escrow's balance is that chain's).
contract EmuL1Nullifier {
    address public immutable BRIDGE_HUB;
    address public assetRouter;
    mapping(uint256 => mapping(uint256 => mapping(uint256 => bool))) public isWithdrawalFinalized;

    event BaseTokenLocked(uint256 indexed chainId, uint256 amount);
    event WithdrawalFinalized(uint256 indexed chainId, address indexed to, uint256 amount, uint256 batchNumber, uint256 messageIndex);

    constructor(address bridgehub) { BRIDGE_HUB = bridgehub; }

    function setAssetRouter(address r) external {
        require(assetRouter == address(0));
        assetRouter = r;
    }

    receive() external payable {}

    function lockBaseToken(uint256 chainId) external payable {
        if (msg.sender != assetRouter) revert Unauthorized(msg.sender);
        emit BaseTokenLocked(chainId, msg.value);
    }

    function finalizeWithdrawal(uint256 chainId, uint256 batch, uint256 index, uint16 txNumber, bytes calldata message, bytes32[] calldata proof) external {
        _finalize(chainId, batch, index, L2_BASE_TOKEN, txNumber, message, proof);
    }

    function finalizeDeposit(FinalizeL1DepositParams calldata p) external {
        _finalize(p.chainId, p.l2BatchNumber, p.l2MessageIndex, p.l2Sender, p.l2TxNumberInBatch, p.message, p.merkleProof);
    }

    function _finalize(uint256 chainId, uint256 batch, uint256 index, address l2Sender, uint16 txNumber, bytes calldata message, bytes32[] calldata proof) internal {
        if (isWithdrawalFinalized[chainId][batch][index]) revert WithdrawalAlreadyFinalized();
        if (l2Sender != L2_BASE_TOKEN || message.length < 56 || bytes4(message[0:4]) != FINALIZE_ETH_WITHDRAWAL) revert UnsupportedMessage();
        bool ok = EmuBridgehub(BRIDGE_HUB).proveL2MessageInclusion(chainId, batch, index, L2Message({txNumberInBatch: txNumber, sender: l2Sender, data: message}), proof);
        if (!ok) revert InvalidProof();
        address to = address(bytes20(message[4:24]));
        uint256 amount = uint256(bytes32(message[24:56]));
        isWithdrawalFinalized[chainId][batch][index] = true;
        (bool sent, ) = to.call{value: amount}("");
        require(sent, "ETH transfer failed");
        emit WithdrawalFinalized(chainId, to, amount, batch, index);
    }
}

/// L2 0x…8008: L1Messenger. The log's txNumberInBlock is the sequencer's to know: the devnet's
/// sequencer fills it in when it seals the batch (this contract emits 0 there).
contract EmuL1Messenger {
    event L1MessageSent(address indexed _sender, bytes32 indexed _hash, bytes _message);
    event L2ToL1LogSent(L2ToL1Log _l2log);

    function sendToL1(bytes calldata message) external returns (bytes32 hash) {
        hash = keccak256(message);
        emit L2ToL1LogSent(L2ToL1Log({l2ShardId: 0, isService: true, txNumberInBlock: 0, sender: address(this), key: bytes32(uint256(uint160(msg.sender))), value: hash}));
        emit L1MessageSent(msg.sender, hash, message);
    }
}

/// L2 0x…800A: L2BaseToken (ETH). Withdrawn ETH stays at this address, which has no way to
/// spend it: burnt, as the real contract burns it from its balance.
contract EmuL2BaseToken {
    event Withdrawal(address indexed _l2Sender, address indexed _l1Receiver, uint256 _amount);
    event WithdrawalWithMessage(address indexed _l2Sender, address indexed _l1Receiver, uint256 _amount, bytes _additionalData);

    function balanceOf(uint256 account) external view returns (uint256) {
        return address(uint160(account)).balance;
    }

    function withdraw(address _l1Receiver) external payable {
        EmuL1Messenger(L2_TO_L1_MESSENGER).sendToL1(abi.encodePacked(FINALIZE_ETH_WITHDRAWAL, _l1Receiver, msg.value));
        emit Withdrawal(msg.sender, _l1Receiver, msg.value);
    }

    function withdrawWithMessage(address _l1Receiver, bytes calldata _additionalData) external payable {
        EmuL1Messenger(L2_TO_L1_MESSENGER).sendToL1(abi.encodePacked(FINALIZE_ETH_WITHDRAWAL, _l1Receiver, msg.value, msg.sender, _additionalData));
        emit WithdrawalWithMessage(msg.sender, _l1Receiver, msg.value, _additionalData);
    }
}
