"""The devnet's BoLD validator and batch poster, against the real nitro-contracts rollup.

What a Nitro node does for a chain whose L2 it runs, reduced to what the devnet needs:

- **Batch poster**: `SequencerInbox.addSequencerL2BatchFromOrigin` whenever L2 sends exist that
  no batch covers yet, reading every delayed message the relayer has executed
  (`afterDelayedMessagesRead`). The batch's data is empty (the devnet's L2 blocks are not
  derived from it); we remember which L2 block each batch ends at.
- **Validator**: BoLD assertions are chained; each must consume the sequencer inbox exactly up
  to its parent's `nextInboxPosition` (recorded in the parent's `AssertionCreated`), so an
  assertion always describes the L2 state at the end of an already posted batch. The first one
  stakes (`newStakeOnNewAssertion`, WETH as the stake token), the next ones move the stake
  (`stakeOnNewAssertion`). Its state's `bytes32Vals` are (L2 block hash, send root), exactly
  what `confirmAssertion` hands to `Outbox.updateSendRoot`.
- **Confirmation**: after `confirmPeriodBlocks` L1 blocks, `confirmAssertion` with the parent's
  config and no winning edge (no rival assertion ever exists on the devnet).

Clock: the rollup counts L1 *blocks*; the devnet moves L1 *time* (`Devnet.fast_forward` jumps
time and mines one block). The validator therefore waits for both the block deadline and
`confirmPeriodBlocks x L1 block time` seconds, and when the time has passed but the blocks have
not, it mines the missing L1 blocks at the current timestamp (`anvil_mine(n, 0)`): the L1 gets
the blocks its clock says it would have had, without its clock running ahead.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_utils.crypto import keccak

from interop.abi import event_topic
from interop.actions.tx import send_transaction, wait_for_receipt
from interop.client import ChainClient
from interop.devnet.arbitrum.artifacts import calldata
from interop.errors import DevnetError
from interop.rpc.models import Log
from interop.signer import Signer
from interop.types import ZERO_ADDRESS, hex_to_bytes, to_address

__all__ = [
    "ASSERTION_CONFIRMED_TOPIC",
    "ASSERTION_CREATED_TOPIC",
    "ASSERTION_INPUTS",
    "ASSERTION_STATE",
    "FINISHED",
    "Assertion",
    "AssertionState",
    "BoldValidator",
    "ConfigData",
    "L2State",
    "decode_assertion_created",
]

log = logging.getLogger("interop.devnet.arbitrum")

GLOBAL_STATE = "(bytes32[2],uint64[2])"
ASSERTION_STATE = "(" + GLOBAL_STATE + ",uint8,bytes32)"
CONFIG_DATA = "(bytes32,uint256,address,uint64,uint64)"
BEFORE_STATE_DATA = "(bytes32,bytes32," + CONFIG_DATA + ")"
ASSERTION_INPUTS = "(" + BEFORE_STATE_DATA + "," + ASSERTION_STATE + "," + ASSERTION_STATE + ")"
FINISHED = 1
"""`MachineStatus.FINISHED`."""
PENDING, CONFIRMED = 1, 2
"""`AssertionStatus` values (0 = NoAssertion)."""

ASSERTION_CREATED_TOPIC = event_topic(
    "AssertionCreated(bytes32,bytes32," + ASSERTION_INPUTS + ",bytes32,uint256,bytes32,uint256,"
    "address,uint64)"
)
ASSERTION_CONFIRMED_TOPIC = event_topic("AssertionConfirmed(bytes32,bytes32,bytes32)")
_CREATED_DATA = [ASSERTION_INPUTS, "bytes32", "uint256", "bytes32", "uint256", "address", "uint64"]
_ZERO32 = b"\x00" * 32


@dataclass(frozen=True)
class AssertionState:
    """`AssertionState` = (GlobalState(bytes32Vals=[blockHash, sendRoot], u64Vals=[inbox
    position, position in message]), machine status, end history root)."""

    block_hash: bytes
    send_root: bytes
    inbox_position: int = 0
    position_in_message: int = 0
    status: int = FINISHED
    end_history_root: bytes = _ZERO32

    def as_tuple(self) -> tuple[Any, ...]:
        return (
            ((self.block_hash, self.send_root), (self.inbox_position, self.position_in_message)),
            self.status,
            self.end_history_root,
        )

    @classmethod
    def from_tuple(cls, t: Any) -> AssertionState:
        ((b32, u64), status, root) = t
        return cls(bytes(b32[0]), bytes(b32[1]), int(u64[0]), int(u64[1]), int(status), bytes(root))

    def hash(self) -> bytes:
        return keccak(abi_encode([ASSERTION_STATE], [self.as_tuple()]))


@dataclass(frozen=True)
class ConfigData:
    """`ConfigData`: what an assertion's children must be created under (RollupLib.configHash)."""

    wasm_module_root: bytes
    required_stake: int
    challenge_manager: str
    confirm_period_blocks: int
    next_inbox_position: int

    def as_tuple(self) -> tuple[Any, ...]:
        return (
            self.wasm_module_root,
            self.required_stake,
            self.challenge_manager,
            self.confirm_period_blocks,
            self.next_inbox_position,
        )


