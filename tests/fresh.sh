#!/usr/bin/env bash
# The test bed as a fresh machine has it (issue 16): both images rebuilt with
# `containers/images.sh --fresh` into an empty cache directory (debootstrap downloads every
# package from the Debian mirror), so that the demo layer, which runs next, starts from images
# minutes old. Asserts, for each image, that /var/lib/apt/lists was made by this rebuild and is
# less than 15 minutes old - the state in which apt's cache_valid_time skipped `apt-get update`
# on a newcomer's machine. Prints the images' ages and the seconds the rebuild took.
# Rebuilds localhost/pkgops-debian12 and localhost/pkgops-el9 in place (same recipe, same label).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CONTAINERS_CONF="${CONTAINERS_CONF:-$top/containers/containers.conf}"
max_age=900
fail() { echo "fresh: $*" >&2; exit 1; }

cache=$(mktemp -d "${TMPDIR:-/tmp}/pkgops-fresh.XXXXXX")
built=0
cleanup() {
  local log="$cache/pkgops-release/images/debootstrap.log" kept="${TMPDIR:-/tmp}/pkgops-fresh-debootstrap.log"
  if [ "$built" -eq 0 ] && [ -f "$log" ]; then
    cp "$log" "$kept" && echo "fresh: the rebuild failed; debootstrap's log is kept at $kept" >&2
  fi
  # --one-file-system: never follow a mount that a failed debootstrap left in a root filesystem
  rm -rf --one-file-system "$cache"
}
trap cleanup EXIT

started=$(date +%s)
XDG_CACHE_HOME="$cache" bash "$top/containers/images.sh" --fresh debian12 el9
built=1
took=$(( $(date +%s) - started ))
debs=$(find "$cache/pkgops-release/images/debs" -name '*.deb' | wc -l)
[ "$debs" -gt 0 ] || fail "debootstrap downloaded no package into the empty cache $cache"
echo "fresh: rebuilt both images from an empty cache in ${took} s ($debs packages downloaded)"

for name in debian12 el9; do
  image="localhost/pkgops-$name"
  mtime=$(podman run --rm --systemd=false "$image" stat -c %Y /var/lib/apt/lists)
  age=$(( $(date +%s) - mtime ))
  echo "fresh: $image: /var/lib/apt/lists is ${age} s old"
  [ "$mtime" -ge "$started" ] || fail "$image: /var/lib/apt/lists predates this rebuild (mtime $mtime, rebuild started $started)"
  [ "$age" -lt "$max_age" ] || fail "$image: /var/lib/apt/lists is ${age} s old, not under ${max_age} s"
done
echo "fresh: both images are as a fresh machine has them: rebuilt in ${took} s, apt lists minutes old"
