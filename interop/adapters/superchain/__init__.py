"""OP Superchain interop adapter: L2 -> L2 ETH and messages through the L2ToL2CrossDomainMessenger.

The pure formulas and ABIs live in `interop.spec.superchain` (the adapter and the devnet both
import them from there). Heavy modules load lazily.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from interop.adapters.superchain.adapter import SuperchainAdapter

__all__ = ["adapter_factory"]


def adapter_factory() -> SuperchainAdapter:
    """Entry point (`interop.adapters` group): a ready `SuperchainAdapter`."""
    from interop.adapters.superchain.adapter import SuperchainAdapter

    return SuperchainAdapter()
