"""Differential testing: ask two servers the same queries and compare answers.

`build_cases(zones)` derives the query list from the zone files (every owner
name and empty non-terminal times a set of types, probes below names,
wildcards and zone cuts) plus crafted edge cases (EDNS, flags, classes,
opcodes, case, truncation). `run(reference, subject, cases)` sends each case
to both servers and compares the normalised responses field by field; a
difference is accepted only if an entry of ALLOWANCES (each with its reason)
covers it. test_differential.py holds the allow-list and the tests.
"""

import random
import struct

import dns.flags
import dns.name
import dns.opcode
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype

import dnstest

FIELDS = ("rcode", "opcode", "flags", "question", "answer", "authority", "additional",
          "edns", "do")

# Types asked at every name of the rule zones.
MAIN_TYPES = ["A", "AAAA", "NS", "SOA", "CNAME", "MX", "TXT", "SRV", "PTR", "DNAME", "DS",
              "DNSKEY", "RRSIG", "NSEC", "ANY"]


class Case:
    """One query: what to ask and how (transport, EDNS, flags)."""

    def __init__(self, qname, qtype="A", qclass="IN", *, tcp=False, edns=None, do=False,
                 edns_version=0, rd=False, cd=False, ad=False, opcode="QUERY", options=(),
                 why=""):
        self.qname = qname
        self.qtype = qtype
        self.qclass = qclass
        self.tcp = tcp
        self.edns = edns
        self.do = do
        self.edns_version = edns_version
        self.rd = rd
        self.cd = cd
        self.ad = ad
        self.opcode = opcode
        self.options = tuple(options)
        self.why = why

    def key(self):
        return (self.qname, self.qtype, self.qclass, self.tcp, self.edns, self.do,
                self.edns_version, self.rd, self.cd, self.ad, self.opcode,
                tuple(o.to_text() for o in self.options))

    def label(self):
        parts = [self.qname, self.qclass, self.qtype, "tcp" if self.tcp else "udp"]
        if self.edns is not None:
            parts.append("edns%d=%d" % (self.edns_version, self.edns))
        if self.do:
            parts.append("DO")
        for f in ("rd", "cd", "ad"):
            if getattr(self, f):
                parts.append(f.upper())
        if self.opcode != "QUERY":
            parts.append("opcode=%s" % self.opcode)
        if self.options:
            parts.append("options=%s" % ",".join(o.to_text() for o in self.options))
        if self.why:
            parts.append("(%s)" % self.why)
        return " ".join(str(p) for p in parts)

    def message(self, qid):
        return dnstest.make_query(
            self.qname, self.qtype, self.qclass, edns=self.edns, do=self.do,
            edns_version=self.edns_version, edns_options=self.options, rd=self.rd,
            cd=self.cd, ad=self.ad, opcode=self.opcode, qid=qid)

    @property
    def rdtype(self):
        return dns.rdatatype.from_text(self.qtype)

    @property
    def udp_limit(self):
        """Largest UDP response the query allows (RFC 1035 4.2.1, RFC 6891 6.2.5)."""
        if self.edns is None:
            return 512
        return max(512, self.edns)


# ----------------------------------------------------------------- normalising

def canon_rr(rrset, rd):
    """An RR as text, with the owner lower-cased and rdata in canonical form
    (RFC 4034 6.2: domain names in rdata of the listed types lower-cased)."""
    wire = rd.to_digestable()
    crd = dns.rdata.from_wire(rrset.rdclass, rrset.rdtype, wire, 0, len(wire))
    return "%s %d %s %s %s" % (rrset.name.to_text().lower(), rrset.ttl,
                               dns.rdataclass.to_text(rrset.rdclass),
                               dns.rdatatype.to_text(rrset.rdtype), crd.to_text())


def section_lines(section):
    return sorted(canon_rr(rrset, rd) for rrset in section for rd in rrset)


def normalise(reply):
    """The comparable view of a Reply (None if there was no parseable answer)."""
    m = reply.msg
    if m is None:
        return None
    return {
        "rcode": dns.rcode.to_text(m.rcode()),
        "opcode": dnstest.opcode_text(reply.opcode),
        "flags": dns.flags.to_text(m.flags),
        "question": ["%s %s %s" % (q.name.to_text().lower(), dns.rdataclass.to_text(q.rdclass),
                                   dns.rdatatype.to_text(q.rdtype)) for q in m.question],
        "answer": section_lines(m.answer),
        "authority": section_lines(m.authority),
        "additional": section_lines(m.additional),
        "edns": None if m.edns < 0 else "version %d" % m.edns,
        "do": bool(m.ednsflags & dns.flags.DO) if m.edns >= 0 else None,
        # Not compared (server policy); kept for the invariants and messages.
        "payload": m.payload if m.edns >= 0 else None,
        "size": len(reply.wire),
    }


