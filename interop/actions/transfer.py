"""`send_native`: move the chain's native currency from the signer to an address, exactly.

Everything that can be checked before signing is checked before signing, so a refused transfer
costs nothing and leaves the nonce untouched: the recipient (EIP-55), the amount (int wei), the
chain id the node serves, and that the balance covers value + gas limit x max fee + the chain
family's L1 data fee bound for the unsigned transaction (`ChainFamily.l1_data_fee`; 0 for a family
that has none, or whose parent-chain cost is part of the gas, or that no installed package
provides).

Fee paid: `gas_used x effective_gas_price` from the receipt plus the L1 data fee: the receipt's
`l1Fee` when the node reports it, otherwise (anvil's OP mode charges it but leaves it out of
receipts) the family's fee for the signed bytes at the block of inclusion, which is what the node
charged, to the wei.

Once the transaction has left, nothing after it may turn a transfer that happened into a reported
failure: the L1 fee is computed from the signed bytes we already hold (no lookup that can fail),
the remaining reads are retried, and if they still fail the result says `fee=None` rather than
raising. Any error that does escape after the broadcast carries the hash (`may_have_executed`).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from interop.actions.fees import Fees, estimate_fees, unsigned_tx
from interop.actions.nonce import NonceManager
from interop.actions.tx import (
    DEFAULT_PATIENCE,
    check_gas_limit,
    estimate_gas_limit,
    submit_transaction,
    wait_for_receipt,
)
from interop.client import ChainClient
from interop.errors import (
    ConfigError,
    InsufficientFundsError,
    InteropError,
    InvalidAddressError,
    InvalidAmountError,
    RpcError,
    RpcResponseError,
    mark_sent,
)
from interop.families import ChainFamily, family_of
from interop.rpc.models import Receipt
from interop.rpc.retry import check_seconds
from interop.signer import Signer, require_signer
from interop.types import Address, Hash32, hex_to_bytes, to_address, to_wei_int
from interop.units import format_ether

__all__ = ["TransferResult", "paid_fee", "receipt_fee", "send_native"]

log = logging.getLogger("interop.transfer")

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"

_FEE_ATTEMPTS = 5
"""Tries of the post-receipt fee reads (0.2 s, doubling: about 3 s in all) before `fee=None`."""


def receipt_fee(receipt: Receipt) -> int:
    """Total fee a receipt says was paid: execution fee plus any reported L1 data fee."""
    l1 = receipt.raw.get("l1Fee")
    return receipt.fee + (int(l1, 16) if isinstance(l1, str) else int(l1 or 0))


async def paid_fee(client: ChainClient, receipt: Receipt, *, raw: bytes | None = None) -> int:
    """Everything the sender of `receipt`'s transaction paid besides its value.

    When the receipt lacks `l1Fee` (anvil's OP mode) and the chain's family charges a separate L1
    data fee, it is recomputed: the node prices the signed transaction's bytes with the fee
    inputs of the block of inclusion (`ChainFamily.l1_data_fee(raw, block=...)`). Pass the
    signed bytes as `raw` when you have them (the sender does); otherwise they are fetched with
    `eth_getRawTransactionByHash`. RPC trouble raises (`RpcError`).
    """
    family = _family(client)
    if "l1Fee" in receipt.raw or family is None or not family.charges_l1_data_fee:
        return receipt_fee(receipt)
    if raw is None:
        try:
            fetched = await client.request(
                "eth_getRawTransactionByHash", [receipt.transaction_hash]
            )
        except RpcResponseError:
            return receipt.fee  # the node cannot give the signed bytes: nothing exact to add
        if not fetched:
            return receipt.fee
        raw = hex_to_bytes(fetched)
    return receipt.fee + await family.l1_data_fee(client, raw, block=receipt.block_number)


def _family(client: ChainClient) -> ChainFamily | None:
    """The chain's family (None when no installed package provides it: no L1 data fee, logged
    once by the registry)."""
    return family_of(client.chain)


async def _fee_after_receipt(client: ChainClient, receipt: Receipt, raw: bytes) -> int | None:
    """`paid_fee`, retried: the transfer happened, so a failing read must not turn it into an
    error. None (logged) when the reads keep failing."""
    delay = 0.2
    for attempt in range(_FEE_ATTEMPTS):
        try:
            return await paid_fee(client, receipt, raw=raw)
        except (RpcError, ConfigError, ValueError) as exc:
            if attempt == _FEE_ATTEMPTS - 1:
                log.warning(
                    "fee of %s on %s unknown (the transfer succeeded): %s",
                    receipt.transaction_hash,
                    client.chain.name,
                    exc,
                )
                return None
            await asyncio.sleep(delay)
            delay *= 2
    return None


@dataclass(frozen=True, slots=True)
class TransferResult:
    """Outcome of one native transfer. `fee` and `receipt` are None when not waited for; `fee`
    alone is None when the transfer was mined but the fee's inputs could not be read."""

    tx_hash: Hash32
    chain_id: int
    from_address: Address
    to: Address
    value: int
    fee: int | None
    receipt: Receipt | None

    @property
    def sender(self) -> Address:
        return self.from_address

    def __repr__(self) -> str:
        fee = "?" if self.fee is None else str(self.fee)
        return (
            f"TransferResult(tx_hash={self.tx_hash}, chain_id={self.chain_id}, "
            f"from={self.from_address}, to={self.to}, value={self.value}, fee={fee}, "
            f"mined={'yes' if self.receipt else 'not awaited'})"
        )


