#!/usr/bin/env python3
"""Cross-checks src/dtls/derive.c against an independent implementation written here with the
standard library only (hmac, hashlib): the TLS 1.2 PRF (RFC 5246 5), the key_block (6.3), the
OCF OwnerPSK (digest 4.5) and the PIN PSK (digest 4.3, RFC 8018 PBKDF2). First the formulas
are checked against the IoTivity-Lite captures in shared/vectors, then 200 seeded random cases
go through derive_tool and must agree byte for byte.
usage: derive_crosscheck.py path/to/derive_tool path/to/shared/vectors/owner-psk-iotivity-lite.json"""
import hashlib, hmac, json, random, subprocess, sys

URNS = {0: b"oic.sec.doxm.jw", 1: b"oic.sec.doxm.rdp", 2: b"oic.sec.doxm.mfgcert"}
KBL = {0xFF00: 96, 0xC037: 96, 0xC023: 96, 0xC0AC: 40, 0xC0AE: 40, 0xC0AD: 72, 0xC0AF: 72}


def prf(secret, label, seed, n):
    out, a = b"", hmac.new(secret, label + seed, hashlib.sha256).digest()
    while len(out) < n:
        out += hmac.new(secret, a + label + seed, hashlib.sha256).digest()
        a = hmac.new(secret, a, hashlib.sha256).digest()
    return out[:n]


def key_block(master, cr, sr, suite):
    return prf(master, b"key expansion", sr + cr, KBL[suite])


def owner_psk(kb, oxm, obt, dev):
    return prf(kb, URNS[oxm], obt + dev, 16)


def pin_psk(pin, dev):
    return hashlib.pbkdf2_hmac("sha256", pin.encode(), dev, 1000, 16)


def check_captures(path):
    v = json.load(open(path))
    h = bytes.fromhex
    for c in v["owner_psk"]:
        oxm = 0 if c["otm"].endswith(".jw") else 1
        kb = key_block(h(c["master_secret"]), h(c["client_random"]), h(c["server_random"]), int(c["suite"], 16))
        assert kb.hex() == c["key_block"], c["otm"]
        assert owner_psk(kb, oxm, h(c["obt_uuid"]), h(c["device_uuid_new"])).hex() == c["owner_psk"], c["otm"]
    for c in v["pin_psk"]:
        assert pin_psk(c["pin"], h(c["device_uuid"])).hex() == c["ppsk"]


def main():
    tool, vectors = sys.argv[1], sys.argv[2]
    check_captures(vectors)
    rng = random.Random(20261123)
    lines, expected = [], []
    rb = lambda n: bytes(rng.getrandbits(8) for _ in range(n))
    for i in range(200):
        kind = i % 3
        if kind == 0:
            suite = rng.choice(sorted(KBL))
            m, cr, sr = rb(48), rb(32), rb(32)
            lines.append(f"kb {suite:04x} {m.hex()} {cr.hex()} {sr.hex()}")
            expected.append(key_block(m, cr, sr, suite).hex())
        elif kind == 1:
            oxm, kb, obt, dev = rng.choice([0, 1, 2]), rb(rng.choice([40, 72, 96])), rb(16), rb(16)
            lines.append(f"owner {oxm} {kb.hex()} {obt.hex()} {dev.hex()}")
            expected.append(owner_psk(kb, oxm, obt, dev).hex())
        else:
            pin = "".join(rng.choice("0123456789") for _ in range(rng.choice([4, 8, 12])))
            dev = rb(16)
            lines.append(f"pin {pin} {dev.hex()}")
            expected.append(pin_psk(pin, dev).hex())
    out = subprocess.run([tool], input="\n".join(lines) + "\n", capture_output=True, text=True, check=True)
    got = out.stdout.split("\n")[: len(expected)]
    bad = [(l, e, g) for l, e, g in zip(lines, expected, got) if e != g]
    for l, e, g in bad[:5]:
        print(f"MISMATCH {l}\n  python {e}\n  ours   {g}")
    print(f"derive crosscheck: {len(expected) - len(bad)} passed, {len(bad)} failed")
    sys.exit(1 if bad else 0)


main()
