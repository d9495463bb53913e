"""The devnet's Scroll sequencer and rollup relayer, one `step()` at a time.

- **L1 messages**: every `QueueTransaction` of `L1MessageQueueV2`, in queue order, is executed on
  L2 as Scroll's sequencer includes an L1 message transaction: sent by its queued sender (the
  aliased L1 messenger, impersonated) to its target with its data, value 0 and exactly its gas
  limit. A message whose execution fails (too little gas, a reverting target) stays failed: the
  user replays it from L1 with more gas (`L1ScrollMessenger.replayMessage`), which queues a new
  message the relayer includes in turn.
- **Batches**: the L2 blocks since the last batch are committed to `ScrollChain` with
  `commitBatches(7, parent, hash)` in a real EIP-4844 blob transaction (V7 batch headers commit
  to a blob's versioned hash; the blob here carries the block range, not Scroll's encoding).
- **Finalization**: a committed batch older than `finalize_delay` seconds of L1 time is finalized
  with `finalizeBundlePostEuclidV2NoProof` (`ScrollChainMockFinalize`), carrying the L2 state
  root and the withdraw root (`L2MessageQueue.messageRoot()` at the batch's last block) and the
  number of L1 messages included so far, which finalizes them in the L1 queue.
- **Gas oracle**: `L1GasPriceOracle` gets L1's base fee and blob base fee when they change.
- **The chain is the record**: a step can fail after its transaction was broadcast (a receipt
  timeout, an RPC fault). A commit it did not record is read back from `ScrollChain` (its batch
  hash at that index), a finalization from `finalizedStateRoots`, an L1 message it included but
  did not count from the L2 (`_included`); none is sent twice, and the next step builds on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from dataclasses import dataclass
from typing import Any

import rlp
from eth_abi.abi import decode as abi_decode
from eth_account import Account
from eth_utils.crypto import keccak

from interop.abi import Fn
from interop.actions.contract import call_one
from interop.actions.tx import send_transaction, wait_for_receipt
from interop.client import ChainClient
from interop.devnet.relayloop import pool_drained
from interop.errors import DevnetError, RpcTimeoutError
from interop.signer import SafeSigner
from interop.spec.scroll import abis
from interop.spec.scroll.predeploys import L1_GAS_PRICE_ORACLE, L2_MESSAGE_QUEUE
from interop.types import hex_to_bytes

__all__ = ["Batch", "ScrollRelayer", "send_blob_tx", "warm_up_blobs"]

log = logging.getLogger("interop.devnet.scroll")

_SET_FEES = Fn("setL1BaseFeeAndBlobBaseFee(uint256,uint256)")
_BLOB_SIZE = 4096 * 32


@dataclass
class Batch:
    index: int
    l2_end: int
    header: bytes
    committed_at: int
    l1_messages: int
    finalized: bool = False


_FINALIZED_STATE_ROOTS = Fn("finalizedStateRoots(uint256)", ("bytes32",))


class ScrollRelayer:
    def __init__(
        self,
        l1: ChainClient,
        l2: ChainClient,
        owner: SafeSigner,
        sequencer_key: str,
        *,
        messenger: str,
        queue: str,
        rollup: str,
        l2_messenger: str,
        genesis_batch_hash: bytes,
        first_l1_block: int,
        first_l2_block: int,
        finalize_delay: int,
    ) -> None:
        self.l1, self.l2, self.owner = l1, l2, owner
        self._sequencer_key = sequencer_key
        self.messenger, self.queue, self.rollup = messenger, queue, rollup
        self.l2_messenger = l2_messenger
        self.finalize_delay = finalize_delay
        self.lock = asyncio.Lock()
        self.errors = 0
        self.last_error: BaseException | None = None
        self.scanned_l1 = first_l1_block - 1
        self.pending: dict[int, tuple[str, str, int, bytes]] = {}
        self.next_queue_index = 0
        self._unsure: int | None = None
        """An L1 message a step began to include but did not count (it may be on L2)."""
        self._message_block = first_l2_block
        """The L2 block of the last L1 message counted."""
        self.committed_l2 = first_l2_block
        self.batches: list[Batch] = []
        self.parent_hash = genesis_batch_hash
        self._inflight: tuple[Batch, bytes] | None = None
        """A commit sent but not yet recorded (its batch, its hash): a step cancelled between
        the two (a caller's timeout) is recovered from the chain at the next step, instead of
        committing the next batch on a stale parent forever (ErrorIncorrectBatchHash)."""
        self.fees: tuple[int, int] | None = None
        self.relayed: list[str] = []

    def describe(self) -> str:
        fin = max((b.index for b in self.batches if b.finalized), default=0)
        return (
            f"L1 messages included {self.next_queue_index}, batches committed "
            f"{len(self.batches)} (L2 up to {self.committed_l2}), finalized up to batch {fin}, "
            f"errors {self.errors}"
        )

    async def step(self) -> None:
        await self._relay_l1_messages()
        await self._update_gas_oracle()
        await self._commit()
        await self._finalize()

    # ------------------------------------------------------------------ L1 -> L2

    async def _relay_l1_messages(self) -> None:
        head = await self.l1.block_number()
        if head > self.scanned_l1:
            logs = await self.l1.get_logs(
                address=self.queue,
                topics=[abis.QUEUE_TRANSACTION_TOPIC],
                from_block=self.scanned_l1 + 1,
                to_block=head,
            )
            for lg in logs:
                sender = "0x" + lg.topics[1][-40:]
                target = "0x" + lg.topics[2][-40:]
                _value, index, gas_limit, data = abi_decode(
                    ["uint256", "uint64", "uint256", "bytes"], lg.data
                )
                self.pending[int(index)] = (sender, target, int(gas_limit), bytes(data))
            self.scanned_l1 = head
        while self.next_queue_index in self.pending:
            index = self.next_queue_index
            sender, target, gas_limit, data = self.pending[index]
            h = await self._included(index, sender, target, data)
            if h is None:
                self._unsure = index  # from here on, it may be included
                h = await self._include(sender, target, gas_limit, data)
            r = await wait_for_receipt(self.l2, h, check=False)  # a failed message is included too
            self.relayed.append(h)
            self._message_block = r.block_number
            del self.pending[index]
            self.next_queue_index += 1
            self._unsure = None

    async def _include(self, sender: str, target: str, gas_limit: int, data: bytes) -> str:
        """Execute one L1 message on L2 as its queued sender; the L2 transaction's hash."""
        await self.l2.request("anvil_setBalance", [sender, hex(10**22)])
        await self.l2.request("anvil_impersonateAccount", [sender])
        try:
            h = await self.l2.request(
                "eth_sendTransaction",
                [
                    {
                        "from": sender,
                        "to": target,
                        "data": "0x" + data.hex(),
                        "gas": hex(gas_limit),
                        "value": "0x0",
                    }
                ],
            )
        finally:
            await self.l2.request("anvil_stopImpersonatingAccount", [sender])
        return str(h)

    async def _included(self, index: int, sender: str, target: str, data: bytes) -> str | None:
        """The L2 transaction that included L1 message `index`, if a step that failed after
        sending it (an RPC fault, a receipt timeout) did not get to count it; else None.

        The L2 is the record: messages are included in queue order, so the first transaction
        from the message's sender to its target with its data after the block of the last
        counted message is this one (identical messages cannot be mistaken: the one before was
        counted). Before, the failed step had taken the message off the queue without counting
        it, and no later L1 message was ever included.

        anvil answers a send before it mines it, so the step's transaction may still be in the
        pool: the sender's pooled transactions are let through first (else a step running in
        between would find nothing mined and include the message twice)."""
        if self._unsure != index:
            return None
        await pool_drained(self.l2, sender)
        head = await self.l2.block_number()
        for n in range(self._message_block + 1, head + 1):
            for tx in (await self.l2.get_block(n, full=True)).get("transactions", []):
                if (
                    str(tx.get("from", "")).lower() == sender.lower()
                    and str(tx.get("to") or "").lower() == target.lower()
                    and hex_to_bytes(tx.get("input") or "0x") == data
                ):
                    log.info("scroll relayer: L1 message %d was included in %s", index, tx["hash"])
                    return str(tx["hash"])
        return None

    # ------------------------------------------------------------------ gas oracle

    @staticmethod
    async def l1_fees(l1: ChainClient) -> tuple[int, int]:
        """L1's base fee and blob base fee now: what Scroll's gas oracle relayer feeds."""
        block = await l1.get_block("latest")
        base = int(block.get("baseFeePerGas", "0x0"), 16)
        return base, int(await l1.request("eth_blobBaseFee", []), 16)

    async def _update_gas_oracle(self) -> None:
        base, blob = await self.l1_fees(self.l1)
        if self.fees == (base, blob):
            return
        h = await send_transaction(
            self.l2, self.owner, to=L1_GAS_PRICE_ORACLE, data=_SET_FEES.encode(base, blob)
        )
        await wait_for_receipt(self.l2, h)
        self.fees = (base, blob)

    # ------------------------------------------------------------------ batches

    async def _recover_commit(self) -> None:
        inflight, self._inflight = self._inflight, None
        if inflight is None:
            return
        batch, batch_hash = inflight
        on_chain = await call_one(self.l1, self.rollup, abis.COMMITTED_BATCHES, batch.index)
        if bytes(on_chain) == batch_hash:
            self.batches.append(batch)
            self.parent_hash = batch_hash
            self.committed_l2 = batch.l2_end

    async def _commit(self) -> None:
        await self._recover_commit()
        head = await self.l2.block_number()
        if head <= self.committed_l2:
            return
        index = len(self.batches) + 1
        blob = bytes(_BLOB_SIZE)
        _, _, vhash = _blob_commitment(blob)
        header = bytes([7]) + index.to_bytes(8, "big") + vhash + self.parent_hash
        batch_hash = keccak(header)
        data = abis.COMMIT_BATCHES.encode(7, self.parent_hash, batch_hash)
        now = int((await self.l1.get_block("latest"))["timestamp"], 16)
        self._inflight = (Batch(index, head, header, now, self.next_queue_index), batch_hash)
        h = await send_blob_tx(self.l1, self._sequencer_key, self.rollup, data)
        r = await wait_for_receipt(self.l1, h, check=False)
        if not r.succeeded:
            raise DevnetError(
                f"scroll devnet: commitBatches of batch {index} reverted ({h})",
                details=await _revert_output(self.l1, h),
            )
        ts = int((await self.l1.get_block(r.block_number))["timestamp"], 16)
        self._inflight = None
        self.batches.append(Batch(index, head, header, ts, self.next_queue_index))
        self.parent_hash = batch_hash
        self.committed_l2 = head

    async def _finalize(self) -> None:
        now = int((await self.l1.get_block("latest"))["timestamp"], 16)
        due = [
            b
            for b in self.batches
            if not b.finalized and b.committed_at + self.finalize_delay <= now
        ]
        if not due:
            return
        last = due[-1]
        # A finalization sent by a step that was cancelled before it recorded it: read it back.
        if any(await call_one(self.l1, self.rollup, _FINALIZED_STATE_ROOTS, last.index)):
            for b in due:
                b.finalized = True
            return
        block = await self.l2.get_block(last.l2_end)
        root = await call_one(self.l2, L2_MESSAGE_QUEUE, abis.L2_MESSAGE_ROOT, block=last.l2_end)
        data = abis.FINALIZE_NO_PROOF.encode(
            last.header, last.l1_messages, hex_to_bytes(block["stateRoot"]), root
        )
        h = await send_transaction(self.l1, self.owner, to=self.rollup, data=data, gas=500_000)
        r = await wait_for_receipt(self.l1, h, check=False)
        if not r.succeeded:
            raise DevnetError(
                f"scroll devnet: finalizing batch {last.index} reverted ({h})",
                details=await _revert_output(self.l1, h),
            )
        for b in due:
            b.finalized = True


async def _revert_output(l1: ChainClient, tx_hash: str) -> str:
    """What a reverted devnet transaction returned (anvil's call tracer), for the error."""
    try:
        t = await l1.request("debug_traceTransaction", [tx_hash, {"tracer": "callTracer"}])
    except Exception as exc:  # diagnostics only: never hide the revert itself
        return f"(trace unavailable: {exc})"
    return f"output {t.get('output')} error {t.get('error')} gasUsed {t.get('gasUsed')}"


async def _signed_blob_tx(l1: ChainClient, key: str, to: str, data: bytes) -> tuple[bytes, str]:
    """A signed type-3 transaction carrying the all-zero blob, with its sidecar (what
    `eth_sendRawTransaction` takes), and its hash (which the sidecar is no part of)."""
    acct = Account.from_key(key)
    nonce = await l1.get_nonce(acct.address)
    base, blob_fee = await ScrollRelayer.l1_fees(l1)
    commitment, proof, vhash = _blob_commitment(bytes(_BLOB_SIZE))
    tx: dict[str, Any] = {
        "type": 3, "chainId": l1.chain.id, "nonce": nonce, "to": to, "value": 0,
        "gas": 300_000, "maxFeePerGas": 2 * base + 10**9, "maxPriorityFeePerGas": 10**9,
        "maxFeePerBlobGas": 2 * blob_fee + 1, "blobVersionedHashes": [vhash], "data": data,
    }  # fmt: skip
    signed = acct.sign_transaction(tx)  # the transaction alone; the sidecar is added here
    body = rlp.decode(bytes(signed.raw_transaction)[1:])
    raw = b"\x03" + bytes(rlp.encode([body, [bytes(_BLOB_SIZE)], [commitment], [proof]]))
    return raw, "0x" + bytes(signed.hash).hex()


async def send_blob_tx(l1: ChainClient, key: str, to: str, data: bytes) -> str:
    """Sign and send a type-3 transaction carrying the all-zero blob; returns its hash."""
    raw, _ = await _signed_blob_tx(l1, key, to, data)
    h = await l1.request("eth_sendRawTransaction", ["0x" + raw.hex()])
    await wait_for_receipt(l1, h, check=False)
    return str(h)


async def warm_up_blobs(l1: ChainClient, key: str, *, timeout: float = 180.0) -> float:
    """Send one all-zero-blob transaction from `key` to itself and wait until it is mined;
    returns the seconds it took. Call it once while the Scroll component starts, before its
    relayer runs.

    Why: the first blob transaction an anvil node sees makes it load its KZG trusted setup,
    and the node answers no request meanwhile: 15-18 s measured on a busy 2-core machine
    (later ones take 0.1-0.4 s). The relayer's first commit put that stall in the middle of
    whatever else used the shared L1 (the devnet backing genesis funds, another component, a
    test): their calls timed out after 10 s (`anvil_setBalance ... timed out`, the devnet's
    start failed) and the commit's own receipt wait expired. Here the stall happens where only
    this call waits, with patience: the send may time out while the node is busy, and the
    receipt is then looked up by the transaction's hash."""
    t0 = time.monotonic()
    me = Account.from_key(key).address
    raw, h = await _signed_blob_tx(l1, key, me, b"")
    with contextlib.suppress(RpcTimeoutError):  # the node is loading the setup: see the receipt
        await l1.request("eth_sendRawTransaction", ["0x" + raw.hex()])
    await wait_for_receipt(l1, h, timeout=timeout, check=False)
    return time.monotonic() - t0


ZERO_BLOB_COMMITMENT = bytes([0xC0]) + bytes(47)
"""KZG commitment (and blob proof) of the all-zero blob: the G1 point at infinity, compressed."""
ZERO_BLOB_VERSIONED_HASH = b"\x01" + hashlib.sha256(ZERO_BLOB_COMMITMENT).digest()[1:]


def _blob_commitment(blob: bytes) -> tuple[bytes, bytes, bytes]:
    """(KZG commitment, blob proof, versioned hash 0x01 || sha256(commitment)[1:]).

    The devnet commits the all-zero blob: its commitment and proof are constants, so no trusted
    setup is loaded (ckzg takes ~10 s for that on a busy machine, per process). The batch
    header still commits to the blob's versioned hash exactly as on Scroll; what the blob
    would carry (Scroll's encoded batch) has no reader on the devnet."""
    if any(blob):
        raise DevnetError("the devnet commits only the all-zero blob")
    return ZERO_BLOB_COMMITMENT, ZERO_BLOB_COMMITMENT, ZERO_BLOB_VERSIONED_HASH
