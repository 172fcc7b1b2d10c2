"""`tandem audit` against a small internet on loopback (audit_net.py) whose
truth is known: the JSON report must match it exactly, per domain (status,
providers, nameserver names, finding codes) and in the summary; CSV and text
are sane; `rank,domain` input, `-` (stdin), bad lines with line numbers; the
same run twice gives the same report (rtt_ms aside).

Environment:
  AUDIT_TEST_DOMAINS  population size (default 3000)
  AUDIT_NET_SEED      seed of the population (default: random, printed)
  AUDIT_TIMEOUT_MS    --timeout given to the audit (default 1500)
  AUDIT_DEV=1         skip (instead of fail) when `tandem audit` does not exist yet
  AUDIT_NET_NO_KNOT / AUDIT_NET_NO_NSD  leave those servers out
"""

import csv
import io
import json
import os
import random
import re
import shutil
import subprocess
import time
import unittest

import audit_net
import dnstest

N_DOMAINS = int(os.environ.get("AUDIT_TEST_DOMAINS", "3000"))
TIMEOUT_MS = int(os.environ.get("AUDIT_TIMEOUT_MS", "1500"))
SEED = int(os.environ["AUDIT_NET_SEED"]) if os.environ.get("AUDIT_NET_SEED") else None
MAX_DIFF_LINES = 80


def audit_missing():
    """Why `tandem audit` cannot run (None: it can)."""
    if not dnstest.have_tandem():
        return "tandem binary not found at %s (set TANDEM_BIN)" % dnstest.tandem_bin()
    r = subprocess.run([str(dnstest.tandem_bin()), "audit", "--help"], capture_output=True,
                       text=True, timeout=10)
    if r.returncode != 0:
        return "`tandem audit --help` exits %d: %s" % (
            r.returncode, ((r.stderr or r.stdout).strip().splitlines() or [""])[0][:200])
    return None


def require_audit(case):
    reason = audit_missing()
    if reason:
        if os.environ.get("AUDIT_DEV") == "1":
            case.skipTest("AUDIT_DEV=1: " + reason)
        case.fail(reason)


def strip_rtt(obj):
    """The report without rtt_ms fields (the only part allowed to vary)."""
    if isinstance(obj, dict):
        return {k: strip_rtt(v) for k, v in obj.items() if k != "rtt_ms"}
    if isinstance(obj, list):
        return [strip_rtt(v) for v in obj]
    return obj


def bare_address(a):
    """'127.0.0.1', '127.0.0.1@53', '127.0.0.1#53' -> '127.0.0.1'."""
    return re.split(r"[@#]", str(a))[0]


def compare(report, truth, check_ranks=None):
    """Readable mismatch lines between a JSON report and the truth dict."""
    out = []
    got = {}
    for d in report.get("domains", []):
        got[d.get("domain")] = d
    for name in sorted(set(truth) - set(got)):
        out.append("%s [%s]: missing from the report" % (name, truth[name]["category"]))
    for name in sorted(set(got) - set(truth)):
        out.append("%r: in the report but not in the input" % (name,))
    for name in sorted(set(truth) & set(got)):
        t, g = truth[name], got[name]
        gns = sorted(str(n.get("name")) for n in g.get("nameservers") or [])
        fields = [("status", t["status"], g.get("status")),
                  ("providers", t["providers"], sorted(g.get("providers") or [])),
                  ("nameservers", t["nameservers"], gns),
                  ("findings", t["findings"],
                   sorted({f.get("code") for f in g.get("findings") or []}))]
        if check_ranks is not None:
            fields.append(("rank", check_ranks.get(name), g.get("rank")))
        for field, want, have in fields:
            if want != have:
                out.append("%s [%s]: %s: expected %s, got %s" % (
                    name, t["category"], field, want, have))
    return out


