"""The `interop` command line.

Built on argparse (standard library) so the CLI costs no extra dependency and `interop --help`
starts fast: heavy modules are imported inside each command.

Keys never come from arguments: `send` reads the private key from an environment variable
(`INTEROP_PRIVATE_KEY` by default, `--key-env` to choose another).

Chains: built-ins by name/id/alias; `--chains-file F` (TOML/JSON) adds or overrides chains;
`--devnet` loads the file a running `interop devnet` wrote, so every command works against the
local devnet with no RPC keys.

Exit codes say what happened, because a script decides from them whether it may try again:

- 0  success;
- 1  a flow failed on chain, or needs a person (`ManualActionRequired`: the printed action says
     what to do; no command of ours can finish it), or `resume` left one with an error, or
     `balances` could not read every chain, or `scan` stopped at a chain's error after it had
     journaled flows (nothing was signed; what it journaled is printed);
- 2  refused or failed before anything was signed: nothing was sent, fixing the input and running
     again is safe (argparse errors too; an internal error before signing as well);
- 3  something was signed during this command (so it may have been sent and may execute) and the
     command did not finish as asked: every signed transaction hash and its journal flow id is
     printed; do not retry, run `interop status <id>` / `interop resume`;
- 130 interrupted (Ctrl-C); what was signed before is printed as for 3.

"Signed during this command" is known exactly: the CLI wraps the account so every signature is
counted (its hash noted before the library can broadcast it), and errors that carry a `tx_hash`
with `may_have_executed` add theirs. No traceback reaches the user: an unexpected exception is
printed as `internal error: <type>: <message>` (exit 3 if anything was signed, else 2).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import math
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, Final
from urllib.parse import urlsplit

from interop.errors import InputError, InteropError

__all__ = ["main"]


# --------------------------------------------------------------------------------------------
# what this command signed (for the exit code), and keeping keys out of messages

EXIT_OK, EXIT_FAILED, EXIT_REFUSED, EXIT_SENT, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

_KEY_SHAPED = re.compile(r"(?<![0-9a-fA-F])[0-9a-fA-F]{64}(?![0-9a-fA-F])")
_WHOLE_KEY = re.compile(r"\s*(?:0[xX])?[0-9a-fA-F]{64}\s*")
_MIN_INTERVAL = 0.1  # seconds; below this a status loop is a busy loop against a public RPC


class _Run:
    """What one command invocation did that its exit code and error report must tell.

    `signed` gets every transaction hash the account signed during the command (in order, with
    its chain id); `journal` is the journal the command opened (kept open until the report is
    printed, so the flow ids of those hashes can be looked up, even for `:memory:`).
    """

    def __init__(self, argv: Sequence[str]) -> None:
        self.started = time.time()
        self.signed: list[tuple[int, str]] = []
        self.journal: Any = None
        self.chains: list[Any] | None = None  # `_flow_chains`, read once per command
        self.sender: str | None = None
        self.key_env = "INTEROP_PRIVATE_KEY"
        self.secrets = {m.group(0).lower() for a in argv for m in _KEY_SHAPED.finditer(a)}

    def redact(self, text: str) -> str:
        """`text` without any 64-hex-digit value given on the command line (a private key pasted
        in the wrong place) and without the key in the key variable."""
        from interop.signer import redact

        for body in self.secrets:
            text = redact(text, bytes.fromhex(body))
        key = os.environ.get(self.key_env, "").strip()
        body = key[2:] if key[:2] in ("0x", "0X") else key
        if _KEY_SHAPED.fullmatch(body):
            text = redact(text, bytes.fromhex(body))
        return text

    def flow_ids(self, extra: Sequence[str | None] = ()) -> list[str]:
        """Journal flows this command touched: the flows of the signed hashes, the flows it
        created (by this sender, since it started), and any named by the error."""
        out: list[str] = [f for f in extra if f]
        j = self.journal
        if j is not None:
            with contextlib.suppress(Exception):
                for _, h in self.signed:
                    rec = j.find_by_tx(h)
                    if rec is not None:
                        out.append(rec.id)
                for rec in j.flows():
                    if rec.created >= self.started - 1 and rec.sender == self.sender:
                        out.append(rec.id)
        return list(dict.fromkeys(out))


class _CountingSigner:
    """Wraps the command's account and notes the hash of every transaction it signs.

    The note is taken when the signature exists, before any layer can broadcast it: if the
    command then fails, the CLI knows the transaction may be on its way and must not say
    "nothing was sent". Repr shows the address only; the wrapped signer redacts its own errors.
    """

    __slots__ = ("_inner", "_run")

    def __init__(self, inner: Any, run: _Run) -> None:
        self._inner = inner
        self._run = run

    @property
    def address(self) -> str:
        return str(self._inner.address)

    def sign_transaction(self, transaction_dict: dict[str, Any]) -> Any:
        signed = self._inner.sign_transaction(transaction_dict)
        tx_hash = "0x" + bytes(signed.hash).hex()
        self._run.signed.append((int(transaction_dict.get("chainId") or 0), tx_hash))
        return signed

    def __repr__(self) -> str:
        return f"_CountingSigner(address={self.address})"

    def __reduce__(self) -> Any:
        raise TypeError("signers cannot be pickled or copied")


_CLI_WORDING = (
    # (the library's wording, what a CLI user types instead); longest first
    (
        "complete(send_abandoned=True) or resume(include_abandoned=True) sends it now",
        "`interop resume --include-abandoned` sends it now",
    ),
    ("resume(include_abandoned=True) sends it", "`interop resume --include-abandoned` sends it"),
    (
        "call wait()/complete() again or `interop resume`",
        "run `interop resume` (or `interop finalize ID` for this flow) to go on",
    ),
    ("call complete() / `interop resume` again", "run `interop resume` again"),
)


def _for_cli(text: str) -> str:
    """`text` (an error, hint or skip reason from the library) with its Python option names
    replaced by the CLI's: a CLI user was told `include_abandoned=True` or "call
    wait()/complete() again", which they cannot type. Library users keep the library wording."""
    for lib, cli in _CLI_WORDING:
        text = text.replace(lib, cli)
    return text


def _run_of(args: argparse.Namespace) -> _Run:
    run = getattr(args, "run", None)
    if run is None:  # a command function called directly (tests); no report needed
        run = _Run([])
        args.run = run
    assert isinstance(run, _Run)
    return run


def _account(args: argparse.Namespace) -> _CountingSigner:
    """The command's signer (key from the environment), counted."""
    from interop.signer import account_from_env

    run = _run_of(args)
    run.key_env = args.key_env
    signer = _CountingSigner(account_from_env(args.key_env), run)
    run.sender = signer.address
    return signer


def devnet_journal(chain_file: Path | None = None) -> Path:
    """The journal of `--devnet` commands: beside the devnet's chain file (`devnet-chains.json`
    -> `devnet-chains.journal.sqlite3`), so devnet flows never reach the user's real journal
    (where production `status` / `resume` / `watch` met them as "unknown chain 901"). `interop
    devnet` names the same file and removes it when it starts and stops: its flows are as
    ephemeral as the chains they ran on."""
    f = devnet_file() if chain_file is None else chain_file
    return f.with_name(f"{f.stem}.journal.sqlite3")


def _journal_path(args: argparse.Namespace) -> str | None:
    """`--journal`, else `$INTEROP_JOURNAL`, else with `--devnet` the devnet's own journal, else
    None (the journal module's default: the user data dir)."""
    given = getattr(args, "journal", None)
    if given is not None:
        return str(given)
    if getattr(args, "devnet", False) and not os.environ.get("INTEROP_JOURNAL"):
        return str(devnet_journal())
    return None


def _journal(args: argparse.Namespace) -> Any:
    """The journal, opened by the CLI (not by Interop) so it outlives the Interop and the error
    report can name the flows of what was signed."""
    from interop.journal import Journal

    run = _run_of(args)
    if run.journal is None:
        run.journal = Journal(_journal_path(args))
    return run.journal


