# Shared helpers for the set-up and test scripts. Sourced, not run.

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
warn() { printf '\033[33mwarning:\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# Root runs apt directly; anyone else goes through sudo (which asks for a password once).
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root to run: $* (install sudo or run as root)"
  fi
}

# Tools we install into the repository (a newer Node, when the system's is too old).
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS_DIR="$REPO_ROOT/.tools"
export PATH="$TOOLS_DIR/node/bin:$HOME/.cargo/bin:$PATH"
