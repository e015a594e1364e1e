# The scheduler-split benchmark (bench/sched.sh): the untraced pipe ping-pong,
# the floor of a scheduler hook (an empty sched_switch program alone; empty,
# lookup-only and pointer-read-first sched_switch/sched_wakeup programs; and
# their loader), plus what the script traces meanwhile (build/targets/sleeper)
# and the loop of bench.mk. Included by the top Makefile after bench.mk and
# targets.mk and before the `bench` rule, whose prerequisites take BENCH_BINS
# as it stands then.
SCHED_BENCH_BINS := $(BENCH_DIR)/pingpong $(BENCH_DIR)/schedfloor $(BENCH_DIR)/schedfloor.bpf.o
BENCH_BINS       += $(SCHED_BENCH_BINS) $(TGT_DIR)/sleeper

$(BENCH_DIR)/pingpong: bench/pingpong.c bench/batch_timer.h
	@mkdir -p $(dir $@)
	@echo "  CC       $@"
	$(Q)$(CC) -O2 -Wall -Wextra $< -o $@

$(BENCH_DIR)/schedfloor.bpf.o: bench/schedfloor.bpf.c | $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	@echo "  BPF      $@"
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BENCH_DIR)/schedfloor: bench/schedfloor.c | $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	@echo "  CC       $@"
	$(Q)$(CC) $(CFLAGS) $< $(LDLIBS) -o $@
