"""The devnet's stand-in for a ZK chain's sequencer, prover and operator.

- **Priority operations**: every L1 `NewPriorityRequest` of the chain's diamond is executed on
  the L2 anvil in queue order, as the bootloader does: the mint (`reserved[0]`) is credited to
  the sender, the call runs with the value and calldata, and what is left of the mint after
  the value and the L2 fee goes to the refund recipient (all of it but the fee when the call
  fails). Anvil cannot mine a transaction under the canonical hash, so the call is sent from
  the impersonated sender (whose nonce is then put back: priority operations use none) and
  the RPC shim answers under the canonical hash (shim.py).
- **Batches**: every L2 block with transactions since the last batch is sealed into the next
  batch. Its L2->L1 logs are, per transaction in order (txNumberInBatch): the bootloader's
  `(0, true, n, 0x…8001, canonicalHash, status)` log for a priority operation, and one log per
  `L1Messenger` `L2ToL1LogSent` event, with the sequencer's transaction number. Their Merkle
  tree is the protocol's (16384 leaves, empty-leaf padding) and the committed root is
  keccak(localRoot || aggregatedRoot) with aggregatedRoot = 0 (no chain settles on this one).
- **Commit / prove / execute**: a sealed batch is committed and proven on L1 at once
  (`commitBatch`, `proveBatches`: no proof is checked) and executed once `execute_delay`
  seconds of L1 time have passed since its commit (the component's default is 120 s, like the
  devnet's other short periods; Era's `ValidatorTimelock` waits 3 hours).
- **The diamond is the record**: a commit, proof or execution that a step sent but did not get
  to record (it failed after the broadcast: a receipt timeout, an RPC fault) is read back from
  the diamond's batch counters and events at the next step, never sent again. Before, the next
  commit reused the batch number and reverted (`batch order`), as did a repeated execution
  (`execute order`), on every step until the sequencer was declared crashed. Likewise a
  priority operation a failed step executed but did not count is found on L2 (`_executed`)
  and counted, never executed twice.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field, replace

from eth_abi.abi import decode as abi_decode

from interop.abi import Fn, event_topic
from interop.actions.contract import call_one, send_call
from interop.client import ChainClient
from interop.devnet.relayloop import locked_step, pool_drained
from interop.errors import DevnetError
from interop.rpc.models import Log
from interop.signer import Signer
from interop.spec.zksync import abis
from interop.spec.zksync.addresses import BOOTLOADER, L1_MESSENGER
from interop.spec.zksync.logs import L2Log, full_logs_root, logs_root
from interop.spec.zksync.priority import CanonicalTx
from interop.types import Address, hex_to_bytes

__all__ = ["Batch", "Emulated", "Sequencer"]

log = logging.getLogger("interop.devnet.zksync")

L2_TO_L1_LOG_SENT_TOPIC = event_topic("L2ToL1LogSent((uint8,bool,uint16,address,bytes32,bytes32))")
COMMIT_BATCH = Fn("commitBatch(uint256,bytes32)")
PROVE_BATCHES = Fn("proveBatches(uint256)")
EXECUTE_BATCHES = Fn("executeBatches(uint256)")
BLOCK_COMMIT_TOPIC = event_topic("BlockCommit(uint256,bytes32,bytes32)")
BLOCK_EXECUTION_TOPIC = event_topic("BlockExecution(uint256,bytes32,bytes32)")


@dataclass
class Emulated:
    """A priority operation executed on the L2 anvil: its canonical hash and anvil's."""

    canonical: str
    anvil_hash: str
    status: int
    tx: CanonicalTx


@dataclass
class Batch:
    number: int
    first_block: int
    last_block: int
    logs: list[tuple[L2Log, str]] = field(default_factory=list)
    """(log, public tx hash) in tree order."""
    tx_numbers: dict[str, int] = field(default_factory=dict)
    local_root: bytes = b""
    root: bytes = b""
    committed_at: int = 0
    executed_at: int = 0
    commit_tx: str = ""
    execute_tx: str = ""
    executed: bool = False


