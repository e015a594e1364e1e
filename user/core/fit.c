// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <math.h>
#include "core/fit.h"

int fit_line(const __u64 *t_ns, const double *v, size_t n, struct line_fit *out)
{
	double mt = 0, mv = 0, stt = 0, stv = 0, svv = 0, rss = 0, r;
	size_t i;

	if (n < 2)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		mt += t_ns[i] / 1e9;
		mv += v[i];
	}
	mt /= n;
	mv /= n;
	for (i = 0; i < n; i++) {
		double dt = t_ns[i] / 1e9 - mt, dv = v[i] - mv;

		stt += dt * dt;
		stv += dt * dv;
		svv += dv * dv;
	}
	if (stt <= 0)
		return -EINVAL;
	out->slope = stv / stt;
	out->intercept = mv - out->slope * mt;
	out->r2 = svv > 0 ? (stv * stv) / (stt * svv) : 1.0;
	out->se = -1;
	if (n < 3)
		return 0;
	for (i = 0; i < n; i++) {
		r = v[i] - (out->intercept + out->slope * t_ns[i] / 1e9);
		rss += r * r;
	}
	out->se = sqrt(rss / (double)(n - 2) / stt);
	return 0;
}
