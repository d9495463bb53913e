"""ERC-20 balances on the devnet, against real token contracts: OpenZeppelin's ERC20 (compiled
from the npm cache), tokens that revert for everyone or for some holders, one that burns all its
gas, one that answers no data, and an address without code. Every strategy must give, to the
wei, what a plain `eth_call balanceOf` gives, and each misbehaving token must be an error entry
of its own while the rest of the call answers.
"""

from __future__ import annotations

from typing import Any

import pytest
import pytest_asyncio
from eth_utils.crypto import keccak

from interop.actions import balances as bal
from interop.client import ChainClient
from interop.devnet.core import Devnet
from interop.errors import InputError, InteropError
from interop.tokens import _META, Token, TokenError
from interop.types import Address, to_address

from .token_contracts import Deployer

STRATEGIES = ["override", "deployless", "multicall3", "batch", "auto"]
SEL_BALANCE_OF = keccak(b"balanceOf(address)")[:4]


def addresses(label: str, n: int) -> list[str]:
    return ["0x" + keccak(f"{label}-{i}".encode())[12:].hex() for i in range(n)]


def client(devnet: Devnet, cid: int) -> ChainClient:
    return ChainClient(devnet.chain(cid), devnet.transport(cid), owns_transport=False)


class Tokens:
    """Contracts deployed once per session on two chains, holders with known balances."""

    def __init__(self) -> None:
        self.good: dict[int, Address] = {}
        self.usd: dict[int, Address] = {}
        self.bad: dict[int, Address] = {}
        self.picky: dict[int, Address] = {}
        self.burner: dict[int, Address] = {}
        self.short: dict[int, Address] = {}
        self.nocode = to_address("0x" + keccak(b"token-nocode")[12:].hex())
        self.holders = addresses("tok-holder", 24)
        self.minted: dict[tuple[int, Address], dict[str, int]] = {}
        self.mint_block: dict[int, int] = {}


SPECIAL = [0, 1, 10**18, 2**128 + 7, 2**200, 123456789]


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def tokens(devnet: Devnet) -> Tokens:
    tk = Tokens()
    for cid in list(devnet.chains)[:2]:
        d = Deployer(devnet.transport(cid), f"bal-{cid}")
        await d.setup()
        tk.good[cid] = await d.deploy_erc20("Test Token", "TT", 18)
        tk.usd[cid] = await d.deploy_erc20("Test Dollar", "TUSD", 6)
        tk.bad[cid] = await d.deploy("RevertingToken")
        tk.picky[cid] = await d.deploy("PickyToken")
        tk.burner[cid] = await d.deploy("GasBurner")
        tk.short[cid] = await d.deploy("ShortToken")
        for j, tok in enumerate((tk.good[cid], tk.usd[cid])):
            amounts = {
                a: SPECIAL[i] if i < len(SPECIAL) else (i * 10**6 + j + cid if i % 3 else 0)
                for i, a in enumerate(tk.holders)
            }
            tk.minted[(cid, tok)] = amounts
            await d.mint(tok, amounts)
        tk.mint_block[cid] = int(await devnet.transport(cid).request("eth_blockNumber", []), 16)
    return tk


async def truth(c: ChainClient, token: str, holders: list[str], block: Any = "latest") -> list[Any]:
    """balanceOf by plain eth_call, one per holder; None where the call fails or is short."""
    tag = hex(block) if isinstance(block, int) else block
    calls = [
        (
            "eth_call",
            [{"to": token, "data": "0x" + (SEL_BALANCE_OF + bytes(12)).hex() + h[2:]}, tag],
        )
        for h in holders
    ]
    out: list[Any] = []
    for r in await c.batch(calls):
        raw = b"" if isinstance(r, BaseException) else bytes.fromhex(r[2:])
        out.append(int.from_bytes(raw[:32], "big") if len(raw) >= 32 else None)
    return out


