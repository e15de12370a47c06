#!/usr/bin/env bash
# Run hello-world v1..v5 one after the other under the same load on this
# machine and print a table: requests/s, mean, p95 and p99 latency (from hey),
# and the data points InfluxDB stored against the requests hey sent.
#
# Usage: exercises/benchmark.sh [SECONDS] [CONNECTIONS]      (default 20 s, 5)
# Needs: the exercises' .venv (lectern's setup creates it), influxd, hey, curl.
# It starts its own InfluxDB on a free port, so nothing else is touched.
set -euo pipefail
cd "$(dirname "$0")"
dur=${1:-20}
conc=${2:-5}
venv=$PWD/.venv
for tool in influxd hey curl; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: bash scripts/install-deps.sh installs it" >&2; exit 1; }
done
if [ ! -x "$venv/bin/mod_wsgi-express" ]; then
  echo "no $venv: run the workshop once (its setup creates it), or:" >&2
  echo "  /usr/bin/python3 -m venv .venv && .venv/bin/pip install -r requirements.txt" >&2
  exit 1
fi

tmp=$(mktemp -d)
chmod 755 "$tmp"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "${KEEP_LOGS:-}" ]; then echo "logs kept in $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { for _ in $(seq 1 200); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done; echo "$1 never answered" >&2; return 1; }

influx_port=$(free_port)
cat > "$tmp/influxdb.conf" <<CONF
reporting-disabled = true
bind-address = "127.0.0.1:$(free_port)"
[meta]
  dir = "$tmp/influx/meta"
[data]
  dir = "$tmp/influx/data"
  wal-dir = "$tmp/influx/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:$influx_port"
  log-enabled = false
[monitor]
  store-enabled = false
CONF
influxd -config "$tmp/influxdb.conf" > "$tmp/influxd.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$influx_port/ping"

user_args=()
if [ "$(id -u)" = 0 ]; then user_args=(--user nobody --group nogroup); fi
app_port=$(free_port)

count_points() {
  curl -s "http://127.0.0.1:$influx_port/query" --data-urlencode "db=$1" \
    --data-urlencode 'q=SELECT count("application_time") FROM "raw-requests"' |
    /usr/bin/python3 -c 'import json,sys; s=json.load(sys.stdin)["results"][0].get("series"); print(s[0]["values"][0][1] if s else 0)'
}

printf '%-4s %-36s %8s %8s %8s %8s %8s %8s %8s\n' ver what 'req/s' 'mean ms' 'p95 ms' 'p99 ms' 'max ms' sent stored
for v in 1 2 3 4 5; do
  case $v in
    1) app=wsgi.py; what="no metrics" ;;
    2) app=wsgi_1.py; what="report each request (dicts)" ;;
    3) app=wsgi.py; what="generator app, timed at close()" ;;
    4) app=wsgi.py; what="batched once a second (dicts)" ;;
    5) app=wsgi.py; what="batched, line protocol" ;;
  esac
  db=bench_v$v
  curl -s -o /dev/null -XPOST "http://127.0.0.1:$influx_port/query" --data-urlencode "q=CREATE DATABASE $db"
  INFLUXDB_HOST=127.0.0.1 INFLUXDB_PORT=$influx_port INFLUXDB_DATABASE=$db \
    "$venv/bin/mod_wsgi-express" start-server "hello-world-v$v/$app" --working-directory "hello-world-v$v" \
    --port "$app_port" --server-root "$tmp/server-v$v" \
    "${user_args[@]}" > "$tmp/wsgi-v$v.log" 2>&1 &
  server=$!
  pids+=("$server")
  wait_for "http://127.0.0.1:$app_port/" || { tail -20 "$tmp/wsgi-v$v.log" >&2; exit 1; }
  # The readiness probe's own point goes out with the next batch: let it land first.
  sleep 1.5
  before=$(count_points "$db")
  hey -z "${dur}s" -c "$conc" "http://127.0.0.1:$app_port/" > "$tmp/hey-v$v.txt"
  # Batches go out once a second: give the last one time to land.
  sleep 2.5
  stored=$(( $(count_points "$db") - before ))
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  /usr/bin/python3 - "$tmp/hey-v$v.txt" "$v" "$what" "$stored" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def num(pattern):
    m = re.search(pattern, text)
    return float(m.group(1)) if m else float("nan")
rps = num(r"Requests/sec:\s+([\d.]+)")
mean = num(r"Average:\s+([\d.]+) secs") * 1000
p95 = num(r"95%+ in ([\d.]+) secs") * 1000
p99 = num(r"99%+ in ([\d.]+) secs") * 1000
slowest = num(r"Slowest:\s+([\d.]+) secs") * 1000
sent = sum(int(n) for n in re.findall(r"\[\d+\]\s+(\d+) responses", text))
stored = "-" if sys.argv[2] == "1" else sys.argv[4]
print(f"v{sys.argv[2]:<3} {sys.argv[3]:<36} {rps:8.0f} {mean:8.1f} {p95:8.1f} {p99:8.1f} {slowest:8.1f} {sent:8d} {stored:>8}")
PY
done
echo "(hey -z ${dur}s -c $conc against mod_wsgi-express: 1 process, 5 threads; InfluxDB 1.x on the same machine)"
