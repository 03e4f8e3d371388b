#!/usr/bin/env bash
# `make run`: a regtest ledger node with a block producer, a provisioned demo
# gateway with five enrolled devices, a local broker with the gateway's
# secured configuration (TLS, passwords, ACLs), a simulator and the agent,
# all under .state/run (ignored by git). Ctrl-C stops everything it started.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${VITALGATE_BIN:-$ROOT/.build/debug/vitalgate}
STATE=$ROOT/.state/run
# The first free port at or above $1 on 127.0.0.1.
free_port() {
    local port=$1
    while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
    echo "$port"
}
MQTT_PORT=${MQTT_PORT:-$(free_port 18830)}
TLS_PORT=${TLS_PORT:-$(free_port $((MQTT_PORT + 1)))}
RPC_PORT=${RPC_PORT:-$(free_port 19443)}
P2P_PORT=${P2P_PORT:-$(free_port $((RPC_PORT + 1)))}
LITECOIND=/usr/lib/litecoin/litecoind

pids=()
cleanup() {
    trap - EXIT INT TERM
    echo
    echo "stopping: agent, simulator, miner, ledger node, broker"
    for ((i=${#pids[@]}-1; i>=0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    echo "stopped. State and logs are in $STATE"
}
trap cleanup EXIT INT TERM

for port in "$MQTT_PORT" "$TLS_PORT" "$RPC_PORT" "$P2P_PORT"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "port $port on 127.0.0.1 is in use; set MQTT_PORT / RPC_PORT / P2P_PORT" >&2
        exit 1
    fi
done

rm -rf "$STATE"
mkdir -p "$STATE/broker" "$STATE/ledger"

echo "[1/6] ledger: litecoind -regtest on 127.0.0.1:$RPC_PORT"
"$LITECOIND" -regtest -datadir="$STATE/ledger" -server -listen=1 -bind=127.0.0.1:"$P2P_PORT" \
    -rpcbind=127.0.0.1 -rpcallowip=127.0.0.1 -rpcport="$RPC_PORT" -txindex=1 -fallbackfee=0.0001 \
    -connect=0 -dnsseed=0 -discover=0 -upnp=0 -listenonion=0 -onlynet=ipv4 -printtoconsole=0 & pids+=($!)
COOKIE="$STATE/ledger/regtest/.cookie"
for _ in $(seq 1 100); do [ -s "$COOKIE" ] && break; sleep 0.2; done
LEDGER=(--ledger-url "http://127.0.0.1:$RPC_PORT" --ledger-cookie "$COOKIE" --ledger-wallet vitalgate)

echo "[2/6] gateway: provisioning demo-gw (identity, database, the agent's broker account)"
HOME_DIR="$STATE/gateway"
BROKER="$STATE/broker"
"$BIN" provision --home "$HOME_DIR" --gateway-id demo-gw --devices-dir "$ROOT/Devices" \
    --set mqtt_port="$MQTT_PORT" --set ledger_url="http://127.0.0.1:$RPC_PORT" --set ledger_cookie="$COOKIE" \
    --set broker_pid_file="$BROKER/mosquitto.pid" \
    --set checkpoint_interval=5 --set anchor_interval=10 --set confirmations=3
echo "[3/6] broker: mosquitto with the gateway configuration (Provisioning/mosquitto-gateway.conf.in):"
echo "      devices on TLS 127.0.0.1:$TLS_PORT, the agent on 127.0.0.1:$MQTT_PORT, passwords + ACLs, no anonymous access"
# A throwaway CA and broker certificate for this demo (never committed).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$BROKER/ca.key" \
    -out "$BROKER/ca.crt" -subj "/CN=vitalgate demo CA" -days 2 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$BROKER/broker.key" \
    -out "$BROKER/broker.csr" -subj "/CN=127.0.0.1" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' > "$BROKER/san.ext"
openssl x509 -req -in "$BROKER/broker.csr" -CA "$BROKER/ca.crt" -CAkey "$BROKER/ca.key" -CAcreateserial \
    -out "$BROKER/broker.crt" -days 2 -extfile "$BROKER/san.ext" 2>/dev/null
sed -e "s|@TLS_BIND@|127.0.0.1|" -e "s|@TLS_PORT@|$TLS_PORT|" -e "s|@LOCAL_PORT@|$MQTT_PORT|" \
    -e "s|@CA_FILE@|$BROKER/ca.crt|" -e "s|@CERT_FILE@|$BROKER/broker.crt|" -e "s|@KEY_FILE@|$BROKER/broker.key|" \
    -e "s|@PASSWORD_FILE@|$HOME_DIR/broker/passwd|" -e "s|@ACL_FILE@|$HOME_DIR/broker/acl|" \
    -e "s|@PID_FILE@|$BROKER/mosquitto.pid|" -e "s|^log_dest syslog|log_dest file $BROKER/mosquitto.log|" \
    "$ROOT/Provisioning/mosquitto-gateway.conf.in" > "$BROKER/mosquitto.conf"
# Started as root, mosquitto switches to user `mosquitto`, who cannot read this folder.
if [ "$(id -u)" = 0 ]; then echo "user root" >> "$BROKER/mosquitto.conf"; fi
/usr/sbin/mosquitto -c "$BROKER/mosquitto.conf" & pids+=($!)
for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$MQTT_PORT") 2>/dev/null && break; sleep 0.1; done

echo "      enrolling five devices, each with its own broker password (the broker reloads its password and ACL files)"
mkdir -p "$STATE/device-passwords"
for d in ox-001:pulse-oximeter bp-001:blood-pressure-cuff th-001:thermometer sw-001:smartwatch ecg-001:ecg-patch; do
    "$BIN" device add "${d%%:*}" --profile "${d##*:}" --home "$HOME_DIR" --password-out "$STATE/device-passwords/${d%%:*}.password"
done


echo "[4/6] block producer: a regtest block every 2 s (after 101 to fund the wallet)"
for _ in $(seq 1 100); do "$BIN" dev mine "${LEDGER[@]}" --initial 101 --every 2 >"$STATE/miner.log" 2>&1 & pid=$!; sleep 1
    if kill -0 "$pid" 2>/dev/null; then pids+=("$pid"); break; fi; done

echo "[5/6] agent: vitalgate run (log: $STATE/agent.log)"
"$BIN" run --home "$HOME_DIR" >"$STATE/agent.log" 2>&1 & pids+=($!)

echo "[6/6] simulator: 5 devices over TLS with their own passwords, 2 readings/s each, every 40th message invalid"
"$BIN" simulate --home "$HOME_DIR" --mqtt-port "$TLS_PORT" --tls-ca "$BROKER/ca.crt" \
    --password-dir "$STATE/device-passwords" --rate 2 --invalid-every 40 >"$STATE/simulator.log" 2>&1 & pids+=($!)

echo
echo "Progress (Ctrl-C to stop). Verify a reading later with:"
echo "  $BIN export --home $HOME_DIR --device ox-001 --seq <seq> > bundle.json && $BIN verify bundle.json ${LEDGER[*]}"
echo
started=$(date +%s)
announced=0
while true; do
    text=$("$BIN" status --home "$HOME_DIR" --line 2>/dev/null || true)
    printf '[%3ss] %s\n' "$(( $(date +%s) - started ))" "$text"
    if [ "$announced" = 0 ] && echo "$text" | grep -q 'confirmed [1-9]'; then
        echo ">>> first anchor confirmed $(( $(date +%s) - started )) s after the agent started"
        announced=1
    fi
    sleep 2
done
