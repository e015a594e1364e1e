// SPDX-License-Identifier: GPL-2.0
/*
 * cxx [N]: C++ target. Calls ns::Cache::put(int, int) N times, then
 * ns::Cache::get(int) N times (0 or none: alternate until SIGTERM), to test
 * matching by demangled name: 'ns::Cache::get*' must match get and not put.
 * Prints "get_calls=N put_calls=M" at exit.
 */
extern "C" {
#include "targets.h"
}

namespace ns {
class Cache {
public:
	int get(int key);
	void put(int key, int value);

private:
	int slots_[64] = {};
};

__attribute__((noinline)) int Cache::get(int key)
{
	TGT_ENTRY();
	return slots_[key & 63];
}

__attribute__((noinline)) void Cache::put(int key, int value)
{
	TGT_ENTRY();
	slots_[key & 63] = value;
}
} // namespace ns

int main(int argc, char **argv)
{
	unsigned long long want = tgt_arg(argc, argv, 1, 0), gets = 0, puts = 0;
	ns::Cache cache;
	long long sum = 0;

	tgt_init();
	if (want) {
		for (; tgt_more(puts, want); puts++)
			cache.put((int)puts, (int)puts);
		for (; tgt_more(gets, want); gets++)
			sum += cache.get((int)gets);
	} else {
		while (!tgt_stop) {
			cache.put((int)puts, (int)puts);
			puts++;
			sum += cache.get((int)gets);
			gets++;
			tgt_spin_ns(10000);
		}
	}
	printf("get_calls=%llu put_calls=%llu sum=%lld\n", gets, puts, sum);
	return 0;
}
