# Front door: `make run` and `make test` install what is missing, configure, build, then run or test.
# The real build is CMake (CMakeLists.txt); this file only strings the steps together.

BUILD     ?= build
SANITIZE  ?=
JOBS      ?= $(shell nproc 2>/dev/null || echo 2)
LISTEN    ?= 127.0.0.1:8080
DB        ?= var/tcplens.db

.PHONY: all deps deps-test configure build run test bench fuzz fuzz-run fuzz-if-clang format format-check clean

all: build

deps:
	@sh scripts/install-deps.sh run

deps-test:
	@sh scripts/install-deps.sh test

# Tests run under ASan+UBSan unless SANITIZE=OFF; `make run` and `make bench` build without them.
configure-%:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTL_SANITIZE=$* >/dev/null

build: deps configure-$(if $(SANITIZE),$(SANITIZE),OFF)
	@cmake --build $(BUILD) -j $(JOBS)

run: deps configure-$(if $(SANITIZE),$(SANITIZE),OFF)
	@cmake --build $(BUILD) -j $(JOBS)
	@mkdir -p $(dir $(DB))
	@exec $(BUILD)/bin/tcplensd --listen $(LISTEN) --db $(DB)

test: deps-test configure-$(if $(SANITIZE),$(SANITIZE),ON)
	@cmake --build $(BUILD) -j $(JOBS)
	@cd $(BUILD) && ctest --output-on-failure --repeat until-pass:2 -j $(JOBS)
	@$(MAKE) --no-print-directory fuzz-if-clang

bench: deps-test configure-OFF
	@cmake --build $(BUILD) -j $(JOBS)
	@sh bench/run.sh
	@sh bench/service.sh --ingest
	@sh bench/service.sh --load
	@sh bench/service.sh --scale

# libFuzzer (clang, under ASan+UBSan): every target for FUZZ_SECONDS each (default 60),
# FUZZ_JOBS at a time (default 2), starting from its committed corpus
# (tests/fuzz/corpus/<target>/); new inputs go to build-fuzz/corpus/<target>/, each run's output
# to build-fuzz/fuzz_<target>.log, its final stats to the terminal. A crash, leak or input slower
# than 30 s fails the run (the other targets still run) and leaves crash-*, leak-* or timeout-*
# in build-fuzz/: minimise it and add it to the corpus. `make test` ends with the same run
# (fuzz-if-clang) when clang can link libFuzzer, and says so when it cannot.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= decode query utf8 pcapng codec note
FUZZ_JOBS    ?= 2
FUZZ_BUILD   ?= build-fuzz
fuzz: deps-test
	@$(MAKE) --no-print-directory fuzz-run

fuzz-if-clang:
	@p=$${TMPDIR:-/tmp}/tl-fuzz-probe.$$$$; \
	if echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return d && n; }' | \
		clang -x c -fsanitize=fuzzer -o $$p - >/dev/null 2>&1; then \
		rm -f $$p; $(MAKE) --no-print-directory fuzz-run; \
	else \
		echo "fuzz: SKIPPED: clang cannot link libFuzzer here (sh scripts/install-deps.sh test)"; \
	fi

fuzz-run:
	@echo "fuzz: building $(FUZZ_TARGETS) with clang in $(FUZZ_BUILD)/"
	@cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
		-DCMAKE_C_FLAGS=-fsanitize=fuzzer-no-link -DTL_SANITIZE=ON -DTL_FUZZ=ON \
		-DTL_WEB_TESTS=OFF >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) $(addprefix --target fuzz_,$(FUZZ_TARGETS)) >/dev/null
	@echo "fuzz: $(FUZZ_SECONDS) s per target, $(FUZZ_JOBS) at a time"
	@$(MAKE) --no-print-directory --output-sync=target -k -j $(FUZZ_JOBS) \
		$(addprefix fuzz-target-,$(FUZZ_TARGETS))

fuzz-target-%:
	@mkdir -p $(FUZZ_BUILD)/corpus/$*
	@cd $(FUZZ_BUILD) && if bin/fuzz_$* -max_total_time=$(FUZZ_SECONDS) -timeout=30 \
		-print_final_stats=1 corpus/$* $(CURDIR)/tests/fuzz/corpus/$* >fuzz_$*.log 2>&1; then \
		echo "fuzz_$*: ok, $$(grep -E '^Done [0-9]+ runs' fuzz_$*.log | tail -n 1)"; \
		sed -n 's/^stat::/    /p' fuzz_$*.log; \
	else \
		echo "fuzz_$*: FAILED (exit $$?); the end of $(FUZZ_BUILD)/fuzz_$*.log:"; \
		tail -n 80 fuzz_$*.log; exit 1; \
	fi

format:
	@clang-format -i --style=file $$(git ls-files '*.c' '*.h')

format-check:
	@clang-format --dry-run --Werror --style=file $$(git ls-files '*.c' '*.h')

clean:
	@rm -rf $(BUILD)
