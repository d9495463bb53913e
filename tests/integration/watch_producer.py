"""The "other process" of the `interop watch` process tests: start flows into a journal, then exit.

Why a process of its own: the issue's test is that `interop watch` finishes flows *another
process* started, with nothing shared but the journal file (or, for `interop scan`, nothing but
the chain). This script is that process: it reads one JSON command on stdin (the key travels
there, never in argv), starts every flow it names with `Interop.bridge` / `Interop.send_message`
against the devnet's RPC URLs from the chains file (one lane per source chain; the L2
lanes at once, then L1's), and prints one JSON line: the journal ids,
and for a flow marked `"wait_for": "redeem"` (an Arbitrum retryable whose auto-redeem fails) its
ticket's expiry, read once the devnet has executed the ticket (the test drives the devnet
meanwhile). It performs no step after the first transaction of each flow.

Command: {"key": "0x..", "chains_file": PATH, "journal": PATH, "flows": [{"kind": "bridge" |
"message", "source": ID, "target": ID, "to": ADDR, "value": WEI, "data": HEX?, "gas_limit": N?,
"waive": [CODE]?, "wait_for": "redeem"?}]}.
Output: {"ids": [flow id per flow], "txs": [its first tx hash per flow], "expiry": {flow id: unix seconds}}.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

from interop.chains.loader import load_chains
from interop.chains.registry import default_registry
from interop.facade import Interop


async def main(cmd: dict[str, Any]) -> dict[str, Any]:
    chains = load_chains(cmd["chains_file"], base=default_registry())
    ids: list[str] = []
    txs: list[str] = []
    expiry: dict[str, int] = {}
    async with Interop(chains, account=cmd["key"], journal=cmd["journal"]) as io:

        async def start(f: dict[str, Any]) -> Any:
            extra: dict[str, Any] = {}
            if f.get("waive"):
                extra["waive"] = set(f["waive"])
            if f["kind"] == "message":
                return await io.send_message(
                    f["source"], f["target"], f["to"], f["data"], int(f["value"]),
                    gas_limit=f.get("gas_limit"), **extra,
                )  # fmt: skip
            return await io.bridge(int(f["value"]), f["source"], f["target"], f["to"], **extra)

        # one lane per source chain; L2 lanes at once, then L1's: a deposit from L1 uses the
        # sender's nonce on the L2 too (an OP Stack deposit transaction increments it), which
        # would race that L2's lane (its sends would meet "nonce too low")
        lanes: dict[int, list[int]] = {}
        for i, f in enumerate(cmd["flows"]):
            lanes.setdefault(int(f["source"]), []).append(i)
        flows: list[Any] = [None] * len(cmd["flows"])

        async def lane(indexes: list[int]) -> None:
            for i in indexes:
                flows[i] = await start(cmd["flows"][i])

        l1 = [c for c in lanes if io.chain(c).parent_id is None]
        await asyncio.gather(*(lane(x) for c, x in lanes.items() if c not in l1))
        for c in l1:
            await lane(lanes[c])
        waits = []
        for f, flow in zip(cmd["flows"], flows, strict=True):
            assert flow.id is not None
            ids.append(str(flow.id))
            txs.append(str(flow.tx_hash))
            if f.get("wait_for"):
                waits.append((flow, f["wait_for"]))
        for flow, step in waits:
            end = time.monotonic() + 60
            while True:
                st = await flow.status()
                if st.next_step == step:
                    expiry[str(flow.id)] = int(st.hops[st.hop].status.details["timeout"])
                    break
                if time.monotonic() > end:
                    raise SystemExit(f"flow {flow.id} never reached {step}: {st}")
                await asyncio.sleep(0.2)
    return {"ids": ids, "txs": txs, "expiry": expiry}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(json.loads(sys.stdin.read())))), flush=True)
