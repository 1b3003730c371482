"""Does this Linux PC have the system libraries Qt's window plugin (xcb) needs?

The PySide6 wheel brings Qt itself, not the X11/xcb libraries of the operating system.
On a fresh Debian, Ubuntu or Fedora without a desktop, one is often missing, and Qt then
dies with "Could not load the Qt platform plugin "xcb"", which names no package. So
before the window creates its QApplication, and in ``posassist doctor``, each library
is loaded with ``ctypes`` by its soname; the first one that does not load is named
together with the command that installs it.

The list was read off ``ldd`` of PySide6's ``plugins/platforms/libqxcb.so`` and the Qt
libraries it loads (XcbQpa, Gui, Core, Widgets, DBus), minus what the C library and the
wheel itself carry. Each soname maps to its Debian/Ubuntu and its Fedora package.

No Qt here: this must run exactly when Qt cannot.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["QT_XCB_LIBRARIES", "MissingLibrary", "missing_qt_library", "needs_xcb_check"]

# soname → (Debian/Ubuntu package, Fedora package)
QT_XCB_LIBRARIES: dict[str, tuple[str, str]] = {
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
}


@dataclass(frozen=True)
class MissingLibrary:
    soname: str
    debian: str
    fedora: str

    def install_command(self) -> str:
        """The command for this computer's package manager (both when it is unknown)."""
        apt = f"sudo apt install {self.debian}"
        dnf = f"sudo dnf install {self.fedora}"
        if shutil.which("apt-get"):
            return apt
        if shutil.which("dnf"):
            return dnf
        return f"{apt} (Debian/Ubuntu) or {dnf} (Fedora)"

    def message(self) -> str:
        return (
            f"The system library {self.soname} that Qt needs to open a window is missing. "
            f"Install it with: {self.install_command()}"
        )


def needs_xcb_check(env: Mapping[str, str] | None = None, platform: str | None = None) -> bool:
    """Linux, the xcb plugin chosen (QT_QPA_PLATFORM unset or xcb), and an X display."""
    env = os.environ if env is None else env
    if (platform or sys.platform) != "linux":
        return False
    chosen = env.get("QT_QPA_PLATFORM", "").split(":")[0].strip()
    return chosen in ("", "xcb") and bool(env.get("DISPLAY"))


def missing_qt_library(
    libraries: Mapping[str, tuple[str, str]] | None = None,
) -> MissingLibrary | None:
    """The first library in ``libraries`` (default :data:`QT_XCB_LIBRARIES`) that does
    not load, None when all do."""
    for soname, (debian, fedora) in (QT_XCB_LIBRARIES if libraries is None else libraries).items():
        try:
            ctypes.CDLL(soname)
        except OSError:
            return MissingLibrary(soname, debian, fedora)
    return None
