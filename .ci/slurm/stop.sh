#!/usr/bin/env bash
# Stop the private SLURM cluster started by .ci/slurm/start.sh STATE_DIR.
#
#   .ci/slurm/stop.sh STATE_DIR
#
# Cancels the jobs still queued on that cluster, then stops exactly the daemons whose pids
# start.sh recorded under STATE_DIR/pids/ (after checking that each pid still runs the
# expected program), and removes the /etc/slurm/slurm.conf it installed.
# Safe to call twice, or after a start.sh that failed half-way.
set -uo pipefail

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
    echo "usage: $0 STATE_DIR" >&2
    exit 2
fi
state=$(cd "$1" && pwd)

# Cancel leftover jobs (e.g. from a failed test) so their job steps end with the cluster.
if [ -f "$state/slurm.conf" ] && [ -f "$state/pids/slurmctld.pid" ]; then
    export SLURM_CONF="$state/slurm.conf"
    if timeout 10 scancel --user="$(id -un)" 2>/dev/null; then
        for _ in $(seq 15); do
            [ -z "$(timeout 10 squeue -h -t PD,R,CG -o %i 2>/dev/null)" ] && break
            sleep 1
        done
    fi
fi

# True while the pid runs (a zombie waiting for its parent to reap it counts as ended).
alive() {
    [ -r "/proc/$1/stat" ] && ! awk '{exit ($3 == "Z") ? 0 : 1}' "/proc/$1/stat" 2>/dev/null
}

# Stop one daemon: TERM, wait up to 15 s, then KILL.
stop_daemon() {  # name (pid file and expected program name)
    local name=$1 pidfile="$state/pids/$1.pid" pid
    [ -f "$pidfile" ] || return 0
    pid=$(cat "$pidfile")
    # The pid may have been reused since; only signal it if it is still our daemon.
    if alive "$pid" && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ]; then
        kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 150); do
            alive "$pid" || break
            sleep 0.1
        done
        if alive "$pid"; then
            echo "stop.sh: $name ($pid) ignored TERM, sending KILL" >&2
            kill -KILL "$pid" 2>/dev/null
        fi
        echo "stopped $name ($pid)"
    fi
    rm -f "$pidfile"
}

# Reverse start order: compute daemon, controller, then authentication.
stop_daemon slurmd
stop_daemon slurmctld
stop_daemon munged

# Remove the copy of slurm.conf that start.sh installed, if nobody changed it since.
if [ -f "$state/installed-etc-slurm.conf" ]; then
    cmp -s "$state/installed-etc-slurm.conf" /etc/slurm/slurm.conf && rm -f /etc/slurm/slurm.conf
    rm -f "$state/installed-etc-slurm.conf"
fi
exit 0
