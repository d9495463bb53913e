"""`send_native`: move the chain's native currency from the signer to an address, exactly.

Everything that can be checked before signing is checked before signing, so a refused transfer
costs nothing and leaves the nonce untouched: the recipient (EIP-55), the amount (int wei), the
chain id the node serves, and that the balance covers value + gas limit x max fee.

Fee paid: `gas_used x effective_gas_price` from the receipt, plus the L1 data fee when the receipt
reports one (`l1Fee` on OP Stack chains). Anvil's OP mode charges an L1 fee once the L1Block
predeploy holds L1 values but does not report it in receipts, so on such a devnet the sender pays
more than `fee` says; on Arbitrum the L1 component is folded into gas_used, so `fee` is complete.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from interop.actions.fees import Fees, estimate_fees
from interop.actions.nonce import NonceManager
from interop.actions.tx import (
    check_gas_limit,
    estimate_gas_limit,
    send_transaction,
    wait_for_receipt,
)
from interop.client import ChainClient
from interop.errors import InsufficientFundsError, RpcResponseError
from interop.rpc.models import Receipt
from interop.signer import Signer, require_signer
from interop.types import Address, Hash32, to_address, to_wei_int
from interop.units import format_ether

__all__ = ["TransferResult", "receipt_fee", "send_native"]


def receipt_fee(receipt: Receipt) -> int:
    """Total fee a receipt says was paid: execution fee plus any reported L1 data fee."""
    l1 = receipt.raw.get("l1Fee")
    return receipt.fee + (int(l1, 16) if isinstance(l1, str) else int(l1 or 0))


@dataclass(frozen=True, slots=True)
class TransferResult:
    """Outcome of one native transfer. `fee` and `receipt` are None when not waited for."""

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
) -> TransferResult:
    """Send `value` wei of the native currency to `to` on `client`'s chain.

    Raises, before signing: `MissingSignerError`, `InvalidAddressError`, `InvalidAmountError`,
    `ChainIdMismatchError`, `InsufficientFundsError` (with `balance` and `required`). After
    sending: `ReceiptTimeoutError` (the transfer may still land; the hash is on the error) and
    `TransactionFailedError` (a contract recipient reverted; the fee was still paid).
    """
    signer = require_signer(signer, "send a transfer")
    recipient = to_address(to)
    amount = to_wei_int(value)
    sender = to_address(signer.address)
    check_gas_limit(gas)
    await client.ensure_chain_id()

    async def _fees() -> Fees:
        return fees if fees is not None else await estimate_fees(client)

    async def _gas() -> int:
        if gas is not None:
            return gas
        return await estimate_gas_limit(client, sender, to=recipient, value=amount)

    fees_, gas_, balance = await asyncio.gather(_fees(), _gas(), client.get_balance(sender))
    required = amount + fees_.max_cost(gas_)
    if balance < required:
        raise InsufficientFundsError(
            f"{sender} has {format_ether(balance)} but needs {format_ether(required)} "
            f"on {client.chain.name} (value + gas {gas_} x max fee {fees_.max_fee_per_gas})",
            balance=balance,
            required=required,
            hint="nothing was signed or sent",
        )

    try:
        tx_hash = await send_transaction(
            client, signer, to=recipient, value=amount, gas=gas_, nonces=nonces, fees=fees_
        )
    except RpcResponseError as exc:
        # Concurrent sends can spend the balance between our check and the node's: same error.
        if "insufficient funds" not in exc.message.lower():
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
    receipt = await wait_for_receipt(client, tx_hash, timeout=timeout) if wait else None
    return TransferResult(
        tx_hash=tx_hash,
        chain_id=client.chain.id,
        from_address=sender,
        to=recipient,
        value=amount,
        fee=receipt_fee(receipt) if receipt is not None else None,
        receipt=receipt,
    )
