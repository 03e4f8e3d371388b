#!/usr/bin/env bash
# First boot of a Raspberry Pi gateway (Raspberry Pi OS / Debian 12, run as root):
# install, provision, enrol, start. See docs/security.md and docs/home.md.
#
#   first-boot.sh --gateway-id ward3-gw1 --ledger-url http://10.0.0.5:9332 --ledger-cookie /etc/vitalgate/ledger.cookie \
#       [--devices devices.txt] [--binary ./vitalgate] [--passphrase-file /media/key/vitalgate.passphrase] [--tls-port 8883]
#
# devices.txt: one `<device-id> <profile>` per line. Each device's broker
# password is written once to /var/lib/vitalgate/enrol/<id>.password (mode
# 0600): hand it to the device, then delete the file.
set -euo pipefail

GATEWAY_ID= LEDGER_URL= LEDGER_COOKIE= DEVICES= PASSPHRASE_FILE=
BINARY=./vitalgate TLS_PORT=8883 LOCAL_PORT=1883
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
while [ $# -gt 0 ]; do
    case "$1" in
        --gateway-id) GATEWAY_ID=$2; shift 2 ;;
        --ledger-url) LEDGER_URL=$2; shift 2 ;;
        --ledger-cookie) LEDGER_COOKIE=$2; shift 2 ;;
        --devices) DEVICES=$2; shift 2 ;;
        --binary) BINARY=$2; shift 2 ;;
        --passphrase-file) PASSPHRASE_FILE=$2; shift 2 ;;
        --tls-port) TLS_PORT=$2; shift 2 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
[ -n "$GATEWAY_ID" ] && [ -n "$LEDGER_URL" ] && [ -n "$LEDGER_COOKIE" ] || {
    echo "usage: $0 --gateway-id ID --ledger-url URL --ledger-cookie FILE [--devices FILE] [--binary PATH] [--passphrase-file FILE]" >&2
    exit 2
}
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }

HOME_DIR=/var/lib/vitalgate
BROKER_DIR=$HOME_DIR/broker
as_vitalgate() { runuser -u vitalgate -- "$@"; }

echo "[1/7] packages"
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y mosquitto libmosquitto1 libsqlite3-0 libsodium23 openssl
# The distribution's broker would take port 1883; the gateway runs its own (vitalgate-broker.service).
systemctl disable --now mosquitto.service 2>/dev/null || true

echo "[2/7] service user and files"
id vitalgate >/dev/null 2>&1 || useradd --system --home-dir "$HOME_DIR" --shell /usr/sbin/nologin vitalgate
install -d -m 0750 -o vitalgate -g vitalgate "$HOME_DIR"
install -m 0755 "$BINARY" /usr/local/bin/vitalgate
install -d -m 0755 /opt/vitalgate
cp -r "$ROOT/Devices" "$ROOT/docs" /opt/vitalgate/

echo "[3/7] passphrase for the sealed gateway key"
if [ -z "$PASSPHRASE_FILE" ]; then
    # Unattended boot needs the passphrase on the box. Kept outside the home
    # folder, so a copy of the home (backups, the database) alone does not
    # open the key; keep it on removable media to protect against a copied card.
    install -d -m 0750 -o root -g vitalgate /etc/vitalgate
    PASSPHRASE_FILE=/etc/vitalgate/passphrase
    [ -e "$PASSPHRASE_FILE" ] || (umask 077; head -c 32 /dev/urandom | base64 > "$PASSPHRASE_FILE")
fi
chown vitalgate:vitalgate "$PASSPHRASE_FILE"
chmod 0600 "$PASSPHRASE_FILE"

echo "[4/7] provision $GATEWAY_ID"
as_vitalgate vitalgate provision --home "$HOME_DIR" --gateway-id "$GATEWAY_ID" --devices-dir /opt/vitalgate/Devices \
    --passphrase-file "$PASSPHRASE_FILE" \
    --set mqtt_port="$LOCAL_PORT" --set ledger_url="$LEDGER_URL" --set ledger_cookie="$LEDGER_COOKIE" \
    --set broker_pid_file=/run/vitalgate-broker/mosquitto.pid

echo "[5/7] broker: TLS identity and configuration"
TLS=$BROKER_DIR/tls
install -d -m 0700 -o vitalgate -g vitalgate "$TLS"
if [ ! -e "$TLS/broker.crt" ]; then
    HOSTNAME_FQDN=$(hostname -f 2>/dev/null || hostname)
    ADDRESSES=$(hostname -I 2>/dev/null | tr ' ' '\n' | sed -n 's/^\([0-9.]*\)$/IP:\1/p' | paste -sd, -)
    printf 'subjectAltName=DNS:%s,DNS:%s%s\nbasicConstraints=CA:FALSE\n' "$HOSTNAME_FQDN" "$(hostname)" "${ADDRESSES:+,$ADDRESSES}" > "$TLS/san.ext"
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
    "$HERE/mosquitto-gateway.conf.in" > "$BROKER_DIR/mosquitto.conf"
chown vitalgate:vitalgate "$BROKER_DIR/mosquitto.conf"
if grep -q '@[A-Z_]*@' "$BROKER_DIR/mosquitto.conf"; then echo "unfilled placeholder in mosquitto.conf" >&2; exit 1; fi

echo "[6/7] services"
install -m 0644 "$HERE/vitalgate.service" "$HERE/vitalgate-broker.service" /etc/systemd/system/
systemctl daemon-reload
systemctl enable --now vitalgate-broker.service

echo "[7/7] devices, then the agent"
if [ -n "$DEVICES" ]; then
    install -d -m 0700 -o vitalgate -g vitalgate "$HOME_DIR/enrol"
    while read -r id profile; do
        case "$id" in ''|'#'*) continue ;; esac
        as_vitalgate vitalgate device add "$id" --profile "$profile" --home "$HOME_DIR" \
            --password-out "$HOME_DIR/enrol/$id.password"
    done < "$DEVICES"
fi
systemctl enable --now vitalgate.service
as_vitalgate vitalgate device list --home "$HOME_DIR"
echo "done: 'systemctl status vitalgate', 'sudo -u vitalgate vitalgate status --home $HOME_DIR'"
