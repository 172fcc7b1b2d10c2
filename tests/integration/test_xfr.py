"""Zone transfers between Tandem and other vendors (issue 3, "Interop tests").

Every test starts its own servers on 127.0.0.1 (peers.py), all with one
hmac-sha256 TSIG key, and is bounded in time (polling, no long sleeps).

  XfrHarness*         the peers among themselves (Knot primary -> Knot, BIND
                      and NSD secondaries, BIND primary, TSIG probes against
                      Knot): checks the harness, runs without tandem.
  XfrTandemSecondary  Knot / BIND primary -> tandem: AXFR, then a change +
                      NOTIFY -> IXFR (tandem logs "IXFR ... serial A -> B").
  XfrTandemPrimary    tandem primary -> Knot / BIND / NSD: AXFR, then a
                      change + `tandem ctl reload` -> NOTIFY + IXFR.
  XfrTandemRefusals   not in ACL, no ACL, wrong key, unknown key, bad time,
                      AXFR over UDP.
  XfrTandemFailover   primary gone: the secondary answers until expire
                      (counted across a restart), answers from storage after
                      a restart, then SERVFAIL.
  XfrTandemKill9      kill -9 mid-transfer of a 200k-record zone: only whole
                      zones are ever served.

Run only these: /usr/bin/python3 tests/integration/run.py -k Xfr
Harness only:   /usr/bin/python3 tests/integration/run.py -k XfrHarness
A peer whose binary is missing makes its tests skip.
"""

import os
import re
import signal
import time
import unittest
from unittest import mock

import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.tsig

import dnstest
import peers
from peers import Acl, KEY, XfrZone

ORIGIN = "xfr.test."

V1 = ["www IN A 192.0.2.1", "old IN A 192.0.2.2", "@ IN MX 10 www", 'txt IN TXT "v1"']
# Version 2: `old` removed, `new` added, the TXT changed, `www` kept.
V2 = ["www IN A 192.0.2.1", "new IN A 192.0.2.3", "@ IN MX 10 www", 'txt IN TXT "v2"']


def ixfr_query(origin, serial):
    """IXFR query with the client's SOA in the authority section (RFC 1995 §3)."""
    q = dns.message.make_query(origin, "IXFR")
    soa = dns.rrset.from_text(origin, 0, "IN", "SOA",
                              "ns.%s hostmaster.%s %d 1 1 1 1" % (origin, origin, serial))
    q.authority.append(soa)
    return q


def subject():
    """The server the XfrTandem* tests are about: tandem, or XFR_SUBJECT=knot
    to check the tests themselves against Knot (tandem's log format is then
    not checked)."""
    kind = os.environ.get("XFR_SUBJECT", "tandem").lower()
    if kind not in ("tandem", "knot"):
        raise RuntimeError("XFR_SUBJECT must be tandem or knot")
    return peers.PEERS[kind]


