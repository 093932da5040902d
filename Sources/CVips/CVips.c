#include "CVips.h"
#include <string.h>

int dr_init(int concurrency) {
    if (VIPS_INIT("darkroom") != 0) return -1;
    /* A server must not cache operations: every request is new data. */
    vips_cache_set_max(0);
    vips_cache_set_max_mem(0);
    vips_cache_set_max_files(0);
    vips_concurrency_set(concurrency);
    /* Allow-list: block every loader, then unblock the six we accept. The untrusted
     * set (SVG, PDF, JXL, JP2K, OpenSlide, ImageMagick...) stays blocked either way. */
    vips_block_untrusted_set(TRUE);
    vips_operation_block_set("VipsForeignLoad", TRUE);
    vips_operation_block_set("VipsForeignLoadJpeg", FALSE);
    vips_operation_block_set("VipsForeignLoadPng", FALSE);
    vips_operation_block_set("VipsForeignLoadWebp", FALSE);
    vips_operation_block_set("VipsForeignLoadNsgif", FALSE);
    vips_operation_block_set("VipsForeignLoadHeif", FALSE);
    vips_operation_block_set("VipsForeignLoadTiff", FALSE);
    return 0;
}

#define FAIL_ON(f) ((f) ? VIPS_FAIL_ON_ERROR : VIPS_FAIL_ON_NONE)
#define ACCESS(s) ((s) ? VIPS_ACCESS_SEQUENTIAL : VIPS_ACCESS_RANDOM)

VipsImage *dr_jpegload(const void *buf, size_t len, int shrink, int fail, int seq) {
    VipsImage *out = NULL;
    if (vips_jpegload_buffer((void *)buf, len, &out, "shrink", shrink, "fail_on", FAIL_ON(fail), "access", ACCESS(seq), NULL)) return NULL;
    return out;
}
VipsImage *dr_pngload(const void *buf, size_t len, int fail, int seq) {
    VipsImage *out = NULL;
    if (vips_pngload_buffer((void *)buf, len, &out, "fail_on", FAIL_ON(fail), "access", ACCESS(seq), NULL)) return NULL;
    return out;
}
VipsImage *dr_webpload(const void *buf, size_t len, double scale, int fail, int seq) {
    VipsImage *out = NULL;
    if (vips_webpload_buffer((void *)buf, len, &out, "scale", scale, "fail_on", FAIL_ON(fail), "access", ACCESS(seq), NULL)) return NULL;
    return out;
}
VipsImage *dr_gifload(const void *buf, size_t len, int fail, int seq) {
    VipsImage *out = NULL;
    if (vips_gifload_buffer((void *)buf, len, &out, "fail_on", FAIL_ON(fail), "access", ACCESS(seq), NULL)) return NULL;
    return out;
}
VipsImage *dr_heifload(const void *buf, size_t len, int fail, int seq) {
    VipsImage *out = NULL;
    if (vips_heifload_buffer((void *)buf, len, &out, "fail_on", FAIL_ON(fail), "access", ACCESS(seq), NULL)) return NULL;
    return out;
}
VipsImage *dr_tiffload(const void *buf, size_t len, int fail, int seq) {
    VipsImage *out = NULL;
    if (vips_tiffload_buffer((void *)buf, len, &out, "fail_on", FAIL_ON(fail), "access", ACCESS(seq), NULL)) return NULL;
    return out;
}

#define WRAP(call) do { VipsImage *out = NULL; if (call) return NULL; return out; } while (0)

