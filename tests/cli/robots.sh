#!/usr/bin/env bash
# --robots, as the servers saw it (/log, /log/times, /stats):
#   - each host's /robots.txt is fetched exactly once, even with many URLs
#     and -c > 1, before any other request to that host;
#   - a path it disallows is never requested and ends as error_kind robots,
#     naming the rule; the user agent's own group replaces the "*" one;
#   - its Crawl-delay spaces the starts on that host while another host is
#     not slowed;
#   - a 4xx robots.txt allows all, a 5xx or an unreachable host disallows
#     all (every line ends as robots, nothing else is requested);
#   - a robots.txt moved by up to 5 redirects is followed, one moved 6
#     times counts as none; only its first 500 KiB are read;
#   - --host-log agrees with what each server counted;
#   - the summary names the host delay that held the run back.
set -euo pipefail
source "$AF_SRC/tests/cli/lib.sh"
tmp=$(mktemp -d -p "$AF_TMP")
cat >"$tmp/robots-a.txt" <<'ROBOTS'
# host A
User-agent: otherbot
Disallow: /

User-agent: *
Disallow: /private
Allow: /private/ok
Crawl-delay: 0.2

User-agent: testbot
Disallow: /mine
ROBOTS
af_start_server --robots "$tmp/robots-a.txt" # A: rules
af_start_server                              # B: /robots.txt is a 404
af_start_server --robots-status 503          # C: a server error
export A=$AF_BASE B=$AF_BASE2 C=$AF_BASE3
# D: a port where nothing listens (bound, then closed).
dead=$(python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export D=http://127.0.0.1:$dead

arrivals() { af_curl "$1/log/times" | awk -v re="$2" '$3 ~ re {print $1}'; }
count() { af_log "$1" | awk -v re="$2" '$2 ~ re' | wc -l; }

{
  for i in 1 2 3 4 5; do echo "$A/page?a=$i"; done
  for i in $(seq 1 10); do echo "$A/private/$i"; done
  echo "$A/private/ok"
  for i in $(seq 1 20); do echo "$B/page?b=$i"; done
  for i in 1 2 3; do echo "$C/page?c=$i"; done
  for i in 1 2 3; do echo "$D/page?d=$i"; done
} >"$tmp/in1.txt"
"$AFETCH" --json --robots -c 20 --host-log "$tmp/hosts1.json" "$tmp/in1.txt" \
  >"$tmp/out1.json" 2>"$tmp/err1.txt" || true
assert_eq "$(jq -s length "$tmp/out1.json")" 42 "one result per input line"

# robots.txt once per host, first.
for base in "$A" "$B" "$C"; do
  assert_eq "$(count "$base" '^/robots\.txt$')" 1 "robots.txt fetched once on $base"
  assert_eq "$(af_log "$base" | head -n1 | awk '{print $2}')" /robots.txt \
    "robots.txt is the first request on $base"
done

# A: the disallowed paths were never requested; the Allow one was.
assert_eq "$(af_log "$A" | awk '$2 ~ /^\/private/ {print $2}')" /private/ok \
  "A saw no disallowed path, only /private/ok"
assert_eq "$(jq -r 'select(.url | test("/private/[0-9]")) |
  .error_kind + ": " + .error' "$tmp/out1.json" | sort | uniq -c |
  awk '{$1 = $1; print}')" \
  "10 robots: disallowed by robots.txt (Disallow: /private)" \
  "ten refused lines, each naming the rule"
assert_eq "$(jq -s '[.[] | select((.url | startswith(env.A + "/page")) or
  (.url | endswith("/private/ok"))) | select(.error_kind == null)] | length' \
  "$tmp/out1.json")" 6 "A's six allowed URLs fetched (/private/ok: a 404)"

