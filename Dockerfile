# One image for every hitrec process (web, workers, beat); compose.yaml picks each one's
# command from the Procfile. Build: docker build -t hitrec .
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The media pipeline drives ffmpeg/ffprobe; lineage pictures use Graphviz (scripts/system-deps.sh).
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg graphviz \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Requirements first, so a code change does not reinstall every package.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# Static files are collected into the image (WhiteNoise serves them); var/ holds beat's
# schedule file and must be writable by the unprivileged user the processes run as.
RUN useradd --create-home --uid 10001 hitrec \
    && mkdir -p var \
    && DEBUG=0 SECRET_KEY=collectstatic-at-build-only python manage.py collectstatic --noinput -v 0 \
    && chown -R hitrec:hitrec var

USER hitrec
# gunicorn binds 0.0.0.0:$PORT when PORT is set.
ENV PORT=8000
EXPOSE 8000
CMD ["gunicorn", "hitrec.wsgi", "--worker-class", "gthread", "--threads", "4", "--timeout", "120", "--access-logfile", "-"]
