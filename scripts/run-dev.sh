#!/usr/bin/env bash
# `make run`: the web server and one background worker, in one command; Ctrl-C stops both.
# The worker takes jobs (theme analyses, releases, emails) from an SQLite queue in instance/.
set -u
FLASK=("$@")
"${FLASK[@]}" worker --threads 2 &
WORKER=$!
stop() { kill -TERM "$WORKER" 2>/dev/null; wait "$WORKER" 2>/dev/null; }
trap stop EXIT
trap 'exit 130' INT TERM
echo "Serving on ${BASE_URL} (Ctrl-C stops the web server and the worker)."
echo "Emails the demo sends are written to instance/outbox/ (EMAIL_BACKEND=outbox): nothing leaves this machine."
"${FLASK[@]}" run --host "$HOST" --port "$PORT"