# --------------------------------------------------------------------------------------------
# input checks the CLI makes before it builds anything that can send


def _not_a_key(what: str, value: str) -> str:
    """Refuse a value that is exactly a 32-byte hex string where no such value belongs (a chain,
    an amount, a flow id): almost surely a private key pasted in the wrong place. Not shown."""
    if _WHOLE_KEY.fullmatch(value):
        raise InputError(
            f"{what} looks like a private key (64 hex digits; not shown)",
            hint="keys are read from an environment variable (--key-env), never from arguments;"
            " if this was your key, treat it as exposed (shell history) and move the funds",
        )
    return value


def _seconds(what: str, minimum: float) -> Callable[[str], float]:
    """An argparse type: a finite number of seconds >= `minimum` (0 or negative intervals and
    timeouts made a status loop spin; `nan`/`inf` made it wait forever or never)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{what} must be a number of seconds, got {text!r}"
            ) from None
        if not math.isfinite(value) or value < minimum or value <= 0:
            raise argparse.ArgumentTypeError(
                f"{what} must be a finite number of seconds >= {minimum:g}, got {text!r}"
                + (" (omit it to wait without a limit)" if what == "--timeout" else "")
            )
        return value

    return parse


def _amount(what: str, text: str, *, allow_zero: bool, waiver: str | None) -> int:
    from interop.errors import InvalidAmountError
    from interop.units import parse_amount

    if re.fullmatch(r"\s*[0-9]*\.?[0-9]+\s*", _not_a_key(what, text)):
        # "1" could mean 1 wei or 1 ether, a factor of 10**18: the CLI makes you say which
        raise InvalidAmountError(
            f"{what} {text!r} has no unit",
            hint=f"write e.g. {text.strip()}ether or {text.strip()}gwei"
            + ("" if "." in text else f" or {text.strip()}wei"),
        )
    value = parse_amount(text)
    if value == 0 and not allow_zero:
        raise InvalidAmountError(
            f"{what} {text!r} is zero: the transaction would pay a fee and move nothing",
            hint="pass a positive amount" + (f" (or {waiver} if you mean it)" if waiver else ""),
        )
    return value


def _address(what: str, text: str, reg: Any, chain: Any, *, allow_zero: bool, waiver: str) -> str:
    """Parse `text` as an address on `chain` (any accepted form); refuse the zero address (funds
    sent there are burned) unless waived. A key-shaped value is refused without echoing it."""
    from interop.addresses import parse_address_with_chain
    from interop.errors import InvalidAddressError
    from interop.types import ZERO_ADDRESS

    try:
        _, addr = parse_address_with_chain(text, reg, chain=chain)
    except InputError:
        _not_a_key(what, text)
        raise
    if addr == ZERO_ADDRESS and not allow_zero:
        raise InvalidAddressError(
            f"{what} {text!r} is the zero address: whatever is sent there is lost",
            hint=f"check the address (or pass {waiver} if you really mean it)",
        )
    return str(addr)


def _chain_arg(reg: Any, what: str, text: str) -> Any:
    return reg.get(_not_a_key(what, text))


def _check_url(name: str, url: str) -> str:
    """An RPC URL the transport can use: http(s)/ws(s), a host, ASCII only (a non-ASCII URL used
    to end in a UnicodeError traceback deep in aiohttp)."""
    shown = repr(url)
    if not url.isascii():
        raise InputError(
            f"--rpc URL for {name} has non-ASCII characters: {shown}",
            hint="write the host in its ASCII (punycode) form and percent-encode the path",
        )
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise InputError(f"--rpc URL for {name} is not a valid URL: {shown}") from None
    if parts.scheme not in ("http", "https", "ws", "wss") or not parts.hostname:
        raise InputError(
            f"--rpc URL for {name} must be http(s):// or ws(s):// with a host, got {shown}"
        )
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise InputError(f"--rpc URL for {name} contains whitespace or control characters")
    return url


_FLOW_ID = re.compile(r"[A-Za-z0-9-]{1,64}")


def _flow_id_arg(text: str) -> str:
    """A journal flow id or prefix: letters, digits and '-' (SQL LIKE wildcards refused, so
    `______` cannot match someone's flow)."""
    _not_a_key("the flow id", text)
    if not _FLOW_ID.fullmatch(text):
        raise InputError(
            f"{text!r} is not a journal flow id",
            hint="ids are hex, e.g. 3f9c2a1b44d0e7a2 (a unique prefix of >= 6 works);"
            " `interop status` lists them",
        )
    return text


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
            _not_a_key("--rpc", item)
            raise InputError(f"--rpc expects CHAIN=URL, got {item!r}")
        name, url = item.split("=", 1)
        chain = _chain_arg(reg, "the chain of --rpc", name)
        out.setdefault(chain.id, []).append(_check_url(chain.name, url))
    return out


def _chains_for(args: argparse.Namespace, reg: Any, default_all_with_rpc: bool = True) -> list[Any]:
    overrides = _rpc_overrides(args, reg)
    if getattr(args, "chains", None):
        chains = [
            _chain_arg(reg, "--chains", x.strip()) for x in args.chains.split(",") if x.strip()
        ]
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
        stacks = sorted({c.stack for c in chains})
        if args.stack not in stacks:
            raise InputError(f"unknown stack {args.stack!r}", hint=f"one of {', '.join(stacks)}")
        chains = [c for c in chains if c.stack == args.stack]
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
            c.stack,
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
    for a in args.addresses:
        _address("address", a, reg, None, allow_zero=True, waiver="")
    chains = _chains_for(args, reg)
    if not chains:
        raise InputError("no chains selected", hint="pass --chains NAME,NAME or --devnet")
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
    from interop.units import format_ether

    # every check before anything that can sign exists
    reg = _registry(args)
    chain = _chain_arg(reg, "--chain", args.chain)
    value = _amount("--value", args.value, allow_zero=args.allow_zero, waiver="--allow-zero")
    to = _address(
        "--to",
        args.to,
        reg,
        chain,
        allow_zero=args.allow_zero_address,
        waiver="--allow-zero-address",
    )
    overrides = _rpc_overrides(args, reg)
    if chain.id in overrides:
        chain = chain.with_rpc(*overrides[chain.id])
    signer = _account(args)
    async with Interop([chain], account=signer, journal=_journal(args)) as io:
        res = await io.transfer(
            chain.id,
            to=to,
            value=value,
            wait=not args.no_wait,
            force=args.allow_zero_address,  # the library's waiver of its zero-address refusal
            allow_zero=args.allow_zero,
            patience=args.patience,
        )
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


@contextlib.contextmanager
def _claim_devnet_file() -> Iterator[tuple[Path, bool]]:
    """The chain file this `interop devnet` may write, and whether it is the shared one.

    The first devnet holds an exclusive lock (`<file>.lock`, flock) for its lifetime and owns
    `devnet_file()`, which `--devnet` reads. A second devnet running at the same time must not
    overwrite that file (the first one's users would suddenly talk to other nodes) nor delete it
    when it stops: it writes `<stem>-<pid>.json` next to it instead and says so. The lock dies
    with its process (even on SIGKILL), so a crashed devnet never blocks the next one.
    """
    import fcntl

    shared = devnet_file()
    shared.parent.mkdir(parents=True, exist_ok=True)
    lock = open(f"{shared}.lock", "a+")  # noqa: SIM115 - held until the devnet stops
    try:
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            path, owner = shared, True
        except OSError:
            path, owner = shared.with_name(f"{shared.stem}-{os.getpid()}{shared.suffix}"), False
        _drop_devnet_journal(path)  # a previous devnet's flows name chains that are gone
        try:
            yield path, owner
        finally:
            path.unlink(missing_ok=True)  # ours alone: the shared one only while we hold the lock
            _drop_devnet_journal(path)
    finally:
        lock.close()


def _drop_devnet_journal(chain_file: Path) -> None:
    """Remove the `--devnet` journal of `chain_file` (and SQLite's side files)."""
    j = devnet_journal(chain_file)
    for f in (j, j.with_name(j.name + "-wal"), j.with_name(j.name + "-shm")):
        with contextlib.suppress(OSError):
            f.unlink(missing_ok=True)


def _devnet_parts(without: Sequence[str]) -> dict[str, bool]:
    """`--without NAME` (or `--no-NAME`) -> `NAME=False` for the devnet preset: the names are
    the preset's own switches (its keyword parameters defaulting to True), read from it, so the
    CLI lists no family itself."""
    import inspect

    from interop.devnet.presets import default_config

    known = [
        p.name
        for p in inspect.signature(default_config).parameters.values()
        if p.kind is inspect.Parameter.KEYWORD_ONLY and p.default is True
    ]
    for name in without:
        if name.replace("-", "_") not in known:
            raise InputError(f"the devnet has no part {name!r}", hint=f"one of {', '.join(known)}")
    return {name.replace("-", "_"): False for name in without}


async def _devnet(args: argparse.Namespace) -> int:
    from interop.devnet.core import Devnet

    # real time: an L1 block every second so periods elapse as on a live chain
    dn = Devnet.default(**_devnet_parts(args.without or []), tick_seconds=1.0)
    async with dn:
        with _claim_devnet_file() as (f, shared):
            f.write_text(devnet_chains_json(list(dn.chains.values())))
            print("interop devnet is running (Ctrl-C to stop)\n")
            _print_table(
                [
                    [str(c.id), c.name, c.stack, c.rpc_urls[0] if c.rpc_urls else ""]
                    for c in dn.chains.values()
                ],
                ["chain id", "name", "stack", "rpc url"],
            )
            print("\nfunded test accounts (public devnet keys; never use them elsewhere):")
            for i, (addr, key) in enumerate(dn.accounts[:4]):
                print(f"  [{i}] {addr}  {key}")
            if shared:
                print(f"\nchain file: {f}  (use `interop ... --devnet`)")
            else:
                print(
                    f"\nanother `interop devnet` is running and owns {devnet_file()};"
                    f"\nchain file: {f}  (use `INTEROP_DEVNET_FILE={f} interop ... --devnet`)"
                )
            print(
                f"journal of `--devnet` commands: {devnet_journal(f)} (removed when the devnet"
                " stops)",
                flush=True,
            )
            # SIGTERM / SIGINT end the wait so that every node we started is stopped and the
            # chain file removed, rather than leaving orphan anvil processes behind.
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
            # a crashed background relayer ends the command at once (non-zero), rather than
            # leaving a devnet that silently stopped relaying
            stopped = asyncio.ensure_future(stop.wait())
            crashed = asyncio.ensure_future(dn.watch())
            try:
                await asyncio.wait(
                    {stopped, crashed},
                    timeout=args.for_seconds,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                if crashed.done():
                    crashed.result()  # raises the DevnetError naming the relayer and its cause
            finally:
                for t in (stopped, crashed):
                    t.cancel()
                print("stopping the devnet", flush=True)
    return 0


# --------------------------------------------------------------------------------------------
# bridging commands: bridge / message / status / resume / finalize


def _flow_chains(args: argparse.Namespace) -> list[Any]:
    """`_load_flow_chains`, once per command: `_reachable` asks for every chain argument and
    `_interop` again, and each load reads the chain files."""
    run = _run_of(args)
    if run.chains is None:
        run.chains = _load_flow_chains(args)
    return run.chains


def _load_flow_chains(args: argparse.Namespace) -> list[Any]:
    """Every chain with an RPC URL (built-ins, --chains-file, --devnet), RPC overrides applied.

    With `--devnet`, only the devnet's chains and those the user named (`--chains-file`,
    `$INTEROP_CHAINS_FILE`, `--rpc`): the built-ins' public RPCs used to be loaded too, so
    `interop scan ADDR --devnet` sent the address to public mainnet RPCs and waited for them to
    time out."""
    reg = _registry(args)
    overrides = _rpc_overrides(args, reg)
    chains = [c.with_rpc(*overrides[c.id]) if c.id in overrides else c for c in reg.all()]
    if getattr(args, "devnet", False):
        from interop.chains.loader import load_chains

        files = [str(devnet_file()), os.environ.get("INTEROP_CHAINS_FILE")]
        files.append(getattr(args, "chains_file", None))
        wanted = set(overrides)
        for name in filter(None, files):
            wanted.update(c.id for c in load_chains(name, base=reg))
        chains = [c for c in chains if c.id in wanted]
    return [c for c in chains if c.rpc_urls]


def _reachable(args: argparse.Namespace, reg: Any, what: str, given: str) -> Any:
    """`chain` if a flow command can talk to it (it is among `_flow_chains`), else an error that
    says how: a chain the registry knows without an RPC URL (the devnet's, before `--devnet`)
    used to end in "unknown chain 901" and a 32-name "did you mean"."""
    chain = _chain_arg(reg, what, given)
    if any(c.id == chain.id for c in _flow_chains(args)):
        return chain
    devnet = chain.name.startswith("devnet-")
    if getattr(args, "devnet", False):
        why = "is not a chain of the running devnet (its chain file does not list it)"
    else:
        why = "has no RPC URL"
    raise InputError(
        f"chain {chain.name} ({chain.id}) {why}",
        hint=(
            "start `interop devnet` in another shell and add `--devnet`, or pass"
            f" `--rpc {given}=URL`"
            if devnet and not getattr(args, "devnet", False)
            else f"pass `--rpc {given}=URL` (or define it in --chains-file)"
        ),
    )


def _interop(args: argparse.Namespace, *, signer: bool = True) -> Any:
    """The Interop of a flow command: its account counted (`_account`), the journal the CLI's."""
    from interop.facade import Interop

    chains = _flow_chains(args)
    account = _account(args) if signer else None
    return Interop(chains, account=account, journal=_journal(args))


def _progress(args: argparse.Namespace) -> Any:
    """Simple progress lines on stderr (stdout stays clean for --json), each starting with the
    flow's journal id as `interop status` lists it: `resume` drives several flows at once and
    their lines interleave."""

    def show(ev: Any) -> None:
        st = ev.state
        hop = f"{st.flow_id or '(not journaled)'} [hop {st.hop + 1}/{len(st.hops)}]"
        if ev.what == "waiting":
            eta = "" if st.seconds_to_next is None else f", next step in ~{st.seconds_to_next}s"
            print(
                f"{hop} {st.status.value} ({st.native}){eta}; checking again in {ev.seconds:.3g}s",
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
        + (f"; who acts: {st.actor.value}" if getattr(st, "actor", None) else "")
    )
    if getattr(st, "action", None):
        print(f"  manual action needed: {st.action}")
    if st.native in _SIGNED_NO_RECEIPT:
        # the chain acts if the node has the transaction; if its answer was lost before it got
        # there, only a re-send helps: say which command does it without risking a second one
        print(
            "  a signed transaction has no receipt yet; if it does not appear, `interop resume`"
            " re-sends the same signed bytes (never a new transaction)"
        )
    if flow.tx_hash:
        print(f"  first tx: {flow.tx_hash}")


_SIGNED_NO_RECEIPT: Final = frozenset({"sent", "initiate-sent"})


def _report(args: argparse.Namespace, flow: Any, st: Any) -> int:
    """Print the state; exit 1 when the flow failed on chain, so a script never reads a
    reverted bridge or message as a success."""
    _print_state(args, flow, st)
    return 1 if st.status.value == "failed" else 0


def _plan_source(io: Any, kind: Any = None) -> Any:
    """Reads a hop's planned steps from its adapter (for the progress picture): cheap reads,
    done once per route; the flow's kind from the journal, else `kind`."""
    from interop.adapters.base import AdapterContext, FlowKind

    async def plans(flow_id: str | None, hop: Any) -> tuple[Any, ...]:
        k = io.flow(flow_id).kind if flow_id else (kind or FlowKind.ETH)
        ctx = AdapterContext(io.client(hop.source), io.client(hop.target))
        return tuple(await io.adapter(hop.adapter).plan(ctx, hop.direction, k))

    return plans


@contextlib.contextmanager
def _shown(args: argparse.Namespace, io: Any, kind: Any = None, label: str = "") -> Iterator[Any]:
    """The `progress` callback of a long wait. On a terminal (not --json, `rich` installed): a
    live picture of every hop's steps, who acts and when, on stderr (`interop.cli.progress`);
    elsewhere the plain lines of `_progress`, exactly as before (pipes, logs and --json rely on
    them). The picture is taken down before the command prints its result or an error."""
    from interop.cli.progress import FlowBoard, make_console

    console = make_console(json_output=bool(getattr(args, "json", False)))
    if console is None:
        yield _progress(args)
        return
    names = {c.id: c.name for c in io.chains}
    with FlowBoard(console, names=names, plans=_plan_source(io, kind), label=label) as board:
        yield board


async def _drive(args: argparse.Namespace, flow: Any, io: Any) -> Any:
    if not (getattr(args, "complete", False) or getattr(args, "wait", False)):
        return await flow.status()
    with _shown(args, io, flow.kind) as progress:
        if getattr(args, "complete", False):
            return await flow.complete(
                progress=progress,
                timeout=args.timeout,
                poll=min(1.0, args.max_interval),
                max_interval=args.max_interval,
            )
        return await flow.wait(
            progress=progress,
            timeout=args.timeout,
            poll=min(1.0, args.max_interval),
            max_interval=args.max_interval,
        )


def _signs(args: argparse.Namespace) -> bool:
    """Whether the command needs its key: a `--plan` sends nothing, so it plans without one
    (from the key's account when one is set: fees and the default recipient are then its)."""
    return not args.plan or bool(os.environ.get(args.key_env))


def _waivers(args: argparse.Namespace) -> set[str]:
    """The refusal codes this command waives: each `--waive CODE`, and `zero-recipient` for
    `--allow-zero-address` (the library's own zero-address refusal)."""
    codes = {c.strip() for c in (args.waive or []) if c.strip()}
    if args.allow_zero_address:
        codes.add("zero-recipient")
    return codes


async def _bridge(args: argparse.Namespace) -> int:
    reg = _registry(args)
    src = _reachable(args, reg, "--from", args.source)
    dst = _reachable(args, reg, "--to", args.target)
    value = _amount("--value", args.value, allow_zero=False, waiver=None)
    recipient = args.recipient
    if recipient is not None:
        recipient = _address(
            "--recipient",
            recipient,
            reg,
            dst,
            allow_zero=args.allow_zero_address,
            waiver="--allow-zero-address",
        )
    async with _interop(args, signer=_signs(args)) as io:
        if args.plan:
            plan = await io.plan(value, src.id, dst.id, recipient)
            print(json.dumps(plan.to_dict(), indent=2) if args.json else plan.describe())
            return 0
        flow = await io.bridge(
            value, src.id, dst.id, recipient, waive=_waivers(args), force=args.force
        )
        if not args.json:
            print(f"flow {flow.id} started: {flow.tx_hash}", file=sys.stderr)
        return _report(args, flow, await _drive(args, flow, io))


async def _message(args: argparse.Namespace) -> int:
    from interop.facade import calldata_bytes

    reg = _registry(args)
    src = _reachable(args, reg, "--from", args.source)
    dst = _reachable(args, reg, "--to", args.target)
    value = _amount("--value", args.value, allow_zero=True, waiver=None) if args.value else 0
    target = _address(
        "--target",
        args.target_address,
        reg,
        dst,
        allow_zero=args.allow_zero_address,
        waiver="--allow-zero-address",
    )
    data = calldata_bytes(args.data)
    async with _interop(args, signer=_signs(args)) as io:
        if args.plan:
            plan = await io.plan(value, src.id, dst.id, target, data=data, message=True)
            print(json.dumps(plan.to_dict(), indent=2) if args.json else plan.describe())
            return 0
        flow = await io.send_message(
            src.id, dst.id, target, data, value, waive=_waivers(args), force=args.force
        )
        if not args.json:
            print(f"flow {flow.id} started: {flow.tx_hash}", file=sys.stderr)
        return _report(args, flow, await _drive(args, flow, io))


async def _refresh(flows: Sequence[Any]) -> dict[str, Any]:
    """Read each unfinished flow's status from chain (which records it in the journal) before
    listing: the journal alone showed flows as pending that had long been finalized on chain.
    A flow that cannot be checked keeps its last recorded status, with a note on stderr.
    Returns the states read, by flow id."""
    gate = asyncio.Semaphore(8)
    states: dict[str, Any] = {}

    async def one(flow: Any) -> None:
        async with gate:
            try:
                states[flow.record.id] = await asyncio.wait_for(flow.status(), 30)
            except (InteropError, TimeoutError) as exc:
                why = exc.message if isinstance(exc, InteropError) else "timed out"
                print(
                    f"flow {flow.record.id}: not checked on chain ({why}); last recorded status"
                    " shown",
                    file=sys.stderr,
                )

    await asyncio.gather(*(one(f) for f in flows))
    return states


class _ChainClock:
    """Each chain's latest block time, read once per command: a deadline is in chain time (on
    the devnet chain time runs far ahead of the wall clock). A chain that cannot be read falls
    back to the wall clock, and says so."""

    def __init__(self, io: Any) -> None:
        self.io = io
        self.seen: dict[int, tuple[int, bool]] = {}

    async def now(self, chain_id: int) -> tuple[int, bool]:
        """(unix seconds, True when read from the chain)."""
        if chain_id not in self.seen:
            try:
                block = await asyncio.wait_for(self.io.client(chain_id).get_block("latest"), 10)
                ts = block["timestamp"]
                self.seen[chain_id] = (int(ts, 16) if isinstance(ts, str) else int(ts), True)
            except (InteropError, TimeoutError, KeyError, TypeError, ValueError):
                self.seen[chain_id] = (int(time.time()), False)
        return self.seen[chain_id]


async def _deadline(io: Any, rec: Any, st: Any, clock: _ChainClock) -> dict[str, Any] | None:
    """A flow's deadline, for `interop status`; None when it has none and no alert.

    The deadline is the current hop status's own (`details["timeout" | "deadline" |
    "expires_at"]`, unix seconds on the hop's target chain: e.g. an Arbitrum retryable's
    expiry), else, once the status no longer carries it (an expired ticket has no timeout left)
    or when only the journal is at hand, the last `deadline-at` event the watch deadline
    watchdog journaled (`interop.watch`). Alerts are the watchdog's `deadline` events (missed,
    or near and it cannot act). A finalized flow has no deadline left, but keeps its alerts."""
    from interop.watch import DEADLINE_KEYS  # the watchdog's keys: one definition of both

    events = io.journal.events(rec.id) if rec is not None else []
    alerts = [{"at": t, "message": d} for t, w, d in events if w == "deadline"]
    status = st.status.value if st is not None else rec.status
    at: int | None = None
    hop: int | None = None
    if status != "finalized":
        hs = st.hops[st.hop].status if st is not None and st.hops else None
        if hs is not None:
            v = next((hs.details.get(k) for k in DEADLINE_KEYS if hs.details.get(k)), None)
            if isinstance(v, int) and not isinstance(v, bool) and v > 0:
                at, hop = v, st.hop
        for _, what, detail in reversed(events) if at is None else ():
            h, _, a = detail.partition(" ")
            if (
                what == "deadline-at"
                and h.isdigit()
                and a.isdigit()
                and (st is None or int(h) == st.hop)
            ):
                at, hop = int(a), int(h)
                break
    if at is None and not alerts:
        return None
    out: dict[str, Any] = {"alerts": alerts}
    if at is not None and hop is not None and rec is not None and hop < len(rec.hops):
        h = rec.hops[hop]
        now, exact = await clock.now(h.target_chain)
        out.update(
            hop=hop,
            adapter=h.adapter,
            chain_id=h.target_chain,
            at=at,
            seconds_left=at - now,
            missed=at <= now,
            chain_time=exact,
        )
    return out


def _deadline_short(info: dict[str, Any] | None) -> str:
    """`in 6d 23h` / `MISSED 3m ago` / `alert` (a listing's column)."""
    from interop.cli.progress import fmt_duration

    if not info:
        return ""
    if "at" not in info:
        return "alert" if info["alerts"] else ""
    left = int(info["seconds_left"])
    return f"MISSED {fmt_duration(-left)} ago" if left <= 0 else f"in {fmt_duration(left)}"


def _deadline_lines(info: dict[str, Any] | None) -> list[str]:
    """What `interop status ID` prints about a deadline: when it expires (or that it was
    missed), and each alert the watchdog raised."""
    from datetime import UTC, datetime

    from interop.cli.progress import fmt_duration

    if not info:
        return []

    def utc(t: float) -> str:
        return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M UTC")

    out: list[str] = []
    if "at" in info:
        what = f"hop {info['hop'] + 1} ({info['adapter']})"
        when = utc(info["at"]) + ("" if info["chain_time"] else "; wall clock, chain unreadable")
        left = int(info["seconds_left"])
        if left <= 0:
            out.append(f"deadline: MISSED: {what} expired {fmt_duration(-left)} ago ({when})")
        else:
            out.append(f"deadline: {what} expires in {fmt_duration(left)} ({when})")
    for a in info["alerts"]:
        out.append(f"deadline alert at {utc(a['at'])}: {a['message']}")
    return out


async def _status(args: argparse.Namespace) -> int:
    if args.ref and args.ref[:2] not in ("0x", "0X"):
        _flow_id_arg(args.ref)
    async with _interop(args, signer=False) as io:
        if not args.ref:
            states = await _refresh(io.flows(unfinished=True))
            flows = io.flows(unfinished=not args.all)
            clock = _ChainClock(io)
            deadlines = {  # a finalized flow has none left: not one journal read per such row
                f.record.id: await _deadline(io, f.record, states.get(f.record.id), clock)
                for f in flows
                if f.record.status != "finalized"
            }
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
                show_deadlines = any(deadlines.values())
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
                        + ([_deadline_short(deadlines.get(f.record.id))] if show_deadlines else [])
                        for f in flows
                    ],
                    ["id", "kind", "route", "value (wei)", "status", "done"]
                    + (["deadline"] if show_deadlines else []),
                )
            return 0
        flow = await _flow_by_ref(io, args, args.ref)
        st = await flow.status()
        rec = flow.record if flow.id is not None else None
        info = await _deadline(io, rec, st, _ChainClock(io))
        if args.json:
            print(json.dumps({**_state_json(flow, st), **({"deadline": info} if info else {})}))
            return 0
        _print_state(args, flow, st)
        for line in _deadline_lines(info):
            print(f"  {line}")
    return 0


