#!/usr/bin/env bash
# Every test layer of pkgops.release, on a copy of the tree (tracked and unignored files)
# at $TMPDIR/pkgops-release-test.*/ansible_collections/pkgops/release: ansible-test needs
# that path, outside any git checkout.
#   unit (pytest), example (the example project's own tests), sanity (ansible-test),
#   lint (ansible-lint, production profile), docs (ansible-doc of every plugin and role),
#   collection (ansible-galaxy build + install of the tarball and a play using the installed copy,
#   ansible-builder create of meta/execution-environment.yml, ansible-test integration of two targets),
#   integration (a target per module with ansible-playbook), corpus (5 real PyPI projects of
#   tests/corpus, a different 5 each day, built as .deb and .rpm, installed in the Debian and
#   EL-family images, their modules imported and their commands run), fresh (both container images
#   rebuilt with containers/images.sh --fresh from an empty cache, as on a new machine; their
#   /var/lib/apt/lists is minutes old), demo (the README's main command, on those new images:
#   a release to the demo containers, again unchanged, check mode), kill (the same release killed
#   with SIGKILL at 3 random points, then run plainly: complete and correct; tests/kill_release.sh
#   with no argument kills 20 times),
#   molecule (every scenario on the offline images), demo-hosts (the demo inventory's
#   containers up, reachable, idempotent, down).
# Sets itself up first (scripts/setup.sh); safe to re-run. Pass layer names to run only those.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$top/scripts/setup.sh"
# shellcheck disable=SC1091
. "$top/.venv/bin/activate"
export PKGOPS_SETUP_DONE=1  # for scripts/demo.sh, run by the demo layer
export ANSIBLE_CONFIG="$top/ansible.cfg" ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 PY_COLORS=0 NO_COLOR=1
export CONTAINERS_CONF="$top/containers/containers.conf"

layers=("$@")
[ "${#layers[@]}" -gt 0 ] || layers=(unit example sanity lint docs collection integration corpus fresh demo kill molecule demo-hosts)

build=$(mktemp -d "${TMPDIR:-/tmp}/pkgops-release-test.XXXXXX")
remove_containers() {  # whatever a scenario or the demo left behind, also after a failure
  local names
  mapfile -t names < <(podman ps -a --format '{{.Names}}' 2>/dev/null | grep -E '^pkgops-' || true)
  [ "${#names[@]}" -eq 0 ] || podman rm -f "${names[@]}" >/dev/null 2>&1 || true
}
trap 'remove_containers; rm -rf "$build"' EXIT
coll="$build/ansible_collections/pkgops/release"
mkdir -p "$coll"
(cd "$top" && git ls-files -z --cached --others --exclude-standard | xargs -0 -I{} sh -c 'test -e "{}" && printf "%s\0" "{}"' \
  | tar --null -T - -cf -) | tar -xf - -C "$coll"
export ANSIBLE_COLLECTIONS_PATH="$build:$top/.venv/collections"
cd "$coll"

declare -a summary
run_layer() {
  local name=$1; shift
  local started=$SECONDS
  echo "=== $name"
  # A subshell outside any 'if', so that errexit applies to every command of the layer.
  set +e
  (set -e; "$@")
  local rc=$?
  set -e
  if [ "$rc" -eq 0 ]; then summary+=("PASS $name $((SECONDS - started))s"); else
    summary+=("FAIL $name $((SECONDS - started))s"); printf '%s\n' "${summary[@]}"; echo "test: $name failed" >&2; exit 1; fi
}

layer_unit() {
  python -m pytest -q -p no:cacheprovider tests/unit
  python - <<'PY'
import json
s = json.load(open("tests/output/version-order.json"))
print("version order: %(dpkg_binary_pairs)d pairs against dpkg and %(rpm_binary_pairs)d against rpm binaries "
      "(%(binary_seconds).1fs), %(in_process_pairs)d in process, %(disagreements)d disagreements" % s)
PY
}
layer_example() { PYTHONPATH=examples/hello-world/src python -m pytest -q -p no:cacheprovider examples/hello-world/tests; }
layer_sanity() {
  ansible-test sanity --venv --python 3.11 --color no 2>&1 | tee "$build/sanity.log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || return 1
  ! grep -q 'All targets skipped' "$build/sanity.log"  # a sanity run that tested nothing is a failure
}
layer_lint() { ansible-lint; }
layer_docs() { bash tests/docs.sh; }
layer_collection() { bash tests/collection.sh; }
layer_integration() { bash tests/integration/run.sh; }
# real PyPI projects built as .deb and .rpm (tests/corpus): 5 of them, a different 5 each day; every
# outcome must be the one tests/corpus/projects.json records (ok, or the known failure and why)
layer_corpus() { python tests/corpus/run.py --subset 5 --install --json "$build/corpus.json"; }
layer_fresh() { bash tests/fresh.sh; }
layer_demo() { bash tests/demo.sh; }
layer_kill() { bash tests/kill_release.sh 3; }
layer_molecule() {
  # The base config is named explicitly: molecule looks for it at the root of a git checkout,
  # and this copy is none. A scenario whose verify step did not run is a failure.
  # PKGOPS_SCENARIOS="a b" runs only those scenarios (all by default).
  local scenario
  for scenario in molecule/*/molecule.yml; do
    scenario=$(basename "$(dirname "$scenario")")
    [ -z "${PKGOPS_SCENARIOS:-}" ] || [[ " $PKGOPS_SCENARIOS " == *" $scenario "* ]] || continue
    # molecule's state of an interrupted earlier run would make this one fail: start clean
    rm -rf "$HOME"/.ansible/tmp/molecule.*."$scenario"
    molecule -c .config/molecule/config.yml test -s "$scenario" 2>&1 | tee "$build/molecule-$scenario.log"
    grep -q "\[$scenario > verify\] Executed: Successful" "$build/molecule-$scenario.log"
  done
}
layer_demo_hosts() { bash tests/demo_hosts.sh; }

for layer in "${layers[@]}"; do
  run_layer "$layer" "layer_${layer//-/_}"
done
printf '%s\n' "${summary[@]}"