@dataclass(frozen=True)
class Assertion:
    """One assertion as its `AssertionCreated` event describes it."""

    hash: bytes
    parent: bytes
    after: AssertionState
    inbox_acc: bytes
    config: ConfigData
    created_at_block: int


def assertion_hash(parent: bytes, state: AssertionState, inbox_acc: bytes) -> bytes:
    """RollupLib.assertionHash: keccak(parent ‖ keccak(abi.encode(state)) ‖ inboxAcc)."""
    return keccak(parent + state.hash() + inbox_acc)


def decode_assertion_created(lg: Log) -> Assertion:
    (inputs, acc, max_count, wasm, stake, cm, period) = abi_decode(_CREATED_DATA, bytes(lg.data))
    return Assertion(
        hash=hex_to_bytes(lg.topics[1]),
        parent=hex_to_bytes(lg.topics[2]),
        after=AssertionState.from_tuple(inputs[2]),
        inbox_acc=bytes(acc),
        config=ConfigData(bytes(wasm), int(stake), to_address(cm), int(period), int(max_count)),
        created_at_block=lg.block_number,
    )


@dataclass(frozen=True)
class L2State:
    """The L2 at the end of a batch: its head block and ArbSys' send accumulator there."""

    block_hash: bytes
    block_number: int
    send_root: bytes
    send_count: int


