#!/usr/bin/env bash
# An interrupted release resumes: ansible-playbook running playbooks/release.yml (the demo's release of
# 1.1.0 to fresh demo containers) is killed with SIGKILL - with every process it started on this
# machine - at random points spread over the run (by task, see below), each re-run may be killed again; then the same
# release is run plainly and must end complete and correct, checked with tools that do not share the
# collection's code (git, gpgv, rpmkeys, sha256sum, apt and dnf on the targets):
#   one annotated tag v1.1.0 on the release commit, one release commit holding only the release's files,
#   the working tree clean, the manifest's sha256s those of the files, the apt and yum repositories
#   signed (gpgv) with their indexes naming exactly the manifest's package bytes, RPM signatures good,
#   both targets running 1.1.0 from the repositories, and no scratch copy left behind.
# Usage: tests/kill_release.sh [KILLS]     KILLS defaults to 20 (scripts/test.sh's kill layer runs 3).
#   PKGOPS_KILL_TASKS  the number of tasks a release prints (default 125: the demo's release), over
#                      which the kills are spread
#   PKGOPS_KILL_SEED   replay the same kill moments
# Run from the collection's top with the venv active (scripts/test.sh does both).
set -euo pipefail
kills=${1:-20}
tasks=${PKGOPS_KILL_TASKS:-125}
seed=${PKGOPS_KILL_SEED:-$RANDOM}
inv=examples/demo/inventory.yml
export ANSIBLE_CONFIG="${ANSIBLE_CONFIG:-$PWD/ansible.cfg}" CONTAINERS_CONF="${CONTAINERS_CONF:-$PWD/containers/containers.conf}"
work=$(mktemp -d)
project="$work/hello-world"
trap 'ansible-playbook -i "$inv" playbooks/demo_down.yml >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
fail() { echo "kill-release: $*" >&2; exit 1; }

ansible-playbook -i "$inv" playbooks/demo_down.yml > /dev/null
ansible-playbook -i "$inv" playbooks/demo_up.yml > "$work/up.log" || { cat "$work/up.log"; fail "demo_up failed"; }
cp -a examples/hello-world "$project"
git -C "$project" init -q -b main
git -C "$project" add -A
git -C "$project" -c user.name=kill-test -c user.email=kill@example.com commit -q -m "hello-world 1.0.0"

release() {
  ansible-playbook -i "$inv" playbooks/release.yml -e @examples/demo/release-vars.yml \
    -e "build_project_dir=$project" -e "release_stage_dir=$work/stage"
}