class AuditNetHarness(unittest.TestCase):
    """The test internet itself, without the audit: a naive iterative
    resolver walks it and every nameserver address behaves as the truth
    assumes (referrals, glue, CNAME'd name, REFUSED, SERVFAIL, no AA,
    timeouts, no listener, serials, expire, NS sets, AXFR open/closed)."""

    def test_net_is_what_the_truth_says(self):
        if not dnstest.have_tandem():
            self.fail("tandem binary not found at %s (set TANDEM_BIN)" % dnstest.tandem_bin())
        work = dnstest.make_temp_dir("audit-net-")
        net = audit_net.Net(work, 400, SEED)
        self.addCleanup(net.stop)
        net.start()
        print("\n  audit-net: %d domains, seed %d, up in %.2f s (knot %s, nsd %s)" % (
            len(net.plan.domains), net.seed, net.start_seconds, net.have_knot, net.have_nsd))
        problems = audit_net.verify(net, check_axfr=True)
        self.assertEqual(problems, [], "seed %d:\n%s" % (net.seed, "\n".join(problems[:50])))
        cats = {d.category for d in net.plan.domains}
        for c in ("nxdomain", "delegation-loop", "cname-nameserver", "lame-refused",
                  "lame-timeout", "lame-no-listener", "lame-no-aa", "lame-servfail",
                  "stale-same-mname", "stale-diff-mname", "ns-mismatch-child-adds",
                  "ns-mismatch-parent-extra", "all-timeout", "expire-604800"):
            self.assertIn(c, cats)
        self.assertEqual(net.alive_problems(), [])
        net.stop()
        shutil.rmtree(work, ignore_errors=True)


