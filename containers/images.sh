#!/usr/bin/env bash
# Build (or reuse) the offline test images of pkgops.release:
#   localhost/pkgops-debian12  Debian 12 with systemd as PID 1, python3 and an OpenSSH server that is
#                              off until playbooks/demo_up.yml gives a container its own host keys
#   localhost/pkgops-el9       an EL-family stand-in: the same Debian userland plus rpm, dnf and
#                              an rpmdb that provides the base system, presenting itself as
#                              Rocky Linux 9 (see containers/README.md for what it does not prove)
# No registry is reachable here, so the root filesystems come from debootstrap. Each rootfs
# tarball is cached under ~/.cache/pkgops-release/images keyed by a hash of this recipe and
# rebuilt only when the recipe changes; the podman image carries the same hash as a label.
# Usage: containers/images.sh [--fresh] [debian12|el9 ...]   (default: both)
#   --fresh   rebuild from scratch with debootstrap and import, even when the podman image
#             carries the current hash and a cached tarball exists (tests/fresh.sh uses it)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fresh=0
names=()
for arg in "$@"; do
  case "$arg" in
    --fresh) fresh=1 ;;
    debian12|el9) names+=("$arg") ;;
    *) printf 'images: unknown argument %s\nusage: %s [--fresh] [debian12|el9 ...]\n' "$arg" "$0" >&2; exit 2 ;;
  esac
done
[ "${#names[@]}" -gt 0 ] || names=(debian12 el9)
export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/containers.conf}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/pkgops-release/images"
mkdir -p "$cache/debs"

log() { printf 'images: %s\n' "$*" >&2; }

