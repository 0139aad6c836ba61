"""The data directory is the operator's alone: the database, its WAL, the signing keys and the
backups are readable by no other user on the machine, whatever the umask the process started
with (docs/operations.md §6)."""

from __future__ import annotations

import os
from pathlib import Path

UMASK = 0o077  # files 0600, directories 0700
DIR_MODE = 0o700
FILE_MODE = 0o600


def keep_private(data_dir: Path) -> None:
    """Set the process umask so that everything made from now on (SQLite's file, its WAL and
    SHM, keys, archives) is owner-only, make ``data_dir`` if missing, and take group and other
    access off whatever is already in it (a directory an older Orderly or a 022 umask made)."""
    os.umask(UMASK)
    data_dir.mkdir(parents=True, exist_ok=True)
    _tighten(data_dir, DIR_MODE)
    for root, dirs, files in os.walk(data_dir):
        for name in dirs:
            _tighten(Path(root) / name, DIR_MODE)
        for name in files:
            _tighten(Path(root) / name, FILE_MODE)


def _tighten(path: Path, mode: int) -> None:
    try:
        st = path.lstat()
    except FileNotFoundError:  # a WAL checkpointed away meanwhile
        return
    if path.is_symlink():
        return  # never follow a link out of the data directory
    if st.st_mode & 0o777 != mode:
        os.chmod(path, mode)