async def send_native(
    client: ChainClient,
    signer: Signer | None,
    to: str,
    value: int,
    *,
    nonces: NonceManager | None = None,
    wait: bool = True,
    timeout: float = 60,
    gas: int | None = None,
    fees: Fees | None = None,
    allow_zero: bool = False,
    allow_zero_address: bool = False,
    patience: float = DEFAULT_PATIENCE,
) -> TransferResult:
    """Send `value` wei of the native currency to `to` on `client`'s chain.

    Raises, before signing: `MissingSignerError`, `InvalidAddressError` (also for the zero
    address, whose funds nobody owns, unless `allow_zero_address`), `InvalidAmountError` (also
    for a zero value to an account without code, which only pays a fee, unless `allow_zero`),
    `ChainIdMismatchError`, `InsufficientFundsError` (with `balance` and `required`).
    After sending, every error carries the hash and `may_have_executed`:
    `ReceiptTimeoutError` (it may still land), `TransactionFailedError` (a contract recipient
    reverted; the fee was still paid), `TransactionUnknownError` (the node's answer was lost and
    the transaction could not be found within `patience` seconds; it may still be mined),
    `TransactionReplacedError` (its nonce was used by another transaction: nothing was paid).
    Never answer such an error by sending again: look the hash up first.
    """
    signer = require_signer(signer, "send a transfer")
    recipient = to_address(to)
    if recipient == ZERO_ADDRESS and not allow_zero_address:
        raise InvalidAddressError(
            "refusing to send to the zero address: nobody can ever spend what is sent there",
            hint="pass allow_zero_address=True if you really mean to burn it; nothing was sent",
        )
    amount = to_wei_int(value)
    sender = to_address(signer.address)
    check_gas_limit(gas)
    check_seconds(timeout, "timeout")  # checked now: after the send it could only be reported
    check_seconds(patience, "patience")
    if amount == 0 and not allow_zero and not await client.get_code(recipient):
        raise InvalidAmountError(
            f"refusing a zero-value transfer to {recipient}: it moves nothing and costs a fee",
            hint="pass allow_zero=True to send it anyway; nothing was sent",
        )

    async def _fees() -> Fees:
        return fees if fees is not None else await estimate_fees(client)

    async def _gas() -> int:
        if gas is not None:
            return gas
        return await estimate_gas_limit(client, sender, to=recipient, value=amount)

    family = _family(client)
    l1_fee_model = family if family is not None and family.charges_l1_data_fee else None

    async def _nonce() -> int:
        # only a size-dependent L1 fee bound needs it (the nonce is part of the signed bytes)
        return await client.get_nonce(sender) if l1_fee_model is not None else 0

    fees_, gas_, balance, nonce = await asyncio.gather(
        _fees(), _gas(), client.get_balance(sender), _nonce()
    )
    l1_fee = 0
    if l1_fee_model is not None:
        tx = unsigned_tx(
            chain_id=client.chain.id, nonce=nonce, fees=fees_, gas=gas_, to=recipient, value=amount
        )
        l1_fee = await l1_fee_model.l1_data_fee(client, tx)
    required = amount + fees_.max_cost(gas_) + l1_fee
    if balance < required:
        l1_part = f" + L1 data fee {format_ether(l1_fee)}" if l1_fee_model is not None else ""
        raise InsufficientFundsError(
            f"{sender} has {format_ether(balance)} but needs {format_ether(required)} "
            f"on {client.chain.name} (value + gas {gas_} x max fee {fees_.max_fee_per_gas}"
            f"{l1_part})",
            balance=balance,
            required=required,
            hint="nothing was signed or sent",
        )

    try:
        sent = await submit_transaction(
            client,
            signer,
            to=recipient,
            value=amount,
            gas=gas_,
            nonces=nonces,
            fees=fees_,
            patience=patience,
        )
    except RpcResponseError as exc:
        # Concurrent sends can spend the balance between our check and the node's: same error.
        # (Only a plain refusal: an error carrying a hash means the bytes may have gone out.)
        if exc.tx_hash is not None or "insufficient funds" not in exc.message.lower():
            raise
        balance = await client.get_balance(sender, "pending")
        raise InsufficientFundsError(
            f"{sender} cannot cover {format_ether(required)} on {client.chain.name}: "
            "the node refused the transaction",
            balance=balance,
            required=required,
            details=exc.message,
            hint="nothing was sent; other pending transactions may have spent the balance",
        ) from exc
    receipt: Receipt | None = None
    fee: int | None = None
    try:
        if wait:
            receipt = await wait_for_receipt(client, sent.tx_hash, timeout=timeout)
            fee = await _fee_after_receipt(client, receipt, sent.raw)
    except InteropError as exc:
        mark_sent(exc, sent.tx_hash)
        raise
    return TransferResult(
        tx_hash=sent.tx_hash,
        chain_id=client.chain.id,
        from_address=sender,
        to=recipient,
        value=amount,
        fee=fee,
        receipt=receipt,
    )
