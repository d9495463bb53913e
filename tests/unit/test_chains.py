"""Chains as data: built-in definitions, registry lookups and the chain-file loader."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

import interop.chains as chains_pkg
from interop.chains import (
    ARBITRUM_ONE,
    BASE,
    MAINNET,
    MULTICALL3,
    OP_MAINNET,
    SEPOLIA,
    ZKSYNC_ERA,
    Chain,
    ChainRegistry,
    ContractName,
    Stack,
    all_chains,
    chain_from_dict,
    chain_to_dict,
    default_registry,
    dump_chains,
    get_chain,
    load_chains,
)
from interop.chains.data import BUILTIN_CHAINS, DEVNET_CHAINS
from interop.errors import ConfigError, InputError, UnknownChainError
from interop.types import to_address

L1_IDS = {1, 11155111}

REQUIRED_PARENT_CONTRACTS: dict[Stack, set[str]] = {
    Stack.OPSTACK: {
        ContractName.OPTIMISM_PORTAL,
        ContractName.L1_CROSS_DOMAIN_MESSENGER,
        ContractName.L1_STANDARD_BRIDGE,
        ContractName.SYSTEM_CONFIG,
    },
    Stack.ARBITRUM: {
        ContractName.ARB_BRIDGE,
        ContractName.ARB_INBOX,
        ContractName.ARB_OUTBOX,
        ContractName.ARB_ROLLUP,
        ContractName.ARB_SEQUENCER_INBOX,
        ContractName.ARB_GATEWAY_ROUTER,
    },
    Stack.ZKSYNC: {
        ContractName.ZK_BRIDGEHUB,
        ContractName.ZK_DIAMOND_PROXY,
        ContractName.ZK_SHARED_BRIDGE,
    },
    Stack.SCROLL: {
        ContractName.SCROLL_MESSENGER,
        ContractName.SCROLL_GATEWAY_ROUTER,
        ContractName.SCROLL_ETH_GATEWAY,
        ContractName.SCROLL_MESSAGE_QUEUE,
        ContractName.SCROLL_CHAIN,
    },
    Stack.LINEA: {ContractName.LINEA_MESSAGE_SERVICE, ContractName.LINEA_TOKEN_BRIDGE},
}

# Contracts that are legitimately shared between chains of one parent.
SHARED_KEYS = {
    ContractName.SUPERCHAIN_CONFIG,
    ContractName.ZK_BRIDGEHUB,
    ContractName.ZK_SHARED_BRIDGE,
    ContractName.ZK_NULLIFIER,
}


def _all_addresses(chain: Chain) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = [(f"contracts.{k}", v) for k, v in chain.contracts.items()]
    for pid, table in chain.parent_contracts.items():
        out.extend((f"parent_contracts.{pid}.{k}", v) for k, v in table.items())
    return out


# -- the built-in data ----------------------------------------------------------------------


def test_all_requested_networks_are_built_in() -> None:
    ids = {c.id for c in BUILTIN_CHAINS}
    expected = {
        1, 11155111,
        10, 8453, 130, 57073, 7777777, 34443, 1868, 480, 1135, 360,
        11155420, 84532, 1301, 763373, 999999999, 919, 1946, 4801, 4202, 11011,
        42161, 42170, 421614, 46630, 324, 300, 534352, 534351, 59144, 59141,
    }  # fmt: skip
    assert ids == expected
    assert len(BUILTIN_CHAINS) == len(expected)


@pytest.mark.parametrize("chain", BUILTIN_CHAINS + DEVNET_CHAINS, ids=lambda c: c.name)
def test_every_address_is_exactly_eip55_checksummed(chain: Chain) -> None:
    for field, addr in _all_addresses(chain):
        assert to_address(addr) == addr, f"{chain.name} {field} is not EIP-55: {addr}"
        assert int(addr, 16) != 0, f"{chain.name} {field} is the zero address"


@pytest.mark.parametrize("chain", BUILTIN_CHAINS, ids=lambda c: c.name)
def test_every_builtin_has_metadata(chain: Chain) -> None:
    assert chain.rpc_urls and all(u.startswith("https://") for u in chain.rpc_urls)
    assert chain.explorer is not None and chain.explorer.startswith("https://")
    assert chain.short_name
    assert chain.block_time_ms > 0
    assert chain.native_currency.decimals == 18
    assert chain.multicall3 is not None
    assert chain.source, "every built-in names where its addresses came from"


@pytest.mark.parametrize("chain", [c for c in BUILTIN_CHAINS if c.is_l2], ids=lambda c: c.name)
def test_every_l2_parent_exists_and_holds_its_bridge(chain: Chain) -> None:
    registry = default_registry()
    assert chain.parent_id in L1_IDS
    parent = registry.get(chain.parent_id)  # type: ignore[arg-type]
    assert parent.stack == Stack.L1
    assert chain.testnet == parent.testnet
    assert set(chain.parent_contracts) == {chain.parent_id}
    missing = REQUIRED_PARENT_CONTRACTS[chain.stack] - set(chain.parent_contracts[parent.id])
    assert not missing, f"{chain.name} lacks {sorted(missing)} on {parent.name}"


def test_l1s_have_no_parent_and_no_bridge_tables() -> None:
    for chain in (MAINNET, SEPOLIA):
        assert chain.parent_id is None and not chain.is_l2
        assert not chain.parent_contracts


def test_every_op_chain_can_prove_withdrawals() -> None:
    """An OP withdrawal proves against a dispute game (fault proofs) or an output oracle."""
    for chain in default_registry().by_stack(Stack.OPSTACK):
        if chain.id in {c.id for c in DEVNET_CHAINS}:
            continue
        table = chain.parent_contracts[chain.parent_id]  # type: ignore[index]
        assert chain.parent_contract(ContractName.OPTIMISM_PORTAL)
        assert chain.parent_contract(ContractName.L1_CROSS_DOMAIN_MESSENGER)
        assert (
            ContractName.DISPUTE_GAME_FACTORY in table or ContractName.L2_OUTPUT_ORACLE in table
        ), chain.name


def test_no_bridge_address_is_copy_pasted_between_chains() -> None:
    """Each chain's own bridge contracts are distinct (catches a copied line in the data)."""
    owners: dict[str, set[str]] = defaultdict(set)
    for chain in BUILTIN_CHAINS:
        for table in chain.parent_contracts.values():
            for key, addr in table.items():
                if key not in SHARED_KEYS:
                    owners[addr].add(chain.name)
    dupes = {a: names for a, names in owners.items() if len(names) > 1}
    assert not dupes


