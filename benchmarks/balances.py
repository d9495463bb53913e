"""Benchmark: 2,000 addresses x 4 chains = 8,000 native balances.

Starts its own 4-chain devnet (plain anvil nodes, chain ids 900-903, Multicall3 installed), gives
a third of the addresses non-zero balances, checks that interop's answer equals eth_getBalance,
then times in the same run:

- interop: `get_balances_multichain` (auto strategy), warm (address cache filled, the usual case
  when polling) and cold (address cache cleared before every run);
- web3.py naive: AsyncWeb3 + AsyncHTTPProvider, one awaited `eth_getBalance` at a time;
- web3.py gather: the same calls with asyncio.gather, at most 64 in flight;
- node: the fastest raw request for the same data (the reader's eth_call body prebuilt as bytes,
  posted to the 4 nodes concurrently with aiohttp, nothing decoded) — the floor;
- each strategy forced (override, multicall3, deployless, batch): wall time and client CPU per
  balance, as when a provider refuses state overrides and `auto` falls back;
- ERC-20: an OpenZeppelin ERC20 deployed on every chain, native + token balances of the same
  addresses in one call (16,000 balances), checked against `balanceOf` first.

- viem (Node, from the npm cache): `multicall` of Multicall3 `getEthBalance` and ERC-20
  `balanceOf` (its documented way), all chains concurrently, at its default `batchSize` and at
  ~1,000 calls per aggregate3; sums checked against interop's.

Usage: `.venv/bin/python benchmarks/balances.py [--json] [--runs N] [--skip-web3]
[--skip-strategies] [--strategy NAME] [--skip-tokens] [--skip-viem] [--node-logs] [--out FILE.json]`
(`--out` also writes the JSON, which `benchmarks/chart.py` turns into a PNG next to it;
`--strategy multicall3 --skip-web3 --skip-tokens --skip-viem` times one forced strategy alone).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eth_utils.crypto import keccak

from interop.actions import balances as bal
from interop.chains.data.devnet import DEVNET_ARB, DEVNET_L1, DEVNET_OP, DEVNET_OP2
from interop.client import ChainClient
from interop.devnet.core import Devnet, DevnetChainSpec, DevnetConfig
from interop.devnet.presets import OP_ANVIL_ARGS
from interop.rpc.http import HttpTransport

N_ADDRESSES = 2_000
NAIVE_BUDGET_S = 20.0


def addresses() -> list[str]:
    """Deterministic, all-lower-case (unchecksummed) addresses, as a user might hold them."""
    return ["0x" + keccak(f"interop-bench-{i}".encode())[12:].hex() for i in range(N_ADDRESSES)]


async def timed(fn: Callable[[], Awaitable[Any]], runs: int) -> tuple[list[float], list[float]]:
    """Wall and process-CPU seconds of each run."""
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(runs):
        c0, t0 = time.process_time(), time.perf_counter()
        await fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return walls, cpus


async def web3_timings(
    urls: dict[int, str], addrs: list[str], first_balance: int, runs: int
) -> dict[str, Any]:
    """web3.py's naive loop and its gather on the same nodes (the slow baselines)."""
    from web3 import AsyncHTTPProvider, AsyncWeb3

    total = N_ADDRESSES * len(urls)
    res: dict[str, Any] = {}
    w3s = {cid: AsyncWeb3(AsyncHTTPProvider(u)) for cid, u in urls.items()}
    checksummed = [AsyncWeb3.to_checksum_address(a) for a in addrs]
    try:
        sample = await w3s[900].eth.get_balance(checksummed[0])
        assert sample == first_balance

        # naive: first time a slice to decide whether the full run fits the budget
        probe = 200
        t0 = time.perf_counter()
        for a in checksummed[:probe]:
            await w3s[900].eth.get_balance(a)
        estimate = (time.perf_counter() - t0) / probe * total
        if estimate <= NAIVE_BUDGET_S:
            subset = N_ADDRESSES

        else:
            subset = max(probe, int(N_ADDRESSES * NAIVE_BUDGET_S / estimate))

        async def naive_run() -> None:
            for cid in urls:
                w3 = w3s[cid]
                for a in checksummed[:subset]:
                    await w3.eth.get_balance(a)

        walls, _ = await timed(naive_run, 1)
        res["web3_naive_s"] = walls[0] * N_ADDRESSES / subset
        res["web3_naive_measured_balances"] = subset * len(urls)
        res["web3_naive_extrapolated"] = subset < N_ADDRESSES

        sem = asyncio.Semaphore(64)

        async def one(cid: int, a: str) -> int:
            async with sem:
                return int(await w3s[cid].eth.get_balance(a))  # type: ignore[arg-type]

        async def gather_run() -> None:
            await asyncio.gather(*(one(cid, a) for cid in urls for a in checksummed))

        walls, _ = await timed(gather_run, max(1, min(runs, 3)))
        res["web3_gather_s"] = statistics.median(walls)
    finally:
        for w3 in w3s.values():
            await w3.provider.disconnect()
    return res


