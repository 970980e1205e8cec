"""gunicorn settings for production: `gunicorn config.wsgi` picks this file up."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = 60
accesslog = "-"  # access lines on stdout, next to the JSON application logs
access_log_format = (
    '{"time":"%(t)s","level":"INFO","logger":"gunicorn.access","method":"%(m)s",'
    '"path":"%(U)s","status":%(s)s,"bytes":"%(B)s","duration_us":%(D)s}'
)
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    """Freeze what the worker loaded at start-up (Django, the apps' modules, the commune
    tables): those objects live as long as the process, and left to the collector every full
    collection walks them all, a pause of about 150 ms in the middle of some request (it was
    the slowest twentieth of catalogue pages)."""
    import gc

    gc.freeze()
