// Winograd F(2x2, 3x3) transforms (include/winograd.h). B^T, G and A^T are the minimal-filtering matrices for
// two outputs of a 3-tap filter over the points 0, 1, -1 and infinity:
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],  G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1],
//   A^T = [1 1 1 0; 0 1 -1 -1].
// The transforms are additions over a few values per pixel; the gemms between them carry the arithmetic. Eight
// neighbouring tiles are transformed at once where they lie inside the plane (their columns are the even and odd
// lanes of two 8-float loads, so each transformed element is one contiguous store); edge tiles go one by one.
#include "winograd.h"

#include "kernel_support.h"

void drk_winograd_weights(const float *weights, long cout, long cin, long first_out, long out_count, float *u) {
    long matrix = cout * cin;
    for (long o = first_out; o < first_out + out_count; o++) {
        for (long c = 0; c < cin; c++) {
            const float *g = weights + (o * cin + c) * 9;
            float gg[4][3]; // G g
            for (int j = 0; j < 3; j++) {
                gg[0][j] = g[j];
                gg[1][j] = 0.5f * (g[j] + g[3 + j] + g[6 + j]);
                gg[2][j] = 0.5f * (g[j] - g[3 + j] + g[6 + j]);
                gg[3][j] = g[6 + j];
            }
            float *target = u + o * cin + c;
            for (int i = 0; i < 4; i++) { // (G g) G^T
                target[(i * 4 + 0) * matrix] = gg[i][0];
                target[(i * 4 + 1) * matrix] = 0.5f * (gg[i][0] + gg[i][1] + gg[i][2]);
                target[(i * 4 + 2) * matrix] = 0.5f * (gg[i][0] - gg[i][1] + gg[i][2]);
                target[(i * 4 + 3) * matrix] = gg[i][2];
            }
        }
    }
}

/// B^T d B for one tile's 4x4 values `d` (scalars or eight tiles' lanes), written through `put(element, value)`.
#define INPUT_TRANSFORM(T, d, put)                                                                   \
    do {                                                                                             \
        for (int i = 0; i < 4; i++) {                                                                \
            T t0 = d[0][i] - d[2][i], t1 = d[1][i] + d[2][i], t2 = d[2][i] - d[1][i], t3 = d[1][i] - d[3][i]; \
            d[0][i] = t0; d[1][i] = t1; d[2][i] = t2; d[3][i] = t3;                                  \
        }                                                                                            \
        for (int i = 0; i < 4; i++) {                                                                \
            put(i * 4 + 0, d[i][0] - d[i][2]);                                                       \
            put(i * 4 + 1, d[i][1] + d[i][2]);                                                       \
            put(i * 4 + 2, d[i][2] - d[i][1]);                                                       \
            put(i * 4 + 3, d[i][1] - d[i][3]);                                                       \
        }                                                                                            \
    } while (0)

KERNEL void input_tile(const float *plane, long height, long width, long ty, long tx, float *target, long stride) {
    long y0 = 2 * ty - 1, x0 = 2 * tx - 1;
    float d[4][4];
    for (int i = 0; i < 4; i++) {
        for (int j = 0; j < 4; j++) {
            long y = y0 + i, x = x0 + j;
            d[i][j] = (y >= 0 && y < height && x >= 0 && x < width) ? plane[y * width + x] : 0.0f;
        }
    }
#define PUT_SCALAR(element, value) target[(element) * stride] = (value)
    INPUT_TRANSFORM(float, d, PUT_SCALAR);
#undef PUT_SCALAR
}

KERNEL void drk_winograd_input_body(const float *plane, long height, long width, long tile_row0, long tile_rows,
                                    long tiles_x, float *v, long element_stride) {
    for (long ty = tile_row0; ty < tile_row0 + tile_rows; ty++) {
        long y0 = 2 * ty - 1;
        float *row_target = v + (ty - tile_row0) * tiles_x;
        long tx = 0;
        if (y0 >= 0 && y0 + 3 < height) {
            if (tx < tiles_x) input_tile(plane, height, width, ty, tx++, row_target + 0, element_stride);
            // Eight tiles from tx read columns 2tx-1 ... 2tx+16.
            for (; tx + 8 <= tiles_x && 2 * tx + 17 <= width; tx += 8) {
                f8 d[4][4];
                for (int i = 0; i < 4; i++) {
                    const float *line = plane + (y0 + i) * width + 2 * tx - 1;
                    f8 a0 = load8(line), a1 = load8(line + 8), b0 = load8(line + 2), b1 = load8(line + 10);
                    d[i][0] = __builtin_shufflevector(a0, a1, 0, 2, 4, 6, 8, 10, 12, 14);
                    d[i][1] = __builtin_shufflevector(a0, a1, 1, 3, 5, 7, 9, 11, 13, 15);
                    d[i][2] = __builtin_shufflevector(b0, b1, 0, 2, 4, 6, 8, 10, 12, 14);
                    d[i][3] = __builtin_shufflevector(b0, b1, 1, 3, 5, 7, 9, 11, 13, 15);
                }
#define PUT_VECTOR(element, value) store8(row_target + tx + (element) * element_stride, (value))
                INPUT_TRANSFORM(f8, d, PUT_VECTOR);
#undef PUT_VECTOR
            }
        }
        for (; tx < tiles_x; tx++) input_tile(plane, height, width, ty, tx, row_target + tx, element_stride);
    }
}

