"""OP Stack chains (Superchain members) on Ethereum mainnet and Sepolia.

Source of every L1 address: ethereum-optimism/superchain-registry, `superchain/configs/mainnet/<chain>.toml`
and `superchain/configs/sepolia/<chain>.toml` (the `[addresses]` tables: `OptimismPortalProxy`,
`L1CrossDomainMessengerProxy`, `L1StandardBridgeProxy`, `SystemConfigProxy`,
`DisputeGameFactoryProxy`, `L2OutputOracleProxy`, `AnchorStateRegistryProxy`, `SuperchainConfig`),
and `superchain.toml` of each superchain for OP Mainnet's / OP Sepolia's SuperchainConfig. Public RPC
and explorer URLs are the registry's `public_rpc` / `explorer`; block times its `block_time`.
ERC-3770 short names from ethereum-lists/chains (`_data/chains/eip155-<id>.json`).

`dispute_game_factory` is set where the registry lists one (fault proofs live);
`l2_output_oracle` where the registry still lists one (legacy, or pre-fault-proof chains). A chain
with both (Base, World Chain, Soneium Minato, World Chain Sepolia) has migrated: adapters should
prefer the dispute game factory. Re-check against the registry before relying on mainnet funds.
"""

from __future__ import annotations

from interop.chains.model import MULTICALL3, Chain, ContractName, NativeCurrency, Stack
from interop.types import Address

__all__ = [
    "BASE",
    "BASE_SEPOLIA",
    "CHAINS",
    "INK",
    "INK_SEPOLIA",
    "MODE",
    "MODE_SEPOLIA",
    "OP_MAINNET",
    "OP_SEPOLIA",
    "SONEIUM",
    "SONEIUM_MINATO",
    "UNICHAIN",
    "UNICHAIN_SEPOLIA",
    "WORLD_CHAIN",
    "WORLD_CHAIN_SEPOLIA",
    "ZORA",
    "ZORA_SEPOLIA",
]

_REGISTRY = "ethereum-optimism/superchain-registry superchain/configs"
_SEPOLIA_ETHER = NativeCurrency(name="Sepolia Ether", symbol="ETH", decimals=18)

MAINNET_SUPERCHAIN_CONFIG = "0x95703e0982140D16f8ebA6d158FccEde42f04a4C"
SEPOLIA_SUPERCHAIN_CONFIG = "0xC2Be75506d5724086DEB7245bd260Cc9753911Be"


def _op_chain(
    *,
    id: int,
    name: str,
    parent_id: int,
    file: str,
    rpc: str,
    explorer: str,
    short_name: str,
    aliases: tuple[str, ...],
    block_time_ms: int,
    portal: str,
    messenger: str,
    bridge: str,
    system_config: str,
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
        source=f"{_REGISTRY}/{file}",
    )


# --- Ethereum mainnet (parent 1) -------------------------------------------------------------

OP_MAINNET = _op_chain(
    id=10,
    name="OP Mainnet",
    parent_id=1,
    file="mainnet/op.toml",
    rpc="https://mainnet.optimism.io",
    explorer="https://explorer.optimism.io",
    short_name="oeth",
    aliases=("optimism", "op", "opt", "optimism-mainnet"),
    block_time_ms=2000,
    portal="0xbEb5Fc579115071764c7423A4f12eDde41f106Ed",
    messenger="0x25ace71c97B33Cc4729CF772ae268934F7ab5fA1",
    bridge="0x99C9fc46f92E8a1c0deC1b1747d010903E884bE1",
    system_config="0x229047fed2591dbec1eF1118d64F7aF3dB9EB290",
    dispute_game_factory="0xe5965Ab5962eDc7477C8520243A95517CD252fA9",
    anchor_state_registry="0x18DAc71c228D1C32c99489B7323d441E1175e443",
    superchain_config=MAINNET_SUPERCHAIN_CONFIG,
)

BASE = _op_chain(
    id=8453,
    name="Base",
    parent_id=1,
    file="mainnet/base.toml",
    rpc="https://mainnet.base.org",
    explorer="https://explorer.base.org",
    short_name="base",
    aliases=("base-mainnet",),
    block_time_ms=2000,
    portal="0x49048044D57e1C92A77f79988d21Fa8fAF74E97e",
    messenger="0x866E82a600A1414e583f7F13623F1aC5d58b0Afa",
    bridge="0x3154Cf16ccdb4C6d922629664174b904d80F2C35",
    system_config="0x73a79Fab69143498Ed3712e519A88a918e1f4072",
    dispute_game_factory="0x43edB88C4B80fDD2AdFF2412A7BebF9dF42cB40e",
    l2_output_oracle="0x56315b90c40730925ec5485cf004d835058518A0",
    anchor_state_registry="0xdB9091e48B1C42992A1213e6916184f9eBDbfEDf",
)

