"""The central password: OS keyring only, plain words when there is none, never a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null

from posassist.config import CentralSettings, load_settings
from posassist.errors import ConfigError, SecretStoreError
from posassist.secrets import (
    KeyringSecretStore,
    SessionSecretStore,
    central_password_key,
    keyring_problem,
    open_secret_store,
)


class MemoryKeyring(KeyringBackend):
    """A working OS keyring stand-in (hand-written fake, no mocks)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.values.pop((service, username), None)


class PlaintextKeyring(MemoryKeyring):
    """Looks like keyrings.alt's file backend: must be refused."""


PlaintextKeyring.__module__ = "keyrings.alt.file"


@pytest.fixture
def use_keyring() -> Any:
    import keyring

    before = keyring.get_keyring()

    def use(backend: Any) -> None:
        keyring.set_keyring(backend)

    yield use
    keyring.set_keyring(before)


def test_a_working_keyring_keeps_the_password(use_keyring: Any) -> None:
    backend = MemoryKeyring()
    use_keyring(backend)
    store = open_secret_store()
    assert isinstance(store, KeyringSecretStore)
    assert store.persistent
    key = central_password_key(CentralSettings(host="db.example", user="till"))
    store.set(key, "s3cret")
    assert store.get(key) == "s3cret"
    assert backend.values == {("posassist", "central:till@db.example:5432/posassist"): "s3cret"}
    store.delete(key)
    assert store.get(key) is None


@pytest.mark.parametrize(
    ("backend", "words"),
    [
        (fail.Keyring(), "No OS keyring is available"),
        (null.Keyring(), "switched off"),
        (PlaintextKeyring(), "keeps passwords in a file"),
    ],
)
def test_unusable_keyrings_are_named_plainly_and_the_session_fallback_is_offered(
    use_keyring: Any, backend: Any, words: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    use_keyring(backend)
    problem = keyring_problem()
    assert problem is not None
    assert words in problem
    with pytest.raises(SecretStoreError, match=words):
        open_secret_store(allow_session=False)
    store = open_secret_store()
    assert isinstance(store, SessionSecretStore)
    assert not store.persistent
    assert words in store.notice
    store.set("k", "for-this-session")
    assert store.get("k") == "for-this-session"
    # Nothing was written anywhere under the (temporary) home folder.
    assert list(tmp_path.rglob("*")) == []
    if isinstance(backend, PlaintextKeyring):
        assert backend.values == {}


def test_a_chainer_with_nothing_to_chain_is_no_keyring() -> None:
    class EmptyChainer(chainer.ChainerBackend):
        backends = []  # type: ignore[assignment]  # noqa: RUF012

    assert "No OS keyring" in (keyring_problem(EmptyChainer()) or "")


def test_central_settings_are_read_and_checked(tmp_path: Path) -> None:
    config = tmp_path / "settings.toml"
    config.write_text(
        '[central]\nhost = "db.chain.local"\nport = 6432\ndatabase = "chain"\n'
        'user = "till"\nregister_id = "6f1c2f1e-2c55-4b55-9d3e-8c5c2b1f0a11"\n',
        encoding="utf-8",
    )
    central = load_settings(config_file=config, env={}).central
    assert central.enabled
    assert (central.host, central.port, central.database, central.user) == (
        "db.chain.local",
        6432,
        "chain",
        "till",
    )
    config.write_text('[central]\nhost = "x"\n\nregister_id = "till-7"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"{config}:4.*register_id"):
        load_settings(config_file=config, env={})
    config.write_text('[central]\nhost = "x"\nport = 99999\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"{config}:3.*port"):
        load_settings(config_file=config, env={})
    env = {"POSASSIST_CENTRAL_HOST": "10.0.0.5", "POSASSIST_CENTRAL_PORT": "5433"}
    config.write_text("", encoding="utf-8")
    central = load_settings(config_file=config, env=env).central
    assert (central.host, central.port) == ("10.0.0.5", 5433)
