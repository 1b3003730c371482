"""The first-run set-up: the store, its branch, the first manager, a test slip.

Shown once, before the register window, on a store with no settings file and no
manager (``app/first_start.py`` decides). Keyboard only: Tab moves between fields,
Enter goes to the next page, Esc cancels. Each page checks its values with the
service's rules before it lets the person go on, and shows every message under its
field. Talking to central, printing and finishing (the PIN's scrypt, the store writes)
run on the worker; Finish writes ``settings.toml`` and then the store, or nothing.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from posassist.services.first_run import FirstRun, SetupPlan
from posassist.services.printers import PrintService, installed_printers
from posassist.services.staff import StaffService
from posassist.services.sync import ChainBranch, ChainDirectory
from posassist.ui.feedback import MessageLine, mark_field, show_error
from posassist.ui.views.setting_fields import FieldForm, pc_timezone
from posassist.ui.workers import BackgroundOp, Worker

__all__ = ["FirstManagerDialog", "SetupWizard"]

STORE_PAGE, BRANCH_PAGE, MANAGER_PAGE, FINISH_PAGE = range(4)
STORE_FIELDS = ["store.name", "store.region", "store.timezone"]
NEW_BRANCH_FIELDS = ["store.branch_code"]
CENTRAL_FIELDS = ["central.host", "central.port", "central.database", "central.user"]
PRINT_FIELDS = ["printing.printer", "printing.layout"]
TITLE_PX = 22  # the page title, a little larger than a dialog's heading (20 px)
NEXT_TEXT = "Ne&xt >"  # Alt+N is "New store or branch" on the branch page
CHAIN_MANAGERS = "This chain already has managers: sign in with your chain account."


def _password_edit(name: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setObjectName(name)
    return mark_field(edit, name)


def _clear_when_fixed(form: FieldForm, first_run: FirstRun) -> None:
    """A field's red message goes as soon as its value is valid."""
    form.changed.connect(lambda: form.clear_fixed(first_run.check(form.texts())))


class _StorePage(QWizardPage):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("Your store")
        self.setSubTitle("The name printed on slips, and where the store is.")
        self.form = FieldForm(STORE_FIELDS)
        self.form.set_values(
            {
                "store.name": "",
                "store.region": wizard.first_run.base.store.region,
                "store.timezone": pc_timezone(),
            }
        )
        QVBoxLayout(self).addWidget(self.form)
        _clear_when_fixed(self.form, wizard.first_run)

    def validatePage(self) -> bool:
        return self.form.show_problems(self.w.first_run.check(self.form.texts()))


class _BranchPage(QWizardPage):
    """A new branch (code and name), or a branch of a chain, listed from its central."""

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self.w = wizard
        self.directory: ChainDirectory | None = None
        self.setTitle("Your branch")
        self.new = QRadioButton("&New store or branch")
        self.join = QRadioButton("&Join a chain (the branches are on its central server)")
        group = QButtonGroup(self)
        group.addButton(self.new)
        group.addButton(self.join)
        self.new.setChecked(True)
        self.new_form = FieldForm(NEW_BRANCH_FIELDS)
        self.new_form.set_values({"store.branch_code": "MAIN"})
        self.branch_name = mark_field(QLineEdit(), "branch_name")
        self.branch_name.setObjectName("branch_name")
        self.branch_name.setPlaceholderText("Branch name (empty: the store's name)")
        self.central_form = FieldForm(CENTRAL_FIELDS)
        base = wizard.first_run.base.central
        self.central_form.set_values(
            {"central.port": str(base.port), "central.database": base.database}
        )
        self.central_form.set_values({"central.user": base.user})
        self.password = _password_edit("central.password")
        self.password.setPlaceholderText("Password (kept in the system keyring)")
        self.find_button = QPushButton("&Find the chain's branches")
        self.find_button.clicked.connect(self.find_branches)
        self.branches = QListWidget()
        self.branches.setObjectName("branches")
        self.line = MessageLine()
        self._lay_out()
        for form in (self.new_form, self.central_form):
            _clear_when_fixed(form, wizard.first_run)
        self.new.toggled.connect(self._mode_changed)
        self._mode_changed()

    def _lay_out(self) -> None:
        box = QVBoxLayout(self)
        box.addWidget(self.new)
        self.new_box = QWidget()
        new_box = QVBoxLayout(self.new_box)
        new_box.addWidget(self.new_form)
        new_box.addWidget(self.branch_name)
        box.addWidget(self.new_box)
        box.addWidget(self.join)
        self.join_box = QWidget()
        join_box = QVBoxLayout(self.join_box)
        join_box.addWidget(self.central_form)
        join_box.addWidget(self.password)
        join_box.addWidget(self.find_button)
        join_box.addWidget(self.branches)
        box.addWidget(self.join_box)
        box.addWidget(self.line)

    def _mode_changed(self) -> None:
        self.new_box.setVisible(self.new.isChecked())
        self.join_box.setVisible(self.join.isChecked())

    def find_branches(self) -> None:
        """Ask central for its branches and managers, on the worker."""
        texts, password = self.central_form.texts(), self.password.text()
        problems = self.w.first_run.check(texts)
        if not self.central_form.show_problems(problems):
            return
        self.line.say("Asking the central server…")
        BackgroundOp(self.w.worker, lambda: self.w.first_run.chain(texts, password)).success(
            self.show_directory
        ).failure(lambda exc: show_error(self.line, exc)).disable(
            self.find_button
        ).run_in_background()

    def show_directory(self, directory: ChainDirectory) -> None:
        self.directory = directory
        self.branches.clear()
        for branch in directory.branches:
            item = QListWidgetItem(branch.describe())
            item.setData(Qt.ItemDataRole.UserRole, branch)
            self.branches.addItem(item)
        if directory.branches:
            self.branches.setCurrentRow(0)
            self.branches.setFocus()
        found = f"{len(directory.branches)} branches at {directory.target}."
        self.line.say(f"{found} {CHAIN_MANAGERS}" if directory.managers else found)

    def chosen(self) -> ChainBranch | None:
        item = self.branches.currentItem()
        branch = None if item is None else item.data(Qt.ItemDataRole.UserRole)
        return branch if isinstance(branch, ChainBranch) else None

    def validatePage(self) -> bool:
        if self.new.isChecked():
            return self.new_form.show_problems(self.w.first_run.check(self.new_form.texts()))
        if self.directory is None or self.chosen() is None:
            show_error(self.line, "Find the chain's branches, then choose this register's.")
            return False
        return True

    def nextId(self) -> int:
        joining = self.join.isChecked() and self.directory is not None
        if joining and self.directory is not None and self.directory.managers:
            return FINISH_PAGE
        return MANAGER_PAGE