class XfrCase(dnstest.DnsTestCase):
    """Shared steps: zone directory, starting peers, checking contents."""

    def setUp(self):
        self.zdir = dnstest.make_temp_dir("dnstest-xfrzones-")
        self.addCleanup(self._rm_zdir)
        self.zpath = self.zdir / ("%szone" % ORIGIN)

    def _rm_zdir(self):
        if not self._test_failed() and not os.environ.get("DNSTEST_KEEP"):
            import shutil
            shutil.rmtree(self.zdir, ignore_errors=True)

    def need(self, cls):
        srv_reason = cls.available(cls.__new__(cls))
        if srv_reason:
            self.skipTest(srv_reason)

    def need_tandem(self):
        """Skip unless the subject (tandem, or XFR_SUBJECT) can run; returns its class."""
        cls = subject()
        self.need(cls)
        return cls

    def make_pair(self, primary_cls, secondary_cls, timers=peers.SOA_TIMERS, records=V1,
                  serial=10, secondary_can_transfer=True):
        """A primary serving ORIGIN from self.zpath that NOTIFYs a secondary
        pulling from it; neither started."""
        self.need(primary_cls)
        self.need(secondary_cls)
        peers.write_zone(self.zpath, ORIGIN, serial, records, timers)
        pz = XfrZone(ORIGIN, path=str(self.zpath))
        primary = primary_cls([pz], name="%s-primary" % primary_cls.kind)
        acls = [Acl(actions=["notify"])]
        if secondary_can_transfer:
            acls.append(Acl(actions=["transfer"]))
        sz = XfrZone(ORIGIN, primaries=[primary], acls=acls)
        secondary = secondary_cls([sz], name="%s-secondary" % secondary_cls.kind)
        pz.notify.append(secondary)
        return primary, secondary

    def assertSameZone(self, a, b, origin=ORIGIN):
        """AXFR (signed) from both servers gives the same records."""
        za = peers.rr_texts(peers.axfr(a.addr, origin))
        zb = peers.rr_texts(peers.axfr(b.addr, origin))
        self.assertEqual(za, zb, "%s and %s differ for %s" % (a.name, b.name, origin))
        return za

    def a_records(self, srv, name):
        r = srv.query(name + "." + ORIGIN, "A", wait=1.0)
        self.assertIsNotNone(r.msg, "%s: %s" % (srv.name, r))
        return r.msg.rcode(), sorted(rd.address for rrset in r.msg.answer
                                     if rrset.rdtype == dns.rdatatype.A for rd in rrset)

    def check_v1(self, srv, serial=10):
        self.assertEqual(srv.serial(ORIGIN), serial, "%s serial" % srv.name)
        self.assertEqual(self.a_records(srv, "old"), (dns.rcode.NOERROR, ["192.0.2.2"]))
        self.assertEqual(self.a_records(srv, "new")[0], dns.rcode.NXDOMAIN)

    def check_v2(self, srv, serial=11):
        self.assertEqual(srv.serial(ORIGIN), serial, "%s serial" % srv.name)
        self.assertEqual(self.a_records(srv, "new"), (dns.rcode.NOERROR, ["192.0.2.3"]))
        self.assertEqual(self.a_records(srv, "old")[0], dns.rcode.NXDOMAIN)
        r = srv.query("txt." + ORIGIN, "TXT")
        self.assertEqual([rd.to_text() for rrset in r.msg.answer for rd in rrset], ['"v2"'])

    def transfer_and_change(self, primary, secondary, ixfr_log=True):
        """Initial AXFR, then a change at the primary + reload: the secondary
        reaches the new serial by NOTIFY within a few seconds, the contents
        match, and (if ixfr_log) its log shows an IXFR."""
        self.start_server(primary)
        self.start_server(secondary, ready_timeout=15)
        secondary.wait_serial(ORIGIN, 10, 10)
        self.check_v1(secondary)
        self.assertSameZone(primary, secondary)

        mark = secondary.log_mark()
        peers.write_zone(self.zpath, ORIGIN, 11, V2)
        t0 = time.monotonic()
        primary.reload_zone(ORIGIN)
        primary.wait_serial(ORIGIN, 11, 10)
        # SOA refresh is 3600 s: only the NOTIFY can make this happen in time.
        secondary.wait_serial(ORIGIN, 11, 8)
        took = time.monotonic() - t0
        self.check_v2(secondary)
        self.assertSameZone(primary, secondary)
        if ixfr_log:
            peers.wait_for("%s to show an incoming IXFR" % secondary.name,
                           lambda: secondary.saw_ixfr_in(mark), 5, server=secondary)
        if dnstest.SLOW == 1:
            self.assertLess(took, 8.0)
        self.check_ixfr_answer(primary)

    def check_ixfr_answer(self, primary):
        """The primary answers IXFR from serial 10 incrementally (RFC 1995 §4):
        SOA 11, SOA 10, the deletions, SOA 11, the additions, SOA 11."""
        q = ixfr_query(ORIGIN, 10)
        q.use_tsig(KEY.keyring(), keyname=KEY.name + ".", algorithm=KEY.algorithm + ".")
        r = dnstest.send(primary.addr, q.to_wire(), tcp=True, wait=3)
        self.assertIsNotNone(r.wire, "%s: no answer to IXFR" % primary.name)
        m = dns.message.from_wire(r.wire, keyring=KEY.keyring(), request_mac=q.mac, xfr=True,
                                  one_rr_per_rrset=True)
        self.assertEqual(m.rcode(), dns.rcode.NOERROR, "%s IXFR: %s" % (primary.name, m))
        rrs = [(rr.name.to_text(), rr.rdtype, rr[0].to_text()) for rr in m.answer]
        soa = [i for i, x in enumerate(rrs) if x[1] == dns.rdatatype.SOA]
        serials = [int(rrs[i][2].split()[2]) for i in soa]
        self.assertEqual(serials, [11, 10, 11, 11], "%s: not an incremental IXFR 10 -> 11:\n%s"
                         % (primary.name, m))
        deleted = sorted(x[2] for x in rrs[soa[1] + 1:soa[2]])
        added = sorted(x[2] for x in rrs[soa[2] + 1:soa[3]])
        self.assertEqual((deleted, added), (['"v1"', "192.0.2.2"], ['"v2"', "192.0.2.3"]),
                         "%s IXFR 10 -> 11:\n%s" % (primary.name, m))


