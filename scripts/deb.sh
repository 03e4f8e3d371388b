#!/usr/bin/env bash
# `make deb ARCH=arm64|amd64`: dist/vitalgate_<version>_<arch>.deb, built from
# Debian's archive alone (see README, "Deploying on a Raspberry Pi").
#
# The compiler is Debian unstable's swiftlang (6.2.3 when this was written:
# the first Debian Swift that builds the mirrored swift-log and
# swift-service-lifecycle unchanged; Debian 13 has 6.0.3), in an amd64 build
# root folder. It compiles for a Debian 13 sysroot of the target
# architecture (a cross-build for arm64, minutes where a build under
# emulation takes an hour; the same for amd64): Debian 13's libc, libstdc++
# and -dev packages, plus the Swift runtime of the compiler's own version
# for that architecture (unpacked from sid's swiftlang packages). So the
# program links against the libraries Raspberry Pi OS has (libsodium23, not
# sid's libsodium26), with the Swift standard library linked statically; it
# then needs only libc, libm, libstdc++, libgcc_s and the three C libraries,
# and every symbol version it asks for is checked against Debian 13's.
#
# Root folders are cached in .build-rootfs/ (scripts/rootfs.sh), the build in
# .build-rootfs/out/<arch>; `make clean-rootfs` removes them.
set -euo pipefail

ARCH=${1:?usage: deb.sh amd64|arm64}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
RF=$ROOT/.build-rootfs
VERSION=$(sed -n 's/.*static let current = "\([^"]*\)".*/\1/p' Sources/VitalgateAgent/Runtime/VitalgateVersion.swift)
[ -n "$VERSION" ] || { echo "deb: no version in VitalgateVersion.swift" >&2; exit 1; }
case "$ARCH" in
    amd64) TRIPLE=x86_64-pc-linux-gnu; MULTIARCH=x86_64-linux-gnu; ELF_MACHINE="x86-64" ;;
    arm64) TRIPLE=aarch64-unknown-linux-gnu; MULTIARCH=aarch64-linux-gnu; ELF_MACHINE="ARM aarch64" ;;
    *) echo "deb: ARCH must be amd64 or arm64" >&2; exit 2 ;;
esac
[ "$(dpkg --print-architecture)" = amd64 ] || { echo "deb: the build host must be amd64" >&2; exit 1; }

BUILD_PACKAGES=(swiftlang pkg-config git ca-certificates binutils file lintian)
# g++: libstdc++-14-dev and gcc's crt files, which the link takes from the sysroot.
SYSROOT_PACKAGES=(g++ libmosquitto-dev libsqlite3-dev libsodium-dev libcurl4-openssl-dev)
started=$SECONDS
step() { echo "deb[$ARCH] $(( SECONDS - started ))s: $*"; }

step "build root folder (sid amd64, swiftlang)"
scripts/rootfs.sh create "$RF/sid-amd64-build" sid amd64 "${BUILD_PACKAGES[@]}"
# SwiftPM inside it reaches the packages through the machine's mirrors, as outside.
if ! chroot "$RF/sid-amd64-build" git config --system --get safe.directory >/dev/null 2>&1; then
    git config --system --get-regexp '^url\..*\.insteadof$' | while read -r key value; do
        chroot "$RF/sid-amd64-build" git config --system --add "$key" "$value"
    done
    chroot "$RF/sid-amd64-build" git config --system --add safe.directory '*'
fi
binds=(--bind "$ROOT:/src" --bind "$RF/out:/out")
mkdir -p "$RF/out"
for mirror in $(git config --system --get-regexp '^url\..*\.insteadof$' | sed -n 's/^url\.\(\/[^ ]*\)\.insteadof .*/\1/p' | sort -u); do
    binds+=(--ro-bind "${mirror%/}")
done

# The checks below read Debian 13's own libraries (a root folder as Debian installs it).
step "Debian 13 root folder ($ARCH) for the checks"
scripts/rootfs.sh create "$RF/trixie-$ARCH" trixie "$ARCH"

