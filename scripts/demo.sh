#!/usr/bin/env bash
# The main job on the bundled example: release examples/hello-world as version 1.1.0
# (examples/demo/release-vars.yml) with playbooks/release.yml against the demo inventory.
# The example is released from a working copy under .build/demo, so the tracked example
# stays as it is; a re-run changes nothing. Extra arguments go to ansible-playbook.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$top/scripts/setup.sh"
# shellcheck disable=SC1091
. "$top/.venv/bin/activate"
export ANSIBLE_CONFIG="$top/ansible.cfg"

work="${PKGOPS_DEMO_DIR:-$top/.build/demo}"
if [ ! -d "$work/hello-world" ]; then
  mkdir -p "$work"
  cp -a "$top/examples/hello-world" "$work/hello-world"
fi
ansible-playbook -i "$top/examples/demo/inventory.yml" "$top/playbooks/release.yml" \
  -e "@$top/examples/demo/release-vars.yml" -e "build_project_dir=$work/hello-world" "$@"
echo "demo: released $work/hello-world; see $work/hello-world/CHANGELOG.rst"
