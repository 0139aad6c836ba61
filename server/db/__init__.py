"""Persistence. piccolo declares the tables (``tables.py``) and makes the migrations
(``migrations/``, applied by ``migrate.py``); it runs no query. Every query is SQL, written once
with ``?`` placeholders for SQLite and PostgreSQL, run through the ``Database`` and ``Conn`` of
``sql.py`` (``sqlite.py``, ``postgres.py`` behind it). ``sync_store/`` is the sync engine's
``Store`` in that SQL."""
