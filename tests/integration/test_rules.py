"""Rule-by-rule expectations on the differential zones, written from the RFCs.

The differential test only says "same as Knot"; this file says what the
answer must be, so that the zones demonstrably exercise each rule and a rule
both servers got wrong would still show. It runs against Knot (validating the
expectations themselves) and against the subject (tandem by default).

Each expectation lists the rcode, AA, and the answer/authority (and, where
the rule is about it, additional) as "owner TYPE [rdata]" items compared as
multisets; owners are compared case-insensitively, and an answer owner equal
to the query name must keep the query's spelling.

With DNSTEST_SUBJECT=nsd the additional-section expectations fail on
purpose: NSD with minimal-responses leaves MX/SRV target addresses out.
"""

import unittest

import dns.flags
import dns.name
import dns.rcode
import dns.rdatatype

import dnstest

SOA_EX = "example.com. SOA"
NEG_TTL = 300  # min(SOA TTL 3600, MINIMUM 300), RFC 2308 3


class X:
    """An expected response."""

    def __init__(self, qname, qtype, rcode="NOERROR", aa=True, answer=(), authority=(),
                 additional=None, tc=False, neg_ttl=None, why="", **query):
        self.qname = qname
        self.qtype = qtype
        self.rcode = rcode
        self.aa = aa
        self.answer = list(answer)
        self.authority = list(authority)
        self.additional = additional
        self.tc = tc
        self.neg_ttl = neg_ttl
        self.why = why
        self.query = query


def _have(section):
    """(owner lower-cased, TYPE, rdata text) of every RR in a section."""
    return [(rrset.name.to_text().lower(), dns.rdatatype.to_text(rrset.rdtype), rd.to_text())
            for rrset in section for rd in rrset]


def _match(section_name, got, want):
    """Errors if the RRs `got` are not the multiset `want` of "owner TYPE [rdata]"."""
    rest = list(got)
    missing = []
    items = [w.split(" ", 2) for w in want]
    # Items with rdata first, so that an item without rdata cannot take their RR.
    for parts in sorted(items, key=len, reverse=True):
        owner, typ = parts[0].lower(), parts[1]
        rdata = parts[2] if len(parts) > 2 else None
        for h in rest:
            if h[0] == owner and h[1] == typ and (rdata is None or h[2] == rdata):
                rest.remove(h)
                break
        else:
            missing.append(" ".join(parts))
    errs = []
    if missing:
        errs.append("%s lacks %s" % (section_name, missing))
    if rest:
        errs.append("%s has unexpected %s" % (section_name, [" ".join(h) for h in rest]))
    return errs


