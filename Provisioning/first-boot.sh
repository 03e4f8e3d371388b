#!/usr/bin/env bash
# First boot of a Raspberry Pi gateway (Raspberry Pi OS / Debian 13, run as root):
# install the package, provision, make the broker's TLS identity, enrol, start.
# README, "Deploying on a Raspberry Pi"; docs/security.md and docs/home.md.
#
#   first-boot.sh --package ./vitalgate_<version>_arm64.deb --gateway-id ward3-gw1 \
#       --ledger-url http://127.0.0.1:9332 --ledger-user vitalgate --ledger-password-file ledger.password \
#       [--devices devices.txt] [--passphrase-file /media/key/vitalgate.passphrase] [--tls-port 8883] \
#       [--set KEY=VALUE ...]
#
# --package installs the Debian package with apt (its dependencies come from
# the distribution); without it the installed package is used (the script is
# also /usr/share/vitalgate/first-boot.sh). --ledger-password-file is copied
# to /etc/vitalgate/ledger.password (0600, user vitalgate; the password never
# goes on a command line); or give --ledger-cookie. --set passes a setting to
# `vitalgate provision` (e.g. --set ledger_user=… for a provider).
# devices.txt: one `<device-id> <profile> [<patient>]` per line. Each
# device's broker password is written once to
# /var/lib/vitalgate/enrol/<id>.password (mode 0600): hand it to the device,
# then delete the file. Running the script again keeps what exists (the
# identity, the TLS identity) and enrols devices not yet enrolled.
set -euo pipefail

PACKAGE= GATEWAY_ID= LEDGER_URL= LEDGER_COOKIE= LEDGER_USER= LEDGER_PASSWORD_FILE= DEVICES= PASSPHRASE_FILE=
TLS_PORT=8883 LOCAL_PORT=1883
SETTINGS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --package) PACKAGE=$2; shift 2 ;;
        --gateway-id) GATEWAY_ID=$2; shift 2 ;;
        --ledger-url) LEDGER_URL=$2; shift 2 ;;
        --ledger-cookie) LEDGER_COOKIE=$2; shift 2 ;;
        --ledger-user) LEDGER_USER=$2; shift 2 ;;
        --ledger-password-file) LEDGER_PASSWORD_FILE=$2; shift 2 ;;
        --devices) DEVICES=$2; shift 2 ;;
        --passphrase-file) PASSPHRASE_FILE=$2; shift 2 ;;
        --tls-port) TLS_PORT=$2; shift 2 ;;
        --set) SETTINGS+=(--set "$2"); shift 2 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
[ -n "$GATEWAY_ID" ] && [ -n "$LEDGER_URL" ] || {
    echo "usage: $0 [--package FILE.deb] --gateway-id ID --ledger-url URL [--ledger-cookie FILE | --ledger-user USER --ledger-password-file FILE] [--devices FILE] [--passphrase-file FILE] [--tls-port N] [--set KEY=VALUE]" >&2
    exit 2
}
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }

HOME_DIR=/var/lib/vitalgate
BROKER_DIR=$HOME_DIR/broker
SHARE=/usr/share/vitalgate
as_vitalgate() { runuser -u vitalgate -- "$@"; }

