"""Balances and Multicall3 on the devnet: every strategy must equal what eth_getBalance says.

Addresses are fresh per test (keccak of a label), so the shared session devnet's other users
never touch them; balances are set with anvil_setBalance, including 0 and values up to 2**256-1.
"""

from __future__ import annotations

import socket
from typing import Any

import pytest
from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from interop.actions import balances as bal
from interop.chains.model import MULTICALL3
from interop.client import ChainClient
from interop.devnet.contracts import runtime_code
from interop.devnet.core import Devnet
from interop.errors import ExecutionRevertedError, InvalidAddressError, RpcError
from interop.rpc.http import HttpTransport
from interop.rpc.retry import NO_RETRY

STRATEGIES = ["override", "multicall3", "deployless", "batch", "auto"]
SPECIAL = [0, 1, 10**18, 2**128 + 7, 2**255, 2**256 - 1, 0xEF << 248]


def addresses(label: str, n: int) -> list[str]:
    return ["0x" + keccak(f"{label}-{i}".encode())[12:].hex() for i in range(n)]


def client(devnet: Devnet, cid: int) -> ChainClient:
    return ChainClient(devnet.chain(cid), devnet.transport(cid), owns_transport=False)


async def set_balances(devnet: Devnet, cid: int, values: dict[str, int]) -> None:
    res = await devnet.transport(cid).batch(
        [("anvil_setBalance", [a, hex(v)]) for a, v in values.items()]
    )
    assert not [r for r in res if isinstance(r, BaseException)]
    # into a mined block: anvil keeps a set balance in the state of the block it was set after
    # only while that block is the latest, so a read pinned to that block's number (a chunk
    # re-read at the first chunk's block, as the Multicall3 strategy does when a background
    # relayer mines meanwhile) would see the old balance once the next block is mined
    await devnet.transport(cid).request("evm_mine", [])


async def truth(c: ChainClient, addrs: list[str], block: int | str = "latest") -> list[int]:
    tag = hex(block) if isinstance(block, int) else block
    res = await c.batch([("eth_getBalance", [a, tag]) for a in addrs])
    return [int(r, 16) for r in res]


def selector(sig: str) -> bytes:
    return keccak(sig.encode())[:4]


async def mc_call(c: ChainClient, sig: str, types: list[str], args: list[Any], **kw: Any) -> bytes:
    data = selector(sig) + (abi_encode(types, args) if types else b"")
    return await c.call(MULTICALL3, data, **kw)


# --- Multicall3 ----------------------------------------------------------------------------


async def test_multicall3_installed_on_every_chain(devnet: Devnet) -> None:
    code = runtime_code("Multicall3")
    for cid in devnet.chains:
        c = client(devnet, cid)
        assert await c.get_code(MULTICALL3) == code
        assert devnet.chain(cid).multicall3 == MULTICALL3
        (chain_id,) = abi_decode(["uint256"], await mc_call(c, "getChainId()", [], []))
        assert chain_id == cid
        await devnet.transport(cid).request("evm_mine", [])  # a genesis env can be odd (901)
        block = await c.get_block("latest")
        # compared at a block that is no longer the latest: one full run saw the call at the
        # latest block answer a time 1 s after the block's (chain 900, whose clock the devnet's
        # relayers move; not reproduced alone); a past block's call runs at its header's time
        await devnet.transport(cid).request("evm_mine", [])
        (number,) = abi_decode(
            ["uint256"],
            await mc_call(c, "getBlockNumber()", [], [], block=int(block["number"], 16)),
        )
        assert number == int(block["number"], 16)
        (ts,) = abi_decode(
            ["uint256"], await mc_call(c, "getCurrentBlockTimestamp()", [], [], block=number)
        )
        assert ts == int(block["timestamp"], 16), (cid, number, block)
        (fee,) = abi_decode(["uint256"], await mc_call(c, "getBasefee()", [], [], block=number))
        assert fee == int(block.get("baseFeePerGas", "0x0"), 16)


