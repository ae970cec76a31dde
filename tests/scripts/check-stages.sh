#!/bin/bash
# The engine is a hub (docs/DESIGN.md section 2): a stage reports through
# the callbacks it was handed, so its object file references no symbol
# that the engine (engine.c, api.c) or another stage defines. A stage that
# calls back into them closes a loop in the link graph again.
# Usage: check-stages.sh OBJDIR  (the directory holding sched.c.o, ...)
set -u
dir=${1:?usage: check-stages.sh OBJDIR}
stages="sched transfer parse input dns"
hub="engine api"
fail=0
defined() { nm --defined-only -g "$dir/$1.c.o" | awk '{print $3}'; }
for s in $stages; do
  obj=$dir/$s.c.o
  if [ ! -f "$obj" ]; then
    echo "FAIL stages: no $obj"
    exit 1
  fi
  undef=$(nm -u "$obj" | awk '{print $2}' | sort -u)
  for other in $hub $stages; do
    [ "$other" = "$s" ] && continue
    bad=$(comm -12 <(echo "$undef") <(defined "$other" | sort -u))
    if [ -n "$bad" ]; then
      echo "FAIL stages: $s.c uses what $other.c defines:" $bad
      fail=1
    fi
  done
  if echo "$undef" | grep -q '^af_engine_'; then
    echo "FAIL stages: $s.c calls the engine:" $(echo "$undef" | grep '^af_engine_')
    fail=1
  fi
done
[ $fail = 0 ] && echo "ok: $stages reference neither the engine nor each other"
exit $fail
