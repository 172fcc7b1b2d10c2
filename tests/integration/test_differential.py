"""Differential test: Knot (the reference) and tandem load the same zones
(tests/data/zones) and get the same queries; rcode, opcode, flags, question,
answer, authority and additional sections must be identical, and every
response must follow the protocol invariants of differential.invariant_errors.

The only accepted differences are those in ALLOWANCES below, each a choice
the RFCs leave to the server, with its reason and a check that the
subject's answer is still one of the legitimate ones. Knot against NSD runs
the same test (KnotVsNsd) to validate the harness; the NSD-only entries are
the places where NSD's choices differ from Knot's.

Not compared at all (server policy, checked by the invariants instead):
  - the UDP payload size advertised in the response OPT (RFC 6891 6.2.5:
    each server picks its own; must be >= 512);
  - the order of RRs within a section (RFC 1035 does not order them);
  - the spelling (case) of owner names other than the query name, and of
    domain names inside rdata (RFC 4343 2: case-insensitive comparison);
    the query name's own case is checked by the invariants.
"""

import os
import shutil
import unittest

import dns.name
import dns.rdatatype
import dns.rrset

import differential as D
import dnstest

# ----------------------------------------------------------------- helpers

ZONES = dnstest.test_zones()
ORIGINS = [dns.name.from_text(z.origin) for z in ZONES]


def zone_of(name):
    """The served zone a name belongs to (longest origin), or None."""
    if isinstance(name, str):
        name = dns.name.from_text(name)
    best = None
    for o in ORIGINS:
        if name.is_subdomain(o) and (best is None or len(o) > len(best)):
            best = o
    return best


def _rr(line):
    """(owner, ttl, class, type, rdata) of a canonical RR line."""
    owner, ttl, cls, typ, rdata = (line.split(" ", 4) + [""])[:5]
    return owner, ttl, cls, typ, rdata


def _zone_rdata():
    """Every 'TYPE rdata' present in the zones, for ANY checks."""
    seen = set()
    for z in ZONES:
        for name, node in _loaded(z).nodes.items():
            for rds in node.rdatasets:
                rrset = dns.rrset.from_rdata_list(name, rds.ttl, list(rds))
                for rd in rrset:
                    _, _, _, typ, rdata = _rr(D.canon_rr(rrset, rd))
                    seen.add("%s %s" % (typ, rdata))
    return seen


_ZONE_RDATA = None


def zone_rdata():
    global _ZONE_RDATA
    if _ZONE_RDATA is None:
        _ZONE_RDATA = _zone_rdata()
    return _ZONE_RDATA


def qname_lc(ctx):
    return dns.name.from_text(ctx["case"].qname).to_text().lower()


def subset(a, b):
    return set(a) <= set(b)


class Allowance:
    """A legitimate difference: which fields, in which situation (`when`),
    for which subjects (`peers`, None = any), and a `check` that the
    subject's answer is still acceptable (returns an error text or None)."""

    def __init__(self, id, reason, fields, when, check=None, peers=None):
        self.id = id
        self.reason = reason
        self.fields = set(fields)
        self.when = when
        self._check = check
        self.peers = peers

    def covers(self, ctx, field):
        if self.peers is not None and ctx["subject"] not in self.peers:
            return False
        return field in self.fields and bool(self.when(ctx))

    def check(self, ctx, field):
        return self._check(ctx, field) if self._check else None

    def excuses_invariant(self, case, kind, who, error):
        return False


# ----------------------------------------------------------------- the allow-list

def _is_any(ctx):
    return ctx["case"].qtype == "ANY"


