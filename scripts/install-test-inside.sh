#!/usr/bin/env bash
# The part of scripts/install-test.sh that runs inside the Debian 13 root
# folder, as root: install-test-inside.sh first-boot|services|remove VERSION.
# Checks are appended to /root/results ("ok - …" / "FAIL - …").
set -uo pipefail

PHASE=$1 VERSION=$2
HOME_DIR=/var/lib/vitalgate
LOGS=/var/tmp/vitalgate-test
mkdir -p "$LOGS"
# Waits are bounded only so that a hang ends the test; under qemu-user
# everything runs several times slower, hence the generous bounds.
SLOW=1
[ "$(dpkg --print-architecture)" = arm64 ] && SLOW=4

ok() { echo "ok - $*" | tee -a /root/results; }
bad() { echo "FAIL - $*" | tee -a /root/results; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
# A README block, run as a reader pastes it into a root shell's bash.
block() {
    echo "--- README block $1 (in $(pwd))"
    bash -euo pipefail "/root/readme/$1.sh" 2>&1 | tee "$LOGS/readme-$1.log"
    return "${PIPESTATUS[0]}"
}
# Waits up to $1 seconds (times SLOW) for the command after it to succeed.
wait_for() {
    local limit=$(( $1 * SLOW )) what=$2; shift 2
    local deadline=$(( SECONDS + limit ))
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -lt $deadline ] || { echo "gave up after ${limit}s waiting for $what"; return 1; }
        sleep 1
    done
}
mode_of() { stat -c '%a %U:%G' "$1" 2>/dev/null; }
vg() { runuser -u vitalgate -- vitalgate "$@"; }

case "$PHASE" in
first-boot)
    # What Raspberry Pi OS has and a minimal Debian root folder lacks:
    # localhost and its host name in /etc/hosts (sudo looks it up), sudo, systemctl.
    grep -q "[[:space:]]localhost\([[:space:]]\|\$\)" /etc/hosts 2>/dev/null || echo "127.0.0.1 localhost" >> /etc/hosts
    grep -q "[[:space:]]$(hostname)\$" /etc/hosts || echo "127.0.1.1 $(hostname)" >> /etc/hosts
    apt-get update -q > "$LOGS/apt-update.log" 2>&1
    apt-get install -y -q --no-install-recommends sudo systemd litecoind > "$LOGS/apt-harness.log" 2>&1 \
        || { bad "installing sudo, systemd and litecoind (harness): $(tail -3 "$LOGS/apt-harness.log")"; exit 1; }
    # systemd does not run here: systemctl must know it is in a chroot (then
    # `enable` works and start/reload requests are skipped), also through sudo.
    export SYSTEMD_IN_CHROOT=1
    echo 'Defaults env_keep += "SYSTEMD_IN_CHROOT"' > /etc/sudoers.d/install-test
    chmod 0440 /etc/sudoers.d/install-test
    cd /root
    if block first-boot; then ok "README block first-boot"; else bad "README block first-boot"; fi
    check "dpkg: vitalgate $VERSION installed" test "$(dpkg-query -W -f='${Status} ${Version}' vitalgate 2>/dev/null)" = "install ok installed $VERSION"
    check "vitalgate --version prints the package's version" test "$(vitalgate --version)" = "$VERSION"
    check "vitalgate device add --version too" test "$(vitalgate device add --version)" = "$VERSION"
    check "apt pulled in libmosquitto1, libsqlite3-0, libsodium23" dpkg-query -W libmosquitto1 libsqlite3-0 libsodium23
    check "system user vitalgate (no login shell)" sh -c 'getent passwd vitalgate | grep -q ":/var/lib/vitalgate:/usr/sbin/nologin$"'
    check "/var/lib/vitalgate 750 vitalgate:vitalgate" test "$(mode_of $HOME_DIR)" = "750 vitalgate:vitalgate"
    check "/etc/vitalgate 750 root:vitalgate" test "$(mode_of /etc/vitalgate)" = "750 root:vitalgate"
    check "/etc/vitalgate/passphrase 600 vitalgate:vitalgate" test "$(mode_of /etc/vitalgate/passphrase)" = "600 vitalgate:vitalgate"
    check "gateway key 600 vitalgate:vitalgate" test "$(mode_of $HOME_DIR/gateway.key)" = "600 vitalgate:vitalgate"
    check "the key is sealed (passphrase file)" grep -q "^passphrase_file = /etc/vitalgate/passphrase" $HOME_DIR/vitalgate.conf
    check "broker configuration filled in" sh -c "test -s $HOME_DIR/broker/mosquitto.conf && ! grep -q '@[A-Z_]*@' $HOME_DIR/broker/mosquitto.conf"
    check "devices.txt enrolled ox-001 and bp-001 (passwords in enrol/)" test -s $HOME_DIR/enrol/ox-001.password -a -s $HOME_DIR/enrol/bp-001.password
    check "units enabled (systemctl is-enabled)" sh -c 'test "$(systemctl is-enabled vitalgate.service vitalgate-broker.service | sort -u)" = enabled'
    check "Debian's own mosquitto service disabled" sh -c '! systemctl is-enabled mosquitto.service >/dev/null 2>&1'
    # Provisioning from / with the installed profiles; one that fails halfway leaves nothing.
    cd /
    check "from /: provision finds /usr/share/vitalgate/devices" sh -c 'vitalgate provision --home /var/tmp/gw-ok --gateway-id gw-ok | grep -q "profiles      blood-pressure-cuff, ecg-patch, pulse-oximeter, smartwatch, thermometer"'
    vitalgate provision --home /var/tmp/gw-fail --gateway-id gw-fail --set broker_password_file=/nonexistent/passwd > "$LOGS/provision-fail.log" 2>&1
    check "from /: a provisioning that fails halfway exits non-zero" test $? != 0
    check "… and leaves no files" test ! -e /var/tmp/gw-fail
    check "… and the retry works" sh -c 'vitalgate provision --home /var/tmp/gw-fail --gateway-id gw-fail >/dev/null && test -e /var/tmp/gw-fail/gateway.key'
    rm -rf /var/tmp/gw-ok /var/tmp/gw-fail
    ;;