mirror() {  # the Debian mirror this machine's apt uses
  local uri
  uri=$(grep -rhs -E '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/ \
        | sed -E 's/^URIs: *//; s/^deb +(\[[^]]*\] +)?//; s/ .*//' | grep -E '/debian/?$' | head -n 1 || true)
  [ -n "$uri" ] || { log "no Debian mirror found in this machine's apt sources"; return 1; }
  echo "$uri"
}

base_pkgs=systemd,systemd-sysv,dbus,python3,python3-apt,iproute2,procps,ca-certificates,openssh-server
el_pkgs=rpm,dnf,python3-dnf

recipe_hash() {  # name -> hash of everything that shapes the image
  { cat "${BASH_SOURCE[0]}"; echo "$1"; } | sha256sum | cut -c1-16
}

debootstrap_rootfs() {  # rootfs extra-packages
  local rootfs=$1 extra=$2
  if ! debootstrap --variant=minbase --cache-dir="$cache/debs" --include="$base_pkgs${extra:+,$extra}" \
      bookworm "$rootfs" "$(mirror)" > "$cache/debootstrap.log" 2>&1; then
    tail -n 20 "$cache/debootstrap.log" >&2
    log "debootstrap failed; the whole log is $cache/debootstrap.log"
    return 1
  fi
  : > "$rootfs/etc/machine-id"
  rm -f "$rootfs/var/lib/dbus/machine-id"
  # No host keys in the image (each container makes its own when it is reached over SSH) and sshd off
  # until then: playbooks/demo_up.yml starts it with the key it authorizes.
  rm -f "$rootfs"/etc/ssh/ssh_host_*
  rm -f "$rootfs"/etc/systemd/system/multi-user.target.wants/ssh.service "$rootfs"/etc/systemd/system/sshd.service
  # No apt lists in the image: tests that need packages bring their own repositories.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
}

el_provides_rpm() {  # rootfs -> builds and installs the "everything Debian has" RPM
  local rootfs=$1 top
  top=$(mktemp -d)
  local spec="$top/pkgops-el-base.spec"
  {
    echo "Name: pkgops-el-base"
    echo "Version: 9.4"
    echo "Release: 1"
    echo "Summary: What the Debian userland of the EL test image provides"
    echo "License: MIT"
    echo "BuildArch: noarch"
    echo "AutoReqProv: no"
    # EL names that packages require, provided by the Debian packages underneath.
    for p in glibc bash coreutils shadow-utils systemd systemd-libs python3 python3-libs \
             python3-setuptools python3-dnf python3-rpm rpm dnf filesystem setup util-linux \
             procps-ng iproute ca-certificates openssl-libs; do
      echo "Provides: $p = 9.4"
    done
    echo "Provides: python(abi) = 3.11"
    echo "Provides: python3dist(setuptools) = 66.1.1"
    echo "Provides: system-release = 9.4"
    dpkg-query --admindir="$rootfs/var/lib/dpkg" -W -f='${Package}\n' | sed 's/^/Provides: /'
    for d in usr/bin usr/sbin; do
      for f in "$rootfs/$d"/*; do
        echo "Provides: /$d/$(basename "$f")"
        echo "Provides: /${d#usr/}/$(basename "$f")"
      done
    done
    printf '\n%%description\nProvides the Debian base system of the EL-family test image to rpm and dnf.\n\n%%files\n'
  } > "$spec"
  rpmbuild --quiet -bb --define "_topdir $top" --define "_rpmdir $top/out" "$spec" >/dev/null
  cp "$top"/out/noarch/pkgops-el-base-9.4-1.noarch.rpm "$rootfs/tmp/"
  chroot "$rootfs" rpm -i --nodeps /tmp/pkgops-el-base-9.4-1.noarch.rpm
  rm -rf "$top" "$rootfs/tmp/pkgops-el-base-9.4-1.noarch.rpm"
}

el_configure() {  # rootfs
  local rootfs=$1
  mkdir -p "$rootfs/etc/rpm" "$rootfs/etc/dnf/vars" "$rootfs/etc/yum.repos.d" "$rootfs/var/lib/rpm"
  echo '%_dbpath /var/lib/rpm' > "$rootfs/etc/rpm/macros"
  chroot "$rootfs" rpm --initdb
  echo 9 > "$rootfs/etc/dnf/vars/releasever"
  echo 'Rocky Linux release 9.4 (Blue Onyx)' > "$rootfs/etc/redhat-release"
  rm -f "$rootfs/etc/os-release"
  cat > "$rootfs/etc/os-release" <<'EOF'
NAME="Rocky Linux"
VERSION="9.4 (Blue Onyx)"
ID="rocky"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.4"
PLATFORM_ID="platform:el9"
PRETTY_NAME="Rocky Linux 9.4 (Blue Onyx) - pkgops.release test stand-in on Debian 12"
EOF
  # Debian's python does not look in Fedora's sitelib, where RPMs install Python code.
  echo /usr/lib/python3.11/site-packages > "$rootfs/usr/lib/python3/dist-packages/fedora-sitelib.pth"
  mkdir -p "$rootfs/usr/lib/python3.11/site-packages"
  el_provides_rpm "$rootfs"
}

build_one() {  # name
  local name=$1 hash image tarball
  hash=$(recipe_hash "$name")
  image="localhost/pkgops-$name"
  tarball="$cache/pkgops-$name-$hash.tar"
  if [ "$fresh" -eq 0 ] && [ "$(podman image inspect --format '{{ index .Labels "pkgops.recipe" }}' "$image" 2>/dev/null || true)" = "$hash" ]; then
    log "$image is current ($hash)"
    return
  fi
  if [ "$fresh" -eq 1 ] || [ ! -f "$tarball" ]; then
    local rootfs why="a few minutes, once"
    [ "$fresh" -eq 0 ] || why="--fresh"
    log "building the $name root filesystem with debootstrap ($why)"
    rootfs=$(mktemp -d "$cache/rootfs-$name.XXXXXX")
    # shellcheck disable=SC2064
    trap "rm -rf '$rootfs'" RETURN
    case "$name" in
      debian12) debootstrap_rootfs "$rootfs" "" ;;
      el9) debootstrap_rootfs "$rootfs" "$el_pkgs"; el_configure "$rootfs" ;;
      *) log "unknown image $name"; return 1 ;;
    esac
    tar --numeric-owner --xattrs -C "$rootfs" -cf "$tarball.part" .
    mv "$tarball.part" "$tarball"
    rm -f "$cache"/pkgops-"$name"-*.tar.old
    find "$cache" -maxdepth 1 -name "pkgops-$name-*.tar" ! -name "$(basename "$tarball")" -delete
  fi
  log "importing $tarball as $image"
  podman import --quiet --change 'CMD ["/sbin/init"]' --change 'STOPSIGNAL SIGRTMIN+3' \
    --change 'ENV container=podman' --change "LABEL pkgops.recipe=$hash" "$tarball" "$image" >/dev/null
}

remove_untagged() {  # earlier builds that lost their name to a newer import and that no container uses
  local id
  for id in $(podman image ls --quiet --filter dangling=true --filter label=pkgops.recipe 2>/dev/null | sort -u); do
    podman image rm "$id" >/dev/null 2>&1 || true  # refused while a container uses it
  done
}

for n in "${names[@]}"; do build_one "$n"; done
remove_untagged
