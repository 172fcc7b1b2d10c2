"""The command line: --help everywhere, `checkzone` on good and bad zones,
configuration errors, and `ctl` against a running server (tandem only).

Contract: `tandem checkzone ORIGIN FILE` exits 0 on a valid zone and 1 with
`file:line: message` lines on stderr otherwise; a bad configuration makes
`tandem serve` exit non-zero naming file:line and the key; `tandem ctl -c
CONFIG status|zone-status|reload|stop` talks to the running server.

The bad zones (tests/data/zones/bad/*.zone) say in their second line which
line the error is on (`; expect-line: N [M...]` or `none`); BadZoneData
checks that named-checkzone rejects each of them, so the data is right.
"""

import re
import subprocess
import time
import unittest
from pathlib import Path

import dnstest

BAD_DIR = dnstest.ZONES_DIR / "bad"


def bad_zones():
    """(path, [expected lines] or None, description) for every bad zone."""
    out = []
    for p in sorted(BAD_DIR.glob("*.zone")):
        lines = p.read_text().splitlines()
        desc = lines[0].lstrip("; ")
        m = re.match(r";\s*expect-line:\s*(.*)", lines[1])
        assert m, "%s: second line must be '; expect-line: N'" % p
        spec = m.group(1).split()
        out.append((p, None if spec == ["none"] else [int(x) for x in spec], desc))
    return out


def run(args, wait=20.0, **kw):
    return subprocess.run([str(dnstest.tandem_bin())] + list(args), capture_output=True,
                          text=True, timeout=dnstest.timeout(wait), stdin=subprocess.DEVNULL,
                          **kw)


def location_re(path, line):
    """`path:line:` with the path as given, or its file name after a separator."""
    return re.compile(r"(%s|(^|[\s'\"(/])%s):%d:" % (re.escape(str(path)), re.escape(
        Path(path).name), line), re.M)


class BadZoneData(unittest.TestCase):
    """The bad zones are bad for a reference tool too, at the stated line."""

    def test_named_checkzone_rejects_bad_zones(self):
        if not dnstest.have_program("named-checkzone"):
            self.skipTest("named-checkzone is not installed")
        for path, lines, desc in bad_zones():
            with self.subTest(zone=path.name):
                r = subprocess.run([dnstest.program("named-checkzone"), "example.com", str(path)],
                                   capture_output=True, text=True, timeout=20)
                self.assertNotEqual(r.returncode, 0, "%s accepted: %s" % (path.name, desc))
                out = r.stdout + r.stderr
                # named gives no line for a few errors; where it does, it must be ours.
                found = [int(n) for n in re.findall(r"%s:(\d+):" % re.escape(path.name), out)]
                if lines and found:
                    self.assertTrue(set(found) & set(lines),
                                    "%s: named reports lines %s, file says %s" % (
                                        path.name, found, lines))

    def test_good_zones_are_good(self):
        if not dnstest.have_program("named-checkzone"):
            self.skipTest("named-checkzone is not installed")
        for z in dnstest.test_zones():
            r = subprocess.run([dnstest.program("named-checkzone"), "-i", "none", z.origin,
                                str(z.path)], capture_output=True, text=True, timeout=20)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


class TandemCase(dnstest.DnsTestCase):
    def setUp(self):
        if not dnstest.have_tandem():
            self.skipTest("tandem binary not found at %s (set TANDEM_BIN)" % dnstest.tandem_bin())


class Help(TandemCase):

    def test_help_everywhere(self):
        for args in (["--help"], ["serve", "--help"], ["checkzone", "--help"],
                     ["ctl", "--help"]):
            with self.subTest(args=args):
                r = run(args)
                self.assertEqual(r.returncode, 0, "%s: exit %d\n%s%s" % (
                    args, r.returncode, r.stdout, r.stderr))
                out = r.stdout + r.stderr
                self.assertRegex(out.lower(), "usage", "%s printed no usage:\n%s" % (args, out))
                if len(args) > 1:
                    self.assertIn(args[0], out, "usage of %s does not name it" % args[0])

    def test_unknown_subcommand_fails(self):
        r = run(["no-such-subcommand"])
        self.assertNotEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertTrue(r.stderr.strip(), "no message on stderr")


class CheckZone(TandemCase):

    def test_good_zones(self):
        for z in dnstest.test_zones():
            with self.subTest(zone=z.origin):
                r = run(["checkzone", z.origin, str(z.path)])
                self.assertEqual(r.returncode, 0, "%s rejected:\n%s%s" % (
                    z.path, r.stdout, r.stderr))

    def test_bad_zones(self):
        for path, lines, desc in bad_zones():
            with self.subTest(zone=path.name):
                r = run(["checkzone", "example.com.", str(path)])
                self.assertEqual(r.returncode, 1, "%s (%s): exit %d, expected 1\n%s" % (
                    path.name, desc, r.returncode, r.stderr))
                self.assertTrue(r.stderr.strip(), "%s: nothing on stderr" % path.name)
                if lines is None:
                    continue
                ok = [n for n in lines if location_re(path, n).search(r.stderr)]
                self.assertTrue(ok, "%s (%s): stderr has no '%s:%s: message' line:\n%s" % (
                    path.name, desc, path, "|".join(map(str, lines)), r.stderr))
                # The location is followed by a message.
                m = location_re(path, ok[0]).search(r.stderr)
                rest = r.stderr[m.end():].split("\n", 1)[0]
                self.assertTrue(rest.strip(), "%s: no message after file:line" % path.name)

    def test_missing_file(self):
        r = run(["checkzone", "example.com.", "/nonexistent/tandem/zone"])
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("/nonexistent/tandem/zone", r.stderr)


