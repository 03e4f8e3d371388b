#!/usr/bin/env bash
# The unit tests (every suite but IntegrationTests, as the first half of
# `make test`) of the arm64 build, under qemu-user: cross-compiled like the
# package (scripts/deb.sh) in the amd64 build root folder, with the Swift
# runtime linked dynamically, then run in the Debian 13 arm64 sysroot, which
# holds that runtime (/usr/libexec/swift/lib/swift/linux) and gets Debian
# 13's mosquitto, mosquitto-clients, litecoind, openssl and an arm64 FHIR
# venv (Tests/fhir/requirements.txt, from PyPI) for the suites that start them. Everything runs several times slower under emulation;
# waits in the tests are bounded for hangs, not for speed.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
RF=$ROOT/.build-rootfs
started=$SECONDS
step() { echo "arm64-unit-tests $(( SECONDS - started ))s: $*"; }
SYSROOT=$RF/trixie-arm64-sysroot
[ -f "$RF/out/arm64-static.json" ] && [ -d "$SYSROOT/usr/libexec/swift/lib/swift/linux" ] || { echo "run make deb ARCH=arm64 first" >&2; exit 1; }

step "test tools in the arm64 root folder"
scripts/rootfs.sh create "$SYSROOT" trixie arm64 mosquitto mosquitto-clients litecoind openssl python3-venv ca-certificates
# Its FHIR venv: pip there trusts what the machine's pip trusts.
install -m 0644 /etc/ssl/certs/ca-certificates.crt "$SYSROOT/etc/ssl/certs/host-ca.crt"
if [ ! -e "$SYSROOT/opt/venv-fhir/.installed" ] || ! cmp -s Tests/fhir/requirements.txt "$SYSROOT/opt/venv-fhir/requirements.txt"; then
    step "arm64 FHIR venv (pip under qemu)"
    install -m 0644 Tests/fhir/requirements.txt "$SYSROOT/opt/requirements-fhir.txt"
    scripts/rootfs.sh run "$SYSROOT" -- sh -euc '
        rm -rf /opt/venv-fhir && python3 -m venv /opt/venv-fhir
        PIP_CERT=/etc/ssl/certs/host-ca.crt /opt/venv-fhir/bin/pip install --quiet --disable-pip-version-check -r /opt/requirements-fhir.txt
        cp /opt/requirements-fhir.txt /opt/venv-fhir/requirements.txt && touch /opt/venv-fhir/.installed'
fi

step "cross-compiling the tests (arm64, Swift runtime linked dynamically from the root folder's /usr/libexec/swift)"
# No cross-import overlays: Debian's swiftlang ships the _Testing_Foundation
# module but not its library, so a test importing Testing and Foundation would not link.
sed -e 's|lib/swift_static|lib/swift|' "$RF/out/arm64-static.json" > "$RF/out/arm64-dynamic.json"
binds=(--bind "$ROOT:/src" --bind "$RF/out:/out" --ro-bind "$SYSROOT:/sysroot")
for mirror in $(git config --system --get-regexp '^url\..*\.insteadof$' | sed -n 's/^url\.\(\/[^ ]*\)\.insteadof .*/\1/p' | sort -u); do
    binds+=(--ro-bind "${mirror%/}")
done
scripts/rootfs.sh run "$RF/sid-amd64-build" "${binds[@]}" -- \
    env PKG_CONFIG_SYSROOT_DIR=/sysroot PKG_CONFIG_LIBDIR=/sysroot/usr/lib/aarch64-linux-gnu/pkgconfig:/sysroot/usr/share/pkgconfig \
    sh -c 'cd /src && swift build --build-tests --scratch-path /out/arm64-tests --destination /out/arm64-dynamic.json \
        -Xlinker -rpath -Xlinker /usr/libexec/swift/lib/swift/linux -Xswiftc -Xfrontend -Xswiftc -disable-cross-import-overlays'
TESTS=$(ls -d "$RF"/out/arm64-tests/aarch64-unknown-linux-gnu/debug/*PackageTests.xctest | head -1)
file -b "$TESTS" | grep -q "ARM aarch64" || { echo "not an arm64 test binary: $TESTS" >&2; exit 1; }

step "running them under qemu-user (Swift Testing, every suite but IntegrationTests)"
# A copy of the tree's data the tests read (Devices/, Tests/fixtures, Tests/fhir), with the arm64 venv as .venv-fhir.
mkdir -p "$RF/out/arm64-root"
rm -rf "$RF/out/arm64-root/"*
cp -a Devices Tests Package.swift "$RF/out/arm64-root/"
ln -sfn /opt/venv-fhir "$RF/out/arm64-root/.venv-fhir"
rel=${TESTS#"$RF"/out/}
set +e
scripts/rootfs.sh run "$SYSROOT" --bind "$RF/out:/out" --net none -- \
    env VITALGATE_ROOT=/out/arm64-root "/out/$rel" --testing-library swift-testing --skip IntegrationTests \
    2>&1 | tee "$RF/out/arm64-unit-tests.log"
rc=${PIPESTATUS[0]}
set -e
step "done (exit $rc)"
exit "$rc"