def _check_any(ctx, field):
    # RFC 8482 4.1: a server may answer ANY with a subset of the RRsets at the
    # name (Knot and NSD return one RRset, chosen differently) or with all of
    # them. Whatever it returns must be real data of the name, and it must
    # not claim "nothing" where the reference found something.
    q = qname_lc(ctx)
    for who in ("ref", "sub"):
        ans = ctx[who]["answer"]
        if bool(ans) != bool(ctx["ref"]["answer"]):
            return "%s answer is %s where the reference's is %s" % (
                who, "empty" if not ans else "non-empty",
                "empty" if not ctx["ref"]["answer"] else "non-empty")
        for line in ans:
            owner, _, _, typ, rdata = _rr(line)
            if "%s %s" % (typ, rdata) not in zone_rdata():
                return "%s ANY answer has data not in the zone: %s" % (who, line)
            if owner != q and typ not in ("CNAME", "DNAME"):
                return "%s ANY answer has a foreign owner: %s" % (who, line)
    if field == "additional":
        for line in ctx["sub"]["additional"]:
            if _rr(line)[3] not in ("A", "AAAA"):
                return "additional for ANY holds %s" % line
    return None


def _cname_across_zones(ctx):
    q = dns.name.from_text(ctx["case"].qname)
    for who in ("ref", "sub"):
        for line in ctx[who]["answer"]:
            owner, _, _, typ, rdata = _rr(line)
            if typ == "CNAME":
                tz = zone_of(rdata)
                if tz is not None and tz != zone_of(owner) and zone_of(owner) == zone_of(q):
                    return True
    return False


def _check_cname_across(ctx, field):
    # The part of the chain inside the query's zone must be the same.
    zq = zone_of(ctx["case"].qname)

    def own(ans):
        return sorted(line for line in ans if zone_of(_rr(line)[0]) == zq)
    if field == "answer" and own(ctx["ref"]["answer"]) != own(ctx["sub"]["answer"]):
        return "the in-zone part of the CNAME chain differs"
    if field == "rcode" and ctx["sub"]["rcode"] not in ("NOERROR", "NXDOMAIN"):
        return "rcode %s" % ctx["sub"]["rcode"]
    return None


def _dnssec_qtype_at_cname(ctx):
    if ctx["case"].qtype not in ("RRSIG", "NSEC", "NSEC3"):
        return False
    q = qname_lc(ctx)
    return any(_rr(line)[0] == q and _rr(line)[3] == "CNAME"
               for who in ("ref", "sub") for line in ctx[who]["answer"]) or \
        _zone_has(q, "CNAME")


_LOADED = {}


def _loaded(z):
    if z.origin not in _LOADED:
        _LOADED[z.origin] = z.load()
    return _LOADED[z.origin]


def _zone_has(owner_lc, typ):
    for z in ZONES:
        if zone_of(owner_lc) != dns.name.from_text(z.origin):
            continue
        node = _loaded(z).get_node(dns.name.from_text(owner_lc))
        if node is not None:
            return any(dns.rdatatype.to_text(r.rdtype) == typ for r in node.rdatasets)
    return False


def _check_dnssec_qtype_at_cname(ctx, field):
    q = qname_lc(ctx)
    ans = ctx["sub"]["answer"]
    if ans and not any(_rr(line)[0] == q and _rr(line)[3] == "CNAME" for line in ans):
        return "answer is neither NODATA nor the CNAME chain"
    if not ans and not any(_rr(line)[3] == "SOA" for line in ctx["sub"]["authority"]):
        return "NODATA without the SOA"
    return None


def _chain_loop(ctx):
    for who in ("ref", "sub"):
        for line in ctx[who]["answer"]:
            owner, _, _, typ, rdata = _rr(line)
            if typ == "DNAME" and dns.name.from_text(rdata).is_subdomain(
                    dns.name.from_text(owner)):
                return True
    return False


def _check_chain_loop(ctx, field):
    a, b = set(ctx["ref"]["answer"]), set(ctx["sub"]["answer"])
    small, big = (a, b) if len(a) <= len(b) else (b, a)
    if not small <= big:
        return "one chain is not a prefix of the other"
    if any(_rr(line)[3] != "CNAME" for line in big - small):
        return "the longer chain has more than synthesised CNAMEs"
    if len(small) < 2:
        return "the DNAME and the first synthesised CNAME are missing"
    return None


META = {"AXFR", "IXFR", "MAILA", "MAILB", "TYPE0", "OPT", "TSIG", "TKEY"}