class AuditTest(unittest.TestCase):
    """One net for the class; the big runs are made once and shared."""

    net = None

    @classmethod
    def setUpClass(cls):
        cls.setup_error = audit_missing()
        if cls.setup_error:
            return
        cls.work = dnstest.make_temp_dir("audit-test-")
        cls.net = audit_net.Net(cls.work, N_DOMAINS, SEED)
        try:
            cls.net.start()
        except BaseException:
            cls.net = None
            raise
        print("\n  audit-net: %d domains, seed %d, port %d, up in %.2f s, dir %s" % (
            len(cls.net.plan.domains), cls.net.seed, cls.net.port, cls.net.start_seconds,
            cls.work), flush=True)
        cls.runs = {}

    @classmethod
    def tearDownClass(cls):
        if cls.net is not None:
            cls.net.stop()
            if os.environ.get("DNSTEST_KEEP"):
                print("\n  audit-net files kept in %s" % cls.work)
            else:
                shutil.rmtree(cls.work, ignore_errors=True)

    def setUp(self):
        require_audit(self)
        self.assertIsNotNone(self.net, "the test net did not start")

    # -- running the audit
    def audit(self, *args, domains=None, stdin=None, fmt="json", out=None, check=True):
        argv = [str(dnstest.tandem_bin()), "audit", "--root-hints", str(self.net.hints),
                "--port", str(self.net.port), "--timeout", str(TIMEOUT_MS), "--retries", "1",
                "--format", fmt]
        if out:
            argv += ["-o", str(out)]
        argv += list(args)
        argv.append(str(domains or self.net.domains_file))
        t0 = time.monotonic()
        r = subprocess.run(argv, input=stdin, capture_output=True, text=True,
                           timeout=dnstest.timeout(120))
        r.seconds = time.monotonic() - t0
        r.argv = argv
        if check:
            self.assertIn(r.returncode, (0, 1), "%s\nexit %d\nstderr: %s" % (
                " ".join(argv), r.returncode, r.stderr[-3000:]))
        return r

    def audit_json(self, *args, **kw):
        r = self.audit(*args, **kw)
        text = open(kw["out"]).read() if kw.get("out") else r.stdout
        try:
            return json.loads(text), r
        except ValueError as e:
            self.fail("%s: output is not JSON (%s): %r...\nstderr: %s" % (
                " ".join(r.argv), e, text[:500], r.stderr[-2000:]))

    def full_run(self, check_axfr):
        key = "axfr" if check_axfr else "plain"
        if key not in self.runs:
            args = ["--check-axfr"] if check_axfr else []
            rep, r = self.audit_json(*args)
            print("\n  %s: %d domains in %.2f s (%.0f domains/s)" % (
                " ".join(r.argv[1:]), len(self.net.plan.domains), r.seconds,
                len(self.net.plan.domains) / max(r.seconds, 1e-6)), flush=True)
            self.runs[key] = rep
        return self.runs[key]

    def small_file(self, name, lines):
        p = self.work / name
        p.write_text("".join(line + "\n" for line in lines))
        return p

    def sample(self, k=150):
        """The special cases plus a random part of the bulk."""
        rng = random.Random(self.net.seed)
        fixed = [d for d in self.net.plan.domains if d.category not in
                 ("single-provider", "two-providers", "single-nameserver", "self-hosted-glue")]
        rest = [d for d in self.net.plan.domains if d not in fixed]
        return fixed + rng.sample(rest, min(k, len(rest)))

    def assertNoMismatch(self, lines, what):
        if lines:
            cats = {}
            for line in lines:
                m = re.search(r"\[([^\]]+)\]", line)
                cats[m.group(1) if m else "?"] = cats.get(m.group(1) if m else "?", 0) + 1
            self.fail("%s: %d mismatches with the truth (seed %d, by category %s):\n%s%s" % (
                what, len(lines), self.net.seed, cats, "\n".join(lines[:MAX_DIFF_LINES]),
                "\n..." if len(lines) > MAX_DIFF_LINES else ""))

    # -- the report against the truth
    def test_json_matches_truth(self):
        rep = self.full_run(False)
        self.assertNoMismatch(compare(rep, self.net.truth(False)), "audit (no --check-axfr)")

    def test_json_matches_truth_check_axfr(self):
        rep = self.full_run(True)
        truth = self.net.truth(True)
        self.assertNoMismatch(compare(rep, truth), "audit --check-axfr")
        self.assertTrue(any("axfr-open" in t["findings"] for t in truth.values()))

    def test_summary_matches_truth(self):
        for axfr in (False, True):
            rep = self.full_run(axfr)
            want = audit_net.Plan.summary(self.net.truth(axfr))
            got = rep.get("summary") or {}
            diffs = []
            for k in ("domains", "resolved", "unresolvable", "single_provider",
                      "multi_provider"):
                if got.get(k) != want[k]:
                    diffs.append("summary.%s: expected %s, got %s" % (k, want[k], got.get(k)))
            wb = {e["provider"]: (e["domains"], e["with_other_provider"])
                  for e in want["by_provider"]}
            gb = {e.get("provider"): (e.get("domains"), e.get("with_other_provider"))
                  for e in got.get("by_provider") or []}
            for p in sorted(set(wb) | set(gb), key=str):
                if wb.get(p) != gb.get(p):
                    diffs.append("summary.by_provider[%s]: expected (domains, with_other) %s, "
                                 "got %s" % (p, wb.get(p), gb.get(p)))
            self.assertEqual(diffs, [], "check_axfr=%s\n%s" % (axfr, "\n".join(diffs)))

    def test_nameserver_details(self):
        """Per nameserver: provider, addresses (CNAME followed), authoritative
        flag and serial of a working server."""
        rep = self.full_run(False)
        plan = self.net.plan
        by_name = {d.name: d for d in plan.domains}
        out = []
        for d in rep.get("domains", []):
            pd = by_name.get(d.get("domain"))
            if pd is None or not pd.parent_ns or pd.category == "delegation-loop":
                continue
            for ns in d.get("nameservers") or []:
                name = str(ns.get("name"))
                where = "%s [%s] %s" % (pd.name, pd.category, name)
                if ns.get("provider") != audit_net.provider_of(name):
                    out.append("%s: provider %r, expected %r" % (
                        where, ns.get("provider"), audit_net.provider_of(name)))
                want = sorted(plan.ns_addresses(name) or [])
                have = sorted(bare_address(a) for a in ns.get("addresses") or [])
                if want != have:
                    out.append("%s: addresses %s, expected %s" % (where, have, want))
                behaviours = {plan.behaviour(a, pd.name) for a in want}
                if behaviours == {"ok"}:
                    copy = plan.addr_proc[want[0]].zones[audit_net.fqdn(pd.name)]
                    if ns.get("authoritative") is not True or ns.get("serial") != copy.serial:
                        out.append("%s: authoritative %s serial %s, expected true %d" % (
                            where, ns.get("authoritative"), ns.get("serial"), copy.serial))
                elif "ok" not in behaviours and ns.get("authoritative") is True:
                    out.append("%s: authoritative true, but it is lame (%s)" % (
                        where, sorted(behaviours)))
        self.assertNoMismatch(out, "nameserver details")

    def test_other_vendors(self):
        """Domains on Knot (Route 53) and NSD (GoDaddy) are in the population
        and match (the exact comparison covers them; this says so, or skips)."""
        if not (self.net.have_knot or self.net.have_nsd):
            self.skipTest("neither knotd nor nsd is installed")
        rep = self.full_run(True)
        truth = self.net.truth(True)
        for have, prov in ((self.net.have_knot, "Amazon Route 53"),
                           (self.net.have_nsd, "GoDaddy")):
            if not have:
                continue
            sub = {k: v for k, v in truth.items() if prov in v["providers"]}
            self.assertGreater(len(sub), 10, prov)
            got = {"domains": [d for d in rep.get("domains", []) if d.get("domain") in sub]}
            self.assertNoMismatch(compare(got, sub), "domains on %s" % prov)

    def test_repeatable(self):
        first = self.full_run(False)
        again, _ = self.audit_json()
        a, b = strip_rtt(first), strip_rtt(again)
        if a != b:
            da = {d["domain"]: d for d in a.get("domains", [])}
            db = {d["domain"]: d for d in b.get("domains", [])}
            diffs = ["%s: %s\n  vs %s" % (k, da.get(k), db.get(k))
                     for k in sorted(set(da) | set(db)) if da.get(k) != db.get(k)]
            if a.get("summary") != b.get("summary"):
                diffs.insert(0, "summary: %s\n  vs %s" % (a.get("summary"), b.get("summary")))
            if not diffs:
                diffs = ["same content, different order of domains"]
            self.fail("two runs differ (%d):\n%s" % (len(diffs), "\n".join(diffs[:30])))

    # -- input forms
    def test_rank_domain_input_and_output_file(self):
        doms = self.sample(60)
        ranks = {d.name: i * 3 + 1 for i, d in enumerate(doms)}
        p = self.small_file("ranked.csv", ["# rank,domain"] +
                            ["%d,%s" % (ranks[d.name], d.input_text) for d in doms])
        out = self.work / "ranked.json"
        rep, _ = self.audit_json(domains=p, out=out)
        truth = self.net.truth(False)
        sub = {d.name: truth[d.name] for d in doms}
        self.assertNoMismatch(compare(rep, sub, check_ranks=ranks), "rank,domain input")
        self.assertEqual(rep["summary"]["domains"], len(doms))

    def test_stdin_input(self):
        doms = self.sample(20)[:40]
        rep, _ = self.audit_json(domains="-", stdin="".join(d.input_text + "\n" for d in doms))
        truth = self.net.truth(False)
        self.assertNoMismatch(compare(rep, {d.name: truth[d.name] for d in doms}), "stdin")

    def test_bad_lines_reported_with_line_numbers(self):
        good = self.sample(5)[:6]
        lines = ["# a comment", "", good[0].input_text, "not a domain!", good[1].input_text,
                 "   ", "7,8,9,x..y.com", good[2].input_text, "exa mple.com", "a" * 64 + ".com",
                 "3,%s" % good[3].name, "foo..bar.com"]
        bad_lines = [4, 7, 9, 10, 12]
        p = self.small_file("bad.txt", lines)
        rep, r = self.audit_json(domains=p)
        for n in bad_lines:
            self.assertRegex(r.stderr, r"(line\s*%d\b|:%d:)" % (n, n),
                             "bad line %d (%r) not reported on stderr:\n%s" % (
                                 n, lines[n - 1], r.stderr))
        for n in (1, 2, 3, 5, 6, 8, 11):
            self.assertNotRegex(r.stderr, r"(line\s*%d\b|:%d:)" % (n, n),
                                "good line %d reported as bad:\n%s" % (n, r.stderr))
        truth = self.net.truth(False)
        sub = {d.name: truth[d.name] for d in good[:4]}
        self.assertNoMismatch(compare(rep, sub, check_ranks={
            good[0].name: None, good[1].name: None, good[2].name: None, good[3].name: 3}),
            "bad-lines file")

    # -- other formats
    def test_csv_output(self):
        doms = self.sample(100)
        p = self.small_file("sample.txt", [d.input_text for d in doms])
        out = self.work / "sample.csv"
        self.audit(domains=p, fmt="csv", out=out)
        text = out.read_text()
        rows = list(csv.reader(io.StringIO(text)))
        self.assertGreater(len(rows), len(doms), "header + a row per domain:\n%s" % text[:800])
        header = [h.strip().lower() for h in rows[0]]
        self.assertIn("domain", header, "CSV header: %s" % rows[0])
        col = header.index("domain")
        width = len(rows[0])
        truth = self.net.truth(False)
        seen = {}
        for i, row in enumerate(rows[1:], 2):
            self.assertEqual(len(row), width, "CSV row %d has %d fields, header %d: %s" % (
                i, len(row), width, row))
            seen.setdefault(row[col].strip().lower().rstrip("."), []).append(",".join(row))
        self.assertEqual(sorted(seen), sorted(d.name for d in doms))
        for d in doms:
            blob = " ".join(seen[d.name])
            for code in truth[d.name]["findings"]:
                self.assertIn(code, blob, "%s [%s]: finding %s missing from its CSV rows: %s"
                              % (d.name, d.category, code, blob))
            for prov in truth[d.name]["providers"]:
                self.assertIn(prov, blob, "%s: provider %s missing from CSV: %s" % (
                    d.name, prov, blob))

    def test_text_output(self):
        doms = self.sample(100)
        p = self.small_file("sample-text.txt", [d.input_text for d in doms])
        r = self.audit(domains=p, fmt="text")
        text = r.stdout
        truth = self.net.truth(False)
        summary = audit_net.Plan.summary({d.name: truth[d.name] for d in doms})
        self.assertIn(str(summary["domains"]), text)
        for e in summary["by_provider"]:
            self.assertIn(e["provider"], text)
        # Each domain with findings heads a block (a line starting with its
        # name) that names its codes before the next such line. A
        # self-hosted domain is also a provider, so its name can start
        # another line (the providers table): one of its blocks must do.
        lines = text.splitlines()
        names = {d.name for d in doms}
        starts = {}
        for i, line in enumerate(lines):
            m = re.match(r"\s*([a-z0-9._-]+)", line)
            if m and m.group(1).rstrip(".:") in names:
                starts.setdefault(m.group(1).rstrip(".:"), []).append(i)
        bounds = sorted(i for v in starts.values() for i in v) + [len(lines)]
        for d in doms:
            codes = truth[d.name]["findings"]
            if not codes:
                continue
            self.assertIn(d.name, starts, "%s [%s] (findings %s) has no block in the text "
                          "output:\n%s" % (d.name, d.category, codes, text[-3000:]))
            blocks = ["\n".join(lines[i:bounds[bounds.index(i) + 1]]) for i in starts[d.name]]
            self.assertTrue(any(all(c in b for c in codes) for b in blocks),
                            "%s [%s]: no block of it names all of %s:\n%s" % (
                                d.name, d.category, codes, "\n--\n".join(blocks)))
        self.assertNotIn("\r", text, "progress bar on a non-terminal")


if __name__ == "__main__":
    unittest.main()
