#!/bin/bash
# Makes the base images the Dockerfile names, for a machine with no registry: debian:bookworm-slim
# from debootstrap, and swift:6.3-bookworm on top of it (the toolchain is bind-mounted at build
# time). Images already present are kept. Elsewhere, the public images are pulled instead.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if ! podman image exists docker.io/library/debian:bookworm-slim; then
  root="$(mktemp -d /tmp/darkroom-rootfs.XXXXXX)"
  trap 'rm -rf "$root"' EXIT
  echo "Making debian:bookworm-slim with debootstrap (about 30 s)"
  debootstrap --variant=minbase bookworm "$root" "$mirror" >/dev/null
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -c . | podman import --change 'CMD ["bash"]' - docker.io/library/debian:bookworm-slim >/dev/null
fi

if ! podman image exists docker.io/library/swift:6.3-bookworm; then
  echo "Making swift:6.3-bookworm (the toolchain comes from /opt/swift at build time)"
  podman build --isolation=chroot --format docker -q -f "$here/swift-bookworm.Containerfile" -t docker.io/library/swift:6.3-bookworm "$here" >/dev/null
fi
