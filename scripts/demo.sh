#!/usr/bin/env bash
# `make run`: a regtest ledger node with a block producer, a provisioned demo
# gateway with five enrolled devices (two assigned to a patient), a local
# broker with the gateway's secured configuration (TLS, passwords, ACLs), a
# test clinic (Tests/fhir/clinic_server.py) the agent delivers FHIR to, a
# simulator and the agent, all under .state/run (ignored by git; the previous
# run's state is moved to .state/run.previous). Ctrl-C stops everything it
# started, the agent last signing a checkpoint, also when the output goes
# through a pipe (`make run | tee log`).
#
# `scripts/demo.sh ledger` starts the last demo's ledger node again, so that
# `vitalgate verify --ledger-url …` can check the chain after the demo stopped.
set -euo pipefail
# A reader that went away (`make run | tee log`, then Ctrl-C: tee dies too)
# must not kill this script with SIGPIPE before it has stopped what it started:
# writes then fail, and `say` goes on to stderr.
trap '' PIPE
say() { printf '%s\n' "$*" 2>/dev/null || printf '%s\n' "$*" >&2 2>/dev/null || true; }

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

VENV=$ROOT/.venv-fhir
LEDGER_PORTS=$STATE/ports.env

# `demo.sh ledger`: the last demo's node, on its ports, until Ctrl-C.
if [ "${1:-}" = ledger ]; then
    [ -f "$LEDGER_PORTS" ] || { echo "no demo state in $STATE: run \`make run\` first" >&2; exit 1; }
    # shellcheck disable=SC1090
    . "$LEDGER_PORTS"
    echo "ledger: the demo's litecoind -regtest on 127.0.0.1:$RPC_PORT (Ctrl-C stops it); verify with:"
    echo "  $BIN verify bundle.json --gateway-key $STATE/gateway/gateway.pub --ledger-url http://127.0.0.1:$RPC_PORT --ledger-cookie $STATE/ledger/regtest/.cookie"
    exec "$LITECOIND" -regtest -datadir="$STATE/ledger" -server -listen=1 -bind=127.0.0.1:"$P2P_PORT" \
        -rpcbind=127.0.0.1 -rpcallowip=127.0.0.1 -rpcport="$RPC_PORT" -txindex=1 -fallbackfee=0.0001 \
        -connect=0 -dnsseed=0 -discover=0 -upnp=0 -listenonion=0 -onlynet=ipv4 -printtoconsole=0
fi

