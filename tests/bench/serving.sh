#!/usr/bin/env bash
# tests/bench/serving.sh: what the serving stack costs per request, each against a
# baseline measured by the same lighttpd in the same run.
#
#   tests/bench/serving.sh [RUNS]    (run make first; RUNS defaults to 300)
#
# Timed on one keep-alive connection, the kinds taking turns so load from
# elsewhere hits them alike:
#   session         GET /session through lighttpd (build/cgi-bin/session, which
#                   the Makefile links as a static PIE)
#   static file     a file with the same bytes as that response
#   floor CGI       a minimal C CGI printing the same bytes: fork+exec's cost
#   static session  GET /session from cgi-bin/session linked statically
#   static floor    the floor CGI linked statically
# Then lighttpd's memory while idle, and its cold start to the first 200 of
# GET /session. Besides the human-readable report, each figure is printed
# as one tab-separated line "BENCH name median unit ratio baseline" that
# tests/bench/run gathers into one table.
#
# Dynamically linked, GET /session measured about 1.45x the floor at p50
# here (goal 1.3x): most of the extra time was loading libjson-c. The
# Makefile therefore links session and audit as static PIEs, which measured
# 1.12x. "static session" is this script's own -static build of the same
# program, kept as a check on the Makefile's.
set -eu
. "$(dirname "$0")/../lib.sh"
runs=${1:-300}
starts=${BENCH_STARTS:-10}	# cold starts measured

scratch
token=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$token" > "$T/token"
write_conf "$T/bg.conf" "$T/state" "bearer_token_file = $T/token"
sessions=${BENCH_SESSIONS:-10}	# sessions in the list, for an answer of typical size
mkdir -p "$T/cgi" "$T/static"
ln -s "$BG_BUILD/cgi-bin/session" "$T/cgi/session"
lighttpd_start "$T/bg.conf" "$T/cgi" \
	"\$HTTP[\"url\"] == \"/bench-static.json\" { server.document-root = \"$T/static\" }"
for ((i = 0; i < sessions; i++)); do
	http POST /session -H "Authorization: Bearer $token" -H 'Content-Type: application/json' --data '{}'
done
# The exact bytes of the response body: the floor and the static file repeat them.
curl -sS -o "$T/static/bench-static.json" -H "Authorization: Bearer $token" "$LIGHTTPD_URL/session"
kill "$LIGHTTPD_PID"
wait "$LIGHTTPD_PID" 2>/dev/null || true

# The floor: a CGI that writes the same headers and body and nothing else.
python3 - "$T/static/bench-static.json" > "$T/floor.c" <<'PY'
import sys
body = open(sys.argv[1], "rb").read()
lit = "".join("\\x%02x" % b for b in body)
print('/* floor.c: the least a CGI can do: print a fixed answer. */')
print('#include <unistd.h>')
print('static const char answer[] = "Status: 200 OK\\r\\nContent-Type: application/json\\r\\n'
      'Cache-Control: no-store\\r\\n\\r\\n' + lit + '";')
print('int main(void) { return write(1, answer, sizeof(answer) - 1) == (long)sizeof(answer) - 1 ? 0 : 1; }')
PY
cc -O2 -o "$T/cgi/audit" "$T/floor.c"
static_ok=1
cc -O2 -static -o "$T/cgi/chat" "$T/floor.c" 2>/dev/null || static_ok=0
# cgi-bin/session linked statically against the same libbreakglass.a.
# shellcheck disable=SC2046
cc -O2 -g -std=c11 -D_GNU_SOURCE $(pkg-config --cflags json-c) -I"$BG_ROOT/lib" -static \
	-o "$T/cgi/pve" "$BG_ROOT/cgi-bin/session.c" "$BG_BUILD/lib/libbreakglass.a" \
	$(pkg-config --static --libs json-c) 2>"$T/static.log" || static_ok=0

# The same server again, now with /audit the floor, /chat the static floor
# and /pve the static session program (alias.url maps each route to a file).
lighttpd_start "$T/bg.conf" "$T/cgi" \
	"\$HTTP[\"url\"] == \"/bench-static.json\" { server.document-root = \"$T/static\" }"

python3 - "$LIGHTTPD_PORT" "$token" "$runs" "$static_ok" > "$T/timings" <<'PY'
import http.client, statistics, sys, time
port, token, runs, static_ok = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
auth = {"Authorization": "Bearer " + token}
kinds = [("session", "/session", auth), ("static file", "/bench-static.json", {}),
         ("floor CGI", "/audit", {})]
if static_ok:
    kinds += [("static session", "/pve", auth), ("static floor", "/chat", {})]
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
times = {name: [] for name, _, _ in kinds}
sizes = {}
for i in range(runs + 20):
    for name, path, headers in kinds:
        t0 = time.perf_counter()
        conn.request("GET", path, headers=headers)
        r = conn.getresponse()
        body = r.read()
        dt = (time.perf_counter() - t0) * 1000
        if r.status != 200:
            sys.exit("%s: status %d" % (path, r.status))
        sizes[name] = len(body)
        if i >= 20:	# the first rounds warm the caches
            times[name].append(dt)
