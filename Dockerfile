# One image for web, worker and beat (cookiecutter-django's compose pattern).
# The front-end packages come from the npm registry, as package-lock.json pins them.
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund

FROM python:3.11-slim-bookworm
ENV PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 ATELIER_VAR_DIR=/var/lib/atelier
WORKDIR /app
COPY pyproject.toml README.md ./
COPY atelier atelier
COPY configurator configurator
COPY orders orders
COPY production production
COPY templates templates
COPY static static
COPY --from=assets /app/node_modules node_modules
COPY manage.py ./
RUN pip install --no-cache-dir . && mkdir -p /var/lib/atelier/media \
    && SECRET_KEY=build python manage.py collectstatic --no-input -v 0
RUN useradd --system --home /var/lib/atelier atelier && chown -R atelier /var/lib/atelier
USER atelier
EXPOSE 8000
CMD ["gunicorn", "atelier.wsgi", "--config", "python:atelier.gunicorn_conf", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
