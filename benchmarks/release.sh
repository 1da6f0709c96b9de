#!/usr/bin/env bash
# The release's speed, printed as one table with the goal beside each figure:
#   first    release 1.1.0 of the example onto fresh demo containers (includes setting up the
#            repository host: nginx, reprepro, createrepo-c, keys; and the targets' clients)
#   no-op    the same release again (nothing built, published or restarted), as a share of first
#   next     release 1.2.0 onto the set-up hosts (build, lint, publish, sign, upgrade, health check),
#            against
#   bare     release 1.3.0 onto the same hosts by hand: python -m build, dpkg-buildpackage,
#            rpm -i of the source RPM, rpmbuild, reprepro, rpmsign + createrepo_c + gpg, apt-get and dnf install,
#            systemctl restart, curl - with the debian/ and spec the collection generated for
#            1.2.0 and the repositories' own keys, into separate repositories (ports 9081, 9083).
#            Not in it: the Python index, signature checks before publishing, atomic switching,
#            rollback copies, reproducibility settings; and, in a second figure, lintian, rpmlint
#            and twine check on its artifacts added to it ("bare+lint").
#   fan-out  the next release onto 1, 4 and 8 targets (half Debian, half EL-family containers of
#            their own, pkgops-fan-*), each against one target
#   apt/yum  one package published into repositories of 10,000 (benchmarks/apt_publish.py and
#            benchmarks/yum_publish.py, the median of 3 runs)
# each for the connections asked for: podman (podman exec) and ssh (examples/demo/ssh.yml: OpenSSH
# with ControlPersist and pipelining). Starts the containers it needs and removes them at the end.
# Run from a checkout after scripts/setup.sh:
#   bash benchmarks/release.sh [--connections podman,ssh] [--fanout 1,4,8] [--no-fanout] [--no-publish]
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
# shellcheck disable=SC1091
. .venv/bin/activate
export ANSIBLE_CONFIG="$top/ansible.cfg" CONTAINERS_CONF="$top/containers/containers.conf"
connections=podman,ssh sizes=1,4,8 publish=1
while [ "$#" -gt 0 ]; do
  case "$1" in
    --connections) connections=$2; shift 2 ;;
    --fanout) sizes=$2; shift 2 ;;
    --no-fanout) sizes=""; shift ;;
    --no-publish) publish=0; shift ;;
    *) echo "usage: $0 [--connections podman,ssh] [--fanout 1,4,8] [--no-fanout] [--no-publish]" >&2; exit 2 ;;
  esac
done
work=$(mktemp -d)
inv=examples/demo/inventory.yml
down() {  # the demo containers and the fan-out's
  ansible-playbook -i "$inv" playbooks/demo_down.yml >/dev/null 2>&1 || true
  [ ! -f "$work/fan-8.yml" ] || ansible-playbook -i "$work/fan-8.yml" playbooks/demo_down.yml >/dev/null 2>&1 || true
}
trap 'down; rm -rf "$work"' EXIT
trap 'echo "benchmark: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

declare -A fig  # measure:connection -> figure

inventory() {  # connection [inventory file] -> ansible-playbook's inventory arguments
  printf -- '-i\n%s\n' "${2:-$inv}"
  [ "$1" = podman ] || printf -- '-i\nexamples/demo/ssh.yml\n'
}

new_project() {  # dir: the example in a git working copy of its own
  cp -a examples/hello-world "$1"
  git -C "$1" init -q -b main
  printf 'dist/\n' > "$1/.gitignore"
  git -C "$1" add -A
  git -C "$1" -c user.name=Bench -c user.email=bench@example.com commit -q -m "hello-world 1.0.0"
}

release() {  # inventory-args-file project stage [ansible-playbook arguments]
  local args=$1 proj=$2 stage=$3
  shift 3
  mapfile -t inv_args < "$args"
  ansible-playbook "${inv_args[@]}" playbooks/release.yml -e @examples/demo/release-vars.yml \
    -e "build_project_dir=$proj" -e "release_stage_dir=$stage" "$@" > "$work/last.log" 2>&1 \
    || { tail -40 "$work/last.log"; exit 1; }
}

