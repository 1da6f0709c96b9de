#!/usr/bin/env bash
# Run every integration target (tests/integration/targets/<name>/tasks/main.yml) as a role
# on localhost with ansible-playbook. Pass target names to run only those. Each target also has
# an aliases file for ansible-test integration --local (see tests/collection.sh).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export ANSIBLE_ROLES_PATH="$here/targets"
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
  # setup_* targets only carry files for the others (needs/target/ in their aliases); ansible-test hides them too
  for d in "$here"/targets/*/; do [[ $(basename "$d") == setup_* ]] || targets+=("$(basename "$d")"); done
fi
play=$(mktemp --suffix=.yml)
trap 'rm -f "$play"' EXIT
for target in "${targets[@]}"; do
  echo "--- integration target $target"
  cat > "$play" <<YAML
- name: Integration target $target
  hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  roles:
    - $target
YAML
  ansible-playbook -i localhost, "$play"
done
