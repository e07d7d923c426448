#!/usr/bin/env python3
"""device_svr_schema_check.py SAMPLES_BIN SCHEMA_DIR — validates what a device answers on its
Security Virtual Resources (written by device_samples: the answers went through the device's whole
request path, dispatch, access control and handlers) against the OCF security schemas in
SCHEMA_DIR (shared/ocf-schemas/security; references into the core schemas resolved in the sibling
core/ directory), with the validator of svr_schema_check.py. Beyond the schemas: each baseline
answer names its own rt and the baseline interface, and no answer carries a secret (a credential's
privatedata is empty on the wire). Negative controls prove the checker rejects broken copies.
Exit 0 ok, 1 failure, 77 skipped (no schema directory)."""

import copy
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rep_schema_check import check_negative_controls, check_sample  # noqa: E402
from svr_schema_check import read_samples, security_command  # noqa: E402

# (sample name, schema document, definition, rt the baseline answer must carry)
SVRS = [
    ("doxm", "oic.sec.doxm.swagger.json", "#/definitions/Doxm", "oic.r.doxm"),
    ("pstat", "oic.sec.pstat.swagger.json", "#/definitions/Pstat", "oic.r.pstat"),
    ("cred", "oic.sec.cred.swagger.json", "#/definitions/Cred", "oic.r.cred"),
    ("acl2", "oic.sec.acl2.swagger.json", "#/definitions/Acl2", "oic.r.acl2"),
    ("sp", "oic.sec.sp.swagger.json", "#/definitions/SP", "oic.r.sp"),
    ("sdi", "oic.sec.sdi.swagger.json", "#/definitions/Sdi", "oic.r.sdi"),
    ("roles", "oic.sec.roles.swagger.json", "#/definitions/Roles", "oic.r.roles"),
    ("crl", "oic.sec.crl.swagger.json", "#/definitions/Crl", "oic.r.crl"),
    ("ael", "oic.sec.ael.swagger.json", "#/definitions/Ael", "oic.r.ael"),
]
SAMPLES = [("rfotm_doxm", SVRS[0][1], SVRS[0][2]), ("rfotm_pstat", SVRS[1][1], SVRS[1][2])]
for _n, _doc, _ref, _rt in SVRS:
    SAMPLES += [("svr_" + _n, _doc, _ref), ("svr_%s_baseline" % _n, _doc, _ref)]


def secrets_in(value):
    """Paths of privatedata values that carry data (a device must never send a secret)."""
    found = []
    for i, c in enumerate(value.get("creds", []) if isinstance(value, dict) else []):
        pd = c.get("privatedata") if isinstance(c, dict) else None
        if isinstance(pd, dict) and pd.get("data") not in (None, "", b""):
            found.append("creds[%d].privatedata.data" % i)
    return found


def semantic_errors(payloads):
    errs = []
    for name, _doc, _ref, rt in SVRS:
        base = payloads["svr_%s_baseline" % name]
        if rt not in base.get("rt", []) or "oic.if.baseline" not in base.get("if", []):
            errs.append("svr_%s_baseline: rt %r / if %r" % (name, base.get("rt"), base.get("if")))
    for name, value in payloads.items():
        errs += ["%s: secret on the wire at %s" % (name, p) for p in secrets_in(value)]
    if payloads["rfotm_doxm"].get("owned") is not False or payloads["svr_doxm"].get("owned") is not True:
        errs.append("doxm.owned not false in RFOTM and true once onboarded")
    if payloads["rfotm_pstat"].get("dos", {}).get("s") != 1 or payloads["svr_pstat"].get("dos", {}).get("s") != 2:
        errs.append("pstat.dos.s not 1 (RFOTM) then 2 (RFPRO)")
    return errs


def negative_controls(p):
    def changed(name, fn):
        bad = copy.deepcopy(p[name])
        fn(bad)
        return bad

    yield "svr_doxm", "no deviceuuid", changed("svr_doxm", lambda d: d.pop("deviceuuid"))
    yield "rfotm_pstat", "dos.s 7", changed("rfotm_pstat", lambda d: d["dos"].update(s=7))
    yield "svr_cred", "credtype as text", changed("svr_cred", lambda d: d["creds"][0].update(credtype="1"))
    yield "svr_acl2", "subject {}", changed("svr_acl2", lambda d: d["aclist2"][0].update(subject={}))
    yield "svr_sdi", "priv as 0", changed("svr_sdi", lambda d: d.update(priv=0))


def main():
    samples_bin, v, code = security_command(sys.argv, __doc__)
    if code is not None:
        return code
    payloads = read_samples(samples_bin, [name for name, _, _ in SAMPLES])
    failures = sum(check_sample(v, payloads[name], name, doc, ref) for name, doc, ref in SAMPLES)
    for e in semantic_errors(payloads):
        print("FAIL", e)
        failures += 1
    leaky = copy.deepcopy(payloads["svr_cred"])
    leaky["creds"][0]["privatedata"]["data"] = "AAECAwQFBgcICQoLDA0ODw"
    if not secrets_in(leaky):
        print("FAIL negative control accepted: svr_cred with its key on the wire")
        failures += 1
    failures += check_negative_controls(v, SAMPLES, negative_controls(payloads))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
