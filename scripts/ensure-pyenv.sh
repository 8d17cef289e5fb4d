#!/usr/bin/env bash
# A Python virtual environment in .tools/pyenv with the two independent tools the tests
# check us against: securesystemslib (verifies our DSSE envelopes) and schemathesis
# (fuzzes the reference server against its own OpenAPI document).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

SSLIB_VERSION=1.6.0
SCHEMATHESIS_VERSION=4.32.5
venv="$TOOLS_DIR/pyenv"
if "$venv/bin/python" - "$SSLIB_VERSION" "$SCHEMATHESIS_VERSION" 2>/dev/null <<'PY'
import sys
from importlib.metadata import version
sys.exit(version("securesystemslib") != sys.argv[1] or version("schemathesis") != sys.argv[2])
PY
then
  say "securesystemslib $SSLIB_VERSION and schemathesis $SCHEMATHESIS_VERSION: ok"
  exit 0
fi
say "Installing securesystemslib $SSLIB_VERSION and schemathesis $SCHEMATHESIS_VERSION from PyPI into .tools/pyenv"
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check \
  "securesystemslib[crypto]==$SSLIB_VERSION" "schemathesis==$SCHEMATHESIS_VERSION"
