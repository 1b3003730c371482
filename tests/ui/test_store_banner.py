"""The window's start-up store check: a damaged store shows the red banner, saves nothing."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from posassist.app.store_watch import StoreWatch
from posassist.ui.main_window import MainWindow
from posassist.ui.views.banner import Banner
from tests.conftest import MovableClock, make_backend
from tests.storage.test_store_faults import _damage_customer_table, _store_with_a_customer
from tests.ui.windows import register_window


def _window(qtbot: QtBot, data_dir: Path, clock: MovableClock) -> tuple[MainWindow, StoreWatch]:
    backend = make_backend(data_dir, clock)
    window = register_window(qtbot, backend)
    watch = StoreWatch(backend.db, window, window.worker)
    return window, watch


def test_a_damaged_store_shows_the_banner_after_the_background_check(
    qtbot: QtBot, tmp_path: Path, clock: MovableClock
) -> None:
    data_dir = tmp_path / "store"
    _store_with_a_customer(data_dir, clock)
    _damage_customer_table(data_dir / "posassist.sqlite3")
    window, watch = _window(qtbot, data_dir, clock)
    watch.start()
    qtbot.waitUntil(lambda: watch.checked, timeout=10_000)
    banner = window.findChild(Banner)
    assert isinstance(banner, Banner)
    assert banner.isVisible()
    assert "damaged" in banner.title.text()
    assert "posassist restore" in banner.text.text()
    assert watch.problem is not None
    window.worker.wait_idle()


def test_a_healthy_store_shows_no_banner(qtbot: QtBot, tmp_path: Path, clock: MovableClock) -> None:
    window, watch = _window(qtbot, tmp_path / "store", clock)
    watch.start()
    qtbot.waitUntil(lambda: watch.checked, timeout=10_000)
    assert window.findChild(Banner) is None
    assert watch.problem is None
    window.worker.wait_idle()
