"""``orderly backup`` and ``orderly restore``: the database and the signing keys in one archive.

An archive is a tar file (mode 0600: it holds the private signing keys), encrypted with age to
the operator's recipients when given (``.tar.age``; restore then needs an identity), of

    manifest.json               what it is: see ``Manifest``
    audit-checkpoint.json       the audit chain's head, signed (server/audit_anchor.py)
    database/orderly.sqlite3    SQLite: a copy made with the online backup API, or
    database/orderly.pgdump     PostgreSQL: ``pg_dump -Fc`` in the snapshot the manifest read
    keys/<kid>.pem, keys/current

Both are safe while the server runs. A restore is not: stop every server process first. It
checks the manifest and every part's SHA-256, puts the database back (SQLite: the file replaced
atomically, the old one and its WAL moved aside; PostgreSQL: the schema dropped and the dump
restored in one transaction), adds the keys, runs the migrations the archive lacks, and starts a
new change history (a new sync epoch): every device's next pull answers ``reset``, so no device
keeps rows the restored server never had (docs/operations.md §6, docs/protocol.md).

The package: ``archive`` (the format: manifest, members, writing and checking), ``encryption``
(age), ``databases`` (each database kind copied out and put back), ``making`` (``backup``),
``restoring`` (``restore``) and ``records`` (the audit entry and checkpoint each leaves).
"""

from server.backup.archive import FORMAT, PREFIX, Manifest, prune
from server.backup.errors import BackupError
from server.backup.making import backup
from server.backup.restoring import Restored, restore

__all__ = ["FORMAT", "PREFIX", "BackupError", "Manifest", "Restored", "backup", "prune", "restore"]
