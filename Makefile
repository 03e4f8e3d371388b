# Vitalgate. `make run` for the local demo, `make test` for every test.
SHELL := /bin/bash
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEBS := pkg-config libmosquitto-dev libsqlite3-dev libsodium-dev mosquitto mosquitto-clients litecoind openssl
BIN_DIR = $(shell $(SWIFT) build --show-bin-path)

.PHONY: deps build build-tests test run bench release clean

## deps: install the Debian packages the build, the tests and the demo need
deps:
	@missing=$$(for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing: $$missing"; \
		$(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; \
	fi

build: deps
	$(SWIFT) build

build-tests: deps
	$(SWIFT) build --build-tests

## test: unit tests, then integration tests against real mosquitto, litecoind and SQLite
test: build-tests
	VITALGATE_BIN=$(BIN_DIR)/vitalgate VITALGATE_ROOT=$(CURDIR) $(SWIFT) test --skip-build

## run: the local demo (broker, regtest ledger, block producer, devices, agent) with live progress
run: build
	VITALGATE_BIN=$(BIN_DIR)/vitalgate ./scripts/demo.sh

release: deps
	$(SWIFT) build -c release --static-swift-stdlib
	@ls -l $$($(SWIFT) build -c release --show-bin-path)/vitalgate

clean:
	rm -rf .build .state
