"""Benchmark: peak memory of `iter_balances` at 10,000 and 100,000 addresses × 10 chains.

Starts one anvil node and reads it as 10 "chains" (10 clients with their own connections), so
the client does the work of 10 chains while the machine runs one node. Each measurement runs in
a fresh Python process (peak RSS only grows), which streams balances of addresses generated on
the fly (a generator: the input is never a list) and keeps only running sums, as a portfolio
scan that writes each chunk out would. For contrast, `get_balances_multichain` (one table in
memory) is measured the same way.

Reported per run: peak RSS (ru_maxrss), the RSS before the scan started (after imports and
connections), their difference (what the scan itself needed), wall time and balances/s.

Usage: `.venv/bin/python benchmarks/stream_memory.py [--json] [--sizes 10000,100000]
[--chains 10] [--out FILE.json]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eth_utils.crypto import keccak

from interop.actions import balances as bal
from interop.chains.data.devnet import DEVNET_L1
from interop.client import ChainClient
from interop.devnet.core import Devnet, DevnetChainSpec, DevnetConfig
from interop.rpc.http import HttpTransport


def gen_addresses(n: int) -> Iterator[str]:
    seed = keccak(b"interop-stream-bench")
    for i in range(n):
        yield "0x" + keccak(seed + i.to_bytes(8, "big"))[12:].hex()


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def child(url: str, n: int, chains: int, mode: str) -> dict[str, Any]:
    clients = {
        900 + k: ChainClient(DEVNET_L1.with_rpc(url), HttpTransport(url), owns_transport=True)
        for k in range(chains)
    }
    try:
        # connections open, code paths warm: what remains is what the scan itself needs
        await bal.get_balances_multichain(clients, list(gen_addresses(10)))
        base = rss_kb()
        t0 = time.perf_counter()
        total = count = nonzero = 0
        if mode == "stream":
            async for part in bal.iter_balances(clients, gen_addresses(n)):
                if part.error is not None:
                    raise part.error
                total += sum(part.balances)
                nonzero += sum(1 for v in part.balances if v)
                count += len(part.balances)
        else:
            table = await bal.get_balances_multichain(clients, list(gen_addresses(n)), timeout=None)
            table.raise_for_errors()
            for entry in table:
                total += sum(entry.balances.values())
                nonzero += sum(1 for v in entry.balances.values() if v)
                count += len(entry.balances)
        wall = time.perf_counter() - t0
    finally:
        for c in clients.values():
            await c.aclose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "mode": mode,
        "addresses": n,
        "chains": chains,
        "balances": count,
        "nonzero": nonzero,
        "total_wei": str(total),
        "peak_rss_mb": peak / 1024,
        "base_rss_mb": base / 1024,
        "scan_mb": (peak - base) / 1024,
        "seconds": wall,
        "balances_per_s": count / wall,
    }


async def parent(sizes: list[int], chains: int) -> dict[str, Any]:
    out: dict[str, Any] = {"runs": []}
    async with Devnet(DevnetConfig(chains=[DevnetChainSpec(DEVNET_L1)])) as dn:
        url = dn.chain(900).rpc_urls[0]
        # a few non-zero balances, so the sums are checked against something
        first = list(gen_addresses(max(sizes)))[::997]
        await dn.transport(900).batch(
            [("anvil_setBalance", [a, hex(10**18 + i)]) for i, a in enumerate(first)]
        )
        for mode in ("stream", "table"):
            for n in sizes:
                proc = await asyncio.create_subprocess_exec(
                    sys.executable,
                    __file__,
                    "--child",
                    url,
                    str(n),
                    str(chains),
                    mode,
                    stdout=subprocess.PIPE,
                )
                stdout, _ = await proc.communicate()
                if proc.returncode != 0:
                    raise SystemExit(f"child {mode} {n} failed")
                out["runs"].append(json.loads(stdout))
    by = {(r["mode"], r["addresses"]): r for r in out["runs"]}
    lo, hi = min(sizes), max(sizes)
    for mode in ("stream", "table"):
        out[f"{mode}_peak_ratio"] = by[(mode, hi)]["peak_rss_mb"] / by[(mode, lo)]["peak_rss_mb"]
        out[f"{mode}_scan_mb"] = {str(n): by[(mode, n)]["scan_mb"] for n in sizes}
    return out


def report(r: dict[str, Any]) -> str:
    lines = []
    for x in r["runs"]:
        lines.append(
            f"  {x['mode']:6} {x['addresses']:>7,} addresses x {x['chains']} chains: "
            f"peak RSS {x['peak_rss_mb']:6.1f} MB (before the scan {x['base_rss_mb']:5.1f} MB, "
            f"scan {x['scan_mb']:5.1f} MB), {x['seconds']:6.2f} s, "
            f"{x['balances_per_s']:,.0f} balances/s, {x['nonzero']} non-zero"
        )
    lines.append(
        f"  peak RSS ratio largest/smallest: stream {r['stream_peak_ratio']:.2f}, "
        f"table {r['table_peak_ratio']:.2f} (target: stream close to 1)"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _, _, url, n, chains, mode = sys.argv
        print(json.dumps(asyncio.run(child(url, int(n), int(chains), mode))))
        sys.exit(0)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--chains", type=int, default=10)
    ap.add_argument("--out", type=Path, help="also write the JSON here")
    args = ap.parse_args()
    res = asyncio.run(parent([int(s) for s in args.sizes.split(",")], args.chains))
    print(json.dumps(res) if args.json else report(res))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(res, indent=1) + "\n")