unchanged() {  # the last run's recap: every host ok, nothing changed
  local lines
  lines=$(grep -E '^[a-z0-9.-]+ +: ok=' "$work/last.log")
  if [ -z "$lines" ] || grep -Evq ' changed=0 .* failed=0 ' <<< "$lines"; then
    echo "benchmark: the no-op run changed something:" >&2; echo "$lines" >&2; exit 1
  fi
}

measure() {  # connection: first, no-op, next and the bare script on the demo containers
  local conn=$1 t
  local project="$work/hello-world-$conn" args="$work/inv-$conn"
  inventory "$conn" > "$args"
  mapfile -t inv_args < "$args"
  new_project "$project"
  down
  ansible-playbook "${inv_args[@]}" playbooks/demo_up.yml > /dev/null
  echo "benchmark: $conn: first release, no-op, next release, bare script" >&2
  t=$(now); release "$args" "$project" "$work/stage-$conn"; fig[first:$conn]=$(since "$t")
  t=$(now); release "$args" "$project" "$work/stage-$conn"; fig[noop:$conn]=$(since "$t")
  unchanged
  t=$(now); release "$args" "$project" "$work/stage-$conn" -e build_version=1.2.0 -e '{"build_changes": ["Release 1.2.0"]}'
  fig[next:$conn]=$(since "$t")
  bare_script "$conn" "$project"
  down
}

