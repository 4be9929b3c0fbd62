# aiomon-attach - one plain GNU Makefile.
#
#   make            build build/aiomon-attach
#   make demo       install what is missing (Debian), build, run the bundled asyncio app and dump it
#   make check      install what is missing, build, unit tests under ASan+UBSan, all integration tests
#   make check-unit | check-integration | check-layering | check-man
#   make tables     regenerate pyframes/tables/*.c from reference DWARF builds
#   make bench      benchmarks (bench/)
#   make fuzz       libFuzzer runs with a time budget (FUZZ_SECONDS)

.DELETE_ON_ERROR:
.SUFFIXES:

CC      ?= cc
CFLAGS  ?= -O2 -g
PREFIX  ?= /usr/local

WARN = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes \
       -Wold-style-definition -Wvla -Wwrite-strings -Wundef -Wimplicit-fallthrough
PKGS = libdw libelf ncursesw
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
UNW_LIBS   := $(shell pkg-config --libs libunwind-ptrace 2>/dev/null)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)

ALL_CFLAGS = -std=gnu11 $(WARN) -D_GNU_SOURCE -I. $(PKG_CFLAGS) $(CFLAGS) -DAIOMON_VERSION=\"0.1.0\"
ALL_LIBS   = $(PKG_LIBS) $(UNW_LIBS) -lm

SAN = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

