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
		cpuspin slowcalls threadstorm abswitch leaderexit
# sonde mem: allocation patterns with known results.
TGT_C_PROGS  += memtarget
# Names are data: a function whose symbol name holds terminal escape sequences.
TGT_C_PROGS  += evilname
# How a traced process ends: crashes, exit statuses, ignoring SIGTERM.
TGT_C_PROGS  += crasher forker
# Caller and callee truth: a caller whose hot traced callee must not change it.
TGT_C_PROGS  += callees
# Prometheus: a 50 us spin and a 2 ms sleep at a known rate, switched slower by SIGUSR1.
TGT_C_PROGS  += promtarget
TGT_C_BINS   := $(addprefix $(TGT_DIR)/,$(TGT_C_PROGS))

TARGET_BINS  := $(TGT_C_BINS) $(TGT_DIR)/libsondetest.so $(TGT_DIR)/uselib \
		$(TGT_DIR)/cxx $(TGT_DIR)/dynsyms $(TGT_DIR)/dynsyms.stripped \
		$(TGT_DIR)/dlopener $(TGT_DIR)/libsondedel.so

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

$(TGT_DIR)/libsondedel.so: tests/targets/libsondedel.c tests/targets/targets.h
	@mkdir -p $(dir $@)
	@echo "  CC       $@"
	$(Q)$(CC) $(TGT_CFLAGS) -fPIC -shared -Wl,-soname,libsondedel.so $< -o $@

# Loads its library by path at run time (dlopen), so a test can delete the file.
$(TGT_DIR)/dlopener: tests/targets/dlopener.c tests/targets/targets.h
	@mkdir -p $(dir $@)
	@echo "  CC       $@"
	$(Q)$(CC) $(TGT_CFLAGS) $< -ldl -o $@

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

# ---- shapes the kernel or the compiler make hard to probe (test_harm.sh) ----
# unprobeable: hand-written entries (a LOCK prefix, a cs-prefixed NOP).
# coldsplit: -O2, so that gcc splits work() into work and work.cold.
# tiny32: a 32-bit program, which sonde refuses (needs gcc-multilib).
# cxxthrow: C++ exceptions unwinding through traced frames.
TARGET_BINS  += $(TGT_DIR)/unprobeable $(TGT_DIR)/coldsplit $(TGT_DIR)/tiny32 $(TGT_DIR)/cxxthrow

$(TGT_DIR)/unprobeable: tests/targets/unprobeable.c tests/targets/targets.h
	@mkdir -p $(dir $@)
	@echo "  CC       $@"
	$(Q)$(CC) $(TGT_CFLAGS) $< -o $@

# tailcalls: tail calls through a table of function pointers and a switch (-O2).
TARGET_BINS  += $(TGT_DIR)/tailcalls

$(TGT_DIR)/coldsplit $(TGT_DIR)/tailcalls: $(TGT_DIR)/%: tests/targets/%.c
	@mkdir -p $(dir $@)
	@echo "  CC       $@"
	$(Q)$(CC) -O2 -g -fno-omit-frame-pointer $< -o $@

# The same, as C++ (linked with libstdc++): sonde probes its returns at the
# exit instructions by default, and a traced tail call there must still
# leave the caller's call going on in the callee.
TARGET_BINS  += $(TGT_DIR)/tailcalls_cxx

$(TGT_DIR)/tailcalls_cxx: tests/targets/tailcalls.c
	@mkdir -p $(dir $@)
	@echo "  CXX      $@"
	$(Q)$(TGT_CXX) -x c++ -O2 -g -fno-omit-frame-pointer $< -o $@

$(TGT_DIR)/tiny32: tests/targets/tiny.c tests/targets/targets.h
	@mkdir -p $(dir $@)
	@echo "  CC       $@"
	$(Q)$(CC) -m32 $(TGT_CFLAGS) $< -o $@

$(TGT_DIR)/cxxthrow: tests/targets/cxxthrow.cc
	@mkdir -p $(dir $@)
	@echo "  CXX      $@"
	$(Q)$(TGT_CXX) -O1 -g -fno-omit-frame-pointer -fcf-protection=none $< -o $@

