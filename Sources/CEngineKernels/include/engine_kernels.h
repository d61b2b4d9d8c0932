// The engine's elementwise and reduction kernels, in C so that one source compiles to 8-wide AVX2+FMA code
// where the CPU has it (chosen once per process) and to the platform's baseline vectors elsewhere
// (SSE2 on older x86-64, NEON on arm64). Swift code reaches them only through DarkroomEngine's VectorMath.
#ifndef DARKROOM_ENGINE_KERNELS_H
#define DARKROOM_ENGINE_KERNELS_H

#ifdef __cplusplus
extern "C" {
#endif

/// The pointwise activations the kernels apply (the values of `drk_activation`).
typedef enum {
    DRK_ACTIVATION_NONE = 0,
    DRK_ACTIVATION_SILU = 1,       // x * sigmoid(x)
    DRK_ACTIVATION_QUICK_GELU = 2, // x * sigmoid(1.702 x)
    DRK_ACTIVATION_GELU = 3,       // 0.5 x (1 + erf(x / sqrt 2))
    DRK_ACTIVATION_RELU = 4,       // max(0, x)
} drk_activation;

/// The largest of `count >= 1` values.
float drk_maximum(const float *values, long count);

/// e^x for one value (the same polynomial as the buffer kernels); x clamped to [-87.3, 88.7].
float drk_exp(float x);

/// values[i] = exp(values[i] - shift) for `count` values; returns their sum.
float drk_exponentiate(float *values, long count, float shift);

/// values[i] *= factor.
void drk_scale(float *values, long count, float factor);

/// destination[i] = activation(source[i] * scale + shift); `destination` may equal `source`.
void drk_affine(float *destination, const float *source, long count, float scale, float shift,
                drk_activation activation);

/// output[i] = input[i] * gelu(input[width + i]) for i < width (GEGLU on one row of `2 * width` values).
void drk_geglu(float *output, const float *input, long width);

/// The mean of `count` values and 1 / sqrt(biased variance + epsilon), two passes, accumulated in blocks of
/// float lanes whose sums are added in double precision.
void drk_moments(const float *values, long count, double epsilon, float *mean, float *inverse_deviation);

/// Writes `count` little-endian fp16 values from `source` (any alignment) to `destination` as fp32, exactly.
void drk_widen_float16(const void *source, float *destination, long count);

/// destination[i] = source[i] * scale for `count` signed bytes (an int8 weight row and its scale).
void drk_widen_int8(const void *source, float *destination, long count, float scale);

/// 1 when the AVX2+FMA(+F16C) versions are in use now, 0 for the baseline ones.
int drk_uses_wide_vectors(void);

/// 1 when this CPU has AVX2, FMA and F16C (the versions used unless forced to the baseline).
int drk_cpu_has_wide_vectors(void);

/// Forces the baseline versions (1) until a matching call with 0; calls nest, so concurrent tests compose.
void drk_force_baseline(int force);

#ifdef __cplusplus
}
#endif

#endif