@pytest.mark.parametrize("strategy", STRATEGIES)
async def test_every_strategy_reads_tokens_to_the_wei(
    devnet: Devnet, tokens: Tokens, strategy: str
) -> None:
    cids = list(tokens.good)
    clients = {cid: client(devnet, cid) for cid in cids}
    for cid in cids:
        await devnet.transport(cid).request("anvil_setBalance", [tokens.holders[1], hex(777 + cid)])
    toks = {
        cid: [
            tokens.good[cid],
            tokens.usd[cid],
            tokens.bad[cid],
            tokens.picky[cid],
            tokens.burner[cid],
            tokens.short[cid],
            tokens.nocode,
        ]
        for cid in cids
    }
    table = await bal.get_balances_multichain(
        clients, tokens.holders, tokens=toks, strategy=strategy, chunk_size=25
    )
    assert table.ok, table.errors
    for cid in cids:
        entry = table[cid]
        assert entry.strategy == ("override" if strategy == "auto" else strategy)
        # native balances in the same call, to the wei
        natives = await clients[cid].batch(
            [("eth_getBalance", [h, "latest"]) for h in tokens.holders]
        )
        assert [entry.balances[to_address(h)] for h in tokens.holders] == [
            int(r, 16) for r in natives
        ]
        assert entry.balances[to_address(tokens.holders[1])] == 777 + cid
        for tok in (tokens.good[cid], tokens.usd[cid]):
            minted = tokens.minted[(cid, tok)]
            got = [table.token_balance(cid, tok, h) for h in tokens.holders]
            assert got == [minted[h] for h in tokens.holders]
            assert got == await truth(clients[cid], tok, tokens.holders)
            assert tok not in entry.token_errors
        assert entry.token_info[tokens.good[cid]] == Token(
            cid, tokens.good[cid], "TT", 18, "Test Token"
        )
        assert entry.token_info[tokens.usd[cid]].decimals == 6
        # the misbehaving ones: per-entry errors, nothing else affected
        for tok in (tokens.bad[cid], tokens.burner[cid], tokens.short[cid], tokens.nocode):
            assert dict(entry.tokens[tok]) == {}, tok
            assert isinstance(entry.token_errors[tok], TokenError)
            with pytest.raises(TokenError):
                table.token_balance(cid, tok, tokens.holders[0])
        picky = tokens.picky[cid]
        expected = await truth(clients[cid], picky, tokens.holders)
        assert any(v is None for v in expected) and any(v is not None for v in expected)
        got_picky = [entry.tokens[picky].get(to_address(h)) for h in tokens.holders]
        assert got_picky == expected
        assert "holders" in entry.token_errors[picky].message
        assert entry.token_info[picky].symbol == "PICK"
        assert tokens.nocode not in entry.token_info


async def test_token_balances_at_an_older_block_and_every_tag(
    devnet: Devnet, tokens: Tokens
) -> None:
    cid = next(iter(tokens.good))
    c = client(devnet, cid)
    tok = tokens.good[cid]
    holder = addresses("tok-later", 1)[0]
    before = int(await devnet.transport(cid).request("eth_blockNumber", []), 16)
    d = Deployer(devnet.transport(cid), f"bal-{cid}")
    await d.mint(tok, {holder: 4242})
    for strategy in STRATEGIES:
        old = await bal.get_balances_multichain(
            {cid: c}, [holder], tokens=[tok], block=before, strategy=strategy
        )
        assert old.token_balance(cid, tok, holder) == 0
        new = await bal.get_balances_multichain({cid: c}, [holder], tokens=[tok], strategy=strategy)
        assert new.token_balance(cid, tok, holder) == 4242
    for tag in ("latest", "pending", "safe", "finalized", hex(before)):
        t = await bal.get_balances_multichain({cid: c}, [holder], tokens=[tok], block=tag)
        assert t.ok, (tag, t.errors)
    # the same tags on every devnet chain, native balances through the multichain call
    every = {k: client(devnet, k) for k in devnet.chains}
    for tag in ("latest", "pending", "safe", "finalized"):
        t = await bal.get_balances_multichain(every, [holder], block=tag)
        assert t.ok, (tag, t.errors)
    # Genesis state: a node keeps only so many old states (anvil evicts them after a few
    # thousand blocks, as a non-archive node would), so the node itself is the oracle: where it
    # answers, the answer is the same; where it cannot, that chain's entry is an error and the
    # other chains still answer.
    for tag in ("earliest", 0):
        t = await bal.get_balances_multichain(every, [holder], block=tag)
        for k in every:
            try:
                node = int(
                    await devnet.transport(k).request("eth_getBalance", [holder, hex(0)]), 16
                )
            except InteropError:
                assert k in t.errors, (tag, k)
            else:
                assert k not in t.errors and t[k].balances[to_address(holder)] == node, (tag, k)
    with pytest.raises(InputError):
        await bal.get_balances_multichain({cid: c}, [holder], block="newest")
    with pytest.raises(InputError):
        await bal.get_balances_multichain({cid: c}, [holder], block=-1)


async def test_largest_record_chunks_fit_the_node_limits(devnet: Devnet, tokens: Tokens) -> None:
    """The maxima of `_RECORD_CHUNK` are real: 744 records answer under the 24,576-byte code
    limit (deployless), 3,000 token calls under the gas cap (override)."""
    cid = next(iter(tokens.good))
    c = client(devnet, cid)
    holders = addresses("tok-big", 1500)
    tok = tokens.good[cid]
    for strategy, n in (("deployless", 372), ("override", 1500)):  # 2 records per holder
        t = await bal.get_balances_multichain(
            {cid: c},
            holders[:n],
            tokens=[tok],
            strategy=strategy,
            chunk_size=10**6,  # type: ignore[arg-type]
        )
        assert t.ok, t.errors
        assert t[cid].token_errors == {}
        assert len(t[cid].tokens[tok]) == n
    assert bal._RECORD_CHUNK["deployless"][1] == 744 and bal._RECORD_CHUNK["override"][1] == 3000


