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


def test_min_tx_gas_is_the_larger_of_intrinsic_gas_and_the_eip7623_floor() -> None:
    """The relayer fails a retry below this without sending it (anvil pools such a tx forever)."""
    from interop.devnet.arbitrum.relayer import min_tx_gas

    assert min_tx_gas(b"") == 21_000
    # 200 non-zero bytes: intrinsic 21000 + 16*200 = 24200 < floor 21000 + 10*4*200 = 29000
    assert min_tx_gas(b"\xab" * 200) == 29_000
    # zero bytes: intrinsic 21000 + 4*n and floor 21000 + 10*n
    assert min_tx_gas(b"\x00" * 100) == 22_000
    # a creation pays 32000 + 2 per initcode word on top of the intrinsic gas
    assert min_tx_gas(b"\x01" * 64, creation=True) == max(21_000 + 1024 + 32_000 + 4, 23_560)


def test_assertion_hash_is_rollup_lib_assertion_hash() -> None:
    """keccak(parent ‖ keccak(abi.encode(state)) ‖ inboxAcc), the hash the validator passes as
    `expectedAssertionHash` (the rollup rejects a mismatch, which the devnet tests exercise)."""
    from eth_abi.abi import encode as abi_encode
    from eth_utils.crypto import keccak

    from interop.devnet.arbitrum.bold import ASSERTION_STATE, AssertionState, assertion_hash

    st = AssertionState(b"\x11" * 32, b"\x22" * 32, 3, 0)
    enc = abi_encode([ASSERTION_STATE], [(((b"\x11" * 32, b"\x22" * 32), (3, 0)), 1, b"\x00" * 32)])
    assert assertion_hash(b"\x33" * 32, st, b"\x44" * 32) == keccak(
        b"\x33" * 32 + keccak(enc) + b"\x44" * 32
    )