def _check_meta(ctx, field):
    n = ctx["sub"]
    if n["rcode"] not in ("NOTIMP", "REFUSED", "NOTAUTH", "FORMERR", "NOERROR"):
        return "rcode %s" % n["rcode"]
    if n["answer"] and not (ctx["case"].qtype == "IXFR" and len(n["answer"]) == 1 and
                            _rr(n["answer"][0])[3] == "SOA"):
        return "answer data for a meta query"
    return None


def _identity(ctx):
    c = ctx["case"]
    return c.qclass == "CH" and c.qname.lower() in (
        "version.bind.", "hostname.bind.", "id.server.", "version.server.")


def _check_identity(ctx, field):
    n = ctx["sub"]
    if n["rcode"] not in ("NOERROR", "REFUSED", "NOTIMP", "NXDOMAIN"):
        return "rcode %s" % n["rcode"]
    for line in n["answer"]:
        owner, _, cls, typ, _ = _rr(line)
        if owner != qname_lc(ctx) or cls != "CH" or typ != "TXT":
            return "identity answer %s" % line
    return None


def _error_without_question(ctx):
    c = ctx["case"]
    return (c.opcode != "QUERY" or c.qclass != "IN") and \
        ctx["sub"]["rcode"] in ("NOTIMP", "REFUSED", "FORMERR")


def _check_no_question(ctx, field):
    q = ctx["sub"]["question"]
    return None if q in ([], ctx["ref"]["question"]) else "question %s" % q


def _tc(ctx):
    return not ctx["case"].tcp and (D.has_flag(ctx["ref"], "TC") or
                                   D.has_flag(ctx["sub"], "TC"))


def _check_tc_flags(ctx, field):
    # Only TC may differ, and only because one server caps its UDP payload
    # below what the requestor offered (RFC 6891 6.2.5; DNS flag day 2020
    # recommends 1232): the full answer must be too big for 1232 octets.
    if field == "flags":
        a = set(ctx["ref"]["flags"].split()) ^ set(ctx["sub"]["flags"].split())
        if a - {"TC"}:
            return "flags other than TC differ: %s" % sorted(a)
        full = ctx["ref"] if not D.has_flag(ctx["ref"], "TC") else ctx["sub"]
        if full["size"] <= 1232:
            return "truncated although the full answer (%d octets) fits 1232" % full["size"]
    return None


def _svcb(ctx):
    return ctx["case"].qtype in ("SVCB", "HTTPS")


def _check_svcb_additional(ctx, field):
    for line in ctx["sub"]["additional"]:
        if _rr(line)[3] not in ("A", "AAAA", "SVCB", "HTTPS"):
            return "additional holds %s" % line
    return None


def _nsd_minimal(ctx):
    return True


def _check_subset_additional(ctx, field):
    if not subset(ctx["sub"]["additional"], ctx["ref"]["additional"]):
        return "additional has records the reference does not give"
    return None


