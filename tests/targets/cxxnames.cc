// SPDX-License-Identifier: GPL-2.0
/*
 * cxxnames [N]: C++ names (tests/targets/targets.mk builds it at -O2). Per
 * round, N rounds: shop::Cache<int>::put and ::get, shop::Cache<long>::get,
 * shop::log(int) once each; shop::log(std::string const&) every other
 * round; shop::weigh once (gcc's only copy is a clone, ".constprop.0.isra.0");
 * shop::total once with constant arguments and every other round with a
 * variable scale (a clone ".constprop.0" beside the function); one Circle
 * deleted through a Shape* (the deleting destructor D0, which runs the
 * complete one, D1) and one destroyed on the stack (D1). Prints
 * "n=N sum=S" at exit.
 */
#include <cstdio>
#include <cstdlib>
#include <string>

namespace shop {
struct Item {
	int weight, price, stock, pad[8];
};

template <typename T> class Cache {
public:
	__attribute__((noinline)) T get(int key) const { return slots_[key & 15]; }
	__attribute__((noinline)) void put(int key, T v) { slots_[key & 15] = v; }
private:
	T slots_[16] = {};
};

__attribute__((noinline)) long log(int v) { return v * 3; }
__attribute__((noinline)) long log(const std::string &s) { return (long)s.size(); }

/* Only reads two fields of what it is passed by reference: IPA-SRA passes them as scalars. */
static __attribute__((noinline)) int weigh(const Item &it, int scale)
{
	return it.weight * scale + it.price;
}

/* Called with a constant scale from one place and a variable one from another. */
__attribute__((noinline)) long total(const Item *items, int n, int scale)
{
	long t = 0;
	for (int i = 0; i < n; i++)
		t += items[i].weight * scale + items[i].stock;
	return t;
}
} // namespace shop

namespace shapes {
struct Shape {
	virtual ~Shape();
	virtual double area() const = 0;
};
Shape::~Shape() {}

/* Made where main cannot see the type: the delete goes through the vtable (D0). */
__attribute__((noinline)) Shape *make_shape(double r);
struct Circle : Shape {
	double r;
	explicit Circle(double r) : r(r) {}
	__attribute__((noinline)) ~Circle() override;
	double area() const override { return 3.0 * r * r; }
};
volatile long destroyed;
Circle::~Circle()
{
	destroyed = destroyed + 1;
}
Shape *make_shape(double r)
{
	return new Circle(r);
}
} // namespace shapes

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000, sum = 0;
	volatile int vscale = argc;
	shop::Cache<int> ci;
	shop::Cache<long> cl;
	shop::Item items[4] = {{1, 2, 3, {0}}, {4, 5, 6, {0}}, {7, 8, 9, {0}}, {1, 1, 1, {0}}};
	std::string s("hello");

	for (long i = 0; i < n; i++) {
		ci.put((int)i, (int)i);
		sum += ci.get((int)i);
		sum += cl.get((int)i);
		sum += shop::log((int)i);
		sum += shop::weigh(items[i & 3], 3);
		sum += shop::total(items, 4, 5);
		if (i % 2 == 0) {
			sum += shop::log(s);
			sum += shop::total(items, 4, vscale);
		}
		shapes::Shape *p = shapes::make_shape((double)i);
		sum += (long)p->area();
		delete p;
		{
			shapes::Circle c(1.0);
			sum += (long)c.area();
		}
	}
	printf("n=%ld sum=%ld\n", n, sum);
	return 0;
}
