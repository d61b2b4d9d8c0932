// The activations on 8-lane vectors that several kernel files apply: exp, erf, GELU and the
// `drk_activation` switch. Private to CEngineKernels.
#ifndef DARKROOM_ACTIVATIONS_H
#define DARKROOM_ACTIVATIONS_H

#include "engine_kernels.h"
#include "kernel_support.h"

/// e^x with Cephes expf's range reduction and polynomial (about 1 ulp); inputs clamped to [-87.3, 88.7].
KERNEL f8 exp8(f8 input) {
    const f8 magic = 12582912.0f; // 1.5 * 2^23: adding it rounds to an integer held in the mantissa.
    f8 x = min8(max8(input, -87.33654f), 88.72283f);
    f8 shifted = x * 1.44269504088896341f + magic;
    f8 n = shifted - magic;
    f8 r = x - n * 0.693359375f;
    r = r + n * 2.12194440e-4f;
    f8 p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * (r * r) + r + 1.0f;
    i8 exponent = (__builtin_bit_cast(i8, shifted) - 0x4B400000 + 127) << 23;
    return p * __builtin_bit_cast(f8, exponent);
}

/// erf(x) by Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7), odd in x.
KERNEL f8 erf8(f8 x) {
    i8 bits = __builtin_bit_cast(i8, x);
    i8 sign = bits & (i8)(int)0x80000000;
    f8 a = __builtin_bit_cast(f8, bits & 0x7FFFFFFF);
    f8 t = 1.0f / (1.0f + 0.3275911f * a);
    f8 poly = ((((1.061405429f * t - 1.453152027f) * t + 1.421413741f) * t - 0.284496736f) * t + 0.254829592f) * t;
    f8 y = 1.0f - poly * exp8(-a * a);
    return __builtin_bit_cast(f8, __builtin_bit_cast(i8, y) | sign);
}

KERNEL f8 gelu8(f8 x) { return 0.5f * x * (1.0f + erf8(x * 0.70710678118654752f)); }

KERNEL f8 activate8(f8 x, drk_activation activation) {
    switch (activation) {
    case DRK_ACTIVATION_SILU: return x / (1.0f + exp8(-x));
    case DRK_ACTIVATION_QUICK_GELU: return x / (1.0f + exp8(-1.702f * x));
    case DRK_ACTIVATION_GELU: return gelu8(x);
    case DRK_ACTIVATION_RELU: return max8(x, 0.0f);
    default: return x;
    }
}

#endif