def has_flag(norm, flag):
    return flag in norm["flags"].split()


# ----------------------------------------------------------------- invariants

def invariant_errors(case, qid, reply):
    """Protocol rules every response must follow whatever the server's
    policy; returns a list of violations (empty if fine)."""
    errs = []
    if reply.msg is None:
        return ["no usable response: %s" % (reply.error or "timeout")]
    m = reply.msg
    wire = reply.wire
    if struct.unpack("!H", wire[:2])[0] != qid:
        errs.append("ID %d not echoed" % qid)
    if not m.flags & dns.flags.QR:
        errs.append("QR not set")
    if not case.tcp and len(wire) > case.udp_limit:
        errs.append("UDP response of %d octets exceeds the requestor's limit %d" % (
            len(wire), case.udp_limit))
    if bool(m.flags & dns.flags.RD) != case.rd and m.rcode() != dns.rcode.FORMERR:
        errs.append("RD not copied from the query (RFC 1035 4.1.1)")
    if m.flags & dns.flags.RA:
        errs.append("RA set by an authoritative-only server")
    rc = m.rcode()
    if case.edns is None and m.edns >= 0 and rc != dns.rcode.FORMERR:
        errs.append("OPT in a response to a query without EDNS (RFC 6891 7)")
    if case.edns is not None and rc != dns.rcode.FORMERR:
        if m.edns < 0:
            errs.append("no OPT in the response to an EDNS query (RFC 6891 7)")
        else:
            if m.edns != 0:
                errs.append("response EDNS version %d, not 0" % m.edns)
            if case.edns_version > 0 and rc != dns.rcode.BADVERS:
                errs.append("EDNS version %d not answered BADVERS (RFC 6891 6.1.3)" %
                            case.edns_version)
            if case.do and case.edns_version == 0 and not m.ednsflags & dns.flags.DO:
                errs.append("DO bit not copied (RFC 3225 3)")
            if m.payload < 512:
                errs.append("advertised UDP payload %d < 512 (RFC 6891 6.2.5)" % m.payload)
    # Case preservation: the question and every owner equal to the qname are
    # spelled exactly as asked (RFC 1035 7.? servers copy the question; RFC 4343).
    qn = dns.name.from_text(case.qname)
    if m.question:
        q = m.question[0]
        if q.name.labels != qn.labels:
            errs.append("question name %s is not the query's %s (case not preserved?)" % (
                q.name, qn))
    for rrset in m.answer:
        if rrset.name == qn and rrset.name.labels != qn.labels:
            errs.append("answer owner %s does not keep the query's case %s" % (rrset.name, qn))
    return errs


# ----------------------------------------------------------------- cases

def _under(name, origin):
    return name.is_subdomain(origin)


def _zone_facts(zones):
    """Owner names, empty non-terminals, wildcards and zone cuts of the zones."""
    facts = []
    for z in zones:
        parsed = z.load()
        origin = dns.name.from_text(z.origin)
        owners = sorted(parsed.nodes.keys())
        names = set(owners)
        for n in owners:
            p = n
            while p != origin and len(p) > len(origin):
                p = p.parent()
                names.add(p)
        cuts = [n for n in owners if n != origin and
                parsed.nodes[n].get_rdataset(dns.rdataclass.IN, dns.rdatatype.NS)]
        types = set()
        for n in owners:
            for rds in parsed.nodes[n].rdatasets:
                types.add(dns.rdatatype.to_text(rds.rdtype))
        facts.append((z, origin, sorted(names), set(owners), cuts, types))
    return facts


def _other_zone_origins(zones, origin):
    return [dns.name.from_text(z.origin) for z in zones
            if dns.name.from_text(z.origin) != origin]


