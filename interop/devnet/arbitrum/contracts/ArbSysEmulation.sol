// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

/// @title ArbSys (0x64) emulation for the interop devnet
/// @notice An anvil L2 has no ArbOS, so this contract is placed at 0x64 with anvil_setCode. It
/// keeps ArbOS' send merkle accumulator (same append/root algorithm as Nitro's
/// arbos/merkleAccumulator) and emits `L2ToL1Tx` / `SendMerkleUpdate` with the same layout, so
/// proofs built from it are accepted by the real Outbox. The L1 block number is written by the
/// devnet relayer into slot 0 (ArbOS learns it from L1 messages). Value sent is held here;
/// Nitro burns it.
contract ArbSysEmulation {
    uint256 private _l1BlockNumber; // slot 0, written by the relayer
    uint64 private _size; // slot 1
    bytes32[64] private _partials; // slots 2.., one per level, as ArbOS stores them

    event L2ToL1Tx(
        address caller,
        address indexed destination,
        uint256 indexed hash,
        uint256 indexed position,
        uint256 arbBlockNum,
        uint256 ethBlockNum,
        uint256 timestamp,
        uint256 callvalue,
        bytes data
    );

    event SendMerkleUpdate(uint256 indexed reserved, bytes32 indexed hash, uint256 indexed position);

    error InvalidBlockNumber(uint256 requested, uint256 current);

    function arbBlockNumber() external view returns (uint256) {
        return block.number;
    }

    function arbBlockHash(uint256 arbBlockNum) external view returns (bytes32) {
        if (arbBlockNum >= block.number || arbBlockNum + 256 < block.number) {
            revert InvalidBlockNumber(arbBlockNum, block.number);
        }
        return blockhash(arbBlockNum);
    }

    function arbChainID() external view returns (uint256) {
        return block.chainid;
    }

    function arbOSVersion() external pure returns (uint256) {
        return 55 + 32;
    }

    function getStorageGasAvailable() external pure returns (uint256) {
        return 0;
    }

    function isTopLevelCall() external view returns (bool) {
        return msg.sender == tx.origin;
    }

    function mapL1SenderContractAddressToL2Alias(address sender, address) external pure returns (address) {
        unchecked {
            return address(uint160(sender) + uint160(0x1111000000000000000000000000000000001111));
        }
    }

    function withdrawEth(address destination) external payable returns (uint256) {
        return _send(destination, "");
    }

    function sendTxToL1(address destination, bytes calldata data) external payable returns (uint256) {
        return _send(destination, data);
    }

    /// @notice Nitro only lets address zero call this (eth_call without a sender).
    function sendMerkleTreeState() external view returns (uint256 size, bytes32 root, bytes32[] memory partials) {
        require(msg.sender == address(0), "method can only be called by address zero");
        size = _size;
        root = _root();
        uint256 n = _bitLength(size);
        partials = new bytes32[](n);
        for (uint256 i = 0; i < n; i++) {
            partials[i] = _partials[i];
        }
    }

    function _send(address destination, bytes memory data) internal returns (uint256) {
        uint256 l1Block = _l1BlockNumber;
        bytes32 item = keccak256(
            abi.encodePacked(msg.sender, destination, block.number, l1Block, block.timestamp, msg.value, data)
        );
        uint64 size = _append(item);
        uint256 leafNum = size - 1;
        emit L2ToL1Tx(
            msg.sender, destination, uint256(item), leafNum, block.number, l1Block, block.timestamp, msg.value, data
        );
        return leafNum;
    }

    /// Nitro's MerkleAccumulator.Append: the leaf is keccak(item); every completed subtree is
    /// announced with SendMerkleUpdate(0, hash, level << 192 | leafIndex).
    function _append(bytes32 item) internal returns (uint64 size) {
        size = _size + 1;
        _size = size;
        uint256 numPartials = _bitLength(size - 1);
        bytes32 soFar = keccak256(abi.encodePacked(item));
        uint256 level = 0;
        while (true) {
            if (level == numPartials) {
                _partials[level] = soFar;
                return size;
            }
            bytes32 thisLevel = _partials[level];
            if (thisLevel == bytes32(0)) {
                _partials[level] = soFar;
                return size;
            }
            soFar = keccak256(abi.encodePacked(thisLevel, soFar));
            _partials[level] = bytes32(0);
            level += 1;
            emit SendMerkleUpdate(0, soFar, (level << 192) | uint256(size - 1));
        }
    }

    /// Nitro's MerkleAccumulator.Root: empty subtrees hash as bytes32(0).
    function _root() internal view returns (bytes32) {
        uint256 size = _size;
        if (size == 0) return bytes32(0);
        bytes32 hashSoFar;
        bool have = false;
        uint256 capacityInHash = 0;
        uint256 capacity = 1;
        uint256 n = _bitLength(size);
        for (uint256 level = 0; level < n; level++) {
            bytes32 partial_ = _partials[level];
            if (partial_ != bytes32(0)) {
                if (!have) {
                    hashSoFar = partial_;
                    capacityInHash = capacity;
                    have = true;
                } else {
                    while (capacityInHash < capacity) {
                        hashSoFar = keccak256(abi.encodePacked(hashSoFar, bytes32(0)));
                        capacityInHash *= 2;
                    }
                    hashSoFar = keccak256(abi.encodePacked(partial_, hashSoFar));
                    capacityInHash = 2 * capacity;
                }
            }
            capacity *= 2;
        }
        return hashSoFar;
    }

    function _bitLength(uint256 x) internal pure returns (uint256 n) {
        while (x != 0) {
            n++;
            x >>= 1;
        }
    }
}