# gostack: Go, whose goroutines move between threads and whose stacks are copied
# under traced calls (Debian's golang-go; its own module-less build).
TARGET_BINS  += $(TGT_DIR)/gostack $(TGT_DIR)/gopanic

$(TGT_DIR)/gostack $(TGT_DIR)/gopanic: $(TGT_DIR)/%: tests/targets/%/main.go
	@mkdir -p $(dir $@)
	@echo "  GO       $@"
	$(Q)cd tests/targets/$* && GO111MODULE=off GOCACHE=$(abspath $(BUILD))/go-cache \
		go build -o $(abspath $@) main.go

# gostack.stripped: the same program linked as Go programs often ship, without
# .symtab and DWARF (-s -w): sonde finds its functions in .gopclntab. Same code
# and addresses as gostack (test_go_stripped.sh and the unit test compare them).
TARGET_BINS  += $(TGT_DIR)/gostack.stripped

$(TGT_DIR)/gostack.stripped: tests/targets/gostack/main.go
	@mkdir -p $(dir $@)
	@echo "  GO       $@"
	$(Q)cd tests/targets/gostack && GO111MODULE=off GOCACHE=$(abspath $(BUILD))/go-cache \
		go build -ldflags='-s -w' -o $(abspath $@) main.go

# ---- names operators type (test_demangle.sh) ----
# rustnames: Rust (Debian's rustc) built as crate `app`: methods in nested
# modules, trait impls and a generic function, with legacy mangling (the
# default: a hash per symbol) and with v0 (generic arguments in the name).
# cxxnames: C++ templates, overloads, a virtual destructor (D0, D1/D2) and gcc
# clones; cclones: gcc's clones of C functions. -fipa-cp-clone (on at -O3)
# makes gcc keep total beside its .constprop clone at -O2.
RUSTC        ?= rustc
TGT_RUSTFLAGS := -C opt-level=1 -C force-frame-pointers=yes --crate-name app
TARGET_BINS  += $(TGT_DIR)/rustnames $(TGT_DIR)/rustnames.v0 $(TGT_DIR)/cxxnames \
		$(TGT_DIR)/cclones

$(TGT_DIR)/rustnames: tests/targets/rustnames.rs
	@mkdir -p $(dir $@)
	@echo "  RUSTC    $@"
	$(Q)MAKEFLAGS= $(RUSTC) $(TGT_RUSTFLAGS) $< -o $@

# After rustnames: two rustc runs for one crate name share temporary file names.
$(TGT_DIR)/rustnames.v0: tests/targets/rustnames.rs | $(TGT_DIR)/rustnames
	@mkdir -p $(dir $@)
	@echo "  RUSTC    $@"
	$(Q)MAKEFLAGS= $(RUSTC) $(TGT_RUSTFLAGS) -C symbol-mangling-version=v0 $< -o $@

$(TGT_DIR)/cxxnames: tests/targets/cxxnames.cc
	@mkdir -p $(dir $@)
	@echo "  CXX      $@"
	$(Q)$(TGT_CXX) -O2 -fipa-cp-clone -g -fno-omit-frame-pointer -fcf-protection=none $< -o $@

$(TGT_DIR)/cclones: tests/targets/cclones.c
	@mkdir -p $(dir $@)
	@echo "  CC       $@"
	$(Q)$(CC) -O2 -fipa-cp-clone -g -fno-omit-frame-pointer -fcf-protection=none $< -o $@

# Targets as operators name them (test_wrappers.sh): execer execs itself from
# inside two traced calls (frames lost to exec).
TGT_C_PROGS_WRAP := execer
TARGET_BINS  += $(addprefix $(TGT_DIR)/,$(TGT_C_PROGS_WRAP))

$(addprefix $(TGT_DIR)/,$(TGT_C_PROGS_WRAP)): $(TGT_DIR)/%: tests/targets/%.c tests/targets/targets.h
	@mkdir -p $(dir $@)
	@echo "  CC       $@"
	$(Q)$(CC) $(TGT_CFLAGS) $< -o $@

# ---- separate debug files and IFUNCs (issue 13) ----------------------------
# ifunccalls: memcpy (an IFUNC in glibc) through the PLT, a known number of times.
TARGET_BINS  += $(TGT_DIR)/ifunccalls

