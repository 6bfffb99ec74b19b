#!/usr/bin/env bash
# Two fresh installs build byte-identical sites: clone this repository twice, install each through
# requirements/build.lock into its own virtual environment (the README's first command), build, and compare every
# file of the two sites. Needs DEFENCE_DATA_MIRROR (or the network) and about 2 minutes a clone.
# Usage: DEFENCE_DATA_MIRROR=../shared/data/raw scripts/check_reproducible_install.sh [RELEASE]
set -euo pipefail
release="${1:-2026}"
repository="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for name in a b; do
  git clone -q "$repository" "$work/$name"
  (cd "$work/$name" && python3 -m venv .venv && . .venv/bin/activate \
    && pip install -q -r requirements/build.lock && pip install -q --no-deps -e . && python build.py >/dev/null)
  (cd "$work/$name/reports/$release/" && find -L . -type f -print0 | sort -z | xargs -0 sha256sum) > "$work/$name.sha256"
done
if cmp -s "$work/a.sha256" "$work/b.sha256"; then
  echo "byte-identical: $(wc -l < "$work/a.sha256") files in reports/$release/ of two fresh installs"
else
  diff "$work/a.sha256" "$work/b.sha256" | head -20
  echo "the two sites differ" >&2
  exit 1
fi
