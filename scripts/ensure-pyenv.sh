#!/usr/bin/env bash
# A Python virtual environment in .tools/pyenv with securesystemslib, the independent
# DSSE implementation the interoperability test verifies our envelopes with.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

SSLIB_VERSION=1.6.0
venv="$TOOLS_DIR/pyenv"
if "$venv/bin/python" -c "import securesystemslib, sys; sys.exit(securesystemslib.__version__ != '$SSLIB_VERSION')" 2>/dev/null; then
  say "securesystemslib $SSLIB_VERSION (for the DSSE interoperability test): ok"
  exit 0
fi
say "Installing securesystemslib $SSLIB_VERSION from PyPI into .tools/pyenv (DSSE interoperability test)"
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "securesystemslib[crypto]==$SSLIB_VERSION"