VipsImage *dr_resize(VipsImage *in, double h, double v, VipsKernel k) { WRAP(vips_resize(in, &out, h, "vscale", v, "kernel", k, NULL)); }
VipsImage *dr_shrink(VipsImage *in, double h, double v) { WRAP(vips_shrink(in, &out, h, v, NULL)); }
VipsImage *dr_zoom(VipsImage *in, int x, int y) { WRAP(vips_zoom(in, &out, x, y, NULL)); }
VipsImage *dr_extract_area(VipsImage *in, int l, int t, int w, int h) { WRAP(vips_extract_area(in, &out, l, t, w, h, NULL)); }
VipsImage *dr_smartcrop(VipsImage *in, int w, int h, int attention) {
    WRAP(vips_smartcrop(in, &out, w, h, "interesting", attention ? VIPS_INTERESTING_ATTENTION : VIPS_INTERESTING_CENTRE, NULL));
}
VipsImage *dr_embed_copy(VipsImage *in, int w, int h) { WRAP(vips_embed(in, &out, 0, 0, w, h, "extend", VIPS_EXTEND_COPY, NULL)); }
VipsImage *dr_embed_background(VipsImage *in, int x, int y, int w, int h, const double *background, int n) {
    VipsArrayDouble *arr = vips_array_double_new(background, n);
    VipsImage *out = NULL;
    int rc = vips_embed(in, &out, x, y, w, h, "extend", VIPS_EXTEND_BACKGROUND, "background", arr, NULL);
    vips_area_unref(VIPS_AREA(arr));
    return rc ? NULL : out;
}
VipsImage *dr_autorot(VipsImage *in) { WRAP(vips_autorot(in, &out, NULL)); }
VipsImage *dr_rot(VipsImage *in, int q) {
    VipsAngle a = q == 1 ? VIPS_ANGLE_D90 : q == 2 ? VIPS_ANGLE_D180 : q == 3 ? VIPS_ANGLE_D270 : VIPS_ANGLE_D0;
    WRAP(vips_rot(in, &out, a, NULL));
}
VipsImage *dr_flip(VipsImage *in, int horizontal) {
    WRAP(vips_flip(in, &out, horizontal ? VIPS_DIRECTION_HORIZONTAL : VIPS_DIRECTION_VERTICAL, NULL));
}

VipsImage *dr_icc_to_srgb(VipsImage *in) {
    WRAP(vips_icc_transform(in, &out, "srgb", "embedded", TRUE, "intent", VIPS_INTENT_PERCEPTUAL, "depth", 8, NULL));
}
VipsImage *dr_icc_transform(VipsImage *in, const char *profile) {
    WRAP(vips_icc_transform(in, &out, profile, "intent", VIPS_INTENT_RELATIVE, NULL));
}
VipsImage *dr_colourspace(VipsImage *in, VipsInterpretation s) { WRAP(vips_colourspace(in, &out, s, NULL)); }
VipsImage *dr_cast_uchar(VipsImage *in) { WRAP(vips_cast(in, &out, VIPS_FORMAT_UCHAR, NULL)); }
VipsImage *dr_flatten(VipsImage *in, double r, double g, double b) {
    double bg[3] = {r, g, b};
    VipsArrayDouble *arr = vips_array_double_new(bg, 3);
    VipsImage *out = NULL;
    int rc = vips_flatten(in, &out, "background", arr, NULL);
    vips_area_unref(VIPS_AREA(arr));
    return rc ? NULL : out;
}

VipsImage *dr_gaussblur(VipsImage *in, double sigma) { WRAP(vips_gaussblur(in, &out, sigma, NULL)); }
VipsImage *dr_sharpen(VipsImage *in, double sigma) { WRAP(vips_sharpen(in, &out, "sigma", sigma, NULL)); }

VipsImage *dr_text(const char *text, const char *font, int dpi) {
    WRAP(vips_text(&out, text, "font", font, "dpi", dpi, NULL));
}
VipsImage *dr_linear1(VipsImage *in, double a, double b) { WRAP(vips_linear1(in, &out, a, b, "uchar", TRUE, NULL)); }
VipsImage *dr_bandjoin2(VipsImage *a, VipsImage *b) { WRAP(vips_bandjoin2(a, b, &out, NULL)); }
VipsImage *dr_extract_bands(VipsImage *in, int band, int n) { WRAP(vips_extract_band(in, &out, band, "n", n, NULL)); }
VipsImage *dr_constant_like(VipsImage *like, const double *values, int n) {
    /* vips_image_new_from_image is variadic-free but takes a non-const pointer. */
    VipsImage *out = vips_image_new_from_image(like, values, n);
    return out;
}
VipsImage *dr_composite_over(VipsImage *base, VipsImage *overlay, int x, int y) {
    WRAP(vips_composite2(base, overlay, &out, VIPS_BLEND_MODE_OVER, "x", x, "y", y, NULL));
}
VipsImage *dr_copy_interpretation(VipsImage *in, VipsInterpretation s) { WRAP(vips_copy(in, &out, "interpretation", s, NULL)); }
VipsImage *dr_insert(VipsImage *main, VipsImage *sub, int x, int y) { WRAP(vips_insert(main, sub, &out, x, y, NULL)); }

