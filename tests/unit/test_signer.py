"""Key safety: a SafeSigner never reveals its key, and signs only EIP-155 transactions."""

from __future__ import annotations

import copy
import logging
import pickle
from typing import Any

import pytest
import rlp
from eth_account import Account
from eth_utils.crypto import keccak

from interop.devnet.anvil import DEV_ACCOUNTS
from interop.errors import InputError, MissingSignerError
from interop.signer import (
    SafeSigner,
    Signer,
    account_from_env,
    account_from_key,
    redact,
    require_signer,
)

KEY = "0x" + keccak(b"interop unit tests: signer key").hex()
FORMS = (KEY, KEY[2:], KEY.upper(), KEY[2:].upper(), "0X" + KEY[2:].upper())
TO = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"


def _assert_clean(*texts: str) -> None:
    for text in texts:
        assert KEY[2:] not in text.lower(), "key material leaked"


def _tx(**kw: Any) -> dict[str, Any]:
    tx: dict[str, Any] = {
        "to": TO,
        "value": 1,
        "gas": 21_000,
        "nonce": 0,
        "maxFeePerGas": 2 * 10**9,
        "maxPriorityFeePerGas": 10**9,
        "chainId": 10,
    }
    tx.update(kw)
    return {k: v for k, v in tx.items() if v is not None}


def test_address_matches_the_well_known_anvil_account() -> None:
    # anvil / hardhat account 0 for "test test ... junk" (public test key)
    address, key = DEV_ACCOUNTS[0]
    assert account_from_key(key).address == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    assert account_from_key(key[2:]).address == address
    assert account_from_key(bytes.fromhex(key[2:])).address == address
    assert account_from_key(f"  {key}\n").address == address


@pytest.mark.parametrize("form", FORMS)
def test_every_spelling_of_the_key_loads(form: str) -> None:
    assert account_from_key(form).address == Account.from_key(KEY).address


def test_repr_str_format_show_only_the_address() -> None:
    s = account_from_key(KEY)
    texts = [
        repr(s),
        str(s),
        f"{s}",
        f"{s!r}",
        f"{s:>80}",
        "%s %r" % (s, s),  # noqa: UP031  (what logging does)
        repr([s]),
        repr({1: s}),
    ]
    _assert_clean(*texts)
    assert all(s.address in t for t in texts)
    assert not hasattr(s, "__dict__")
    assert not hasattr(s, "key") and not hasattr(s, "private_key")


def test_logging_at_debug_never_shows_the_key(caplog: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("interop.test")
    caplog.set_level(logging.DEBUG)
    s = account_from_key(KEY)
    log.debug("signer %s / %r", s, s)
    log.debug("as arg", extra={"signer": s})
    try:
        account_from_key(KEY[:-1])
    except InputError:
        log.exception("key load failed")
    try:
        s.sign_transaction(_tx(to="0xnot-an-address"))
    except InputError:
        log.exception("signing failed")
    assert len(caplog.records) == 4
    _assert_clean(caplog.text, *(r.getMessage() for r in caplog.records))


def test_pickle_and_copy_refused_without_echo() -> None:
    s = account_from_key(KEY)
    for action in (pickle.dumps, copy.copy, copy.deepcopy, lambda x: pickle.dumps(x, 5)):
        with pytest.raises(TypeError) as info:
            action(s)
        _assert_clean(str(info.value), repr(info.value))


@pytest.mark.parametrize(
    "bad",
    [
        KEY[:-1],
        KEY[:-2],
        KEY + "00",
        KEY[:10] + "zz" + KEY[12:],
        KEY[2:] + " junk",
        "0x" + "00" * 32,
    ],
)
def test_bad_keys_never_echoed(bad: str) -> None:
    with pytest.raises(InputError) as info:
        account_from_key(bad)
    err = info.value
    assert err.__cause__ is None and err.__suppress_context__
    _assert_clean(str(err), repr(err), repr(err.args), err.message, err.hint or "")
    assert bad not in str(err)


def test_non_string_key_refused_without_echo() -> None:
    with pytest.raises(InputError) as info:
        account_from_key(int(KEY, 16))  # type: ignore[arg-type]
    _assert_clean(str(info.value))
    assert str(int(KEY, 16)) not in str(info.value)


def test_signs_eip1559_with_chain_id_and_recovers() -> None:
    s = account_from_key(KEY)
    signed = s.sign_transaction(_tx(chainId=10))
    raw = bytes(signed.raw_transaction)
    assert raw[0] == 2
    assert rlp.decode(raw[1:])[0] == b"\x0a"  # chain id is the first field of a type-2 payload
    assert Account.recover_transaction(raw) == s.address


def test_signs_legacy_with_eip155_v() -> None:
    s = account_from_key(KEY)
    tx = _tx(chainId=31338, maxFeePerGas=None, maxPriorityFeePerGas=None, gasPrice=10**9)
    signed = s.sign_transaction(tx)
    v = rlp.decode(bytes(signed.raw_transaction))[6]
    assert int.from_bytes(v, "big") in (31338 * 2 + 35, 31338 * 2 + 36)  # EIP-155


@pytest.mark.parametrize("chain_id", [None, 0, -1, "10", True, 1.0])
def test_refuses_to_sign_without_a_proper_chain_id(chain_id: object) -> None:
    s = account_from_key(KEY)
    tx = _tx(chainId=None)
    if chain_id is not None:
        tx["chainId"] = chain_id
    with pytest.raises(InputError, match="chain id"):
        s.sign_transaction(tx)


def test_signing_errors_are_redacted() -> None:
    class Leaky:
        address = TO

        def sign_transaction(self, transaction_dict: dict[str, Any]) -> Any:
            raise ValueError(f"bad key {KEY.upper()} / {KEY}")

        key = bytes.fromhex(KEY[2:])

    with pytest.raises(InputError) as info:
        SafeSigner(Leaky()).sign_transaction(_tx())
    _assert_clean(str(info.value), repr(info.value))
    assert "<redacted>" in str(info.value)
    assert info.value.__cause__ is None


def test_redact_every_spelling() -> None:
    secret = bytes.fromhex(KEY[2:])
    for form in FORMS:
        out = redact(f"a {form} b", secret)
        assert out == "a <redacted> b"
    assert redact("nothing here", secret) == "nothing here"
    assert redact("x", None) == "x"


def test_wrapping_is_idempotent_and_a_signer() -> None:
    inner = account_from_key(KEY)
    outer = SafeSigner(inner)
    assert isinstance(outer, Signer)
    assert outer.address == inner.address
    assert outer.sign_transaction(_tx()).hash == inner.sign_transaction(_tx()).hash


def test_require_signer_and_env(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(MissingSignerError, match="transfer"):
        require_signer(None, "send a transfer")
    s = account_from_key(KEY)
    assert require_signer(s) is s
    monkeypatch.delenv("INTEROP_TEST_KEY", raising=False)
    with pytest.raises(MissingSignerError):
        account_from_env("INTEROP_TEST_KEY")
    monkeypatch.setenv("INTEROP_TEST_KEY", KEY)
    assert account_from_env("INTEROP_TEST_KEY").address == s.address
    monkeypatch.setenv("INTEROP_TEST_KEY", KEY[:-3])
    with pytest.raises(InputError) as info:
        account_from_env("INTEROP_TEST_KEY")
    _assert_clean(str(info.value))
