#!/usr/bin/env bash
# Set up everything pkgops.release needs on a Debian 12 machine (run as root):
#   - the Debian packages in requirements/apt.txt,
#   - a venv at .venv (from Debian's /usr/bin/python3) with requirements/requirements.txt
#     pinned by requirements/constraints.txt,
#   - the collections in requirements/collections.txt, unpacked from the 'ansible' wheel
#     on PyPI into .venv/collections (Ansible Galaxy is not needed),
#   - a local stand-in for the get-pip download that ansible-test sanity makes,
#   - the wheels of devpi-server, pypiserver and twine (requirements/index-servers.txt),
#   - the container images of the test bed (containers/images.sh, cached under ~/.cache).
# Safe to re-run; a run with nothing to do takes about a second.
#   --refreeze   re-resolve requirements.txt and rewrite constraints.txt
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
venv="$top/.venv"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/pkgops-release"
ansible_pkg='ansible==12.3.0'   # collections pinned with the wheel they come from
refreeze=0
[ "${1:-}" = "--refreeze" ] && refreeze=1

quiet_pip() { "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2); }
log() { printf 'setup: %s\n' "$*" >&2; }
names() { sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$1"; }

# 1. Debian packages: install only what is missing.
mapfile -t apt_pkgs < <(names requirements/apt.txt)
missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || { log "missing Debian packages ${missing[*]}: run as root"; exit 1; }
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. The venv. A stamp records what it was built from; a match means nothing to do.
stamp_src=$(cat requirements/requirements.txt requirements/constraints.txt; /usr/bin/python3 --version)
stamp=$(printf '%s' "$stamp_src" | sha256sum | cut -d' ' -f1)
if [ "$refreeze" -eq 1 ] || [ "$(cat "$venv/.pkgops-stamp" 2>/dev/null)" != "$stamp" ]; then
  [ -x "$venv/bin/python" ] || { log "creating $venv"; /usr/bin/python3 -m venv "$venv"; }
  if [ "$refreeze" -eq 1 ]; then
    "$venv/bin/pip" install -q -r requirements/requirements.txt
    { echo "# Pinned versions for the project venv: regenerate with scripts/setup.sh --refreeze."
      "$venv/bin/pip" freeze --all --exclude-editable; } > requirements/constraints.txt
  else
    log "installing Python requirements into $venv"
    quiet_pip "$venv/bin/pip" install -q -r requirements/requirements.txt -c requirements/constraints.txt
  fi
  stamp_src=$(cat requirements/requirements.txt requirements/constraints.txt; /usr/bin/python3 --version)
  printf '%s' "$stamp_src" | sha256sum | cut -d' ' -f1 > "$venv/.pkgops-stamp"
fi

# 3. Collections from the 'ansible' wheel (cached), unpacked once per list.
coll_dir="$venv/collections"
coll_stamp=$( (echo "$ansible_pkg"; cat requirements/collections.txt) | sha256sum | cut -d' ' -f1)
if [ "$(cat "$coll_dir/.pkgops-stamp" 2>/dev/null)" != "$coll_stamp" ]; then
  mkdir -p "$cache/wheels"
  wheel="$cache/wheels/${ansible_pkg/==/-}-py3-none-any.whl"
  if [ ! -f "$wheel" ]; then
    log "downloading the '$ansible_pkg' wheel (collections only) into $cache/wheels"
    quiet_pip "$venv/bin/pip" download -q --no-deps --only-binary=:all: -d "$cache/wheels" "$ansible_pkg"
  fi
  rm -rf "$coll_dir.new"
  mkdir -p "$coll_dir.new"
  globs=()
  while read -r c; do globs+=("ansible_collections/${c%%.*}/${c#*.}/*"); done < <(names requirements/collections.txt)
  log "unpacking ${#globs[@]} collections from $(basename "$wheel")"
  unzip -q "$wheel" "${globs[@]}" -d "$coll_dir.new"
  printf '%s\n' "$coll_stamp" > "$coll_dir.new/.pkgops-stamp"
  rm -rf "$coll_dir"
  mv "$coll_dir.new" "$coll_dir"
fi

# The collection itself, for ansible-playbook and ansible-doc run from this checkout.
mkdir -p "$coll_dir/ansible_collections/pkgops"
ln -sfn "$top" "$coll_dir/ansible_collections/pkgops/release"

# 4. ansible-test sanity fetches get-pip from a host that is not reachable; pip's own
#    ensurepip does the same job.
getpip="$HOME/.ansible/test/cache/get_pip_24_2.py"
if [ ! -f "$getpip" ]; then
  mkdir -p "$(dirname "$getpip")"
  printf '%s\n' '# Local stand-in for get-pip (written by pkgops.release scripts/setup.sh).' \
    'import ensurepip' 'ensurepip.bootstrap(upgrade=True)' > "$getpip"
fi
# 5. Wheels of the index servers (requirements/index-servers.txt) for repository hosts that
#    install them offline: index-servers.tar is the pypi_index role's pypi_index_wheelhouse.
wheelhouse="$cache/index-servers"
wh_stamp=$( (cat requirements/index-servers.txt; /usr/bin/python3 --version) | sha256sum | cut -d' ' -f1)
if [ "$(cat "$wheelhouse/.pkgops-stamp" 2>/dev/null)" != "$wh_stamp" ]; then
  log "downloading the index servers' wheels into $wheelhouse"
  rm -rf "$wheelhouse.new"
  quiet_pip "$venv/bin/pip" download -q --only-binary=:all: -d "$wheelhouse.new" -r requirements/index-servers.txt
  printf '%s\n' "$wh_stamp" > "$wheelhouse.new/.pkgops-stamp"
  rm -rf "$wheelhouse"
  mv "$wheelhouse.new" "$wheelhouse"
  # one file to hand to a host (ansible.builtin.unarchive) instead of one transfer per wheel
  tar --sort=name --mtime=@0 --owner=0 --group=0 -C "$wheelhouse" -cf "$wheelhouse.tar.part" .
  mv "$wheelhouse.tar.part" "$wheelhouse.tar"
fi

# 6. The offline container images of the test bed (cached; see containers/README.md).
CONTAINERS_CONF="$top/containers/containers.conf" bash "$top/containers/images.sh"

log "ready: . .venv/bin/activate"