UNICHAIN = _op_chain(
    id=130,
    name="Unichain",
    parent_id=1,
    file="mainnet/unichain.toml",
    rpc="https://mainnet.unichain.org",
    explorer="https://explorer.unichain.org",
    short_name="unichain",
    aliases=("unichain-mainnet", "uni"),
    block_time_ms=1000,
    portal="0x0bd48f6B86a26D3a217d0Fa6FfE2B491B956A7a2",
    messenger="0x9A3D64E386C18Cb1d6d5179a9596A4B5736e98A6",
    bridge="0x81014F44b0a345033bB2b3B21C7a1A308B35fEeA",
    system_config="0xc407398d063f942feBbcC6F80a156b47F3f1BDA6",
    dispute_game_factory="0x2F12d621a16e2d3285929C9996f478508951dFe4",
    anchor_state_registry="0x318A642db9e24A85318B8BF18eFd5287BA38643B",
    superchain_config=MAINNET_SUPERCHAIN_CONFIG,
)

INK = _op_chain(
    id=57073,
    name="Ink",
    parent_id=1,
    file="mainnet/ink.toml",
    rpc="https://rpc-gel.inkonchain.com",
    explorer="https://explorer.inkonchain.com",
    short_name="ink",
    aliases=("ink-mainnet",),
    block_time_ms=1000,
    portal="0x5d66C1782664115999C47c9fA5cd031f495D3e4F",
    messenger="0x69d3Cf86B2Bf1a9e99875B7e2D9B6a84426c171f",
    bridge="0x88FF1e5b602916615391F55854588EFcBB7663f0",
    system_config="0x62C0a111929fA32ceC2F76aDba54C16aFb6E8364",
    dispute_game_factory="0x10d7B35078d3baabB96Dd45a9143B94be65b12CD",
    anchor_state_registry="0xde744491BcF6b2DD2F32146364Ea1487D75E2509",
    superchain_config=MAINNET_SUPERCHAIN_CONFIG,
)

ZORA = _op_chain(
    id=7777777,
    name="Zora",
    parent_id=1,
    file="mainnet/zora.toml",
    rpc="https://rpc.zora.energy",
    explorer="https://explorer.zora.energy",
    short_name="zora",
    aliases=("zora-mainnet",),
    block_time_ms=2000,
    portal="0x1a0ad011913A150f69f6A19DF447A0CfD9551054",
    messenger="0xdC40a14d9abd6F410226f1E6de71aE03441ca506",
    bridge="0x3e2Ea9B92B7E48A52296fD261dc26fd995284631",
    system_config="0xA3cAB0126d5F504B071b81a3e8A2BBBF17930d86",
    l2_output_oracle="0x9E6204F750cD866b299594e2aC9eA824E2e5f95c",
)

MODE = _op_chain(
    id=34443,
    name="Mode",
    parent_id=1,
    file="mainnet/mode.toml",
    rpc="https://mainnet.mode.network",
    explorer="https://explorer.mode.network",
    short_name="mode",
    aliases=("mode-mainnet",),
    block_time_ms=2000,
    portal="0x8B34b14c7c7123459Cf3076b8Cb929BE097d0C07",
    messenger="0x95bDCA6c8EdEB69C98Bd5bd17660BaCef1298A6f",
    bridge="0x735aDBbE72226BD52e818E7181953f42E3b0FF21",
    system_config="0x5e6432F18Bc5d497B1Ab2288a025Fbf9D69E2221",
    l2_output_oracle="0x4317ba146D4933D889518a3e5E11Fe7a53199b04",
)

SONEIUM = _op_chain(
    id=1868,
    name="Soneium",
    parent_id=1,
    file="mainnet/soneium.toml",
    rpc="https://rpc.soneium.org",
    explorer="https://soneium.blockscout.com",
    short_name="soneium",
    aliases=("soneium-mainnet",),
    block_time_ms=2000,
    portal="0x88e529A6ccd302c948689Cd5156C83D4614FAE92",
    messenger="0x9CF951E3F74B644e621b36Ca9cea147a78D4c39f",
    bridge="0xeb9bf100225c214Efc3E7C651ebbaDcF85177607",
    system_config="0x7A8Ed66B319911A0F3E7288BDdAB30d9c0C875c3",
    dispute_game_factory="0x512A3d2c7a43BD9261d2B8E8C9c70D4bd4D503C0",
    anchor_state_registry="0x61f89A381E0BE13BD8Ab356cf4B7301BC97d7522",
    superchain_config=MAINNET_SUPERCHAIN_CONFIG,
)

