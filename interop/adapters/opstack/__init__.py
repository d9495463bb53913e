"""OP Stack adapter: deposits, withdrawals (legacy L2OutputOracle and fault-proof portals) and
cross-domain messages between an L1 and an OP Stack L2.

The pure formulas, ABIs and predeploy addresses live in `interop.spec.opstack` (the adapter and
the devnet both import them from there). Heavy modules load lazily.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from interop.adapters.opstack.adapter import OpStackAdapter

__all__ = ["adapter_factory"]


def adapter_factory() -> OpStackAdapter:
    """Entry point (`interop.adapters` group): a ready `OpStackAdapter`."""
    from interop.adapters.opstack.adapter import OpStackAdapter

    return OpStackAdapter()
