#!/bin/sh
# Runs the Django peer under gunicorn the way the original experiment did.
#
# Usage: peers/django/run.sh sync|gevent HOST:PORT
#   sync    gunicorn --workers 4 --threads 8 (gunicorn's gthread worker)
#   gevent  gunicorn --worker-class gevent --workers 2
# Settings come from IOBENCH_* variables (IOBENCH_REDIS, IOBENCH_KEY,
# IOBENCH_DELAY, ...). The script execs gunicorn, so its PID is gunicorn's.
set -eu
if [ $# -ne 2 ]; then
	echo "usage: $0 sync|gevent HOST:PORT" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
# Debian's python3 imports Debian's Django, gunicorn, gevent and redis-py,
# but a pyenv or virtualenv python3 earlier on PATH does not.
python=${IOBENCH_PYTHON:-/usr/bin/python3}
case $1 in
sync) set -- --workers 4 --threads 8 --bind "$2" ;;
gevent) set -- --worker-class gevent --workers 2 --bind "$2" ;;
*)
	echo "$0: unknown mode '$1' (expected sync or gevent)" >&2
	exit 2
	;;
esac
# gunicorn.conf.py numbers the workers so each draws its own delays.
exec "$python" -m gunicorn -c "$here/gunicorn.conf.py" --chdir "$here" iobenchpeer.wsgi "$@"