# ----------------------------------------------------------------- harness self-tests

class XfrHarnessPrimaries(XfrCase):
    """The peer primaries serve signed AXFR; our clients read it."""

    def _primary_serves(self, cls):
        self.need(cls)
        peers.write_zone(self.zpath, ORIGIN, 10, V1)
        p = self.start_server(cls([XfrZone(ORIGIN, path=str(self.zpath))],
                                  name="%s-primary" % cls.kind))
        rrs = peers.axfr(p.addr, ORIGIN)
        self.assertEqual(len(rrs), peers.zone_record_count(V1))
        res = peers.raw_xfr_count(p.addr, ORIGIN, key=KEY)
        self.assertTrue(res.complete, res)
        self.assertEqual((res.first_serial, res.last_serial, res.records),
                         (10, 10, peers.zone_record_count(V1) + 1))
        # Without the key the ACL does not match.
        res = peers.raw_xfr_count(p.addr, ORIGIN, key=None)
        self.assertIn(res.rcode, (dns.rcode.REFUSED, dns.rcode.NOTAUTH), res)
        if dnstest.have_program("kdig"):
            import subprocess
            r = subprocess.run([dnstest.program("kdig"), "-p", str(p.port), "@127.0.0.1",
                                "-y", "%s:%s:%s" % (KEY.algorithm, KEY.name, KEY.secret),
                                "AXFR", ORIGIN, "+noall", "+answer"],
                               capture_output=True, text=True, timeout=10)
            lines = [line for line in r.stdout.splitlines() if line and not line.startswith(";")]
            self.assertEqual(len(lines), peers.zone_record_count(V1) + 1, r.stdout + r.stderr)
        return p

    def test_knot_primary_axfr_tsig(self):
        self._primary_serves(peers.KnotPeer)

    def test_bind_primary_axfr_tsig(self):
        self._primary_serves(peers.BindPeer)


class XfrHarnessSecondaries(XfrCase):
    """Knot, BIND and NSD pull from a Knot primary (AXFR, then NOTIFY+IXFR)."""

    def test_knot_to_knot(self):
        p, s = self.make_pair(peers.KnotPeer, peers.KnotPeer)
        self.transfer_and_change(p, s)

    def test_knot_to_bind(self):
        p, s = self.make_pair(peers.KnotPeer, peers.BindPeer)
        self.transfer_and_change(p, s)

    def test_knot_to_nsd(self):
        p, s = self.make_pair(peers.KnotPeer, peers.NsdPeer)
        self.transfer_and_change(p, s, ixfr_log=False)
        # NSD does not name the transfer type; Knot, as the primary, does.
        p.wait_log(r"IXFR, outgoing.*(finished|started)", 5)

    def test_bind_to_knot(self):
        p, s = self.make_pair(peers.BindPeer, peers.KnotPeer)
        self.transfer_and_change(p, s)


class XfrHarnessTsigProbes(XfrCase):
    """The refusal probes of XfrTandemRefusals get the RFC 8945 answers from
    Knot, so they test what they claim to."""

    def test_probes_against_knot(self):
        self.need(peers.KnotPeer)
        peers.write_zone(self.zpath, ORIGIN, 10, V1)
        p = self.start_server(peers.KnotPeer([XfrZone(ORIGIN, path=str(self.zpath))]))
        Probes(self, p.addr, ORIGIN).tsig_errors()


