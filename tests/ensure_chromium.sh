#!/usr/bin/env bash
# The browser tests drive Debian's chromium (Playwright cannot download its own build here):
# install it when /usr/bin/chromium is missing; otherwise fail loudly (never skip).
set -eu
chromium=/usr/bin/chromium
if [ -x "$chromium" ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "FAIL: $chromium is missing and installing it needs root (apt-get install chromium)." >&2
  exit 1
fi
echo "chromium is missing; installing Debian's chromium" >&2
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -q && apt-get install -y -q chromium; }; then
  echo "FAIL: apt-get could not install chromium; the browser tests cannot run." >&2
  exit 1
fi
if [ ! -x "$chromium" ]; then
  echo "FAIL: chromium installed but $chromium is not there." >&2
  exit 1
fi
