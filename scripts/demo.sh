#!/usr/bin/env bash
# The main job on the bundled example: release examples/hello-world as version 1.1.0
# (examples/demo/release-vars.yml) with playbooks/release.yml against the demo inventory -
# the build host is this machine, the repository host and the Debian and EL targets are
# containers (playbooks/demo_up.yml starts them). The example is released from a git working
# copy under .build/demo (made on the first run), so the tracked example stays as it is and
# the release gets its commit and tag there. A re-run changes nothing. Extra arguments go to
# ansible-playbook; PKGOPS_DEMO_DIR moves the working copy.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ -z "${PKGOPS_SETUP_DONE:-}" ]; then  # scripts/test.sh has set up and activated the venv already
  bash "$top/scripts/setup.sh"
  # shellcheck disable=SC1091
  . "$top/.venv/bin/activate"
fi
export ANSIBLE_CONFIG="$top/ansible.cfg"
export CONTAINERS_CONF="$top/containers/containers.conf"
inv="$top/examples/demo/inventory.yml"

work="${PKGOPS_DEMO_DIR:-$top/.build/demo}"
if [ ! -d "$work/hello-world/.git" ]; then
  rm -rf "$work/hello-world"
  mkdir -p "$work"
  cp -a "$top/examples/hello-world" "$work/hello-world"
  git -C "$work/hello-world" init -q -b main
  git -C "$work/hello-world" add -A
  git -C "$work/hello-world" -c user.name="pkgops.release demo" -c user.email=demo@example.com \
    commit -q -m "hello-world 1.0.0"
fi
ansible-playbook -i "$inv" "$top/playbooks/demo_up.yml"
ansible-playbook -i "$inv" "$top/playbooks/release.yml" \
  -e "@$top/examples/demo/release-vars.yml" -e "build_project_dir=$work/hello-world" "$@"

case " $* " in *" --check "*|*" -C "*) exit 0 ;; esac
echo
echo "demo: released $work/hello-world ($(git -C "$work/hello-world" describe --tags 2>/dev/null || echo untagged))"
for host in pkgops-demo-debian pkgops-demo-el; do
  ip=$(podman inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$host")
  echo "demo: $host answers at http://$ip:8080/ - $(curl -fsS --max-time 5 "http://$ip:8080/" 2>&1 || true)"
  echo "demo:   its journal: podman exec $host journalctl -u hello-world"
done
echo "demo: remove the containers with: ansible-playbook -i examples/demo/inventory.yml playbooks/demo_down.yml"
