# Benchmark programs: the traced loop (two entry shapes), the empty-probe floor,
# and a binary with 10,000 functions for attach/detach timing.
BENCH_DIR  := $(BUILD)/bench
BENCH_BINS := $(BENCH_DIR)/loop_push $(BENCH_DIR)/loop_endbr $(BENCH_DIR)/floor $(BENCH_DIR)/many \
	      $(BENCH_DIR)/interleave_push $(BENCH_DIR)/interleave_endbr

# push-first: frame pointers, no CET; endbr64-first: as Debian builds packages.
$(BENCH_DIR)/loop_push: bench/loop.c bench/batch_timer.h
	@mkdir -p $(dir $@)
	$(Q)$(CC) -O2 -fno-omit-frame-pointer -fcf-protection=none $< -o $@

$(BENCH_DIR)/loop_endbr: bench/loop.c bench/batch_timer.h
	@mkdir -p $(dir $@)
	$(Q)$(CC) -O2 -fno-omit-frame-pointer -fcf-protection=full $< -o $@

# The same two shapes, in copies that every tracer traces at once (bench/run.sh).
$(BENCH_DIR)/interleave_push: bench/interleave.c bench/batch_timer.h
	@mkdir -p $(dir $@)
	$(Q)$(CC) -O2 -Wall -Wextra -fno-omit-frame-pointer -fcf-protection=none $< -o $@

$(BENCH_DIR)/interleave_endbr: bench/interleave.c bench/batch_timer.h
	@mkdir -p $(dir $@)
	$(Q)$(CC) -O2 -Wall -Wextra -fno-omit-frame-pointer -fcf-protection=full $< -o $@

$(BENCH_DIR)/floor.tmp.bpf.o: bench/floor.bpf.c | $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BENCH_DIR)/floor.skel.h: $(BENCH_DIR)/floor.tmp.bpf.o
	$(Q)$(BPFTOOL) gen object $(BENCH_DIR)/floor.bpf.o $<
	$(Q)$(BPFTOOL) gen skeleton $(BENCH_DIR)/floor.bpf.o name floor_bpf > $@

# sonde's symbol reader, with what it needs (debug files, demangling): the unit tests' objects.
$(BENCH_DIR)/floor: bench/floor.c $(BENCH_DIR)/floor.skel.h $(LIB_OBJS)
	$(Q)$(CC) $(CFLAGS) -I$(BENCH_DIR) $< $(LIB_OBJS) $(LDLIBS) -o $@

$(BENCH_DIR)/many.c: bench/gen-many.sh
	@mkdir -p $(dir $@)
	$(Q)bench/gen-many.sh 10000 > $@

$(BENCH_DIR)/many: $(BENCH_DIR)/many.c
	$(Q)$(CC) -O0 -fcf-protection=none $< -o $@