for name, _, _ in kinds:
    t = sorted(times[name])
    print("%s\t%.3f\t%.3f\t%d" % (name, statistics.median(t), t[int(len(t) * 0.9)], sizes[name]))
PY

# Idle memory: lighttpd's resident set once no request is in flight.
sleep 1
rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$LIGHTTPD_PID/status")
pss=$(awk '/^Pss:/ { print $2 }' "/proc/$LIGHTTPD_PID/smaps_rollup" 2>/dev/null || echo "")
kill "$LIGHTTPD_PID"
wait "$LIGHTTPD_PID" 2>/dev/null || true

# Cold start: from exec of lighttpd to the first 200 of GET /session.
python3 - "$T" "$BG_ROOT" "$T/cgi" "$T/bg.conf" "$token" "$starts" > "$T/cold" <<'PY'
import http.client, os, socket, statistics, subprocess, sys, time
tdir, root, cgi, conf, token, starts = sys.argv[1:7]
results = []
for n in range(int(starts)):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
    top = os.path.join(tdir, "cold.conf")
    with open(top, "w") as f:
        f.write('var.bg_htdocs = "%s/htdocs"\nvar.bg_cgi = "%s"\nvar.bg_conf = "%s"\n'
                'var.bg_bind = "127.0.0.1"\nvar.bg_port = %d\nserver.pid-file = "%s/cold.pid"\n'
                'include "%s/conf/lighttpd.conf"\n' % (root, cgi, conf, port, tdir, root))
    t0 = time.perf_counter()
    p = subprocess.Popen(["lighttpd", "-D", "-f", top], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    status = None
    while time.perf_counter() - t0 < 10:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/session", headers={"Authorization": "Bearer " + token})
            status = c.getresponse().status
            c.close()
            if status == 200:
                break
        except OSError:
            time.sleep(0.001)
    dt = (time.perf_counter() - t0) * 1000
    p.terminate(); p.wait()
    if status != 200:
        sys.exit("cold start: no 200 within 10 s")
    results.append(dt)
print("%.1f\t%.1f" % (statistics.median(results), max(results)))
PY

awk -F '\t' -v runs="$runs" -v rss="$rss" -v pss="$pss" -v starts="$starts" -v cold="$(cat "$T/cold")" '
	{ med[$1] = $2; p90[$1] = $3; size[$1] = $4; order[n++] = $1 }
	END {
		printf "serving, %d requests of each kind on one keep-alive connection, %d-byte answers\n", runs, size["session"]
		printf "%-16s %10s %10s\n", "kind", "p50 ms", "p90 ms"
		for (i = 0; i < n; i++) printf "%-16s %10.3f %10.3f\n", order[i], med[order[i]], p90[order[i]]
		printf "GET /session / floor CGI:       %.2fx (goal <= 1.3x)\n", med["session"] / med["floor CGI"]
		printf "GET /session / static file:     %.2fx\n", med["session"] / med["static file"]
		if ("static session" in med) {
			printf "static session / static floor: %.2fx\n", med["static session"] / med["static floor"]
			printf "static session / session:      %.2fx\n", med["static session"] / med["session"]
			printf "static session / floor CGI:    %.2fx (goal <= 1.3x)\n", med["static session"] / med["floor CGI"]
		}
		split(cold, c, "\t")
		printf "lighttpd idle memory: RSS %d KiB, PSS %s KiB\n", rss, pss
		printf "cold start to first 200 of GET /session: median %.1f ms, worst %.1f ms of %d\n", c[1], c[2], starts
		printf "BENCH\tGET /session p50\t%.3f\tms\t-\t-\n", med["session"]
		printf "BENCH\tstatic file p50\t%.3f\tms\t-\t-\n", med["static file"]
		printf "BENCH\tfloor CGI p50\t%.3f\tms\t-\t-\n", med["floor CGI"]
		printf "BENCH\tGET /session vs floor CGI\t%.3f\tms\t%.2f\tfloor CGI (goal <= 1.3)\n", med["session"], med["session"] / med["floor CGI"]
		printf "BENCH\tGET /session vs static file\t%.3f\tms\t%.2f\tstatic file\n", med["session"], med["session"] / med["static file"]
		if ("static session" in med) {
			printf "BENCH\tstatic GET /session vs static floor\t%.3f\tms\t%.2f\tstatic floor\n", med["static session"], med["static session"] / med["static floor"]
			printf "BENCH\tstatic GET /session vs dynamic\t%.3f\tms\t%.2f\tGET /session\n", med["static session"], med["static session"] / med["session"]
			printf "BENCH\tstatic GET /session vs floor CGI\t%.3f\tms\t%.2f\tfloor CGI (goal <= 1.3)\n", med["static session"], med["static session"] / med["floor CGI"]
		}
		printf "BENCH\tlighttpd idle RSS\t%d\tKiB\t-\t-\n", rss
		printf "BENCH\tcold start to first 200\t%.1f\tms\t-\t-\n", c[1]
	}' "$T/timings"
