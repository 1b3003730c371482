"""``posassist vendors`` and ``posassist slip`` run as real processes on a real store."""

from __future__ import annotations

import json
from pathlib import Path

import pypdf
import pytest
from sqlalchemy import func, select

from posassist.cli import main
from posassist.storage.orm import Referral, UnmetDemand
from tests.conftest import MovableClock, make_backend
from tests.small_store import SmallStore, fill
from tests.test_cli import _run


@pytest.fixture
def store_dir(tmp_path: Path, clock: MovableClock) -> tuple[Path, SmallStore]:
    data_dir = tmp_path / "store"
    backend = make_backend(data_dir, clock)
    try:
        small = fill(backend)
    finally:
        backend.close()  # releases the instance lock for the child processes
    return data_dir, small


def _referrals(data_dir: Path, clock: MovableClock) -> tuple[int, int]:
    backend = make_backend(data_dir, clock)
    try:
        with backend.db.read() as s:
            return (
                int(s.scalar(select(func.count()).select_from(Referral)) or 0),
                int(s.scalar(select(func.count()).select_from(UnmetDemand)) or 0),
            )
    finally:
        backend.close()


def test_vendors_json_then_slip_by_id_prefix(
    store_dir: tuple[Path, SmallStore], tmp_path: Path, clock: MovableClock
) -> None:
    data_dir, small = store_dir
    listed = _run("vendors", "--json", "--data-dir", str(data_dir))
    assert listed.returncode == 0, listed.stderr
    vendors = {v["name"]: v for v in json.loads(listed.stdout)}
    sound_hut = vendors["Sound Hut Audio"]
    assert sound_hut["id"] == str(small.sound_hut)
    assert sound_hut["hours"] == "Mo-Sa 09:00-18:00"
    out = tmp_path / "slip.pdf"
    done = _run(
        "slip", "--data-dir", str(data_dir), "--vendor", sound_hut["id"][:8],
        "--item", "Bluetooth speaker", "--layout", "58mm", "-o", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "referral recorded" in done.stdout
    page = pypdf.PdfReader(out).pages[0]
    assert float(page.mediabox.width) == pytest.approx(58 / 25.4 * 72, abs=0.5)
    text = "".join(page.extract_text().split())  # narrow paper wraps anywhere
    assert "SoundHutAudio" in text
    assert "Bluetoothspeaker" in text
    assert _referrals(data_dir, clock) == (1, 1)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--vendor", "deadbeef00"), "No vendor with id 'deadbeef00'"),
        (("--vendor", "ID", "-o", "/nonexistent-dir/slip.pdf"), "Cannot write /nonexistent-dir"),
        # /proc passes a permission check as root: only creating the file there tells.
        (("--vendor", "ID", "-o", "/proc/s.pdf"), "Cannot write /proc/s.pdf"),
    ],
    ids=["unknown-vendor", "missing-folder", "unwritable-output"],
)
def test_slip_errors_are_one_line_exit_2_and_record_nothing(
    store_dir: tuple[Path, SmallStore],
    tmp_path: Path,
    clock: MovableClock,
    args: tuple[str, ...],
    message: str,
) -> None:
    data_dir, small = store_dir
    argv = [a.replace("ID", str(small.sound_hut)) for a in args]
    if "-o" not in argv:
        argv += ["-o", str(tmp_path / "slip.pdf")]
    done = _run("slip", "--data-dir", str(data_dir), "--item", "x", *argv)
    assert done.returncode == 2
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr
    assert "recorded with code" not in done.stderr
    assert _referrals(data_dir, clock) == (0, 0)


def test_bad_layout_and_bad_import_in_process(
    store_dir: tuple[Path, SmallStore],
    tmp_path: Path,
    clock: MovableClock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The same entry point as the process, called directly (a subprocess costs ~1.5 s)."""
    data_dir, small = store_dir
    code = main(
        ["slip", "--data-dir", str(data_dir), "--vendor", str(small.sound_hut), "--item", "x",
         "--layout", "A4", "-o", str(tmp_path / "slip.pdf")]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert "Unknown slip layout 'A4'" in err
    assert len(err.strip().splitlines()) == 1
    bad = tmp_path / "partners.csv"
    bad.write_text("name,hours\nKite Corner,24/7\nBroken,Mo-Fr 9 to 5\n", encoding="utf-8")
    assert main(["vendors", "import", str(bad), "--data-dir", str(data_dir)]) == 2
    assert f"{bad}, line 3" in capsys.readouterr().err
    out = tmp_path / "export.csv"
    assert main(["vendors", "export", str(out), "--data-dir", str(data_dir)]) == 0
    assert "3 vendors written" in capsys.readouterr().out  # Kite Corner was not half-imported
    assert out.read_text(encoding="utf-8-sig").startswith("id,name,address")
    assert _referrals(data_dir, clock) == (0, 0)


def test_slip_that_cannot_be_built_records_nothing_and_leaves_no_file(
    store_dir: tuple[Path, SmallStore],
    tmp_path: Path,
    clock: MovableClock,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A logo that went bad after the settings were read: refused at build, not after."""
    data_dir, small = store_dir
    config = tmp_path / "settings.toml"
    config.write_text('[store]\nlogo = "/etc/passwd"\n', encoding="utf-8")
    monkeypatch.setattr("posassist.config.logo_problem", lambda _logo: None)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    argv = ["slip", "--data-dir", str(data_dir), "--config", str(config), "--item", "x",
            "--vendor", str(small.sound_hut), "-o", str(out_dir / "slip.pdf")]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "logo" in err
    assert len(err.strip().splitlines()) == 1
    assert list(out_dir.iterdir()) == []  # no slip, no temporary file
    assert _referrals(data_dir, clock) == (0, 0)


def test_slip_is_moved_into_place_only_after_the_commit(
    store_dir: tuple[Path, SmallStore],
    tmp_path: Path,
    clock: MovableClock,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from posassist.services.referrals import ReferralService

    data_dir, small = store_dir
    out = tmp_path / "slip.pdf"
    out.write_bytes(b"an older slip")
    seen: list[tuple[list[str], bytes]] = []
    record_out = ReferralService._record_out

    def spy(self: ReferralService, *args: object) -> object:
        # At the commit the slip is already in a temporary file beside the output.
        seen.append((sorted(p.name for p in tmp_path.iterdir()), out.read_bytes()))
        return record_out(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(ReferralService, "_record_out", spy)
    argv = ["slip", "--data-dir", str(data_dir), "--item", "kettle", "--vendor",
            str(small.sound_hut), "-o", str(out)]  # fmt: skip
    assert main(argv) == 0
    assert "referral recorded" in capsys.readouterr().out
    ((names, content),) = seen
    assert content == b"an older slip"
    assert any(n.startswith(".slip.pdf.") and n.endswith(".tmp") for n in names)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        n for n in names if not n.endswith(".tmp")
    )
    assert "kettle" in pypdf.PdfReader(out).pages[0].extract_text()
    assert _referrals(data_dir, clock) == (1, 1)
