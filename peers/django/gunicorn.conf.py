"""gunicorn settings of the Django peer: check the settings, number the
workers, and accept request lines as long as the Go service does.

gunicorn loads this file with -c peers/django/gunicorn.conf.py, or by
itself when started in this folder.

Worker numbers: each worker process draws its own delay decisions. With a
fixed IOBENCH_DELAY_SEED every worker would repeat the same sequence, so
the workers' decisions would move together and the delayed share would
vary as if only one worker had drawn. post_fork gives each worker its
gunicorn age (1, 2, ... in spawn order), and the delayer derives a
distinct seed from it (see iobenchpeer/delay.py).
"""

import os
import sys

# gunicorn's default request-line limit is 4094 bytes; the Go service
# takes request lines up to its 8 KiB head limit. 8190 is gunicorn's
# maximum. gunicorn has no limit on the whole head, only per header field
# (limit_request_field_size, default 8190) and on the field count (100).
limit_request_line = 8190


def on_starting(server):
    """Check the IOBENCH_* settings in the master before any worker starts.

    An invalid value exits with status 4 and a line naming the variable.
    Without this check each worker fails while loading the app, and
    gunicorn 20.1 then exits with 4 or 1 depending on when the master
    notices.
    """
    from iobenchpeer import config

    try:
        config.from_env(os.environ)
    except config.ConfigError as err:
        print(f"iobench-django: {err}", file=sys.stderr, flush=True)
        sys.exit(4)


def post_fork(server, worker):
    """Run in each new worker before it loads the app."""
    os.environ["IOBENCH_WORKER_ID"] = str(worker.age)
