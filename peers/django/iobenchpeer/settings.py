"""Django settings of the peer: no database, no apps, no middleware.

The peer's own settings (Redis URL, key, delay) are read from IOBENCH_*
variables by iobenchpeer.config, not here.
"""

import logging
import secrets

# Nothing is signed (no sessions, no CSRF, no messages), so a random key
# per process is enough and keeps secrets out of the repository.
SECRET_KEY = secrets.token_urlsafe(50)
DEBUG = False
# Host checks run only when a view reads request.get_host(), which no view
# here does; the peer listens on loopback in benchmarks.
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = []
MIDDLEWARE = []
DATABASES = {}
ROOT_URLCONF = "iobenchpeer.urls"
WSGI_APPLICATION = "iobenchpeer.wsgi.application"

USE_I18N = False
USE_TZ = True



class ExceptionsOnly(logging.Filter):
    """Pass only records with a traceback, those of unhandled exceptions."""

    def filter(self, record):
        return record.exc_info is not None


# Django logs every 4xx and 5xx response on django.request, so a Redis
# outage under load would flood stderr. Keep only unhandled exceptions there.
# The views log Redis errors themselves, at most once a second.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"exceptions_only": {"()": "iobenchpeer.settings.ExceptionsOnly"}},
    "formatters": {"line": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "line"},
        "stderr_exceptions": {
            "class": "logging.StreamHandler",
            "formatter": "line",
            "filters": ["exceptions_only"],
        },
    },
    "loggers": {
        "django.request": {"handlers": ["stderr_exceptions"], "level": "ERROR", "propagate": False},
        "iobenchpeer": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}
