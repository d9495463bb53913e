"""Load user-defined chains from a TOML or JSON file.

Why a file and not code: a private rollup, a fork or a paid RPC endpoint is configuration. The file
holds a list of chains with the same fields as `Chain`; every address is checked (EIP-55) and every
error names the file, the chain and the field, because a wrong bridge address loses funds.

TOML::

    [[chains]]
    id = 424242
    name = "My Rollup"
    stack = "opstack"
    parent_id = 1
    rpc_urls = ["https://rpc.my-rollup.example"]
    aliases = ["mine"]
    short_name = "myr"
    contracts = { multicall3 = "0xcA11bde05977b3631167028862bE2a173976CA11" }
    [chains.parent_contracts.1]
    optimism_portal = "0x..."

    [[chains]]               # change a built-in: start from it, override what you give
    extends = "base"
    rpc_urls = ["https://my-base-node.example"]

JSON: ``{"chains": [ {...}, ... ]}`` or a bare list. `extends = "<chain>"` copies that chain (from
the registry given as `base`, the default registry otherwise) and merges `contracts` /
`parent_contracts` key by key; if the id stays the same it replaces the built-in. Re-using a known
id without `extends` requires `override = true`, so nobody replaces a built-in by accident.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable, Mapping
from os import PathLike
from pathlib import Path
from typing import Any, Protocol

from interop.chains.model import Chain, NativeCurrency, stack_name
from interop.errors import ConfigError, InvalidAddressError
from interop.types import Address, to_address

__all__ = [
    "ChainLookup",
    "chain_from_dict",
    "chain_to_dict",
    "dump_chains",
    "load_chains",
    "load_entries",
]


class ChainLookup(Protocol):
    """What loading needs from a registry (`ChainRegistry` is one): resolve `extends`, tell
    which ids exist. A protocol, so the loader never imports the registry (which imports it)."""

    def __contains__(self, key: object) -> bool: ...

    def get(self, query: int | str) -> Chain: ...

    def find(self, query: int | str) -> Chain | None: ...

    def suggest(self, query: object) -> list[str]: ...


default_base: Callable[[], ChainLookup] | None = None
"""Where `base=None` looks chains up: `interop.chains.registry` sets it to its
`default_registry` when it is imported (importing this module imports the `interop.chains`
package, which imports the registry first)."""

_FIELDS = frozenset(
    {
        "id",
        "name",
        "stack",
        "parent_id",
        "native_currency",
        "block_time_ms",
        "rpc_urls",
        "explorer",
        "aliases",
        "short_name",
        "testnet",
        "contracts",
        "parent_contracts",
        "source",
    }
)
_DIRECTIVES = frozenset({"extends", "override"})
_URL_SCHEMES = ("http://", "https://", "ws://", "wss://")


def load_chains(path: str | PathLike[str], *, base: ChainLookup | None = None) -> list[Chain]:
    """Parse and validate a chain file; returns the chains without registering them.

    `base` resolves `extends` and decides what counts as an override (default registry if None).
    """
    return [chain for chain, _ in load_entries(path, base=base)]


def load_entries(
    path: str | PathLike[str], *, base: ChainLookup | None = None
) -> list[tuple[Chain, bool]]:
    """Like `load_chains`, also telling for each chain whether it may replace an existing id."""
    if base is None and default_base is None:
        raise ConfigError("no chain registry to resolve the file against", hint="pass base=")
    registry = base if base is not None else default_base()  # type: ignore[misc]
    p = Path(path)
    raw = _read(p)
    entries = _entry_list(raw, p)
    out: list[tuple[Chain, bool]] = []
    seen: dict[int, str] = {}
    for index, entry in enumerate(entries):
        where = f"{p.name}: chains[{index}]"
        chain, override = _build(entry, where, registry, p)
        if chain.id in seen:
            raise ConfigError(
                f"{where} ({chain.name!r}): id {chain.id} is defined twice in the file "
                f"(also {seen[chain.id]!r})"
            )
        seen[chain.id] = chain.name
        if chain.id in registry and not override:
            existing = registry.get(chain.id)
            raise ConfigError(
                f"{where} ({chain.name!r}): id {chain.id} is already {existing.name!r}",
                hint=f'use extends = "{existing.short_name or existing.name}" to change the '
                "built-in, or set override = true to replace it",
            )
        out.append((chain, override))
    return out


def chain_from_dict(
    data: Mapping[str, Any], *, where: str = "chain", source: str = "user"
) -> Chain:
    """Validate one plain mapping (as in a chain file, without `extends`) into a `Chain`."""
    unknown = set(data) - _FIELDS
    if unknown:
        raise ConfigError(
            f"{where}: unknown field(s) {', '.join(sorted(unknown))}",
            hint=f"known fields: {', '.join(sorted(_FIELDS | _DIRECTIVES))}",
        )
    for required in ("id", "name"):
        if required not in data:
            raise ConfigError(f"{where}: missing required field {required!r}")
    cid = _positive_int(data["id"], where, "id")
    name = _nonempty_str(data["name"], where, "name")
    label = f"{where} ({name!r}, id {cid})"
    kwargs: dict[str, Any] = {"id": cid, "name": name, "source": source}
    if "stack" in data:
        # Any family name loads (a family we do not ship is supplied by its own package).
        if not isinstance(data["stack"], str):
            raise ConfigError(f"{label}: stack must be a string, got {data['stack']!r}")
        try:
            kwargs["stack"] = stack_name(data["stack"])
        except ConfigError as exc:
            raise ConfigError(f"{label}: {exc.message}", hint=exc.hint) from None
    if data.get("parent_id") is not None:
        kwargs["parent_id"] = _positive_int(data["parent_id"], label, "parent_id")
    if "native_currency" in data:
        kwargs["native_currency"] = _currency(data["native_currency"], label)
    if "block_time_ms" in data:
        kwargs["block_time_ms"] = _positive_int(data["block_time_ms"], label, "block_time_ms")
    if "rpc_urls" in data:
        kwargs["rpc_urls"] = _urls(data["rpc_urls"], label)
    if data.get("explorer") is not None:
        kwargs["explorer"] = _nonempty_str(data["explorer"], label, "explorer")
    if "aliases" in data:
        kwargs["aliases"] = tuple(_str_list(data["aliases"], label, "aliases"))
    if data.get("short_name") is not None:
        kwargs["short_name"] = _nonempty_str(data["short_name"], label, "short_name")
    if "testnet" in data:
        if not isinstance(data["testnet"], bool):
            raise ConfigError(f"{label}: testnet must be true or false")
        kwargs["testnet"] = data["testnet"]
    if "source" in data:
        kwargs["source"] = _nonempty_str(data["source"], label, "source")
    if "contracts" in data:
        kwargs["contracts"] = _address_table(data["contracts"], label, "contracts")
    if "parent_contracts" in data:
        kwargs["parent_contracts"] = _parent_tables(data["parent_contracts"], label)
    return Chain(**kwargs)


def chain_to_dict(chain: Chain) -> dict[str, Any]:
    """The plain form of a chain, as a chain file holds it (round-trips with `chain_from_dict`).

    `parent_contracts` keys become strings because TOML and JSON table keys are strings.
    """
    out: dict[str, Any] = {
        "id": chain.id,
        "name": chain.name,
        "stack": chain.stack,
        "native_currency": {
            "name": chain.native_currency.name,
            "symbol": chain.native_currency.symbol,
            "decimals": chain.native_currency.decimals,
        },
        "block_time_ms": chain.block_time_ms,
        "rpc_urls": list(chain.rpc_urls),
        "aliases": list(chain.aliases),
        "testnet": chain.testnet,
        "contracts": {str(k): str(v) for k, v in chain.contracts.items()},
        "parent_contracts": {
            str(pid): {str(k): str(v) for k, v in table.items()}
            for pid, table in chain.parent_contracts.items()
        },
        "source": chain.source,
    }
    if chain.parent_id is not None:
        out["parent_id"] = chain.parent_id
    if chain.explorer is not None:
        out["explorer"] = chain.explorer
    if chain.short_name is not None:
        out["short_name"] = chain.short_name
    return out


def dump_chains(chains: list[Chain]) -> str:
    """Chains as a JSON chain file (`{"chains": [...]}`), e.g. to export and edit built-ins."""
    return json.dumps({"chains": [chain_to_dict(c) for c in chains]}, indent=2) + "\n"


# -- internals ------------------------------------------------------------------------------


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"chain file {path} does not exist") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"chain file {path} is not UTF-8 text: {exc.reason}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read chain file {path}: {exc}") from exc
    suffix = path.suffix.lower()
    if suffix == ".toml":
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"chain file {path} is not valid TOML: {exc}") from exc
    if suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"chain file {path} is not valid JSON: {exc}") from exc
    raise ConfigError(
        f"chain file {path} must end in .toml or .json", hint="the suffix picks the parser"
    )


def _entry_list(raw: Any, path: Path) -> list[Mapping[str, Any]]:
    entries = raw.get("chains") if isinstance(raw, Mapping) else raw
    if isinstance(raw, Mapping) and set(raw) - {"chains"}:
        extra = ", ".join(sorted(set(raw) - {"chains"}))
        raise ConfigError(f"{path.name}: unknown top-level key(s) {extra}; expected 'chains'")
    if not isinstance(entries, list):
        raise ConfigError(
            f"{path.name}: expected a list of chains",
            hint='TOML: [[chains]] tables; JSON: {"chains": [...]} or a bare list',
        )
    for index, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{path.name}: chains[{index}] must be a table/object")
    return entries


def _build(
    entry: Mapping[str, Any], where: str, registry: ChainLookup, path: Path
) -> tuple[Chain, bool]:
    override = entry.get("override", False)
    if not isinstance(override, bool):
        raise ConfigError(f"{where}: override must be true or false")
    data = {k: v for k, v in entry.items() if k not in _DIRECTIVES}
    source = f"file:{path}"
    if "extends" not in entry:
        return chain_from_dict(data, where=where, source=source), override
    target = entry["extends"]
    if not isinstance(target, int | str) or isinstance(target, bool):
        raise ConfigError(f"{where}: extends must be a chain id or name")
    parent = registry.find(target)
    if parent is None:
        suggestions = registry.suggest(target)
        hint = f"did you mean {', '.join(suggestions)}?" if suggestions else None
        raise ConfigError(f"{where}: extends {target!r}, which is not a known chain", hint=hint)
    merged = chain_to_dict(parent)
    merged["source"] = f"{parent.source} (extended by {source})"
    for key, value in data.items():
        if key == "contracts" and isinstance(value, Mapping):
            merged["contracts"] = {**merged["contracts"], **value}
        elif key == "parent_contracts" and isinstance(value, Mapping):
            tables = dict(merged["parent_contracts"])
            for pid, table in value.items():
                old = tables.get(str(pid), {})
                tables[str(pid)] = {**old, **table} if isinstance(table, Mapping) else table
            merged["parent_contracts"] = tables
        else:
            merged[key] = value
    label = where if "name" in data else f"{where} (extends {parent.name!r})"
    chain = chain_from_dict(merged, where=label, source=merged["source"])
    # Keeping the id means changing the built-in; a new id is a new chain.
    return chain, override or chain.id == parent.id


def _positive_int(value: Any, where: str, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError(f"{where}: {field} must be a positive integer, got {value!r}")
    return value


def _nonempty_str(value: Any, where: str, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: {field} must be a non-empty string, got {value!r}")
    return value.strip()


def _str_list(value: Any, where: str, field: str) -> list[str]:
    if not isinstance(value, list):
        raise ConfigError(f"{where}: {field} must be a list of strings")
    return [_nonempty_str(v, where, f"{field}[{i}]") for i, v in enumerate(value)]


def _urls(value: Any, where: str) -> tuple[str, ...]:
    urls = _str_list(value, where, "rpc_urls")
    for i, url in enumerate(urls):
        if not url.lower().startswith(_URL_SCHEMES):
            raise ConfigError(
                f"{where}: rpc_urls[{i}] {url!r} must start with http(s):// or ws(s)://"
            )
    return tuple(urls)


def _currency(value: Any, where: str) -> NativeCurrency:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: native_currency must be a table with name, symbol, decimals")
    unknown = set(value) - {"name", "symbol", "decimals"}
    if unknown:
        raise ConfigError(f"{where}: native_currency has unknown field(s) {sorted(unknown)}")
    defaults = NativeCurrency()
    decimals = value.get("decimals", defaults.decimals)
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 36:
        raise ConfigError(f"{where}: native_currency.decimals must be an int in 0..36")
    return NativeCurrency(
        name=_nonempty_str(value.get("name", defaults.name), where, "native_currency.name"),
        symbol=_nonempty_str(value.get("symbol", defaults.symbol), where, "native_currency.symbol"),
        decimals=decimals,
    )


def _address_table(value: Any, where: str, field: str) -> dict[str, Address]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: {field} must be a table of name = address")
    out: dict[str, Address] = {}
    for name, addr in value.items():
        if not isinstance(addr, str):
            raise ConfigError(f"{where}: {field}.{name} must be an address string, got {addr!r}")
        try:
            out[str(name)] = to_address(addr)
        except InvalidAddressError as exc:
            raise ConfigError(
                f"{where}: {field}.{name} is not a valid address: {exc.message}",
                hint=exc.hint,
            ) from exc
    return out


def _parent_tables(value: Any, where: str) -> dict[int, dict[str, Address]]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: parent_contracts must be a table keyed by parent chain id")
    out: dict[int, dict[str, Address]] = {}
    for key, table in value.items():
        text = str(key).strip()
        if isinstance(key, bool) or not (text.isascii() and text.isdigit()) or int(text) <= 0:
            raise ConfigError(
                f"{where}: parent_contracts key {key!r} must be a parent chain id (digits)"
            )
        out[int(text)] = _address_table(table, where, f"parent_contracts.{text}")
    return out
