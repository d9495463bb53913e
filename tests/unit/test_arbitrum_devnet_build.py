"""The committed compiled output of the Arbitrum devnet's Solidity matches a fresh compile."""

from __future__ import annotations

import shutil

import pytest

from interop.devnet.arbitrum.compile import BUILD_JSON, compile_contracts, render


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_committed_build_matches_fresh_compile() -> None:
    assert BUILD_JSON.read_text() == render(compile_contracts()), (
        "contracts/build.json is stale: run python -m interop.devnet.arbitrum.compile"
    )
