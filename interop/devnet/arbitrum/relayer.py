"""The relayer: plays the Arbitrum sequencer and validator for the devnet.

L1 -> L2: every delayed-inbox message (`MessageDelivered` + `InboxMessageDelivered` on the real
Bridge/Inbox) is executed on the L2 anvil as Nitro would: an ETH deposit (kind 12) credits the
destination without running its code; a retryable (kind 9) mints the deposit to the aliased
sender, charges the submission fee, refunds the excess, escrows the call value in a ticket at
ArbRetryableTx and, when gas limit / fee cap / balance allow, auto-redeems it as a call from the
aliased sender. Manual `ArbRetryableTx.redeem` calls are executed the same way.

L2 -> L1: when new `L2ToL1Tx` sends exist, a sequencer batch is posted and a BoLD assertion
(L2 block hash, send root) is staked on the real rollup; once `confirmPeriodBlocks` have passed it
is confirmed, which hands the send root to the real Outbox (`bold.BoldValidator`).

Anvil cannot mine Arbitrum tx types, so each emulated tx is either a balance change plus an empty
block (deposits) or an ordinary anvil tx (ticket creation as ArbOS 0xA4B05, retries as the aliased
sender). `EmulatedTxStore` maps them to their Arbitrum hashes so the RPC shim can serve them.

A step that fails part-way (an RPC fault, an answer lost right after a broadcast) is run again
and does only what is left, never anything twice: a deposit's or a ticket's balances are set
from the ones seen before the first attempt, each emulation tx goes out at a recorded nonce and
is looked up there before it is sent again (`_Attempt`), and the L1 message and redeem cursors
move only past work that is recorded.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

import rlp
from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_account import Account
from eth_utils.crypto import keccak

from interop.actions.tx import wait_for_receipt
from interop.client import ChainClient
from interop.devnet.arbitrum.artifacts import calldata
from interop.devnet.arbitrum.bold import BoldValidator, L2State
from interop.devnet.relayloop import locked_step
from interop.errors import DevnetError, RpcResponseError
from interop.rpc.models import Log, Receipt
from interop.rpc.retry import is_transient_rpc_error
from interop.signer import Signer
from interop.spec.arbitrum.formulas import (
    ARB_RETRYABLE_TX,
    ARB_SYS,
    INBOX_MESSAGE_DELIVERED_TOPIC,
    L1_MESSAGE_TYPE_ETH_DEPOSIT,
    L1_MESSAGE_TYPE_SUBMIT_RETRYABLE,
    MESSAGE_DELIVERED_TOPIC,
    REDEEM_SCHEDULED_TOPIC,
    decode_inbox_message_delivered,
    decode_message_delivered,
    decode_redeem_scheduled,
    eth_deposit_tx_id,
    num,
    parse_eth_deposit_data,
    parse_retryable_message_data,
)
from interop.types import Address, hex_to_bytes, to_address, to_hash32

__all__ = ["ARBOS", "EmulatedTx", "EmulatedTxStore", "Relayer", "min_tx_gas", "retry_tx_hash"]

log = logging.getLogger("interop.devnet.arbitrum")

ARBOS = Address("0x00000000000000000000000000000000000A4B05")
_ARBOS_FUNDS = 10**30
_ZERO = "0x" + "00" * 20
_T = TypeVar("_T")


class _Ticket(NamedTuple):
    """A ticket as the ArbRetryableTx emulation holds it (`emuTicket`; all zero once gone)."""

    frm: str
    to: str
    value: int
    beneficiary: str
    timeout: int
    tries: int
    gas_limit: int
    data: bytes


@dataclass
class _Attempt:
    """What the first attempt at a retryable (or at a retry) saw and which nonces its
    transactions went out at, kept until it is recorded: a step that failed part-way (an RPC
    fault, a lost answer right after a broadcast) and runs again reads the chain for what was
    done and does only the rest. Balances are *set* from the ones seen before the first attempt
    (never added to again), a transaction found at its recorded nonce is not sent again, and
    what was read before anything changed (the base fee, the ticket, which the settlement may
    delete) is read once."""

    seen: dict[str, Any] = field(default_factory=dict)
    nonces: dict[str, int] = field(default_factory=dict)


@dataclass
class _InBlock:
    """A redeem's block as `redeem_in_block` plans it (from simulations, before the redeem is
    sent), then the anvil hashes of what was sent; kept in `Relayer._in_block` until its retry
    is recorded, so a step finishes a block whose builder failed part-way."""

    redeem: str
    ticket: bytes
    frm: str
    to: str | None
    value: int
    bal0: int
    """The retry sender's balance before; it is reset to it once the block is mined."""
    minted: int
    """What the devnet adds to the sender for the pool's checks (the retry's gas and value)."""
    ok: bool
    """Whether the simulated retry succeeded (the settlement is queued before anything runs)."""
    release: dict[str, Any]
    retry: dict[str, Any] | None
    settle: dict[str, Any]
    sent: dict[str, str] = field(default_factory=dict)


