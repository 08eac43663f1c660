#!/usr/bin/env bash
# Audit the installed Python dependencies for known vulnerabilities (pip-audit against
# PyPI's advisory data; ATELIER_AUDIT_SERVICE=osv for OSV where api.osv.dev is reachable).
#
# --strict: a dependency that cannot be audited fails the run. Without it, pip-audit
# prints "No known vulnerabilities found" even when it could look up none of them (seen
# on the build machine: PyPI's JSON API answers 404 for every pinned version there).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
exec "$PY" -m pip_audit \
  --vulnerability-service "${ATELIER_AUDIT_SERVICE:-pypi}" \
  --local --skip-editable --strict --progress-spinner off "$@"
