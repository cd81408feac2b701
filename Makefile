# Front door: `make run` and `make test` install what is missing, configure, build, then run or test.
# The real build is CMake (CMakeLists.txt); this file only strings the steps together.

BUILD     ?= build
SANITIZE  ?=
JOBS      ?= $(shell nproc 2>/dev/null || echo 2)
LISTEN    ?= 127.0.0.1:8080
DB        ?= var/tcplens.db

.PHONY: all deps deps-test configure build run test bench format format-check clean

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
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

bench: deps-test configure-OFF
	@cmake --build $(BUILD) -j $(JOBS)
	@sh bench/run.sh

format:
	@clang-format -i --style=file $$(git ls-files '*.c' '*.h')

format-check:
	@clang-format --dry-run --Werror --style=file $$(git ls-files '*.c' '*.h')

clean:
	@rm -rf $(BUILD)
