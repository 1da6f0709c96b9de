#!/usr/bin/env bash
# The collection as its users get it. Run from the collection copy's top directory (a real
# .../ansible_collections/pkgops/release path) with the venv active, as scripts/test.sh runs its layers:
#   1. ansible-galaxy collection build, from a scratch copy of the tree with files planted where
#      build_ignore must keep them out (venv, build and test output, caches, an older tarball):
#      none is in the tarball; the license, the execution environment files and the roles are;
#   2. ansible-galaxy collection install of that tarball, offline and without dependencies, into an
#      empty collections path;
#   3. tests/collection_play.yml, from outside the tree (a playbook inside an ansible_collections tree
#      would see that tree's collection), with ANSIBLE_COLLECTIONS_PATH naming only the installed
#      collection: its build role releases 1.1.0 of a copy of examples/hello-world, then again unchanged;
#   4. ansible-builder: introspect of the installed collection finds its Python and system requirements
#      (what every execution environment that installs pkgops.release gets), and create renders
#      meta/execution-environment.yml into a build context whose Containerfile installs them. The image
#      is not built: its base image cannot be pulled here (no container registry);
#   5. bindep: this host has every platform:dpkg package of bindep.txt (the names are real);
#   6. ansible-test integration --local on two targets through their aliases (version_filters, and
#      project_version, which needs the example's files copied by ansible-test).
set -euo pipefail
started=$SECONDS
here=$(pwd -P)
[[ $here == */ansible_collections/pkgops/release ]] || { echo "collection: run from .../ansible_collections/pkgops/release, not $here" >&2; exit 1; }
[ -n "${VIRTUAL_ENV:-}" ] || { echo "collection: activate the venv first" >&2; exit 1; }
fail() { echo "collection: $*" >&2; exit 1; }
step() { echo "collection: $* ($((SECONDS - started))s)"; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pkgops-collection.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
version=$(python -c 'import yaml; print(yaml.safe_load(open("galaxy.yml"))["version"])')

# 1. Build from a scratch copy with planted files.
src="$tmp/src/ansible_collections/pkgops/release"
mkdir -p "$src"
tar --exclude=./tests/output --exclude=./.venv --exclude=./.git -cf - . | tar -xf - -C "$src"
planted=(.venv/bin/python .build/x build/lib/x tests/output/x .ansible/x .hypothesis/x .pytest_cache/x
         plugins/modules/__pycache__/x.cpython-311.pyc plugins/filter/x.pyc
         examples/hello-world/src/hello_world.egg-info/PKG-INFO pkgops-release-0.0.1.tar.gz)
for f in "${planted[@]}"; do mkdir -p "$src/$(dirname "$f")"; echo planted > "$src/$f"; done
ansible-galaxy collection build --output-path "$tmp/dist" "$src" >/dev/null
tarball="$tmp/dist/pkgops-release-$version.tar.gz"
[ -f "$tarball" ] || fail "no $tarball"
tar -tzf "$tarball" | sed 's|/$||' | sort > "$tmp/contents"
leaked=$(grep -E '^(\.venv|\.build|build|tests/output|\.ansible|\.hypothesis|\.pytest_cache|\.git)(/|$)|__pycache__|\.pyc$|\.egg-info|\.tar\.gz$' "$tmp/contents" || true)
[ -z "$leaked" ] || fail "build_ignore lets these into the tarball:"$'\n'"$leaked"
for f in MANIFEST.json FILES.json LICENSES/GPL-3.0-or-later.txt meta/runtime.yml meta/execution-environment.yml \
         meta/requirements.txt meta/bindep.txt requirements.txt bindep.txt roles/build/tasks/main.yml \
         roles/build/meta/argument_specs.yml plugins/modules/project_version.py; do
  grep -qxF "$f" "$tmp/contents" || fail "$f is not in the tarball"
done
size=$(stat -c %s "$tarball")
[ "$size" -lt 1000000 ] || fail "the tarball is $size bytes: something large got in"
step "built pkgops-release-$version.tar.gz: $(wc -l < "$tmp/contents") entries, $((size / 1024)) KiB"

# 2. Install it into an empty collections path, the only one Ansible sees from here to step 4 (an
#    installed pkgops.release elsewhere would make ansible-galaxy skip the install); nothing from Galaxy.
outer_collections_path=${ANSIBLE_COLLECTIONS_PATH-unset}
export ANSIBLE_COLLECTIONS_PATH="$tmp/collections" ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
ansible-galaxy collection install --offline --no-deps -p "$tmp/collections" "$tarball" >/dev/null 2>"$tmp/install.err" \
  || { cat "$tmp/install.err" >&2; fail "ansible-galaxy collection install failed"; }
installed="$tmp/collections/ansible_collections/pkgops/release"
[ -f "$installed/MANIFEST.json" ] || fail "nothing installed at $installed"
cmp -s "$installed/bindep.txt" meta/bindep.txt || fail "the installed bindep.txt is not meta/bindep.txt"
found=$(cd "$tmp" && ansible-doc -t role --json pkgops.release.build | python -c 'import json, sys; print(json.load(sys.stdin)["pkgops.release.build"]["path"])')
[ "$found" = "$installed" ] || fail "pkgops.release.build resolves to $found, not to the installed $installed"
step "installed into an empty collections path"

# 3. The installed build role on a copy of the example (not a git checkout).
cp -r examples/hello-world "$tmp/hello-world"
cp tests/collection_play.yml "$tmp/play.yml"
(cd "$tmp" && ansible-playbook -i localhost, play.yml -e "collection_play_project=$tmp/hello-world") > "$tmp/play.log" 2>&1 \
  || { cat "$tmp/play.log" >&2; fail "tests/collection_play.yml failed"; }
grep -E '^localhost +: ok=[0-9]+ +changed=[0-9]+ +unreachable=0 +failed=0' "$tmp/play.log" || { cat "$tmp/play.log" >&2; fail "no clean recap"; }
step "the installed build role released 1.1.0 of the example, then nothing changed"

# 4. Execution environment: introspection of the installed collection, and the build context.
reqs=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' -e 's/[[:space:]]*$//' meta/requirements.txt)
ansible-builder introspect "$tmp/collections" --write-pip "$tmp/ee-pip.txt" --write-bindep "$tmp/ee-bindep.txt" >/dev/null
while read -r req; do
  grep -qxF "$req  # from collection pkgops.release" "$tmp/ee-pip.txt" || { cat "$tmp/ee-pip.txt" >&2; fail "introspection misses $req"; }
done <<<"$reqs"
for line in "python3-rpm" "rpm-build [platform:rpm]" "dpkg-dev [platform:dpkg]"; do
  grep -qxF "$line  # from collection pkgops.release" "$tmp/ee-bindep.txt" \
    || { cat "$tmp/ee-bindep.txt" >&2; fail "introspection misses bindep.txt's $line"; }
done
unset ANSIBLE_COLLECTIONS_PATH ANSIBLE_COLLECTIONS_SCAN_SYS_PATH
[ "$outer_collections_path" = unset ] || export ANSIBLE_COLLECTIONS_PATH="$outer_collections_path"
ansible-builder create --file meta/execution-environment.yml --context "$tmp/ee" >/dev/null
ctx="$tmp/ee/_build"
# shellcheck disable=SC2016  # $PYCMD is the Containerfile's, not ours
for re in '^COPY _build/requirements\.txt requirements\.txt$' '^COPY _build/bindep\.txt bindep\.txt$' \
          '^RUN \$PYCMD /output/scripts/introspect\.py introspect --user-pip=requirements\.txt --user-bindep=bindep\.txt ' \
          '^RUN .*ansible-galaxy collection install .*-r requirements\.yml' \
          '^ARG ANSIBLE_INSTALL_REFS="ansible-core>=2\.19,<2\.20 ansible-runner"$'; do
  grep -qE "$re" "$tmp/ee/Containerfile" || { cat "$tmp/ee/Containerfile" >&2; fail "the Containerfile has no line matching $re"; }
done
for f in requirements.txt bindep.txt; do
  if [ -L "$ctx/$f" ] || ! cmp -s "$ctx/$f" "meta/$f"; then fail "the build context's $f is not a copy of meta/$f"; fi
done
python - "$ctx/requirements.yml" <<'PY' || fail "the build context's requirements.yml does not install pkgops.release"
import sys, yaml
names = [c["name"] for c in yaml.safe_load(open(sys.argv[1]))["collections"]]
sys.exit(0 if "pkgops.release" in names else 1)
PY
step "ansible-builder: introspection found $(wc -l <<<"$reqs") Python requirements, the build context renders"

# 5. bindep's Debian names are real: this host (set up from requirements/apt.txt) has them all.
missing=$(bindep --brief --file bindep.txt) || fail "bindep: this host lacks: $missing"
step "bindep: every platform:dpkg package of bindep.txt is installed here"

# 6. ansible-test integration through the aliases (the test command runs every target with
#    tests/integration/run.sh).
ansible-test integration --local --python 3.11 --color no version_filters project_version > "$tmp/ansible-test.log" 2>&1 \
  || { tail -40 "$tmp/ansible-test.log" >&2; fail "ansible-test integration failed"; }
[ "$(grep -c '^Running .* integration test role$' "$tmp/ansible-test.log")" -eq 2 ] || { cat "$tmp/ansible-test.log" >&2; fail "ansible-test did not run both targets"; }
step "ansible-test integration --local: version_filters and project_version pass"
