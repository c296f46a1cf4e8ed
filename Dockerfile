# syntax=docker/dockerfile:1
# Build: a virtualenv with the service and its pinned runtime dependencies (pyproject.toml),
# installed by the same `pip install .` of the project that CI's `make setup` runs (CI adds
# the dev extras). Run: that virtualenv, the migrations, a non-root user.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml README.md ./
COPY chat_service ./chat_service
RUN pip install --upgrade pip && pip install .

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    MIGRATIONS_DIR=/app/migrations \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8000
RUN useradd --create-home --uid 10001 chat
COPY --from=build /opt/venv /opt/venv
COPY migrations /app/migrations
USER chat
WORKDIR /app
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health', timeout=2).status != 200)"
CMD ["chat-service", "serve"]
