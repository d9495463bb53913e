"""JSON-RPC shim in front of the L2 anvil: Arbitrum's RPC where anvil cannot provide it.

Everything is passed through, except:
- receipts / transactions for emulated Arbitrum tx types (0x64 deposits, 0x69 retryable
  creations, 0x68 retries) looked up by their Arbitrum hash, and anvil hashes rewritten to them
  in receipts, logs and blocks;
- blocks gain `sendRoot`, `sendCount`, `l1BlockNumber` (read from the ArbSys emulation's state at
  that block); receipts gain `l1BlockNumber` and `gasUsedForL1`;
- NodeInterface (0x…C8) is virtual as on Nitro: `eth_call` / `eth_estimateGas` to it are
  answered here (`constructOutboxProof`, `gasEstimateComponents`, `blockL1Num`,
  `nitroGenesisBlock`, `estimateRetryableTicket`).
Batches are answered element by element.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import rlp
from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode

from interop.aliasing import apply_l1_to_l2_alias
from interop.devnet.arbitrum.artifacts import calldata, selector
from interop.devnet.arbitrum.relayer import EmulatedTx, EmulatedTxStore
from interop.devnet.rpcshim import JsonRpcShim, RpcFailure
from interop.errors import RpcResponseError
from interop.rpc.models import Log
from interop.spec.arbitrum.formulas import (
    ARB_RETRYABLE_TX,
    ARB_SYS,
    L2_TO_L1_TX_TOPIC,
    NODE_INTERFACE,
    REDEEM_SCHEDULED_TOPIC,
    decode_l2_to_l1_tx,
    send_leaf,
    send_merkle_proof,
    send_merkle_root,
)
from interop.types import hex_to_bytes

__all__ = ["RpcShim"]

_NI = NODE_INTERFACE.lower()
_ART = ARB_RETRYABLE_TX.lower()
_SEL_REDEEM = selector("redeem(bytes32)")
_REDEEM_KEEPS_GAS = 30_000
"""What the ArbRetryableTx emulation's `redeem` keeps back from the gas it donates."""
_SEL_PROOF = selector("constructOutboxProof(uint64,uint64)")
_SEL_GAS = selector("gasEstimateComponents(address,bool,bytes)")
_SEL_L1NUM = selector("blockL1Num(uint64)")
_SEL_GENESIS = selector("nitroGenesisBlock()")
_SEL_ESTIMATE_RETRYABLE = selector(
    "estimateRetryableTicket(address,uint256,address,uint256,address,address,bytes)"
)
_ZERO = "0x" + "00" * 20
_BLOOM = "0x" + "00" * 256


def _is_redeem(raw: str) -> bool:
    """Whether a signed tx calls `ArbRetryableTx.redeem` (legacy, 2930, 1559 or 4844 envelope)."""
    try:
        b = hex_to_bytes(raw)
        if b and b[0] < 0x7F:  # typed: [type] ‖ rlp([chainId, nonce, ..., to, value, data, ...])
            fields = rlp.decode(b[1:])
            to_i, data_i = {1: (4, 6), 2: (5, 7), 3: (5, 7), 4: (5, 7)}.get(b[0], (-1, -1))
            if to_i < 0:
                return False
        else:  # legacy: rlp([nonce, gasPrice, gas, to, value, data, v, r, s])
            fields = rlp.decode(b)
            to_i, data_i = 3, 5
        to, data = bytes(fields[to_i]), bytes(fields[data_i])
    except Exception:
        return False
    return "0x" + to.hex() == _ART and data[:4] == _SEL_REDEEM


