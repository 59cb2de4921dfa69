#!/usr/bin/env bash
# lars-train across two hosts, tested on one machine (issue #15, item 8). Two network namespaces
# joined by a veth pair stand in for two hosts; mpirun starts one rank in each, and the ranks talk
# over TCP only (no shared memory). Checks:
#   1. the two-host result (every tensor of the final checkpoint) equals a one-host 2-process run;
#   2. killing one rank mid-epoch ends the whole job within seconds, and the last checkpoint is
#      intact (read by Scripts/check-checkpoints.py, every value finite, epoch recorded);
#   3. that checkpoint resumes in one process (a different number of processes) to the last epoch.
#
#   Scripts/mpi-netns-test.sh [lars-train built with SWIFT_LARS_MPI=1, default .build/debug/lars-train]
#
# Needs root (ip netns), Debian's iproute2, Open MPI, python3 (Python's safetensors is used when
# installed) and the Fashion-MNIST files. Everything it makes (namespaces, veth, work directory) is
# removed on exit (the work directory is kept with LARS_NETNS_KEEP=1).
set -euo pipefail
cd "$(dirname "$0")/.."

binary=$(realpath "${1:-.build/debug/lars-train}")
[ "$(id -u)" = 0 ] || { echo "error: $0 needs root (ip netns)" >&2; exit 1; }
[ -x "$binary" ] || { echo "error: no lars-train at $binary" >&2; exit 1; }
if ! ldd "$binary" | grep libmpi >/dev/null; then  # (not grep -q: ldd would die of SIGPIPE)
    echo "error: $binary is not linked with MPI; build it with SWIFT_LARS_MPI=1" >&2
    exit 1
fi

# Names unique to this run, so concurrent runs and leftovers of a killed run never collide.
tag=$$
nsA=lars-host-a-$tag
nsB=lars-host-b-$tag
subnet=10.213.$((tag % 250)).0/24
addrA=${subnet%.0/24}.1
addrB=${subnet%.0/24}.2
work=$(mktemp -d /tmp/lars-netns.XXXXXX)

cleanup() {
    for ns in "$nsA" "$nsB"; do
        if ip netns list | grep -qw "$ns"; then
            pids=$(ip netns pids "$ns" || true)
            [ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
            ip netns del "$ns" || true  # Deleting a namespace deletes the veth end inside it.
        fi
    done
    if [ "${LARS_NETNS_KEEP:-0}" = 1 ]; then echo "logs and checkpoints kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# Two "hosts": each namespace holds one end of a veth pair and one address.
ip netns add "$nsA"
ip netns add "$nsB"
ip link add "lv$tag-a" type veth peer name "lv$tag-b"
ip link set "lv$tag-a" netns "$nsA"
ip link set "lv$tag-b" netns "$nsB"
ip -n "$nsA" addr add "$addrA/24" dev "lv$tag-a"
ip -n "$nsB" addr add "$addrB/24" dev "lv$tag-b"
for ns in "$nsA" "$nsB"; do
    ip -n "$ns" link set lo up
done
ip -n "$nsA" link set "lv$tag-a" up
ip -n "$nsB" link set "lv$tag-b" up

# mpirun's "ssh": enters the namespace that owns the address instead of logging in. Open MPI
# calls it as `agent [options] host command`, the command written for a remote shell.
agent=$work/netns-agent
cat >"$agent" <<EOF
#!/bin/sh
while [ \$# -gt 0 ] && [ "\${1#-}" != "\$1" ]; do shift; done
host=\$1; shift
case \$host in
    $addrA) ns=$nsA ;;
    $addrB) ns=$nsB ;;
    *) echo "netns-agent: unknown host \$host" >&2; exit 1 ;;
esac
exec ip netns exec "\$ns" /bin/sh -c "\$*"
EOF
chmod +x "$agent"
printf '%s slots=1\n%s slots=1\n' "$addrA" "$addrB" >"$work/hosts"

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# A small run: the MLP on 2,048 images, one thread per rank; a checkpoint after every epoch.
flags=(--model mlp --train-limit 2048 --test-limit 200 -b 256 --threads 1 --seed 7)

