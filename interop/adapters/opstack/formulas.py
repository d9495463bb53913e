"""Moved to `interop.spec.opstack.formulas` (the spec layer the devnet imports too); this module
re-exports it for importers not yet switched, and goes once none is left."""

from interop.spec.opstack.formulas import *  # noqa: F403
