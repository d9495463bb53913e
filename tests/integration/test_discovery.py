"""On-chain discovery of bridge addresses on the devnet (`interop.discovery`).

A copy of a devnet chain with a planted wrong static address (anchor state registry and dispute
game factory on 901, outbox and rollup on 903) must log one WARNING naming the chain, the
contract, the static and the on-chain value, and resolve to the on-chain address; the right data
must log nothing. The last test runs a whole OP withdrawal (prove + finalize) through `Interop`
on the planted chain: the adapter's `check_pair` sees the discovered factory and the withdrawal
proves against the real games. It signs with its own key (funded with anvil_setBalance), so the
shared test accounts stay free; the recipient is a fresh address.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from eth_utils.crypto import keccak

from interop import discovery
from interop.adapters.arbitrum.common import ArbContracts
from interop.adapters.opstack.common import OpContracts, check_pair, resolve_pair
from interop.chains.model import Chain, ContractName
from interop.client import ChainClient
from interop.devnet.core import Devnet
from interop.facade import Interop
from interop.signer import account_from_key
from interop.types import Address, to_address
from interop.units import ether

L1, OP_FP, OP_LEGACY, ARB = 900, 901, 902, 903


def _wrong(tag: str) -> Address:
    """An address no devnet contract has (and no code lives at)."""
    return to_address(keccak(f"interop discovery test wrong {tag}".encode())[:20])


def _planted(chain: Chain, **wrong: Address) -> Chain:
    table = dict(chain.parent_contracts[L1])
    table.update(wrong)
    return chain.replace(parent_contracts={L1: table})


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "interop.discovery" and r.levelno >= logging.WARNING
    ]


@pytest.fixture
async def l1(devnet: Devnet) -> AsyncIterator[ChainClient]:
    """A fresh client per test: the discovery cache (and its warn-once) is per client."""
    async with ChainClient(devnet.chain(L1)) as client:
        yield client


async def test_op_right_data_logs_nothing(
    devnet: Devnet, l1: ChainClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="interop.discovery")
    chain = devnet.chain(OP_FP)
    static = chain.parent_contracts[L1]
    async with ChainClient(chain) as l2:
        c = await resolve_pair(l1, l2)
    assert _warnings(caplog) == []
    assert c.discovered and c.generation == "portal2"
    assert c.dispute_game_factory == static[ContractName.DISPUTE_GAME_FACTORY]
    assert c.anchor_state_registry == static[ContractName.ANCHOR_STATE_REGISTRY]
    assert isinstance(c.respected_game_type, int)
    found = discovery.cached(l1, chain)
    assert found is not None and found.mismatches == ()
    assert found.onchain[ContractName.DISPUTE_GAME_FACTORY] == c.dispute_game_factory


async def test_op_wrong_static_addresses_warn_once_and_chain_wins(
    devnet: Devnet, l1: ChainClient, caplog: pytest.LogCaptureFixture
) -> None:
    right = devnet.chain(OP_FP)
    truth = right.parent_contracts[L1]
    bad_asr, bad_dgf = _wrong("asr"), _wrong("dgf")
    chain = _planted(
        right,
        **{
            ContractName.ANCHOR_STATE_REGISTRY: bad_asr,
            ContractName.DISPUTE_GAME_FACTORY: bad_dgf,
        },
    )
    assert OpContracts.of(chain, L1).dispute_game_factory == bad_dgf
    caplog.set_level(logging.WARNING, logger="interop.discovery")
    async with ChainClient(chain) as l2:
        c = await resolve_pair(l1, l2)
        again = await resolve_pair(l1, l2)  # cached: no second read, no second warning
        synced = check_pair(l1, l2)  # the synchronous view sees the discovery too
    assert c == again == synced
    assert c.dispute_game_factory == truth[ContractName.DISPUTE_GAME_FACTORY]
    assert c.anchor_state_registry == truth[ContractName.ANCHOR_STATE_REGISTRY]
    msgs = _warnings(caplog)
    assert len(msgs) == 2, msgs
    asr_msg = next(m for m in msgs if "AnchorStateRegistry" in m)
    dgf_msg = next(m for m in msgs if "DisputeGameFactory (" in m)
    for msg, bad, key in (
        (asr_msg, bad_asr, ContractName.ANCHOR_STATE_REGISTRY),
        (dgf_msg, bad_dgf, ContractName.DISPUTE_GAME_FACTORY),
    ):
        assert "devnet-op (901)" in msg and bad in msg and truth[key] in msg
        assert "using the on-chain address" in msg


async def test_op_legacy_portal_stays_on_the_output_oracle(
    devnet: Devnet, l1: ChainClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="interop.discovery")
    chain = devnet.chain(OP_LEGACY)
    async with ChainClient(chain) as l2:
        c = await resolve_pair(l1, l2)
    assert _warnings(caplog) == []
    assert c.generation == "portal" and c.respected_game_type is None
    assert c.l2_output_oracle == chain.parent_contracts[L1][ContractName.L2_OUTPUT_ORACLE]


async def test_arbitrum_right_data_logs_nothing(
    devnet: Devnet, l1: ChainClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="interop.discovery")
    chain = devnet.chain(ARB)
    c = await ArbContracts.resolve(l1, chain)
    assert _warnings(caplog) == []
    assert c.discovered
    static = ArbContracts.of(chain, L1)
    assert (c.bridge, c.inbox, c.outbox, c.rollup) == (
        static.bridge,
        static.inbox,
        static.outbox,
        static.rollup,
    )


async def test_arbitrum_wrong_outbox_and_rollup_warn_and_chain_wins(
    devnet: Devnet, l1: ChainClient, caplog: pytest.LogCaptureFixture
) -> None:
    right = devnet.chain(ARB)
    truth = ArbContracts.of(right, L1)
    bad_outbox, bad_rollup = _wrong("outbox"), _wrong("rollup")
    chain = _planted(
        right, **{ContractName.ARB_OUTBOX: bad_outbox, ContractName.ARB_ROLLUP: bad_rollup}
    )
    caplog.set_level(logging.WARNING, logger="interop.discovery")
    c = await ArbContracts.resolve(l1, chain)
    assert ArbContracts.known(l1, chain) == c
    assert (c.outbox, c.rollup, c.bridge) == (truth.outbox, truth.rollup, truth.bridge)
    msgs = _warnings(caplog)
    assert len(msgs) == 2, msgs
    outbox_msg = next(m for m in msgs if "Outbox (" in m)
    assert "devnet-arb (903)" in outbox_msg
    assert bad_outbox in outbox_msg and truth.outbox in outbox_msg
    # Read once per client: a second resolve neither reads nor warns again.
    caplog.clear()
    assert await ArbContracts.resolve(l1, chain) == c
    assert _warnings(caplog) == []


async def test_op_withdrawal_with_a_planted_wrong_factory_proves_on_the_real_one(
    devnet: Devnet, caplog: pytest.LogCaptureFixture
) -> None:
    """Fails without discovery: the static factory has no games, so prove never becomes
    possible (the flow would wait for a game that the planted address never gets)."""
    right = devnet.chain(OP_FP)
    truth = right.parent_contracts[L1][ContractName.DISPUTE_GAME_FACTORY]
    chain = _planted(right, **{ContractName.DISPUTE_GAME_FACTORY: _wrong("flow dgf")})
    signer = account_from_key(keccak(b"interop discovery test withdrawal sender"))
    to = _wrong("flow recipient")
    value = ether("0.001")
    caplog.set_level(logging.WARNING, logger="interop.discovery")
    async with Interop(
        [devnet.chain(L1), chain], account=signer, journal=":memory:", sleep=devnet.advance
    ) as io:
        l1, l2 = io.client(L1), io.client(OP_FP)
        for client in (l1, l2):  # gas on L2 for the withdrawal, on L1 for prove + finalize
            await client.request("anvil_setBalance", [signer.address, hex(ether("1"))])
        c = await resolve_pair(l1, l2)
        assert c.dispute_game_factory == truth
        assert check_pair(l1, l2).dispute_game_factory == truth
        before = await l1.get_balance(to)
        t = await io.bridge(value, OP_FP, L1, to)
        st = await t.complete()
        assert st.status.value == "finalized"
        assert await l1.get_balance(to) - before == value
    msgs = _warnings(caplog)
    assert len(msgs) == 1 and "DisputeGameFactory" in msgs[0] and truth in msgs[0]
