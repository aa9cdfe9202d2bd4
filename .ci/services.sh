#!/usr/bin/env bash
# Start/stop what the tests need: nothing yet beyond the project itself.
set -euo pipefail
case "${1:-}" in
  start)
    # The browser test drives Debian's Chromium (never a Playwright download).
    command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)
    echo "services: chromium at $(command -v chromium)"
    ;;
  stop) ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
