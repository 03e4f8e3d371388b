#!/usr/bin/env python3
"""A small FHIR R4 server for the tests: it takes transaction Bundles POSTed
to its base URL, applies each entry's conditional create (`ifNoneExist` on
`identifier=` or `_tag=`, FHIR R4 http.html#ccreate) all or nothing, and
keeps what it created.

State lives in --store, so a restarted server (an outage) remembers it:
  created.jsonl    one line per created resource: {"id": "Observation/7", "resource": {...}}
  requests.jsonl   one line per transaction received: {"n": 3, "status": 201, "entries": 12}
  bundle-N.json    the bytes of transaction N as received

Control (tests only): a file control.json in the store, {"fail": [503, 400],
"commit_first": false}, is read (and removed) before the next transaction:
the next transactions are answered with those statuses, in turn; with
commit_first each is committed before the failure is answered (a lost
response). --token requires `Authorization: Bearer <token>`; --cert
and --key serve HTTPS.
"""
import argparse
import json
import os
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import validate  # noqa: E402

LOCK = threading.Lock()


class Store:
    def __init__(self, folder):
        self.folder = folder
        os.makedirs(folder, exist_ok=True)
        self.resources = []  # (id, resource)
        path = os.path.join(folder, "created.jsonl")
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                self.resources = [(r["id"], r["resource"]) for r in map(json.loads, f) if r]
        self.requests = sum(1 for _ in open(os.path.join(folder, "requests.jsonl"))) if os.path.exists(os.path.join(folder, "requests.jsonl")) else 0
        self.failures = []
        self.commit_first = False

    def take_control(self):
        path = os.path.join(self.folder, "control.json")
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                control = json.load(f)
            os.remove(path)
            self.failures = list(control.get("fail", []))
            self.commit_first = bool(control.get("commit_first", False))

    def matches(self, kind, query):
        """Resources of `kind` matching a conditional-create query (identifier or _tag tokens)."""
        params = parse_qs(query, keep_blank_values=True)
        if not params or set(params) - {"identifier", "_tag"}:
            raise ValueError(f"unsupported ifNoneExist {query!r}")
        found = []
        for rid, r in self.resources:
            if not rid.startswith(kind + "/"):
                continue
            ok = True
            for name, values in params.items():
                pairs = [(i.get("system"), i.get("value")) for i in r.get("identifier", [])] if name == "identifier" else \
                        [(t.get("system"), t.get("code")) for t in r.get("meta", {}).get("tag", [])]
                for v in values:
                    system, _, value = v.partition("|")
                    ok = ok and (system, value) in pairs
            if ok:
                found.append((rid, r))
        return found

    def record(self, n, status, entries, body):
        with open(os.path.join(self.folder, f"bundle-{n}.json"), "wb") as f:
            f.write(body)
        with open(os.path.join(self.folder, "requests.jsonl"), "a", encoding="utf-8") as f:
            f.write(json.dumps({"n": n, "status": status, "entries": entries}) + "\n")

    def commit(self, created):
        with open(os.path.join(self.folder, "created.jsonl"), "a", encoding="utf-8") as f:
            for rid, r in created:
                f.write(json.dumps({"id": rid, "resource": r}) + "\n")
            f.flush()
            os.fsync(f.fileno())
        self.resources += created


def outcome(status, text):
    return status, {"resourceType": "OperationOutcome",
                    "issue": [{"severity": "error", "code": "invalid" if status < 500 else "exception", "diagnostics": text}]}


def replace_references(value, urls):
    if isinstance(value, dict):
        return {k: (urls.get(v, v) if k == "reference" else replace_references(v, urls)) for k, v in value.items()}
    if isinstance(value, list):
        return [replace_references(v, urls) for v in value]
    return value


def transaction(store, bundle):
    """Applies a transaction; returns (status, answer body, created resources)."""
    if bundle.get("resourceType") != "Bundle" or bundle.get("type") != "transaction":
        return (*outcome(400, "expected a transaction Bundle"), [])
    problems = validate.check(bundle)
    if problems:
        return (*outcome(422, "; ".join(problems[:20])), [])
    urls, results, created = {}, [], []
    next_id = len(store.resources) + 1
    for e in bundle["entry"]:
        kind = e["resource"]["resourceType"]
        try:
            found = store.matches(kind, e["request"]["ifNoneExist"])
        except ValueError as error:
            return (*outcome(400, str(error)), [])
        if len(found) > 1:
            return (*outcome(412, f"ifNoneExist {e['request']['ifNoneExist']} matches {len(found)} resources"), [])
        if found:
            rid = found[0][0]
            results.append({"response": {"status": "200 OK", "location": f"{rid}/_history/1"}})
        else:
            rid = f"{kind}/{next_id}"
            next_id += 1
            created.append((rid, e["resource"]))
            results.append({"response": {"status": "201 Created", "location": f"{rid}/_history/1"}})
        urls[e["fullUrl"]] = rid
    created = [(rid, dict(replace_references(r, urls), id=rid.split("/")[1])) for rid, r in created]
    return 200, {"resourceType": "Bundle", "type": "transaction-response", "entry": results}, created


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        store = self.server.store
        token = self.server.token
        if token and self.headers.get("Authorization") != f"Bearer {token}":
            return self.answer(*outcome(401, "a valid bearer token is required"))
        with LOCK:
            store.take_control()
            store.requests += 1
            n = store.requests
            try:
                bundle = json.loads(body)
            except ValueError:
                bundle = {}
            status, answer, created = transaction(store, bundle)
            if store.failures:
                failure = store.failures.pop(0)
                if store.commit_first and status == 200:
                    store.commit(created)
                status, answer = outcome(failure, f"failure on demand: {failure}")
            elif status == 200:
                store.commit(created)
            store.record(n, status, len(bundle.get("entry", [])), body)
        self.answer(status, answer)

    def log_message(self, *args):
        pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--store", required=True)
    parser.add_argument("--token")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.store = Store(args.store)
    server.token = args.token
    if args.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print(f"clinic server on 127.0.0.1:{args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
