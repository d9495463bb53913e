"""One balance read in a fresh process, for `benchmarks/balances.py`: prints (JSON) this
process's resident memory just before the call and its peak (maxRSS) just after it, then the
peak of the Python heap during the same call made again under `tracemalloc`.

Why a process of its own: peak resident memory is a high-water mark of a whole process, so a
contestant measured after another would report the other's peak. Imports, client set-up and a
10-address call (connections, lazy imports) come before the "before" figure; what grows after
it is the call's own memory (buffers, the answers, the result).

Why both figures: the resident-memory growth is what an operator sees, including what the
allocator keeps beyond what is in use; the Python heap's peak is what the call itself allocates
and is the same in every run. Peak resident memory is the kernel's VmHWM, reset just before the
call (`/proc/self/clear_refs`), not `ru_maxrss`, which Linux carries over from the parent.

Usage (from balances.py): `python benchmarks/peak_memory.py WHO '{"900": url, ...}' N` where
WHO is `interop` (`get_balances_multichain`, strategy auto) or `web3-batch` (web3.py batch
requests of 1,000 `eth_getBalance`), and N the addresses per chain.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from balances import WEB3_REQUEST, addresses, web3_batch_read

from interop.actions import balances as bal
from interop.chains.data.devnet import DEVNET_ARB, DEVNET_L1, DEVNET_OP, DEVNET_OP2
from interop.client import ChainClient
from interop.rpc.http import HttpTransport


def rss_kb() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def reset_peak() -> None:
    """Set this process's peak resident memory (VmHWM) to its current resident memory.

    Why not `getrusage().ru_maxrss`: Linux carries it over from the parent across fork and exec,
    so a process started by the benchmark (~100-200 MB) reported the benchmark's size."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def peak_kb() -> int:
    """VmHWM: the peak resident memory since `reset_peak` (or since exec)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise SystemExit("no VmHWM in /proc/self/status")


async def main(who: str, urls: dict[int, str], n: int) -> dict[str, int]:
    addrs = addresses(n)
    if who == "interop":
        chains = {c.id: c for c in (DEVNET_L1, DEVNET_OP, DEVNET_OP2, DEVNET_ARB)}
        clients = {
            cid: ChainClient(chains[cid].with_rpc(u), HttpTransport(u), owns_transport=True)
            for cid, u in urls.items()
        }
        # a small call first: connections, chain-id checks and lazy imports are not the call's
        (await bal.get_balances_multichain(clients, addrs[:10])).raise_for_errors()
        reset_peak()
        before = rss_kb()
        table = await bal.get_balances_multichain(clients, addrs)
        peak = peak_kb()
        table.raise_for_errors()
        del table
        bal.clear_address_cache()  # the traced call is cold too
        tracemalloc.start()
        await bal.get_balances_multichain(clients, addrs)
        heap_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        for c in clients.values():
            await c.aclose()
    elif who == "web3-batch":
        from web3 import AsyncHTTPProvider, AsyncWeb3

        w3s = {
            cid: AsyncWeb3(AsyncHTTPProvider(u, request_kwargs=WEB3_REQUEST))
            for cid, u in urls.items()
        }
        checksummed = [AsyncWeb3.to_checksum_address(a) for a in addrs]
        # a small call first, as for interop
        await asyncio.gather(*(web3_batch_read(w3, checksummed[:10]) for w3 in w3s.values()))
        reset_peak()
        before = rss_kb()
        await asyncio.gather(*(web3_batch_read(w3, checksummed) for w3 in w3s.values()))
        peak = peak_kb()
        tracemalloc.start()
        await asyncio.gather(*(web3_batch_read(w3, checksummed) for w3 in w3s.values()))
        heap_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        for w3 in w3s.values():
            await w3.provider.disconnect()
    else:
        raise SystemExit(f"unknown contestant {who!r}")
    return {"rss_before_kb": before, "maxrss_kb": peak, "heap_peak_kb": heap_peak // 1024}


if __name__ == "__main__":
    who, urls_json, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    urls = {int(k): v for k, v in json.loads(urls_json).items()}
    print(json.dumps(asyncio.run(main(who, urls, n))))
