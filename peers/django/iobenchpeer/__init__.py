"""Django peer of iobench: GET /test served from Redis through redis-py.

The project has no database and no installed apps. Its settings come from
the same IOBENCH_* environment variables as the Go service (see config.py).
"""