class ConfigErrors(TandemCase):
    """A bad configuration: exit non-zero, stderr names file:line and the key."""

    CASES = [
        # (name, yaml text, line, key)
        ("unknown key", 'server:\n  listen: [ "127.0.0.1@{port}" ]\n  lissen: 5\n', 3,
         "lissen"),
        ("bad listen address", 'server:\n  listen: [ "300.1.2.3@{port}" ]\n', 2, "listen"),
        ("workers not a number", 'server:\n  listen: [ "127.0.0.1@{port}" ]\n'
         '  workers: many\n', 3, "workers"),
        ("misspelt zone key", 'server:\n  listen: [ "127.0.0.1@{port}" ]\nzone:\n'
         '  - domain: example.com.\n    flie: /tmp/x.zone\n', 5, "flie"),
        ("zone without file", 'server:\n  listen: [ "127.0.0.1@{port}" ]\nzone:\n'
         '  - domain: example.com.\n', 4, "file"),
        ("unknown top-level section", 'server:\n  listen: [ "127.0.0.1@{port}" ]\n'
         'zones:\n  - domain: example.com.\n', 3, "zones"),
    ]

    def test_bad_configs(self):
        d = dnstest.make_temp_dir("dnstest-config-")
        self.addCleanup(dnstest.shutil.rmtree, d, True)
        port = dnstest.free_port()
        for name, text, line, key in self.CASES:
            with self.subTest(case=name):
                cfg = d / ("%s.yaml" % name.replace(" ", "-"))
                cfg.write_text(text.format(port=port))
                try:
                    r = run(["serve", "-c", str(cfg)], wait=10)
                except subprocess.TimeoutExpired:
                    self.fail("%s: tandem serve kept running with a bad config" % name)
                self.assertNotEqual(r.returncode, 0, "%s: exit 0" % name)
                self.assertRegex(r.stderr, location_re(cfg, line),
                                 "%s: stderr does not name %s:%d" % (name, cfg, line))
                self.assertIn(key, r.stderr, "%s: stderr does not name the key" % name)

    def test_yaml_syntax_error(self):
        d = dnstest.make_temp_dir("dnstest-config-")
        self.addCleanup(dnstest.shutil.rmtree, d, True)
        cfg = d / "broken.yaml"
        cfg.write_text('server:\n  listen: [ "127.0.0.1@53"\n  workers: 1\n')
        r = run(["serve", "-c", str(cfg)], wait=10)
        self.assertNotEqual(r.returncode, 0)
        self.assertRegex(r.stderr, re.compile(r"%s:\d+" % re.escape(cfg.name)), r.stderr)

    def test_missing_config(self):
        r = run(["serve", "-c", "/nonexistent/tandem.yaml"], wait=10)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("/nonexistent/tandem.yaml", r.stderr)


class Ctl(TandemCase):

    def test_ctl_commands(self):
        srv = dnstest.Tandem([], name="ctl")
        path = srv.dir / "ctl.test.zone"
        path.write_text("$ORIGIN ctl.test.\n@ 300 IN SOA ns h 1 3600 600 86400 60\n"
                        "@ 300 IN NS ns\nns 300 IN A 192.0.2.1\n")
        srv.zones = [dnstest.Zone("ctl.test.", path),
                     dnstest.Zone("example.com.", dnstest.ZONES_DIR / "example.com.zone")]
        self.start_server(srv)

        r = srv.ctl("status")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertTrue(r.stdout.strip(), "status printed nothing")

        r = srv.ctl("zone-status")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        for origin in ("ctl.test", "example.com"):
            self.assertIn(origin, r.stdout, "zone-status does not list %s" % origin)

        path.write_text(path.read_text().replace(" 1 3600", " 2 3600"))
        r = srv.ctl("reload")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        deadline = time.monotonic() + dnstest.timeout(10)
        serial = None
        while time.monotonic() < deadline:
            q = srv.query("ctl.test.", "SOA", wait=0.5)
            serial = q.msg.answer[0][0].serial if q.msg is not None and q.msg.answer else None
            if serial == 2:
                break
            time.sleep(0.1)
        self.assertEqual(serial, 2, "ctl reload did not load the new serial")

        r = srv.ctl("no-such-command")
        self.assertNotEqual(r.returncode, 0, "unknown ctl command accepted")

        r = srv.ctl("stop")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        try:
            rc = srv.proc.wait(dnstest.timeout(10))
        except subprocess.TimeoutExpired:
            self.fail("server still running 10 s after ctl stop")
        self.assertEqual(rc, 0, "exit status after ctl stop\n%s" % srv.logs())

    def test_ctl_without_server(self):
        srv = dnstest.Tandem(dnstest.test_zones()[:1], name="ctl-none")
        self.addCleanup(srv.cleanup)
        srv.port = dnstest.free_port()
        srv.write_config()
        r = srv.ctl("status")
        self.assertNotEqual(r.returncode, 0, "ctl status succeeded with no server")
        self.assertTrue(r.stderr.strip(), "no message on stderr")


if __name__ == "__main__":
    unittest.main()
