"""Sending the same form from several browsers at the same moment, for the double-submit
tests. Each thread has its own test client and database connection; a view that raises comes
back as a 500 response instead of stopping the thread.

The race is real on PostgreSQL (`make test-services`). SQLite's in-memory test database cannot
take writes from two threads (its shared cache answers "database table is locked" at once,
without waiting), so there the same requests are sent one after the other: the outcome asserted
is the same, a repeat of the form."""

import re
import threading

from django.db import connection, connections
from django.test import Client

TOKEN = re.compile(r'name="submission_token" value="([0-9a-f-]{36})"')


def form_token(response, action=None):
    """The one-time token of the create form in ``response``'s page: of the form posting to
    ``action`` when the page has several."""
    html = response.content.decode()
    if action is not None:
        html = html[html.index(f'action="{action}"') :]
    match = TOKEN.search(html)
    assert match, "the form carries no submission token"
    return match.group(1)


def clients(count, user=None):
    """``count`` test clients that answer 500 instead of raising, logged in as ``user``."""
    made = []
    for _n in range(count):
        client = Client(raise_request_exception=False)
        if user is not None:
            client.force_login(user)
        made.append(client)
    return made


def post_together(senders, path, data):
    """POST ``data`` to ``path`` from every client in ``senders`` at once (``data`` may be a
    list, one form per client); the responses, in the clients' order."""
    forms = data if isinstance(data, list) else [data] * len(senders)
    if connection.vendor == "sqlite":
        return [client.post(path, form) for client, form in zip(senders, forms, strict=True)]
    barrier = threading.Barrier(len(senders))
    responses = [None] * len(senders)

    def send(index, client):
        try:
            barrier.wait(timeout=30)
            responses[index] = client.post(path, forms[index])
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=send, args=(index, client)) for index, client in enumerate(senders)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return responses
