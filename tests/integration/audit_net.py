"""audit_net -- a small internet on loopback, with known truth, for `tandem audit`.

A DNS hierarchy on 127.0.0.0/8 addresses, every server on ONE free port P
(checked free for UDP and TCP on every address used, including the ones that
must have no listener): a root zone, TLDs (com, net, org, uk, co.uk), DNS
providers serving many customer zones, and a generated population of domains
whose expected audit result (status, providers, nameserver names, finding
codes) is computed here from the plan, independently of the audit.

Servers (one process per role, each listening on all its addresses):
  root      tandem  127.53.0.1-2   .  root-servers.net
  gtld      tandem  127.53.1.1-2   com net tld-servers.net
  cctld     tandem  127.53.2.1-2   org uk co.uk
  cloudflare tandem 127.60.{1..4}.1  *.ns.cloudflare.com          -> Cloudflare
  route53   knotd   127.61.{1..4}.1  ns-N.awsdns-NN.{com,net,org,co.uk} -> Amazon Route 53
  godaddy   nsd     127.62.{1,2}.1   ns0N.domaincontrol.com (AXFR open) -> GoDaddy
  nsone     tandem  127.63.{1..4}.1  dnsN.p01.nsone.net (AXFR open)  -> NS1
  hostco    tandem  127.70.1.1-3     ns{1,2,3}.hostco.net (one /24)  -> hostco.net
  webhost   tandem  127.71.{1,2}.1   ns{1,2}.webhost.co.uk          -> webhost.co.uk
  dnsco     tandem  127.72.{1,2}.1   ns{1,2}.dnsco.org, anycast.dnsco.org (both
                                      addresses), aliasco.net (dns -> CNAME)
  selfhost  tandem  127.90.1.1-2, 127.90.2.1  ns1/ns2.<customer> with glue
  lamebox   tandem  127.70.9.1       ns9.hostco.net: serves no customer zone (REFUSED)
  python    in-process 127.70.5.1, 127.72.5.1 SERVFAIL to everything (ns5.*)
                       127.70.6.1  answers like hostco but with AA cleared (ns6.hostco.net)
                       127.70.7.1, 127.72.7.1 bound, never answer (ns7.*: timeouts)
  nothing   127.70.8.1  (ns8.hostco.net: no listener, ICMP port unreachable)

Knot (route53) and NSD (godaddy) are used when installed (and not disabled);
without them their providers and the domains that need them are left out
(`Net.have_knot` / `Net.have_nsd` say which were used).

Truth rules (the contract as read here; `expected()` is the one place):
  - status "resolved" when at least one nameserver address gives an
    authoritative NOERROR SOA answer, else "unresolvable" with the single
    finding `unresolvable` (an NXDOMAIN'd domain also has no nameservers).
  - nameservers: parent NS names together with those the child adds; the
    child's NS set is the union of the NS answers of authoritative servers.
  - providers: one per nameserver name (built-in table, else the registered
    domain), also for a lame one.
  - single-provider: one provider; single-nameserver: one name;
    single-network: every address of every name in one IPv4 /24;
    lame-delegation: some address times out, has no listener, answers an
    error rcode (REFUSED, SERVFAIL) or answers without AA, or a name has no
    address; serial-mismatch: serials of the authoritative answers differ;
    ns-mismatch: parent and child NS sets differ (case-insensitive);
    axfr-open (with --check-axfr): an authoritative server hands out the
    zone; short-expire: some SOA expire < 604800 (604800 itself is fine).
  - summary: over all input domains; single_provider / multi_provider and
    by_provider count resolved domains only.

Command line (used by bench/audit/run.sh):
  audit_net.py serve --dir D [--domains N] [--seed S]   # runs until SIGTERM;
      writes D/net.env (PORT, HINTS, DOMAINS, TRUTH) and then D/ready
  audit_net.py verify [--domains N]                     # start, check the
      truth against the live servers with a small iterative resolver, stop
"""

import argparse
import json
import os
import random
import re
import selectors
import shutil
import signal
import socket
import struct
import sys
import threading
import time
from pathlib import Path

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dnstest  # noqa: E402

EXPIRE_OK = 604800
FINDING_CODES = ("single-provider", "single-nameserver", "single-network", "lame-delegation",
                 "serial-mismatch", "ns-mismatch", "axfr-open", "unresolvable", "short-expire")

# --------------------------------------------------------------- helpers


def norm(name):
    """Lower-case, no trailing dot."""
    return name.lower().rstrip(".")


def fqdn(name):
    return name if name.endswith(".") else name + "."


def registered_domain(name):
    """Registered domain under the public suffixes used here (com, net, org,
    co.uk, uk, and unknown TLDs as their own suffix)."""
    labels = norm(name).split(".")
    n = 3 if len(labels) >= 3 and labels[-2:] == ["co", "uk"] else 2
    return ".".join(labels[-n:])


_AWS = re.compile(r"(^|\.)awsdns-\d+\.")


def provider_of(nsname):
    """The provider string the contract expects for a nameserver name."""
    n = norm(nsname)
    if n.endswith(".ns.cloudflare.com"):
        return "Cloudflare"
    if _AWS.search(n + "."):
        return "Amazon Route 53"
    if n == "domaincontrol.com" or n.endswith(".domaincontrol.com"):
        return "GoDaddy"
    if n == "nsone.net" or n.endswith(".nsone.net"):
        return "NS1"
    return registered_domain(n)


def slash24(addr):
    return addr.rsplit(".", 1)[0]


def port_free_everywhere(port, addrs):
    return all(dnstest._port_free(a, port) for a in addrs)


def pick_port(addrs, rng):
    for _ in range(300):
        port = rng.randint(20000, 60999)
        if port in dnstest._handed_out:
            continue
        if port_free_everywhere(port, addrs):
            dnstest._handed_out.add(port)
            return port
    raise RuntimeError("no port free on all %d addresses" % len(addrs))


# --------------------------------------------------------------- zone model


class ZoneCopy:
    """One server's copy of a zone: SOA fields, NS names, other records."""

    def __init__(self, origin, ns, mname, serial=2024010101, expire=1209600, records=()):
        self.origin = fqdn(origin)
        self.ns = list(ns)
        self.mname = fqdn(mname)
        self.serial = serial
        self.expire = expire
        self.records = list(records)  # (owner absolute, type, rdata text)

    def text(self):
        out = ["$ORIGIN %s" % self.origin, "$TTL 3600",
               "@ IN SOA %s hostmaster.%s %d 7200 3600 %d 300" % (
                   self.mname, self.origin if self.origin != "." else "root-servers.net.",
                   self.serial, self.expire)]
        out += ["@ IN NS %s" % fqdn(n) for n in self.ns]
        out += ["%s IN %s %s" % (o, t, r) for o, t, r in self.records]
        return "\n".join(out) + "\n"


