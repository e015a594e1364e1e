# sonde: BPF objects -> skeletons -> one binary, build/sonde.
# `make` checks the build dependencies first and installs them when missing
# (scripts/check-deps.sh -> scripts/install-deps.sh).

BUILD     := build
CC        ?= gcc
CLANG     ?= clang
BPFTOOL   ?= bpftool
ARCH      := x86
V         ?= 0
Q         := $(if $(filter 1,$(V)),,@)

# Recursive (=) so pkg-config runs after the dependency check installed things.
PKGS       = libbpf libelf zlib jansson capstone libdebuginfod libmicrohttpd libprotobuf-c
CFLAGS    ?= -g -O2
CFLAGS    += -Wall -Wextra -std=gnu11 -D_GNU_SOURCE -MMD -MP -Iinclude -I$(BUILD) -Iuser
# What sonde --version prints and profiles record: git's name for the commit, 0.1.0 outside git.
SONDE_VERSION := $(shell git describe --always --dirty 2>/dev/null || echo 0.1.0)
CFLAGS    += -DSONDE_VERSION='"$(SONDE_VERSION)"'
LDLIBS     = $(shell pkg-config --libs $(PKGS)) -liberty -lstdc++ -lm
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Wall -Iinclude -Ivmlinux/$(ARCH) -MMD -MP

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
USER_SRCS := $(wildcard user/*.c user/*/*.c)
USER_OBJS := $(patsubst user/%.c,$(BUILD)/user/%.o,$(USER_SRCS))
# Everything but main.c, linked into the unit tests too.
LIB_OBJS  := $(filter-out $(BUILD)/user/main.o,$(USER_OBJS))

.PHONY: all deps test unit integration demo bench clean format check-headers check-layers
.SECONDARY:
all: $(BUILD)/sonde

deps $(BUILD)/.deps-ok:
	$(Q)scripts/check-deps.sh
	$(Q)mkdir -p $(BUILD) && touch $(BUILD)/.deps-ok

$(BUILD)/%.tmp.bpf.o: bpf/%.bpf.c Makefile | $(BUILD)/.deps-ok
	@echo "  BPF      $@"
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.bpf.o: $(BUILD)/%.tmp.bpf.o
	$(Q)$(BPFTOOL) gen object $@ $<

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	@echo "  SKEL     $@"
	$(Q)$(BPFTOOL) gen skeleton $< name $(notdir $*)_bpf > $@

# A user object depends on the headers it includes, skeletons among them (-MMD);
# the skeletons are order-only so that they exist before the first compile.
$(BUILD)/user/%.o: user/%.c | $(SKELS) $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	@echo "  CC       $@"
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

# A new version rebuilds what prints it: build/.version changes with it (as git's
# GIT-VERSION-FILE), written when make reads this file, or by the rule after a clean.
$(shell mkdir -p $(BUILD) && [ "$$(cat $(BUILD)/.version 2>/dev/null)" = '$(SONDE_VERSION)' ] || \
	echo '$(SONDE_VERSION)' >$(BUILD)/.version)
$(BUILD)/user/main.o $(BUILD)/user/out/run_meta.o: $(BUILD)/.version
$(BUILD)/.version:
	$(Q)mkdir -p $(BUILD) && echo '$(SONDE_VERSION)' >$@

$(BUILD)/sonde: $(USER_OBJS)
	@echo "  LINK     $@"
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

# ---- tests -------------------------------------------------------------
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))

$(BUILD)/tests/test_%.o: tests/unit/test_%.c | $(SKELS) $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	@echo "  CC       $@"
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

# Objects only: a build/tests/test_X.d from before the test objects existed
# still names test_X.c as a prerequisite of the binary.
$(BUILD)/tests/test_%: $(BUILD)/tests/test_%.o $(LIB_OBJS)
	@echo "  LINK     $@"
	$(Q)$(CC) $(CFLAGS) $(filter %.o,$^) $(LDLIBS) $(shell pkg-config --libs cmocka) -o $@

# Programs with known behaviour that the integration tests and the demo trace.
include tests/targets/targets.mk
include demo/demo.mk
include bench/bench.mk
include bench/mem.mk
include bench/sched.mk

test: $(BUILD)/sonde $(UNIT_BINS) $(TARGET_BINS) check-layers
	$(Q)tests/run.sh $(UNIT_BINS)

unit: $(UNIT_BINS)
	$(Q)SONDE_SKIP_INTEGRATION=1 tests/run.sh $(UNIT_BINS)

demo: $(BUILD)/sonde $(DEMO_BINS)
	$(Q)demo/run.sh

bench: $(BUILD)/sonde $(BENCH_BINS) $(TARGET_BINS) $(BUILD)/tests/test_diff_mem
	$(Q)bench/run.sh

# Each shared header compiles on its own, in user space and after vmlinux.h in BPF code.
check-headers:
	$(Q)for h in include/sonde/*.h; do \
		printf '#include "%s"\n' "$${h#include/}" | \
			$(CC) -Wall -Wextra -std=gnu11 -Iinclude -fsyntax-only -x c - || exit 1; \
		printf '#include "vmlinux.h"\n#include "%s"\n' "$${h#include/}" | \
			$(CLANG) -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Iinclude -Ivmlinux/$(ARCH) \
				-fsyntax-only -x c - || exit 1; \
		echo "  HDR      $$h"; \
	done

# No module cycle, no folder including from above it (the README's Layout).
check-layers:
	$(Q)scripts/check-layers.sh

format:
	clang-format -i bpf/*.c include/sonde/*.h user/*.[ch] user/*/*.[ch] tests/unit/*.c tests/targets/*.c

clean:
	rm -rf $(BUILD)

-include $(wildcard $(BUILD)/*.d $(BUILD)/user/*.d $(BUILD)/user/*/*.d $(BUILD)/tests/*.d)
