#!/usr/bin/env bash
# PostgreSQL must be there for the second half of the suite: start the local cluster if it is
# installed but stopped; otherwise fail loudly (never skip).
set -u
url="${ORDERLY_TEST_PG_URL:-postgresql://postgres@127.0.0.1:5432/test}"
ready() { pg_isready -q -d "$url" 2>/dev/null; }
# orderly backup/restore on PostgreSQL (tests/server/test_backup.py) run pg_dump, pg_restore, psql.
if ! command -v pg_dump >/dev/null || ! command -v pg_restore >/dev/null || ! command -v psql >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing postgresql-client (pg_dump, pg_restore, psql)" >&2
    apt-get install -y -q postgresql-client >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q postgresql-client >/dev/null; }
  fi
  if ! command -v pg_dump >/dev/null || ! command -v pg_restore >/dev/null || ! command -v psql >/dev/null; then
    echo "FAIL: pg_dump/pg_restore/psql are missing: install postgresql-client" >&2
    exit 1
  fi
fi
if ready; then exit 0; fi
if command -v pg_ctlcluster >/dev/null && ls /etc/postgresql >/dev/null 2>&1; then
  echo "PostgreSQL is not answering; starting the local cluster" >&2
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  for _ in $(seq 1 30); do ready && exit 0; sleep 1; done
fi
echo "FAIL: PostgreSQL is not reachable at $url; the PostgreSQL half of the suite cannot run." >&2
exit 1
