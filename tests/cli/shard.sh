#!/usr/bin/env bash
# --shard K/N (K from 1 to N, as split -n K/N): N processes over one list
# take every input line exactly once,
# every host lives in exactly one shard, and membership is the documented
# hash (FNV-1a 64 of the lower-cased host, mod N), recomputed here. Also: the
# GNU parallel recipe of docs/SHARDING.md, --per-host holding across shards
# run at the same time, bad --shard values, and the Kubernetes example.
#
# Hosts: "localhost", "127.0.0.1" and hN.localhost, which libcurl resolves
# to loopback itself (curl >= 7.78, no /etc/hosts entry needed); a few
# 127.0.0.X addresses where nothing listens (connect errors are results
# too); [::1]; invalid lines, which are placed by the hash of the line.
set -euo pipefail
source "$AF_SRC/tests/cli/lib.sh"
command -v python3 >/dev/null || fail "python3 is needed"
command -v jq >/dev/null || fail "jq is needed"
command -v parallel >/dev/null || fail "GNU parallel is needed (apt parallel)"

af_start_server
P=$AF_PORT
d=$AF_TMP/shard
mkdir -p "$d"

# libcurl must resolve *.localhost to loopback, or this test means nothing.
printf 'http://h1.localhost:%s/page/probe\n' "$P" >"$d/probe.txt"
"$AFETCH" --json --no-summary "$d/probe.txt" >"$d/probe.jsonl" ||
  fail "h1.localhost does not resolve to loopback: $(cat "$d/probe.jsonl")"

# ---------------------------------------------------------------------------
# The list: ~200 URLs over 45 hosts, mixed case, plus comments, blank lines,
# white space and invalid lines, so line numbers have gaps.
urls=$d/urls.txt
{
  echo "# shard test list"
  for ((i = 0; i < 150; i++)); do
    h=$((i % 40 + 1))
    case $((i % 7)) in
      0) host="H$h.LocalHost" ;;
      *) host="h$h.localhost" ;;
    esac
    echo "http://$host:$P/page/s$i"
    if ((i % 25 == 0)); then
      echo ""
      echo "   # a comment"
    fi
  done
  for ((i = 0; i < 20; i++)); do
    echo "  http://localhost:$P/page/l$i  "
    echo "127.0.0.1:$P/page/n$i"
  done
  for ((i = 2; i < 8; i++)); do
    echo "http://127.0.0.$i:$P/page/refused$i"
  done
  echo "http://[::1]:$P/page/v6"
  echo "not a url"
  echo "ftp://127.0.0.1/file"
  echo "http://h5.localhost:99999/bad-port"
  echo "http://exa mple.com/space"
} >"$urls"

# part-$k.jsonl holds shard K = k + 1: the parts are numbered from 0 like
# the hash's remainder (and JOB_COMPLETION_INDEX), the option from 1.
N=4
rcs=()
for ((k = 0; k < N; k++)); do
  rc=0
  "$AFETCH" --json --no-summary --shard "$((k + 1))/$N" "$urls" \
    >"$d/part-$k.jsonl" 2>"$d/err-$k.txt" || rc=$?
  rcs+=("$rc")
  # 1: the shard holds a refused or invalid URL; anything else is wrong.
  assert_le "$rc" 1 "shard $((k + 1))/$N exit status ($(cat "$d/err-$k.txt"))"
done
for ((k = 0; k < N; k++)); do
  jq -e . "$d/part-$k.jsonl" >/dev/null || fail "shard $k: invalid JSON"
done

# Every check that needs the hash or URL parsing, in one place. Prints
# nothing and exits 0 when the shards are right; else one line per problem.
cat >"$d/check.py" <<'EOF'
import json, sys, urllib.parse

def fnv1a64(b):
    h = 0xcbf29ce484222325
    for c in b:
        if 65 <= c <= 90:
            c += 32
        h ^= c
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h

urls_path, n, parts = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
errors = []
if fnv1a64(b"example.com") != 0x576846634e2714c6:
    errors.append("the test's own FNV-1a is wrong")

# Input lines that make a result: not blank, not a # comment (after trim).
expected = {}
with open(urls_path, "rb") as f:
    for no, raw in enumerate(f, 1):
        t = raw.strip(b" \t\r\n")
        if t and not t.startswith(b"#"):
            expected[no] = t

seen = {}
host_shard = {}
for k, path in enumerate(parts):
    with open(path, encoding="utf-8") as f:
        for text in f:
            r = json.loads(text)
            line = r["line"]
            if line in seen:
                errors.append("line %d in shards %d and %d" % (line, seen[line], k))
            seen[line] = k
            if line not in expected:
                errors.append("shard %d: line %d is not a URL line" % (k, line))
                continue
            src = expected[line]
            ok_url = r["error_kind"] not in ("invalid_url", "scheme")
            if ok_url:
                u = src.decode()
                if "://" not in u:
                    u = "http://" + u
                host = urllib.parse.urlsplit(u).hostname  # lower-cased
                key = host.encode()
                other = host_shard.setdefault(host, k)
                if other != k:
                    errors.append("host %s in shards %d and %d" % (host, other, k))
            else:
                key = src
            want = fnv1a64(key) % n
            if want != k:
                errors.append("line %d (%s) in shard %d, hash says %d"
                              % (line, key.decode(), k, want))