services)
    PASSWORD=$(cat /root/ledger.password)
    pids=()
    stop_all() { for ((i=${#pids[@]}-1; i>=0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null; done; wait 2>/dev/null; }
    trap stop_all EXIT
    # The clinic's node, as README reaches it: http://127.0.0.1:9332, user vitalgate.
    mkdir -p /var/tmp/ledger
    # The program itself: /usr/bin/litecoind is a wrapper that sets up ~/.litecoin (racing litecoin-cli here).
    /usr/lib/litecoin/litecoind -regtest -datadir=/var/tmp/ledger -server -rpcbind=127.0.0.1 -rpcallowip=127.0.0.1 -rpcport=9332 \
        -rpcuser=vitalgate -rpcpassword="$PASSWORD" -txindex=1 -fallbackfee=0.0001 -listen=0 -connect=0 -dnsseed=0 \
        -discover=0 -upnp=0 -printtoconsole=0 > "$LOGS/litecoind.log" 2>&1 & pids+=($!)
    LEDGER=(--ledger-url http://127.0.0.1:9332 --ledger-user vitalgate --ledger-password-file /root/ledger.password)
    # Blocks: 101 to fund the agent's wallet `vitalgate`, then one every 2 s
    # (the chain stays far below the 432 blocks where regtest MWEB stops mining).
    rpc_up() { litecoin-cli -regtest -datadir=/var/tmp/ledger -rpcport=9332 -rpcuser=vitalgate -rpcpassword="$PASSWORD" getblockcount; }
    wait_for 120 "the ledger's RPC" rpc_up
    cli() { litecoin-cli -regtest -datadir=/var/tmp/ledger -rpcport=9332 -rpcuser=vitalgate -rpcpassword="$PASSWORD" -rpcclienttimeout=0 "$@"; }
    cli createwallet vitalgate > /dev/null
    cli generatetoaddress 101 "$(cli -rpcwallet=vitalgate getnewaddress)" > /dev/null
    check "the agent's wallet funded (101 blocks)" test "$(cli getblockcount)" = 101
    # A block producer that comes back if a slow answer ends it.
    (child=; trap 'kill $child 2>/dev/null; exit 0' TERM
     while true; do vitalgate dev mine "${LEDGER[@]}" --every 2 >> "$LOGS/miner.log" 2>&1 & child=$!; wait $child; sleep 1; done) & pids+=($!)
    # The units, as systemd would start them: ExecStart as User, with RuntimeDirectory and UMask.
    unit() { sed -n "s/^$2=//p" "/usr/lib/systemd/system/$1.service" | head -1; }
    check "broker unit runs as vitalgate" test "$(unit vitalgate-broker User)" = vitalgate
    install -d -m 0755 -o vitalgate -g vitalgate "/run/$(unit vitalgate-broker RuntimeDirectory)"
    # setpriv execs the program itself (runuser would stay as its parent and SIGKILL it 2 s after a SIGTERM).
    as_unit_user() { exec setpriv --reuid=vitalgate --regid=vitalgate --init-groups -- "$@"; }
    (umask 077; as_unit_user $(unit vitalgate-broker ExecStart)) > "$LOGS/broker.log" 2>&1 & pids+=($!)
    wait_for 30 "the broker's local port" bash -c 'exec 3<>/dev/tcp/127.0.0.1/1883'
    check "broker listening: 1883 (agent) and 8883 (devices, TLS)" bash -c 'exec 3<>/dev/tcp/127.0.0.1/8883'
    check "agent unit runs /usr/bin/vitalgate as vitalgate" test "$(unit vitalgate User) $(unit vitalgate ExecStart | cut -d' ' -f1)" = "vitalgate /usr/bin/vitalgate"
    agent_env=$(unit vitalgate Environment)
    (umask 077; as_unit_user env $agent_env VITALGATE_CHECKPOINT_INTERVAL=3 VITALGATE_ANCHOR_INTERVAL=6 VITALGATE_CONFIRMATIONS=3 \
        $(unit vitalgate ExecStart)) > "$LOGS/agent.log" 2>&1 & agent=$!
    pids+=("$agent")
    # (No `| grep -q` under pipefail: grep's early exit can fail the pipe.)
    # (status's exit code reports the gateway's health, e.g. an unsynchronized clock: only the line matters here.)
    connected() { vg status --home $HOME_DIR --line > "$LOGS/status-line.txt"; grep -q "broker connected" "$LOGS/status-line.txt"; }
    check "the agent connects to the broker" wait_for 120 "the agent's broker session" connected || cat "$LOGS/status-line.txt"

    cd /root
    if block day-to-day; then ok "README block day-to-day"; else bad "README block day-to-day"; fi
    check "… th-001 enrolled, listed from /" grep -q "th-001" "$LOGS/readme-day-to-day.log"
    cd /
    if block check; then ok "README block check (10 simulated readings acknowledged)"; else bad "README block check"; fi
    check "status: 10 readings stored" sh -c "vitalgate status --home $HOME_DIR --line | grep -q '^stored 10 '"
    # Until an anchor covering seq 1 is confirmed, export has no bundle to give.
    exported() { vg export --home $HOME_DIR --device ox-001 --seq 1 > /dev/null; }
    check "an anchor covering the readings confirmed" wait_for 300 "a confirmed anchor" exported
    if block verify; then ok "README block verify"; else bad "README block verify"; fi
    check "… VERIFIED, signed by the pinned gateway key, the chain checked by the node" \
        sh -c "grep '^VERIFIED' '$LOGS/readme-verify.log' | grep -q '^VERIFIED: signed by the key with fingerprint' && ! grep -q 'offline' '$LOGS/readme-verify.log'"
    check "… no step failed" sh -c "! grep -q 'FAIL' '$LOGS/readme-verify.log'"
    check "FHIR export names the patient from devices.txt" sh -c "vg() { runuser -u vitalgate -- vitalgate \"\$@\"; }; vg export --home $HOME_DIR --fhir --device ox-001 | grep -q 'Patient/123'"
    height=$(cli getblockcount)
    check "the regtest chain stayed below 350 blocks ($height)" test "${height:-999}" -lt 350
    # A clean stop: SIGTERM, as systemd stops the unit; the agent signs a last checkpoint.
    kill -TERM "$agent"
    wait_for 60 "the agent to stop" bash -c "! kill -0 $agent"
    wait "$agent"; rc=$?
    check "the agent stops cleanly on SIGTERM (exit $rc)" test "$rc" = 0
    ;;

remove)
    apt-get remove -y vitalgate > "$LOGS/apt-remove.log" 2>&1
    check "apt remove" test $? = 0
    check "… says the data is kept" grep -q "kept /var/lib/vitalgate" "$LOGS/apt-remove.log"
    check "… the program is gone" test ! -e /usr/bin/vitalgate
    check "… /var/lib/vitalgate is kept (key, database)" test -e $HOME_DIR/gateway.key -a -e $HOME_DIR/vitalgate.sqlite
    apt-get purge -y vitalgate > "$LOGS/apt-purge.log" 2>&1
    check "apt purge" test $? = 0
    check "… says what it deletes" grep -q "deleting /var/lib/vitalgate" "$LOGS/apt-purge.log"
    check "… /var/lib/vitalgate and /etc/vitalgate are gone" test ! -e $HOME_DIR -a ! -e /etc/vitalgate
    check "… dpkg forgot the package" sh -c '! dpkg-query -W -f="\${Status}" vitalgate 2>/dev/null | grep -q installed'
    ;;
esac
exit 0