def build_cases(zones, seed=4592):
    """The full query list: zone-derived cases plus crafted edge cases."""
    rnd = random.Random(seed)
    cases = []
    facts = _zone_facts(zones)
    for z, origin, names, owners, cuts, types in facts:
        children = _other_zone_origins(zones, origin)
        qtypes = MAIN_TYPES if z.origin != "all-types.test." else \
            sorted(types | {"A", "AAAA", "CNAME", "ANY", "NSEC3PARAM", "SOA"})
        for n in names:
            # Names inside a child zone we also serve belong to that zone's list.
            if any(n.is_subdomain(c) and len(c) > len(origin) for c in children):
                continue
            text = n.to_text()
            for t in qtypes:
                cases.append(Case(text, t, why="owner" if n in owners else "ENT"))
            if n.labels[0] == b"*":
                base = n.parent()
                for probe in ("w-match", "deep.w-match"):
                    for t in ("A", "TXT", "MX", "CNAME", "AAAA", "ANY"):
                        cases.append(Case("%s.%s" % (probe, base), t, why="wildcard probe"))
            else:
                # A name that does not exist right below every name.
                for t in ("A", "TXT"):
                    cases.append(Case("nx-probe.%s" % text, t, why="below %s" % text))
        for cut in cuts:
            for t in ("A", "NS", "DS", "ANY"):
                cases.append(Case("host.%s" % cut, t, why="below a zone cut"))
                cases.append(Case("deep.host.%s" % cut, t, why="below a zone cut"))
        # Mixed case: a random spelling of every name; answers keep the query's case.
        for n in names:
            spelled = "".join(c.upper() if rnd.random() < 0.5 else c for c in n.to_text())
            cases.append(Case(spelled, "A", why="mixed case"))
            cases.append(Case(spelled, "ANY", edns=1232, why="mixed case"))
    cases.extend(crafted_cases())
    # EDNS and transport variants of a sample of the plain cases.
    plain = [c for c in cases if c.edns is None and not c.tcp]
    sample = rnd.sample(plain, min(250, len(plain)))
    for c in sample:
        cases.append(Case(c.qname, c.qtype, edns=1232, do=True, why="EDNS+DO variant"))
    for c in rnd.sample(plain, min(120, len(plain))):
        cases.append(Case(c.qname, c.qtype, tcp=True, why="TCP variant"))
    # Drop duplicates, keep order.
    seen = set()
    unique = []
    for c in cases:
        if c.key() not in seen:
            seen.add(c.key())
            unique.append(c)
    return unique


