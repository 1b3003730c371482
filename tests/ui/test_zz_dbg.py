from tests.ui.test_finder import *  # noqa
def test_dbg(qtbot, window, backend):
    finder = open_finder(qtbot, window)
    qtbot.keyClicks(finder.box, "sewing machine")
    print("active", QApplication.activeWindow(), "focus", QApplication.focusWidget())
    qtbot.keyClick(finder, Qt.Key.Key_F11)
    print("msg", finder.message.text(), finder.message.isVisible())
    qtbot.keyClick(finder.box, Qt.Key.Key_F11)
    print("msg2", finder.message.text())
