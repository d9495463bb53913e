"""Build, sign, send and wait for transactions: the one path every write in interop takes.

Every adapter sends its contract calls through `send_transaction`, so chain-id verification,
EIP-155, fee estimation and nonce handling live in one place:

- the node must serve the configured chain id (`ChainClient.ensure_chain_id`) before anything is
  signed, and every transaction carries that chain id (`sign_transaction` refuses one without);
- fees come from `estimate_fees` (EIP-1559 type 2, or type 0 on legacy-only chains);
- nonces come from a shared `NonceManager` when given (safe for concurrent sends), else from the
  node's pending count;
- a raw transaction whose submission failed in transit is looked up by its hash before anything
  else is tried, because re-sending a signed transaction is safe but sending a new one is not.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from interop.actions.fees import Fees, estimate_fees
from interop.actions.nonce import NonceManager, is_nonce_error
from interop.client import ChainClient
from interop.errors import (
    InputError,
    ReceiptTimeoutError,
    RpcResponseError,
    RpcUnreachableError,
    TransactionFailedError,
)
from interop.rpc.models import Receipt
from interop.signer import Signer
from interop.types import Hash32, to_address, to_hash32, to_wei_int

__all__ = [
    "build_transaction",
    "estimate_gas_limit",
    "send_transaction",
    "sign_transaction",
    "suggest_fees",
    "wait_for_receipt",
]

log = logging.getLogger("interop.tx")

TRANSFER_GAS = 21_000
"""Gas of a plain value transfer to an account without code: exact, no buffer needed."""

_NONCE_RETRIES = 2


async def suggest_fees(client: ChainClient) -> tuple[int, int]:
    """(max_fee_per_gas, max_priority_fee_per_gas); kept for callers of the first version."""
    fees = await estimate_fees(client)
    return fees.max_fee_per_gas, fees.max_priority_fee_per_gas


async def estimate_gas_limit(
    client: ChainClient, sender: str, *, to: str | None, value: int = 0, data: bytes = b""
) -> int:
    """Gas limit with a safety margin, except for a plain transfer, whose cost is exact."""
    est: dict[str, Any] = {"from": sender, "value": hex(value), "data": "0x" + data.hex()}
    if to is not None:
        est["to"] = to
    gas = await client.estimate_gas(est)
    if gas == TRANSFER_GAS and not data and to is not None:
        return gas
    return gas * 6 // 5 + 10_000


def check_gas_limit(gas: int | None) -> None:
    """Refuse a gas limit no transaction can run with (caught before anything is signed)."""
    if gas is not None and (
        isinstance(gas, bool) or not isinstance(gas, int) or gas < TRANSFER_GAS
    ):
        raise InputError(f"gas limit must be an int >= {TRANSFER_GAS}, got {gas!r}")


async def _unsigned(
    client: ChainClient,
    sender: str,
    *,
    to: str | None,
    value: int,
    data: bytes,
    gas: int | None,
    fees: Fees | None,
) -> dict[str, Any]:
    if to is not None:
        to = to_address(to)
    value = to_wei_int(value)
    check_gas_limit(gas)
    await client.ensure_chain_id()
    if fees is None or gas is None:
        fees_task = estimate_fees(client) if fees is None else None
        gas_task = (
            estimate_gas_limit(client, sender, to=to, value=value, data=data)
            if gas is None
            else None
        )
        if fees_task is not None and gas_task is not None:
            fees, gas = await asyncio.gather(fees_task, gas_task)
        elif fees_task is not None:
            fees = await fees_task
        elif gas_task is not None:
            gas = await gas_task
    assert fees is not None and gas is not None
    tx: dict[str, Any] = {
        "from": sender,
        "value": value,
        "data": "0x" + data.hex(),
        "chainId": client.chain.id,
        "gas": gas,
        **fees.tx_fields(),
    }
    if to is not None:
        tx["to"] = to
    return tx


async def build_transaction(
    client: ChainClient,
    sender: str,
    *,
    to: str | None,
    value: int = 0,
    data: bytes = b"",
    gas: int | None = None,
    nonce: int | None = None,
    fees: Fees | None = None,
) -> dict[str, Any]:
    """An unsigned transaction dict (with `from`) for eth-account, chain id verified and set."""
    tx = await _unsigned(client, sender, to=to, value=value, data=data, gas=gas, fees=fees)
    tx["nonce"] = await client.get_nonce(sender) if nonce is None else nonce
    return tx


def sign_transaction(signer: Signer, tx: dict[str, Any], *, chain_id: int) -> Any:
    """Sign `tx` only if it carries `chain_id` (EIP-155 replay protection, every type)."""
    if tx.get("chainId") != chain_id:
        raise InputError(
            f"refusing to sign a transaction with chainId {tx.get('chainId')!r} "
            f"for chain {chain_id}",
            hint="every transaction must carry the chain id it is meant for (EIP-155)",
        )
    unsigned = {k: v for k, v in tx.items() if k != "from"}
    return signer.sign_transaction(unsigned)


async def _submit(client: ChainClient, raw: bytes, tx_hash: Hash32) -> Hash32:
    """Send a signed transaction; if the answer was lost or says "known", ask for the hash."""
    try:
        return await client.send_raw_transaction(raw)
    except (RpcUnreachableError, RpcResponseError) as exc:
        lost = isinstance(exc, RpcUnreachableError) or "known" in exc.message.lower()
        if lost:
            try:
                seen = await client.get_transaction(tx_hash)
            except RpcUnreachableError:
                seen = None
            if seen is not None:
                return tx_hash
        raise


async def _sign_and_submit(
    client: ChainClient, signer: Signer, tx: dict[str, Any], nonce: int
) -> Hash32:
    signed = sign_transaction(signer, {**tx, "nonce": nonce}, chain_id=client.chain.id)
    tx_hash = to_hash32(bytes(signed.hash))
    log.debug(
        "sending %s on %s (chain %d) from %s nonce %d",
        tx_hash,
        client.chain.name,
        client.chain.id,
        signer.address,
        nonce,
    )
    return await _submit(client, bytes(signed.raw_transaction), tx_hash)


async def send_transaction(
    client: ChainClient,
    signer: Signer,
    *,
    to: str | None,
    value: int = 0,
    data: bytes = b"",
    gas: int | None = None,
    nonce: int | None = None,
    nonces: NonceManager | None = None,
    fees: Fees | None = None,
) -> Hash32:
    """Sign and send; returns the hash as soon as the node accepted it (see `wait_for_receipt`).

    With `nonces`, concurrent calls for one account get contiguous nonces, and a "nonce too low"
    rejection (someone else used it) is retried with a fresh nonce: the rejected transaction was
    never accepted, so this cannot send twice. An explicit `nonce` bypasses both.
    """
    tx = await _unsigned(client, signer.address, to=to, value=value, data=data, gas=gas, fees=fees)
    if nonces is None:  # a signer may carry its account's nonce manager (SafeSigner does)
        nonces = getattr(signer, "nonce_manager", None)
    if nonce is not None:
        return await _sign_and_submit(client, signer, tx, nonce)
    if nonces is None:
        return await _sign_and_submit(client, signer, tx, await client.get_nonce(signer.address))
    for attempt in range(_NONCE_RETRIES + 1):
        try:
            async with nonces.reserve(client, signer.address) as slot:
                tx_hash = await _sign_and_submit(client, signer, tx, slot.nonce)
                slot.sent()
                return tx_hash
        except RpcResponseError as exc:
            if attempt == _NONCE_RETRIES or not is_nonce_error(exc):
                raise
            log.debug("nonce rejected (%s); retrying with a fresh nonce", exc.message)
    raise AssertionError("unreachable")


def _default_poll(client: ChainClient) -> float:
    return min(max(client.chain.block_time_ms / 4000, 0.05), 2.0)


async def wait_for_receipt(
    client: ChainClient,
    tx_hash: str,
    *,
    timeout: float = 60.0,
    poll: float | None = None,
    check: bool = True,
) -> Receipt:
    """Poll for the receipt; `ReceiptTimeoutError` (hash kept) after `timeout` seconds.

    With `check`, a reverted transaction raises `TransactionFailedError`. Polling defaults to a
    quarter of the chain's block time (50 ms .. 2 s).
    """
    interval = _default_poll(client) if poll is None else poll
    deadline = time.monotonic() + timeout
    while True:
        rcpt = await client.get_receipt(tx_hash)
        if rcpt is not None:
            if check and not rcpt.succeeded:
                raise TransactionFailedError(
                    f"transaction {tx_hash} reverted on {client.chain.name}", tx_hash=tx_hash
                )
            return rcpt
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ReceiptTimeoutError(
                f"transaction {tx_hash} not mined on {client.chain.name} within {timeout}s",
                tx_hash=tx_hash,
                hint="it may still be mined; keep the hash and check again",
            )
        await asyncio.sleep(min(interval, remaining))