async def test_tokens_only_and_metadata_cached_per_client(devnet: Devnet, tokens: Tokens) -> None:
    cid = next(iter(tokens.good))
    c = client(devnet, cid)
    table = await bal.get_balances_multichain(
        {cid: c}, tokens.holders, tokens={cid: [tokens.usd[cid]]}, native=False
    )
    assert dict(table[cid].balances) == {}
    assert table.token_balance(cid, tokens.usd[cid], tokens.holders[2]) == 10**18
    assert _META[c][tokens.usd[cid]].symbol == "TUSD"
    # a second call asks the node for balances only: count the requests it makes
    seen: list[str] = []
    inner = c.transport

    class Counting:
        async def request(self, method: str, params: Any = ()) -> Any:
            seen.append(method)
            return await inner.request(method, params)

        async def batch(self, calls: Any) -> list[Any]:
            seen.extend(m for m, _ in calls)
            return await inner.batch(calls)

        async def aclose(self) -> None:
            pass

    c2 = ChainClient(devnet.chain(cid), Counting(), owns_transport=False)  # type: ignore[arg-type]
    _META[c2] = dict(_META[c])
    t2 = await bal.get_balances_multichain({cid: c2}, tokens.holders, tokens=[tokens.usd[cid]])
    assert t2[cid].token_info[tokens.usd[cid]].decimals == 6
    assert seen == ["eth_call"]  # one eth_call: natives and the token, no metadata request


async def test_iter_balances_streams_the_same_numbers(devnet: Devnet, tokens: Tokens) -> None:
    cids = list(tokens.good)
    clients = {cid: client(devnet, cid) for cid in cids}
    holders = tokens.holders + addresses("tok-stream-extra", 13)
    want = await bal.get_balances_multichain(
        clients, holders, tokens={cid: [tokens.good[cid], tokens.bad[cid]] for cid in cids}
    )

    def gen() -> Any:  # a generator: the stream must not need a list
        yield from holders

    parts = [
        p
        async for p in bal.iter_balances(
            clients,
            gen(),
            tokens={cid: [tokens.good[cid], tokens.bad[cid]] for cid in cids},
            chunk_size=7,
            max_in_flight=2,
        )
    ]
    assert all(p.ok for p in parts)
    assert len(parts) == len(cids) * -(-len(holders) // 7)
    for cid in cids:
        mine = sorted((p for p in parts if p.chain_id == cid), key=lambda p: p.offset)
        assert [a for p in mine for a in p.addresses] == [to_address(h) for h in holders]
        assert len({p.block for p in mine}) == 1 and isinstance(mine[0].block, int)
        nat = [v for p in mine for v in p.balances]
        assert nat == [want.balance(cid, h) for h in holders]
        good = [v for p in mine for v in p.tokens[tokens.good[cid]]]
        assert good == [want.token_balance(cid, tokens.good[cid], h) for h in holders]
        assert all(v is None for p in mine for v in p.tokens[tokens.bad[cid]])


async def test_iter_balances_native_only_and_bad_input(devnet: Devnet) -> None:
    cid = next(iter(devnet.chains))
    c = client(devnet, cid)
    holders = addresses("stream-native", 50)
    await devnet.transport(cid).request("anvil_setBalance", [holders[7], hex(2**255 + 3)])
    got: dict[int, int] = {}
    async for p in bal.iter_balances({cid: c}, holders, chunk_size=16):
        assert p.ok and p.strategy == "override"
        for k, v in enumerate(p.balances):
            got[p.offset + k] = v
    assert [got[i] for i in range(50)] == [
        int(r, 16) for r in await c.batch([("eth_getBalance", [h, "latest"]) for h in holders])
    ]
    assert got[7] == 2**255 + 3
    with pytest.raises(InputError):
        async for _ in bal.iter_balances({cid: c}, [*holders[:3], "0x1234"]):
            pass


async def test_the_facade_reads_tokens_and_streams(devnet: Devnet, tokens: Tokens) -> None:
    """`Interop.balances(tokens=...)` (chains named, not only ids) and `Interop.iter_balances`
    give the numbers `balanceOf` gives, to the wei."""
    from interop.facade import Interop

    cids = list(tokens.good)
    io = Interop([devnet.chains[c] for c in cids], journal=":memory:")
    async with io:
        by_name = {devnet.chains[c].name: [tokens.good[c]] for c in cids}
        table = await io.balances(tokens.holders, tokens=by_name)
        parts = [p async for p in io.iter_balances(tokens.holders, tokens=by_name, chunk_size=5)]
        for cid in cids:
            want = await truth(io.client(cid), tokens.good[cid], tokens.holders)
            got = [table.token_balance(cid, tokens.good[cid], h) for h in tokens.holders]
            assert got == want
            mine = sorted((p for p in parts if p.chain_id == cid), key=lambda p: p.offset)
            assert [v for p in mine for v in p.tokens[tokens.good[cid]]] == want
            assert [v for p in mine for v in p.balances] == [
                table.balance(cid, h) for h in tokens.holders
            ]
