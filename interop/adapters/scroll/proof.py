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


async def build_proof(
    l2: ChainClient,
    *,
    leaf: Hash32,
    nonce: int,
    l2_block: int,
    batch_index: int,
    root: Hash32,
) -> WithdrawProof | None:
    z = zero_hashes()
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
    branches = [
        hex_to_bytes(str(v)) if isinstance(v, str) else b"\0" * 32 for v in await l2.batch(calls)
    ]
    head = await l2.block_number()
    leaves: dict[int, bytes] = {}
    left: list[bytes] | None = None
    n = count
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
                continue  # from before the snapshot (same block) or a duplicate answer
            if index == nonce:
                if to_hash32(value) != leaf:
                    raise MessageNotFoundError(
                        f"leaf {nonce} of the withdraw trie is not this message"
                    )
                left = list(branches)
            leaves[index] = value
            # AppendOnlyMerkleTree._appendMessageHash
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
            n += 1
            if n > nonce and to_hash32(h) == root:
                assert left is not None
                proof = _proof(nonce, n, left, leaves)
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
