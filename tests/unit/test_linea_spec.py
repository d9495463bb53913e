"""Linea's message hash and L2->L1 Merkle tree against values Linea itself published.

Sources (public repositories, read at the commits named):
- Consensys/linea-contracts @ 76afb8d, test/L1MessageService.ts, "Claim Message with Proof":
  VALID_MERKLE_PROOF, a message (from = to = hardhat account 0, fee 0.05 ETH, value 1.05 ETH,
  nonce 1, empty calldata) whose leaf, proven at index 0 with 32 siblings, gives the root the
  contract accepts. The leaf is our `message_hash`, so this pins the hash and the verifier.
- Consensys/linea-monorepo sdk/sdk-core/src/merkle-tree/smt.test.ts @ 0f81870: the SDK's
  depth-5 sparse Merkle tree: the empty root, roots of 2 and 5 leaves and the proofs of
  leaves 1..4 (bottom sibling first, as `claimMessageWithProof` takes them).
"""

from __future__ import annotations

import pytest
from eth_utils.crypto import keccak

from interop.spec.linea.formulas import (
    L2_MERKLE_TREE_DEPTH,
    empty_roots,
    group_leaves,
    merkle_proof,
    merkle_root,
    message_hash,
    message_proof,
    messaging_block_offsets,
    postman_minimum_fee,
    rolling_hash,
    verify_merkle_proof,
)


def h(x: str) -> bytes:
    return bytes.fromhex(x.removeprefix("0x"))


ADMIN = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"  # hardhat's first account (the test's admin)
VALID_ROOT = h("0x54e37f6a8efe3497d1b721d8a5a19786e78d16edabdefdfa94173ef104b132cb")
VALID_PROOF_HEAD = [
    h("0x0000000000000000000000000000000000000000000000000000000000000000"),
    h("0xad3228b676f7d3cd4284a5443f17f1962b36e491b30a40b2405849e597ba5fb5"),
    h("0xb4c11951957c6f8f642c4af61cd6b24640fec6dc7fc607ee8206a99e92410d30"),
    h("0x21ddb9a356815c3fac1026b6dec5df3124afbadb485c9ba5a3e3398a04b7ba85"),
    h("0xe58769b32a1beaf1ea27375a44095a0d1fb664ce2dd358e7fcbfb78c26a19344"),
    h("0x0eb01ebfc9ed27500cd4dfc979272d1f0913cc9f66540d7e8005811109e1cf2d"),
]
VALID_PROOF_TAIL = h("0x8448818bb4ae4562849e949e17ac16e0be16688e156b5cf15e098c627c0056a9")

LEAVES = [bytes([i * 0x11]) * 32 for i in range(5)]  # 0x00.., 0x11.., .. 0x44..
SMT_ROOT_5 = h("0x97d2505cd0c868c753353628fbb1aacc52bba62ddebac0536256e1e8560d4f27")
SMT_PROOFS = {
    1: [
        "0x0000000000000000000000000000000000000000000000000000000000000000",
        "0xf3357627f4934d47fe409005b05c900777a6d97ec3788304e2d9c7b4d322cd4d",
        "0xa6de4f0dc4d6b6915a7e3e8c60f6bdf237f8329edd48041b974dcab7fe5bcfc6",
        "0x21ddb9a356815c3fac1026b6dec5df3124afbadb485c9ba5a3e3398a04b7ba85",
        "0xe58769b32a1beaf1ea27375a44095a0d1fb664ce2dd358e7fcbfb78c26a19344",
    ],
    2: [
        "0x3333333333333333333333333333333333333333333333333333333333333333",
        "0x8e4b8e18156a1c7271055ce5b7ef53bb370294ebd631a3b95418a92da46e681f",
        "0xa6de4f0dc4d6b6915a7e3e8c60f6bdf237f8329edd48041b974dcab7fe5bcfc6",
        "0x21ddb9a356815c3fac1026b6dec5df3124afbadb485c9ba5a3e3398a04b7ba85",
        "0xe58769b32a1beaf1ea27375a44095a0d1fb664ce2dd358e7fcbfb78c26a19344",
    ],
    3: [
        "0x2222222222222222222222222222222222222222222222222222222222222222",
        "0x8e4b8e18156a1c7271055ce5b7ef53bb370294ebd631a3b95418a92da46e681f",
        "0xa6de4f0dc4d6b6915a7e3e8c60f6bdf237f8329edd48041b974dcab7fe5bcfc6",
        "0x21ddb9a356815c3fac1026b6dec5df3124afbadb485c9ba5a3e3398a04b7ba85",
        "0xe58769b32a1beaf1ea27375a44095a0d1fb664ce2dd358e7fcbfb78c26a19344",
    ],
    4: [
        "0x0000000000000000000000000000000000000000000000000000000000000000",
        "0xad3228b676f7d3cd4284a5443f17f1962b36e491b30a40b2405849e597ba5fb5",
        "0xd287edfff411d3b45e9c7bf7186d7e9d44fa2a0fe36d85154165da0a1d7ce5bd",
        "0x21ddb9a356815c3fac1026b6dec5df3124afbadb485c9ba5a3e3398a04b7ba85",
        "0xe58769b32a1beaf1ea27375a44095a0d1fb664ce2dd358e7fcbfb78c26a19344",
    ],
}


