#!/usr/bin/env python3
"""forged_source.py - helper of tests/e2e/test_coap_transfer.sh (inside its namespaces only).

  forged_source.py send DST DPORT SPORT IFNAME
      Sends a CoAP NON GET /oic/res as UDP from [::]:SPORT (the unspecified address, forged
      through a raw IPv6 socket) to [DST]:DPORT out of IFNAME.
  forged_source.py listen PORT READY_FILE GO_FILE
      Binds [::1]:PORT, creates READY_FILE, waits (at most 60 s) until GO_FILE exists, then
      prints "received N" with the number of datagrams that had arrived by then.

A reply to [::]:SPORT is delivered by Linux to [::1]:SPORT, the sender's own host: a server that
answers such a datagram reflects it into its own loopback services.
"""
import os
import select
import socket
import struct
import sys
import time


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return (~total) & 0xFFFF


def send(dst, dport, sport, ifname):
    coap = bytes([0x50, 0x01, 0x12, 0x34, 0xB3]) + b"oic" + bytes([0x03]) + b"res"
    src = bytes(16)
    dst_bin = socket.inet_pton(socket.AF_INET6, dst)
    udp = struct.pack("!HHHH", sport, dport, 8 + len(coap), 0) + coap
    pseudo = src + dst_bin + struct.pack("!I3xB", len(udp), socket.IPPROTO_UDP)  # RFC 8200 8.1
    csum = checksum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", csum) + udp[8:]
    header = struct.pack("!IHBB", 6 << 28, len(udp), socket.IPPROTO_UDP, 64) + src + dst_bin
    raw = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
    raw.sendto(header + udp, (dst, 0, 0, socket.if_nametoindex(ifname)))


def listen(port, ready, go):
    sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    sock.bind(("::1", port))
    sock.setblocking(False)
    open(ready, "w").close()
    deadline = time.monotonic() + 60
    while not os.path.exists(go) and time.monotonic() < deadline:
        select.select([], [], [], 0.01)
    count = 0
    while select.select([sock], [], [], 0)[0]:
        sock.recv(2048)
        count += 1
    print("received %d" % count)


def main():
    if len(sys.argv) == 6 and sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    elif len(sys.argv) == 5 and sys.argv[1] == "listen":
        listen(int(sys.argv[2]), sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