step "sysroot (Debian 13 $ARCH with the -dev packages)"
SYSROOT=$RF/trixie-$ARCH-sysroot
ROOTFS_BASE=$RF/trixie-$ARCH scripts/rootfs.sh create "$SYSROOT" trixie "$ARCH" "${SYSROOT_PACKAGES[@]}"
# The Swift runtime (static and shared) and modules of the compiler's version, for $ARCH.
SWIFT_VERSION=$(chroot "$RF/sid-amd64-build" dpkg-query -W -f='${Version}' swiftlang)
if [ "$(cat "$SYSROOT/usr/libexec/swift/.swiftlang-version" 2>/dev/null)" != "$SWIFT_VERSION $ARCH with clang" ]; then
    step "Swift runtime $SWIFT_VERSION for $ARCH (sid's swiftlang and libswiftlang, unpacked)"
    rm -rf "$RF/out/swift-runtime-$ARCH" && mkdir -p "$RF/out/swift-runtime-$ARCH"
    scripts/rootfs.sh run "$RF/sid-amd64-build" --bind "$RF/out/swift-runtime-$ARCH:/runtime" -- sh -euc '
        arch=$1 version=$2
        if [ "$arch" != amd64 ] && ! dpkg --print-foreign-architectures | grep -qx "$arch"; then dpkg --add-architecture "$arch"; fi
        apt-get update -q >/dev/null
        cd /runtime && apt-get download -q "swiftlang:$arch=$version" "libswiftlang:$arch=$version" >/dev/null
        for deb in *.deb; do dpkg-deb -x "$deb" /runtime/tree; done' runtime "$ARCH" "$SWIFT_VERSION"
    rm -rf "$SYSROOT/usr/libexec/swift"
    mkdir -p "$SYSROOT/usr/libexec/swift/lib"
    # swift/ and swift_static/ (modules, runtime) link their C headers from clang/ (its resource folder).
    cp -a "$RF/out/swift-runtime-$ARCH/tree/usr/libexec/swift/lib/swift" "$RF/out/swift-runtime-$ARCH/tree/usr/libexec/swift/lib/swift_static" \
        "$RF/out/swift-runtime-$ARCH/tree/usr/libexec/swift/lib/clang" "$SYSROOT/usr/libexec/swift/lib/"
    # The driver looks for the runtime's link files under <sdk>/usr/lib/swift{,_static} (swiftlang links only the first).
    ln -sfn ../libexec/swift/lib/swift "$SYSROOT/usr/lib/swift"
    ln -sfn ../libexec/swift/lib/swift_static "$SYSROOT/usr/lib/swift_static"
    echo "$SWIFT_VERSION $ARCH with clang" > "$SYSROOT/usr/libexec/swift/.swiftlang-version"
fi
binds+=(--ro-bind "$SYSROOT:/sysroot")

# A SwiftPM destination (version 1): clang gets --sysroot from "sdk"; swiftc
# needs -sdk itself, and the static runtime's resource folder (the shared
# one for the tests: scripts/arm64-unit-tests.sh).
cat > "$RF/out/$ARCH-static.json" <<JSON
{
  "version": 1,
  "sdk": "/sysroot",
  "target": "$TRIPLE",
  "toolchain-bin-dir": "/usr/libexec/swift/bin",
  "extra-cc-flags": ["-fPIC"],
  "extra-swiftc-flags": ["-resource-dir", "/sysroot/usr/libexec/swift/lib/swift_static", "-sdk", "/sysroot",
                         "-use-ld=lld", "-tools-directory", "/usr/libexec/swift/bin"],
  "extra-cpp-flags": []
}
JSON
SWIFT_FLAGS=(-c release --static-swift-stdlib --disable-local-rpath --product vitalgate -Xlinker -s -Xlinker -z -Xlinker now)
step "compiling (sid swiftlang $SWIFT_VERSION, for Debian 13 $ARCH)"
scripts/rootfs.sh run "$RF/sid-amd64-build" "${binds[@]}" -- \
    env PKG_CONFIG_SYSROOT_DIR=/sysroot \
        PKG_CONFIG_LIBDIR=/sysroot/usr/lib/$MULTIARCH/pkgconfig:/sysroot/usr/share/pkgconfig \
    sh -c 'cd /src && swift --version && swift build --scratch-path "/out/$0" --destination "/out/$0-static.json" "$@"' \
    "$ARCH" "${SWIFT_FLAGS[@]}"
BIN=$RF/out/$ARCH/$TRIPLE/release/vitalgate
[ -x "$BIN" ] || { echo "deb: no binary after the build" >&2; exit 1; }

