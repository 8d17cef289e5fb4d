#!/usr/bin/env bash
# Runs a command next to a throwaway, unlocked GNOME Keyring (the Secret Service Linux
# desktops use), so keyring tests hit a real store. Call it inside `dbus-run-session --`.
# The keyring lives in a temporary XDG_DATA_HOME: the user's own keyring is never touched.
set -euo pipefail
export XDG_DATA_HOME
XDG_DATA_HOME=$(mktemp -d)
# A non-empty password, or gnome-keyring tries to prompt and the keyring stays locked.
eval "$(printf tenantry-test | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL SSH_AUTH_SOCK
exec "$@"
