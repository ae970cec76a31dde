#!/usr/bin/env bash
# `cmake --install` into a scratch prefix installs a working afetch: the
# binary, the shared and static libraries, the header, a pkg-config file
# that points into that prefix, the man page and the shell completions. A
# program written against afetch.h alone (examples/titles.c) builds from
# pkg-config's flags, shared and static, and fetches from the test server.
set -euo pipefail
source "$AF_SRC/tests/cli/lib.sh"
command -v pkg-config >/dev/null || fail "pkg-config is needed"
CC=${CC:-cc}

prefix=$AF_TMP/prefix
cmake --install "$AF_BUILD" --prefix "$prefix" >"$AF_TMP/install.log" 2>&1 ||
  fail "cmake --install failed: $(cat "$AF_TMP/install.log")"

# GNUInstallDirs chose the library directory at configure time: lib, lib64
# or lib/<multiarch>. Find it instead of guessing.
a=$(find "$prefix" -name libafetch.a -print -quit)
[[ -n $a ]] || fail "libafetch.a was not installed: $(cat "$AF_TMP/install.log")"
libdir=$(dirname "$a")
rel=${libdir#"$prefix"/}
[[ $rel =~ ^lib(64|/[a-z0-9_]+-linux-gnu[a-z0-9_]*)?$ ]] ||
  fail "unexpected library directory '$rel'"

for f in bin/afetch "$rel/libafetch.a" "$rel/libafetch.so" \
  "$rel/pkgconfig/afetch.pc" include/afetch.h share/man/man1/afetch.1 \
  share/bash-completion/completions/afetch \
  share/zsh/vendor-completions/_afetch; do
  [[ -f $prefix/$f ]] || fail "not installed: $f"
done
[[ -x $prefix/bin/afetch ]] || fail "bin/afetch is not executable"
cmp -s "$prefix/include/afetch.h" "$AF_SRC/include/afetch.h" ||
  fail "the installed header differs from include/afetch.h"

# The shared library: a versioned file, the SONAME link, and only the public
# afetch_ names exported (internal af_ names are hidden).
so=$(readlink -f "$libdir/libafetch.so")
[[ $so == "$libdir"/libafetch.so.* ]] || fail "libafetch.so -> $so"
soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[[ $soname == libafetch.so.[0-9]* ]] || fail "SONAME is '$soname'"
[[ -e $libdir/$soname ]] || fail "no $soname link in $rel"
exported=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -v '^afetch_' |
  grep -v '^_init$\|^_fini$' || true)
assert_eq "$exported" "" "symbols exported besides afetch_*"
nm -D --defined-only "$so" | grep -q ' afetch_new$' ||
  fail "afetch_new is not exported"

# The installed command line works on its own.
"$prefix/bin/afetch" --version >"$AF_TMP/version.txt" ||
  fail "installed afetch --version failed"
grep -q '^afetch/' "$AF_TMP/version.txt" || fail "version: $(cat "$AF_TMP/version.txt")"

# ---------------------------------------------------------------------------
# pkg-config. The .pc file must describe the prefix it was installed to,
# not the one the build was configured with.
export PKG_CONFIG_PATH=$libdir/pkgconfig
pkg-config --exists --print-errors afetch 2>"$AF_TMP/pc.err" ||
  fail "pkg-config afetch: $(cat "$AF_TMP/pc.err")"
version=$(sed -n 's/^#define AFETCH_VERSION "\(.*\)"/\1/p' "$AF_SRC/include/afetch.h")
assert_eq "$(pkg-config --modversion afetch)" "$version" "pkg-config version"
pc_prefix=$(readlink -f "$(pkg-config --variable=prefix afetch)")
assert_eq "$pc_prefix" "$prefix" \
  "prefix in the installed afetch.pc (not relative to the installed file?)"
assert_eq "$(readlink -f "$(pkg-config --variable=libdir afetch)")" "$libdir" \
  "pkg-config libdir"

# A sanitizer build's library needs the sanitizer runtime in the program.
san=()
if grep -q '^AFETCH_SANITIZE:BOOL=ON' "$AF_BUILD/CMakeCache.txt" 2>/dev/null; then
  san=("-fsanitize=address,undefined")
fi
strict=(-std=c11 -Wall -Wextra -Werror "${san[@]}")

# The header alone compiles as C11 and as C++.
printf '#include <afetch.h>\nint main(void){return 0;}\n' >"$AF_TMP/h.c"
read -ra cflags <<<"$(pkg-config --cflags afetch)"
"$CC" "${strict[@]}" -fsyntax-only "${cflags[@]}" "$AF_TMP/h.c" ||
  fail "afetch.h does not compile as C11"
if command -v c++ >/dev/null; then
  c++ -x c++ -Wall -Wextra -Werror -fsyntax-only "${cflags[@]}" "$AF_TMP/h.c" ||
    fail "afetch.h does not compile as C++"
fi

# Shared: cc titles.c $(pkg-config --cflags --libs afetch)
read -ra flags <<<"$(pkg-config --cflags --libs afetch)"
"$CC" "${strict[@]}" -o "$AF_TMP/titles-shared" "$AF_SRC/examples/titles.c" \
  "${flags[@]}" 2>"$AF_TMP/cc.err" ||
  fail "shared build with pkg-config flags: $(cat "$AF_TMP/cc.err")"
