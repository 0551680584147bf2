# syntax=docker/dockerfile:1
# trainer-service on an NVIDIA GPU: CUDA 12.8 runtime and libtorch 2.7.1 for CUDA 12.8. Built with -Pcuda, which
# leaves out the pytorch-native-cpu jar (with it on the classpath DJL would pick the CPU even on a GPU node);
# the pytorch-jni jar already holds the cu128 JNI library. The node needs a driver for CUDA 12.8 (>= 570).
# Build from the repository root: docker build -f docker/trainer-service-gpu.Dockerfile -t deepdefense/trainer-service-gpu:0.1.0 .

FROM maven:3.9.11-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.m2 mvn -B -q -Pcuda -pl trainer-service -am package -DskipTests

FROM ubuntu:22.04 AS libtorch
ARG LIBTORCH_URL=https://download.pytorch.org/libtorch/cu128/libtorch-cxx11-abi-shared-with-deps-2.7.1%2Bcu128.zip
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl unzip \
    && rm -rf /var/lib/apt/lists/*
RUN curl -fsSL -o /tmp/libtorch.zip "$LIBTORCH_URL" \
    && unzip -q /tmp/libtorch.zip -d /opt \
    && rm /tmp/libtorch.zip \
    && test -f /opt/libtorch/lib/libtorch_cuda.so

FROM nvidia/cuda:12.8.1-cudnn-runtime-ubuntu22.04
RUN apt-get update \
    && apt-get install -y --no-install-recommends openjdk-17-jre-headless curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 185 --home-dir /deployments --create-home --shell /usr/sbin/nologin deepdefense \
    && install -d -o 185 -g 185 /store
COPY --from=libtorch /opt/libtorch/lib/ /opt/libtorch/lib/
WORKDIR /deployments
COPY --from=build --chown=185:185 /src/trainer-service/target/quarkus-app/ /deployments/
USER 185
# DJL loads this libtorch instead of downloading one (../shared/DESIGN.md §5); offline, it fails at start-up
# rather than fetch a different build.
# glibc keeps freed tensor memory for reuse instead of unmapping it (every fresh mapping of a large tensor was
# page-cleared: 13 % of a LeNet Deep Defense step, docs/PERFORMANCE.md).
ENV PYTORCH_LIBRARY_PATH=/opt/libtorch/lib \
    PYTORCH_VERSION=2.7.1 \
    PYTORCH_FLAVOR=cu128 \
    LD_LIBRARY_PATH=/opt/libtorch/lib:/usr/local/cuda/lib64 \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility \
    QUARKUS_HTTP_PORT=8080 \
    MALLOC_MMAP_MAX_=0 \
    MALLOC_TRIM_THRESHOLD_=68719476736 \
    DEEPDEFENSE_STORE_ROOT=/store \
    DEEPDEFENSE_DEVICE=gpu \
    JAVA_OPTS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError -Dai.djl.offline=true"
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD curl -fsS http://localhost:8080/q/health/live || exit 1
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /deployments/quarkus-run.jar"]
