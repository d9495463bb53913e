"""ERC-20 contracts for the token-balance tests and benchmark, compiled on first use.

`TestToken` is OpenZeppelin's ERC20 (the @openzeppelin/contracts package another npm package of
the set-up ships, in ~/.cache/interop/npm) with a public mint; the others misbehave on purpose:
`RevertingToken.balanceOf` reverts, `PickyToken` reverts for odd holders only, `GasBurner`
loops until out of gas, `ShortToken` answers no data. They are compiled with solc-js into the
cache (never committed) and deployed with plain transactions from an impersonated throwaway
account, so the session devnet's accounts and nonces are not touched.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path
from typing import Any

from eth_abi.abi import encode as abi_encode
from eth_utils.crypto import keccak

from interop.devnet.install import cache_dir, ensure_packages
from interop.devnet.solc import compile_standard_json
from interop.rpc.base import Transport
from interop.types import Address, to_address

SOURCE = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
import "@openzeppelin/contracts/token/ERC20/ERC20.sol";

contract TestToken is ERC20 {
    uint8 private immutable _dec;
    constructor(string memory n, string memory s, uint8 d) ERC20(n, s) { _dec = d; }
    function decimals() public view override returns (uint8) { return _dec; }
    function mint(address to, uint256 amount) external { _mint(to, amount); }
}

contract RevertingToken {
    function decimals() external pure returns (uint8) { return 18; }
    function symbol() external pure returns (string memory) { return "BAD"; }
    function balanceOf(address) external pure returns (uint256) { revert("no balances here"); }
}

contract PickyToken {
    function decimals() external pure returns (uint8) { return 0; }
    function symbol() external pure returns (string memory) { return "PICK"; }
    function balanceOf(address a) external pure returns (uint256) {
        require(uint160(a) % 2 == 0, "odd holder");
        return uint160(a) % 1000 + 1;
    }
}

contract GasBurner {
    uint256 private x;
    function decimals() external pure returns (uint8) { return 18; }
    function balanceOf(address) external view returns (uint256) {
        uint256 y = x;
        while (true) { y = y * 3 + 1; }
        return y;
    }
}

contract ShortToken {
    function decimals() external pure returns (uint8) { return 18; }
    fallback() external {}
}
"""
OZ_FILES = [
    "token/ERC20/ERC20.sol",
    "token/ERC20/IERC20.sol",
    "token/ERC20/extensions/IERC20Metadata.sol",
    "utils/Context.sol",
]
NAMES = ["TestToken", "RevertingToken", "PickyToken", "GasBurner", "ShortToken"]


def _build_dir() -> Path:
    base = cache_dir() / "build"
    base.mkdir(parents=True, exist_ok=True)
    return base


def artifacts() -> dict[str, str]:
    """Creation bytecode (hex, no 0x) of every contract above, compiled once into the cache."""
    # @openzeppelin/contracts 4.x is a dependency of @arbitrum/nitro-contracts (pinned)
    oz = ensure_packages(["@arbitrum/nitro-contracts", "solc"]) / "@openzeppelin" / "contracts"
    sources: dict[str, Any] = {"Tokens.sol": {"content": SOURCE}}
    for f in OZ_FILES:
        sources[f"@openzeppelin/contracts/{f}"] = {"content": (oz / f).read_text()}
    std = {
        "language": "Solidity",
        "sources": sources,
        "settings": {
            "optimizer": {"enabled": True, "runs": 200},
            "outputSelection": {"Tokens.sol": {"*": ["evm.bytecode.object"]}},
        },
    }
    digest = hashlib.sha256(json.dumps(std, sort_keys=True).encode()).hexdigest()[:16]
    path = _build_dir() / f"test-tokens-{digest}.json"
    if path.exists():
        return dict(json.loads(path.read_text()))
    _, out = compile_standard_json(std, "the test tokens")
    res = {n: out["contracts"]["Tokens.sol"][n]["evm"]["bytecode"]["object"] for n in NAMES}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(res))
    tmp.replace(path)
    return res


async def _wait_receipt(t: Transport, tx_hash: str) -> dict[str, Any]:
    for _ in range(400):
        r = await t.request("eth_getTransactionReceipt", [tx_hash])
        if r:
            if r["status"] != "0x1":
                raise RuntimeError(f"transaction {tx_hash} failed")
            return dict(r)
        await asyncio.sleep(0.05)
    raise RuntimeError(f"no receipt for {tx_hash}")


class Deployer:
    """Sends transactions from an impersonated, freshly funded throwaway account."""

    def __init__(self, t: Transport, label: str) -> None:
        self.t = t
        self.sender = to_address("0x" + keccak(f"token-deployer-{label}".encode())[12:].hex())

    async def setup(self) -> None:
        await self.t.request("anvil_impersonateAccount", [self.sender])
        await self.t.request("anvil_setBalance", [self.sender, hex(10**21)])

    async def send(self, to: str | None, data: bytes) -> dict[str, Any]:
        tx: dict[str, Any] = {"from": self.sender, "data": "0x" + data.hex(), "gas": hex(5_000_000)}
        if to is not None:
            tx["to"] = to
        return await _wait_receipt(self.t, await self.t.request("eth_sendTransaction", [tx]))

    async def deploy(self, name: str, args: bytes = b"") -> Address:
        code = bytes.fromhex(artifacts()[name])
        receipt = await self.send(None, code + args)
        return to_address(receipt["contractAddress"])

    async def deploy_erc20(self, name: str, symbol: str, decimals: int) -> Address:
        args = abi_encode(["string", "string", "uint8"], [name, symbol, decimals])
        return await self.deploy("TestToken", args)

    async def mint(self, token: str, amounts: dict[str, int]) -> None:
        sel = keccak(b"mint(address,uint256)")[:4]
        hashes = [
            await self.t.request(
                "eth_sendTransaction",
                [
                    {
                        "from": self.sender,
                        "to": token,
                        "data": "0x" + (sel + abi_encode(["address", "uint256"], [a, v])).hex(),
                        "gas": hex(200_000),
                    }
                ],
            )
            for a, v in amounts.items()
            if v
        ]
        for h in hashes:
            await _wait_receipt(self.t, h)
