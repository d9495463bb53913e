"""OP Stack chains (Superchain members and OP Stack chains that left it) on Ethereum and Sepolia.

Sources (re-checked 2026-12-01; each chain's comment and `Chain.source` name the file and commit):

- ethereum-optimism/superchain-registry @ 8336d2aedd19b87a57b01ae36ba4afef8ea377d0 (its newest
  commit here, 2026-08-04), `superchain/configs/{mainnet,sepolia}/<chain>.toml`: portal,
  standard bridge, system config and dispute game factory (since #1103 the registry lists only
  these four), public RPC, explorer, block time; `superchain.toml` for the SuperchainConfig.
- the same repository @ 8ae98bd7ab9f6467b3110d7f3d657f3f2170e689, the last commit with the full
  `[addresses]` tables (the parent of #1103, 2025-09-15): L1CrossDomainMessenger, AddressManager,
  and output oracles / anchor state registries where nothing newer exists.
- ethereum-optimism/superchain-ops @ d3a286ba61c52ff8c66328a0c1a149935cdd72d0 (2026-08-19), the
  upgrade-16 tasks' `VALIDATION.md` (`src/tasks/{eth,sep}/0xx-U16-*`): the anchor state
  registries newly deployed by upgrade 16 (the registry never caught up with them: its tables
  still named the upgrade-13 ones when it stopped listing registries).
- base/docs @ 286a22782d947579179d921bab44fc6d21e71593,
  `docs/base-chain/network-information/base-contracts.mdx`: Base (removed from the registry by
  #1212 on 2026-04-27; since 2026-05-26 it proves with its own multi-proof game type).

The anchor state registry, the dispute game factory, the system config and the respected game type
are also read from the portal at run time (`interop.discovery`): these static values are a check,
and an on-chain answer that differs is used and logged as a WARNING. `dispute_game_factory` is set
where fault proofs are live (every chain here now); `l2_output_oracle` only where it still is the
proof source. ERC-3770 short names are ethereum-lists/chains `shortName`s.
"""

from __future__ import annotations

from interop.chains.model import MULTICALL3, Chain, ContractName, NativeCurrency, Stack
from interop.types import Address

__all__ = [
    "ADDRESS_MANAGER",
    "BASE",
    "BASE_SEPOLIA",
    "CHAINS",
    "INK",
    "INK_SEPOLIA",
    "LISK",
    "LISK_SEPOLIA",
    "MODE",
    "MODE_SEPOLIA",
    "OP_MAINNET",
    "OP_SEPOLIA",
    "SHAPE",
    "SHAPE_SEPOLIA",
    "SONEIUM",
    "SONEIUM_MINATO",
    "UNICHAIN",
    "UNICHAIN_SEPOLIA",
    "WORLD_CHAIN",
    "WORLD_CHAIN_SEPOLIA",
    "ZORA",
    "ZORA_SEPOLIA",
]

REGISTRY = "ethereum-optimism/superchain-registry"
REGISTRY_HEAD = "8336d2aedd19b87a57b01ae36ba4afef8ea377d0"
REGISTRY_FULL = "8ae98bd7ab9f6467b3110d7f3d657f3f2170e689"
OPS = "ethereum-optimism/superchain-ops"
OPS_HEAD = "d3a286ba61c52ff8c66328a0c1a149935cdd72d0"
BASE_DOCS = (
    "base/docs docs/base-chain/network-information/base-contracts.mdx "
    "@ 286a22782d947579179d921bab44fc6d21e71593"
)

ADDRESS_MANAGER = "address_manager"
"""Key of the legacy `AddressManager` (Lib_AddressManager) of an OP chain, on its parent."""

_SEPOLIA_ETHER = NativeCurrency(name="Sepolia Ether", symbol="ETH", decimals=18)

MAINNET_SUPERCHAIN_CONFIG = "0x95703e0982140D16f8ebA6d158FccEde42f04a4C"
SEPOLIA_SUPERCHAIN_CONFIG = "0xC2Be75506d5724086DEB7245bd260Cc9753911Be"


def _registry_source(file: str, *extra: str) -> str:
    parts = [
        f"{REGISTRY} superchain/configs/{file} @ {REGISTRY_HEAD}",
        f"messenger/address manager @ {REGISTRY_FULL}",
        *extra,
    ]
    return "; ".join(parts)


