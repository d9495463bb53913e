"""L2->L1 logs: their 88-byte encoding, the per-batch Merkle tree and its proofs.

As the protocol defines them:
- a log is `(uint8 l2ShardId, bool isService, uint16 txNumberInBatch, address sender,
  bytes32 key, bytes32 value)` packed to 88 bytes (`L2_TO_L1_LOG_SERIALIZE_SIZE`); its leaf is
  keccak of those bytes (era-contracts `common/Messaging.sol`, `Config.sol`);
- the batch's logs form a binary keccak tree of fixed size `LOGS_TREE_LEAVES` (16384 since
  VM 1.5.0, 512 before), padded with `EMPTY_LEAF` = keccak(88 zero bytes)
  (`L2_L1_LOGS_TREE_DEFAULT_LEAF_HASH`);
- since the v26 (gateway) upgrade the root a batch commits to L1 is keccak(localRoot ||
  aggregatedRoot), the aggregated root being that of chains settling on this one; the node's
  `zks_getL2ToL1LogProof` returns `[metadata, *path, aggregatedRoot]` with metadata
  `0x01 || len || 0 || 1 || 0..` (version 1, log-leaf proof length, no batch-leaf proof, final
  node), which `MessageHashing.parseProofMetadata` on L1 reads (zksync-era
  `core/node/api_server/.../namespaces/zks.rs`, era-contracts `MessageHashing.sol`).
- `L1Messenger.sendToL1(message)` logs `(0, true, txNumber, 0x…8008, bytes32(sender),
  keccak(message))`; the message bytes themselves travel as pubdata.
Vectors: tests/unit/test_zksync_spec.py (zksync-era `core/lib/mini_merkle_tree/src/tests.rs`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Final

from eth_utils.crypto import keccak

from interop.errors import InputError
from interop.spec.zksync.addresses import L1_MESSENGER
from interop.types import hex_to_bytes

__all__ = [
    "EMPTY_LEAF",
    "LOGS_TREE_LEAVES",
    "LOG_SIZE",
    "PROOF_METADATA_VERSION",
    "L2Log",
    "calculate_root",
    "empty_subtree",
    "encode_log_proof",
    "full_logs_root",
    "logs_root",
    "merkle_root_and_path",
    "message_log",
    "parse_log_proof",
    "verify_log_proof",
]

LOG_SIZE: Final = 88
LOGS_TREE_LEAVES: Final = 16384
EMPTY_LEAF: Final = keccak(b"\x00" * LOG_SIZE)
PROOF_METADATA_VERSION: Final = 1


@dataclass(frozen=True)
class L2Log:
    shard_id: int
    is_service: bool
    tx_number_in_batch: int
    sender: str
    key: bytes
    value: bytes

    def pack(self) -> bytes:
        """The 88 bytes the tree hashes (abi.encodePacked of the struct)."""
        if len(self.key) != 32 or len(self.value) != 32:
            raise InputError("an L2->L1 log's key and value are 32 bytes each")
        return (
            bytes([self.shard_id, 1 if self.is_service else 0])
            + self.tx_number_in_batch.to_bytes(2, "big")
            + hex_to_bytes(self.sender).rjust(20, b"\x00")
            + self.key
            + self.value
        )

    def leaf(self) -> bytes:
        return keccak(self.pack())

    @classmethod
    def unpack(cls, b: bytes) -> L2Log:
        if len(b) != LOG_SIZE:
            raise InputError(f"an L2->L1 log is {LOG_SIZE} bytes, got {len(b)}")
        return cls(
            b[0], b[1] != 0, int.from_bytes(b[2:4], "big"), "0x" + b[4:24].hex(), b[24:56], b[56:88]
        )


def message_log(tx_number_in_batch: int, sender: str, message: bytes) -> L2Log:
    """The log `L1Messenger.sendToL1(message)` called by `sender` emits."""
    return L2Log(
        0,
        True,
        tx_number_in_batch,
        L1_MESSENGER,
        hex_to_bytes(sender).rjust(32, b"\x00"),
        keccak(message),
    )


def _h(a: bytes, b: bytes) -> bytes:
    return keccak(a + b)


@cache
def empty_subtree(depth: int) -> bytes:
    """Root of a subtree of 2**depth empty leaves."""
    return EMPTY_LEAF if depth == 0 else _h(empty_subtree(depth - 1), empty_subtree(depth - 1))


def _depth(size: int) -> int:
    if size < 1 or size & (size - 1):
        raise InputError(f"tree size {size} is not a power of two")
    return size.bit_length() - 1


def merkle_root_and_path(
    leaves: Sequence[bytes], index: int | None = None, *, tree_size: int = LOGS_TREE_LEAVES
) -> tuple[bytes, list[bytes]]:
    """(root, path of `index`) of the tree of leaf hashes `leaves` padded with `EMPTY_LEAF` to
    max(tree_size, next power of two of len(leaves)); an empty path when `index` is None.
    Only the filled part is hashed level by level (empty parts use `empty_subtree`)."""
    size = max(tree_size, 1 << max(0, (len(leaves) - 1).bit_length()))
    depth = _depth(size)
    if index is not None and not 0 <= index < len(leaves):
        raise InputError(f"log index {index} is not in a batch of {len(leaves)} logs")
    level = list(leaves)
    path: list[bytes] = []
    i = index
    for d in range(depth):
        if i is not None:
            sib = i ^ 1
            path.append(level[sib] if sib < len(level) else empty_subtree(d))
            i //= 2
        if len(level) % 2:
            level.append(empty_subtree(d))
        level = [_h(level[k], level[k + 1]) for k in range(0, len(level), 2)]
    root = level[0] if level else empty_subtree(depth)
    return root, path


def logs_root(leaves: Sequence[bytes], *, tree_size: int = LOGS_TREE_LEAVES) -> bytes:
    return merkle_root_and_path(leaves, None, tree_size=tree_size)[0]


def full_logs_root(local_root: bytes, aggregated_root: bytes = b"\x00" * 32) -> bytes:
    """The root a batch commits to L1 since v26: keccak(localRoot || aggregatedRoot)."""
    return _h(local_root, aggregated_root)


def calculate_root(path: Sequence[bytes], index: int, leaf: bytes) -> bytes:
    """`Merkle.calculateRoot(path, index, leaf)` of the L1 contracts."""
    if index >> len(path):
        raise InputError(f"index {index} does not fit a path of {len(path)}")
    h = leaf
    for sib in path:
        h = _h(sib, h) if index & 1 else _h(h, sib)
        index >>= 1
    return h


def encode_log_proof(path: Sequence[bytes], aggregated_root: bytes = b"\x00" * 32) -> list[bytes]:
    """The proof `zks_getL2ToL1LogProof` returns for a chain settling on L1."""
    body = [*path, aggregated_root]
    meta = bytes([PROOF_METADATA_VERSION, len(body), 0, 1]) + b"\x00" * 28
    return [meta, *body]


def parse_log_proof(proof: Sequence[bytes]) -> list[bytes]:
    """The log-leaf path inside a proof (new format with metadata, or a legacy plain path), as
    `MessageHashing.parseProofMetadata` reads it; `InputError` for a proof that needs a
    settlement-layer step (not final) or is malformed."""
    if not proof:
        raise InputError("empty Merkle proof")
    first = proof[0]
    if int.from_bytes(first, "big") << 32 & ((1 << 256) - 1) == 0:
        if first[0] != PROOF_METADATA_VERSION:
            raise InputError(f"unsupported proof metadata version {first[0]}")
        n, batch_len, final = first[1], first[2], first[3]
        if batch_len or not final:
            raise InputError("a proof through a settlement layer is not supported")
        if len(proof) < 1 + n:
            raise InputError("proof shorter than its metadata says")
        return list(proof[1 : 1 + n])
    return list(proof)


def verify_log_proof(proof: Sequence[bytes], index: int, log: L2Log, batch_root: bytes) -> bool:
    """Whether `log` at `index` is in the batch whose committed root is `batch_root`, exactly as
    the L1 Mailbox's `proveL2LogInclusion` checks it (so a bad proof never costs gas)."""
    leaf = log.leaf()
    if leaf == EMPTY_LEAF:
        return False
    return calculate_root(parse_log_proof(proof), index, leaf) == batch_root
