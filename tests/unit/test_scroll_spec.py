"""Scroll spec and adapter seam without a network: the withdraw trie against Scroll's published
vectors, proofs for every leaf of every tree size, the message encoding, the ref codec, the
family's fee-model bound and the adapter's chain pairs."""

from __future__ import annotations

import os

import pytest
from eth_utils.crypto import keccak

from interop.adapters.base import BridgeAdapter, Direction, FlowKind, FlowRef
from interop.adapters.scroll import REF_VERSION, adapter_factory
from interop.adapters.scroll.proof import _proof
from interop.chains.data.devnet import DEVNET_ARB, DEVNET_L1
from interop.chains.data.ethereum import MAINNET as ETHEREUM
from interop.chains.data.ethereum import SEPOLIA
from interop.chains.data.scroll import SCROLL, SCROLL_SEPOLIA
from interop.chains.model import ContractName
from interop.devnet.scroll.chain import DEVNET_SCROLL
from interop.errors import InputError
from interop.families.base import ChainFamily, UnsignedTx
from interop.families.scroll import SIGNATURE_BOUND, family
from interop.spec.scroll import (
    WithdrawTrie,
    decode_xdomain_calldata,
    encode_xdomain_calldata,
    message_hash,
    proof_bytes,
    verify_proof,
    zero_hashes,
)
from interop.spec.scroll.messages import RELAY_MESSAGE_SELECTOR


def _h(i: int) -> bytes:
    return i.to_bytes(32, "big")


def test_roots_match_scrolls_published_vectors() -> None:
    """scroll-tech/scroll bridge-history-api/internal/utils/withdraw_trie_test.go
    @ 0803dd97fb1aac8d3aa6fdb67d6ef83896d00031, TestUpdateBranchWithNewMessage: the branch at
    the top after appending the hashes 1, 2, 3, 4 (one by one) is the tree's root."""
    t = WithdrawTrie(_h(i) for i in (1, 2, 3, 4))
    assert t.root(1) == "0x" + _h(1).hex()
    assert t.root(2) == "0xe90b7bceb6e7df5418fb78d8ee546e97c83a08bbccc01a0644d599ccd2a7c2e0"
    assert t.root(3) == "0x222ff5e0b5877792c2bc1670e2ccd0c2c97cd7bb1672a57d598db05092d3d72c"
    assert t.root(4) == "0xa9bb8c3f1f12e9aa903a50c47f314b57610a3ab32f2d463293f58836def38d36"


def _naive_root(leaves: list[bytes]) -> str:
    """The same file's computeMerkleRoot: pair up, pad with the level's zero hash."""
    z = b"\0" * 32
    while len(leaves) > 1:
        leaves = [
            keccak(leaves[i] + (leaves[i + 1] if i + 1 < len(leaves) else z))
            for i in range(0, len(leaves), 2)
        ]
        z = keccak(z + z)
    return "0x" + leaves[0].hex()


def test_roots_and_proofs_for_sizes_up_to_70() -> None:
    """As TestWithdrawTrieOneByOne there: hashes 1..n, every root equal to the naive one and
    every leaf's proof verifying (with WithdrawTrieVerifier's rule, restated)."""
    leaves = [_h(i + 1) for i in range(70)]
    t = WithdrawTrie(leaves)
    for n in range(1, 71):
        root = t.root(n)
        assert root == _naive_root(leaves[:n])
        for i in range(0, n, 1 if n < 20 else 7):
            proof = proof_bytes(t.proof(i, n))
            assert len(proof) == 32 * (n - 1).bit_length()
            assert verify_proof(root, leaves[i], i, proof)
            if n > 1:
                assert not verify_proof(root, leaves[i], i ^ 1, proof)


def test_proof_from_frontier_equals_full_tree_proof() -> None:
    """The adapter's builder (left siblings from the queue's `branches` frontier, right ones
    from later leaves) gives exactly the full tree's proof."""
    leaves = [os.urandom(32) for _ in range(37)]
    t = WithdrawTrie(leaves)
    z = zero_hashes()
    for i in range(37):
        branches = [b"\0" * 32] * 40
        for index, leaf in enumerate(leaves[:i]):  # AppendOnlyMerkleTree._appendMessageHash
            h, cur, height = leaf, index, 0
            while cur:
                if cur % 2 == 0:
                    branches[height] = h
                    h = keccak(h + z[height])
                else:
                    h = keccak(branches[height] + h)
                height += 1
                cur >>= 1
            branches[height] = h
        later = {k: leaves[k] for k in range(i, 37)}
        for size in (i + 1, 37):
            assert _proof(i, size, branches, later) == proof_bytes(t.proof(i, size))


