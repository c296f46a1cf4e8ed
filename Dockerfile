# syntax=docker/dockerfile:1
# Build: a virtualenv with exactly the locked runtime dependencies (requirements.lock, every
# file checked against its hash, as CI's `make setup` installs requirements-dev.lock), then
# the service's wheel without dependencies of its own. The migrations ship inside the
# package. Run: that virtualenv, a non-root user. tests/packaging/test_image_path.py runs this
# path without Docker.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
COPY pyproject.toml README.md LICENSE ./
COPY chat_service ./chat_service
RUN pip install --no-deps .

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    MALLOC_ARENA_MAX=2 \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8000
RUN useradd --create-home --uid 10001 chat
COPY --from=build /opt/venv /opt/venv
USER chat
WORKDIR /app
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health', timeout=2).status != 200)"
CMD ["chat-service", "serve"]