def _op_chain(
    *,
    id: int,
    name: str,
    parent_id: int,
    source: str,
    rpc: str,
    explorer: str,
    short_name: str,
    aliases: tuple[str, ...],
    block_time_ms: int,
    portal: str,
    messenger: str,
    bridge: str,
    system_config: str,
    address_manager: str,
    dispute_game_factory: str | None = None,
    l2_output_oracle: str | None = None,
    anchor_state_registry: str | None = None,
    superchain_config: str | None = None,
) -> Chain:
    """Build one OP chain. Addresses are kept exactly as published (EIP-55), not re-derived."""
    l1: dict[str, Address] = {
        ContractName.OPTIMISM_PORTAL: Address(portal),
        ContractName.L1_CROSS_DOMAIN_MESSENGER: Address(messenger),
        ContractName.L1_STANDARD_BRIDGE: Address(bridge),
        ContractName.SYSTEM_CONFIG: Address(system_config),
        ADDRESS_MANAGER: Address(address_manager),
    }
    optional = {
        ContractName.DISPUTE_GAME_FACTORY: dispute_game_factory,
        ContractName.L2_OUTPUT_ORACLE: l2_output_oracle,
        ContractName.ANCHOR_STATE_REGISTRY: anchor_state_registry,
        ContractName.SUPERCHAIN_CONFIG: superchain_config,
    }
    l1.update({k: Address(v) for k, v in optional.items() if v is not None})
    testnet = parent_id != 1
    return Chain(
        id=id,
        name=name,
        stack=Stack.OPSTACK,
        parent_id=parent_id,
        native_currency=_SEPOLIA_ETHER if testnet else NativeCurrency(),
        block_time_ms=block_time_ms,
        rpc_urls=(rpc,),
        explorer=explorer,
        aliases=aliases,
        short_name=short_name,
        testnet=testnet,
        contracts={ContractName.MULTICALL3: MULTICALL3},
        parent_contracts={parent_id: l1},
        source=source,
    )


# --- Ethereum mainnet (parent 1) -------------------------------------------------------------

# OP Mainnet: registry mainnet/op.toml @ 8336d2ae; anchor state registry from superchain-ops
# src/tasks/eth/017-U16-opcm-upgrade-v400-op-ink/VALIDATION.md @ d3a286ba ("Newly Deployed").
OP_MAINNET = _op_chain(
    id=10,
    name="OP Mainnet",
    parent_id=1,
    source=_registry_source(
        "mainnet/op.toml",
        f"anchor state registry: {OPS} src/tasks/eth/017-U16-opcm-upgrade-v400-op-ink @ {OPS_HEAD}",
    ),
    rpc="https://mainnet.optimism.io",
    explorer="https://explorer.optimism.io",
    short_name="oeth",
    aliases=("optimism", "op", "opt", "optimism-mainnet"),
    block_time_ms=2000,
    portal="0xbEb5Fc579115071764c7423A4f12eDde41f106Ed",
    messenger="0x25ace71c97B33Cc4729CF772ae268934F7ab5fA1",
    bridge="0x99C9fc46f92E8a1c0deC1b1747d010903E884bE1",
    system_config="0x229047fed2591dbec1eF1118d64F7aF3dB9EB290",
    address_manager="0xdE1FCfB0851916CA5101820A69b13a4E276bd81F",
    dispute_game_factory="0xe5965Ab5962eDc7477C8520243A95517CD252fA9",
    anchor_state_registry="0x23B2C62946350F4246f9f9D027e071f0264FD113",
    superchain_config=MAINNET_SUPERCHAIN_CONFIG,
)

