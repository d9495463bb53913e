"""Read and write one contract function: the two calls every adapter makes all the time."""

from __future__ import annotations

from typing import Any

from interop.abi import Fn
from interop.actions.tx import send_transaction, wait_for_receipt
from interop.client import BlockTag, ChainClient
from interop.rpc.models import Receipt
from interop.signer import Signer, require_signer

__all__ = ["call_fn", "call_one", "send_call"]


async def call_fn(
    client: ChainClient,
    to: str,
    fn: Fn,
    *args: Any,
    block: BlockTag = "latest",
    sender: str | None = None,
) -> tuple[Any, ...]:
    """`eth_call` one function and decode its outputs."""
    return fn.decode(await client.call(to, fn.encode(*args), block=block, sender=sender))


async def call_one(
    client: ChainClient, to: str, fn: Fn, *args: Any, block: BlockTag = "latest"
) -> Any:
    """The single output of a view function."""
    return (await call_fn(client, to, fn, *args, block=block))[0]


async def send_call(
    client: ChainClient,
    signer: Signer | None,
    to: str,
    data: bytes,
    *,
    value: int = 0,
    gas: int | None = None,
    timeout: float = 60.0,
) -> Receipt:
    """Sign, send and wait for one call; `TransactionFailedError` if it reverted."""
    tx_hash = await send_transaction(
        client,
        require_signer(signer, "send this step's transaction"),
        to=to,
        value=value,
        data=data,
        gas=gas,
    )
    return await wait_for_receipt(client, tx_hash, timeout=timeout)