async def _flow_by_ref(io: Any, args: argparse.Namespace, ref: str) -> Any:
    """The flow a journal id (or prefix) or an initiating transaction hash names; a hash the
    journal does not know is looked up on `--chain` through the adapters (a flow started
    elsewhere: journaled once a step is performed for it)."""
    if ref[:2] in ("0x", "0X") and len(ref) == 66 and _KEY_SHAPED.fullmatch(ref[2:]):
        # a transaction hash (if it was a key pasted by mistake, errors redact it)
        known = io.journal.find_by_tx(ref.lower())
        if known is not None:
            return io.flow(known.id)
        if not getattr(args, "chain", None):
            raise InputError(
                "a transaction hash that is not in the journal needs --chain"
                " (the chain it was sent on)"
            )
        return await io.flow_from_tx(
            _reachable(args, _registry(args), "--chain", args.chain).id, ref
        )
    return io.flow(_flow_id_arg(ref))


async def _scan(args: argparse.Namespace) -> int:
    """`interop scan ADDRESS`: interop.scan over the configured chains; one line per flow found."""
    from interop.scan import scan_address

    async with _interop(args, signer=False) as io:
        reg = _registry(args) if args.chains else None
        chains = (
            [
                io.chain(_reachable(args, reg, "--chains", c.strip()).id)
                for c in args.chains.split(",")
                if c.strip()
            ]
            if args.chains
            else io.chains
        )
        since: Any = None
        for item in args.since or ():
            chain, sep, block = item.rpartition("=")
            if not block.strip().isdigit():
                raise InputError(f"--since wants BLOCK or CHAIN=BLOCK, got {item!r}")
            if sep:
                since = since if isinstance(since, dict) else {}
                since[io.chain(chain.strip()).id] = int(block)
            elif isinstance(since, dict):
                raise InputError("--since: give one BLOCK for every chain, or CHAIN=BLOCK each")
            else:
                since = int(block)
        try:
            found = await scan_address(
                io, io.adapters, chains, args.address, since=since, persist=not args.dry_run
            )
        except (InteropError, TimeoutError) as exc:
            # one chain failed; the others may have journaled flows already: say which, so
            # "nothing was signed or sent" is not read as "nothing happened"
            if args.dry_run or not _scan_imported(args, io):
                raise
            why = exc.message if isinstance(exc, InteropError) else "timed out"
            print(f"error: {_run_of(args).redact(why)}", file=sys.stderr)
            print(
                "the scan did not read every chain; nothing was signed or sent; run it again"
                " for the rest (flows already in the journal are not imported twice)",
                file=sys.stderr,
            )
            return EXIT_FAILED
    _print_scan(args, found)
    return 1 if any(r.error for r in found) else 0


