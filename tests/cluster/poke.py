#!/usr/bin/env python3
"""Speaks the NATS protocol directly (stdlib only) to send a hostile call request to wirt nodes.

poke.py PORT SUBJECT KIND: KIND is garbage (bytes that are not MessagePack), big (a 100 KB body,
over node b1's max_message), mismatch (a valid request naming another id than its subject),
deep (300 nested arrays), fake_exit (an EXIT for a
process of node b1 claiming to come from node "poker"). Prints every reply the inbox got, raw, on stdout.
"""
import socket, sys, time

port, subject, kind = int(sys.argv[1]), sys.argv[2], sys.argv[3]


def mp_str(s):
    b = s.encode()
    return bytes([0xA0 | len(b)]) + b if len(b) < 32 else b"\xd9" + bytes([len(b)]) + b


if kind == "garbage":
    body = b"\xc1\xc1\xc1 not msgpack"
elif kind == "big":
    body = b"\xc6" + (100000).to_bytes(4, "big") + b"x" * 100000  # one 100 KB bin
elif kind == "mismatch":
    body = b"\x82" + mp_str("id") + mp_str("b:private") + mp_str("args") + b"\x90"
elif kind == "deep":
    body = b"\x91" * 300 + b"\x01"
elif kind == "fake_exit":  # an EXIT notice for a process of node b1, sent by node "poker"
    body = (b"\x84" + mp_str("op") + mp_str("exit") + mp_str("target") + mp_str("{b1@b:host|1}")
            + mp_str("watcher") + mp_str("{a1@x|1}") + mp_str("event") + b"\x80")
else:
    sys.exit("unknown kind " + kind)

s = socket.create_connection(("127.0.0.1", port))
s.settimeout(0.2)
s.sendall(b'CONNECT {"verbose":false,"pedantic":false,"headers":true,"no_responders":true,"protocol":1}\r\n')
s.sendall(b"SUB _INBOX.poke.* 1\r\n")
hdr = b"NATS/1.0\r\nWirt-V: 1\r\nWirt-Node: poker\r\nWirt-Inc: 1\r\nWirt-Kind: call\r\n\r\n"
s.sendall(b"HPUB %s _INBOX.poke.1 %d %d\r\n" % (subject.encode(), len(hdr), len(hdr) + len(body)) + hdr + body + b"\r\nPING\r\n")
out = b""
end = time.time() + 3
while time.time() < end:
    try:
        chunk = s.recv(65536)
        if not chunk:
            break
        out += chunk
    except socket.timeout:
        if b"Wirt-Kind: reply" in out or b"503" in out:
            break
sys.stdout.buffer.write(out)