class Proc:
    """A server process of the net: kind tandem/knot/nsd, its addresses and
    the zone copies it serves; `open_axfr` allows AXFR from 127.0.0.0/8."""

    def __init__(self, name, kind, addrs, open_axfr=False):
        self.name = name
        self.kind = kind
        self.addrs = list(addrs)
        self.open_axfr = open_axfr
        self.zones = {}  # origin -> ZoneCopy
        self.server = None

    def add(self, copy):
        assert copy.origin not in self.zones, (self.name, copy.origin)
        self.zones[copy.origin] = copy


class Domain:
    """A customer domain of the population and how it is set up."""

    def __init__(self, name, category, parent_ns, copies, glue=(), input_text=None):
        self.name = norm(name)
        self.category = category
        self.parent_ns = [norm(n) for n in parent_ns]  # empty: not delegated (NXDOMAIN)
        self.copies = copies  # proc name -> ZoneCopy
        self.glue = list(glue)  # (name, addr) in the parent zone
        self.input_text = input_text or self.name
        self.rank = None


# --------------------------------------------------------------- the plan


class Plan:
    """Everything about the net except running it: processes, addresses,
    names, zones, domains; and the truth derived from them."""

    def __init__(self, n_domains=3000, seed=None, use_knot=True, use_nsd=True):
        self.seed = seed if seed is not None else random.randrange(1 << 30)
        self.rng = random.Random(self.seed)
        self.n_domains = n_domains
        self.use_knot = use_knot
        self.use_nsd = use_nsd
        self.procs = {}
        self.hosts = {}       # nameserver host name -> [addresses]
        self.cnames = {}      # alias -> target
        self.special = {}     # address -> "servfail" | "noaa:ADDR" | "blackhole" | "nolistener"
        self.addr_proc = {}   # address -> Proc
        self.domains = []
        self.providers = {}   # key -> list of NS names
        self.infra = {}       # zone origin -> proc name(s), for the TLD delegations
        self._build_infrastructure()
        self._build_population()
        self._build_tlds()

    # -- infrastructure
    def proc(self, name, kind, addrs, open_axfr=False):
        p = Proc(name, kind, addrs, open_axfr)
        self.procs[name] = p
        for a in addrs:
            self.addr_proc[a] = p
        return p

    def host(self, name, *addrs):
        self.hosts[norm(name)] = list(addrs)

    def infra_zone(self, proc, origin, ns, hosts=()):
        """A provider's own zone (holding its nameserver names)."""
        recs = []
        for h in hosts:
            for a in self.hosts[norm(h)]:
                recs.append((fqdn(h), "A", a))
        copy = ZoneCopy(origin, ns, ns[0], serial=1, records=recs)
        proc.add(copy)
        self.infra[fqdn(origin)] = (copy, [])
        return copy

    def _build_infrastructure(self):
        h = self.host
        root = self.proc("root", "tandem", ["127.53.0.1", "127.53.0.2"])
        gtld = self.proc("gtld", "tandem", ["127.53.1.1", "127.53.1.2"])
        cctld = self.proc("cctld", "tandem", ["127.53.2.1", "127.53.2.2"])
        h("a.root-servers.net", "127.53.0.1")
        h("b.root-servers.net", "127.53.0.2")
        for n, a in (("a", "127.53.1.1"), ("b", "127.53.1.2"), ("c", "127.53.2.1"),
                     ("d", "127.53.2.2")):
            h("%s.tld-servers.net" % n, a)
        self.root_ns = ["a.root-servers.net", "b.root-servers.net"]
        self.tld_ns = {"com": ["a.tld-servers.net", "b.tld-servers.net"],
                       "net": ["a.tld-servers.net", "b.tld-servers.net"],
                       "org": ["c.tld-servers.net", "d.tld-servers.net"],
                       "uk": ["c.tld-servers.net", "d.tld-servers.net"],
                       "co.uk": ["c.tld-servers.net", "d.tld-servers.net"]}
        self.tld_proc = {"com": gtld, "net": gtld, "org": cctld, "uk": cctld, "co.uk": cctld}
        self.infra_zone(root, "root-servers.net", self.root_ns, self.root_ns)
        self.infra_zone(gtld, "tld-servers.net", ["a.tld-servers.net", "b.tld-servers.net"],
                        ["a.tld-servers.net", "b.tld-servers.net", "c.tld-servers.net",
                         "d.tld-servers.net"])

        cf = self.proc("cloudflare", "tandem", ["127.60.%d.1" % i for i in range(1, 5)])
        cf_ns = ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com", "cruz.ns.cloudflare.com",
                 "dana.ns.cloudflare.com"]
        for i, n in enumerate(cf_ns):
            h(n, "127.60.%d.1" % (i + 1))
        self.infra_zone(cf, "cloudflare.com", cf_ns[:2], cf_ns)
        self.providers["cloudflare"] = cf_ns

        if self.use_knot:
            r53 = self.proc("route53", "knot", ["127.61.%d.1" % i for i in range(1, 5)])
            r53_ns = ["ns-1021.awsdns-07.com", "ns-258.awsdns-32.net", "ns-1600.awsdns-10.org",
                      "ns-1986.awsdns-56.co.uk"]
            for i, n in enumerate(r53_ns):
                h(n, "127.61.%d.1" % (i + 1))
                self.infra_zone(r53, n.split(".", 1)[1], [n], [n])
            self.providers["route53"] = r53_ns

        if self.use_nsd:
            gd = self.proc("godaddy", "nsd", ["127.62.1.1", "127.62.2.1"], open_axfr=True)
            gd_ns = ["ns01.domaincontrol.com", "ns02.domaincontrol.com"]
            h(gd_ns[0], "127.62.1.1")
            h(gd_ns[1], "127.62.2.1")
            self.infra_zone(gd, "domaincontrol.com", gd_ns, gd_ns)
            self.providers["godaddy"] = gd_ns

        ns1 = self.proc("nsone", "tandem", ["127.63.%d.1" % i for i in range(1, 5)],
                        open_axfr=True)
        ns1_ns = ["dns%d.p01.nsone.net" % i for i in range(1, 5)]
        for i, n in enumerate(ns1_ns):
            h(n, "127.63.%d.1" % (i + 1))
        self.infra_zone(ns1, "nsone.net", ns1_ns[:2], ns1_ns)
        self.providers["nsone"] = ns1_ns

        hc = self.proc("hostco", "tandem", ["127.70.1.1", "127.70.1.2", "127.70.1.3"])
        hc_ns = ["ns1.hostco.net", "ns2.hostco.net", "ns3.hostco.net"]
        for i, n in enumerate(hc_ns):
            h(n, "127.70.1.%d" % (i + 1))
        # Broken nameservers of hostco (see the module docstring).
        h("ns5.hostco.net", "127.70.5.1")
        h("ns6.hostco.net", "127.70.6.1")
        h("ns7.hostco.net", "127.70.7.1")
        h("ns8.hostco.net", "127.70.8.1")
        h("ns9.hostco.net", "127.70.9.1")
        self.special["127.70.5.1"] = "servfail"
        self.special["127.70.6.1"] = "noaa:127.70.1.1"
        self.special["127.70.7.1"] = "blackhole"
        self.special["127.70.8.1"] = "nolistener"
        lame = self.proc("lamebox", "tandem", ["127.70.9.1"])
        lame.add(ZoneCopy("lamebox.net", ["ns9.hostco.net"], "ns9.hostco.net", serial=1))
        self.infra_zone(hc, "hostco.net", hc_ns[:2],
                        hc_ns + ["ns%d.hostco.net" % i for i in range(5, 10)])
        self.providers["hostco"] = hc_ns

        wh = self.proc("webhost", "tandem", ["127.71.1.1", "127.71.2.1"])
        wh_ns = ["ns1.webhost.co.uk", "ns2.webhost.co.uk"]
        h(wh_ns[0], "127.71.1.1")
        h(wh_ns[1], "127.71.2.1")
        self.infra_zone(wh, "webhost.co.uk", wh_ns, wh_ns)
        self.providers["webhost"] = wh_ns

        dc = self.proc("dnsco", "tandem", ["127.72.1.1", "127.72.2.1"])
        dc_ns = ["ns1.dnsco.org", "ns2.dnsco.org"]
        h(dc_ns[0], "127.72.1.1")
        h(dc_ns[1], "127.72.2.1")
        h("anycast.dnsco.org", "127.72.1.1", "127.72.2.1")
        h("ns5.dnsco.org", "127.72.5.1")
        h("ns7.dnsco.org", "127.72.7.1")
        self.special["127.72.5.1"] = "servfail"
        self.special["127.72.7.1"] = "blackhole"
        self.infra_zone(dc, "dnsco.org", dc_ns, dc_ns + ["anycast.dnsco.org", "ns5.dnsco.org",
                                                         "ns7.dnsco.org"])
        self.providers["dnsco"] = dc_ns
        # aliasco.net: a nameserver name that is a CNAME (to a Cloudflare server).
        alias = self.infra_zone(dc, "aliasco.net", dc_ns)
        alias.records.append(("dns.aliasco.net.", "CNAME", "ada.ns.cloudflare.com."))
        self.cnames["dns.aliasco.net"] = "ada.ns.cloudflare.com"

        self.proc("selfhost", "tandem", ["127.90.1.1", "127.90.1.2", "127.90.2.1"])

    def addresses(self):
        """Every address the net uses, including the silent ones."""
        out = set(self.special)
        for p in self.procs.values():
            out.update(p.addrs)
        return sorted(out)

    # -- population
    def _label(self, used):
        while True:
            n = "%s%d" % (self.rng.choice(("shop", "news", "blog", "acme", "data", "mail",
                                           "web", "corp", "play", "home", "cloud", "city")),
                          self.rng.randrange(100000))
            if n not in used:
                used.add(n)
                return n

    def _expire(self):
        x = self.rng.random()
        return 86400 if x < 0.05 else EXPIRE_OK if x < 0.15 else 1209600

    def customer(self, name, category, providers, *, per_provider=None, parent_ns=None,
                 child_ns=None, stale=None, expire=None, mname=None, extra_ns=()):
        """A domain hosted on `providers` (keys of self.providers): NS names
        per_provider of each (default: 2, Route 53 all 4); the same serial and
        MNAME everywhere unless `stale` = ("same"|"diff", lagging provider)."""
        names = []
        for p in providers:
            pool = self.providers[p]
            k = per_provider or (4 if p == "route53" else 2)
            start = self.rng.randrange(len(pool)) if p == "cloudflare" else 0
            names += [pool[(start + i) % len(pool)] for i in range(min(k, len(pool)))]
        names += list(extra_ns)
        parent = list(parent_ns) if parent_ns is not None else names
        child = list(child_ns) if child_ns is not None else names
        expire = expire or self._expire()
        serial = 2024000000 + self.rng.randrange(900000)
        primary_mname = mname or names[0]
        copies = {}
        for p in providers:
            own = self.providers[p][0]
            m = primary_mname
            s = serial
            if stale and stale[1] == p:
                s = serial - 3
                if stale[0] == "diff":
                    m = own
            copies[self.proc_of_provider(p).name] = ZoneCopy(
                name, child, m, serial=s, expire=expire,
                records=[("@", "A", "192.0.2.%d" % self.rng.randrange(1, 255)),
                         ("www", "CNAME", "@")])
        d = Domain(name, category, parent, copies)
        self.domains.append(d)
        return d

    def proc_of_provider(self, key):
        return {"cloudflare": self.procs["cloudflare"], "route53": self.procs.get("route53"),
                "godaddy": self.procs.get("godaddy"), "nsone": self.procs["nsone"],
                "hostco": self.procs["hostco"], "webhost": self.procs["webhost"],
                "dnsco": self.procs["dnsco"]}[key]

    def selfhosted(self, name, category, spread=True):
        names = ["ns1." + name, "ns2." + name]
        a2 = "127.90.2.1" if spread else "127.90.1.2"
        self.host(names[0], "127.90.1.1")
        self.host(names[1], a2)
        copy = ZoneCopy(name, names, names[0], serial=2024000000 + self.rng.randrange(1000),
                        expire=self._expire(),
                        records=[(fqdn(names[0]), "A", "127.90.1.1"),
                                 (fqdn(names[1]), "A", a2), ("@", "A", "192.0.2.7")])
        d = Domain(name, category, names, {"selfhost": copy},
                   glue=[(names[0], "127.90.1.1"), (names[1], a2)])
        self.domains.append(d)
        return d

    def _build_population(self):
        used = set()
        tlds = ["com", "com", "com", "net", "org", "co.uk"]

        def name(tld=None):
            return "%s.%s" % (self._label(used), tld or self.rng.choice(tlds))

        C = self.customer
        have = [p for p in ("cloudflare", "route53", "godaddy", "nsone", "hostco", "webhost",
                            "dnsco") if self.proc_of_provider(p) is not None]
        # ---- fixed cases, each once
        nx = Domain(name("com"), "nxdomain", [], {})
        nx2 = Domain("%s.zz" % self._label(used), "nxdomain-tld", [], {})
        self.domains += [nx, nx2]
        self.dead_ns = {"ns7.hostco.net", "ns7.dnsco.org", "ns5.hostco.net", "ns5.dnsco.org"}
        C(name("com"), "all-timeout", [], extra_ns=["ns7.hostco.net", "ns7.dnsco.org"])
        C(name("org"), "all-servfail", [], extra_ns=["ns5.hostco.net", "ns5.dnsco.org"])
        loop = [self._label(used) + t for t in (".com", ".net", ".org")]
        self.loop_ns = ["ns." + x for x in loop]
        for i, d in enumerate(loop):
            others = [self.loop_ns[j] for j in range(3) if j != i]
            self.domains.append(Domain(d, "delegation-loop", others, {}))
        C(name(), "cname-nameserver", ["cloudflare", "hostco"], per_provider=1,
          parent_ns=["dns.aliasco.net", "ns1.hostco.net"],
          child_ns=["dns.aliasco.net", "ns1.hostco.net"])
        for i, kind in ((5, "servfail"), (6, "no-aa"), (7, "timeout"), (8, "no-listener"),
                        (9, "refused")):
            C(name(), "lame-" + kind, ["cloudflare", "hostco"], per_provider=None,
              extra_ns=["ns%d.hostco.net" % i])
        # hostco per_provider=2 gives ns1+ns2: trim to ns1 for these.
        for d in self.domains[-5:]:
            d.parent_ns = [n for n in d.parent_ns if n != "ns2.hostco.net"]
            for c in d.copies.values():
                c.ns = [n for n in c.ns if n != "ns2.hostco.net"]
        C(name(), "stale-same-mname", ["cloudflare", "nsone"], stale=("same", "nsone"))
        C(name(), "stale-diff-mname", ["cloudflare", "hostco"], stale=("diff", "hostco"))
        C(name(), "ns-mismatch-child-adds", ["cloudflare", "hostco"], per_provider=None,
          parent_ns=self.providers["cloudflare"][:2])
        d = self.domains[-1]
        d.copies["hostco"].ns = d.copies["cloudflare"].ns = \
            self.providers["cloudflare"][:2] + ["ns1.hostco.net"]
        d.parent_ns = self.providers["cloudflare"][:2]
        C(name(), "ns-mismatch-parent-extra", ["cloudflare", "hostco"])
        d = self.domains[-1]
        d.parent_ns = d.copies["cloudflare"].ns[:2] + ["ns1.hostco.net"]
        for c in d.copies.values():
            c.ns = d.parent_ns[:2]
        C(name(), "ns-case-only", ["hostco"], child_ns=["NS1.HostCo.NET", "ns2.hostco.net"])
        C(name(), "single-nameserver", ["hostco"], per_provider=1)
        C(name("org"), "single-nameserver-anycast", [], extra_ns=["anycast.dnsco.org"])
        self.domains[-1].copies = {"dnsco": ZoneCopy(self.domains[-1].name,
                                                     ["anycast.dnsco.org"], "anycast.dnsco.org",
                                                     serial=7, expire=1209600)}
        C(name(), "expire-86400", ["webhost", "dnsco"], expire=86400)
        C(name(), "expire-604799", ["cloudflare", "dnsco"], expire=604799)
        C(name(), "expire-604800", ["cloudflare", "dnsco"], expire=604800)
        self.selfhosted(name("com"), "self-hosted-glue")
        self.selfhosted(name("co.uk"), "self-hosted-one-network", spread=False)
        d = C(name("com"), "input-uppercase", ["webhost"])
        d.input_text = d.name.upper()
        d = C(name("net"), "input-trailing-dot", ["dnsco", "nsone"])
        d.input_text = d.name + "."
        for p in have:
            C(name(), "single-provider", [p])
        for i, p in enumerate(have):
            C(name(), "two-providers", [p, have[(i + 1) % len(have)]])
        if self.use_knot and self.use_nsd:
            C(name(), "knot+nsd", ["route53", "godaddy"], stale=("same", "godaddy"))
        # ---- bulk
        while len(self.domains) < self.n_domains:
            x = self.rng.random()
            if x < 0.45:
                C(name(), "single-provider", [self.rng.choice(have)])
            elif x < 0.80:
                a, b = self.rng.sample(have, 2)
                stale = None
                if self.rng.random() < 0.04:
                    stale = (self.rng.choice(("same", "diff")), b)
                C(name(), "two-providers", [a, b], stale=stale)
            elif x < 0.85:
                C(name(), "single-nameserver", [self.rng.choice(have)], per_provider=1)
            else:
                self.selfhosted(name(), "self-hosted-glue", spread=self.rng.random() < 0.7)
        del self.domains[self.n_domains:]
        for i, d in enumerate(self.domains):
            for p, c in d.copies.items():
                self.procs[p].add(c)

    # -- TLD and root zones
    def _build_tlds(self):
        recs = {t: [] for t in self.tld_ns}
        recs["."] = []

        def tld_of(name):
            n = norm(name)
            return "co.uk" if n.endswith(".co.uk") else n.rsplit(".", 1)[-1]

        def delegate(child, ns, glue=()):
            t = tld_of(child)
            if t not in recs:
                return  # e.g. .zz: the root has no such TLD (NXDOMAIN)
            for n in ns:
                recs[t].append((fqdn(child), "NS", fqdn(n)))
            for g, a in glue:
                recs[t].append((fqdn(g), "A", a))

        for origin, (copy, _) in self.infra.items():
            glue = [(n, a) for n in copy.ns for a in self.hosts[norm(n)]
                    if norm(n).endswith("." + norm(origin))]
            delegate(origin, copy.ns, glue)
        for d in self.domains:
            if d.parent_ns:
                delegate(d.name, d.parent_ns, d.glue)
        # root: TLDs with glue for every TLD server, and root-servers.net's own
        for t in ("com", "net", "org", "uk"):
            for n in self.tld_ns[t]:
                recs["."].append((fqdn(t), "NS", fqdn(n)))
        for n in set(sum((self.tld_ns[t] for t in ("com", "net", "org", "uk")), [])) | \
                set(self.root_ns):
            for a in self.hosts[n]:
                recs["."].append((fqdn(n), "A", a))
        for n in self.tld_ns["co.uk"]:
            recs["uk"].append(("co.uk.", "NS", fqdn(n)))
        self.procs["root"].add(ZoneCopy(".", self.root_ns, self.root_ns[0], serial=2024010100,
                                        records=recs["."]))
        for t in ("com", "net", "org", "uk", "co.uk"):
            ns = self.tld_ns[t]
            self.tld_proc[t].add(ZoneCopy(t, ns, ns[0], serial=2024010100, records=recs[t]))

    # -- what answers at an address
    def behaviour(self, addr, origin):
        """'ok' (authoritative copy), 'refused', 'servfail', 'noaa',
        'timeout' or 'nolistener' for a query about zone `origin`."""
        sp = self.special.get(addr)
        if sp == "servfail":
            return "servfail"
        if sp and sp.startswith("noaa:"):
            return "noaa"
        if sp == "blackhole":
            return "timeout"
        if sp == "nolistener":
            return "nolistener"
        p = self.addr_proc.get(addr)
        if p is None:
            return "nolistener"
        return "ok" if fqdn(origin) in p.zones else "refused"

    def ns_addresses(self, name):
        n = norm(name)
        n = self.cnames.get(n, n)
        return self.hosts.get(n)

    # -- the truth
    def expected(self, d, check_axfr=False):
        t = {"domain": d.name, "category": d.category, "rank": d.rank}
        if not d.parent_ns:
            t.update(status="unresolvable", nameservers=[], providers=[],
                     findings=["unresolvable"])
            return t
        parent = {norm(n) for n in d.parent_ns}
        good = []          # (proc, copy) of authoritative answers
        lame = False
        for n in sorted(parent):
            addrs = self.ns_addresses(n)
            if not addrs:
                lame = True
                continue
            for a in addrs:
                b = self.behaviour(a, d.name)
                if b == "ok":
                    p = self.addr_proc[a]
                    good.append((p, p.zones[fqdn(d.name)]))
                else:
                    lame = True
        if not good:
            t.update(status="unresolvable", nameservers=sorted(parent),
                     providers=sorted({provider_of(n) for n in parent}),
                     findings=["unresolvable"])
            return t
        child = {norm(n) for _, c in good for n in c.ns}
        names = parent | child
        # Names the child adds are probed too.
        for n in sorted(child - parent):
            addrs = self.ns_addresses(n)
            if not addrs:
                lame = True
                continue
            for a in addrs:
                b = self.behaviour(a, d.name)
                if b == "ok":
                    p = self.addr_proc[a]
                    good.append((p, p.zones[fqdn(d.name)]))
                else:
                    lame = True
        providers = sorted({provider_of(n) for n in names})
        addrs = [a for n in names for a in (self.ns_addresses(n) or [])]
        f = set()
        if len(providers) == 1:
            f.add("single-provider")
        if len(names) == 1:
            f.add("single-nameserver")
        if addrs and len({slash24(a) for a in addrs}) == 1:
            f.add("single-network")
        if lame:
            f.add("lame-delegation")
        if len({c.serial for _, c in good}) > 1:
            f.add("serial-mismatch")
        if parent != child:
            f.add("ns-mismatch")
        if check_axfr and any(p.open_axfr for p, _ in good):
            f.add("axfr-open")
        if any(c.expire < EXPIRE_OK for _, c in good):
            f.add("short-expire")
        t.update(status="resolved", nameservers=sorted(names), providers=providers,
                 findings=sorted(f))
        return t

    def truth(self, check_axfr=False):
        return {d.name: self.expected(d, check_axfr) for d in self.domains}

    @staticmethod
    def summary(truth):
        """The summary block the report must carry, from a truth dict."""
        res = [t for t in truth.values() if t["status"] == "resolved"]
        by = {}
        for t in res:
            for p in t["providers"]:
                e = by.setdefault(p, {"provider": p, "domains": 0, "with_other_provider": 0})
                e["domains"] += 1
                if len(t["providers"]) > 1:
                    e["with_other_provider"] += 1
        return {"domains": len(truth), "resolved": len(res),
                "unresolvable": len(truth) - len(res),
                "single_provider": sum(1 for t in res if len(t["providers"]) == 1),
                "multi_provider": sum(1 for t in res if len(t["providers"]) > 1),
                "by_provider": sorted(by.values(), key=lambda e: e["provider"])}


