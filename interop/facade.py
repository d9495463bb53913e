"""`Interop`: the one object most users need.

It holds `{chain id -> ChainClient}`, one signer and the journal; it resolves chain names
through the registry, verifies each RPC's chain id before signing, and dispatches to actions and
adapters (chosen by route, loaded lazily from entry points: no adapter module is imported here).
Every network resource it opens is closed by `aclose()` / `async with`.

    async with Interop.devnet() as io:
        table = await io.balances([alice, bob])
        await io.transfer("devnet-op", to=bob, value=ether("0.01"))
        print((await io.plan(ether("0.1"), "devnet-op", "devnet-arb")).describe())
        t = await io.bridge(ether("0.1"), "devnet-op", "devnet-arb")   # two hops
        await t.complete(progress=print)

Safety before value crosses (`bridge`, `send_message`), all before anything is signed: both
chain ids verified; the recipient refused (`UnsafeRecipientError`, unless `force=True`) when it
is a contract on the source with no code on the destination, or when a contract sender's alias
would own the funds; value + first-transaction fees checked against the balance
(`InsufficientFundsError`). The flow is journaled before its first transaction is signed.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from interop.actions.balances import BalanceTable, get_balances_multichain
from interop.actions.nonce import NonceManager
from interop.actions.transfer import TransferResult, send_native
from interop.chains.model import Chain
from interop.client import ChainClient
from interop.errors import (
    ConfigError,
    InputError,
    InsufficientFundsError,
    InteropError,
    InvalidAmountError,
    MissingSignerError,
    UnknownChainError,
    UnsafeRecipientError,
)
from interop.signer import SafeSigner, Signer, account_from_key

log = logging.getLogger("interop.facade")

ZERO = "0x" + "00" * 20

if TYPE_CHECKING:
    import os

    from interop.adapters.base import BridgeAdapter, FlowKind
    from interop.chains.registry import ChainRegistry
    from interop.devnet.core import Devnet
    from interop.flows import Flow, FlowState, Message, Progress, Sleep, Transfer
    from interop.journal import Journal
    from interop.routes import AdapterRegistry, RoutePlan
    from interop.types import Address

__all__ = ["Interop", "ResumeResult"]

ChainRef = Chain | int | str


def calldata_bytes(data: bytes | str) -> bytes:
    """Calldata given as bytes or 0x-hex, strictly: whole bytes only. (`hex_to_bytes` pads an
    odd digit count, right for node quantities, but for calldata it would shift every byte of a
    typo'd selector or argument and send a different call.)"""
    if isinstance(data, bytes | bytearray):
        return bytes(data)
    if not isinstance(data, str):
        raise InputError(f"data must be bytes or 0x-hex, got {type(data).__name__}")
    body = data[2:] if data[:2] in ("0x", "0X") else data
    if len(body) % 2 or any(c not in "0123456789abcdefABCDEF" for c in body):
        raise InputError(
            f"data {data!r} is not 0x-hex of whole bytes",
            hint="calldata is 0x followed by an even number of hex digits",
        )
    return bytes.fromhex(body)


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
    ) -> None:
        """`journal`: a `Journal`, a path, `":memory:"`, or None for the default file
        (`interop.journal.default_journal_path()`), opened on first use. `adapters`: an
        `AdapterRegistry` (default: installed entry points). `sleep`: how flows wait
        (default `asyncio.sleep`; tests pass one that fast-forwards a devnet)."""
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

    @classmethod
    @contextlib.asynccontextmanager
    async def devnet(
        cls, *, account_index: int = 0, fast_forward: bool = True, **devnet_kw: Any
    ) -> AsyncIterator[Interop]:
        """Start the local devnet, yield an `Interop` on all of its chains with a funded account,
        and stop everything on exit. `io.devnet_handle` is the running `Devnet`.

        With `fast_forward` (the default) every wait of a flow moves the devnet's clock instead
        of sleeping, so a withdrawal's challenge period passes in milliseconds. The journal lives
        beside the devnet's logs: it is as ephemeral as the chains it describes.
        """
        from interop.devnet.core import Devnet

        if not fast_forward:
            devnet_kw.setdefault("tick_seconds", 1.0)  # real time: chain time must move by itself
        async with Devnet.default(**devnet_kw) as dn:
            kw: dict[str, Any] = {"journal": str(dn.log_dir / "journal.sqlite3")}
            if fast_forward:
                kw["sleep"] = dn.advance
            io = cls.from_devnet(dn, account_index=account_index, **kw)
            try:
                yield io
            finally:
                await io.aclose()

    @classmethod
    def from_devnet(cls, dn: Devnet, *, account_index: int = 0, **kw: Any) -> Interop:
        io = cls(list(dn.chains.values()), account=dn.accounts[account_index][1], **kw)
        io.devnet_handle = dn
        return io

    devnet_handle: Devnet | None = None

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
            c = ChainClient(chain)
            self._clients[chain.id] = c
        return c

    # actions
    async def balances(
        self,
        addresses: Iterable[str],
        *,
        chains: Iterable[ChainRef] | None = None,
        block: int | str = "latest",
    ) -> BalanceTable:
        """Native balances of every address on every chain (or `chains`), chains concurrently.

        A chain whose RPC fails yields an error entry in the table; the others still return.
        """
        targets = [self.chain(c) for c in chains] if chains is not None else self.chains
        clients = {c.id: self.client(c.id) for c in targets}
        return await get_balances_multichain(clients, list(addresses), block=block)

    async def transfer(
        self, chain: ChainRef, *, to: str, value: int, wait: bool = True, timeout: float = 60
    ) -> TransferResult:
        """Send native currency on one chain. Validates everything before signing.

        Journaled like every value-moving flow (kind "native"): the signed transaction is
        committed before it is broadcast, so `resume()` can find it after a crash.
        """
        from interop.flows import NATIVE
        from interop.journal import RecordingSigner
        from interop.types import to_wei_int

        if self.signer is None:
            raise MissingSignerError("transfer needs an account", hint="Interop(..., account=...)")
        c = self.chain(chain)
        recipient = self.parse_address(to, c) if isinstance(to, str) else to
        amount = to_wei_int(value)
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
            )
        except BaseException as exc:
            if not j.txs(fid):
                j.set_status(fid, "cancelled", "not-sent", done=True, error=str(exc)[:500])
            raise
        if res.receipt is not None:
            j.set_tx_state(res.tx_hash, "mined")
            j.set_status(fid, "finalized", "mined", done=True)
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
        if recipient is None:
            if self.signer is None:
                return None
            from interop.types import to_address

            return to_address(self.signer.address)
        return self.parse_address(recipient, dst)

    # ------------------------------------------------------------------ bridging
    async def bridge(
        self,
        value: int,
        source: ChainRef,
        target: ChainRef,
        recipient: str | None = None,
        *,
        force: bool = False,
        gas_limit: int | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> Transfer:
        """Move `value` wei of ETH from `source` to `target` (to `recipient`, default yourself).

        Returns once the first transaction is mined; then `await t.complete()` performs the
        rest (prove / finalize / execute / redeem, and for a two-hop route the deposit from the
        parent chain: the withdrawn ETH arrives at your address on the parent, then is deposited
        from it, so you need gas there). `force=True` skips the recipient safety refusals.
        """
        from interop.adapters.base import FlowKind

        flow = await self._start(
            FlowKind.ETH, value, source, target, recipient, b"", force, gas_limit, options
        )
        from interop.flows import Transfer

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
        force: bool = False,
        gas_limit: int | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> Message:
        """Call `to` with `data` (and `value` wei) on `target`, sent from `source` through the
        canonical messenger of the route (direct routes only)."""
        from interop.adapters.base import FlowKind
        from interop.flows import Message

        payload = calldata_bytes(data)
        flow = await self._start(
            FlowKind.MESSAGE,
            value,
            source,
            target,
            to,
            payload,
            force,
            gas_limit,
            options,
            allow_zero=True,
        )
        assert isinstance(flow, Message)
        return flow

    async def _start(
        self,
        kind: Any,
        value: int,
        source: ChainRef,
        target: ChainRef,
        recipient: str | None,
        data: bytes,
        force: bool,
        gas_limit: int | None,
        options: Mapping[str, Any] | None,
        *,
        allow_zero: bool = False,
    ) -> Flow:
        import asyncio

        from interop.adapters.base import AdapterContext, BridgeRequest
        from interop.flows import handle_for
        from interop.journal import RecordingSigner
        from interop.routes import plan_route
        from interop.types import to_address, to_wei_int
        from interop.units import format_ether

        if self.signer is None:
            raise MissingSignerError("bridging needs an account", hint="Interop(..., account=...)")
        signer = self.signer
        amount = to_wei_int(value)
        if amount == 0 and not allow_zero:
            raise InvalidAmountError("bridging 0 wei moves nothing", hint="pass a positive amount")
        src, dst = self.chain(source), self.chain(target)
        rcpt = self._recipient(recipient, dst)
        assert rcpt is not None
        sender = to_address(signer.address)
        plan = await plan_route(
            src,
            dst,
            kind,
            chains=self._chains,
            client=self.client,
            value=amount,
            recipient=rcpt,
            data=data,
            signer=signer,
            registry=self.adapters,
            options=options,
        )
        # every chain of the route must be the one configured before anything is signed
        route_ids = {s.source.id for s in plan.steps} | {s.target.id for s in plan.steps}
        await asyncio.gather(*(self.client(cid).ensure_chain_id() for cid in route_ids))
        first = plan.steps[0]
        if not force:
            await self._check_recipient(src, dst, rcpt, sender, plan.steps, kind, amount)
        balance = await self.client(src).get_balance(sender)
        fee = first.fee.initiate_fee if first.fee is not None else 0
        if balance < amount + fee:
            raise InsufficientFundsError(
                f"{sender} has {format_ether(balance)} ETH on {src.name} but the transfer needs "
                f"{format_ether(amount + fee)} (value {format_ether(amount)} + fees "
                f"{format_ether(fee)})",
                balance=balance,
                required=amount + fee,
                hint="nothing was signed or sent",
            )
        if first.fee is None:
            log.info("no fee estimate for %s -> %s: %s", src.name, dst.name, first.fee_error)
        opts = dict(options or {})
        if force:
            opts["force"] = True
        j = self.journal
        fid = j.create_flow(
            kind=kind.value,
            source_chain=src.id,
            target_chain=dst.id,
            value=amount,
            recipient=rcpt,
            sender=sender,
            data=data,
            options=opts,
            hops=[(s.adapter, s.direction.value, s.source.id, s.target.id) for s in plan.steps],
        )
        one_hop = len(plan.steps) == 1
        req = BridgeRequest(
            kind,
            amount,
            rcpt if one_hop else sender,
            data=data,
            gas_limit=gas_limit,
            allow_aliased_recipient=force,
            options={k: v for k, v in opts.items() if k != "force"},
        )
        adapter = self.adapter(first.adapter)
        rs = RecordingSigner(signer, j, fid, 0, "initiate")
        ctx = AdapterContext(self.client(first.source.id), self.client(first.target.id), rs)
        try:
            ref = await adapter.initiate(ctx, req)
        except BaseException as exc:
            if not j.txs(fid):
                j.set_status(fid, "cancelled", "not-sent", done=True, error=str(exc)[:500])
            else:
                j.add_event(fid, "initiate raised", f"{type(exc).__name__}: {exc}"[:500])
            raise
        j.set_hop_ref(fid, 0, ref)
        j.set_tx_state(ref.tx_hash, "mined")
        j.add_event(fid, "initiated", ref.tx_hash)
        return handle_for(self, j.get(fid))

    async def _check_recipient(
        self,
        src: Chain,
        dst: Chain,
        rcpt: str,
        sender: str,
        steps: Sequence[Any],
        kind: FlowKind | None = None,
        amount: int = 0,
    ) -> None:
        import asyncio

        from interop.adapters.base import Direction
        from interop.adapters.base import FlowKind as Kind

        code_src, code_dst, sender_code = await asyncio.gather(
            self.client(src).get_code(rcpt),
            self.client(dst).get_code(rcpt),
            self.client(src).get_code(sender),
        )
        if code_src and not code_dst:
            raise UnsafeRecipientError(
                f"{rcpt} is a contract on {src.name} but has no code on {dst.name}: whoever "
                "controls it on the source may control nothing there",
                hint="send to an address that exists on the destination, or pass force=True",
            )
        if code_dst and kind is Kind.ETH and amount:
            await self._check_accepts_eth(dst, rcpt, amount)
        deposits_from_sender = any(
            s.direction is Direction.L1_TO_L2 and s.source.id == src.id for s in steps
        )
        if sender_code and deposits_from_sender and rcpt.lower() == sender.lower():
            raise UnsafeRecipientError(
                f"the sender {sender} has code on {src.name}: its deposit would be credited to "
                "its aliased address on the L2, which only its own L1 calls control",
                hint="pass an explicit recipient, or force=True if the contract handles it",
            )

    async def _check_accepts_eth(self, dst: Chain, rcpt: str, amount: int) -> None:
        """Refuse a contract recipient whose code reverts a plain ETH transfer on the
        destination: an OP withdrawal to it is finalized with the ETH left in the portal (lost),
        an Arbitrum outbox execution or a Superchain relay can never succeed. Simulated with
        `eth_call` (the caller funded by a state override); a node that cannot simulate is not
        a reason to refuse."""
        from interop.errors import ExecutionRevertedError, RpcResponseError

        probe = "0x000000000000000000000000000000000000dEaD"  # keyless stand-in for the bridge
        try:
            await self.client(dst).call(
                rcpt,
                b"",
                sender=probe,
                value=amount,
                state_override={probe: {"balance": hex(amount + 10**18)}},
            )
        except ExecutionRevertedError as exc:
            raise UnsafeRecipientError(
                f"{rcpt} is a contract on {dst.name} that reverts when sent ETH: the bridged "
                "value could not be delivered (an OP withdrawal would be lost)",
                details=exc.message,
                hint="send to an address that accepts ETH, or pass force=True",
            ) from None
        except RpcResponseError as exc:
            log.debug("cannot simulate an ETH transfer to %s on %s: %s", rcpt, dst.name, exc)

    # ------------------------------------------------------------------ handles
    def flow(self, flow_id: str) -> Flow:
        """The handle of a journaled flow (id or a unique prefix of >= 6 characters)."""
        from interop.flows import handle_for

        return handle_for(self, self.journal.get(flow_id))

    def flows(self, *, unfinished: bool = False) -> list[Flow]:
        """Every journaled flow (or only the unfinished ones), oldest first."""
        from interop.flows import handle_for

        return [handle_for(self, r) for r in self.journal.flows(unfinished=unfinished)]

    async def flow_from_tx(
        self, source: ChainRef, tx_hash: str, target: ChainRef | None = None
    ) -> Flow:
        """The handle of the flow initiated by `tx_hash` on `source`: from the journal if it is
        there, else rebuilt through the adapter of each route from `source` (or to `target`).
        Such a flow is journaled only once you act on it (`complete()`)."""
        import time

        from interop.errors import MessageNotFoundError
        from interop.flows import handle_for
        from interop.journal import FlowRecord, HopRecord
        from interop.types import to_address, to_hash32

        h = to_hash32(tx_hash) if isinstance(tx_hash, str) else tx_hash
        known = self.journal.find_by_tx(h)
        if known is not None:
            return handle_for(self, known)
        src = self.chain(source)
        targets = (
            [self.chain(target)]
            if target is not None
            else [c for c in self._chains.values() if c.id != src.id]
        )
        tried: list[str] = []
        for dst in targets:
            for adapter in self.adapters.candidates(src, dst):
                from interop.adapters.base import AdapterContext

                try:
                    ref = await adapter.flow_from_tx(
                        AdapterContext(self.client(src), self.client(dst), self.signer), h
                    )
                except (MessageNotFoundError, InputError, ConfigError) as exc:
                    tried.append(f"{adapter.name} {src.name}->{dst.name}: {exc.message}")
                    continue
                tx = await self.client(src).get_transaction(h) or {}
                now = time.time()
                rec = FlowRecord(
                    id=h,
                    kind=ref.kind.value,
                    source_chain=src.id,
                    target_chain=dst.id,
                    value=int(tx.get("value", "0x0"), 16),
                    recipient=to_address(str(tx.get("to") or tx.get("from") or ZERO)),
                    sender=to_address(str(tx.get("from") or ZERO)),
                    data=b"",
                    options={"looked_up": True},
                    status="unknown",
                    native="",
                    done=False,
                    error=None,
                    created=now,
                    updated=now,
                    hops=(
                        HopRecord(
                            0, adapter.name, ref.direction.value, src.id, dst.id, ref, "unknown", ""
                        ),
                    ),
                )
                return handle_for(self, rec, persisted=False)
        raise MessageNotFoundError(
            f"{h} on {src.name} starts no flow any configured route knows",
            details="; ".join(tried) or "no route from this chain",
        )

    async def resume(
        self,
        *,
        progress: Progress | None = None,
        sleep: Sleep | None = None,
        timeout: float | None = None,
        poll: float = 1.0,
        max_interval: float = 60.0,
    ) -> list[ResumeResult]:
        """Finish every unfinished journaled flow, one after the other (one account, one
        nonce sequence). Per flow: re-broadcast signed transactions that have no receipt, then
        continue from on-chain status, so no step is ever repeated. Errors stay per flow; flows
        on chains this `Interop` is not configured for are skipped."""
        out: list[ResumeResult] = []
        for f in self.flows(unfinished=True):
            ids = {f.source, f.target} | {
                c for h in f.record.hops for c in (h.source_chain, h.target_chain)
            }
            missing = sorted(i for i in ids if i not in self._chains)
            if missing:
                out.append(
                    ResumeResult(f.record.id, None, None, f"chains not configured: {missing}")
                )
                continue
            try:
                st = await f.complete(
                    progress=progress,
                    sleep=sleep,
                    timeout=timeout,
                    poll=poll,
                    max_interval=max_interval,
                )
                out.append(ResumeResult(f.record.id, st, None, None))
            except InteropError as exc:
                out.append(ResumeResult(f.record.id, None, exc, None))
        return out


@dataclass(frozen=True)
class ResumeResult:
    """Outcome of resuming one flow: its final `state`, or the `error`, or why it was `skipped`."""

    flow_id: str
    state: FlowState | None
    error: InteropError | None
    skipped: str | None

    @property
    def ok(self) -> bool:
        return self.state is not None
