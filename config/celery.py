"""The Celery application: configured from Django settings (keys prefixed CELERY_)."""

import os
from datetime import datetime, timedelta

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("chophien")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="config.ping")
def ping(value="pong"):
    """Echo the value back: proves a worker picked the task up and answered."""
    return value


def purge_delivered_messages(broker_url, older_than=timedelta(hours=1), now=None):
    """Delete from a SQLAlchemy broker (``sqla+…``) the messages delivered to a worker more
    than ``older_than`` ago; returns how many. kombu marks a delivered message invisible and
    never deletes it, and keeps acknowledgements in the worker's memory, so such a row is
    never delivered again: removing it loses nothing. Messages still waiting are kept."""
    from sqlalchemy import DateTime, bindparam, create_engine, inspect, text

    if not broker_url.startswith("sqla+"):
        return 0
    options = app.conf.broker_transport_options or {}
    table = options.get("message_tablename", "kombu_message")
    # kombu stamps the delivery time with the naive local clock (datetime.now)
    cutoff = (now or datetime.now()) - older_than
    engine = create_engine(broker_url.removeprefix("sqla+"))
    try:
        if not inspect(engine).has_table(table):
            return 0  # no message was ever sent
        with engine.begin() as db:
            deleted = db.execute(
                text(
                    f"DELETE FROM {table} WHERE visible = :hidden "  # noqa: S608 (a setting)
                    "AND (timestamp IS NULL OR timestamp < :cutoff)"
                ).bindparams(bindparam("cutoff", type_=DateTime())),
                {"hidden": False, "cutoff": cutoff},
            )
            return deleted.rowcount
    finally:
        engine.dispose()


@app.task(name="config.purge_delivered_broker_messages")
def purge_delivered_broker_messages():
    """Beat, on the SQLAlchemy broker only: keep its message table from growing forever."""
    from django.conf import settings

    return purge_delivered_messages(
        settings.CELERY_BROKER_URL, older_than=settings.CELERY_BROKER_KEEP_DELIVERED
    )


@app.task(name="config.clean_up_files")
def clean_up_files():
    """Daily: remove the files of voided print runs, old import uploads, unused photos and
    whatever no field names any more, in both storages (config.file_cleanup)."""
    from .file_cleanup import clean_up_files as run

    return run().summary()
