#!/usr/bin/env bash
# The roles through playbooks/release.yml on the bundled example, as scripts/demo.sh runs
# it: the first run releases 1.1.0, a second run changes nothing, and check mode on a new
# release reports a change and writes nothing.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -a examples/hello-world "$work/hello-world"
play() {
  ansible-playbook -i examples/demo/inventory.yml playbooks/release.yml \
    -e @examples/demo/release-vars.yml -e "build_project_dir=$work/hello-world" "$@"
}
recap() { sed -n 's/.*localhost *: ok=[0-9]* *changed=\([0-9]*\).*failed=\([0-9]*\).*/\1 \2/p'; }

first=$(play | tee "$work/first.log" | recap)
[ "$first" = "2 0" ] || { cat "$work/first.log"; echo "roles: first run: changed/failed = $first, expected 2 0" >&2; exit 1; }
grep -q '^version = "1.1.0"$' "$work/hello-world/pyproject.toml"
head -n 3 "$work/hello-world/CHANGELOG.rst" | diff - <(printf '1.1.0\n^^^^^\n25-Nov-2026\n')

second=$(play | recap)
[ "$second" = "0 0" ] || { echo "roles: second run: changed/failed = $second, expected 0 0" >&2; exit 1; }

cp "$work/hello-world/CHANGELOG.rst" "$work/before.rst"
check=$(play --check --diff -e build_version=1.2.0 | tee "$work/check.log" | recap)
[ "$check" = "2 0" ] || { cat "$work/check.log"; echo "roles: check run: changed/failed = $check, expected 2 0" >&2; exit 1; }
grep -q '^+1.2.0$' "$work/check.log"
cmp "$work/before.rst" "$work/hello-world/CHANGELOG.rst"
grep -q '^version = "1.1.0"$' "$work/hello-world/pyproject.toml"
# A project that has debian/changelog and a spec gets the same words in all three.
cp -a examples/hello-world "$work/packaged"
mkdir "$work/packaged/debian"
cp tests/integration/targets/changelog_entry/files/hello.spec "$work/packaged/"
printf 'hello-world (1.0.0-1) unstable; urgency=medium\n\n  * First release\n\n -- A <a@example.com>  Mon, 02 Nov 2026 10:00:00 +0000\n' \
  > "$work/packaged/debian/changelog"
packaged() {
  ansible-playbook -i examples/demo/inventory.yml playbooks/release.yml --limit build \
    -e @examples/demo/release-vars.yml -e "build_project_dir=$work/packaged"
}
[ "$(packaged | recap)" = "2 0" ]
grep -q '^\* Answer HEAD requests as well as GET$' "$work/packaged/CHANGELOG.rst"
head -n 3 "$work/packaged/debian/changelog" | diff - <(printf 'hello-world (1.1.0-1) unstable; urgency=medium\n\n  * Answer HEAD requests as well as GET\n')
grep -A1 '^\* Wed Nov 25 2026 .* - 1.1.0-1$' "$work/packaged/hello.spec" | grep -q '^- Answer HEAD requests as well as GET$'
dpkg-parsechangelog -l "$work/packaged/debian/changelog" -S Version | grep -qx '1.1.0-1'
[ "$(packaged | recap)" = "0 0" ]
echo "roles: release 1.1.0 applied, re-run unchanged, check mode of 1.2.0 wrote nothing; one list of changes in rst, debian/changelog and %changelog"
