"""Scroll's L2 predeploys at their real addresses (`libraries/constants/ScrollPredeploy.sol` and
the Scroll docs' contract list): the same on Scroll, Scroll Sepolia and the devnet."""

from __future__ import annotations

from interop.types import Address

__all__ = ["L1_GAS_PRICE_ORACLE", "L2_MESSAGE_QUEUE", "L2_TX_FEE_VAULT", "L2_WHITELIST"]

L2_MESSAGE_QUEUE = Address("0x5300000000000000000000000000000000000000")
"""Appends every L2->L1 message hash to the withdraw trie (`L2/predeploys/L2MessageQueue.sol`)."""
L1_GAS_PRICE_ORACLE = Address("0x5300000000000000000000000000000000000002")
"""`getL1Fee(bytes)`: the L1 data fee of a transaction (`L2/predeploys/L1GasPriceOracle.sol`)."""
L2_WHITELIST = Address("0x5300000000000000000000000000000000000003")
L2_TX_FEE_VAULT = Address("0x5300000000000000000000000000000000000005")
