# Thin wrapper over CMake and CTest. `make demo` runs the main job, `make test` every test.
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: all deps configure build test unit catalogue demo bench-events bench-registry fuzz install deb image clean

all: build

deps:
	./scripts/install-deps.sh

configure: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: configure
	cmake --build $(BUILD) -j$(JOBS)

test: build
	./scripts/prepare-host.sh
	cd $(BUILD) && ctest --output-on-failure --timeout 900
	./scripts/catalogue-table.py $(BUILD)/catalogue $(BUILD)/catalogue.md

unit: build
	cd $(BUILD) && ctest --output-on-failure -L unit

# Upstream's gadget catalogue built and run, and docs/catalogue.md written from the results.
catalogue: build
	./scripts/prepare-host.sh
	cd $(BUILD) && ctest --output-on-failure -L 'catalogue|vm'
	./scripts/catalogue-table.py $(BUILD)/catalogue

demo: build
	./scripts/prepare-host.sh
	./scripts/demo.sh $(BUILD)

# Every libFuzzer target for FUZZ_SECONDS each (default 300); figures in bench/fuzz/RESULTS.md.
FUZZ_SECONDS ?= 300
fuzz: build
	./scripts/fuzz-campaign.sh $(BUILD) $(FUZZ_SECONDS)

# ig run -o json vs bpftrace vs a counting libbpf consumer (root; minutes; see bench/events).
bench-events: deps
	./scripts/prepare-host.sh
	BUILD=$(BUILD) ./bench/events/run.sh

# ig image push/pull of a 256 MiB layer vs skopeo copy vs raw curl, local registry (see bench/registry).
bench-registry: deps
	BUILD=$(BUILD) ./bench/registry/run.sh

# ig, the gadget headers, man page and completions under PREFIX (DESTDIR stages them).
PREFIX ?= /usr/local
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

# The Debian package (ig_VERSION_ARCH.deb in $(BUILD)), from the same build.
deb: build
	cd $(BUILD) && cpack -G DEB

# The container image of packaging/kubernetes/ig.yaml (buildah, from scratch), as $(IMAGE).
IMAGE ?= ig:latest
image: build
	packaging/kubernetes/build-image.sh $(BUILD)/cli/ig $(IMAGE)

clean:
	rm -rf $(BUILD)
