// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

/// @title L2SequenceNumberGame
/// @notice The devnet's dispute game implementation for game type 0: the FaultDisputeGame of
///         contracts-bedrock 0.17.3 (the newest OP Stack release in the npm registry), deployed
///         unchanged at `GAME`, plus the `l2SequenceNumber()` view that later releases add and
///         current clients (viem) call on every game. On those releases it returns the same
///         number as `l2BlockNumber()` for output-root games, and so it does here.
/// @dev    The factory clones this contract (a clone with immutable arguments: creator, root
///         claim, L1 head and extra data are appended to every call's calldata) exactly as it
///         clones a FaultDisputeGame. Every call is delegated to `GAME` with the calldata
///         unchanged, so the appended arguments still end the calldata and the game's code runs
///         on the clone's storage, balance, `msg.sender` and `msg.value`; only the selector of
///         `l2SequenceNumber()` is replaced by that of `l2BlockNumber()`. There is no storage,
///         no other function and no receive: every outcome, revert data included, is the
///         unchanged game's.
contract L2SequenceNumberGame {
    address private immutable GAME;
    bytes4 private constant L2_SEQUENCE_NUMBER = bytes4(keccak256("l2SequenceNumber()"));
    bytes4 private constant L2_BLOCK_NUMBER = bytes4(keccak256("l2BlockNumber()"));

    constructor(address game) {
        GAME = game;
    }

    fallback() external payable {
        address game = GAME;
        bytes4 sequenceNumber = L2_SEQUENCE_NUMBER;
        bytes4 blockNumber = L2_BLOCK_NUMBER;
        assembly {
            calldatacopy(0, 0, calldatasize())
            let selectorMask := shl(224, 0xffffffff)
            // (a bytes4 read in assembly is not cleaned: mask it)
            if eq(and(calldataload(0), selectorMask), and(sequenceNumber, selectorMask)) {
                mstore(0, or(and(mload(0), not(selectorMask)), and(blockNumber, selectorMask)))
            }
            let ok := delegatecall(gas(), game, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) { revert(0, returndatasize()) }
            return(0, returndatasize())
        }
    }
}