# Crawl-delay 0.2: starts on A 200 ms apart, from the robots.txt on.
mapfile -t ta < <(arrivals "$A" '^/(robots|page|private)')
assert_eq "${#ta[@]}" 7 "A: robots.txt and six pages"
for ((i = 1; i < ${#ta[@]}; i++)); do
  # Arrival is start plus a connect or not, so a gap may look shorter by
  # that much; the span of six gaps is the tight check.
  assert_ge "$((ta[i] - ta[i - 1]))" 120 "starts on A ~200 ms apart (ms)"
done
# The first page may reuse the robots.txt connection, which paid for the
# connect: the five gaps between pages are the tight check.
assert_ge "$((ta[6] - ta[1]))" 960 "five gaps of 200 ms between A's pages (ms)"
# B is not slowed by A's delay: all of it is served before A's third start.
mapfile -t tb < <(arrivals "$B" '^/page')
assert_eq "${#tb[@]}" 20 "B: twenty pages (a 404 robots.txt allows all)"
assert_le "${tb[19]}" "${ta[2]}" "B done before A's third start (ms)"
assert_eq "$(jq -s '[.[] | select(.url | startswith(env.B)) |
  select(.status == 200)] | length' "$tmp/out1.json")" 20 "B: all 200"

# C (503) and D (unreachable): every line robots, nothing else requested.
assert_eq "$(af_stat requests_total "$C")" 1 "C saw only its robots.txt"
assert_eq "$(jq -r 'select(.url | startswith(env.C)) | .error_kind + ": " +
  .error' "$tmp/out1.json" | sort -u)" \
  "robots: disallowed by robots.txt: it answered 503, so nothing on this host is fetched" \
  "C's lines end as robots"
assert_eq "$(jq -r 'select(.url | startswith(env.D)) | .error_kind + ": " +
  .error' "$tmp/out1.json" | sort -u)" \
  "robots: disallowed by robots.txt: it could not be fetched (connect), so nothing on this host is fetched" \
  "D's lines end as robots"

# --host-log against the servers' counts.
hl() { jq -r --arg h "$1" "select(.host == \$h) | $2" "$tmp/hosts1.json"; }
assert_eq "$(wc -l <"$tmp/hosts1.json")" 4 "one line per host"
for base in "$A" "$B" "$C"; do
  h=${base#http://}
  assert_eq "$(hl "$h" .requests)" "$(af_host_stat requests "$h" "$base")" \
    "host log requests = what $h counted"
done
assert_eq "$(hl "${A#http://}" '[.robots, .robots_status, .crawl_delay_ms,
  .disallowed, .peak_in_flight] | join(" ")')" "rules 200 200 10 1" \
  "A: rules, 200, Crawl-delay 200 ms, ten refused, one at a time"
assert_eq "$(hl "${B#http://}" '[.robots, .robots_status, .disallowed] |
  join(" ")')" "allowed-all 404 0" "B: a 404 allows all"
# Our count is at the start, the server's at arrival: ours bounds it.
peak=$(hl "${B#http://}" .peak_in_flight)
assert_ge "$peak" "$(af_host_stat inflight_max "${B#http://}" "$B")" \
  "B: peak in flight at least what the server saw at once"
assert_le "$peak" 6 "B: peak in flight within --per-host 6"
assert_eq "$(hl "${C#http://}" '[.robots, .robots_status, .disallowed,
  .status_503] | join(" ")')" "disallowed-all 503 3 1" "C: a 503 disallows all"
assert_eq "$(hl "127.0.0.1:$dead" '[.robots, (.robots_status | tostring),
  .disallowed] | join(" ")')" "disallowed-all null 3" \
  "D: unreachable disallows all"

# The summary names the Crawl-delay's hold and the flag.
grep -q "the host delay (--host-delay 0, or a robots.txt Crawl-delay) held back 6 URLs" \
  "$tmp/err1.txt" || fail "summary names the host delay: $(cat "$tmp/err1.txt")"

# 2. The agent's own group: -A TestBot/2.0 matches "testbot", which
# replaces "*": /mine refused, /private allowed, no Crawl-delay.
af_reset "$A"
printf '%s\n' "$A/mine/1" "$A/private/1" "$A/page?t=1" >"$tmp/in2.txt"
"$AFETCH" --json --no-summary --robots -A "TestBot/2.0" "$tmp/in2.txt" \
  >"$tmp/out2.json" && fail "a line refused by robots.txt makes the exit 1"
assert_eq "$(jq -r '.error_kind // "ok"' "$tmp/out2.json" | sort | tr '\n' ' ')" \
  "ok ok robots " "one refused, two fetched"
assert_eq "$(jq -r 'select(.error_kind == "robots") | .url' "$tmp/out2.json")" \
  "$A/mine/1" "the testbot group's rule"
assert_eq "$(af_log "$A" | awk '{print $2}' | sort | tr '\n' ' ')" \
  "/page?t=1 /private/1 /robots.txt " "A saw robots.txt and the two allowed"

# 3. Without --robots nothing asks for robots.txt.
af_reset "$A"
"$AFETCH" --json --no-summary "$tmp/in2.txt" >"$tmp/out3.json"
assert_eq "$(count "$A" '^/robots\.txt$')" 0 "no robots.txt without --robots"

# 4. A stop while a robots.txt is still on its way (a listener that never
# answers): the waiting lines end as cancelled, not stuck behind it.
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
print(s.getsockname()[1], flush=True); time.sleep(60)' >"$tmp/mute.port" &
af__extra+=("$!")
for ((i = 0; i < 250; i++)); do
  [[ -s $tmp/mute.port ]] && break
  sleep 0.02
done
mute=$(cat "$tmp/mute.port")
for i in 1 2 3; do echo "http://127.0.0.1:$mute/m$i"; done >"$tmp/in4.txt"
"$AFETCH" --json --no-summary --robots "$tmp/in4.txt" >"$tmp/out4.json" &
pid=$!
# Poll until its robots.txt connection is up (the kernel completes it).
for ((i = 0; i < 250; i++)); do
  [[ -n $(ss -Htn state established "dst 127.0.0.1:$mute") ]] && break
  sleep 0.02
done
kill -INT "$pid"
for ((i = 0; i < 500; i++)); do
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.02
done
if kill -0 "$pid" 2>/dev/null; then
  kill -KILL "$pid"
  fail "the run did not end within 10 s of the stop"
fi
rc=0
wait "$pid" || rc=$?
assert_eq "$rc" 130 "interrupted"
assert_eq "$(jq -r .error_kind "$tmp/out4.json" | sort | uniq -c |
  awk '{print $2 "=" $1}')" "cancelled=3" "every waiting line cancelled"

# --- a robots.txt that moved, and one larger than what is parsed ------------
# E: moved 3 times (301s): followed, its rules hold. F: moved 6 times, past
# the 5 redirects RFC 9309 asks for: no file, so allow all. G: 600 KiB, a
# rule at the start and one past the 500 KiB that are parsed: only the
# first holds, and memory stays bounded.
printf 'User-agent: *\nDisallow: /private\n' >"$tmp/robots-e.txt"
{
  printf 'User-agent: *\nDisallow: /first\n'
  awk 'BEGIN { for (i = 0; i < 8000; i++) printf "# %075d\n", i }'
  printf 'Disallow: /late\n'
} >"$tmp/robots-g.txt"
af_start_server --robots "$tmp/robots-e.txt" --robots-redirects 3
E=$AF_BASE4
af_start_server --robots "$tmp/robots-e.txt" --robots-redirects 6
F=$AF_BASE5
af_start_server --robots "$tmp/robots-g.txt"
G=$AF_BASE6
printf '%s\n' "$E/page?e" "$E/private/e" "$F/page?f" "$F/private/f" \
  "$G/first/g" "$G/late/g" "$G/page?g" >"$tmp/in5.txt"
"$AFETCH" --json --no-summary --robots "$tmp/in5.txt" >"$tmp/out5.json" || true
kind() { jq -r --arg u "$1" 'select(.url == $u) | .error_kind // .status' \
  "$tmp/out5.json"; }
assert_eq "$(kind "$E/private/e")" robots "moved 3 times: its rule holds"
assert_eq "$(kind "$E/page?e")" 200 "moved 3 times: other paths fetched"
assert_eq "$(af_log "$E" | awk '{print $2}' | grep -c '^/robots')" 4 \
  "moved 3 times: /robots.txt and its 3 moves, each once"
assert_eq "$(af_log "$F" | awk '{print $2}' | grep -c '^/private/f$')" 1 \
  "moved 6 times: no file, allow all (the path was requested)"
assert_eq "$(af_log "$F" | awk '{print $2}' | grep -c '^/robots')" 6 \
  "moved 6 times: /robots.txt and 5 redirects followed, no more"
assert_eq "$(kind "$G/first/g")" robots "600 KiB robots.txt: the first rule"
assert_eq "$(af_log "$G" | awk '{print $2}' | grep -c '^/late/g$')" 1 \
  "600 KiB robots.txt: a rule past 500 KiB does not hold"
assert_eq "$(af_log "$G" | awk '{print $2}' | grep -c '^/first')" 0 \
  "600 KiB robots.txt: the refused path was not requested"

pass
