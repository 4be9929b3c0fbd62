#!/bin/sh
# Every long option printed by --help must be documented in the man page, the
# page renders without words run together, and its version (.TH) is the one
# of the file VERSION, which --version prints.
#   check-man.sh BIN MAN [VERSION-FILE]
set -eu
bin=$1; man=$2; vfile=${3:-$(dirname "$0")/../VERSION}
missing=0
version=$(cat "$vfile")
th=$(sed -n 's/^\.TH .*"aiomon-attach \([^"]*\)".*/\1/p' "$man")
if [ "$th" != "$version" ]; then
    echo "check-man: $man says version '$th', $vfile says '$version'"
    missing=1
fi
if [ "$("$bin" --version)" != "aiomon-attach $version" ]; then
    echo "check-man: $bin --version prints '$("$bin" --version)', $vfile says '$version' (rebuild?)"
    missing=1
fi
for opt in $("$bin" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
    esc=$(printf '%s' "$opt" | sed 's/-/\\\\-/g')
    if ! grep -q -- "$esc" "$man" && ! grep -q -- "$opt" "$man"; then
        echo "check-man: $opt is in --help but not in $man"
        missing=1
    fi
done
# every output format of the writer table (as --help lists them) has its line under --format
formats=$("$bin" --help | sed -n 's/.*--format FMT *output format: \(.*\) (default.*/\1/p' | tr -d ,)
[ -n "$formats" ] || { echo "check-man: no format list in --help"; missing=1; }
for fmt in $formats; do
    if ! grep -qx "\.B $fmt" "$man"; then
        echo "check-man: format $fmt is in --help but has no '.B $fmt' line in $man"
        missing=1
    fi
done
# Rendered as a reader sees it: no words run together by a macro (".BR x ),"
# once gave "_Py_DebugOffsets),stopsitonlywhileitreads").
if command -v man >/dev/null 2>&1; then
    rendered=$(MANWIDTH=100 man -l "$man" 2>/dev/null | col -b 2>/dev/null)
    joined=$(printf '%s\n' "$rendered" | grep -oE '[A-Za-z]{26,}|\),[a-z]+' | sort -u)
    if [ -z "$rendered" ]; then
        echo "check-man: man -l rendered nothing"; missing=1
    elif [ -n "$joined" ]; then
        echo "check-man: joined words in the rendered page: $joined"; missing=1
    fi
else
    echo "check-man: man is not installed: the rendered page is not checked (apt-get install man-db)"
    missing=1
fi
[ $missing -eq 0 ] && echo "check-man: ok"
exit $missing
