"""The devnet's interop auto-relayer (what supersim's autorelayer does), one for all interop L2s.

Each round (`step`) scans every L2's L2ToL2CrossDomainMessenger for new `SentMessage` logs, builds
each message's identifier from the log itself, and, when `auto_relay` is on, executes it on its
destination with `CrossL2Inbox.executeMessage(identifier, messenger, payload)`: the same path the
real contracts require (the messenger only accepts `relayMessage` from CrossL2Inbox, with origin =
messenger). Exactly once: a message whose hash the destination messenger already has in
`successfulMessages` (relayed by anyone, e.g. a test's manual relay) is never sent again, and a
relay that fails on-chain (`FailedRelayedMessage`) is recorded and not retried automatically.

The ETH a message carries is forwarded from the relayer's own funded balance: contracts-bedrock
0.17.3 ships no ETHLiquidity, and its messenger keeps the source-side value (see eth.py of the
adapter). One task sends for every destination, so the relayer's nonce never races.

It imports no adapter code, only the spec (`interop.spec.superchain`): the devnet is the oracle
the Superchain adapter is tested against, so it must not share the adapter's RPC logic (whether
a message was relayed, what value it carries, how much gas a relay needs).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from interop.client import ChainClient
from interop.devnet.opstack.chainops import Sender
from interop.spec.superchain import abis as A
from interop.spec.superchain.formulas import (
    Identifier,
    SentMessage,
    decode_sent_message,
    encode_execute_message,
    is_sent_message_log,
    sent_message_payload,
    sent_values_in_trace,
)
from interop.types import Address, Hash32

__all__ = ["RELAY_GAS_HEADROOM", "InteropRelayer", "PendingMessage", "is_relayed", "relay_gas"]

log = logging.getLogger("interop.devnet.superchain")

RELAY_GAS_HEADROOM = 1_000_000
"""Gas on top of `executeMessage`'s estimate. The messenger swallows a failing target call
(`FailedRelayedMessage`, no revert), so `eth_estimateGas` may settle on a limit at which the
target runs out of gas; the devnet's relayer pays only for gas used, so it simply leaves the
target ample room instead of estimating it (the adapter estimates it precisely)."""


async def is_relayed(dest: ChainClient, message_hash: Hash32) -> bool:
    """The destination messenger's `successfulMessages(hash)`: relayed by anyone."""
    (ok,) = A.SUCCESSFUL_MESSAGES.decode(
        await dest.call(
            A.L2_TO_L2_CROSS_DOMAIN_MESSENGER,
            A.SUCCESSFUL_MESSAGES.encode(bytes.fromhex(message_hash[2:])),
        )
    )
    return bool(ok)


async def sent_values(source: ChainClient, tx_hash: Hash32) -> list[int]:
    """The value of each `sendMessage` call of a transaction, in log order, from anvil's call
    trace (anvil always traces)."""
    trace = await source.request("debug_traceTransaction", [tx_hash, {"tracer": "callTracer"}])
    return sent_values_in_trace(trace)


async def relay_gas(
    dest: ChainClient, sender: Address, identifier: Identifier, payload: bytes, value: int
) -> int:
    """A gas limit for relaying: the estimate plus `RELAY_GAS_HEADROOM`, within the block."""
    outer = await dest.estimate_gas(
        {
            "from": sender,
            "to": A.CROSS_L2_INBOX,
            "value": hex(value),
            "data": "0x" + encode_execute_message(identifier, payload).hex(),
        }
    )
    limit = int((await dest.get_block("latest"))["gasLimit"], 16)
    return min(outer + RELAY_GAS_HEADROOM, limit)


@dataclass(frozen=True)
class PendingMessage:
    message: SentMessage
    identifier: Identifier
    payload: bytes
    value: int
    source_tx: Hash32


