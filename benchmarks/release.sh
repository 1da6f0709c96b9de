#!/usr/bin/env bash
# The whole release with playbooks/release.yml on the demo inventory, against the same steps as
# a bare shell script. Prints the seconds of:
#   first    release 1.1.0 of the example onto fresh demo containers (includes setting up the
#            repository host: nginx, reprepro, createrepo-c, keys; and the targets' clients)
#   no-op    the same release again (nothing built, published or restarted)
#   next     release 1.2.0 onto the set-up hosts (build, lint, publish, sign, upgrade, health check)
#   bare     release 1.3.0 onto the same hosts by hand: python -m build, dpkg-buildpackage,
#            rpm -i of the source RPM, rpmbuild, reprepro, rpmsign + createrepo_c + gpg, apt-get and dnf install,
#            systemctl restart, curl - with the debian/ and spec the collection generated for
#            1.2.0 and the repositories' own keys, into separate repositories (ports 9081, 9083).
#            Not in it: lintian, rpmlint, twine check, the Python index, signature checks
#            before publishing, atomic switching, rollback copies, reproducibility settings.
# and the ratios. Starts the demo containers and removes them at the end.
# Run from a checkout after scripts/setup.sh:  bash benchmarks/release.sh
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
# shellcheck disable=SC1091
. .venv/bin/activate
export ANSIBLE_CONFIG="$top/ansible.cfg" CONTAINERS_CONF="$top/containers/containers.conf"
inv=examples/demo/inventory.yml
work=$(mktemp -d)
down() { ansible-playbook -i "$inv" playbooks/demo_down.yml >/dev/null 2>&1 || true; }
trap 'down; rm -rf "$work"' EXIT
trap 'echo "benchmark: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

project="$work/hello-world"
cp -a examples/hello-world "$project"
git -C "$project" init -q -b main
printf 'dist/\n' > "$project/.gitignore"
git -C "$project" add -A
git -C "$project" -c user.name=Bench -c user.email=bench@example.com commit -q -m "hello-world 1.0.0"
release() {
  ansible-playbook -i "$inv" playbooks/release.yml -e @examples/demo/release-vars.yml \
    -e "build_project_dir=$project" -e "release_stage_dir=$work/stage" "$@" > "$work/last.log" 2>&1 \
    || { tail -40 "$work/last.log"; exit 1; }
}

down
ansible-playbook -i "$inv" playbooks/demo_up.yml > /dev/null
t=$(now); release; first=$(since "$t")
t=$(now); release; noop=$(since "$t")
grep -Eq '^(localhost|pkgops-demo-[a-z]+) +: ok=[0-9]+ +changed=0 ' "$work/last.log"
t=$(now); release -e build_version=1.2.0 -e '{"build_changes": ["Release 1.2.0"]}'; next=$(since "$t")

# --- the bare script: release 1.3.0 by hand --------------------------------------------------
bare="$work/bare"
mkdir -p "$bare"
fpr() { podman exec pkgops-demo-repo gpg --homedir "$1" --list-secret-keys --with-colons | awk -F: '/^fpr/ { print $10; exit }'; }
apt_fpr=$(fpr /srv/pkgops/apt/gnupg)
yum_fpr=$(fpr /srv/pkgops/yum/gnupg)
# untimed set-up: empty repositories served by python's http.server, the targets pointed at them
podman exec pkgops-demo-repo sh -ec "
  mkdir -p /srv/bare/apt/conf /srv/bare/yum
  printf 'Codename: bookworm\nComponents: main\nArchitectures: amd64 source\nAlsoAcceptFor: unstable\nSignWith: $apt_fpr\n' > /srv/bare/apt/conf/distributions
  systemd-run -q --unit bare-apt python3 -m http.server 9081 -d /srv/bare/apt
  systemd-run -q --unit bare-yum python3 -m http.server 9083 -d /srv/bare/yum"
podman exec pkgops-demo-debian sh -ec "printf 'Types: deb\nURIs: http://pkgops-demo-repo:9081\nSuites: bookworm\nComponents: main\nSigned-By: /etc/apt/keyrings/pkgops.asc\n' > /etc/apt/sources.list.d/bare.sources"
podman exec pkgops-demo-el sh -ec "printf '[bare]\nname=bare\nbaseurl=http://pkgops-demo-repo:9083/\ngpgcheck=1\nrepo_gpgcheck=1\ngpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-pkgops\nskip_if_unavailable=0\n' > /etc/yum.repos.d/bare.repo"
# what rpm_build adds on a Debian build host: Fedora's Python macros and their installer helper
python - "$bare" <<'PY'
import os, sys
sys.path.insert(0, ".venv/collections")
from ansible_collections.pkgops.release.plugins.module_utils._rpm import MACROS, PYPROJECT_HELPER
open(os.path.join(sys.argv[1], "pkgops-debian.macros"), "w").write(MACROS)
open(os.path.join(sys.argv[1], "pkgops-pyproject.py"), "w").write(PYPROJECT_HELPER)
PY

