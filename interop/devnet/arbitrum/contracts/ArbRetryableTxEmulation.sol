// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

/// @title ArbRetryableTx (0x6E) emulation for the interop devnet
/// @notice Holds retryable tickets and their escrowed call value, with Nitro's public functions
/// and events. Tickets are created by the devnet relayer (acting as ArbOS, 0xA4B05) when it
/// executes an L1 submit-retryable message; retries are executed by the relayer as transactions
/// from the ticket's (aliased) sender, because only the node can send as that address.
contract ArbRetryableTxEmulation {
    address internal constant ARBOS = 0x00000000000000000000000000000000000A4B05;
    uint256 internal constant DEFAULT_LIFETIME = 7 days;

    struct Ticket {
        address from;
        address to;
        uint256 callvalue;
        address beneficiary;
        uint64 timeout;
        uint64 numTries;
        uint64 gasLimit;
        bytes data;
    }

    uint256 private _lifetime; // slot 0, written by the devnet (0 = 7 days)
    mapping(bytes32 => Ticket) private _tickets; // slot 1
    address private _currentRedeemer; // slot 2

    event TicketCreated(bytes32 indexed ticketId);
    event LifetimeExtended(bytes32 indexed ticketId, uint256 newTimeout);
    event RedeemScheduled(
        bytes32 indexed ticketId,
        bytes32 indexed retryTxHash,
        uint64 indexed sequenceNum,
        uint64 donatedGas,
        address gasDonor,
        uint256 maxRefund,
        uint256 submissionFeeRefund
    );
    event Canceled(bytes32 indexed ticketId);
    event Redeemed(bytes32 indexed userTxHash);

    error NoTicketWithID();
    error NotCallable();

    modifier onlyArbOS() {
        require(msg.sender == ARBOS, "only ArbOS");
        _;
    }

    function getLifetime() public view returns (uint256) {
        uint256 l = _lifetime;
        return l == 0 ? DEFAULT_LIFETIME : l;
    }

    function _live(bytes32 ticketId) internal view returns (Ticket storage t) {
        t = _tickets[ticketId];
        if (t.timeout == 0 || t.timeout < block.timestamp) revert NoTicketWithID();
    }

    function getTimeout(bytes32 ticketId) external view returns (uint256) {
        return _live(ticketId).timeout;
    }

    function getBeneficiary(bytes32 ticketId) external view returns (address) {
        return _live(ticketId).beneficiary;
    }

    function getCurrentRedeemer() external view returns (address) {
        return _currentRedeemer;
    }

    /// @notice Extends the ticket by one lifetime (no rent is charged in the emulation).
    function keepalive(bytes32 ticketId) external returns (uint256) {
        Ticket storage t = _live(ticketId);
        uint256 newTimeout = uint256(t.timeout) + getLifetime();
        require(newTimeout <= block.timestamp + getLifetime(), "timeout too far into the future");
        t.timeout = uint64(newTimeout);
        emit LifetimeExtended(ticketId, newTimeout);
        return newTimeout;
    }

    /// @notice Beneficiary only: deletes the ticket and refunds the escrowed call value.
    function cancel(bytes32 ticketId) external {
        Ticket storage t = _live(ticketId);
        require(msg.sender == t.beneficiary, "only the beneficiary may cancel a retryable");
        address beneficiary = t.beneficiary;
        uint256 value = t.callvalue;
        delete _tickets[ticketId];
        emit Canceled(ticketId);
        (bool ok,) = beneficiary.call{value: value}("");
        require(ok, "refund failed");
    }

    /// @notice Schedules a retry. The retry tx hash is an emulation id
    /// (keccak(0x68 || ticketId || sequenceNum)); the relayer executes the retry right after.
    function redeem(bytes32 ticketId) external returns (bytes32) {
        Ticket storage t = _live(ticketId);
        uint64 seq = t.numTries;
        t.numTries = seq + 1;
        bytes32 retryTxHash = keccak256(abi.encodePacked(bytes1(0x68), ticketId, seq));
        uint256 g = gasleft();
        uint64 donated = g > 30_000 ? uint64(g - 30_000) : 0;
        emit RedeemScheduled(ticketId, retryTxHash, seq, donated, msg.sender, 0, 0);
        return retryTxHash;
    }

    function submitRetryable(
        bytes32,
        uint256,
        uint256,
        uint256,
        uint256,
        uint64,
        uint256,
        address,
        address,
        address,
        bytes calldata
    ) external pure {
        revert NotCallable();
    }

    // ---------------------------------------------------------------- devnet (ArbOS) hooks

    function emuTicket(bytes32 ticketId)
        external
        view
        returns (address from, address to, uint256 callvalue, address beneficiary, uint64 timeout, uint64 numTries, uint64 gasLimit, bytes memory data)
    {
        Ticket storage t = _tickets[ticketId];
        return (t.from, t.to, t.callvalue, t.beneficiary, t.timeout, t.numTries, t.gasLimit, t.data);
    }

    /// @notice Creates a ticket (msg.value is the escrowed call value) and, if `autoRedeem` is
    /// abi.encode(retryTxHash, gasDonor, maxRefund, submissionFeeRefund), announces the
    /// auto-redeem (sequence number 0) in the same transaction, as Nitro's creation receipt has it.
    function emuCreate(
        bytes32 ticketId,
        address from,
        address to,
        address beneficiary,
        uint64 gasLimit,
        bytes calldata data,
        bytes calldata autoRedeem
    ) external payable onlyArbOS {
        require(_tickets[ticketId].timeout == 0, "ticket exists");
        Ticket storage t = _tickets[ticketId];
        t.from = from;
        t.to = to;
        t.callvalue = msg.value;
        t.beneficiary = beneficiary;
        t.timeout = uint64(block.timestamp + getLifetime());
        t.gasLimit = gasLimit;
        t.data = data;
        emit TicketCreated(ticketId);
        if (autoRedeem.length > 0) {
            t.numTries = 1;
            _announce(ticketId, gasLimit, autoRedeem);
        }
    }

    function _announce(bytes32 ticketId, uint64 gasLimit, bytes calldata autoRedeem) internal {
        (bytes32 retryTxHash, address gasDonor, uint256 maxRefund, uint256 submissionFeeRefund) =
            abi.decode(autoRedeem, (bytes32, address, uint256, uint256));
        emit RedeemScheduled(ticketId, retryTxHash, 0, gasLimit, gasDonor, maxRefund, submissionFeeRefund);
    }

    /// @notice Releases the escrow to the ticket's sender just before its retry runs.
    function emuRelease(bytes32 ticketId) external onlyArbOS {
        Ticket storage t = _live(ticketId);
        (bool ok,) = t.from.call{value: t.callvalue}("");
        require(ok, "release failed");
    }

    /// @notice After a retry: success deletes the ticket; failure puts the value back in escrow
    /// (msg.value) so the ticket stays redeemable.
    function emuSettle(bytes32 ticketId, bool success) external payable onlyArbOS {
        if (success) {
            delete _tickets[ticketId];
            emit Redeemed(ticketId);
        } else {
            require(msg.value == _tickets[ticketId].callvalue, "escrow mismatch");
        }
    }
}
