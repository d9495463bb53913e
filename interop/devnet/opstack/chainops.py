"""Small chain operations the deployer and the relayer share: a sequential sender and output roots.

The devnet's own accounts (deployer, proposer) send one transaction at a time and wait for its
receipt; anvil mines each immediately, so this is both the simplest and the fastest way. The
nonce is read from the node for every transaction, so an `evm_revert` by a test never strands
us behind a nonce gap.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import rlp
from eth_utils.crypto import keccak

from interop.client import ChainClient
from interop.errors import DevnetError
from interop.rpc.models import Receipt
from interop.signer import Signer
from interop.spec.opstack.formulas import L2_TO_L1_MESSAGE_PASSER, output_root
from interop.types import Address, Hash32, to_address

__all__ = ["Sender", "create_address", "devnet_signer", "output_root_at"]

_TIP = 1_000_000_000


def devnet_signer(label: str) -> Signer:
    """A key derived from a fixed public label: devnet only, never shared with test accounts."""
    from interop.signer import account_from_key

    return account_from_key(keccak(f"interop.devnet.opstack.{label}".encode()))


def create_address(sender: str, nonce: int) -> Address:
    return to_address(keccak(rlp.encode([bytes.fromhex(sender[2:]), nonce]))[12:])


class Sender:
    """Sends transactions from one devnet account, one after the other, checking each receipt."""

    def __init__(self, client: ChainClient, signer: Signer) -> None:
        self.client = client
        self.signer = signer
        self.address = to_address(signer.address)

    async def fund(self, wei: int) -> None:
        await self.client.request("anvil_setBalance", [self.address, hex(wei)])

    async def send(
        self,
        to: str | None,
        data: bytes,
        *,
        value: int = 0,
        gas: int | None = None,
        what: str = "",
        timeout: float = 30.0,
    ) -> Receipt:
        c = self.client
        nonce_hex, block = await asyncio.gather(
            c.request("eth_getTransactionCount", [self.address, "latest"]),
            c.get_block("latest"),
        )
        if gas is None:
            est: dict[str, Any] = {"from": self.address, "data": "0x" + data.hex()}
            if to is not None:
                est["to"] = to
            if value:
                est["value"] = hex(value)
            try:
                gas = await c.estimate_gas(est) * 13 // 10 + 50_000
            except Exception as exc:
                raise DevnetError(
                    f"devnet transaction would revert: {what}", details=str(exc)
                ) from exc
        base = int(block.get("baseFeePerGas") or "0x0", 16)
        tx: dict[str, Any] = {
            "type": 2,
            "chainId": c.chain.id,
            "nonce": int(nonce_hex, 16),
            "gas": gas,
            "maxFeePerGas": 2 * base + _TIP,
            "maxPriorityFeePerGas": _TIP,
            "value": value,
            "data": data,
        }
        if to is not None:
            tx["to"] = to
        signed = self.signer.sign_transaction(tx)
        tx_hash = await c.send_raw_transaction(bytes(signed.raw_transaction))
        rcpt = await wait_receipt(c, tx_hash, timeout=timeout)
        if not rcpt.succeeded:
            raise DevnetError(f"devnet transaction reverted: {what}", details=tx_hash)
        return rcpt

    async def deploy(self, init_code: bytes, *, what: str = "") -> Address:
        rcpt = await self.send(None, init_code, what=f"deploy {what}")
        if rcpt.contract_address is None:
            raise DevnetError(f"deployment of {what} returned no address")
        return rcpt.contract_address

    async def call(self, to: str, data: bytes) -> bytes:
        return await self.client.call(to, data, sender=self.address)


async def wait_receipt(client: ChainClient, tx_hash: str, *, timeout: float = 30.0) -> Receipt:
    """Poll fast: anvil mines on arrival, so the receipt is normally there at the first look."""
    deadline = time.monotonic() + timeout
    delay = 0.002
    while True:
        rcpt = await client.get_receipt(tx_hash)
        if rcpt is not None:
            return rcpt
        if time.monotonic() > deadline:
            raise DevnetError(f"devnet transaction {tx_hash} not mined within {timeout}s")
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.05)


async def output_root_at(client: ChainClient, block_number: int) -> tuple[Hash32, dict[str, Any]]:
    """Version-0 output root of an L2 block, from the node's own header and account proof."""
    block, proof = await asyncio.gather(
        client.get_block(block_number),
        client.get_proof(L2_TO_L1_MESSAGE_PASSER, [], block_number),
    )
    root = output_root(block["stateRoot"], proof["storageHash"], block["hash"])
    return root, block
