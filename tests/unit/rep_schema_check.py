#!/usr/bin/env python3
"""rep_schema_check.py SAMPLES_BIN SCHEMA_DIR — validates payloads built by src/rep (written by
rep_samples) against the OCF core schemas in SCHEMA_DIR (shared/ocf-schemas/core).

A small JSON-schema subset is implemented here (standard library only): $ref (local and the
openconnectivityfoundation.github.io URLs mapped to files in SCHEMA_DIR), type, properties,
required, items, enum, pattern, maxLength, minItems, maxItems, uniqueItems, minimum, maximum,
exclusiveMinimum, exclusiveMaximum (draft 4), allOf, anyOf, oneOf. Beyond JSON schema, a
property the schema does not declare is an error (unless additionalProperties is true), so
misspelt names are caught.
Negative controls prove the checker rejects broken payloads. Exit 0 ok, 1 failure, 77 skipped
(no schema directory)."""

import json
import os
import re
import struct
import subprocess
import sys
import tempfile


def cbor_decode(data):
    def item(pos):
        ib = data[pos]
        major, ai = ib >> 5, ib & 0x1F
        pos += 1
        if major == 7:
            if ai == 20: return False, pos
            if ai == 21: return True, pos
            if ai == 22: return None, pos
            if ai == 25: return _half(data[pos:pos + 2]), pos + 2
            if ai == 26: return struct.unpack(">f", data[pos:pos + 4])[0], pos + 4
            if ai == 27: return struct.unpack(">d", data[pos:pos + 8])[0], pos + 8
            raise ValueError("unsupported simple value %d" % ai)
        if ai == 31:
            if major not in (4, 5): raise ValueError("chunked string")
            out = [] if major == 4 else {}
            while data[pos] != 0xFF:
                if major == 4:
                    v, pos = item(pos)
                    out.append(v)
                else:
                    k, pos = item(pos)
                    v, pos = item(pos)
                    out[k] = v
            return out, pos + 1
        if ai < 24: arg = ai
        else:
            n = {24: 1, 25: 2, 26: 4, 27: 8}[ai]
            arg = int.from_bytes(data[pos:pos + n], "big")
            pos += n
        if major == 0: return arg, pos
        if major == 1: return -1 - arg, pos
        if major == 2: return bytes(data[pos:pos + arg]), pos + arg
        if major == 3: return data[pos:pos + arg].decode("utf-8"), pos + arg
        if major == 4:
            out = []
            for _ in range(arg):
                v, pos = item(pos)
                out.append(v)
            return out, pos
        if major == 5:
            out = {}
            for _ in range(arg):
                k, pos = item(pos)
                v, pos = item(pos)
                out[k] = v
            return out, pos
        raise ValueError("tags are not expected")

    value, end = item(0)
    if end != len(data): raise ValueError("trailing bytes")
    return value


def _half(b):
    h = int.from_bytes(b, "big")
    exp, mant = (h >> 10) & 0x1F, h & 0x3FF
    v = mant * 2.0 ** -24 if exp == 0 else float("inf") if exp == 31 else (mant + 1024) * 2.0 ** (exp - 25)
    return -v if h & 0x8000 else v


class Validator:
    URL = re.compile(r"^https?://openconnectivityfoundation\.github\.io/core/schemas/")

    def __init__(self, schema_dir):
        self.dir = schema_dir
        self.docs = {}

    def doc(self, name):
        if name not in self.docs:
            with open(os.path.join(self.dir, name), encoding="utf-8") as f:
                self.docs[name] = json.load(f)
        return self.docs[name]

    def resolve(self, ref, base):
        target, _, frag = ref.partition("#")
        name = self.URL.sub("", target) if target else base
        node = self.doc(name)
        for part in filter(None, frag.split("/")):
            node = node[part]
        return node, name

    def check(self, value, schema, base, path, errors):
        if "$ref" in schema:  # draft 4: a $ref replaces its siblings
            sub, sub_base = self.resolve(schema["$ref"], base)
            self.check(value, sub, sub_base, path, errors)
            return
        for sub in schema.get("allOf", []):
            self.check(value, sub, base, path, errors)
        for key in ("anyOf", "oneOf"):
            if key in schema:
                ok = sum(1 for sub in schema[key] if not self.errors_of(value, sub, base, path))
                if ok == 0 or (key == "oneOf" and ok != 1):
                    errors.append("%s: matches %d of the %s alternatives" % (path, ok, key))
        t = schema.get("type")
        if t and not self.type_ok(value, t):
            errors.append("%s: %r is not of type %s" % (path, value, t))
            return
        if "enum" in schema and value not in schema["enum"]:
            errors.append("%s: %r not in %s" % (path, value, schema["enum"]))
        if isinstance(value, str):
            if "maxLength" in schema and len(value) > schema["maxLength"]:
                errors.append("%s: longer than %d" % (path, schema["maxLength"]))
            if "pattern" in schema and not re.search(schema["pattern"], value):
                errors.append("%s: %r does not match %s" % (path, value, schema["pattern"]))
        if isinstance(value, (int, float)) and not isinstance(value, bool) and "minimum" in schema:
            low = schema["minimum"]
            if value < low or (schema.get("exclusiveMinimum") is True and value == low):
                errors.append("%s: %r below minimum %r" % (path, value, low))
        if isinstance(value, (int, float)) and not isinstance(value, bool) and "maximum" in schema:
            high = schema["maximum"]
            if value > high or (schema.get("exclusiveMaximum") is True and value == high):
                errors.append("%s: %r above maximum %r" % (path, value, high))
        if isinstance(value, list):
            self.check_array(value, schema, base, path, errors)
        if isinstance(value, dict):
            self.check_object(value, schema, base, path, errors)

    def check_array(self, value, schema, base, path, errors):
        if len(value) < schema.get("minItems", 0):
            errors.append("%s: fewer than %d items" % (path, schema["minItems"]))
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errors.append("%s: more than %d items" % (path, schema["maxItems"]))
        if schema.get("uniqueItems") and len({json.dumps(v, sort_keys=True) for v in value}) != len(value):
            errors.append("%s: items not unique" % path)
        if isinstance(schema.get("items"), dict):
            for i, v in enumerate(value):
                self.check(v, schema["items"], base, "%s[%d]" % (path, i), errors)

    def check_object(self, value, schema, base, path, errors):
        props = self.declared_properties(schema, base)
        for name in schema.get("required", []):
            if name not in value:
                errors.append("%s: required property %r missing" % (path, name))
        for name, v in value.items():
            if name in schema.get("properties", {}):
                self.check(v, schema["properties"][name], base, "%s.%s" % (path, name), errors)
            elif props is not None and name not in props and schema.get("additionalProperties") is not True:
                errors.append("%s: property %r is not in the schema" % (path, name))

    def declared_properties(self, schema, base):
        """Property names this schema (through $ref/allOf) declares; None if it declares none."""
        if "$ref" in schema:
            sub, sub_base = self.resolve(schema["$ref"], base)
            return self.declared_properties(sub, sub_base)
        names = set(schema.get("properties", {}))
        for sub in schema.get("allOf", []):
            names |= self.declared_properties(sub, base) or set()
        return names or None

    def errors_of(self, value, schema, base, path):
        errs = []
        self.check(value, schema, base, path, errs)
        return errs

    @staticmethod
    def type_ok(value, t):
        types = t if isinstance(t, list) else [t]
        checks = {
            "string": lambda v: isinstance(v, str),
            "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
            "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
            "boolean": lambda v: isinstance(v, bool),
            "array": lambda v: isinstance(v, list),
            "object": lambda v: isinstance(v, dict),
            "null": lambda v: v is None,
        }
        return any(checks[x](value) for x in types)


