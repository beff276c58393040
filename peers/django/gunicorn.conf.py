"""gunicorn settings of the Django peer: number the workers.

Each worker process draws its own delay decisions. With a fixed
IOBENCH_DELAY_SEED every worker would repeat the same sequence, so the
workers' decisions would move together and the delayed share would vary
as if only one worker had drawn. post_fork gives each worker its gunicorn
age (1, 2, ... in spawn order), and the delayer derives a distinct seed
from it (see iobenchpeer/delay.py). gunicorn loads this file with
-c peers/django/gunicorn.conf.py, or by itself when started in this folder.
"""

import os


def post_fork(server, worker):
    """Run in each new worker before it loads the app."""
    os.environ["IOBENCH_WORKER_ID"] = str(worker.age)
