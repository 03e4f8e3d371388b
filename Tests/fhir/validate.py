#!/usr/bin/env python3
"""Checks FHIR JSON the way a clinic would: structure with the fhir.resources
R4 (4.0.1) models, and the rules of the R4 vital-signs profiles that such
models don't know (hl7.org/fhir/R4/observation-vitalsigns.html).

Usage: validate.py FILE...   (a JSON resource or Bundle, or NDJSON, one resource a line)
Prints one line per problem and exits 1 if there is any.
"""
import json
import sys

import fhir.resources
from fhir.resources import get_fhir_model_class

assert fhir.resources.__fhir_version__ == "4.0.1", "these checks are for FHIR R4 4.0.1"

BASE = "http://hl7.org/fhir/StructureDefinition/"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
# The R4 vital-signs table: LOINC code -> (profile, UCUM codes allowed).
VITALS = {
    "8867-4": ("heartrate", {"/min"}),
    "9279-1": ("resprate", {"/min"}),
    "8310-5": ("bodytemp", {"Cel", "[degF]"}),
    "2708-6": ("oxygensat", {"%"}),
    "29463-7": ("bodyweight", {"kg", "g", "[lb_av]"}),
    "8302-2": ("bodyheight", {"cm", "[in_i]"}),
    "85354-9": ("bp", None),
}
BP_COMPONENTS = {"8480-6", "8462-4"}
PULSE_OXIMETRY = "59408-5"


def structure(resource):
    """Problems the R4 models find (cardinality, types, unknown elements)."""
    try:
        get_fhir_model_class(resource.get("resourceType", "?")).parse_obj(resource)
        return []
    except Exception as error:  # pydantic.ValidationError, KeyError for unknown types
        return [f"structure: {error}".replace("\n", "; ")]


def check_quantity(q, units, where):
    problems = []
    if not isinstance(q, dict):
        return [f"{where}: valueQuantity missing"]
    for key in ("value", "unit", "system", "code"):
        if key not in q:
            problems.append(f"{where}: valueQuantity.{key} missing")
    if q.get("system") != UCUM:
        problems.append(f"{where}: valueQuantity.system must be {UCUM}")
    if units is not None and q.get("code") not in units:
        problems.append(f"{where}: unit {q.get('code')!r} not allowed, expected one of {sorted(units)}")
    return problems


def observation(o):
    """The vital-signs profile's rules for one Observation."""
    p = []
    profiles = o.get("meta", {}).get("profile", [])
    if BASE + "vitalsigns" not in profiles:
        p.append("meta.profile must list the vitalsigns profile")
    if o.get("status") not in ("registered", "preliminary", "final", "amended", "corrected", "cancelled", "entered-in-error", "unknown"):
        p.append("status missing or not an ObservationStatus code")
    cats = [c for cat in o.get("category", []) for c in cat.get("coding", [])]
    if not any(c.get("system") == CATEGORY and c.get("code") == "vital-signs" for c in cats):
        p.append("category must hold observation-category#vital-signs")
    codes = [c.get("code") for c in o.get("code", {}).get("coding", []) if c.get("system") == LOINC]
    known = [c for c in codes if c in VITALS]
    if len(known) != 1:
        return p + [f"code must hold exactly one vital-signs LOINC code, got {codes}"]
    code = known[0]
    name, units = VITALS[code]
    if BASE + name not in profiles:
        p.append(f"meta.profile must list {BASE + name} for LOINC {code}")
    if code == "2708-6" and PULSE_OXIMETRY not in codes:
        p.append("oxygen saturation by pulse oximetry must also carry LOINC 59408-5")
    if not str(o.get("subject", {}).get("reference", "")).startswith("Patient/"):
        p.append("subject must reference a Patient")
    eff = o.get("effectiveDateTime")
    if eff is None and "effectivePeriod" not in o:
        p.append("effective[x] missing")
    elif eff is not None and len(eff) < 10:
        p.append("effectiveDateTime must be at least a full date (vs-1)")
    if code == "85354-9":
        if any(k.startswith("value") for k in o):
            p.append("the blood-pressure panel has no value of its own")
        comps = {}
        for comp in o.get("component", []):
            for c in comp.get("code", {}).get("coding", []):
                if c.get("system") == LOINC:
                    comps[c.get("code")] = comp
        if set(comps) != BP_COMPONENTS:
            p.append(f"blood pressure needs components 8480-6 and 8462-4, got {sorted(comps)}")
        for c, comp in comps.items():
            p += check_quantity(comp.get("valueQuantity"), {"mm[Hg]"}, f"component {c}")
    elif "valueQuantity" in o:
        p += check_quantity(o["valueQuantity"], units, f"LOINC {code}")
    elif "dataAbsentReason" not in o:
        p.append("value[x] or dataAbsentReason required (vs-2)")
    return p


def bundle(b):
    """A transaction Bundle as Vitalgate sends it: conditional creates, one Provenance signing the rest."""
    p = []
    if b.get("type") != "transaction":
        p.append("Bundle.type must be transaction")
    entries = b.get("entry", [])
    observations = [e for e in entries if e.get("resource", {}).get("resourceType") == "Observation"]
    provenances = [e for e in entries if e.get("resource", {}).get("resourceType") == "Provenance"]
    for i, e in enumerate(entries):
        req = e.get("request", {})
        kind = e.get("resource", {}).get("resourceType")
        if req.get("method") != "POST" or req.get("url") != kind or not req.get("ifNoneExist"):
            p.append(f"entry {i}: must be a conditional create (POST {kind} with ifNoneExist)")
        if not str(e.get("fullUrl", "")).startswith("urn:uuid:"):
            p.append(f"entry {i}: fullUrl must be a urn:uuid")
    if len(provenances) != 1:
        p.append(f"exactly one Provenance expected, got {len(provenances)}")
    else:
        prov = provenances[0]["resource"]
        targets = [t.get("reference") for t in prov.get("target", [])]
        if targets != [e.get("fullUrl") for e in observations]:
            p.append("Provenance.target must list every Observation, in Bundle order")
        if len(prov.get("signature", [])) != 1:
            p.append("Provenance must carry one signature")
    if not observations:
        p.append("no Observation in the Bundle")
    return p


def check(resource):
    """Every problem with one resource (a Bundle's entries included)."""
    problems = structure(resource)
    kind = resource.get("resourceType")
    if kind == "Bundle":
        problems += bundle(resource)
        for i, e in enumerate(resource.get("entry", [])):
            inner = e.get("resource", {})
            problems += [f"entry {i}: {x}" for x in structure(inner)]
            if inner.get("resourceType") == "Observation":
                problems += [f"entry {i}: {x}" for x in observation(inner)]
    elif kind == "Observation":
        problems += observation(resource)
    return problems


def resources_in(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if path.endswith(".ndjson"):
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return [json.loads(text)]


def main(paths):
    count, failed = 0, False
    for path in paths:
        for n, resource in enumerate(resources_in(path)):
            count += 1
            for problem in check(resource):
                failed = True
                print(f"{path}#{n}: {problem}")
    print(f"checked {count} resources in {len(paths)} files: {'INVALID' if failed else 'valid'}")
    return 1 if failed or count == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
