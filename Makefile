# Sift — two commands on a fresh Debian machine (see README.md):
#   make quickstart   runs the main job (Experiments/quickstart.yaml on the shipped models)
#   make test   runs the tests
# Both install the Debian packages they need first (apt-get, as root or through sudo).

SWIFT ?= swift
APT_PACKAGES := libopenblas-dev libpng-dev zlib1g-dev dataset-fashion-mnist pkg-config
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo -n)
SIFT := .build/release/sift
# The tests use the OpenBLAS kernels `sift` selects for itself (BLASCore.relaunchWithBestKernels):
# AVX-512 (SkylakeX) or AVX2 (Haswell) when the CPU has them, instead of the generic fallback.
BLAS_CORE := $(shell f=$$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null); \
  if echo "$$f" | grep -q avx512bw && echo "$$f" | grep -q avx512vl && echo "$$f" | grep -q avx512dq; then echo SkylakeX; \
  elif echo "$$f" | grep -q avx2; then echo Haswell; fi)

.PHONY: quickstart demo bench bench-torch figures test deps slurm build clean fuzz fuzz-build fuzz-smoke

deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi
	@command -v $(SWIFT) >/dev/null || { echo "error: Swift 6 toolchain not found (looked for '$(SWIFT)' on PATH)"; exit 1; }
	@# The worker tests and adapters (adapters/python) need python3 with NumPy.
	@python3 -c "import numpy" 2>/dev/null || { \
	  echo "Installing python3 and NumPy (Debian python3-numpy) for the worker adapters"; \
	  { $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3 python3-numpy; } || true; \
	  python3 -c "import numpy" 2>/dev/null || python3 -m pip install --quiet numpy; \
	  python3 -c "import numpy" || { echo "error: python3 with NumPy is needed for the worker tests"; exit 1; }; }

# A one-node Slurm cluster on this machine for the Slurm tests (installs slurm-wlm and munge when
# missing; needs root or passwordless sudo). Without them the Slurm tests skip, except under CI.
slurm:
	@if [ "$$(id -u)" = 0 ] || sudo -n true 2>/dev/null; then sh scripts/slurm-local.sh; \
	elif [ -n "$$CI" ]; then echo "error: CI runs the Slurm tests and needs root or passwordless sudo to start Slurm"; exit 1; \
	else echo "Slurm not started (needs root or sudo): the Slurm tests will skip"; fi

build: deps
	$(SWIFT) build -c release --product sift

# The main job: the quickstart experiment (best-of-N random search on sit-s with the clf-vit
# verifier, 100 samples, N = 1, 4, 16) end to end; prints its table. Reruns reuse finished cells.
quickstart: build
	$(SIFT) run Experiments/quickstart.yaml

demo: quickstart

# Speed of the tensor core and the models (not part of the main job).
bench: build
	$(SIFT) bench gemm --quick
	$(SIFT) bench ops
	$(SIFT) bench model --batches 1,64 --inference-only

# Rebuild every figure declared in Analysis/figures.yaml from the committed results.
figures: build
	$(SIFT) report --figures Analysis/figures.yaml

# Tests run optimised (numerical and training tests are slow in a debug build), one at a time:
# some change the global thread count to check that results do not depend on it, and our own
# loops and OpenBLAS already keep both cores busy.
TEST_FLAGS := -c release -Xswiftc -enable-testing

# Tests pin results bit for bit. They hold with the OpenBLAS kernel set `sift` picks from the CPU
# flags (BLAS_CORE: SkylakeX on AVX-512, Haswell on AVX2; the products that decide a sample run on
# Sift's own kernels where OpenBLAS's round differently, BLASCore.openBLASMatchesOwnKernels), so the
# tests set OPENBLAS_CORETYPE themselves instead of inheriting one from the environment.
test: deps slurm
	$(SWIFT) build --build-tests $(TEST_FLAGS)
	OPENBLAS_CORETYPE=$(BLAS_CORE) OPENBLAS_THREAD_TIMEOUT=$${OPENBLAS_THREAD_TIMEOUT:-20} \
	  $(SWIFT) test --skip-build --no-parallel $(TEST_FLAGS)
	cd adapters/python && python3 -m unittest discover -s tests

# Sift against PyTorch on the same SiT configurations, interleaved (optional: needs `pip install torch`).
bench-torch: build
	@python3 -c "import torch" 2>/dev/null || { echo "bench-torch needs PyTorch: pip install torch"; exit 1; }
	python3 bench/torch_sit.py --sift $(SIFT)

# Fuzzing the loaders with libFuzzer + AddressSanitizer (a separate build in .build-fuzz): each
# target runs until FUZZ_RUNS executions or FUZZ_SECONDS seconds, whichever comes first, from its
# committed seed corpus (Tests/Fuzz/<target>/corpus; new inputs go to .build-fuzz/corpus/<target>,
# crashes to .build-fuzz/crashes/). `make fuzz-smoke` is a one-minute pass of every target.
FUZZ_TARGETS := safetensors idx npy png experiment summary csv
FUZZ_RUNS ?= 1000000
FUZZ_SECONDS ?= 600
FUZZ_BIN := .build-fuzz/release/sift-fuzz

fuzz-build: deps
	$(SWIFT) build -c release --product sift-fuzz --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DSIFT_FUZZ

fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p .build-fuzz/corpus/$$t .build-fuzz/crashes; \
	  echo "== $$t"; \
	  SIFT_FUZZ_TARGET=$$t $(FUZZ_BIN) .build-fuzz/corpus/$$t Tests/Fuzz/$$t/corpus -runs=$(FUZZ_RUNS) -max_total_time=$(FUZZ_SECONDS) \
	    -max_len=65536 -timeout=10 -rss_limit_mb=2048 -artifact_prefix=.build-fuzz/crashes/$$t- -print_final_stats=1 || exit 1; \
	done

fuzz-smoke:
	$(MAKE) fuzz FUZZ_SECONDS=8

clean:
	rm -rf .build Results/demo Results/quickstart
