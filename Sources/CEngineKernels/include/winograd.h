// Winograd F(2x2, 3x3) transforms for stride-1, 3x3, pad-1 convolutions (Lavin and Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2016). The convolution becomes 16 gemms, one per element of the 4x4 transformed
// tile: M[e] = U[e] (cout x cin) * V[e] (cin x tiles), with 2.25x fewer multiplications than the direct form.
#ifndef DARKROOM_WINOGRAD_H
#define DARKROOM_WINOGRAD_H

#include "engine_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/// U[e][o][c] = (G g G^T)[e] for the 3x3 kernels `weights[o][c][3][3]` of the output channels
/// `first_out ..< first_out + out_count`; `u` holds 16 * cout * cin floats.
void drk_winograd_weights(const float *weights, long cout, long cin, long first_out, long out_count, float *u);

/// Transforms tile rows `tile_row0 ..< tile_row0 + tile_rows` of one input plane (`height x width`, zero padding of
/// one pixel on every side). Tile (ty, tx) covers input rows 2ty-1 ... 2ty+2 and columns 2tx-1 ... 2tx+2; its 16
/// values go to `v[e * element_stride + (ty - tile_row0) * tiles_x + tx]`.
void drk_winograd_input(const float *plane, long height, long width, long tile_row0, long tile_rows, long tiles_x,
                        float *v, long element_stride);

/// The inverse of one output channel's tiles: reads `m[e * element_stride + (ty - tile_row0) * tiles_x + tx]` and
/// writes the 2x2 outputs of each tile, plus `bias`, into the output plane (`height x width`; rows and columns past
/// its edge are dropped).
void drk_winograd_output(const float *m, long element_stride, long tile_row0, long tile_rows, long tiles_x,
                         float bias, float *plane, long height, long width);

/// The fused path's shape: tiles per call at most, and output channels per block of the packed weights.
enum { DRK_WINOGRAD_CHUNK = 32, DRK_WINOGRAD_ROWS = 6 };

/// Floats of the fused path's packed weights: 16 x (cout rounded up to DRK_WINOGRAD_ROWS) x cin.
long drk_winograd_packed_floats(long cout, long cin);

/// Packs the transformed kernels of output channels `first_out ..< first_out + out_count` for the fused path:
/// element e, block of DRK_WINOGRAD_ROWS output channels b, input channel c, row r at
/// `packed[((e * blocks + b) * cin + c) * DRK_WINOGRAD_ROWS + r]`. The call whose range ends at `cout` also zeroes
/// the padding rows.
void drk_winograd_pack_weights(const float *weights, long cout, long cin, long first_out, long out_count,
                               float *packed);

/// Floats of scratch one `drk_winograd_fused` call needs (reusable from call to call on one thread).
long drk_winograd_fused_scratch_floats(long cout, long cin);

/// Convolves tiles `tx0 ..< tx0 + count` (count <= DRK_WINOGRAD_CHUNK) of tile row `ty` of one image:
/// `image` holds cin planes of `height x width`, `output` cout planes of the same size; `bias` may be NULL. Writes
/// output rows 2ty and 2ty+1, columns 2tx0 ..< 2(tx0 + count) (clipped to the plane), through `activation`.
void drk_winograd_fused(const float *image, long cin, long height, long width, const float *packed, long cout,
                        const float *bias, drk_activation activation, float *output, long ty, long tx0, long count,
                        float *scratch);

#ifdef __cplusplus
}
#endif

#endif
