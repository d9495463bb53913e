// SPDX-License-Identifier: MIT
pragma solidity =0.8.24;

import {WithdrawTrieVerifier} from "@scroll-tech/contracts/libraries/verifier/WithdrawTrieVerifier.sol";

/// Exposes Scroll's own `WithdrawTrieVerifier` (an internal library function) so tests can check
/// proofs built by interop.spec.scroll against the exact code L1ScrollMessenger runs.
contract WithdrawTrieHarness {
    function verify(bytes32 root, bytes32 leaf, uint256 nonce, bytes calldata proof) external pure returns (bool) {
        return WithdrawTrieVerifier.verifyMerkleProof(root, leaf, nonce, proof);
    }
}