$(TGT_DIR)/ifunccalls: tests/targets/ifunccalls.c tests/targets/targets.h
	@mkdir -p $(dir $@)
	@echo "  CC       $@"
	$(Q)$(CC) $(TGT_CFLAGS) -fno-builtin $< -o $@

# debugsyms: a build-id'd program split as distributions ship it: stripped,
# its .symtab in debugsyms.debug (named by .gnu_debuglink); and the debug file
# of the same code linked with another build-id, which must be refused.
TARGET_BINS  += $(TGT_DIR)/debugsyms.stripped $(TGT_DIR)/debugsyms.other.debug

$(TGT_DIR)/debugsyms: tests/targets/debugsyms.c tests/targets/targets.h
	@mkdir -p $(dir $@)
	@echo "  CC       $@"
	$(Q)$(CC) $(TGT_CFLAGS) -Wl,--build-id=sha1 $< -o $@

$(TGT_DIR)/debugsyms.stripped: $(TGT_DIR)/debugsyms
	@echo "  SPLIT    $@"
	$(Q)objcopy --only-keep-debug $< $(TGT_DIR)/debugsyms.debug
	$(Q)strip --strip-all -o $@.tmp $<
	$(Q)cd $(TGT_DIR) && objcopy --add-gnu-debuglink=debugsyms.debug $(notdir $@).tmp
	$(Q)mv $@.tmp $@

$(TGT_DIR)/debugsyms.other.debug: tests/targets/debugsyms.c tests/targets/targets.h
	@mkdir -p $(dir $@)
	@echo "  CC       $@"
	$(Q)$(CC) $(TGT_CFLAGS) -Wl,--build-id=0x0123456789abcdef0123456789abcdef01234567 $< \
		-o $(TGT_DIR)/debugsyms.other
	$(Q)objcopy --only-keep-debug $(TGT_DIR)/debugsyms.other $@

# ---- sonde mem on real programs' shapes (test_mem_real.sh) ----
# memtarget.jemalloc: the same program linked with -ljemalloc, whose malloc is
# jemalloc's; memtarget.static: linked statically (malloc in its .symtab), and
# memtarget.static.stripped without it; memtarget.stripped: a stripped main
# executable (frames without symbols); nofp: -fomit-frame-pointer, %rbp on text.
TARGET_BINS  += $(TGT_DIR)/memtarget.jemalloc $(TGT_DIR)/memtarget.static \
		$(TGT_DIR)/memtarget.static.stripped $(TGT_DIR)/memtarget.stripped $(TGT_DIR)/nofp

$(TGT_DIR)/memtarget.jemalloc: tests/targets/memtarget.c tests/targets/targets.h
	@mkdir -p $(dir $@)
	@echo "  CC       $@"
	$(Q)$(CC) $(TGT_CFLAGS) $< -ljemalloc -o $@

$(TGT_DIR)/memtarget.static: tests/targets/memtarget.c tests/targets/targets.h
	@mkdir -p $(dir $@)
	@echo "  CC       $@"
	$(Q)$(CC) $(TGT_CFLAGS) -static $< -o $@

$(TGT_DIR)/memtarget.static.stripped $(TGT_DIR)/memtarget.stripped: $(TGT_DIR)/%.stripped: $(TGT_DIR)/%
	@echo "  STRIP    $@"
	$(Q)strip -o $@ $<

$(TGT_DIR)/nofp: tests/targets/nofp.c tests/targets/targets.h
	@mkdir -p $(dir $@)
	@echo "  CC       $@"
	$(Q)$(CC) -O2 -g -fomit-frame-pointer -fcf-protection=none -Wall -Wextra $< -o $@

# newleak: C++ new/delete with jemalloc's operators (they allocate without malloc).
TARGET_BINS  += $(TGT_DIR)/newleak

$(TGT_DIR)/newleak: tests/targets/newleak.cc tests/targets/targets.h
	@mkdir -p $(dir $@)
	@echo "  CXX      $@"
	$(Q)$(TGT_CXX) $(TGT_CFLAGS) -fsized-deallocation $< -ljemalloc -o $@
