// What the kernel files share: clang's 8-lane vector types, loads and stores that tolerate any alignment and a
// short tail, and the macros that build each kernel twice on x86-64 (AVX2+FMA and the baseline) with a
// function that calls the version chosen when the library loaded. Private to CEngineKernels.
#ifndef DARKROOM_KERNEL_SUPPORT_H
#define DARKROOM_KERNEL_SUPPORT_H

#pragma clang fp contract(fast)
// Every function taking or returning a vector is static and always inlined into its caller's target, so no
// vector crosses a call boundary and the baseline/AVX calling conventions never meet.
#pragma clang diagnostic ignored "-Wpsabi"

#define KERNEL static inline __attribute__((always_inline))

typedef float f8 __attribute__((ext_vector_type(8)));
typedef float f8u __attribute__((ext_vector_type(8), aligned(4)));
typedef int i8 __attribute__((ext_vector_type(8)));
typedef float f4 __attribute__((ext_vector_type(4)));

KERNEL f8 load8(const float *p) { return *(const f8u *)p; }
KERNEL void store8(float *p, f8 v) { *(f8u *)p = v; }

/// The first `count < 8` values from `p`, the other lanes `fill`.
KERNEL f8 load_tail(const float *p, long count, float fill) {
    f8 v = fill;
    for (long i = 0; i < count; i++) v[i] = p[i];
    return v;
}

KERNEL void store_tail(float *p, long count, f8 v) {
    for (long i = 0; i < count; i++) p[i] = v[i];
}

/// The first `lanes <= 8` values from `p` (one load for eight), the other lanes zero.
KERNEL f8 load_lanes(const float *p, long lanes) { return lanes == 8 ? load8(p) : load_tail(p, lanes, 0.0f); }

/// Stores the first `lanes <= 8` values of `v` (all eight with one store).
KERNEL void store_lanes(float *p, long lanes, f8 v) {
    if (lanes == 8) store8(p, v); else store_tail(p, lanes, v);
}

KERNEL f8 select8(i8 mask, f8 a, f8 b) {
    return __builtin_bit_cast(f8, (__builtin_bit_cast(i8, a) & mask) | (__builtin_bit_cast(i8, b) & ~mask));
}

KERNEL f8 min8(f8 a, f8 b) { return select8(a < b, a, b); }
KERNEL f8 max8(f8 a, f8 b) { return select8(a > b, a, b); }

/// Whether the AVX2+FMA versions are to be used (engine_kernels.c).
int drk_use_wide(void);

#if defined(__x86_64__)
#define WIDE __attribute__((target("avx2,fma")))
#define EXPORT(ret, name, params, args)                                                   \
    WIDE static ret name##_wide params { return name##_body args; }                       \
    static ret name##_baseline params { return name##_body args; }                        \
    ret name params { return drk_use_wide() ? name##_wide args : name##_baseline args; }
#define EXPORT_VOID(name, params, args)                                                   \
    WIDE static void name##_wide params { name##_body args; }                             \
    static void name##_baseline params { name##_body args; }                              \
    void name params { if (drk_use_wide()) name##_wide args; else name##_baseline args; }
#else
#define EXPORT(ret, name, params, args) ret name params { return name##_body args; }
#define EXPORT_VOID(name, params, args) void name params { name##_body args; }
#endif

#endif