EXPECTATIONS = [
    # RFC 1034 4.3.2: exact match, NODATA, NXDOMAIN, empty non-terminals.
    X("www.example.com.", "A", answer=["www.example.com. A 192.0.2.80"], why="exact match"),
    X("www.example.com.", "MX", authority=[SOA_EX], neg_ttl=NEG_TTL, why="NODATA"),
    X("nothere.example.com.", "A", "NXDOMAIN", authority=[SOA_EX], neg_ttl=NEG_TTL,
      why="NXDOMAIN, RFC 2308 SOA TTL"),
    X("c.example.com.", "A", authority=[SOA_EX], neg_ttl=NEG_TTL, why="ENT is NODATA"),
    X("b.c.example.com.", "TXT", authority=[SOA_EX], why="ENT is NODATA"),
    X("y.example.com.", "A", authority=[SOA_EX], why="ENT is NODATA"),
    X("a.b.c.example.com.", "A", answer=["a.b.c.example.com. A 192.0.2.100"]),
    X("ttl.example.com.", "A", answer=["ttl.example.com. A 192.0.2.90",
                                        "ttl.example.com. A 192.0.2.91"], why="RRset"),
    # CNAME chains.
    X("chain1.example.com.", "A", answer=[
        "chain1.example.com. CNAME", "chain2.example.com. CNAME", "chain3.example.com. CNAME",
        "www.example.com. A"], why="chain of three"),
    X("cname.example.com.", "CNAME", answer=["cname.example.com. CNAME"], why="qtype CNAME"),
    X("cname-out.example.com.", "A", answer=["cname-out.example.com. CNAME"],
      why="chain leaves our zones"),
    X("cname-nx.example.com.", "A", "NXDOMAIN", answer=["cname-nx.example.com. CNAME"],
      authority=[SOA_EX], why="RFC 6604: rcode of the last link"),
    X("cname-nodata.example.com.", "AAAA", answer=["cname-nodata.example.com. CNAME"],
      authority=[SOA_EX], why="chain ends in NODATA"),
    X("loop1.example.com.", "A", answer=["loop1.example.com. CNAME", "loop2.example.com. CNAME"],
      why="CNAME loop terminates"),
    X("self.example.com.", "A", answer=["self.example.com. CNAME"], why="self loop"),
    X("cname-del.example.com.", "A", answer=["cname-del.example.com. CNAME"],
      authority=["del1.example.com. NS"] * 3, why="CNAME into a delegation: referral"),
    X("cname-wild.example.com.", "A", answer=["cname-wild.example.com. CNAME",
                                               "foo.wild.example.com. A 192.0.2.200"]),
    # RFC 4592 wildcards: the RFC's own example zone and its list.
    X("host3.example.", "MX", answer=["host3.example. MX 10 host1.example."],
      additional=["host1.example. A"], why="RFC 4592 2.2.1 synthesis"),
    X("host3.example.", "A", authority=["example. SOA"], why="wildcard NODATA"),
    X("foo.bar.example.", "TXT", answer=['foo.bar.example. TXT "this is a wildcard"']),
    X("host1.example.", "MX", authority=["example. SOA"], why="existing name"),
    X("sub.*.example.", "MX", authority=["example. SOA"], why="'*' inside is no wildcard"),
    X("_telnet._tcp.host1.example.", "SRV", "NXDOMAIN", authority=["example. SOA"],
      why="RFC 4592 2.2.2: ENT closest encloser blocks *.example"),
    X("ghost.*.example.", "MX", "NXDOMAIN", authority=["example. SOA"],
      why="closest encloser *.example has no wildcard child"),
    X("host.subdel.example.", "A", aa=False, authority=["subdel.example. NS"] * 2,
      why="referral wins over the wildcard"),
    X("foo.wild.example.com.", "A", answer=["foo.wild.example.com. A 192.0.2.200"]),
    X("FoO.Wild.example.com.", "A", answer=["foo.wild.example.com. A 192.0.2.200"],
      why="synthesised owner keeps the query case"),
    X("foo.wild.example.com.", "MX", authority=[SOA_EX], why="wildcard NODATA"),
    X("q.wcname.example.com.", "A", answer=["q.wcname.example.com. CNAME www.example.com.",
                                             "www.example.com. A"], why="wildcard CNAME"),
    X("foo.mid.example.com.", "A", authority=[SOA_EX], why="empty wildcard *.mid: NODATA"),
    X("foo.*.mid.example.com.", "A", answer=["foo.*.mid.example.com. A 192.0.2.204"]),
    X("a.ent.wild2.example.com.", "A", "NXDOMAIN", authority=[SOA_EX],
      why="existing ent.wild2 blocks *.wild2"),
    # RFC 6672 DNAME.
    X("x.dname.example.com.", "A", answer=[
        "dname.example.com. DNAME target.example.net.",
        "x.dname.example.com. CNAME x.target.example.net."], why="synthesised CNAME"),
    X("dname.example.com.", "A", answer=["dname.example.com. A 192.0.2.150"],
      why="DNAME does not apply to its owner"),
    X("x.dname-in.example.com.", "AAAA", answer=[
        "dname-in.example.com. DNAME", "x.dname-in.example.com. CNAME x.dtarget.example.com.",
        "x.dtarget.example.com. AAAA 2001:db8::152"], why="in-zone target chased"),
    X("abcdefg.dlong.example.com.", "A", answer=["dlong.example.com. DNAME",
                                                  "abcdefg.dlong.example.com. CNAME"],
      edns=1232, why="255 octets after substitution (over 512 octets in all)"),
    X("abcdefgh.dlong.example.com.", "A", "YXDOMAIN", answer=["dlong.example.com. DNAME"],
      why="256 octets: YXDOMAIN"),
    # Referrals: AA off, NS in authority, glue in additional.
    X("host.del1.example.com.", "A", aa=False, authority=["del1.example.com. NS"] * 3,
      additional=["ns.del1.example.com. A", "ns.del1.example.com. AAAA",
                  "ns.del2.example.com. A"], why="in-bailiwick glue + glue below del2"),
    X("del1.example.com.", "NS", aa=False, authority=["del1.example.com. NS"] * 3,
      additional=["ns.del1.example.com. A", "ns.del1.example.com. AAAA",
                  "ns.del2.example.com. A"], why="the delegation name itself"),
    X("www.del3.example.com.", "A", aa=False, authority=["del3.example.com. NS"] * 2,
      additional=[], why="out-of-bailiwick NS, no glue"),
    X("del3.example.com.", "DS", answer=["del3.example.com. DS"],
      why="DS at a cut is the parent's data"),
    X("occluded.del1.example.com.", "A", aa=False, authority=["del1.example.com. NS"] * 3,
      why="occluded data is not served"),
    # Parent and child zone on one server.
    X("www.sub.example.com.", "A", answer=["www.sub.example.com. A 192.0.2.32"],
      why="answered from the child"),
    X("sub.example.com.", "SOA", answer=["sub.example.com. SOA"], why="child apex"),
    X("sub.example.com.", "DS", answer=["sub.example.com. DS"],
      why="DS of the child's apex from the parent"),
    X("nothere.sub.example.com.", "A", "NXDOMAIN", authority=["sub.example.com. SOA"]),
    # Additional section for NS/MX/SRV targets.
    X("example.com.", "NS", answer=["example.com. NS"] * 3,
      additional=["ns1.example.com. A", "ns1.example.com. AAAA", "ns2.example.com. A"]),
    X("mx.example.com.", "MX", answer=["mx.example.com. MX"] * 4,
      additional=["mail.example.com. A", "mail.example.com. AAAA", "www.example.com. A",
                  "www.example.com. AAAA"], why="in-zone targets only, not via CNAME"),
    X("_sip._tcp.example.com.", "SRV", answer=["_sip._tcp.example.com. SRV"] * 2,
      additional=["sip.example.com. A", "sip.example.com. AAAA"]),
    # Not ours.
    X("example.org.", "A", "REFUSED", aa=False),
    X(".", "NS", "REFUSED", aa=False, why="the root"),
    X("example.com.", "SOA", "REFUSED", aa=False, qclass="CH", why="class CH"),
    # DNSSEC types on an unsigned zone.
    X("example.com.", "DNSKEY", authority=[SOA_EX]),
    X("example.com.", "RRSIG", authority=[SOA_EX]),
    X("example.com.", "NSEC", authority=[SOA_EX]),
    X("example.com.", "DS", authority=[SOA_EX], why="DS at an apex with no parent here"),
    # Header and EDNS.
    X("example.com.", "SOA", "NOTIMP", aa=False, opcode=2, why="opcode STATUS"),
    X("www.example.com.", "A", "BADVERS", aa=False, edns=1232, edns_version=1),
    X("bigtxt.example.com.", "TXT", tc=True, why="does not fit 512"),
    X("bigtxt.example.com.", "TXT", answer=["bigtxt.example.com. TXT"] * 4, edns=1232,
      why="fits the EDNS buffer"),
    X("hugetxt.example.com.", "TXT", answer=["hugetxt.example.com. TXT"] * 6, tcp=True,
      why="TCP: everything"),
    X("hugetxt.example.com.", "TXT", tc=True, edns=1232, why="does not fit 1232"),
    # Every type of the all-types zone is served.
    *[X("%s.all-types.test." % t.lower(), t, answer=["%s.all-types.test. %s" % (t.lower(), t)]
        * n) for t, n in (("A", 2), ("AAAA", 1), ("PTR", 1), ("MX", 1), ("TXT", 1),
                          ("SRV", 1), ("NAPTR", 2), ("DS", 1), ("DNSKEY", 1), ("RRSIG", 1),
                          ("NSEC", 1), ("NSEC3PARAM", 1), ("CAA", 2), ("TLSA", 1),
                          ("SSHFP", 1), ("SVCB", 1), ("HTTPS", 1))],
    X("txt.all-types.test.", "TXT", answer=[
        'txt.all-types.test. TXT "first string" "second; with \\"quotes\\" and \\\\backslash"'
        ' "" "third\\010byte"'], why="several strings, escapes"),
    X("generic.all-types.test.", "TYPE65534",
      answer=["generic.all-types.test. TYPE65534 \\# 6 0a0000010203"], why="RFC 3597"),
    X("generic-a.all-types.test.", "A", answer=["generic-a.all-types.test. A 192.0.2.99"],
      why="RFC 3597 syntax for a known type"),
    X("dname.all-types.test.", "DNAME", answer=["dname.all-types.test. DNAME a.example.net."]),
    X("cname.all-types.test.", "A", answer=["cname.all-types.test. CNAME",
                                             "a.all-types.test. A", "a.all-types.test. A"]),
]