def crafted_cases():
    """Hand-written edge cases, each saying which rule it exercises."""
    c = []

    def add(*a, **k):
        c.append(Case(*a, **k))

    # RFC 1034 4.3.2 / RFC 6604: CNAME chains.
    for name in ("cname", "chain1", "cname-out", "cname-other", "cname-child", "cname-del",
                 "cname-nx", "cname-nodata", "cname-ent", "cname-wild", "cname-dname",
                 "loop1", "self", "casechain"):
        for t in ("A", "AAAA", "TXT", "CNAME", "MX"):
            add("%s.example.com." % name, t, why="CNAME chain")
    # RFC 4592 2.2.1 list, verbatim.
    add("host3.example.", "MX", why="RFC 4592: synthesised MX")
    add("host3.example.", "A", why="RFC 4592: wildcard NODATA")
    add("foo.bar.example.", "TXT", why="RFC 4592: synthesised TXT two labels down")
    add("host1.example.", "MX", why="RFC 4592: existing name, NODATA")
    add("sub.*.example.", "MX", why="RFC 4592: '*' in the middle is not a wildcard")
    add("sub.*.example.", "TXT", why="RFC 4592: '*' in the middle, exact match")
    add("_telnet._tcp.host1.example.", "SRV", why="RFC 4592 2.2.2: ENT closest encloser")
    add("_ssh._tcp.host1.example.", "SRV", why="RFC 4592: exact SRV")
    add("host.subdel.example.", "A", why="RFC 4592: referral, no wildcard")
    add("ghost.*.example.", "MX", why="RFC 4592: closest encloser *.example")
    add("*.example.", "TXT", why="RFC 4592: query for the wildcard owner itself")
    add("*.example.", "A", why="RFC 4592: wildcard owner, NODATA")
    add("_tcp.host1.example.", "A", why="ENT")
    add("a.b.c.d.host9.example.", "MX", why="RFC 4592: synthesis many labels down")
    # Wildcards in example.com.
    add("foo.*.mid.example.com.", "A", why="wildcard with a '*' label below")
    add("foo.mid.example.com.", "A", why="empty non-terminal wildcard *.mid: NODATA")
    add("a.ent.wild2.example.com.", "A", why="existing name blocks the wildcard")
    add("x.wcloop.example.com.", "A", why="wildcard CNAME to itself")
    add("y.wcloop.example.com.", "A", why="wildcard CNAME to a wildcard match")
    add("q.wcname.example.com.", "AAAA", why="wildcard CNAME")
    add("m.wcmx.example.com.", "MX", why="wildcard MX with additional")
    add("exists.wild.example.com.", "TXT", why="existing name beside the wildcard")
    # RFC 6672 DNAME.
    for q in ("x.dname.example.com.", "a.b.dname.example.com.", "x.dname-in.example.com.",
              "nx.dname-in.example.com.", "abcdefg.dlong.example.com.",
              "abcdefgh.dlong.example.com.", "a.b.c.d.e.dlong.example.com.",
              "a.dloop.example.com.", "X.DName.Example.COM."):
        for t in ("A", "AAAA", "CNAME", "DNAME", "TXT"):
            add(q, t, why="DNAME")
    add("dname.example.com.", "A", why="DNAME owner's own data")
    add("dname.example.com.", "DNAME", why="DNAME at the owner")
    add("x.dname-in.example.com.", "A", edns=1232, do=True, why="DNAME, DO")
    # Referrals.
    for q in ("del1.example.com.", "del2.example.com.", "del3.example.com.",
              "del4.example.com.", "ns.del1.example.com.", "occluded.del1.example.com.",
              "sub.example.com.", "www.sub.example.com.", "ns.sub.example.com.",
              "host.subdel.example."):
        for t in ("A", "NS", "DS", "SOA", "ANY", "AAAA"):
            add(q, t, why="delegation")
            add(q, t, edns=1232, do=True, why="delegation, DO")
    # Big answers and truncation.
    for q in ("bigtxt.example.com.", "hugetxt.example.com."):
        add(q, "TXT", why="no EDNS: TC above 512")
        add(q, "TXT", edns=512, why="EDNS 512")
        add(q, "TXT", edns=1232, why="EDNS 1232")
        add(q, "TXT", edns=4096, why="EDNS 4096")
        add(q, "TXT", edns=65535, why="EDNS 65535")
        add(q, "TXT", edns=100, why="EDNS below 512 means 512")
        add(q, "TXT", tcp=True, why="TCP: full answer")
        add(q, "TXT", tcp=True, edns=1232, why="TCP+EDNS: full answer")
        add(q, "ANY", tcp=True, why="TCP ANY")
    # Names outside our zones.
    for q in (".", "com.", "org.", "example.org.", "www.example.net.", "test.",
              "other.test.", "xexample.com.", "com.example."):
        for t in ("A", "NS", "SOA"):
            add(q, t, why="not our zone: REFUSED")
    # EDNS(0).
    add("www.example.com.", "A", edns=1232, edns_version=1, why="EDNS version 1: BADVERS")
    add("www.example.com.", "A", edns=1232, edns_version=255, why="EDNS version 255")
    add("nothere.example.com.", "A", edns=1232, edns_version=1, why="BADVERS beats NXDOMAIN")
    add("www.example.org.", "A", edns=1232, edns_version=1, why="BADVERS beats REFUSED")
    add("www.example.com.", "A", edns=0, why="EDNS payload 0")
    add("www.example.com.", "A", edns=1232, do=True, why="DO echoed")
    add("www.example.com.", "A", edns=1232, options=[
        dns.edns.GenericOption(65001, b"\x01\x02")], why="unknown EDNS option ignored")
    add("www.example.com.", "A", edns=1232, options=[
        dns.edns.GenericOption(dns.edns.NSID, b"")], why="NSID request")
    # Header flags: RD is copied, RA never set, AD/CD.
    for q, t in (("www.example.com.", "A"), ("nothere.example.com.", "A"),
                 ("del1.example.com.", "A"), ("www.example.org.", "A")):
        add(q, t, rd=True, why="RD copied")
        add(q, t, cd=True, why="CD")
        add(q, t, ad=True, why="AD in query")
        add(q, t, rd=True, cd=True, ad=True, edns=1232, do=True, why="all flags")
    # DNSSEC types on unsigned zones: NODATA.
    for t in ("RRSIG", "NSEC", "NSEC3", "NSEC3PARAM", "DNSKEY", "DS", "CDS", "CDNSKEY"):
        add("example.com.", t, why="DNSSEC type, unsigned zone")
        add("example.com.", t, edns=1232, do=True, why="DNSSEC type, unsigned zone, DO")
    # Meta and obsolete qtypes over UDP.
    for t in ("AXFR", "IXFR", "MAILB", "MAILA", "TYPE0", "OPT", "TSIG", "TKEY"):
        add("example.com.", t, why="meta qtype over UDP")
    # Classes other than IN.
    for cls in ("CH", "HS", "ANY", "NONE", "CLASS42"):
        add("example.com.", "SOA", qclass=cls, why="class %s" % cls)
        add("www.example.com.", "A", qclass=cls, why="class %s" % cls)
    for q in ("version.bind.", "hostname.bind.", "id.server.", "version.server."):
        add(q, "TXT", qclass="CH", why="CHAOS identity query")
    # Opcodes other than QUERY.
    for op in (1, 2, 3, 6, 7, 15):
        add("example.com.", "SOA", opcode=op, why="opcode %d" % op)
    # Long names: 255 octets is the limit.
    add(long_name("example.com.", 255), "A", why="qname of 255 octets, NXDOMAIN")
    add(long_name("x.wild.example.com.", 255), "A", why="255-octet wildcard match")
    return c


