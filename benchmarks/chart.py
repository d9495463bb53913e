"""Chart of a `benchmarks/balances.py --out FILE.json` run: writes FILE.png next to the JSON.

Two panels from the same run on the same nodes, both log scale (web3.py's naive loop is ~1,000x
interop, viem's CPU ~50x): wall time of each way to read the same balances, and the client CPU
each spends per balance, with the 2 µs target line. Needs matplotlib (`pip install -e ".[bench]"`, which `make bench` does).

Usage: `.venv/bin/python benchmarks/chart.py build/bench/balances.json [--out chart.png]`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

OURS = "#2b6cb0"
OTHERS = "#a0aec0"
FLOOR = "#2f855a"


def rows(r: dict[str, Any]) -> tuple[list[tuple[str, float, str]], list[tuple[str, float, str]]]:
    """(label, ms, colour) for the time panel and (label, µs/balance, colour) for the CPU one."""
    times: list[tuple[str, float, str]] = [
        ("node alone (raw eth_call)", r["node_s"] * 1e3, FLOOR),
        ("interop auto, warm", r["interop_s"] * 1e3, OURS),
        ("interop auto, cold", r["interop_cold_s"] * 1e3, OURS),
    ]
    cpu: list[tuple[str, float, str]] = [
        ("interop auto, warm", r["interop_cpu_us_per_balance"], OURS),
        ("interop auto, cold", r["interop_cold_cpu_us_per_balance"], OURS),
    ]
    for name, row in r.get("strategies_forced", {}).items():
        times.append((f"interop {name} (forced)", row["ms"], OURS))
        cpu.append((f"interop {name} (forced)", row["cpu_us_per_balance"], OURS))
    native_viem = {k: v for k, v in r.get("viem", {}).items() if k.startswith("native_batch")}
    for key, row in sorted(native_viem.items(), key=lambda kv: kv[1]["ms"]):
        size = key.removeprefix("native_batch")
        times.append((f"viem multicall, batchSize {int(size):,}", row["ms"], OTHERS))
        cpu.append((f"viem multicall, batchSize {int(size):,}", row["cpu_us_per_balance"], OTHERS))
    if "web3_batch_s" in r:
        times.append(("web3.py batch requests (1,000)", r["web3_batch_s"] * 1e3, OTHERS))
        cpu.append(("web3.py batch requests (1,000)", r["web3_batch_cpu_us_per_balance"], OTHERS))
    if "web3_gather_s" in r:
        times.append(("web3.py gather (64 in flight)", r["web3_gather_s"] * 1e3, OTHERS))
        times.append(("web3.py naive loop", r["web3_naive_s"] * 1e3, OTHERS))
    return times, cpu


Row = tuple[str, float, str]


def extras(r: dict[str, Any]) -> tuple[list[Row], list[Row]]:
    """(label, requests, colour) and (label, MB, colour): HTTP requests of one call and the peak
    heap one call allocated (`--skip-extras` leaves both empty)."""
    req: list[Row] = []
    mem: list[Row] = []
    counts = r.get("requests", {})
    names = {
        "node": ("node alone", FLOOR),
        "interop": ("interop auto", OURS),
        "interop_multicall3": ("interop multicall3 (forced)", OURS),
        "interop_batch": ("interop batch (forced)", OURS),
        "web3_batch": ("web3.py batch requests", OTHERS),
        "web3_naive": ("web3.py naive / gather", OTHERS),
    }
    for key, (label, colour) in names.items():
        if key in counts:
            req.append((label, counts[key], colour))
    for key, row in sorted(r.get("viem", {}).items()):
        if key.startswith("native_batch") and "requests" in row:
            req.append(
                (
                    f"viem, batchSize {int(key.removeprefix('native_batch')):,}",
                    row["requests"],
                    OTHERS,
                )
            )
    for key, label, colour in (
        ("interop", "interop auto", OURS),
        ("web3_batch", "web3.py batch requests", OTHERS),
        ("viem", "viem multicall", OTHERS),
    ):
        row = r.get("peak_kb", {}).get(key)
        if row is not None:
            mem.append((label, row["heap_peak_kb"] / 1024, colour))
    return req, mem


def draw(r: dict[str, Any], out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    times, cpu = rows(r)
    req, mem = extras(r)
    height = 0.45 * max(len(times), len(cpu)) + 1.6
    panels = 2 if not (req or mem) else 4
    if panels == 2:
        fig, (ax_t, ax_c) = plt.subplots(1, 2, figsize=(13, height), width_ratios=(1.25, 1))
        layout = [(ax_t, times, "ms", True), (ax_c, cpu, "µs per balance (log scale)", True)]
    else:
        fig, axes = plt.subplots(
            2,
            2,
            figsize=(13, height + 0.45 * max(len(req), len(mem)) + 1.6),
            width_ratios=(1.25, 1),
            height_ratios=(max(len(times), len(cpu)), max(len(req), len(mem), 1)),
        )
        (ax_t, ax_c), (ax_r, ax_m) = axes
        layout = [
            (ax_t, times, "ms", True),
            (ax_c, cpu, "µs per balance (log scale)", True),
            (ax_r, req, "HTTP requests of one call (log scale)", True),
            (ax_m, mem, "MB", False),
        ]
        ax_r.set_title("HTTP requests of one call")
        ax_m.set_title("Peak heap one call allocated (fresh process)")
    for ax, data, unit, log in layout:
        labels = [d[0] for d in data][::-1]
        values = [d[1] for d in data][::-1]
        colours = [d[2] for d in data][::-1]
        bars = ax.barh(labels, values, color=colours)
        if log:
            ax.set_xscale("log")
        ax.set_xlabel(unit)
        for bar, v in zip(bars, values, strict=True):
            text = (
                f"{v:,}"
                if isinstance(v, int)
                else f"{v:,.0f}"
                if v >= 100
                else f"{v:.2f}"
                if v < 10
                else f"{v:.1f}"
            )
            ax.annotate(
                f" {text}",
                (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                va="center",
                fontsize=8,
            )
        ax.margins(x=0.15)
        ax.grid(axis="x", alpha=0.3)
    ax_t.set_title("Wall time, same nodes, same run (log scale)")
    ax_c.set_title("Client CPU per balance (the nodes run apart)")
    ax_c.axvline(2.0, color="#c53030", linestyle="--", linewidth=1)
    ax_c.annotate(" 2 µs target", (2.0, len(cpu) - 0.6), color="#c53030", fontsize=8)
    fig.suptitle(
        f"{r['balances']:,} native balances ({r['addresses']:,} addresses x {r['chains']} chains),"
        f" median of {r['runs']} runs: interop / node {r['x_of_node']:.2f} warm,"
        f" {r['cold_x_of_node']:.2f} cold",
        fontsize=11,
    )
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("json_file", type=Path, help="what `balances.py --out` wrote")
    ap.add_argument("--out", type=Path, help="the PNG (default: the JSON's name, .png)")
    args = ap.parse_args()
    r = json.loads(args.json_file.read_text())
    out = draw(r, args.out or args.json_file.with_suffix(".png"))
    print(f"chart written to {out}")


if __name__ == "__main__":
    main()
