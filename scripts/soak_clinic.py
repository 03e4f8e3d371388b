#!/usr/bin/env python3
"""The clinic of `make soak`: a FHIR R4 endpoint that takes the gateway's
transaction Bundles as fast as they come and keeps nothing but a sample.

It answers each Bundle with a `transaction-response` Bundle, one `201
Created` entry per entry received (FHIR R4 http.html#transaction-response),
which is what the agent needs to mark a batch delivered (docs/fhir.md).
Unlike Tests/fhir/clinic_server.py it neither validates nor stores the
resources: at 1,000 readings a second that server would be the bottleneck.

It keeps, as the clinic would, the leaf data of every Nth Observation
(`urn:vitalgate:leaf-data`, docs/fhir.md): one line per sampled reading in
--leaves, `<base64 leaf>`, so the soak can prove readings the gateway has
pruned since (docs/proof-bundle.md, "Reading files"). Python's standard
library only; loopback only.
"""
import argparse
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {"observations": 0, "bundles": 0}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        try:
            bundle = json.loads(body)
            entries = bundle.get("entry", [])
        except ValueError:
            self.answer(400, {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "invalid"}]})
            return
        sampled = []
        with LOCK:
            STATE["bundles"] += 1
            for entry in entries:
                resource = entry.get("resource", {})
                if resource.get("resourceType") != "Observation":
                    continue
                STATE["observations"] += 1
                if STATE["observations"] % ARGS.every == 0:
                    for ext in resource.get("extension", []):
                        if ext.get("url") == "urn:vitalgate:leaf-data":
                            sampled.append(ext.get("valueBase64Binary", ""))
            if sampled:
                with open(ARGS.leaves, "a", encoding="utf-8") as f:
                    f.write("".join(s + "\n" for s in sampled))
        response = {
            "resourceType": "Bundle",
            "type": "transaction-response",
            "entry": [{"response": {"status": "201 Created"}} for _ in entries],
        }
        self.answer(200, response)

    def answer(self, status, document):
        data = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--leaves", required=True, help="file the sampled leaf data is appended to")
    parser.add_argument("--every", type=int, default=500, help="keep the leaf of every Nth Observation")
    ARGS = parser.parse_args()
    ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler).serve_forever()
