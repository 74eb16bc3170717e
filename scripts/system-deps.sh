#!/usr/bin/env bash
# The one place that installs the Debian packages hitrec needs (media tools, graph layout,
# a browser for the page tests, nginx in front of gunicorn, Chromaprint's fpcalc); quick when
# they are already there.
set -euo pipefail

need=()
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
command -v ffprobe >/dev/null 2>&1 || need+=(ffmpeg)
command -v dot >/dev/null 2>&1 || need+=(graphviz)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
# nginx sends stored files for Django (X-Accel-Redirect): the integration test and benchmark.
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
# gettext: makemessages and compilemessages (the catalog tests, adding a language).
command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
# fpcalc: Chromaprint's raw audio fingerprints, for the credit guard (media/fingerprints/audio.py).
command -v fpcalc >/dev/null 2>&1 || need+=(libchromaprint-tools)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi

mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
echo "Installing Debian packages: ${need[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  else
    echo "Missing ${need[*]} and not root: install them with apt-get, then run make again." >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