# --------------------------------------------------------------- python responders


class Responders:
    """The misbehaving nameservers, in one thread: SERVFAIL to everything,
    answers with AA cleared (relayed from a real server), and black holes
    (bound, never read)."""

    def __init__(self, plan, port):
        self.plan = plan
        self.port = port
        self.sel = selectors.DefaultSelector()
        self.socks = []
        self.stop_flag = threading.Event()
        self.thread = None

    def start(self):
        for addr, kind in self.plan.special.items():
            if kind == "nolistener":
                continue
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            u.bind((addr, self.port))
            t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            t.bind((addr, self.port))
            t.listen(64)
            self.socks += [u, t]
            if kind != "blackhole":
                u.setblocking(False)
                t.setblocking(False)
                self.sel.register(u, selectors.EVENT_READ, ("udp", kind))
                self.sel.register(t, selectors.EVENT_READ, ("tcp", kind))
        self.thread = threading.Thread(target=self._loop, daemon=True, name="audit-net")
        self.thread.start()

    def stop(self):
        self.stop_flag.set()
        if self.thread:
            self.thread.join(2)
        for s in self.socks:
            s.close()

    def _answer(self, kind, wire):
        if len(wire) < 12:
            return None
        if kind == "servfail":
            try:
                q = dns.message.from_wire(wire)
            except Exception:  # noqa: BLE001 - garbage gets no answer
                return None
            r = dns.message.make_response(q)
            r.set_rcode(dns.rcode.SERVFAIL)
            r.flags &= ~dns.flags.AA
            return r.to_wire()
        backend = kind.split(":", 1)[1]
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(1.0)
            try:
                s.sendto(wire, (backend, self.port))
                reply = s.recv(65535)
            except OSError:
                return None
        flags = struct.unpack("!H", reply[2:4])[0] & ~0x0400  # AA off
        return reply[:2] + struct.pack("!H", flags) + reply[4:]

    def _loop(self):
        while not self.stop_flag.is_set():
            for key, _ in self.sel.select(0.2):
                proto, kind = key.data
                s = key.fileobj
                try:
                    if proto == "udp":
                        wire, peer = s.recvfrom(65535)
                        out = self._answer(kind, wire)
                        if out:
                            s.sendto(out, peer)
                    else:
                        c, _ = s.accept()
                        with c:
                            c.settimeout(1.0)
                            n = struct.unpack("!H", dnstest._recv_exact(
                                c, 2, time.monotonic() + 1))[0]
                            wire = dnstest._recv_exact(c, n, time.monotonic() + 1)
                            out = self._answer(kind, wire)
                            if out:
                                c.sendall(struct.pack("!H", len(out)) + out)
                except (OSError, struct.error, ValueError):
                    continue