def test_trie_refuses_bad_input() -> None:
    t = WithdrawTrie([_h(1)])
    with pytest.raises(ValueError):
        t.append(b"short")
    with pytest.raises(ValueError):
        t.root(2)
    with pytest.raises(ValueError):
        t.proof(1, 1)
    assert not verify_proof(t.root(), _h(1), 0, b"\0" * 31)


def test_message_encoding_round_trip() -> None:
    a, b = "0x" + "11" * 20, "0x" + "22" * 20
    data = encode_xdomain_calldata(a, b, 5, 7, b"hi")
    assert (
        data[:4]
        == RELAY_MESSAGE_SELECTOR
        == keccak(b"relayMessage(address,address,uint256,uint256,bytes)")[:4]
    )
    f, t, v, n, m = decode_xdomain_calldata(data)
    assert (f.lower(), t.lower(), v, n, m) == (a, b, 5, 7, b"hi")
    assert message_hash(a, b, 5, 7, b"hi") == "0x" + keccak(data).hex()
    with pytest.raises(ValueError):
        decode_xdomain_calldata(b"\0" * 40)


def _ref(**kw: object) -> FlowRef:
    data = {
        "sender": "0x" + "11" * 20, "target": "0x" + "22" * 20, "value": "5", "nonce": 3,
        "gas_limit": 200_000, "message": "0x", "block": 9, "recipient": "0x" + "33" * 20,
        "amount": "5",
    }  # fmt: skip
    data.update(kw)
    return FlowRef("scroll", Direction.L1_TO_L2, FlowKind.ETH, 900, 905, "0x" + "ab" * 32, data)


def test_ref_codec() -> None:
    ad = adapter_factory()
    assert isinstance(ad, BridgeAdapter)
    ref = _ref()
    assert ad.ref_version == REF_VERSION == ref.version
    assert ad.decode_ref(FlowRef.from_json(ref.to_json())) == ref
    newer = FlowRef(ref.adapter, ref.direction, ref.kind, 900, 905, ref.tx_hash, ref.data, 2)
    with pytest.raises(InputError):
        ad.decode_ref(newer)
    with pytest.raises(InputError):
        ad.decode_ref(_ref(nonce="x"))
    bad = dict(ref.data)
    del bad["message"]
    with pytest.raises(InputError):
        ad.decode_ref(
            FlowRef("scroll", Direction.L1_TO_L2, FlowKind.ETH, 900, 905, ref.tx_hash, bad)
        )


def test_pairs_from_chain_data() -> None:
    """Decided from chain data: Scroll and its parent (mainnet, Sepolia, a devnet whose parent
    contracts are filled in), never other stacks or a Scroll chain without its messenger."""
    ad = adapter_factory()

    assert ad.supports(ETHEREUM, SCROLL) and ad.supports(SCROLL, ETHEREUM)
    assert ad.supports(SEPOLIA, SCROLL_SEPOLIA) and not ad.supports(ETHEREUM, SCROLL_SEPOLIA)
    assert not ad.supports(DEVNET_L1, DEVNET_SCROLL)  # no contracts deployed yet
    filled = DEVNET_SCROLL.replace(
        parent_contracts={900: {ContractName.SCROLL_MESSENGER: "0x" + "44" * 20}}
    )
    assert ad.supports(DEVNET_L1, filled) and ad.supports(filled, DEVNET_L1)
    assert not ad.supports(DEVNET_L1, DEVNET_ARB) and not ad.supports(filled, filled)


def test_family() -> None:
    fam = family()
    assert isinstance(fam, ChainFamily)
    assert fam.name == SCROLL.stack and fam.charges_l1_data_fee
    assert fam.genesis_escrow(SCROLL) == ContractName.SCROLL_MESSENGER
    assert ContractName.SCROLL_MESSENGER in SCROLL.parent_contracts[1]
    # the unsigned bound is priced for more bytes than any signature adds
    tx = UnsignedTx(534352, 0, 21_000, "0x" + "11" * 20, 1, b"", 10**9, 10**9)
    assert SIGNATURE_BOUND >= 65 + 3
    assert len(tx.encode()) > 0
