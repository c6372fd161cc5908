#!/usr/bin/env bash
# Runs the API on http://localhost:5080 over the PostgreSQL that scripts/postgres-up.sh brings up.
# Extra arguments go to the API host (for example: scripts/run.sh --urls http://0.0.0.0:8080).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ConnectionStrings__EventStore="${ConnectionStrings__EventStore:-$(scripts/postgres-up.sh)}"
export ConnectionStrings__EventStore
exec dotnet run --project src/Api --launch-profile Api -- "$@"
