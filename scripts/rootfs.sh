#!/usr/bin/env bash
# Debian root folders for `make deb` and the install tests (scripts/deb.sh,
# scripts/install-test.sh), made from Debian's archive with debootstrap and
# cached under .build-rootfs/ (git-ignored).
#
#   rootfs.sh create DIR SUITE ARCH [PACKAGE...]
#       Makes DIR (a minbase SUITE/ARCH system with PACKAGEs) unless DIR
#       already holds exactly that. Built in DIR.partial and renamed, so an
#       interrupted run leaves no half-made cache. A foreign ARCH runs under
#       qemu-user (binfmt_misc, registered here when missing). With
#       ROOTFS_BASE=DIR (a cached root folder of the same suite and
#       architecture) DIR is copied instead of running debootstrap.
#   rootfs.sh run DIR [--bind SRC[:DST]] [--ro-bind SRC[:DST]] [--net none] -- COMMAND...
#       Runs COMMAND as root in DIR, in a private mount namespace (the
#       mounts go away with the command), with /proc, /sys, /dev and the
#       binds; `--net none` also gives it a network namespace of its own
#       with only a loopback interface.
#   rootfs.sh binfmt
#       Registers qemu-user for arm64 binaries (Debian's qemu-user-static).
set -euo pipefail

MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

die() { echo "rootfs: $*" >&2; exit 1; }

binfmt() {
    [ -x /usr/bin/qemu-aarch64-static ] || die "qemu-user-static is not installed (make deps-deb)"
    if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
        mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
    fi
    if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
        # Debian's package does not always register itself (no systemd-binfmt in a container).
        cat /usr/lib/binfmt.d/qemu-aarch64.conf > /proc/sys/fs/binfmt_misc/register
    fi
    grep -q '^enabled' /proc/sys/fs/binfmt_misc/qemu-aarch64 || die "binfmt_misc qemu-aarch64 is not enabled"
}

