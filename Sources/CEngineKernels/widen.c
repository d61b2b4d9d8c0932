// fp16 -> fp32 widening for weights left at 16 bits in a mapped file (include/engine_kernels.h). With F16C the
// conversion is one instruction per eight values; the baseline places the half's exponent and mantissa in fp32 bit
// positions and scales by 2^112, which is exact for normal and subnormal halves alike (infinities and NaNs get the
// all-ones exponent back). Both are exact.
#include <string.h>

#include "engine_kernels.h"
#include "kernel_support.h"

typedef unsigned short u16x8 __attribute__((ext_vector_type(8)));
typedef unsigned int u32x8 __attribute__((ext_vector_type(8)));
typedef _Float16 h8 __attribute__((ext_vector_type(8)));

/// Eight halves to floats on their bit patterns (exact): the exponent and mantissa moved to fp32 positions and
/// scaled by 2^112, the all-ones exponent restored for infinities and NaNs, the sign put back.
KERNEL f8 widen8(u16x8 raw) {
    u32x8 h = __builtin_convertvector(raw, u32x8);
    f8 magnitude = __builtin_bit_cast(f8, (h & 0x7FFF) << 13) * 0x1p112f;
    u32x8 bits = __builtin_bit_cast(u32x8, magnitude);
    bits |= ((h & 0x7C00) == 0x7C00) & 0x7F800000; // comparisons give all-ones lanes
    bits |= (h & 0x8000) << 16;
    return __builtin_bit_cast(f8, bits);
}

/// The last `count < 8` values, through a zero-padded vector.
KERNEL void widen_tail(const unsigned char *source, float *destination, long count) {
    u16x8 raw = 0;
    memcpy(&raw, source, 2 * count);
    f8 value = widen8(raw);
    memcpy(destination, &value, 4 * count);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma,f16c"))) static void widen_wide(const unsigned char *source, float *destination,
                                                                long count) {
    long i = 0;
    for (; i + 8 <= count; i += 8) {
        h8 half;
        memcpy(&half, source + 2 * i, 16);
        f8 value = __builtin_convertvector(half, f8);
        memcpy(destination + i, &value, 32); // not store8: its baseline signature cannot take an AVX vector
    }
    widen_tail(source + 2 * i, destination + i, count - i);
}
#endif

static void widen_baseline(const unsigned char *source, float *destination, long count) {
    long i = 0;
    for (; i + 8 <= count; i += 8) {
        u16x8 raw;
        memcpy(&raw, source + 2 * i, 16);
        store8(destination + i, widen8(raw));
    }
    widen_tail(source + 2 * i, destination + i, count - i);
}

void drk_widen_float16(const void *source, float *destination, long count) {
#if defined(__x86_64__)
    if (drk_use_wide()) {
        widen_wide(source, destination, count);
        return;
    }
#endif
    widen_baseline(source, destination, count);
}

KERNEL void drk_widen_int8_body(const void *source, float *destination, long count, float scale) {
    typedef signed char c8 __attribute__((ext_vector_type(8)));
    const signed char *bytes = source;
    long i = 0;
    for (; i + 8 <= count; i += 8) {
        c8 raw;
        memcpy(&raw, bytes + i, 8);
        store8(destination + i, __builtin_convertvector(raw, f8) * scale);
    }
    for (; i < count; i++) destination[i] = (float)bytes[i] * scale;
}

EXPORT_VOID(drk_widen_int8, (const void *source, float *destination, long count, float scale),
            (source, destination, count, scale))
