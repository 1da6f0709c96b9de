#!/usr/bin/env bash
# The README's main command, scripts/demo.sh, from a fresh working copy: the first run releases
# 1.1.0 of the example to the demo containers over podman exec (both targets answer, tag and
# manifest made); a second run, over SSH (PKGOPS_DEMO_CONNECTION=ssh, examples/demo/ssh.yml),
# changes nothing on any host; check mode of a new release, over SSH too, reports its changes and
# changes nothing. Then the build role alone on a project that has debian/changelog and a spec.
set -euo pipefail
work=$(mktemp -d)
export PKGOPS_DEMO_DIR="$work/demo"
trap 'ansible-playbook -i examples/demo/inventory.yml playbooks/demo_down.yml >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
project="$PKGOPS_DEMO_DIR/hello-world"
# "host changed failed" of each host in the last play recap (the release's, not demo_up's)
recap() {
  awk '/^PLAY RECAP/ { block = "" } { block = block $0 "\n" } END { printf "%s", block }' | sed -n 's/^\([a-z0-9.-]*\) *: ok=[0-9]* *changed=\([0-9]*\).*failed=\([0-9]*\).*/\1 \2 \3/p' | sort
}
fail() { echo "demo: $*" >&2; exit 1; }

ansible-playbook -i examples/demo/inventory.yml playbooks/demo_down.yml > /dev/null  # start from fresh containers

bash scripts/demo.sh > "$work/first.log" 2>&1 || { cat "$work/first.log"; fail "first run failed"; }
recap < "$work/first.log" | tee "$work/first.recap"
[ "$(awk '$3 != 0' "$work/first.recap")" = "" ] || fail "first run: a host failed"
[ "$(awk '$1 != "pkgops-demo-repo" && $2 == 0' "$work/first.recap" | grep -c . || true)" = 0 ] \
  || fail "first run: a host (other than the repository host) changed nothing"
for host in pkgops-demo-debian pkgops-demo-el; do
  grep -Eq "^demo: $host answers at http://[0-9.]+:8080/ - Hello, world!$" "$work/first.log" \
    || fail "$host does not answer as the demo says"
done
[ "$(git -C "$project" cat-file -t v1.1.0)" = tag ] || fail "no annotated tag v1.1.0"
manifest="$project/dist/hello-world-1.1.0.manifest.json"
deb="$project/dist/deb/hello-world_1.1.0-1_all.deb"
python3 - "$manifest" "$deb" <<'PY' || fail "the manifest does not describe the .deb"
import hashlib, json, os, sys
m = json.load(open(sys.argv[1]))
art = {a["name"]: a for a in m["artifacts"]}[os.path.basename(sys.argv[2])]
assert art["sha256"] == hashlib.sha256(open(sys.argv[2], "rb").read()).hexdigest(), art
assert art["published"] == ["http://pkgops-demo-repo:8081 bookworm main"], art
assert m["version"] == "1.1.0" and m["tag"] == "v1.1.0" and set(m["steps"]) == {"version", "build", "publish", "deploy"}
PY