readelf -d "$AF_TMP/titles-shared" | grep -q "NEEDED.*\[$soname\]" ||
  fail "titles-shared does not link $soname"

# Static: the archive and pkg-config --static (afetch's Requires.private,
# and theirs), so the program does not need libafetch.so at run time.
read -ra flags <<<"$(pkg-config --static --cflags --libs afetch)"
for i in "${!flags[@]}"; do
  [[ ${flags[i]} == -lafetch ]] && flags[i]=-l:libafetch.a
done
"$CC" "${strict[@]}" -o "$AF_TMP/titles-static" "$AF_SRC/examples/titles.c" \
  "${flags[@]}" 2>"$AF_TMP/cc.err" ||
  fail "static build with pkg-config --static flags: $(cat "$AF_TMP/cc.err")"
if readelf -d "$AF_TMP/titles-static" | grep -q 'NEEDED.*libafetch'; then
  fail "titles-static still needs libafetch.so"
fi

af_start_server
for kind in shared static; do
  bin=$AF_TMP/titles-$kind
  env=()
  [[ $kind == shared ]] && env=(LD_LIBRARY_PATH="$libdir")
  if [[ $kind == shared ]]; then
    # Captured first: grep -q would close the pipe early, and under
    # pipefail ldd's SIGPIPE would fail the check.
    deps=$(env "${env[@]}" ldd "$bin")
    grep -q "libafetch.so.* => $libdir/" <<<"$deps" ||
      fail "titles-shared does not load the installed library: $deps"
  fi
  env "${env[@]}" "$bin" "$AF_BASE/page/inst-$kind" "$AF_BASE/page/two-$kind" \
    >"$AF_TMP/$kind.out" 2>"$AF_TMP/$kind.err" ||
    fail "titles-$kind failed: $(cat "$AF_TMP/$kind.out" "$AF_TMP/$kind.err")"
  grep -qx "200 $AF_BASE/page/inst-$kind Page /page/inst-$kind" "$AF_TMP/$kind.out" ||
    fail "titles-$kind printed: $(cat "$AF_TMP/$kind.out")"
  assert_eq "$(wc -l <"$AF_TMP/$kind.out")" 2 "titles-$kind lines"
done
assert_eq "$(af_stat requests_total)" 4 "requests from the two programs"

# ---------------------------------------------------------------------------
# The man page renders without warnings and is found under the prefix.
man1=$prefix/share/man/man1/afetch.1
man --warnings -l "$man1" >"$AF_TMP/man.txt" 2>"$AF_TMP/man.err" ||
  fail "man -l failed: $(cat "$AF_TMP/man.err")"
[[ ! -s $AF_TMP/man.err ]] || fail "man warnings: $(cat "$AF_TMP/man.err")"
groff -man -Tutf8 -ww "$man1" >/dev/null 2>"$AF_TMP/groff.err" ||
  fail "groff failed: $(cat "$AF_TMP/groff.err")"
[[ ! -s $AF_TMP/groff.err ]] || fail "groff warnings: $(cat "$AF_TMP/groff.err")"
assert_eq "$(MANPATH=$prefix/share/man man -w afetch)" "$man1" "man -w afetch"
MANWIDTH=200 man -l "$man1" 2>/dev/null | sed 's/.\x08//g' >"$AF_TMP/man.txt"
grep -q '^NAME' "$AF_TMP/man.txt" || fail "the man page has no NAME section"

# Every long option of --help is in the man page and both completions.
"$prefix/bin/afetch" --help >"$AF_TMP/help.txt"
opts=$(grep -oE -- '--[a-z][a-z0-9.-]*' "$AF_TMP/help.txt" | sort -u)
[[ $(wc -l <<<"$opts") -ge 25 ]] || fail "too few options in --help: $opts"
bash_c=$prefix/share/bash-completion/completions/afetch
zsh_c=$prefix/share/zsh/vendor-completions/_afetch
for o in $opts; do
  grep -qE -- "(^|[^a-z-])$o([^a-z0-9-]|$)" "$AF_TMP/man.txt" ||
    fail "$o is not in the man page"
  grep -qE -- "(^|[^a-z-])$o([^a-z0-9-]|$)" "$bash_c" ||
    fail "$o is not in the bash completion"
  grep -qE -- "(^|[^a-z-])$o([^a-z0-9-]|$)" "$zsh_c" ||
    fail "$o is not in the zsh completion"
done

# The bash completion offers options and the values of --order, --color
# and --default-scheme (with or without the bash-completion package).
comp() {
  bash --norc --noprofile -c '
    source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
    COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    _afetch afetch "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    echo "${COMPREPLY[*]}"' comp "$bash_c" "$@"
}
assert_eq "$(comp afetch --ord)" "--order" "completion of --ord"
assert_eq "$(comp afetch --order '')" "completion input" "--order values"
assert_eq "$(comp afetch --color '')" "auto never always" "--color values"
assert_eq "$(comp afetch --default-scheme ht)" "http https" "--default-scheme"
assert_eq "$(comp afetch --color = n)" "never" "--color=n"
assert_eq "$(comp afetch -c '')" "" "no values offered for a number"
if command -v zsh >/dev/null; then
  zsh -n "$zsh_c" || fail "_afetch is not valid zsh"
  head -1 "$zsh_c" | grep -qx '#compdef afetch' || fail "_afetch: no #compdef line"
else
  echo "note: zsh is not installed; _afetch not syntax-checked" >&2
fi

pass
