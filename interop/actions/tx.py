"""Build, sign, send and wait for EIP-1559 transactions (minimal shared version).

Every adapter sends its contract calls through `send_transaction`, so chain-id verification,
EIP-155, fee estimation and nonce handling live in one place.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from interop.client import ChainClient
from interop.errors import ReceiptTimeoutError, TransactionFailedError
from interop.rpc.models import Receipt
from interop.signer import Signer
from interop.types import Hash32

__all__ = ["build_transaction", "send_transaction", "wait_for_receipt"]


async def suggest_fees(client: ChainClient) -> tuple[int, int]:
    """(max_fee_per_gas, max_priority_fee_per_gas): 2x base fee + tip, as wallets do."""
    block, tip_hex = await asyncio.gather(
        client.get_block("latest"), client.request("eth_maxPriorityFeePerGas")
    )
    base = int(block.get("baseFeePerGas") or "0x0", 16)
    tip = int(tip_hex, 16)
    return 2 * base + tip, tip


async def build_transaction(
    client: ChainClient,
    sender: str,
    *,
    to: str | None,
    value: int = 0,
    data: bytes = b"",
    gas: int | None = None,
    nonce: int | None = None,
) -> dict[str, Any]:
    await client.ensure_chain_id()
    tx: dict[str, Any] = {
        "from": sender,
        "value": value,
        "data": "0x" + data.hex(),
        "chainId": client.chain.id,
        "type": 2,
    }
    if to is not None:
        tx["to"] = to
    max_fee, tip = await suggest_fees(client)
    tx["maxFeePerGas"], tx["maxPriorityFeePerGas"] = max_fee, tip
    if gas is None:
        est = {"from": sender, "value": hex(value), "data": tx["data"]}
        if to is not None:
            est["to"] = to
        gas = await client.estimate_gas(est)
        gas = gas * 6 // 5 + 10_000
    tx["gas"] = gas
    tx["nonce"] = await client.get_nonce(sender) if nonce is None else nonce
    return tx


async def send_transaction(
    client: ChainClient,
    signer: Signer,
    *,
    to: str | None,
    value: int = 0,
    data: bytes = b"",
    gas: int | None = None,
    nonce: int | None = None,
) -> Hash32:
    tx = await build_transaction(
        client, signer.address, to=to, value=value, data=data, gas=gas, nonce=nonce
    )
    tx.pop("from")
    signed = signer.sign_transaction(tx)
    return await client.send_raw_transaction(bytes(signed.raw_transaction))


async def wait_for_receipt(
    client: ChainClient,
    tx_hash: str,
    *,
    timeout: float = 60.0,
    poll: float = 0.05,
    check: bool = True,
) -> Receipt:
    deadline = time.monotonic() + timeout
    while True:
        rcpt = await client.get_receipt(tx_hash)
        if rcpt is not None:
            if check and not rcpt.succeeded:
                raise TransactionFailedError(
                    f"transaction {tx_hash} reverted on {client.chain.name}", tx_hash=tx_hash
                )
            return rcpt
        if time.monotonic() > deadline:
            raise ReceiptTimeoutError(
                f"transaction {tx_hash} not mined on {client.chain.name} within {timeout}s",
                tx_hash=tx_hash,
                hint="it may still be mined; keep the hash and check again",
            )
        await asyncio.sleep(poll)
