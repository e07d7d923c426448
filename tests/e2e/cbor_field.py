#!/usr/bin/env python3
"""cbor_field.py FILE KEY: prints one property of the CBOR map in FILE (standard library only):
text as is, true/false as True/False, byte strings in hex. For the e2e shell tests."""
import sys


def decode(data):
    def item(pos):
        ib = data[pos]
        major, ai = ib >> 5, ib & 0x1F
        pos += 1
        if major == 7:
            simple = {20: False, 21: True, 22: None}
            if ai in simple:
                return simple[ai], pos
            raise ValueError("unexpected simple value %d" % ai)
        if ai < 24:
            arg = ai
        elif ai in (24, 25, 26, 27):
            n = {24: 1, 25: 2, 26: 4, 27: 8}[ai]
            arg = int.from_bytes(data[pos:pos + n], "big")
            pos += n
        else:
            raise ValueError("indefinite length")
        if major == 0:
            return arg, pos
        if major == 1:
            return -1 - arg, pos
        if major == 2:
            return bytes(data[pos:pos + arg]), pos + arg
        if major == 3:
            return data[pos:pos + arg].decode("utf-8"), pos + arg
        if major in (4, 5):
            out = [] if major == 4 else {}
            for _ in range(arg):
                if major == 4:
                    v, pos = item(pos)
                    out.append(v)
                else:
                    k, pos = item(pos)
                    v, pos = item(pos)
                    out[k] = v
            return out, pos
        raise ValueError("tag")
    value, _ = item(0)
    return value


v = decode(open(sys.argv[1], "rb").read())
x = v.get(sys.argv[2]) if isinstance(v, dict) else None
print(x.hex() if isinstance(x, bytes) else x)
