"""Pure parts of the OP Stack per-step gas estimates (no network)."""

from __future__ import annotations

import pytest

from interop.adapters.opstack.fees import (
    CALLDATA_GAS_PER_BYTE,
    FINALIZE_GAS_OVERHEAD,
    PROVE_EXTRA_PROOF_NODES,
    PROVE_GAS_PER_PROOF_NODE,
    PROVE_GAS_TYPICAL,
    typical_finalize_gas,
    typical_prove_gas,
)


def _has_min_gas(gas_left: int, min_gas: int, reserved: int = 0) -> bool:
    """SafeCall.hasMinGas of contracts-bedrock (src/libraries/SafeCall.sol):
    gas * 63 >= minGas * 64 + (40000 + reserved) * 63."""
    return gas_left * 63 >= min_gas * 64 + (40_000 + reserved) * 63


@pytest.mark.parametrize("generation", ["portal2", "portal"])
@pytest.mark.parametrize("gas_limit", [0, 21_000, 25_200, 200_000, 490_798, 5_000_000])
def test_finalize_leaves_the_portal_enough_gas_to_forward(generation: str, gas_limit: int) -> None:
    # What is left for the call once the portal's own work is paid must pass hasMinGas.
    left = typical_finalize_gas(generation, gas_limit) - FINALIZE_GAS_OVERHEAD[generation]
    assert _has_min_gas(left, gas_limit)
    assert not _has_min_gas(left - 64, gas_limit)  # and not much more than needed


def test_finalize_grows_with_data() -> None:
    base = typical_finalize_gas("portal2", 100_000)
    assert typical_finalize_gas("portal2", 100_000, 100) == base + 2 * CALLDATA_GAS_PER_BYTE * 100


def test_prove_typical_budget() -> None:
    for gen in ("portal2", "portal"):
        assert typical_prove_gas(gen) == (
            PROVE_GAS_TYPICAL[gen] + PROVE_EXTRA_PROOF_NODES * PROVE_GAS_PER_PROOF_NODE
        )
        assert typical_prove_gas(gen, 32) == typical_prove_gas(gen) + 32 * CALLDATA_GAS_PER_BYTE
    with pytest.raises(KeyError):
        typical_prove_gas("arbitrum")
