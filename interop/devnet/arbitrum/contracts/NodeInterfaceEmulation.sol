// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

/// @title NodeInterface (0xC8) placeholder for the interop devnet
/// @notice On Nitro, NodeInterface is virtual: only eth_call / eth_estimateGas reach it. The
/// devnet's RPC shim answers those calls (constructOutboxProof, gasEstimateComponents, ...).
/// Code is placed here only so that the address is not empty; direct calls revert.
contract NodeInterfaceEmulation {
    function nitroGenesisBlock() external pure returns (uint256) {
        return 0;
    }

    fallback() external payable {
        revert("NodeInterface is answered by the devnet RPC shim (eth_call only)");
    }
}
