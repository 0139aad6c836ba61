#!/usr/bin/env bash
# The tools tests/server/test_deploy_files.py checks deploy/ with: caddy (validates the
# Caddyfile) and systemd-analyze (verifies the units). Installed with apt-get when root and
# missing; otherwise fail loudly (never skip).
set -u
need=()
command -v caddy >/dev/null || need+=(caddy)
command -v systemd-analyze >/dev/null || need+=(systemd)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing ${need[*]} (checks of deploy/)" >&2
  apt-get install -y -q "${need[@]}" >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q "${need[@]}" >/dev/null; }
fi
command -v caddy >/dev/null && command -v systemd-analyze >/dev/null && exit 0
echo "FAIL: caddy and systemd-analyze are needed to check deploy/: install ${need[*]}" >&2
exit 1