ALLOWANCES = [
    Allowance(
        "any-subset",
        "RFC 8482 4.1: an ANY answer may be any non-empty subset of the RRsets at "
        "the name (Knot and NSD give one, chosen differently) or all of them; "
        "additional data for the chosen RRsets follows the choice.",
        {"answer", "additional"}, _is_any, _check_any),
    Allowance(
        "cname-across-zones",
        "RFC 1034 4.3.2 step 3a restarts the lookup at the CNAME target, which may "
        "be in another zone this server is authoritative for; servers may follow "
        "(NSD) or stop at the zone boundary (Knot: a referral for a child zone, "
        "nothing for a sibling). Resolvers re-query the target anyway (RFC 2181 "
        "5.4.1). The chain inside the query's zone must be the same.",
        {"answer", "authority", "additional", "rcode", "flags"}, _cname_across_zones,
        _check_cname_across),
    Allowance(
        "dnssec-qtype-at-cname",
        "RRSIG, NSEC and NSEC3 may coexist with a CNAME (RFC 4035 2.5, RFC 2181 "
        "10.1), so a query for them at a CNAME owner may be answered from the "
        "owner itself (Knot for RRSIG/NSEC: NODATA) or by following the CNAME "
        "(NSD; Knot for NSEC3).",
        {"answer", "authority", "additional", "rcode", "flags"}, _dnssec_qtype_at_cname,
        _check_dnssec_qtype_at_cname),
    Allowance(
        "dname-loop-length",
        "A DNAME whose target lies below itself synthesises an endless chain; "
        "RFC 6672 leaves the number of links a server follows to it (Knot 5, NSD "
        "1). Both must agree on the links they do give.",
        {"answer"}, _chain_loop, _check_chain_loop),
    Allowance(
        "meta-qtype",
        "AXFR/IXFR over UDP and other meta or reserved qtypes (RFC 6895 3.1): "
        "NOTIMP, REFUSED, NOTAUTH, FORMERR or an empty NOERROR are all in use "
        "(Knot: NOTIMP/NOTAUTH, NSD: NOTIMP/REFUSED/NODATA); an IXFR may get the "
        "current SOA alone (RFC 1995 4).",
        {"rcode", "flags", "answer", "authority", "additional"},
        lambda ctx: ctx["case"].qtype in META and not ctx["case"].tcp, _check_meta),
    Allowance(
        "chaos-identity",
        "version.bind/hostname.bind/id.server CH TXT (RFC 4892): each server "
        "answers with its own identity, or refuses.",
        {"rcode", "flags", "answer", "authority"}, _identity, _check_identity),
    Allowance(
        "error-question",
        "Responses to unknown opcodes or classes may leave the question out "
        "(NSD does; the question format depends on the opcode, RFC 6895 2.2).",
        {"question"}, _error_without_question, _check_no_question),
    Allowance(
        "truncated-content",
        "RFC 2181 9 / RFC 1035 4.2.1: what a TC=1 response carries besides the "
        "header and question is not specified (NSD: nothing; Knot: the RRsets that "
        "fit); clients retry over TCP.",
        {"answer", "authority", "additional"}, _tc),
    Allowance(
        "udp-payload-cap",
        "RFC 6891 6.2.5: the server may use a UDP payload smaller than the "
        "requestor's; a response that does not fit is truncated.",
        {"flags"}, _tc, _check_tc_flags),
    Allowance(
        "svcb-additional",
        "RFC 9460 4.1: adding the TargetName's A/AAAA for SVCB/HTTPS is a "
        "recommendation (Knot does, NSD does not).",
        {"additional"}, _svcb, _check_svcb_additional),
    Allowance(
        "qclass-any-aa",
        "QCLASS * (RFC 1035 3.2.5): a server cannot be authoritative for every "
        "class, so leaving AA off is a choice (RFC 6895 3.2); NSD does, Knot does not.",
        {"flags"}, lambda ctx: ctx["case"].qclass == "ANY",
        lambda ctx, field: None if (set(ctx["ref"]["flags"].split()) ^
                                    set(ctx["sub"]["flags"].split())) <= {"AA"}
        else "flags other than AA differ"),
    Allowance(
        "nsd-minimal-additional",
        "NSD with minimal-responses (set so that it leaves out the authority NS "
        "like Knot) also leaves out the optional additional data for MX/SRV/NS "
        "targets (RFC 2181 9 allows omitting it; referral glue stays).",
        {"additional"}, _nsd_minimal, _check_subset_additional, peers={"nsd"}),
]


# ----------------------------------------------------------------- tests

def _cases():
    return D.build_cases(ZONES)