class Sequencer:
    def __init__(
        self,
        l1: ChainClient,
        l2: ChainClient,
        operator: Signer,
        *,
        chain_id: int,
        diamond: Address,
        first_l1_block: int,
        first_l2_block: int,
        execute_delay: int,
    ) -> None:
        self.l1, self.l2, self.operator = l1, l2, operator
        self.chain_id, self.diamond = chain_id, diamond
        self.l1_cursor = first_l1_block
        self.first_l1_block = first_l1_block
        self.sealed_block = first_l2_block
        self.execute_delay = execute_delay
        self.lock = asyncio.Lock()
        self.errors = 0
        self.last_error: BaseException | None = None
        self.by_canonical: dict[str, Emulated] = {}
        self.canonical_of: dict[str, str] = {}
        self.batches: list[Batch] = []
        self.batch_of: dict[str, int] = {}
        self.priority_ops = 0
        self._unsure: dict[str, tuple[int, str, int, str | None]] = {}
        """Canonical hash -> (sender's balance, nonce, L2 head before the send, the L2 hash when
        the node answered the send) of each priority operation a step began to execute and did
        not count: it may be on L2 (see `_executed`). Keyed, so that no other operation's
        attempt can erase what is known of this one."""
        self._op_block = first_l2_block
        """The L2 block of the last priority operation counted."""

    # ---------------------------------------------------------------- loop

    async def step(self) -> None:
        await self._priority_ops()
        await self._seal()
        await self._execute()

    async def sync(self) -> None:
        await locked_step(self)

    def describe(self) -> str:
        done = sum(1 for b in self.batches if b.executed)
        return (
            f"{self.priority_ops} priority ops, {len(self.batches)} batches committed, "
            f"{done} executed"
        )

    # ---------------------------------------------------------------- priority queue

    async def _priority_ops(self) -> None:
        head = await self.l1.block_number()
        if head < self.l1_cursor:
            return
        logs = await self.l1.get_logs(
            address=self.diamond,
            topics=[abis.NEW_PRIORITY_REQUEST_TOPIC],
            from_block=self.l1_cursor,
            to_block=head,
        )
        for lg in logs:
            _, txhash, _, tx, _ = abi_decode(list(abis.NEW_PRIORITY_REQUEST_TYPES), lg.data)
            canonical = "0x" + bytes(txhash).hex()
            if canonical in self.by_canonical:
                continue
            await self._execute_priority_op(canonical, CanonicalTx.from_tuple(tx))
        self.l1_cursor = head + 1

    async def _execute_priority_op(self, canonical: str, t: CanonicalTx) -> None:
        l2 = self.l2
        frm = t.sender
        gas = min(t.gas_limit, 30_000_000)
        await l2.request("anvil_impersonateAccount", [frm])
        try:
            unsure = self._unsure.get(canonical)
            h = await self._executed(t, gas, unsure) if unsure else None
            if unsure is not None:  # a step began it: the balance and nonce it saw before
                bal0, nonce0, head0, _ = unsure
            else:
                bal0 = await l2.get_balance(frm)
                nonce0 = await l2.request("eth_getTransactionCount", [frm, "latest"])
                head0 = await l2.block_number()
                # from here on, it may be executed
                self._unsure[canonical] = (bal0, nonce0, head0, None)
            if h is None:
                await l2.request("anvil_setBalance", [frm, hex(bal0 + t.mint)])
                block = await l2.get_block("latest")
                base = int(block.get("baseFeePerGas") or "0x0", 16)
                h = await l2.request(
                    "eth_sendTransaction",
                    [
                        {
                            "from": frm,
                            "to": t.to,
                            "value": hex(t.value),
                            "data": "0x" + t.data.hex(),
                            "gas": hex(gas),
                            "maxFeePerGas": hex(2 * base + 1),
                            "maxPriorityFeePerGas": "0x0",
                        }
                    ],
                )
                self._unsure[canonical] = (bal0, nonce0, head0, str(h))
            rcpt = None
            for _ in range(200):
                rcpt = await l2.request("eth_getTransactionReceipt", [h])
                if rcpt is not None:
                    break
                await asyncio.sleep(0.02)
            if rcpt is None:
                raise RuntimeError(f"priority op {canonical} was not mined on L2")
            status = int(rcpt["status"], 16)
            bal1 = await l2.get_balance(frm)
            expected = bal0 + (t.value if status and t.to.lower() == frm.lower() else 0)
            surplus = bal1 - expected
            await l2.request("anvil_setBalance", [frm, hex(expected)])
            # a priority operation uses no account nonce on ZKsync: undo anvil's increment
            await l2.request("anvil_setNonce", [frm, nonce0])
            if surplus > 0:
                r = await l2.get_balance(t.refund_recipient)
                await l2.request("anvil_setBalance", [t.refund_recipient, hex(r + surplus)])
        finally:
            await l2.request("anvil_stopImpersonatingAccount", [frm])
        em = Emulated(canonical, str(h).lower(), status, t)
        self.by_canonical[canonical] = em
        self.canonical_of[em.anvil_hash] = canonical
        self.priority_ops += 1
        self._unsure.pop(canonical, None)
        self._op_block = int(rcpt["blockNumber"], 16)
        log.info("priority op %s -> L2 %s status %d", canonical, h, status)

    async def _executed(
        self, t: CanonicalTx, gas: int, unsure: tuple[int, str, int, str | None]
    ) -> str | None:
        """The L2 transaction of priority operation `t` if a step that failed after sending it
        (an RPC fault, a lost receipt) left it uncounted; else None.

        The L2 is the record, and anvil answers a send before it mines it: a transaction can
        still be in the pool. When the node answered the send, that hash is looked up (mined or
        pooled, it is the operation's: the caller waits for its receipt). Else, once the pool
        holds nothing more of the sender's, it is the transaction, in a block after the one the
        step saw before sending (and after the last counted operation's), that the step sent as
        `t` would be sent (its sender at the nonce the step saw, its target, value, calldata
        and gas, no tip). Before, the next step executed the operation again: a deposit was
        minted twice (once when the retry ran while the first send was still in the pool)."""
        _, nonce, head0, sent = unsure
        if sent is not None and await self.l2.request("eth_getTransactionByHash", [sent]):
            log.info("zksync sequencer: priority op was sent as %s", sent)
            return sent
        await pool_drained(self.l2, t.sender)
        head = await self.l2.block_number()
        for n in range(min(head0, self._op_block) + 1, head + 1):
            for tx in (await self.l2.get_block(n, full=True)).get("transactions", []):
                if (
                    str(tx.get("from", "")).lower() == t.sender.lower()
                    and str(tx.get("to") or "").lower() == t.to.lower()
                    and int(tx.get("nonce", "0x0"), 16) == int(nonce, 16)
                    and int(tx.get("value", "0x0"), 16) == t.value
                    and int(tx.get("gas", "0x0"), 16) == gas
                    and int(tx.get("maxPriorityFeePerGas") or "0x0", 16) == 0
                    and hex_to_bytes(tx.get("input") or "0x") == t.data
                ):
                    log.info("zksync sequencer: priority op was executed in %s", tx["hash"])
                    return str(tx["hash"])
        return None

    # ---------------------------------------------------------------- batches

    async def _block_txs(self, number: int) -> list[tuple[str, list[L2Log]]]:
        """Each transaction of L2 block `number` (public hash) with its L2->L1 logs in tree
        order, their `tx_number_in_batch` left 0 (`_assemble` numbers them)."""
        out: list[tuple[str, list[L2Log]]] = []
        blk = await self.l2.get_block(number)
        for h in blk.get("transactions", []):
            h = str(h).lower()
            public = self.canonical_of.get(h, h)
            logs: list[L2Log] = []
            em = self.by_canonical.get(public)
            if em is not None:
                logs.append(
                    L2Log(
                        0, True, 0, BOOTLOADER, hex_to_bytes(public), em.status.to_bytes(32, "big")
                    )
                )
            rcpt = await self.l2.request("eth_getTransactionReceipt", [h])
            for lg in rcpt.get("logs", []):
                topics = lg.get("topics") or []
                if (
                    str(lg["address"]).lower() != L1_MESSENGER.lower()
                    or not topics
                    or topics[0].lower() != L2_TO_L1_LOG_SENT_TOPIC.lower()
                ):
                    continue
                ((shard, svc, _, sender, key, value),) = abi_decode(
                    ["(uint8,bool,uint16,address,bytes32,bytes32)"], hex_to_bytes(lg["data"])
                )
                logs.append(L2Log(shard, svc, 0, sender, key, value))
            out.append((public, logs))
        return out

    @staticmethod
    def _assemble(number: int, first: int, last: int, txs: list[tuple[str, list[L2Log]]]) -> Batch:
        """The batch of L2 blocks `first..last` whose transactions are `txs`, with its roots."""
        batch = Batch(number, first, last)
        for n, (public, logs) in enumerate(txs):
            batch.tx_numbers[public] = n
            batch.logs += [(replace(lg, tx_number_in_batch=n), public) for lg in logs]
        batch.local_root = logs_root([lg.leaf() for lg, _ in batch.logs])
        batch.root = full_logs_root(batch.local_root)
        return batch

    async def _event(self, topic: str, batch_number: int) -> Log:
        """The diamond's `BlockCommit` / `BlockExecution` of `batch_number` (indexed)."""
        logs = await self.l1.get_logs(
            address=self.diamond,
            topics=[topic, "0x" + batch_number.to_bytes(32, "big").hex()],
            from_block=self.first_l1_block,
            to_block=await self.l1.block_number(),
        )
        if not logs:
            raise DevnetError(f"zksync devnet: no event {topic} for batch {batch_number}")
        return logs[-1]

    async def _record_commit(self, batch: Batch, commit: Log | str, block_number: int) -> None:
        batch.commit_tx = commit if isinstance(commit, str) else str(commit.transaction_hash)
        batch.committed_at = int((await self.l1.get_block(block_number))["timestamp"], 16)
        self.batches.append(batch)
        for public in batch.tx_numbers:
            self.batch_of[public] = batch.number
        self.sealed_block = batch.last_block

    async def _read_back(self) -> None:
        """Adopt commits this sequencer sent but did not record, and prove what is unproven.

        The diamond counts committed batches and its `BlockCommit` event holds each batch's
        root; a commit it holds beyond our record was sent by a step that failed after the
        broadcast. Its L2 blocks are re-sealed from the first unsealed one until the root
        matches (the smallest such range: blocks whose transactions send no L2->L1 log do not
        change the root, and then fall to the next batch); what it holds is never committed
        again."""
        committed = int(await call_one(self.l1, self.diamond, abis.TOTAL_BATCHES_COMMITTED))
        while len(self.batches) < committed:
            number = len(self.batches) + 1
            lg = await self._event(BLOCK_COMMIT_TOPIC, number)
            root = hex_to_bytes(lg.topics[2])
            first = self.sealed_block + 1
            head = await self.l2.block_number()
            txs: list[tuple[str, list[L2Log]]] = []
            for b in range(first, head + 1):
                txs += await self._block_txs(b)
                if txs and (batch := self._assemble(number, first, b, txs)).root == root:
                    log.info(
                        "zksync sequencer: adopting commit of batch %d (L2 %d-%d)", number, first, b
                    )
                    await self._record_commit(batch, lg, lg.block_number)
                    break
            else:
                raise DevnetError(
                    f"zksync devnet: batch {number} is committed on L1 (root 0x{root.hex()}) but "
                    f"no L2 blocks from {first} to {head} seal to it"
                )
        verified = int(await call_one(self.l1, self.diamond, abis.TOTAL_BATCHES_VERIFIED))
        if verified < committed:  # a commit whose proof was not sent
            await send_call(self.l1, self.operator, self.diamond, PROVE_BATCHES.encode(committed))

    async def _seal(self) -> None:
        await self._read_back()
        head = await self.l2.block_number()
        if head <= self.sealed_block:
            return
        first = self.sealed_block + 1
        txs: list[tuple[str, list[L2Log]]] = []
        for b in range(first, head + 1):
            txs += await self._block_txs(b)
        if not txs:  # empty blocks only: nothing to commit
            self.sealed_block = head
            return
        batch = self._assemble(len(self.batches) + 1, first, head, txs)
        commit = await send_call(
            self.l1, self.operator, self.diamond, COMMIT_BATCH.encode(batch.number, batch.root)
        )
        await send_call(self.l1, self.operator, self.diamond, PROVE_BATCHES.encode(batch.number))
        await self._record_commit(batch, commit.transaction_hash, commit.block_number)
        log.info(
            "batch %d: L2 blocks %d-%d, %d logs",
            batch.number,
            batch.first_block,
            head,
            len(batch.logs),
        )

    async def _execute(self) -> None:
        pending = [b for b in self.batches if not b.executed]
        if not pending:
            return
        # an execution sent by a step that failed after the broadcast: the diamond has it
        executed = int(await call_one(self.l1, self.diamond, abis.TOTAL_BATCHES_EXECUTED))
        for b in pending:
            if b.number <= executed:
                lg = await self._event(BLOCK_EXECUTION_TOPIC, b.number)
                ts = int((await self.l1.get_block(lg.block_number))["timestamp"], 16)
                b.executed, b.execute_tx, b.executed_at = True, str(lg.transaction_hash), ts
        pending = [b for b in pending if not b.executed]
        if not pending:
            return
        now = int((await self.l1.get_block("latest"))["timestamp"], 16)
        due = [b for b in pending if now >= b.committed_at + self.execute_delay]
        if not due:
            return
        up_to = due[-1].number
        rcpt = await send_call(self.l1, self.operator, self.diamond, EXECUTE_BATCHES.encode(up_to))
        # the time of the block that executed them (as the adoption above reads it back), not
        # the `now` this step started at: a block mined in between makes them differ
        ts = int((await self.l1.get_block(rcpt.block_number))["timestamp"], 16)
        for b in due:
            b.executed, b.execute_tx, b.executed_at = True, rcpt.transaction_hash, ts

    # ---------------------------------------------------------------- lookups for the shim

    def batch(self, number: int) -> Batch | None:
        return self.batches[number - 1] if 1 <= number <= len(self.batches) else None

    def batch_for_tx(self, public_hash: str) -> tuple[Batch, int] | None:
        n = self.batch_of.get(public_hash.lower())
        if n is None:
            return None
        b = self.batches[n - 1]
        return b, b.tx_numbers[public_hash.lower()]

    def public_hash(self, anvil_hash: str) -> str:
        return self.canonical_of.get(anvil_hash.lower(), anvil_hash.lower())

    def anvil_hash(self, public_hash: str) -> str:
        em = self.by_canonical.get(public_hash.lower())
        return em.anvil_hash if em is not None else public_hash