# --------------------------------------------------------------- servers


class _FixedPort:
    """Start a dnstest server on a given port (not a fresh one), without the
    per-zone serial wait (Net checks readiness in bulk)."""

    def start_on(self, port):
        reason = self.available()
        if reason:
            raise RuntimeError(reason)
        self.port = port
        self.write_config()
        self._spawn()


class NetTandem(_FixedPort, dnstest.Tandem):
    def __init__(self, proc, zones):
        dnstest.Tandem.__init__(self, zones, listen=proc.addrs, name="net-" + proc.name)
        self.open_axfr = proc.open_axfr

    def config_text(self):
        listen = ", ".join('"%s@%d"' % (h, self.port) for h in self.hosts)
        (self.dir / "storage").mkdir(exist_ok=True)
        out = ["server:", "  listen: [ %s ]" % listen, "  workers: 1",
               "  control: %s/tandem.sock" % self.dir, "  storage: %s/storage" % self.dir,
               "log:", "  level: warning"]
        if self.open_axfr:
            out += ["acl:", '  - { id: open, address: [ "127.0.0.0/8" ], action: [ transfer ] }']
        out.append("zone:")
        acl = "\n    acl: [ open ]" if self.open_axfr else ""
        for z in self.zones:
            out.append("  - domain: %s\n    file: %s%s" % (z.origin, z.path, acl))
        return "\n".join(out) + "\n"


