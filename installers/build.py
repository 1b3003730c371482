"""Build, smoke-test and pack the PyInstaller bundle (run through ``installers/build``).

Why a script and not only the spec: a bundle that builds is not yet a bundle that runs
(a missing data file or plugin shows only at run time), so every build is followed by the
same checks store IT would make: the window starts offscreen on a fresh demo store and
exits 0, and ``slip`` writes a referral slip whose PDF parses and carries the item asked
for. Only then is the Linux tarball written.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "installers"
DIST = ROOT / "dist"
WORK = ROOT / "build"
ITEM = "bundle smoke test: left-handed scissors"
TIMEOUT_S = 300


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-pack", action="store_true", help="build and check; no tarball")
    parser.add_argument(
        "--skip-build", action="store_true", help="check (and pack) the bundle already in dist/"
    )
    args = parser.parse_args()
    bundle = DIST / "posassist"
    if not args.skip_build:
        build()
        if sys.platform != "win32":
            (bundle / "posassist-cli").unlink(missing_ok=True)
            (bundle / "posassist-cli").symlink_to("posassist")
        if sys.platform.startswith("linux") and shutil.which("strip"):
            strip_symbols(bundle)
    smoke_test(bundle)
    size = folder_size(bundle)
    print(f"bundle: {bundle} ({size / 1e6:.0f} MB)")
    if not args.no_pack and sys.platform.startswith("linux"):
        tarball = pack_linux(bundle)
        print(f"tarball: {tarball} ({tarball.stat().st_size / 1e6:.0f} MB)")
        if shutil.which("dpkg-deb"):
            deb = pack_deb(bundle)
            print(f"deb: {deb} ({deb.stat().st_size / 1e6:.0f} MB)")
    if not args.no_pack and sys.platform == "win32":
        print(f"installer: {pack_windows(bundle)}")
    return 0


def build() -> None:
    subprocess.run(
        [
            sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
            "--distpath", str(DIST), "--workpath", str(WORK), str(HERE / "posassist.spec"),
        ],
        check=True,
        cwd=ROOT,
    )  # fmt: skip


# Libraries a wheel's repair tool (auditwheel) rewrote: strip(1) breaks them ("ELF load
# command address/offset not page-aligned" from numpy's OpenBLAS), so they stay as shipped.
_KEEP_AS_SHIPPED = (".libs/",)


def strip_symbols(bundle: Path) -> None:
    """Debug symbols off the shared libraries (libpython alone: 23 MB to 5 MB)."""
    libs = [
        p
        for p in bundle.rglob("*.so*")
        if p.is_file() and not p.is_symlink()
        and not any(k in p.as_posix() for k in _KEEP_AS_SHIPPED)
    ]  # fmt: skip
    for start in range(0, len(libs), 200):
        batch = [str(p) for p in libs[start : start + 200]]
        subprocess.run(["strip", "--strip-unneeded", *batch], check=False, capture_output=True)


def smoke_test(bundle: Path) -> None:
    """The built programs, not the source tree: a fresh demo store, the window, a slip."""
    internal = bundle / "_internal" / "posassist"
    for chain in ("storage", "sync"):  # the central chain runs only against a server
        scripts = list((internal / chain / "migrations" / "versions").glob("*.py"))
        if not (internal / chain / "migrations" / "env.py").is_file() or not scripts:
            raise SystemExit(f"smoke test: the bundle lacks the {chain} migrations")
    exe = ".exe" if sys.platform == "win32" else ""
    cli = bundle / f"posassist-cli{exe}"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("POSASSIST_CONFIG", None)
    with tempfile.TemporaryDirectory(prefix="posassist-bundle-") as tmp:
        data = Path(tmp) / "store"
        check([str(cli), "--version"], env)
        check([str(cli), "--data-dir", str(data), "--demo", "--smoke-test"], env)
        vendors = json.loads(check([str(cli), "--data-dir", str(data), "vendors", "--json"], env))
        if not vendors:
            raise SystemExit("smoke test: the demo store has no vendors")
        pdf = Path(tmp) / "slip.pdf"
        check(
            [
                str(cli), "--data-dir", str(data), "slip", "--vendor", vendors[0]["id"],
                "--item", ITEM, "-o", str(pdf),
            ],
            env,
        )  # fmt: skip
        check_pdf(pdf, vendors[0]["name"])
        check_escpos(cli, data, env)
    print("smoke test ok: the window started, a slip PDF parsed, an ESC/POS test slip arrived")


def check_escpos(cli: Path, data: Path, env: dict[str, str]) -> None:
    """``slip --test-print`` on an ESC/POS profile, to a socket listening here: python-escpos
    and its capabilities file are in the bundle, and the bytes end with a paper cut."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(TIMEOUT_S)
        port = server.getsockname()[1]
        got = bytearray()

        def receive() -> None:
            conn, _ = server.accept()
            with conn:
                while chunk := conn.recv(65536):
                    got.extend(chunk)

        listener = threading.Thread(target=receive, daemon=True)
        listener.start()
        profile = {
            "POSASSIST_PRINTING_MODE": "escpos",
            "POSASSIST_PRINTING_CONNECTION": "tcp",
            "POSASSIST_PRINTING_HOST": "127.0.0.1",
            "POSASSIST_PRINTING_PORT": str(port),
        }
        check([str(cli), "--data-dir", str(data), "slip", "--test-print"], {**env, **profile})
        listener.join(TIMEOUT_S)
    if b"\x1dV" not in bytes(got[-8:]) or len(got) < 200:
        raise SystemExit(f"smoke test: the ESC/POS test slip came incomplete ({len(got)} bytes)")


