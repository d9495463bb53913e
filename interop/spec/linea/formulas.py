"""Linea message-service formulas, byte-exact with the contracts.

- Message hash (both directions): `keccak256(abi.encode(from, to, fee, value, nonce, calldata))`
  (`L1MessageService.sendMessage`, `L2MessageServiceV1.sendMessage` / `claimMessage`). On L2 the
  `fee` in the hash is the postman's part only: `_fee - minimumFeeInWei` (the minimum goes to
  the block's coinbase when the message is sent).
- L1->L2 rolling hash: `rollingHashes[n] = keccak256(rollingHashes[n-1] || messageHash)` on L1,
  recomputed by `L2MessageService.anchorL1L2MessageHashes` on L2, which must end equal.
- L2->L1 Merkle trees: per finalization, the coordinator puts the `MessageSent` hashes of the
  finalized L2 blocks, in order, into sparse Merkle trees of `2**depth` leaves (depth 5 on
  Linea: `DEFAULT_L2_MESSAGE_TREE_DEPTH` of @consensys/linea-sdk), empty leaves zero, node =
  `keccak256(left || right)`; `LineaRollup` stores each root with its depth
  (`L2MerkleRootAdded`) and emits `L2MessagingBlockAnchored(block)` for every finalized L2
  block that sent messages. `claimMessageWithProof` walks the proof from the leaf up, the
  leaf index's bit `h` saying whether the sibling at height `h` is on the left
  (`SparseMerkleTreeVerifier._verifyMerkleProof`). The SDK (`L1MessageServiceContract
  .getMessageProof`) rebuilds a tree from the `MessageSent` hashes of the anchored blocks'
  range, grouped `2**depth` at a time; `message_proof` here does the same.
- The postman's rule (`ClaimTxSender` of the SDK): a message is claimed for its fee only if
  `fee >= claim_gas x max_fee_per_gas x profit_margin`; a zero fee is never claimed by it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_utils.crypto import keccak

from interop.spec.linea.abis import MESSAGE_SENT_TOPIC
from interop.types import Address, Hash32, to_address, to_hash32

__all__ = [
    "L2_MERKLE_TREE_DEPTH",
    "POSTMAN_CLAIM_GAS",
    "ZERO_HASH",
    "LogLike",
    "MerkleProof",
    "SentMessage",
    "decode_message_sent",
    "empty_roots",
    "group_leaves",
    "merkle_proof",
    "merkle_root",
    "message_hash",
    "message_proof",
    "messaging_block_offsets",
    "postman_minimum_fee",
    "rolling_hash",
    "verify_merkle_proof",
]

L2_MERKLE_TREE_DEPTH = 5
"""Depth of Linea's L2->L1 message trees (32 messages each)."""
ZERO_HASH = b"\x00" * 32
POSTMAN_CLAIM_GAS = 100_000
"""Gas the postman budgets for one claim (`DEFAULT_MAX_CLAIM_GAS_LIMIT` of @consensys/linea-sdk):
the fee of a message it claims must cover this much gas at the destination's max fee per gas."""


class LogLike(Protocol):
    """The log fields the decoder reads (`interop.rpc.models.Log` satisfies it)."""

    @property
    def topics(self) -> Sequence[Hash32]: ...

    @property
    def data(self) -> bytes: ...

    @property
    def block_number(self) -> int: ...

    @property
    def log_index(self) -> int: ...


def message_hash(sender: str, to: str, fee: int, value: int, nonce: int, calldata: bytes) -> bytes:
    """The message hash both message services compute (and the L2->L1 tree leaf)."""
    return keccak(
        abi_encode(
            ["address", "address", "uint256", "uint256", "uint256", "bytes"],
            [to_address(sender), to_address(to), fee, value, nonce, calldata],
        )
    )


def rolling_hash(previous: bytes, msg_hash: bytes) -> bytes:
    """`Utils._efficientKeccak(previous, messageHash)`: the L1->L2 rolling hash step."""
    return keccak(bytes(previous) + bytes(msg_hash))


def _node(left: bytes, right: bytes) -> bytes:
    return keccak(left + right)


def empty_roots(depth: int) -> list[bytes]:
    """Root of an all-empty subtree of each height 0..depth (height 0: a zero leaf)."""
    out = [ZERO_HASH]
    for _ in range(depth):
        out.append(_node(out[-1], out[-1]))
    return out


def _levels(leaves: Sequence[bytes], depth: int) -> list[list[bytes]]:
    if depth < 1:
        raise ValueError("a Linea message tree has depth >= 1")
    if len(leaves) > 2**depth:
        raise ValueError(f"{len(leaves)} leaves do not fit a tree of depth {depth}")
    empty = empty_roots(depth)
    level = [bytes(x) for x in leaves]
    levels = [level]
    for h in range(depth):
        if len(level) % 2:
            level = [*level, empty[h]]
        level = [_node(level[i], level[i + 1]) for i in range(0, len(level), 2)] or [empty[h + 1]]
        levels.append(level)
    return levels


