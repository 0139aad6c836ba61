"""piccolo's configuration: the engine comes from Orderly's settings (``ORDERLY_*``).

``server.db.migrate`` swaps ``DB`` for the database it is asked to migrate.
"""

from __future__ import annotations

from piccolo.conf.apps import AppRegistry

from server.config import from_env
from server.db.engines import piccolo_engine

DB = piccolo_engine(from_env())
APP_REGISTRY = AppRegistry(apps=["server.db.piccolo_app"])
