#!/bin/sh
# Remove the posassist program installed by install.sh ([--system] as it was installed).
# The store, its backups and the settings are KEPT: they are the shop's customer history.
# To delete them too, add --purge-data (this user's data folder only, after a prompt).
set -eu
system=0; purge=0
for arg in "$@"; do
    case "$arg" in
        --system) system=1 ;;
        --purge-data) purge=1 ;;
        *) echo "usage: $0 [--system] [--purge-data]" >&2; exit 2 ;;
    esac
done
if [ "$system" = 1 ]; then
    prefix=/opt/posassist; bin=/usr/local/bin; share=/usr/share
else
    prefix="$HOME/.local/opt/posassist"; bin="$HOME/.local/bin"; share="$HOME/.local/share"
fi
rm -rf "$prefix"
rm -f "$bin/posassist" "$bin/posassist-cli" "$share/applications/posassist.desktop" \
    "$share/icons/hicolor/scalable/apps/posassist.svg"
data="${XDG_DATA_HOME:-$HOME/.local/share}/posassist"
config="${XDG_CONFIG_HOME:-$HOME/.config}/posassist"
if [ "$purge" = 1 ]; then
    printf 'Delete the store, its backups and settings in %s and %s? Type yes: ' "$data" "$config"
    read -r answer
    if [ "$answer" = yes ]; then rm -rf "$data" "$config"; echo "data deleted"; fi
else
    echo "posassist removed; the store and settings are kept in $data and $config"
fi
