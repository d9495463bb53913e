"""Moved to `interop.spec.opstack.abis` (the spec layer the devnet imports too); this module
re-exports it for importers not yet switched, and goes once none is left."""

from interop.spec.opstack.abis import *  # noqa: F403
