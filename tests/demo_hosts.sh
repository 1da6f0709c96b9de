#!/usr/bin/env bash
# The demo inventory's containers, reached with podman exec and then over SSH (examples/demo/ssh.yml):
# up (twice: the second changes nothing), every host answers with the OS family it stands for, reaches
# the others by name and is reached by the connection asked for, then down (twice). Over SSH, a
# client without the pinned host keys is refused.
set -euo pipefail
inv=examples/demo/inventory.yml
recap() { sed -n 's/.*localhost *: ok=[0-9]* *changed=\([0-9]*\).*failed=\([0-9]*\).*/\1 \2/p'; }
trap 'ansible-playbook -i "$inv" playbooks/demo_down.yml >/dev/null 2>&1 || true' EXIT
# tee >(cat >&2), not tee /dev/stderr: reopening /dev/stderr truncates (or, with -a, writes past) a log file that
# stderr goes to, where the whole run's log is; cat writes through the same descriptor as the rest of the run

for conn in podman ssh; do
  args=(-i "$inv")
  [ "$conn" = podman ] || args+=(-i examples/demo/ssh.yml)
  up1=$(ansible-playbook "${args[@]}" playbooks/demo_up.yml | tee >(cat >&2) | recap)
  if [ "$up1" = "0 0" ] || [ "${up1#* }" != "0" ]; then
    echo "demo-hosts ($conn): first up: changed/failed = $up1, expected some changes and no failure" >&2; exit 1
  fi
  up2=$(ansible-playbook "${args[@]}" playbooks/demo_up.yml | recap)
  [ "$up2" = "0 0" ] || { echo "demo-hosts ($conn): second up: changed/failed = $up2, expected 0 0" >&2; exit 1; }

  check=$(ansible-playbook "${args[@]}" tests/demo_hosts_check.yml | tee >(cat >&2) | sed -n 's/^pkgops-demo-[a-z]* *: .*failed=\([0-9]*\).*/\1/p' | sort -u)
  [ "$check" = "0" ] || { echo "demo-hosts ($conn): the hosts' checks failed" >&2; exit 1; }

  if [ "$conn" = ssh ]; then
    dir="${XDG_CACHE_HOME:-$HOME/.cache}/pkgops-release/demo-ssh"
    ssh -F "$dir/ssh_config" pkgops-demo-repo true || { echo "demo-hosts: ssh with the demo's config failed" >&2; exit 1; }
    if ssh -F "$dir/ssh_config" -o UserKnownHostsFile=/dev/null pkgops-demo-repo true 2>/dev/null; then
      echo "demo-hosts: a client without the pinned host key got in" >&2; exit 1
    fi
  fi

  down1=$(ansible-playbook "${args[@]}" playbooks/demo_down.yml | recap)
  [ "${down1%% *}" -gt 0 ] || { echo "demo-hosts ($conn): first down changed nothing" >&2; exit 1; }
  down2=$(ansible-playbook "${args[@]}" playbooks/demo_down.yml | recap)
  [ "$down2" = "0 0" ] || { echo "demo-hosts ($conn): second down: changed/failed = $down2, expected 0 0" >&2; exit 1; }
  [ -z "$(podman ps -a --format '{{.Names}}' | grep '^pkgops-demo-' || true)" ]
done
echo "demo-hosts: podman and ssh: up, up again unchanged, facts, names and connection right, host keys pinned, down, down again unchanged"
