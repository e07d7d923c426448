#!/usr/bin/env python3
"""obt_onboard_schema_check.py TEST_BIN SCHEMA_DIR [cms] — runs test_obt_onboard with
OBT_ONBOARD_SAMPLES set, so its scripted devices write every request body the DOTS engine sent
(one file per step), and validates each against the update definition of its SVR in the OCF
security schemas (shared/ocf-schemas/security; core references resolved in the sibling core/).
With "cms", TEST_BIN is test_obt_cms and the bodies are the provisioning's (the pairwise
credential POST, ADR 0019).
Negative controls prove the checker rejects broken copies. Exit 0 ok, 1 failure, 77 skipped."""

import copy
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rep_schema_check import cbor_decode, check_negative_controls, check_sample  # noqa: E402
from svr_schema_check import SecurityValidator, as_json  # noqa: E402

DOXM = ("oic.sec.doxm.swagger.json", "#/definitions/Doxm-Update")
PSTAT = ("oic.sec.pstat.swagger.json", "#/definitions/Pstat-Update")
STEPS = {
    "oxmsel": DOXM, "doxm-uuids": DOXM, "devowneruuid": DOXM, "deviceuuid": DOXM, "doxm-owner": DOXM,
    "om": PSTAT, "pstat-rowneruuid": PSTAT, "rfpro": PSTAT, "rfpro-dos": PSTAT,
    "owner-credential": ("oic.sec.cred.swagger.json", "#/definitions/Cred-Update"),
    "acl2-rowneruuid": ("oic.sec.acl2.swagger.json", "#/definitions/Acl2-Update"),
    "sdi": ("oic.sec.sdi.swagger.json", "#/definitions/Sdi-Update"),
}

CMS_STEPS = {
    "pairwise-credential": ("oic.sec.cred.swagger.json", "#/definitions/Cred-Update"),
}


def cms_negative_controls(p):
    bad = copy.deepcopy(p["pairwise-credential"])
    bad["creds"][0]["credtype"] = 1024
    yield "pairwise-credential", "credtype 1024", bad
    bad = copy.deepcopy(p["pairwise-credential"])
    bad["creds"][0]["privatedata"]["encoding"] = "raw"
    yield "pairwise-credential", "encoding raw", bad


def negative_controls(p):
    def changed(name, fn):
        bad = copy.deepcopy(p[name])
        fn(bad)
        return bad

    yield "oxmsel", "oxmsel as text", changed("oxmsel", lambda d: d.update(oxmsel="0"))
    yield "devowneruuid", "uuid x", changed("devowneruuid", lambda d: d.update(devowneruuid="x"))
    yield "doxm-uuids", "deviceuuid 7", changed("doxm-uuids", lambda d: d.update(deviceuuid=7))
    yield "rfpro", "rowneruuid x", changed("rfpro", lambda d: d.update(rowneruuid="x"))
    yield "om", "om 0", changed("om", lambda d: d.update(om=0))
    yield "rfpro", "dos.s 5", changed("rfpro", lambda d: d["dos"].update(s=5))
    yield "owner-credential", "credtype 512", changed("owner-credential", lambda d: d["creds"][0].update(credtype=512))
    yield "sdi", "no priv", changed("sdi", lambda d: d.pop("priv"))


def main():
    if len(sys.argv) not in (3, 4) or (len(sys.argv) == 4 and sys.argv[3] != "cms"):
        print(__doc__)
        return 2
    test_bin, schema_dir = sys.argv[1:3]
    cms = len(sys.argv) == 4
    steps, controls = (CMS_STEPS, cms_negative_controls) if cms else (STEPS, negative_controls)
    core_dir = os.path.join(os.path.dirname(os.path.abspath(schema_dir)), "core")
    if not os.path.isdir(schema_dir) or not os.path.isdir(core_dir):
        print("skipped: no schema directories %s, %s" % (schema_dir, core_dir))
        return 77
    v = SecurityValidator(schema_dir, core_dir)
    failures, payloads = 0, {}
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([test_bin], check=True, env=dict(os.environ, OBT_ONBOARD_SAMPLES=tmp),
                       stdout=subprocess.DEVNULL)
        for step, (doc, ref) in sorted(steps.items()):
            path = os.path.join(tmp, step + ".cbor")
            if not os.path.exists(path):
                print("FAIL no body was sent for step %s" % step)
                failures += 1
                continue
            with open(path, "rb") as f:
                payloads[step] = as_json(cbor_decode(f.read()))
            failures += check_sample(v, payloads[step], step, doc, ref)
        # A step the engine sends a body for must have its schema here (a new step cannot slip by).
        for name in sorted(os.listdir(tmp)) if not cms else []:
            step = name[:-len(".cbor")] if name.endswith(".cbor") else name
            if step not in steps and os.path.getsize(os.path.join(tmp, name)) > 0:
                print("FAIL step %s sent a body that no schema here checks" % step)
                failures += 1
    if not failures:
        failures += check_negative_controls(v, [(s, d, r) for s, (d, r) in steps.items()],
                                            controls(payloads))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
