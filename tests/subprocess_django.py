"""Run Python in a fresh process with its own environment, for settings-level tests."""

import os
import subprocess
import sys

from django.conf import settings

# Variables a developer's shell may set that would leak into the child's settings.
PROJECT_VARS = {
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_URL",
    "SECRET_KEY",
    "FIELD_ENCRYPTION_KEY",
    "ALLOWED_HOSTS",
    "HTTPS",
    "DEBUG",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser tests' conftest
}


def run_django(args, env, timeout=120):
    """`python <args>` in the project directory with only `env` on top of a clean one."""
    clean = {k: v for k, v in os.environ.items() if k not in PROJECT_VARS}
    clean["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(
        [sys.executable, *args],
        env={**clean, **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
