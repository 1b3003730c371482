"""No log posassist writes holds a PIN, a password or a customer's personal data.

A realistic session runs through the services and the command line with distinctive
people (names, phones in every format, e-mails, notes): add, look up, log visits with
notes, reveal, export, edit, erase, a sync that fails with a password stored, refusals,
and a bug (a database error on a customer row) written to the crash log. Logging is as
the app sets it up (``app/log_scrub.py``: every root handler scrubbed), at DEBUG into a
log file of the test's own, so nothing any module logs escapes the search. Then every
log file (that one, ``crash.log`` and any ``*.log`` in the data folder) and what the
commands wrote to stderr is searched for each secret.
"""

from __future__ import annotations

import logging
import socket
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from posassist.app import Backend
from posassist.app.gui import CrashLog
from posassist.app.log_scrub import ScrubFilter
from posassist.cli import main
from posassist.errors import KnownError
from posassist.secrets import SessionSecretStore, central_password_key
from posassist.services.customers import ContactDetails, NewCustomer
from posassist.services.interactions import LineItem
from posassist.services.sync import SyncService
from posassist.storage.orm import Customer
from tests.conftest import MovableClock, make_backend

PASSWORD = "Pw-Sekret-9931-zq"
PIN = "482913"
PEOPLE = (
    ("Thaddeus Marchbanks", "(212) 555-0176", "thad.marchbanks@example.com", "PA00031337"),
    ("Ines Vaszary", "+1 646 555 0193", "ines.vaszary@example.org", "PA00042421"),
)
NOTES = ("wants the walnut desk lamp", "Vaszary prefers mornings", "gift for Marchbanks jr")
SECRETS = (
    PASSWORD, PIN, *NOTES, "walnut", "Thaddeus", "Marchbanks", "Ines", "Vaszary",
    "thad.marchbanks@example.com", "ines.vaszary@example.org", "PA00031337", "PA00042421",
    "+12125550176", "212-555-0176", "2125550176", "555-0176", "5550176", "555 0176",
    "+16465550193", "646-555-0193", "6465550193", "555 0193", "555-0193", "5550193",
)  # fmt: skip


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    """Every record at DEBUG into one file, through the app's scrubbing filter."""
    path = tmp_path / "logs" / "posassist.log"
    path.parent.mkdir()
    root = logging.getLogger()
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.addFilter(ScrubFilter())
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield path
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        handler.close()


def _unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _services_session(backend: Backend, tmp_path: Path) -> None:
    ids = []
    for name, phone, email, card in PEOPLE:
        ids.append(
            backend.customers.create(
                NewCustomer(name, phone=phone, email=email, card_code=card, consent_contact=True)
            )
        )
        backend.customers.search(name.split()[1].lower())
        backend.customers.search(phone)
        backend.customers.search(email)
    thad, ines = ids
    backend.customers.update_notes(thad, NOTES[0], NOTES[2])
    backend.interactions.log(thad, "purchase", basket_minor=4200, items=[LineItem("walnut lamp")])
    backend.interactions.log(ines, "service", note=NOTES[1])
    backend.customers.reveal_contact(thad)
    (tmp_path / "export").mkdir()
    backend.exports.export("PA00031337", tmp_path / "export" / "thad.json")
    backend.customers.edit(
        ines, ContactDetails("Ines Vaszary", "+1 646 555 0193", "", "PA00042421", True)
    )
    for refused in (
        lambda: backend.customers.create(
            NewCustomer(f"{PEOPLE[0][0]} {PIN}", card_code=PEOPLE[0][3])
        ),
        lambda: backend.customers.find_by_card_or_phone("Thaddeus Marchbanks"),
    ):
        with pytest.raises(KnownError):
            refused()
    _failing_sync(backend)
    _bug_in_the_crash_log(backend)
    backend.privacy.erase_customer(ines)


def _failing_sync(backend: Backend) -> None:
    """A sync with a password stored, to a server that is not there."""
    secrets = SessionSecretStore()
    sync = SyncService(backend.ctx, secrets, names=backend.customers.names)
    sync.remember_password(PASSWORD)
    assert secrets.get(central_password_key(backend.ctx.settings.central)) == PASSWORD
    with pytest.raises(KnownError) as failed:
        sync.sync_once()
    assert PASSWORD not in str(failed.value)


def _bug_in_the_crash_log(backend: Backend) -> None:
    """A database error on a customer row, as a bug's traceback reaches the crash log."""
    crash = CrashLog(backend.settings.data_dir)
    try:
        with backend.db.write() as s:
            name, _phone, email, card = PEOPLE[0]
            s.add(Customer(display_name=name, name_key=name.lower(), email=email, card_code=card))
    except (IntegrityError, KnownError):
        logging.getLogger("posassist.test").exception("storing a customer failed")
        crash.write(traceback.format_exc())
    else:
        raise AssertionError("the taken card should have been refused")
    finally:
        crash.close()
    assert crash.path.exists()


def _cli_session(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """The same kinds of thing from store IT's scripts (``posassist.cli.main``, which sets
    up logging as a command does); what they said on stderr."""
    name, phone, email, card = PEOPLE[0]
    d = ["--data-dir", str(data_dir)]
    runs = [
        ["customer", "show", card, *d],
        ["customer", "show", phone, "--json", *d],
        ["customer", "export", card, "-o", str(tmp_path / "cli" / "thad.json"), *d],
        ["customer", "add", "--name", name, "--phone", phone, "--email", email, *d],
        ["customer", "add", "--name", name, "--card", card, "--consent", *d],
        ["customer", "export", "+1 646 555 0193", "-o", str(tmp_path / "x.json"), *d],
    ]
    (tmp_path / "cli").mkdir()
    codes = [main(argv) for argv in runs]
    assert codes == [0, 0, 0, 2, 2, 2]  # the erased customer is found no more
    assert (tmp_path / "cli" / "thad.json").exists()  # the session did what it says
    return capsys.readouterr().err


def test_no_log_holds_a_pin_a_password_or_personal_data(
    tmp_path: Path, clock: MovableClock, log_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "store"
    backend = make_backend_with_central(data_dir, clock)
    try:
        _services_session(backend, tmp_path)
    finally:
        backend.close()
    stderr = _cli_session(data_dir, tmp_path, capsys)

    logs = [log_file, *data_dir.rglob("*.log")]
    assert data_dir / "crash.log" in logs  # the bug was written, scrubbed
    assert "IntegrityError" in (data_dir / "crash.log").read_text(encoding="utf-8")
    assert log_file.stat().st_size > 0
    for where, text in [*((p.name, p.read_text(encoding="utf-8")) for p in logs),
                        ("stderr", stderr)]:  # fmt: skip
        found = [s for s in SECRETS if s.casefold() in text.casefold()]
        assert not found, f"{where} holds {found}"


def make_backend_with_central(data_dir: Path, clock: MovableClock) -> Backend:
    """A test store whose settings name a central database (one that is not there)."""
    from dataclasses import replace

    backend = make_backend(data_dir, clock)
    central = replace(
        backend.settings.central, host="127.0.0.1", port=_unused_port(), connect_timeout=2
    )
    backend.ctx.settings = replace(backend.settings, central=central)
    return backend
