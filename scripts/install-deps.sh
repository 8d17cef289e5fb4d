#!/usr/bin/env bash
# Installs what Tenantry needs on Debian 12 / Ubuntu 24.04, and says what it installs.
#   install-deps.sh run    build and run the desktop app
#   install-deps.sh test   also everything the test suite needs
# Already-installed packages are left alone; nothing is installed without being named.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

mode=${1:-run}
run_packages=(build-essential pkg-config libwebkit2gtk-4.1-dev libdbus-1-dev fonts-dejavu-core ca-certificates curl)
# The e2e suite drives the real app (Xvfb, WebKitWebDriver, a session bus); the UI suite
# drives Chromium; the store suite needs a Postgres server (initdb for a throwaway one);
# the key-store suite a real Secret Service (gnome-keyring); the DSSE interoperability
# test Python (securesystemslib goes into .tools/pyenv); xdotool answers the native file
# dialogs in the e2e test of import, export and the logo; poppler-utils (pdftotext,
# pdfinfo) reads the handoff PDFs back as a real reader would.
test_packages=(xvfb xauth webkit2gtk-driver dbus at-spi2-core gsettings-desktop-schemas
  chromium postgresql postgresql-client python3 python3-venv gnome-keyring keyutils xdotool
  poppler-utils)

case "$mode" in
  run) packages=("${run_packages[@]}") ;;
  test) packages=("${run_packages[@]}" "${test_packages[@]}") ;;
  *) die "usage: $0 run|test" ;;
esac

command -v apt-get >/dev/null 2>&1 || die "this script supports Debian and Ubuntu (apt); install the equivalents of: ${packages[*]}"

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "Installing system packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  say "System packages: all present (${#packages[@]} checked)"
fi

"$(dirname "$0")/ensure-node.sh"

if ! command -v cargo >/dev/null 2>&1; then
  if apt-cache policy rustup 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    say "Installing rustup (Rust toolchain manager) from apt"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rustup
  else
    die "Rust is not installed. Install it with rustup (https://rustup.rs), then run this again; rust-toolchain.toml selects the version."
  fi
fi

if [ "$mode" = test ]; then
  "$(dirname "$0")/ensure-pyenv.sh"
fi

if [ "$mode" = test ] && ! command -v tauri-driver >/dev/null 2>&1; then
  say "Installing tauri-driver (WebDriver bridge for the end-to-end tests) with cargo"
  cargo install tauri-driver --locked --quiet
fi