class BoldValidator:
    """Batch poster + validator for one rollup (callers serialize `step`)."""

    def __init__(
        self,
        l1: ChainClient,
        signer: Signer,
        *,
        rollup: str,
        sequencer_inbox: str,
        bridge: str,
        stake_token: str,
        l2_head: Callable[[], Awaitable[L2State]],
        delayed_read: Callable[[], int],
        confirm_period_seconds: int,
    ) -> None:
        self.l1, self.signer = l1, signer
        self.rollup, self.sequencer_inbox = rollup, sequencer_inbox
        self.bridge, self.stake_token = bridge, stake_token
        self.l2_head = l2_head
        self.delayed_read = delayed_read
        self.confirm_period_seconds = confirm_period_seconds
        self.batch_ends: dict[int, L2State] = {}
        """L2 state at the end of the batches so far, by inbox position (message count)."""
        self.chain: list[Assertion] = []
        """Our assertions from the genesis one on (the devnet has no other validator)."""
        self.staked = False
        self.batched_sends = 0
        self.blocks_mined = 0
        """L1 blocks mined to catch the block count up with the clock (see module doc)."""

    # ------------------------------------------------------------------ set-up

    async def start(self, genesis_l2: L2State, deployed_at_block: int) -> None:
        """Read the genesis assertion back from the chain; batch 0 (the rollup's initialization
        batch) ends at the L2 genesis state."""
        logs = await self.l1.get_logs(
            address=self.rollup,
            topics=[ASSERTION_CREATED_TOPIC],
            from_block=deployed_at_block,
            to_block=deployed_at_block,
        )
        if len(logs) != 1:
            raise DevnetError(f"expected the genesis AssertionCreated, found {len(logs)}")
        self.chain = [decode_assertion_created(logs[0])]
        self.batch_ends = {0: genesis_l2, 1: genesis_l2}

    # ------------------------------------------------------------------ reads

    async def _call(self, to: str, sig: str, types: list[str], *args: Any) -> tuple[Any, ...]:
        return tuple(abi_decode(types, await self.l1.call(to, calldata(sig, *args))))

    async def _send(self, to: str, data: bytes, what: str, *, value: int = 0) -> Any:
        h = await send_transaction(self.l1, self.signer, to=to, data=data, value=value)
        return await wait_for_receipt(self.l1, h)  # a revert raises TransactionFailedError

    async def message_count(self) -> int:
        (n,) = await self._call(self.bridge, "sequencerMessageCount()", ["uint256"])
        return int(n)

    async def latest_confirmed(self) -> bytes:
        (h,) = await self._call(self.rollup, "latestConfirmed()", ["bytes32"])
        return bytes(h)

    async def describe(self) -> str:
        confirmed = await self.latest_confirmed()
        idx = next((i for i, a in enumerate(self.chain) if a.hash == confirmed), -1)
        return (
            f"assertions {len(self.chain) - 1} (after genesis), confirmed up to #{idx}"
            f" (0x{confirmed.hex()[:12]}); batches {await self.message_count()}"
            f"; L1 blocks mined to meet deadlines {self.blocks_mined}"
        )

    # ------------------------------------------------------------------ step

    async def step(self, *, confirm: bool) -> None:
        await self._post_batch()
        await self._assert()
        if confirm:
            await self.confirm_ready()

    async def _post_batch(self) -> None:
        """One batch when sends exist that no batch covers yet."""
        head = await self.l2_head()
        if head.send_count <= self.batched_sends:
            return
        seq = await self.message_count()
        # recorded before sending: a batch that was mined although its receipt was lost is
        # still known; one that never ran is overwritten by the next attempt (same number)
        self.batch_ends[seq + 1] = head
        await self._send(
            self.sequencer_inbox,
            calldata(
                "addSequencerL2BatchFromOrigin(uint256,bytes,uint256,address,uint256,uint256)",
                seq,
                b"",
                self.delayed_read(),
                ZERO_ADDRESS,
                0,
                0,
            ),
            "batch",
        )
        self.batched_sends = head.send_count

    async def _assert(self) -> None:
        """Extend our chain while posted batches hold sends that the tip does not cover, each
        assertion consuming the inbox exactly up to its parent's `nextInboxPosition`."""
        count = await self.message_count()
        while True:
            tip = self.chain[-1]
            target = tip.config.next_inbox_position
            end = self.batch_ends.get(target)
            covered = self.batch_ends[tip.after.inbox_position].send_count
            newest = self.batch_ends[max(k for k in self.batch_ends if k <= count)]
            if target > count or end is None or newest.send_count <= covered:
                return
            after = AssertionState(end.block_hash, end.send_root, target, 0)
            (acc,) = await self._call(
                self.bridge, "sequencerInboxAccs(uint256)", ["bytes32"], target - 1
            )
            expected = assertion_hash(tip.hash, after, bytes(acc))
            existing = await self._created(expected)
            if existing is not None:  # sent in a round whose receipt was lost
                self.staked = True
                self.chain.append(existing)
                continue
            before_data = (tip.parent, tip.inbox_acc, tip.config.as_tuple())
            inputs = (before_data, tip.after.as_tuple(), after.as_tuple())
            if not self.staked:
                (st,) = await self._call(
                    self.rollup, "isStaked(address)", ["bool"], self.signer.address
                )
                self.staked = bool(st)
            if not self.staked:
                await self._stake(tip.config.required_stake)
                data = calldata(
                    "newStakeOnNewAssertion(uint256," + ASSERTION_INPUTS + ",bytes32,address)",
                    tip.config.required_stake,
                    inputs,
                    expected,
                    self.signer.address,
                )
            else:
                data = calldata(
                    "stakeOnNewAssertion(" + ASSERTION_INPUTS + ",bytes32)", inputs, expected
                )
            await self._send(self.rollup, data, "assertion")
            created = await self._created(expected)
            if created is None:
                raise DevnetError(f"assertion 0x{expected.hex()} was accepted but is not found")
            self.staked = True
            self.chain.append(created)

    async def _created(self, h: bytes) -> Assertion | None:
        """The assertion `h` from its `AssertionCreated`, or None if it does not exist."""
        (node,) = await self._call(
            self.rollup,
            "getAssertion(bytes32)",
            ["(uint64,uint64,uint64,bool,uint8,bytes32)"],
            h,
        )
        if int(node[4]) == 0:
            return None
        block = int(node[2])
        logs = await self.l1.get_logs(
            address=self.rollup,
            topics=[ASSERTION_CREATED_TOPIC, "0x" + h.hex()],
            from_block=block,
            to_block=block,
        )
        if not logs:
            raise DevnetError(f"assertion 0x{h.hex()} exists but its AssertionCreated is missing")
        return decode_assertion_created(logs[0])

    async def _stake(self, amount: int) -> None:
        (bal,) = await self._call(
            self.stake_token, "balanceOf(address)", ["uint256"], self.signer.address
        )
        if int(bal) < amount:
            await self._send(self.stake_token, calldata("deposit()"), "wrap", value=amount)
        await self._send(
            self.stake_token, calldata("approve(address,uint256)", self.rollup, amount), "approve"
        )

    async def confirm_ready(self) -> int:
        """Confirm, in order, every assertion whose period has passed; return how many."""
        n = 0
        confirmed = await self.latest_confirmed()
        while True:
            idx = next((i for i, a in enumerate(self.chain) if a.hash == confirmed), None)
            if idx is None:
                raise DevnetError(f"latest confirmed assertion 0x{confirmed.hex()} is not ours")
            if idx + 1 >= len(self.chain):
                return n
            prev, a = self.chain[idx], self.chain[idx + 1]
            deadline_block = a.created_at_block + prev.config.confirm_period_blocks
            created = await self.l1.get_block(hex(a.created_at_block))
            deadline_ts = int(created["timestamp"], 16) + self.confirm_period_seconds
            pending = await self.l1.get_block("pending")
            if int(pending["timestamp"], 16) < deadline_ts:
                return n
            missing = deadline_block - int(pending["number"], 16)
            if missing > 0:
                await self.l1.request("anvil_mine", [hex(missing), "0x0"])
                self.blocks_mined += missing
            await self._send(
                self.rollup,
                calldata(
                    "confirmAssertion(bytes32,bytes32,"
                    + ASSERTION_STATE
                    + ",bytes32,"
                    + CONFIG_DATA
                    + ",bytes32)",
                    a.hash,
                    prev.hash,
                    a.after.as_tuple(),
                    _ZERO32,
                    prev.config.as_tuple(),
                    a.inbox_acc,
                ),
                "confirmation",
            )
            confirmed = a.hash
            n += 1
