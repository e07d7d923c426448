#!/usr/bin/env python3
"""device_schema_check.py SAMPLES_BIN SCHEMA_DIR — validates what a device answers (written by
device_samples) against the OCF core schemas in SCHEMA_DIR (shared/ocf-schemas/core): property
names, types, required properties, enums, patterns, with the JSON-schema subset of
rep_schema_check.py. Negative controls prove the checker rejects broken copies. Exit 0 ok,
1 failure, 77 skipped (no schema directory)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rep_schema_check import run_samples_check  # noqa: E402

SAMPLES = [
    ("oic_d.cbor", "oic.wk.d.swagger.json", "#/definitions/Device"),
    ("oic_d_baseline.cbor", "oic.wk.d.swagger.json", "#/definitions/Device"),
    ("oic_p.cbor", "oic.wk.p.swagger.json", "#/definitions/Platform"),
    ("oic_p_baseline.cbor", "oic.wk.p.swagger.json", "#/definitions/Platform"),
    ("res_ll.cbor", "oic.wk.res.swagger.json", "#/definitions/slinklist"),
    ("res_baseline.cbor", "oic.wk.res.swagger.json", "#/definitions/sbaseline"),
]


def negative_controls(p):
    d, pl = p["oic_d.cbor"], p["oic_p.cbor"]
    yield "oic_d.cbor", "no piid", {k: v for k, v in d.items() if k != "piid"}
    yield "oic_d.cbor", "di not a uuid", dict(d, di="kitchen")
    yield "oic_d.cbor", "icv as a number", dict(d, icv=2)
    yield "oic_p.cbor", "no mnmn", {k: v for k, v in pl.items() if k != "mnmn"}
    yield "oic_p.cbor", "pi not a uuid", dict(pl, pi="x")


def main():
    return run_samples_check(__doc__, SAMPLES, negative_controls, sys.argv)


if __name__ == "__main__":
    sys.exit(main())
