"""Why a connection to the central database failed, in words store IT can act on.

A wrong password, an unknown user and a missing database used to read "Cannot reach the
central database" with advice to check the network cable: the cashier's manager then
checked cables while the fix was in the settings. Each problem here has a ``kind``
(a stable name the status bar and ``doctor`` key on), a message and a hint.

How a problem is recognised: by SQLSTATE where psycopg has one (errors raised by a
statement on an open connection, e.g. 42P01 undefined_table), else by the text libpq
gives. psycopg 3 raises a plain ``OperationalError`` with ``sqlstate = None`` for every
failure *while connecting* (the server's FATAL message arrives before there is a
result to read a code from), so for connection failures the text is all there is. The
patterns match the English texts of libpq and PostgreSQL 12–17; a server set to
another ``lc_messages`` language falls through to kind ``other``, which still shows the
server's own words.

PostgreSQL does not tell an unknown user from a wrong password when the server asks
for a password (on purpose: it would let anyone probe for user names); both read
"password authentication failed", kind ``password``. It says "role … does not exist"
(kind ``unknown_user``) only where no password is asked (trust, peer, cert rules).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from posassist.errors import SyncError

_SETTINGS = "the settings file's [central] section"
# A push's lock waits ran out while other registers' pushes went first (lock_not_available).
BUSY = "busy"
NETWORK_HINT = (
    "Check the network cable or Wi-Fi, that the server is up, and [central] host and "
    "port in the settings. The register keeps working offline meanwhile."
)


@dataclass(frozen=True, slots=True)
class Problem:
    """One kind of failure: how to recognise it, and what to say (``{where}`` = target)."""

    kind: str
    label: str  # a few words for the status bar
    sqlstates: tuple[str, ...]
    # A regular expression searched in libpq's message, case-insensitive; None for a
    # problem only a second attempt can recognise.
    pattern: str | None
    message: str
    hint: str


# Order matters: the first match wins (a password refusal before any pg_hba text, a
# lost connection after a refused one).
PROBLEMS: tuple[Problem, ...] = (
    Problem(
        "password",
        "password refused",
        ("28P01",),
        r"password authentication failed",
        "The central database{where} refused the password for this user.",
        "Either the password is wrong or the user does not exist on the server (PostgreSQL "
        f"does not say which). Check the user in {_SETTINGS}, then store the right "
        "password with `posassist central password`.",
    ),
    Problem(
        "no_password",
        "password needed",
        (),
        r"no password supplied|fe_sendauth",
        "The central database{where} asks for a password, and none is stored here.",
        "Store it with `posassist central password` (or click 'enter password' in the "
        "window's status bar).",
    ),
    Problem(
        "unknown_user",
        "unknown user",
        (),
        r'role "[^"]*" does not exist',
        "The central database{where} has no user of that name.",
        f"Check the user in {_SETTINGS}, or create the user on the server (CREATE ROLE … LOGIN).",
    ),
    Problem(
        "no_database",
        "no such database",
        ("3D000",),
        r'database "[^"]*" does not exist',
        "The central database{where} does not exist on that server.",
        f"Check the database name in {_SETTINGS}; if it is right, create it on the server "
        "(createdb), then run `posassist central init`.",
    ),
    Problem(
        "tls_required",
        "server requires TLS",
        (),
        None,  # libpq's text cannot tell: see posassist.sync.central.link.explain
        "The central database{where} accepts only encrypted (TLS) connections, and this "
        "register asked for an unencrypted one.",
        f"Set sslmode = require (or verify-full) in {_SETTINGS}.",
    ),
    Problem(
        "tls_unsupported",
        "server has no TLS",
        (),
        r"server does not support SSL",
        "The central database{where} does not support TLS, but the settings require it.",
        "Ask the server's administrator to turn TLS on (ssl = on in postgresql.conf); only "
        f"on a network you trust, set sslmode = prefer in {_SETTINGS} instead.",
    ),
    Problem(
        "tls_certificate",
        "TLS certificate problem",
        (),
        r"certificate|root cert|SSL error",
        "The central database{where} offered a TLS certificate this register cannot verify.",
        "Install the server's CA certificate for this user (~/.postgresql/root.crt), or "
        "ask the server's administrator which certificate it uses.",
    ),
    Problem(
        "not_allowed",
        "not allowed by the server",
        ("28000",),
        r"no pg_hba\.conf entry",
        "The central database{where} does not accept connections from this register "
        "for this user and database.",
        "Ask the server's administrator to add a pg_hba.conf rule for this register's "
        "address, user and database.",
    ),
    Problem(
        "too_many_connections",
        "server has no free connections",
        ("53300",),
        r"too many clients|remaining connection slots are reserved",
        "The central database{where} has no free connections left.",
        "Too many registers or programs are connected at once. The register retries on "
        "its own; if it lasts, ask the server's administrator to raise max_connections "
        "or find what holds connections open (pg_stat_activity).",
    ),
    Problem(
        BUSY,
        "central busy",
        ("55P03",),  # lock_not_available: a push's lock wait ran out (sync/central/push.py)
        None,  # the text says "lock timeout", which the pattern of "timeout" would take
        "The central database{where} is busy with other registers' changes; this "
        "register's changes were not sent this time.",
        "Nothing is lost: the register sends them again on its own. If this lasts, the "
        "central server is near its limit for this many registers: see docs/scaling.md.",
    ),
    Problem(
        "server_starting",
        "server starting",
        ("57P03",),
        r"database system is (starting up|shutting down|in recovery)",
        "The central database server{where} is starting up or shutting down.",
        "Wait a minute; the register retries on its own.",
    ),
    Problem(
        "unknown_host",
        "unknown host",
        (),
        r"could not translate host name|Name or service not known",
        "Cannot reach the central database{where}: that host name is not known.",
        f"Check the host in {_SETTINGS} and the register's DNS (try the server's IP address).",
    ),
    Problem(
        "timeout",
        "no answer",
        (),
        r"timeout expired|timed out|did not answer within",
        "Cannot reach the central database{where}: the server did not answer in time "
        "(the network may be hanging).",
        NETWORK_HINT,
    ),
    Problem(
        "unreachable",
        "server unreachable",
        ("08001", "08006"),
        r"connection refused|no route to host|network is unreachable|"
        r"server closed the connection|could not connect|connection reset",
        "Cannot reach the central database{where}: nothing answers on that address and port.",
        NETWORK_HINT,
    ),
    Problem(
        "not_initialised",
        "central not set up",
        ("42P01",),
        r'relation "[^"]*" does not exist',
        "The central database{where} has no posassist tables.",
        "Run `posassist central init` once to create them.",
    ),
)

_BY_KIND = {p.kind: p for p in PROBLEMS}
# Not the link at all: this register's own store refused what it received (a full or
# read-only disk); the sync loop reports it under this kind and retries.
STORE_PROBLEM = "store"
LABELS = {**{p.kind: p.label for p in PROBLEMS}, STORE_PROBLEM: "this register's store cannot save"}
NETWORK_KINDS = frozenset({"timeout", "unreachable", "unknown_host", "other"})
PASSWORD_KINDS = frozenset({"password", "no_password"})


def classify(exc: BaseException) -> Problem | None:
    """The problem ``exc`` shows: by its SQLSTATE where it has one, else by its text."""
    sqlstate = getattr(exc, "sqlstate", None)
    if sqlstate:
        for problem in PROBLEMS:
            if sqlstate in problem.sqlstates:
                return problem
    text = str(exc)
    for problem in PROBLEMS:
        if problem.pattern and re.search(problem.pattern, text, re.IGNORECASE | re.DOTALL):
            return problem
    return None


def problem_error(kind: str, where: str = "") -> SyncError:
    """The SyncError for a known ``kind`` (for failures noticed outside psycopg)."""
    p = _BY_KIND[kind]
    return SyncError(p.message.format(where=where), hint=p.hint, kind=p.kind)


def explain_problem(exc: BaseException, where: str = "") -> SyncError:
    """A SyncError with a kind, message and hint; kind ``other`` keeps the raw text."""
    problem = classify(exc)
    if problem is not None:
        return problem_error(problem.kind, where)
    text = " ".join(str(exc).split()) or type(exc).__name__
    return SyncError(
        f"Cannot reach the central database{where}: {text}", hint=NETWORK_HINT, kind="other"
    )