# Base: base/docs base-contracts.mdx @ 286a2278 (Base left the registry, #1212; its last entry,
# mainnet/base.toml @ 5b055be4, agrees on portal, bridge, system config, factory). Since
# 2026-05-26 Base's respected game type is its own multi-proof verifier (not a Cannon game):
# deposits use the standard portal; withdrawal proving is read from chain and not tested here.
BASE = _op_chain(
    id=8453,
    name="Base",
    parent_id=1,
    source=f"{BASE_DOCS}; {REGISTRY} superchain/configs/mainnet/base.toml @ 5b055be4",
    rpc="https://mainnet.base.org",
    explorer="https://explorer.base.org",
    short_name="base",
    aliases=("base-mainnet",),
    block_time_ms=2000,
    portal="0x49048044D57e1C92A77f79988d21Fa8fAF74E97e",
    messenger="0x866E82a600A1414e583f7F13623F1aC5d58b0Afa",
    bridge="0x3154Cf16ccdb4C6d922629664174b904d80F2C35",
    system_config="0x73a79Fab69143498Ed3712e519A88a918e1f4072",
    address_manager="0x8EfB6B5c4767B09Dc9AA6Af4eAA89F749522BaE2",
    dispute_game_factory="0x43edB88C4B80fDD2AdFF2412A7BebF9dF42cB40e",
    anchor_state_registry="0x909f6cf47ed12f010A796527f562bFc26C7F4E72",
)

# Unichain: registry mainnet/unichain.toml @ 8336d2ae; anchor state registry from superchain-ops
# src/tasks/eth/019-U16-opcm-upgrade-v400-uni/VALIDATION.md @ d3a286ba.
UNICHAIN = _op_chain(
    id=130,
    name="Unichain",
    parent_id=1,
    source=_registry_source(
        "mainnet/unichain.toml",
        f"anchor state registry: {OPS} src/tasks/eth/019-U16-opcm-upgrade-v400-uni @ {OPS_HEAD}",
    ),
    rpc="https://mainnet.unichain.org",
    explorer="https://explorer.unichain.org",
    short_name="unichain",
    aliases=("unichain-mainnet", "uni"),
    block_time_ms=1000,
    portal="0x0bd48f6B86a26D3a217d0Fa6FfE2B491B956A7a2",
    messenger="0x9A3D64E386C18Cb1d6d5179a9596A4B5736e98A6",
    bridge="0x81014F44b0a345033bB2b3B21C7a1A308B35fEeA",
    system_config="0xc407398d063f942feBbcC6F80a156b47F3f1BDA6",
    address_manager="0x8098F676033A377b9Defe302e9fE6877cD63D575",
    dispute_game_factory="0x2F12d621a16e2d3285929C9996f478508951dFe4",
    anchor_state_registry="0x27Cf508E4E3Aa8d30b3226aC3b5Ea0e8bcaCAFF9",
    superchain_config=MAINNET_SUPERCHAIN_CONFIG,
)

# Ink: registry mainnet/ink.toml @ 8336d2ae; anchor state registry from superchain-ops
# src/tasks/eth/017-U16-opcm-upgrade-v400-op-ink/VALIDATION.md @ d3a286ba.
INK = _op_chain(
    id=57073,
    name="Ink",
    parent_id=1,
    source=_registry_source(
        "mainnet/ink.toml",
        f"anchor state registry: {OPS} src/tasks/eth/017-U16-opcm-upgrade-v400-op-ink @ {OPS_HEAD}",
    ),
    rpc="https://rpc-gel.inkonchain.com",
    explorer="https://explorer.inkonchain.com",
    short_name="ink",
    aliases=("ink-mainnet",),
    block_time_ms=1000,
    portal="0x5d66C1782664115999C47c9fA5cd031f495D3e4F",
    messenger="0x69d3Cf86B2Bf1a9e99875B7e2D9B6a84426c171f",
    bridge="0x88FF1e5b602916615391F55854588EFcBB7663f0",
    system_config="0x62C0a111929fA32ceC2F76aDba54C16aFb6E8364",
    address_manager="0x9b7C9BbD6d540A8A4dEDd935819fC4408Ba71153",
    dispute_game_factory="0x10d7B35078d3baabB96Dd45a9143B94be65b12CD",
    anchor_state_registry="0xEe018bAf058227872540AC60eFbd38b023d9dAe2",
    superchain_config=MAINNET_SUPERCHAIN_CONFIG,
)