t=$(now)
src="$bare/hello-world-1.3.0"
git -C "$project" archive --prefix=hello-world-1.3.0/ HEAD | tar -x -C "$bare"
sed -i 's/^version = .*/version = "1.3.0"/' "$src/pyproject.toml"
python -m build -q --sdist --wheel --outdir "$bare/python" "$src" > "$bare/build.log" 2>&1
# Debian: the debian/ of 1.2.0, a dch entry, an orig tarball, dpkg-buildpackage
tar -C "$bare" -czf "$bare/hello-world_1.3.0.orig.tar.gz" hello-world-1.3.0
tar -C "$src" -xJf "$project/dist/deb/hello-world_1.2.0-1.debian.tar.xz"
(cd "$src" && DEBEMAIL=bench@example.com DEBFULLNAME=Bench dch -v 1.3.0-1 -D unstable "Release 1.3.0" \
  && env PATH=/usr/sbin:/usr/bin:/sbin:/bin dpkg-buildpackage -us -uc > "$bare/deb.log" 2>&1)  # Debian's python3, not a venv's
# RPM: the sources of the 1.2.0 source RPM, the spec at 1.3.0, rpmbuild
rpm -i --define "_topdir $bare/rpm" --define "_dbpath $bare/rpmdb" "$project/dist/rpm/hello-world-1.2.0-1.src.rpm" 2>/dev/null
rm "$bare/rpm/SOURCES/hello-world-1.2.0.tar.gz"
cp "$bare/pkgops-pyproject.py" "$bare/rpm/SOURCES/"
tar -C "$bare" -czf "$bare/rpm/SOURCES/hello-world-1.3.0.tar.gz" --exclude=debian hello-world-1.3.0
sed -i 's/^Version: .*/Version: 1.3.0/' "$bare/rpm/SPECS/hello-world.spec"
env PATH=/usr/sbin:/usr/bin:/sbin:/bin rpmbuild -ba --define "_topdir $bare/rpm" --load "$bare/pkgops-debian.macros" --nodeps \
  --define "_dbpath $bare/rpmdb" "$bare/rpm/SPECS/hello-world.spec" > "$bare/rpm.log" 2>&1
built=$(since "$t")
# publish: reprepro; rpmsign, createrepo_c, a detached signature of repomd.xml
t=$(now)
podman exec pkgops-demo-repo mkdir -p /tmp/bare-in
for f in "$bare"/hello-world_1.3.0-1* "$bare/hello-world_1.3.0.orig.tar.gz" "$bare"/rpm/RPMS/noarch/*.rpm "$bare"/rpm/SRPMS/*.rpm; do
  podman cp "$f" pkgops-demo-repo:/tmp/bare-in/
done
podman exec pkgops-demo-repo sh -ec "
  reprepro -b /srv/bare/apt --gnupghome /srv/pkgops/apt/gnupg include bookworm /tmp/bare-in/hello-world_1.3.0-1_amd64.changes >/dev/null
  cp /tmp/bare-in/*.rpm /srv/bare/yum/
  rpmsign --addsign --define '_gpg_path /srv/pkgops/yum/gnupg' --define '_gpg_name $yum_fpr' \
    --define '__gpg /usr/bin/gpg' --define '_gpg_digest_algo sha512' /srv/bare/yum/*.rpm >/dev/null
  createrepo_c -q --update /srv/bare/yum
  rm -f /srv/bare/yum/repodata/repomd.xml.asc
  gpg --homedir /srv/pkgops/yum/gnupg --batch -u '$yum_fpr' --armor --detach-sign /srv/bare/yum/repodata/repomd.xml"
published=$(since "$t")
# install and restart on both targets, then ask the health URL
t=$(now)
health() {
  podman exec "$1" python3 -c 'import time, urllib.request
for _ in range(50):
    try:
        print(urllib.request.urlopen("http://127.0.0.1:8080/health", timeout=2).read().decode()); break
    except OSError:
        time.sleep(0.2)'
}
podman exec pkgops-demo-debian sh -ec "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hello-world=1.3.0-1 >/dev/null
  systemctl restart hello-world" &
on_debian=$!
podman exec pkgops-demo-el sh -ec "dnf install -y -q --refresh hello-world-1.3.0-1 >/dev/null && systemctl restart hello-world" &
on_el=$!
wait "$on_debian" && wait "$on_el"
health pkgops-demo-debian | grep -q '"version": "1.3.0"'
health pkgops-demo-el | grep -q '"version": "1.3.0"'
deployed=$(since "$t")
bare_total=$(awk -v a="$built" -v b="$published" -v c="$deployed" 'BEGIN { printf "%.1f", a + b + c }')

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
printf '%-8s %8s\n' step seconds
printf '%-8s %8s\n' first "$first" no-op "$noop" next "$next" bare "$bare_total"
printf 'bare: build %s, publish %s, install and restart %s\n' "$built" "$published" "$deployed"
printf 'ratios: no-op/first %s, next/bare %s, no-op/next %s\n' "$(ratio "$noop" "$first")" "$(ratio "$next" "$bare_total")" \
  "$(ratio "$noop" "$next")"