class DifferentialMixin:
    """Run the differential between self.reference_cls and self.subject_cls."""

    reference_cls = dnstest.Knot
    subject_cls = None
    allowances = ALLOWANCES

    def run_differential(self, zones=None, cases=None, allowances=None):
        zones = zones or ZONES
        ref = self.start_server(self.reference_cls(zones))
        sub = self.start_server(self.subject_cls(zones))
        cases = cases if cases is not None else _cases()
        mism, used, replies = D.run(ref, sub, cases,
                                    self.allowances if allowances is None else allowances)
        summary = "%d queries, %d mismatches; allowances used: %s" % (
            len(cases), len(mism), ", ".join("%s=%d" % kv for kv in sorted(used.items()))
            or "none")
        if os.environ.get("DNSTEST_VERBOSE"):
            print("\n" + summary)
        self.assertAlive(ref, "after the differential queries")
        self.assertAlive(sub, "after the differential queries")
        return mism, used, replies, ref, sub, summary


class KnotVsTandem(DifferentialMixin, dnstest.DnsTestCase):
    subject_cls = dnstest.Tandem

    def setUp(self):
        if not dnstest.have_tandem():
            self.skipTest("tandem binary not found at %s (set TANDEM_BIN)" % dnstest.tandem_bin())

    def test_same_answers_as_knot(self):
        mism, used, replies, ref, sub, summary = self.run_differential()
        if mism:
            self.fail("%s\n%s" % (summary, D.report(mism, replies, ref, sub)))


@unittest.skipIf(os.environ.get("DNSTEST_SKIP_SELFTEST"), "harness self-tests disabled")
class KnotVsNsd(DifferentialMixin, dnstest.DnsTestCase):
    """Validates the harness and the allow-list on two real servers."""

    subject_cls = dnstest.Nsd

    def test_same_answers_as_knot(self):
        if not dnstest.have_program("nsd"):
            self.skipTest("nsd is not installed")
        mism, used, replies, ref, sub, summary = self.run_differential()
        if mism:
            self.fail("%s\n%s" % (summary, D.report(mism, replies, ref, sub)))
        # The NSD-only allowance must actually be needed, else it hides nothing
        # and should go.
        self.assertIn("nsd-minimal-additional", used, summary)


@unittest.skipIf(os.environ.get("DNSTEST_SKIP_SELFTEST"), "harness self-tests disabled")
class HarnessSelfTest(DifferentialMixin, dnstest.DnsTestCase):
    """The comparison can fail: Knot against Knot agrees exactly (no allowance
    used), and Knot against Knot with one changed zone does not."""

    subject_cls = dnstest.Knot

    def test_identical_servers_agree(self):
        mism, used, replies, ref, sub, summary = self.run_differential()
        self.assertEqual(mism, [], summary + "\n" + D.report(mism, replies, ref, sub))
        self.assertEqual(used, {}, summary)

    def test_changed_zone_is_detected(self):
        tmp = dnstest.Path(self.id_dir())
        changed = tmp / "example.com.zone"
        text = (dnstest.ZONES_DIR / "example.com.zone").read_text()
        self.assertIn("192.0.2.80", text)
        self.assertEqual(text.count("60 IN A   192.0.2.9"), 2)
        changed.write_text(text.replace("192.0.2.80", "192.0.2.99")
                           .replace("60 IN A   192.0.2.9", "61 IN A   192.0.2.9"))
        zones = [dnstest.Zone("example.com.", changed)] + ZONES[1:]
        ref = self.start_server(dnstest.Knot(ZONES))
        sub = self.start_server(dnstest.Knot(zones, name="knot-changed"))
        cases = [D.Case("www.example.com.", "A"), D.Case("cname.example.com.", "A"),
                 D.Case("mx.example.com.", "MX"), D.Case("ttl.example.com.", "A"),
                 D.Case("nothere.example.com.", "A")]
        mism, used, replies = D.run(ref, sub, cases, ALLOWANCES)
        fields = sorted({(m.case.qname, m.field) for m in mism})
        self.assertEqual(fields, [("cname.example.com.", "answer"),
                                  ("mx.example.com.", "additional"),
                                  ("ttl.example.com.", "answer"),
                                  ("www.example.com.", "answer")],
                         D.report(mism, replies, ref, sub))

    def id_dir(self):
        d = dnstest.make_temp_dir("dnstest-selftest-")
        self.addCleanup(shutil.rmtree, d, True)
        return d


if __name__ == "__main__":
    unittest.main()
