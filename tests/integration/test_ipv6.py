"""Listening on 127.0.0.1 and ::1 at once: the same answers over UDP and TCP
on both. Runs against tandem, or DNSTEST_SUBJECT=knot|nsd."""

import unittest

import dns.rcode

import dnstest


@unittest.skipUnless(dnstest.ipv6_loopback_available(), "no ::1 on this machine")
class Ipv6Test(dnstest.DnsTestCase):

    def test_both_families(self):
        srv = self.start_subject(dnstest.test_zones(), listen=("127.0.0.1", "::1"))
        answers = {}
        for host in ("127.0.0.1", "::1"):
            for tcp in (False, True):
                for qname, qtype in (("www.example.com.", "AAAA"), ("host3.example.", "MX"),
                                     ("nothere.example.com.", "A")):
                    r = srv.query(qname, qtype, host=host, tcp=tcp)
                    self.assertIsNotNone(r.msg, "%s %s over %s %s: %s" % (
                        qname, qtype, host, "TCP" if tcp else "UDP", r))
                    key = (qname, qtype)
                    got = (r.msg.rcode(), sorted(rr.to_text() for rr in r.msg.answer))
                    answers.setdefault(key, got)
                    self.assertEqual(got, answers[key], "%s %s differs over %s %s" % (
                        qname, qtype, host, "TCP" if tcp else "UDP"))
        self.assertEqual(answers[("www.example.com.", "AAAA")][0], dns.rcode.NOERROR)
        self.assertTrue(answers[("www.example.com.", "AAAA")][1])
        self.assertEqual(answers[("nothere.example.com.", "A")][0], dns.rcode.NXDOMAIN)

    def test_ipv6_only(self):
        srv = self.start_subject(dnstest.test_zones()[:1], listen=("::1",))
        r = srv.query("www.example.com.", "A")
        self.assertIsNotNone(r.msg, str(r))
        self.assertEqual(r.msg.rcode(), dns.rcode.NOERROR)
        # Nothing was asked to listen on 127.0.0.1 at that port.
        r4 = dnstest.query(("127.0.0.1", srv.port), "www.example.com.", "A", wait=0.5)
        self.assertIsNone(r4.msg, "answered on 127.0.0.1 although only ::1 is configured")


if __name__ == "__main__":
    unittest.main()
