# ae — PGXS build.
#
#   make && make install && make installcheck    the PGXS way, against a running server
#   make demo                                     deps, build, throwaway cluster, sample table, top anomalies
#   make test                                     deps, build, unit tests, pg_regress and the rest of test/
#   make bench                                    benchmarks under test/bench

EXTENSION = ae
MODULE_big = ae
DATA = ae--0.1.0.sql ae--0.3.0.sql ae--0.1.0--0.2.0.sql ae--0.2.0--0.3.0.sql

CORE_SRCS = $(wildcard src/core/*.c)
PG_SRCS = $(wildcard src/rows/*.c src/train/*.c src/api/*.c)
OBJS = $(CORE_SRCS:.c=.o) $(PG_SRCS:.c=.o)

# OpenBLAS, serial variant: no threads spinning inside a backend or its
# parallel workers; parallelism comes from PostgreSQL's own workers.  It is
# not linked: src/core/blas.c opens BLAS_LIBRARY the first time a product
# needs it, so a process that only scores rows never pays its loading.
MULTIARCH := $(shell gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
BLAS_DIR ?= /usr/lib/$(MULTIARCH)/openblas-serial
BLAS_INC ?= /usr/include/$(MULTIARCH)/openblas-pthread
BLAS_LIBRARY ?= $(BLAS_DIR)/libopenblas.so.0
BLAS_DEF = -I$(BLAS_INC) -DAE_BLAS_LIBRARY='"$(BLAS_LIBRARY)"'
BLAS_LINK = -L$(BLAS_DIR) -l:libopenblas.so.0 -Wl,-rpath,$(BLAS_DIR)

PG_CPPFLAGS = -I$(srcdir)/src $(BLAS_DEF)
PG_CFLAGS = -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers -Wno-sign-compare
SHLIB_LINK = -lm

REGRESS = train score parallel columns arrays lstm conv impute kinds recipe errors corrupt security writeback versions plot thresholds progress
REGRESS_OPTS = --inputdir=. --load-extension=ae

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifneq ($(PGXS),)
include $(PGXS)

# progress NOTICEs carry timings, and a suite slowed down (valgrind, a busy
# machine) would show some: the suites run without them
installcheck: export PGOPTIONS := $(PGOPTIONS) -c ae.progress=off

# every object is rebuilt when any header of the project changes
$(OBJS): $(wildcard src/*/*.h)

# the numeric core at -O3, whose loops the compiler vectorises (sqrt too,
# errno never being read); not the kernels, vectorised by hand and chosen
# at run time (src/core/kernels.c), which -O3 made 5 times slower
$(filter-out src/core/kern_%.o,$(CORE_SRCS:.c=.o)): override CFLAGS += -O3 -fno-math-errno
else
all installcheck install:
	@echo "pg_config not found: run 'make deps' (as root) or set PG_CONFIG" >&2; exit 1
endif

# ---- unit tests of the numeric core (no PostgreSQL needed) ----

UNIT_CFLAGS = -std=c99 -O2 -g -Wall -Wextra -Werror -Isrc $(BLAS_DEF)
UNIT_BIN = test/unit/test_core test/unit/test_grad test/unit/test_format test/unit/test_frame \
	test/unit/test_kernels

