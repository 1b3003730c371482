#!/bin/sh
# Install posassist from this unpacked tarball.
#   ./install.sh            for this user: ~/.local/opt/posassist, ~/.local/bin, the menu entry
#   sudo ./install.sh --system   for every user: /opt/posassist, /usr/local/bin, /usr/share
# Installing again over an older version replaces the program only; stores and settings are
# never touched (they live in each user's data folder, see README.md).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
case "${1:-}" in
    --system) prefix=/opt/posassist; bin=/usr/local/bin; share=/usr/share ;;
    "") prefix="$HOME/.local/opt/posassist"; bin="$HOME/.local/bin"; share="$HOME/.local/share" ;;
    *) echo "usage: $0 [--system]" >&2; exit 2 ;;
esac
if [ ! -x "$here/posassist/posassist" ]; then
    echo "install.sh: $here/posassist/posassist is missing: unpack the whole tarball first" >&2
    exit 1
fi
mkdir -p "$(dirname "$prefix")" "$bin" "$share/applications" "$share/icons/hicolor/scalable/apps"
# Copy beside the old program, then swap, so a failed copy leaves the old version working.
rm -rf "$prefix.new"
cp -a "$here/posassist" "$prefix.new"
rm -rf "$prefix.old"
if [ -e "$prefix" ]; then mv "$prefix" "$prefix.old"; fi
mv "$prefix.new" "$prefix"
rm -rf "$prefix.old"
ln -sf "$prefix/posassist" "$bin/posassist"
ln -sf "$prefix/posassist-cli" "$bin/posassist-cli"
sed "s|^Exec=.*|Exec=$prefix/posassist|" "$here/posassist.desktop" > "$share/applications/posassist.desktop"
cp "$here/posassist.svg" "$share/icons/hicolor/scalable/apps/posassist.svg"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$share/applications" 2>/dev/null || true
echo "posassist installed in $prefix; run it from the menu, or as posassist (IT: posassist-cli doctor)"
