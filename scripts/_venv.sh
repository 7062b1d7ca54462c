# Sourced by the scripts in this folder: create or reuse .venv and install the project into it.
# Re-installs only when pyproject.toml changed since the last install. AMPECO_VENV names another
# virtualenv; AMPECO_PIP_EXTRA adds requirements to its install (the SDK lane: pulumi==<oldest>).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${AMPECO_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
    echo "==> creating virtualenv $VENV"
    "$PYTHON" -m venv "$VENV"
fi
STAMP="$VENV/.pulumi-ampeco-installed"
if [ ! -f "$STAMP" ] || [ "$ROOT/pyproject.toml" -nt "$STAMP" ]; then
    echo "==> installing pulumi-ampeco and its dependencies into $VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT[dev]" ${AMPECO_PIP_EXTRA:-}
    touch "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
cd "$ROOT"
