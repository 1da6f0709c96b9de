#!/usr/bin/env bash
# The main job on the bundled example: release examples/hello-world as version 1.1.0
# (examples/demo/release-vars.yml) with playbooks/release.yml against the demo inventory -
# the build host is this machine, the repository host and the Debian and EL targets are
# containers (playbooks/demo_up.yml starts them). The example is released from a git working
# copy under .build/demo (made on the first run, in one step: copied and committed beside it,
# then moved into place), so the tracked example stays as it is and the release gets its commit
# and tag there. A re-run changes nothing. Extra arguments go to ansible-playbook;
# PKGOPS_DEMO_DIR moves the working copy. PKGOPS_DEMO_CONNECTION=ssh reaches the containers over
# SSH (examples/demo/ssh.yml: a key of the demo's own, host keys pinned, pipelining, ControlPersist)
# instead of podman exec.
# When a step fails (scripts/setup.sh, demo_up.yml, release.yml) the last line says where and
# why, and what to do next; each step's output is also written to log/ beside the working copy.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work="${PKGOPS_DEMO_DIR:-$top/.build/demo}"
logs="$work/log"
check=0
case " $* " in *" --check "*|*" -C "*) check=1 ;; esac
again="bash scripts/demo.sh"
[ "$#" -eq 0 ] || again+=$(printf ' %q' "$@")
step="" step_log=""

# One line from an ansible-playbook log (ansible's log_path format, or its plain output):
# the host, task and message (the result's "msg", or ansible's longer [ERROR] line that begins
# with it) of the last failure that the play recap counts, else the last [ERROR] line.
# Args: the log, what ran (for a line without a task), its exit code, what to do next.
explain_failure() {
  python3 - "$@" <<'PY'
import json, re, sys

path, what, rc, todo = sys.argv[1:5]
stamp = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ p=\d+ u=\S* n=\S+ [A-Z]+\| ")
try:
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = [stamp.sub("", line.rstrip("\n")) for line in f]
except OSError:
    lines = []
event = re.compile(r"^(fatal|failed): \[(.+?)\](?: \(item=(.*?)\))?(?:: (FAILED|UNREACHABLE)!)? => (.*)$")
task, error, events, errors, recap = None, "", [], [], None
for i, line in enumerate(lines):
    m = re.match(r"^(?:TASK|RUNNING HANDLER) \[(.*)\] \**$", line)
    if m:
        task, error = m.group(1), ""
        continue
    if line.startswith("PLAY RECAP"):
        recap = {}
        continue
    m = re.match(r"^(\S+) +: ok=\d+ +changed=\d+ +unreachable=(\d+) +failed=(\d+)", line)
    if m and recap is not None:
        recap[m.group(1)] = int(m.group(2)) + int(m.group(3))
        continue
    m = event.match(line)
    if m:
        following = next((x.strip() for x in lines[i + 1:] if x.strip()), "")
        if following != "...ignoring":
            events.append((m.group(2).split(" -> ")[0], task, m.group(3), m.group(5), i, error))
        error = ""
    elif line.startswith(("[ERROR]: ", "ERROR! ")):
        error = line.split(" ", 1)[1]
        errors.append(error)

def one_line(text):
    return " ".join(str(text).split())

def strip_prefixes(text):
    return re.sub(r"^(Task failed: )?((Module|Action) failed: )?", "", text.strip())

def message(rest, i, error):
    try:
        result, _ = json.JSONDecoder().raw_decode("\n".join([rest] + lines[i + 1:]))
    except ValueError:
        return rest, None
    if not isinstance(result, dict):
        return rest, None
    item = None
    for r in result.get("results") or []:  # a loop's summary: take the first failed item
        if isinstance(r, dict) and (r.get("failed") or r.get("unreachable")):
            result, item = r, r.get("item")
            break
    msg = result.get("msg")
    msg = "" if msg is None else msg if isinstance(msg, str) else json.dumps(msg)
    msg = strip_prefixes(msg)
    error = strip_prefixes(error)
    if msg and len(error) > len(msg) and error.startswith(msg.rstrip(".")):
        msg = error  # e.g. "Error executing command: [Errno 2] ..." for "Error executing command."
    detail = ""
    for key in ("stderr", "module_stderr", "stdout", "module_stdout"):
        value = result.get(key)
        if isinstance(value, str) and value.strip():
            detail = [x for x in value.strip().splitlines() if x.strip()][-1]
            break
    if detail and (not msg or msg == "non-zero return code" or msg.startswith("MODULE FAILURE")):
        msg = (msg.splitlines()[0] + ": " if msg else "") + detail
    return (msg or rest), item

failed_hosts = {h for h, n in (recap or {}).items() if n}
chosen = [e for e in events if not failed_hosts or e[0] in failed_hosts] or events
if chosen:
    host, task, item, rest, i, error = chosen[-1]
    msg, result_item = message(rest, i, error)
    item = item if item is not None else (None if result_item is None else one_line(result_item))
    where = f"failed on {host}"
    if task:
        role, _, name = task.rpartition(" : ")
        name = one_line(name)
        where += f' in task "{name if len(name) <= 80 else name[:77] + "..."}"'
        extras = [f"role {role.rsplit('.', 1)[-1]}"] if role else []
        if item and len(item) <= 40:
            extras.append(f"item {item}")
        if extras:
            where += f" ({', '.join(extras)})"
elif errors:
    where, msg = f"{what} failed", strip_prefixes(errors[-1])
else:
    where, msg = f"{what} failed (exit {rc}); its output is in {path}", ""
msg = one_line(msg)
room = max(80, 300 - len(f"demo: {where}:  - {todo}"))
if len(msg) > room:
    msg = msg[:room - 3].rstrip() + "..."
print(f"demo: {where}{': ' + msg if msg else ''} - {todo}")
PY
}

