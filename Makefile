# Comptoir — the two commands: `make demo` and `make test`. Both install what is missing.
SHELL := /bin/bash
GO ?= go
VERSION := $(shell sed -n 's/^ *Version *= *"\(.*\)"/\1/p' FyneApp.toml)
LDFLAGS := -X main.version=$(VERSION)

.PHONY: all build demo test bench deps tools sandbox clean windows linux-package package-test screenshots

all: build

deps:
	scripts/deps.sh build card mail ui

tools:
	scripts/tools.sh

# The release binary (no demo mode, no test parts) and the sandbox operator.
build: deps
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/comptoir ./cmd/comptoir
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/mss-sandbox ./cmd/mss-sandbox

# Starts the client on its embedded sandbox operator with the test cards (a build with the
# demo tag: -demo and the tours exist only there).
demo: deps
	$(GO) build -tags demo -ldflags '$(LDFLAGS)' -o bin/comptoir-demo ./cmd/comptoir
	bin/comptoir-demo -demo

# Runs the sandbox operator stand-alone, with the demo seed, on fixed loopback ports.
sandbox: build
	bin/mss-sandbox serve --data "$${XDG_DATA_HOME:-$$HOME/.local/share}/comptoir/mss-sandbox" --seed --validation-delay 10s

# Runs gofmt, go vet, staticcheck and every test with -race.
test: tools
	scripts/deps.sh build card mail ui keyring windows package
	scripts/test.sh

# Prints the performance figures named in the issues.
bench: deps tools
	scripts/bench.sh

clean:
	rm -rf bin dist build

# Packages (docs: README "Installer"). The version comes from FyneApp.toml.
# dist/comptoir.exe (GUI) and dist/comptoir.com (command line): Windows amd64, cross-compiled
# with mingw-w64 (cold ~6-7 min, then cached); then the installer dist/comptoir-<version>-x64.msi
# (wixl, packaging/windows/comptoir.wxs).
windows:
	scripts/deps.sh build windows
	scripts/package-windows.sh

# dist/comptoir-<version>-linux-<arch>.tar.xz (fyne package) and dist/comptoir_<version>-<build>_<arch>.deb.
linux-package:
	scripts/deps.sh build package
	scripts/package-linux.sh

# Builds both, installs them into temp prefixes and runs them (Linux, and wine for Windows:
# the MSI installed silently, upgraded and removed).
package-test:
	scripts/deps.sh build windows package
	scripts/package-test.sh

# Saves a PNG of each main screen of the real app (demo, under Xvfb) in docs/screenshots/.
.PHONY: screenshots
screenshots: deps
	scripts/screenshots.sh
