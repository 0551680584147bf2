# syntax=docker/dockerfile:1
# attack-service: attacks published checkpoints.
# Build from the repository root: docker build -f docker/attack-service.Dockerfile -t deepdefense/attack-service:0.1.0 .

FROM maven:3.9.11-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
# The cache mount keeps ~/.m2 between builds; tests ran in CI, not here.
RUN --mount=type=cache,target=/root/.m2 mvn -B -q -pl attack-service -am package -DskipTests

FROM eclipse-temurin:17.0.16_8-jre-jammy
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 185 --home-dir /deployments --create-home --shell /usr/sbin/nologin deepdefense \
    && install -d -o 185 -g 185 /store
WORKDIR /deployments
COPY --from=build --chown=185:185 /src/attack-service/target/quarkus-app/ /deployments/
USER 185
# config/application.properties in the working directory (a ConfigMap in Kubernetes) overrides the packaged one.
# glibc keeps freed tensor memory for reuse instead of unmapping it (every fresh mapping of a large tensor was
# page-cleared: 13 % of a LeNet Deep Defense step, docs/PERFORMANCE.md).
ENV QUARKUS_HTTP_PORT=8080 \
    MALLOC_MMAP_MAX_=0 \
    MALLOC_TRIM_THRESHOLD_=68719476736 \
    DEEPDEFENSE_STORE_ROOT=/store \
    JAVA_OPTS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD curl -fsS http://localhost:8080/q/health/live || exit 1
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /deployments/quarkus-run.jar"]