def _print_scan(args: argparse.Namespace, found: Sequence[Any]) -> None:
    """`scan`'s results on stdout: a JSON list of `ScanResult`s, or a line each."""
    if args.json:
        print(json.dumps([r.__dict__ for r in found]))
        return
    if not found:
        print("no flows found")
    for r in found:
        what = "imported" if r.imported else r.error or "already in the journal"
        if args.dry_run and not r.error:
            what = "found"
        print(f"{r.chain_id} -> {r.target_chain} {r.tx_hash} {r.flow_id or ''} {what}")


def _scan_imported(args: argparse.Namespace, io: Any) -> bool:
    """Print the flows this scan journaled (to stdout, as a full scan would); True if any."""
    from interop.scan import ScanResult

    started = _run_of(args).started
    recs = [r for r in io.journal.flows() if r.options.get("scanned") and r.created >= started - 1]
    found = [
        ScanResult(
            chain_id=r.source_chain,
            tx_hash=next((d for _, w, d in io.journal.events(r.id) if w == "imported by scan"), ""),
            flow_id=r.id,
            imported=True,
            target_chain=r.target_chain,
        )
        for r in recs
    ]
    if found or args.json:
        _print_scan(args, found)
    if found:
        print(f"journaled {len(found)} flow(s) before the error", file=sys.stderr)
    return bool(found)


