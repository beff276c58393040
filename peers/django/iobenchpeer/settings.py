"""Django settings of the peer: no database, no apps, no middleware.

The peer's own settings (Redis URL, key, delay) are read from IOBENCH_*
variables by iobenchpeer.config, not here.
"""

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

# Django logs every 4xx and 5xx response on django.request. The Go service
# logs no request either, and an outage under load would flood stderr.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"null": {"class": "logging.NullHandler"}},
    "loggers": {"django.request": {"handlers": ["null"], "propagate": False}},
}