class InteropRelayer:
    """Scans all interop L2s and relays their messages; callers hold `lock` around `step()`."""

    def __init__(self, clients: Mapping[int, ChainClient], senders: Mapping[int, Sender]) -> None:
        self.clients = dict(clients)
        self.senders = dict(senders)
        self.lock = asyncio.Lock()
        self.auto_relay = True
        self.cursors: dict[int, int] = {}
        self.pending: dict[Hash32, PendingMessage] = {}
        self.relayed: dict[Hash32, Hash32 | None] = {}
        """message hash -> our relay tx, or None when someone else relayed it."""
        self.failed: dict[Hash32, Hash32] = {}
        self.errors = 0
        self.last_error: BaseException | None = None

    @property
    def address(self) -> Address:
        return next(iter(self.senders.values())).address

    async def start_cursors(self) -> None:
        for cid, c in self.clients.items():
            self.cursors[cid] = await c.block_number()

    async def step(self) -> None:
        await self.scan()
        if self.auto_relay:
            await self.relay_pending()

    async def scan(self) -> int:
        """Record every new message on every L2; returns how many were found."""
        found = 0
        for cid, c in self.clients.items():
            head = await c.block_number()
            cursor = self.cursors.get(cid, head)
            if head < cursor:  # the L2 was reverted to a snapshot: forget what it no longer has
                cursor = head
                for h, p in list(self.pending.items()):
                    if p.identifier.chain_id == cid and p.identifier.block_number > head:
                        del self.pending[h]
            if head > cursor:
                logs = await c.get_logs(
                    address=A.L2_TO_L2_CROSS_DOMAIN_MESSENGER, from_block=cursor + 1, to_block=head
                )
                sent = [lg for lg in logs if is_sent_message_log(lg)]
                times: dict[int, int] = {}
                values: dict[Hash32, list[int]] = {}
                for lg in sent:
                    payload = sent_message_payload(lg.data)
                    msg = decode_sent_message(payload)
                    if msg.destination not in self.clients or msg.source != cid:
                        log.warning(
                            "message %s is for chain %d: not relayed", msg.hash, msg.destination
                        )
                        continue
                    if lg.block_number not in times:
                        blk = await c.get_block(lg.block_number)
                        times[lg.block_number] = int(blk["timestamp"], 16)
                    if lg.transaction_hash not in values:
                        values[lg.transaction_hash] = await sent_values(c, lg.transaction_hash)
                    same_tx = [x for x in sent if x.transaction_hash == lg.transaction_hash]
                    vals = values[lg.transaction_hash]
                    i = same_tx.index(lg)
                    ident = Identifier(
                        lg.address, lg.block_number, lg.log_index, times[lg.block_number], cid
                    )
                    self.pending[msg.hash] = PendingMessage(
                        msg, ident, payload, vals[i] if i < len(vals) else 0, lg.transaction_hash
                    )
                    found += 1
            self.cursors[cid] = head
        return found

    async def relay_pending(self) -> int:
        """Execute every pending message whose destination has reached its time; returns count."""
        done = 0
        first_error: Exception | None = None
        for h, p in list(self.pending.items()):
            try:
                done += await self._relay_one(h, p)
            except Exception as exc:  # one bad message must not hold up the others
                first_error = first_error or exc
        if first_error is not None:
            raise first_error
        return done

    async def _relay_one(self, h: Hash32, p: PendingMessage) -> int:
        """Relay one message unless already relayed; 1 if our relay succeeded."""
        dest = self.clients[p.message.destination]
        if await is_relayed(dest, h):
            self.relayed[h] = None
            del self.pending[h]
            return 0
        now = int((await dest.get_block("latest"))["timestamp"], 16)
        # CrossL2Inbox reverts `InvalidTimestamp` for an identifier later than the executing
        # block's time, and anvil may estimate (and so size the relay's gas) in a block at the
        # latest one's time: the message's time must have been mined already, not merely be next
        if p.identifier.timestamp > now:
            # A real destination produces a block every few seconds, so its clock catches up on
            # its own; an automining anvil with no traffic never moves, and a busy source anvil
            # runs ahead of wall time (each block at least a second after its parent). Mine one
            # block at the message's time, as the destination's sequencer would have by then.
            await dest.request("evm_mine", [p.identifier.timestamp])
            now = int((await dest.get_block("latest"))["timestamp"], 16)
        if p.identifier.timestamp > now:
            return 0  # CrossL2Inbox refuses identifiers from the destination's future
        sender = self.senders[p.message.destination]
        gas = await relay_gas(dest, sender.address, p.identifier, p.payload, p.value)
        rcpt = await sender.send(
            A.CROSS_L2_INBOX,
            encode_execute_message(p.identifier, p.payload),
            value=p.value,
            gas=gas,
            what=f"relay message {h} to chain {p.message.destination}",
        )
        topics = {lg.topics[0] for lg in rcpt.logs if len(lg.topics) == 2 and lg.topics[1] == h}
        del self.pending[h]
        if A.RELAYED_MESSAGE_TOPIC in topics:
            self.relayed[h] = rcpt.transaction_hash
            log.debug("relayed %s to %d in %s", h, p.message.destination, rcpt.transaction_hash)
            return 1
        self.failed[h] = rcpt.transaction_hash
        log.warning("relay of %s failed on chain %d", h, p.message.destination)
        return 0