async def _watch(args: argparse.Namespace) -> int:
    """`interop watch`: a worker (interop.watch) until SIGTERM / SIGINT, --timeout or, with
    --until-idle, nothing left; a line per event on stderr (on a terminal: a live table of the
    flows in hand, `interop.cli.progress.WatchBoard`), a summary on stdout."""
    from interop.cli.progress import WatchBoard, make_console
    from interop.units import parse_amount

    def lines(ev: Any) -> None:
        print(f"watch: {ev.what} {ev.flow_id or ''} {ev.detail}".rstrip(), file=sys.stderr)

    console = make_console(json_output=args.json)
    board = None if console is None else WatchBoard(console)
    draw: Callable[[Any], None] = lines if board is None else board

    def show(ev: Any) -> None:
        draw(dataclasses.replace(ev, detail=_for_cli(ev.detail)) if ev.detail else ev)

    async with _interop(args) as io:
        gas: dict[int, int] = {}
        for item in args.gas_cap or ():
            chain, sep, fee = item.partition("=")
            if not sep:
                raise InputError(f"--gas-cap wants CHAIN=FEE, got {item!r}")
            gas[io.chain(chain.strip()).id] = parse_amount(fee.strip(), "wei")
        with board if board is not None else contextlib.nullcontext():
            stats = await io.watch(
                until_idle=args.until_idle,
                max_time=args.timeout,
                handle_signals=True,
                gas=gas,
                concurrency=args.concurrency,
                owner=args.owner,
                webhook=args.webhook,
                deadline_margin=args.deadline_margin,
                max_interval=args.max_interval,
                poll=min(1.0, args.max_interval),
                on_event=show,
                metrics_port=args.metrics_port,
                **({} if board is None else {"progress": board.progress}),
            )
    summary = dict(stats.__dict__)
    if args.json:
        print(json.dumps(summary))
    else:
        print(" ".join(f"{k}={v}" for k, v in summary.items() if v is not None))
    return 0


