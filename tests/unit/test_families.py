"""Chain families as plugins: loading, failure naming, unknown families, and the fee models'
pure parts (no network)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from interop.chains import ARBITRUM_ONE, BASE, MAINNET, Chain
from interop.errors import ConfigError
from interop.families import ChainFamily, FamilyRegistry, UnsignedTx, default_families
from interop.families.opstack import L1FeeParams


def test_shipped_families_load_from_entry_points_and_match_chain_stacks() -> None:
    reg = default_families()
    assert {"l1", "opstack", "arbitrum"} <= set(reg.names())
    for chain in (MAINNET, BASE, ARBITRUM_ONE):
        fam = reg.of(chain)
        assert isinstance(fam, ChainFamily) and fam.name == chain.stack
    assert reg.of(BASE).genesis_escrow(BASE) == "optimism_portal"  # type: ignore[union-attr]
    assert reg.of(ARBITRUM_ONE).genesis_escrow(ARBITRUM_ONE) == "bridge"  # type: ignore[union-attr]
    assert reg.of(MAINNET).genesis_escrow(MAINNET) is None  # type: ignore[union-attr]
    # Arbitrum's L1 cost is inside its gas, so nothing is added on top (see its docstring)
    assert not reg.of(ARBITRUM_ONE).charges_l1_data_fee  # type: ignore[union-attr]
    assert reg.of(BASE).charges_l1_data_fee  # type: ignore[union-attr]


async def test_an_unknown_family_is_none_and_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    reg = FamilyRegistry({})
    chain = Chain(id=777401, name="new", stack="newrollup", parent_id=1)
    with caplog.at_level(logging.WARNING, logger="interop.families"):
        assert reg.of(chain) is None
        assert reg.of(chain) is None
    assert [r.getMessage() for r in caplog.records].count(
        "no chain family 'newrollup' is installed: its chains are treated as having no L1 data "
        "fee and no genesis escrow"
    ) == 1


def test_a_broken_plugin_is_a_config_error_naming_it_and_others_still_load() -> None:
    class Half:
        name = "half"
        charges_l1_data_fee = False

    def boom() -> Any:
        raise RuntimeError("cannot import its dependency")

    class Good:
        name = "good"
        charges_l1_data_fee = False

        async def l1_data_fee(self, client: Any, tx: Any, *, block: int | None = None) -> int:
            return 0

        def genesis_escrow(self, chain: Chain) -> str | None:
            return None

    class Misnamed(Good):
        name = "other"

    reg = FamilyRegistry({"broken": boom, "half": Half, "good": Good, "misnamed": Misnamed})
    with pytest.raises(ConfigError, match=r"family plugin 'broken' .*RuntimeError"):
        reg.get("broken")
    with pytest.raises(ConfigError, match=r"'half'.*lacks l1_data_fee, genesis_escrow"):
        reg.get("half")
    with pytest.raises(ConfigError, match="'misnamed' calls itself 'other'"):
        reg.get("misnamed")
    assert reg.get("good") is reg.get("good")
    with pytest.raises(ConfigError, match="'broken'"):  # remembered, raised again
        reg.get("broken")


def test_unsigned_encoding_matches_eth_account() -> None:
    """The unsigned bytes a size-based L1 fee bound is computed from are the real EIP-2718
    unsigned encoding: eth-account's signed bytes without (y_parity, r, s)."""
    import rlp
    from eth_account import Account

    fields: dict[str, Any] = {
        "type": 2, "chainId": 10, "nonce": 7, "gas": 21_000, "to": "0x" + "12" * 20,
        "value": 12345, "maxFeePerGas": 3 * 10**9, "maxPriorityFeePerGas": 10**6, "data": b"",
    }  # fmt: skip
    signed = Account.sign_transaction(fields, "0x" + "11" * 32).raw_transaction
    assert signed[0] == 2
    unsigned = b"\x02" + rlp.encode(rlp.decode(bytes(signed[1:]))[:-3])
    ours = UnsignedTx(
        chain_id=10, nonce=7, gas=21_000, to="0x" + "12" * 20, value=12345,
        max_fee_per_gas=3 * 10**9, max_priority_fee_per_gas=10**6,
    )  # fmt: skip
    assert ours.encode() == unsigned


def test_ecotone_fee_of_signed_bytes_is_calldata_gas_priced_by_scalars() -> None:
    """Ecotone (OP specs): (zeros x 4 + non-zeros x 16) x (16 x baseFeeScalar x l1BaseFee +
    blobBaseFeeScalar x blobBaseFee) / 16e6."""
    params = L1FeeParams(
        fjord=False,
        l1_base_fee=30 * 10**9,
        blob_base_fee=10**9,
        base_fee_scalar=1368,
        blob_base_fee_scalar=810949,
    )
    raw = b"\x00" * 10 + b"\x01" * 100  # 40 + 1600 gas
    expected = 1640 * (16 * 1368 * 30 * 10**9 + 810949 * 10**9) // (16 * 10**6)
    assert params.fee(raw) == expected > 0
