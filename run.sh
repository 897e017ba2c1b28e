#!/usr/bin/env bash
# Sets up photoclip (first run only) and starts it. Arguments go to photoclip: ./run.sh index ~/Pictures
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
exec .venv/bin/photoclip "$@"
