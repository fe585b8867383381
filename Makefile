# varve — the commands a user and a developer type.
#   make              build build/varve (optimised)
#   make test         install what is missing, build with ASan+UBSan, run every test through ctest
#   make quickstart   run varve's main job on this machine
#   make fuzz         run each fuzz target for FUZZ_SECONDS (default 30)
#   make tsan         build with ThreadSanitizer and run the concurrency tests
#   make bench        run the benchmarks and rewrite docs/benchmarks.md
#   make chaos-quick  the fault-injection suite: every scenario once (also part of make test)
#   make chaos        the fault-injection soak: CHAOS_SEEDS seeds per scenario, at most
#                     CHAOS_MINUTES minutes (docs/reliability.md)

JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 30
CHAOS_SEEDS ?= 20
CHAOS_MINUTES ?= 10
CMAKE ?= cmake

.PHONY: all varve deps test tsan fuzz quickstart bench bench-quick chaos chaos-quick format clean

all: varve

deps:
	@scripts/install-deps

varve: deps
	@$(CMAKE) -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
	@$(CMAKE) --build build -j $(JOBS)

CONC_TESTS = $(basename $(notdir $(wildcard tests/unit/test_conc_*.c)))
FUZZ_TARGETS = $(basename $(notdir $(wildcard tests/fuzz/fuzz_*.c)))

test: deps
	@$(CMAKE) -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DVARVE_SANITIZE=ON >/dev/null
	@$(CMAKE) --build build-asan -j $(JOBS)
	@cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest --output-on-failure -j $(JOBS)
	@$(MAKE) --no-print-directory tsan

# The concurrency tests (tests/unit/test_conc_*.c) again under ThreadSanitizer.
tsan: deps
	@$(CMAKE) -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DVARVE_TSAN=ON >/dev/null
	@$(CMAKE) --build build-tsan -j $(JOBS) --target $(CONC_TESTS)
	@cd build-tsan && TSAN_OPTIONS=halt_on_error=1 ctest --output-on-failure -L concurrency

fuzz: deps
	@CC=clang CXX=clang++ $(CMAKE) -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DVARVE_FUZZ=ON >/dev/null
	@$(CMAKE) --build build-fuzz -j $(JOBS) --target $(FUZZ_TARGETS)
	@set -e; for f in build-fuzz/fuzz_*; do \
		n=$$(basename $$f); mkdir -p tests/fuzz/corpus-$$n; \
		echo "fuzz: $$n for $(FUZZ_SECONDS)s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -print_final_stats=0 \
			tests/fuzz/corpus-$$n tests/fuzz/corpus/$$n >/dev/null 2>build-fuzz/$$n.log || \
			{ tail -50 build-fuzz/$$n.log; exit 1; }; \
	done; echo "fuzz: all targets clean"

chaos-quick: varve
	@VARVE_BIN=build/varve python3 tests/fault/chaos.py

chaos: varve
	@VARVE_BIN=build/varve python3 tests/fault/chaos.py --seed $${CHAOS_SEED:-1} \
		--seeds $(CHAOS_SEEDS) --minutes $(CHAOS_MINUTES)

quickstart: varve
	@scripts/quickstart

bench: varve
	@scripts/bench

bench-quick: varve
	@BENCH_QUICK=1 scripts/bench

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-asan build-tsan build-fuzz
