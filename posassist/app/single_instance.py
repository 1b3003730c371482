"""One window per data folder: a second start brings the running one to the front.

The instance lock (``storage/database.py``) already refuses a second writer of the
store; this module makes that refusal useful to the cashier who double-clicks the icon
again because the window is lost behind the till software. Split out of ``app/gui.py``
(the composition root's window half) because it is one cohesive job: a local socket
name per data folder, the server the running window listens on, and the client a
second start asks with.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posassist.errors import KnownError

if TYPE_CHECKING:
    from posassist.ui.main_window import MainWindow

log = logging.getLogger(__name__)


def instance_server_name(data_dir: Path) -> str:
    """One name per data folder (the instance lock's scope), short enough for a socket."""
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:16]
    return f"posassist-{digest}"


class InstanceServer:
    """The running window listens here; a second start asks it to come to the front.

    The instance lock already refuses a second writer of the store; this makes the
    refusal useful: the cashier who double-clicks the icon again sees the window they
    lost behind the till software. Held only while we hold the lock, so a socket left
    by a crashed run is stale and removed before listening.
    """

    SHOW = b"show\n"

    def __init__(self, name: str, on_show: Callable[[], None]) -> None:
        from PySide6.QtNetwork import QLocalServer

        self._on_show = on_show
        QLocalServer.removeServer(name)
        self._server = QLocalServer()
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not self._server.listen(name):
            log.warning("no second-instance server %s: %s", name, self._server.errorString())
        self._server.newConnection.connect(self._accept)

    def _accept(self) -> None:
        while (conn := self._server.nextPendingConnection()) is not None:
            conn.readyRead.connect(lambda c=conn: self._read(c))
            conn.disconnected.connect(conn.deleteLater)
            if conn.bytesAvailable():
                self._read(conn)

    def _read(self, conn: Any) -> None:
        if bytes(conn.readAll().data()).startswith(self.SHOW.strip()):
            log.info("show request from a second posassist: bringing the window to the front")
            self._on_show()

    def close(self) -> None:
        self._server.close()


def ask_running_instance_to_show(name: str, timeout_ms: int = 1000) -> bool:
    """Tell the window already running on this data folder to come to the front."""
    from PySide6.QtNetwork import QLocalSocket

    sock = QLocalSocket()
    sock.connectToServer(name)
    if not sock.waitForConnected(timeout_ms):
        return False
    sock.write(InstanceServer.SHOW)
    sent = sock.waitForBytesWritten(timeout_ms)
    sock.disconnectFromServer()
    return bool(sent)


def bring_to_front(window: MainWindow) -> None:
    from PySide6.QtCore import Qt

    window.setWindowState(window.windowState() & ~Qt.WindowState.WindowMinimized)
    window.raise_()
    window.activateWindow()


def raised_other(
    exc: KnownError, data_dir: Path | None, demo: bool, config_file: Path | None
) -> KnownError:
    """When a window already runs on this store, bring it forward and say so."""
    from posassist.app.backend import resolve_settings  # the store's stack: after the paint

    try:
        settings = resolve_settings(data_dir, demo=demo, config_file=config_file)
    except KnownError:
        return exc
    if not ask_running_instance_to_show(instance_server_name(settings.data_dir)):
        return exc
    hint = "It was brought to the front; use that window."
    return KnownError(exc.message, hint=hint)