missing = sorted(set(expected) - set(seen))
if missing:
    errors.append("lines without a result: %s" % missing[:20])
counts = [sum(1 for v in seen.values() if v == k) for k in range(len(parts))]
if len(parts) > 1 and min(counts) == 0:
    errors.append("an empty shard: %s" % counts)
print("\n".join(errors))
sys.exit(1 if errors else 0)
EOF
parts=()
for ((k = 0; k < N; k++)); do
  parts+=("$d/part-$k.jsonl")
done
out=$(python3 "$d/check.py" "$urls" "$N" "${parts[@]}") ||
  fail "shards are wrong: $out"

# The numbers, once more in plain shell: the union is exactly the input.
want_lines=$(grep -cvE '^[[:space:]]*(#|$)' "$urls")
got_lines=$(cat "${parts[@]}" | wc -l)
assert_eq "$got_lines" "$want_lines" "results over all shards"
dups=$(cat "${parts[@]}" | jq -r .line | sort -n | uniq -d | wc -l)
assert_eq "$dups" 0 "line numbers seen twice"

# The server saw each reachable URL exactly once over all shards: the
# localhost, 127.0.0.1 and hN.localhost lines (the probe came first).
reachable=$(grep -cE '^[[:space:]]*(http://)?(localhost|127\.0\.0\.1|[hH][0-9]+\.[lL]ocal[hH]ost):'"$P"'/' "$urls")
assert_eq "$(af_stat requests_total)" "$((reachable + 1))" \
  "requests the server saw over all shards"

# One shard of one means everything; a one-host list lands in one shard.
"$AFETCH" --json --no-summary --shard 1/1 "$urls" >"$d/all.jsonl" || true
assert_eq "$(wc -l <"$d/all.jsonl")" "$want_lines" "--shard 1/1 keeps all"
seq 1 12 | sed "s#^#http://localhost:$P/page/one#" >"$d/one-host.txt"
nonempty=0
for ((k = 0; k < N; k++)); do
  n=$("$AFETCH" --json --no-summary --shard "$((k + 1))/$N" "$d/one-host.txt" |
    wc -l)
  if ((n > 0)); then
    assert_eq "$n" 12 "the one-host shard holds every line"
    nonempty=$((nonempty + 1))
  fi
done
assert_eq "$nonempty" 1 "shards holding the single host"

# ---------------------------------------------------------------------------
# The GNU parallel recipe from docs/SHARDING.md, run locally: its merge is
# the union of the shards above (timings aside).
# Fields that do not depend on timing, to compare runs.
stable='[.[] | {line, url, status, error_kind, title}]'
prc=0
parallel --will-cite -j"$N" "$AFETCH" --json --no-summary --shard "{}/$N" \
  "$urls" ::: 1 2 3 4 >"$d/parallel.jsonl" 2>"$d/parallel.err" ||
  prc=$?
# parallel exits with the number of failed jobs: here the shards that
# hold a refused URL, as counted above.
failed=0
for rc in "${rcs[@]}"; do
  ((rc == 0)) || failed=$((failed + 1))
done
assert_eq "$prc" "$failed" "parallel's exit status ($(cat "$d/parallel.err"))"
jq -s "sort_by(.line) | $stable" "$d/parallel.jsonl" >"$d/merge-parallel.json"
cat "${parts[@]}" | jq -s "sort_by(.line) | $stable" >"$d/merge-shards.json"
cmp -s "$d/merge-parallel.json" "$d/merge-shards.json" ||
  fail "parallel merge differs: $(diff "$d/merge-parallel.json" "$d/merge-shards.json" | head -20)"
# The line-by-line merge of SHARDING.md is sorted and complete.
jq -s -c 'sort_by(.line)[]' "$d/parallel.jsonl" >"$d/merged.jsonl"
assert_eq "$(jq -r .line "$d/merged.jsonl" | sort -n -c && echo sorted)" \
  sorted "merged output is in line order"
assert_eq "$(wc -l <"$d/merged.jsonl")" "$want_lines" "merged lines"

# ---------------------------------------------------------------------------
# --per-host holds globally: every host lives in one shard, so 4 shards
# running at once over 8 hosts never put more than 2 transfers on a host.
af_reset
: >"$d/slow.txt"
for ((h = 1; h <= 8; h++)); do
  for ((j = 0; j < 6; j++)); do
    echo "http://h$h.localhost:$P/delay/150/p$h-$j" >>"$d/slow.txt"
  done