WORLD_CHAIN = _op_chain(
    id=480,
    name="World Chain",
    parent_id=1,
    file="mainnet/worldchain.toml",
    rpc="https://worldchain-mainnet.g.alchemy.com/public",
    explorer="https://worldchain-mainnet.explorer.alchemy.com",
    short_name="wc",
    aliases=("worldchain", "world"),
    block_time_ms=2000,
    portal="0xd5ec14a83B7d95BE1E2Ac12523e2dEE12Cbeea6C",
    messenger="0xf931a81D18B1766d15695ffc7c1920a62b7e710a",
    bridge="0x470458C91978D2d929704489Ad730DC3E3001113",
    system_config="0x6ab0777fD0e609CE58F939a7F70Fe41F5Aa6300A",
    dispute_game_factory="0x069c4c579671f8c120b1327a73217D01Ea2EC5ea",
    l2_output_oracle="0x19A6d1E9034596196295CF148509796978343c5D",
    anchor_state_registry="0xD4D7A57DCC563756DeD99e224E144A6Bf0327099",
    superchain_config=MAINNET_SUPERCHAIN_CONFIG,
)

# --- Sepolia (parent 11155111) ---------------------------------------------------------------

OP_SEPOLIA = _op_chain(
    id=11155420,
    name="OP Sepolia",
    parent_id=11155111,
    file="sepolia/op.toml",
    rpc="https://sepolia.optimism.io",
    explorer="https://sepolia-optimistic.etherscan.io",
    short_name="opsep",
    aliases=("optimism-sepolia", "op-sepolia-testnet"),
    block_time_ms=2000,
    portal="0x16Fc5058F25648194471939df75CF27A2fdC48BC",
    messenger="0x58Cc85b8D04EA49cC6DBd3CbFFd00B4B8D6cb3ef",
    bridge="0xFBb0621E0B23b5478B630BD55a5f21f67730B0F1",
    system_config="0x034edD2A225f7f429A63E0f1D2084B9E0A93b538",
    dispute_game_factory="0x05F9613aDB30026FFd634f38e5C4dFd30a197Fa1",
    anchor_state_registry="0x218CD9489199F321E1177b56385d333c5B598629",
    superchain_config=SEPOLIA_SUPERCHAIN_CONFIG,
)

BASE_SEPOLIA = _op_chain(
    id=84532,
    name="Base Sepolia",
    parent_id=11155111,
    file="sepolia/base.toml",
    rpc="https://sepolia.base.org",
    explorer="https://sepolia-explorer.base.org",
    short_name="basesep",
    aliases=("base-sepolia-testnet",),
    block_time_ms=2000,
    portal="0x49f53e41452C74589E85cA1677426Ba426459e85",
    messenger="0xC34855F4De64F1840e5686e64278da901e261f20",
    bridge="0xfd0Bf71F60660E2f608ed56e1659C450eB113120",
    system_config="0xf272670eb55e895584501d564AfEB048bEd26194",
    dispute_game_factory="0xd6E6dBf4F7EA0ac412fD8b65ED297e64BB7a06E1",
    anchor_state_registry="0x4C8BA32A5DAC2A720bb35CeDB51D6B067D104205",
)

UNICHAIN_SEPOLIA = _op_chain(
    id=1301,
    name="Unichain Sepolia",
    parent_id=11155111,
    file="sepolia/unichain.toml",
    rpc="https://sepolia.unichain.org",
    explorer="https://sepolia.uniscan.xyz",
    short_name="unichain-sep",
    aliases=("unichain-sepolia-testnet",),
    block_time_ms=1000,
    portal="0x0d83dab629f0e0F9d36c0Cbc89B69a489f0751bD",
    messenger="0x448A37330A60494E666F6DD60aD48d930AEbA381",
    bridge="0xea58fcA6849d79EAd1f26608855c2D6407d54Ce2",
    system_config="0xaeE94b9aB7752D3F7704bDE212c0C6A0b701571D",
    dispute_game_factory="0xeff73e5aa3B9AEC32c659Aa3E00444d20a84394b",
    anchor_state_registry="0xf971F1b0D80eb769577135b490b913825BfcF00B",
    # Unichain Sepolia's own SuperchainConfig, as its registry file lists it.
    superchain_config="0xe7e23eBa32A6FD2aC79dd5EC72FE7f6217b41BDC",
)

INK_SEPOLIA = _op_chain(
    id=763373,
    name="Ink Sepolia",
    parent_id=11155111,
    file="sepolia/ink.toml",
    rpc="https://rpc-gel-sepolia.inkonchain.com",
    explorer="https://explorer-sepolia.inkonchain.com",
    short_name="inksepolia",
    aliases=(),
    block_time_ms=1000,
    portal="0x5c1d29C6c9C8b0800692acC95D700bcb4966A1d7",
    messenger="0x9fE1d3523F5342535E6E7770ED09ed85Dbc1Acc2",
    bridge="0x33f60714BbD74d62b66D79213C348614DE51901C",
    system_config="0x05C993e60179f28bF649a2Bb5b00b5F4283bD525",
    dispute_game_factory="0x860e626c700AF381133D9f4aF31412A2d1DB3D5d",
    anchor_state_registry="0x89126a987717207d4E990ed2e8880fd170DceA1A",
    superchain_config=SEPOLIA_SUPERCHAIN_CONFIG,
)

