"""Moved to `interop.spec.superchain.abis` (the spec layer the devnet imports too); this module
re-exports it for importers not yet switched, and goes once none is left."""

from interop.spec.superchain.abis import *  # noqa: F403