async def test_multicall3_aggregate3_and_friends(devnet: Devnet) -> None:
    cid = devnet.l1_id()
    c = client(devnet, cid)
    (who,) = addresses("mc3-friends", 1)
    await set_balances(devnet, cid, {who: 12345})
    bal_call = selector("getEthBalance(address)") + abi_encode(["address"], [who])
    bad_call = b"\xde\xad\xbe\xef"  # no such function: the sub-call reverts
    raw = await mc_call(
        c,
        "aggregate3((address,bool,bytes)[])",
        ["(address,bool,bytes)[]"],
        [[(MULTICALL3, True, bal_call), (MULTICALL3, True, bad_call)]],
    )
    ((ok1, ret1), (ok2, _)) = abi_decode(["(bool,bytes)[]"], raw)[0]
    assert ok1 and int.from_bytes(ret1, "big") == 12345 and not ok2

    with pytest.raises(ExecutionRevertedError):  # allowFailure = false on a failing call
        await mc_call(
            c,
            "aggregate3((address,bool,bytes)[])",
            ["(address,bool,bytes)[]"],
            [[(MULTICALL3, False, bad_call)]],
        )
    raw = await mc_call(
        c,
        "tryAggregate(bool,(address,bytes)[])",
        ["bool", "(address,bytes)[]"],
        [False, [(MULTICALL3, bal_call), (MULTICALL3, bad_call)]],
    )
    results = abi_decode(["(bool,bytes)[]"], raw)[0]
    assert [r[0] for r in results] == [True, False]

    # aggregate3Value: msg.value must equal the sum of the values
    sender = devnet.accounts[0][0]
    (payee,) = addresses("mc3-payee", 1)  # an account without code accepts plain value
    value_call = [(payee, False, 5, b"")]
    sig = "aggregate3Value((address,bool,uint256,bytes)[])"
    typ = ["(address,bool,uint256,bytes)[]"]
    raw = await mc_call(c, sig, typ, [value_call], sender=sender, value=5)
    assert abi_decode(["(bool,bytes)[]"], raw)[0][0][0] is True
    assert await c.get_balance(payee) == 0  # an eth_call moves nothing
    with pytest.raises(ExecutionRevertedError):
        await mc_call(c, sig, typ, [value_call], sender=sender, value=4)


# --- balances ------------------------------------------------------------------------------


@pytest.mark.parametrize("strategy", STRATEGIES)
async def test_every_strategy_equals_eth_getbalance(devnet: Devnet, strategy: str) -> None:
    addrs = addresses(f"bal-{strategy}", 40)
    for k, cid in enumerate(devnet.chains):
        values = {
            a: SPECIAL[i] if i < len(SPECIAL) else (i * 10**15 + k if i % 3 else 0)
            for i, a in enumerate(addrs)
        }
        # a first returned byte of 0xEF (the EIP-3541 case for deployless), also mid-chunk
        values[addrs[-1]] = values[addrs[21]] = 0xEF << 248
        await set_balances(devnet, cid, values)
    for cid in devnet.chains:
        c = client(devnet, cid)
        expected = await truth(c, addrs)
        assert any(expected) and 0 in expected and 2**256 - 1 in expected
        # small chunks: several requests per chain, pinned to one block
        for chunk in (None, 7):
            got = await bal.get_balances(c, addrs, strategy=strategy, chunk_size=chunk)  # type: ignore[arg-type]
            assert [got[bal.validate_addresses([a])[0]] for a in addrs] == expected


async def test_auto_picks_state_override_on_anvil(devnet: Devnet) -> None:
    clients = {cid: client(devnet, cid) for cid in devnet.chains}
    table = await bal.get_balances_multichain(clients, addresses("auto-pick", 3))
    assert table.ok
    assert {e.strategy for e in table} == {"override"}