bare_script() {  # connection project: release 1.3.0 by hand (untimed set-up first)
  local conn=$1 project=$2 t
  bare="$work/bare-$conn"
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
    podman exec "$1" python3 -c "$(printf '%s\n' 'import time, urllib.request' 'for _ in range(50):' '    try:' \
      '        print(urllib.request.urlopen("http://127.0.0.1:8080/health", timeout=2).read().decode()); break' \
      '    except OSError:' '        time.sleep(0.2)')"
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

  fig[bare:$conn]=$(awk -v a="$built" -v b="$published" -v c="$deployed" 'BEGIN { printf "%.1f", a + b + c }')
  fig[bare_parts:$conn]="build $built, publish $published, install and restart $deployed"
  # what the collection adds as gates, run by hand on the bare script's artifacts
  t=$(now)
  lintian --fail-on error "$bare"/hello-world_1.3.0-1_*.changes > /dev/null 2>&1 || true
  rpmlint "$bare"/rpm/RPMS/noarch/*.rpm "$bare"/rpm/SRPMS/*.rpm > /dev/null 2>&1 || true
  twine check "$bare"/python/* > /dev/null
  fig[lint:$conn]=$(since "$t")
}

fan_inventory() {  # targets -> an inventory of the fan-out containers: one repository host, N targets
  local n=$1 i
  printf 'all:\n  children:\n    build:\n      hosts:\n        localhost:\n'
  printf '          ansible_connection: local\n          ansible_python_interpreter: "{{ ansible_playbook_python }}"\n'
  printf '    containers:\n      vars:\n        ansible_connection: containers.podman.podman\n'
  printf '        ansible_python_interpreter: /usr/bin/python3\n        demo_network: pkgops-fan\n'
  printf '      children:\n        repo:\n          hosts:\n            pkgops-fan-repo:\n'
  printf '              demo_image: localhost/pkgops-debian12\n        targets:\n          hosts:\n'
  for i in $(seq 1 "$n"); do
    printf '            pkgops-fan-t%s:\n              demo_image: localhost/pkgops-%s\n' "$i" "$([ $((i % 2)) = 1 ] && echo debian12 || echo el9)"
  done
}

fanout() {  # connection: the next release onto 1, 4 and 8 targets, each after a first release onto all
  local conn=$1 n max=0 version=2 t
  local project="$work/fan-project-$conn"
  for n in ${sizes//,/ }; do [ "$n" -le "$max" ] || max=$n; done
  for n in ${sizes//,/ }; do fan_inventory "$n" > "$work/fan-$n.yml"; inventory "$conn" "$work/fan-$n.yml" > "$work/fan-inv-$n"; done
  fan_inventory "$max" > "$work/fan-8.yml"
  inventory "$conn" "$work/fan-8.yml" > "$work/fan-inv-all"
  mapfile -t inv_args < "$work/fan-inv-all"
  new_project "$project"
  ansible-playbook "${inv_args[@]}" playbooks/demo_up.yml > /dev/null
  echo "benchmark: $conn: fan-out onto ${sizes} targets" >&2
  release "$work/fan-inv-all" "$project" "$work/fan-stage-$conn"  # untimed: every target set up at 1.1.0
  for n in ${sizes//,/ }; do
    t=$(now)
    release "$work/fan-inv-$n" "$project" "$work/fan-stage-$conn" -e "build_version=1.$version.0" -e "{\"build_changes\": [\"Release 1.$version.0\"]}"
    fig[fan$n:$conn]=$(since "$t")
    version=$((version + 1))
  done
  ansible-playbook -i "$work/fan-8.yml" playbooks/demo_down.yml > /dev/null
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f", a / b }'; }

for conn in ${connections//,/ }; do
  case "$conn" in podman|ssh) ;; *) echo "benchmark: unknown connection $conn (podman, ssh)" >&2; exit 2 ;; esac
  measure "$conn"
  [ -z "$sizes" ] || fanout "$conn"
done
apt_ratio="-" yum_ratio="-"
if [ "$publish" = 1 ]; then
  echo "benchmark: publishing one package into 10,000 (apt, yum)" >&2
  apt_ratio=$(.venv/bin/python benchmarks/apt_publish.py --sizes 10000 --runs 3 | awk '$1 == 10000 { print $4 }')
  yum_ratio=$(.venv/bin/python benchmarks/yum_publish.py --sizes 10000 --runs 3 | awk '$1 == 10000 { print $4 }')
fi

row() {  # measure, goal, then one figure per connection
  local what=$1 goal=$2
  shift 2
  printf '%-46s' "$what"
  for v in "$@"; do printf ' %10s' "$v"; done
  printf '   %s\n' "$goal"
}
read -ra conns <<< "${connections//,/ }"
printf '%-46s' measure; for c in "${conns[@]}"; do printf ' %10s' "$c"; done; printf '   goal\n'
vals() { local key=$1 c; for c in "${conns[@]}"; do printf '%s\n' "${fig[$key:$c]:--}"; done; }
mapfile -t v < <(vals first); row "first release 1.1.0, s" "-" "${v[@]}"
mapfile -t v < <(vals noop); row "no-op re-run, s" "-" "${v[@]}"
v=(); for c in "${conns[@]}"; do v+=("$(ratio "${fig[noop:$c]:-}" "${fig[first:$c]:-}")"); done; row "no-op / first" "<= 0.10" "${v[@]}"
mapfile -t v < <(vals next); row "next release 1.2.0, s" "-" "${v[@]}"
mapfile -t v < <(vals bare); row "bare script 1.3.0, s" "-" "${v[@]}"
v=(); for c in "${conns[@]}"; do v+=("$(ratio "${fig[next:$c]:-}" "${fig[bare:$c]:-}")"); done; row "next / bare" "<= 2.0" "${v[@]}"
v=(); for c in "${conns[@]}"; do
  v+=("$(ratio "${fig[next:$c]:-}" "$(awk -v a="${fig[bare:$c]:-0}" -v b="${fig[lint:$c]:-0}" 'BEGIN { print a + b }')")")
done; row "next / (bare + lintian, rpmlint, twine check)" "<= 1.3" "${v[@]}"
if [ -n "$sizes" ]; then
  for n in ${sizes//,/ }; do mapfile -t v < <(vals "fan$n"); row "next release onto $n targets, s" "-" "${v[@]}"; done
  last=${sizes##*,} firstn=${sizes%%,*}
  v=(); for c in "${conns[@]}"; do v+=("$(ratio "${fig[fan$last:$c]:-}" "${fig[fan$firstn:$c]:-}")"); done
  row "$last targets / $firstn target" "<= 1.5" "${v[@]}"
fi
# the publishes run on this machine, without a connection: one figure under the first connection's column
row "apt: 1 .deb into 10,000 / reprepro includedeb" "<= 1.2 (no connection)" "$apt_ratio"
row "yum: 1 .rpm into 10,000 / rpmsign+createrepo_c" "<= 1.2 (no connection)" "$yum_ratio"
for c in "${conns[@]}"; do echo "bare ($c): ${fig[bare_parts:$c]:-}, lint ${fig[lint:$c]:-}"; done