class NetKnot(_FixedPort, dnstest.Knot):
    def __init__(self, proc, zones):
        dnstest.Knot.__init__(self, zones, listen=proc.addrs, name="net-" + proc.name)
        self.open_axfr = proc.open_axfr

    def write_config(self):
        super().write_config()
        if self.open_axfr:
            p = self.dir / "knot.conf"
            text = p.read_text().replace(
                "template:\n  - id: default\n",
                "acl:\n  - id: open\n    address: 127.0.0.0/8\n    action: transfer\n"
                "template:\n  - id: default\n    acl: open\n")
            p.write_text(text)
        p = self.dir / "knot.conf"
        p.write_text(p.read_text().replace("    any: info", "    any: warning"))


class NetNsd(_FixedPort, dnstest.Nsd):
    def __init__(self, proc, zones):
        dnstest.Nsd.__init__(self, zones, listen=proc.addrs, name="net-" + proc.name)
        self.open_axfr = proc.open_axfr

    def write_config(self):
        super().write_config()
        if self.open_axfr:
            p = self.dir / "nsd.conf"
            p.write_text(p.read_text().replace(
                '    zonefile: "', "    provide-xfr: 127.0.0.0/8 NOKEY\n    zonefile: \""))


# --------------------------------------------------------------- the net