class _ManagerPage(QWizardPage):
    def __init__(self, wizard: SetupWizard | None = None) -> None:
        super().__init__()
        self.setTitle("The first manager")
        self.setSubTitle("Managers sign in with this PIN (4–8 digits) to change settings.")
        self.name = mark_field(QLineEdit(), "name")
        self.name.setObjectName("manager_name")
        self.name.setPlaceholderText("Manager's name")
        self.pin = _password_edit("pin")
        self.pin.setPlaceholderText("PIN")
        self.confirm = _password_edit("confirm")
        self.confirm.setPlaceholderText("The PIN again")
        self.line = MessageLine()
        box = QVBoxLayout(self)
        for widget in (self.name, self.pin, self.confirm, self.line):
            box.addWidget(widget)
        for edit in (self.name, self.pin, self.confirm):
            edit.textChanged.connect(self._clear_when_fixed)

    def _clear_when_fixed(self) -> None:
        """The red line goes once the problem it names is fixed."""
        problems = FirstRun.check_manager(self.name.text(), self.pin.text(), self.confirm.text())
        if self.line.text() not in problems.values():
            self.line.say("")

    def validatePage(self) -> bool:
        problems = FirstRun.check_manager(self.name.text(), self.pin.text(), self.confirm.text())
        for name, message in problems.items():
            show_error(self.line, message)
            {"name": self.name, "pin": self.pin, "confirm": self.confirm}[name].setFocus()
            return False
        self.line.say("")
        return True


class _FinishPage(QWizardPage):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("Ready")
        self.setSubTitle("Choose the slip printer, print a test slip if you like, then Finish.")
        self.form = FieldForm(PRINT_FIELDS)
        self.form.set_values({"printing.layout": wizard.first_run.base.printing.layout})
        self.test = QPushButton("Print a &test slip")
        self.test.clicked.connect(self.print_test)
        self.line = MessageLine()
        box = QVBoxLayout(self)
        box.addWidget(self.form)
        box.addWidget(self.test)
        box.addWidget(self.line)
        _clear_when_fixed(self.form, wizard.first_run)

    def validatePage(self) -> bool:
        return self.form.show_problems(self.w.first_run.check(self.form.texts()))

    def initializePage(self) -> None:
        if self.w.plan().skip_manager:
            self.line.say(CHAIN_MANAGERS)
        BackgroundOp(self.w.worker, installed_printers).success(self.form.set_printers).failure(
            lambda exc: show_error(self.line, exc)
        ).run_in_background()

    def print_test(self) -> None:
        texts = self.w.texts()
        problems = self.w.first_run.check(texts)
        if not self.form.show_problems(problems):
            return
        BackgroundOp(self.w.worker, lambda: self.w.print_test(texts)).success(
            self._printed
        ).failure(self._not_printed).disable(self.test).run_in_background()

    def _printed(self, where: str) -> None:
        self.line.say(f"Test slip sent to {where}.")
        self._focus_forward()

    def _not_printed(self, exc: BaseException) -> None:
        show_error(self.line, exc)
        self._focus_forward()

    def _focus_forward(self) -> None:
        """The test button was disabled while printing, so focus moved on to "< Back"
        and Enter would go back: Enter means Finish (or Next) here."""
        which = QWizard.WizardButton
        finish = self.w.button(which.FinishButton)
        (finish if finish.isVisible() else self.w.button(which.NextButton)).setFocus()