SRC_DIRS  := common attach snapshot pyframes unwind view ui cmd
LIB_SRCS  := $(sort $(filter-out cmd/main.c,$(wildcard $(SRC_DIRS:%=%/*.c) pyframes/tables/*.c)))
MAIN_SRCS := cmd/main.c
UNIT_SRCS := $(sort $(wildcard tests/unit/*.c))

B  ?= build
BA ?= build-asan

LIB_OBJS   = $(LIB_SRCS:%.c=$(B)/%.o)
LIB_OBJS_A = $(LIB_SRCS:%.c=$(BA)/%.o)
UNIT_OBJS_A = $(UNIT_SRCS:%.c=$(BA)/%.o)

.PHONY: all demo check check-unit check-integration check-layering check-man check-tables rootfs \
        deps test-deps \
        tables bench fuzz install clean

all: $(B)/aiomon-attach

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BA)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) $(SAN) -O1 -MMD -MP -c -o $@ $<

$(B)/libaiomon.a: $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

$(BA)/libaiomon.a: $(LIB_OBJS_A)
	rm -f $@
	ar rcs $@ $^

$(B)/aiomon-attach: $(B)/cmd/main.o $(B)/libaiomon.a
	$(CC) $(CFLAGS) -o $@ $^ $(ALL_LIBS)

$(BA)/aiomon-attach: $(BA)/cmd/main.o $(BA)/libaiomon.a
	$(CC) $(SAN) -o $@ $^ $(ALL_LIBS)

$(BA)/unit-tests: $(UNIT_OBJS_A) $(BA)/libaiomon.a
	$(CC) $(SAN) -o $@ $^ $(ALL_LIBS) $(CHECK_LIBS)

-include $(shell find $(B) $(BA) -path $(B)/rootfs -prune -o -name '*.d' -type f -print 2>/dev/null)

deps:
	@scripts/deps.sh run

test-deps:
	@scripts/deps.sh test

demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh

check: test-deps
	@$(MAKE) --no-print-directory all $(BA)/unit-tests $(BA)/aiomon-attach
	@$(MAKE) --no-print-directory rootfs check-layering check-man check-unit check-tables \
	    fuzz-smoke check-integration

# The root file systems of the container interpreters (tests/rootfs/build.sh,
# cached under build/rootfs): Debian unstable (3.13, 3.14, 3.15 and their -dbg
# packages) and Debian 11 (3.9).  When Debian's registry cannot be reached
# this says so; tests/integration/run then reports those interpreters skipped.
rootfs:
	@for d in sid bullseye; do \
	    tests/rootfs/build.sh $$d $(B)/rootfs >/dev/null; rc=$$?; \
	    [ $$rc -eq 0 ] && echo "rootfs: $$d ready" && continue; \
	    [ $$rc -eq 2 ] && echo "rootfs: $$d not built (no registry): its tests will be skipped" && continue; \
	    exit 1; \
	done

# the built-in layout tables equal what DWARF gives on every reference build present
check-tables: $(B)/gen-tables
	@tools/check-tables.sh $(B)/gen-tables

check-unit: $(BA)/unit-tests
	CK_DEFAULT_TIMEOUT=60 $(BA)/unit-tests

check-integration: $(B)/aiomon-attach $(BA)/aiomon-attach
	AIOMON=$(CURDIR)/$(B)/aiomon-attach AIOMON_ASAN=$(CURDIR)/$(BA)/aiomon-attach \
	    tests/integration/run

check-layering:
	@scripts/check-layering.sh

check-man: $(B)/aiomon-attach
	@scripts/check-man.sh $(B)/aiomon-attach man/aiomon-attach.1

tables: $(B)/gen-tables
	tools/gen-tables.sh $(B)/gen-tables

$(B)/gen-tables: $(B)/tools/gen-tables.o $(B)/libaiomon.a
	$(CC) $(CFLAGS) -o $@ $^ $(ALL_LIBS)

bench: $(B)/aiomon-attach
	bench/run.sh $(B)/aiomon-attach

install: $(B)/aiomon-attach
	install -D -m 0755 $(B)/aiomon-attach $(DESTDIR)$(PREFIX)/bin/aiomon-attach
	install -D -m 0644 man/aiomon-attach.1 $(DESTDIR)$(PREFIX)/share/man/man1/aiomon-attach.1

clean:
	rm -rf $(B) $(BA)

# tools/capture-image: record what a snapshot's walk of a live process reads
# into a memory image (attach/image.h) for unit tests and fuzzing seeds.
$(B)/capture-image: $(B)/tools/capture-image.o $(B)/libaiomon.a
	$(CC) $(CFLAGS) -o $@ $^ $(ALL_LIBS)

# Fuzzing (fuzz/README.md): libFuzzer harnesses built with clang; the library
# is rebuilt under $(BF) with -fsanitize=fuzzer-no-link,address,undefined.
#   make fuzz [FUZZ_SECONDS=60]   each harness for FUZZ_SECONDS
#   make fuzz-smoke               each harness for FUZZ_SMOKE_SECONDS (10), after
#                                 replaying fuzz/regressions/; part of make check
FUZZ_CC            ?= clang
FUZZ_SECONDS       ?= 60
FUZZ_SMOKE_SECONDS ?= 10
FUZZ_NAMES         ?= walk json elf core
BF                 ?= $(B)/fuzz
FUZZ_SAN = -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
           -fno-omit-frame-pointer
FUZZ_BINS  = $(FUZZ_NAMES:%=$(BF)/fuzz_%)
LIB_OBJS_F = $(LIB_SRCS:%.c=$(BF)/%.o)

.PHONY: fuzz-smoke fuzz-build
.SECONDARY: $(FUZZ_NAMES:%=$(BF)/fuzz/fuzz_%.o)

$(BF)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(ALL_CFLAGS) $(FUZZ_SAN) -Ifuzz -MMD -MP -c -o $@ $<

$(BF)/libaiomon.a: $(LIB_OBJS_F)
	rm -f $@
	ar rcs $@ $^

$(BF)/fuzz_%: $(BF)/fuzz/fuzz_%.o $(BF)/libaiomon.a
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(ALL_LIBS)

-include $(shell find $(BF) -name '*.d' -type f -print 2>/dev/null)

fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run.sh $(BF) $(FUZZ_NAMES)

fuzz-smoke: $(FUZZ_BINS)
	FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS) fuzz/run.sh $(BF) $(FUZZ_NAMES)
