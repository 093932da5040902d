#ifndef DARKROOM_CFACEDETECT_H
#define DARKROOM_CFACEDETECT_H

// A face detector (CenterFace, an ONNX model run by OpenCV's DNN module) behind a small C
// surface, because Swift does not call C++ OpenCV directly and the detector must stay out of
// the Swift modules that do not need it. Nothing here reads files other than the model, or
// touches the network.

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// One detected face in pixels of the image passed to `dr_faces_detect`.
typedef struct {
    float x, y, width, height;
    /// The model's confidence, 0 to 1.
    float score;
} dr_face_box;

typedef struct dr_face_detector dr_face_detector;

/// Loads the model at `model_path` and runs it once on a blank probe, so a corrupt file is
/// found now and not on the first image. `probe` is the side of the square the image is
/// letterboxed into (a multiple of 32; one net is only ever fed one size). Returns NULL and
/// writes a message into `error` on failure.
dr_face_detector *dr_faces_open(const char *model_path, int probe, char *error, size_t error_length);

void dr_faces_close(dr_face_detector *detector);

/// Finds faces in an 8-bit image of `bands` interleaved channels (1 grey, 3 RGB, 4 RGBA),
/// `stride` bytes a row. Writes up to `max_boxes` boxes with a score of at least `threshold`,
/// best first, and returns how many faces were found (which may exceed `max_boxes`), or -1 with
/// a message in `error`. Not thread-safe for one detector: use one detector per thread.
int dr_faces_detect(dr_face_detector *detector, const unsigned char *pixels, int width, int height, int bands, size_t stride,
                    float threshold, dr_face_box *boxes, int max_boxes, char *error, size_t error_length);

#ifdef __cplusplus
}
#endif

#endif
