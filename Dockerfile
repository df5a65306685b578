# The lineage-catalog API. Neo4j runs beside it (see docker-compose.yml).

# The browser pages (GraphiQL, the lineage explorer): npm packages from the lockfile, built
# into src/lineage_catalog/_web, which the wheel below carries (hatch `artifacts`).
FROM node:20-slim AS web
WORKDIR /app/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/build.mjs ./
COPY web/src ./src
RUN npm run build

FROM python:3.11-slim AS build
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
COPY src ./src
# The Python client, a workspace member the server depends on (its own distribution).
COPY clients/python ./clients/python
COPY graph/migrations ./graph/migrations
COPY graph/queries ./graph/queries
COPY --from=web /app/src/lineage_catalog/_web ./src/lineage_catalog/_web
# A wheel install: the Cypher files ship inside the package (lineage_catalog/_graph).
RUN uv sync --locked --no-dev --no-editable

FROM python:3.11-slim
# Debian's chromium prints the compliance report to PDF (LINEAGE_CHROMIUM_PATH).
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 lineage
COPY --from=build /app/.venv /app/.venv
ENV PATH="/app/.venv/bin:$PATH" \
    LINEAGE_HOST=0.0.0.0 \
    LINEAGE_PORT=8000
USER lineage
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["lineage", "serve"]
