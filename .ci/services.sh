#!/usr/bin/env bash
# Start/stop what the tests need. The tests start their own Chroma servers (`chroma run` on a
# free port of 127.0.0.1, data in a temporary folder); here we only make sure one can start.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
  start)
    # The browser test drives Debian's Chromium (never a Playwright download).
    command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)
    echo "services: chromium at $(command -v chromium)"
    make --quiet setup
    test -x .venv/bin/chroma || { echo "services: .venv/bin/chroma is missing" >&2; exit 1; }
    data=$(mktemp -d)
    port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    ANONYMIZED_TELEMETRY=False .venv/bin/chroma run --path "$data" --host 127.0.0.1 --port "$port" \
      >"$data.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 150); do
      if curl -fsS "http://127.0.0.1:$port/api/v2/heartbeat" >/dev/null 2>&1; then break; fi
      kill -0 "$pid" 2>/dev/null || { cat "$data.log" >&2; exit 1; }
      sleep 0.2
    done
    ok=0
    curl -fsS "http://127.0.0.1:$port/api/v2/heartbeat" >/dev/null 2>&1 && ok=1
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rm -rf "$data" "$data.log"
    [ "$ok" = 1 ] || { echo "services: chroma run did not answer on 127.0.0.1:$port" >&2; exit 1; }
    echo "services: chroma run answers ($(.venv/bin/python -c 'import chromadb; print(chromadb.__version__)'))"
    # The sign-in tests start their own OpenID provider (oidc-provider-mock, from the lock).
    .venv/bin/python -c 'import oidc_provider_mock' \
      || { echo "services: oidc-provider-mock is missing from .venv" >&2; exit 1; }
    echo "services: oidc-provider-mock $(.venv/bin/pip show oidc-provider-mock | sed -n 's/^Version: //p')"
    ;;
  stop) ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