on_exit() {
  local rc=$? todo="fix that, then run $again again" line=""
  [ "$rc" -ne 0 ] && [ -n "$step" ] || return 0
  # SIGHUP, SIGINT, SIGTERM, or ansible-playbook's own exit code after Ctrl-C
  if [ "$rc" -eq 129 ] || [ "$rc" -eq 130 ] || [ "$rc" -eq 143 ] || { [ "$rc" -eq 99 ] && [[ $step == playbooks/* ]]; }; then
    todo="run $again again"
    [ "$step" != "playbooks/release.yml" ] || [ "$check" -eq 1 ] || todo+=": the release resumes where it stopped"
    echo "demo: interrupted in $step - $todo" >&2
    return 0
  fi
  case "$step" in
    scripts/setup.sh)
      line=$(grep -v '^[[:space:]]*$' "$step_log" 2>/dev/null | tail -n 1 | cut -c1-200 || true)
      echo "demo: scripts/setup.sh failed${line:+: $line} - $todo" >&2 ;;
    playbooks/*.yml)
      [ "$step" != "playbooks/release.yml" ] || [ "$check" -eq 1 ] || todo+=": the release resumes where it stopped"
      explain_failure "$step_log" "$step" "$rc" "$todo" >&2 \
        || echo "demo: $step failed (exit $rc); its output is in $step_log - $todo" >&2 ;;
    *)
      echo "demo: failed while $step (exit $rc) - $todo" >&2 ;;
  esac
}
trap on_exit EXIT
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM  # so that on_exit sees the signal

step="making $logs" step_log=""
mkdir -p "$logs"
if [ -z "${PKGOPS_SETUP_DONE:-}" ]; then  # scripts/test.sh has set up and activated the venv already
  step=scripts/setup.sh step_log="$logs/setup.log"
  # its stderr (where it says what it does and what failed) also goes to the log
  { bash "$top/scripts/setup.sh" 2>&1 1>&3 3>&- | tee "$step_log" >&2; } 3>&1
  # shellcheck disable=SC1091
  . "$top/.venv/bin/activate"
fi
export ANSIBLE_CONFIG="$top/ansible.cfg"
export CONTAINERS_CONF="$top/containers/containers.conf"
inv="$top/examples/demo/inventory.yml"
inventory=(-i "$inv")
case "${PKGOPS_DEMO_CONNECTION:-podman}" in
  podman) ;;
  ssh) inventory+=(-i "$top/examples/demo/ssh.yml") ;;
  *) echo "demo: PKGOPS_DEMO_CONNECTION is '$PKGOPS_DEMO_CONNECTION': set it to podman (the default) or ssh" >&2; exit 2 ;;
esac

# A working copy counts only once it has a commit; it is made beside its place and moved there,
# so an interrupted first run leaves no half-made copy behind.
step="making the git working copy $work/hello-world" step_log=""
if [ ! -d "$work/hello-world/.git" ] || ! git --git-dir="$work/hello-world/.git" rev-parse -q --verify HEAD >/dev/null; then
  rm -rf "$work"/.hello-world.new.*
  new=$(mktemp -d "$work/.hello-world.new.XXXXXX")
  cp -a "$top/examples/hello-world" "$new/hello-world"
  git -C "$new/hello-world" init -q -b main
  git -C "$new/hello-world" add -A
  git -C "$new/hello-world" -c user.name="pkgops.release demo" -c user.email=demo@example.com \
    commit -q -m "hello-world 1.0.0"
  rm -rf "$work/hello-world"
  mv "$new/hello-world" "$work/hello-world"
  rmdir "$new"
fi

# ansible-playbook writes its output to the terminal as usual and, through ANSIBLE_LOG_PATH,
# to a log that explain_failure reads.
step=playbooks/demo_up.yml step_log="$logs/demo_up.log"
rm -f "$step_log"
ANSIBLE_LOG_PATH="$step_log" ansible-playbook "${inventory[@]}" "$top/playbooks/demo_up.yml"
step=playbooks/release.yml step_log="$logs/release.log"
rm -f "$step_log"
ANSIBLE_LOG_PATH="$step_log" ansible-playbook "${inventory[@]}" "$top/playbooks/release.yml" \
  -e "@$top/examples/demo/release-vars.yml" -e "build_project_dir=$work/hello-world" "$@"

step="reporting the release" step_log=""
[ "$check" -eq 0 ] || exit 0
echo
echo "demo: released $work/hello-world ($(git -C "$work/hello-world" describe --tags 2>/dev/null || echo untagged))"
for host in pkgops-demo-debian pkgops-demo-el; do
  ip=$(podman inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$host")
  echo "demo: $host answers at http://$ip:8080/ - $(curl -fsS --max-time 5 "http://$ip:8080/" 2>&1 || true)"
  echo "demo:   its journal: podman exec $host journalctl -u hello-world"
done
echo "demo: remove the containers with: ansible-playbook -i examples/demo/inventory.yml playbooks/demo_down.yml"
