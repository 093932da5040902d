/*
 * CVips: fixed-arity wrappers around libvips.
 *
 * Why this file exists: almost every libvips operation is a C variadic function
 * (`vips_resize(in, &out, scale, "vscale", v, NULL)`), and Swift cannot call C
 * variadics. Each wrapper below fixes the optional arguments Darkroom uses, so the
 * Swift side calls plain functions. No logic lives here: one libvips call per
 * wrapper, plus the start-up sequence that must run exactly once.
 *
 * Conventions: functions returning `VipsImage *` return a new reference (or NULL on
 * error, with the message in libvips's error buffer). Functions returning `int`
 * return 0 on success, -1 on error.
 */
#ifndef DARKROOM_CVIPS_H
#define DARKROOM_CVIPS_H

#include <stddef.h>
#include <vips/vips.h>

/* Start-up: VIPS_INIT (a macro), the operation cache off, the libvips thread count,
 * and the loader allow-list: every loader blocked except JPEG, PNG, WebP, GIF, HEIF
 * and TIFF. */
int dr_init(int concurrency);

/* Loaders, called by format so libvips's own sniffing never picks the loader.
 * `fail_on_error` maps to fail_on=error; `sequential` to access=sequential. */
VipsImage *dr_jpegload(const void *buf, size_t len, int shrink, int fail_on_error, int sequential);
VipsImage *dr_pngload(const void *buf, size_t len, int fail_on_error, int sequential);
VipsImage *dr_webpload(const void *buf, size_t len, double scale, int fail_on_error, int sequential);
VipsImage *dr_gifload(const void *buf, size_t len, int fail_on_error, int sequential);
VipsImage *dr_heifload(const void *buf, size_t len, int fail_on_error, int sequential);
VipsImage *dr_tiffload(const void *buf, size_t len, int fail_on_error, int sequential);

/* Geometry. */
VipsImage *dr_resize(VipsImage *in, double hscale, double vscale, VipsKernel kernel);
VipsImage *dr_shrink(VipsImage *in, double hshrink, double vshrink);
VipsImage *dr_zoom(VipsImage *in, int xfac, int yfac);
VipsImage *dr_extract_area(VipsImage *in, int left, int top, int width, int height);
VipsImage *dr_smartcrop(VipsImage *in, int width, int height, int attention);
VipsImage *dr_embed_copy(VipsImage *in, int width, int height);
/// vips_embed with a solid background of `n` values (one per band): an image extended to a box.
VipsImage *dr_embed_background(VipsImage *in, int x, int y, int width, int height, const double *background, int n);
VipsImage *dr_autorot(VipsImage *in);
VipsImage *dr_rot(VipsImage *in, int quarter_turns);
VipsImage *dr_flip(VipsImage *in, int horizontal);

/* Vertical reduction by a moderate ratio, libvips's vectorised reducev. The horizontal
 * counterpart is Darkroom's own code, in the CReduceWidth target. */
VipsImage *dr_reducev(VipsImage *in, double vshrink, VipsKernel kernel);

/* Colour. */
VipsImage *dr_icc_to_srgb(VipsImage *in);
VipsImage *dr_icc_transform(VipsImage *in, const char *profile);
VipsImage *dr_colourspace(VipsImage *in, VipsInterpretation space);
VipsImage *dr_cast_uchar(VipsImage *in);
VipsImage *dr_flatten(VipsImage *in, double r, double g, double b);

/* Filters. */
VipsImage *dr_gaussblur(VipsImage *in, double sigma);
VipsImage *dr_sharpen(VipsImage *in, double sigma);

/* Compositing and bands. */
VipsImage *dr_text(const char *text, const char *font, int dpi);
VipsImage *dr_linear1(VipsImage *in, double a, double b);
VipsImage *dr_bandjoin2(VipsImage *a, VipsImage *b);
VipsImage *dr_extract_bands(VipsImage *in, int band, int n);
VipsImage *dr_constant_like(VipsImage *like, const double *values, int n);
VipsImage *dr_composite_over(VipsImage *base, VipsImage *overlay, int x, int y);
VipsImage *dr_copy_interpretation(VipsImage *in, VipsInterpretation space);
/* vips_insert: `sub` pasted over `main` with its top-left corner at x, y (redaction). */
VipsImage *dr_insert(VipsImage *main, VipsImage *sub, int x, int y);

/* Animation: loaders that read every frame (n=-1) into one tall strip, a strip built from
 * frames, and the metadata savers read (page-height, delay per frame in ms, loop count). */
VipsImage *dr_gifload_all(const void *buf, size_t len, int fail_on_error);
VipsImage *dr_webpload_all(const void *buf, size_t len, int fail_on_error);
VipsImage *dr_join_frames(VipsImage **frames, int n);
VipsImage *dr_tag_animation(VipsImage *in, int page_height, const int *delays, int n, int loop);
int dr_get_delays(VipsImage *in, int *delays, int capacity);
/* A copy that is one frame: page-height, n-pages, delay and loop removed. */
VipsImage *dr_single_frame(VipsImage *in);

/* Savers. `strip` removes EXIF, XMP, IPTC and the ICC profile. */
int dr_jpegsave(VipsImage *in, int quality, int progressive, int strip, void **buf, size_t *len);
int dr_pngsave(VipsImage *in, int compression, int strip, void **buf, size_t *len);
int dr_webpsave(VipsImage *in, int quality, int lossless, int strip, void **buf, size_t *len);
int dr_avifsave(VipsImage *in, int quality, int effort, int strip, void **buf, size_t *len);
int dr_tiffsave(VipsImage *in, void **buf, size_t *len);
int dr_gifsave(VipsImage *in, int strip, void **buf, size_t *len);

/* A copy without EXIF, XMP, IPTC, ICC or comment fields. Needed because some 8.14 savers
 * (WebP among them) write EXIF and XMP even when asked to strip. */
VipsImage *dr_copy_without_metadata(VipsImage *in);

/* Metadata helpers that are macros or need an out-parameter dance in C. */
int dr_get_int_or(VipsImage *in, const char *name, int fallback);
int dr_get_blob(VipsImage *in, const char *name, const void **data, size_t *len);

#endif
