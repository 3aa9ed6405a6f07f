# The sidecar: the HTTP API under gunicorn (`python -m sidecar serve`) or the outbox worker
# (`python -m sidecar worker`), from one small image that runs as a non-root user.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml setup.py MANIFEST.in constraints.txt ./
COPY sidecar ./sidecar
# The redis extra: rate-limit counters shared by every API process through Redis.
RUN pip install --no-cache-dir --prefix=/install -c constraints.txt ".[redis]"

FROM python:3.11-slim
COPY --from=build /install /usr/local
# The store's folder exists in the image owned by the user, so a named volume mounted there is too.
RUN useradd --system --uid 10001 --home-dir /var/lib/sidecar --create-home sidecar \
 && install -d -o sidecar -g sidecar /var/lib/sidecar/data
USER sidecar
WORKDIR /var/lib/sidecar
ENV PYTHONUNBUFFERED=1 SIDECAR_BIND=0.0.0.0:8000
# The advice classifier, fitted at build time (var/advisory-model, the sidecar user's): workers load it at start.
RUN python -m sidecar advisory train >/dev/null
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --retries=5 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]
CMD ["python", "-m", "sidecar", "serve"]