def test_multicall3_addresses() -> None:
    # Multicall3 is at its CREATE2 address everywhere except ZKsync (different derivation).
    assert MULTICALL3 == "0xcA11bde05977b3631167028862bE2a173976CA11"
    for chain in BUILTIN_CHAINS:
        if chain.stack == Stack.ZKSYNC:
            assert chain.multicall3 == "0xF9cda624FBC7e059355ce98a31693d299FACd963"
        else:
            assert chain.multicall3 == MULTICALL3, chain.name


def test_well_known_canonical_addresses() -> None:
    # Spot checks of addresses that have been public for years (Etherscan-labelled).
    assert OP_MAINNET.parent_contract("l1_standard_bridge") == (
        "0x99C9fc46f92E8a1c0deC1b1747d010903E884bE1"
    )
    assert ARBITRUM_ONE.parent_contract("bridge") == "0x8315177aB297bA92A06054cE80a67Ed4DBd7ed3a"
    assert ZKSYNC_ERA.parent_contract("diamond_proxy") == (
        "0x32400084C286CF3E17e7B677ea9583e60a000324"
    )


def test_short_names_follow_erc3770_registry() -> None:
    # Values from ethereum-lists/chains `shortName`.
    expected = {1: "eth", 10: "oeth", 8453: "base", 42161: "arb1", 11155111: "sep", 480: "wc"}
    for cid, short in expected.items():
        assert get_chain(cid).short_name == short


# -- registry lookups -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (10, OP_MAINNET),
        ("10", OP_MAINNET),
        (" 8453 ", BASE),
        ("eip155:42161", ARBITRUM_ONE),
        ("OP Mainnet", OP_MAINNET),
        ("op-mainnet", OP_MAINNET),
        ("op_mainnet", OP_MAINNET),
        ("optimism", OP_MAINNET),
        ("OP", OP_MAINNET),
        ("oeth", OP_MAINNET),
        ("BASE", BASE),
        ("arbitrum", ARBITRUM_ONE),
        ("Arb1", ARBITRUM_ONE),
        ("arbitrum one", ARBITRUM_ONE),
        ("zksync", ZKSYNC_ERA),
        ("ethereum", MAINNET),
        ("mainnet", MAINNET),
        ("eth", MAINNET),
        ("sepolia", SEPOLIA),
        ("sep", SEPOLIA),
    ],
)
def test_get_by_id_name_alias_short_name(query: int | str, expected: Chain) -> None:
    assert get_chain(query) is expected


