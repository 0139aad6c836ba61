#!/bin/sh
# The container's entry point: `orderly serve --workers $ORDERLY_WORKERS` after emptying the
# metrics directory (prometheus_client's multiprocess mode wants it empty at every start).
# Any other command runs as given:  podman run --rm orderly orderly migrate
set -eu
if [ "$#" -gt 0 ]; then
    exec "$@"
fi
if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
    rm -rf "$PROMETHEUS_MULTIPROC_DIR"
    mkdir -p -m 0700 "$PROMETHEUS_MULTIPROC_DIR"
fi
exec orderly serve --workers "${ORDERLY_WORKERS:-1}"
