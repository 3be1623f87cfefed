# syntax=docker/dockerfile:1
# The operator image: Node LTS, production dependencies only, the helm v3 binary for the
# helmbitnami backend, a non-root user, and nothing that needs a writable root filesystem
# (the chart mounts /tmp as the only writable path).
ARG NODE_VERSION=24
ARG BASE=node:${NODE_VERSION}-bookworm-slim

# --- build: compile TypeScript to dist/ and bundle the part of the Kubernetes client it uses ------
FROM ${BASE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/bundle-kubernetes-client.mjs scripts/copy-assets.mjs ./scripts/
COPY src ./src
RUN npm run build

# --- deps: production node_modules only ------------------------------------------------------------
FROM ${BASE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force

# --- helm: the release binary, checked against its published sha256 --------------------------------
FROM ${BASE} AS helm
ARG HELM_VERSION=v3.18.6
ARG TARGETARCH=amd64
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends ca-certificates curl >/dev/null \
 && rm -rf /var/lib/apt/lists/*
RUN set -eu; \
    file="helm-${HELM_VERSION}-linux-${TARGETARCH}.tar.gz"; \
    curl -fsSLo "/tmp/${file}" "https://get.helm.sh/${file}"; \
    curl -fsSLo "/tmp/${file}.sha256sum" "https://get.helm.sh/${file}.sha256sum"; \
    cd /tmp && sha256sum -c "${file}.sha256sum"; \
    tar -xzf "/tmp/${file}" -C /tmp; \
    install -m 0755 "/tmp/linux-${TARGETARCH}/helm" /usr/local/bin/helm; \
    helm version --short

# --- runtime -------------------------------------------------------------------------------------
FROM ${BASE}
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="hybrid-cloud-postgresql-operator" \
      org.opencontainers.image.description="Kubernetes operator for PostgreSQL servers and databases on in-cluster StatefulSets, the Bitnami Helm chart, Azure Flexible Server and AWS RDS/Aurora" \
      org.opencontainers.image.source="https://github.com/MaibornWolff/hybrid-cloud-postgresql-operator" \
      org.opencontainers.image.url="https://github.com/MaibornWolff/hybrid-cloud-postgresql-operator" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.vendor="MaibornWolff" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"

# A fixed numeric user (the chart's runAsUser), so runAsNonRoot can verify it without /etc/passwd.
RUN groupadd --system --gid 10001 operator \
 && useradd --system --uid 10001 --gid 10001 --home-dir /tmp --no-create-home --shell /usr/sbin/nologin operator

# helm writes its cache, config and registry login under these; /tmp is the writable mount.
# Memory (bench/README.md, ADR 0007): a one-slot young generation and two V8 worker threads (an
# I/O-bound operator notices neither); two glibc malloc arenas instead of one per thread; blocks of
# 32 KiB and more (V8's parser and compiler zones) mapped on their own, so freeing them returns the
# memory instead of leaving a fragmented heap. Tests and benchmarks read these lines.
ENV NODE_ENV=production \
    NODE_OPTIONS="--max-semi-space-size=1 --v8-pool-size=2" \
    MALLOC_ARENA_MAX=2 \
    MALLOC_TRIM_THRESHOLD_=32768 \
    MALLOC_MMAP_THRESHOLD_=32768 \
    HOME=/tmp \
    HELM_CACHE_HOME=/tmp/helm/cache \
    HELM_CONFIG_HOME=/tmp/helm/config \
    HELM_DATA_HOME=/tmp/helm/data

WORKDIR /app
COPY --from=helm /usr/local/bin/helm /usr/local/bin/helm
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./

USER 10001:10001
EXPOSE 8080
# --expose-gc: the operator gives back the heap V8 grew for the initial lists once the caches have
# synced, and later what the heap grows by while it runs (src/util/heap-release.ts, ADR 0009 and
# 0010). Here rather than in NODE_OPTIONS, which the chart lets users replace. Tests and benchmarks
# read this line.
ENTRYPOINT ["node", "--expose-gc", "dist/src/main.js"]
CMD ["run", "--config", "/etc/hybrid-cloud-postgresql-operator/config.yaml"]