/// A^T m A for one tile's 16 values `e`, plus `bias`: the outputs `o00 o01 / o10 o11`.
#define OUTPUT_TRANSFORM(T, e, bias, o00, o01, o10, o11)                                             \
    T o00, o01, o10, o11;                                                                            \
    do {                                                                                             \
        T s0[4], s1[4];                                                                              \
        for (int j = 0; j < 4; j++) {                                                                \
            s0[j] = e[j] + e[4 + j] + e[8 + j];                                                      \
            s1[j] = e[4 + j] - e[8 + j] - e[12 + j];                                                 \
        }                                                                                            \
        o00 = s0[0] + s0[1] + s0[2] + bias; o01 = s0[1] - s0[2] - s0[3] + bias;                      \
        o10 = s1[0] + s1[1] + s1[2] + bias; o11 = s1[1] - s1[2] - s1[3] + bias;                      \
    } while (0)

KERNEL void output_tile(const float *source, long stride, long ty, long tx, float bias, float *plane, long height,
                        long width) {
    float e[16];
    for (int k = 0; k < 16; k++) e[k] = source[k * stride];
    OUTPUT_TRANSFORM(float, e, bias, o00, o01, o10, o11);
    long y = 2 * ty, x = 2 * tx;
    plane[y * width + x] = o00;
    if (x + 1 < width) plane[y * width + x + 1] = o01;
    if (y + 1 < height) {
        plane[(y + 1) * width + x] = o10;
        if (x + 1 < width) plane[(y + 1) * width + x + 1] = o11;
    }
}

KERNEL void drk_winograd_output_body(const float *m, long element_stride, long tile_row0, long tile_rows,
                                     long tiles_x, float bias, float *plane, long height, long width) {
    for (long ty = tile_row0; ty < tile_row0 + tile_rows; ty++) {
        const float *row_source = m + (ty - tile_row0) * tiles_x;
        long tx = 0;
        if (2 * ty + 1 < height) {
            // Eight tiles from tx write columns 2tx ... 2tx+15 of two rows.
            for (; tx + 8 <= tiles_x && 2 * tx + 16 <= width; tx += 8) {
                f8 e[16];
                for (int k = 0; k < 16; k++) e[k] = load8(row_source + tx + k * element_stride);
                OUTPUT_TRANSFORM(f8, e, bias, o00, o01, o10, o11);
                float *line = plane + 2 * ty * width + 2 * tx;
                store8(line, __builtin_shufflevector(o00, o01, 0, 8, 1, 9, 2, 10, 3, 11));
                store8(line + 8, __builtin_shufflevector(o00, o01, 4, 12, 5, 13, 6, 14, 7, 15));
                store8(line + width, __builtin_shufflevector(o10, o11, 0, 8, 1, 9, 2, 10, 3, 11));
                store8(line + width + 8, __builtin_shufflevector(o10, o11, 4, 12, 5, 13, 6, 14, 7, 15));
            }
        }
        for (; tx < tiles_x; tx++) output_tile(row_source + tx, element_stride, ty, tx, bias, plane, height, width);
    }
}

EXPORT_VOID(drk_winograd_input, (const float *plane, long height, long width, long tile_row0, long tile_rows,
                                 long tiles_x, float *v, long element_stride),
            (plane, height, width, tile_row0, tile_rows, tiles_x, v, element_stride))
EXPORT_VOID(drk_winograd_output, (const float *m, long element_stride, long tile_row0, long tile_rows, long tiles_x,
                                  float bias, float *plane, long height, long width),
            (m, element_stride, tile_row0, tile_rows, tiles_x, bias, plane, height, width))
