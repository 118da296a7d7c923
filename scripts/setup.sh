#!/usr/bin/env bash
# Creates .venv and installs mhqa with everything the app and the tests need. Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
PIP=(.venv/bin/python -m pip --disable-pip-version-check)

stamp=.venv/.mhqa-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    # torch first, from the machine's CPU wheel when there is one: a bare torch requirement
    # resolved from the registry pulls a multi-GB CUDA build.
    torch_args=()
    [ -d /opt/wheels ] && torch_args=(--find-links /opt/wheels)
    "${PIP[@]}" install -q "${torch_args[@]}" "torch==2.13.0"
    "${PIP[@]}" install -q "${torch_args[@]}" -e ".[dev]"
    touch "$stamp"
fi

# The browser tests drive Debian's Chromium (no browser download at test time); the PDF fixtures
# need a font with the "ﬁ" ligature (DejaVu Sans).
if [ "${1:-}" = "--with-browser" ] && { [ ! -x /usr/bin/chromium ] || [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; }; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
fi