def _signed_call(raw_tx: str) -> dict[str, Any]:
    """The call a signed tx makes (from, to, data, gas, value), read from its bytes: the redeem
    is simulated before it is sent (legacy, 2930, 1559 or 4844 envelope)."""
    b = hex_to_bytes(raw_tx)
    if b and b[0] < 0x7F:  # typed: [type] || rlp([chainId, nonce, ..., gas, to, value, data, ...])
        gas_i = {1: 3, 2: 4, 3: 4, 4: 4}.get(b[0])
        if gas_i is None:
            raise DevnetError(f"transaction type {b[0]} is not supported here")
        fields = rlp.decode(b[1:])
    else:  # legacy: rlp([nonce, gasPrice, gas, to, value, data, v, r, s])
        gas_i, fields = 2, rlp.decode(b)
    to, value, data = (bytes(fields[gas_i + k]) for k in (1, 2, 3))
    call: dict[str, Any] = {
        "from": to_address(Account.recover_transaction(b)),
        "data": "0x" + data.hex(),
        "gas": hex(int.from_bytes(bytes(fields[gas_i]), "big")),
        "value": hex(int.from_bytes(value, "big")),
    }
    if to:
        call["to"] = to_address("0x" + to.hex())
    return call


@dataclass
class EmulatedTx:
    """An Arbitrum-typed L2 tx as the shim serves it."""

    hash: str
    type: int
    from_address: str
    to: str | None
    value: int
    block_number: int
    block_hash: str
    anvil_hash: str | None = None
    """The anvil tx carrying its effects (None for deposits: a balance change + empty block)."""
    status: int = 1
    fields: dict[str, Any] = field(default_factory=dict)
    """Extra tx fields (requestId, ticketId, ...) for eth_getTransactionByHash."""


class EmulatedTxStore:
    """In-memory index shared by the relayer (writer) and the shim (reader)."""

    def __init__(self) -> None:
        self.by_hash: dict[str, EmulatedTx] = {}
        self.by_anvil: dict[str, str] = {}
        self.synthetic_by_block: dict[int, list[str]] = {}

    def add(self, tx: EmulatedTx) -> None:
        self.by_hash[tx.hash.lower()] = tx
        if tx.anvil_hash:
            self.by_anvil[tx.anvil_hash.lower()] = tx.hash.lower()
        else:
            self.synthetic_by_block.setdefault(tx.block_number, []).append(tx.hash.lower())

    def get(self, h: str) -> EmulatedTx | None:
        return self.by_hash.get(h.lower())

    def arb_hash(self, anvil_hash: str) -> str | None:
        return self.by_anvil.get(anvil_hash.lower())


def retry_tx_hash(
    chain_id: int,
    nonce: int,
    from_address: str,
    gas_fee_cap: int,
    gas: int,
    to: str | None,
    value: int,
    data: bytes,
    ticket_id: bytes,
    refund_to: str,
    max_refund: int,
    submission_fee_refund: int,
) -> bytes:
    """Hash of an ArbitrumRetryTx (type 0x68), field order as Nitro's go-ethereum arb_types."""
    fields = [
        num(chain_id),
        num(nonce),
        hex_to_bytes(to_address(from_address)),
        num(gas_fee_cap),
        num(gas),
        hex_to_bytes(to_address(to)) if to else b"",
        num(value),
        bytes(data),
        bytes(ticket_id),
        hex_to_bytes(to_address(refund_to)),
        num(max_refund),
        num(submission_fee_refund),
    ]
    return keccak(b"\x68" + rlp.encode(fields))


def _sim_log(lg: dict[str, Any], tx_hash: str) -> dict[str, Any]:
    """A simulated log with the fields `Log.from_rpc` needs."""
    return {
        "address": lg["address"],
        "topics": lg["topics"],
        "data": lg.get("data", "0x"),
        "blockNumber": lg.get("blockNumber") or "0x0",
        "blockHash": lg.get("blockHash") or "0x" + "00" * 32,
        "transactionHash": tx_hash,
        "logIndex": lg.get("logIndex") or "0x0",
    }


def _same_call(found: dict[str, Any], tx: dict[str, Any]) -> bool:
    """Whether a node's transaction `found` is `tx` (same sender, target, value and data)."""
    to = found.get("to")
    return (
        str(found.get("from", "")).lower() == str(tx["from"]).lower()
        and (str(to).lower() if to else None) == (str(tx["to"]).lower() if tx.get("to") else None)
        and int(str(found.get("value") or "0x0"), 16) == int(str(tx.get("value") or "0x0"), 16)
        and str(found.get("input") or found.get("data") or "0x").lower()
        == str(tx.get("data") or "0x").lower()
    )


def _retry_call(t: _Ticket, gas: int, fee_cap: int) -> dict[str, Any]:
    """The retry of ticket `t` as the devnet sends it: from the ticket's (aliased) sender, with
    its value and calldata, `gas` and no tip (no `to` for a ticket that creates a contract).
    One builder for both places a retry is sent: a scheduled redeem's and one built into a
    user's redeem block."""
    tx: dict[str, Any] = {
        "from": t.frm,
        "value": hex(t.value),
        "data": "0x" + t.data.hex(),
        "gas": hex(gas),
        "maxFeePerGas": hex(fee_cap),
        "maxPriorityFeePerGas": "0x0",
    }
    if int(t.to, 16) != 0:
        tx["to"] = to_address(t.to)
    return tx