class SetupWizard(QWizard):
    """The set-up; ``exec()`` is Accepted once the store is saved, Rejected on cancel."""

    def __init__(
        self, first_run: FirstRun, worker: Worker, printing: PrintService, parent: Any = None
    ) -> None:
        super().__init__(parent)
        self.first_run, self.worker, self.printing = first_run, worker, printing
        self.setWindowTitle("posassist — first start")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage)
        self.store, self.branch = _StorePage(self), _BranchPage(self)
        self.manager, self.finish = _ManagerPage(self), _FinishPage(self)
        for number, page in enumerate((self.store, self.branch, self.manager, self.finish)):
            self.setPage(number, page)
        self.resize(780, 700)  # fits 1024×768 with room for the title bar
        self.saved = False
        self.currentIdChanged.connect(self._keep_title_readable)
        self.setButtonText(QWizard.WizardButton.NextButton, NEXT_TEXT)

    def title_label(self) -> QLabel | None:
        """The wizard's own label for the page's title (Qt's, outside every page)."""
        page = self.currentPage()
        if page is None:
            return None
        pages = [self.page(i) for i in self.pageIds()]
        return next(
            (
                label
                for label in self.findChildren(QLabel)
                if label.text() == page.title() and not any(p.isAncestorOf(label) for p in pages)
            ),
            None,
        )

    def _keep_title_readable(self, _id: int) -> None:
        """Qt sizes the title as the wizard's font in points plus 4; the stylesheet sets
        fonts in pixels (no point size: -1), so from the second visit of a page on the
        title was drawn at 3 pt, a few pixels high. Sized in pixels here, each time."""
        label = self.title_label()
        if label is not None:
            font = QFont(label.font())
            font.setPixelSize(TITLE_PX)
            font.setBold(True)
            label.setFont(font)

    def texts(self) -> dict[str, str]:
        """Every setting the pages gathered (the branch's own, or central's)."""
        texts = {**self.store.form.texts(), **self.finish.form.texts()}
        if self.branch.new.isChecked():
            texts.update(self.branch.new_form.texts())
            return texts
        texts.update(self.branch.central_form.texts())
        chosen = self.branch.chosen()
        if chosen is not None:
            texts["store.branch_code"] = chosen.code
        return texts

    def plan(self) -> SetupPlan:
        joining = self.branch.join.isChecked()
        skip = joining and bool(self.branch.directory and self.branch.directory.managers)
        return SetupPlan(
            texts=self.texts(),
            branch_name="" if joining else self.branch.branch_name.text(),
            joined=self.branch.chosen() if joining else None,
            central_password=self.branch.password.text() if joining else "",
            manager_name="" if skip else self.manager.name.text(),
            manager_pin="" if skip else self.manager.pin.text(),
        )

    def print_test(self, texts: dict[str, str]) -> str:
        """On the worker: the test slip with the values typed so far."""
        from datetime import date

        settings = self.first_run.preview(texts)
        return self.printing.print_test_slip(settings.store, settings.printing, date.today())

    def accept(self) -> None:
        """Finish: save on the worker; the wizard closes when it is done."""
        if not self.finish.validatePage():
            return
        plan = self.plan()
        button = self.button(QWizard.WizardButton.FinishButton)

        def done(_: object) -> None:
            self.saved = True
            super(SetupWizard, self).accept()

        BackgroundOp(self.worker, lambda: self.first_run.finish(plan)).success(done).failure(
            lambda exc: show_error(self.finish.line, exc, prefix="Not saved:")
        ).disable(button).run_in_background()


UPGRADED = (
    "This store's staff have no PINs yet (it was set up before sign-in PINs came). "
    "Choose the first manager: their name and a PIN. Then the register locks, and the "
    "manager signs in and adds everyone else (Manager → Staff… or `posassist staff add`)."
)


class FirstManagerDialog(QDialog):
    """An upgraded store (a settings file, staff without PINs): the first manager's name
    and PIN, the set-up's manager page alone. ``saved`` once the manager exists."""

    def __init__(self, staff: StaffService, worker: Worker, parent: QWidget | None = None):
        super().__init__(parent)
        self.staff, self.worker, self.saved = staff, worker, False
        self.setWindowTitle("Set the first manager's PIN")
        self.page = _ManagerPage()
        self.page.setSubTitle("")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        intro = QLabel(UPGRADED)
        intro.setWordWrap(True)
        box = QVBoxLayout(self)
        for widget in (intro, self.page, self.buttons):
            box.addWidget(widget)
        self.resize(520, 320)
        self.page.name.setFocus()

    def save(self) -> None:
        """Checked here first (every message under its field), then saved on the worker
        (the PIN's scrypt and the write)."""
        if not self.page.validatePage():
            return
        name, pin, staff = self.page.name.text(), self.page.pin.text(), self.staff

        def done(_: object) -> None:
            self.saved = True
            self.accept()

        button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        BackgroundOp(self.worker, lambda: staff.first_manager(name, pin)).success(done).failure(
            lambda exc: show_error(self.page.line, exc, prefix="Not saved:")
        ).disable(button).run_in_background()
