# Comptoir — the two commands: `make demo` and `make test`. Both install what is missing.
SHELL := /bin/bash
GO ?= go
VERSION := $(shell sed -n 's/^ *Version *= *"\(.*\)"/\1/p' FyneApp.toml)
LDFLAGS := -X main.version=$(VERSION)

.PHONY: all build demo test bench deps tools sandbox clean

all: build

deps:
	scripts/deps.sh build card mail ui

tools:
	scripts/tools.sh

build: deps
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/comptoir ./cmd/comptoir
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/mss-sandbox ./cmd/mss-sandbox

# Starts the client on its embedded sandbox operator with the test cards.
demo: build
	bin/comptoir -demo

# Runs gofmt, go vet, staticcheck and every test with -race.
test: deps tools
	scripts/test.sh

# Prints the performance figures named in the issues.
bench: deps tools
	scripts/bench.sh

clean:
	rm -rf bin dist build
