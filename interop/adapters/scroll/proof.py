"""The withdraw-trie proof of one L2->L1 message, from L2 state and events, checked before use.

The proof is for the withdraw root of the latest finalized batch on L1 (`withdrawRoots(
lastFinalizedBatchIndex)`; Scroll stores a root only for a bundle's last batch). Built as
`L2MessageQueue` itself computes its tree:

- the left siblings of leaf `i` are the queue's `branches(h)` just before `i` was appended: read
  at the block before the message's block, then the leaves appended earlier in its own block
  applied as the contract applies them;
- the tree size the root belongs to is found by replaying `AppendMessage` events from the
  message's block on (bounded `eth_getLogs` windows) until the root matches; the right
  siblings are subtree roots over those later leaves (zero-padded).

`None` when the latest finalized root does not cover the message yet (not ready).
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_utils.crypto import keccak

from interop.abi import Fn
from interop.actions.contract import call_one
from interop.client import ChainClient
from interop.errors import MessageNotFoundError
from interop.spec.scroll import abis
from interop.spec.scroll.predeploys import L2_MESSAGE_QUEUE
from interop.spec.scroll.withdraw_trie import MAX_HEIGHT, proof_bytes, verify_proof, zero_hashes
from interop.types import Hash32, hex_to_bytes, to_hash32

__all__ = ["LOG_WINDOW", "WithdrawProof", "build_proof"]

LOG_WINDOW = 5_000
"""Blocks per `eth_getLogs` request (public Scroll RPCs cap ranges around 10k)."""
_BRANCHES = Fn("branches(uint256)", ("bytes32",))


@dataclass(frozen=True)
class WithdrawProof:
    batch_index: int
    root: Hash32
    size: int
    proof: bytes


def _h(a: bytes, b: bytes) -> bytes:
    return keccak(a + b)


def _append(branches: list[bytes], index: int, value: bytes) -> bytes:
    """`AppendOnlyMerkleTree._appendMessageHash` on `branches` (in place); the new root."""
    z = zero_hashes()
    h, cur, height = value, index, 0
    while cur:
        if cur % 2 == 0:
            branches[height] = h
            h = _h(h, z[height])
        else:
            h = _h(branches[height], h)
        height += 1
        cur >>= 1
    branches[height] = h
    return h


async def left_siblings(l2: ChainClient, *, nonce: int, l2_block: int) -> dict[int, bytes]:
    """The complete subtrees left of leaf `nonce` (height -> root, for each set bit of
    `nonce`): `L2MessageQueue.branches(h)` at the block before the message's, plus the
    messages earlier in its own block. Reads past state: right after the withdrawal any node
    answers; much later only one that keeps old state (an archive node) does, which is why the
    adapter stores them in the flow's ref when it starts the flow."""
    before = l2_block - 1
    count = int(await call_one(l2, L2_MESSAGE_QUEUE, abis.L2_NEXT_MESSAGE_INDEX, block=before))
    if count > nonce:
        raise MessageNotFoundError(f"message {nonce} was appended before block {l2_block}")
    calls = [
        (
            "eth_call",
            [{"to": L2_MESSAGE_QUEUE, "data": "0x" + _BRANCHES.encode(h).hex()}, hex(before)],
        )
        for h in range(MAX_HEIGHT)
    ]
    answers = await l2.batch(calls)
    branches = []
    for h, v in enumerate(answers):
        if not isinstance(v, str):
            raise MessageNotFoundError(
                f"L2MessageQueue.branches({h}) at block {before} is unreadable: {v!r}"[:300],
                hint="the node may not keep state that old: use an archive RPC",
            )
        branches.append(hex_to_bytes(v))
    if count < nonce:
        logs = await l2.get_logs(
            address=L2_MESSAGE_QUEUE, topics=[abis.APPEND_MESSAGE_TOPIC],
            from_block=l2_block, to_block=l2_block,
        )  # fmt: skip
        for lg in logs:
            index = int.from_bytes(lg.data[:32], "big")
            if count <= index < nonce and index == count:
                _append(branches, index, lg.data[32:64])
                count += 1
    if count != nonce:
        raise MessageNotFoundError(f"messages before {nonce} in block {l2_block} are missing")
    return {h: branches[h] for h in range(MAX_HEIGHT) if nonce >> h & 1}


async def build_proof(
    l2: ChainClient,
    *,
    leaf: Hash32,
    nonce: int,
    l2_block: int,
    batch_index: int,
    root: Hash32,
    left: dict[int, bytes] | None = None,
) -> WithdrawProof | None:
    if left is None:
        left = await left_siblings(l2, nonce=nonce, l2_block=l2_block)
    branches = [left.get(h, b"\0" * 32) for h in range(MAX_HEIGHT)]
    left_list = list(branches)
    head = await l2.block_number()
    leaves: dict[int, bytes] = {}
    n = nonce
    start = l2_block
    while start <= head:
        end = min(head, start + LOG_WINDOW - 1)
        logs = await l2.get_logs(
            address=L2_MESSAGE_QUEUE,
            topics=[abis.APPEND_MESSAGE_TOPIC],
            from_block=start,
            to_block=end,
        )
        for lg in logs:
            index = int.from_bytes(lg.data[:32], "big")
            value = lg.data[32:64]
            if index != n:
                continue  # earlier in the same block, or a duplicate answer
            if index == nonce and to_hash32(value) != leaf:
                raise MessageNotFoundError(f"leaf {nonce} of the withdraw trie is not this message")
            leaves[index] = value
            h = _append(branches, index, value)
            n += 1
            if to_hash32(h) == root:
                proof = _proof(nonce, n, left_list, leaves)
                if not verify_proof(root, leaf, nonce, proof):
                    raise MessageNotFoundError("the withdraw proof built does not verify")
                return WithdrawProof(batch_index, root, n, proof)
        start = end + 1
    return None


def _proof(i: int, size: int, left: list[bytes], leaves: dict[int, bytes]) -> bytes:
    z = zero_hashes()

    def node(height: int, k: int) -> bytes:
        if k << height >= size:
            return z[height]
        if height == 0:
            return leaves[k]
        return _h(node(height - 1, 2 * k), node(height - 1, 2 * k + 1))

    out = []
    for height in range((size - 1).bit_length()):
        k = i >> height
        out.append(left[height] if k % 2 else node(height, k + 1))
    return proof_bytes(out)