step "checks: architecture, libraries, glibc symbol versions against Debian 13"
file -b "$BIN" | tee "$RF/out/$ARCH.file"
grep -q "ELF 64-bit LSB.*$ELF_MACHINE" "$RF/out/$ARCH.file" || { echo "deb: not an $ELF_MACHINE binary" >&2; exit 1; }
needed=$(readelf -d "$BIN" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort)
echo "needs: $(echo $needed)"
if echo "$needed" | grep -q swift; then echo "deb: the Swift runtime is linked dynamically" >&2; exit 1; fi
if readelf -d "$BIN" | grep -q 'R\(UN\)\?PATH'; then echo "deb: the binary has an RPATH/RUNPATH" >&2; exit 1; fi
scripts/check-elf.sh "$BIN" "$RF/trixie-$ARCH/usr/lib/$MULTIARCH" | tee "$RF/out/$ARCH.glibc"
max_glibc=$(sed -n 's/^GLIBC_MAX=//p' "$RF/out/$ARCH.glibc")
# The libraries of the three C APIs are in Debian 13 under the same names (sonames);
# the install test loads them there.
for lib in $needed; do
    case "$lib" in
        libc.so.6|libm.so.6|ld-linux-x86-64.so.2|ld-linux-aarch64.so.1|libstdc++.so.6|libgcc_s.so.1|libmosquitto.so.1|libsqlite3.so.0|libsodium.so.23) ;;
        *) echo "deb: unexpected library $lib (add it to Depends)" >&2; exit 1 ;;
    esac
done

step "package"
PKG=$RF/out/pkg-$ARCH
rm -rf "$PKG"
install -d "$PKG/DEBIAN" "$PKG/usr/bin" "$PKG/usr/share/vitalgate/devices" "$PKG/usr/lib/systemd/system" \
    "$PKG/usr/share/doc/vitalgate/docs"
install -m 0755 "$BIN" "$PKG/usr/bin/vitalgate"
install -m 0644 Devices/*.json "$PKG/usr/share/vitalgate/devices/"
install -m 0644 Provisioning/mosquitto-gateway.conf.in "$PKG/usr/share/vitalgate/"
install -m 0755 Provisioning/first-boot.sh "$PKG/usr/share/vitalgate/"
install -m 0644 Provisioning/vitalgate-alerts.yml "$PKG/usr/share/vitalgate/"
for unit in vitalgate.service vitalgate-broker.service; do
    grep -q '^ExecStart=/usr/\(bin\|sbin\)/' "Provisioning/$unit" || { echo "deb: Provisioning/$unit must start a program of the package (/usr/bin)" >&2; exit 1; }
    install -m 0644 "Provisioning/$unit" "$PKG/usr/lib/systemd/system/"
done
install -m 0644 README.md "$PKG/usr/share/doc/vitalgate/"
install -m 0644 Devices/README.md "$PKG/usr/share/doc/vitalgate/devices.md"
install -m 0644 docs/*.md "$PKG/usr/share/doc/vitalgate/docs/"
install -m 0644 packaging/deb/copyright "$PKG/usr/share/doc/vitalgate/copyright"
# Documentation over 4 kB is compressed, as dh_compress does.
find "$PKG/usr/share/doc/vitalgate" -name '*.md' -size +4k -exec gzip -9n {} +
{
    echo "vitalgate ($VERSION) unstable; urgency=medium"
    echo
    echo "  * Release $VERSION (built from $(git rev-parse --short HEAD 2>/dev/null || echo a source tree)$(git diff --quiet HEAD 2>/dev/null || echo ' with local changes'))."
    echo
    echo " -- Vitalgate maintainers <vitalgate@example.org>  $(date -R -d @"$(git log -1 --format=%ct 2>/dev/null || date +%s)")"
} | gzip -9n > "$PKG/usr/share/doc/vitalgate/changelog.gz"
install -m 0755 packaging/deb/postinst packaging/deb/prerm packaging/deb/postrm "$PKG/DEBIAN/"
depends="libc6 (>= $max_glibc), libgcc-s1, libstdc++6, libmosquitto1, libsqlite3-0, libsodium23, passwd"
size=$(du -k -s --exclude=DEBIAN "$PKG" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@INSTALLED_SIZE@/$size/" -e "s/@DEPENDS@/$depends/" \
    packaging/deb/control.in > "$PKG/DEBIAN/control"
(cd "$PKG" && find usr -type f -print0 | sort -z | xargs -0 md5sum) > "$PKG/DEBIAN/md5sums"
chmod 0644 "$PKG/DEBIAN/control" "$PKG/DEBIAN/md5sums"
find "$PKG" -type d -exec chmod 0755 {} +
mkdir -p dist
DEB=dist/vitalgate_${VERSION}_${ARCH}.deb
dpkg-deb --root-owner-group -Zxz --build "$PKG" "$DEB" >/dev/null

step "lintian (Debian unstable's)"
cp "$DEB" "$RF/out/"
if ! scripts/rootfs.sh run "$RF/sid-amd64-build" --bind "$RF/out:/out" -- \
        lintian --fail-on error --display-info "/out/$(basename "$DEB")" \
    | tee "$RF/out/lintian-$ARCH.txt"; then
    echo "deb: lintian reports errors" >&2; exit 1
fi
step "done: $DEB ($(stat -c %s "$DEB") bytes; binary $(stat -c %s "$BIN") bytes)"
