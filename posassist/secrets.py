"""Where the central database password lives: the OS keyring, or this session only.

DESIGN.md: secrets live in the OS keyring only. A headless Linux register often has
no keyring daemon; ``keyring`` then silently picks a backend that fails on every call
(``fail``), swallows everything (``null``), or chains nothing. We detect those and
say so in plain words instead of pretending the password was saved, and we offer a
store that keeps it in memory for the current session. We never fall back to a
backend that writes secrets into a file (``keyrings.alt``): a password in a plain
file on a shop PC is readable by anyone with the disk.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from posassist.config import CentralSettings
from posassist.errors import SecretStoreError

SERVICE = "posassist"

# Backends whose whole point is a file on disk: refused even if keyring would pick them.
_FILE_BACKEND_MODULES = ("keyrings.alt",)
_FILE_BACKEND_NAMES = ("plaintext", "encryptedkeyring")


@runtime_checkable
class SecretStore(Protocol):
    """Get, keep and forget one secret by key. Implementations never write plain files."""

    @property
    def description(self) -> str:
        """Where the secret is kept, in words for store IT."""
        ...

    @property
    def persistent(self) -> bool:
        """True when the secret survives a restart (an OS keyring)."""
        ...

    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str) -> None: ...

    def delete(self, key: str) -> None: ...


def central_password_key(central: CentralSettings) -> str:
    """One keyring entry per server and user, so a second chain DB never gets our password."""
    return f"central:{central.user}@{central.host}:{central.port}/{central.database}"


def _backend_name(backend: Any) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def keyring_problem(backend: Any | None = None) -> str | None:
    """Why ``backend`` (default: the one keyring chose) cannot hold a secret, or None.

    Written for store IT: what is missing, in words.
    """
    if backend is None:
        import keyring

        backend = keyring.get_keyring()
    from keyring.backends import chainer, fail, null

    name = _backend_name(backend)
    if isinstance(backend, fail.Keyring):
        return (
            "No OS keyring is available on this computer (no Secret Service, KWallet, "
            "Windows Credential Manager or macOS Keychain was found)."
        )
    if isinstance(backend, null.Keyring):
        return "The OS keyring is switched off (the 'null' keyring backend is configured)."
    if isinstance(backend, chainer.ChainerBackend):
        viable = [b for b in backend.backends if keyring_problem(b) is None]
        if not viable:
            return "No OS keyring is available on this computer (none of the keyrings works)."
        return None
    lowered = name.lower()
    if lowered.startswith(_FILE_BACKEND_MODULES) or any(
        part in type(backend).__name__.lower() for part in _FILE_BACKEND_NAMES
    ):
        return (
            f"The configured keyring ({name}) keeps passwords in a file; posassist refuses "
            "to store a password that way."
        )
    return None


class KeyringSecretStore:
    """The OS keyring through ``keyring``. Raises :class:`SecretStoreError` in plain words."""

    def __init__(self, backend: Any | None = None) -> None:
        import keyring

        self._backend = backend if backend is not None else keyring.get_keyring()
        problem = keyring_problem(self._backend)
        if problem is not None:
            raise SecretStoreError(problem, hint=_NO_KEYRING_HINT)

    @property
    def description(self) -> str:
        return f"the OS keyring ({_backend_name(self._backend)})"

    @property
    def persistent(self) -> bool:
        return True

    def get(self, key: str) -> str | None:
        from keyring.errors import KeyringError

        try:
            value = self._backend.get_password(SERVICE, key)
        except KeyringError as exc:
            raise SecretStoreError(
                f"The OS keyring refused to give the password ({exc}).",
                hint="Unlock the keyring (log in to the desktop session) and try again.",
            ) from exc
        return None if value is None else str(value)

    def set(self, key: str, value: str) -> None:
        from keyring.errors import KeyringError

        try:
            self._backend.set_password(SERVICE, key, value)
        except KeyringError as exc:
            raise SecretStoreError(
                f"The OS keyring refused to store the password ({exc}).",
                hint="Unlock the keyring (log in to the desktop session) and try again.",
            ) from exc

    def delete(self, key: str) -> None:
        from keyring.errors import KeyringError, PasswordDeleteError

        try:
            self._backend.delete_password(SERVICE, key)
        except PasswordDeleteError:
            return  # nothing stored: forgetting it is already done
        except KeyringError as exc:
            raise SecretStoreError(
                f"The OS keyring refused to forget the password ({exc})."
            ) from exc


class SessionSecretStore:
    """Keeps secrets in this process's memory only: gone when posassist exits.

    The fallback when there is no usable OS keyring. ``notice`` says why, so the
    window and ``posassist doctor`` can tell store IT.
    """

    def __init__(self, notice: str = "") -> None:
        self._values: dict[str, str] = {}
        self.notice = notice

    @property
    def description(self) -> str:
        return "this session only (not saved)"

    @property
    def persistent(self) -> bool:
        return False

    def get(self, key: str) -> str | None:
        return self._values.get(key)

    def set(self, key: str, value: str) -> None:
        self._values[key] = value

    def delete(self, key: str) -> None:
        self._values.pop(key, None)


_NO_KEYRING_HINT = (
    "Install and unlock an OS keyring (on Linux: gnome-keyring or KWallet with a desktop "
    "login), or enter the password each time posassist starts; it is kept for that "
    "session only."
)


def open_secret_store(*, allow_session: bool = True) -> SecretStore:
    """The OS keyring if it works; otherwise a session-only store (or raise).

    With ``allow_session=False`` (e.g. ``posassist central password``, whose whole
    point is to save the password) an unusable keyring is an error.
    """
    try:
        return KeyringSecretStore()
    except SecretStoreError as exc:
        if not allow_session:
            raise
        return SessionSecretStore(
            notice=f"{exc.message} The password is kept for this session only."
        )
