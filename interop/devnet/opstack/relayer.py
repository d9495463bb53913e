"""The devnet's op-node + op-proposer stand-in, one `L2Relayer` per L2.

What a real OP chain does off-chain, done here against the real contracts:
- derivation: every `TransactionDeposited` log of the L2's portal becomes the exact 0x7E deposit
  transaction an op-node would derive (F's `formulas.py` builds it), sent with
  `eth_sendRawTransaction`. anvil executes a duplicate deposit twice, so the receipt of the
  deterministic hash is checked before sending; automine gives one deposit per L2 block, in log
  order.
- L1 info: `L1Block` gets the L1 head's number, timestamp, base fee, hash and blob base fee, so
  `GasPriceOracle` answers L1-fee estimates (written to storage; see predeploys.py).
- proposals: OptimismPortal2 chains get a `FaultDisputeGame` (game type 0) for the newest settled
  L2 block (one below the head, see `_settled_head`) whenever the L2 has advanced; legacy chains
  get an `L2OutputOracle` output for every settled L2 block.
- resolution: unchallenged games are resolved (`resolveClaim(0, 0)` then `resolve()`) once their
  clock has run out, which on the devnet happens after `Devnet.fast_forward`.

`step()` does one round of all four and is what both the background loop and `sync()` run, under
one lock per L2, so a caller that awaits `sync()` knows every deposit so far is relayed and every
L2 block with a transaction has an output.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from eth_utils.crypto import keccak

from interop.chains.model import ContractName
from interop.client import ChainClient
from interop.devnet.opstack.artifacts import load
from interop.devnet.opstack.chainops import Sender, output_root_at, wait_receipt
from interop.devnet.opstack.deploy_l1 import (
    BASEFEE_SCALAR,
    BLOBBASEFEE_SCALAR,
    GAME_TYPE_CANNON,
    L1Deployment,
    OpStackParams,
    game_extra_data,
)
from interop.devnet.opstack.predeploys import set_l1_block_values
from interop.errors import RpcResponseError
from interop.spec.opstack.formulas import (
    TRANSACTION_DEPOSITED_TOPIC,
    DepositEvent,
    decode_transaction_deposited,
)
from interop.types import Address, Hash32, hex_to_bytes, to_address, to_hash32

__all__ = ["Game", "L2Relayer"]

log = logging.getLogger("interop.devnet.opstack")

DISPUTE_GAME_CREATED_TOPIC = to_hash32(keccak(b"DisputeGameCreated(address,uint32,bytes32)"))
IN_PROGRESS, CHALLENGER_WINS, DEFENDER_WINS = 0, 1, 2
_PROPOSE_GAS = 250_000
_RESOLVE_GAS = 1_000_000


@dataclass
class Game:
    """A dispute game the proposer (or anyone) created on the factory."""

    index: int
    address: Address
    l2_block: int
    root: Hash32
    created_at: int
    status: int = IN_PROGRESS


class L2Relayer:
    """Relays deposits to, and proposes outputs for, one L2."""

    def __init__(
        self,
        l1: ChainClient,
        l2: ChainClient,
        deployment: L1Deployment,
        proposer: Sender,
        params: OpStackParams,
        *,
        batcher: Address,
        start_block: int = 0,
        real_time: bool = False,
    ) -> None:
        self.l1 = l1
        self.l2 = l2
        self.dep = deployment
        self.proposer = proposer
        self.params = params
        self.batcher = batcher
        # the devnet's L1 follows the wall clock (`tick_seconds`): never push it ahead
        self.real_time = real_time
        self.lock = asyncio.Lock()
        self.cursor = start_block - 1
        self.relayed = 0
        self.games: list[Game] = []
        self.errors = 0
        self.last_error: BaseException | None = None
        self.refused_deposits: set[Hash32] = set()  # anvil refused; mint credited instead
        self._l1_info_hash: str | None = None

    @property
    def l2_id(self) -> int:
        return self.dep.l2_id

    def _addr(self, name: str) -> Address:
        return self.dep.addresses[name]

    async def step(self) -> None:
        """One round: L1 info, deposits, proposal, resolution. Callers hold `self.lock`."""
        await self.update_l1_info()
        await self.relay_deposits()
        if self.dep.generation == "portal2":
            await self.propose_game()
            await self.resolve_games()
        else:
            await self.propose_outputs()

    # ------------------------------------------------------------------ L1 -> L2

    async def update_l1_info(self) -> None:
        block = await self.l1.get_block("latest")
        if block["hash"] == self._l1_info_hash:
            return
        try:
            blob_fee = int(await self.l1.request("eth_blobBaseFee"), 16)
        except RpcResponseError:
            blob_fee = 1
        await set_l1_block_values(
            self.l2,
            number=int(block["number"], 16),
            timestamp=int(block["timestamp"], 16),
            basefee=int(block.get("baseFeePerGas") or "0x0", 16),
            block_hash=hex_to_bytes(block["hash"]),
            blob_base_fee=blob_fee,
            batcher_hash=b"\x00" * 12 + hex_to_bytes(self.batcher),
            base_fee_scalar=BASEFEE_SCALAR,
            blob_base_fee_scalar=BLOBBASEFEE_SCALAR,
        )
        self._l1_info_hash = block["hash"]

    async def relay_deposits(self) -> None:
        head = await self.l1.block_number()
        if head < self.cursor:  # the L1 was reverted to a snapshot
            self.cursor = head
        if head == self.cursor:
            return
        logs = await self.l1.get_logs(
            address=self._addr(ContractName.OPTIMISM_PORTAL),
            topics=[TRANSACTION_DEPOSITED_TOPIC],
            from_block=self.cursor + 1,
            to_block=head,
        )
        for lg in sorted(logs, key=lambda x: (x.block_number, x.log_index)):
            await self._relay_one(decode_transaction_deposited(lg))
        self.cursor = head

    async def _relay_one(self, ev: DepositEvent) -> None:
        raw = ev.encode()
        tx_hash = to_hash32(keccak(raw))
        if tx_hash in self.refused_deposits or await self.l2.get_receipt(tx_hash) is not None:
            return
        try:
            for attempt in range(3):
                try:
                    await self.l2.send_raw_transaction(raw)
                    break
                except RpcResponseError as exc:
                    if "already known" in exc.message.lower():
                        break  # this very deposit is in the pool already
                    # A sender's pooled transaction can be mined between the refusal and the
                    # pool read (nothing left to drop): the next try then goes through.
                    if attempt == 2 or not _is_pool_conflict(exc):
                        raise
                    await self._clear_pool_conflict(ev.from_address, exc)
        except RpcResponseError as exc:
            if "insufficient" not in exc.message.lower():
                raise
            # A real chain includes such a deposit as failed but keeps the mint; anvil refuses it
            # at the RPC, so apply the mint ourselves and never try it again.
            bal = await self.l2.get_balance(ev.from_address)
            await self.l2.request("anvil_setBalance", [ev.from_address, hex(bal + ev.mint)])
            self.refused_deposits.add(tx_hash)
            log.warning("deposit %s refused by the L2 node (%s); mint applied", tx_hash, exc)
            return
        rcpt = await wait_receipt(self.l2, tx_hash)
        self.relayed += 1
        log.debug("relayed deposit %s to L2 %d block %d", tx_hash, self.l2_id, rcpt.block_number)

    async def _clear_pool_conflict(self, sender: str, exc: RpcResponseError) -> bool:
        """Drop the sender's pool transactions that keep a deposit out; True if any was dropped.

        Why: a deposit is not a pool transaction on a real OP chain — the derivation pipeline
        puts it first in its block, whatever the sender has pending, and bumps the sender's
        nonce, so a pending user transaction with that nonce simply becomes invalid. anvil
        instead takes the deposit through its pool and refuses it ("replacement transaction
        underpriced") when the sender has a pending or queued transaction with the same nonce.
        Dropping the sender's pooled transactions gives the real outcome.
        """
        if not _is_pool_conflict(exc):
            return False
        content = await self.l2.request("txpool_content")
        dropped = 0
        for section in ("pending", "queued"):
            by_sender = (content or {}).get(section) or {}
            for addr, txs in by_sender.items():
                if addr.lower() != sender.lower():
                    continue
                for tx in (txs or {}).values():
                    await self.l2.request("anvil_dropTransaction", [tx["hash"]])
                    dropped += 1
        if dropped:
            log.warning(
                "deposit from %s on L2 %d collided with %d pooled transaction(s) of the sender;"
                " dropped them as a real OP chain would invalidate them",
                sender,
                self.l2_id,
                dropped,
            )
        return dropped > 0

    # ------------------------------------------------------------------ proposals (portal 2)

    async def _settled_head(self, covered: int) -> int:
        """The newest L2 block a proposal may cover: one strictly below the node's head.

        Why not the head itself: anvil commits a new block's state to its live database a
        moment before it advances the head number, and answers `eth_getProof` for the head
        number from that live database. A proof read for head N while block N+1 is being mined
        sees N+1's writes (a withdrawal in the message passer), so the proposal's root is not
        block N's and no later read of block N matches it ("output root for L2 block N does not
        match the proposal"; 31 of 280 head reads under a stream of withdrawals, none of
        reads below the head). Blocks below the head are answered from the snapshot anvil
        stores when it mines the next block, which never changes again.

        So that no flow waits for a block nobody mines, a head that carries transactions and is
        not covered yet gets one empty L2 block on top (as a real sequencer keeps producing
        blocks); an empty head is left alone, so proposing never mines without end.
        """
        head = await self.l2.block_number()
        if head <= covered:
            return covered
        block = await self.l2.get_block(head)
        if block.get("transactions"):
            await self.l2.request("evm_mine", [])
            head = await self.l2.block_number()
        return head - 1

    async def _refresh_games(self) -> None:
        dgf = self._addr(ContractName.DISPUTE_GAME_FACTORY)
        art = load("DisputeGameFactory")
        (count,) = art.decode("gameCount", await self.l1.call(dgf, art.call("gameCount")))
        if count == len(self.games):
            if count == 0:
                return
            _, _, last = art.decode(
                "gameAtIndex", await self.l1.call(dgf, art.call("gameAtIndex", count - 1)), 1
            )
            if to_address(last) == self.games[-1].address:
                return
        known = {g.address: g for g in self.games}
        games: list[Game] = []
        fdg = load("FaultDisputeGame")
        for i in range(count):
            gtype, ts, proxy = art.decode(
                "gameAtIndex", await self.l1.call(dgf, art.call("gameAtIndex", i)), 1
            )
            addr = to_address(proxy)
            if int(gtype) != GAME_TYPE_CANNON:
                continue
            if addr in known:
                games.append(known[addr])
                continue
            (n,) = fdg.decode("l2BlockNumber", await self.l1.call(addr, fdg.call("l2BlockNumber")))
            (root,) = fdg.decode("rootClaim", await self.l1.call(addr, fdg.call("rootClaim")))
            (st,) = fdg.decode("status", await self.l1.call(addr, fdg.call("status")))
            games.append(Game(i, addr, int(n), to_hash32(bytes(root)), int(ts), int(st)))
        self.games = games

    async def _anchor_block(self) -> int:
        asr = load("AnchorStateRegistry")
        _, n = asr.decode(
            "anchors",
            await self.l1.call(
                self._addr(ContractName.ANCHOR_STATE_REGISTRY),
                asr.call("anchors", GAME_TYPE_CANNON),
            ),
            1,
        )
        return int(n)

    async def propose_game(self) -> Game | None:
        """Create a game for the L2 head unless one already covers it."""
        await self._refresh_games()
        covered = self.games[-1].l2_block if self.games else await self._anchor_block()
        head = await self._settled_head(covered)
        if head <= covered:
            return None
        root, _ = await output_root_at(self.l2, head)
        dgf = self._addr(ContractName.DISPUTE_GAME_FACTORY)
        art = load("DisputeGameFactory")
        (bond,) = art.decode(
            "initBonds", await self.l1.call(dgf, art.call("initBonds", GAME_TYPE_CANNON)), 1
        )
        rcpt = await self.proposer.send(
            dgf,
            art.call("create", GAME_TYPE_CANNON, hex_to_bytes(root), game_extra_data(head)),
            value=int(bond),
            what=f"DisputeGameFactory.create for L2 {self.l2_id} block {head}",
        )
        created = [
            lg for lg in rcpt.logs if lg.topics and lg.topics[0] == DISPUTE_GAME_CREATED_TOPIC
        ]
        addr = to_address(hex_to_bytes(created[0].topics[1])[12:])
        ts = int((await self.l1.get_block(rcpt.block_number))["timestamp"], 16)
        await self._mine_after(ts)
        game = Game(len(self.games), addr, head, root, ts)
        self.games.append(game)
        log.debug("game %s for L2 %d block %d", addr, self.l2_id, head)
        return game

    async def _mine_after(self, ts: int) -> None:
        """Make sure the L1 head is later than `ts` (a game's creation time).

        anvil gives every block of one wall-clock second the same timestamp, but
        OptimismPortal2 only finalizes withdrawals proven strictly after the game's creation. A
        real L1 never has two blocks in one second; one block a second later restores that, so
        a proof sent once the game is known can always be finalized.

        The clock is only ever moved forward, relatively (`evm_increaseTime`), and only when it
        has not passed `ts` yet. Mining at an absolute `ts + 1` (as this did) resets anvil's
        time offset: a `Devnet.advance()` jump made concurrently was erased, and every game
        pushed the L1 clock a further second ahead of wall time.

        In real-time mode (the devnet mines L1 blocks on the wall clock, `tick_seconds`) the
        clock is not moved at all: we wait (under a second) for the wall clock to pass `ts`,
        then mine. Moving it put L1 time a second ahead of wall time for every game, 5-10 s
        within a minute of a busy 901, and wall-clock clients then disagreed with the chain.
        """
        if self.real_time:
            deadline = time.monotonic() + 2.5
            while time.monotonic() < deadline:
                if await self._clock() > ts:
                    await self.l1.request("evm_mine", [])
                    return
                await asyncio.sleep(0.05)
        for _ in range(3):
            clock = await self._clock()
            if clock > ts:
                break
            await self.l1.request("evm_increaseTime", [ts + 1 - clock])
        await self.l1.request("evm_mine", [])

    async def _clock(self) -> int:
        """The L1 node's clock: the timestamp its next block ("pending") would get."""
        return int((await self.l1.get_block("pending"))["timestamp"], 16)

    async def resolve_games(self) -> int:
        """Resolve every unresolved game whose clock has expired; return how many."""
        pending = [g for g in self.games if g.status == IN_PROGRESS]
        if not pending:
            return 0
        now = int((await self.l1.get_block("latest"))["timestamp"], 16)
        fdg = load("FaultDisputeGame")
        done = 0
        for g in pending:
            if now - g.created_at < self.params.max_clock_duration:
                break
            (st,) = fdg.decode("status", await self.l1.call(g.address, fdg.call("status")))
            if int(st) != IN_PROGRESS:
                g.status = int(st)
                continue
            (resolved,) = fdg.decode(
                "resolvedSubgames",
                await self.l1.call(g.address, fdg.call("resolvedSubgames", 0)),
                1,
            )
            if not resolved:
                await self.proposer.send(
                    g.address,
                    fdg.call("resolveClaim", 0, 0),
                    gas=_RESOLVE_GAS,
                    what=f"resolveClaim game {g.address}",
                )
            await self.proposer.send(
                g.address, fdg.call("resolve"), gas=_RESOLVE_GAS, what=f"resolve game {g.address}"
            )
            (st,) = fdg.decode("status", await self.l1.call(g.address, fdg.call("status")))
            g.status = int(st)
            done += 1
        return done

    # ------------------------------------------------------------------ proposals (legacy)

    async def propose_outputs(self) -> int:
        """Post an L2OutputOracle output for every L2 block not yet covered; return how many."""
        l2oo = self._addr(ContractName.L2_OUTPUT_ORACLE)
        art = load("L2OutputOracle")
        (nxt,) = art.decode(
            "nextBlockNumber", await self.l1.call(l2oo, art.call("nextBlockNumber"))
        )
        head = await self._settled_head(int(nxt) - 1)
        posted = 0
        for n in range(int(nxt), head + 1):
            root, _ = await output_root_at(self.l2, n)
            await self.proposer.send(
                l2oo,
                art.call("proposeL2Output", hex_to_bytes(root), n, b"\x00" * 32, 0),
                gas=_PROPOSE_GAS,
                what=f"proposeL2Output L2 {self.l2_id} block {n}",
            )
            posted += 1
        return posted

    async def latest_output_block(self) -> int:
        """The highest L2 block an output / game covers (from the contracts, not our memory)."""
        if self.dep.generation == "portal2":
            await self._refresh_games()
            return self.games[-1].l2_block if self.games else await self._anchor_block()
        art = load("L2OutputOracle")
        (n,) = art.decode(
            "latestBlockNumber",
            await self.l1.call(
                self._addr(ContractName.L2_OUTPUT_ORACLE), art.call("latestBlockNumber")
            ),
        )
        return int(n)


def _is_pool_conflict(exc: RpcResponseError) -> bool:
    """anvil's refusals of a deposit that collides with a pooled transaction of its sender."""
    text = exc.message.lower()
    return any(s in text for s in ("replacement", "already known", "nonce"))
