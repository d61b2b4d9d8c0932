// Winograd F(2x2, 3x3) transforms (include/winograd.h). B^T, G and A^T are the minimal-filtering matrices for
// two outputs of a 3-tap filter over the points 0, 1, -1 and infinity:
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],  G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1],
//   A^T = [1 1 1 0; 0 1 -1 -1].
// The transforms are additions over a few values per pixel; the gemms between them carry the arithmetic.
#include "winograd.h"

void drk_winograd_weights(const float *weights, long cout, long cin, float *u) {
    long matrix = cout * cin;
    for (long o = 0; o < cout; o++) {
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

void drk_winograd_input(const float *plane, long height, long width, long tile_row0, long tile_rows, long tiles_x,
                        float *v, long element_stride) {
    for (long ty = tile_row0; ty < tile_row0 + tile_rows; ty++) {
        long y0 = 2 * ty - 1;
        for (long tx = 0; tx < tiles_x; tx++) {
            long x0 = 2 * tx - 1;
            float d[4][4];
            if (y0 >= 0 && y0 + 3 < height && x0 >= 0 && x0 + 3 < width) {
                for (int i = 0; i < 4; i++)
                    for (int j = 0; j < 4; j++) d[i][j] = plane[(y0 + i) * width + x0 + j];
            } else {
                for (int i = 0; i < 4; i++) {
                    for (int j = 0; j < 4; j++) {
                        long y = y0 + i, x = x0 + j;
                        d[i][j] = (y >= 0 && y < height && x >= 0 && x < width) ? plane[y * width + x] : 0.0f;
                    }
                }
            }
            float t[4][4]; // B^T d
            for (int j = 0; j < 4; j++) {
                t[0][j] = d[0][j] - d[2][j];
                t[1][j] = d[1][j] + d[2][j];
                t[2][j] = d[2][j] - d[1][j];
                t[3][j] = d[1][j] - d[3][j];
            }
            float *target = v + (ty - tile_row0) * tiles_x + tx;
            for (int i = 0; i < 4; i++) { // (B^T d) B
                target[(i * 4 + 0) * element_stride] = t[i][0] - t[i][2];
                target[(i * 4 + 1) * element_stride] = t[i][1] + t[i][2];
                target[(i * 4 + 2) * element_stride] = t[i][2] - t[i][1];
                target[(i * 4 + 3) * element_stride] = t[i][1] - t[i][3];
            }
        }
    }
}

void drk_winograd_output(const float *m, long element_stride, long tile_row0, long tile_rows, long tiles_x,
                         float bias, float *plane, long height, long width) {
    for (long ty = tile_row0; ty < tile_row0 + tile_rows; ty++) {
        long y = 2 * ty;
        for (long tx = 0; tx < tiles_x; tx++) {
            const float *source = m + (ty - tile_row0) * tiles_x + tx;
            float e[16];
            for (int k = 0; k < 16; k++) e[k] = source[k * element_stride];
            float s[2][4]; // A^T m
            for (int j = 0; j < 4; j++) {
                s[0][j] = e[j] + e[4 + j] + e[8 + j];
                s[1][j] = e[4 + j] - e[8 + j] - e[12 + j];
            }
            long x = 2 * tx;
            float out[2][2]; // (A^T m) A
            for (int i = 0; i < 2; i++) {
                out[i][0] = s[i][0] + s[i][1] + s[i][2] + bias;
                out[i][1] = s[i][1] - s[i][2] - s[i][3] + bias;
            }
            for (int i = 0; i < 2 && y + i < height; i++) {
                plane[(y + i) * width + x] = out[i][0];
                if (x + 1 < width) plane[(y + i) * width + x + 1] = out[i][1];
            }
        }
    }
}
