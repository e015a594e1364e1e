# The sonde mem benchmark (bench/mem.sh): the malloc/free workload and the
# empty-probe floor of sonde mem's probe shape (built on bench/floor.bpf.c).
# Included by the top Makefile after bench.mk, which provides $(BENCH_DIR),
# floor.skel.h and the build variables.
MEM_BENCH_BINS := $(BENCH_DIR)/memloop $(BENCH_DIR)/memturns $(BENCH_DIR)/memfloor
BENCH_BINS     += $(MEM_BENCH_BINS)

# Built as usual (frame pointers kept): glibc's malloc and free are what is probed.
$(BENCH_DIR)/memloop: bench/memloop.c bench/batch_timer.h
	@mkdir -p $(dir $@)
	@echo "  CC       $@"
	$(Q)$(CC) -O2 -Wall -Wextra -fno-omit-frame-pointer $< -o $@

$(BENCH_DIR)/memturns: bench/memturns.c bench/batch_timer.h
	@mkdir -p $(dir $@)
	@echo "  CC       $@"
	$(Q)$(CC) -O2 -Wall -Wextra -fno-omit-frame-pointer $< -o $@

$(BENCH_DIR)/memfloor: bench/memfloor.c $(BENCH_DIR)/floor.skel.h $(LIB_OBJS)
	@echo "  CC       $@"
	$(Q)$(CC) $(CFLAGS) -I$(BENCH_DIR) $< $(LIB_OBJS) $(LDLIBS) -o $@