test/unit/test_core: test/unit/test_core.c $(CORE_SRCS) src/core/*.h test/unit/unit.h
	$(CC) $(UNIT_CFLAGS) -o $@ test/unit/test_core.c $(CORE_SRCS) -lm

# gradient checks: the same core compiled in double precision
test/unit/test_grad: test/unit/test_grad.c $(CORE_SRCS) src/core/*.h test/unit/unit.h
	$(CC) $(UNIT_CFLAGS) -DAE_REAL_DOUBLE -o $@ test/unit/test_grad.c $(CORE_SRCS) -lm

test/unit/test_format: test/unit/test_format.c $(CORE_SRCS) src/core/*.h test/unit/unit.h
	$(CC) $(UNIT_CFLAGS) -o $@ test/unit/test_format.c $(CORE_SRCS) -lm

test/unit/test_kernels: test/unit/test_kernels.c $(CORE_SRCS) src/core/*.h test/unit/unit.h
	$(CC) $(UNIT_CFLAGS) -o $@ test/unit/test_kernels.c $(CORE_SRCS) -lm

test/unit/test_frame: test/unit/test_frame.c $(CORE_SRCS) src/core/*.h test/unit/unit.h
	$(CC) $(UNIT_CFLAGS) -o $@ test/unit/test_frame.c $(CORE_SRCS) -lm

test/bench/forward_parts: test/bench/forward_parts.c $(CORE_SRCS) src/core/*.h
	$(CC) $(UNIT_CFLAGS) -o $@ test/bench/forward_parts.c $(CORE_SRCS) -lm

# the core's sgemm peak and the training step's products, for `run-bench.sh train`
test/bench/sgemm_peak: test/bench/sgemm_peak.c
	$(CC) $(UNIT_CFLAGS) -o $@ test/bench/sgemm_peak.c $(BLAS_LINK)

unit: $(UNIT_BIN)
	@for t in $(UNIT_BIN); do echo "== $$t"; ./$$t || exit 1; done

# The same unit tests under AddressSanitizer (LeakSanitizer included) and
# UndefinedBehaviorSanitizer, as separate binaries: any report aborts the
# binary, and a nonzero exit fails the target.  Leak detection stays on:
# every test frees its regions and buffers, so a leak is a real bug.
SAN_CC ?= clang
SAN_CFLAGS = -std=c99 -O1 -g -Wall -Wextra -Werror -Isrc $(BLAS_DEF) \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_BIN = $(UNIT_BIN:=.san)
SAN_ENV = ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

test/unit/test_core.san: test/unit/test_core.c $(CORE_SRCS) src/core/*.h test/unit/unit.h
	$(SAN_CC) $(SAN_CFLAGS) -o $@ test/unit/test_core.c $(CORE_SRCS) -lm

test/unit/test_grad.san: test/unit/test_grad.c $(CORE_SRCS) src/core/*.h test/unit/unit.h
	$(SAN_CC) $(SAN_CFLAGS) -DAE_REAL_DOUBLE -o $@ test/unit/test_grad.c $(CORE_SRCS) -lm

test/unit/test_format.san: test/unit/test_format.c $(CORE_SRCS) src/core/*.h test/unit/unit.h
	$(SAN_CC) $(SAN_CFLAGS) -o $@ test/unit/test_format.c $(CORE_SRCS) -lm

test/unit/test_kernels.san: test/unit/test_kernels.c $(CORE_SRCS) src/core/*.h test/unit/unit.h
	$(SAN_CC) $(SAN_CFLAGS) -o $@ test/unit/test_kernels.c $(CORE_SRCS) -lm

test/unit/test_frame.san: test/unit/test_frame.c $(CORE_SRCS) src/core/*.h test/unit/unit.h
	$(SAN_CC) $(SAN_CFLAGS) -o $@ test/unit/test_frame.c $(CORE_SRCS) -lm

unit-sanitize: $(SAN_BIN)
	@for t in $(SAN_BIN); do echo "== $$t"; $(SAN_ENV) ./$$t || exit 1; done

EXTRA_CLEAN = $(UNIT_BIN) $(SAN_BIN) test/bench/forward_parts test/bench/sgemm_peak test/fuzz/fuzz_format test/fuzz/fuzz_frame \
	regression.diffs regression.out results

.PHONY: deps unit unit-sanitize test test-citus demo bench valgrind print-regress
print-regress:
	@echo $(REGRESS)

deps:
	@bash test/setup-deps.sh

test:
	@bash test/run-tests.sh

demo:
	@bash test/demo/run-demo.sh

# ae on a local Citus cluster: coordinator and two workers (builds Citus from
# ../shared/citus when it is not installed; CITUS_SRC points elsewhere)
test-citus:
	@bash test/citus/run-citus.sh

# the pg_regress suites against a server under valgrind (slow; not part of make test)
valgrind:
	@bash test/valgrind/run.sh

bench:
	@bash test/bench/run-bench.sh

# ---- fuzzing the model reader and the sample frame reader (libFuzzer; clang) ----
#
#   make fuzz-smoke                FUZZ_SMOKE_TIME (20) seconds per target from the seeds
#                                  alone, in a fresh directory; one "N passed, N failed"
#                                  line per target (a crash or a failed build fails)
#   make fuzz                      FUZZ_TIME (60) seconds per target; the corpus under
#                                  $(FUZZ_DIR) grows across runs

FUZZ_CC ?= clang
FUZZ_TARGETS = format frame
FUZZ_TIME ?= 60
FUZZ_DIR ?= tmp_check/fuzz
FUZZ_SMOKE_TIME ?= 20
FUZZ_SMOKE_DIR ?= tmp_check/fuzz-smoke
FUZZ_CFLAGS = -std=c99 -O1 -g -Wall -Wextra -Werror -Isrc $(BLAS_DEF) \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

test/fuzz/fuzz_%: test/fuzz/fuzz_%.c $(CORE_SRCS) src/core/*.h test/unit/unit.h
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(CORE_SRCS) -lm

fuzz-smoke:
	@st=0; for t in $(FUZZ_TARGETS); do \
		bash test/fuzz/run.sh $$t $(FUZZ_SMOKE_TIME) $(FUZZ_SMOKE_DIR)/$$t fresh || st=1; done; exit $$st

fuzz:
	@st=0; for t in $(FUZZ_TARGETS); do \
		bash test/fuzz/run.sh $$t $(FUZZ_TIME) $(FUZZ_DIR)/$$t keep || st=1; done; exit $$st

.PHONY: fuzz fuzz-smoke
