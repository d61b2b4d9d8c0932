// The Winograd F(2x2, 3x3) transforms of one tile row, shared by the banded path (winograd.c) and the fused one
// (winograd_fused.c). B^T, G and A^T are the minimal-filtering matrices for two outputs of a 3-tap filter over the
// points 0, 1, -1 and infinity:
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],  G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1],
//   A^T = [1 1 1 0; 0 1 -1 -1].
// Eight neighbouring tiles are transformed at once (their columns are the even and odd lanes of two 8-float loads,
// so each transformed element is one contiguous store); at the plane's edges the loads read a zero-padded copy.
// Private to CEngineKernels.
#ifndef DARKROOM_WINOGRAD_TILES_H
#define DARKROOM_WINOGRAD_TILES_H

#include "activations.h"
#include "kernel_support.h"

/// (G g G^T) for `lanes <= 8` consecutive 3x3 kernels from `weights` (nine floats each): kernel t's element e in
/// lane t of `out[e]` (the other lanes zero).
KERNEL void transform_kernels(const float *weights, long lanes, f8 out[16]) {
    f8 g[9];
    for (int j = 0; j < 9; j++) {
        g[j] = 0.0f;
        for (long t = 0; t < lanes; t++) g[j][t] = weights[t * 9 + j];
    }
    f8 gg[4][3]; // G g
    for (int j = 0; j < 3; j++) {
        gg[0][j] = g[j];
        gg[1][j] = 0.5f * (g[j] + g[3 + j] + g[6 + j]);
        gg[2][j] = 0.5f * (g[j] - g[3 + j] + g[6 + j]);
        gg[3][j] = g[6 + j];
    }
    for (int i = 0; i < 4; i++) { // (G g) G^T
        out[i * 4 + 0] = gg[i][0];
        out[i * 4 + 1] = 0.5f * (gg[i][0] + gg[i][1] + gg[i][2]);
        out[i * 4 + 2] = 0.5f * (gg[i][0] - gg[i][1] + gg[i][2]);
        out[i * 4 + 3] = gg[i][2];
    }
}

/// B^T d B for eight tiles' 4x4 values `d` (one tile per lane; overwritten): element e of the first `lanes` tiles
/// to `target + e * stride`, each stored as soon as it is made (sixteen live vectors would not fit the registers).
KERNEL void transform_input_tiles(f8 d[4][4], float *target, long stride, long lanes) {
    for (int j = 0; j < 4; j++) { // B^T d, in place
        f8 t0 = d[0][j] - d[2][j], t1 = d[1][j] + d[2][j], t2 = d[2][j] - d[1][j], t3 = d[1][j] - d[3][j];
        d[0][j] = t0; d[1][j] = t1; d[2][j] = t2; d[3][j] = t3;
    }
    for (int i = 0; i < 4; i++) { // (B^T d) B
        store_lanes(target + (i * 4 + 0) * stride, lanes, d[i][0] - d[i][2]);
        store_lanes(target + (i * 4 + 1) * stride, lanes, d[i][1] + d[i][2]);
        store_lanes(target + (i * 4 + 2) * stride, lanes, d[i][2] - d[i][1]);
        store_lanes(target + (i * 4 + 3) * stride, lanes, d[i][1] - d[i][3]);
    }
}

/// The 4x4 input values of the eight tiles from (ty, tx) as lanes: `d[i][j]` holds row 2ty-1+i, column 2tx-1+j of
/// each. Lane t's columns are the even (j = 0, 2) and odd (j = 1, 3) lanes of two 8-float loads starting at column
/// 2tx-1 and 2tx+1. Rows and columns outside the plane read as zero (through a padded copy of the line).
KERNEL void gather_tiles(const float *plane, long height, long width, long ty, long tx, f8 d[4][4]) {
    static const float zeros[18];
    long y0 = 2 * ty - 1, x0 = 2 * tx - 1;
    int inside = x0 >= 0 && x0 + 18 <= width;
    for (int i = 0; i < 4; i++) {
        long y = y0 + i;
        float padded[18];
        const float *line = zeros;
        if (y >= 0 && y < height) {
            line = plane + y * width + x0;
            if (!inside) {
                for (int j = 0; j < 18; j++) padded[j] = (x0 + j >= 0 && x0 + j < width) ? line[j] : 0.0f;
                line = padded;
            }
        }
        f8 a0 = load8(line), a1 = load8(line + 8), b0 = load8(line + 2), b1 = load8(line + 10);
        d[i][0] = __builtin_shufflevector(a0, a1, 0, 2, 4, 6, 8, 10, 12, 14);
        d[i][1] = __builtin_shufflevector(a0, a1, 1, 3, 5, 7, 9, 11, 13, 15);
        d[i][2] = __builtin_shufflevector(b0, b1, 0, 2, 4, 6, 8, 10, 12, 14);
        d[i][3] = __builtin_shufflevector(b0, b1, 1, 3, 5, 7, 9, 11, 13, 15);
    }
}