def test_devnet_chains_are_in_the_default_registry() -> None:
    for chain in DEVNET_CHAINS:
        assert get_chain(chain.id) is chain
        assert get_chain(chain.name) is chain
    assert get_chain("devnet").id == 900


def test_unknown_chain_suggests_close_matches() -> None:
    with pytest.raises(UnknownChainError) as info:
        get_chain("bsae")
    assert info.value.query == "bsae"
    assert "base" in info.value.suggestions
    assert "did you mean" in str(info.value)
    # One suggestion per chain, at most three.
    with pytest.raises(UnknownChainError) as info2:
        get_chain("arbitrum-sepolai")
    sugg = info2.value.suggestions
    assert sugg and sugg[0] == "arbitrum-sepolia" and len(sugg) <= 3
    assert len({get_chain(s).id for s in sugg}) == len(sugg)


def test_unknown_chain_is_an_input_and_lookup_error() -> None:
    with pytest.raises(InputError):
        get_chain(123456789)
    with pytest.raises(LookupError):
        get_chain("no-such-chain-anywhere")
    assert default_registry().find(123456789) is None
    assert default_registry().find(True) is None


def test_all_by_stack_children_parent_of() -> None:
    registry = default_registry()
    assert all_chains() == registry.all()
    assert [c.id for c in registry.all()] == sorted(c.id for c in registry.all())
    arb = registry.by_stack("arbitrum")
    assert {c.id for c in arb} >= {42161, 42170, 421614, 903}
    assert all(c.stack == Stack.ARBITRUM for c in arb)
    children = {c.id for c in registry.children("ethereum")}
    assert children == {10, 8453, 130, 57073, 7777777, 34443, 1868, 480, 1135, 360} | {
        42161,
        42170,
        324,
        534352,
        59144,
    }
    assert {c.id for c in registry.children(900)} == {901, 902, 903}
    assert registry.parent_of("base") is MAINNET
    assert registry.parent_of(MAINNET) is None
    # family names are open: one we do not ship simply has no chains (a chain file may add some)
    assert registry.by_stack("cosmos") == []
    with pytest.raises(ConfigError):
        registry.by_stack("not a name!")


def test_register_rejects_id_and_name_collisions_and_replace_works() -> None:
    registry = ChainRegistry.builtin()
    with pytest.raises(ConfigError, match="already registered"):
        registry.register(BASE.replace(name="Another Base"))
    with pytest.raises(ConfigError, match="already belongs"):
        registry.register(Chain(id=777001, name="mine", aliases=("optimism",)))
    with pytest.raises(ConfigError):
        registry.register(Chain(id=0, name="zero"))

    renamed = BASE.replace(name="Base Fork", aliases=("forked-base",), short_name="bfork")
    registry.register(renamed, replace=True)
    assert registry.get(8453) is renamed
    assert registry.get("forked-base") is renamed
    assert registry.find("base-mainnet") is None, "old aliases go with the replaced chain"
    # The default registry is untouched by changes to another registry.
    assert get_chain(8453) is BASE


def test_copy_is_independent() -> None:
    registry = ChainRegistry([MAINNET, BASE])
    clone = registry.copy()
    clone.register(Chain(id=777002, name="only-in-clone"))
    assert "only-in-clone" in clone and "only-in-clone" not in registry
    assert len(registry) == 2 and BASE in registry


# -- loader ---------------------------------------------------------------------------------

TOML_FILE = """
[[chains]]
id = 777100
name = "My Rollup"
stack = "opstack"
parent_id = 1
block_time_ms = 2000
rpc_urls = ["https://rpc.my-rollup.example", "wss://ws.my-rollup.example"]
explorer = "https://explorer.my-rollup.example"
aliases = ["mine"]
short_name = "myr"
native_currency = { name = "Ether", symbol = "ETH", decimals = 18 }
contracts = { multicall3 = "0xcA11bde05977b3631167028862bE2a173976CA11" }

[chains.parent_contracts.1]
optimism_portal = "0x00000000000000000000000000000000000000a1"
l1_cross_domain_messenger = "0x00000000000000000000000000000000000000A2"

[[chains]]
extends = "base"
rpc_urls = ["https://my-base-node.example"]

[chains.parent_contracts.1]
optimism_portal = "0x00000000000000000000000000000000000000a3"
"""


