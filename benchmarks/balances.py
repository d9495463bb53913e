"""Benchmark: 2,000 addresses x 4 chains = 8,000 native balances (`--addresses 25000`: 100,000).

Starts its own 4-chain devnet (plain anvil nodes, chain ids 900-903, Multicall3 installed), gives
a third of the addresses non-zero balances, checks that interop's answer equals eth_getBalance,
then times in the same run:

- interop: `get_balances_multichain` (auto strategy), warm (address cache filled, the usual case
  when polling) and cold (address cache cleared before every run);
- web3.py naive: AsyncWeb3 + AsyncHTTPProvider, one awaited `eth_getBalance` at a time;
- web3.py gather: the same calls with asyncio.gather, at most 64 in flight (both measured on a
  subset and extrapolated when the whole would take over ~20 s; the output says so);
- web3.py batch (its best): `w3.batch_requests()` of 1,000 `eth_getBalance` each, 4 batches in
  flight per chain, all chains concurrently;
- node: the fastest raw request for the same data (the reader's eth_call bodies, chunked as
  interop chunks them, prebuilt as bytes, posted concurrently with aiohttp, nothing decoded) —
  the floor;
- each strategy forced (override, multicall3, deployless, batch): wall time and client CPU per
  balance, as when a provider refuses state overrides and `auto` falls back;
- ERC-20: an OpenZeppelin ERC20 deployed on every chain, native + token balances of the same
  addresses in one call (16,000 balances), checked against `balanceOf` first.

- viem (Node, from the npm cache): `multicall` of Multicall3 `getEthBalance` and ERC-20
  `balanceOf` (its documented way), all chains concurrently, at its default `batchSize` and at
  ~1,000 calls per aggregate3 (`--viem-batch-sizes`); sums checked against interop's.

Besides time and client CPU, for the main contestants: HTTP requests per call (counted by a
transparent proxy in front of each node, in separate untimed calls; viem counts its own) and the
peak memory of one call, each contestant in a fresh process (`benchmarks/peak_memory.py`, viem's
own process): the growth of peak resident memory over the memory before the call, and the peak
of the heap the call allocated (Python: `tracemalloc`, the call made again; viem: V8's used heap
sampled every 2 ms, over its value before).

Usage: `.venv/bin/python benchmarks/balances.py [--json] [--runs N] [--addresses N] [--skip-web3]
[--skip-strategies] [--strategy NAME] [--skip-tokens] [--skip-viem] [--viem-batch-sizes A,B]
[--skip-extras] [--node-logs] [--out FILE.json]`
(`--out` also writes the JSON, which `benchmarks/chart.py` turns into a PNG next to it;
`--strategy multicall3 --skip-web3 --skip-tokens --skip-viem` times one forced strategy alone).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
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
WEB3_BATCH = 1_000
WEB3_BATCHES_IN_FLIGHT = 4
# web3.py's default 10 s per request: at 100,000 balances (and under tracemalloc, in the
# peak-memory run) a queued batch of 1,000 can wait longer than that on a slow machine
WEB3_REQUEST = {"timeout": aiohttp.ClientTimeout(total=600)}


def addresses(n: int = N_ADDRESSES) -> list[str]:
    """Deterministic, all-lower-case (unchecksummed) addresses, as a user might hold them."""
    return ["0x" + keccak(f"interop-bench-{i}".encode())[12:].hex() for i in range(n)]


async def web3_batch_read(w3: Any, checksummed: list[str]) -> list[int]:
    """web3.py's best way: JSON-RPC batches (`w3.batch_requests()`) of `WEB3_BATCH`
    `eth_getBalance` calls, `WEB3_BATCHES_IN_FLIGHT` at a time (each batch in its own task: the
    batching context is a context variable)."""
    sem = asyncio.Semaphore(WEB3_BATCHES_IN_FLIGHT)

    async def one(chunk: list[str]) -> list[int]:
        async with sem, w3.batch_requests() as batch:
            for a in chunk:
                batch.add(w3.eth.get_balance(a))
            return [int(x) for x in await batch.async_execute()]

    chunks = [checksummed[i : i + WEB3_BATCH] for i in range(0, len(checksummed), WEB3_BATCH)]
    parts = await asyncio.gather(*(one(c) for c in chunks))
    return [v for part in parts for v in part]


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
    urls: dict[int, str], addrs: list[str], first_balance: int, native_sum: int, runs: int
) -> dict[str, Any]:
    """web3.py's naive loop, its gather and its batch requests on the same nodes."""
    from web3 import AsyncHTTPProvider, AsyncWeb3

    n_addr = len(addrs)
    total = n_addr * len(urls)
    res: dict[str, Any] = {}
    w3s = {
        cid: AsyncWeb3(AsyncHTTPProvider(u, request_kwargs=WEB3_REQUEST)) for cid, u in urls.items()
    }
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
            subset = n_addr
        else:
            subset = max(probe, int(n_addr * NAIVE_BUDGET_S / estimate))

        async def naive_run() -> None:
            for cid in urls:
                w3 = w3s[cid]
                for a in checksummed[:subset]:
                    await w3.eth.get_balance(a)

        walls, _ = await timed(naive_run, 1)
        res["web3_naive_s"] = walls[0] * n_addr / subset
        res["web3_naive_measured_balances"] = subset * len(urls)
        res["web3_naive_extrapolated"] = subset < n_addr

        sem = asyncio.Semaphore(64)

        async def one(cid: int, a: str) -> int:
            async with sem:
                return int(await w3s[cid].eth.get_balance(a))  # type: ignore[arg-type]

        async def gather_some(k: int) -> None:
            await asyncio.gather(*(one(cid, a) for cid in urls for a in checksummed[:k]))

        t0 = time.perf_counter()
        await gather_some(min(n_addr, 500))
        estimate = (time.perf_counter() - t0) / min(n_addr, 500) * n_addr
        g_subset = (
            n_addr
            if estimate <= NAIVE_BUDGET_S
            else max(500, int(n_addr * NAIVE_BUDGET_S / estimate))
        )
        walls, _ = await timed(lambda: gather_some(g_subset), max(1, min(runs, 3)))
        res["web3_gather_s"] = statistics.median(walls) * n_addr / g_subset
        res["web3_gather_measured_balances"] = g_subset * len(urls)
        res["web3_gather_extrapolated"] = g_subset < n_addr

        async def batch_run() -> list[list[int]]:
            return list(
                await asyncio.gather(*(web3_batch_read(w3s[cid], checksummed) for cid in urls))
            )

        got = await batch_run()
        if sum(map(sum, got)) != native_sum:
            raise SystemExit("web3.py's batch requests disagree with interop's balances")
        walls, cpus = await timed(batch_run, max(3, runs // 2))
        res["web3_batch_s"] = statistics.median(walls)
        res["web3_batch_cpu_us_per_balance"] = statistics.median(cpus) / total * 1e6
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
        walls, cpus, kernel = await timed_kernel(run, max(3, runs // 2))
        res[strategy] = {
            "ms": statistics.median(walls) * 1e3,
            "cpu_us_per_balance": statistics.median(cpus) / total * 1e6,
            "kernel_us_per_balance": statistics.median(kernel) / total * 1e6,
        }
    return res


def _system() -> float:
    """System CPU seconds of this process (getrusage: microseconds, where os.times() ticks)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_stime


async def timed_kernel(
    fn: Callable[[], Awaitable[Any]], runs: int
) -> tuple[list[float], list[float], list[float]]:
    """`timed`, plus the kernel's share of the CPU (system time: on these loopback nodes, mostly
    the TCP send and receive of the request and answer bodies, which grow with the balances)."""
    walls: list[float] = []
    cpus: list[float] = []
    kernel: list[float] = []
    for _ in range(runs):
        s0, c0, t0 = _system(), time.process_time(), time.perf_counter()
        await fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
        kernel.append(_system() - s0)
    return walls, cpus, kernel


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
    urls: dict[int, str],
    addrs: list[str],
    tokens: dict[str, Any] | None,
    runs: int,
    batch_sizes: tuple[int, ...] = VIEM_BATCH_SIZES,
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
        "batchSizes": list(batch_sizes),
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


def node_bodies(addrs: list[str]) -> list[bytes]:
    """The node floor's requests: the reader's `eth_call` bodies, chunked as interop's
    `override` strategy chunks them (a larger body runs out of gas), prebuilt as bytes."""
    size = bal._CHUNK["override"][0]
    out = []
    for i in range(0, len(addrs), size):
        body = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "eth_call",
            "params": [
                {
                    "to": bal.BALANCE_READER_ADDRESS,
                    "data": "0x" + "".join(a[2:] for a in addrs[i : i + size]),
                },
                "latest",
                {bal.BALANCE_READER_ADDRESS: {"code": "0x" + bal.BALANCE_READER_CODE.hex()}},
            ],
        }
        out.append(json.dumps(body).encode())
    return out


async def node_read(
    session: aiohttp.ClientSession, urls: dict[int, str], bodies: list[bytes]
) -> None:
    """The floor: every body to every node, at most 4 in flight per node (as interop's chunks)."""
    hdrs = {"Content-Type": "application/json"}

    async def post(url: str, body: bytes, sem: asyncio.Semaphore) -> bytes:
        async with sem, session.post(url, data=body, headers=hdrs) as r:
            return await r.read()

    sems = {cid: asyncio.Semaphore(4) for cid in urls}
    answers = await asyncio.gather(
        *(post(u, b, sems[cid]) for cid, u in urls.items() for b in bodies)
    )
    if any(b'"error"' in a for a in answers):
        raise SystemExit("the raw node request failed")


async def request_counts(
    dn: Devnet, urls: dict[int, str], addrs: list[str], strategies: bool, web3: bool
) -> dict[str, int]:
    """HTTP requests of one call of each contestant, counted by a transparent proxy in front of
    each node (`tests/helpers/faultproxy.py` with no faults), in untimed calls after a warm-up
    (so the one-time chain-id checks are not counted)."""
    import contextlib

    from tests.helpers.faultproxy import FaultProxy

    out: dict[str, int] = {}
    async with contextlib.AsyncExitStack() as stack:
        proxies = {
            cid: await stack.enter_async_context(FaultProxy(u, rate=0.0)) for cid, u in urls.items()
        }

        def counted() -> int:
            n = sum(p.counts["requests"] for p in proxies.values())
            for p in proxies.values():
                p.counts.clear()
            return n

        clients = {
            cid: ChainClient(
                dn.chain(cid).with_rpc(p.url), HttpTransport(p.url), owns_transport=True
            )
            for cid, p in proxies.items()
        }
        try:
            for strategy in ("auto", *(FORCED if strategies else ())):
                await bal.get_balances_multichain(clients, addrs, strategy=strategy)  # type: ignore[arg-type]
                counted()
                t = await bal.get_balances_multichain(clients, addrs, strategy=strategy)  # type: ignore[arg-type]
                t.raise_for_errors()
                out["interop" if strategy == "auto" else f"interop_{strategy}"] = counted()
        finally:
            for c in clients.values():
                await c.aclose()
        async with aiohttp.ClientSession() as session:
            await node_read(session, {cid: p.url for cid, p in proxies.items()}, node_bodies(addrs))
            out["node"] = counted()
        if web3:
            from web3 import AsyncHTTPProvider, AsyncWeb3

            w3s = [
                AsyncWeb3(AsyncHTTPProvider(p.url, request_kwargs=WEB3_REQUEST))
                for p in proxies.values()
            ]
            checksummed = [AsyncWeb3.to_checksum_address(a) for a in addrs]
            try:
                await asyncio.gather(*(web3_batch_read(w3, checksummed[:10]) for w3 in w3s))
                counted()
                await asyncio.gather(*(web3_batch_read(w3, checksummed) for w3 in w3s))
                out["web3_batch"] = counted()
            finally:
                for w3 in w3s:
                    await w3.provider.disconnect()
            out["web3_naive"] = out["web3_gather"] = len(addrs) * len(urls)  # one call each
    return out


async def peak_memory(urls: dict[int, str], n: int, who: str) -> dict[str, int]:
    """`benchmarks/peak_memory.py` for one contestant, in a fresh process."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(Path(__file__).with_name("peak_memory.py")),
        who,
        json.dumps({str(k): v for k, v in urls.items()}),
        str(n),
        stdout=asyncio.subprocess.PIPE,
    )
    stdout, _ = await proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"the peak-memory run of {who} failed")
    got = json.loads(stdout)
    return {**got, "growth_kb": got["maxrss_kb"] - got["rss_before_kb"]}


async def main(
    runs: int,
    as_json: bool,
    skip_web3: bool = False,
    skip_strategies: bool = False,
    skip_tokens: bool = False,
    skip_viem: bool = False,
    node_logs: bool = False,
    only_strategies: list[str] | None = None,
    n_addresses: int = N_ADDRESSES,
    viem_batch_sizes: tuple[int, ...] = VIEM_BATCH_SIZES,
    skip_extras: bool = False,
) -> dict[str, Any]:
    specs = [
        DevnetChainSpec(DEVNET_L1),
        DevnetChainSpec(DEVNET_OP, OP_ANVIL_ARGS),
        DevnetChainSpec(DEVNET_OP2, OP_ANVIL_ARGS),
        DevnetChainSpec(DEVNET_ARB),
    ]
    addrs = addresses(n_addresses)
    total = n_addresses * len(specs)
    out: dict[str, Any] = {
        "balances": total,
        "chains": len(specs),
        "addresses": n_addresses,
        "node_logs": node_logs,
    }
    async with Devnet(DevnetConfig(chains=specs)) as dn:
        for k, cid in enumerate(dn.chains):
            calls = [
                ("anvil_setBalance", [a, hex((i + 1) * 10**15 + k)])
                for i, a in enumerate(addrs)
                if i % 3 == 0
            ]
            for i in range(0, len(calls), 1_000):
                for res in await dn.transport(cid).batch(calls[i : i + 1_000]):
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
            bodies = node_bodies(addrs)
            urls = {cid: c.rpc_urls[0] for cid, c in dn.chains.items()}
            async with aiohttp.ClientSession() as session:

                async def node_run() -> None:
                    await node_read(session, urls, bodies)

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
            native_sum = sum(sum(e.balances.values()) for e in table)
            if not skip_viem:
                out["viem"] = await viem_timings(
                    urls, addrs, out.get("tokens"), runs, viem_batch_sizes
                )
                out["viem_peak"] = out["viem"].pop("peak")
                for key, row in out["viem"].items():
                    want = (
                        str(native_sum) if key.startswith("native_batch") else out["tokens"]["sum"]
                    )
                    if row["sum"] != want:
                        raise SystemExit(
                            f"viem's {key} sum {row['sum']} differs from interop's {want}"
                        )
            if not skip_web3:
                out.update(
                    await web3_timings(urls, addrs, table.balance(900, addrs[0]), native_sum, runs)
                )
            if not skip_extras:
                out["requests"] = await request_counts(
                    dn, urls, addrs, not skip_strategies, not skip_web3
                )
                out["peak_kb"] = {"interop": await peak_memory(urls, n_addresses, "interop")}
                if not skip_web3:
                    out["peak_kb"]["web3_batch"] = await peak_memory(
                        urls, n_addresses, "web3-batch"
                    )
                if "viem_peak" in out:
                    vp = out["viem_peak"]
                    out["peak_kb"]["viem"] = {
                        **vp,
                        "growth_kb": vp["maxrss_kb"] - vp["rss_before_kb"],
                    }
        finally:
            for c in clients.values():
                await c.aclose()

    out["runs"] = runs
    if not skip_web3:
        out["x_vs_naive"] = out["web3_naive_s"] / out["interop_s"]
        out["x_vs_gather"] = out["web3_gather_s"] / out["interop_s"]
        out["x_vs_web3_batch"] = out["web3_batch_s"] / out["interop_s"]
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
        gather_note = (
            f" (extrapolated from {r['web3_gather_measured_balances']:,} measured)"
            if r.get("web3_gather_extrapolated")
            else ""
        )
        lines += [
            f"  web3.py batch requests       {r['web3_batch_s'] * 1e3:9.2f} ms   "
            f"CPU {r['web3_batch_cpu_us_per_balance']:.2f} us/balance",
            f"  web3.py gather (64)          {r['web3_gather_s'] * 1e3:9.2f} ms{gather_note}",
            f"  web3.py naive                {r['web3_naive_s'] * 1e3:9.2f} ms{naive_note}",
            f"  interop vs naive web3.py: {r['x_vs_naive']:.0f}x faster (target >= 300x)",
            f"  interop vs web3.py gather: {r['x_vs_gather']:.0f}x faster",
            f"  interop vs web3.py batch requests (its best): {r['x_vs_web3_batch']:.0f}x faster",
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
            f"CPU {row['cpu_us_per_balance']:.2f} us/balance "
            f"(kernel {row.get('kernel_us_per_balance', float('nan')):.2f})"
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
    req = r.get("requests")
    if req:
        lines.append(
            "  HTTP requests per call: "
            + ", ".join(f"{k} {v:,}" for k, v in req.items())
            + (
                ", viem " + ", ".join(f"{k} {v['requests']:,}" for k, v in r["viem"].items())
                if "viem" in r
                else ""
            )
        )
    peak = r.get("peak_kb")
    if peak:
        lines.append(
            "  peak memory of one call (fresh process; growth of peak RSS / heap peak): "
            + ", ".join(
                f"{k} {v['growth_kb'] / 1024:.1f} / {v['heap_peak_kb'] / 1024:.1f} MB"
                for k, v in peak.items()
            )
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
    ap.add_argument(
        "--addresses",
        type=int,
        default=N_ADDRESSES,
        help="addresses per chain (4 chains; 25000 gives 100,000 balances)",
    )
    ap.add_argument(
        "--viem-batch-sizes",
        default=",".join(map(str, VIEM_BATCH_SIZES)),
        help="viem multicall batchSize values, comma-separated (the first is also its peak-memory call)",
    )
    ap.add_argument(
        "--skip-extras", action="store_true", help="skip the request counts and peak memory"
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
            args.addresses,
            tuple(int(x) for x in args.viem_batch_sizes.split(",")),
            args.skip_extras,
        )
    )
    print(json.dumps(result) if args.json else report(result))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=1) + "\n")
