#!/usr/bin/env bash
#! Fleet benchmark: one redis-server and three release servers acting as one game on this
#! machine, N bots spread evenly over the three servers' URLs (each bot quick-plays and follows
#! redirects, as the game does) for S seconds. Servers and Redis are pinned to CPU 0, the bots
#! to CPU 1 (taskset). Over the steady window it prints, per server: players, CPU (% of one
#! core and µs per player-tick), tick p99, and Redis commands per second (from its /metrics);
#! then Redis' own command rate, and how long a SIGKILLed server's rooms stay in the others'
#! room lists.
#! Usage: bash scripts/bench-fleet.sh [--kill] [BOTS=150] [SECONDS=30]
#!
#! --kill: the bots come back after a drop as the game client does (`driftfire-bots --failover`),
#! and at the end of the steady window the busiest server is SIGKILLed. Then it prints how
#! long its bots took from the drop to a Welcome elsewhere (p50/p99), how many kept their
#! score, the survivors' tick p99 while the crowd arrived, and whether Redis holds any key
#! that never expires.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/driftfire/target}"
kill_mode=0
if [[ "${1:-}" == "--kill" ]]; then kill_mode=1; shift; fi
bots="${1:-150}"; secs="${2:-30}"
# In --kill mode the bots play on after the crash long enough to come back and be counted.
after_kill=15
bot_secs=$secs
if (( kill_mode )); then bot_secs=$(( secs + after_kill )); fi
warmup=6; tail_s=2
(( secs - warmup - tail_s >= 5 )) || { echo "bench-fleet: SECONDS must be at least $((warmup + tail_s + 5))" >&2; exit 2; }
ulimit -n 65536 2>/dev/null || true
cargo build --release -q -p driftfire-server --manifest-path "$root/Cargo.toml"
bin="$CARGO_TARGET_DIR/release"
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
redis_port=$(free_port)
taskset -c 0 redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >"$work/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done

declare -a game admin spid
for i in 1 2 3; do
    game[$i]=$(free_port); admin[$i]=$(free_port)
    taskset -c 0 "$bin/driftfire-server" --bind "127.0.0.1:${game[$i]}" --admin-bind "127.0.0.1:${admin[$i]}" \
        --redis "redis://127.0.0.1:$redis_port/" --server-id "s$i" --data-dir "$work/data$i" --max-conns-per-ip 0 \
        >"$work/server$i.log" 2>&1 &
    spid[$i]=$!; pids+=($!)
    disown "${spid[$i]}"  # no job-control notice when the crash test kills it
done
for i in 1 2 3; do
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:${game[$i]}/healthz" >/dev/null && break; sleep 0.1; done
done
# Let the servers see each other before the bots ask for quick play.
sleep 3

per=$(( bots / 3 ))
for i in 1 2 3; do
    url="ws://127.0.0.1:${game[$i]}/ws"; failover=()
    if (( kill_mode )); then
        # As behind a round-robin name: this server first, the others to fail over to.
        for j in 1 2 3; do [[ $j == "$i" ]] || url="$url,ws://127.0.0.1:${game[$j]}/ws"; done
        failover=(--failover)
    fi
    taskset -c 1 "$bin/driftfire-bots" --url "$url" --count "$per" --seconds "$bot_secs" \
        --ramp-seconds 2 --name-prefix "s$i-bot-" "${failover[@]}" >"$work/bots$i.log" 2>&1 &
    pids+=($!)
done

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
metric() { curl -sf "http://127.0.0.1:$1/metrics" | awk -v m="$2" '$1 == m {print $2}'; }
status_field() { curl -sf "http://127.0.0.1:$1/api/status" | grep -o "\"$2\":[0-9.e+-]*" | head -n 1 | cut -d: -f2; }
redis_total() { redis-cli -p "$redis_port" info stats | awk -F: '/^total_commands_processed/ {print $2+0}'; }
# Calls of one command as Redis counts them (a hall-of-fame batch is one EVAL; the commands
# its script runs inside count in total_commands_processed too).
redis_calls() { redis-cli -p "$redis_port" info commandstats | awk -F'[:=,]' -v c="cmdstat_$1" '$1 == c {print $3+0}'; }
hz=$(getconf CLK_TCK)

sleep "$warmup"
declare -a t0 c0
for i in 1 2 3; do t0[$i]=$(cpu_ticks "${spid[$i]}"); c0[$i]=$(metric "${admin[$i]}" driftfire_redis_commands_total); done
r0=$(redis_total); e0=$(redis_calls eval); s0=$(date +%s.%N)
sleep $(( secs - warmup - tail_s ))
declare -a t1 c1 players p99
for i in 1 2 3; do
    t1[$i]=$(cpu_ticks "${spid[$i]}"); c1[$i]=$(metric "${admin[$i]}" driftfire_redis_commands_total)
    players[$i]=$(status_field "${game[$i]}" players); p99[$i]=$(status_field "${game[$i]}" tick_p99_ms)
