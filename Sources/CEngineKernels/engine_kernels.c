// The engine's elementwise kernels (see include/engine_kernels.h). Each kernel is written once, on clang's
// 8-lane vector type, as an always-inline body; on x86-64 it is instantiated twice, for AVX2+FMA and for the
// baseline, and each exported function calls the version the CPU supports. On other architectures the one
// baseline version is compiled (NEON on arm64).
#include "engine_kernels.h"

#include "activations.h"
#include "kernel_support.h"

KERNEL float sum_lanes(f8 v) {
    f4 half = v.lo + v.hi;
    return (half.x + half.y) + (half.z + half.w);
}

KERNEL float max_lanes(f8 v) {
    float result = v[0];
    for (int i = 1; i < 8; i++) result = v[i] > result ? v[i] : result;
    return result;
}

// MARK: - Kernel bodies

KERNEL float drk_maximum_body(const float *values, long count) {
    f8 result = values[0];
    long i = 0;
    for (; i + 8 <= count; i += 8) result = max8(result, load8(values + i));
    if (i < count) result = max8(result, load_tail(values + i, count - i, values[0]));
    return max_lanes(result);
}

KERNEL float drk_exp_body(float x) { return exp8(x)[0]; }

KERNEL float drk_exponentiate_body(float *values, long count, float shift) {
    f8 total = 0.0f;
    long i = 0;
    for (; i + 8 <= count; i += 8) {
        f8 e = exp8(load8(values + i) - shift);
        store8(values + i, e);
        total += e;
    }
    float sum = sum_lanes(total);
    if (i < count) {
        f8 e = exp8(load_tail(values + i, count - i, 0.0f) - shift);
        store_tail(values + i, count - i, e);
        for (long j = 0; j < count - i; j++) sum += e[j];
    }
    return sum;
}

KERNEL void drk_scale_body(float *values, long count, float factor) {
    long i = 0;
    for (; i + 8 <= count; i += 8) store8(values + i, load8(values + i) * factor);
    for (; i < count; i++) values[i] *= factor;
}

KERNEL void drk_affine_body(float *destination, const float *source, long count, float scale, float shift,
                        drk_activation activation) {
    long i = 0;
    for (; i + 8 <= count; i += 8) store8(destination + i, activate8(load8(source + i) * scale + shift, activation));
    if (i < count) {
        f8 tail = activate8(load_tail(source + i, count - i, 0.0f) * scale + shift, activation);
        store_tail(destination + i, count - i, tail);
    }
}

KERNEL void drk_geglu_body(float *output, const float *input, long width) {
    long i = 0;
    for (; i + 8 <= width; i += 8) store8(output + i, load8(input + i) * gelu8(load8(input + width + i)));
    if (i < width) {
        f8 tail = load_tail(input + i, width - i, 0.0f) * gelu8(load_tail(input + width + i, width - i, 0.0f));
        store_tail(output + i, width - i, tail);
    }
}

/// Values per float-lane block before its sum joins the double-precision total.
enum { MOMENT_BLOCK = 1024 };

KERNEL double block_sum(const float *values, long count, float center, int squared) {
    double total = 0;
    for (long start = 0; start < count; start += MOMENT_BLOCK) {
        long end = start + MOMENT_BLOCK < count ? start + MOMENT_BLOCK : count;
        f8 lanes = 0.0f;
        long i = start;
        for (; i + 8 <= end; i += 8) {
            f8 d = load8(values + i) - center;
            lanes += squared ? d * d : d;
        }
        float block = sum_lanes(lanes);
        for (; i < end; i++) {
            float d = values[i] - center;
            block += squared ? d * d : d;
        }
        total += block;
    }
    return total;
}

KERNEL void drk_moments_body(const float *values, long count, double epsilon, float *mean, float *inverse_deviation) {
    double average = block_sum(values, count, 0.0f, 0) / (double)count;
    // The squares are taken about the float mean; the difference from the double mean is far below float precision.
    double variance = block_sum(values, count, (float)average, 1) / (double)count;
    *mean = (float)average;
    *inverse_deviation = (float)(1.0 / __builtin_sqrt(variance + epsilon));
}

// MARK: - Dispatch

#if defined(__x86_64__)
static int wide_vectors;
static int forced_baseline;

__attribute__((constructor)) static void choose_vectors(void) {
    __builtin_cpu_init();
    wide_vectors = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
}

int drk_use_wide(void) { return wide_vectors && __atomic_load_n(&forced_baseline, __ATOMIC_RELAXED) == 0; }
int drk_cpu_has_wide_vectors(void) { return wide_vectors; }
void drk_force_baseline(int force) { __atomic_fetch_add(&forced_baseline, force ? 1 : -1, __ATOMIC_RELAXED); }
#else
int drk_use_wide(void) { return 0; }
int drk_cpu_has_wide_vectors(void) { return 0; }
void drk_force_baseline(int force) { (void)force; }
#endif

int drk_uses_wide_vectors(void) { return drk_use_wide(); }

EXPORT(float, drk_maximum, (const float *values, long count), (values, count))
EXPORT(float, drk_exp, (float x), (x))
EXPORT(float, drk_exponentiate, (float *values, long count, float shift), (values, count, shift))
EXPORT_VOID(drk_scale, (float *values, long count, float factor), (values, count, factor))
EXPORT_VOID(drk_affine, (float *destination, const float *source, long count, float scale, float shift,
                         drk_activation activation), (destination, source, count, scale, shift, activation))
EXPORT_VOID(drk_geglu, (float *output, const float *input, long width), (output, input, width))
EXPORT_VOID(drk_moments, (const float *values, long count, double epsilon, float *mean, float *inverse_deviation),
            (values, count, epsilon, mean, inverse_deviation))