def _bulk_soa_ready(addr, origins, deadline):
    """Wait until `addr` answers NOERROR with an SOA for every origin
    (queries sent in bursts over one socket). Returns the missing ones."""
    pending = set(origins)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        s.connect(addr)
        while pending and time.monotonic() < deadline:
            ids = {}
            for i, o in enumerate(sorted(pending)):
                q = dns.message.make_query(o, "SOA")
                q.flags = 0
                q.id = i
                ids[i] = o
                try:
                    s.send(q.to_wire())
                except OSError:
                    pass  # refused: not listening yet
                if i % 100 == 99:
                    time.sleep(0.002)
            end = time.monotonic() + 0.5
            while time.monotonic() < end and pending:
                s.settimeout(max(0.01, end - time.monotonic()))
                try:
                    w = s.recv(65535)
                except (socket.timeout, OSError):
                    break
                try:
                    m = dns.message.from_wire(w)
                except Exception:  # noqa: BLE001
                    continue
                o = ids.get(m.id)
                if o and m.question and norm(m.question[0].name.to_text()) != norm(o):
                    continue
                if o and m.rcode() == 0 and m.flags & dns.flags.AA and \
                        any(r.rdtype == dns.rdatatype.SOA for r in m.answer):
                    pending.discard(o)
            if pending:
                time.sleep(0.1)
    return pending


