"""Malformed and random packets over UDP and TCP (RFC 1035 4.1, RFC 6891 6.1.1).

Every crafted malformed query must get FORMERR (with the query's ID, QR set)
or no answer at all; a packet with QR=1 must never be answered (it would let
two servers ping-pong). Seeded random garbage may get any well-formed answer
(a mutation can make a valid query) but never an answer to QR=1 and never a
crash. After each batch the server must still be alive and answer a normal
query. Runs against tandem, or DNSTEST_SUBJECT=knot|nsd to validate the test.
"""

import os
import random
import select
import socket
import struct
import time
import unittest

import dns.rcode

import dnstest

SEED = int(os.environ.get("DNSTEST_SEED", "20240101"))
GARBAGE = int(os.environ.get("DNSTEST_GARBAGE", "2000"))

QNAME = b"\x07example\x03com\x00"
SOA_IN = struct.pack("!HH", 6, 1)


def header(qid=0x1234, flags=0x0000, qd=1, an=0, ns=0, ar=0):
    return struct.pack("!HHHHHH", qid, flags, qd, an, ns, ar)


def opt_rr(payload=1232, owner=b"\x00", rdata=b""):
    return owner + struct.pack("!HHIH", 41, payload, 0, len(rdata)) + rdata


def valid_query(qid=0x1234):
    return header(qid) + QNAME + SOA_IN


def crafted():
    """(name, packet, allowed) where allowed is a set of 'none'/'FORMERR'."""
    fe = {"none", "FORMERR"}
    long_labels = b"".join(b"\x3f" + b"a" * 63 for _ in range(5)) + b"\x00"  # 321 octets
    return [
        ("empty packet", b"", {"none"}),
        ("one octet", b"\x12", {"none"}),
        ("truncated header (11 octets)", valid_query()[:11], fe),
        ("header only, qdcount=1", header(), fe),
        ("qdcount=0", header(qd=0), fe),
        ("qdcount=2", header(qd=2) + QNAME + SOA_IN + QNAME + SOA_IN, fe),
        ("qdcount=2, one question present", header(qd=2) + QNAME + SOA_IN, fe),
        ("qname without the root label", header() + b"\x07example\x03com", fe),
        ("question without type and class", header() + QNAME, fe),
        ("question with half a type", header() + QNAME + b"\x00", fe),
        ("compression pointer to itself", header() + b"\xc0\x0c" + SOA_IN, fe),
        ("compression loop of two", header() + b"\x01a\xc0\x0e" + SOA_IN, fe),
        ("compression loop a->b->a",
         header() + b"\xc0\x0e\xc0\x0c" + SOA_IN, fe),
        ("pointer past the end", header() + b"\xc0\xff" + SOA_IN, fe),
        ("pointer into the header", header() + b"\x01a\xc0\x02" + SOA_IN, fe),
        ("label of 64 octets (0x40 type)", header() + b"\x40" + b"a" * 64 + b"\x00" + SOA_IN, fe),
        ("label type 0x80", header() + b"\x80abc\x00" + SOA_IN, fe),
        ("name of 321 octets", header() + long_labels + SOA_IN, fe),
        ("label runs past the end", header() + b"\x3fabc", fe),
        ("ancount=5 without answers", header(an=5) + QNAME + SOA_IN, fe),
        ("nscount=1 without authority", header(ns=1) + QNAME + SOA_IN, fe),
        ("arcount=1 without additional", header(ar=1) + QNAME + SOA_IN, fe),
        ("arcount=2 with one OPT", header(ar=2) + QNAME + SOA_IN + opt_rr(), fe),
        ("truncated OPT", header(ar=1) + QNAME + SOA_IN + opt_rr()[:7], fe),
        ("OPT rdlength past the end",
         header(ar=1) + QNAME + SOA_IN + b"\x00" + struct.pack("!HHIH", 41, 1232, 0, 40), fe),
        ("two OPT RRs (RFC 6891 6.1.1)",
         header(ar=2) + QNAME + SOA_IN + opt_rr() + opt_rr(), fe),
        # RFC 6891 6.1.2 requires the root owner but names no rcode for a
        # violation; Knot answers normally, so answering is tolerated.
        ("OPT with a non-root owner (RFC 6891 6.1.2)",
         header(ar=1) + QNAME + SOA_IN + opt_rr(owner=QNAME), fe | {"answer"}),
        ("OPT option running past rdata",
         header(ar=1) + QNAME + SOA_IN + opt_rr(rdata=struct.pack("!HH", 10, 20) + b"ab"), fe),
        ("QR=1: a response, not a query", header(flags=0x8000) + QNAME + SOA_IN, {"none"}),
        ("QR=1 FORMERR response", header(flags=0x8001, qd=0), {"none"}),
    ]