# Zora: registry mainnet/zora.toml @ 8336d2ae. Fault proofs since registry commit 8242fd6e
# ("Update addresses after Metal Mode FP upgrade execution", #1077): the output oracle is gone;
# no anchor state registry is published (read from chain at run time).
ZORA = _op_chain(
    id=7777777,
    name="Zora",
    parent_id=1,
    source=_registry_source("mainnet/zora.toml"),
    rpc="https://rpc.zora.energy",
    explorer="https://explorer.zora.energy",
    short_name="zora",
    aliases=("zora-mainnet",),
    block_time_ms=2000,
    portal="0x1a0ad011913A150f69f6A19DF447A0CfD9551054",
    messenger="0xdC40a14d9abd6F410226f1E6de71aE03441ca506",
    bridge="0x3e2Ea9B92B7E48A52296fD261dc26fd995284631",
    system_config="0xA3cAB0126d5F504B071b81a3e8A2BBBF17930d86",
    address_manager="0xEF8115F2733fb2033a7c756402Fc1deaa56550Ef",
    dispute_game_factory="0xB0F15106fa1e473Ddb39790f197275BC979Aa37e",
)

# Mode: registry mainnet/mode.toml @ 8336d2ae; fault proofs since 8242fd6e (#1077), as Zora.
MODE = _op_chain(
    id=34443,
    name="Mode",
    parent_id=1,
    source=_registry_source("mainnet/mode.toml"),
    rpc="https://mainnet.mode.network",
    explorer="https://explorer.mode.network",
    short_name="mode",
    aliases=("mode-mainnet",),
    block_time_ms=2000,
    portal="0x8B34b14c7c7123459Cf3076b8Cb929BE097d0C07",
    messenger="0x95bDCA6c8EdEB69C98Bd5bd17660BaCef1298A6f",
    bridge="0x735aDBbE72226BD52e818E7181953f42E3b0FF21",
    system_config="0x5e6432F18Bc5d497B1Ab2288a025Fbf9D69E2221",
    address_manager="0x50eF494573f28Cad6B64C31b7a00Cdaa48306e15",
    dispute_game_factory="0x6f13EFadABD9269D6cEAd22b448d434A1f1B433E",
)

# Soneium: registry mainnet/soneium.toml @ 8336d2ae; anchor state registry from superchain-ops
# src/tasks/eth/018-U16-opcm-upgrade-v400-soneium/VALIDATION.md @ d3a286ba.
SONEIUM = _op_chain(
    id=1868,
    name="Soneium",
    parent_id=1,
    source=_registry_source(
        "mainnet/soneium.toml",
        f"anchor state registry: {OPS} src/tasks/eth/018-U16-opcm-upgrade-v400-soneium "
        f"@ {OPS_HEAD}",
    ),
    rpc="https://rpc.soneium.org",
    explorer="https://soneium.blockscout.com",
    short_name="soneium",
    aliases=("soneium-mainnet",),
    block_time_ms=2000,
    portal="0x88e529A6ccd302c948689Cd5156C83D4614FAE92",
    messenger="0x9CF951E3F74B644e621b36Ca9cea147a78D4c39f",
    bridge="0xeb9bf100225c214Efc3E7C651ebbaDcF85177607",
    system_config="0x7A8Ed66B319911A0F3E7288BDdAB30d9c0C875c3",
    address_manager="0xB24bFEeCE1B3b7A44559F4Cbc21BeD312b130b70",
    dispute_game_factory="0x512A3d2c7a43BD9261d2B8E8C9c70D4bd4D503C0",
    anchor_state_registry="0x4890928941e62e273dA359374b105F803329F473",
    superchain_config=MAINNET_SUPERCHAIN_CONFIG,
)

# World Chain: registry mainnet/worldchain.toml @ 8336d2ae; output oracle and anchor state
# registry as last listed @ 8ae98bd7 (no newer public source found; checked on chain at run time).
WORLD_CHAIN = _op_chain(
    id=480,
    name="World Chain",
    parent_id=1,
    source=_registry_source("mainnet/worldchain.toml"),
    rpc="https://worldchain-mainnet.g.alchemy.com/public",
    explorer="https://worldchain-mainnet.explorer.alchemy.com",
    short_name="wc",
    aliases=("worldchain", "world"),
    block_time_ms=2000,
    portal="0xd5ec14a83B7d95BE1E2Ac12523e2dEE12Cbeea6C",
    messenger="0xf931a81D18B1766d15695ffc7c1920a62b7e710a",
    bridge="0x470458C91978D2d929704489Ad730DC3E3001113",
    system_config="0x6ab0777fD0e609CE58F939a7F70Fe41F5Aa6300A",
    address_manager="0x5891090d5085679714cb0e62f74950a3c19146a8",
    dispute_game_factory="0x069c4c579671f8c120b1327a73217D01Ea2EC5ea",
    l2_output_oracle="0x19A6d1E9034596196295CF148509796978343c5D",
    anchor_state_registry="0xD4D7A57DCC563756DeD99e224E144A6Bf0327099",
    superchain_config=MAINNET_SUPERCHAIN_CONFIG,
)

