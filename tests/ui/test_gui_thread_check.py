"""The GUI-thread check itself: it trips on the window's mistakes, and only on those."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from posassist.app import Backend
from posassist.services.customers import NewCustomer
from posassist.ui.workers import BackgroundOp, Worker
from tests.ui.gui_thread import GuiThreadWrites


def test_a_store_write_in_a_gui_thread_callback_trips_the_check(
    qtbot: QtBot, backend: Backend, gui_thread_writes: GuiThreadWrites
) -> None:
    """The classic slip: the op reads, then its success handler writes, on the GUI thread."""
    worker = Worker()
    done: list[object] = []
    BackgroundOp(worker, lambda: "Gil Thread").success(
        lambda name: done.append(backend.customers.create(NewCustomer(str(name))))
    ).run_in_background()
    qtbot.waitUntil(lambda: bool(done))
    assert gui_thread_writes.hits
    assert all("BEGIN IMMEDIATE" in hit for hit in gui_thread_writes.hits)
    assert "posassist/ui/workers.py" in gui_thread_writes.hits[0]
    with pytest.raises(pytest.fail.Exception, match="ran on the GUI thread"):
        gui_thread_writes.check()
    gui_thread_writes.hits.clear()  # proven; this test itself may pass


def test_file_work_on_the_gui_thread_trips_the_check(
    qtbot: QtBot, backend: Backend, gui_thread_writes: GuiThreadWrites
) -> None:
    worker = Worker()
    done: list[object] = []
    BackgroundOp(worker, lambda: None).success(
        lambda _: done.append(backend.db.checkpoint())
    ).run_in_background()
    qtbot.waitUntil(lambda: bool(done))
    assert [hit.split(",")[0] for hit in gui_thread_writes.hits] == ["Database.checkpoint"]
    with pytest.raises(pytest.fail.Exception):
        gui_thread_writes.check()
    gui_thread_writes.hits.clear()


def test_the_same_work_on_the_worker_or_in_a_test_body_does_not(
    qtbot: QtBot, backend: Backend, gui_thread_writes: GuiThreadWrites
) -> None:
    worker = Worker()
    done: list[object] = []
    BackgroundOp(worker, lambda: backend.customers.create(NewCustomer("Wendy Worker"))).success(
        done.append
    ).run_in_background()
    qtbot.waitUntil(lambda: bool(done))
    backend.customers.create(NewCustomer("Sam Setup"))  # a test's own set-up write
    backend.db.checkpoint()
    assert gui_thread_writes.hits == []
    gui_thread_writes.check()
