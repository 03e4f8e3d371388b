#!/usr/bin/env bash
# install-test.sh amd64|arm64: the package of `make deb ARCH=…` installed with
# apt in a fresh Debian 13 root folder (arm64: under qemu-user), and README's
# "Deploying on a Raspberry Pi" followed there word for word: the shell
# blocks marked `<!-- install-test: NAME -->` are extracted from README.md and
# run as they are (for amd64 the package's file name says amd64 where README
# says arm64). What a Pi has and a bare root folder lacks is added first
# (sudo, systemd's systemctl); a `litecoind -regtest` node from Debian 13
# stands in for the clinic's node (same URL, user and password file as in
# README). systemd does not run in a chroot: `systemctl enable --now` enables
# the units there and starts nothing, so the test starts each unit's
# ExecStart as the unit's User, with checkpoint and anchor intervals of
# seconds (VITALGATE_* environment) so that an anchor confirms within the test.
# The services run in a network namespace of their own (loopback only), so
# the fixed ports of README (1883, 8883, 9332) meet nobody else's.
#
# Then: `apt remove` keeps /var/lib/vitalgate, `apt purge` deletes it. Prints
# one line per check and "N passed, M failed"; exits non-zero on any failure.
set -euo pipefail

ARCH=${1:?usage: install-test.sh amd64|arm64}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
RF=$ROOT/.build-rootfs
VERSION=$(sed -n 's/.*static let current = "\([^"]*\)".*/\1/p' Sources/VitalgateAgent/Runtime/VitalgateVersion.swift)
DEB=dist/vitalgate_${VERSION}_${ARCH}.deb
case "$ARCH" in amd64) MULTIARCH=x86_64-linux-gnu ;; arm64) MULTIARCH=aarch64-linux-gnu ;; *) echo "ARCH: amd64 or arm64" >&2; exit 2 ;; esac
[ -f "$DEB" ] || { echo "install-test: no $DEB (make deb ARCH=$ARCH)" >&2; exit 1; }
started=$SECONDS
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }
bad() { failed=$((failed + 1)); echo "FAIL - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
step() { echo "install-test[$ARCH] $(( SECONDS - started ))s: $*"; }

step "the package's files (dpkg-deb -c)"
listing=$(dpkg-deb -c "$DEB" | awk '{print $1, $2, $6}')
for entry in "-rwxr-xr-x root/root ./usr/bin/vitalgate" \
             "-rw-r--r-- root/root ./usr/share/vitalgate/devices/pulse-oximeter.json" \
             "-rw-r--r-- root/root ./usr/lib/systemd/system/vitalgate.service" \
             "-rw-r--r-- root/root ./usr/lib/systemd/system/vitalgate-broker.service" \
             "-rw-r--r-- root/root ./usr/share/vitalgate/mosquitto-gateway.conf.in" \
             "-rwxr-xr-x root/root ./usr/share/vitalgate/first-boot.sh" \
             "-rw-r--r-- root/root ./usr/share/doc/vitalgate/copyright"; do
    check "dpkg -c: $entry" grep -qxF -- "$entry" <<< "$listing"
done
for profile in Devices/*.json; do
    check "dpkg -c: profile $(basename "$profile")" grep -qF "./usr/share/vitalgate/devices/$(basename "$profile")" <<< "$listing"
done
check "Depends names the three C libraries" sh -c "dpkg-deb -f '$DEB' Depends | grep -q 'libmosquitto1.*libsqlite3-0.*libsodium23'"
check "Recommends mosquitto and libcurl4" sh -c "dpkg-deb -f '$DEB' Recommends | grep -q 'mosquitto.*libcurl4'"
check "Version is VitalgateVersion.current ($VERSION)" test "$(dpkg-deb -f "$DEB" Version)" = "$VERSION"

step "README's blocks"
T=$RF/test-$ARCH
scripts/rootfs.sh create "$RF/trixie-$ARCH" trixie "$ARCH"
rm -rf "$T"
cp -a "$RF/trixie-$ARCH" "$T"
mkdir -p "$T/root/readme"
python3 - "$T/root/readme" "$ARCH" <<'PY'
import re, sys
out, arch = sys.argv[1], sys.argv[2]
text = open("README.md", encoding="utf-8").read()
section = text.split("\n## Deploying on a Raspberry Pi\n", 1)[1].split("\n## ", 1)[0]
blocks = re.findall(r"<!-- install-test: ([a-z-]+) -->\n```sh\n(.*?)```\n", section, re.S)
names = [n for n, _ in blocks]
want = ["first-boot", "day-to-day", "check", "verify"]
if names != want:
    sys.exit(f"README's deployment section has install-test blocks {names}, the test runs {want}")
for name, body in blocks:
    if arch != "arm64":
        body = body.replace("_arm64.deb", f"_{arch}.deb")
    open(f"{out}/{name}.sh", "w", encoding="utf-8").write(body)
PY
check "README names this version's package (vitalgate_${VERSION}_arm64.deb)" grep -q "vitalgate_${VERSION}_arm64.deb" README.md
cp "$DEB" "$T/root/"
install -m 0755 Provisioning/first-boot.sh "$T/root/first-boot.sh"
head -c 18 /dev/urandom | base64 | tr '+/' '-_' > "$T/root/ledger.password"
install -m 0755 scripts/install-test-inside.sh "$T/root/install-test-inside.sh"
: > "$T/root/results"

step "apt, then README's first boot (network: Debian's archive)"
scripts/rootfs.sh run "$T" -- bash /root/install-test-inside.sh first-boot "$VERSION" || bad "first-boot phase exited non-zero"

step "the installed program's libraries against Debian 13's (every symbol version defined)"
if [ -x "$T/usr/bin/vitalgate" ]; then
    check "glibc/libstdc++/libmosquitto/libsqlite3/libsodium symbol versions" scripts/check-elf.sh "$T/usr/bin/vitalgate" "$T/usr/lib/$MULTIARCH" --all
fi

step "services: ledger, broker, agent; README's day to day, check and verify (own network namespace)"
scripts/rootfs.sh run "$T" --net none -- bash /root/install-test-inside.sh services "$VERSION" || bad "services phase exited non-zero"

step "apt remove, apt purge"
scripts/rootfs.sh run "$T" --net none -- bash /root/install-test-inside.sh remove "$VERSION" || bad "remove phase exited non-zero"

inside_ok=$(grep -c '^ok' "$T/root/results" || true)
inside_bad=$(grep -c '^FAIL' "$T/root/results" || true)
passed=$((passed + inside_ok)) failed=$((failed + inside_bad))
grep '^FAIL' "$T/root/results" || true
step "done in $(( SECONDS - started )) s (logs: $T/var/tmp/vitalgate-test/)"
echo "install test ($ARCH): $passed passed, $failed failed"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
