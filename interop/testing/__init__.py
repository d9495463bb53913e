"""`interop.testing`: the checks every bridge adapter must pass, shipped in the package.

A third-party adapter package (a new rollup family, an OP Stack fork) runs the same conformance
suite the built-in OP Stack, Arbitrum and Superchain adapters run, the way web3.py ships its
module tests for providers to subclass:

- `interop.testing.conformance`: one test class per capability of the `BridgeAdapter` protocol
  (`AdapterConformance` gathers them all), subclassed once per route with the route's facts as
  class attributes; and `run_conformance(io, source, target, ...)`, the same contract checked
  end to end through a configured `Interop` (journal, resume, `flow_from_tx`).
- `interop.testing.fixtures`: a pytest plugin with the `devnet` (session) and `interop_devnet`
  fixtures; enable it with `pytest_plugins = ["interop.testing.fixtures"]` in your conftest.py.

Test infrastructure only: production code never imports this package (nor `interop.devnet`). It
needs pytest and pytest-asyncio, which the package itself does not depend on. The plugin
author's guide is docs/plugins.md.
"""

from __future__ import annotations

__all__: list[str] = []
