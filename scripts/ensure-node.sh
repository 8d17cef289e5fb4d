#!/usr/bin/env bash
# Makes sure a Node.js new enough for the UI toolchain (Vite 8: >= 20.19) is on PATH.
# Debian 12 and Ubuntu 24.04 ship Node 18, so when the system's is missing or older,
# this unpacks the official Node build published on the npm registry (package
# node-linux-<arch>, which holds only the node binary) and npm itself (package npm,
# dependencies bundled) into .tools/node, without touching the system.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

NODE_VERSION=20.20.2
NPM_VERSION=10.9.4
required_major=20 required_minor=19

node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  local version major minor
  version=$(node --version 2>/dev/null | sed 's/^v//')
  major=${version%%.*}; minor=$(echo "$version" | cut -d. -f2)
  [ "$major" -gt "$required_major" ] || { [ "$major" -eq "$required_major" ] && [ "$minor" -ge "$required_minor" ]; }
}

if node_ok; then
  say "Node.js $(node --version): ok"
  exit 0
fi

case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) die "no Node.js build for $(uname -m); install Node.js >= 20.19 yourself" ;;
esac
say "Node.js >= 20.19 not found ($(node --version 2>/dev/null || echo none)); installing Node $NODE_VERSION into .tools/node"
registry=https://registry.npmjs.org
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/node" "$scratch/npm"
curl -fsSL "$registry/node-linux-$arch/-/node-linux-$arch-$NODE_VERSION.tgz" | tar -xz -C "$scratch/node"
curl -fsSL "$registry/npm/-/npm-$NPM_VERSION.tgz" | tar -xz -C "$scratch/npm"
rm -rf "$TOOLS_DIR/node"
mkdir -p "$TOOLS_DIR/node/lib"
mv "$scratch/node/package/bin" "$TOOLS_DIR/node/bin"
mv "$scratch/npm/package" "$TOOLS_DIR/node/lib/npm"
for tool in npm npx; do
  printf '#!/bin/sh\nexec "$(dirname "$0")/node" "$(dirname "$0")/../lib/npm/bin/%s-cli.js" "$@"\n' "$tool" >"$TOOLS_DIR/node/bin/$tool"
  chmod +x "$TOOLS_DIR/node/bin/$tool"
done
node_ok || die "the unpacked Node.js does not run: $TOOLS_DIR/node/bin/node"
say "Node.js $(node --version) and npm $(npm --version) installed in .tools/node (used by make; nothing system-wide changed)"
