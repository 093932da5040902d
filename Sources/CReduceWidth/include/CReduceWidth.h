/*
 * CReduceWidth: Darkroom's horizontal reducer, the one piece of image arithmetic written here
 * rather than called in libvips.
 *
 * What it does: reduces an 8-bit image (1 to 4 bands) held in memory to `width` columns, with
 * the separable resampler of Pillow's ImagingResampleHorizontal: per-output-column weights for
 * the kernel, computed once in 14-bit fixed point, then one tight loop per row.
 *
 * Why it exists: libvips 8.14's reduceh has no vector path, and under callgrind it took 39% of
 * a whole default-recipe run. The results agree with libvips's reduceh to within 2/255 on
 * average, which ResizeTests checks.
 *
 * Its contract: `in` must be 8-bit unsigned with at most 4 bands; the result is a new image
 * reference, or NULL with libvips's error buffer set. Swift (`Image.reducedByModerateRatio`)
 * decides when to use it: reductions of 1 to 3 times.
 */
#ifndef DARKROOM_CREDUCEWIDTH_H
#define DARKROOM_CREDUCEWIDTH_H

#include <vips/vips.h>

VipsImage *dr_reduce_width(VipsImage *in, int width, VipsKernel kernel);

#endif