@pytest.mark.parametrize("strategy", ["override", "multicall3", "deployless", "batch"])
async def test_block_tag_is_honoured(devnet: Devnet, strategy: str) -> None:
    cid = devnet.l1_id()
    c = client(devnet, cid)
    addrs = addresses(f"blocktag-{strategy}", 5)
    t = devnet.transport(cid)
    await set_balances(devnet, cid, {a: 111 + i for i, a in enumerate(addrs)})
    await t.request("evm_mine", [])
    then = await c.block_number()
    # anvil keeps a block's state only once the next block is mined: mine one more before
    # changing balances again, or the change would show at `then` too
    await t.request("evm_mine", [])
    await set_balances(devnet, cid, {a: 2**200 + i for i, a in enumerate(addrs)})
    await t.request("evm_mine", [])
    old = await bal.get_balances(c, addrs, strategy=strategy, block=then)  # type: ignore[arg-type]
    new = await bal.get_balances(c, addrs, strategy=strategy)  # type: ignore[arg-type]
    assert list(old.values()) == await truth(c, addrs, then) == [111 + i for i in range(5)]
    assert list(new.values()) == await truth(c, addrs) == [2**200 + i for i in range(5)]


@pytest.mark.parametrize(
    ("strategy", "n"), [("override", 8000), ("multicall3", 2340), ("deployless", 767)]
)
async def test_largest_chunk_fits_the_node_limits(devnet: Devnet, strategy: str, n: int) -> None:
    """The per-strategy maximum chunk fits anvil's gas cap and code-size limit in one call."""
    cid = devnet.l1_id()
    c = client(devnet, cid)
    addrs = addresses(f"limits-{strategy}", n)
    await set_balances(devnet, cid, {addrs[-1]: 42, addrs[0]: 2**255})
    got = await bal.get_balances(c, addrs, strategy=strategy, chunk_size=n)  # type: ignore[arg-type]
    assert list(got.values()) == await truth(c, addrs)


def _dead_url() -> str:
    with socket.socket() as s:  # a port that was free a moment ago: nobody listens on it
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


async def test_dead_chain_gets_an_error_entry_others_return(devnet: Devnet) -> None:
    addrs = addresses("deadchain", 4)
    l1 = devnet.l1_id()
    await set_balances(devnet, l1, {a: 7 for a in addrs})
    dead_chain = devnet.chain(l1).replace(id=424242, name="dead", rpc_urls=(_dead_url(),))
    clients = {cid: client(devnet, cid) for cid in devnet.chains}
    async with HttpTransport(dead_chain.rpc_urls[0], retry=NO_RETRY, timeout=5) as dead_t:
        clients[dead_chain.id] = ChainClient(dead_chain, dead_t, owns_transport=False)
        table = await bal.get_balances_multichain(clients, addrs, timeout=10)
    assert set(table.errors) == {dead_chain.id}
    assert isinstance(table.errors[dead_chain.id], RpcError)
    assert [table.balance(l1, a) for a in addrs] == [7] * 4
    for cid in devnet.chains:
        assert table[cid].ok and len(table[cid].balances) == 4


async def test_bad_address_is_refused(devnet: Devnet) -> None:
    clients = {cid: client(devnet, cid) for cid in devnet.chains}
    with pytest.raises(InvalidAddressError):
        await bal.get_balances_multichain(clients, ["0x1234"])


async def test_cold_call_keys_are_eip55_and_values_equal_eth_getbalance(devnet: Devnet) -> None:
    """A process's first call (empty checksum caches) on every chain, input in all three cases."""
    addrs = addresses("cold-keys", 600)
    checksummed = [str(to_checksum_address(a)) for a in addrs]
    given = [
        a if i % 3 == 0 else checksummed[i] if i % 3 == 1 else "0x" + a[2:].upper()
        for i, a in enumerate(addrs)
    ]
    for k, cid in enumerate(devnet.chains):
        await set_balances(devnet, cid, {a: (i + 1) * 10**12 + k for i, a in enumerate(addrs)})
    clients = {cid: client(devnet, cid) for cid in devnet.chains}
    bal.clear_address_cache()
    table = await bal.get_balances_multichain(clients, given)
    assert table.ok
    assert list(table.addresses) == checksummed
    for cid, c in clients.items():
        assert list(table[cid].balances) == checksummed
        assert list(table[cid].balances.values()) == await truth(c, addrs)
