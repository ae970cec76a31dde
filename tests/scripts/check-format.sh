#!/usr/bin/env bash
# The tree stays formatted: every tracked C file as .clang-format wants it.
# Outside a git checkout, every C file under src, include, tests, examples
# and bench.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
command -v clang-format >/dev/null || {
  echo "FAIL format: clang-format is not installed" >&2
  exit 1
}
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.c' '*.h')
else
  mapfile -t files < <(find src include tests examples bench -name '*.[ch]')
fi
[ "${#files[@]}" -gt 0 ] || { echo "FAIL format: no C files found" >&2; exit 1; }
bad=()
for f in "${files[@]}"; do
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ "${#bad[@]}" -gt 0 ]; then
  echo "FAIL format: run clang-format -i on: ${bad[*]}" >&2
  exit 1
fi
echo "PASS format (${#files[@]} files)"
