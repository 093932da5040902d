// CenterFace through OpenCV's DNN module. The net is fed one fixed square size: OpenCV 4.6
// gives wrong answers when one net sees several input sizes, so every image is scaled to fit
// the square and padded (letterboxed), and boxes are mapped back.

#include "CFaceDetect.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

struct dr_face_detector {
    cv::dnn::Net net;
    int probe;
};

namespace {

void set_error(char *error, size_t length, const std::string &message) {
    if (error == nullptr || length == 0) return;
    size_t n = std::min(length - 1, message.size());
    std::memcpy(error, message.data(), n);
    error[n] = 0;
}

struct Candidate {
    float x1, y1, x2, y2, score;
};

float iou(const Candidate &a, const Candidate &b) {
    float w = std::min(a.x2, b.x2) - std::max(a.x1, b.x1);
    float h = std::min(a.y2, b.y2) - std::max(a.y1, b.y1);
    if (w <= 0 || h <= 0) return 0;
    float inter = w * h;
    float uni = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter;
    return uni > 0 ? inter / uni : 0;
}

// CenterFace's outputs: a heat map of face centres, log-scales of the box sides and the
// centres' sub-cell offsets, on a grid of a quarter of the input's resolution.
std::vector<Candidate> decode(const cv::Mat &heat, const cv::Mat &scale, const cv::Mat &offset, int size, float threshold) {
    const int rows = heat.size[2], cols = heat.size[3];
    const float *h = heat.ptr<float>();
    const float *s0 = scale.ptr<float>(), *s1 = s0 + rows * cols;
    const float *o0 = offset.ptr<float>(), *o1 = o0 + rows * cols;
    std::vector<Candidate> found;
    for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++) {
            int i = r * cols + c;
            float score = h[i];
            if (!(score > threshold)) continue;
            float bh = std::exp(s0[i]) * 4, bw = std::exp(s1[i]) * 4;
            if (!std::isfinite(bh) || !std::isfinite(bw)) continue;
            float x1 = std::max(0.0f, (c + o1[i] + 0.5f) * 4 - bw / 2);
            float y1 = std::max(0.0f, (r + o0[i] + 0.5f) * 4 - bh / 2);
            x1 = std::min(x1, float(size));
            y1 = std::min(y1, float(size));
            found.push_back({x1, y1, std::min(x1 + bw, float(size)), std::min(y1 + bh, float(size)), score});
        }
    }
    std::sort(found.begin(), found.end(), [](const Candidate &a, const Candidate &b) { return a.score > b.score; });
    std::vector<Candidate> kept;
    for (const auto &candidate : found) {
        bool suppressed = false;
        for (const auto &k : kept) {
            if (iou(candidate, k) >= 0.3f) { suppressed = true; break; }
        }
        if (!suppressed) kept.push_back(candidate);
    }
    return kept;
}

std::vector<Candidate> run(dr_face_detector *detector, const cv::Mat &rgb, float threshold, double *factor) {
    const int probe = detector->probe;
    double f = double(probe) / std::max(rgb.cols, rgb.rows);
    int w = std::max(1, int(std::lround(rgb.cols * f))), h = std::max(1, int(std::lround(rgb.rows * f)));
    w = std::min(w, probe);
    h = std::min(h, probe);
    cv::Mat square(probe, probe, CV_8UC3, cv::Scalar(0, 0, 0));
    cv::Mat fitted;
    cv::resize(rgb, fitted, cv::Size(w, h), 0, 0, f < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
    fitted.copyTo(square(cv::Rect(0, 0, w, h)));
    cv::Mat blob = cv::dnn::blobFromImage(square, 1.0, cv::Size(probe, probe), cv::Scalar(0, 0, 0), false, false);
    detector->net.setInput(blob);
    std::vector<cv::Mat> outputs;
    detector->net.forward(outputs, std::vector<cv::String>{"537", "538", "539"});
    *factor = f;
    return decode(outputs[0], outputs[1], outputs[2], probe, threshold);
}

}  // namespace

extern "C" dr_face_detector *dr_faces_open(const char *model_path, int probe, char *error, size_t error_length) {
    if (probe < 32 || probe > 2048 || probe % 32 != 0) {
        set_error(error, error_length, "the probe size must be a multiple of 32 between 32 and 2048");
        return nullptr;
    }
    try {
        cv::setNumThreads(1);
        auto *detector = new dr_face_detector{cv::dnn::readNetFromONNX(model_path), probe};
        if (detector->net.empty()) {
            delete detector;
            set_error(error, error_length, "the model file holds no network");
            return nullptr;
        }
        detector->net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
        detector->net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
        cv::Mat blank(probe, probe, CV_8UC3, cv::Scalar(0, 0, 0));
        double factor;
        run(detector, blank, 0.99f, &factor);
        return detector;
    } catch (const std::exception &e) {
        set_error(error, error_length, e.what());
        return nullptr;
    } catch (...) {
        set_error(error, error_length, "an unknown error loading the model");
        return nullptr;
    }
}

extern "C" void dr_faces_close(dr_face_detector *detector) { delete detector; }

extern "C" int dr_faces_detect(dr_face_detector *detector, const unsigned char *pixels, int width, int height, int bands, size_t stride,
                               float threshold, dr_face_box *boxes, int max_boxes, char *error, size_t error_length) {
    if (detector == nullptr || pixels == nullptr || width <= 0 || height <= 0 || !(bands == 1 || bands == 3 || bands == 4) ||
        stride < size_t(width) * size_t(bands)) {
        set_error(error, error_length, "bad arguments");
        return -1;
    }
    try {
        cv::Mat input(height, width, CV_8UC(bands), const_cast<unsigned char *>(pixels), stride);
        cv::Mat rgb;
        if (bands == 1) cv::cvtColor(input, rgb, cv::COLOR_GRAY2RGB);
        else if (bands == 4) cv::cvtColor(input, rgb, cv::COLOR_RGBA2RGB);
        else rgb = input;
        double factor = 1;
        std::vector<Candidate> found = run(detector, rgb, threshold, &factor);
        int n = 0;
        for (const auto &c : found) {
            if (n >= max_boxes) break;
            float x1 = std::clamp(float(c.x1 / factor), 0.0f, float(width)), y1 = std::clamp(float(c.y1 / factor), 0.0f, float(height));
            float x2 = std::clamp(float(c.x2 / factor), 0.0f, float(width)), y2 = std::clamp(float(c.y2 / factor), 0.0f, float(height));
            if (x2 - x1 < 1 || y2 - y1 < 1) continue;
            boxes[n++] = {x1, y1, x2 - x1, y2 - y1, c.score};
        }
        return n;
    } catch (const std::exception &e) {
        set_error(error, error_length, e.what());
        return -1;
    } catch (...) {
        set_error(error, error_length, "an unknown error in detection");
        return -1;
    }
}