class Net:
    """The running net: generate(), start(), stop(). Files in `workdir`:
    root.hints, domains.txt, truth.json (and truth-axfr.json), zones/."""

    def __init__(self, workdir, n_domains=3000, seed=None, use_knot=None, use_nsd=None,
                 port=None):
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        if use_knot is None:
            use_knot = dnstest.have_program("knotd") and not os.environ.get("AUDIT_NET_NO_KNOT")
        if use_nsd is None:
            use_nsd = dnstest.have_program("nsd") and not os.environ.get("AUDIT_NET_NO_NSD")
        self.have_knot = use_knot
        self.have_nsd = use_nsd
        self.plan = Plan(n_domains, seed, use_knot, use_nsd)
        self.seed = self.plan.seed
        self.port = port
        self.servers = []
        self.responders = None
        self.hints = self.dir / "root.hints"
        self.domains_file = self.dir / "domains.txt"
        self.start_seconds = None

    def write_files(self):
        zdir = self.dir / "zones"
        if zdir.exists():
            shutil.rmtree(zdir)
        for p in self.plan.procs.values():
            d = zdir / p.name
            d.mkdir(parents=True)
            for origin, c in p.zones.items():
                (d / ((origin.rstrip(".") or "root") + ".zone")).write_text(c.text())
        lines = ["; root hints of the audit test net (seed %d)" % self.seed]
        for n in self.plan.root_ns:
            lines.append(".                        3600000      NS    %s" % fqdn(n).upper())
            lines.append("%-24s 3600000      A     %s" % (fqdn(n).upper(),
                                                         self.plan.hosts[n][0]))
        self.hints.write_text("\n".join(lines) + "\n")
        out = ["# audit test net: %d domains, seed %d" % (len(self.plan.domains), self.seed), ""]
        out += [d.input_text for d in self.plan.domains]
        self.domains_file.write_text("\n".join(out) + "\n")
        # An /etc/hosts for tools that look nameserver names up through the
        # system resolver (dig +trace): bench/audit/run.sh bind-mounts it in a
        # private mount namespace. CNAME'd names get their target's addresses.
        hl = ["127.0.0.1 localhost", "::1 localhost"]
        for n in sorted(set(self.plan.hosts) | set(self.plan.cnames)):
            for a in self.plan.ns_addresses(n) or []:
                hl.append("%s %s" % (a, n))
        (self.dir / "hosts").write_text("\n".join(hl) + "\n")
        for axfr, fname in ((False, "truth.json"), (True, "truth-axfr.json")):
            t = self.plan.truth(axfr)
            (self.dir / fname).write_text(json.dumps(
                {"seed": self.seed, "port": self.port, "summary": Plan.summary(t),
                 "domains": t}, sort_keys=True))

    def truth(self, check_axfr=False):
        return self.plan.truth(check_axfr)

    def start(self):
        t0 = time.monotonic()
        rng = random.Random()
        if self.port is None:
            self.port = pick_port(self.plan.addresses(), rng)
        elif not port_free_everywhere(self.port, self.plan.addresses()):
            raise RuntimeError("port %d is not free on every address of the net" % self.port)
        self.write_files()
        zdir = self.dir / "zones"
        try:
            self.responders = Responders(self.plan, self.port)
            self.responders.start()
            for p in self.plan.procs.values():
                zones = [dnstest.Zone(o, zdir / p.name / ((o.rstrip(".") or "root") + ".zone"))
                         for o in p.zones]
                cls = {"tandem": NetTandem, "knot": NetKnot, "nsd": NetNsd}[p.kind]
                srv = cls(p, zones)
                self.servers.append((p, srv))
                srv.start_on(self.port)
            deadline = time.monotonic() + dnstest.timeout(30)
            for p, srv in self.servers:
                for a in p.addrs:
                    missing = _bulk_soa_ready((a, self.port), list(p.zones), deadline)
                    if not srv.alive() or missing:
                        raise RuntimeError("%s (%s) on %s@%d: %s\n%s" % (
                            p.name, p.kind, a, self.port,
                            "exited %s" % srv.proc.returncode if not srv.alive() else
                            "%d zones not answering, e.g. %s" % (len(missing),
                                                                  sorted(missing)[:3]),
                            srv.logs(40)))
                    if len(p.zones) > 50:
                        break  # the other addresses: same process, checked on one zone
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - t0
        return self

    def alive_problems(self):
        return ["%s exited %s" % (p.name, srv.proc.returncode)
                for p, srv in self.servers if not srv.alive()]

    def stop(self, keep=False):
        for _, srv in self.servers:
            srv.stop(wait=5)
            if not keep:
                srv.cleanup()
        self.servers = []
        if self.responders:
            self.responders.stop()
            self.responders = None


# --------------------------------------------------------------- a tiny iterative resolver


def _ask(addr, port, qname, qtype, wait=1.0):
    q = dns.message.make_query(qname, qtype)
    q.flags = 0
    r = dnstest.send((addr, port), q, wait=wait, retries=0)
    return r


def walk(plan, port, domain, max_steps=20):
    """Follow referrals from the root for `domain` SOA with a naive iterative
    resolver (uses glue, else resolves NS names itself); returns
    (rcode text or 'noanswer', parent NS names). Used to validate the net."""
    servers = [plan.hosts[n][0] for n in plan.root_ns]
    parent_ns = []
    seen = set()
    for _ in range(max_steps):
        r = None
        for s in servers:
            r = _ask(s, port, domain, "SOA")
            if r.msg is not None:
                break
        if r is None or r.msg is None:
            return "noanswer", parent_ns
        m = r.msg
        if m.rcode() != 0:
            return dns.rcode.to_text(m.rcode()), parent_ns
        if m.answer:
            return "NOERROR", parent_ns
        ns = [rr for rr in m.authority if rr.rdtype == dns.rdatatype.NS]
        if not ns:
            return "nodata", parent_ns
        zone = ns[0].name.to_text()
        if zone in seen:
            return "loop", parent_ns
        seen.add(zone)
        names = sorted({norm(x.target.to_text()) for rr in ns for x in rr})
        parent_ns = names
        glue = {}
        for rr in m.additional:
            if rr.rdtype == dns.rdatatype.A:
                glue.setdefault(norm(rr.name.to_text()), []).extend(x.address for x in rr)
        nxt = []
        for n in names:
            if n in glue:
                nxt += glue[n]
            else:
                if len(seen) > 8:
                    continue
                nxt += _resolve_a(plan, port, n, depth=len(seen))
        if not nxt:
            return "noaddress", parent_ns
        servers = nxt
    return "toodeep", parent_ns


def _resolve_a(plan, port, name, depth):
    if depth > 6:
        return []
    servers = [plan.hosts[n][0] for n in plan.root_ns]
    for _ in range(10):
        r = None
        for s in servers:
            r = _ask(s, port, name, "A", wait=0.5)
            if r.msg is not None:
                break
        if r is None or r.msg is None or r.msg.rcode() != 0:
            return []
        if r.msg.answer:
            out = []
            for rr in r.msg.answer:
                if rr.rdtype == dns.rdatatype.A:
                    out += [x.address for x in rr]
                elif rr.rdtype == dns.rdatatype.CNAME and not out:
                    return _resolve_a(plan, port, rr[0].target.to_text(), depth + 1)
            return out
        ns = [rr for rr in r.msg.authority if rr.rdtype == dns.rdatatype.NS]
        if not ns:
            return []
        glue = {}
        for rr in r.msg.additional:
            if rr.rdtype == dns.rdatatype.A:
                glue.setdefault(norm(rr.name.to_text()), []).extend(x.address for x in rr)
        nxt = []
        for t in sorted({norm(x.target.to_text()) for rr in ns for x in rr}):
            nxt += glue.get(t) or _resolve_a(plan, port, t, depth + 1)
        if not nxt:
            return []
        servers = nxt
    return []


