"""`Interop`: the one object most users need.

It holds `{chain id -> ChainClient}`, one signer, and (later) the journal; it resolves chain names
through the registry, verifies each RPC's chain id before signing, and dispatches to actions and
adapters. Every network resource it opens is closed by `aclose()` / `async with`.

    async with Interop.devnet() as io:
        table = await io.balances([alice, bob])
        await io.transfer("devnet-op", to=bob, value=ether("0.01"))
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from interop.actions.balances import BalanceTable, get_balances_multichain
from interop.actions.nonce import NonceManager
from interop.actions.transfer import TransferResult, send_native
from interop.chains.model import Chain
from interop.client import ChainClient
from interop.errors import ConfigError, MissingSignerError, UnknownChainError
from interop.signer import SafeSigner, Signer, account_from_key

if TYPE_CHECKING:
    from interop.devnet.core import Devnet

__all__ = ["Interop"]

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
    ) -> None:
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
        if isinstance(account, str):
            self.signer: Signer | None = account_from_key(account)
        elif account is not None and not isinstance(account, SafeSigner):
            self.signer = SafeSigner(account)
        else:
            self.signer = account
        self.nonces = NonceManager()
        self._closed = False

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

    @classmethod
    @contextlib.asynccontextmanager
    async def devnet(cls, *, account_index: int = 0, **devnet_kw: Any) -> AsyncIterator[Interop]:
        """Start the local devnet, yield an `Interop` on all of its chains with a funded account,
        and stop everything on exit. `io.devnet_handle` is the running `Devnet`."""
        from interop.devnet.core import Devnet

        async with Devnet.default(**devnet_kw) as dn:
            io = cls.from_devnet(dn, account_index=account_index)
            try:
                yield io
            finally:
                await io.aclose()

    @classmethod
    def from_devnet(cls, dn: Devnet, *, account_index: int = 0) -> Interop:
        io = cls(list(dn.chains.values()), account=dn.accounts[account_index][1])
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
                if q == c.name.lower() or q in (a.lower() for a in c.aliases) or q == (c.short_name or "").lower():
                    return c
        import difflib

        names = [c.name for c in self._chains.values()]
        raise UnknownChainError(ref, difflib.get_close_matches(str(ref), names, n=3, cutoff=0.5) or names)

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
        """Send native currency on one chain. Validates everything before signing."""
        if self.signer is None:
            raise MissingSignerError("transfer needs an account", hint="Interop(..., account=...)")
        return await send_native(
            self.client(chain), self.signer, to, value, nonces=self.nonces, wait=wait, timeout=timeout
        )