async def _resume(args: argparse.Namespace) -> int:
    async with _interop(args) as io:
        with _shown(args, io, label="resuming") as progress:
            results = await io.resume(
                progress=progress,
                include_abandoned=args.include_abandoned,
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
                        "error": None if r.error is None else _for_cli(r.error.message),
                        "skipped": None if r.skipped is None else _for_cli(r.skipped),
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
            print(f"{r.flow_id}: {_for_cli(what)}")
    return 0 if all(r.ok or r.skipped for r in results) else 1


async def _finalize(args: argparse.Namespace) -> int:
    async with _interop(args) as io:
        flow = await _flow_by_ref(io, args, args.id)
        with _shown(args, io, flow.kind) as progress:
            st = await flow.complete(
                progress=progress,
                timeout=args.timeout,
                poll=min(1.0, args.max_interval),
                max_interval=args.max_interval,
            )
        _print_state(args, flow, st)
    return 0


# --------------------------------------------------------------------------------------------


async def _doctor(args: argparse.Namespace) -> int:
    """Exit 0 when every check passed, 1 when any failed (a mismatch, no code, a dead RPC)."""
    from interop.doctor import doctor

    reg = _registry(args)
    if args.chains or args.rpc or getattr(args, "devnet", False) or not args.chains_file:
        chains = _chains_for(args, reg)
    else:  # a chains file alone: check the chains it defines
        from interop.chains.loader import load_chains

        chains = load_chains(args.chains_file, base=reg)
    if not chains:
        raise InputError("no chains selected", hint="pass --chains NAME,NAME or --devnet")
    parents = [p for c in chains if (p := reg.parent_of(c)) is not None]
    report = await doctor(chains, parents=parents, timeout=args.timeout)
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
        return EXIT_OK if report.ok else EXIT_FAILED
    marks = {"ok": "ok", "fail": "FAIL", "skip": "skip"}
    rows = [
        [
            f"{c.chain_name} ({c.chain_id})",
            c.check,
            marks[c.status],
            "" if c.latency_ms is None else f"{c.latency_ms:.0f}",
            c.detail if c.url is None else f"{c.url}: {c.detail}",
        ]
        for c in report.checks
    ]
    _print_table(rows, ["chain", "check", "status", "ms", "detail"])
    failed = len(report.failures)
    print(f"\n{'all green' if report.ok else f'{failed} check(s) failed'}")
    return EXIT_OK if report.ok else EXIT_FAILED


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="interop",
        description="One interface over Ethereum L1 and its L2s.",
        epilog="exit codes: 0 ok; 1 a flow failed on chain; 2 refused, nothing was sent;"
        " 3 something was signed and may have executed (do not retry: `interop status` /"
        " `interop resume`); 130 interrupted",
    )
    p.add_argument("--version", action=_Version, help="print the version of interop and exit")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    shown = (
        "progress: on a terminal, each hop's steps, who acts and the time to the next step are"
        " drawn on stderr; in a pipe, a log or with --json, plain lines (stdout carries only the"
        " result)"
    )

    def add(name: str, help: str, epilog: str | None = None) -> argparse.ArgumentParser:
        """A subcommand whose own --help starts with what it does (the listing's line)."""
        return sub.add_parser(
            name, help=help, description=help[0].upper() + help[1:] + ".", epilog=epilog
        )

    def common(sp: argparse.ArgumentParser, journal: bool = False) -> None:
        sp.add_argument(
            "--chains-file", metavar="FILE", help="TOML/JSON file with extra or overriding chains"
        )
        sp.add_argument(
            "--devnet",
            action="store_true",
            help="use only the chains of a running `interop devnet` (plus --chains-file / --rpc"
            " chains)"
            + (
                "; flows go to the devnet's own journal beside its chain file (removed when the"
                " devnet stops) unless --journal or $INTEROP_JOURNAL is set"
                if journal
                else ""
            ),
        )
        sp.add_argument("--json", action="store_true", help="machine-readable output")

    sp = add("chains", "list known chains")
    common(sp)
    sp.add_argument(
        "--stack", help="only this stack (l1, opstack, arbitrum, zksync, scroll, linea)"
    )
    sp.add_argument("--testnets", action="store_true", help="include testnets")
    sp.set_defaults(func=cmd_chains)

    sp = add("balances", "native balances of addresses on many chains at once")
    common(sp)
    sp.add_argument("addresses", nargs="+")
    sp.add_argument(
        "--chains",
        metavar="LIST",
        help="comma-separated chain names/ids (default: all mainnets, or the devnet)",
    )
    sp.add_argument(
        "--rpc", action="append", metavar="CHAIN=URL", help="RPC URL for a chain (repeatable)"
    )
    sp.add_argument("--block", default="latest", help="block tag or number")
    sp.set_defaults(afunc=_balances)

    sp = add("send", "send native ETH on one chain (key from an environment variable)")
    common(sp, journal=True)
    sp.add_argument("--chain", required=True, help="chain name, id or alias")
    sp.add_argument("--to", required=True, metavar="ADDRESS", help="recipient")
    sp.add_argument(
        "--value",
        required=True,
        metavar="AMOUNT",
        help="amount with unit, e.g. 0.1ether, 5gwei, 1000wei",
    )
    sp.add_argument(
        "--rpc", action="append", metavar="CHAIN=URL", help="RPC URL for a chain (repeatable)"
    )
    sp.add_argument(
        "--key-env",
        default="INTEROP_PRIVATE_KEY",
        metavar="NAME",
        help="environment variable holding the key (default INTEROP_PRIVATE_KEY)",
    )
    sp.add_argument("--no-wait", action="store_true", help="do not wait for the receipt")
    sp.add_argument("--journal", default=None, metavar="PATH|URL", help=_JOURNAL_HELP)
    sp.add_argument(
        "--allow-zero", action="store_true", help="allow a zero --value (pays a fee for nothing)"
    )
    sp.add_argument(
        "--allow-zero-address",
        action="store_true",
        help="allow the zero address as --to (whatever is sent there is lost)",
    )
    sp.add_argument(
        "--patience",
        type=_seconds("--patience", _MIN_INTERVAL),
        default=None,
        metavar="SECONDS",
        help="after a lost answer, seconds to look for the transaction before exiting 3"
        " (default 30)",
    )
    sp.set_defaults(afunc=_send)

    def flowopts(sp: argparse.ArgumentParser, key: bool = True) -> None:
        common(sp, journal=True)
        sp.add_argument(
            "--rpc", action="append", metavar="CHAIN=URL", help="RPC URL for a chain (repeatable)"
        )
        sp.add_argument("--journal", default=None, metavar="PATH|URL", help=_JOURNAL_HELP)
        sp.add_argument(
            "--timeout",
            type=_seconds("--timeout", _MIN_INTERVAL),
            default=None,
            metavar="SECONDS",
            help="give up waiting after this many seconds (default: no limit)",
        )
        sp.add_argument(
            "--max-interval",
            type=_seconds("--max-interval", _MIN_INTERVAL),
            default=60.0,
            metavar="SECONDS",
            help=f"longest pause between status checks (s, >= {_MIN_INTERVAL:g})",
        )
        if key:
            sp.add_argument(
                "--key-env",
                default="INTEROP_PRIVATE_KEY",
                metavar="NAME",
                help="environment variable holding the key",
            )

    sp = add("bridge", "move ETH between chains (one or two hops)", shown)
    flowopts(sp)
    sp.add_argument("--from", dest="source", required=True, metavar="CHAIN", help="source chain")
    sp.add_argument("--to", dest="target", required=True, metavar="CHAIN", help="destination chain")
    sp.add_argument(
        "--value", required=True, metavar="AMOUNT", help="amount with unit, e.g. 0.1ether"
    )
    sp.add_argument(
        "--recipient",
        metavar="ADDRESS",
        help="address (also short:0x.., 0x..@chain); default: yourself",
    )
    sp.add_argument("--plan", action="store_true", help="only show the route: steps, waits, fees")
    waive_help = (
        "accept one refusal by its code (repeatable), e.g. --waive contract-recipient; "
        "a refusal prints its code"
    )
    sp.add_argument("--waive", action="append", metavar="CODE", help=waive_help)
    sp.add_argument(
        "--force", action="store_true", help="waive every refusal code (deprecated: use --waive)"
    )
    sp.add_argument(
        "--allow-zero-address",
        action="store_true",
        help="allow the zero address as --recipient (whatever is sent there is lost)",
    )
    g = sp.add_mutually_exclusive_group()
    g.add_argument("--wait", action="store_true", help="wait until done or until you must act")
    g.add_argument("--complete", action="store_true", help="perform every remaining step")
    sp.set_defaults(afunc=_bridge)

    sp = add("message", "send calldata to a contract on another chain", shown)
    flowopts(sp)
    sp.add_argument("--from", dest="source", required=True, metavar="CHAIN", help="source chain")
    sp.add_argument("--to", dest="target", required=True, metavar="CHAIN", help="destination chain")
    sp.add_argument(
        "--target",
        dest="target_address",
        required=True,
        metavar="ADDRESS",
        help="contract to call on the destination chain",
    )
    sp.add_argument("--data", required=True, metavar="HEX", help="0x-hex calldata")
    sp.add_argument(
        "--value", default=None, metavar="AMOUNT", help="value sent with the call, e.g. 0.01ether"
    )
    sp.add_argument("--plan", action="store_true", help="only show the route: steps, waits, fees")
    sp.add_argument("--waive", action="append", metavar="CODE", help=waive_help)
    sp.add_argument(
        "--force", action="store_true", help="waive every refusal code (deprecated: use --waive)"
    )
    sp.add_argument(
        "--allow-zero-address", action="store_true", help="allow the zero address as --target"
    )
    g = sp.add_mutually_exclusive_group()
    g.add_argument("--wait", action="store_true", help="wait until done or until you must act")
    g.add_argument("--complete", action="store_true", help="perform every remaining step")
    sp.set_defaults(afunc=_message)

    sp = add(
        "status",
        "status of a flow (journal id or tx hash), or list flows",
        "a flow with a deadline (a message that must be redeemed or claimed in time) shows"
        " when it expires, or that it was missed, and the alerts of `interop watch`",
    )
    flowopts(sp, key=False)
    sp.add_argument("ref", nargs="?", help="journal id (or unique prefix) or initiating tx hash")
    sp.add_argument("--chain", help="chain of the tx hash (when not in the journal)")
    sp.add_argument("--all", action="store_true", help="list finished flows too")
    sp.set_defaults(afunc=_status)

    sp = add("resume", "finish every unfinished journaled flow", shown)
    flowopts(sp)
    sp.add_argument(
        "--include-abandoned",
        action="store_true",
        help="also send flows whose first call raised before anything was signed",
    )
    sp.set_defaults(afunc=_resume)

    sp = add(
        "watch",
        "keep finishing every unfinished journaled flow (prove, finalize, redeem, ...)",
        "progress: on a terminal, a live table of the flows in hand (status, next step, who"
        " acts, when) and each notable event are drawn on stderr; elsewhere a line per event."
        " SIGTERM / Ctrl-C stop it after the step in progress; the summary goes to stdout",
    )
    flowopts(sp)
    sp.add_argument(
        "--gas-cap",
        action="append",
        metavar="CHAIN=FEE",
        help="most a step may pay per gas on CHAIN, e.g. ethereum=30gwei (repeatable)",
    )
    sp.add_argument(
        "--concurrency", type=int, default=4, metavar="N", help="flows worked on at once (4)"
    )
    sp.add_argument(
        "--owner", default=None, metavar="ID", help="this worker's id in the journal's leases"
    )
    sp.add_argument(
        "--webhook", default=None, metavar="URL", help="URL to POST deadline alerts to (JSON)"
    )
    sp.add_argument(
        "--deadline-margin",
        type=_seconds("--deadline-margin", _MIN_INTERVAL),
        default=6 * 3600.0,
        metavar="SECONDS",
        help="seconds before a deadline when gas caps stop applying and alerts start (default 6 h)",
    )
    sp.add_argument(
        "--until-idle", action="store_true", help="exit once no unfinished flow is left"
    )
    sp.add_argument(
        "--metrics-port",
        type=int,
        default=None,
        metavar="PORT",
        help="serve Prometheus text metrics on http://127.0.0.1:PORT/metrics",
    )
    sp.set_defaults(afunc=_watch)

    sp = add("scan", "find flows an address started elsewhere and add them to the journal")
    flowopts(sp, key=False)
    sp.add_argument("address", help="the address that started the flows")
    sp.add_argument(
        "--chains",
        default=None,
        metavar="LIST",
        help="comma-separated chains to scan (default: every one)",
    )
    sp.add_argument(
        "--since",
        action="append",
        metavar="BLOCK|CHAIN=BLOCK",
        help="first block (for every chain, or per chain; repeatable); default: the last 10,000",
    )
    sp.add_argument("--dry-run", action="store_true", help="report only, journal nothing")
    sp.set_defaults(afunc=_scan)

    sp = add("finalize", "perform the remaining steps of one journaled flow", shown)
    flowopts(sp)
    sp.add_argument("id", help="journal id (or unique prefix) or initiating tx hash")
    sp.add_argument("--chain", help="chain of the tx hash (when not in the journal)")
    sp.set_defaults(afunc=_finalize)

    sp = add("devnet", "run the local multi-chain devnet in the foreground")
    sp.add_argument(
        "--without",
        action="append",
        metavar="PART",
        help="leave one part (a rollup family) out, e.g. --without arbitrum; also --no-PART",
    )
    sp.add_argument(
        "--for-seconds",
        type=_seconds("--for-seconds", _MIN_INTERVAL),
        default=None,
        help=argparse.SUPPRESS,
    )
    sp.set_defaults(afunc=_devnet)

    sp = add(
        "doctor",
        "check the configuration: RPCs, chain ids, proofs, contract code, registry vs chain",
    )
    common(sp)
    sp.add_argument(
        "--chains",
        metavar="LIST",
        help="comma-separated chain names/ids (default: all with an RPC)",
    )
    sp.add_argument(
        "--rpc", action="append", metavar="CHAIN=URL", help="RPC URL for a chain (repeatable)"
    )
    sp.add_argument(
        "--timeout",
        type=_seconds("--timeout", 0.1),
        default=10.0,
        help="seconds one RPC call may take (default 10)",
    )
    sp.set_defaults(afunc=_doctor)
    return p


