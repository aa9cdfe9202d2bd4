#!/usr/bin/env bash
# Start/stop what the tests need: nothing yet beyond the project itself.
set -euo pipefail
case "${1:-}" in
  start) echo "services: none needed" ;;
  stop) ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