# Lisk: registry mainnet/lisk.toml @ 8336d2ae (fault proofs; its output oracle, still listed
# @ 8ae98bd7, is no longer the proof source). Standard bridge, ETH gas token.
LISK = _op_chain(
    id=1135,
    name="Lisk",
    parent_id=1,
    source=_registry_source("mainnet/lisk.toml"),
    rpc="https://rpc.api.lisk.com",
    explorer="https://blockscout.lisk.com",
    short_name="lisk",
    aliases=("lisk-mainnet",),
    block_time_ms=2000,
    portal="0x26dB93F8b8b4f7016240af62F7730979d353f9A7",
    messenger="0x31B72D76FB666844C41EdF08dF0254875Dbb7edB",
    bridge="0x2658723Bf70c7667De6B25F99fcce13A16D25d08",
    system_config="0x05f23282FFDCA8286E4738C1aF79079f3d843750",
    address_manager="0x2dF7057d3F25212E51aFEA8dA628668229Ea423f",
    dispute_game_factory="0x0CF7D3706a27CCE2017aEB11E8a9c8b5388c282C",
)

# Shape: registry mainnet/shape.toml @ 8336d2ae. Standard bridge, ETH gas token.
SHAPE = _op_chain(
    id=360,
    name="Shape",
    parent_id=1,
    source=_registry_source("mainnet/shape.toml"),
    rpc="https://mainnet.shape.network",
    explorer="https://shape-mainnet.explorer.alchemy.com",
    short_name="shape",
    aliases=("shape-mainnet",),
    block_time_ms=2000,
    portal="0xEB06fFa16011B5628BaB98E29776361c83741dd3",
    messenger="0x2b18602877181C3cB72C687E2A771E123A3788E3",
    bridge="0x62Edd5f4930Ea92dCa3fB81689bDD9b9d076b57B",
    system_config="0xfF11e41D5C4F522E423Ff6C064Ff8D55AF8f7355",
    address_manager="0xcee78437aE9e15cee9c78E63757E0153c0FD7479",
    dispute_game_factory="0x2c03e8BF8b16Af89079852BE87f0e9eC674a5952",
)

# --- Sepolia (parent 11155111) ---------------------------------------------------------------

# OP Sepolia: registry sepolia/op.toml @ 8336d2ae; anchor state registry from superchain-ops
# src/tasks/sep/014-U16-opcm-upgrade-v400-op-ink/VALIDATION.md @ d3a286ba (its state diff
# initialises 0xa1Cec548… with OP Sepolia's system config and factory).
OP_SEPOLIA = _op_chain(
    id=11155420,
    name="OP Sepolia",
    parent_id=11155111,
    source=_registry_source(
        "sepolia/op.toml",
        f"anchor state registry: {OPS} src/tasks/sep/014-U16-opcm-upgrade-v400-op-ink @ {OPS_HEAD}",
    ),
    rpc="https://sepolia.optimism.io",
    explorer="https://testnet-explorer.optimism.io",
    short_name="opsep",
    aliases=("optimism-sepolia", "op-sepolia-testnet"),
    block_time_ms=2000,
    portal="0x16Fc5058F25648194471939df75CF27A2fdC48BC",
    messenger="0x58Cc85b8D04EA49cC6DBd3CbFFd00B4B8D6cb3ef",
    bridge="0xFBb0621E0B23b5478B630BD55a5f21f67730B0F1",
    system_config="0x034edD2A225f7f429A63E0f1D2084B9E0A93b538",
    address_manager="0x9bFE9c5609311DF1c011c47642253B78a4f33F4B",
    dispute_game_factory="0x05F9613aDB30026FFd634f38e5C4dFd30a197Fa1",
    anchor_state_registry="0xa1Cec548926eb5d69aa3B7B57d371EdBdD03e64b",
    superchain_config=SEPOLIA_SUPERCHAIN_CONFIG,
)

