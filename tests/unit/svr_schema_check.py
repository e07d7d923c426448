#!/usr/bin/env python3
"""svr_schema_check.py SAMPLES_BIN SCHEMA_DIR — validates the SVR representations src/svr encodes
(written by svr_samples) against the OCF security schemas in SCHEMA_DIR
(shared/ocf-schemas/security), whose references into the core schemas are resolved in the
sibling core/ directory. Uses the validator of rep_schema_check.py. CBOR byte strings are
checked as the base64url text they become in JSON (RFC 8949 6.1), which is how SEC:cred's
"data": string admits IoTivity-Lite's byte strings. Negative controls prove the checker rejects
broken copies. Exit 0 ok, 1 failure, 77 skipped (no schema directory)."""

import base64
import copy
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rep_schema_check import Validator, cbor_decode, check_negative_controls, check_sample  # noqa: E402

SAMPLES = [
    ("doxm", "oic.sec.doxm.swagger.json", "#/definitions/Doxm"),
    ("pstat", "oic.sec.pstat.swagger.json", "#/definitions/Pstat"),
    ("cred", "oic.sec.cred.swagger.json", "#/definitions/Cred"),
    ("acl2", "oic.sec.acl2.swagger.json", "#/definitions/Acl2"),
    ("sp", "oic.sec.sp.swagger.json", "#/definitions/SP"),
    ("sdi", "oic.sec.sdi.swagger.json", "#/definitions/Sdi"),
    ("csr", "oic.sec.csr.swagger.json", "#/definitions/Csr"),
    ("roles", "oic.sec.roles.swagger.json", "#/definitions/Roles"),
    ("crl", "oic.sec.crl.swagger.json", "#/definitions/Crl"),
    ("ael", "oic.sec.ael.swagger.json", "#/definitions/Ael"),
]


class SecurityValidator(Validator):
    """Security documents by name; core documents (by URL) as 'core:<name>'."""

    def __init__(self, security_dir, core_dir):
        super().__init__(security_dir)
        self.core_dir = core_dir

    def doc(self, name):
        if name.startswith("core:") and name not in self.docs:
            import json
            with open(os.path.join(self.core_dir, name[5:]), encoding="utf-8") as f:
                self.docs[name] = json.load(f)
        return super().doc(name)

    def resolve(self, ref, base):
        target, _, frag = ref.partition("#")
        if target and self.URL.match(target):
            ref = "core:" + self.URL.sub("", target) + "#" + frag
        return super().resolve(ref, base)


def as_json(v):
    if isinstance(v, bytes):
        return base64.urlsafe_b64encode(v).decode().rstrip("=")
    if isinstance(v, list):
        return [as_json(x) for x in v]
    if isinstance(v, dict):
        return {k: as_json(x) for k, x in v.items()}
    return v


def negative_controls(p):
    def changed(name, fn):
        bad = copy.deepcopy(p[name])
        fn(bad)
        return bad

    yield "doxm", "no oxms", changed("doxm", lambda d: d.pop("oxms"))
    yield "doxm", "sct over 511", changed("doxm", lambda d: d.update(sct=512))
    yield "pstat", "dos.s 5", changed("pstat", lambda d: d["dos"].update(s=5))
    yield "pstat", "om 0", changed("pstat", lambda d: d.update(om=0))
    yield "cred", "credtype 512", changed("cred", lambda d: d["creds"][0].update(credtype=512))
    yield "cred", "subjectuuid x", changed("cred", lambda d: d["creds"][0].update(subjectuuid="x"))
    yield "cred", "tag (IoTivity-Lite only)", changed("cred", lambda d: d["creds"][0].update(tag="t"))
    yield "cred", "DER public data", changed("cred", lambda d: d["creds"][1]["publicdata"].update(
        encoding="oic.sec.encoding.der"))
    yield "acl2", "permission 32", changed("acl2", lambda d: d["aclist2"][0].update(permission=32))
    yield "acl2", "wc #", changed("acl2", lambda d: d["aclist2"][1]["resources"][0].update(wc="#"))
    yield "acl2", "no aceid", changed("acl2", lambda d: d["aclist2"][0].pop("aceid"))
    yield "sp", "currentprofile 1", changed("sp", lambda d: d.update(currentprofile=1))
    yield "sdi", "no priv", changed("sdi", lambda d: d.pop("priv"))
    yield "sdi", "uuid x", changed("sdi", lambda d: d.update(uuid="x"))
    yield "csr", "no encoding", changed("csr", lambda d: d.pop("encoding"))
    yield "roles", "credtype 512", changed("roles", lambda d: d["roles"][0].update(credtype=512))
    yield "crl", "crlid as text", changed("crl", lambda d: d.update(crlid="1"))
    yield "ael", "priorityfilter 5", changed("ael", lambda d: d.update(priorityfilter=5))
    yield "ael", "event without aeid", changed("ael", lambda d: d["events"][0].pop("aeid"))


def security_command(argv, usage):
    """A SAMPLES_BIN SCHEMA_DIR command line: (samples_bin, SecurityValidator, None), or
    (None, None, exit code) for a usage error (2) or missing schema directories (77)."""
    if len(argv) != 3:
        print(usage)
        return None, None, 2
    samples_bin, schema_dir = argv[1:]
    core_dir = os.path.join(os.path.dirname(os.path.abspath(schema_dir)), "core")
    if not os.path.isdir(schema_dir) or not os.path.isdir(core_dir):
        print("skipped: no schema directories %s, %s" % (schema_dir, core_dir))
        return None, None, 77
    return samples_bin, SecurityValidator(schema_dir, core_dir), None


def read_samples(samples_bin, names):
    """Runs the sample writer into a temporary directory: {name: its NAME.cbor, decoded, with
    byte strings as JSON sees them}."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([samples_bin, tmp], check=True)
        out = {}
        for name in names:
            with open(os.path.join(tmp, name + ".cbor"), "rb") as f:
                out[name] = as_json(cbor_decode(f.read()))
        return out


def main():
    samples_bin, v, code = security_command(sys.argv, __doc__)
    if code is not None:
        return code
    read = read_samples(samples_bin, [n + s for n, _, _ in SAMPLES for s in ("", "_baseline")])
    failures = 0
    payloads = {}
    for name, doc, ref in SAMPLES:
        for suffix in ("", "_baseline"):
            value = read[name + suffix]
            if not suffix:
                payloads[name] = value
            elif "rt" not in value or "if" not in value:
                print("FAIL %s_baseline has no rt/if" % name)
                failures += 1
            failures += check_sample(v, value, name + suffix, doc, ref)
    failures += check_negative_controls(v, SAMPLES, negative_controls(payloads))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
