"""Scroll's withdraw trie: the append-only Merkle tree of L2->L1 message hashes, and its proofs.

`L2MessageQueue` (L2/predeploys/L2MessageQueue.sol) appends every L2->L1 message hash through
`AppendOnlyMerkleTree._appendMessageHash` (libraries/common/AppendOnlyMerkleTree.sol): leaves
in order, zero hashes `z[0] = 0, z[h+1] = keccak(z[h] || z[h])`, and after n leaves the root is
that of the smallest perfect tree of height `h = bit_length(n - 1)` (a single leaf is its own
root) with the missing leaves zero. The rollup relayer posts this root as a batch's
`withdrawRoot` on `ScrollChain`, and `L1ScrollMessenger.relayMessageWithProof` checks a proof
with `WithdrawTrieVerifier.verifyMerkleProof(root, leaf, nonce, proof)`
(libraries/verifier/WithdrawTrieVerifier.sol): h siblings of 32 bytes, bottom up, the leaf on
the left when the index bit is 0. A proof is therefore for a tree size: the number of messages
up to the end of the finalized batch whose root it is checked against.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

from eth_utils.crypto import keccak

from interop.types import Hash32, hex_to_bytes, to_hash32

__all__ = ["MAX_HEIGHT", "WithdrawTrie", "proof_bytes", "verify_proof", "zero_hashes"]

MAX_HEIGHT = 40
"""`AppendOnlyMerkleTree.MAX_TREE_HEIGHT`."""


def _h(a: bytes, b: bytes) -> bytes:
    return keccak(a + b)


@functools.cache
def zero_hashes() -> tuple[bytes, ...]:
    """z[0] = 32 zero bytes, z[h+1] = keccak(z[h] || z[h]), heights 0..MAX_HEIGHT-1."""
    z = [b"\x00" * 32]
    for _ in range(MAX_HEIGHT - 1):
        z.append(_h(z[-1], z[-1]))
    return tuple(z)


def _height(size: int) -> int:
    return (size - 1).bit_length()


class WithdrawTrie:
    """The tree over known leaves (message hashes in `nonce` order, from index 0).

    Built from the `AppendMessage(index, messageHash)` events of `L2MessageQueue` (or from the
    `SentMessage` events of `L2ScrollMessenger`, hashing each message); `root(size)` and
    `proof(index, size)` answer for the tree as it was after `size` leaves.
    """

    def __init__(self, leaves: Iterable[bytes | str] = ()) -> None:
        self.leaves: list[bytes] = []
        for leaf in leaves:
            self.append(leaf)

    def append(self, leaf: bytes | str) -> int:
        """Add the next leaf; returns its index (the message's nonce)."""
        b = hex_to_bytes(leaf) if isinstance(leaf, str) else bytes(leaf)
        if len(b) != 32:
            raise ValueError(f"a withdraw-trie leaf is 32 bytes, got {len(b)}")
        self.leaves.append(b)
        return len(self.leaves) - 1

    def _level(self, nodes: Sequence[bytes], height: int) -> list[bytes]:
        z = zero_hashes()[height]
        return [
            _h(nodes[i], nodes[i + 1] if i + 1 < len(nodes) else z) for i in range(0, len(nodes), 2)
        ]

    def _check_size(self, size: int | None) -> int:
        n = len(self.leaves) if size is None else size
        if not 1 <= n <= len(self.leaves):
            raise ValueError(f"tree size {n} is not in 1..{len(self.leaves)} (leaves known)")
        return n

    def root(self, size: int | None = None) -> Hash32:
        """`L2MessageQueue.messageRoot()` after the first `size` leaves (default: all)."""
        n = self._check_size(size)
        nodes = self.leaves[:n]
        for height in range(_height(n)):
            nodes = self._level(nodes, height)
        return to_hash32(nodes[0])

    def proof(self, index: int, size: int | None = None) -> list[Hash32]:
        """Siblings of leaf `index`, bottom up, in the tree of the first `size` leaves: what
        `WithdrawTrieVerifier` checks against `root(size)`."""
        n = self._check_size(size)
        if not 0 <= index < n:
            raise ValueError(f"leaf {index} is not in a tree of {n} leaves")
        nodes, i, out = self.leaves[:n], index, []
        for height in range(_height(n)):
            sib = i ^ 1
            out.append(to_hash32(nodes[sib] if sib < len(nodes) else zero_hashes()[height]))
            nodes, i = self._level(nodes, height), i // 2
        return out


def proof_bytes(proof: Sequence[str | bytes]) -> bytes:
    """The proof as `L2MessageProof.merkleProof`: the siblings concatenated."""
    return b"".join(hex_to_bytes(p) if isinstance(p, str) else bytes(p) for p in proof)


def verify_proof(root: str | bytes, leaf: str | bytes, nonce: int, proof: bytes) -> bool:
    """`WithdrawTrieVerifier.verifyMerkleProof`, restated."""
    if len(proof) % 32:
        return False
    h = hex_to_bytes(leaf) if isinstance(leaf, str) else bytes(leaf)
    for i in range(0, len(proof), 32):
        item = proof[i : i + 32]
        h = _h(h, item) if nonce % 2 == 0 else _h(item, h)
        nonce //= 2
    r = hex_to_bytes(root) if isinstance(root, str) else bytes(root)
    return h == r
