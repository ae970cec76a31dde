#!/usr/bin/env bash
# CPack makes a Debian package that holds what `cmake --install` installs
# under /usr (multiarch library directory included) and depends on the
# runtime packages of libcurl, libuv and gumbo, as dpkg-shlibdeps finds them.
# The package is inspected and unpacked into a scratch directory, never
# installed: a test must not change the machine.
#
# It builds from a scratch tree configured with CMAKE_INSTALL_PREFIX=/usr
# (that is what a package is built with; GNUInstallDirs picks the multiarch
# lib directory only for /usr), building only the installed targets, at low
# priority so the timing tests that run next to it are not starved.
set -euo pipefail
source "$AF_SRC/tests/cli/lib.sh"
for tool in cpack dpkg-deb dpkg-shlibdeps dpkg-architecture; do
  command -v "$tool" >/dev/null || fail "$tool is needed (apt dpkg-dev, cmake)"
done

b=$AF_TMP/build
cmake -S "$AF_SRC" -B "$b" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_INSTALL_PREFIX=/usr -DAFETCH_TESTS=OFF \
  -DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=ON >"$AF_TMP/configure.log" 2>&1 ||
  fail "configure failed: $(tail -20 "$AF_TMP/configure.log")"
nice -n 10 cmake --build "$b" -j2 --target afetch afetch_shared afetch_static \
  >"$AF_TMP/build.log" 2>&1 || fail "build failed: $(tail -30 "$AF_TMP/build.log")"
(cd "$b" && cpack -G DEB -B "$AF_TMP/pkg") >"$AF_TMP/cpack.log" 2>&1 ||
  fail "cpack failed: $(tail -30 "$AF_TMP/cpack.log")"

debs=("$AF_TMP"/pkg/afetch_*.deb)
[[ ${#debs[@]} == 1 && -f ${debs[0]} ]] ||
  fail "expected one afetch_*.deb: $(ls "$AF_TMP/pkg")"
deb=${debs[0]}

# Control fields.
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
version=$(sed -n 's/^#define AFETCH_VERSION "\(.*\)"/\1/p' "$AF_SRC/include/afetch.h")
assert_eq "$(dpkg-deb -f "$deb" Package)" afetch "Package"
assert_eq "$(dpkg-deb -f "$deb" Version)" "$version" "Version"
assert_eq "$(dpkg-deb -f "$deb" Architecture)" "$arch" "Architecture"
assert_eq "$(basename "$deb")" "afetch_${version}_$arch.deb" "file name"
dpkg-deb -I "$deb" >"$AF_TMP/info.txt" || fail "dpkg-deb -I failed"
depends=$(dpkg-deb -f "$deb" Depends)
for dep in libc6 libcurl4 libuv1 libgumbo1; do
  # "name (>= version)" or "name", in a comma-separated list.
  [[ ", $depends," =~ ,\ ${dep}[\ ,] ]] ||
    fail "Depends lacks $dep: '$depends'"
done
[[ $depends != *asan* && $depends != *ubsan* ]] ||
  fail "a sanitizer runtime in Depends: '$depends'"

# Contents: everything under /usr, owned by root, nothing from the build
# machine's paths.
dpkg-deb -c "$deb" >"$AF_TMP/contents.txt" || fail "dpkg-deb -c failed"
paths=$(awk '{print $6}' "$AF_TMP/contents.txt" | sed 's#^\./#/#')
for p in /usr/bin/afetch \
  "/usr/lib/$multiarch/libafetch.so" "/usr/lib/$multiarch/libafetch.a" \
  "/usr/lib/$multiarch/pkgconfig/afetch.pc" /usr/include/afetch.h \
  /usr/share/man/man1/afetch.1 /usr/share/bash-completion/completions/afetch \
  /usr/share/zsh/vendor-completions/_afetch; do
  grep -qx -- "$p" <<<"$paths" || fail "the package lacks $p"
done
grep -qE "^/usr/lib/$multiarch/libafetch\.so\.[0-9]+$" <<<"$paths" ||
  fail "the package lacks the SONAME link libafetch.so.N"
outside=$(grep -vE '^/$|^/usr(/|$)' <<<"$paths" || true)
assert_eq "$outside" "" "files outside /usr"
if grep -q '/usr/local' <<<"$paths"; then
  fail "/usr/local in the package"
fi
owners=$(awk '{print $2}' "$AF_TMP/contents.txt" | sort -u)
assert_eq "$owners" "root/root" "file owners"

# Unpacked (not installed): the pkg-config file points at the tree it lies
# in (/usr once installed; relative, so here the unpacked usr/), and the
# binary runs from the unpacked tree against the test server.
x=$AF_TMP/x
dpkg-deb -x "$deb" "$x"
pc=$x/usr/lib/$multiarch/pkgconfig/afetch.pc
pcvar() { PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --variable="$1" afetch; }
assert_eq "$(readlink -f "$(pcvar prefix)")" "$x/usr" "prefix in the packaged .pc"
assert_eq "$(readlink -f "$(pcvar libdir)")" "$x/usr/lib/$multiarch" \
  "libdir in the packaged .pc"
if grep -rqsF -e "$AF_TMP" -e "$AF_SRC" "$pc" "$x/usr/share"; then
  fail "build paths leaked into the package"
fi
cmp -s "$x/usr/share/man/man1/afetch.1" "$AF_SRC/docs/afetch.1" ||
  fail "the packaged man page differs from docs/afetch.1"

af_start_server
"$x/usr/bin/afetch" --json --no-summary - >"$AF_TMP/run.jsonl" \
  <<<"$AF_BASE/page/pkg" || fail "the packaged afetch failed"
assert_eq "$(jq -r '"\(.status) \(.title)"' "$AF_TMP/run.jsonl")" \
  "200 Page /page/pkg" "packaged afetch result"

pass
