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

# The daemon takes the Secret Service's bus name a moment after it returns. A client
# that asks in between has D-Bus start a second daemon, with D-Bus's environment: no
# unlocked login keyring there, so creating a key asks for a new keyring's password at a
# prompt no one can answer, and the call waits for it (this hung an end-to-end test).
# So: anything D-Bus starts sees the same keyring, and the command starts only once the
# name is taken and the default collection is there.
dbus-update-activation-environment XDG_DATA_HOME GNOME_KEYRING_CONTROL
secrets_owned() {
  # NameHasOwner never starts a service.
  local reply
  reply=$(dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null) || return 1
  [[ $reply == *"boolean true"* ]]
}
default_collection() {
  local reply
  reply=$(dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
    org.freedesktop.Secret.Service.ReadAlias string:default 2>/dev/null) || return 1
  [[ $reply == *collection/* ]]
}
for _ in $(seq 1 200); do
  if secrets_owned && default_collection; then
    exec "$@"
  fi
  sleep 0.1
done
echo "with-keyring.sh: gnome-keyring's Secret Service did not come up on the session bus within 20 s" >&2
exit 1
