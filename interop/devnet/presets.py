"""The default devnet: L1 900, OP Stack L2s 901/902, Arbitrum L2 903, Linea L2 904, Scroll L2 905,
ZKsync L2 906 (emulated), with every stack component
whose module is present (components are optional so the core runs alone)."""

from __future__ import annotations

import importlib
from typing import Any

from interop.chains.data.devnet import DEVNET_ARB, DEVNET_L1, DEVNET_OP, DEVNET_OP2
from interop.devnet.config import DevnetChainSpec, DevnetComponent, DevnetConfig

__all__ = ["default_config"]

OP_ANVIL_ARGS = ("--network", "optimism", "--hardfork", "holocene")


def _component(module: str, factory: str, **kw: Any) -> DevnetComponent | None:
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            return None
        raise
    comp: DevnetComponent = getattr(mod, factory)(**kw)
    return comp


def default_config(
    *,
    opstack: bool = True,
    arbitrum: bool = True,
    linea: bool = True,
    zksync: bool = True,
    scroll: bool = True,
    tick_seconds: float | None = None,
    **extra: Any,
) -> DevnetConfig:
    chains = [DevnetChainSpec(DEVNET_L1)]
    comps: list[DevnetComponent] = []
    if opstack:
        chains += [
            DevnetChainSpec(DEVNET_OP, OP_ANVIL_ARGS),
            DevnetChainSpec(DEVNET_OP2, OP_ANVIL_ARGS),
        ]
        c = _component(
            "interop.devnet.opstack", "make_component", l1_id=900, l2_ids=(901, 902), **extra
        )
        if c is not None:
            comps.append(c)
        # after opstack: it swaps L1Block for L1BlockInterop (same storage layout)
        c = _component("interop.devnet.superchain", "make_component", l2_ids=(901, 902), **extra)
        if c is not None:
            comps.append(c)
    if arbitrum:
        chains.append(DevnetChainSpec(DEVNET_ARB))
        c = _component("interop.devnet.arbitrum", "make_component", l1_id=900, l2_id=903, **extra)
        if c is not None:
            comps.append(c)
    if linea:
        # Linea L2 904 with the real message service (interop.devnet.linea), ~0.1-0.6 s more
        c = _component("interop.devnet.linea", "make_component", l1_id=900, l2_id=904, **extra)
        if c is not None:
            from interop.devnet.linea.chain import DEVNET_LINEA

            chains.append(DevnetChainSpec(DEVNET_LINEA))
            comps.append(c)
    if zksync:
        # ZKsync L2 906: an emulation on the real interfaces (interop.devnet.zksync)
        c = _component("interop.devnet.zksync", "make_component", l1_id=900, l2_id=906, **extra)
        if c is not None:
            from interop.devnet.zksync.chain import DEVNET_ZKSYNC

            chains.append(DevnetChainSpec(DEVNET_ZKSYNC))
            comps.append(c)
    if scroll:
        # Scroll L2 905 with Scroll's own contracts compiled from source (interop.devnet.scroll):
        # ~1.5-7 s more (deploy + first batch; the compile is cached after the first run)
        c = _component("interop.devnet.scroll", "make_component", l1_id=900, l2_id=905, **extra)
        if c is not None:
            from interop.devnet.scroll.chain import DEVNET_SCROLL

            chains.append(DevnetChainSpec(DEVNET_SCROLL))
            comps.append(c)
    return DevnetConfig(chains=chains, components=comps, tick_seconds=tick_seconds)
