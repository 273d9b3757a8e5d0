#!/usr/bin/env bash
# One release step, run before (re)starting the workers, as the service user:
#   sudo -u concord /srv/concord/deploy/release.sh
# It reads the workers' environment file (CONCORD_ENV_FILE, default /etc/concord/concord.env)
# when there is one, so it migrates the same database the workers use. Safe to repeat.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
ENV_FILE="${CONCORD_ENV_FILE:-/etc/concord/concord.env}"
if [ -r "$ENV_FILE" ]; then
  set -a
  # shellcheck disable=SC1090
  . "$ENV_FILE"
  set +a
fi

"$PY" manage.py check --deploy --fail-level WARNING
"$PY" manage.py migrate --noinput
# WhiteNoise serves the collected, hashed and compressed files from STATIC_ROOT (staticfiles/);
# nginx may serve the same directory itself (deploy/nginx/concord.conf).
"$PY" manage.py collectstatic --noinput -v 0
echo "Release ready: restart the workers (systemctl restart concord.target), then check /healthz."
