// The fused Winograd F(2x2, 3x3) path (include/winograd.h): one call takes a chunk of up to 32 tiles of one tile
// row through all three stages, with the transformed input, the 16 small gemms and their results held in the
// core's cache (about 0.5 MiB at 64 channels). The banded path writes and reads back four times the activation
// per stage, which left the 64-channel 512x512 layers of a decoder bound by memory.
//
// The gemm kernel computes a 6x16 block of one element's product in twelve 8-lane accumulators: per input channel
// two loads of the transformed input and six broadcasts of the packed weights for twelve fused multiply-adds.
#include "winograd.h"

#include "winograd_tiles.h"

enum { CHUNK = DRK_WINOGRAD_CHUNK, ROWS = DRK_WINOGRAD_ROWS, COLUMNS = 16 };

KERNEL long padded_rows(long cout) { return (cout + ROWS - 1) / ROWS * ROWS; }

long drk_winograd_packed_floats(long cout, long cin) { return 16 * padded_rows(cout) * cin; }

long drk_winograd_fused_scratch_floats(long cout, long cin) { return 16 * (cin + padded_rows(cout)) * CHUNK; }

KERNEL void drk_winograd_pack_weights_body(const float *weights, long cout, long cin, long first_out, long out_count,
                                           float *packed) {
    long rows = padded_rows(cout), element = rows * cin;
    long last = first_out + out_count == cout ? rows : first_out + out_count;
    for (long o = first_out; o < last; o++) {
        float *block = packed + (o / ROWS) * cin * ROWS + o % ROWS;
        for (long c = 0; c < cin; c += 8) {
            long lanes = cin - c < 8 ? cin - c : 8;
            f8 transformed[16];
            if (o < cout) {
                transform_kernels(weights + (o * cin + c) * 9, lanes, transformed);
            } else {
                for (int e = 0; e < 16; e++) transformed[e] = 0.0f;
            }
            for (int e = 0; e < 16; e++) {
                for (long t = 0; t < lanes; t++) block[e * element + (c + t) * ROWS] = transformed[e][t];
            }
        }
    }
}

/// c[r * CHUNK + j] = sum over k of a[k * ROWS + r] * b[k * CHUNK + j], for r < 6 and j < 16.
KERNEL void gemm_block(const float *a, const float *b, long k, float *c) {
    f8 acc[ROWS][2];
    for (int r = 0; r < ROWS; r++) acc[r][0] = acc[r][1] = 0.0f;
    for (long p = 0; p < k; p++) {
        f8 b0 = load8(b + p * CHUNK), b1 = load8(b + p * CHUNK + 8);
        for (int r = 0; r < ROWS; r++) {
            f8 weight = a[p * ROWS + r];
            acc[r][0] += weight * b0;
            acc[r][1] += weight * b1;
        }
    }
    for (int r = 0; r < ROWS; r++) {
        store8(c + r * CHUNK, acc[r][0]);
        store8(c + r * CHUNK + 8, acc[r][1]);
    }
}

KERNEL void drk_winograd_fused_body(const float *image, long cin, long height, long width, const float *packed,
                                    long cout, const float *bias, drk_activation activation, float *output, long ty,
                                    long tx0, long count, float *scratch) {
    long rows = padded_rows(cout), plane = height * width;
    long blocks = (count + COLUMNS - 1) / COLUMNS;
    float *v = scratch, *m = scratch + 16 * cin * CHUNK;
    for (long c = 0; c < cin; c++) {
        float *target = v + c * CHUNK;
        input_row(image + c * plane, height, width, ty, tx0, tx0 + count, target, cin * CHUNK);
        for (int e = 0; e < 16; e++) {
            for (long j = count; j < blocks * COLUMNS; j++) target[e * cin * CHUNK + j] = 0.0f;
        }
    }
    for (int e = 0; e < 16; e++) {
        for (long r = 0; r < rows; r += ROWS) {
            const float *a = packed + (e * rows + r) * cin;
            for (long j = 0; j < blocks; j++) {
                gemm_block(a, v + e * cin * CHUNK + j * COLUMNS, cin, m + (e * rows + r) * CHUNK + j * COLUMNS);
            }
        }
    }
    for (long o = 0; o < cout; o++) {
        output_row(m + o * CHUNK, rows * CHUNK, ty, tx0, tx0 + count, bias ? bias[o] : 0.0f, activation,
                   output + o * plane, height, width);
    }
}

EXPORT_VOID(drk_winograd_pack_weights, (const float *weights, long cout, long cin, long first_out, long out_count,
                                        float *packed), (weights, cout, cin, first_out, out_count, packed))
EXPORT_VOID(drk_winograd_fused, (const float *image, long cin, long height, long width, const float *packed,
                                 long cout, const float *bias, drk_activation activation, float *output, long ty,
                                 long tx0, long count, float *scratch),
            (image, cin, height, width, packed, cout, bias, activation, output, ty, tx0, count, scratch))