class RulesMixin:
    server_cls = None

    def test_rules(self):
        srv = self.start_server(self.server_cls(dnstest.test_zones()))
        failures = []
        for x in EXPECTATIONS:
            query = dict(x.query)
            qclass = query.pop("qclass", "IN")
            r = srv.query(x.qname, x.qtype, qclass, **query)
            errs = self.check(x, r)
            if errs:
                failures.append("%s %s %s (%s): %s\n%s" % (
                    x.qname, x.qtype, x.query or "", x.why, "; ".join(errs), r))
        self.assertAlive(srv)
        if failures:
            self.fail("%d of %d expectations failed on %s:\n\n%s" % (
                len(failures), len(EXPECTATIONS), srv.name, "\n\n".join(failures)))

    @staticmethod
    def check(x, r):
        m = r.msg
        if m is None:
            return ["no answer: %s" % r.error]
        errs = []
        if dns.rcode.to_text(m.rcode()) != x.rcode:
            errs.append("rcode %s, expected %s" % (dns.rcode.to_text(m.rcode()), x.rcode))
        if bool(m.flags & dns.flags.AA) != x.aa:
            errs.append("AA %s, expected %s" % (bool(m.flags & dns.flags.AA), x.aa))
        if bool(m.flags & dns.flags.TC) != x.tc:
            errs.append("TC %s, expected %s" % (bool(m.flags & dns.flags.TC), x.tc))
        if x.tc:
            return errs
        sections = [("answer", m.answer, x.answer), ("authority", m.authority, x.authority)]
        if x.additional is not None:
            sections.append(("additional", m.additional, x.additional))
        for name, got, want in sections:
            errs.extend(_match(name, _have(got), want))
        if x.neg_ttl is not None:
            ttls = [rr.ttl for rr in m.authority if rr.rdtype == dns.rdatatype.SOA]
            if ttls != [x.neg_ttl]:
                errs.append("negative-answer SOA TTL %s, expected %d (RFC 2308 3)" % (
                    ttls, x.neg_ttl))
        q = dns.name.from_text(x.qname)
        for rrset in m.answer:
            if rrset.name == q and rrset.name.labels != q.labels:
                errs.append("answer owner %s lost the query's case" % rrset.name)
        return errs


class RulesKnot(RulesMixin, dnstest.DnsTestCase):
    """The expectations hold on the reference server."""

    server_cls = dnstest.Knot


class RulesSubject(RulesMixin, dnstest.DnsTestCase):
    """The expectations hold on the subject (tandem unless DNSTEST_SUBJECT)."""

    def setUp(self):
        reason = dnstest.subject_unavailable()
        if reason:
            self.skipTest(reason)
        self.server_cls = dnstest.subject_class()


if __name__ == "__main__":
    unittest.main()