def test_published_claim_proof_verifies_our_message_hash() -> None:
    fee, value = 5 * 10**16, 5 * 10**16 + 10**18
    leaf = message_hash(ADMIN, ADMIN, fee, value, 1, b"")
    ours = merkle_proof([leaf], 0, depth=32)
    assert ours.root == VALID_ROOT
    assert list(ours.proof[:6]) == VALID_PROOF_HEAD and ours.proof[-1] == VALID_PROOF_TAIL
    assert verify_merkle_proof(leaf, ours.proof, 0, VALID_ROOT)
    # one wei more, another nonce or a byte of calldata and the published root no longer holds
    for other in (
        message_hash(ADMIN, ADMIN, fee, value + 1, 1, b""),
        message_hash(ADMIN, ADMIN, fee, value, 2, b""),
        message_hash(ADMIN, ADMIN, fee, value, 1, b"\x00"),
    ):
        assert not verify_merkle_proof(other, ours.proof, 0, VALID_ROOT)


def test_sdk_sparse_merkle_tree_roots() -> None:
    assert merkle_root([], 5) == h(
        "0x0eb01ebfc9ed27500cd4dfc979272d1f0913cc9f66540d7e8005811109e1cf2d"
    )
    assert merkle_root(LEAVES[:2], 5) == h(
        "0xa31eac4d98942f1ccfe8d3110babea107f3fee363bd34caa954c686d897ee353"
    )
    assert merkle_root(LEAVES, 5) == SMT_ROOT_5


@pytest.mark.parametrize("index", sorted(SMT_PROOFS))
def test_sdk_sparse_merkle_tree_proofs(index: int) -> None:
    p = merkle_proof(LEAVES, index, L2_MERKLE_TREE_DEPTH)
    assert [x.hex() for x in p.proof] == [x[2:] for x in SMT_PROOFS[index]]
    assert p.root == SMT_ROOT_5 and p.leaf_index == index
    assert verify_merkle_proof(LEAVES[index], p.proof, index, SMT_ROOT_5)
    assert not verify_merkle_proof(LEAVES[index], p.proof, index ^ 1, SMT_ROOT_5)


def test_message_proof_picks_the_tree_holding_the_message() -> None:
    """More than 32 messages in one finalization make several trees (SDK getMessageSiblings)."""
    hashes = [keccak(i.to_bytes(32, "big")) for i in range(70)]
    trees = group_leaves(hashes)
    assert [len(t) for t in trees] == [32, 32, 6]
    for pos in (0, 31, 32, 69):
        p = message_proof(hashes, hashes[pos])
        assert p.leaf_index == pos % 32
        assert p.root == merkle_root(trees[pos // 32])
        assert verify_merkle_proof(hashes[pos], p.proof, p.leaf_index, p.root)
    with pytest.raises(ValueError):
        merkle_root(hashes, 5)


def test_rolling_hash_offsets_and_postman_minimum() -> None:
    assert rolling_hash(b"\x00" * 32, b"\x11" * 32) == keccak(b"\x00" * 32 + b"\x11" * 32)
    assert messaging_block_offsets([11, 12, 300], 10) == bytes.fromhex("000100020122")
    with pytest.raises(ValueError):
        messaging_block_offsets([10], 10)
    assert empty_roots(1)[1] == keccak(b"\x00" * 64)
    # SDK ClaimTxSender: underpriced when gas * maxFeePerGas * margin > fee
    assert postman_minimum_fee(100_000, 7) == 700_000
    assert postman_minimum_fee(100_000, 7, 150) == 1_050_000
