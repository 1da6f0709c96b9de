#!/usr/bin/env bash
# Every module, filter and role of the collection renders with ansible-doc (sanity does not
# check filters or roles). Run from the collection copy by scripts/test.sh.
set -euo pipefail
fail=0
check() {  # type name
  local out
  if ! out=$(ansible-doc -t "$1" "pkgops.release.$2" 2>&1) || ! grep -q "pkgops.release.$2" <<<"$out" \
     || grep -q -E '^\[(WARNING|DEPRECATION WARNING)\]' <<<"$out"; then
    echo "docs: ansible-doc -t $1 pkgops.release.$2 does not render cleanly:" >&2; echo "$out" | head -20 >&2; fail=1
  else
    echo "docs: $1 pkgops.release.$2 ($(wc -l <<<"$out") lines)"
  fi
}
for f in plugins/modules/*.py; do check module "$(basename "$f" .py)"; done
for f in plugins/filter/*.yml; do check filter "$(basename "$f" .yml)"; done
for d in roles/*/; do check role "$(basename "$d")"; done
exit "$fail"
