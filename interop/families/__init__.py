"""Chain families: per-family behaviour outside bridging, as plugins.

What differs between rollup families besides their bridges (the fee model, including any
separate L1 data fee; how a devnet backs its L2s' genesis ETH) is answered by a `ChainFamily`
named like `Chain.stack`, loaded from the entry-point group `interop.families`. This package
ships `l1`, `opstack` and `arbitrum`; another package adds its own with

    [project.entry-points."interop.families"]
    myrollup = "myrollup_interop.family:family"

Layer: above `chains`, `client` and `spec`, below `actions` (a transfer's funds check asks the
chain's family for its L1 data fee) and everything above. It imports no adapter and no devnet.
"""

from __future__ import annotations

from interop.families.base import ChainFamily, UnsignedTx
from interop.families.registry import GROUP, FamilyRegistry, default_families, family_of

__all__ = [
    "GROUP",
    "ChainFamily",
    "FamilyRegistry",
    "UnsignedTx",
    "default_families",
    "family_of",
]


_MOVED = {
    name: "interop.families.opstack"
    for name in (
        "GAS_PRICE_ORACLE",
        "GPO_GET_L1_FEE",
        "GPO_GET_L1_FEE_UPPER_BOUND",
        "L1_BLOCK",
        "L1_FEE_VAULT",
        "L1FeeParams",
        "fjord_l1_fee",
        "flz_compress_len",
        "op_l1_fee_ceiling",
        "op_l1_fee_params",
        "op_l1_fee_params_of_block",
    )
}


def moved_name(module: str, name: str) -> object:
    """Resolve a name that moved out of `module` into a family module (deprecated path), or
    raise the `AttributeError` Python expects from a module's `__getattr__`."""
    target = _MOVED.get(name)
    if target is None:
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    import importlib
    import warnings

    warnings.warn(f"{module}.{name} moved to {target}.{name}", DeprecationWarning, stacklevel=3)
    return getattr(importlib.import_module(target), name)
