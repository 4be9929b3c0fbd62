#!/bin/sh
# Every long option printed by --help must be documented in the man page.
set -eu
bin=$1; man=$2
missing=0
for opt in $("$bin" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
    esc=$(printf '%s' "$opt" | sed 's/-/\\\\-/g')
    if ! grep -q -- "$esc" "$man" && ! grep -q -- "$opt" "$man"; then
        echo "check-man: $opt is in --help but not in $man"
        missing=1
    fi
done
[ $missing -eq 0 ] && echo "check-man: ok"
exit $missing
