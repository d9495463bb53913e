"""The devnet's stand-in for Linea's coordinator and postman.

Coordinator (what Linea's coordinator and prover do, minus the proof):
- **Anchoring**: every L1 `RollingHashUpdated(messageNumber, rollingHash, messageHash)` of the
  `LineaRollup` is anchored on L2 with the real `anchorL1L2MessageHashes(hashes, first, last,
  rollingHash)`, which recomputes the rolling hash and refuses a mismatch: the messages become
  claimable on L2 (`inboxL1L2MessageStatus` = 1). Linea anchors after some L1 confirmations;
  here it happens at once.
- **Finalization**: L2 blocks whose timestamp is at least `finalization_delay` seconds older
  than the L1 head are finalized on L1 with the real `submitData` + the real
  `finalizeCompressedBlocksWithoutProof` (the contract's own no-proof path, callable by the
  security council: no verifier is involved, so none is faked). The finalization carries the
  Merkle roots of the finalized blocks' L2 `MessageSent` hashes (trees of depth 5, from
  `interop.spec.linea`), the offsets of the blocks that sent messages (`L2MessagingBlockAnchored`
  events follow) and the L1 rolling hash the L2 had anchored at the final block, which the
  contract checks against its own. The "compressed data" is one 32-byte chunk naming the final
  block (not a real compressed batch).

Postman: L1->L2 messages whose fee is at least `postman_minimum_fee(POSTMAN_CLAIM_GAS, L2 max
fee per gas)` (the SDK postman's rule, margin 1.0) are claimed on L2 by the postman's own key,
the fee going to it; messages with no fee or a smaller one are left for their owner to claim.
L2->L1 messages are claimed the same way (rule at L1's gas price) right after the
finalization that makes them claimable, with a proof built from that finalization's messages.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from eth_utils.crypto import keccak

from interop.actions.contract import call_one, send_call
from interop.actions.fees import estimate_fees
from interop.client import ChainClient
from interop.devnet.relayloop import locked_step
from interop.errors import InteropError
from interop.signer import Signer
from interop.spec.linea import abis
from interop.spec.linea.formulas import (
    L2_MERKLE_TREE_DEPTH,
    POSTMAN_CLAIM_GAS,
    SentMessage,
    decode_message_sent,
    group_leaves,
    merkle_root,
    message_proof,
    messaging_block_offsets,
    postman_minimum_fee,
)
from interop.types import Address, hex_to_bytes

__all__ = ["FinalizationState", "LineaRelayer"]

log = logging.getLogger("interop.devnet.linea")


@dataclass
class FinalizationState:
    """What the coordinator must present in the next submission / finalization."""

    last_block: int
    last_state_root: bytes = b"\x00" * 32
    last_data_hash: bytes = b"\x00" * 32
    last_timestamp: int = 0


@dataclass
class _Counters:
    anchored: int = 0
    finalizations: int = 0
    postman_claims: int = 0
    left_for_owner: int = 0
    skipped: list[str] = field(default_factory=list)


class LineaRelayer:
    def __init__(
        self,
        l1: ChainClient,
        l2: ChainClient,
        coordinator: Signer,
        postman: Signer,
        *,
        rollup: Address,
        message_service: Address,
        first_l1_block: int,
        finalized: FinalizationState,
        finalization_delay: int,
        postman_margin_percent: int = 100,
    ) -> None:
        self.l1, self.l2 = l1, l2
        self.coordinator, self.postman = coordinator, postman
        self.rollup, self.l2ms = rollup, message_service
        self.l1_cursor = first_l1_block
        self.fin = finalized
        self.finalization_delay = finalization_delay
        self.postman_margin_percent = postman_margin_percent
        self.pending_anchor: list[tuple[int, bytes, bytes]] = []
        self.to_claim: list[SentMessage] = []
        self.lock = asyncio.Lock()
        self.errors = 0
        self.last_error: BaseException | None = None
        self.counters = _Counters()
        self._ts: dict[int, int] = {}

    async def step(self) -> None:
        await self._scan_l1()
        await self._anchor()
        await self._postman_l2()
        await self._finalize()

    async def sync(self) -> None:
        await locked_step(self)

    def describe(self) -> str:
        c = self.counters
        return (
            f"anchored {c.anchored}, finalized up to L2 block {self.fin.last_block} "
            f"({c.finalizations} finalizations), postman claims {c.postman_claims}, left for "
            f"owner {c.left_for_owner}; errors {self.errors} (last: {self.last_error!r})"
        )

    # ------------------------------------------------------------------ L1 -> L2

    async def _scan_l1(self) -> None:
        head = await self.l1.block_number()
        if head < self.l1_cursor:
            return
        logs = await self.l1.get_logs(
            address=self.rollup,
            topics=[[abis.L1_ROLLING_HASH_UPDATED_TOPIC, abis.MESSAGE_SENT_TOPIC]],
            from_block=self.l1_cursor,
            to_block=head,
        )
        for lg in logs:
            if lg.topics[0] == abis.L1_ROLLING_HASH_UPDATED_TOPIC:
                num = int(lg.topics[1], 16)
                self.pending_anchor.append(
                    (num, hex_to_bytes(lg.topics[2]), hex_to_bytes(lg.topics[3]))
                )
            else:
                self.to_claim.append(decode_message_sent(lg))
        self.l1_cursor = head + 1

    async def _anchor(self) -> None:
        while self.pending_anchor:
            batch = self.pending_anchor[:100]
            last = await call_one(self.l2, self.l2ms, abis.LAST_ANCHORED_L1_MESSAGE_NUMBER)
            batch = [b for b in batch if b[0] > last]
            if batch:
                data = abis.ANCHOR_L1_L2_MESSAGE_HASHES.encode(
                    [h for _, _, h in batch], batch[0][0], batch[-1][0], batch[-1][1]
                )
                await send_call(self.l2, self.coordinator, self.l2ms, data)
                self.counters.anchored += len(batch)
            del self.pending_anchor[:100]

    async def _postman_l2(self) -> None:
        if not self.to_claim:
            return
        fees = await estimate_fees(self.l2)
        minimum = postman_minimum_fee(
            POSTMAN_CLAIM_GAS, fees.max_fee_per_gas, self.postman_margin_percent
        )
        keep: list[SentMessage] = []
        for m in self.to_claim:
            if m.fee == 0 or m.fee < minimum:
                self.counters.left_for_owner += 1
                continue
            st = await call_one(
                self.l2, self.l2ms, abis.INBOX_L1_L2_MESSAGE_STATUS, hex_to_bytes(m.message_hash)
            )
            if st == 0:  # not anchored yet
                keep.append(m)
                continue
            if st != 1:  # claimed by its owner already
                continue
            data = abis.CLAIM_MESSAGE.encode(
                m.sender, m.to, m.fee, m.value, self.postman.address, m.calldata, m.nonce
            )
            try:
                await send_call(self.l2, self.postman, self.l2ms, data, gas=POSTMAN_CLAIM_GAS * 3)
            except InteropError as exc:  # the target reverts: its owner must claim (or not)
                self.counters.skipped.append(f"{m.message_hash}: {exc}")
                log.info("postman: claiming %s failed: %s", m.message_hash, exc)
                continue
            self.counters.postman_claims += 1
        self.to_claim = keep

    # ------------------------------------------------------------------ L2 -> L1

    async def _postman_l1(self, sent: list[SentMessage], hashes: list[bytes]) -> None:
        """Claim on L1, with a proof, the just-finalized L2 messages whose fee meets the
        postman's rule at L1's gas price; the rest are their owners' to claim."""
        paid = [m for m in sent if m.fee > 0]
        if not paid:
            return
        fees = await estimate_fees(self.l1)
        minimum = postman_minimum_fee(
            POSTMAN_CLAIM_GAS, fees.max_fee_per_gas, self.postman_margin_percent
        )
        for m in paid:
            if m.fee < minimum:
                self.counters.left_for_owner += 1
                continue
            if await call_one(self.l1, self.rollup, abis.IS_MESSAGE_CLAIMED, m.nonce):
                continue  # by its owner, or by a step of ours that did not get to count it
            p = message_proof(hashes, hex_to_bytes(m.message_hash))
            data = abis.CLAIM_MESSAGE_WITH_PROOF.encode(
                (
                    list(p.proof),
                    m.nonce,
                    p.leaf_index,
                    m.sender,
                    m.to,
                    m.fee,
                    m.value,
                    self.postman.address,
                    p.root,
                    m.calldata,
                )
            )
            try:
                await send_call(self.l1, self.postman, self.rollup, data)
            except InteropError as exc:  # its target reverts, or its owner was faster
                self.counters.skipped.append(f"{m.message_hash}: {exc}")
                log.info("postman: claiming %s on L1 failed: %s", m.message_hash, exc)
                continue
            self.counters.postman_claims += 1

    async def _timestamp(self, n: int) -> int:
        ts = self._ts.get(n)
        if ts is None:
            ts = int((await self.l2.get_block(n))["timestamp"], 16)
            self._ts[n] = ts
        return ts

    async def _read_back(self) -> None:
        """Adopt a finalization this relayer sent but did not record.

        A step can be cancelled (a caller's `sync()` timeout) or fail after its finalization was
        broadcast; `self.fin` then lags the contract, and every later submission would start at
        a block the contract has finalized already (`FirstBlockLessThanOrEqualToLastFinalizedBlock`)
        until the relayer is declared crashed. The contract is the record: its
        `currentL2BlockNumber` names the final block, and the rest of the state is a function of
        that L2 block, exactly as `_finalize` built it. The postman then claims that
        finalization's messages, as it would have."""
        done = await call_one(self.l1, self.rollup, abis.CURRENT_L2_BLOCK_NUMBER)
        start = self.fin.last_block
        if done <= start:
            return
        log.info("linea relayer: adopting finalization of L2 blocks %d..%d", start + 1, done)
        block = await self.l2.get_block(done)
        chunk = b"\x00" + hex_to_bytes(block["hash"])[1:]
        self.fin = FinalizationState(
            done,
            hex_to_bytes(block["stateRoot"]),
            keccak(chunk),
            await call_one(self.l1, self.rollup, abis.CURRENT_TIMESTAMP),
        )
        self.counters.finalizations += 1
        logs = await self.l2.get_logs(
            address=self.l2ms, topics=[abis.MESSAGE_SENT_TOPIC], from_block=start + 1, to_block=done
        )
        sent = [decode_message_sent(lg) for lg in logs]
        await self._postman_l1(sent, [hex_to_bytes(m.message_hash) for m in sent])

    async def _finalize(self) -> None:
        await self._read_back()
        head = await self.l2.block_number()
        start = self.fin.last_block
        if head <= start:
            return
        l1_now = int((await self.l1.get_block("latest"))["timestamp"], 16)
        cutoff = l1_now - self.finalization_delay
        hi = min(head, start + 65_535)
        if await self._timestamp(start + 1) > cutoff:
            return
        lo = start + 1  # the last block with timestamp <= cutoff, by bisection
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if await self._timestamp(mid) <= cutoff:
                lo = mid
            else:
                hi = mid - 1
        final = lo
        logs = await self.l2.get_logs(
            address=self.l2ms,
            topics=[abis.MESSAGE_SENT_TOPIC],
            from_block=start + 1,
            to_block=final,
        )
        sent = [decode_message_sent(lg) for lg in logs]
        hashes = [hex_to_bytes(m.message_hash) for m in sent]
        roots = [merkle_root(t) for t in group_leaves(hashes)] if hashes else []
        blocks = sorted({m.block_number for m in sent})
        block = await self.l2.get_block(final)
        state_root = hex_to_bytes(block["stateRoot"])
        chunk = b"\x00" + hex_to_bytes(block["hash"])[1:]
        data_hash = keccak(chunk)
        l1_num = await call_one(
            self.l2, self.l2ms, abis.LAST_ANCHORED_L1_MESSAGE_NUMBER, block=final
        )
        rolling = (
            await call_one(self.l2, self.l2ms, abis.L1_ROLLING_HASHES_ON_L2, l1_num, block=final)
            if l1_num
            else b"\x00" * 32
        )
        f = self.fin
        submit = abis.SUBMIT_DATA.encode(
            (
                f.last_state_root,
                f.last_data_hash,
                state_root,
                start + 1,
                final,
                keccak(b"interop devnet: no snark"),
                chunk,
            )
        )
        # The same data may have been submitted by a step that did not get to finalize it.
        if await call_one(self.l1, self.rollup, abis.DATA_FINAL_STATE_ROOT_HASHES, data_hash) == (
            b"\x00" * 32
        ):
            await send_call(self.l1, self.coordinator, self.rollup, submit)
        finalize = abis.FINALIZE_WITHOUT_PROOF.encode(
            (
                f.last_state_root,
                [data_hash],
                f.last_data_hash,
                final,
                f.last_timestamp,
                await self._timestamp(final),
                rolling,
                l1_num,
                roots,
                L2_MERKLE_TREE_DEPTH,
                messaging_block_offsets(blocks, start),
            )
        )
        await send_call(self.l1, self.coordinator, self.rollup, finalize)
        self.fin = FinalizationState(final, state_root, data_hash, await self._timestamp(final))
        self.counters.finalizations += 1
        await self._postman_l1(sent, hashes)
        for n in [k for k in self._ts if k < final]:
            del self._ts[n]
