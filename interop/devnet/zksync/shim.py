"""JSON-RPC shim in front of the ZKsync devnet's L2 anvil: the `zks_` namespace and the
receipt fields a ZKsync node adds, where anvil cannot provide them.

Passed through, except:
- `eth_getTransactionReceipt` / `eth_getTransactionByHash` of a priority operation's canonical
  hash answer with anvil's execution of it (sequencer.py), under the canonical hash; every
  receipt gains `l1BatchNumber`, `l1BatchTxIndex` (null until its batch is sealed) and
  `l2ToL1Logs` (the transaction's L2->L1 logs in the node's shape);
- `zks_L1ChainId`, `zks_getBridgehubContract`, `zks_getMainContract`, `zks_getBridgeContracts`,
  `zks_getBaseTokenL1Address`, `zks_L1BatchNumber`;
- `zks_getL1BatchDetails(n)`: commit / prove / execute transactions and times (ISO 8601, as
  the node answers; the devnet proves in the commit's block);
- `zks_getL2ToL1LogProof(txHash, index)`: the proof in the node's v26 format from the batch's
  real logs tree, null until the batch is sealed;
- `zks_estimateFee` / `zks_estimateGasL1ToL2`: anvil's `eth_estimateGas` (the sender given a
  large balance by state override for L1->L2) plus a fixed `L1_TX_OVERHEAD_GAS` standing for
  the EraVM cost of an L1 transaction, which anvil cannot know.
Batches are answered element by element.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from interop.devnet.rpcshim import JsonRpcShim
from interop.devnet.zksync.sequencer import Sequencer
from interop.spec.zksync.addresses import ETH_TOKEN_L1, L2_ASSET_ROUTER
from interop.spec.zksync.logs import encode_log_proof, merkle_root_and_path

__all__ = ["L1_TX_OVERHEAD_GAS", "ZkSyncShim"]

L1_TX_OVERHEAD_GAS = 100_000
_BIG = hex(10**30)


class ZkSyncShim(JsonRpcShim):
    """The ZKsync shim (see the module docstring); `url` after `start()`."""

    forward_error_data = False

    def __init__(
        self,
        upstream: str,
        seq: Sequencer,
        *,
        l1_chain_id: int,
        bridgehub: str,
        diamond: str,
        asset_router: str,
        nullifier: str,
    ) -> None:
        super().__init__(upstream)
        self.seq = seq
        self.l1_chain_id = l1_chain_id
        self.bridgehub, self.diamond = bridgehub, diamond
        self.asset_router, self.nullifier = asset_router, nullifier

    async def dispatch(self, method: str, params: list[Any]) -> Any:
        seq = self.seq
        if method == "zks_L1ChainId":
            return hex(self.l1_chain_id)
        if method == "zks_getBridgehubContract":
            return self.bridgehub
        if method == "zks_getMainContract":
            return self.diamond
        if method == "zks_getBaseTokenL1Address":
            return ETH_TOKEN_L1
        if method == "zks_getBridgeContracts":
            return {
                "l1SharedDefaultBridge": self.asset_router,
                "l2SharedDefaultBridge": L2_ASSET_ROUTER,
                "l1Nullifier": self.nullifier,
            }
        if method == "zks_L1BatchNumber":
            return hex(len(seq.batches))
        if method == "zks_getL1BatchDetails":
            return self._batch_details(int(params[0]))
        if method == "zks_getL2ToL1LogProof":
            return self._log_proof(str(params[0]), int(params[1]) if len(params) > 1 else 0)
        if method == "zks_estimateFee":
            return await self._estimate_fee(dict(params[0]))
        if method == "zks_estimateGasL1ToL2":
            return hex(await self._estimate_l1_to_l2(dict(params[0])))
        if method == "eth_getTransactionReceipt":
            return await self._receipt(str(params[0]))
        if method == "eth_getTransactionByHash":
            return await self._transaction(str(params[0]))
        return await self.forward(method, params)

    def _log_proof(self, tx_hash: str, index: int) -> Any:
        found = self.seq.batch_for_tx(tx_hash)
        if found is None:
            return None
        batch, _ = found
        # `index` counts the transaction's L2->L1 logs as its receipt's `l2ToL1Logs` lists
        # them (a priority operation's bootloader status log first), as the node does
        mine = [i for i, (_, h) in enumerate(batch.logs) if h == tx_hash.lower()]
        if not 0 <= index < len(mine):
            return None
        pos = mine[index]
        _, path = merkle_root_and_path([lg.leaf() for lg, _ in batch.logs], pos)
        return {
            "proof": ["0x" + p.hex() for p in encode_log_proof(path)],
            "id": pos,
            "root": "0x" + batch.root.hex(),
        }

    def _batch_details(self, number: int) -> Any:
        b = self.seq.batch(number)
        if b is None:
            return None

        def iso(ts: int) -> str | None:
            return (
                datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z") if ts else None
            )

        return {
            "number": number,
            "status": "verified" if b.executed else "sealed",
            "rootHash": "0x" + b.root.hex(),
            "commitTxHash": b.commit_tx or None,
            "committedAt": iso(b.committed_at),
            "proveTxHash": b.commit_tx or None,
            "provenAt": iso(b.committed_at),
            "executeTxHash": b.execute_tx or None,
            "executedAt": iso(b.executed_at),
        }

    async def _estimate_l1_to_l2(self, tx: dict[str, Any]) -> int:
        call = {k: v for k, v in tx.items() if k in ("from", "to", "value", "data")}
        over: dict[str, Any] = {}
        if "from" in call:
            over[str(call["from"])] = {"balance": _BIG}
        gas = int(await self.forward("eth_estimateGas", [call, "latest", over]), 16)
        return gas + L1_TX_OVERHEAD_GAS

    async def _estimate_fee(self, tx: dict[str, Any]) -> dict[str, str]:
        call = {k: v for k, v in tx.items() if k in ("from", "to", "value", "data")}
        gas = int(await self.forward("eth_estimateGas", [call]), 16)
        price = int(await self.forward("eth_gasPrice", []), 16)
        return {
            "gas_limit": hex(gas),
            "gas_per_pubdata_limit": hex(50_000),
            "max_fee_per_gas": hex(price),
            "max_priority_fee_per_gas": "0x0",
        }

    def _with_batch(self, d: dict[str, Any], public: str) -> None:
        found = self.seq.batch_for_tx(public)
        d["l1BatchNumber"] = None if found is None else hex(found[0].number)
        d["l1BatchTxIndex"] = None if found is None else hex(found[1])

    async def _transaction(self, h: str) -> Any:
        tx = await self.forward("eth_getTransactionByHash", [self.seq.anvil_hash(h)])
        if tx is None:
            return None
        public = self.seq.public_hash(str(tx["hash"]))
        tx["hash"] = public
        self._with_batch(tx, public)
        return tx

    async def _receipt(self, h: str) -> Any:
        rcpt = await self.forward("eth_getTransactionReceipt", [self.seq.anvil_hash(h)])
        if rcpt is None:
            return None
        public = self.seq.public_hash(str(rcpt["transactionHash"]))
        rcpt["transactionHash"] = public
        for lg in rcpt.get("logs", []):
            lg["transactionHash"] = public
        self._with_batch(rcpt, public)
        found = self.seq.batch_for_tx(public)
        out = []
        if found is not None:
            batch, n = found
            k = 0
            for lg, owner in batch.logs:
                if owner != public:
                    continue
                out.append(
                    {
                        "blockHash": rcpt["blockHash"],
                        "blockNumber": rcpt["blockNumber"],
                        "l1BatchNumber": hex(batch.number),
                        "transactionHash": public,
                        "transactionIndex": rcpt["transactionIndex"],
                        "txIndexInL1Batch": hex(n),
                        "shardId": hex(lg.shard_id),
                        "isService": lg.is_service,
                        "sender": lg.sender,
                        "key": "0x" + lg.key.hex(),
                        "value": "0x" + lg.value.hex(),
                        "logIndex": hex(k),
                        "transactionLogIndex": hex(k),
                    }
                )
                k += 1
        rcpt["l2ToL1Logs"] = out
        return rcpt
