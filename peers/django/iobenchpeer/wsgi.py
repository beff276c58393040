"""WSGI entry point: gunicorn iobenchpeer.wsgi (run from peers/django).

Invalid IOBENCH_* settings stop the worker with exit status 4. gunicorn's
master then stops with "App failed to load." instead of restarting workers
forever, and the line before it names the variable. Started with
gunicorn.conf.py, gunicorn checks the settings in its on_starting hook
first, so this check only matters without that file.
"""

import os
import sys

from iobenchpeer import config

try:
    config.from_env(os.environ)
except config.ConfigError as err:
    print(f"iobench-django: {err}", file=sys.stderr, flush=True)
    sys.exit(4)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iobenchpeer.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402  (after the settings module is set)

application = get_wsgi_application()

# Open the pool and log the settings when the worker boots, not on the
# first request. Without --preload this runs in each worker after gevent's
# monkey-patching.
from iobenchpeer import views  # noqa: E402

views.worker()
