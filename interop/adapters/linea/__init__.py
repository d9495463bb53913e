"""Linea adapter: ETH and messages both ways through the canonical message service, with
L2 -> L1 claim proofs built locally. See docs/linea.md; formulas in `interop.spec.linea`."""

from __future__ import annotations

from interop.adapters.linea.adapter import LineaAdapter

__all__ = ["LineaAdapter", "adapter_factory"]


def adapter_factory() -> LineaAdapter:
    """Entry point (`interop.adapters` group)."""
    return LineaAdapter()