def min_tx_gas(data: bytes, *, creation: bool = False) -> int:
    """The least gas a tx with `data` may have (Prague): max(intrinsic gas, EIP-7623 floor).
    Intrinsic = 21000 + 4/16 per zero/non-zero byte (+ 32000 + 2 per initcode word to
    create); floor = 21000 + 10 per token, tokens = zero bytes + 4 x non-zero bytes."""
    zeros = data.count(0)
    nonzeros = len(data) - zeros
    intrinsic = 21_000 + 4 * zeros + 16 * nonzeros
    if creation:
        intrinsic += 32_000 + 2 * ((len(data) + 31) // 32)
    return max(intrinsic, 21_000 + 10 * (zeros + 4 * nonzeros))


class Relayer:
    """One `step()` does all pending work; `sync()` = one locked step. The component runs it in
    the background with `relayloop.run_relayer` (a relayer that keeps failing crashes loudly)."""

    def __init__(
        self,
        l1: ChainClient,
        l2: ChainClient,
        validator: Signer,
        *,
        bridge: str,
        inbox: str,
        rollup: str,
        sequencer_inbox: str,
        stake_token: str,
        confirm_period_seconds: int,
        store: EmulatedTxStore,
        poll_interval: float = 0.1,
        auto_confirm: bool = True,
    ) -> None:
        self.l1, self.l2 = l1, l2
        self.validator = validator
        self.bridge, self.inbox, self.rollup = bridge, inbox, rollup
        self.bold = BoldValidator(
            l1,
            validator,
            rollup=rollup,
            sequencer_inbox=sequencer_inbox,
            bridge=bridge,
            stake_token=stake_token,
            l2_head=self.l2_head,
            delayed_read=lambda: self._delayed_read,
            confirm_period_seconds=confirm_period_seconds,
        )
        self._delayed_read = 0
        self.store = store
        self.poll_interval = poll_interval
        self.auto_confirm = auto_confirm
        self.lock = asyncio.Lock()
        self._next_msg = 0
        self._l1_scanned = -1
        self._l2_redeem_scanned = -1
        self._attempts: dict[str, _Attempt] = {}
        """Retryables (by creation id) and retries (by retry tx hash) begun, not yet recorded."""
        self._in_block: dict[str, _InBlock] = {}
        """Redeems (by tx hash) whose block `redeem_in_block` built, retry not yet recorded."""
        self._unsure_deposit: tuple[str, int] | None = None
        """(tx id, recipient's balance before) of an ETH deposit a step began to mint."""
        self.errors = 0
        self.last_error: BaseException | None = None

    # ------------------------------------------------------------------ lifecycle

    async def prepare_l2(self) -> None:
        await self.l2.request("anvil_setBalance", [ARBOS, hex(_ARBOS_FUNDS)])
        await self.l2.request("anvil_impersonateAccount", [ARBOS])

    async def step(self) -> None:
        """One round (callers hold `lock`): execute every L1 message so far, every scheduled
        manual redeem, assert every L2 send, and (if enabled) confirm every assertion whose
        period has passed. The background loop is `relayloop.run_relayer` over this."""
        await self._l1_messages()
        await self._manual_redeems()
        await self.bold.step(confirm=self.auto_confirm)

    async def step_unlocked_without_confirming(self) -> None:
        """A `step()` that batches and asserts but confirms nothing (caller holds `lock`): tests
        use it to stand between an assertion and its confirmation."""
        await self._l1_messages()
        await self._manual_redeems()
        await self.bold.step(confirm=False)

    async def sync(self) -> None:
        """One locked `step()`: on return everything that was due is done. Errors are raised."""
        await locked_step(self)

    # ------------------------------------------------------------------ L1 -> L2

    async def _l1_messages(self) -> None:
        latest = await self.l1.block_number()
        await self.l2.request(
            "anvil_setStorageAt", [ARB_SYS, "0x0", "0x" + latest.to_bytes(32, "big").hex()]
        )
        if latest <= self._l1_scanned:
            return
        start = self._l1_scanned + 1
        delivered = await self.l1.get_logs(
            address=self.bridge, topics=[MESSAGE_DELIVERED_TOPIC], from_block=start, to_block=latest
        )
        datas = await self.l1.get_logs(
            address=self.inbox,
            topics=[INBOX_MESSAGE_DELIVERED_TOPIC],
            from_block=start,
            to_block=latest,
        )
        by_num = {decode_inbox_message_delivered(x).message_num: x for x in datas}
        for lg in sorted(delivered, key=lambda x: (x.block_number, x.log_index)):
            md = decode_message_delivered(lg)
            # every delayed message is read by the next batch, whoever sent it (the rollup's
            # initialization message included); only our Inbox's are executed
            self._delayed_read = max(self._delayed_read, md.message_index + 1)
            if md.message_index < self._next_msg:
                continue
            data_log = by_num.get(md.message_index)
            if data_log is None:
                continue  # another inbox (not ours); skip
            data = decode_inbox_message_delivered(data_log).data
            if md.kind == L1_MESSAGE_TYPE_ETH_DEPOSIT:
                await self._deposit(md.message_index, md.sender, data)
            elif md.kind == L1_MESSAGE_TYPE_SUBMIT_RETRYABLE:
                await self._retryable(md.message_index, md.sender, md.base_fee_l1, data)
            else:
                log.info("arbitrum relayer: ignoring L1 message kind %d", md.kind)
            self._next_msg = md.message_index + 1
        self._l1_scanned = latest

    async def _mine(self) -> tuple[int, str]:
        await self.l2.request("evm_mine", [])
        b = await self.l2.get_block("latest")
        return int(b["number"], 16), str(b["hash"])

    async def _balance(self, a: str) -> int:
        return await self.l2.get_balance(a)

    async def _set_balance(self, a: str, v: int) -> None:
        await self.l2.request("anvil_setBalance", [a, hex(v)])

    async def _add_balance(self, a: str, v: int) -> None:
        if v > 0:
            await self.l2.request("anvil_addBalance", [a, hex(v)])

    async def _deposit(self, msg_num: int, sender: str, data: bytes) -> None:
        dep = parse_eth_deposit_data(data)
        tx_id = to_hash32(eth_deposit_tx_id(self.l2.chain.id, msg_num, sender, dep.to, dep.value))
        if self.store.get(tx_id):
            return
        # Nitro's deposit tx mints to `to` without running its code: a balance change, then a
        # block. The balance is *set* from the one seen before the first attempt, so a step
        # that failed after minting (an RPC fault on the block) and is run again mints once;
        # before, the deposit was credited twice
        unsure = self._unsure_deposit
        if unsure is None or unsure[0] != tx_id:
            unsure = self._unsure_deposit = (tx_id, await self._balance(dep.to))
        await self._set_balance(dep.to, unsure[1] + dep.value)
        number, block_hash = await self._mine()
        self._unsure_deposit = None
        self.store.add(
            EmulatedTx(
                hash=tx_id,
                type=0x64,
                from_address=to_address(sender),
                to=dep.to,
                value=dep.value,
                block_number=number,
                block_hash=block_hash,
                fields={"requestId": "0x" + msg_num.to_bytes(32, "big").hex()},
            )
        )

    async def _arbos_tx(
        self,
        a: _Attempt,
        key: str,
        data: bytes,
        value: int = 0,
        *,
        before: Callable[[], Awaitable[None]] | None = None,
    ) -> Receipt:
        """An ArbOS call to the ArbRetryableTx emulation, sent once (`_send_once`); its receipt."""
        tx = {
            "from": ARBOS,
            "to": ARB_RETRYABLE_TX,
            "data": "0x" + data.hex(),
            "value": hex(value),
            "gas": hex(3_000_000),
        }
        h = await self._send_once(a, key, tx, before=before)
        rcpt = await wait_for_receipt(self.l2, h, timeout=30, check=False)
        if not rcpt.succeeded:
            raise DevnetError(f"ArbOS emulation tx {key} to {ARB_RETRYABLE_TX} reverted ({h})")
        return rcpt

    async def _retryable(self, msg_num: int, sender: str, l1_base_fee: int, data: bytes) -> None:
        """Create the ticket and run its auto-redeem. Safe to run again after a step that failed
        part-way (see `_Attempt`): the ticket's funds are set once from the balances seen before
        the first attempt, its creation is found at its nonce if it went out, and the retry
        resumes where it stopped; before, the ticket was marked seen first and such a flow
        stayed half-done forever."""
        r = parse_retryable_message_data(data)
        ticket = r.creation_id(self.l2.chain.id, sender, msg_num, l1_base_fee)
        ticket_id = to_hash32(ticket)
        if self.store.get(ticket_id):
            return
        a = self._attempts.setdefault(ticket_id.lower(), _Attempt())
        frm = to_address(sender)
        refund_to = to_address(r.excess_fee_refund_address)
        dest: str | None = None if int(r.dest_address, 16) == 0 else r.dest_address
        submission_fee = (1400 + 6 * len(r.data)) * l1_base_fee
        # mint the deposit, burn the submission fee, refund its excess, escrow the call value
        bal = {frm: await self._seen(a, "from", lambda: self._balance(frm))}
        if refund_to not in bal:
            bal[refund_to] = await self._seen(a, "refund", lambda: self._balance(refund_to))
        bal[frm] += r.l1_value
        bal[frm] -= r.max_submission_fee + r.l2_call_value
        bal[refund_to] += max(r.max_submission_fee - submission_fee, 0)
        base_fee = await self._seen(a, "base_fee", self._base_fee)
        max_gas_cost = r.gas_limit * r.max_fee_per_gas
        auto = (
            r.gas_limit >= 21_000
            and r.max_fee_per_gas >= base_fee
            and bal[frm] >= max_gas_cost
            and r.gas_limit < 2**63
        )
        auto_arg = b""
        retry_hash = b""
        if auto:
            gas_price_refund = (r.max_fee_per_gas - base_fee) * r.gas_limit
            max_refund = max(
                r.l1_value
                - r.l2_call_value
                - (r.max_submission_fee - submission_fee)
                - gas_price_refund,
                0,
            )
            retry_hash = retry_tx_hash(
                self.l2.chain.id,
                0,
                frm,
                base_fee,
                r.gas_limit,
                dest,
                r.l2_call_value,
                r.data,
                ticket,
                r.excess_fee_refund_address,
                max_refund,
                submission_fee,
            )
            auto_arg = abi_encode(
                ["bytes32", "address", "uint256", "uint256"],
                [retry_hash, r.excess_fee_refund_address, max_refund, submission_fee],
            )
        else:
            refund = min(max_gas_cost, bal[frm])
            bal[frm] -= refund
            bal[refund_to] += refund

        async def fund() -> None:  # only while the ticket is not created: later effects follow
            for who, amount in bal.items():
                await self._set_balance(who, amount)

        rcpt = await self._arbos_tx(
            a,
            "create",
            calldata(
                "emuCreate(bytes32,address,address,address,uint64,bytes,bytes)",
                ticket,
                frm,
                dest or _ZERO,
                r.call_value_refund_address,
                min(r.gas_limit, 2**64 - 1),
                r.data,
                auto_arg,
            ),
            value=r.l2_call_value,
            before=fund,
        )
        creation = EmulatedTx(
            hash=ticket_id,
            type=0x69,
            from_address=frm,
            to=ARB_RETRYABLE_TX,
            value=0,
            block_number=rcpt.block_number,
            block_hash=str(rcpt.block_hash),
            anvil_hash=str(rcpt.transaction_hash),
            fields={
                "requestId": "0x" + msg_num.to_bytes(32, "big").hex(),
                "l1BaseFee": hex(l1_base_fee),
                "depositValue": hex(r.l1_value),
                "retryTo": dest,
                "retryValue": hex(r.l2_call_value),
                "retryData": "0x" + r.data.hex(),
                "beneficiary": r.call_value_refund_address,
                "maxSubmissionFee": hex(r.max_submission_fee),
                "refundTo": r.excess_fee_refund_address,
                "gas": hex(r.gas_limit),
                "maxFeePerGas": hex(r.max_fee_per_gas),
            },
        )
        if auto:
            await self._execute_retry(
                ticket,
                to_hash32(retry_hash),
                gas=r.gas_limit,
                max_fee=r.max_fee_per_gas,
                prepaid=max_gas_cost,
                refund_to=r.excess_fee_refund_address,
            )
        # Nitro runs the auto-redeem in the same block as the ticket: publish the creation
        # receipt only once the retry's receipt exists, so no client sees one without the other
        self.store.add(creation)
        self._attempts.pop(ticket_id.lower(), None)

    # ------------------------------------------------------------------ exactly once

    async def _seen(self, a: _Attempt, key: str, read: Callable[[], Awaitable[_T]]) -> _T:
        """`read()` at the first attempt; what it returned then at every later one."""
        if key not in a.seen:
            a.seen[key] = await read()
        value: _T = a.seen[key]
        return value

    async def _base_fee(self) -> int:
        block = await self.l2.get_block("latest")
        return int(block.get("baseFeePerGas") or "0x0", 16)

    async def _ticket(self, ticket: bytes) -> _Ticket:
        (frm, to, value, ben, timeout, tries, gas_limit, data) = abi_decode(
            ["address", "address", "uint256", "address", "uint64", "uint64", "uint64", "bytes"],
            await self.l2.call(ARB_RETRYABLE_TX, calldata("emuTicket(bytes32)", ticket)),
        )
        return _Ticket(
            to_address(frm),
            str(to),
            int(value),
            str(ben),
            int(timeout),
            int(tries),
            int(gas_limit),
            bytes(data),
        )

    async def _send_once(
        self,
        a: _Attempt,
        key: str,
        tx: dict[str, Any],
        *,
        before: Callable[[], Awaitable[None]] | None = None,
    ) -> str:
        """Send `tx` (from an unlocked or impersonated account) unless an earlier attempt did:
        each attempt sends it at an explicit nonce, recorded first, so the one that went out
        (mined or pooled) is found there with its hash even if the answer to its broadcast was
        lost. A nonce taken by another transaction meanwhile (e.g. a redeem run in its block by
        `redeem_in_block` between two steps) means this one never went out: it is sent at a
        new nonce. `before()` runs just before a send, never once the tx is out."""
        frm = str(tx["from"])
        n = a.nonces.get(key)
        if n is not None:
            found = await self.l2.request("eth_getTransactionBySenderAndNonce", [frm, hex(n)])
            if found and _same_call(found, tx):
                return str(found["hash"])
        if before is not None:
            await before()
        n = a.nonces[key] = await self.l2.get_nonce(frm, "pending")
        return str(await self.l2.request("eth_sendTransaction", [{**tx, "nonce": hex(n)}]))

    async def _execute_retry(
        self,
        ticket: bytes,
        retry_hash: str,
        *,
        gas: int,
        max_fee: int,
        prepaid: int,
        refund_to: str | None,
    ) -> None:
        """Run a ticket's retry as a tx from its aliased sender; settle escrow and refunds.

        Safe to run again after a step that failed part-way (`_Attempt`): the escrow release,
        the retry and the settlement each go out once (found at their nonces), and the sender's
        and refund address's balances are set from the ones seen before the first attempt."""
        if self.store.get(retry_hash):
            return
        a = self._attempts.setdefault(retry_hash.lower(), _Attempt())
        t = await self._seen(a, "ticket", lambda: self._ticket(ticket))
        frm = t.frm
        bal0 = await self._seen(a, "from", lambda: self._balance(frm))
        fee_cap = max(max_fee, 2 * await self._seen(a, "base_fee", self._base_fee) + 1)
        # a manual redeem's gas money is minted by the devnet; an auto-redeem's was prepaid
        gas_money = bal0 + gas * fee_cap if prepaid == 0 else max(bal0, fee_cap * gas)

        async def fund() -> None:  # only before the release: the retry spends from it
            await self._set_balance(frm, gas_money)

        await self._arbos_tx(a, "release", calldata("emuRelease(bytes32)", ticket), before=fund)
        tx = _retry_call(t, gas, fee_cap)
        h: str | None = None
        floor = min_tx_gas(t.data, creation=int(t.to, 16) == 0)
        if gas < floor:
            # Below the intrinsic gas or the EIP-7623 calldata floor no node mines the tx (anvil
            # keeps it pooled forever and the relayer stalled); on Nitro the retry fails and
            # the ticket stays redeemable
            log.info("arbitrum retry %s: gas %d below the minimum %d", retry_hash, gas, floor)
        else:
            await self.l2.request("anvil_impersonateAccount", [frm])
            try:
                h = await self._send_once(a, "retry", tx)
            except RpcResponseError as exc:
                # The node refused it: on Nitro a failed retry. Any error that is no such answer
                # (none, a rate limiter's) may hide a sent retry: raised, found at the next step
                if is_transient_rpc_error(exc):
                    raise
                log.info("arbitrum retry %s rejected by the node: %s", retry_hash, exc)
            finally:
                await self.l2.request("anvil_stopImpersonatingAccount", [frm])
        anvil_hash: str | None = None
        ok, spent = False, 0
        if h is not None:
            rcpt = await wait_for_receipt(self.l2, h, timeout=30, check=False)
            ok = rcpt.succeeded
            anvil_hash = str(rcpt.transaction_hash)
            spent = rcpt.gas_used * rcpt.effective_gas_price
        settled = await self._arbos_tx(
            a,
            "settle",
            calldata("emuSettle(bytes32,bool)", ticket, ok),
            value=0 if ok else t.value,
        )
        # a retry with no tx is reported in its settlement's block
        where = rcpt if h is not None else settled
        # the sender ends as before minus the prepaid gas; the unused part goes to the refund address
        await self._set_balance(frm, max(bal0 - prepaid, 0))
        if prepaid and refund_to:
            refund0 = await self._seen(a, "refund", lambda: self._balance(refund_to))
            await self._set_balance(refund_to, refund0 + max(prepaid - spent, 0))
        self.store.add(
            EmulatedTx(
                hash=retry_hash,
                type=0x68,
                from_address=frm,
                to=to_address(t.to) if int(t.to, 16) else None,
                value=t.value,
                block_number=where.block_number,
                block_hash=str(where.block_hash),
                anvil_hash=anvil_hash,
                status=1 if ok else 0,
                fields={"ticketId": "0x" + bytes(ticket).hex(), "refundTo": refund_to},
            )
        )
        self._attempts.pop(retry_hash.lower(), None)

    async def redeem_in_block(self, raw_tx: str) -> str:
        """Submit a user's signed `ArbRetryableTx.redeem` and run the retry it schedules in the
        same L2 block, as Nitro does (the shim routes such raw txs here). Returns its hash.

        It runs in its own task, shielded from the caller: the shim's caller (an HTTP request)
        may give up while this waits for the lock behind a long relayer step, and a block left
        half-built (automine off, the retry queued but not recorded) must never result. Its
        error (other than the node refusing the bytes) is also kept in `last_error`.

        The same signed bytes sent again (a client whose answer was lost re-broadcasts them)
        find the hash known to the node and are answered with it: nothing runs twice."""
        tx_hash = to_hash32(keccak(hex_to_bytes(raw_tx)))
        task = asyncio.ensure_future(self._redeem_in_block(raw_tx, tx_hash))

        def keep(t: asyncio.Task[str]) -> None:
            exc = None if t.cancelled() else t.exception()
            if exc is not None and not isinstance(exc, RpcResponseError):
                self.last_error = exc  # the node refusing the user's bytes is no relayer error

        task.add_done_callback(keep)
        return await asyncio.shield(task)

    async def _redeem_in_block(self, raw_tx: str, tx_hash: str) -> str:
        """The block is planned before the redeem enters the pool, because anyone may mine the
        L2 anvil at any moment (`Devnet.advance` mines every node directly, not under this
        lock): what the redeem schedules (ticket, donated gas) and whether the retry succeeds
        are read from `eth_simulateV1` of the same calls on a state without the redeem. Then,
        with automine off, the redeem, ArbOS' escrow release, the retry (as the aliased sender)
        and ArbOS' settlement are queued in that order and mined together.

        Another party's block may still land in between and split them over two blocks (in
        order: a block mines what is pooled so far). That is tolerated: the retry is recorded
        from what was mined (the redeem's own `RedeemScheduled`, the retry's receipt), not from
        the plan. Before, such a split made the simulation run the already-mined redeem a second
        time (a wrong sequence number, so a wrong retry hash) or raised "moved" after mining and
        recorded nothing; the shim then withheld the redeem's receipt forever. From the moment
        the redeem may be in the pool until its retry is recorded the block is kept in
        `_in_block`, so a failure part-way is finished by the next step, never run again."""
        async with self.lock:
            if await self.l2.get_transaction(tx_hash) is not None:
                return tx_hash  # known (pooled or mined): a re-broadcast, handled once already
            redeem_call = _signed_call(raw_tx)
            plan = await self._plan_redeem(tx_hash, redeem_call)
            await self.l2.request("evm_setAutomine", [False])
            try:
                await self.l2.request("eth_sendRawTransaction", [raw_tx])
                if plan is not None:
                    self._in_block[tx_hash.lower()] = plan
                    await self._add_balance(plan.frm, plan.minted)
                    plan.sent["release"] = str(
                        await self.l2.request("eth_sendTransaction", [plan.release])
                    )
                    if plan.retry is not None:
                        await self.l2.request("anvil_impersonateAccount", [plan.frm])
                        try:
                            plan.sent["retry"] = str(
                                await self.l2.request("eth_sendTransaction", [plan.retry])
                            )
                        finally:
                            await self.l2.request("anvil_stopImpersonatingAccount", [plan.frm])
                    plan.sent["settle"] = str(
                        await self.l2.request("eth_sendTransaction", [plan.settle])
                    )
            finally:
                try:  # whatever was queued is mined, and automine is always restored
                    await self.l2.request("evm_mine", [])
                finally:
                    await self.l2.request("evm_setAutomine", [True])
            if plan is not None:
                await self._finish_in_block(plan)
            return tx_hash

    async def _plan_redeem(self, tx_hash: str, redeem_call: dict[str, Any]) -> _InBlock | None:
        """What `redeem_call` will schedule and the txs that run its retry, from simulations on
        the latest state (the redeem not yet in it); None if it schedules no retry (it reverts:
        it is then mined alone)."""
        sim = await self._simulate([redeem_call])
        sched = [
            decode_redeem_scheduled(Log.from_rpc(_sim_log(lg, tx_hash)))
            for lg in sim[0].get("logs", [])
            if to_address(lg["address"]) == ARB_RETRYABLE_TX
            and lg["topics"][0] == REDEEM_SCHEDULED_TOPIC
        ]
        if int(sim[0].get("status", "0x0"), 16) != 1 or len(sched) != 1:
            return None
        ev = sched[0]
        ticket = hex_to_bytes(ev.ticket_id)
        t = await self._ticket(ticket)
        frm = t.frm
        gas = max(ev.donated_gas, t.gas_limit, 21_000)
        block = await self.l2.get_block("latest")
        fee_cap = 2 * int(block.get("baseFeePerGas") or "0x0", 16) + 1
        release = {
            "from": ARBOS,
            "to": ARB_RETRYABLE_TX,
            "data": "0x" + calldata("emuRelease(bytes32)", ticket).hex(),
            "gas": hex(3_000_000),
        }
        call = _retry_call(t, gas, fee_cap)
        retry: dict[str, Any] | None = None  # below the intrinsic gas / calldata floor: none
        ok = False
        bal0 = await self._balance(frm)
        minted = gas * fee_cap + t.value
        if gas >= min_tx_gas(t.data, creation=int(t.to, 16) == 0):
            retry = call
            sim = await self._simulate([redeem_call, release, retry], {frm: bal0 + minted})
            ok = int(sim[2].get("status", "0x0"), 16) == 1
        settle = {
            "from": ARBOS,
            "to": ARB_RETRYABLE_TX,
            "data": "0x" + calldata("emuSettle(bytes32,bool)", ticket, ok).hex(),
            "value": hex(0 if ok else t.value),
            "gas": hex(3_000_000),
        }
        return _InBlock(
            redeem=tx_hash,
            ticket=ticket,
            frm=frm,
            to=to_address(t.to) if int(t.to, 16) else None,
            value=t.value,
            # the devnet mints the retry's gas, and (for the pool's balance check only: the
            # release runs first) its value; the sender is reset to bal0 after
            bal0=bal0,
            minted=minted,
            ok=ok,
            release=release,
            retry=retry,
            settle=settle,
        )

    async def _finish_in_block(self, plan: _InBlock) -> bool:
        """Record the retry of a redeem whose block `redeem_in_block` built, from what was
        mined; False (nothing recorded, the plan dropped) if nothing after the redeem reached
        the pool: the retry is then run as any other manual redeem's (`_execute_retry`).
        Checks come after the record: a retry that ran differently from its simulation, or an
        ArbOS tx that failed, is a devnet defect and raised, but its redeem is never left
        without a record (the shim withholds the receipt of a redeem whose retry is not)."""
        want = {"release", "settle"} | ({"retry"} if plan.retry is not None else set())
        if not plan.sent:
            await self._set_balance(plan.frm, plan.bal0)
            self._in_block.pop(plan.redeem.lower(), None)
            return False
        if set(plan.sent) != want:
            raise DevnetError(
                f"the block of redeem {plan.redeem} was left part-built ({sorted(plan.sent)} "
                f"of {sorted(want)} sent); its ticket cannot be settled safely"
            )
        r_redeem = await wait_for_receipt(self.l2, plan.redeem, timeout=30, check=False)
        ticket_id = "0x" + plan.ticket.hex()  # lower case, as topics are
        events = [
            decode_redeem_scheduled(lg)
            for lg in r_redeem.logs
            if lg.address == ARB_RETRYABLE_TX
            and lg.topics
            and lg.topics[0] == REDEEM_SCHEDULED_TOPIC
            and lg.topics[1].lower() == ticket_id
        ]
        rcpts = {
            k: await wait_for_receipt(self.l2, h, timeout=30, check=False)
            for k, h in plan.sent.items()
        }
        await self._set_balance(plan.frm, plan.bal0)
        self._in_block.pop(plan.redeem.lower(), None)
        if len(events) != 1:
            raise DevnetError(
                f"redeem {plan.redeem} scheduled {len(events)} retries of ticket {ticket_id} "
                "where its simulation scheduled one; its ArbOS release and settlement ran"
            )
        ev = events[0]
        retry = rcpts.get("retry")
        where = retry if retry is not None else rcpts["settle"]
        ok = retry is not None and retry.succeeded
        self.store.add(
            EmulatedTx(
                hash=ev.retry_tx_hash,
                type=0x68,
                from_address=plan.frm,
                to=plan.to,
                value=plan.value,
                block_number=where.block_number,
                block_hash=str(where.block_hash),
                anvil_hash=str(retry.transaction_hash) if retry is not None else None,
                status=1 if ok else 0,
                fields={"ticketId": ev.ticket_id, "refundTo": None},
            )
        )
        moved = {k for k, r in rcpts.items() if r.block_number != r_redeem.block_number}
        if moved:  # another party mined a block in between: the emulation tolerates it
            log.info(
                "arbitrum redeem %s: %s mined after the redeem's block (another miner)",
                plan.redeem,
                ", ".join(sorted(moved)),
            )
        failed = [k for k in ("release", "settle") if not rcpts[k].succeeded]
        if failed:
            raise DevnetError(f"redeem {plan.redeem}: ArbOS {' and '.join(failed)} failed")
        if ok != plan.ok:
            raise DevnetError(
                f"retry {ev.retry_tx_hash} of redeem {plan.redeem} ran differently from its "
                f"simulation (succeeded: {ok}, simulated: {plan.ok})"
            )
        return True

    async def _simulate(
        self, calls: list[dict[str, Any]], balances: dict[str, int] | None = None
    ) -> list[dict[str, Any]]:
        """`eth_simulateV1` of `calls` in order, in one block on top of the latest (with the
        given accounts' `balances` overridden)."""
        block: dict[str, Any] = {"calls": calls}
        if balances:
            block["stateOverrides"] = {a: {"balance": hex(v)} for a, v in balances.items()}
        out = await self.l2.request(
            "eth_simulateV1", [{"blockStateCalls": [block], "validation": False}, "latest"]
        )
        result: list[dict[str, Any]] = out[0]["calls"]
        return result

    async def _manual_redeems(self) -> None:
        """Run the retry of every redeem that reached the node without `redeem_in_block` (a
        contract, an impersonated send), and record the retry of one whose `redeem_in_block`
        failed after its block was queued (its retry ran or is settled: never run again). The
        cursor moves only once every retry up to it is
        recorded: a step that failed part-way runs again over the same redeems, the recorded
        ones are skipped and the one it was in resumes (`_execute_retry`); before, the cursor
        moved first and that retry was dropped."""
        latest = await self.l2.block_number()
        if latest <= self._l2_redeem_scanned:
            return
        logs = await self.l2.get_logs(
            address=ARB_RETRYABLE_TX,
            topics=[REDEEM_SCHEDULED_TOPIC],
            from_block=self._l2_redeem_scanned + 1,
            to_block=latest,
        )
        for lg in logs:
            ev = decode_redeem_scheduled(lg)
            if ev.sequence_num == 0 or self.store.get(ev.retry_tx_hash):
                continue
            plan = self._in_block.get(str(lg.transaction_hash).lower())
            if plan is not None and await self._finish_in_block(plan):
                continue  # its retry ran in the block `redeem_in_block` built: recorded now
            ticket = hex_to_bytes(ev.ticket_id)
            key = ev.retry_tx_hash.lower()
            # a retry already begun runs on the ticket as it was then (a successful retry
            # deletes it); a new one only if its ticket still exists
            a = self._attempts.get(key) or _Attempt()
            t = await self._seen(a, "ticket", functools.partial(self._ticket, ticket))
            if t.timeout == 0:
                continue
            self._attempts[key] = a
            await self._execute_retry(
                ticket,
                ev.retry_tx_hash,
                gas=max(ev.donated_gas, t.gas_limit, 21_000),
                max_fee=0,
                prepaid=0,
                refund_to=None,
            )
        self._l2_redeem_scanned = latest

    # ------------------------------------------------------------------ L2 -> L1

    async def l2_head(self) -> L2State:
        """The L2 head and ArbSys' send accumulator there, for the batch poster.

        The send state is read at the block's *hash* (EIP-1898), not its number: the assertion
        must describe exactly the block it names, because clients (and the Outbox) later read
        `sendCount` from that block. Reading "the state at number N" while N is the head can
        observe a node mid-way through mining N+1; the confirmed root would then cover a send
        that the named block does not, and that withdrawal would show UNCONFIRMED forever.
        """
        latest = await self.l2.get_block("latest")
        number, block_hash = int(latest["number"], 16), str(latest["hash"])
        size, root = await self.send_state({"blockHash": block_hash})
        by_number, _ = await self.send_state(number)  # what clients (the shim) will read
        if by_number != size:
            raise DevnetError(
                f"L2 block {number} ({block_hash}) reports {by_number} sends by number but "
                f"{size} by hash; not batching it (retried next round)"
            )
        return L2State(hex_to_bytes(block_hash), number, root, size)

    async def send_state(self, block: int | str | dict[str, str]) -> tuple[int, bytes]:
        """(sendCount, sendRoot) of ArbSys' accumulator at an L2 block (number, tag, or
        `{"blockHash": ...}`)."""
        tag = hex(block) if isinstance(block, int) else block
        out = await self.l2.request(
            "eth_call",
            [
                {
                    "from": _ZERO,
                    "to": ARB_SYS,
                    "data": "0x" + calldata("sendMerkleTreeState()").hex(),
                },
                tag,
            ],
        )
        size, root, _partials = abi_decode(["uint256", "bytes32", "bytes32[]"], hex_to_bytes(out))
        return int(size), bytes(root)

    async def confirm_ready(self) -> int:
        """Confirm every assertion whose period has passed; return how many were confirmed.
        Every RPC error and every reverted confirmation is raised: a relayer that cannot
        confirm must say so (and crash after repeated failures), not leave withdrawals
        UNCONFIRMED with no error anywhere."""
        async with self.lock:
            return await self.bold.confirm_ready()
