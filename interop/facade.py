"""`Interop`: the one object most users need.

It holds `{chain id -> ChainClient}`, one signer and the journal; it resolves chain names
through the registry, verifies each RPC's chain id before signing, and dispatches to actions and
adapters (chosen by route, loaded lazily from entry points: no adapter module is imported here).
Every network resource it opens is closed by `aclose()` / `async with`.

    async with Interop(["ethereum", "base"], rpc={...}, account=key) as io:
        table = await io.balances([alice, bob])
        await io.transfer("base", to=bob, value=ether("0.01"))
        print((await io.plan(ether("0.1"), "base", "ethereum")).describe())
        t = await io.bridge(ether("0.1"), "base", "ethereum")
        await t.complete(progress=print)

(On the local devnet: `async with Devnet.start_interop() as io:`, `interop.devnet.core`.)

Safety before value crosses (`bridge`, `send_message`), all before anything is signed: every
chain id of the route verified; every refusal of the pre-send pipeline (`interop.safety`: the
core's recipient checks and each adapter's own, each with a stable code) raised as
`UnsafeRecipientError` unless the caller waives its code (`waive={"contract-recipient"}`;
`force=True` waives every code); value + first-transaction fees checked against the balance
(`InsufficientFundsError`). The flow is journaled before its first transaction is signed.

The methods here stay thin so this file reads as the table of contents of the SDK; the work
lives in modules named for it: `interop.bridging` (starting a flow), `interop.safety` (the
pre-send checks), `interop.lookup` (a flow from a transaction hash), `interop.resume`. None of
them takes the `Interop` back: they get the flow host protocol (`interop.flows.FlowHost`: signer,
journal, clients, adapters), which `Interop` implements, and the chains they need.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterable, AsyncIterator, Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from interop.actions.balances import (
    BalanceChunk,
    BalanceTable,
    TokensArg,
    get_balances_multichain,
    iter_balances,
)
from interop.actions.nonce import NonceManager
from interop.actions.transfer import TransferResult, send_native
from interop.bridging import calldata_bytes as calldata_bytes
from interop.bridging import start_flow
from interop.chains.model import Chain
from interop.client import ChainClient
from interop.errors import (
    ConfigError,
    InputError,
    InvalidAmountError,
    MissingSignerError,
    UnknownChainError,
)
from interop.resume import DEFAULT_FLOW_TIMEOUT, ResumeResult, resume_flows
from interop.signer import SafeSigner, Signer, account_from_key

if TYPE_CHECKING:
    import os

    from interop.adapters.base import BridgeAdapter, FlowKind
    from interop.chains.registry import ChainRegistry
    from interop.flows import Flow, Message, Progress, Sleep, Transfer
    from interop.journal import Journal
    from interop.routes import AdapterRegistry, RoutePlan
    from interop.types import Address
    from interop.watch import WatchStats

__all__ = ["Interop", "ResumeResult"]

ChainRef = Chain | int | str


def _resolve(ref: ChainRef) -> Chain:
    if isinstance(ref, Chain):
        return ref
    from interop.chains.registry import get_chain

    return get_chain(ref)


class Interop:
    """Facade over many chains with one signer.

    `chains`: Chain objects, ids or names (built-ins or registered); `rpc`: per-chain URL or list
    of URLs (first is primary, the rest are fallbacks), keyed by id or name, overriding the chain's
    own URLs; `account`: a signer (eth-account LocalAccount or anything with `sign_transaction`)
    or a hex private key, which is wrapped so it never shows in logs or reprs.
    """

    def __init__(
        self,
        chains: Iterable[ChainRef] | None = None,
        *,
        rpc: Mapping[int | str, str | Sequence[str]] | None = None,
        account: Signer | str | None = None,
        journal: Journal | str | os.PathLike[str] | None = None,
        adapters: AdapterRegistry | None = None,
        sleep: Sleep | None = None,
        rpc_deadline: float | None = None,
        rpc_timeout: float | None = None,
    ) -> None:
        """`journal`: a `Journal`, a path, `":memory:"`, or None for the default file
        (`interop.journal.default_journal_path()`), opened on first use. `adapters`: an
        `AdapterRegistry` (default: installed entry points). `sleep`: how flows wait
        (default `asyncio.sleep`; tests pass one that fast-forwards a devnet).
        `rpc_deadline`: total seconds one RPC call may take across retries and fallback URLs
        (default `interop.client.DEFAULT_DEADLINE`); `rpc_timeout`: seconds per attempt."""
        from interop.rpc.retry import check_seconds

        self._rpc_deadline = check_seconds(rpc_deadline, "rpc_deadline")
        self._rpc_timeout = check_seconds(rpc_timeout, "rpc_timeout")
        resolved = [_resolve(c) for c in (chains or [])]
        overrides: dict[int, tuple[str, ...]] = {}
        for key, urls in (rpc or {}).items():
            cid = _resolve(key).id if not isinstance(key, int) else key
            overrides[cid] = (urls,) if isinstance(urls, str) else tuple(urls)
        self._chains: dict[int, Chain] = {}
        for chain in resolved:
            if chain.id in overrides:
                chain = chain.with_rpc(*overrides[chain.id])
            self._chains[chain.id] = chain
        self._clients: dict[int, ChainClient] = {}
        self.nonces = NonceManager()
        # always our own wrapper: keys never show, and the account's nonces are shared by
        # every flow this Interop runs (a bot's concurrent bridges never collide)
        if isinstance(account, str):
            account = account_from_key(account)
        self.signer: Signer | None = (
            None if account is None else SafeSigner(account, nonce_manager=self.nonces)
        )
        self._closed = False
        self._journal_arg = journal
        self._journal: Journal | None = None
        self._owns_journal = False
        self._adapters = adapters
        self.sleep = sleep
        self._registry: ChainRegistry | None = None

    def __repr__(self) -> str:
        names = ", ".join(c.name for c in self._chains.values())
        who = self.signer.address if self.signer else None
        return f"Interop(chains=[{names}], account={who})"

    # lifecycle
    async def __aenter__(self) -> Interop:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        clients, self._clients = self._clients, {}
        for c in clients.values():
            with contextlib.suppress(Exception):
                await c.aclose()
        self._closed = True
        if self._journal is not None and self._owns_journal:
            self._journal.close()
        self._journal = None

    # chains and clients
    @property
    def chains(self) -> list[Chain]:
        return list(self._chains.values())

    def chain(self, ref: ChainRef) -> Chain:
        """A configured chain by id, name, alias or short name."""
        if isinstance(ref, Chain):
            ref = ref.id
        if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
            cid = int(ref)
            if cid in self._chains:
                return self._chains[cid]
        else:
            q = ref.lower()
            for c in self._chains.values():
                if (
                    q == c.name.lower()
                    or q in (a.lower() for a in c.aliases)
                    or q == (c.short_name or "").lower()
                ):
                    return c
        import difflib

        names = [c.name for c in self._chains.values()]
        raise UnknownChainError(
            ref, difflib.get_close_matches(str(ref), names, n=3, cutoff=0.5) or names
        )

    def client(self, ref: ChainRef) -> ChainClient:
        """The (cached) client of a configured chain."""
        if self._closed:
            raise ConfigError("this Interop is closed")
        chain = self.chain(ref)
        c = self._clients.get(chain.id)
        if c is None:
            kw: dict[str, Any] = {"timeout": self._rpc_timeout}
            if self._rpc_deadline is not None:
                kw["deadline"] = self._rpc_deadline
            c = ChainClient(chain, **kw)
            self._clients[chain.id] = c
        return c

    # actions
    def _token_arg(self, tokens: TokensArg | Mapping[ChainRef, Any] | None) -> TokensArg | None:
        if isinstance(tokens, Mapping):
            return {self.chain(k).id: v for k, v in tokens.items()}
        return tokens

    async def balances(
        self,
        addresses: Iterable[str],
        *,
        chains: Iterable[ChainRef] | None = None,
        block: int | str = "latest",
        timeout: float | None = None,
        tokens: TokensArg | Mapping[ChainRef, Any] | None = None,
        native: bool = True,
    ) -> BalanceTable:
        """Native (and, with `tokens`, ERC-20) balances of every address on every chain (or
        `chains`), chains concurrently, in one `eth_call` per chunk per chain.

        `tokens`: per chain (id, name or `Chain`) a list of token addresses, `Token`s or
        built-in symbols ("USDC"), or one list for every chain; a token that reverts or is not
        a contract is a per-entry error (`entry.token_errors`), not a failed call. `block`:
        "latest" | "pending" | "safe" | "finalized" | a number, the same on every chain.
        A chain whose RPC fails, or does not answer within `timeout` seconds overall (default
        `interop.actions.balances.DEFAULT_MULTICHAIN_DEADLINE`), yields an error entry in the
        table; the others still return.
        """
        targets = [self.chain(c) for c in chains] if chains is not None else self.chains
        clients = {c.id: self.client(c.id) for c in targets}
        kw: dict[str, Any] = {"block": block, "tokens": self._token_arg(tokens), "native": native}
        if timeout is not None:
            kw["timeout"] = timeout
        return await get_balances_multichain(clients, list(addresses), **kw)

    def iter_balances(
        self,
        addresses: Iterable[str] | AsyncIterable[str],
        *,
        chains: Iterable[ChainRef] | None = None,
        tokens: TokensArg | Mapping[ChainRef, Any] | None = None,
        native: bool = True,
        block: int | str = "latest",
        chunk_size: int | None = None,
    ) -> AsyncIterator[BalanceChunk]:
        """`balances()` streamed: `async for chunk in io.iter_balances(...)` yields each chain's
        chunks as their answers arrive (use `chunk.offset` to place them), in memory that does
        not grow with the number of addresses (100,000 addresses x 10 chains peak at the same
        RSS as 10,000). Each chain is read at one pinned block."""
        targets = [self.chain(c) for c in chains] if chains is not None else self.chains
        clients = {c.id: self.client(c.id) for c in targets}
        return iter_balances(
            clients,
            addresses,
            tokens=self._token_arg(tokens),
            native=native,
            block=block,
            chunk_size=chunk_size,
        )

    async def transfer(
        self,
        chain: ChainRef,
        *,
        to: str,
        value: int,
        wait: bool = True,
        timeout: float = 60,
        force: bool = False,
        allow_zero: bool = False,
        patience: float | None = None,
        waive: Collection[str] = (),
    ) -> TransferResult:
        """Send native currency on one chain. Validates everything before signing.

        Refused before anything is signed: the zero address as recipient
        (`UnsafeRecipientError` with code `zero-recipient`, unless waived: `waive=
        {"zero-recipient"}` or the older `force=True`) and a zero value (`InvalidAmountError`,
        unless `allow_zero=True`: it would pay a fee for nothing).

        Journaled like every value-moving flow (kind "native"): the signed transaction is
        committed before it is broadcast. If this call raises, the journal and the error agree
        (see `interop.journal`): nothing signed -> the flow is `abandoned` and never sent later
        unless asked; something signed -> the error carries `tx_hash`, `flow_id` and
        `may_have_executed=True`, and `resume()` finishes that very transaction (never a new one).
        Do not send the payment again after such an error: look the hash up or `resume()`.
        `patience`: seconds to look for the transaction after a lost answer before raising
        `TransactionUnknownError` (default `interop.actions.tx.DEFAULT_PATIENCE`).
        """
        from interop.actions.tx import DEFAULT_PATIENCE
        from interop.flows import NATIVE, settle_leftovers
        from interop.journal import RecordingSigner
        from interop.safety import ZERO_RECIPIENT, check_not_zero_address
        from interop.types import to_wei_int

        if self.signer is None:
            raise MissingSignerError("transfer needs an account", hint="Interop(..., account=...)")
        c = self.chain(chain)
        recipient = self.parse_address(to, c) if isinstance(to, str) else to
        amount = to_wei_int(value)
        if amount == 0 and not allow_zero:
            raise InvalidAmountError(
                "a transfer of 0 wei moves nothing but still pays a fee",
                hint="pass a positive amount, or allow_zero=True; nothing was signed or sent",
            )
        burn = force or ZERO_RECIPIENT in waive
        if not burn:
            check_not_zero_address(recipient)
        j = self.journal
        fid = j.create_flow(
            kind=NATIVE,
            source_chain=c.id,
            target_chain=c.id,
            value=amount,
            recipient=recipient,
            sender=self.signer.address,
            hops=[(NATIVE, NATIVE, c.id, c.id)],
        )
        rs = RecordingSigner(self.signer, j, fid, 0, "transfer")
        try:
            res = await send_native(
                self.client(c),
                rs,
                recipient,
                amount,
                nonces=self.nonces,
                wait=wait,
                timeout=timeout,
                allow_zero=allow_zero,
                allow_zero_address=burn,
                patience=DEFAULT_PATIENCE if patience is None else patience,
            )
        except BaseException as exc:
            j.note_raised(fid, exc)
            raise
        if res.receipt is not None:
            j.set_tx_state(res.tx_hash, "mined")
            j.set_status(fid, "finalized", "mined", done=True)
        await settle_leftovers(self, fid, res.tx_hash)
        return res

    # ------------------------------------------------------------------ journal and adapters
    @property
    def journal(self) -> Journal:
        """The flow journal (opened on first use)."""
        if self._journal is None:
            from interop.journal import Journal

            arg = self._journal_arg
            if isinstance(arg, Journal):
                self._journal = arg
            else:
                self._journal = Journal(arg)
                self._owns_journal = True
        return self._journal

    @property
    def adapters(self) -> AdapterRegistry:
        if self._adapters is None:
            from interop.routes import default_adapters

            self._adapters = default_adapters()
        return self._adapters

    def adapter(self, name: str) -> BridgeAdapter:
        """An installed adapter by name (`ConfigError` names a plugin that failed to load)."""
        return self.adapters.get(name)

    def _chain_registry(self) -> ChainRegistry:
        if self._registry is None:
            from interop.chains.registry import default_registry

            reg = default_registry().copy()
            for c in self._chains.values():
                reg.register(c, replace=True)
            self._registry = reg
        return self._registry

    def parse_address(self, text: str, chain: ChainRef | None = None) -> Address:
        """An address in any accepted form (plain, ERC-3770 `short:0x..`, ERC-7828 `0x..@chain`,
        CAIP-10, ERC-7930 hex); a chain written in it must be `chain` when that is given."""
        from interop.addresses import parse_address_with_chain

        if not isinstance(text, str):
            raise InputError(f"an address must be a str, got {type(text).__name__}")
        want = None if chain is None else self.chain(chain)
        _, addr = parse_address_with_chain(text, self._chain_registry(), chain=want)
        return addr

    # ------------------------------------------------------------------ routes
    async def plan(
        self,
        value: int,
        source: ChainRef,
        target: ChainRef,
        recipient: str | None = None,
        *,
        data: bytes = b"",
        message: bool = False,
        estimate: bool = True,
    ) -> RoutePlan:
        """The route `bridge()` (or `send_message()` with `message=True`) would take: steps,
        actions, expected waits, first-transaction fees. Sends nothing."""
        from interop.adapters.base import FlowKind
        from interop.routes import plan_route
        from interop.types import to_wei_int

        amount = to_wei_int(value)
        src, dst = self.chain(source), self.chain(target)
        rcpt = self._recipient(recipient, dst)
        return await plan_route(
            src,
            dst,
            FlowKind.MESSAGE if message else FlowKind.ETH,
            chains=self._chains,
            client=self.client,
            value=amount,
            recipient=rcpt,
            data=data,
            signer=self.signer,
            registry=self.adapters,
            estimate=estimate,
        )

    def _recipient(self, recipient: str | None, dst: Chain) -> Address | None:
        """The recipient on `dst`: the given address in any accepted form, else the signer (the
        default is "yourself"), else None when there is no signer to default to (planning)."""
        if recipient is None:
            if self.signer is None:
                return None
            from interop.types import to_address

            return to_address(self.signer.address)
        return self.parse_address(recipient, dst)

    # ------------------------------------------------------------------ bridging
    async def _start(
        self,
        kind: FlowKind,
        value: int,
        source: ChainRef,
        target: ChainRef,
        recipient: str | None,
        data: bytes,
        *,
        waive: Collection[str],
        force: bool,
        gas_limit: int | None,
        options: Mapping[str, Any] | None,
        allow_zero: bool = False,
    ) -> Flow:
        if self.signer is None:
            raise MissingSignerError("bridging needs an account", hint="Interop(..., account=...)")
        src, dst = self.chain(source), self.chain(target)
        rcpt = self._recipient(recipient, dst)
        assert rcpt is not None
        return await start_flow(
            self,
            self.adapters,
            self._chains,
            kind,
            value,
            src,
            dst,
            rcpt,
            data,
            waive=waive,
            force=force,
            gas_limit=gas_limit,
            options=options,
            allow_zero=allow_zero,
        )

    async def bridge(
        self,
        value: int,
        source: ChainRef,
        target: ChainRef,
        recipient: str | None = None,
        *,
        waive: Collection[str] = (),
        force: bool = False,
        gas_limit: int | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> Transfer:
        """Move `value` wei of ETH from `source` to `target` (to `recipient`, default yourself).

        Returns once the first transaction is mined; then `await t.complete()` performs the
        rest (prove / finalize / execute / redeem, and for a two-hop route the deposit from the
        parent chain: the withdrawn ETH arrives at your address on the parent, then is deposited
        from it, so you need gas there).

        Refusals (`UnsafeRecipientError`, a `RefusedError` with `code` and `codes`; nothing is
        signed): waive exactly the codes you accept with `waive={"contract-recipient", ...}`
        (codes: `interop.safety` and each adapter's docs). `force=True` is the older blanket
        waiver of every code (deprecated: it also waives checks added later). `options`: keys
        the route's adapters declare (`option_names`) plus `sender`; any other key is an
        `InputError`.
        """
        from interop.adapters.base import FlowKind
        from interop.flows import Transfer

        flow = await self._start(
            FlowKind.ETH, value, source, target, recipient, b"",
            waive=waive, force=force, gas_limit=gas_limit, options=options,
        )  # fmt: skip
        assert isinstance(flow, Transfer)
        return flow

    async def send_message(
        self,
        source: ChainRef,
        target: ChainRef,
        to: str,
        data: bytes | str,
        value: int = 0,
        *,
        waive: Collection[str] = (),
        force: bool = False,
        gas_limit: int | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> Message:
        """Call `to` with `data` (and `value` wei) on `target`, sent from `source` through the
        canonical messenger of the route (direct routes only). Refusals, `waive`, `force` and
        `options` as for `bridge`."""
        from interop.adapters.base import FlowKind
        from interop.flows import Message

        payload = calldata_bytes(data)
        flow = await self._start(
            FlowKind.MESSAGE, value, source, target, to, payload,
            waive=waive, force=force, gas_limit=gas_limit, options=options, allow_zero=True,
        )  # fmt: skip
        assert isinstance(flow, Message)
        return flow

    # ------------------------------------------------------------------ handles
    def flow(self, flow_id: str) -> Flow:
        """The handle of a journaled flow (id or a unique prefix of >= 6 characters)."""
        from interop.flows import handle_for

        return handle_for(self, self.journal.get(flow_id))

    def flows(self, *, unfinished: bool = False) -> list[Flow]:
        """Every journaled flow (or only the unfinished ones), oldest first, as the journal
        last saw them (`await io.refresh()` first reads their status from chain)."""
        from interop.flows import handle_for

        return [handle_for(self, r) for r in self.journal.flows(unfinished=unfinished)]

    async def flow_from_tx(
        self, source: ChainRef, tx_hash: str, target: ChainRef | None = None
    ) -> Flow:
        """The handle of the flow initiated by `tx_hash` on `source`: from the journal if it is
        there, else rebuilt through the adapter of each route from `source` (or to `target`).
        Such a flow is journaled only once you act on it (`complete()`)."""
        from interop.lookup import flow_from_tx

        src = self.chain(source)
        targets = (
            [self.chain(target)]
            if target is not None
            else [c for c in self.chains if c.id != src.id]
        )
        return await flow_from_tx(self, self.adapters, src, targets, tx_hash)

    async def resume(
        self,
        *,
        progress: Progress | None = None,
        sleep: Sleep | None = None,
        timeout: float | None = DEFAULT_FLOW_TIMEOUT,
        poll: float = 1.0,
        max_interval: float = 60.0,
        include_abandoned: bool = False,
        concurrency: int = 4,
    ) -> list[ResumeResult]:
        """Finish every unfinished journaled flow of this signer's account, concurrently, each
        within `timeout` seconds (None: the default bound, never "forever").

        Per flow: settle signed transactions that have no receipt (same bytes re-broadcast, a
        replaced one marked and not waited on), then continue from on-chain status, so no step
        is ever repeated. Errors stay per flow. Skipped (reported, nothing sent): flows of
        another account, flows on chains this `Interop` is not configured for, and abandoned
        flows (their starting call raised before anything was signed) unless
        `include_abandoned=True`. The rules are in `interop.resume`.
        """
        return await resume_flows(
            self,
            set(self._chains),
            progress=progress,
            sleep=sleep,
            timeout=timeout,
            poll=poll,
            max_interval=max_interval,
            include_abandoned=include_abandoned,
            concurrency=concurrency,
        )

    async def watch(
        self,
        *,
        until_idle: bool = False,
        max_time: float | None = None,
        handle_signals: bool = False,
        **options: Any,
    ) -> WatchStats:
        """Run an `interop watch` worker over this journal: every unfinished flow of this
        signer's account gets its next step as soon as it is possible, within the gas policy
        (`gas={chain id: max fee per gas}`), with the deadline watchdog, until `stop()` (or
        SIGTERM / SIGINT with `handle_signals=True`), `max_time` seconds, or, with
        `until_idle=True`, until nothing is left. `options` go to `interop.watch.Watcher`
        (concurrency, owner, webhook, deadline_margin, on_event, ...). With a
        `postgresql://` journal several workers share the flows (leases)."""
        from interop.watch import Watcher

        worker = Watcher(self, {c.id for c in self.chains}, **options)
        return await worker.run(
            until_idle=until_idle, max_time=max_time, handle_signals=handle_signals
        )

    async def refresh(self) -> list[Flow]:
        """Read every unfinished flow's status from chain and write it to the journal; returns
        the flows still unfinished. Sends nothing. (A flow finished on chain by someone else,
        e.g. a relayer, or a transfer not waited for, is then no longer listed as pending.)
        A flow whose chain is not configured here, or whose status cannot be read now, is
        returned unchanged. All flows are read in one batched sweep (`interop.sweep`): the
        round trips grow with the number of chains, not of flows."""
        from interop.sweep import status_sweep

        configured = {c.id for c in self.chains}
        records = [
            r
            for r in self.journal.flows(unfinished=True)
            if {h.source_chain for h in r.hops} | {h.target_chain for h in r.hops} <= configured
        ]
        if records:
            await status_sweep(self, records)  # a flow's read error stays in its own entry
        return self.flows(unfinished=True)
