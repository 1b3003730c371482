"""``posassist staff``: add, list, disable, role and PIN reset on a real store.

The PIN comes on stdin (a real process with a pipe; ``main`` with a text stream; the
terminal path with getpass), never as an argument, and never comes back out.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from posassist.cli import main
from posassist.services.staff import SignInError
from tests.conftest import MovableClock, make_backend
from tests.test_cli import ENV


@pytest.fixture
def data_dir(tmp_path: Path, clock: MovableClock) -> Path:
    folder = tmp_path / "store"
    make_backend(folder, clock).close()  # a new store: its placeholder manager, no PIN
    return folder


def _proc(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "posassist", "staff", *args, "--data-dir", str(data_dir)],
        env=ENV, input=stdin, capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip


@pytest.fixture
def cli(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> object:
    def call(*args: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(["staff", *args, "--data-dir", str(data_dir)])
        out, err = capsys.readouterr()
        return code, out, err

    return call


def test_add_by_pipe_then_list_as_json_in_real_processes(data_dir: Path) -> None:
    added = _proc(data_dir, "add", "--name", "Carla Cash", "--role", "cashier", "--pin-stdin",
                  stdin="48213\n")  # fmt: skip
    assert (added.returncode, added.stderr) == (0, ""), added.stderr
    assert "Added Carla Cash (cashier)" in added.stdout
    listed = _proc(data_dir, "list", "--json")
    assert listed.returncode == 1  # found: no manager can sign in with a PIN
    doc = json.loads(listed.stdout)  # exactly one JSON document
    assert doc["problem"] == "No active manager can sign in with a PIN."
    carla = next(s for s in doc["staff"] if s["name"] == "Carla Cash")
    assert carla == {"name": "Carla Cash", "role": "cashier", "active": True, "branch": "MAIN",
                     "has_pin": True}  # fmt: skip
    for text in (added.stdout, listed.stdout):
        assert "48213" not in text
        assert "scrypt" not in text
    manager = _proc(data_dir, "add", "--name", "Mo Manager", "--role", "manager", "--pin-stdin",
                    stdin="7777\n")  # fmt: skip
    assert manager.returncode == 0, manager.stderr
    table = _proc(data_dir)  # plain `staff` lists
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["NAME", "ROLE", "STATE", "BRANCH", "PIN"]
    assert any(line.split() == ["Mo", "Manager", "manager", "active", "MAIN", "PIN"]
               for line in lines)  # fmt: skip


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("add", "--name", "Al", "--role", "boss", "--pin-stdin"), "1234\n",
         "--role must be cashier or manager"),
        (("add", "--name", "Al", "--role", "cashier", "--pin-stdin"), "12\n",
         "A PIN has 4 to 8 digits."),
        (("add", "--name", "Al", "--role", "cashier", "--pin-stdin"), "12a4\n", "digits only"),
        (("add", "--name", "Al", "--role", "cashier", "--pin-stdin"), "", "No PIN on stdin"),
        (("add", "--name", "Al", "--role", "cashier"), "1234\n", "--pin-stdin is needed"),
        (("add", "1234", "--name", "Al", "--role", "cashier"), "", "Usage: posassist staff add"),
        (("add", "--role", "cashier", "--pin-stdin"), "1234\n", "--name is needed"),
        (("disable", "Nobody Here"), "", "No staff account is named Nobody Here."),
        (("role", "Manager", "owner"), "", "The role must be cashier or manager."),
        (("disable",), "", "Usage: posassist staff disable NAME"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_exit_2_and_nothing_is_written(
    cli: object, args: tuple[str, ...], stdin: str, message: str
) -> None:
    code, out, err = cli(*args, stdin=stdin)  # type: ignore[operator]
    assert (code, out) == (2, "")
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "1234" not in err
    _, listed, _ = cli("list", "--json")  # type: ignore[operator]
    assert [s["name"] for s in json.loads(listed)["staff"]] == ["Manager"]


def test_disable_role_and_pin_reset(cli: object, data_dir: Path, clock: MovableClock) -> None:
    run = cli  # type: ignore[assignment]
    assert run("add", "--name", "Mo Manager", "--role", "manager", "--pin-stdin",
               stdin="7777\n")[0] == 0  # fmt: skip
    assert run("add", "--name", "Carla Cash", "--role", "cashier", "--pin-stdin",
               stdin="4821\n")[0] == 0  # fmt: skip
    code, out, _ = run("role", "carla cash", "manager")
    assert (code, out) == (0, "Carla Cash is a manager now.\n")
    code, out, _ = run("pin", "Carla Cash", "--pin-stdin", stdin="55554444\n")
    assert code == 0
    assert "new PIN" in out
    code, out, _ = run("disable", "Mo Manager")
    assert (code, "disabled" in out) == (0, True)
    code, listed, _ = run("list", "--json")
    assert code == 0
    by_name = {s["name"]: s for s in json.loads(listed)["staff"]}
    assert (by_name["Carla Cash"]["role"], by_name["Mo Manager"]["active"]) == ("manager", False)
    assert run("disable", "Manager")[0] == 0  # the new store's placeholder
    code, _, err = run("disable", "Carla Cash")  # the last active manager
    assert code == 2
    assert "Carla Cash is the last active manager" in err

    backend = make_backend(data_dir, clock)
    try:
        carla = backend.staff.find("Carla Cash")
        with pytest.raises(SignInError, match="Wrong PIN"):
            backend.staff.sign_in(carla.id, "4821")  # the old PIN is gone
        assert backend.staff.sign_in(carla.id, "55554444").role == "manager"
        mo = backend.staff.find("Mo Manager")
        with pytest.raises(SignInError, match="disabled"):
            backend.staff.sign_in(mo.id, "7777")
    finally:
        backend.close()


def test_a_terminal_asks_twice_without_echo(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import getpass

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    typed = iter(["2468", "2469", "2468", "2468"])
    prompts: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return next(typed)

    monkeypatch.setattr(getpass, "getpass", fake_getpass)
    args = ["staff", "add", "--name", "Tia Term", "--role", "cashier", "--pin-stdin"]
    data = ["--data-dir", str(data_dir)]
    monkeypatch.setattr(sys, "stdin", Terminal())
    assert main([*args, *data]) == 2
    assert "The two PINs differ" in capsys.readouterr().err
    assert main([*args, *data]) == 0
    out = capsys.readouterr().out
    assert "Added Tia Term" in out
    assert "2468" not in out
    assert prompts == ["PIN (4 to 8 digits): ", "The same PIN again: "] * 2
