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

# The one version string: the file VERSION.  --version prints it (cmd/options.c
# gets it as AIOMON_VERSION) and check-man compares the man page's with it.
VERSION := $(strip $(file < VERSION))
$(if $(VERSION),,$(error the file VERSION is missing or empty))

# The libraries, through pkg-config, each with the Debian package that has it.
# A missing one stops the build saying what to install.  pkg-config runs once,
# when a recipe first needs the flags: make deps and make clean work without.
PKGS      = libdw libelf ncursesw libunwind-ptrace
PKG_DEBS  = libdw:libdw-dev libelf:libelf-dev ncursesw:libncurses-dev \
            libunwind-ptrace:libunwind-dev check:check
pkg_missing = $(strip $(foreach m,$(1),$(if $(shell pkg-config --exists $(m) 2>/dev/null \
              && echo y),,$(m))))
pkg_debs    = $(foreach m,$(1),$(patsubst $(m):%,%,$(filter $(m):%,$(PKG_DEBS))))
pkg_need    = $(if $(shell command -v pkg-config 2>/dev/null),,$(error pkg-config is not \
              installed: apt-get install pkg-config (or make deps)))$(if \
              $(call pkg_missing,$(1)),$(error pkg-config does not find $(call pkg_missing,$(1)): \
              apt-get install $(or $(call pkg_debs,$(call pkg_missing,$(1))),its -dev package) \
              (or make test-deps)))
pkg_flags   = $(call pkg_need,$(2))$(shell pkg-config $(1) $(2))
PKG_CFLAGS   = $(eval PKG_CFLAGS := $$(call pkg_flags,--cflags,$(PKGS)))$(PKG_CFLAGS)
PKG_LIBS     = $(eval PKG_LIBS := $$(call pkg_flags,--libs,$(PKGS)))$(PKG_LIBS)
CHECK_CFLAGS = $(eval CHECK_CFLAGS := $$(call pkg_flags,--cflags,check))$(CHECK_CFLAGS)
CHECK_LIBS   = $(eval CHECK_LIBS := $$(call pkg_flags,--libs,check))$(CHECK_LIBS)

# CPPFLAGS, CFLAGS, LDFLAGS and LIBS are the builder's (dpkg-buildflags...), added last
ALL_CPPFLAGS = -D_GNU_SOURCE -I. -DAIOMON_VERSION='"$(VERSION)"' $(PKG_CFLAGS) $(CPPFLAGS)
ALL_CFLAGS   = -std=gnu11 $(WARN) $(CFLAGS)
ALL_LIBS     = $(PKG_LIBS) -lm -pthread $(LIBS)

SAN = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

SRC_DIRS  := common attach snapshot pyframes unwind view ui track cmd
LIB_SRCS  := $(sort $(filter-out cmd/main.c,$(wildcard $(SRC_DIRS:%=%/*.c) pyframes/tables/*.c)))
MAIN_SRCS := cmd/main.c
UNIT_SRCS := $(sort $(wildcard tests/unit/*.c))

B  ?= build
BA ?= build-asan

# Text the binary carries, generated into C under $(B)/gen (scripts/embed-text.sh)
TRACK_GEN  = $(B)/gen/track_tracker_py.c

LIB_OBJS   = $(LIB_SRCS:%.c=$(B)/%.o) $(B)/gen/track_tracker_py.o
LIB_OBJS_A = $(LIB_SRCS:%.c=$(BA)/%.o) $(BA)/gen/track_tracker_py.o
UNIT_OBJS_A = $(UNIT_SRCS:%.c=$(BA)/%.o)

.PHONY: all demo check check-unit check-integration check-layering check-man check-tables rootfs \
        deps test-deps \
        tables bench fuzz install clean

all: $(B)/aiomon-attach

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BA)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(UNIT_CPPFLAGS) $(ALL_CFLAGS) $(SAN) -O1 -MMD -MP -c -o $@ $<

# the tracker's source as a C array (track/script.h: track_tracker_py)
$(TRACK_GEN): track/aiomon_tracker.py scripts/embed-text.sh
	@mkdir -p $(dir $@)
	scripts/embed-text.sh track_tracker_py $< $@

$(B)/gen/track_tracker_py.o: $(TRACK_GEN) track/script.h
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(BA)/gen/track_tracker_py.o: $(TRACK_GEN) track/script.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(SAN) -O1 -c -o $@ $<

# only the unit tests need Check
$(BA)/tests/unit/%.o: UNIT_CPPFLAGS = $(CHECK_CFLAGS)

# the version is compiled into options.o only
$(B)/cmd/options.o $(BA)/cmd/options.o: VERSION

$(B)/libaiomon.a: $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

$(BA)/libaiomon.a: $(LIB_OBJS_A)
	rm -f $@
	ar rcs $@ $^

$(B)/aiomon-attach: $(B)/cmd/main.o $(B)/libaiomon.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(ALL_LIBS)

$(BA)/aiomon-attach: $(BA)/cmd/main.o $(BA)/libaiomon.a
	$(CC) $(SAN) $(LDFLAGS) -o $@ $^ $(ALL_LIBS)

$(BA)/unit-tests: $(UNIT_OBJS_A) $(BA)/libaiomon.a
	$(CC) $(SAN) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(ALL_LIBS)

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
	@scripts/check-man.sh $(B)/aiomon-attach man/aiomon-attach.1 VERSION

tables: $(B)/gen-tables
	tools/gen-tables.sh $(B)/gen-tables

$(B)/gen-tables: $(B)/tools/gen-tables.o $(B)/libaiomon.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(ALL_LIBS)

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
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(ALL_LIBS)

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
LIB_OBJS_F = $(LIB_SRCS:%.c=$(BF)/%.o) $(BF)/gen/track_tracker_py.o

.PHONY: fuzz-smoke fuzz-build
.SECONDARY: $(FUZZ_NAMES:%=$(BF)/fuzz/fuzz_%.o)

$(BF)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(FUZZ_SAN) -Ifuzz -MMD -MP -c -o $@ $<

$(BF)/cmd/options.o: VERSION

$(BF)/gen/track_tracker_py.o: $(TRACK_GEN) track/script.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(FUZZ_SAN) -c -o $@ $<

$(BF)/libaiomon.a: $(LIB_OBJS_F)
	rm -f $@
	ar rcs $@ $^

$(BF)/fuzz_%: $(BF)/fuzz/fuzz_%.o $(BF)/libaiomon.a
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined $(LDFLAGS) -o $@ $^ $(ALL_LIBS)

-include $(shell find $(BF) -name '*.d' -type f -print 2>/dev/null)

fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run.sh $(BF) $(FUZZ_NAMES)

fuzz-smoke: $(FUZZ_BINS)
	FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS) fuzz/run.sh $(BF) $(FUZZ_NAMES)