def merkle_root(leaves: Sequence[bytes], depth: int = L2_MERKLE_TREE_DEPTH) -> bytes:
    """Root of the sparse tree with `leaves` from index 0 and zero leaves after them."""
    return _levels(leaves, depth)[-1][0]


@dataclass(frozen=True)
class MerkleProof:
    """What `claimMessageWithProof` takes besides the message: siblings leaf-up, the leaf's
    index in its tree and the tree's root (as `L2MerkleRootAdded` announced it)."""

    proof: tuple[bytes, ...]
    leaf_index: int
    root: bytes


def merkle_proof(
    leaves: Sequence[bytes], index: int, depth: int = L2_MERKLE_TREE_DEPTH
) -> MerkleProof:
    """The sibling path of leaf `index` (bottom first), as the contract's verifier walks it."""
    if not 0 <= index < len(leaves):
        raise ValueError(f"leaf index {index} is not in a tree of {len(leaves)} leaves")
    levels = _levels(leaves, depth)
    empty = empty_roots(depth)
    path: list[bytes] = []
    i = index
    for h in range(depth):
        sib = i ^ 1
        path.append(levels[h][sib] if sib < len(levels[h]) else empty[h])
        i >>= 1
    return MerkleProof(tuple(path), index, levels[-1][0])


def verify_merkle_proof(leaf: bytes, proof: Sequence[bytes], index: int, root: bytes) -> bool:
    """`SparseMerkleTreeVerifier._verifyMerkleProof`, for checking a proof before sending it."""
    node = bytes(leaf)
    for h, sib in enumerate(proof):
        node = _node(bytes(sib), node) if (index >> h) & 1 else _node(node, bytes(sib))
    return node == bytes(root)


def group_leaves(hashes: Sequence[bytes], depth: int = L2_MERKLE_TREE_DEPTH) -> list[list[bytes]]:
    """The finalization's message hashes cut into trees of `2**depth` leaves, in order."""
    size = 2**depth
    return [list(hashes[i : i + size]) for i in range(0, len(hashes), size)] or [[]]


def message_proof(
    hashes: Sequence[bytes], target: bytes, depth: int = L2_MERKLE_TREE_DEPTH
) -> MerkleProof:
    """The proof of `target` among the `MessageSent` hashes of one finalization (in order):
    the tree holding it is the `(position // 2**depth)`-th (the SDK's `getMessageSiblings`)."""
    pos = [bytes(h) for h in hashes].index(bytes(target))
    size = 2**depth
    chunk = list(hashes[(pos // size) * size : (pos // size + 1) * size])
    return merkle_proof(chunk, pos % size, depth)


def messaging_block_offsets(blocks: Sequence[int], last_finalized: int) -> bytes:
    """`l2MessagingBlocksOffsets`: each L2 block with messages as a 2-byte offset from the
    last finalized block (`_anchorL2MessagingBlocks` emits `last_finalized + offset`)."""
    out = b""
    for b in blocks:
        off = b - last_finalized
        if not 0 < off < 2**16:
            raise ValueError(f"block {b} is not within 65535 blocks after {last_finalized}")
        out += off.to_bytes(2, "big")
    return out


def postman_minimum_fee(claim_gas: int, max_fee_per_gas: int, margin_percent: int = 100) -> int:
    """The smallest fee the postman claims a message for (SDK `ClaimTxSender`: underpriced when
    `gas x maxFeePerGas x margin > fee`); `margin_percent` 100 is its default margin 1.0."""
    return -(-claim_gas * max_fee_per_gas * margin_percent // 100)


@dataclass(frozen=True)
class SentMessage:
    """A `MessageSent` event, on either layer."""

    sender: Address
    to: Address
    fee: int
    value: int
    nonce: int
    calldata: bytes
    message_hash: Hash32
    block_number: int
    log_index: int


def decode_message_sent(log: LogLike) -> SentMessage:
    if len(log.topics) != 4 or log.topics[0] != MESSAGE_SENT_TOPIC:
        raise ValueError("not a MessageSent log")
    fee, value, nonce, calldata = abi_decode(["uint256", "uint256", "uint256", "bytes"], log.data)
    return SentMessage(
        sender=to_address("0x" + log.topics[1][-40:]),
        to=to_address("0x" + log.topics[2][-40:]),
        fee=int(fee),
        value=int(value),
        nonce=int(nonce),
        calldata=bytes(calldata),
        message_hash=to_hash32(log.topics[3]),
        block_number=log.block_number,
        log_index=log.log_index,
    )