class RpcShim(JsonRpcShim):
    """The Arbitrum shim (see the module docstring); `url` after `start()`."""

    def __init__(
        self,
        upstream: str,
        store: EmulatedTxStore,
        *,
        l1_base_fee: Callable[[], Awaitable[int]] | None = None,
        run_retries: Callable[[], Awaitable[None]] | None = None,
        redeem_in_block: Callable[[str], Awaitable[str]] | None = None,
    ) -> None:
        super().__init__(upstream)
        self.store = store
        self._l1_base_fee = l1_base_fee
        self._run_retries = run_retries
        """Runs the relayer's pending retries (a locked step); see `_hold_redeem`."""
        self._redeem_in_block = redeem_in_block
        """Submits a signed redeem and runs its retry in the same block (the relayer's)."""

    async def dispatch(self, method: str, params: list[Any]) -> Any:
        redeem = self._redeem_in_block
        if method == "eth_sendRawTransaction" and params and redeem and _is_redeem(str(params[0])):
            try:
                return await redeem(str(params[0]))
            except RpcResponseError as exc:  # anvil refused the bytes: its answer, code and all
                raise RpcFailure(exc.code or -32000, exc.message, exc.data) from exc
        if method == "eth_getTransactionReceipt":
            return await self._receipt(str(params[0]))
        if method == "eth_getTransactionByHash":
            return await self._transaction(str(params[0]))
        if method in ("eth_getBlockByNumber", "eth_getBlockByHash"):
            block = await self.forward(method, params)
            return await self._block(block, bool(params[1]) if len(params) > 1 else False)
        if method == "eth_getLogs":
            return [self._fix_log(x) for x in await self.forward(method, params)]
        if method in ("eth_call", "eth_estimateGas") and params:
            tx = params[0] or {}
            to = str(tx.get("to") or "").lower()
            if to == _NI:
                return await self._node_interface(method, tx, params[1:])
            if method == "eth_estimateGas" and to == _ART:
                data = hex_to_bytes(str(tx.get("data") or tx.get("input") or "0x"))
                if data[:4] == _SEL_REDEEM:
                    return await self._estimate_redeem(params, data)
        return await self.forward(method, params)

    async def _estimate_redeem(self, params: list[Any], data: bytes) -> str:
        """`eth_estimateGas` of `ArbRetryableTx.redeem(ticket)` includes the retry it schedules,
        as Nitro's estimator does (it runs the scheduled retry too): the redeem donates its
        remaining gas to the retry, so an estimate of the redeem alone leaves the retry with
        almost none and a client's default `redeem()` fails again. Estimate = the redeem's own
        gas + what the ticket's call needs from its sender + the gas the redeem keeps back."""
        own = int(await self.forward("eth_estimateGas", params), 16)
        (ticket,) = abi_decode(["bytes32"], data[4:])
        try:
            raw = await self.forward(
                "eth_call",
                [
                    {
                        "to": ARB_RETRYABLE_TX,
                        "data": "0x" + calldata("emuTicket(bytes32)", ticket).hex(),
                    },
                    "latest",
                ],
            )
        except RpcFailure:
            return hex(own)
        (frm, to, value, _b, _t, _n, _g, payload) = abi_decode(
            ["address", "address", "uint256", "address", "uint64", "uint64", "uint64", "bytes"],
            hex_to_bytes(raw),
        )
        est: dict[str, Any] = {
            "from": frm,
            "value": hex(int(value)),
            "data": "0x" + bytes(payload).hex(),
        }
        if int(to, 16):
            est["to"] = to
        override = {frm: {"balance": hex(int(value) + 10**24)}}
        try:
            retry = int(await self.forward("eth_estimateGas", [est, "latest", override]), 16)
        except RpcFailure:  # the retry would fail whatever its gas: the redeem alone
            return hex(own)
        return hex(own + retry + _REDEEM_KEEPS_GAS)

    # ------------------------------------------------------------------ txs

    def _fix_log(self, lg: dict[str, Any]) -> dict[str, Any]:
        arb = self.store.arb_hash(str(lg.get("transactionHash") or ""))
        return {**lg, "transactionHash": arb} if arb else lg

    async def _l1_block_at(self, block: str) -> str:
        slot = await self.forward("eth_getStorageAt", [ARB_SYS, "0x0", block])
        return hex(int(slot, 16))

    async def _receipt(self, h: str) -> Any:
        em = self.store.get(h)
        if em is None:
            rcpt = await self.forward("eth_getTransactionReceipt", [h])
            if rcpt is None:
                return None
            arb = self.store.arb_hash(h)
            if arb is not None:  # asked by anvil hash: answer as the Arbitrum tx
                em = self.store.get(arb)
            else:
                if await self._hold_redeem(rcpt):
                    return None
                return await self._arbify_receipt(rcpt)
        assert em is not None
        if em.anvil_hash is None:
            rcpt = {
                "transactionHash": em.hash,
                "transactionIndex": "0x0",
                "blockHash": em.block_hash,
                "blockNumber": hex(em.block_number),
                "from": em.from_address,
                "to": em.to,
                "cumulativeGasUsed": "0x0",
                "gasUsed": "0x0",
                "effectiveGasPrice": "0x0",
                "contractAddress": None,
                "logs": [],
                "logsBloom": _BLOOM,
                "status": hex(em.status),
            }
        else:
            rcpt = dict(await self.forward("eth_getTransactionReceipt", [em.anvil_hash]))
            rcpt["from"] = em.from_address
            rcpt["to"] = em.to
            rcpt["status"] = hex(em.status)
        rcpt["type"] = hex(em.type)
        return await self._arbify_receipt(rcpt)

    async def _hold_redeem(self, rcpt: dict[str, Any]) -> bool:
        """True if `rcpt` is a manual redeem whose retry has not run yet (then it is reported
        as not mined). On Nitro the retry runs in the redeem's own block, so a client that has
        the redeem's receipt finds the retry's (`waitForRedeem` reads it once, at once). Here
        the relayer runs it right after: asked for such a receipt we first let it do so."""
        pending = [
            lg["topics"][2]
            for lg in rcpt.get("logs", [])
            if str(lg.get("address", "")).lower() == _ART
            and lg.get("topics")
            and lg["topics"][0] == REDEEM_SCHEDULED_TOPIC
            and int(lg["topics"][3], 16) != 0
        ]
        missing = [h for h in pending if self.store.get(h) is None]
        if missing and self._run_retries is not None:
            try:
                await asyncio.wait_for(self._run_retries(), timeout=20)
            except Exception:  # the relayer reports its own errors; the client polls again
                return True
            missing = [h for h in missing if self.store.get(h) is None]
        return bool(missing)

    async def _arbify_receipt(self, rcpt: dict[str, Any]) -> dict[str, Any]:
        rcpt = dict(rcpt)
        arb = self.store.arb_hash(str(rcpt.get("transactionHash")))
        if arb:
            rcpt["transactionHash"] = arb
        rcpt["logs"] = [
            {**lg, "transactionHash": rcpt["transactionHash"]} for lg in rcpt.get("logs", [])
        ]
        rcpt["l1BlockNumber"] = await self._l1_block_at(str(rcpt["blockNumber"]))
        rcpt.setdefault("gasUsedForL1", "0x0")
        return rcpt

    def _em_tx(self, em: EmulatedTx, base: dict[str, Any] | None) -> dict[str, Any]:
        tx: dict[str, Any] = dict(base or {})
        tx.update(
            {
                "hash": em.hash,
                "type": hex(em.type),
                "from": em.from_address,
                "to": em.to,
                "value": hex(em.value),
                "blockHash": em.block_hash,
                "blockNumber": hex(em.block_number),
                "chainId": tx.get("chainId"),
            }
        )
        tx.setdefault("transactionIndex", "0x0")
        tx.setdefault("nonce", "0x0")
        tx.setdefault("gas", "0x0")
        tx.setdefault("gasPrice", "0x0")
        tx.setdefault("input", "0x")
        for k in ("v", "r", "s", "yParity"):
            tx[k] = "0x0"
        tx.update({k: v for k, v in em.fields.items() if v is not None})
        return tx

    async def _transaction(self, h: str) -> Any:
        em = self.store.get(h)
        if em is None:
            return await self.forward("eth_getTransactionByHash", [h])
        base = (
            await self.forward("eth_getTransactionByHash", [em.anvil_hash])
            if em.anvil_hash
            else None
        )
        out = self._em_tx(em, base)
        if out.get("chainId") is None:
            out["chainId"] = await self.forward("eth_chainId", [])
        return out

    # ------------------------------------------------------------------ blocks

    async def _block(self, block: Any, full: bool) -> Any:
        if not block:
            return block
        block = dict(block)
        number = int(block["number"], 16)
        state = await self.forward(
            "eth_call",
            [
                {
                    "to": ARB_SYS,
                    "from": _ZERO,
                    "data": "0x" + calldata("sendMerkleTreeState()").hex(),
                },
                block["number"],
            ],
        )
        size, root, _ = abi_decode(["uint256", "bytes32", "bytes32[]"], hex_to_bytes(state))
        block["sendCount"] = hex(int(size))
        block["sendRoot"] = "0x" + bytes(root).hex()
        block["l1BlockNumber"] = await self._l1_block_at(block["number"])
        synthetic = self.store.synthetic_by_block.get(number, [])
        txs: list[Any] = []
        for h in synthetic:
            em = self.store.get(h)
            if em is not None and em.block_hash.lower() == str(block["hash"]).lower():
                txs.append(self._em_tx(em, None) if full else em.hash)
        for t in block.get("transactions", []):
            if full:
                arb = self.store.arb_hash(str(t.get("hash")))
                em = self.store.get(arb) if arb else None
                txs.append(self._em_tx(em, t) if em else t)
            else:
                txs.append(self.store.arb_hash(str(t)) or t)
        block["transactions"] = txs
        return block

    # ------------------------------------------------------------------ NodeInterface

    async def _node_interface(self, method: str, tx: dict[str, Any], rest: list[Any]) -> Any:
        data = hex_to_bytes(str(tx.get("data") or tx.get("input") or "0x"))
        sel, args = data[:4], data[4:]
        if method == "eth_estimateGas" and sel == _SEL_ESTIMATE_RETRYABLE:
            sender, deposit, to, value, _ex, _cv, payload = abi_decode(
                ["address", "uint256", "address", "uint256", "address", "address", "bytes"], args
            )
            frm = apply_l1_to_l2_alias(sender)
            est: dict[str, Any] = {"from": frm, "value": hex(value), "data": "0x" + payload.hex()}
            if int(to, 16):
                est["to"] = to
            override = {frm: {"balance": hex(deposit + value + 10**24)}}
            gas = int(await self.forward("eth_estimateGas", [est, "latest", override]), 16)
            return hex(gas + 10_000)
        if sel == _SEL_PROOF:
            size, leaf = abi_decode(["uint64", "uint64"], args)
            out = await self._outbox_proof(int(size), int(leaf))
        elif sel == _SEL_GENESIS:
            out = abi_encode(["uint256"], [0])
        elif sel == _SEL_L1NUM:
            (n,) = abi_decode(["uint64"], args)
            out = abi_encode(["uint64"], [int(await self._l1_block_at(hex(n)), 16)])
        elif sel == _SEL_GAS:
            to, creation, payload = abi_decode(["address", "bool", "bytes"], args)
            est = {"data": "0x" + payload.hex()}
            if tx.get("from"):
                est["from"] = tx["from"]
            if tx.get("value"):
                est["value"] = tx["value"]
            if not creation:
                est["to"] = to
            gas = int(await self.forward("eth_estimateGas", [est]), 16)
            latest = await self.forward("eth_getBlockByNumber", ["latest", False])
            base = int(latest.get("baseFeePerGas") or "0x0", 16)
            l1 = await self._l1_base_fee() if self._l1_base_fee else 0
            out = abi_encode(["uint64", "uint64", "uint256", "uint256"], [gas, 0, base, l1])
        else:
            raise RpcFailure(-32000, "execution reverted: NodeInterface method not emulated")
        if method == "eth_estimateGas":
            return hex(50_000)
        return "0x" + out.hex()

    async def _outbox_proof(self, size: int, leaf: int) -> bytes:
        raw = await self.forward(
            "eth_getLogs",
            [
                {
                    "address": ARB_SYS,
                    "topics": [L2_TO_L1_TX_TOPIC],
                    "fromBlock": "0x0",
                    "toBlock": "latest",
                }
            ],
        )
        items: dict[int, bytes] = {}
        for x in raw:
            ev = decode_l2_to_l1_tx(Log.from_rpc(x))
            items[ev.position] = hex_to_bytes(ev.hash)
        if size == 0 or size > len(items) or leaf >= size:
            raise RpcFailure(-32000, "execution reverted: leaf does not exist")
        leaves = [send_leaf(items[i]) for i in range(size)]
        proof = send_merkle_proof(leaves, leaf)
        root = send_merkle_root(leaves)
        return abi_encode(["bytes32", "bytes32", "bytes32[]"], [items[leaf], root, proof])
