#!/bin/sh
# Regenerate vmlinux/x86/vmlinux.h from the running kernel's BTF. The result is
# committed: CO-RE relocations make the BPF objects portable to other kernels.
set -eu
out="$(dirname "$0")/../vmlinux/x86/vmlinux.h"
bpftool btf dump file /sys/kernel/btf/vmlinux format c >"$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out"