# run DIR [binds] -- COMMAND...: in a mount namespace of its own.
run() {
    local dir=$1; shift
    local binds=() net=
    while [ $# -gt 0 ]; do
        case "$1" in
            --bind) binds+=("rw:$2"); shift 2 ;;
            --ro-bind) binds+=("ro:$2"); shift 2 ;;
            --net) net=$2; shift 2 ;;
            --) shift; break ;;
            *) die "run: unknown option $1" ;;
        esac
    done
    [ $# -gt 0 ] || die "run: no command"
    [ -d "$dir" ] || die "no root folder $dir"
    dir=$(cd "$dir" && pwd)
    local unshare=(unshare --mount --propagation private --fork)
    [ "$net" = none ] && unshare+=(--net)
    cp -L /etc/resolv.conf "$dir/etc/resolv.conf" 2>/dev/null || true
    # shellcheck disable=SC2016
    "${unshare[@]}" bash -euc '
        dir=$1; shift; nbinds=$1; shift
        mount -t proc proc "$dir/proc"
        mount --rbind /sys "$dir/sys"
        mount --rbind /dev "$dir/dev"
        mount -t tmpfs -o mode=1777 tmpfs "$dir/dev/shm" 2>/dev/null || true
        for ((i = 0; i < nbinds; i++)); do
            spec=$1; shift
            mode=${spec%%:*}; rest=${spec#*:}
            src=${rest%%:*}; dst=${rest#*:}
            [ "$dst" = "$rest" ] && dst=$src
            mkdir -p "$dir$dst"
            mount --bind "$src" "$dir$dst"
            [ "$mode" = ro ] && mount -o remount,bind,ro "$dir$dst"
        done
        ip link set lo up 2>/dev/null || true
        exec chroot "$dir" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
            HOME=/root LANG=C.UTF-8 TERM=dumb DEBIAN_FRONTEND=noninteractive "$@"
    ' rootfs "$dir" "${#binds[@]}" "${binds[@]}" "$@"
}

create() {
    local dir=$1 suite=$2 arch=$3; shift 3
    local want="$suite $arch $*"
    if [ -f "$dir/.vitalgate-rootfs" ]; then
        # shellcheck disable=SC2207
        local have=($(cat "$dir/.vitalgate-rootfs"))
        if [ "${have[0]} ${have[1]}" = "$suite $arch" ]; then
            # Same system: install what it lacks, in place (it keeps what it has).
            local missing=() p
            for p in "$@"; do [[ " ${have[*]:2} " == *" $p "* ]] || missing+=("$p"); done
            [ ${#missing[@]} -eq 0 ] && return 0
            [ "$arch" = "$(dpkg --print-architecture)" ] || binfmt
            echo "rootfs: adding ${missing[*]} ($suite/$arch)"
            run "$dir" -- sh -c 'apt-get update -q && apt-get install -y -q --no-install-recommends "$@" && apt-get clean' \
                apt "${missing[@]}" >> "$dir.log" 2>&1 \
                || { tail -20 "$dir.log" >&2; die "installing packages in $suite/$arch failed (log: $dir.log)"; }
            echo "${have[*]} ${missing[*]}" > "$dir/.vitalgate-rootfs.new" && mv "$dir/.vitalgate-rootfs.new" "$dir/.vitalgate-rootfs"
            return 0
        fi
    fi
    command -v debootstrap >/dev/null || die "debootstrap is not installed (make deps-deb)"
    [ "$arch" = "$(dpkg --print-architecture)" ] || binfmt
    local part=$dir.partial
    rm -rf "$dir"
    mkdir -p "$(dirname "$dir")"
    local started=$SECONDS
    # A base system left by an interrupted run (its debootstrap finished) is reused.
    if [ ! -f "$part/.debootstrap-done" ] || [ "$(cat "$part/.debootstrap-done")" != "$suite $arch" ]; then
        rm -rf "$part"
        local base=${ROOTFS_BASE:-}
        if [ -n "$base" ] && [ "$(cut -d' ' -f1-2 "$base/.vitalgate-rootfs" 2>/dev/null)" = "$suite $arch" ]; then
            # ROOTFS_BASE: a copy of a cached base system of the same suite and architecture.
            echo "rootfs: $suite/$arch in $dir (a copy of $base)"
            cp -a "$base" "$part"
            rm -f "$part/.vitalgate-rootfs"
            : > "$part.log"
        else
            echo "rootfs: $suite/$arch in $dir (debootstrap from $MIRROR)"
            debootstrap --variant=minbase --arch="$arch" "$suite" "$part" "$MIRROR" > "$part.log" 2>&1 \
                || { tail -20 "$part.log" >&2; die "debootstrap $suite/$arch failed (log: $part.log)"; }
        fi
        echo "$suite $arch" > "$part/.debootstrap-done"
    fi
    # The archive reached here may be a fixed snapshot: accept Release files
    # past their Valid-Until (sid's expire after a week; stable's do not).
    echo 'Acquire::Check-Valid-Until "false";' > "$part/etc/apt/apt.conf.d/99vitalgate-snapshot"
    # No daemons started by package scripts inside the folder.
    printf '#!/bin/sh\nexit 101\n' > "$part/usr/sbin/policy-rc.d"
    chmod 0755 "$part/usr/sbin/policy-rc.d"
    echo "deb $MIRROR $suite main" > "$part/etc/apt/sources.list"
    if [ $# -gt 0 ]; then
        echo "rootfs: installing $* ($suite/$arch)"
        run "$part" -- sh -c 'apt-get update -q && apt-get install -y -q --no-install-recommends "$@" && apt-get clean' \
            apt "$@" >> "$part.log" 2>&1 \
            || { tail -20 "$part.log" >&2; die "installing packages in $suite/$arch failed (log: $part.log)"; }
    fi
    echo "$want" > "$part/.vitalgate-rootfs"
    mv "$part" "$dir"
    mv "$part.log" "$dir.log"
    echo "rootfs: $suite/$arch ready in $((SECONDS - started)) s"
}

cmd=${1:-}; shift || true
case "$cmd" in
    create) [ $# -ge 3 ] || die "usage: rootfs.sh create DIR SUITE ARCH [PACKAGE...]"; create "$@" ;;
    run) run "$@" ;;
    binfmt) binfmt ;;
    *) die "usage: rootfs.sh create|run|binfmt ..." ;;
esac
