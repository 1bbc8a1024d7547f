#!/usr/bin/env bash
# Install the Debian packages of a minimal SLURM cluster (controller, compute daemon,
# client commands, MUNGE authentication). Needs root and a reachable Debian mirror.
# Exit status 0 when the packages are installed afterwards; non-zero (with a message on
# stderr) when they are not, so callers can skip instead of failing obscurely.
set -euo pipefail

packages=(slurmctld slurmd slurm-client munge)

# Already installed (e.g. a second run on the same machine): nothing to do.
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "slurm packages already installed"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install.sh: need root to apt-get install ${missing[*]}" >&2
    exit 2
fi
if ! command -v apt-get >/dev/null; then
    echo "install.sh: apt-get not found (not a Debian-like system)" >&2
    exit 2
fi

export DEBIAN_FRONTEND=noninteractive
# No recommends: the compute node needs none of the optional plugin packages (8 packages,
# 3 MB on Debian 12). `apt-get update` is skipped when the package lists on the machine already
# offer every package; it runs (then the install again) when they do not or the install fails
# with them (stale lists naming files the mirror no longer has).
install() { apt-get install -y -qq --no-install-recommends "${missing[@]}"; }
if apt-cache show "${missing[@]}" >/dev/null 2>&1 && install; then
    echo "installed with the package lists present: ${missing[*]}"
else
    apt-get update -qq
    install
    echo "installed after apt-get update: ${missing[*]}"
fi
