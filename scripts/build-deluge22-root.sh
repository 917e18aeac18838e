#!/usr/bin/env bash
# Builds (once) and prepares the Debian 13 "trixie" root whose deluged and deluge-web 2.2 the integration tests run
# with `chroot <root> deluged ...` besides the host's Debian 12 deluged 2.0.3.
#
#   bash scripts/build-deluge22-root.sh        # prints the root's path on its last line
#
# The root is cached in $DELUGE22_ROOT (default /var/cache/deluge-exporter/trixie-deluged), outside the
# clone, so CI's fresh clones reuse it; it is rebuilt only when its deluged is missing. The packages come
# from the Debian mirror this machine's apt sources name. Needs root (debootstrap, chroot, mount).
set -euo pipefail

root="${DELUGE22_ROOT:-/var/cache/deluge-exporter/trixie-deluged}"
marker="$root/.deluge-exporter-ready"

log() { echo "deluge 2.2 root: $*" >&2; }

if [[ "$(id -u)" != "0" ]]; then
  echo "error: building and using the Deluge 2.2 root needs root (debootstrap, chroot, mount proc)" >&2
  exit 1
fi

mirror_from_apt_sources() {
  local uri
  uri="$(
    {
      grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{ print $2 }'
      grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
        sed -E 's/^deb (\[[^]]*\] )?//' | awk '{ print $1 }'
    } | grep -v -- '-security' | head -n 1
  )"
  if [[ -z "$uri" ]]; then
    echo "error: no Debian mirror found in /etc/apt/sources.list*" >&2
    exit 1
  fi
  echo "$uri"
}

if [[ ! -f "$marker" ]]; then
  command -v debootstrap >/dev/null 2>&1 || {
    echo "error: debootstrap is missing: run bash scripts/ensure-system-deps.sh" >&2
    exit 1
  }
  mirror="$(mirror_from_apt_sources)"
  partial="$root.partial"
  umount "$partial/proc" 2>/dev/null || true
  rm -rf --one-file-system "$partial"
  mkdir -p "$(dirname "$root")"
  log "debootstrap --variant=minbase trixie from $mirror (about 30 s)"
  debootstrap --variant=minbase trixie "$partial" "$mirror" 2>&1 | grep -E '^I: (Retrieving|Validating|Extracting|Installing|Configuring) (Release|base|core)|^I: Base system installed|^E:' >&2 || true
  [[ -x "$partial/usr/bin/apt-get" ]] || { echo "error: debootstrap of trixie into $partial failed" >&2; exit 1; }
  log "apt-get install deluged inside the root"
  mount -t proc proc "$partial/proc"
  trap 'umount "$partial/proc" 2>/dev/null || true' EXIT
  chroot "$partial" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends deluged deluge-web \
    | grep -E '^(Setting up|E:)' >&2 || true
  chroot "$partial" deluged --version >/dev/null
  umount "$partial/proc"
  trap - EXIT
  chroot "$partial" dpkg-query -W -f '${Version}\n' deluged > "$partial/.deluge-exporter-ready"
  umount "$root/tmp" "$root/proc" 2>/dev/null || true
  rm -rf --one-file-system "$root"
  mv "$partial" "$root"
  log "built, deluged $(cat "$marker")"
fi

# deluged (Python, libtorrent) needs /proc, and the host's /tmp is bound to the root's /tmp so that a
# test daemon's directory has the same path inside and outside. Mounts do not survive a reboot: check.
if ! mountpoint -q "$root/proc"; then
  mount -t proc proc "$root/proc"
fi
if ! mountpoint -q "$root/tmp"; then
  mount --bind /tmp "$root/tmp"
fi

# deluge-web (the Web UI tests) joined later: a root cached before then gets it installed here.
if [[ ! -x "$root/usr/bin/deluge-web" ]]; then
  log "apt-get install deluge-web inside the root"
  chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends deluge-web \
    | grep -E '^(Setting up|E:)' >&2 || true
  chroot "$root" deluge-web --version >/dev/null
  log "deluge-web $(chroot "$root" dpkg-query -W -f '${Version}' deluge-web)"
fi
echo "$root"
