"""The built-in chain data cites its sources and carries the 2026-12-01 corrections.

Each regression test below pins one correction from docs/chains.md ("Corrections"): it failed on
the data before the re-check (stale anchor state registries, Zora/Mode without a dispute game
factory, no token gateways or address managers) and passes now.
"""

from __future__ import annotations

import re

import pytest

from interop.chains import ContractName, Stack
from interop.chains.data import BUILTIN_CHAINS, arbitrum, opstack
from interop.chains.model import Chain

_COMMIT = re.compile(r"\b[0-9a-f]{8,40}\b")
_REPO = re.compile(r"\b[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+\b")

OP_CHAINS = [c for c in BUILTIN_CHAINS if c.stack == Stack.OPSTACK]
ARB_CHAINS = [c for c in BUILTIN_CHAINS if c.stack == Stack.ARBITRUM]


def _l1(chain: Chain) -> dict[str, str]:
    assert chain.parent_id is not None
    return dict(chain.parent_contracts[chain.parent_id])


@pytest.mark.parametrize("chain", BUILTIN_CHAINS, ids=lambda c: c.name)
def test_every_builtin_cites_a_repository_and_a_commit(chain: Chain) -> None:
    """`source` names where the addresses were read (owner/repo + path) and at which commit,
    so anyone can re-check them against exactly that text."""
    assert _REPO.search(chain.source), chain.source
    assert _COMMIT.search(chain.source), chain.source


# Anchor state registries the data carried before the re-check: the upgrade-13 deployments,
# replaced on chain by upgrade 16 (superchain-ops src/tasks/*/0xx-U16-*), or never current.
STALE_ANCHOR_STATE_REGISTRIES = {
    10: "0x18DAc71c228D1C32c99489B7323d441E1175e443",
    8453: "0xdB9091e48B1C42992A1213e6916184f9eBDbfEDf",
    130: "0x318A642db9e24A85318B8BF18eFd5287BA38643B",
    57073: "0xde744491BcF6b2DD2F32146364Ea1487D75E2509",
    1868: "0x61f89A381E0BE13BD8Ab356cf4B7301BC97d7522",
    11155420: "0x218CD9489199F321E1177b56385d333c5B598629",
    84532: "0x4C8BA32A5DAC2A720bb35CeDB51D6B067D104205",
    1301: "0xf971F1b0D80eb769577135b490b913825BfcF00B",
    763373: "0x89126a987717207d4E990ed2e8880fd170DceA1A",
    1946: "0xa4AbebA1612Cf731843460791e1A925c84d0991C",
}

CURRENT_ANCHOR_STATE_REGISTRIES = {
    10: "0x23B2C62946350F4246f9f9D027e071f0264FD113",
    8453: "0x909f6cf47ed12f010A796527f562bFc26C7F4E72",
    130: "0x27Cf508E4E3Aa8d30b3226aC3b5Ea0e8bcaCAFF9",
    57073: "0xEe018bAf058227872540AC60eFbd38b023d9dAe2",
    1868: "0x4890928941e62e273dA359374b105F803329F473",
    11155420: "0xa1Cec548926eb5d69aa3B7B57d371EdBdD03e64b",
    84532: "0x2fF5cC82dBf333Ea30D8ee462178ab1707315355",
    1301: "0xBb6cA820978442750B682663efA851AD4131127b",
    763373: "0x299D7Ea9f0B584cfaF2a5341D151B44967594cA9",
    1946: "0x90066735EE774b405C4f54bfeC05b07f16D67188",
}


@pytest.mark.parametrize("chain", OP_CHAINS, ids=lambda c: c.name)
def test_no_op_chain_carries_an_earlier_anchor_state_registry(chain: Chain) -> None:
    table = _l1(chain)
    asr = table.get(ContractName.ANCHOR_STATE_REGISTRY)
    if chain.id in STALE_ANCHOR_STATE_REGISTRIES:
        assert asr != STALE_ANCHOR_STATE_REGISTRIES[chain.id]
    if chain.id in CURRENT_ANCHOR_STATE_REGISTRIES:
        assert asr == CURRENT_ANCHOR_STATE_REGISTRIES[chain.id]


@pytest.mark.parametrize(
    ("chain", "factory"),
    [
        (opstack.ZORA, "0xB0F15106fa1e473Ddb39790f197275BC979Aa37e"),
        (opstack.MODE, "0x6f13EFadABD9269D6cEAd22b448d434A1f1B433E"),
        (opstack.ZORA_SEPOLIA, "0xA983A71253Eb74e5E86A4E4eD9F37113FC25f2BF"),
        (opstack.MODE_SEPOLIA, "0x7Bb634B42373A87712Da14064deD13Db8b8b14f4"),
    ],
    ids=lambda v: v.name if isinstance(v, Chain) else "",
)
def test_zora_and_mode_prove_with_their_dispute_game_factory(chain: Chain, factory: str) -> None:
    """Permissionless fault proofs since superchain-registry 8242fd6e (#1077): a withdrawal
    must take the dispute-game path, so no retired output oracle may remain in the table."""
    table = _l1(chain)
    assert table[ContractName.DISPUTE_GAME_FACTORY] == factory
    assert ContractName.L2_OUTPUT_ORACLE not in table


@pytest.mark.parametrize("chain", OP_CHAINS, ids=lambda c: c.name)
def test_every_op_chain_lists_its_address_manager_and_dispute_game_factory(chain: Chain) -> None:
    table = _l1(chain)
    assert opstack.ADDRESS_MANAGER in table
    assert ContractName.DISPUTE_GAME_FACTORY in table


@pytest.mark.parametrize("chain", ARB_CHAINS, ids=lambda c: c.name)
def test_every_arbitrum_chain_lists_its_token_gateways(chain: Chain) -> None:
    table = _l1(chain)
    for key in (
        ContractName.ARB_GATEWAY_ROUTER,
        arbitrum.L1_ERC20_GATEWAY,
        arbitrum.L1_CUSTOM_GATEWAY,
        arbitrum.L1_WETH_GATEWAY,
    ):
        assert key in table, key
    for key in ("l2_gateway_router", "l2_erc20_gateway", "l2_weth_gateway", "l2_weth"):
        assert key in chain.contracts, key


def test_arbitrum_one_gateways_match_the_sdk() -> None:
    """Spot check against @arbitrum/sdk networks.ts `mainnetTokenBridge`."""
    table = _l1(arbitrum.ARBITRUM_ONE)
    assert table[arbitrum.L1_ERC20_GATEWAY] == "0xa3A7B6F88361F48403514059F1F16C8E78d60EeC"
    assert table[arbitrum.L1_WETH_GATEWAY] == "0xd92023E9d9911199a6711321D1277285e6d4e2db"
    assert arbitrum.ARBITRUM_ONE.contracts["l2_weth"] == (
        "0x82aF49447D8a07e3bd95BD0d56f35241523fBab1"
    )


def test_robinhood_testnet_is_an_arbitrum_chain_on_sepolia() -> None:
    chain = arbitrum.ROBINHOOD_TESTNET
    assert (chain.id, chain.parent_id, chain.testnet) == (46630, 11155111, True)
    assert chain.stack == Stack.ARBITRUM
    assert chain.parent_contract(ContractName.ARB_INBOX) == (
        "0xF2939afA86F6f933A3CE17fCAB007907B6b0B7a4"
    )
