"""Payment methods: one small adapter per method behind one interface (``base.py``); the
registry (``registry.py``) says which are offered. Only ``checkout.py`` moves orders."""