done
r1=$(redis_total); e1=$(redis_calls eval); s1=$(date +%s.%N)
window=$(echo "$s1 - $s0" | bc -l)
echo "fleet: 3 servers + redis-server on CPU 0, $bots bots (${per} per server URL) on CPU 1, window ${window%.*} s"
printf '%-7s %8s %12s %22s %12s %14s\n' server players "cpu_%_core" "cpu_us_per_player_tick" tick_p99_ms redis_cmds_per_s
for i in 1 2 3; do
    cpu_s=$(echo "(${t1[$i]} - ${t0[$i]}) / $hz" | bc -l)
    pct=$(echo "100 * $cpu_s / $window" | bc -l)
    per_tick="-"
    if (( ${players[$i]:-0} > 0 )); then per_tick=$(printf '%.2f' "$(echo "1000000 * $cpu_s / (${players[$i]} * 30 * $window)" | bc -l)"); fi
    rate=$(echo "(${c1[$i]:-0} - ${c0[$i]:-0}) / $window" | bc -l)
    printf '%-7s %8s %12.1f %22s %12.3f %14.2f\n' "s$i" "${players[$i]}" "$pct" "$per_tick" "${p99[$i]}" "$rate"
done
printf 'redis-server: %.1f commands/s in all, of which hall-of-fame batches (EVAL): %.1f/s from the 3 servers\n' \
    "$(echo "($r1 - $r0) / $window" | bc -l)" "$(echo "(${e1:-0} - ${e0:-0}) / $window" | bc -l)"
if (( kill_mode )); then
    # The busiest server dies with its players on it.
    busiest=1
    for i in 2 3; do (( ${players[$i]:-0} > ${players[$busiest]:-0} )) && busiest=$i; done
    echo "killing s$busiest (${players[$busiest]} players) with SIGKILL"
    kill -9 "${spid[$busiest]}"
    worst_p99=0
    for _ in $(seq "$after_kill"); do
        sleep 1
        for i in 1 2 3; do
            [[ $i == "$busiest" ]] && continue
            p=$(status_field "${game[$i]}" tick_p99_ms); p=${p:-0}
            if (( $(echo "$p > $worst_p99" | bc -l) )); then worst_p99=$p; fi
        done
    done
    wait "${pids[@]: -3}" 2>/dev/null || true
    for i in 1 2 3; do echo "bots via s$i: $(tail -n 1 "$work/bots$i.log")"; done
    python3 - "$work" <<'PY'
import json, sys
drops = back = kept = 0; p50 = []; p99 = []
for i in (1, 2, 3):
    report = json.loads(open(f"{sys.argv[1]}/bots{i}.log").read().strip().splitlines()[-1])
    drops += report["drops"]; back += report["back_in_game"]; kept += report["score_kept"]
    if report["drops"]:
        p50.append(report["back_p50_ms"]); p99.append(report["back_p99_ms"])
print(f"failover: {drops} bots dropped, {back} back in a game, {kept} with their score; "
      f"drop -> Welcome p50 {max(p50, default=0):.0f} ms, p99 {max(p99, default=0):.0f} ms (worst of the 3 bot processes)")
PY
    echo "survivors' tick p99 while the crowd arrived: worst ${worst_p99} ms"
    # Keys that never expire, by design: the server set (readers prune it) and the all-time
    # board of the hall of fame. Anything else without a TTL would grow without bound.
    forever=$(redis-cli -p "$redis_port" --scan --pattern 'driftfire:*' | sort | {
        while read -r key; do
            case "$key" in driftfire:servers|driftfire:hof:all|driftfire:hof:all:entries) continue ;; esac
            if [[ "$(redis-cli -p "$redis_port" ttl "$key")" == -1 ]]; then printf '%s ' "$key"; fi
        done
    })
    echo "redis: $(redis-cli -p "$redis_port" dbsize) keys; without an expiry besides the server set and the all-time board: ${forever:-none}"
    exit 0
fi
wait "${pids[@]: -3}" 2>/dev/null || true
for i in 1 2 3; do echo "bots via s$i: $(tail -n 1 "$work/bots$i.log")"; done

# A crash: SIGKILL server 3 and time how long its rooms stay in server 1's list.
for _ in $(seq 20); do curl -sf "http://127.0.0.1:${game[1]}/api/rooms" | grep -q "127.0.0.1:${game[3]}" && break; sleep 0.5; done
if ! curl -sf "http://127.0.0.1:${game[1]}/api/rooms" | grep -q "127.0.0.1:${game[3]}"; then
    # The bots have left: give server 3 a room to be listed with.
    ( exec "$bin/driftfire-bots" --url "ws://127.0.0.1:${game[3]}/ws" --count 1 --seconds 60 --name-prefix crash- >/dev/null 2>&1 ) &
    pids+=($!)
    for _ in $(seq 40); do curl -sf "http://127.0.0.1:${game[1]}/api/rooms" | grep -q "127.0.0.1:${game[3]}" && break; sleep 0.25; done
fi
kill -9 "${spid[3]}"; killed=$(date +%s.%N)
while curl -sf "http://127.0.0.1:${game[1]}/api/rooms" | grep -q "127.0.0.1:${game[3]}"; do sleep 0.1; done
printf 'SIGKILLed server: its rooms left server 1'"'"'s list after %.1f s\n' "$(echo "$(date +%s.%N) - $killed" | bc -l)"