# mpirun runs on "host A" (inside its namespace); rank 0 there, rank 1 on host B, TCP only. Every
# run is bounded (5 minutes), so a job that cannot connect fails instead of hanging CI.
two_hosts() {
    timeout -k 10 300 ip netns exec "$nsA" mpirun -np 2 --hostfile "$work/hosts" --map-by node \
        --mca plm_rsh_agent "$agent" --mca btl tcp,self \
        --mca btl_tcp_if_include "$subnet" --mca oob_tcp_if_include "$subnet" \
        -x OPENBLAS_NUM_THREADS=1 "$binary" "$@"
}
one_host() {
    timeout -k 10 300 mpirun -np 2 --oversubscribe --mca btl_vader_single_copy_mechanism none \
        -x OPENBLAS_NUM_THREADS=1 "$binary" "$@"
}

# Checkpoints read by an independent reader: intact (every value finite), or two bit-equal.
check_checkpoint() { python3 Scripts/check-checkpoints.py "$@"; }
epoch_of() {
    python3 -c 'import json, struct, sys
data = open(sys.argv[1], "rb").read()
(n,) = struct.unpack("<Q", data[:8])
print(json.loads(data[8:8 + n])["__metadata__"]["epoch"])' "$1"
}

echo "== 1. two hosts ($addrA, $addrB over TCP) against one host, 2 processes each"
start=$(date +%s%N)
two_hosts "${flags[@]}" --epochs 2 --output "$work/two-hosts" >"$work/two-hosts.log" 2>&1 \
    || { cat "$work/two-hosts.log"; echo "error: the two-host run failed" >&2; exit 1; }
echo "two-host run: $(( ($(date +%s%N) - start) / 1000000 )) ms"
one_host "${flags[@]}" --epochs 2 --output "$work/one-host" >"$work/one-host.log" 2>&1 \
    || { cat "$work/one-host.log"; echo "error: the one-host run failed" >&2; exit 1; }
check_checkpoint "$work/two-hosts/checkpoint.safetensors" "$work/one-host/checkpoint.safetensors"

echo "== 2. kill rank 1 (host B) mid-epoch"
out=$work/killed
two_hosts "${flags[@]}" --epochs 8 --output "$out" >"$work/killed.log" 2>&1 &
job=$!
for _ in $(seq 600); do
    [ -f "$out/checkpoint.safetensors" ] && break
    kill -0 "$job" 2>/dev/null || { cat "$work/killed.log"; echo "error: the job ended early" >&2; exit 1; }
    sleep 0.1
done
[ -f "$out/checkpoint.safetensors" ] || { echo "error: no checkpoint after 60 s" >&2; exit 1; }
sleep 0.5  # into the next epoch
victim=
for pid in $(ip netns pids "$nsB"); do
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = lars-train ] && victim=$pid
done
[ -n "$victim" ] || { cat "$work/killed.log"; echo "error: no lars-train rank on host B" >&2; exit 1; }
kill -0 "$job" || { echo "error: the job ended before the kill" >&2; exit 1; }
killed_at=$(date +%s%N)
kill -9 "$victim"
for _ in $(seq 1500); do
    kill -0 "$job" 2>/dev/null || break
    sleep 0.01
done
ended_at=$(date +%s%N)
if kill -0 "$job" 2>/dev/null; then
    cat "$work/killed.log"
    echo "error: the job still runs 15 s after rank 1 was killed" >&2
    exit 1
fi
status=0
wait "$job" || status=$?
echo "job ended $(( (ended_at - killed_at) / 1000000 )) ms after the kill, exit status $status; its last lines:"
tail -n 4 "$work/killed.log" | sed 's/^/    /'

[ "$status" != 0 ] || { echo "error: the job exited 0 with a rank killed" >&2; exit 1; }
check_checkpoint "$out/checkpoint.safetensors"
epoch=$(epoch_of "$out/checkpoint.safetensors")
[ "$epoch" -lt 8 ] || { echo "error: the job finished all epochs before the kill" >&2; exit 1; }

echo "== 3. resume the epoch-$epoch checkpoint in one process"
timeout -k 10 300 "$binary" "${flags[@]}" --epochs 8 --resume "$out/checkpoint.safetensors" --output "$work/resumed" \
    >"$work/resumed.log" 2>&1 || { cat "$work/resumed.log"; echo "error: the resumed run failed" >&2; exit 1; }
check_checkpoint "$work/resumed/checkpoint.safetensors"
resumed=$(epoch_of "$work/resumed/checkpoint.safetensors")
[ "$resumed" = 8 ] || { echo "error: the resumed run ended at epoch $resumed, not 8" >&2; exit 1; }
echo "mpi-netns-test: all checks passed"
