"""Find a chain by id, name, alias or ERC-3770 short name, and keep user chains next to built-ins.

Why a registry object and not a dict: lookups must be forgiving in spelling ("OP Mainnet",
"op-mainnet", "op_mainnet", "10", "eip155:10" all mean the same chain) but strict in meaning (two
chains may never answer to the same key; a typo gets "did you mean ...?" instead of silently
picking something). Names are normalised: case-folded, spaces and underscores read as hyphens.

The module-level default registry holds the built-in networks plus the devnet chains; users add
their own with `register()` or `load_file()`. Nothing here talks to the network.
"""

from __future__ import annotations

import difflib
import re
import threading
from collections.abc import Iterable, Iterator
from os import PathLike

from interop.chains import loader as _loader
from interop.chains.model import Chain, stack_name
from interop.errors import ConfigError, UnknownChainError

__all__ = ["ChainRegistry", "all_chains", "default_registry", "get_chain", "normalize_key"]

_SEPARATORS = re.compile(r"[\s_]+")
_CAIP2 = re.compile(r"^eip155:(\d+)$")


def normalize_key(value: str) -> str:
    """The spelling-insensitive form of a chain name, alias or short name."""
    return _SEPARATORS.sub("-", value.strip().casefold())


def _keys_of(chain: Chain) -> list[str]:
    keys = [normalize_key(chain.name)]
    if chain.short_name:
        keys.append(normalize_key(chain.short_name))
    keys.extend(normalize_key(a) for a in chain.aliases)
    return list(dict.fromkeys(k for k in keys if k))


