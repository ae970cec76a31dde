#!/usr/bin/env bash
# Pages in other charsets reach the output as the right UTF-8 text, from
# the Content-Type header or from <meta>.
set -euo pipefail
source "$AF_SRC/tests/cli/lib.sh"
af_start_server
tmp=$(mktemp -d -p "$AF_TMP")

declare -A want=(
  [euc-kr]="한국어 제목"
  [shift_jis]="日本語のタイトル"
  [gb18030]="中文标题"
  [big5]="中文標題"
  [windows-1252]="Café – “quoted” €"
  [iso-8859-1]="Café résumé"
)
for cs in "${!want[@]}"; do
  for kind in charset charset-meta; do
    got=$(echo "$AF_BASE/$kind/$cs" | "$AFETCH" --json --no-summary |
      jq -r .title)
    assert_eq "$got" "${want[$cs]}" "$kind/$cs"
  done
done
# An unknown charset: lossy but valid UTF-8, never garbage bytes.
echo "$AF_BASE/charset/unknown" | "$AFETCH" --json --no-summary >"$tmp/u.json"
iconv -f UTF-8 -t UTF-8 "$tmp/u.json" >/dev/null || fail "invalid UTF-8"
jq -e '.title != null' "$tmp/u.json" >/dev/null || fail "no title"
pass charsets