def check_reply(packet, reply, allowed):
    """None if `reply` is an allowed outcome for `packet`, else why not."""
    if reply is None:
        return None if "none" in allowed else "no answer"
    if "FORMERR" not in allowed and "answer" not in allowed:
        return "answered (%s) where no answer is allowed" % reply[:12].hex()
    if len(reply) < 12:
        return "reply shorter than a header: %s" % reply.hex()
    qid, flags = struct.unpack("!HH", reply[:4])
    if len(packet) >= 2 and qid != struct.unpack("!H", packet[:2])[0]:
        return "reply ID %d is not the query's" % qid
    if not flags & 0x8000:
        return "reply without QR"
    if flags & 0xF != dns.rcode.FORMERR and "answer" not in allowed:
        return "rcode %s, expected FORMERR" % dns.rcode.to_text(flags & 0xF)
    return None


class MalformedTest(dnstest.DnsTestCase):

    def setUp(self):
        self.srv = self.start_subject(dnstest.test_zones())

    def test_crafted_udp(self):
        errors = []
        for name, pkt, allowed in crafted():
            reply = dnstest.raw_udp(self.srv.addr, pkt, wait=0.3)
            err = check_reply(pkt, reply, allowed)
            if err:
                errors.append("%s [%s]: %s" % (name, pkt.hex(), err))
            self.assertAlive(self.srv, "after UDP packet '%s'" % name)
        self.assertAnswers(self.srv)
        self.assertEqual(errors, [], "\n".join(errors))

    def test_crafted_tcp(self):
        errors = []
        for name, pkt, allowed in crafted():
            if not pkt:
                continue  # a zero-length TCP message is tested below
            reply = dnstest.raw_tcp(self.srv.addr, pkt, wait=1.0)
            err = check_reply(pkt, reply, allowed)
            if err:
                errors.append("%s [%s]: %s" % (name, pkt.hex(), err))
            self.assertAlive(self.srv, "after TCP message '%s'" % name)
        self.assertAnswers(self.srv, tcp=True)
        self.assertEqual(errors, [], "\n".join(errors))

    def test_tcp_odd_framing(self):
        addr = self.srv.addr
        # A zero-length message, then a length prefix with nothing after it.
        for data in (b"\x00\x00", b"\x00", b"\x01\x00" + b"\x00" * 10):
            with dnstest.tcp_connect(addr) as s:
                s.sendall(data)
                s.shutdown(socket.SHUT_WR)
                reply = dnstest.tcp_read_message(s, wait=1.0)
                self.assertIsNone(check_reply(data[2:], reply, {"none", "FORMERR"}),
                                  "framing %s" % data.hex())
            self.assertAlive(self.srv)
        # 65535 octets announced and sent: a valid header and question, then
        # padding (more data than the counts describe).
        big = valid_query(0x4242)
        big += b"\x00" * (65535 - len(big))
        with dnstest.tcp_connect(addr) as s:
            s.sendall(dnstest.tcp_frame(big))
            reply = dnstest.tcp_read_message(s, wait=3.0)
            err = check_reply(big, reply, {"none", "FORMERR"})
            # Ignoring trailing octets and answering is also defensible for a
            # message whose counts are complete (RFC 1035 is silent).
            if err and reply is not None and reply[:2] == big[:2] and reply[3] & 0xF == 0:
                err = None
            self.assertIsNone(err, "65535-octet message")
        # 65535 announced, 100 sent, then the client goes away.
        with dnstest.tcp_connect(addr) as s:
            s.sendall(b"\xff\xff" + valid_query()[:100])
        self.assertAlive(self.srv)
        self.assertAnswers(self.srv, tcp=True)
        self.assertAnswers(self.srv)

    def garbage(self, rnd):
        """Seeded random packets: pure noise, mutated and cut valid queries."""
        base = [valid_query(), valid_query() + b"\x00" + struct.pack("!HHIH", 41, 1232, 0, 0)]
        base[1] = base[1][:11] + b"\x01" + base[1][12:]
        for i in range(GARBAGE):
            kind = i % 3
            if kind == 0:
                pkt = bytes(rnd.getrandbits(8) for _ in range(rnd.randint(0, 300)))
            elif kind == 1:
                pkt = bytearray(rnd.choice(base))
                for _ in range(rnd.randint(1, 6)):
                    pkt[rnd.randrange(len(pkt))] = rnd.getrandbits(8)
                pkt = bytes(pkt)
            else:
                b = rnd.choice(base)
                pkt = b[:rnd.randint(0, len(b) - 1)]
            if len(pkt) >= 2:
                pkt = struct.pack("!H", i) + pkt[2:]  # unique ID to match replies
            yield i, pkt

    def test_random_garbage_udp(self):
        rnd = random.Random(SEED)
        packets = dict(self.garbage(rnd))
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.addCleanup(sock.close)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        sock.connect(self.srv.addr)
        sock.setblocking(False)
        replies = {}
        errors = []

        def drain(wait):
            end = time.monotonic() + wait
            while True:
                left = end - time.monotonic()
                if left <= 0 or not select.select([sock], [], [], left)[0]:
                    return
                try:
                    data = sock.recv(65535)
                except (BlockingIOError, ConnectionRefusedError):
                    continue
                if len(data) < 2:
                    errors.append("reply shorter than an ID: %s" % data.hex())
                    continue
                replies.setdefault(struct.unpack("!H", data[:2])[0], []).append(data)

        ids = sorted(packets)
        for start in range(0, len(ids), 25):
            for i in ids[start:start + 25]:
                try:
                    sock.send(packets[i])
                except (BlockingIOError, ConnectionRefusedError):
                    pass
            drain(0.002)
            if start % 500 == 0:
                self.assertAlive(self.srv, "during random UDP packets (seed %d)" % SEED)
        drain(dnstest.timeout(0.5))
        ok_rcodes = {dns.rcode.NOERROR, dns.rcode.FORMERR, dns.rcode.NXDOMAIN,
                     dns.rcode.NOTIMP, dns.rcode.REFUSED, dns.rcode.NOTAUTH,
                     dns.rcode.YXDOMAIN}
        for qid, datas in replies.items():
            pkt = packets.get(qid)
            if pkt is None or len(pkt) < 2:
                errors.append("reply to no packet we sent: %s" % datas[0][:12].hex())
                continue
            if len(datas) > 1:
                errors.append("%d replies to packet %d" % (len(datas), qid))
            data = datas[0]
            if len(pkt) >= 3 and pkt[2] & 0x80:
                errors.append("answered a packet with QR=1: %s -> %s" % (pkt.hex(),
                                                                           data[:12].hex()))
                continue
            r = dnstest.Reply(None, data, False)
            if r.msg is None:
                errors.append("malformed reply to %s: %s" % (pkt.hex(), r.error))
                continue
            if r.msg.rcode() not in ok_rcodes and not (r.msg.rcode() == dns.rcode.BADVERS):
                errors.append("rcode %s for %s" % (dns.rcode.to_text(r.msg.rcode()), pkt.hex()))
        self.assertAlive(self.srv, "after %d random UDP packets (seed %d)" % (len(packets), SEED))
        self.assertAnswers(self.srv)
        self.assertEqual(errors[:20], [], "seed %d: %d problems\n%s" % (
            SEED, len(errors), "\n".join(errors[:20])))

    def test_random_garbage_tcp(self):
        """Random messages on a few connections, each ended by a valid query:
        the server answers it or closes the connection, and stays up."""
        rnd = random.Random(SEED + 1)
        packets = [p for _, p in self.garbage(rnd)][:max(50, GARBAGE // 10)]
        for start in range(0, len(packets), 25):
            chunk = packets[start:start + 25]
            stream = b"".join(dnstest.tcp_frame(p) for p in chunk)
            stream += dnstest.tcp_frame(valid_query(0xBEEF))
            try:
                with dnstest.tcp_connect(self.srv.addr) as s:
                    s.sendall(stream)
                    for _ in range(len(chunk) + 1):
                        msg = dnstest.tcp_read_message(s, wait=2.0)
                        if msg is None or msg[:2] == b"\xbe\xef":
                            break
            except OSError:
                pass  # the server may reset a connection that sent garbage
            self.assertAlive(self.srv, "after random TCP messages (seed %d)" % (SEED + 1))
        self.assertAnswers(self.srv, tcp=True)


if __name__ == "__main__":
    unittest.main()