_JOURNAL_HELP = (
    "the journal: a SQLite file path (default: $INTEROP_JOURNAL, else the user data dir;"
    " :memory: allowed) or a postgresql://user@host/db URL, which several `interop watch`"
    " workers can share"
)


class _Version(argparse.Action):
    """`interop --version`: the installed distribution's version (package metadata), read only
    when asked so `interop --help` stays fast; the source tree's `__version__` when interop is
    not installed (run from a checkout)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kw: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kw)

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            v = version("interop")
        except PackageNotFoundError:
            from interop import __version__ as v
        print(f"interop {v}")
        parser.exit(EXIT_OK)


class _Parser(argparse.ArgumentParser):
    """argparse, except that its usage errors never echo a 32-byte hex value (argparse repeats
    the offending argument: `invalid float value: '<key>'`)."""

    def error(self, message: str) -> Any:  # argparse's signature is NoReturn
        self.print_usage(sys.stderr)
        self.exit(EXIT_REFUSED, f"{self.prog}: error: {_redact_all(message)}\n")


def _redact_all(text: str) -> str:
    return _KEY_SHAPED.sub(
        "<redacted>", re.sub(r"0[xX](?=[0-9a-fA-F]{64}(?![0-9a-fA-F]))", "", text)
    )


def _sent(run: _Run, exc: BaseException | None) -> list[tuple[int, str]]:
    """Every transaction this command signed, plus the one an error says was broadcast."""
    out = list(run.signed)
    tx = getattr(exc, "tx_hash", None)
    known = {h.lower() for _, h in out}
    if tx and getattr(exc, "may_have_executed", False) and str(tx).lower() not in known:
        out.append((0, str(tx)))
    return out


def _report_sent(
    args: argparse.Namespace, run: _Run, exc: BaseException | None, code: int, why: str
) -> None:
    """What a failed or interrupted command leaves behind, so the caller looks it up instead of
    running the command again (which could pay twice)."""
    sent = _sent(run, exc)
    flows = run.flow_ids([getattr(exc, "flow_id", None)])
    err: IO[str] = sys.stderr
    if not sent:
        if flows and code != EXIT_REFUSED:
            print(f"flow: {', '.join(flows)}", file=err)
        if "nothing was signed" not in str(exc):
            print("nothing was signed or sent by this command", file=err)
        return
    print(
        f"{'interrupted' if code == EXIT_INTERRUPTED else 'sent'}: this command signed"
        f" {len(sent)} transaction(s); they may have been sent and may have executed"
        " (or still execute):",
        file=err,
    )
    for chain_id, tx in sent:
        print(f"  {tx}" + (f"  (chain {chain_id})" if chain_id else ""), file=err)
    if flows:
        print(f"flow: {', '.join(flows)}", file=err)
    ref = flows[0] if flows else "<id>"
    print(
        f"do not retry; run `interop status {ref}` / `interop resume` to see and finish it",
        file=err,
        flush=True,
    )
    if getattr(args, "json", False):
        print(
            json.dumps(
                {
                    "error": why,
                    "exit_code": code,
                    "may_have_executed": True,
                    "sent": [{"chain_id": c or None, "tx_hash": h} for c, h in sent],
                    "flow_ids": flows,
                }
            ),
            flush=True,
        )


def _exit_for(run: _Run, exc: BaseException) -> int:
    """1 when a flow or transaction failed on chain or needs a person (nothing we run can finish
    it: retrying or resuming would not help), 3 when anything was signed (or an error says a
    transaction was broadcast), else 2: nothing was sent."""
    from interop.errors import ManualActionRequired, TransactionFailedError

    if isinstance(exc, TransactionFailedError | ManualActionRequired):
        return EXIT_FAILED
    return EXIT_SENT if _sent(run, exc) else EXIT_REFUSED


_CTRL_C_GRACE = 10.0
"""Seconds a command has to unwind after Ctrl-C before it is stopped outright."""


async def _interruptible(afunc: Any, args: argparse.Namespace) -> Any:
    """Run a command so that Ctrl-C always ends it: the first SIGINT cancels the command (it
    unwinds, and `main` reports what was sent); if it has not ended `_CTRL_C_GRACE` seconds
    later (a library wait that lost the cancellation: seen once in CI, cause not found), or on
    a second Ctrl-C, KeyboardInterrupt stops it outright, with the same report. Nothing waits
    forever after Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        return await afunc(args)  # signals reach only the main thread (main() called in one)
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    pressed = 0

    def force() -> None:
        raise KeyboardInterrupt

    def on_sigint(signum: int, frame: object) -> None:
        nonlocal pressed
        pressed += 1
        if pressed > 1 or task is None:
            raise KeyboardInterrupt
        loop.call_soon_threadsafe(task.cancel)
        loop.call_soon_threadsafe(loop.call_later, _CTRL_C_GRACE, force)

    old = signal.signal(signal.SIGINT, on_sigint)
    try:
        return await afunc(args)
    finally:
        signal.signal(signal.SIGINT, old)