done
pids=()
for ((k = 0; k < N; k++)); do
  "$AFETCH" --json --no-summary --per-host 2 --shard "$((k + 1))/$N" \
    "$d/slow.txt" >"$d/slow-$k.jsonl" 2>&1 &
  pids+=("$!")
done
for pid in "${pids[@]}"; do
  wait "$pid" || fail "a --per-host shard failed"
done
assert_eq "$(cat "$d"/slow-*.jsonl | wc -l)" 48 "results of the --per-host run"
for ((h = 1; h <= 8; h++)); do
  got=$(af_host_stat inflight_max "h$h.localhost:$P")
  assert_ge "$got" 1 "h$h.localhost was fetched"
  assert_le "$got" 2 "in flight at once on h$h.localhost over all shards"
done

# ---------------------------------------------------------------------------
# Bad values are usage errors, before any traffic.
af_reset
for bad in 0/4 5/4 x/2 1/0 0/0 -1/4 1/x 1 1/2/3 "1/4 " " 1/4" +1/4 "" /4 1/; do
  rc=0
  "$AFETCH" --shard "$bad" "$urls" >/dev/null 2>"$d/bad.err" || rc=$?
  assert_eq "$rc" 2 "--shard '$bad' exit status"
  grep -q -- "--shard" "$d/bad.err" || fail "--shard '$bad': no message"
done
assert_eq "$(af_stat requests_total)" 0 "requests after bad --shard values"

# ---------------------------------------------------------------------------
# The Kubernetes example parses and is an Indexed Job with one pod a shard.
# JOB_COMPLETION_INDEX is 0-based: the command adds 1.
job=$AF_SRC/examples/k8s/afetch-job.yaml
[[ -f $job ]] || fail "missing $job"
python3 - "$job" "$d/k8s-cmd.sh" <<'EOF' || fail "examples/k8s/afetch-job.yaml is wrong"
import re, sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
jobs = [d for d in docs if d.get("kind") == "Job"]
assert len(jobs) == 1, "one Job"
spec = jobs[0]["spec"]
assert spec["completionMode"] == "Indexed", "completionMode"
assert spec["completions"] == spec["parallelism"], "completions = parallelism"
n = spec["completions"]
c = spec["template"]["spec"]["containers"][0]
cmd = " ".join(c.get("command", []) + c.get("args", []))
assert "--shard" in cmd and "JOB_COMPLETION_INDEX" in cmd, "--shard command"
assert "JOB_COMPLETION_INDEX + 1" in cmd, "K = index + 1"
assert re.search(r"/%d\b" % n, cmd), "N in the command matches completions"
assert spec["template"]["spec"]["restartPolicy"] in ("Never", "OnFailure")
assert c["command"] == ["sh", "-c"], "runs through sh -c"
assert n == 4, "the local run below assumes 4 shards"
open(sys.argv[2], "w").write(c["args"][0] + "\n")
EOF

# The recipe for one's own list drops exactly the sample ConfigMap.
sed '1,/^---$/d' "$job" >"$d/job-only.yaml"
kinds=$(python3 -c 'import sys, yaml
print(" ".join(d["kind"] for d in yaml.safe_load_all(open(sys.argv[1])) if d))' \
  "$d/job-only.yaml")
assert_eq "$kinds" "PersistentVolumeClaim Job" "the Job file without its ConfigMap"

# Run the Job's exact shell command locally for every index, with /data and
# /out pointing here, and merge the parts as docs/SHARDING.md says: the
# result is the same as the shards above.
mkdir -p "$d/bin" "$d/out"
ln -s "$AFETCH" "$d/bin/afetch"
sed -e "s#/data/urls.txt#$urls#g" -e "s#/out/#$d/out/#g" "$d/k8s-cmd.sh" \
  >"$d/k8s-local.sh"
for ((k = 0; k < N; k++)); do
  JOB_COMPLETION_INDEX=$k PATH="$d/bin:$PATH" sh "$d/k8s-local.sh" ||
    fail "the Job command failed for index $k"
done
assert_eq "$(find "$d/out" -name 'part-*.jsonl' | wc -l)" "$N" "Job parts"
# Index k ran shard k + 1: its part holds the same lines as part-$k above.
for ((k = 0; k < N; k++)); do
  assert_eq "$(jq -r .line "$d/out/part-$k.jsonl" | sort -n | tr '\n' ' ')" \
    "$(jq -r .line "$d/part-$k.jsonl" | sort -n | tr '\n' ' ')" \
    "Job index $k holds shard $((k + 1))/$N"
done
cat "$d"/out/part-*.jsonl | jq -s 'sort_by(.line)[]' -c |
  jq -s "$stable" >"$d/merge-k8s.json"
cmp -s "$d/merge-k8s.json" "$d/merge-shards.json" ||
  fail "Job merge differs: $(diff "$d/merge-k8s.json" "$d/merge-shards.json" | head -20)"

pass
