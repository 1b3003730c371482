"""Connecting to the central PostgreSQL database, and saying why it failed.

Connection (DESIGN.md "Connection"): psycopg 3 with ``connect_timeout``,
``tcp_user_timeout`` and keepalives, so a dead server or a cut cable is noticed in
seconds rather than at the kernel's two-hour default. Those do not help when the
link *hangs* with the TCP connection still acknowledged (a stuck proxy or VPN), so
every use of the connection also runs under a hard deadline: a watchdog shuts the
socket down and the blocked call returns with an error. The caller then treats the
outcome as unknown and resends the same op ids later.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import errors as pgerrors
from sqlalchemy import literal, select

from posassist.config import CentralSettings
from posassist.errors import SyncError
from posassist.sync.central.problems import (
    NETWORK_HINT,
    NETWORK_KINDS,
    classify,
    explain_problem,
    problem_error,
)
from posassist.sync.central.sql import Query, run

log = logging.getLogger(__name__)

_PING = Query(select(literal(1)))


@dataclass(frozen=True)
class CentralTarget:
    """Everything needed to open a connection; built fresh so a new password applies."""

    host: str
    port: int
    dbname: str
    user: str
    password: str | None = None
    sslmode: str = "prefer"
    connect_timeout: int = 5
    tcp_user_timeout_ms: int = 15_000
    statement_timeout_ms: int = 60_000

    @classmethod
    def from_settings(cls, central: CentralSettings, password: str | None) -> CentralTarget:
        return cls(
            host=central.host,
            port=central.port,
            dbname=central.database,
            user=central.user,
            password=password,
            sslmode=central.sslmode,
            connect_timeout=central.connect_timeout,
        )

    def describe(self) -> str:
        return f"{self.user}@{self.host}:{self.port}/{self.dbname}"

    def conninfo(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "dbname": self.dbname,
            "user": self.user,
            "sslmode": self.sslmode,
            "connect_timeout": self.connect_timeout,
            "tcp_user_timeout": self.tcp_user_timeout_ms,
            "keepalives": 1,
            "keepalives_idle": 10,
            "keepalives_interval": 5,
            "keepalives_count": 3,
            "application_name": "posassist",
            # A register whose link dies mid-push must not hold the change-log lock (and so
            # every other register's push) until the server's TCP keepalive gives up.
            "options": (
                f"-c statement_timeout={self.statement_timeout_ms} "
                f"-c idle_in_transaction_session_timeout={self.statement_timeout_ms // 2} "
                "-c timezone=UTC"
            ),
        }
        if self.password:
            info["password"] = self.password
        return info


def explain(exc: BaseException, target: CentralTarget | None = None) -> SyncError:
    """Turn a psycopg error into a message store IT can act on (see :mod:`.problems`).

    One case needs a second attempt: "no pg_hba.conf entry …, no encryption" reads the
    same whether the server takes only TLS (a ``hostssl`` rule) or does not take this
    register at all. When the settings did not try TLS, one TLS attempt tells them
    apart: if that one gets past pg_hba.conf, the server requires TLS.
    """
    where = f" at {target.describe()}" if target else ""
    error = explain_problem(exc, where)
    if (
        target is not None
        and error.kind == "not_allowed"
        and "no encryption" in str(exc)
        and target.sslmode in ("disable", "allow")
        and _tls_gets_in(target)
    ):
        return problem_error("tls_required", where)
    return error


def _tls_gets_in(target: CentralTarget) -> bool:
    """Would pg_hba.conf let this target in over TLS? Refused later (a wrong password,
    say) also counts as yes: pg_hba.conf matched a rule to get that far."""
    info = {**target.conninfo(), "sslmode": "require"}
    try:
        psycopg.connect(**info).close()
    except psycopg.Error as exc:
        problem = classify(exc)
        return problem is not None and problem.kind not in NETWORK_KINDS | {
            "not_allowed",
            "tls_unsupported",
            "tls_certificate",
        }
    return True


def _transient(exc: BaseException) -> bool:
    return isinstance(
        exc,
        psycopg.OperationalError
        | psycopg.InterfaceError
        | pgerrors.InvalidPassword
        | pgerrors.InvalidAuthorizationSpecification
        | pgerrors.UndefinedTable
        | pgerrors.InvalidCatalogName,
    )


# A push's lock waits end at this share of the op timeout (at least LOCK_WAIT_MIN_MS).
LOCK_WAIT_SHARE = 0.8
LOCK_WAIT_MIN_MS = 500


class CentralLink:
    """One reused connection to the central database, every use under a deadline.

    Not thread-safe by design: one sync worker owns it. ``abort()`` alone may be
    called from another thread (to stop a hanging call at shutdown).
    """

    IDLE_PING_SECONDS = 10.0

    def __init__(self, target: Callable[[], CentralTarget], *, op_timeout: float = 30.0) -> None:
        self._target = target
        self.op_timeout = op_timeout
        self._conn: psycopg.Connection[Any] | None = None
        self._last_used = 0.0
        self._guard = threading.Lock()
        self._armed: psycopg.Connection[Any] | None = None
        self._fired = False
        self.connected_target: CentralTarget | None = None
        self._timer: threading.Timer | None = None

    # -- the watchdog ----------------------------------------------------------------
    def _cut(self) -> None:
        """Shut the armed connection's socket down so a blocked call returns at once."""
        with self._guard:
            conn = self._armed
            if conn is None:
                return
            self._fired = True
            try:
                fd = conn.fileno()
                dup = socket.socket(fileno=os.dup(fd))
            except (OSError, psycopg.Error) as exc:
                log.info("watchdog found no socket to cut: %s", exc)
                return
            try:
                dup.shutdown(socket.SHUT_RDWR)
            except OSError as exc:
                log.info("watchdog could not shut the socket down: %s", exc)
            finally:
                dup.close()

    def abort(self) -> None:
        """From any thread: end the current call now (used when the app quits)."""
        self._cut()

    def _arm(self) -> None:
        timer = threading.Timer(self.op_timeout, self._cut)
        timer.daemon = True
        if self._timer is not None:
            self._timer.cancel()
        self._timer = timer
        timer.start()

    def lock_wait_ms(self) -> int:
        """How long one lock wait on the server may last: well inside ``op_timeout``, so
        a push queued behind others ends as "busy" (lock_not_available) before this
        watchdog would take the server's silence for a hanging network."""
        return max(LOCK_WAIT_MIN_MS, int(self.op_timeout * 1000 * LOCK_WAIT_SHARE))

    def still_working(self) -> None:
        """Inside ``use()``: the work is progressing, give it ``op_timeout`` afresh.

        A snapshot read takes longer than any one deadline, yet each chunk of it must
        still arrive within one: a link that hangs mid-snapshot is cut as any other.
        """
        self._arm()

    # -- connecting ------------------------------------------------------------------
    def _connect(self) -> psycopg.Connection[Any]:
        target = self._target()
        try:
            conn = psycopg.connect(**target.conninfo(), autocommit=True)
        except psycopg.Error as exc:
            raise explain(exc, target) from exc
        self.connected_target = target
        return conn

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.closed:
            try:
                conn.close()
            except psycopg.Error as exc:
                log.info("closing the central connection: %s", exc)

    @contextmanager
    def use(self) -> Iterator[psycopg.Connection[Any]]:
        """The connection, for one unit of work that must finish within ``op_timeout``."""
        with self._guard:
            self._fired = False
        self._arm()
        try:
            conn = self._conn
            if conn is not None and (conn.closed or conn.broken):
                self.close()
                conn = None
            if conn is not None and time.monotonic() - self._last_used > self.IDLE_PING_SECONDS:
                conn = self._ping(conn)
            if conn is None:
                conn = self._conn = self._connect()
            with self._guard:
                self._armed = conn
            yield conn
            self._last_used = time.monotonic()
        except (psycopg.Error, OSError) as exc:
            self.close()
            if self._fired:
                raise SyncError(
                    f"The central database did not answer within {self.op_timeout:.0f} s "
                    "(the network may be hanging).",
                    hint=NETWORK_HINT,
                    kind="timeout",
                ) from exc
            if isinstance(exc, OSError) or _transient(exc):
                raise explain(exc, self.connected_target) from exc
            raise
        finally:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            with self._guard:
                self._armed = None

    def _ping(self, conn: psycopg.Connection[Any]) -> psycopg.Connection[Any] | None:
        """pool_pre_ping, by hand: an idle connection may have died quietly."""
        with self._guard:
            self._armed = conn
        try:
            run(conn, _PING)
            return conn
        except psycopg.Error as exc:
            log.info("idle central connection was dead (%s); reconnecting", exc)
            self.close()
            return None
