# Tenantry: two commands for a fresh Debian 12 / Ubuntu 24.04 machine.
#   make run    install what is missing, build the UI, start the app (embedded SQLite)
#               next to a local sandbox of the platform server
#   make test   install what the tests need, run every check and test
# Both print what they install and work as root or through sudo.

SHELL := /bin/bash
export PATH := $(CURDIR)/.tools/node/bin:$(HOME)/.cargo/bin:$(PATH)

.PHONY: run test deps ui bindings clean

run: deps ui
	scripts/run.sh

test:
	scripts/test.sh

deps:
	scripts/install-deps.sh run

ui:
	npm --prefix ui ci --no-audit --no-fund
	npm --prefix ui run build

# Regenerate ui/src/bindings.ts after changing a command or an IPC type.
bindings:
	UPDATE_BINDINGS=1 cargo test -p tenantry-desktop --test bindings

clean:
	rm -rf target ui/dist ui/node_modules .tools
