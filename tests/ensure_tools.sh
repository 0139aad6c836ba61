#!/usr/bin/env bash
# The Debian tools the tests need besides python and node: caddy (validates the Caddyfile) and
# systemd-analyze (verifies the units) for tests/server/test_deploy_files.py's checks of
# deploy/, and faketime (moves the clock for `make test-clock`). Installed with apt-get when
# root and missing; otherwise fail loudly (never skip).
set -u
tools=(caddy:caddy systemd-analyze:systemd faketime:faketime)  # command:package
need=()
for tool in "${tools[@]}"; do
  command -v "${tool%%:*}" >/dev/null || need+=("${tool##*:}")
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing ${need[*]} (checks of deploy/, the clock-moved tests)" >&2
  apt-get install -y -q "${need[@]}" >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q "${need[@]}" >/dev/null; }
fi
missing=()
for tool in "${tools[@]}"; do
  command -v "${tool%%:*}" >/dev/null || missing+=("${tool##*:}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "FAIL: caddy, systemd-analyze and faketime are needed by the tests: install ${missing[*]}" >&2
exit 1
