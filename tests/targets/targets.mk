# Test targets: small programs with known behaviour, traced by the integration
# tests (tests/integration/) and the benchmarks. Included by the top Makefile,
# which provides $(BUILD), $(Q), $(CC).
#
# Built so that every traced function keeps its own symbol and starts with
# `push %rbp` (frame pointer, no endbr64), an instruction the kernel emulates,
# so the probe's own cost stays small next to the times the tests assert.

TGT_DIR      := $(BUILD)/targets
TGT_CFLAGS   := -O1 -g -fno-omit-frame-pointer -fno-inline -fcf-protection=none -pthread \
		-Wall -Wextra
TGT_CXX      ?= g++
TGT_C_PROGS  := spin sleeper nested recurse threads tiny shortlived fanout \
		cpuspin slowcalls threadstorm abswitch
# sonde mem: allocation patterns with known results.
TGT_C_PROGS  += memtarget
# How a traced process ends: crashes, exit statuses, ignoring SIGTERM.
TGT_C_PROGS  += crasher
TGT_C_BINS   := $(addprefix $(TGT_DIR)/,$(TGT_C_PROGS))

TARGET_BINS  := $(TGT_C_BINS) $(TGT_DIR)/libsondetest.so $(TGT_DIR)/uselib \
		$(TGT_DIR)/cxx $(TGT_DIR)/dynsyms $(TGT_DIR)/dynsyms.stripped

$(TGT_C_BINS): $(TGT_DIR)/%: tests/targets/%.c tests/targets/targets.h
	@mkdir -p $(dir $@)
	@echo "  CC       $@"
	$(Q)$(CC) $(TGT_CFLAGS) $< -o $@

$(TGT_DIR)/libsondetest.so: tests/targets/libsondetest.c tests/targets/targets.h
	@mkdir -p $(dir $@)
	@echo "  CC       $@"
	$(Q)$(CC) $(TGT_CFLAGS) -fPIC -shared -Wl,-soname,libsondetest.so $< -o $@

# rpath $ORIGIN: uselib finds the library next to itself, wherever build/ is.
$(TGT_DIR)/uselib: tests/targets/uselib.c tests/targets/targets.h $(TGT_DIR)/libsondetest.so
	@echo "  CC       $@"
	$(Q)$(CC) $(TGT_CFLAGS) $< -L$(TGT_DIR) -lsondetest -Wl,-rpath,'$$ORIGIN' -o $@

$(TGT_DIR)/cxx: tests/targets/cxx.cc tests/targets/targets.h
	@mkdir -p $(dir $@)
	@echo "  CXX      $@"
	$(Q)$(TGT_CXX) $(TGT_CFLAGS) $< -o $@

# -rdynamic puts the global functions in .dynsym; the static one stays in .symtab.
$(TGT_DIR)/dynsyms: tests/targets/dynsyms.c tests/targets/targets.h
	@mkdir -p $(dir $@)
	@echo "  CC       $@"
	$(Q)$(CC) $(TGT_CFLAGS) -rdynamic $< -o $@

# Only .dynsym is left: visible_fn can be probed, hidden_fn cannot.
$(TGT_DIR)/dynsyms.stripped: $(TGT_DIR)/dynsyms
	@echo "  STRIP    $@"
	$(Q)strip -o $@ $<