def test_toml_file_new_chain_and_extends(tmp_path: Path) -> None:
    path = tmp_path / "chains.toml"
    path.write_text(TOML_FILE)
    registry = ChainRegistry.builtin()
    loaded = registry.load_file(path)
    assert [c.id for c in loaded] == [777100, 8453]

    mine = registry.get("mine")
    assert mine is registry.get("My Rollup") is registry.get("myr") is registry.get(777100)
    assert mine.stack == Stack.OPSTACK and mine.parent_id == 1
    assert mine.rpc_urls == ("https://rpc.my-rollup.example", "wss://ws.my-rollup.example")
    assert mine.parent_contract("l1_cross_domain_messenger") == (
        "0x00000000000000000000000000000000000000A2"
    )
    assert mine.source == f"file:{path}"
    assert mine in registry.children(1)

    base = registry.get("base")
    assert base.rpc_urls == ("https://my-base-node.example",)
    # Merged key by key: the override changed the portal, the rest is the built-in's.
    assert base.parent_contract("optimism_portal") == "0x00000000000000000000000000000000000000A3"
    assert base.parent_contract("l1_standard_bridge") == BASE.parent_contract("l1_standard_bridge")
    assert base.short_name == "base" and base.explorer == BASE.explorer
    assert get_chain("base") is BASE, "loading into another registry leaves the default alone"


def test_json_round_trip_of_every_builtin(tmp_path: Path) -> None:
    path = tmp_path / "chains.json"
    path.write_text(dump_chains(list(BUILTIN_CHAINS)))
    loaded = load_chains(path, base=ChainRegistry())
    assert loaded == list(BUILTIN_CHAINS)
    # A bare JSON list works too.
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(json.loads(path.read_text())["chains"][:2]))
    assert load_chains(bare, base=ChainRegistry()) == list(BUILTIN_CHAINS[:2])


def _write(tmp_path: Path, text: str, suffix: str = ".toml") -> Path:
    path = tmp_path / f"bad{suffix}"
    path.write_text(text)
    return path


