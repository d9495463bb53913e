"""Chain families by name, loaded lazily from the entry-point group `interop.families`.

As with adapters: nothing is imported until a family is asked for, a plugin that fails to load
is recorded as a `ConfigError` naming it (raised when that family is asked for, so one broken
package cannot break chains of other families), and a family nobody installed is not an error:
`get` answers None and the caller applies the documented default (no L1 data fee, no genesis
escrow), logged once per name so the gap is visible.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from importlib.metadata import entry_points
from typing import Any

from interop.chains.model import Chain
from interop.errors import ConfigError
from interop.families.base import ChainFamily

__all__ = ["GROUP", "FamilyRegistry", "default_families", "family_of"]

log = logging.getLogger("interop.families")

GROUP = "interop.families"

_REQUIRED = ("name", "charges_l1_data_fee", "l1_data_fee", "genesis_escrow")


def _check_family(name: str, obj: Any) -> ChainFamily:
    missing = [m for m in _REQUIRED if not hasattr(obj, m)]
    missing += [
        m
        for m in ("l1_data_fee", "genesis_escrow")
        if m not in missing and not callable(getattr(obj, m))
    ]
    if missing:
        raise ConfigError(
            f"family plugin {name!r} returned {type(obj).__name__}, which lacks "
            + ", ".join(missing),
            hint="an interop.families entry point must return a ChainFamily "
            "(see interop.families.base)",
        )
    if obj.name != name:
        raise ConfigError(
            f"family plugin {name!r} calls itself {obj.name!r}",
            hint="the entry-point name, the family's `name` and `Chain.stack` must be equal",
        )
    return obj  # type: ignore[no-any-return]


class FamilyRegistry:
    """Families by name: from entry points, or from `factories` (tests, embedding)."""

    def __init__(
        self, factories: Mapping[str, Callable[[], Any]] | None = None, *, group: str = GROUP
    ) -> None:
        self._factories = dict(factories) if factories is not None else None
        self._group = group
        self._loaded: dict[str, ChainFamily] = {}
        self._errors: dict[str, ConfigError] = {}
        self._warned: set[str] = set()
        self._lock = threading.Lock()

    def _sources(self) -> dict[str, tuple[str, Callable[[], Any]]]:
        if self._factories is not None:
            return {n: (repr(f), f) for n, f in self._factories.items()}
        out: dict[str, tuple[str, Callable[[], Any]]] = {}
        for ep in sorted(entry_points(group=self._group), key=lambda e: e.name):
            if ep.name in out:
                self._errors.setdefault(
                    ep.name,
                    ConfigError(f"family plugin {ep.name!r} is registered twice ({ep.value})"),
                )

            def load(ep: Any = ep) -> Any:
                return ep.load()()

            out[ep.name] = (ep.value, load)
        return out

    def names(self) -> list[str]:
        """Every family name that is registered (loaded or not)."""
        return sorted(self._sources())

    def get(self, name: str) -> ChainFamily | None:
        """The family called `name`; None if no package provides it; `ConfigError` (naming the
        plugin) if one does but it failed to load."""
        with self._lock:
            if name in self._loaded:
                return self._loaded[name]
            if name in self._errors:
                raise self._errors[name]
            source = self._sources().get(name)
            if name in self._errors:
                raise self._errors[name]
            if source is None:
                if name not in self._warned:
                    self._warned.add(name)
                    log.warning(
                        "no chain family %r is installed: its chains are treated as having no "
                        "L1 data fee and no genesis escrow",
                        name,
                    )
                return None
            origin, make = source
            try:
                fam = _check_family(name, make())
            except ConfigError as exc:
                self._errors[name] = exc
                raise
            except Exception as exc:  # a third-party plugin can fail in any way
                err = ConfigError(
                    f"family plugin {name!r} ({origin}) failed to load: "
                    f"{type(exc).__name__}: {exc}",
                    hint=f"fix or uninstall the package providing the {name!r} family",
                )
                self._errors[name] = err
                raise err from exc
            self._loaded[name] = fam
            return fam

    def of(self, chain: Chain) -> ChainFamily | None:
        """The family of `chain` (by `chain.stack`); see `get`."""
        return self.get(chain.stack)


_default: FamilyRegistry | None = None


def default_families() -> FamilyRegistry:
    """The process-wide registry over the installed entry points."""
    global _default
    if _default is None:
        _default = FamilyRegistry()
    return _default


def family_of(chain: Chain) -> ChainFamily | None:
    """`default_families().of(chain)`."""
    return default_families().of(chain)