class ChainRegistry:
    """A set of chains, unique by id and by every lookup key.

    Immutable-ish: chains are frozen and only `register()` / `load_file()` change membership;
    `copy()` gives an independent registry to experiment with. Thread-safe for concurrent reads
    and registration.
    """

    def __init__(self, chains: Iterable[Chain] = ()) -> None:
        self._by_id: dict[int, Chain] = {}
        self._by_key: dict[str, int] = {}
        self._lock = threading.RLock()
        for chain in chains:
            self.register(chain)

    @classmethod
    def builtin(cls, *, include_devnet: bool = True) -> ChainRegistry:
        """A fresh registry of the built-in networks (and, by default, the devnet chains)."""
        from interop.chains.data import BUILTIN_CHAINS, DEVNET_CHAINS

        chains = BUILTIN_CHAINS + (DEVNET_CHAINS if include_devnet else ())
        return cls(chains)

    # -- lookup --------------------------------------------------------------------------

    def get(self, query: int | str) -> Chain:
        """Look a chain up by id (int, decimal string or `eip155:<id>`), name, alias or short name.

        Raises `UnknownChainError` with close matches as suggestions.
        """
        chain = self.find(query)
        if chain is None:
            raise UnknownChainError(query, self.suggest(query))
        return chain

    def find(self, query: int | str) -> Chain | None:
        """Like `get` but returns None when nothing matches."""
        if isinstance(query, bool):
            return None
        if isinstance(query, int):
            return self._by_id.get(query)
        if not isinstance(query, str):
            return None
        text = query.strip()
        if text.isascii() and text.isdigit():
            return self._by_id.get(int(text))
        caip = _CAIP2.match(text.casefold())
        if caip:
            return self._by_id.get(int(caip.group(1)))
        cid = self._by_key.get(normalize_key(text))
        return None if cid is None else self._by_id.get(cid)

    def __contains__(self, query: object) -> bool:
        if isinstance(query, Chain):
            return query.id in self._by_id
        if isinstance(query, int | str):
            return self.find(query) is not None
        return False

    def __iter__(self) -> Iterator[Chain]:
        return iter(self.all())

    def __len__(self) -> int:
        return len(self._by_id)

    def all(self) -> list[Chain]:
        """Every chain, ordered by id."""
        with self._lock:
            return sorted(self._by_id.values(), key=lambda c: c.id)

    def by_stack(self, stack: str) -> list[Chain]:
        """Chains of one family (`Stack.OPSTACK` or `"opstack"`), ordered by id.

        Family names are open (a chain file may name one we do not ship), so an unknown name is
        not an error here: it simply has no chains unless some were registered under it.
        """
        wanted = stack_name(stack)
        return [c for c in self.all() if c.stack == wanted]

    def children(self, parent: int | str | Chain) -> list[Chain]:
        """Chains that settle on `parent` (by id, name or Chain), ordered by id."""
        pid = parent.id if isinstance(parent, Chain) else self.get(parent).id
        return [c for c in self.all() if c.parent_id == pid]

    def parent_of(self, chain: int | str | Chain) -> Chain | None:
        """The chain `chain` settles on, or None for an L1."""
        c = chain if isinstance(chain, Chain) else self.get(chain)
        return None if c.parent_id is None else self.get(c.parent_id)

    # -- changes -------------------------------------------------------------------------

    def register(self, chain: Chain, *, replace: bool = False) -> Chain:
        """Add `chain`. With `replace=True` a chain of the same id is replaced (an override).

        Raises `ConfigError` if the id is taken (without `replace`) or if any of its names,
        aliases or short name already belongs to a different chain: two chains answering to the
        same name would make lookups depend on registration order.
        """
        if not isinstance(chain, Chain):
            raise ConfigError(f"expected a Chain, got {type(chain).__name__}")
        if isinstance(chain.id, bool) or not isinstance(chain.id, int) or chain.id <= 0:
            raise ConfigError(f"chain {chain.name!r}: id must be a positive int, got {chain.id!r}")
        keys = _keys_of(chain)
        if not keys:
            raise ConfigError(f"chain {chain.id}: name must not be empty")
        with self._lock:
            existing = self._by_id.get(chain.id)
            if existing is not None and not replace:
                raise ConfigError(
                    f"chain id {chain.id} is already registered as {existing.name!r}",
                    hint="pass replace=True (or `override = true` / `extends` in a chain file)",
                )
            for key in keys:
                owner = self._by_key.get(key)
                if owner is not None and owner != chain.id:
                    other = self._by_id[owner]
                    raise ConfigError(
                        f"chain {chain.name!r} ({chain.id}): name/alias {key!r} already belongs "
                        f"to {other.name!r} ({other.id})",
                        hint="choose another alias or short name",
                    )
            if existing is not None:
                for key in _keys_of(existing):
                    self._by_key.pop(key, None)
            self._by_id[chain.id] = chain
            for key in keys:
                self._by_key[key] = chain.id
        return chain

    def load_file(self, path: str | PathLike[str]) -> list[Chain]:
        """Load chains from a TOML or JSON file (see `interop.chains.loader`) and register them.

        All entries are validated before any is registered, so a bad file changes nothing.
        """
        entries = _loader.load_entries(path, base=self)
        staged = self.copy()
        for chain, is_override in entries:
            staged.register(chain, replace=is_override)
        with self._lock:
            self._by_id = staged._by_id
            self._by_key = staged._by_key
        return [chain for chain, _ in entries]

    def copy(self) -> ChainRegistry:
        """An independent registry with the same chains."""
        new = ChainRegistry()
        with self._lock:
            new._by_id = dict(self._by_id)
            new._by_key = dict(self._by_key)
        return new

    # -- helpers -------------------------------------------------------------------------

    def suggest(self, query: object) -> list[str]:
        """Up to three known names close to `query` (for "did you mean ...?")."""
        if not isinstance(query, str) or not query.strip():
            return []
        with self._lock:
            keys = list(self._by_key)
            owners = dict(self._by_key)
        out: list[str] = []
        seen: set[int] = set()
        for key in difflib.get_close_matches(normalize_key(query), keys, n=10, cutoff=0.6):
            if owners[key] not in seen:
                seen.add(owners[key])
                out.append(key)
        return out[:3]

    def __repr__(self) -> str:
        return f"ChainRegistry({len(self)} chains)"


_default: ChainRegistry | None = None
_default_lock = threading.Lock()


def default_registry() -> ChainRegistry:
    """The process-wide registry: built-in networks + devnet chains (+ whatever users register)."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = ChainRegistry.builtin()
    return _default


_loader.default_base = default_registry


def get_chain(query: int | str) -> Chain:
    """Look a chain up in the default registry; see `ChainRegistry.get`."""
    return default_registry().get(query)


def all_chains() -> list[Chain]:
    """Every chain of the default registry, ordered by id."""
    return default_registry().all()
