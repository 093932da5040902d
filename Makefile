# Darkroom: the two commands that matter are `make run` and `make test`.
# Both install what is missing first, so they work on a fresh Debian machine as root.

SHELL := /bin/bash
SWIFT_BIN ?= /opt/swift/usr/bin
export PATH := $(SWIFT_BIN):$(PATH)

APT_PACKAGES := libvips-dev libvips-tools libsqlite3-dev pkg-config fonts-dejavu-core curl python3-venv chromium chromium-driver wrk postgresql openssl
VENV := .venv
PY := $(VENV)/bin/python
CORPUS ?= ../shared/corpus
# `make run` serves on PORT with data in DATA; `make process` runs the batch job on INPUT.
PORT ?= 8080
DATA ?= data
INPUT ?= $(CORPUS)/bench
OUT ?= out
RECIPE ?= default

.PHONY: run process test e2e build release deps apt venv bench clean format lint

run: deps release
	.build/release/darkroom serve --port $(PORT) --data $(DATA)

process: deps release
	.build/release/darkroom process $(INPUT) --recipe $(RECIPE) --out $(OUT)

# The Swift suites, then the end-to-end suites (browser and AWS) in pytest against the built binary.
test: deps venv
	swift build --build-tests
	swift test --skip-build --parallel --num-workers 2
	$(PY) -m pytest e2e -q -rs

e2e: deps venv
	swift build --product darkroom
	$(PY) -m pytest e2e -q -rs

build: deps
	swift build

release: deps
	swift build -c release --product darkroom

bench: deps venv release
	$(PY) bench/bench.py --darkroom .build/release/darkroom --photos $(CORPUS)/bench
	$(PY) bench/bench_service.py --darkroom .build/release/darkroom --photos $(CORPUS)/bench
	$(PY) bench/bench_loadgen.py --darkroom .build/release/darkroom --photos $(CORPUS)/bench
	$(PY) bench/bench_scale_out.py --darkroom .build/release/darkroom --photos $(CORPUS)/bench
	DARKROOM_BINARY=.build/release/darkroom $(PY) bench/bench_aws.py --photos $(CORPUS)/bench
	$(PY) bench/bench_transform.py --darkroom .build/release/darkroom --photos $(CORPUS)/bench

deps: apt

# Installs only the packages that are missing, so a warm machine spends no time here.
apt:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq $$missing </dev/null; \
	fi
	@command -v swift >/dev/null || { echo "Swift was not found at $(SWIFT_BIN); set SWIFT_BIN"; exit 1; }

# Python tools (the benchmark peers, selenium, moto, boto3) live in a virtual environment
# inside the checkout.
venv: $(VENV)/.ready
$(VENV)/.ready: bench/requirements.txt e2e/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q -r bench/requirements.txt -r e2e/requirements.txt
	touch $@

format:
	swift format format --in-place --recursive Sources Tests Package.swift

lint:
	swift format lint --strict --recursive Sources Tests Package.swift

clean:
	rm -rf .build $(OUT) $(DATA) test-output
