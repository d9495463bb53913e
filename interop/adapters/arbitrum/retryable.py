"""Parent -> child messages as retryable tickets: estimate, check, create, status, redeem.

A retryable is paid for entirely on L1: `msg.value` must cover the L2 call value, a submission
fee (which depends on the calldata size and the L1 base fee *at inclusion*) and `gasLimit *
maxFeePerGas` for the automatic redeem. If the auto-redeem fails (too little gas, target
reverts) the ticket stays on L2 with its funds until someone calls `ArbRetryableTx.redeem` or it
expires (7 days on Arbitrum One). Status follows @arbitrum/sdk's `ParentToChildMessageStatus`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from interop.actions.tx import send_transaction, wait_for_receipt
from interop.adapters.arbitrum.common import (
    ArbContracts,
    RetryableUnderfundedError,
    call_fn,
    check_alias_safety,
)
from interop.adapters.arbitrum.deposit import ParentToChildMessage, messages_from_receipt
from interop.aliasing import apply_l1_to_l2_alias, undo_l1_to_l2_alias
from interop.client import ChainClient
from interop.errors import (
    AlreadyDoneError,
    BridgeError,
    ExecutionRevertedError,
    InputError,
    MessageNotFoundError,
    NotReadyError,
    RpcResponseError,
)
from interop.rpc.models import Receipt
from interop.signer import Signer
from interop.spec.arbitrum import formulas as F
from interop.spec.arbitrum.abis import (
    ARB_RETRYABLE_GET_TIMEOUT,
    ARB_RETRYABLE_REDEEM,
    INBOX_CALCULATE_SUBMISSION_FEE,
    INBOX_CREATE_RETRYABLE,
    NODE_INTERFACE_ESTIMATE_RETRYABLE,
)
from interop.types import Address, Hash32, to_address, to_wei_int

__all__ = [
    "RetryableParams",
    "RetryableState",
    "RetryableStatus",
    "check_retryable",
    "create_retryable",
    "estimate_retryable",
    "estimate_retryable_gas",
    "redeem",
    "retry_gas_for",
    "retryable_status",
    "submission_fee",
]

SUBMISSION_FEE_HEADROOM = 3
"""Multiplier on today's submission fee: the Inbox prices it at the inclusion block's base fee,
which may rise ~12.5% a block. @arbitrum/sdk adds 300% by default."""
GAS_PRICE_HEADROOM = 2
GAS_LIMIT_HEADROOM_PCT = 20
MIN_GAS_LIMIT = 21_000
REDEEM_OVERHEAD_GAS = 50_000


@dataclass(frozen=True)
class RetryableParams:
    """Everything `Inbox.createRetryableTicket` takes, plus the `msg.value` (`deposit`)."""

    to: Address
    l2_call_value: int
    max_submission_cost: int
    excess_fee_refund_address: Address
    call_value_refund_address: Address
    gas_limit: int
    max_fee_per_gas: int
    data: bytes = b""
    deposit: int | None = None
    """msg.value; None means exactly what the Inbox requires (`required_deposit`)."""

    @property
    def required_deposit(self) -> int:
        return self.l2_call_value + self.max_submission_cost + self.gas_limit * self.max_fee_per_gas

    @property
    def value(self) -> int:
        return self.required_deposit if self.deposit is None else self.deposit

    def calldata(self) -> bytes:
        """`Inbox.createRetryableTicket(...)` calldata (send it with `value`)."""
        return INBOX_CREATE_RETRYABLE.encode(
            self.to,
            self.l2_call_value,
            self.max_submission_cost,
            self.excess_fee_refund_address,
            self.call_value_refund_address,
            self.gas_limit,
            self.max_fee_per_gas,
            self.data,
        )


async def submission_fee(
    l1: ChainClient, contracts: ArbContracts, data_length: int, base_fee: int | None = None
) -> int:
    """`Inbox.calculateRetryableSubmissionFee(len, baseFee)`, at the latest L1 base fee if None."""
    if base_fee is None:
        base_fee = int((await l1.get_block("latest")).get("baseFeePerGas") or "0x0", 16)
    (fee,) = await call_fn(
        l1, contracts.inbox, INBOX_CALCULATE_SUBMISSION_FEE, data_length, base_fee
    )
    return int(fee)


async def estimate_retryable_gas(
    l2: ChainClient,
    sender: str,
    to: str,
    l2_call_value: int,
    data: bytes,
    *,
    excess_fee_refund_address: str,
    call_value_refund_address: str,
) -> int:
    """Gas the auto-redeem needs on L2.

    First NodeInterface.estimateRetryableTicket (what a Nitro node offers; it aliases the sender
    itself), else `eth_estimateGas` of the call from the aliased sender, with a balance override
    so the call value does not fail for lack of funds.
    """
    try:
        return await l2.estimate_gas(
            {
                "to": F.NODE_INTERFACE,
                "data": "0x"
                + NODE_INTERFACE_ESTIMATE_RETRYABLE.encode(
                    to_address(sender),
                    10**18 + l2_call_value,
                    to_address(to),
                    l2_call_value,
                    to_address(excess_fee_refund_address),
                    to_address(call_value_refund_address),
                    bytes(data),
                ).hex(),
            }
        )
    except (ExecutionRevertedError, RpcResponseError):
        pass
    aliased = apply_l1_to_l2_alias(sender)
    tx: dict[str, Any] = {
        "from": aliased,
        "to": to_address(to),
        "value": hex(l2_call_value),
        "data": "0x" + bytes(data).hex(),
    }
    override = {aliased: {"balance": hex(10**24 + l2_call_value)}}
    try:
        return int(await l2.request("eth_estimateGas", [tx, "latest", override]), 16)
    except ExecutionRevertedError:
        raise
    except RpcResponseError:
        return await l2.estimate_gas(tx)


async def estimate_retryable(
    l1: ChainClient,
    l2: ChainClient,
    contracts: ArbContracts,
    sender: str,
    to: str,
    *,
    l2_call_value: int = 0,
    data: bytes = b"",
    excess_fee_refund_address: str | None = None,
    call_value_refund_address: str | None = None,
    gas_limit: int | None = None,
    max_fee_per_gas: int | None = None,
    max_submission_cost: int | None = None,
    deposit: int | None = None,
) -> RetryableParams:
    """Fill in whatever is not given: submission cost (with headroom), L2 gas and gas price.

    Refund addresses default to the sender (the Inbox aliases them if they are contracts).
    Given values are kept as they are; `check_retryable` refuses ones the Inbox would reject.
    """
    to_wei_int(l2_call_value)
    excess = to_address(excess_fee_refund_address or sender)
    refund = to_address(call_value_refund_address or sender)
    if max_submission_cost is None:
        max_submission_cost = SUBMISSION_FEE_HEADROOM * await submission_fee(
            l1, contracts, len(data)
        )
    if max_fee_per_gas is None:
        price = int(await l2.request("eth_gasPrice"), 16)
        max_fee_per_gas = max(GAS_PRICE_HEADROOM * price, 2)
    if gas_limit is None:
        est = await estimate_retryable_gas(
            l2,
            sender,
            to,
            l2_call_value,
            data,
            excess_fee_refund_address=excess,
            call_value_refund_address=refund,
        )
        gas_limit = max(est * (100 + GAS_LIMIT_HEADROOM_PCT) // 100, MIN_GAS_LIMIT)
    return RetryableParams(
        to=to_address(to),
        l2_call_value=l2_call_value,
        max_submission_cost=max_submission_cost,
        excess_fee_refund_address=excess,
        call_value_refund_address=refund,
        gas_limit=gas_limit,
        max_fee_per_gas=max_fee_per_gas,
        data=bytes(data),
        deposit=deposit,
    )


async def check_retryable(l1: ChainClient, contracts: ArbContracts, p: RetryableParams) -> None:
    """Refuse, before anything is sent, what the Inbox would revert on (or silently mis-handle).

    - submission cost below `calculateRetryableSubmissionFee(len(data), current base fee)`;
    - `msg.value` below `l2CallValue + maxSubmissionCost + gasLimit * maxFeePerGas`;
    - gas limit or fee of exactly 1 (the Inbox's magic values for its `RetryableData` revert) or
      a gas limit above uint64.
    """
    if p.gas_limit == 1 or p.max_fee_per_gas == 1:
        raise InputError("gas_limit and max_fee_per_gas must not be 1 (reserved by the Inbox)")
    if p.gas_limit >= 1 << 64:
        raise InputError(f"gas_limit {p.gas_limit} does not fit in uint64")
    required_fee = await submission_fee(l1, contracts, len(p.data))
    if p.max_submission_cost < required_fee:
        raise RetryableUnderfundedError(
            f"max submission cost {p.max_submission_cost} wei is below the current submission "
            f"fee {required_fee} wei for {len(p.data)} bytes of calldata",
            required=required_fee,
            provided=p.max_submission_cost,
            hint="leave max_submission_cost unset to have it estimated with headroom",
        )
    if p.value < p.required_deposit:
        raise RetryableUnderfundedError(
            f"value {p.value} wei does not cover call value + submission cost + gas "
            f"({p.required_deposit} wei)",
            required=p.required_deposit,
            provided=p.value,
        )


async def create_retryable(
    l1: ChainClient,
    signer: Signer,
    contracts: ArbContracts,
    p: RetryableParams,
    *,
    allow_aliased_recipient: bool = False,
    timeout: float = 60.0,
) -> tuple[Receipt, ParentToChildMessage]:
    """Check, send `Inbox.createRetryableTicket`, and return the L1 receipt and the message
    (whose `child_tx_hash` is the retryable creation id)."""
    if not allow_aliased_recipient:
        for who in {p.excess_fee_refund_address, p.call_value_refund_address}:
            await check_alias_safety(
                l1, who, allow_aliased_recipient=False, what="the retryable's refunds"
            )
    await check_retryable(l1, contracts, p)
    data = p.calldata()
    tx_hash = await send_transaction(l1, signer, to=contracts.inbox, value=p.value, data=data)
    rcpt = await wait_for_receipt(l1, tx_hash, timeout=timeout)
    msgs = [m for m in messages_from_receipt(rcpt, contracts, contracts.l2_id) if m.retryable]
    if not msgs:
        raise MessageNotFoundError(f"parent tx {tx_hash} created no retryable")
    return rcpt, msgs[0]


class RetryableStatus(StrEnum):
    """@arbitrum/sdk's ParentToChildMessageStatus names."""

    NOT_YET_CREATED = "NOT_YET_CREATED"
    CREATION_FAILED = "CREATION_FAILED"
    FUNDS_DEPOSITED_ON_CHILD = "FUNDS_DEPOSITED_ON_CHILD"
    REDEEMED = "REDEEMED"
    EXPIRED = "EXPIRED"


@dataclass(frozen=True)
class RetryableState:
    status: RetryableStatus
    creation_receipt: Receipt | None = None
    redeem_tx_hash: Hash32 | None = None
    """The successful retry tx (auto or manual) when REDEEMED."""
    failed_redeems: tuple[Hash32, ...] = ()
    failed_manual_redeems: tuple[Hash32, ...] = ()
    """The failed ones among `failed_redeems` that a manual `redeem` scheduled (sequence > 0),
    not the auto-redeem: the call failed even when someone retried it on purpose."""
    pending_redeems: tuple[Hash32, ...] = ()
    """Retries scheduled (`RedeemScheduled`) whose tx has no receipt yet. Nitro runs a retry in
    the block of its redeem, so a live chain shows none; an emulation may lag behind."""
    timeout: int | None = None
    """Expiry timestamp of a live ticket."""
    details: dict[str, Any] = field(default_factory=dict)


def _redeems_in(receipt: Receipt, ticket: str) -> list[F.RedeemScheduled]:
    out = []
    for log in receipt.logs:
        if (
            log.address == F.ARB_RETRYABLE_TX
            and log.topics
            and log.topics[0] == F.REDEEM_SCHEDULED_TOPIC
            and log.topics[1] == ticket.lower()
        ):
            out.append(F.decode_redeem_scheduled(log))
    return out


async def _find_redeem(
    l2: ChainClient, scheduled: list[F.RedeemScheduled]
) -> tuple[Hash32 | None, list[Hash32], list[Hash32]]:
    """(the successful retry tx, the failed ones before it, the scheduled ones not yet mined)
    among the scheduled redeems."""
    failed: list[Hash32] = []
    pending: list[Hash32] = []
    for s in scheduled:
        retry = await l2.get_receipt(s.retry_tx_hash)
        if retry is not None and retry.succeeded:
            return s.retry_tx_hash, failed, pending
        if retry is not None:
            failed.append(s.retry_tx_hash)
        else:
            pending.append(s.retry_tx_hash)
    return None, failed, pending


async def retryable_status(l2: ChainClient, creation_id: str) -> RetryableState:
    """Where a retryable stands on the child chain.

    Creation receipt missing -> NOT_YET_CREATED; reverted -> CREATION_FAILED. Then every
    `RedeemScheduled` for the ticket (the auto-redeem in the creation receipt, manual redeems
    later) is checked: a successful retry tx -> REDEEMED. Otherwise the ticket is live
    (FUNDS_DEPOSITED_ON_CHILD) while `ArbRetryableTx.getTimeout` answers, else EXPIRED.
    """
    ticket = creation_id.lower()
    rcpt = await l2.get_receipt(ticket)
    if rcpt is None:
        return RetryableState(RetryableStatus.NOT_YET_CREATED)
    if not rcpt.succeeded:
        return RetryableState(RetryableStatus.CREATION_FAILED, rcpt)
    scheduled = _redeems_in(rcpt, ticket)
    logs = await l2.get_logs(
        address=F.ARB_RETRYABLE_TX,
        topics=[F.REDEEM_SCHEDULED_TOPIC, ticket],
        from_block=rcpt.block_number,
    )
    seen = {s.retry_tx_hash for s in scheduled}
    for log in logs:
        s = F.decode_redeem_scheduled(log)
        if s.retry_tx_hash not in seen:
            scheduled.append(s)
            seen.add(s.retry_tx_hash)
    redeemed, failed, pending = await _find_redeem(l2, scheduled)
    if redeemed is None:
        try:
            (timeout,) = await call_fn(
                l2, F.ARB_RETRYABLE_TX, ARB_RETRYABLE_GET_TIMEOUT, bytes.fromhex(ticket[2:])
            )
        except ExecutionRevertedError:
            # The ticket is gone: expired, or redeemed between our receipt reads and this call.
            # Look at the scheduled retries once more before calling it expired.
            redeemed, failed, pending = await _find_redeem(l2, scheduled)
            if redeemed is None:
                return RetryableState(RetryableStatus.EXPIRED, rcpt, failed_redeems=tuple(failed))
        else:
            manual = {x.retry_tx_hash for x in scheduled if x.sequence_num > 0}
            return RetryableState(
                RetryableStatus.FUNDS_DEPOSITED_ON_CHILD,
                rcpt,
                failed_redeems=tuple(failed),
                failed_manual_redeems=tuple(h for h in failed if h in manual),
                pending_redeems=tuple(pending),
                timeout=int(timeout),
            )
    return RetryableState(
        RetryableStatus.REDEEMED, rcpt, redeem_tx_hash=redeemed, failed_redeems=tuple(failed)
    )


async def retry_gas_for(l2: ChainClient, msg: ParentToChildMessage) -> int:
    """Gas the ticket's call needs now (with headroom), from the L1 message it came from."""
    r = msg.retryable
    if r is None:
        raise MessageNotFoundError("not a retryable message")
    est = await estimate_retryable_gas(
        l2,
        undo_l1_to_l2_alias(msg.sender),
        r.dest_address,
        r.l2_call_value,
        r.data,
        excess_fee_refund_address=r.excess_fee_refund_address,
        call_value_refund_address=r.call_value_refund_address,
    )
    return est * (100 + GAS_LIMIT_HEADROOM_PCT) // 100


async def redeem(
    l2: ChainClient,
    signer: Signer,
    creation_id: str,
    *,
    gas: int | None = None,
    retry_gas: int | None = None,
    timeout: float = 60.0,
) -> tuple[Receipt, Hash32 | None]:
    """`ArbRetryableTx.redeem(ticketId)`: retry a ticket whose auto-redeem failed.

    Returns the redeem receipt and the retry tx it scheduled. `AlreadyDoneError` if the ticket
    was already redeemed, `NotReadyError` if it does not exist yet, `BridgeError` if expired.
    The redeem donates its remaining gas to the retry: a Nitro node's estimate for `redeem`
    already includes the retry, but to be safe against nodes whose estimate does not, pass
    `retry_gas` (the ticket's call estimate, see `retry_gas_for`) and it is added on top.
    """
    state = await retryable_status(l2, creation_id)
    if state.status is RetryableStatus.REDEEMED:
        raise AlreadyDoneError(
            f"retryable {creation_id} was already redeemed by {state.redeem_tx_hash}"
        )
    if state.status is RetryableStatus.NOT_YET_CREATED:
        raise NotReadyError(f"retryable {creation_id} is not on {l2.chain.name} yet")
    if state.status is not RetryableStatus.FUNDS_DEPOSITED_ON_CHILD:
        raise BridgeError(f"retryable {creation_id} cannot be redeemed: {state.status.value}")
    data = ARB_RETRYABLE_REDEEM.encode(bytes.fromhex(creation_id[2:]))
    if gas is None and retry_gas is not None:
        own = await l2.estimate_gas(
            {"from": signer.address, "to": F.ARB_RETRYABLE_TX, "data": "0x" + data.hex()}
        )
        gas = own + retry_gas + REDEEM_OVERHEAD_GAS
    tx_hash = await send_transaction(l2, signer, to=F.ARB_RETRYABLE_TX, data=data, gas=gas)
    rcpt = await wait_for_receipt(l2, tx_hash, timeout=timeout)
    scheduled = _redeems_in(rcpt, creation_id)
    return rcpt, scheduled[0].retry_tx_hash if scheduled else None