def test_bad_address_names_chain_and_field(tmp_path: Path) -> None:
    # Mixed case with one letter's case flipped: a wrong EIP-55 checksum.
    path = _write(
        tmp_path,
        """
[[chains]]
id = 777200
name = "Typo Chain"
[chains.parent_contracts.1]
optimism_portal = "0xbeb5Fc579115071764c7423A4f12eDde41f106Ed"
""",
    )
    with pytest.raises(ConfigError) as info:
        load_chains(path)
    text = str(info.value)
    assert "Typo Chain" in text and "parent_contracts.1.optimism_portal" in text
    assert "checksum" in text


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ('[[chains]]\nid = 777300\nname = "x"\ncolour = "red"\n', "unknown field"),
        ('[[chains]]\nname = "no id"\n', "missing required field 'id'"),
        ('[[chains]]\nid = -5\nname = "neg"\n', "positive integer"),
        ('[[chains]]\nid = 777301\nname = "s"\nstack = "Cos mos!"\n', "stack"),
        ('[[chains]]\nid = 777307\nname = "s2"\nstack = 5\n', "stack must be a string"),
        ('[[chains]]\nid = 777302\nname = "u"\nrpc_urls = ["ftp://x"]\n', "rpc_urls[0]"),
        ('[[chains]]\nid = 777303\nname = "c"\ncontracts = { m = "0x12" }\n', "contracts.m"),
        (
            '[[chains]]\nid = 777304\nname = "p"\n[chains.parent_contracts.mainnet]\n'
            'x = "0xcA11bde05977b3631167028862bE2a173976CA11"\n',
            "parent chain id",
        ),
        ('[[chains]]\nid = 8453\nname = "Not Base"\n', "override = true"),
        ('[[chains]]\nextends = "bsae"\n', "did you mean base"),
        ('[[chains]]\nid = 777305\nname = "d"\n[[chains]]\nid = 777305\nname = "e"\n', "twice"),
        ('[[chains]]\nid = 777306\nname = "t"\ntestnet = "yes"\n', "testnet"),
        ("chains = 5\n", "list of chains"),
        ("[[chains]\nid = 1\n", "not valid TOML"),
    ],
)
def test_bad_files_raise_clear_config_errors(tmp_path: Path, body: str, needle: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_chains(_write(tmp_path, body))
    assert needle in str(info.value)


def test_bad_json_missing_file_and_wrong_suffix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid JSON"):
        load_chains(_write(tmp_path, "{chains: [", ".json"))
    with pytest.raises(ConfigError, match="does not exist"):
        load_chains(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match=r"\.toml or \.json"):
        load_chains(_write(tmp_path, "chains: []", ".yaml"))


def test_override_flag_replaces_builtin(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '[[chains]]\nid = 10\nname = "OP Mainnet"\noverride = true\nstack = "opstack"\n'
        'parent_id = 1\nrpc_urls = ["https://my-op-node.example"]\n',
    )
    registry = ChainRegistry.builtin()
    registry.load_file(path)
    op = registry.get("op mainnet")
    assert op is registry.get(10)
    assert op.rpc_urls == ("https://my-op-node.example",)
    assert not op.aliases, "a full override does not inherit the built-in's fields"
    assert registry.find("oeth") is None and registry.find("optimism") is None


def test_load_file_is_all_or_nothing(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '[[chains]]\nid = 777400\nname = "good"\n'
        '[[chains]]\nid = 777401\nname = "clash"\naliases = ["optimism"]\n',
    )
    registry = ChainRegistry.builtin()
    before = len(registry)
    with pytest.raises(ConfigError, match="already belongs"):
        registry.load_file(path)
    assert len(registry) == before and registry.find("good") is None


def test_public_surface() -> None:
    for name in chains_pkg.__all__:
        assert hasattr(chains_pkg, name), name
    assert {"Chain", "ChainRegistry", "get_chain", "all_chains", "load_chains"} <= set(
        chains_pkg.__all__
    )


def test_docs_table_matches_the_built_ins() -> None:
    doc = Path(__file__).resolve().parents[2] / "docs" / "chains.md"
    rows: dict[int, tuple[str, str, str, str]] = {}
    for line in doc.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and cells[0].isdigit():
            rows[int(cells[0])] = (cells[1], cells[2].strip("`"), cells[3], cells[4])
    registry = default_registry()
    assert set(rows) == {c.id for c in BUILTIN_CHAINS}
    for cid, (name, short, stack, parent) in rows.items():
        chain = registry.get(cid)
        expected_parent = registry.get(chain.parent_id).name if chain.parent_id else "-"
        assert (name, short, stack, parent) == (
            chain.name,
            chain.short_name,
            chain.stack,
            expected_parent,
        )


def test_a_chain_file_of_a_family_we_do_not_ship_loads(tmp_path: Path) -> None:
    """`Chain.stack` is an open string: a new family's chain file loads, round-trips, and the
    registry finds it by that name (its package supplies the adapter and the family object)."""
    path = tmp_path / "mine.toml"
    path.write_text(
        '[[chains]]\nid = 777310\nname = "New Rollup"\nstack = "NewRollup"\nparent_id = 1\n'
        "[chains.parent_contracts.1]\n"
        'gateway = "0xcA11bde05977b3631167028862bE2a173976CA11"\n'
    )
    registry = ChainRegistry.builtin()
    (chain,) = registry.load_file(path)
    assert chain.stack == "newrollup"
    assert chain.parent_contract("gateway") == "0xcA11bde05977b3631167028862bE2a173976CA11"
    assert chain_from_dict(chain_to_dict(chain)) == chain
    assert [c.id for c in registry.by_stack("newrollup")] == [777310]
    # names read from a file are the very objects of the constants (old `is` comparisons hold)
    assert chain.replace(stack="OPStack").stack is Stack.OPSTACK


def test_contract_names_are_plain_strings_and_the_gateway_router_key_is_explicit() -> None:
    assert ContractName.OPTIMISM_PORTAL == "optimism_portal"
    assert type(ContractName.OPTIMISM_PORTAL) is str
    # one key for one role, in both families' tables (no enum member silently aliasing another)
    assert ContractName.ARB_GATEWAY_ROUTER == ContractName.L1_GATEWAY_ROUTER
    assert ContractName.SCROLL_GATEWAY_ROUTER == ContractName.L1_GATEWAY_ROUTER