# Base Sepolia: base/docs base-contracts.mdx @ 286a2278 (left the registry, #1212).
BASE_SEPOLIA = _op_chain(
    id=84532,
    name="Base Sepolia",
    parent_id=11155111,
    source=f"{BASE_DOCS}; {REGISTRY} superchain/configs/sepolia/base.toml @ 5b055be4",
    rpc="https://sepolia.base.org",
    explorer="https://sepolia-explorer.base.org",
    short_name="basesep",
    aliases=("base-sepolia-testnet",),
    block_time_ms=2000,
    portal="0x49f53e41452C74589E85cA1677426Ba426459e85",
    messenger="0xC34855F4De64F1840e5686e64278da901e261f20",
    bridge="0xfd0Bf71F60660E2f608ed56e1659C450eB113120",
    system_config="0xf272670eb55e895584501d564AfEB048bEd26194",
    address_manager="0x709c2B8ef4A9feFc629A8a2C1AF424Dc5BD6ad1B",
    dispute_game_factory="0xd6E6dBf4F7EA0ac412fD8b65ED297e64BB7a06E1",
    anchor_state_registry="0x2fF5cC82dBf333Ea30D8ee462178ab1707315355",
)

# Unichain Sepolia: registry sepolia/unichain.toml @ 8336d2ae; anchor state registry from
# superchain-ops src/tasks/sep/016-U16-opcm-upgrade-v400-uni/VALIDATION.md @ d3a286ba.
UNICHAIN_SEPOLIA = _op_chain(
    id=1301,
    name="Unichain Sepolia",
    parent_id=11155111,
    source=_registry_source(
        "sepolia/unichain.toml",
        f"anchor state registry: {OPS} src/tasks/sep/016-U16-opcm-upgrade-v400-uni @ {OPS_HEAD}",
    ),
    rpc="https://sepolia.unichain.org",
    explorer="https://sepolia.uniscan.xyz",
    short_name="unichain-sep",
    aliases=("unichain-sepolia-testnet",),
    block_time_ms=1000,
    portal="0x0d83dab629f0e0F9d36c0Cbc89B69a489f0751bD",
    messenger="0x448A37330A60494E666F6DD60aD48d930AEbA381",
    bridge="0xea58fcA6849d79EAd1f26608855c2D6407d54Ce2",
    system_config="0xaeE94b9aB7752D3F7704bDE212c0C6A0b701571D",
    address_manager="0xEf1295ED471DFEC101691b946fb6B4654E88f98A",
    dispute_game_factory="0xeff73e5aa3B9AEC32c659Aa3E00444d20a84394b",
    anchor_state_registry="0xBb6cA820978442750B682663efA851AD4131127b",
    superchain_config=SEPOLIA_SUPERCHAIN_CONFIG,
)

# Ink Sepolia: registry sepolia/ink.toml @ 8336d2ae; anchor state registry from superchain-ops
# src/tasks/sep/014-U16-opcm-upgrade-v400-op-ink/VALIDATION.md @ d3a286ba.
INK_SEPOLIA = _op_chain(
    id=763373,
    name="Ink Sepolia",
    parent_id=11155111,
    source=_registry_source(
        "sepolia/ink.toml",
        f"anchor state registry: {OPS} src/tasks/sep/014-U16-opcm-upgrade-v400-op-ink @ {OPS_HEAD}",
    ),
    rpc="https://rpc-gel-sepolia.inkonchain.com",
    explorer="https://explorer-sepolia.inkonchain.com",
    short_name="inksepolia",
    aliases=(),
    block_time_ms=1000,
    portal="0x5c1d29C6c9C8b0800692acC95D700bcb4966A1d7",
    messenger="0x9fE1d3523F5342535E6E7770ED09ed85Dbc1Acc2",
    bridge="0x33f60714BbD74d62b66D79213C348614DE51901C",
    system_config="0x05C993e60179f28bF649a2Bb5b00b5F4283bD525",
    address_manager="0x3454F9df5E750F1383e58c1CB001401e7A4f3197",
    dispute_game_factory="0x860e626c700AF381133D9f4aF31412A2d1DB3D5d",
    anchor_state_registry="0x299D7Ea9f0B584cfaF2a5341D151B44967594cA9",
    superchain_config=SEPOLIA_SUPERCHAIN_CONFIG,
)

