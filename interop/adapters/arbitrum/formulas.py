"""Moved to `interop.spec.arbitrum.formulas` (the spec layer the devnet imports too).

A thin re-export kept so code importing the old path keeps working while callers move.
"""

from __future__ import annotations

from interop.spec.arbitrum.formulas import *  # noqa: F403
from interop.spec.arbitrum.formulas import __all__ as __all__
