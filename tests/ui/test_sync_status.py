"""The connection label's words, and the refused-changes list a manager opens from it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from pytestqt.qtbot import QtBot

from posassist.services.sync import DeadLetter, SyncStatus
from posassist.ui.sync_status import DeadLettersDialog, describe

NY = ZoneInfo("America/New_York")
AT = datetime(2026, 11, 20, 19, 5, tzinfo=UTC)  # 14:05 in New York


def test_online_offline_waiting_and_last_synced_in_local_time() -> None:
    online = SyncStatus("online", pending=0, dead=0, problems=0, last_synced=AT)
    assert describe(online, NY)[0] == "Online · last synced 14:05"
    busy = SyncStatus("online", pending=3, dead=0, problems=0, last_synced=AT)
    assert describe(busy, NY)[0] == "Online · last synced 14:05 · 3 changes waiting"
    offline = SyncStatus(
        "offline",
        pending=12,
        dead=0,
        problems=0,
        last_synced=AT,
        offline_since=AT.replace(minute=7),
        error="Cannot reach the central database",
    )
    text, tip = describe(offline, NY)
    assert text == "Offline since 14:07 · 12 changes waiting · last synced 14:05"
    assert "keeps working" in tip
    assert "Cannot reach" in tip
    first = SyncStatus("connecting", pending=1, dead=0, problems=0, last_synced=None)
    assert describe(first, NY)[0] == "Connecting… · 1 change waiting"


def test_a_busy_central_is_named_as_such_not_as_the_network() -> None:
    status = SyncStatus(
        "offline",
        pending=4,
        dead=0,
        problems=0,
        last_synced=AT,
        offline_since=AT,
        error="The central database is busy with other registers' changes.",
        error_kind="busy",
    )
    text, tip = describe(status, NY)
    assert "central busy" in text
    assert "busy with other registers' changes" in tip
    assert "cannot be reached" not in tip
    assert "did not let this register in" not in tip


def test_refused_changes_are_a_link_and_a_password_problem_offers_one() -> None:
    status = SyncStatus(
        "offline",
        pending=0,
        dead=2,
        problems=1,
        last_synced=None,
        offline_since=AT,
        error="The central database refused the user name or password.",
    )
    text, tip = describe(status, NY)
    assert '<a href="dead">2 refused</a>' in text
    assert '<a href="password">enter password</a>' in text
    assert "could not be applied here" in tip


def test_dead_letters_dialog_lists_each_refusal_with_its_reason(qtbot: QtBot) -> None:
    letter = DeadLetter(
        seq=7,
        op_id=uuid.uuid4(),
        entity="interaction",
        entity_id=str(uuid.uuid4()),
        op="insert",
        created_at=AT,
        reason="refused by the central database: violates check constraint",
    )
    dialog = DeadLettersDialog([letter], NY)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 1
    assert dialog.table.item(0, 0).text() == "2026-11-20 14:05"
    assert dialog.table.item(0, 1).text() == "interaction insert"
    assert "check constraint" in dialog.table.item(0, 3).text()