# Zora Sepolia: registry sepolia/zora.toml @ 8336d2ae; fault proofs since 8242fd6e (#1077).
ZORA_SEPOLIA = _op_chain(
    id=999999999,
    name="Zora Sepolia",
    parent_id=11155111,
    source=_registry_source("sepolia/zora.toml"),
    rpc="https://sepolia.rpc.zora.energy",
    explorer="https://sepolia.explorer.zora.energy",
    short_name="zsep",
    aliases=(),
    block_time_ms=2000,
    portal="0xeffE2C6cA9Ab797D418f0D91eA60807713f3536f",
    messenger="0x1bDBC0ae22bEc0c2f08B4dd836944b3E28fe9b7A",
    bridge="0x5376f1D543dcbB5BD416c56C189e4cB7399fCcCB",
    system_config="0xB54c7BFC223058773CF9b739cC5bd4095184Fb08",
    address_manager="0x27c9392144DFcB6dab113F737356C32435cD1D55",
    dispute_game_factory="0xA983A71253Eb74e5E86A4E4eD9F37113FC25f2BF",
)

# Mode Sepolia: registry sepolia/mode.toml @ 8336d2ae; fault proofs since 8242fd6e (#1077).
MODE_SEPOLIA = _op_chain(
    id=919,
    name="Mode Sepolia",
    parent_id=11155111,
    source=_registry_source("sepolia/mode.toml"),
    rpc="https://sepolia.mode.network",
    explorer="https://sepolia.explorer.mode.network",
    short_name="modesep",
    aliases=("mode-testnet",),
    block_time_ms=2000,
    portal="0x320e1580effF37E008F1C92700d1eBa47c1B23fD",
    messenger="0xc19a60d9E8C27B9A43527c3283B4dd8eDC8bE15C",
    bridge="0xbC5C679879B2965296756CD959C3C739769995E2",
    system_config="0x15cd4f6e0CE3B4832B33cB9c6f6Fe6fc246754c2",
    address_manager="0x83D45725d6562d8CD717673D6bb4c67C07dC1905",
    dispute_game_factory="0x7Bb634B42373A87712Da14064deD13Db8b8b14f4",
)

# Soneium Minato: registry sepolia/soneium-minato.toml @ 8336d2ae; anchor state registry from
# superchain-ops src/tasks/sep/015-U16-opcm-upgrade-v400-soneium/VALIDATION.md @ d3a286ba.
SONEIUM_MINATO = _op_chain(
    id=1946,
    name="Soneium Minato",
    parent_id=11155111,
    source=_registry_source(
        "sepolia/soneium-minato.toml",
        f"anchor state registry: {OPS} src/tasks/sep/015-U16-opcm-upgrade-v400-soneium "
        f"@ {OPS_HEAD}",
    ),
    rpc="https://rpc.minato.soneium.org",
    explorer="https://soneium-minato.blockscout.com",
    short_name="minato",
    aliases=("soneium-sepolia", "soneium-testnet"),
    block_time_ms=2000,
    portal="0x65ea1489741A5D72fFdD8e6485B216bBdcC15Af3",
    messenger="0x0184245D202724dc28a2b688952Cb56C882c226F",
    bridge="0x5f5a404A5edabcDD80DB05E8e54A78c9EBF000C2",
    system_config="0x4Ca9608Fef202216bc21D543798ec854539bAAd3",
    address_manager="0x6e8A77673109783001150DFA770E6c662f473DA9",
    dispute_game_factory="0xB3Ad2c38E6e0640d7ce6aA952AB3A60E81bf7a01",
    anchor_state_registry="0x90066735EE774b405C4f54bfeC05b07f16D67188",
    superchain_config=SEPOLIA_SUPERCHAIN_CONFIG,
)