pids=() names=()
# remember PID NAME: a child started in the background, for cleanup.
remember() { pids+=("$1"); names+=("$2"); }
# Background commands of a script ignore SIGINT (bash does that without job
# control), so Ctrl-C reaches only this script: it stops each child with
# SIGTERM, newest first, and waits for it, so the agent (which stops ingest
# and signs a last checkpoint on SIGTERM) is done before its broker and
# ledger go. A child still there after 30 s gets SIGKILL.
cleanup() {
    trap - EXIT INT TERM HUP
    set +e
    say ""
    say "stopping: ${names[*]:-nothing started}"
    for ((i=${#pids[@]}-1; i>=0; i--)); do
        kill -TERM "${pids[i]}" 2>/dev/null || continue
        for _ in $(seq 1 300); do kill -0 "${pids[i]}" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "${pids[i]}" 2>/dev/null; then say "  ${names[i]} did not stop on SIGTERM: SIGKILL"; kill -KILL "${pids[i]}" 2>/dev/null; fi
        wait "${pids[i]}" 2>/dev/null
    done
    if [ -n "${HOME_DIR:-}" ] && [ -e "$HOME_DIR/vitalgate.sqlite" ]; then
        summary=$("$BIN" status --home "$HOME_DIR" --json 2>/dev/null | python3 -c '
import json, sys
s = json.load(sys.stdin)
last = (s.get("last_checkpoint") or {}).get("tree_size", 0)
size, stored = s["tree_size"], s["stored"]
print(f"final checkpoint: tree size {last} of a log of {size} leaves, {stored} readings stored"
      + (" (every reading is under a signed checkpoint)" if last == size else " (NOT all readings are under a signed checkpoint: see agent.log)"))
' 2>/dev/null)
        say "${summary:-final checkpoint: status unavailable (see $STATE/agent.log)}"
        say "stopped. State and logs are in $STATE"
        say ""
        say "Verify a reading (this works now, offline: every step but the chain):"
        say "  $BIN export --home $HOME_DIR --device ox-001 --seq 1 > bundle.json && $BIN verify bundle.json --gateway-key $HOME_DIR/gateway.pub"
        say "The chain check needs the demo's ledger node running: \`scripts/demo.sh ledger\` starts it again (Ctrl-C stops it); then"
        say "  $BIN verify bundle.json --gateway-key $HOME_DIR/gateway.pub ${LEDGER[*]:-}"
        say "FHIR: $BIN export --home $HOME_DIR --fhir --device ox-001 (what was delivered to the test clinic: $STATE/clinic/created.jsonl)"
    else
        say "stopped. State and logs are in $STATE"
    fi
}
# After a signal's cleanup the script exits (a trap handler would otherwise return into the loop).
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
trap 'cleanup; exit 129' HUP

for port in "$MQTT_PORT" "$TLS_PORT" "$RPC_PORT" "$P2P_PORT"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "port $port on 127.0.0.1 is in use; set MQTT_PORT / RPC_PORT / P2P_PORT" >&2
        exit 1
    fi
done

if [ -e "$STATE" ]; then
    rm -rf "$STATE.previous"
    mv "$STATE" "$STATE.previous"
    echo "the previous demo's state is kept in $STATE.previous (the one before it is deleted)"
fi
mkdir -p "$STATE/broker" "$STATE/ledger" "$STATE/clinic"
CLINIC_PORT=${CLINIC_PORT:-$(free_port 18080)}
printf 'RPC_PORT=%s\nP2P_PORT=%s\n' "$RPC_PORT" "$P2P_PORT" > "$LEDGER_PORTS"

echo "[1/6] ledger: litecoind -regtest on 127.0.0.1:$RPC_PORT"
"$LITECOIND" -regtest -datadir="$STATE/ledger" -server -listen=1 -bind=127.0.0.1:"$P2P_PORT" \
    -rpcbind=127.0.0.1 -rpcallowip=127.0.0.1 -rpcport="$RPC_PORT" -txindex=1 -fallbackfee=0.0001 \
    -connect=0 -dnsseed=0 -discover=0 -upnp=0 -listenonion=0 -onlynet=ipv4 -printtoconsole=0 & remember $! "ledger node"
COOKIE="$STATE/ledger/regtest/.cookie"
for _ in $(seq 1 100); do [ -s "$COOKIE" ] && break; sleep 0.2; done
LEDGER=(--ledger-url "http://127.0.0.1:$RPC_PORT" --ledger-cookie "$COOKIE" --ledger-wallet vitalgate)

echo "      clinic: a FHIR R4 test server on 127.0.0.1:$CLINIC_PORT (Tests/fhir/clinic_server.py, store $STATE/clinic)"
"$VENV/bin/python" "$ROOT/Tests/fhir/clinic_server.py" --port "$CLINIC_PORT" --store "$STATE/clinic" >"$STATE/clinic.log" 2>&1 &
remember $! "clinic"

echo "[2/6] gateway: provisioning demo-gw (identity, database, the agent's broker account)"
HOME_DIR="$STATE/gateway"
BROKER="$STATE/broker"
"$BIN" provision --home "$HOME_DIR" --gateway-id demo-gw --devices-dir "$ROOT/Devices" \
    --set mqtt_port="$MQTT_PORT" --set ledger_url="http://127.0.0.1:$RPC_PORT" --set ledger_cookie="$COOKIE" \
    --set broker_pid_file="$BROKER/mosquitto.pid" \
    --set checkpoint_interval=5 --set anchor_interval=10 --set confirmations=3 \
    --set clinic_url="http://127.0.0.1:$CLINIC_PORT/fhir"
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
/usr/sbin/mosquitto -c "$BROKER/mosquitto.conf" & remember $! "broker"
for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$MQTT_PORT") 2>/dev/null && break; sleep 0.1; done

echo "      enrolling five devices, each with its own broker password (the broker reloads its password and ACL files);"
echo "      ox-001 and bp-001 are assigned to Patient/demo-1, so their readings go to the clinic as FHIR Observations"
mkdir -p "$STATE/device-passwords"
for d in ox-001:pulse-oximeter:Patient/demo-1 bp-001:blood-pressure-cuff:Patient/demo-1 th-001:thermometer: sw-001:smartwatch: ecg-001:ecg-patch:; do
    IFS=: read -r id profile patient <<< "$d"
    "$BIN" device add "$id" --profile "$profile" ${patient:+--patient "$patient"} --home "$HOME_DIR" \
        --password-out "$STATE/device-passwords/$id.password"
done


echo "[4/6] block producer: a regtest block every 2 s (after 101 to fund the wallet)"
for _ in $(seq 1 100); do "$BIN" dev mine "${LEDGER[@]}" --initial 101 --every 2 >"$STATE/miner.log" 2>&1 & pid=$!; sleep 1
    if kill -0 "$pid" 2>/dev/null; then remember "$pid" "block producer"; break; fi; done

echo "[5/6] agent: vitalgate run (log: $STATE/agent.log)"
"$BIN" run --home "$HOME_DIR" >"$STATE/agent.log" 2>&1 & remember $! "agent"

echo "[6/6] simulator: 5 devices over TLS with their own passwords, 2 readings/s each, every 40th message invalid"
"$BIN" simulate --home "$HOME_DIR" --mqtt-port "$TLS_PORT" --tls-ca "$BROKER/ca.crt" \
    --password-dir "$STATE/device-passwords" --rate 2 --invalid-every 40 >"$STATE/simulator.log" 2>&1 & remember $! "simulator"

echo
echo "Progress (Ctrl-C to stop; the stop prints how to verify a reading afterwards). While it runs:"
echo "  $BIN export --home $HOME_DIR --device ox-001 --seq 1 > bundle.json && $BIN verify bundle.json --gateway-key $HOME_DIR/gateway.pub ${LEDGER[*]}"
echo
started=$(date +%s)
announced=0
while true; do
    text=$("$BIN" status --home "$HOME_DIR" --line 2>/dev/null || true)
    delivered=$(cat "$STATE/clinic/created.jsonl" 2>/dev/null | grep -c '"Observation/' || true)
    printf '[%3ss] %s  clinic %s Observations\n' "$(( $(date +%s) - started ))" "$text" "$delivered"
    if [ "$announced" = 0 ] && echo "$text" | grep -q 'confirmed [1-9]'; then
        echo ">>> first anchor confirmed $(( $(date +%s) - started )) s after the agent started"
        announced=1
    fi
    sleep 2
done
