#!/usr/bin/env bash
# The demo inventory's containers: up (twice: the second changes nothing), every host answers
# with the OS family it stands for and reaches the others by name, then down (twice).
set -euo pipefail
inv=examples/demo/inventory.yml
recap() { sed -n 's/.*localhost *: ok=[0-9]* *changed=\([0-9]*\).*failed=\([0-9]*\).*/\1 \2/p'; }
trap 'ansible-playbook -i "$inv" playbooks/demo_down.yml >/dev/null 2>&1 || true' EXIT
# tee >(cat >&2), not tee /dev/stderr: reopening /dev/stderr truncates (or, with -a, writes past) a log file that
# stderr goes to, where the whole run's log is; cat writes through the same descriptor as the rest of the run

up1=$(ansible-playbook -i "$inv" playbooks/demo_up.yml | tee >(cat >&2) | recap)
if [ "$up1" = "0 0" ] || [ "${up1#* }" != "0" ]; then
  echo "demo-hosts: first up: changed/failed = $up1, expected some changes and no failure" >&2; exit 1
fi
up2=$(ansible-playbook -i "$inv" playbooks/demo_up.yml | recap)
[ "$up2" = "0 0" ] || { echo "demo-hosts: second up: changed/failed = $up2, expected 0 0" >&2; exit 1; }

check=$(ansible-playbook -i "$inv" tests/demo_hosts_check.yml | tee >(cat >&2) | sed -n 's/^pkgops-demo-[a-z]* *: .*failed=\([0-9]*\).*/\1/p' | sort -u)
[ "$check" = "0" ] || { echo "demo-hosts: the hosts' checks failed" >&2; exit 1; }

down1=$(ansible-playbook -i "$inv" playbooks/demo_down.yml | recap)
[ "${down1%% *}" -gt 0 ] || { echo "demo-hosts: first down changed nothing" >&2; exit 1; }
down2=$(ansible-playbook -i "$inv" playbooks/demo_down.yml | recap)
[ "$down2" = "0 0" ] || { echo "demo-hosts: second down: changed/failed = $down2, expected 0 0" >&2; exit 1; }
[ -z "$(podman ps -a --format '{{.Names}}' | grep '^pkgops-demo-' || true)" ]
echo "demo-hosts: up, up again unchanged, facts and names right, down, down again unchanged"
