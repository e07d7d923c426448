#!/usr/bin/env python3
"""oscore_check.py SCHEMA_DIR MODE ARGS... — checks for test_oscore.sh (standard library plus the
unit tests' schema validator, tests/unit/svr_schema_check.py).

  schema CRED.cbor          validates a GET /oic/sec/cred answer (CBOR, as the device sent it)
                            against SEC:cred's Cred definition, and that no privatedata.data
                            holds anything (a GET never shows secrets), every OSCORE entry has
                            the shape its credtype needs (S003 6.3, 6.4: ids of lower-case hex,
                            2..7 bytes, first byte 01 for 64, 02 for 128/256; senderid only
                            on 64/128, recipientid only on 64/256); prints "ok N" (N
                            OSCORE entries)
  ids JSON_LINES...         each argument an `obt creds --json` line of one device: prints the
                            OSCORE entries as "credid credtype subject senderid recipientid desc"

Exit 0 ok, 1 a check failed (printed), 2 usage, 77 no schema directory."""

import json
import os
import re
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "unit"))
from rep_schema_check import cbor_decode  # noqa: E402
from svr_schema_check import SecurityValidator, as_json  # noqa: E402

HEX_ID = re.compile(r"^[0-9a-f]{4,14}$")


def id_ok(s, prefix):
    return isinstance(s, str) and HEX_ID.match(s) and len(s) % 2 == 0 and s.startswith(prefix)


def check_schema(schema_dir, path):
    core_dir = os.path.join(os.path.dirname(os.path.abspath(schema_dir)), "core")
    if not os.path.isdir(schema_dir) or not os.path.isdir(core_dir):
        print("skipped: no schema directories")
        return 77
    with open(path, "rb") as f:
        raw = cbor_decode(f.read())
    v = SecurityValidator(schema_dir, core_dir)
    value = as_json(raw)
    problems = v.errors_of(value, {"$ref": "#/definitions/Cred"}, "oic.sec.cred.swagger.json", "cred")
    problems += jsonschema_errors(schema_dir, core_dir, value)
    # negative control: the validator must see into oscore (ssn is an integer in SEC:cred)
    bad = json.loads(json.dumps(value))
    for c in bad.get("creds", []):
        if "oscore" in c:
            c["oscore"]["ssn"] = "x"
    if any("oscore" in c for c in bad.get("creds", [])) and not v.errors_of(
            bad, {"$ref": "#/definitions/Cred"}, "oic.sec.cred.swagger.json", "cred"):
        problems.append("negative control accepted: oscore.ssn as text")
    n = 0
    for c in raw.get("creds", []):
        pd = c.get("privatedata")
        if pd is not None and pd.get("data") not in (None, b"", ""):
            problems.append("credid %s: privatedata.data is not empty in a GET" % c.get("credid"))
        t = c.get("credtype")
        if t not in (64, 128, 256):
            continue
        n += 1
        o = c.get("oscore") or {}
        if t == 64:
            ok = id_ok(o.get("senderid"), "01") and id_ok(o.get("recipientid"), "01")
        elif t == 128:
            ok = id_ok(o.get("senderid"), "02") and "recipientid" not in o
        else:
            ok = id_ok(o.get("recipientid"), "02") and "senderid" not in o
        if not ok or pd is None:
            problems.append("credid %s: credtype %d with oscore %r" % (c.get("credid"), t, o))
    for p in problems:
        print("FAIL %s: %s" % (path, p))
    if not problems:
        print("ok %d" % n)
    return 1 if problems else 0


def jsonschema_errors(schema_dir, core_dir, value):
    """A second opinion from python3-jsonschema (Draft 4, as the swagger files are) when it is
    installed; the core documents are registered under their published URLs."""
    try:
        import jsonschema
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT4
    except ImportError:
        return []
    with open(os.path.join(schema_dir, "oic.sec.cred.swagger.json"), encoding="utf-8") as f:
        doc = json.load(f)
    registry = Registry()
    for name in os.listdir(core_dir):
        if name.endswith(".json"):
            with open(os.path.join(core_dir, name), encoding="utf-8") as f:
                registry = registry.with_resource(
                    "https://openconnectivityfoundation.github.io/core/schemas/" + name,
                    Resource.from_contents(json.load(f), default_specification=DRAFT4))
    schema = dict(doc["definitions"]["Cred"])
    schema["definitions"] = doc["definitions"]
    validator = jsonschema.Draft4Validator(schema, registry=registry)
    return ["jsonschema: %s at %s" % (e.message, "/".join(map(str, e.absolute_path)))
            for e in validator.iter_errors(value)]


def list_ids(lines):
    for line in lines:
        d = json.loads(line)
        for c in d["creds"]:
            if c["credtype"] in (64, 128, 256):
                o = c.get("oscore", {})
                print("%s %d %s %s %s %s %s" % (d["uuid"], c["credtype"], c["credid"], c["subject"],
                                                o.get("senderid") or "-", o.get("recipientid") or "-",
                                                json.dumps(o.get("desc", ""))))
    return 0


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    schema_dir, mode = sys.argv[1], sys.argv[2]
    if mode == "schema" and len(sys.argv) == 4:
        return check_schema(schema_dir, sys.argv[3])
    if mode == "ids":
        return list_ids(sys.argv[3:])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
