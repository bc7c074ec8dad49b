# syntax=docker/dockerfile:1
#
# 新污染物治理协同平台 — production image.
#
#   docker build -t new-pollutant-portal .
#   (or: docker compose build — see docker-compose.yml)
#
# Two stages:
#   assets  — Node.js + npm only here: `npm ci` from package-lock.json, then
#             scripts/vendor_assets.py copies the built libraries into static/vendor/.
#   runtime — Python, WeasyPrint's system libraries, CJK fonts, gettext; no Node.js.
# The portal serves every asset itself (whitenoise); nothing comes from a CDN.

############################
# Stage 1: front-end assets
############################
FROM python:3.11-slim-bookworm AS assets

RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY scripts/vendor_assets.py scripts/vendor_assets.py
RUN python scripts/vendor_assets.py

############################
# Stage 2: runtime
############################
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=portal.settings.prod

# WeasyPrint (PDF reports): Pango + HarfBuzz subsetting; Noto CJK for Chinese text
# in PDFs; gettext for compilemessages.
# manage.py backup / restore: pg_dump and pg_restore of the server's major version
# (docker-compose.yml runs postgres:16; bookworm itself ships 15, so the client comes
# from the PostgreSQL project's apt repository, set up by postgresql-common's script).
ARG PG_MAJOR=16
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz-subset0 \
        fonts-noto-cjk \
        gettext \
        postgresql-common \
    && /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y \
    && apt-get install -y --no-install-recommends postgresql-client-${PG_MAJOR} \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 portal \
    && useradd --system --uid 10001 --gid portal --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin portal

WORKDIR /app

# Dependencies first (cached while only the code changes). The project itself
# installs no packages (pyproject: [tool.setuptools] packages = []); it runs from /app.
COPY pyproject.toml constraints.txt README.md ./
RUN pip install -c constraints.txt .

COPY . .
COPY --from=assets /src/static/vendor/ static/vendor/

# Build-time only: prod settings need these to import. The dummy key and URLs
# exist for this one RUN step and are not baked into the image's environment.
RUN DJANGO_SECRET_KEY=build-only-dummy-key-not-used-at-runtime \
    DJANGO_ALLOWED_HOSTS=localhost \
    DATABASE_URL=sqlite:////tmp/build-only.sqlite3 \
    REDIS_URL=redis://127.0.0.1:6379/0 \
    sh -c 'python manage.py compilemessages && python manage.py collectstatic --noinput' \
    && rm -f /tmp/build-only.sqlite3 \
    && mkdir -p var/media var/backups \
    && chown -R portal:portal var

USER portal

EXPOSE 8000

CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60"]
