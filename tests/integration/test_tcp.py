"""DNS over TCP (RFC 7766): pipelined queries, queries split across
segments, several queries on one connection, and the idle timeout.
Runs against tandem, or DNSTEST_SUBJECT=knot|nsd to validate the test."""

import os
import select
import socket
import time
import unittest

import dns.message
import dns.rcode

import dnstest

# The longest a server may keep an idle connection open before we call it a
# failure (RFC 7766 6.2.3: servers should close idle connections; Knot's
# default is 10 s, NSD's tcp-timeout 120 s unless configured).
IDLE_MAX = float(os.environ.get("DNSTEST_TCP_IDLE_MAX", "30"))


def read_all(sock, count, wait=3.0):
    """Up to `count` messages from the connection (fewer if it closes)."""
    out = []
    for _ in range(count):
        m = dnstest.tcp_read_message(sock, wait=wait)
        if m is None:
            break
        out.append(dns.message.from_wire(m))
    return out


class TcpTest(dnstest.DnsTestCase):

    def setUp(self):
        self.srv = self.start_subject(dnstest.test_zones())

    def q(self, name, qtype, qid):
        return dnstest.make_query(name, qtype, qid=qid).to_wire()

    def test_pipelined_in_one_segment(self):
        """Three queries written at once; all three answered (any order,
        RFC 7766 6.2.1.1), each matched to its query by ID."""
        names = {101: ("www.example.com.", "A"), 102: ("mx.example.com.", "MX"),
                 103: ("hugetxt.example.com.", "TXT")}
        data = b"".join(dnstest.tcp_frame(self.q(n, t, i)) for i, (n, t) in names.items())
        with dnstest.tcp_connect(self.srv.addr) as s:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s.sendall(data)
            replies = read_all(s, 3)
        self.assertEqual(sorted(r.id for r in replies), sorted(names))
        for r in replies:
            name, qtype = names[r.id]
            self.assertEqual(r.question[0].name.to_text(), name)
            self.assertEqual(r.rcode(), dns.rcode.NOERROR)
            self.assertTrue(r.answer, r.to_text())
        big = [r for r in replies if r.id == 103][0]
        self.assertEqual(sum(len(rrset) for rrset in big.answer), 6, "full answer over TCP")

    def test_split_query(self):
        """A query written in pieces: the length prefix split, then the body
        in three segments with pauses (RFC 7766 8: read the whole message)."""
        wire = dnstest.tcp_frame(self.q("www.example.com.", "A", 7))
        pieces = [wire[:1], wire[1:5], wire[5:20], wire[20:]]
        with dnstest.tcp_connect(self.srv.addr) as s:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for p in pieces:
                s.sendall(p)
                time.sleep(0.15)
            replies = read_all(s, 1)
        self.assertEqual(len(replies), 1, "no answer to a split query")
        self.assertEqual(replies[0].id, 7)
        self.assertEqual(replies[0].rcode(), dns.rcode.NOERROR)

    def test_many_queries_one_connection(self):
        """Sequential queries on one connection keep being answered."""
        with dnstest.tcp_connect(self.srv.addr) as s:
            for i in range(50):
                s.sendall(dnstest.tcp_frame(self.q("www.example.com.", "A", i)))
                r = read_all(s, 1)
                self.assertEqual(len(r), 1, "query %d unanswered" % i)
                self.assertEqual(r[0].id, i)

    def test_idle_connections_are_closed(self):
        """A connection that sends nothing, and one that sends half a message
        and stalls, are both closed by the server in bounded time (RFC 7766
        6.2.3), and other clients are served meanwhile. Both wait together to
        keep the test short."""
        wire = dnstest.tcp_frame(self.q("www.example.com.", "A", 9))
        start = time.monotonic()
        idle = dnstest.tcp_connect(self.srv.addr)
        stalled = dnstest.tcp_connect(self.srv.addr)
        self.addCleanup(idle.close)
        self.addCleanup(stalled.close)
        stalled.sendall(wire[:6])
        self.assertAnswers(self.srv, tcp=True)
        self.assertAnswers(self.srv)
        open_socks = {idle: "idle", stalled: "stalled"}
        closed_after = {}
        while open_socks and time.monotonic() - start < IDLE_MAX:
            ready, _, _ = select.select(list(open_socks), [], [], 0.5)
            for s in ready:
                try:
                    data = s.recv(1)
                except ConnectionResetError:
                    data = b""
                self.assertEqual(data, b"", "server sent data on an %s connection" %
                                 open_socks[s])
                closed_after[open_socks.pop(s)] = time.monotonic() - start
        self.assertEqual(sorted(open_socks.values()), [],
                         "TCP connections still open after %.0f s" % IDLE_MAX)
        if os.environ.get("DNSTEST_VERBOSE"):
            print("\n%s closed idle connections after %s" % (
                self.srv.name, ", ".join("%s %.1f s" % kv for kv in sorted(closed_after.items()))))
        self.assertAnswers(self.srv, tcp=True)


if __name__ == "__main__":
    unittest.main()