# World Chain Sepolia: registry sepolia/worldchain.toml @ 8336d2ae; output oracle and anchor
# state registry as last listed @ 8ae98bd7 (checked on chain at run time).
WORLD_CHAIN_SEPOLIA = _op_chain(
    id=4801,
    name="World Chain Sepolia",
    parent_id=11155111,
    source=_registry_source("sepolia/worldchain.toml"),
    rpc="https://worldchain-sepolia.g.alchemy.com/public",
    explorer="https://worldchain-sepolia.explorer.alchemy.com",
    short_name="wcsep",
    aliases=("worldchain-sepolia",),
    block_time_ms=2000,
    portal="0xFf6EBa109271fe6d4237EeeD4bAb1dD9A77dD1A4",
    messenger="0x7768c821200554d8F359A8902905Ba9eDe5659a9",
    bridge="0xd7DF54b3989855eb66497301a4aAEc33Dbb3F8DE",
    system_config="0x166F9406e79A656f12F05247fb8F5DfA6155bCBF",
    address_manager="0xc50Ba0767A1c0Ef69Cf1D9cd44De52b08589F691",
    dispute_game_factory="0x8Ec1111f67Dad6b6A93B3F42DfBC92D81c98449A",
    l2_output_oracle="0xc8886f8BAb6Eaeb215aDB5f1c686BF699248300e",
    anchor_state_registry="0x1333d5E5201D760444A399E77b3D337eBDB0DD07",
    superchain_config=SEPOLIA_SUPERCHAIN_CONFIG,
)

# Lisk Sepolia: registry sepolia/lisk.toml @ 8336d2ae (fault proofs).
LISK_SEPOLIA = _op_chain(
    id=4202,
    name="Lisk Sepolia",
    parent_id=11155111,
    source=_registry_source("sepolia/lisk.toml"),
    rpc="https://rpc.sepolia-api.lisk.com",
    explorer="https://sepolia-blockscout.lisk.com",
    short_name="lisksep",
    aliases=("lisk-sepolia-testnet",),
    block_time_ms=2000,
    portal="0xe3d90F21490686Ec7eF37BE788E02dfC12787264",
    messenger="0x857824E6234f7733ecA4e9A76804fd1afa1A3A2C",
    bridge="0x1Fb30e446eA791cd1f011675E5F3f5311b70faF5",
    system_config="0xF54791059df4a12BA461b881B4080Ae81a1d0AC0",
    address_manager="0x27Bb4A7cd8FB20cb816BF4Aac668BF841bb3D5d3",
    dispute_game_factory="0x9AA3890a87E6BD2CB85Dad1A5D8B0A9D669e658a",
)

# Shape Sepolia: registry sepolia/shape.toml @ 8336d2ae.
SHAPE_SEPOLIA = _op_chain(
    id=11011,
    name="Shape Sepolia",
    parent_id=11155111,
    source=_registry_source("sepolia/shape.toml"),
    rpc="https://sepolia.shape.network",
    explorer="https://shape-sepolia.explorer.alchemy.com",
    short_name="shapesep",
    aliases=("shape-sepolia-testnet",),
    block_time_ms=2000,
    portal="0xfF8Ca2B4d8122E41441F7ccDCf61b8692198Bd1E",
    messenger="0xF9F730650e1AB4D23E2ac983934271ca7c5EF293",
    bridge="0x341ab1DAFdfB73b3D6D075ef10b29e3cACB2A653",
    system_config="0xa1aC91ED91EbE40E00d61E233c8026318b4da5fb",
    address_manager="0x42721d8512d62aA26B2Cfa1AE18bEEd5a9Ab1337",
    dispute_game_factory="0x575697F2c20Bd63415E5B24656d935D4b81b8220",
)

CHAINS = (
    OP_MAINNET,
    BASE,
    UNICHAIN,
    INK,
    ZORA,
    MODE,
    SONEIUM,
    WORLD_CHAIN,
    LISK,
    SHAPE,
    OP_SEPOLIA,
    BASE_SEPOLIA,
    UNICHAIN_SEPOLIA,
    INK_SEPOLIA,
    ZORA_SEPOLIA,
    MODE_SEPOLIA,
    SONEIUM_MINATO,
    WORLD_CHAIN_SEPOLIA,
    LISK_SEPOLIA,
    SHAPE_SEPOLIA,
)