SAMPLES = [
    ("oic_d.cbor", "oic.wk.d.swagger.json", "#/definitions/Device"),
    ("res_ll.cbor", "oic.wk.res.swagger.json", "#/definitions/slinklist"),
    ("res_baseline.cbor", "oic.wk.res.swagger.json", "#/definitions/sbaseline"),
]


def negative_controls(payloads):
    """Broken copies of the samples, each of which the checker must reject."""
    d = payloads["oic_d.cbor"]
    ll = payloads["res_ll.cbor"]
    yield "oic_d.cbor", "no di", {k: v for k, v in d.items() if k != "di"}
    yield "oic_d.cbor", "rt as a string", dict(d, rt="oic.wk.d")
    yield "oic_d.cbor", "if outside the enum", dict(d, **{"if": ["oic.if.rw", "oic.if.baseline"]})
    yield "oic_d.cbor", "bad uuid", dict(d, piid="not-a-uuid")
    yield "oic_d.cbor", "unknown property", dict(d, nn="x")
    yield "res_ll.cbor", "link without href", [{k: v for k, v in ll[0].items() if k != "href"}] + ll[1:]
    yield "res_ll.cbor", "bm as text", [dict(ll[0], p={"bm": "3"})] + ll[1:]
    yield "res_ll.cbor", "pri 0", [dict(ll[0], eps=[{"ep": "coap://[::1]:1", "pri": 0}])]


def check_sample(v, value, label, doc, ref):
    """Validates one decoded sample against doc#ref, printing the verdict; returns the error count."""
    errs = v.errors_of(value, {"$ref": ref}, doc, label)
    for e in errs:
        print("FAIL", e)
    print("%s: %s against %s%s" % ("ok" if not errs else "FAIL", label, doc, ref))
    return len(errs)


def check_negative_controls(v, samples, controls):
    """Every broken copy must be rejected by the schema of its sample; returns the count accepted."""
    schema_of = {name: (doc, ref) for name, doc, ref in samples}
    failures = 0
    for name, what, bad in controls:
        doc, ref = schema_of[name]
        if not v.errors_of(bad, {"$ref": ref}, doc, name):
            print("FAIL negative control accepted: %s with %s" % (name, what))
            failures += 1
    return failures


def run_samples_check(doc, samples, make_controls, argv):
    """The whole check of a SAMPLES_BIN SCHEMA_DIR command line: run the sample writer, validate
    each file named in samples, then the negative controls. Returns the exit code."""
    if len(argv) != 3:
        print(doc)
        return 2
    samples_bin, schema_dir = argv[1:]
    if not os.path.isdir(schema_dir):
        print("skipped: no schema directory %s" % schema_dir)
        return 77
    v = Validator(schema_dir)
    failures = 0
    payloads = {}
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([samples_bin, tmp], check=True)
        for name, sdoc, ref in samples:
            with open(os.path.join(tmp, name), "rb") as f:
                payloads[name] = cbor_decode(f.read())
            failures += check_sample(v, payloads[name], name, sdoc, ref)
    failures += check_negative_controls(v, samples, make_controls(payloads))
    return 1 if failures else 0


def main():
    return run_samples_check(__doc__, SAMPLES, negative_controls, sys.argv)


if __name__ == "__main__":
    sys.exit(main())