def long_name(suffix, total):
    """A name of exactly `total` wire octets ending in `suffix`."""
    base = dns.name.from_text(suffix)
    need = total - len(base.to_wire())
    labels = []
    while need > 0:
        n = min(63, need - 1)
        if need - (n + 1) == 1:  # a remainder of 1 octet cannot form a label
            n -= 1
        labels.append("l" * n)
        need -= n + 1
    return ".".join(labels + [suffix])


# ----------------------------------------------------------------- running

class Mismatch:
    def __init__(self, case, field, ref, sub, note=""):
        self.case = case
        self.field = field
        self.ref = ref
        self.sub = sub
        self.note = note


def ask(server, case, qid):
    msg = case.message(qid)
    addr = server.addr
    return dnstest.send(addr, msg, tcp=case.tcp, wait=2.0)


def run(reference, subject, cases, allowances, seed=1):
    """Send every case to both servers; return (mismatches, used, replies).

    mismatches: list of Mismatch (a difference no allowance covers, or an
    invariant violation); used: {allowance id: count}; replies: {case key:
    (ref_reply, sub_reply)} for printing."""
    rnd = random.Random(seed)
    mismatches = []
    used = {}
    replies = {}
    for case in cases:
        qid = rnd.randint(0, 65535)
        r_ref = ask(reference, case, qid)
        r_sub = ask(subject, case, qid)
        replies[case.key()] = (r_ref, r_sub)
        for who, srv, r in (("reference", reference, r_ref), ("subject", subject, r_sub)):
            for e in invariant_errors(case, qid, r):
                if not any(a.excuses_invariant(case, srv.kind, who, e) for a in allowances):
                    mismatches.append(Mismatch(case, "invariant", None, None,
                                               "%s %s: %s" % (who, srv.name, e)))
        n_ref = normalise(r_ref)
        n_sub = normalise(r_sub)
        if n_ref is None or n_sub is None:
            if (n_ref is None) != (n_sub is None):
                mismatches.append(Mismatch(case, "response", str(r_ref), str(r_sub),
                                           "one server did not answer"))
            continue
        ctx = {"case": case, "ref": n_ref, "sub": n_sub, "ref_reply": r_ref,
               "sub_reply": r_sub, "subject": subject.kind, "reference": reference.kind}
        for field in FIELDS:
            if n_ref[field] == n_sub[field]:
                continue
            # The first allowance that covers the field and whose check
            # passes excuses the difference.
            notes = []
            excused = None
            for a in allowances:
                if not a.covers(ctx, field):
                    continue
                err = a.check(ctx, field)
                if err:
                    notes.append("allowance %s applies but: %s" % (a.id, err))
                    continue
                excused = a
                break
            if excused is None:
                mismatches.append(Mismatch(case, field, n_ref[field], n_sub[field],
                                           "; ".join(notes)))
            else:
                used[excused.id] = used.get(excused.id, 0) + 1
    return mismatches, used, replies


def report(mismatches, replies, reference, subject, limit=40):
    """Readable text for mismatches: the query and both full answers."""
    out = []
    for m in mismatches[:limit]:
        r_ref, r_sub = replies.get(m.case.key(), (None, None))
        out.append("=" * 72)
        out.append("QUERY  %s" % m.case.label())
        out.append("FIELD  %s %s" % (m.field, m.note))
        if m.ref is not None or m.sub is not None:
            out.append("  %s: %s" % (reference.name, m.ref))
            out.append("  %s: %s" % (subject.name, m.sub))
        out.append("--- %s answer:\n%s" % (reference.name, r_ref))
        out.append("--- %s answer:\n%s" % (subject.name, r_sub))
    if len(mismatches) > limit:
        out.append("... and %d more mismatches" % (len(mismatches) - limit))
    return "\n".join(out)