ZORA_SEPOLIA = _op_chain(
    id=999999999,
    name="Zora Sepolia",
    parent_id=11155111,
    file="sepolia/zora.toml",
    rpc="https://sepolia.rpc.zora.energy",
    explorer="https://sepolia.explorer.zora.energy",
    short_name="zsep",
    aliases=(),
    block_time_ms=2000,
    portal="0xeffE2C6cA9Ab797D418f0D91eA60807713f3536f",
    messenger="0x1bDBC0ae22bEc0c2f08B4dd836944b3E28fe9b7A",
    bridge="0x5376f1D543dcbB5BD416c56C189e4cB7399fCcCB",
    system_config="0xB54c7BFC223058773CF9b739cC5bd4095184Fb08",
    l2_output_oracle="0x2615B481Bd3E5A1C0C7Ca3Da1bdc663E8615Ade9",
)

MODE_SEPOLIA = _op_chain(
    id=919,
    name="Mode Sepolia",
    parent_id=11155111,
    file="sepolia/mode.toml",
    rpc="https://sepolia.mode.network",
    explorer="https://sepolia.explorer.mode.network",
    short_name="modesep",
    aliases=("mode-testnet",),
    block_time_ms=2000,
    portal="0x320e1580effF37E008F1C92700d1eBa47c1B23fD",
    messenger="0xc19a60d9E8C27B9A43527c3283B4dd8eDC8bE15C",
    bridge="0xbC5C679879B2965296756CD959C3C739769995E2",
    system_config="0x15cd4f6e0CE3B4832B33cB9c6f6Fe6fc246754c2",
    l2_output_oracle="0x2634BD65ba27AB63811c74A63118ACb312701Bfa",
)

SONEIUM_MINATO = _op_chain(
    id=1946,
    name="Soneium Minato",
    parent_id=11155111,
    file="sepolia/soneium-minato.toml",
    rpc="https://rpc.minato.soneium.org",
    explorer="https://soneium-minato.blockscout.com",
    short_name="minato",
    aliases=("soneium-sepolia", "soneium-testnet"),
    block_time_ms=2000,
    portal="0x65ea1489741A5D72fFdD8e6485B216bBdcC15Af3",
    messenger="0x0184245D202724dc28a2b688952Cb56C882c226F",
    bridge="0x5f5a404A5edabcDD80DB05E8e54A78c9EBF000C2",
    system_config="0x4Ca9608Fef202216bc21D543798ec854539bAAd3",
    dispute_game_factory="0xB3Ad2c38E6e0640d7ce6aA952AB3A60E81bf7a01",
    l2_output_oracle="0x710e5286C746eC38beeB7538d0146f60D27be343",
    anchor_state_registry="0xa4AbebA1612Cf731843460791e1A925c84d0991C",
    superchain_config=SEPOLIA_SUPERCHAIN_CONFIG,
)

WORLD_CHAIN_SEPOLIA = _op_chain(
    id=4801,
    name="World Chain Sepolia",
    parent_id=11155111,
    file="sepolia/worldchain.toml",
    rpc="https://worldchain-sepolia.g.alchemy.com/public",
    explorer="https://worldchain-sepolia.explorer.alchemy.com",
    short_name="wcsep",
    aliases=("worldchain-sepolia",),
    block_time_ms=2000,
    portal="0xFf6EBa109271fe6d4237EeeD4bAb1dD9A77dD1A4",
    messenger="0x7768c821200554d8F359A8902905Ba9eDe5659a9",
    bridge="0xd7DF54b3989855eb66497301a4aAEc33Dbb3F8DE",
    system_config="0x166F9406e79A656f12F05247fb8F5DfA6155bCBF",
    dispute_game_factory="0x8Ec1111f67Dad6b6A93B3F42DfBC92D81c98449A",
    l2_output_oracle="0xc8886f8BAb6Eaeb215aDB5f1c686BF699248300e",
    anchor_state_registry="0x1333d5E5201D760444A399E77b3D337eBDB0DD07",
    superchain_config=SEPOLIA_SUPERCHAIN_CONFIG,
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
    OP_SEPOLIA,
    BASE_SEPOLIA,
    UNICHAIN_SEPOLIA,
    INK_SEPOLIA,
    ZORA_SEPOLIA,
    MODE_SEPOLIA,
    SONEIUM_MINATO,
    WORLD_CHAIN_SEPOLIA,
)