FORCED = ("override", "multicall3", "deployless", "batch")


async def strategy_timings(
    clients: dict[int, ChainClient], addrs: list[str], runs: int, only: list[str] | None = None
) -> dict[str, dict[str, float]]:
    """Each strategy forced on every chain (or those in `only`): median wall ms and client CPU
    µs per balance."""
    total = len(addrs) * len(clients)
    res: dict[str, dict[str, float]] = {}
    for strategy in only or FORCED:

        async def run(strategy: str = strategy) -> None:
            t = await bal.get_balances_multichain(clients, addrs, strategy=strategy)  # type: ignore[arg-type]
            t.raise_for_errors()

        await run()
        walls, cpus = await timed(run, max(3, runs // 2))
        res[strategy] = {
            "ms": statistics.median(walls) * 1e3,
            "cpu_us_per_balance": statistics.median(cpus) / total * 1e6,
        }
    return res


async def token_timings(
    dn: Devnet, clients: dict[int, ChainClient], addrs: list[str], runs: int
) -> dict[str, Any]:
    """An OpenZeppelin ERC20 on every chain; native + token balances in one call per chain."""
    from tests.integration.token_contracts import Deployer

    tokens: dict[int, list[str]] = {}
    for cid in clients:
        d = Deployer(dn.transport(cid), f"bench-{cid}")
        await d.setup()
        tok = await d.deploy_erc20("Bench Token", "BT", 6)
        await d.mint(tok, {a: 10**6 * (i + 1) + cid for i, a in enumerate(addrs) if i % 50 == 0})
        tokens[cid] = [tok]
    table = await bal.get_balances_multichain(clients, addrs, tokens=tokens)
    table.raise_for_errors()
    sel = keccak(b"balanceOf(address)")[:4].hex()
    for cid, client in clients.items():
        tok = tokens[cid][0]
        res = await client.batch(
            [
                ("eth_call", [{"to": tok, "data": "0x" + sel + "0" * 24 + a[2:]}, "latest"])
                for a in addrs
            ]
        )
        if [int(r, 16) for r in res] != [table.token_balance(cid, tok, a) for a in addrs]:
            raise SystemExit(f"interop's token balances differ from balanceOf on {cid}")
    total = 2 * len(addrs) * len(clients)
    out: dict[str, Any] = {
        "balances": total,
        "token_of_chain": {str(cid): t[0] for cid, t in tokens.items()},
        "sum": str(
            sum(
                sum(e.balances.values()) + sum(e.tokens[tokens[e.chain_id][0]].values())
                for e in table
            )
        ),
    }
    for strategy in ("override", "deployless", "multicall3", "batch"):

        async def run(strategy: str = strategy) -> None:
            t = await bal.get_balances_multichain(clients, addrs, tokens=tokens, strategy=strategy)  # type: ignore[arg-type]
            t.raise_for_errors()

        await run()
        walls, cpus = await timed(run, max(3, runs // 2))
        out[strategy] = {
            "ms": statistics.median(walls) * 1e3,
            "cpu_us_per_balance": statistics.median(cpus) / total * 1e6,
        }
    return out


VIEM_BATCH_SIZES = (1024, 36_000)
"""viem's default multicall `batchSize` (bytes of calldata per aggregate3) and ~1,000 calls."""


async def viem_timings(
    urls: dict[int, str], addrs: list[str], tokens: dict[str, Any] | None, runs: int
) -> dict[str, Any]:
    """viem (Node) on the same nodes: `multicall` of getEthBalance (+ balanceOf)."""
    import shutil

    from interop.devnet.install import ensure_packages

    node = shutil.which("node")
    if node is None:
        raise SystemExit("node is not installed (needed for the viem comparison; --skip-viem)")
    viem_dir = ensure_packages(["viem"]) / "viem"
    payload = {
        "viem": str(viem_dir),
        "chains": {str(cid): u for cid, u in urls.items()},
        "addresses": addrs,
        "tokens": tokens["token_of_chain"] if tokens else None,
        "runs": max(3, runs // 2),
        "batchSizes": list(VIEM_BATCH_SIZES),
    }
    proc = await asyncio.create_subprocess_exec(
        node,
        str(Path(__file__).with_name("viem_balances.js")),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    stdout, _ = await proc.communicate(json.dumps(payload).encode())
    if proc.returncode != 0:
        raise SystemExit("the viem benchmark failed")
    return dict(json.loads(stdout))


async def main(
    runs: int,
    as_json: bool,
    skip_web3: bool = False,
    skip_strategies: bool = False,
    skip_tokens: bool = False,
    skip_viem: bool = False,
    node_logs: bool = False,
    only_strategies: list[str] | None = None,
) -> dict[str, Any]:
    specs = [
        DevnetChainSpec(DEVNET_L1),
        DevnetChainSpec(DEVNET_OP, OP_ANVIL_ARGS),
        DevnetChainSpec(DEVNET_OP2, OP_ANVIL_ARGS),
        DevnetChainSpec(DEVNET_ARB),
    ]
    addrs = addresses()
    total = N_ADDRESSES * len(specs)
    out: dict[str, Any] = {
        "balances": total,
        "chains": len(specs),
        "addresses": N_ADDRESSES,
        "node_logs": node_logs,
    }
    async with Devnet(DevnetConfig(chains=specs)) as dn:
        for k, cid in enumerate(dn.chains):
            calls = [
                ("anvil_setBalance", [a, hex((i + 1) * 10**15 + k)])
                for i, a in enumerate(addrs)
                if i % 3 == 0
            ]
            for res in await dn.transport(cid).batch(calls):
                if isinstance(res, BaseException):
                    raise res
        if not node_logs:
            # anvil prints one line per JSON-RPC call (8,000 per batch-strategy run), which the
            # devnet pumps through this very process into its log file: ~0.8 µs of "client CPU"
            # per balance that is the harness's, not the client's (real nodes are elsewhere)
            for cid in dn.chains:
                await dn.transport(cid).request("anvil_setLoggingEnabled", [False])
        clients = {
            cid: ChainClient(c, HttpTransport(c.rpc_urls[0]), owns_transport=True)
            for cid, c in dn.chains.items()
        }
        try:
            # correctness first: interop == eth_getBalance on every chain
            table = await bal.get_balances_multichain(clients, addrs)
            table.raise_for_errors()
            for cid, client in clients.items():
                res = await client.batch([("eth_getBalance", [a, "latest"]) for a in addrs])
                truth = [int(r, 16) for r in res]
                got = [table.balance(cid, a) for a in addrs]
                if got != truth:
                    raise SystemExit(f"interop's balances differ from eth_getBalance on {cid}")
            nonzero = sum(1 for e in table for v in e.balances.values() if v)
            out["nonzero_balances"] = nonzero
            out["strategies"] = {str(e.chain_id): e.strategy for e in table}

            async def interop_run() -> None:
                t = await bal.get_balances_multichain(clients, addrs)
                if not t.ok:
                    t.raise_for_errors()

            async def interop_cold() -> None:
                bal.clear_address_cache()
                await interop_run()

            # the node's floor: prebuilt request bodies, raw bytes back, nothing decoded
            body_template = {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "eth_call",
                "params": [
                    {
                        "to": bal.BALANCE_READER_ADDRESS,
                        "data": "0x" + "".join(a[2:] for a in addrs),
                    },
                    "latest",
                    {bal.BALANCE_READER_ADDRESS: {"code": "0x" + bal.BALANCE_READER_CODE.hex()}},
                ],
            }
            body = json.dumps(body_template).encode()
            urls = {cid: c.rpc_urls[0] for cid, c in dn.chains.items()}
            async with aiohttp.ClientSession() as session:
                hdrs = {"Content-Type": "application/json"}

                async def post(cid: int) -> bytes:
                    async with session.post(urls[cid], data=body, headers=hdrs) as r:
                        return await r.read()

                async def node_run() -> None:
                    answers = await asyncio.gather(*(post(cid) for cid in urls))
                    if any(b'"error"' in a for a in answers):
                        raise SystemExit("the raw node request failed")

                # warm both connection pools, then interleave the three measurements run by
                # run, so that load from other processes affects them alike
                await interop_run()
                await node_run()
                samples: dict[str, list[tuple[float, float]]] = {"w": [], "c": [], "n": []}
                for _ in range(runs):
                    for key, fn in (("w", interop_run), ("c", interop_cold), ("n", node_run)):
                        walls, cpus = await timed(fn, 1)
                        samples[key].append((walls[0], cpus[0]))

            def med(key: str, i: int) -> float:
                return statistics.median(x[i] for x in samples[key])

            out["interop_s"] = med("w", 0)
            out["interop_cpu_us_per_balance"] = med("w", 1) / total * 1e6
            out["interop_cold_s"] = med("c", 0)
            out["interop_cold_cpu_us_per_balance"] = med("c", 1) / total * 1e6
            out["node_s"] = med("n", 0)

            if not skip_strategies:
                out["strategies_forced"] = await strategy_timings(
                    clients, addrs, runs, only_strategies
                )
            if not skip_tokens:
                out["tokens"] = await token_timings(dn, clients, addrs, runs)
            if not skip_viem:
                out["viem"] = await viem_timings(urls, addrs, out.get("tokens"), runs)
                native_sum = sum(sum(e.balances.values()) for e in table)
                for key, row in out["viem"].items():
                    want = (
                        str(native_sum) if key.startswith("native_batch") else out["tokens"]["sum"]
                    )
                    if row["sum"] != want:
                        raise SystemExit(
                            f"viem's {key} sum {row['sum']} differs from interop's {want}"
                        )
            if not skip_web3:
                out.update(await web3_timings(urls, addrs, table.balance(900, addrs[0]), runs))
        finally:
            for c in clients.values():
                await c.aclose()

    out["runs"] = runs
    if not skip_web3:
        out["x_vs_naive"] = out["web3_naive_s"] / out["interop_s"]
        out["x_vs_gather"] = out["web3_gather_s"] / out["interop_s"]
    out["x_of_node"] = out["interop_s"] / out["node_s"]
    out["cold_x_of_node"] = out["interop_cold_s"] / out["node_s"]
    return out


def report(r: dict[str, Any]) -> str:
    lines = [
        f"{r['balances']:,} balances = {r['addresses']:,} addresses x {r['chains']} chains "
        f"({r['nonzero_balances']:,} non-zero); median of {r['runs']} runs; "
        f"strategy per chain: {r['strategies']}",
        f"  interop (warm address cache) {r['interop_s'] * 1e3:9.2f} ms   "
        f"CPU {r['interop_cpu_us_per_balance']:.2f} us/balance",
        f"  interop (cold address cache) {r['interop_cold_s'] * 1e3:9.2f} ms   "
        f"CPU {r['interop_cold_cpu_us_per_balance']:.2f} us/balance",
        f"  node floor (raw eth_call)    {r['node_s'] * 1e3:9.2f} ms",
    ]
    if "web3_naive_s" in r:
        naive_note = (
            f" (extrapolated from {r['web3_naive_measured_balances']:,} measured)"
            if r["web3_naive_extrapolated"]
            else " (measured in full, 1 run)"
        )
        lines += [
            f"  web3.py gather (64)          {r['web3_gather_s'] * 1e3:9.2f} ms",
            f"  web3.py naive                {r['web3_naive_s'] * 1e3:9.2f} ms{naive_note}",
            f"  interop vs naive web3.py: {r['x_vs_naive']:.0f}x faster (target >= 300x)",
            f"  interop vs web3.py gather: {r['x_vs_gather']:.0f}x faster",
        ]
    else:
        lines.append("  web3.py: skipped (--skip-web3)")
    lines.append(
        f"  interop / node: {r['x_of_node']:.2f} (warm), {r['cold_x_of_node']:.2f} (cold) "
        "(target <= 2)"
    )
    for name, row in r.get("strategies_forced", {}).items():
        lines.append(
            f"  strategy {name:10} forced     {row['ms']:9.2f} ms   "
            f"CPU {row['cpu_us_per_balance']:.2f} us/balance"
        )
    for key, row in r.get("viem", {}).items():
        lines.append(
            f"  viem multicall {key:22} {row['ms']:9.2f} ms   "
            f"CPU {row['cpu_us_per_balance']:.2f} us/balance ({row['balances']:,} balances)"
        )
    if "viem" in r:
        best_native = min(v["ms"] for k, v in r["viem"].items() if k.startswith("native_batch"))
        lines.append(
            f"  interop (auto) vs viem's best, native: {best_native / r['interop_s'] / 1e3:.1f}x faster"
        )
        forced = r.get("strategies_forced", {})
        for name in ("multicall3", "deployless"):
            if name in forced:
                lines.append(
                    f"  interop forced {name} vs viem's best, native: "
                    f"{best_native / forced[name]['ms']:.1f}x faster"
                )
        tok_rows = [v["ms"] for k, v in r["viem"].items() if k.startswith("native_token")]
        if tok_rows and r.get("tokens"):
            ours = r["tokens"]["override"]["ms"]
            lines.append(
                f"  interop vs viem's best, native+ERC-20: {min(tok_rows) / ours:.1f}x faster"
            )
            ours_mc = r["tokens"]["multicall3"]["ms"]
            lines.append(
                f"  interop forced multicall3 vs viem's best, native+ERC-20: {min(tok_rows) / ours_mc:.1f}x"
            )
    tok = r.get("tokens")
    if tok:
        for name in ("override", "deployless", "multicall3", "batch"):
            row = tok[name]
            lines.append(
                f"  native+ERC-20 {tok['balances']:,} ({name:10}) {row['ms']:9.2f} ms   "
                f"CPU {row['cpu_us_per_balance']:.2f} us/balance"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--runs", type=int, default=9, help="runs per measurement (median)")
    ap.add_argument("--skip-web3", action="store_true", help="skip the (~20 s) web3.py baselines")
    ap.add_argument("--skip-strategies", action="store_true", help="skip forcing each strategy")
    ap.add_argument("--skip-tokens", action="store_true", help="skip the ERC-20 measurement")
    ap.add_argument("--skip-viem", action="store_true", help="skip viem (Node)")
    ap.add_argument(
        "--node-logs",
        action="store_true",
        help="leave anvil's per-call logging on (its lines then pass through this process and "
        "count as client CPU, as in runs before 2026-12-01 evening)",
    )
    ap.add_argument(
        "--strategy",
        action="append",
        choices=FORCED,
        help="force only this strategy (repeatable; default: each of them)",
    )
    ap.add_argument("--out", type=Path, help="also write the JSON here (for benchmarks/chart.py)")
    args = ap.parse_args()
    result = asyncio.run(
        main(
            args.runs,
            args.json,
            args.skip_web3,
            args.skip_strategies,
            args.skip_tokens,
            args.skip_viem,
            args.node_logs,
            args.strategy,
        )
    )
    print(json.dumps(result) if args.json else report(result))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=1) + "\n")
