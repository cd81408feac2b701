# Front door: `make run` and `make test` install what is missing, configure, build, then run or test.
# The real build is CMake (CMakeLists.txt); this file only strings the steps together.

BUILD     ?= build
SANITIZE  ?=
JOBS      ?= $(shell nproc 2>/dev/null || echo 2)
LISTEN    ?= 127.0.0.1:8080
DB        ?= var/tcplens.db

.PHONY: all deps deps-test configure build run test bench fuzz format format-check clean

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

bench: deps-test configure-OFF
	@cmake --build $(BUILD) -j $(JOBS)
	@sh bench/run.sh

# libFuzzer (clang): every target for FUZZ_SECONDS each (default 60), starting from its
# committed corpus (tests/fuzz/corpus/<target>/); new inputs go to build-fuzz/corpus/<target>/.
# A crash leaves crash-* in build-fuzz/: minimise it and add it to the corpus.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= decode query utf8 pcapng codec note
fuzz: deps-test
	@cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
		-DCMAKE_C_FLAGS=-fsanitize=fuzzer-no-link -DTL_SANITIZE=ON -DTL_FUZZ=ON \
		-DTL_WEB_TESTS=OFF >/dev/null
	@cmake --build build-fuzz -j $(JOBS) $(addprefix --target fuzz_,$(FUZZ_TARGETS))
	@set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p build-fuzz/corpus/$$t; \
		echo "fuzz_$$t: $(FUZZ_SECONDS) s"; \
		(cd build-fuzz && bin/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			corpus/$$t ../tests/fuzz/corpus/$$t); \
	done

format:
	@clang-format -i --style=file $$(git ls-files '*.c' '*.h')

format-check:
	@clang-format --dry-run --Werror --style=file $$(git ls-files '*.c' '*.h')

clean:
	@rm -rf $(BUILD)