def probe(addr, port, domain):
    """What one address says about a zone: a dict like the truth's behaviours
    plus serial, ns set, expire, aa."""
    q = dns.message.make_query(domain, "SOA")
    q.flags = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect((addr, port))
        s.settimeout(0.7)
        try:
            s.send(q.to_wire())
            wire = s.recv(65535)
        except ConnectionRefusedError:
            return {"b": "nolistener"}
        except socket.timeout:
            return {"b": "timeout"}
    try:
        m = dns.message.from_wire(wire)
    except Exception:  # noqa: BLE001
        return {"b": "malformed"}
    if m.rcode() == dns.rcode.REFUSED:
        return {"b": "refused"}
    if m.rcode() != 0:
        return {"b": dns.rcode.to_text(m.rcode()).lower()}
    if not m.flags & dns.flags.AA:
        return {"b": "noaa"}
    soa = [rr for rr in m.answer if rr.rdtype == dns.rdatatype.SOA]
    if not soa:
        return {"b": "nosoa"}
    nsr = _ask(addr, port, domain, "NS")
    ns = sorted(norm(x.target.to_text()) for rr in (nsr.msg.answer if nsr.msg else [])
                if rr.rdtype == dns.rdatatype.NS for x in rr)
    return {"b": "ok", "serial": soa[0][0].serial, "expire": soa[0][0].expire,
            "mname": norm(soa[0][0].mname.to_text()), "ns": ns}


def verify(net, sample=None, check_axfr=False):
    """Check the plan against the live servers: each domain's referral path
    and every nameserver address behaves as the truth assumes. Returns a list
    of problems (empty: the net is what the truth says)."""
    plan = net.plan
    problems = []
    doms = plan.domains if sample is None else sample
    for d in doms:
        t = plan.expected(d, check_axfr)
        rc, parent = walk(plan, net.port, d.name)
        if not d.parent_ns:
            if rc != "NXDOMAIN":
                problems.append("%s: expected NXDOMAIN from the parent, got %s" % (d.name, rc))
            continue
        if sorted(set(parent)) != sorted({norm(n) for n in d.parent_ns}):
            problems.append("%s: parent NS %s, planned %s" % (d.name, parent, d.parent_ns))
        for n in t["nameservers"]:
            want = plan.ns_addresses(n)
            got = sorted(_resolve_a(plan, net.port, n, 0))
            if d.category == "delegation-loop":
                if got:
                    problems.append("%s: loop name %s resolved to %s" % (d.name, n, got))
                continue
            if sorted(want or []) != got:
                problems.append("%s: %s resolves to %s, planned %s" % (d.name, n, got, want))
            for a in got:
                p = probe(a, net.port, d.name)
                b = plan.behaviour(a, d.name)
                if p["b"] != b:
                    problems.append("%s: %s (%s) behaves %s, planned %s" % (
                        d.name, n, a, p["b"], b))
                elif b == "ok":
                    if check_axfr and axfr_open(a, net.port, d.name) != \
                            plan.addr_proc[a].open_axfr:
                        problems.append("%s: AXFR from %s open=%s, planned %s" % (
                            d.name, a, not plan.addr_proc[a].open_axfr,
                            plan.addr_proc[a].open_axfr))
                    c = plan.addr_proc[a].zones[fqdn(d.name)]
                    if (p["serial"], p["expire"]) != (c.serial, c.expire) or \
                            p["ns"] != sorted(norm(x) for x in c.ns):
                        problems.append("%s: %s answers %s, planned serial %d expire %d ns %s"
                                        % (d.name, a, p, c.serial, c.expire, c.ns))
    return problems


def axfr_open(addr, port, origin):
    """True when an unsigned AXFR from here gets the zone."""
    res = __import__("peers").raw_xfr_count((addr, port), fqdn(origin), key=None, wait=2)
    return res.rcode == 0 and res.complete


# --------------------------------------------------------------- command line


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("mode", choices=["serve", "verify"])
    ap.add_argument("--dir", help="work directory (default: a new temporary one)")
    ap.add_argument("--domains", type=int, default=3000)
    ap.add_argument("--seed", type=int)
    ap.add_argument("--port", type=int)
    ap.add_argument("--sample", type=int, default=300, help="verify: domains to walk")
    a = ap.parse_args(argv)
    work = Path(a.dir) if a.dir else dnstest.make_temp_dir("audit-net-")
    net = Net(work, a.domains, a.seed, port=a.port)
    print("audit-net: %d domains, seed %d, knot %s, nsd %s, dir %s" % (
        len(net.plan.domains), net.seed, net.have_knot, net.have_nsd, work), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    net.start()
    try:
        print("audit-net: up in %.2f s on port %d" % (net.start_seconds, net.port), flush=True)
        if a.mode == "serve":
            (work / "net.env").write_text(
                "PORT=%d\nHINTS=%s\nDOMAINS=%s\nTRUTH=%s\nTRUTH_AXFR=%s\nHOSTS=%s\nSEED=%d\n"
                "ROOT_ADDR=%s\nSTART_SECONDS=%.2f\n" % (
                    net.port, net.hints, net.domains_file, work / "truth.json",
                    work / "truth-axfr.json", work / "hosts", net.seed,
                    net.plan.hosts[net.plan.root_ns[0]][0], net.start_seconds))
            (work / "ready").write_text("%.3f\n" % net.start_seconds)
            while not stop.wait(1.0):
                bad = net.alive_problems()
                if bad:
                    print("audit-net: %s" % bad, file=sys.stderr)
                    return 1
            return 0
        rng = random.Random(net.seed)
        fixed = [d for d in net.plan.domains if d.category not in
                 ("single-provider", "two-providers", "single-nameserver", "self-hosted-glue")]
        sample = fixed + rng.sample(net.plan.domains, min(a.sample, len(net.plan.domains)))
        t0 = time.monotonic()
        problems = verify(net, sample, check_axfr=True)
        print("audit-net: walked %d domains in %.1f s: %d problems" % (
            len(sample), time.monotonic() - t0, len(problems)))
        for p in problems:
            print("  " + p)
        return 1 if problems else 0
    finally:
        net.stop()
        if not a.dir and not os.environ.get("DNSTEST_KEEP"):
            shutil.rmtree(work, ignore_errors=True)
        for f in ("ready", "net.env"):
            try:
                (work / f).unlink()
            except FileNotFoundError:
                pass


if __name__ == "__main__":
    sys.exit(main())