int dr_jpegsave(VipsImage *in, int q, int progressive, int strip, void **buf, size_t *len) {
    return vips_jpegsave_buffer(in, buf, len, "Q", q, "interlace", progressive, "strip", strip, NULL);
}
int dr_pngsave(VipsImage *in, int compression, int strip, void **buf, size_t *len) {
    return vips_pngsave_buffer(in, buf, len, "compression", compression, "strip", strip, NULL);
}
int dr_webpsave(VipsImage *in, int q, int lossless, int strip, void **buf, size_t *len) {
    return vips_webpsave_buffer(in, buf, len, "Q", q, "lossless", lossless, "strip", strip, NULL);
}
int dr_avifsave(VipsImage *in, int q, int effort, int strip, void **buf, size_t *len) {
    return vips_heifsave_buffer(in, buf, len, "Q", q, "compression", VIPS_FOREIGN_HEIF_COMPRESSION_AV1, "effort", effort, "strip", strip, NULL);
}
int dr_tiffsave(VipsImage *in, void **buf, size_t *len) { return vips_tiffsave_buffer(in, buf, len, NULL); }

int dr_get_int_or(VipsImage *in, const char *name, int fallback) {
    int v = 0;
    if (vips_image_get_typeof(in, name) == 0) return fallback;
    if (vips_image_get_int(in, name, &v)) { vips_error_clear(); return fallback; }
    return v;
}
int dr_get_blob(VipsImage *in, const char *name, const void **data, size_t *len) {
    if (vips_image_get_typeof(in, name) == 0) return -1;
    return vips_image_get_blob(in, name, data, len);
}

static int dr_is_private_field(const char *name) {
    return g_str_has_prefix(name, "exif-") || g_str_has_prefix(name, "xmp-") || g_str_has_prefix(name, "iptc-") ||
           g_str_has_prefix(name, "icc-") || g_str_has_prefix(name, "photoshop-") || strstr(name, "comment") != NULL ||
           strcmp(name, "orientation") == 0;
}

VipsImage *dr_copy_without_metadata(VipsImage *in) {
    VipsImage *out = NULL;
    if (vips_copy(in, &out, NULL)) return NULL;
    gchar **fields = vips_image_get_fields(out);
    for (int i = 0; fields[i]; i++) {
        if (dr_is_private_field(fields[i])) vips_image_remove(out, fields[i]);
    }
    g_strfreev(fields);
    return out;
}

VipsImage *dr_gifload_all(const void *buf, size_t len, int fail) {
    VipsImage *out = NULL;
    if (vips_gifload_buffer((void *)buf, len, &out, "n", -1, "fail_on", FAIL_ON(fail), NULL)) return NULL;
    return out;
}
VipsImage *dr_webpload_all(const void *buf, size_t len, int fail) {
    VipsImage *out = NULL;
    if (vips_webpload_buffer((void *)buf, len, &out, "n", -1, "fail_on", FAIL_ON(fail), NULL)) return NULL;
    return out;
}
VipsImage *dr_join_frames(VipsImage **frames, int n) {
    WRAP(vips_arrayjoin(frames, &out, n, "across", 1, NULL));
}
VipsImage *dr_tag_animation(VipsImage *in, int page_height, const int *delays, int n, int loop) {
    VipsImage *out = NULL;
    if (vips_copy(in, &out, NULL)) return NULL;
    vips_image_set_int(out, "page-height", page_height);
    vips_image_set_array_int(out, "delay", delays, n);
    vips_image_set_int(out, "loop", loop);
    return out;
}
int dr_get_delays(VipsImage *in, int *delays, int capacity) {
    int *values = NULL;
    int n = 0;
    if (vips_image_get_typeof(in, "delay") == 0 || vips_image_get_array_int(in, "delay", &values, &n)) {
        vips_error_clear();
        return 0;
    }
    for (int i = 0; i < n && i < capacity; i++) delays[i] = values[i];
    return n < capacity ? n : capacity;
}
int dr_gifsave(VipsImage *in, int strip, void **buf, size_t *len) {
    return vips_gifsave_buffer(in, buf, len, "strip", strip, NULL);
}

VipsImage *dr_single_frame(VipsImage *in) {
    VipsImage *out = NULL;
    if (vips_copy(in, &out, NULL)) return NULL;
    const char *fields[] = {"page-height", "n-pages", "delay", "loop", "gif-delay", "gif-loop"};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) vips_image_remove(out, fields[i]);
    return out;
}

VipsImage *dr_reducev(VipsImage *in, double vshrink, VipsKernel kernel) {
    VipsImage *out = NULL;
    if (vips_reducev(in, &out, vshrink, "kernel", kernel, NULL)) return NULL;
    return out;
}