# The manifest is signed with the apt repository's published key, and verify.yml finds every artifact's
# bytes in every repository it was published to - and names a .deb changed there afterwards.
[ -s "$manifest.asc" ] || fail "the manifest is not signed"
podman exec pkgops-demo-repo cat /srv/pkgops/apt/current/public/archive-keyring.gpg > "$work/archive-keyring.gpg"
gpgv --keyring "$work/archive-keyring.gpg" "$manifest.asc" "$manifest" || fail "the manifest's signature does not verify with the published key"
podman exec pkgops-demo-repo mkdir -p /tmp/verify
for f in "$manifest" "$manifest.asc" "$project"/dist/*.cdx.json; do podman cp "$f" pkgops-demo-repo:/tmp/verify/; done
verify() {
  ansible-playbook -i examples/demo/inventory.yml playbooks/verify.yml -e verify_hosts=pkgops-demo-repo \
    -e verify_manifest=/tmp/verify/hello-world-1.1.0.manifest.json \
    -e '{"verify_keys": ["/srv/pkgops/apt/current/public/archive-keyring.gpg", "/srv/pkgops/yum/current/RPM-GPG-KEY-pkgops"]}'
}
verify > "$work/verify.log" 2>&1 || { cat "$work/verify.log"; fail "verify.yml failed on the published release"; }
pooled=/srv/pkgops/apt/current/public/pool/main/h/hello-world/hello-world_1.1.0-1_all.deb
podman exec pkgops-demo-repo sh -c "cp $pooled /tmp/deb.bak && printf x >> $pooled"
if verify > "$work/verify-bad.log" 2>&1; then fail "verify.yml missed a tampered .deb"; fi
grep -q "hello-world_1.1.0-1_all.deb at http://pkgops-demo-repo:8081/pool/main/h/hello-world/hello-world_1.1.0-1_all.deb: expected sha256" \
  "$work/verify-bad.log" || { cat "$work/verify-bad.log"; fail "verify.yml does not name the tampered .deb"; }
podman exec pkgops-demo-repo sh -c "cp /tmp/deb.bak $pooled"
echo "demo: manifest signed (gpgv), verify.yml confirms the published release and names a tampered .deb"

export PKGOPS_DEMO_CONNECTION=ssh
started=$SECONDS
bash scripts/demo.sh > "$work/second.log" 2>&1 || { cat "$work/second.log"; fail "second run failed"; }
recap < "$work/second.log" | tee "$work/second.recap"
[ "$(awk '$2 != 0 || $3 != 0' "$work/second.recap")" = "" ] || fail "second run: something changed or failed"
echo "demo: second run, over SSH, unchanged on every host in $((SECONDS - started)) s"

# A host changed by hand is not confirmed (pkgops.release.host_state): the next run repairs it there and only
# there, and the run after that changes nothing again.
podman exec pkgops-demo-debian systemctl stop hello-world
podman exec pkgops-demo-el sh -c 'echo "# edited by hand" >> /etc/sysconfig/hello-world'
podman exec pkgops-demo-repo rm /etc/nginx/conf.d/pkgops-yum.conf
bash scripts/demo.sh > "$work/repair.log" 2>&1 || { cat "$work/repair.log"; fail "repair run failed"; }
recap < "$work/repair.log" | tee "$work/repair.recap"
[ "$(awk '$3 != 0' "$work/repair.recap")" = "" ] || fail "repair run: a host failed"
grep -q "^localhost 0 " "$work/repair.recap" || fail "repair run: the build host changed"
for host in pkgops-demo-debian pkgops-demo-el pkgops-demo-repo; do
  grep -q "^$host [1-9]" "$work/repair.recap" || fail "repair run: $host was confirmed although it was changed by hand"
done
podman exec pkgops-demo-debian systemctl is-active --quiet hello-world || fail "repair run: the Debian target's service is not running"
if podman exec pkgops-demo-el grep -q "edited by hand" /etc/sysconfig/hello-world; then fail "repair run: the EL target's environment file kept the edit"; fi
podman exec pkgops-demo-repo test -s /etc/nginx/conf.d/pkgops-yum.conf || fail "repair run: the yum site's server block is still missing"
bash scripts/demo.sh > "$work/repaired.log" 2>&1 || { cat "$work/repaired.log"; fail "run after the repair failed"; }
recap < "$work/repaired.log" > "$work/repaired.recap"
[ "$(awk '$2 != 0 || $3 != 0' "$work/repaired.recap")" = "" ] || { cat "$work/repaired.recap"; fail "the run after the repair changed something"; }
echo "demo: hosts changed by hand (a stopped service, an edited environment file, a removed server block) repaired, then confirmed"

head=$(git -C "$project" rev-parse HEAD)
cp "$manifest" "$work/manifest.before"
bash scripts/demo.sh --check --diff -e build_version=1.2.0 > "$work/check.log" 2>&1 || { cat "$work/check.log"; fail "check run failed"; }
recap < "$work/check.log" | tee "$work/check.recap"
[ "$(awk '$3 != 0' "$work/check.recap")" = "" ] || fail "check run: a host failed"
grep -q '^localhost [1-9]' "$work/check.recap" || fail "check run: the build host reports no change"
if ! grep -q "^pkgops-demo-el 1 " "$work/check.recap" || ! grep -q "^pkgops-demo-repo 1 " "$work/check.recap"; then
  fail "check run: the repository host or the EL target does not report its change"
fi
grep -q '^+version = "1.2.0"$' "$work/check.log" || fail "check run: no diff of the version"
grep -q 'would install hello-world 1.2.0' "$work/check.log" || fail "check run: the deployment is not shown"
grep -q '^version = "1.1.0"$' "$project/pyproject.toml" || fail "check run changed pyproject.toml"
if [ "$(git -C "$project" rev-parse HEAD)" != "$head" ] || [ -n "$(git -C "$project" tag -l v1.2.0)" ] \
   || [ -n "$(git -C "$project" status --porcelain --untracked-files=no)" ]; then
  fail "check run changed the checkout"
fi
if ! cmp -s "$manifest" "$work/manifest.before" || [ -e "$project/dist/hello-world-1.2.0.manifest.json" ]; then
  fail "check run wrote a manifest"
fi
podman exec pkgops-demo-el python3 -c 'import urllib.request; print(urllib.request.urlopen("http://127.0.0.1:8080/health").read().decode())' \
  | grep -q '"version": "1.1.0"' \
  || fail "check run changed the running service"

# The build role alone: a project that has debian/changelog and a spec gets the same words in all three.
cp -a examples/hello-world "$work/packaged"
mkdir "$work/packaged/debian"
cp tests/integration/targets/changelog_entry/files/hello.spec "$work/packaged/"
printf 'hello-world (1.0.0-1) unstable; urgency=medium\n\n  * First release\n\n -- A <a@example.com>  Mon, 02 Nov 2026 10:00:00 +0000\n' \
  > "$work/packaged/debian/changelog"
packaged() {
  ansible-playbook -i localhost, tests/build_role.yml -e @examples/demo/release-vars.yml -e "build_project_dir=$work/packaged" \
    -e "ansible_python_interpreter=$(command -v python3)" | recap
}
[ "$(packaged)" = "localhost 2 0" ] || fail "build role: expected two changes"
grep -q '^\* Answer HEAD requests as well as GET$' "$work/packaged/CHANGELOG.rst"
head -n 3 "$work/packaged/debian/changelog" | diff - <(printf 'hello-world (1.1.0-1) unstable; urgency=medium\n\n  * Answer HEAD requests as well as GET\n')
grep -A1 '^\* Wed Nov 25 2026 .* - 1.1.0-1$' "$work/packaged/hello.spec" | grep -q '^- Answer HEAD requests as well as GET$'
dpkg-parsechangelog -l "$work/packaged/debian/changelog" -S Version | grep -qx '1.1.0-1'
[ "$(packaged)" = "localhost 0 0" ] || fail "build role: the re-run changed something"
echo "demo: released 1.1.0 to both targets (tag, manifest), re-run unchanged, check mode of 1.2.0 changed nothing; build role alone wrote one list of changes to three changelogs"