class XfrHarnessProxy(XfrCase):
    """GateProxy holds a 200k-record AXFR from Knot half-way and lets it go."""

    def test_proxy_holds_big_axfr(self):
        import threading
        self.need(peers.KnotPeer)
        big = big_records(BIG, 2)
        peers.write_zone(self.zpath, ORIGIN, 2, big, KILL_TIMERS)
        knot = self.start_server(peers.KnotPeer([XfrZone(ORIGIN, path=str(self.zpath))]),
                                 ready_timeout=30)
        direct = peers.raw_xfr_count(knot.addr, ORIGIN, key=KEY, wait=10)
        self.assertTrue(direct.complete, direct)
        self.assertEqual(direct.records, peers.zone_record_count(big) + 1)
        proxy = peers.GateProxy(knot.addr).start()
        self.addCleanup(proxy.stop)
        self.assertEqual(peers.Peer.serial(proxy, ORIGIN), 2)       # UDP relayed
        proxy.hold_after(direct.bytes // 2)
        out = {}
        th = threading.Thread(target=lambda: out.setdefault(
            "r", peers.raw_xfr_count(proxy.addr, ORIGIN, key=KEY, wait=10)))
        th.start()
        peers.wait_for("the proxy to hold the stream", proxy.held.is_set, 10)
        time.sleep(0.3)
        self.assertTrue(th.is_alive(), "the transfer ended while held: %s" % out)
        self.assertLessEqual(proxy.forwarded, direct.bytes // 2)
        proxy.release()
        th.join(20)
        self.assertEqual((out["r"].complete, out["r"].records), (True, direct.records),
                         out["r"])


class Probes:
    """Transfer requests that must be refused, and how."""

    def __init__(self, tc, addr, origin):
        self.tc = tc
        self.addr = addr
        self.origin = origin

    def send_tcp(self, q):
        r = dnstest.send(self.addr, q.to_wire(), tcp=True, wait=3)
        self.tc.assertIsNotNone(r.wire, "no answer to %s over TCP" % q.question)
        return r.wire

    def signed(self, key, rdtype="AXFR", shift=0):
        q = dns.message.make_query(self.origin, rdtype) if rdtype == "AXFR" else \
            ixfr_query(self.origin, 1)
        q.use_tsig(key.keyring(), keyname=key.name + ".", algorithm=key.algorithm + ".")
        if not shift:
            return q.to_wire()

        class Shifted:
            @staticmethod
            def time():
                return time.time() + shift
        with mock.patch.object(dns.message, "time", Shifted):
            return q.to_wire()

    def expect_tsig_error(self, wire, error, what):
        r = dnstest.send(self.addr, wire, tcp=True, wait=3)
        self.tc.assertIsNotNone(r.wire, "%s: no answer" % what)
        rc = peers.rcode_of(r.wire)
        tsig = peers.tsig_of(r.wire)
        self.tc.assertEqual(dns.rcode.to_text(rc), "NOTAUTH", "%s: rcode\n%s" % (what, r))
        self.tc.assertIsNotNone(tsig, "%s: NOTAUTH without a TSIG record (RFC 8945 §5.2)"
                                % what)
        self.tc.assertEqual(dns.rcode.to_text(tsig.error), dns.rcode.to_text(error),
                            "%s: TSIG error" % what)
        return tsig

    def tsig_errors(self):
        # Positive control: the right key at the right time works.
        res = peers.raw_xfr_count(self.addr, self.origin, key=KEY)
        self.tc.assertTrue(res.complete, res)
        wrong_secret = peers.TsigKey(KEY.name, KEY.algorithm)
        self.expect_tsig_error(self.signed(wrong_secret), dns.rcode.BADSIG, "wrong secret")
        unknown = peers.TsigKey("no-such-key", KEY.algorithm)
        self.expect_tsig_error(self.signed(unknown), dns.rcode.BADKEY, "unknown key name")
        tsig = self.expect_tsig_error(self.signed(KEY, shift=3600), dns.rcode.BADTIME,
                                      "time 1 h ahead")
        # RFC 8945 §5.2.3: the BADTIME answer carries the server's time in
        # Other Data (48 bits).
        self.tc.assertEqual(len(tsig.other), 6, "BADTIME without the server's time")
        self.tc.assertLess(abs(int.from_bytes(tsig.other, "big") - time.time()), 300)
        self.expect_tsig_error(self.signed(KEY, shift=-3600), dns.rcode.BADTIME,
                               "time 1 h behind")


# ----------------------------------------------------------------- tandem as secondary

class XfrTandemSecondary(XfrCase):

    def _run(self, primary_cls):
        cls = self.need_tandem()
        p, s = self.make_pair(primary_cls, cls)
        self.start_server(p)
        mark = 0
        self.start_server(s, ready_timeout=15)
        s.wait_serial(ORIGIN, 10, 10)
        if s.kind == "tandem":
            # The first transfer has no previous serial: "serial 10" is
            # accepted as well as "serial A -> 10".
            s.wait_log(r"\b(AXFR|IXFR)\b.*serial\s+(\S+\s*->\s*)?10\b", 5, mark)
            self._peer_in_line(s, p, s.stderr_text(), 10)
        self.check_v1(s)
        self.assertSameZone(p, s)

        mark = s.log_mark()
        peers.write_zone(self.zpath, ORIGIN, 11, V2)
        p.reload_zone(ORIGIN)
        p.wait_serial(ORIGIN, 11, 10)
        s.wait_serial(ORIGIN, 11, 8)
        self.check_v2(s)
        self.assertSameZone(p, s)
        if s.kind == "tandem":
            line = s.wait_log(s.transfer_in_re("IXFR", 10, 11), 5, mark).group(0)
            self._peer_in_line(s, p, line, 11)
        else:
            peers.wait_for("an incoming IXFR", lambda: s.saw_ixfr_in(mark), 5, server=s)

    def _peer_in_line(self, s, p, text, serial):
        lines = [ln for ln in text.splitlines()
                 if re.search(r"\b(AXFR|IXFR)\b.*serial\s+(\S+\s*->\s*)?%d\b" % serial, ln)]
        self.assertTrue(any(str(p.port) in ln or ("r-%s-%d" % (p.name, p.port)) in ln
                            for ln in lines),
                        "the transfer line does not name the peer (%s): %s" % (
                            p.remote_addr(), lines))

    def test_knot_primary_to_tandem(self):
        self._run(peers.KnotPeer)

    def test_bind_primary_to_tandem(self):
        self._run(peers.BindPeer)


# ----------------------------------------------------------------- tandem as primary

class XfrTandemPrimary(XfrCase):

    def _run(self, secondary_cls, ixfr_log=True):
        cls = self.need_tandem()
        p, s = self.make_pair(cls, secondary_cls)
        self.transfer_and_change(p, s, ixfr_log=ixfr_log)
        return p, s

    def test_tandem_to_knot(self):
        self._run(peers.KnotPeer)

    def test_tandem_to_bind(self):
        self._run(peers.BindPeer)

    def test_tandem_to_nsd(self):
        # NSD's log does not name the transfer type; the serial and contents
        # are checked, and an IXFR request must have been answered (NSD asks
        # IXFR first).
        self._run(peers.NsdPeer, ixfr_log=False)


# ----------------------------------------------------------------- a chain

class XfrTandemChain(XfrCase):
    """Knot primary -> Tandem (secondary of Knot, primary for the next tier)
    -> Knot secondary: the change travels both hops by NOTIFY + IXFR, and the
    middle Tandem answers IXFR from the history it received."""

    def test_knot_tandem_knot(self):
        cls = self.need_tandem()
        self.need(peers.KnotPeer)
        peers.write_zone(self.zpath, ORIGIN, 10, V1)
        top_zone = XfrZone(ORIGIN, path=str(self.zpath))
        top = peers.KnotPeer([top_zone], name="knot-top")
        mid_zone = XfrZone(ORIGIN, primaries=[top],
                           acls=[Acl(actions=["notify"]), Acl(actions=["transfer"])])
        mid = cls([mid_zone], name="tandem-middle")
        bottom = peers.KnotPeer([XfrZone(ORIGIN, primaries=[mid],
                                         acls=[Acl(actions=["notify"]), Acl(actions=["transfer"])])],
                                name="knot-bottom")
        top_zone.notify.append(mid)
        mid_zone.notify.append(bottom)
        self.start_server(top)
        self.start_server(mid, ready_timeout=15)
        self.start_server(bottom, ready_timeout=15)
        bottom.wait_serial(ORIGIN, 10, 15)
        self.check_v1(bottom)

        mark_mid, mark_bottom = mid.log_mark(), bottom.log_mark()
        peers.write_zone(self.zpath, ORIGIN, 11, V2)
        top.reload_zone(ORIGIN)
        bottom.wait_serial(ORIGIN, 11, 15)
        self.check_v2(bottom)
        self.assertSameZone(top, bottom)
        if mid.kind == "tandem":
            mid.wait_log(mid.transfer_in_re("IXFR", 10, 11), 5, mark_mid)
            mid.wait_log(r"IXFR to .*serial 10 -> 11", 5, mark_mid)
        peers.wait_for("an incoming IXFR at the bottom", lambda: bottom.saw_ixfr_in(mark_bottom), 5,
                       server=bottom)


class XfrTandemPrimaries(XfrCase):
    """Several primaries, tried in order: the first one is down (nothing
    listens on its port), the second is a Knot primary. The zone still
    arrives, and a change still reaches the secondary by NOTIFY + IXFR."""

    class Down:
        """Stands for a primary whose server is down: a port nobody uses."""
        name = "down"

        def __init__(self):
            self.port = dnstest.free_port(("127.0.0.1",))

        def remote_addr(self):
            return "127.0.0.1@%d" % self.port

    def test_first_primary_down(self):
        cls = self.need_tandem()
        if cls is not peers.TandemPeer:
            self.skipTest("the primary list with a stand-in is tandem's config")
        self.need(peers.KnotPeer)
        peers.write_zone(self.zpath, ORIGIN, 10, V1)
        pz = XfrZone(ORIGIN, path=str(self.zpath))
        knot = peers.KnotPeer([pz], name="knot-primary")
        s = cls([XfrZone(ORIGIN, primaries=[self.Down(), knot],
                         acls=[Acl(actions=["notify"]), Acl(actions=["transfer"])])],
                name="tandem-secondary")
        pz.notify.append(s)
        self.start_server(knot)
        self.start_server(s, ready_timeout=15)
        s.wait_serial(ORIGIN, 10, 10)
        self.check_v1(s)
        mark = s.log_mark()
        peers.write_zone(self.zpath, ORIGIN, 11, V2)
        knot.reload_zone(ORIGIN)
        s.wait_serial(ORIGIN, 11, 10)
        self.check_v2(s)
        s.wait_log(s.transfer_in_re("IXFR", 10, 11), 5, mark)
        status = s.ctl("zone-status", ORIGIN).stdout
        self.assertIn("state=served", status)
        self.assertIn("serial=11", status)


# ----------------------------------------------------------------- refusals

class XfrTandemRefusals(XfrCase):

    def test_refusals(self):
        cls = self.need_tandem()
        zones = {}
        for origin, acls in (
                ("keyed.test.", [Acl()]),                                  # KEY from 127/8
                ("other.test.", [Acl(addresses=["127.0.0.2/32"], key=None)]),
                ("noacl.test.", [])):
            path = self.zdir / (origin + "zone")
            peers.write_zone(path, origin, 5, V1)
            zones[origin] = XfrZone(origin, path=str(path), acls=acls)
        p = self.start_server(cls(list(zones.values()), name="%s-refusals" % cls.kind))

        # TSIG: wrong secret BADSIG, unknown key BADKEY, time off BADTIME.
        Probes(self, p.addr, "keyed.test.").tsig_errors()
        # Unsigned to a zone whose ACL requires the key.
        res = peers.raw_xfr_count(p.addr, "keyed.test.", key=None)
        self.assertIn(res.rcode, (dns.rcode.REFUSED, dns.rcode.NOTAUTH), res)

        # Knot answers NOTAUTH to a transfer its ACL denies; tandem must say
        # REFUSED (RFC 5936 §5.2 allows either; the issue asks for REFUSED).
        refused = ("REFUSED",) if p.kind == "tandem" else ("REFUSED", "NOTAUTH")
        # Address not in the ACL (only 127.0.0.2/32 may; we are 127.0.0.1).
        for rdtype in ("AXFR", "IXFR"):
            with self.subTest(zone="other.test.", qtype=rdtype):
                q = dns.message.make_query("other.test.", "AXFR") if rdtype == "AXFR" \
                    else ixfr_query("other.test.", 1)
                wire = Probes(self, p.addr, "other.test.").send_tcp(q)
                self.assertIn(dns.rcode.to_text(peers.rcode_of(wire)), refused)
        # No ACL at all: transfers are refused by default, signed or not.
        for rdtype in ("AXFR", "IXFR"):
            for key in (None, KEY):
                with self.subTest(zone="noacl.test.", qtype=rdtype, signed=key is not None):
                    q = dns.message.make_query("noacl.test.", "AXFR") if rdtype == "AXFR" \
                        else ixfr_query("noacl.test.", 1)
                    if key:
                        q.use_tsig(key.keyring(), keyname=key.name + ".",
                                   algorithm=key.algorithm + ".")
                    r = dnstest.send(p.addr, q.to_wire(), tcp=True, wait=3)
                    self.assertIsNotNone(r.wire)
                    self.assertIn(dns.rcode.to_text(peers.rcode_of(r.wire)), refused)
        # AXFR over UDP: never the zone (RFC 5936 §4.2: TCP only).
        for origin in ("keyed.test.", "noacl.test."):
            with self.subTest(axfr_udp=origin):
                q = dns.message.make_query(origin, "AXFR")
                if origin == "keyed.test.":
                    q.use_tsig(KEY.keyring(), keyname=KEY.name + ".",
                               algorithm=KEY.algorithm + ".")
                r = dnstest.send(p.addr, q.to_wire(), tcp=False, wait=2)
                self.assertIsNotNone(r.wire, "AXFR over UDP got no answer at all")
                _, rrs = peers.walk_rrs(r.wire)
                answers = [x for x in rrs if x[0] == 1]
                self.assertEqual(answers, [], "AXFR over UDP answered with records")
                tc = bool(r.wire[2] & 0x02)
                self.assertTrue(peers.rcode_of(r.wire) != dns.rcode.NOERROR or tc,
                                "AXFR over UDP answered NOERROR without TC")
        self.assertAlive(p)


# ----------------------------------------------------------------- failover

EXPIRE = 8
FAST_TIMERS = (1, 1, EXPIRE, 60)


class XfrTandemFailover(XfrCase):
    """Primary gone: the secondary serves until `expire` after its last good
    refresh (a restart in between does not reset that clock), then SERVFAIL."""

    def _run(self, primary_cls):
        cls = self.need_tandem()
        p, s = self.make_pair(primary_cls, cls, timers=FAST_TIMERS)
        self.start_server(p)
        self.start_server(s, ready_timeout=15)
        s.wait_serial(ORIGIN, 10, 10)
        # A couple of refreshes (every 1 s) succeed while the primary is up.
        time.sleep(1.5)
        p.stop()
        killed = time.monotonic()

        def answers_ok():
            r = s.query("www." + ORIGIN, "A", wait=0.5)
            return r.msg is not None and r.msg.rcode() == dns.rcode.NOERROR and r.msg.answer

        # Keeps answering while refreshes fail.
        while time.monotonic() < killed + 3.5:
            self.assertTrue(answers_ok(), "secondary stopped answering %.1f s after the "
                            "primary went away (expire is %d s)\n%s" % (
                                time.monotonic() - killed, EXPIRE, s.logs(40)))
            time.sleep(0.2)

        # Restart without the primary: answers from storage at once.
        rc = s.stop()
        self.assertIn(rc, (0, -signal.SIGTERM), "tandem did not stop cleanly on SIGTERM")
        restarted = time.monotonic()
        s.start(wait_ready=True, ready_timeout=2)
        self.assertLess(time.monotonic() - restarted, 2.5)
        self.assertEqual(s.serial(ORIGIN), 10)
        self.check_v1(s)

        # The expire clock ran across the restart: SERVFAIL about EXPIRE s
        # after the last successful refresh (just before `killed`), well
        # before EXPIRE s after the restart.
        first_fail = None
        deadline = killed + EXPIRE + 2.0
        while time.monotonic() < deadline:
            ok = answers_ok()
            now = time.monotonic() - killed
            if not ok:
                first_fail = now
                break
            time.sleep(0.1)
        self.assertIsNotNone(first_fail, "still answering %.1f s after the primary went "
                             "away (expire %d s; restart at %.1f s must not reset it)\n%s" % (
                                 deadline - killed, EXPIRE, restarted - killed, s.logs(40)))
        self.assertGreater(first_fail, EXPIRE - 2.5,
                           "stopped answering at %.1f s, before expire (%d s)" % (
                               first_fail, EXPIRE))
        for qname, qtype in (("www." + ORIGIN, "A"), (ORIGIN, "SOA"), ("nx." + ORIGIN, "A")):
            r = s.query(qname, qtype, wait=1.0)
            self.assertIsNotNone(r.msg, str(r))
            self.assertEqual(dns.rcode.to_text(r.msg.rcode()), "SERVFAIL",
                             "%s %s after expire:\n%s" % (qname, qtype, r))
        # And after another restart, still expired (not resurrected from storage).
        s.stop()
        s.start(wait_ready=False)
        wait_servfail = peers.wait_for(
            "SERVFAIL after restarting an expired secondary",
            lambda: (lambda r: r.msg is not None and r.msg.rcode() == dns.rcode.SERVFAIL)(
                s.query(ORIGIN, "SOA", wait=0.5)), 3, step=0.1, server=s)
        self.assertTrue(wait_servfail)

    def test_knot_primary_gone(self):
        self._run(peers.KnotPeer)

    def test_tandem_primary_gone(self):
        self._run(subject())


# ----------------------------------------------------------------- kill -9

BIG = 200000
SMALL = 1000
KILL_TIMERS = (1, 1, 3600, 60)


def big_records(n, tag):
    return ["h%06d IN A 10.%d.%d.%d" % (i, tag, (i >> 8) & 255, i & 255) for i in range(n)]


class XfrTandemKill9(XfrCase):
    """kill -9 of a tandem secondary while it transfers a 200k-record zone
    from Knot (through a proxy that holds the stream half-way, so the kill
    lands mid-transfer for certain): after a restart it serves either the old
    or the new zone, complete."""

    def test_kill9_mid_transfer(self):
        cls = self.need_tandem()
        self.need(peers.KnotPeer)
        small = big_records(SMALL, 1)
        big = big_records(BIG, 2)
        expected = {1: peers.zone_record_count(small), 2: peers.zone_record_count(big)}
        peers.write_zone(self.zpath, ORIGIN, 1, small, KILL_TIMERS)
        pz = XfrZone(ORIGIN, path=str(self.zpath))
        knot = peers.KnotPeer([pz], name="knot-primary")
        proxy = peers.GateProxy(knot.addr)
        sz = XfrZone(ORIGIN, primaries=[proxy],
                     acls=[Acl(actions=["notify"]), Acl(key=None, actions=["transfer"])])
        s = cls([sz], name="%s-secondary" % cls.kind)
        pz.notify.append(s)
        self.start_server(knot)
        proxy.start()
        self.addCleanup(proxy.stop)
        self.start_server(s, ready_timeout=15)
        s.wait_serial(ORIGIN, 1, 10)
        self.check_whole(s, expected)

        peers.write_zone(self.zpath, ORIGIN, 2, big, KILL_TIMERS)
        knot.reload_zone(ORIGIN)
        knot.wait_serial(ORIGIN, 2, 20)

        # Kill points: a third of the way into the stream, two thirds, and
        # just after the last octet went out (while tandem parses, applies and
        # writes). The hold for the next point is set before each restart, so
        # the transfer the restarted secondary starts cannot run past it.
        size = peers.raw_xfr_count(knot.addr, ORIGIN, key=KEY, wait=10).bytes
        self.assertGreater(size, BIG * 15)
        points = [size // 3, 2 * size // 3, None]
        proxy.hold_after(points[0])
        for i, limit in enumerate(points):
            with self.subTest(kill_point=limit or "after the stream"):
                if limit is not None:
                    peers.wait_for("the transfer to reach octet %d" % limit,
                                   proxy.held.is_set, 15, server=s)
                else:
                    peers.wait_for("the whole stream to go out",
                                   lambda: proxy.forwarded > size * 0.95, 15, server=s)
                    time.sleep(0.02)
                s.kill9()
                if i + 1 < len(points) and points[i + 1] is not None:
                    proxy.hold_after(points[i + 1])
                else:
                    proxy.release()
                s.start(wait_ready=True, ready_timeout=3)   # from storage, at once
                self.check_whole(s, expected)
                self.check_storage(s)

        # Finally the new zone arrives, whole, and once stored (tandem logs
        # it: the copy on disk is written after the zone is served, so a kill
        # before that restarts from the previous version, as checked above),
        # it survives kill -9 as well.
        proxy.release()
        mark = s.log_mark()
        s.wait_serial(ORIGIN, 2, 20)
        self.assertEqual(self.check_whole(s, expected), 2)
        if s.kind == "tandem":
            s.wait_log(r"serial 2 stored", 20, mark)
        s.kill9()
        s.start(wait_ready=True, ready_timeout=3)
        self.assertEqual(self.check_whole(s, expected), 2)
        self.check_storage(s)

    def check_whole(self, s, expected):
        serial = s.serial(ORIGIN, wait=1.0)
        self.assertIn(serial, expected, "serial after restart")
        res = peers.raw_xfr_count(s.addr, ORIGIN, key=None, wait=10)
        self.assertTrue(res.complete, "AXFR from the restarted secondary: %s" % res)
        self.assertEqual(res.first_serial, res.last_serial)
        self.assertIn(res.first_serial, expected)
        self.assertEqual(res.records, expected[res.first_serial] + 1,
                         "zone with serial %d has %d records, expected %d: a partial zone" % (
                             res.first_serial, res.records - 1, expected[res.first_serial]))
        n = SMALL if res.first_serial == 1 else BIG
        self.assertEqual(self.a_records(s, "h%06d" % (n - 1))[0], dns.rcode.NOERROR)
        self.assertEqual(self.a_records(s, "h%06d" % n)[0], dns.rcode.NXDOMAIN)
        self.assertEqual(self.a_records(s, "h000000")[1],
                         ["10.%d.0.0" % (1 if res.first_serial == 1 else 2)])
        return res.first_serial

    def check_storage(self, s):
        in_use = peers.open_files_under(s.proc.pid, s.storage)
        half = [f for f in in_use if peers.TEMP_NAME_RE.search(os.path.basename(f))
                or f.endswith(" (deleted)")]
        self.assertEqual(half, [], "tandem serves from temporary or deleted files in "
                         "storage: %s (all files: %s)" % (half, sorted(
                             str(x) for x in s.storage.rglob("*"))))


if __name__ == "__main__":
    unittest.main()
