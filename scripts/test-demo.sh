#!/usr/bin/env bash
# `make test-demo`: the demo as people run it (issue 12). `make run | tee LOG`
# in its own session and process group, as a terminal has it; once the first
# anchor is confirmed and the clinic has Observations, SIGINT to the whole
# group (what Ctrl-C does: tee dies with it). Then: nothing the demo started
# is left, the agent signed a final checkpoint covering every reading, the
# verify hint printed at the stop works with nothing running (offline), and
# `scripts/demo.sh ledger` brings back the node for the chain check.
# Prints one line per check and "N passed, M failed".
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
STATE=$ROOT/.state/run
OUT=$(mktemp -d /tmp/vitalgate-demo-test-XXXXXX)
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }
bad() { failed=$((failed + 1)); echo "FAIL - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
# Processes whose command line names the demo's state folder (node, broker, agent, simulator, miner, clinic).
leftovers() { for d in /proc/[0-9]*; do { tr '\0' ' ' < "$d/cmdline"; } 2>/dev/null | grep -q -- "$STATE[/ ]" && basename "$d"; done; true; }

make -s build fhir-venv >/dev/null || { echo "build failed"; exit 1; }
had_state=0; [ -d "$STATE" ] && had_state=1 && echo marker > "$STATE/.test-demo-marker"

# A new session and process group, like a terminal's foreground job, with
# SIGINT and SIGQUIT at their defaults (a background job of this script
# would inherit them ignored, and a shell cannot trap what it started with ignored).
python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
signal.signal(signal.SIGQUIT, signal.SIG_DFL)
os.setsid()
os.execvp("bash", ["bash", "-c", sys.argv[1]])' "make -s run 2>&1 | tee '$OUT/demo.log' > '$OUT/tee.out'" < /dev/null > /dev/null 2>&1 &
leader=$!
deadline=$((SECONDS + 600))
until grep -q ">>> first anchor confirmed" "$OUT/demo.log" 2>/dev/null && grep -q "clinic [1-9][0-9]* Observations" "$OUT/demo.log"; do
    [ $SECONDS -lt $deadline ] && kill -0 "$leader" 2>/dev/null || break
    sleep 2
done
check "the demo confirmed an anchor and delivered Observations to the clinic" \
    sh -c "grep -q '>>> first anchor confirmed' '$OUT/demo.log' && grep -q 'clinic [1-9][0-9]* Observations' '$OUT/demo.log'"
if [ "$had_state" = 1 ]; then
    check "the previous state was kept in .state/run.previous, and that was said" \
        sh -c "test -e '$STATE.previous/.test-demo-marker' && grep -q 'previous demo.s state is kept' '$OUT/demo.log'"
fi
before=$(leftovers | wc -l)
check "the demo runs its processes ($before)" test "$before" -ge 5

# Ctrl-C: SIGINT to the foreground process group (make, demo.sh, tee, and the children).
kill -INT -- "-$leader"
# Gone means: no process of the group (make, demo.sh, tee) and none naming the state folder.
for _ in $(seq 1 90); do [ -z "$(leftovers)" ] && ! kill -0 -- "-$leader" 2>/dev/null && break; sleep 1; done
check "nothing the demo started is left 90 s after Ctrl-C ($(leftovers | tr '\n' ' '))" test -z "$(leftovers)"
check "make, demo.sh and tee have exited" sh -c "! kill -0 -- -$leader 2>/dev/null"
check "the agent stopped cleanly" grep -q "stopped$" "$STATE/agent.log"
# The stop report goes to stderr once tee is gone; recompute it from the state.
status=$(.build/debug/vitalgate status --home "$STATE/gateway" --json)
check "the final checkpoint covers every reading stored" python3 -c '
import json, sys
s = json.loads(sys.argv[1])
last = (s.get("last_checkpoint") or {}).get("tree_size", -1)
size, stored = s["tree_size"], s["stored"]
print(f"  last checkpoint {last}, log {size}, stored {stored}")
sys.exit(0 if stored > 0 and last == size else 1)' "$status"

# The hint printed at the stop, with nothing running: offline verification.
BIN=$ROOT/.build/debug/vitalgate
"$BIN" export --home "$STATE/gateway" --device ox-001 --seq 1 > "$OUT/bundle.json" 2> "$OUT/export.err"
check "after the stop: export of ox-001 seq 1" test -s "$OUT/bundle.json"
"$BIN" verify "$OUT/bundle.json" --gateway-key "$STATE/gateway/gateway.pub" > "$OUT/verify.out" 2>&1
check "after the stop: verify (offline, key pinned) passes" grep -q "^VERIFIED: signed by the key .*; offline" "$OUT/verify.out"
check "after the stop: export --fhir names the demo patient" sh -c "'$BIN' export --home '$STATE/gateway' --fhir --device ox-001 | grep -q 'Patient/demo-1'"

# The chain check with the node started again by `scripts/demo.sh ledger`.
VITALGATE_BIN=$BIN scripts/demo.sh ledger > "$OUT/ledger.out" 2>&1 &
ledger=$!
. "$STATE/ports.env"
for _ in $(seq 1 60); do
    "$BIN" verify "$OUT/bundle.json" --gateway-key "$STATE/gateway/gateway.pub" --ledger-url "http://127.0.0.1:$RPC_PORT" --ledger-cookie "$STATE/ledger/regtest/.cookie" > "$OUT/verify-chain.out" 2>&1 && break
    sleep 1
done
check "with scripts/demo.sh ledger: verify with the chain passes" sh -c "grep -q '^VERIFIED: signed by the key' '$OUT/verify-chain.out' && ! grep -q offline '$OUT/verify-chain.out'"
kill -TERM "$ledger" 2>/dev/null; wait "$ledger" 2>/dev/null
check "scripts/demo.sh ledger stops on SIGTERM" test -z "$(leftovers)"
echo "logs: $OUT"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
