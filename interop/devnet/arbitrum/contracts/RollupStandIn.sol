// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

interface IOutboxSendRoot {
    function updateSendRoot(bytes32 sendRoot, bytes32 l2BlockHash) external;
}

/// @title Rollup stand-in for the interop devnet
/// @notice Replaces Nitro's RollupProxy (BoLD / classic) with the part the bridge needs: the
/// Bridge's `rollup()` (with `owner()`), assertions of (L2 block hash, send root, send count)
/// posted by a validator, and confirmation after a period, which hands the send root to the
/// real Outbox. No staking, challenges or state transition checks. View names follow the
/// classic RollupCore where one exists.
contract RollupStandIn {
    struct Assertion {
        bytes32 l2BlockHash;
        bytes32 sendRoot;
        uint64 sendCount;
        uint64 l2BlockNumber;
        uint64 createdAtBlock;
        uint64 createdAtTimestamp;
        bool confirmed;
    }

    address public owner;
    address public validator;
    address public bridge;
    address public inbox;
    address public outbox;
    uint64 public confirmPeriodBlocks;
    uint64 public confirmPeriodSeconds;
    uint64 public latestNodeCreated;
    uint64 public latestConfirmed;
    mapping(uint64 => Assertion) internal _assertions;

    event AssertionPosted(
        uint64 indexed assertionNum, bytes32 indexed l2BlockHash, bytes32 sendRoot, uint64 sendCount, uint64 l2BlockNumber
    );
    event NodeConfirmed(uint64 indexed nodeNum, bytes32 blockHash, bytes32 sendRoot);

    constructor(address owner_, address validator_, uint64 periodBlocks, uint64 periodSeconds) {
        owner = owner_;
        validator = validator_;
        confirmPeriodBlocks = periodBlocks;
        confirmPeriodSeconds = periodSeconds;
    }

    function setBridgeContracts(address bridge_, address inbox_, address outbox_) external {
        require(msg.sender == owner, "only owner");
        bridge = bridge_;
        inbox = inbox_;
        outbox = outbox_;
    }

    function setConfirmPeriod(uint64 periodBlocks, uint64 periodSeconds) external {
        require(msg.sender == owner, "only owner");
        confirmPeriodBlocks = periodBlocks;
        confirmPeriodSeconds = periodSeconds;
    }

    function createAssertion(bytes32 l2BlockHash, uint64 l2BlockNumber, bytes32 sendRoot, uint64 sendCount)
        external
        returns (uint64 num)
    {
        require(msg.sender == validator, "only validator");
        num = latestNodeCreated + 1;
        if (num > 1) {
            Assertion storage prev = _assertions[num - 1];
            require(sendCount >= prev.sendCount && l2BlockNumber >= prev.l2BlockNumber, "assertion goes backwards");
        }
        latestNodeCreated = num;
        _assertions[num] = Assertion({
            l2BlockHash: l2BlockHash,
            sendRoot: sendRoot,
            sendCount: sendCount,
            l2BlockNumber: l2BlockNumber,
            createdAtBlock: uint64(block.number),
            createdAtTimestamp: uint64(block.timestamp),
            confirmed: false
        });
        emit AssertionPosted(num, l2BlockHash, sendRoot, sendCount, l2BlockNumber);
    }

    function getAssertion(uint64 num)
        external
        view
        returns (
            bytes32 l2BlockHash,
            bytes32 sendRoot,
            uint64 sendCount,
            uint64 l2BlockNumber,
            uint64 createdAtBlock,
            uint64 createdAtTimestamp,
            bool confirmed
        )
    {
        require(num >= 1 && num <= latestNodeCreated, "no such assertion");
        Assertion storage a = _assertions[num];
        return (a.l2BlockHash, a.sendRoot, a.sendCount, a.l2BlockNumber, a.createdAtBlock, a.createdAtTimestamp, a.confirmed);
    }

    function assertionDeadline(uint64 num) public view returns (uint64 deadlineBlock, uint64 deadlineTimestamp) {
        require(num >= 1 && num <= latestNodeCreated, "no such assertion");
        Assertion storage a = _assertions[num];
        return (a.createdAtBlock + confirmPeriodBlocks, a.createdAtTimestamp + confirmPeriodSeconds);
    }

    function isConfirmable(uint64 num) public view returns (bool) {
        if (num != latestConfirmed + 1 || num > latestNodeCreated) return false;
        (uint64 b, uint64 t) = assertionDeadline(num);
        return block.number >= b && block.timestamp >= t;
    }

    function confirmNextAssertion() external {
        uint64 num = latestConfirmed + 1;
        require(isConfirmable(num), "assertion not confirmable yet");
        Assertion storage a = _assertions[num];
        a.confirmed = true;
        latestConfirmed = num;
        IOutboxSendRoot(outbox).updateSendRoot(a.sendRoot, a.l2BlockHash);
        emit NodeConfirmed(num, a.l2BlockHash, a.sendRoot);
    }
}