echo "[1/8] package"
if [ -n "$PACKAGE" ]; then
    case "$PACKAGE" in /*|./*|../*) ;; *) PACKAGE=./$PACKAGE ;; esac  # apt takes a file only as a path
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y "$PACKAGE" mosquitto openssl
elif ! dpkg-query -W -f='${Status}' vitalgate 2>/dev/null | grep -q 'install ok installed'; then
    echo "the vitalgate package is not installed: pass --package vitalgate_<version>_<arch>.deb" >&2
    exit 1
fi
echo "  $(vitalgate --version) (user vitalgate and $HOME_DIR made by the package)"
# The distribution's broker would take port 1883; the gateway runs its own (vitalgate-broker.service).
systemctl disable mosquitto.service 2>/dev/null || true
systemctl stop mosquitto.service 2>/dev/null || true

echo "[2/8] clock"
# Readings stamped outside [now - max_past_skew, now + max_future_skew] are
# rejected (and the devices resend them until the clock is right): a Pi has
# no real-time clock, so it must get the time from the network.
timedatectl set-ntp true 2>/dev/null || echo "  could not turn on NTP with timedatectl: make sure the clock is set from the network"

echo "[3/8] passphrase for the sealed gateway key"
if [ -z "$PASSPHRASE_FILE" ]; then
    # Unattended boot needs the passphrase on the box. Kept outside the home
    # folder, so a copy of the home (backups, the database) alone does not
    # open the key; keep it on removable media to protect against a copied card.
    PASSPHRASE_FILE=/etc/vitalgate/passphrase
    [ -e "$PASSPHRASE_FILE" ] || (umask 077; head -c 32 /dev/urandom | base64 > "$PASSPHRASE_FILE")
fi
chown vitalgate:vitalgate "$PASSPHRASE_FILE"
chmod 0600 "$PASSPHRASE_FILE"

if [ -n "$LEDGER_PASSWORD_FILE" ]; then
    install -m 0600 -o vitalgate -g vitalgate "$LEDGER_PASSWORD_FILE" /etc/vitalgate/ledger.password
    SETTINGS+=(--set ledger_password_file=/etc/vitalgate/ledger.password)
fi
[ -z "$LEDGER_USER" ] || SETTINGS+=(--set ledger_user="$LEDGER_USER")

echo "[4/8] provision $GATEWAY_ID"
if [ -e "$HOME_DIR/gateway.key" ]; then
    echo "  already provisioned: kept ($HOME_DIR/gateway.key)"
else
    as_vitalgate vitalgate provision --home "$HOME_DIR" --gateway-id "$GATEWAY_ID" \
        --passphrase-file "$PASSPHRASE_FILE" \
        --set mqtt_port="$LOCAL_PORT" --set ledger_url="$LEDGER_URL" ${LEDGER_COOKIE:+--set ledger_cookie="$LEDGER_COOKIE"} \
        --set broker_pid_file=/run/vitalgate-broker/mosquitto.pid "${SETTINGS[@]}"
fi

echo "[5/8] broker: TLS identity and configuration"
TLS=$BROKER_DIR/tls
install -d -m 0700 -o vitalgate -g vitalgate "$TLS"
if [ ! -e "$TLS/broker.crt" ]; then
    HOSTNAME_FQDN=$(hostname -f 2>/dev/null || hostname)
    ADDRESSES=$(hostname -I 2>/dev/null | tr ' ' '\n' | sed -n 's/^\([0-9.]\{7,15\}\)$/IP:\1/p' | paste -sd, -)
    # Devices reach the broker by the gateway's names and addresses; local
    # clients (a check with `vitalgate simulate`) by localhost.
    printf 'subjectAltName=DNS:%s,DNS:%s,DNS:localhost,IP:127.0.0.1%s\nbasicConstraints=CA:FALSE\n' \
        "$HOSTNAME_FQDN" "$(hostname)" "${ADDRESSES:+,$ADDRESSES}" > "$TLS/san.ext"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$TLS/ca.key" -out "$TLS/ca.crt" \
        -subj "/CN=vitalgate $GATEWAY_ID CA" -days 3650
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$TLS/broker.key" -out "$TLS/broker.csr" \
        -subj "/CN=$HOSTNAME_FQDN"
    openssl x509 -req -in "$TLS/broker.csr" -CA "$TLS/ca.crt" -CAkey "$TLS/ca.key" -CAcreateserial \
        -out "$TLS/broker.crt" -days 825 -extfile "$TLS/san.ext"
    # The CA key signs nothing else: keep it offline, not on the gateway.
    echo "  move $TLS/ca.key off the gateway; devices need $TLS/ca.crt"
    chown -R vitalgate:vitalgate "$TLS"
fi
sed -e "s|@TLS_BIND@|0.0.0.0|" -e "s|@TLS_PORT@|$TLS_PORT|" -e "s|@LOCAL_PORT@|$LOCAL_PORT|" \
    -e "s|@CA_FILE@|$TLS/ca.crt|" -e "s|@CERT_FILE@|$TLS/broker.crt|" -e "s|@KEY_FILE@|$TLS/broker.key|" \
    -e "s|@PASSWORD_FILE@|$BROKER_DIR/passwd|" -e "s|@ACL_FILE@|$BROKER_DIR/acl|" \
    -e "s|@PID_FILE@|/run/vitalgate-broker/mosquitto.pid|" \
    "$SHARE/mosquitto-gateway.conf.in" > "$BROKER_DIR/mosquitto.conf"
chown vitalgate:vitalgate "$BROKER_DIR/mosquitto.conf"
if grep -q '@[A-Z_]*@' "$BROKER_DIR/mosquitto.conf"; then echo "unfilled placeholder in mosquitto.conf" >&2; exit 1; fi

echo "[6/8] broker service"
systemctl daemon-reload
# enable, then start (not `enable --now`, which refuses where systemd does not run, e.g. a chroot).
systemctl enable vitalgate-broker.service
systemctl start vitalgate-broker.service

echo "[7/8] devices"
if [ -n "$DEVICES" ]; then
    install -d -m 0700 -o vitalgate -g vitalgate "$HOME_DIR/enrol"
    while read -r id profile patient; do
        case "$id" in ''|'#'*) continue ;; esac
        if as_vitalgate vitalgate device show "$id" --home "$HOME_DIR" >/dev/null 2>&1; then
            echo "  $id: already enrolled"
            continue
        fi
        as_vitalgate vitalgate device add "$id" --profile "$profile" ${patient:+--patient "$patient"} --home "$HOME_DIR" \
            --password-out "$HOME_DIR/enrol/$id.password"
    done < "$DEVICES"
fi

echo "[8/8] the agent"
systemctl enable vitalgate.service
systemctl start vitalgate.service
as_vitalgate vitalgate device list --home "$HOME_DIR"
echo "done: 'systemctl status vitalgate', 'sudo -u vitalgate vitalgate status --home $HOME_DIR'"