def _drop_stdout() -> None:
    """Point stdout at /dev/null once its reader is gone, so the interpreter's last flush does
    not print `Exception ignored ... BrokenPipeError` (the recipe of Python's signal docs)."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit code (module docstring). Never raises, never prints a
    traceback: every exception ends in a short message and the code that says what happened."""
    argv = list(sys.argv[1:] if argv is None else argv)
    run = _Run(argv)
    if argv[:1] == ["devnet"]:  # `--no-PART` is the older spelling of `--without PART`
        argv = [x for a in argv for x in (["--without", a[5:]] if a.startswith("--no-") else [a])]
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2), already printed
        return exc.code if isinstance(exc.code, int) else EXIT_REFUSED
    args.run = run
    try:
        if args.command == "balances" and args.block.isdigit():
            args.block = int(args.block)
        if hasattr(args, "afunc"):
            if args.command in ("watch", "devnet"):  # they handle SIGINT/SIGTERM themselves
                return int(asyncio.run(args.afunc(args)))
            return int(asyncio.run(_interruptible(args.afunc, args)))
        return int(args.func(args))
    except (KeyboardInterrupt, asyncio.CancelledError) as exc:
        print("\ninterrupted", file=sys.stderr)
        _report_sent(args, run, exc, EXIT_INTERRUPTED, "interrupted")
        return EXIT_INTERRUPTED
    except InteropError as exc:
        code = _exit_for(run, exc)
        print(f"error: {_for_cli(run.redact(str(exc)))}", file=sys.stderr)
        action = getattr(exc, "action", None)
        if isinstance(action, str) and action:
            print(f"manual action needed: {run.redact(action)}", file=sys.stderr)
        _report_sent(args, run, exc, code, run.redact(exc.message))
        return code
    except BrokenPipeError as exc:
        # whoever read our output went away (`interop chains --json | head -c 100`): not a bug
        # of ours and nothing to tell them; what this command signed still goes to stderr
        _drop_stdout()
        if not _sent(run, exc):
            return EXIT_OK
        with contextlib.suppress(OSError):
            _report_sent(args, run, exc, EXIT_SENT, "output closed")
        return EXIT_SENT
    except Exception as exc:  # a bug of ours: no traceback, but say so and what was sent
        code = EXIT_SENT if _sent(run, exc) else EXIT_REFUSED
        print(f"internal error: {type(exc).__name__}: {run.redact(str(exc))}", file=sys.stderr)
        print(
            "this is a bug in interop: please report it with this message and the command"
            " (never your key)",
            file=sys.stderr,
        )
        _report_sent(args, run, exc, code, "internal error")
        return code
    finally:
        if run.journal is not None:
            with contextlib.suppress(Exception):
                run.journal.close()


if __name__ == "__main__":
    sys.exit(main())
