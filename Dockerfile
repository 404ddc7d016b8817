# Seller Hub production image: slim Python, non-root, gunicorn.
# Untested here (no Docker engine on the development machines); see README.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    VAR_DIR=/app/var

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
RUN useradd --create-home --uid 1000 hub \
    && mkdir -p /app/var \
    && SECRET_KEY=build-only FIELD_ENCRYPTION_KEY=build-only \
       python manage.py collectstatic --noinput --verbosity 0 \
    && rm -f /app/var/secret_key /app/var/field_encryption_key \
    && chown -R hub:hub /app/var
USER hub

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/api/health').status != 200)"

# The same steps `make demo` runs: migrate (which also applies the schedules
# and creates the cache table), then serve.
CMD ["sh", "-c", "python manage.py migrate --noinput && python manage.py check --deploy --fail-level ERROR && exec gunicorn config.wsgi --bind 0.0.0.0:8000 --workers ${WEB_WORKERS:-3} --access-logfile -"]