# The kill moments, by progress rather than by time: a run is killed when its output has reached the
# k-th task (k drawn uniformly from 1..PKGOPS_KILL_TASKS, in increasing order, so that the kills walk
# through the whole playbook - a resumed run goes through the same tasks, passing quickly over what is
# done), then a random 0-3 s further, inside that task.
mapfile -t points < <(python3 -c 'import random, sys
r = random.Random(int(sys.argv[1]))
print("\n".join("%d %.1f" % p for p in sorted((r.randint(1, int(sys.argv[3])), r.uniform(0, 3)) for _ in range(int(sys.argv[2])))))' \
  "$seed" "$kills" "$tasks")
echo "kill-release: $kills kills (seed $seed) at tasks: $(printf '%s\n' "${points[@]}" | cut -d' ' -f1 | xargs)"
killed=0 finished=0 started=$SECONDS run=0
for point in "${points[@]}"; do
  run=$((run + 1))
  log="$work/run-$run.log"
  at=${point% *} extra=${point#* }
  : > "$log"  # there before the run writes to it, so the count below never reads a missing file
  setsid bash -c "$(declare -f release); project='$project' work='$work' inv='$inv' release" >> "$log" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null && [ "$(grep -c '^TASK \[' "$log" || true)" -lt "$at" ]; do sleep 0.2; done
  kill -0 "$pid" 2>/dev/null && sleep "$extra"
  if kill -0 "$pid" 2>/dev/null; then
    task=$(grep -o '^TASK \[[^]]*\]' "$log" | tail -n 1 || true)
    kill -KILL -- "-$pid" 2>/dev/null || true
    killed=$((killed + 1))
    echo "kill-release: killed at task $at (+${extra}s): ${task:-the start}"
    wait "$pid" 2>/dev/null || true
  else
    finished=$((finished + 1))
    rc=0; wait "$pid" || rc=$?
    # a run that ends by itself must have completed the release: nothing a kill leaves may make it fail
    [ "$rc" -eq 0 ] || { tail -n 40 "$log"; fail "run $run ended by itself with exit code $rc, before task $at"; }
    echo "kill-release: run $run completed before task $at"
  fi
done
echo "kill-release: $killed runs killed, $finished ended by themselves, in $((SECONDS - started)) s"
[ "$killed" -gt 0 ] || fail "no run was killed"

started=$SECONDS
release > "$work/final.log" 2>&1 || { tail -n 60 "$work/final.log"; fail "the plain run after the kills failed"; }
echo "kill-release: the plain run completed the release in $((SECONDS - started)) s"

# git: one release commit holding the release's files only, one annotated tag on it, a clean tree
[ "$(git -C "$project" cat-file -t v1.1.0)" = tag ] || fail "v1.1.0 is not an annotated tag"
[ "$(git -C "$project" tag -l)" = v1.1.0 ] || fail "tags: $(git -C "$project" tag -l | xargs)"
[ "$(git -C "$project" rev-parse 'v1.1.0^{commit}')" = "$(git -C "$project" rev-parse HEAD)" ] || fail "v1.1.0 is not on HEAD"
[ "$(git -C "$project" rev-list --count HEAD)" = 2 ] || fail "$(git -C "$project" rev-list --count HEAD) commits, expected the first and one release commit"
[ "$(git -C "$project" show --format= --name-only HEAD | sort | xargs)" = "CHANGELOG.rst pyproject.toml" ] \
  || fail "the release commit holds $(git -C "$project" show --format= --name-only HEAD | xargs)"
grep -q '^version = "1.1.0"$' "$project/pyproject.toml" || fail "pyproject.toml does not declare 1.1.0"
[ "$(grep -c '^1\.1\.0$' "$project/CHANGELOG.rst")" = 1 ] || fail "CHANGELOG.rst does not have one 1.1.0 entry"
stray=$(git -C "$project" status --porcelain --untracked-files=all | grep -v '^?? dist/' || true)
[ -z "$stray" ] || fail "the tree is not clean: $stray"
[ ! -e "$(git -C "$project" rev-parse --absolute-git-dir)/pkgops-release/head" ] || fail "the scratch copy was left behind"

# the manifest: every artifact's sha256 is its file's
manifest="$project/dist/hello-world-1.1.0.manifest.json"
python3 - "$manifest" > "$work/artifacts" <<'PY' || fail "the manifest does not describe the files"
import hashlib, json, os, sys
m = json.load(open(sys.argv[1]))
assert m["version"] == "1.1.0" and m["tag"] == "v1.1.0", m
dist = os.path.dirname(sys.argv[1])
for a in m["artifacts"]:
    path = next(os.path.join(d, a["name"]) for d, _s, files in os.walk(dist) if a["name"] in files)
    assert hashlib.sha256(open(path, "rb").read()).hexdigest() == a["sha256"], a
    print(a["name"], a["sha256"])
PY

# the apt repository: InRelease verifies (gpgv), Packages is the one it names, and names the manifest's .deb
apt=/srv/pkgops/apt/current/public
podman exec pkgops-demo-repo cat "$apt/archive-keyring.gpg" > "$work/apt.gpg"
podman exec pkgops-demo-repo cat "$apt/dists/bookworm/InRelease" > "$work/InRelease"
podman exec pkgops-demo-repo cat "$apt/dists/bookworm/main/binary-amd64/Packages" > "$work/Packages"
gpgv --keyring "$work/apt.gpg" "$work/InRelease" 2> "$work/gpgv.log" || { cat "$work/gpgv.log"; fail "InRelease does not verify"; }
grep -q " $(sha256sum < "$work/Packages" | cut -d' ' -f1) *[0-9]* main/binary-amd64/Packages$" "$work/InRelease" \
  || fail "InRelease does not name the served Packages"
[ "$(grep -c '^Package: hello-world$' "$work/Packages")" = 1 ] || fail "Packages lists hello-world $(grep -c '^Package: hello-world$' "$work/Packages") times"
grep -q "^SHA256: $(awk '/\.deb /{print $2}' "$work/artifacts")$" "$work/Packages" || fail "Packages does not name the manifest's .deb"

# the yum repository: repomd.xml verifies (gpgv), the served RPM is the manifest's, signed (rpmkeys)
yum=/srv/pkgops/yum/current
podman exec pkgops-demo-repo cat "$yum/RPM-GPG-KEY-pkgops" > "$work/yum.asc"
gpg --dearmor < "$work/yum.asc" > "$work/yum.gpg"
podman exec pkgops-demo-repo cat "$yum/repodata/repomd.xml" > "$work/repomd.xml"
podman exec pkgops-demo-repo cat "$yum/repodata/repomd.xml.asc" > "$work/repomd.xml.asc"
gpgv --keyring "$work/yum.gpg" "$work/repomd.xml.asc" "$work/repomd.xml" 2> "$work/gpgv.log" \
  || { cat "$work/gpgv.log"; fail "repomd.xml does not verify"; }
rpm_name=$(awk '/\.noarch\.rpm /{print $1}' "$work/artifacts")
podman exec pkgops-demo-repo sh -c "cat $yum/packages/$rpm_name" > "$work/$rpm_name" || fail "$rpm_name is not served"
mkdir "$work/rpmdb"
rpmkeys --dbpath "$work/rpmdb" --import "$work/yum.asc"
rpmkeys --dbpath "$work/rpmdb" --define '_pkgverify_level signature' --checksig "$work/$rpm_name" > /dev/null \
  || fail "the served RPM's signature does not verify"
[ "$(podman exec pkgops-demo-repo sh -c "ls $yum/packages" | grep -c '^hello-world-.*\.noarch\.rpm$')" = 1 ] \
  || fail "the yum repository serves more than one hello-world binary RPM"

# the targets run 1.1.0, installed from the repositories (apt and dnf check the signatures themselves)
for host in pkgops-demo-debian pkgops-demo-el; do
  podman exec "$host" python3 -c 'import urllib.request; print(urllib.request.urlopen("http://127.0.0.1:8080/health").read().decode())' \
    | grep -q '"version": "1.1.0"' || fail "$host does not run 1.1.0"
done
podman exec pkgops-demo-debian apt-get update -q > "$work/apt-update.log" 2>&1 || { cat "$work/apt-update.log"; fail "apt-get update fails on the Debian target"; }
! grep -qi 'W: \|not signed\|NO_PUBKEY' "$work/apt-update.log" || { cat "$work/apt-update.log"; fail "apt warns"; }
podman exec pkgops-demo-el dnf -q makecache --refresh > /dev/null || fail "dnf makecache (repo_gpgcheck) fails on the EL target"
echo "kill-release: complete and correct after $killed kills: tag, commit, manifest, signed repositories, targets on 1.1.0"
