#!/usr/bin/env bash
# check-elf.sh BINARY LIBDIR [--all]: every symbol version BINARY requires
# (readelf -V, .gnu.version_r) must be defined by the library of that name in
# LIBDIR (.gnu.version_d): e.g. a program linked on Debian unstable checked
# against Debian 13's libc. Libraries missing from LIBDIR are skipped and
# named, unless --all (then they fail). Prints the highest GLIBC_ version needed.
set -euo pipefail
BIN=$1 LIBDIR=$2 ALL=${3:-}
failed=0 max=2.2.5 checked=0 skipped=
while read -r lib ver; do
    if [ ! -e "$LIBDIR/$lib" ]; then
        if [ "$ALL" = --all ]; then echo "check-elf: $lib is not in $LIBDIR" >&2; failed=1
        elif [[ " $skipped " != *" $lib "* ]]; then echo "check-elf: $lib not in $LIBDIR, not checked here"; skipped="$skipped $lib"; fi
        continue
    fi
    # (Not `readelf | grep -q`: grep's early exit fails the pipe under pipefail.)
    defs=$(readelf -V -W "$LIBDIR/$lib")
    if ! grep -q "Name: $ver\$" <<< "$defs"; then
        echo "check-elf: $LIBDIR/$lib has no $ver, which the binary needs" >&2; failed=1
    fi
    checked=$((checked + 1))
    case "$ver" in
        GLIBC_2.*) v=${ver#GLIBC_}; [ "$(printf '%s\n%s\n' "$max" "$v" | sort -V | tail -1)" = "$v" ] && max=$v ;;
    esac
done < <(readelf -V -W "$BIN" | awk '/Version needs section/ {s = 1} /Version definition section/ {s = 0}
    s && /File:/ {f = $0; sub(/.*File: /, "", f); sub(/ .*/, "", f)} s && /Name:/ {print f, $3}' | sort -u)
[ "$failed" = 0 ] || exit 1
echo "check-elf: $checked symbol versions defined in $LIBDIR; highest glibc version needed: GLIBC_$max"
echo "GLIBC_MAX=$max"
