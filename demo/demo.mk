# The demo service that `make demo` (demo/run.sh) traces. Included by the top
# Makefile, which provides $(BUILD), $(Q), $(CC).
#
# Frame pointers and no endbr64, so each traced function starts with
# `push %rbp`, the cheap kind of probe site (DESIGN.md, Kernel facts).
DEMO_DIR    := $(BUILD)/demo
DEMO_CFLAGS := -O1 -g -fno-omit-frame-pointer -fno-inline -fcf-protection=none -pthread \
	       -Wall -Wextra
DEMO_BINS   := $(DEMO_DIR)/demo_service

$(DEMO_DIR)/demo_service: demo/demo_service.c
	@mkdir -p $(dir $@)
	@echo "  CC       $@"
	$(Q)$(CC) $(DEMO_CFLAGS) $< -o $@
