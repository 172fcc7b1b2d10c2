"""SIGHUP reload (contract: SIGHUP re-reads the configuration and changed
zone files; a zone file that fails to load keeps the previous version
serving and logs `file:line: message` on stderr).

Runs against tandem, or DNSTEST_SUBJECT=knot|nsd to validate the test (the
stderr format is checked for tandem only; NSD does not re-read its zone list
on SIGHUP, so the new-zone step runs for tandem and Knot)."""

import os
import re
import time
import unittest

import dns.rcode
import dns.rdatatype

import dnstest

ZONE = """$ORIGIN reload.test.
$TTL 300
@    IN SOA ns.reload.test. hostmaster.reload.test. {serial} 3600 600 86400 60
     IN NS  ns.reload.test.
ns   IN A   192.0.2.2
www  IN A   {www}
{extra}
"""


def write_zone(path, serial, www, extra=""):
    path.write_text(ZONE.format(serial=serial, www=www, extra=extra))
    # Servers notice a changed file by its mtime; make each version's
    # distinct even within one second.
    t = time.time() + serial
    os.utime(path, (t, t))


def line_of(text, needle):
    for i, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError("%r not in zone text" % needle)


class ReloadTest(dnstest.DnsTestCase):

    def setUp(self):
        reason = dnstest.subject_unavailable()
        if reason:
            self.skipTest(reason)
        self.cls = dnstest.subject_class()

    def serial(self, srv, origin="reload.test."):
        r = srv.query(origin, "SOA", wait=0.5)
        if r.msg is None or not r.msg.answer:
            return None
        return r.msg.answer[0][0].serial

    def wait_serial(self, srv, want, seconds=10.0):
        deadline = time.monotonic() + dnstest.timeout(seconds)
        got = None
        while time.monotonic() < deadline:
            got = self.serial(srv)
            if got == want:
                return
            self.assertAlive(srv, "while waiting for serial %d" % want)
            time.sleep(0.1)
        self.fail("serial %s, expected %d after reload\n%s" % (got, want, srv.logs()))

    def a(self, srv, name):
        r = srv.query(name, "A")
        self.assertIsNotNone(r.msg, str(r))
        return sorted(rd.address for rrset in r.msg.answer
                      if rrset.rdtype == dns.rdatatype.A for rd in rrset)

    def test_reload_changed_and_broken_zone(self):
        if self.cls is dnstest.Nsd:
            # Observed with NSD 4.6: after a reload with a broken file the zone
            # is no longer served at all (SERVFAIL), unlike Knot and the contract.
            self.skipTest("NSD does not keep serving the old zone when the new file is broken")
        # The zone lives in a directory of our own: tests/data is not written.
        srv = self.cls([], name="reload-%s" % self.cls.kind)
        path = srv.dir / "reload.test.zone"
        write_zone(path, 1, "192.0.2.1")
        srv.zones = [dnstest.Zone("reload.test.", path)]
        self.start_server(srv)
        self.assertEqual(self.serial(srv), 1)

        # 1. A changed zone file is served after SIGHUP.
        write_zone(path, 2, "192.0.2.2", "new  IN A 192.0.2.3")
        srv.reload()
        self.wait_serial(srv, 2)
        self.assertEqual(self.a(srv, "www.reload.test."), ["192.0.2.2"])
        self.assertEqual(self.a(srv, "new.reload.test."), ["192.0.2.3"])

        # 2. A broken zone file: the old version keeps serving, the error is
        #    logged with file:line.
        write_zone(path, 3, "192.0.2.4", "bad  IN A 192.0.2.300")
        bad_line = line_of(path.read_text(), "192.0.2.300")
        log_before = len(srv.stderr_text())
        srv.reload()
        pattern = re.compile(r"%s:%d:" % (re.escape(str(path)), bad_line))
        short = re.compile(r"(^|[\s'\"(/])%s:%d:" % (re.escape(path.name), bad_line), re.M)
        deadline = time.monotonic() + dnstest.timeout(10)
        logged = False
        while time.monotonic() < deadline:
            new_log = srv.stderr_text()[log_before:]
            if pattern.search(new_log) or short.search(new_log):
                logged = True
                break
            self.assertAlive(srv, "after reloading a broken zone")
            if srv.kind != "tandem" and time.monotonic() > deadline - dnstest.timeout(8):
                break  # reference servers log in their own format
            time.sleep(0.1)
        if srv.kind == "tandem":
            self.assertTrue(logged, "no '%s:%d: message' on stderr after loading a broken "
                            "zone; stderr since the reload:\n%s" % (
                                path, bad_line, srv.stderr_text()[log_before:]))
        self.assertAlive(srv, "after reloading a broken zone")
        self.assertEqual(self.serial(srv), 2, "the previous zone version must keep serving")
        self.assertEqual(self.a(srv, "www.reload.test."), ["192.0.2.2"])

        # 3. Fixed again: reload works after a failed one.
        write_zone(path, 4, "192.0.2.5")
        srv.reload()
        self.wait_serial(srv, 4)
        self.assertEqual(self.a(srv, "www.reload.test."), ["192.0.2.5"])
        r = srv.query("new.reload.test.", "A")
        self.assertEqual(dns.rcode.to_text(r.msg.rcode()), "NXDOMAIN", str(r))

    def test_reload_config_adds_zone(self):
        if self.cls is dnstest.Nsd:
            self.skipTest("NSD re-reads its zone list with nsd-control, not SIGHUP")
        srv = self.cls([], name="reconf-%s" % self.cls.kind)
        path = srv.dir / "reload.test.zone"
        write_zone(path, 1, "192.0.2.1")
        srv.zones = [dnstest.Zone("reload.test.", path)]
        self.start_server(srv)
        r = srv.query("www.example.com.", "A")
        self.assertEqual(dns.rcode.to_text(r.msg.rcode()), "REFUSED", str(r))
        srv.zones.append(dnstest.Zone("example.com.", dnstest.ZONES_DIR / "example.com.zone"))
        srv.write_config()
        srv.reload()
        deadline = time.monotonic() + dnstest.timeout(10)
        while time.monotonic() < deadline:
            r = srv.query("www.example.com.", "A", wait=0.5)
            if r.msg is not None and r.msg.rcode() == 0 and r.msg.answer:
                break
            self.assertAlive(srv)
            time.sleep(0.1)
        else:
            self.fail("zone added to the config not served after SIGHUP: %s\n%s" % (
                r, srv.logs()))
        self.assertEqual(self.serial(srv), 1, "the other zone is still served")

    def test_sigterm_stops(self):
        srv = self.start_server(self.cls(dnstest.test_zones()[:1]))
        self.assertAnswers(srv)
        rc = srv.stop(wait=10)
        self.assertIn(rc, (0, -15), "exit status after SIGTERM\n%s" % srv.logs())



if __name__ == "__main__":
    unittest.main()