def check(argv: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
    if done.returncode != 0:
        raise SystemExit(
            f"smoke test failed: {' '.join(argv)} exited {done.returncode}\n"
            f"{done.stdout}\n{done.stderr}"
        )
    return done.stdout


def check_pdf(pdf: Path, vendor: str) -> None:
    from pypdf import PdfReader  # the dev group's PDF parser, as in the tests

    text = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
    flat = " ".join(text.split())
    for wanted in (ITEM, vendor):
        if " ".join(wanted.split()) not in flat:
            raise SystemExit(f"smoke test: the slip PDF does not say {wanted!r}:\n{flat}")


# The central prune job for IT's scheduler (docs/it-guide.md): shipped, never enabled.
PRUNE_UNITS = ("posassist-prune.service", "posassist-prune.timer")


def pack_linux(bundle: Path) -> Path:
    """The bundle with the menu entry, the icon and ``install.sh``, as one tarball."""
    arch = platform.machine() or "unknown"
    name = f"posassist-{version('posassist')}-linux-{arch}"
    tarball = DIST / f"{name}.tar.gz"
    extras = {
        "posassist.desktop": HERE / "posassist.desktop",
        "posassist.svg": ROOT / "resources" / "icons" / "posassist.svg",
        "install.sh": HERE / "linux" / "install.sh",
        "uninstall.sh": HERE / "linux" / "uninstall.sh",
        "README.md": HERE / "linux" / "README.md",
        **{unit: HERE / "linux" / unit for unit in PRUNE_UNITS},
    }
    with tarfile.open(tarball, "w:gz") as tar:
        tar.add(bundle, arcname=f"{name}/posassist")
        for arcname, path in extras.items():
            tar.add(path, arcname=f"{name}/{arcname}")
    return tarball


# What the bundle's xcb platform plugin needs from the system (Debian / Ubuntu names).
DEB_DEPENDS = (
    "libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1, libxcb-image0, libxcb-render-util0, "
    "libxcb-shape0, libxcb-xkb1, libxkbcommon-x11-0, libxcb-randr0, libegl1, libfontconfig1"
)


def pack_deb(bundle: Path) -> Path:
    """A ``.deb`` with ``dpkg-deb`` (Debian's own tool): the bundle in /opt/posassist, the
    two programs in /usr/bin, the menu entry and the icon, and the prune job's systemd
    units (disabled: IT enables the timer on one PC of the chain). Removing the package removes
    the program only; each user's store and settings stay in their home folder."""
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    ver = version("posassist")
    with tempfile.TemporaryDirectory(prefix="posassist-deb-") as tmp:
        root = Path(tmp)
        root.chmod(0o755)  # the package's "/": mkdtemp's 0700 would be recorded
        shutil.copytree(bundle, root / "opt" / "posassist", symlinks=True)
        usr_bin = root / "usr" / "bin"
        usr_bin.mkdir(parents=True)
        for program in ("posassist", "posassist-cli"):
            (usr_bin / program).symlink_to(f"/opt/posassist/{program}")
        apps = root / "usr" / "share" / "applications"
        apps.mkdir(parents=True)
        shutil.copy(HERE / "posassist.desktop", apps)
        icons = root / "usr" / "share" / "icons" / "hicolor" / "scalable" / "apps"
        icons.mkdir(parents=True)
        shutil.copy(ROOT / "resources" / "icons" / "posassist.svg", icons)
        units = root / "usr" / "lib" / "systemd" / "system"
        units.mkdir(parents=True)
        for unit in PRUNE_UNITS:
            shutil.copy(HERE / "linux" / unit, units)
        (root / "DEBIAN").mkdir()
        (root / "DEBIAN" / "control").write_text(
            f"Package: posassist\nVersion: {ver}\nArchitecture: {arch}\n"
            "Maintainer: posassist <it@example.com>\nSection: misc\nPriority: optional\n"
            f"Depends: {DEB_DEPENDS}\n"
            "Description: cashier's assistant beside the register\n"
            " Customer history, repeat-visitor flags, referral slips, offline sync.\n",
            encoding="utf-8",
        )
        deb = DIST / f"posassist_{ver}_{arch}.deb"
        subprocess.run(
            ["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", str(root), str(deb)],
            check=True,
            capture_output=True,
        )
    return deb


def pack_windows(bundle: Path) -> Path:
    """The Inno Setup installer around the bundle (Inno Setup 6's ``iscc`` on the PATH or
    in its default folder)."""
    iscc = shutil.which("iscc") or r"C:\Program Files (x86)\Inno Setup 6\ISCC.exe"
    if not Path(iscc).exists() and not shutil.which("iscc"):
        raise SystemExit(
            "Inno Setup 6 is not installed: get it from jrsoftware.org, or use --no-pack"
        )
    ver = version("posassist")
    subprocess.run(
        [
            iscc,
            f"/DAppVersion={ver}",
            f"/DSourceDir={bundle}",
            str(HERE / "windows" / "posassist.iss"),
        ],
        check=True,
    )
    return DIST / f"posassist-{ver}-windows-setup.exe"


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


if __name__ == "__main__":
    shutil.rmtree(WORK / "posassist", ignore_errors=True)
    sys.exit(main())
