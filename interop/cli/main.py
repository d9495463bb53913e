"""The `interop` command line.

Built on argparse (standard library) so the CLI costs no extra dependency and `interop --help`
starts fast: heavy modules are imported inside each command.

Keys never come from arguments: `send` reads the private key from an environment variable
(`INTEROP_PRIVATE_KEY` by default, `--key-env` to choose another).

Chains: built-ins by name/id/alias; `--chains-file F` (TOML/JSON) adds or overrides chains;
`--devnet` loads the file a running `interop devnet` wrote, so every command works against the
local devnet with no RPC keys.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from interop.errors import InteropError

__all__ = ["main"]


def devnet_file() -> Path:
    """Where `interop devnet` publishes its chains (`$INTEROP_DEVNET_FILE` overrides)."""
    env = os.environ.get("INTEROP_DEVNET_FILE")
    if env:
        return Path(env)
    from interop.devnet.install import cache_dir

    return cache_dir() / "devnet-chains.json"


def devnet_chains_json(chains: Sequence[Any]) -> str:
    """A chain file for live devnet chains: they replace the built-in devnet entries (same ids)
    with their RPC URLs and deployed contract addresses."""
    from interop.chains.loader import chain_to_dict

    return json.dumps(
        {"chains": [{**chain_to_dict(c), "override": True} for c in chains]}, indent=2
    )


def _registry(args: argparse.Namespace) -> Any:
    from interop.chains.registry import default_registry

    reg = default_registry().copy()
    files: list[str] = []
    if getattr(args, "devnet", False):
        f = devnet_file()
        if not f.exists():
            raise InteropError(
                "no running devnet found",
                hint="start one in another terminal with `interop devnet`",
            )
        files.append(str(f))
    env_file = os.environ.get("INTEROP_CHAINS_FILE")
    if env_file:
        files.append(env_file)
    if getattr(args, "chains_file", None):
        files.append(args.chains_file)
    from interop.chains.loader import load_chains

    for name in files:
        for chain in load_chains(name, base=reg):
            reg.register(chain, replace=True)
    return reg


def _rpc_overrides(args: argparse.Namespace, reg: Any) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for item in getattr(args, "rpc", None) or []:
        if "=" not in item:
            raise InteropError(f"--rpc expects CHAIN=URL, got {item!r}")
        name, url = item.split("=", 1)
        out.setdefault(reg.get(name).id, []).append(url)
    return out


def _chains_for(args: argparse.Namespace, reg: Any, default_all_with_rpc: bool = True) -> list[Any]:
    overrides = _rpc_overrides(args, reg)
    if getattr(args, "chains", None):
        chains = [reg.get(x.strip()) for x in args.chains.split(",") if x.strip()]
    elif getattr(args, "devnet", False):
        from interop.chains.loader import load_chains

        chains = load_chains(devnet_file(), base=reg)
    else:
        chains = (
            [c for c in reg.all() if not c.testnet and c.rpc_urls] if default_all_with_rpc else []
        )
    return [c.with_rpc(*overrides[c.id]) if c.id in overrides else c for c in chains]


def _print_table(rows: list[list[str]], headers: list[str]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=False)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=False))
    print(line)
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(str(x).ljust(w) for x, w in zip(r, widths, strict=False)))


# --------------------------------------------------------------------------------------------
# commands


def cmd_chains(args: argparse.Namespace) -> int:
    reg = _registry(args)
    chains = reg.all()
    if args.stack:
        chains = [c for c in chains if c.stack.value == args.stack]
    if not args.testnets:
        chains = [
            c for c in chains if not c.testnet or args.stack or getattr(args, "devnet", False)
        ]
    if args.json:
        from interop.chains.loader import chain_to_dict

        print(json.dumps([chain_to_dict(c) for c in chains], indent=2))
        return 0
    rows = [
        [
            str(c.id),
            c.name,
            c.stack.value,
            str(c.parent_id or ""),
            c.short_name or "",
            ", ".join(c.aliases[:3]),
        ]
        for c in chains
    ]
    _print_table(rows, ["id", "name", "stack", "parent", "short", "aliases"])
    return 0


async def _balances(args: argparse.Namespace) -> int:
    from interop.facade import Interop
    from interop.units import format_ether

    reg = _registry(args)
    chains = _chains_for(args, reg)
    if not chains:
        raise InteropError("no chains selected", hint="pass --chains NAME,NAME or --devnet")
    async with Interop(chains) as io:
        table = await io.balances(args.addresses, block=args.block)
    if args.json:
        out: dict[str, Any] = {}
        for entry in table:
            key = str(entry.chain_id)
            if entry.error is not None:
                out[key] = {"error": entry.error.message}
            else:
                out[key] = {a: str(v) for a, v in entry.balances.items()}
        print(json.dumps(out, indent=2))
        return 0 if table.ok else 1
    names = {c.id: c.name for c in chains}
    rows: list[list[str]] = []
    for entry in table:
        if entry.error is not None:
            rows.append([names[entry.chain_id], "-", f"ERROR: {entry.error.message}"])
            continue
        for addr, val in entry.balances.items():
            rows.append([names[entry.chain_id], addr, format_ether(val) + " ETH"])
    _print_table(rows, ["chain", "address", "balance"])
    return 0 if table.ok else 1


async def _send(args: argparse.Namespace) -> int:
    from interop.facade import Interop
    from interop.signer import account_from_env
    from interop.units import format_ether, parse_amount

    reg = _registry(args)
    value = parse_amount(args.value)
    chain = reg.get(args.chain)
    overrides = _rpc_overrides(args, reg)
    if chain.id in overrides:
        chain = chain.with_rpc(*overrides[chain.id])
    signer = account_from_env(args.key_env)
    async with Interop([chain], account=signer) as io:
        res = await io.transfer(chain.id, to=args.to, value=value, wait=not args.no_wait)
    if args.json:
        print(
            json.dumps(
                {
                    "tx_hash": res.tx_hash,
                    "chain_id": res.chain_id,
                    "from": res.from_address,
                    "to": res.to,
                    "value": str(res.value),
                    "fee": None if res.fee is None else str(res.fee),
                }
            )
        )
    else:
        print(f"sent {format_ether(value)} ETH on {chain.name}: {res.tx_hash}")
        if res.fee is not None:
            print(f"fee paid: {format_ether(res.fee)} ETH")
    return 0


async def _devnet(args: argparse.Namespace) -> int:
    from interop.devnet.core import Devnet

    # real time: an L1 block every second so periods elapse as on a live chain
    dn = Devnet.default(
        opstack=not args.no_opstack, arbitrum=not args.no_arbitrum, tick_seconds=1.0
    )
    async with dn:
        f = devnet_file()
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(devnet_chains_json(list(dn.chains.values())))
        print("interop devnet is running (Ctrl-C to stop)\n")
        _print_table(
            [
                [str(c.id), c.name, c.stack.value, c.rpc_urls[0] if c.rpc_urls else ""]
                for c in dn.chains.values()
            ],
            ["chain id", "name", "stack", "rpc url"],
        )
        print("\nfunded test accounts (public devnet keys; never use them elsewhere):")
        for i, (addr, key) in enumerate(dn.accounts[:4]):
            print(f"  [{i}] {addr}  {key}")
        print(f"\nchain file: {f}  (use `interop ... --devnet`)", flush=True)
        # SIGTERM / SIGINT end the wait so that every node we started is stopped and the
        # chain file removed, rather than leaving orphan anvil processes behind.
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), args.for_seconds)
        finally:
            f.unlink(missing_ok=True)
            print("stopping the devnet", flush=True)
    return 0


# --------------------------------------------------------------------------------------------
# bridging commands: bridge / message / status / resume / finalize


def _flow_chains(args: argparse.Namespace) -> list[Any]:
    """Every chain with an RPC URL (built-ins, --chains-file, --devnet), RPC overrides applied."""
    reg = _registry(args)
    overrides = _rpc_overrides(args, reg)
    chains = [c.with_rpc(*overrides[c.id]) if c.id in overrides else c for c in reg.all()]
    return [c for c in chains if c.rpc_urls]


def _interop(args: argparse.Namespace, *, signer: bool = True) -> Any:
    from interop.facade import Interop
    from interop.signer import account_from_env

    account = account_from_env(args.key_env) if signer else None
    return Interop(_flow_chains(args), account=account, journal=args.journal)


def _progress(args: argparse.Namespace) -> Any:
    """Simple progress lines on stderr (stdout stays clean for --json)."""

    def show(ev: Any) -> None:
        st = ev.state
        hop = f"[hop {st.hop + 1}/{len(st.hops)}]"
        if ev.what == "waiting":
            eta = "" if st.seconds_to_next is None else f", next step in ~{st.seconds_to_next}s"
            print(
                f"{hop} {st.status.value} ({st.native}){eta}; checking again in {ev.seconds:.0f}s",
                file=sys.stderr,
                flush=True,
            )
        elif ev.what in ("sent", "mined"):
            print(
                f"{hop} {ev.what} {ev.step} {ev.tx_hash or ''}".rstrip(),
                file=sys.stderr,
                flush=True,
            )
        elif ev.what == "done":
            print(f"{hop} done: {st.status.value}", file=sys.stderr, flush=True)

    return show


def _state_json(flow: Any, st: Any) -> dict[str, Any]:
    return {
        "flow_id": flow.record.id if flow.id is not None else None,
        "kind": flow.kind.value,
        "source": flow.source,
        "target": flow.target,
        "value": str(flow.value),
        "tx_hash": flow.tx_hash,
        **{k: v for k, v in st.to_dict().items() if k != "flow_id"},
    }


def _print_state(args: argparse.Namespace, flow: Any, st: Any) -> None:
    if args.json:
        print(json.dumps(_state_json(flow, st)))
        return
    print(f"flow {flow.id or '(not journaled)'}: {flow.source} -> {flow.target}, {flow.value} wei")
    print(
        f"  status: {st.status.value} ({st.native}), hop {st.hop + 1}/{len(st.hops)}"
        + (f", next: {st.next_step}" if st.next_step else "")
        + (f" in ~{st.seconds_to_next}s" if st.seconds_to_next else "")
    )
    if flow.tx_hash:
        print(f"  first tx: {flow.tx_hash}")


def _report(args: argparse.Namespace, flow: Any, st: Any) -> int:
    """Print the state; exit 1 when the flow failed on chain, so a script never reads a
    reverted bridge or message as a success."""
    _print_state(args, flow, st)
    return 1 if st.status.value == "failed" else 0


async def _drive(args: argparse.Namespace, flow: Any) -> Any:
    if getattr(args, "complete", False):
        return await flow.complete(
            progress=_progress(args),
            timeout=args.timeout,
            poll=min(1.0, args.max_interval),
            max_interval=args.max_interval,
        )
    if getattr(args, "wait", False):
        return await flow.wait(
            progress=_progress(args),
            timeout=args.timeout,
            poll=min(1.0, args.max_interval),
            max_interval=args.max_interval,
        )
    return await flow.status()


async def _bridge(args: argparse.Namespace) -> int:
    from interop.units import parse_amount

    value = parse_amount(args.value)
    async with _interop(args) as io:
        if args.plan:
            plan = await io.plan(value, args.source, args.target, args.recipient)
            print(json.dumps(plan.to_dict(), indent=2) if args.json else plan.describe())
            return 0
        flow = await io.bridge(value, args.source, args.target, args.recipient, force=args.force)
        if not args.json:
            print(f"flow {flow.id} started: {flow.tx_hash}", file=sys.stderr)
        return _report(args, flow, await _drive(args, flow))


async def _message(args: argparse.Namespace) -> int:
    from interop.facade import calldata_bytes
    from interop.units import parse_amount

    value = parse_amount(args.value) if args.value else 0
    data = calldata_bytes(args.data)
    async with _interop(args) as io:
        if args.plan:
            plan = await io.plan(
                value, args.source, args.target, args.target_address, data=data, message=True
            )
            print(json.dumps(plan.to_dict(), indent=2) if args.json else plan.describe())
            return 0
        flow = await io.send_message(
            args.source, args.target, args.target_address, data, value, force=args.force
        )
        if not args.json:
            print(f"flow {flow.id} started: {flow.tx_hash}", file=sys.stderr)
        return _report(args, flow, await _drive(args, flow))


async def _status(args: argparse.Namespace) -> int:
    async with _interop(args, signer=False) as io:
        if not args.ref:
            flows = io.flows(unfinished=not args.all)
            if args.json:
                print(
                    json.dumps(
                        [
                            {
                                "flow_id": f.record.id,
                                "kind": f.record.kind,
                                "source": f.source,
                                "target": f.target,
                                "value": str(f.value),
                                "status": f.record.status,
                                "done": f.record.done,
                            }
                            for f in flows
                        ]
                    )
                )
            else:
                _print_table(
                    [
                        [
                            f.record.id,
                            f.record.kind,
                            f"{f.source}->{f.target}",
                            str(f.value),
                            f.record.status,
                            "yes" if f.record.done else "no",
                        ]
                        for f in flows
                    ],
                    ["id", "kind", "route", "value (wei)", "last status", "done"],
                )
            return 0
        ref = args.ref
        if ref.startswith("0x") and len(ref) == 66:
            known = io.journal.find_by_tx(ref)
            if known is not None:
                flow = io.flow(known.id)
            elif not args.chain:
                raise InteropError("a transaction hash needs --chain (the chain it was sent on)")
            else:
                flow = await io.flow_from_tx(args.chain, ref)
        else:
            flow = io.flow(ref)
        _print_state(args, flow, await flow.status())
    return 0


async def _resume(args: argparse.Namespace) -> int:
    async with _interop(args) as io:
        results = await io.resume(
            progress=_progress(args),
            timeout=args.timeout,
            poll=min(1.0, args.max_interval),
            max_interval=args.max_interval,
        )
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "flow_id": r.flow_id,
                        "ok": r.ok,
                        "status": None if r.state is None else r.state.status.value,
                        "error": None if r.error is None else r.error.message,
                        "skipped": r.skipped,
                    }
                    for r in results
                ]
            )
        )
    else:
        if not results:
            print("nothing to resume")
        for r in results:
            what = (
                r.state.status.value
                if r.state
                else f"error: {r.error.message}"
                if r.error
                else f"skipped: {r.skipped}"
            )
            print(f"{r.flow_id}: {what}")
    return 0 if all(r.ok or r.skipped for r in results) else 1


async def _finalize(args: argparse.Namespace) -> int:
    async with _interop(args) as io:
        flow = io.flow(args.id)
        st = await flow.complete(
            progress=_progress(args),
            timeout=args.timeout,
            poll=min(1.0, args.max_interval),
            max_interval=args.max_interval,
        )
        _print_state(args, flow, st)
    return 0


# --------------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="interop", description="One interface over Ethereum L1 and its L2s."
    )
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--chains-file", help="TOML/JSON file with extra or overriding chains")
        sp.add_argument(
            "--devnet", action="store_true", help="use the chains of a running `interop devnet`"
        )
        sp.add_argument("--json", action="store_true", help="machine-readable output")

    sp = sub.add_parser("chains", help="list known chains")
    common(sp)
    sp.add_argument(
        "--stack", help="only this stack (l1, opstack, arbitrum, zksync, scroll, linea)"
    )
    sp.add_argument("--testnets", action="store_true", help="include testnets")
    sp.set_defaults(func=cmd_chains)

    sp = sub.add_parser("balances", help="native balances of addresses on many chains at once")
    common(sp)
    sp.add_argument("addresses", nargs="+")
    sp.add_argument(
        "--chains", help="comma-separated chain names/ids (default: all mainnets, or the devnet)"
    )
    sp.add_argument(
        "--rpc", action="append", metavar="CHAIN=URL", help="RPC URL for a chain (repeatable)"
    )
    sp.add_argument("--block", default="latest", help="block tag or number")
    sp.set_defaults(afunc=_balances)

    sp = sub.add_parser(
        "send", help="send native ETH on one chain (key from an environment variable)"
    )
    common(sp)
    sp.add_argument("--chain", required=True)
    sp.add_argument("--to", required=True)
    sp.add_argument(
        "--value", required=True, help="amount with unit, e.g. 0.1ether, 5gwei, 1000wei"
    )
    sp.add_argument("--rpc", action="append", metavar="CHAIN=URL")
    sp.add_argument(
        "--key-env", default="INTEROP_PRIVATE_KEY", help="environment variable holding the key"
    )
    sp.add_argument("--no-wait", action="store_true", help="do not wait for the receipt")
    sp.set_defaults(afunc=_send)

    def flowopts(sp: argparse.ArgumentParser, key: bool = True) -> None:
        common(sp)
        sp.add_argument(
            "--rpc", action="append", metavar="CHAIN=URL", help="RPC URL for a chain (repeatable)"
        )
        sp.add_argument(
            "--journal",
            default=None,
            help="journal file (default: the user data dir; :memory: allowed)",
        )
        sp.add_argument(
            "--timeout", type=float, default=None, help="give up waiting after this many seconds"
        )
        sp.add_argument(
            "--max-interval",
            type=float,
            default=60.0,
            help="longest pause between status checks (s)",
        )
        if key:
            sp.add_argument(
                "--key-env",
                default="INTEROP_PRIVATE_KEY",
                help="environment variable holding the key",
            )

    sp = sub.add_parser("bridge", help="move ETH between chains (one or two hops)")
    flowopts(sp)
    sp.add_argument("--from", dest="source", required=True, help="source chain")
    sp.add_argument("--to", dest="target", required=True, help="destination chain")
    sp.add_argument("--value", required=True, help="amount with unit, e.g. 0.1ether")
    sp.add_argument("--recipient", help="address (also short:0x.., 0x..@chain); default: yourself")
    sp.add_argument("--plan", action="store_true", help="only show the route: steps, waits, fees")
    sp.add_argument("--force", action="store_true", help="skip the recipient safety refusals")
    g = sp.add_mutually_exclusive_group()
    g.add_argument("--wait", action="store_true", help="wait until done or until you must act")
    g.add_argument("--complete", action="store_true", help="perform every remaining step")
    sp.set_defaults(afunc=_bridge)

    sp = sub.add_parser("message", help="send calldata to a contract on another chain")
    flowopts(sp)
    sp.add_argument("--from", dest="source", required=True)
    sp.add_argument("--to", dest="target", required=True)
    sp.add_argument("--target", dest="target_address", required=True, help="contract to call")
    sp.add_argument("--data", required=True, help="0x-hex calldata")
    sp.add_argument("--value", default=None, help="value to send with the call, e.g. 0.01ether")
    sp.add_argument("--plan", action="store_true")
    sp.add_argument("--force", action="store_true")
    g = sp.add_mutually_exclusive_group()
    g.add_argument("--wait", action="store_true")
    g.add_argument("--complete", action="store_true")
    sp.set_defaults(afunc=_message)

    sp = sub.add_parser("status", help="status of a flow (journal id or tx hash), or list flows")
    flowopts(sp, key=False)
    sp.add_argument("ref", nargs="?", help="journal id (or unique prefix) or initiating tx hash")
    sp.add_argument("--chain", help="chain of the tx hash (when not in the journal)")
    sp.add_argument("--all", action="store_true", help="list finished flows too")
    sp.set_defaults(afunc=_status)

    sp = sub.add_parser("resume", help="finish every unfinished journaled flow")
    flowopts(sp)
    sp.set_defaults(afunc=_resume)

    sp = sub.add_parser("finalize", help="perform the remaining steps of one journaled flow")
    flowopts(sp)
    sp.add_argument("id", help="journal id (or unique prefix)")
    sp.set_defaults(afunc=_finalize)

    sp = sub.add_parser("devnet", help="run the local multi-chain devnet in the foreground")
    sp.add_argument("--no-opstack", action="store_true")
    sp.add_argument("--no-arbitrum", action="store_true")
    sp.add_argument("--for-seconds", type=float, default=None, help=argparse.SUPPRESS)
    sp.set_defaults(afunc=_devnet)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "balances" and args.block.isdigit():
        args.block = int(args.block)
    try:
        if hasattr(args, "afunc"):
            return int(asyncio.run(args.afunc(args)))
        return int(args.func(args))
    except InteropError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