/// Transforms tiles `tx_begin ..< tx_end` of tile row `ty` of one plane (zero padding of one pixel on every side),
/// eight at a time: tile tx's element e goes to `target[e * stride + tx - tx_begin]`, and nothing past `tx_end`.
KERNEL void input_row(const float *plane, long height, long width, long ty, long tx_begin, long tx_end,
                      float *target, long stride) {
    for (long tx = tx_begin; tx < tx_end; tx += 8) {
        long lanes = tx_end - tx < 8 ? tx_end - tx : 8;
        f8 d[4][4];
        gather_tiles(plane, height, width, ty, tx, d);
        transform_input_tiles(d, target + tx - tx_begin, stride, lanes);
    }
}

/// A^T m A for eight tiles' 16 transformed values `e` (one tile per lane), plus `bias`, through `activation`: the
/// outputs `o[0] o[1] / o[2] o[3]` of each tile's 2x2 block.
KERNEL void output_transform(const f8 e[16], float bias, drk_activation activation, f8 o[4]) {
    f8 s0[4], s1[4]; // A^T m
    for (int j = 0; j < 4; j++) {
        s0[j] = e[j] + e[4 + j] + e[8 + j];
        s1[j] = e[4 + j] - e[8 + j] - e[12 + j];
    }
    o[0] = activate8(s0[0] + s0[1] + s0[2] + bias, activation); // (A^T m) A
    o[1] = activate8(s0[1] - s0[2] - s0[3] + bias, activation);
    o[2] = activate8(s1[0] + s1[1] + s1[2] + bias, activation);
    o[3] = activate8(s1[1] - s1[2] - s1[3] + bias, activation);
}

/// The inverse of `input_row` for one output channel, eight tiles at a time: reads tile tx's element e at
/// `source[e * stride + tx - tx_begin]` (nothing past `tx_end`) and writes its 2x2 outputs, plus `bias`, through
/// `activation`, into the plane (rows and columns past its edge are dropped).
KERNEL void output_row(const float *source, long stride, long ty, long tx_begin, long tx_end, float bias,
                       drk_activation activation, float *plane, long height, long width) {
    for (long tx = tx_begin; tx < tx_end; tx += 8) {
        long lanes = tx_end - tx < 8 ? tx_end - tx : 8;
        const float *tiles = source + tx - tx_begin;
        f8 e[16], o[4];
        for (int k = 0; k < 16; k++) e[k] = load_lanes(tiles + k * stride, lanes);
        output_transform(e, bias, activation, o);
        // Tile t's outputs are columns 2t and 2t+1: each output row interleaves the lanes of o[2r] and o[2r+1].
        long columns = width - 2 * tx < 2 * lanes ? width - 2 * tx : 2 * lanes;
        for (int r = 0; r < 2 && 2 * ty + r < height; r++) {
            float *line = plane + (2 * ty + r) * width + 2 * tx;
            f8 low = __builtin_shufflevector(o[2 * r], o[2 * r + 1], 0, 8, 1, 9, 2, 10, 3, 11);
            f8 high = __builtin_shufflevector(o[2 * r], o[2 * r + 1], 4, 12, 5, 13, 6, 14, 7, 15);
            store_lanes(line, columns < 8 ? columns : 8, low);
            if (columns > 8) store_lanes(line + 8, columns - 8, high);
        }
    }
}

#endif
