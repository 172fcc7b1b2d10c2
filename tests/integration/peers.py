"""peers -- zone-transfer peers for the interop tests (test_xfr.py).

Knot, BIND 9, NSD and Tandem as primaries and/or secondaries of each other on
127.0.0.1, all sharing one TSIG key (hmac-sha256, random secret per run).
Built on dnstest.Server: private temporary directory, private control socket
or rndc key, logs kept and printed when a test fails, always stopped.

Unlike dnstest servers, a peer gets its port when it is created (not when it
starts), because primaries and secondaries name each other in their configs
(a primary NOTIFYs its secondary, the secondary pulls from the primary); and
a peer restarted with start() keeps its port, directory and state.

Helpers for transfers themselves: axfr() (dnspython, signed), raw_xfr_count()
(a fast framing client that counts records without building dnspython
objects), tsig_of() (the TSIG error of a response, verified or not).
"""

import base64
import os
import re
import secrets
import socket
import struct
import subprocess
import time
import unittest

import dns.message
import dns.name
import dns.query
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rcode
import dns.tsig

import dnstest

# ----------------------------------------------------------------- TSIG


class TsigKey:
    """A TSIG key and its spelling in each server's configuration syntax."""

    def __init__(self, name="xfr", algorithm="hmac-sha256", secret=None):
        self.name = name
        self.algorithm = algorithm
        self.secret = secret or base64.b64encode(secrets.token_bytes(32)).decode()

    def dnspython(self):
        return dns.tsig.Key(self.name + ".", base64.b64decode(self.secret),
                            self.algorithm + ".")

    def keyring(self):
        return {dns.name.from_text(self.name): self.dnspython()}

    def __repr__(self):
        return "TsigKey(%s, %s)" % (self.name, self.algorithm)


KEY = TsigKey()


class Acl:
    """Who may do what with a zone: address prefixes, an optional key (when
    set, TSIG with it is required) and actions (`transfer`, `notify`)."""

    def __init__(self, addresses=("127.0.0.0/8",), key=KEY, actions=("transfer",)):
        self.addresses = list(addresses)
        self.key = key
        self.actions = list(actions)


class XfrZone:
    """A zone as one server serves it.

    primaries: servers to pull from (empty: this server is a primary and
    `path` is its zone file); notify: servers to NOTIFY on change; acls:
    list of Acl (default: a primary allows transfers with KEY from 127/8, a
    secondary allows NOTIFY with KEY from 127/8)."""

    def __init__(self, origin, path=None, primaries=(), notify=(), acls=None, key=KEY):
        self.origin = origin if origin.endswith(".") else origin + "."
        self.path = path
        self.primaries = list(primaries)
        self.notify = list(notify)
        self.key = key
        if acls is None:
            acls = [Acl(key=key, actions=["notify"])] if self.primaries else [Acl(key=key)]
        self.acls = acls

    @property
    def secondary(self):
        return bool(self.primaries)

    def keys(self):
        out = {}
        for k in [self.key] + [a.key for a in self.acls]:
            if k is not None:
                out[k.name] = k
        return out


def all_keys(zones):
    out = {}
    for z in zones:
        out.update(z.keys())
    return list(out.values())


# ----------------------------------------------------------------- zone files

SOA_TIMERS = (3600, 600, 86400, 60)   # refresh, retry, expire, minimum


def zone_text(origin, serial, records, timers=SOA_TIMERS, ttl=300):
    """Zone file text: SOA, NS + glue, then `records` (lines relative to origin)."""
    refresh, retry, expire, minimum = timers
    head = ("$ORIGIN {o}\n$TTL {ttl}\n"
            "@ IN SOA ns.{o} hostmaster.{o} {s} {r} {rt} {e} {m}\n"
            "@ IN NS ns.{o}\nns IN A 192.0.2.53\n").format(
                o=origin, ttl=ttl, s=serial, r=refresh, rt=retry, e=expire, m=minimum)
    return head + "".join(line + "\n" for line in records)


def zone_record_count(records):
    """Records in a zone_text() zone: SOA, NS, glue A, then one per line."""
    return 3 + len(records)


def write_zone(path, origin, serial, records, timers=SOA_TIMERS):
    path = os.fspath(path)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(zone_text(origin, serial, records, timers))
    os.replace(tmp, path)
    # Servers notice a changed file by its mtime: make each version's differ
    # even within one second.
    t = time.time() + serial % 1000
    os.utime(path, (t, t))


# ----------------------------------------------------------------- wire helpers

def _skip_name(wire, off):
    """Offset after the (possibly compressed) name at `off`."""
    while True:
        n = wire[off]
        if n == 0:
            return off + 1
        if n & 0xC0 == 0xC0:
            return off + 2
        off += 1 + n


def walk_rrs(wire):
    """(header tuple, [(section, rtype, rclass, rdata_offset, rdlength)]) of a
    message, sections numbered 1..3 (answer, authority, additional), without
    decoding names or rdata (fast enough for 200k-record transfers)."""
    qid, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", wire[:12])
    off = 12
    for _ in range(qd):
        off = _skip_name(wire, off) + 4
    out = []
    for section, count in ((1, an), (2, ns), (3, ar)):
        for _ in range(count):
            off = _skip_name(wire, off)
            rtype, rclass, _ttl, rdlen = struct.unpack("!HHIH", wire[off:off + 10])
            off += 10
            out.append((section, rtype, rclass, off, rdlen))
            off += rdlen
    return (qid, flags, qd, an, ns, ar), out


def soa_serial_at(wire, rdata_off):
    off = _skip_name(wire, rdata_off)
    off = _skip_name(wire, off)
    return struct.unpack("!I", wire[off:off + 4])[0]


def tsig_of(wire):
    """The TSIG rdata (dnspython object) of a response, or None."""
    _, rrs = walk_rrs(wire)
    for section, rtype, rclass, off, rdlen in rrs:
        if section == 3 and rtype == dns.rdatatype.TSIG:
            return dns.rdata.from_wire(rclass, rtype, wire, off, rdlen)
    return None


def rcode_of(wire):
    """RCODE of a response (header bits only; enough for NOTAUTH/REFUSED)."""
    return struct.unpack("!H", wire[2:4])[0] & 0xF


class XfrResult:
    """What raw_xfr_count saw: messages, records, first/last SOA serials, the
    rcode of the first message, and whether the stream ended properly."""

    def __init__(self):
        self.messages = 0
        self.records = 0
        self.first_serial = None
        self.last_serial = None
        self.rcode = None
        self.complete = False
        self.error = None
        self.bytes = 0

    def __repr__(self):
        return ("XfrResult(rcode=%s msgs=%d records=%d serials=%s..%s complete=%s err=%s)" %
                (self.rcode, self.messages, self.records, self.first_serial,
                 self.last_serial, self.complete, self.error))


def raw_xfr_count(addr, origin, key=None, wait=5.0, rdtype="AXFR"):
    """AXFR (optionally signed) over one TCP connection, counting answer
    records. The transfer is complete when the SOA that opened it comes back
    (RFC 5936 section 2.2). Errors end the count and are kept in .error."""
    q = dns.message.make_query(origin, rdtype)
    if key is not None:
        q.use_tsig(key.keyring(), keyname=key.name + ".", algorithm=key.algorithm + ".")
    res = XfrResult()
    try:
        s = dnstest.tcp_connect(addr, wait)
    except OSError as e:
        res.error = "connect: %s" % e
        return res
    with s:
        s.sendall(dnstest.tcp_frame(q.to_wire()))
        while True:
            wire = dnstest.tcp_read_message(s, wait)
            if wire is None:
                res.error = "closed or timed out after %d messages" % res.messages
                return res
            res.messages += 1
            res.bytes += 2 + len(wire)
            if res.messages == 1:
                res.rcode = rcode_of(wire)
                if res.rcode != dns.rcode.NOERROR:
                    return res
            _, rrs = walk_rrs(wire)
            for section, rtype, _rc, off, _len in rrs:
                if section != 1:
                    continue
                res.records += 1
                if rtype == dns.rdatatype.SOA:
                    serial = soa_serial_at(wire, off)
                    if res.first_serial is None:
                        res.first_serial = serial
                    elif res.records > 1:
                        res.last_serial = serial
                        res.complete = True
                        return res


def axfr(addr, origin, key=KEY, wait=5.0):
    """The zone by AXFR over TCP (signed with `key` unless None), as a list of
    dnspython RRsets (one RR per RRset, closing SOA dropped). Raises on error."""
    q = dns.message.make_query(origin, "AXFR")
    kw = {}
    if key is not None:
        q.use_tsig(key.keyring(), keyname=key.name + ".", algorithm=key.algorithm + ".")
        kw["keyring"] = key.keyring()
    rrs = []
    with socket.create_connection(addr, timeout=dnstest.packet_wait(wait)) as s:
        s.sendall(dnstest.tcp_frame(q.to_wire()))
        tsig_ctx = None
        first = True
        while True:
            wire = dnstest.tcp_read_message(s, wait)
            if wire is None:
                raise AssertionError("AXFR of %s from %s: connection closed or timed out "
                                     "after %d records" % (origin, addr, len(rrs)))
            m = dns.message.from_wire(wire, request_mac=q.mac if key else b"", xfr=True,
                                      origin=None, tsig_ctx=tsig_ctx, multi=not first,
                                      one_rr_per_rrset=True, **kw)
            tsig_ctx = m.tsig_ctx
            if m.rcode() != dns.rcode.NOERROR:
                raise AssertionError("AXFR of %s from %s: %s" % (
                    origin, addr, dns.rcode.to_text(m.rcode())))
            for rrset in m.answer:
                if rrset.rdtype == dns.rdatatype.SOA and rrs:
                    return rrs
                rrs.append(rrset)
            first = False


def rr_texts(rrsets):
    """Sorted presentation lines of a list of RRsets (for comparisons)."""
    return sorted(line for rrset in rrsets for line in rrset.to_text().splitlines())


# ----------------------------------------------------------------- servers

def wait_for(what, predicate, seconds, step=0.05, server=None):
    """Poll predicate() until truthy (returned) or raise AssertionError."""
    deadline = time.monotonic() + dnstest.timeout(seconds)
    last = None
    while True:
        last = predicate()
        if last:
            return last
        if server is not None and not server.alive():
            raise AssertionError("%s died while waiting for %s\n%s" % (
                server.name, what, server.logs()))
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.1f s waiting for %s%s" % (
                dnstest.timeout(seconds), what,
                ("\n" + server.logs(60)) if server is not None else ""))
        time.sleep(step)


class Peer:
    """Mixin for dnstest.Server subclasses: port fixed at creation, restart
    keeps everything, serial/log helpers."""

    def _init_peer(self, xfr_zones):
        self.xfr_zones = list(xfr_zones)
        self.port = dnstest.free_port(self.hosts)

    def start(self, wait_ready=True, ready_timeout=10.0):
        reason = self.available()
        if reason:
            raise unittest.SkipTest(reason)
        self.write_config()
        self._spawn()
        if wait_ready:
            try:
                self.wait_ready(ready_timeout)
            except dnstest.ServerError:
                self.stop(wait=3)
                raise
        return self

    def remote_addr(self):
        return "%s@%d" % (self.hosts[0], self.port)

    def kill9(self):
        """SIGKILL the process (no clean shutdown) and reap it."""
        if self.alive():
            os.kill(self.proc.pid, 9)
            self.proc.wait(10)
        if self in dnstest._running:
            dnstest._running.remove(self)

    def serial(self, origin, wait=0.5):
        """SOA serial the server answers (None: no NOERROR answer)."""
        r = self.query(origin, "SOA", wait=wait)
        if r.msg is None or r.msg.rcode() != dns.rcode.NOERROR:
            return None
        for rrset in r.msg.answer:
            if rrset.rdtype == dns.rdatatype.SOA:
                return rrset[0].serial
        return None

    def wait_serial(self, origin, want, seconds=10.0):
        wait_for("%s to answer %s with serial %d (last %s)" % (
            self.name, origin, want, self.serial(origin)),
            lambda: self.serial(origin) == want, seconds, server=self)

    def log_since(self, mark=0):
        return self.stderr_text()[mark:] + self._stdout_text()

    def _stdout_text(self):
        try:
            return self.stdout_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_mark(self):
        return len(self.stderr_text())

    def wait_log(self, pattern, seconds=10.0, mark=0):
        """Wait until stderr (from `mark`) has a line matching regex `pattern`."""
        rx = re.compile(pattern, re.M)
        return wait_for("%s log line /%s/" % (self.name, pattern),
                        lambda: rx.search(self.stderr_text()[mark:]), seconds, server=self)


class KnotPeer(Peer, dnstest.Server):
    """knotd as primary (zone file read with `zonefile-load: difference` and
    a journal, so that it answers IXFR after a reload) and/or secondary
    (journal of changes, IXFR requested). Control socket in its directory."""

    kind = "knot"

    def __init__(self, xfr_zones, name=None):
        dnstest.Server.__init__(self, [dnstest.Zone(z.origin, z.path or "/dev/null")
                                       for z in xfr_zones], name=name)
        self._init_peer(xfr_zones)

    def available(self):
        return None if dnstest.have_program("knotd") else "knotd is not installed"

    @property
    def storage(self):
        return self.dir / "db"

    def write_config(self):
        d = self.dir
        (d / "db").mkdir(exist_ok=True)
        (d / "zones").mkdir(exist_ok=True)
        out = ["server:", '    rundir: "%s"' % d, '    pidfile: "%s/knot.pid"' % d,
               "    listen: %s" % self.remote_addr(), "    udp-workers: 1",
               "    tcp-workers: 1", "    background-workers: 1",
               "database:", '    storage: "%s/db"' % d,
               "control:", '    listen: "%s/knot.sock"' % d,
               "log:", "  - target: stderr", "    any: info"]
        keys = all_keys(self.xfr_zones)
        if keys:
            out.append("key:")
            for k in keys:
                out += ["  - id: %s" % k.name, "    algorithm: %s" % k.algorithm,
                        "    secret: %s" % k.secret]
        remotes = []
        for z in self.xfr_zones:
            for srv in z.primaries + z.notify:
                remotes.append((srv, z.key))
        if remotes:
            out.append("remote:")
            seen = set()
            for srv, key in remotes:
                rid = "r-%s-%d" % (srv.name, srv.port)
                if rid in seen:
                    continue
                seen.add(rid)
                out += ["  - id: %s" % rid, "    address: %s" % srv.remote_addr()]
                if key is not None:
                    out.append("    key: %s" % key.name)
        acl_lines = []
        for zi, z in enumerate(self.xfr_zones):
            for ai, a in enumerate(z.acls):
                acl_lines += ["  - id: acl-%d-%d" % (zi, ai),
                              "    address: [ %s ]" % ", ".join(a.addresses),
                              "    action: [ %s ]" % ", ".join(a.actions)]
                if a.key is not None:
                    acl_lines.append("    key: %s" % a.key.name)
        if acl_lines:
            out.append("acl:")
            out += acl_lines
        out += ["template:", "  - id: default", '    storage: "%s/zones"' % d,
                "    semantic-checks: off", "    zonefile-sync: -1",
                # Primary: a reloaded file is diffed against the served zone
                # and the difference journaled, so IXFR is answered.
                "    zonefile-load: difference",
                "    journal-content: changes",
                "zone:"]
        for zi, z in enumerate(self.xfr_zones):
            out.append('  - domain: "%s"' % z.origin)
            if z.secondary:
                out.append('    file: "%s/zones/%szone"' % (d, z.origin))
                # Keep the whole transferred zone in the journal, so that a
                # restarted secondary serves it at once (like tandem's storage).
                out.append("    journal-content: all")
                out.append("    zonefile-load: none")
                out.append("    master: [ %s ]" % ", ".join(
                    "r-%s-%d" % (s.name, s.port) for s in z.primaries))
            else:
                out.append('    file: "%s"' % z.path)
            if z.notify:
                out.append("    notify: [ %s ]" % ", ".join(
                    "r-%s-%d" % (s.name, s.port) for s in z.notify))
            if z.acls:
                out.append("    acl: [ %s ]" % ", ".join(
                    "acl-%d-%d" % (zi, ai) for ai in range(len(z.acls))))
        (d / "knot.conf").write_text("\n".join(out) + "\n")

    def argv(self):
        return [dnstest.program("knotd"), "-c", str(self.dir / "knot.conf")]

    def ctl(self, *args, wait=10.0):
        """knotc on the private control socket; raises on failure."""
        r = subprocess.run([dnstest.program("knotc"), "-c", str(self.dir / "knot.conf"),
                            "-s", str(self.dir / "knot.sock"), *args],
                           capture_output=True, text=True, timeout=dnstest.timeout(wait))
        if r.returncode != 0:
            raise AssertionError("knotc %s failed (%d): %s%s" % (
                " ".join(args), r.returncode, r.stdout, r.stderr))
        return r

    def reload_zone(self, origin):
        self.ctl("zone-reload", origin)

    def saw_ixfr_in(self, mark=0):
        # Knot 3.2: "[example.org.] IXFR, incoming, remote 127.0.0.1@5300 TSIG
        # xfr., finished, ..."; an AXFR-style answer is logged as
        # "IXFR, incoming, ... receiving AXFR-style IXFR" then "AXFR, incoming".
        return re.search(r"IXFR, incoming.*finished", self.stderr_text()[mark:]) is not None


class BindPeer(Peer, dnstest.Server):
    """named -g (foreground, log to stderr) as primary (ixfr-from-differences,
    notify-delay 0, also-notify with the key) and/or secondary. rndc with a
    private key on a private port."""

    kind = "bind"

    def __init__(self, xfr_zones, name=None):
        dnstest.Server.__init__(self, [dnstest.Zone(z.origin, z.path or "/dev/null")
                                       for z in xfr_zones], name=name)
        self._init_peer(xfr_zones)
        self.rndc_port = dnstest.free_port()
        self.rndc_secret = base64.b64encode(secrets.token_bytes(32)).decode()

    def available(self):
        for p in ("named", "rndc"):
            if not dnstest.have_program(p):
                return "%s is not installed" % p
        return None

    @staticmethod
    def _addr(srv):
        return "%s port %d" % (srv.hosts[0], srv.port)

    def write_config(self):
        d = self.dir
        out = ['key "rndc-key" { algorithm hmac-sha256; secret "%s"; };' % self.rndc_secret]
        for k in all_keys(self.xfr_zones):
            out.append('key "%s" { algorithm %s; secret "%s"; };' % (
                k.name, k.algorithm, k.secret))
        out.append('controls { inet 127.0.0.1 port %d allow { 127.0.0.1; } '
                   'keys { "rndc-key"; }; };' % self.rndc_port)
        out.append("""options {{
    directory "{d}";
    pid-file "{d}/named.pid";
    session-keyfile "{d}/session.key";
    managed-keys-directory "{d}";
    listen-on port {port} {{ 127.0.0.1; }};
    listen-on-v6 {{ none; }};
    recursion no;
    dnssec-validation no;
    notify-delay 0;
    max-ixfr-ratio unlimited;
    allow-transfer {{ none; }};
    allow-new-zones no;
    min-refresh-time 1;
    min-retry-time 1;
    max-retry-time 2;
    transfer-format many-answers;
}};""".format(d=d, port=self.port))
        for z in self.xfr_zones:
            name = z.origin.rstrip(".") or "."
            lines = ['zone "%s" {' % name]
            if z.secondary:
                lines.append("    type secondary;")
                lines.append('    file "%szone";' % z.origin)
                lines.append("    masterfile-format text;")
                keyspec = (" key %s" % z.key.name) if z.key else ""
                lines.append("    primaries { %s };" % " ".join(
                    "%s%s;" % (self._addr(s), keyspec) for s in z.primaries))
            else:
                lines.append("    type primary;")
                # Diff each reloaded file against the served zone, so that
                # IXFR is answered (the journal lands next to the file).
                lines.append("    ixfr-from-differences yes;")
                lines.append('    file "%s";' % z.path)
            lines.append("    allow-transfer { %s };" % " ".join(
                self._acl_elems(z, "transfer")) if self._acl_elems(z, "transfer")
                else "    allow-transfer { none; };")
            notify_elems = self._acl_elems(z, "notify")
            if notify_elems:
                lines.append("    allow-notify { %s };" % " ".join(notify_elems))
            if z.notify:
                keyspec = (" key %s" % z.key.name) if z.key else ""
                lines.append("    notify explicit;")
                lines.append("    also-notify { %s };" % " ".join(
                    "%s%s;" % (self._addr(s), keyspec) for s in z.notify))
            else:
                lines.append("    notify no;")
            lines.append("};")
            out += lines
        (d / "named.conf").write_text("\n".join(out) + "\n")
        (d / "rndc.conf").write_text(
            'key "rndc-key" {{ algorithm hmac-sha256; secret "{s}"; }};\n'
            'options {{ default-key "rndc-key"; default-server 127.0.0.1; '
            'default-port {p}; }};\n'.format(s=self.rndc_secret, p=self.rndc_port))

    @staticmethod
    def _acl_elems(z, action):
        elems = []
        for a in z.acls:
            if action not in a.actions:
                continue
            if a.key is not None:
                # BIND's address-match lists are OR-ed; "address AND key" is
                # spelled as a nested list: { !{ !addr; any; }; key K; }.
                elems.append("!{ !{ %s }; any; }; key %s;" % (
                    " ".join("%s;" % x for x in a.addresses), a.key.name))
            else:
                elems += ["%s;" % x for x in a.addresses]
        return elems

    def argv(self):
        return [dnstest.program("named"), "-g", "-4", "-n", "1", "-c",
                str(self.dir / "named.conf")]

    def rndc(self, *args, wait=10.0):
        r = subprocess.run([dnstest.program("rndc"), "-c", str(self.dir / "rndc.conf"), *args],
                           capture_output=True, text=True, timeout=dnstest.timeout(wait))
        if r.returncode != 0:
            raise AssertionError("rndc %s failed (%d): %s%s" % (
                " ".join(args), r.returncode, r.stdout, r.stderr))
        return r

    def reload_zone(self, origin):
        self.rndc("reload", origin.rstrip("."))

    def saw_ixfr_in(self, mark=0):
        """BIND 9.18 logs an incremental transfer only at debug level; but a
        secondary without ixfr-from-differences keeps a journal only for
        changes received by IXFR (an AXFR replaces the zone and its journal)."""
        del mark
        return any(self.dir.glob("*.jnl"))


class NsdPeer(Peer, dnstest.Server):
    """nsd -d as a secondary (request-xfr with the key, IXFR first;
    allow-notify with the key). Pidfile, xfrd state, zone list and zone files
    in its directory; no database; no remote control."""

    kind = "nsd"

    def __init__(self, xfr_zones, name=None):
        dnstest.Server.__init__(self, [dnstest.Zone(z.origin, z.path or "/dev/null")
                                       for z in xfr_zones], name=name)
        self._init_peer(xfr_zones)

    def available(self):
        return None if dnstest.have_program("nsd") else "nsd is not installed"

    def write_config(self):
        d = self.dir
        (d / "xfr").mkdir(exist_ok=True)
        out = ["""server:
    ip-address: {h}@{port}
    port: {port}
    do-ip6: no
    server-count: 1
    username: ""
    chroot: ""
    zonesdir: "{d}"
    database: ""
    zonelistfile: "{d}/zone.list"
    xfrdfile: "{d}/xfrd.state"
    xfrdir: "{d}/xfr"
    pidfile: "{d}/nsd.pid"
    cookie-secret-file: "{d}/cookiesecrets.txt"
    zonefiles-write: 0
    verbosity: 2
    reuseport: no
    rrl-ratelimit: 0
    xfrd-reload-timeout: 0
remote-control:
    control-enable: no""".format(h=self.hosts[0], port=self.port, d=d)]
        for k in all_keys(self.xfr_zones):
            out.append('key:\n    name: "%s"\n    algorithm: %s\n    secret: "%s"' % (
                k.name, k.algorithm, k.secret))
        for z in self.xfr_zones:
            lines = ["zone:", '    name: "%s"' % z.origin,
                     "    min-refresh-time: 1", "    min-retry-time: 1"]
            keyname = z.key.name if z.key else "NOKEY"
            if z.secondary:
                lines.append('    zonefile: "%s/%szone"' % (d, z.origin))
                for s in z.primaries:
                    lines.append("    request-xfr: %s %s" % (s.remote_addr(), keyname))
            else:
                lines.append('    zonefile: "%s"' % z.path)
                for s in z.notify:
                    lines.append("    notify: %s %s" % (s.remote_addr(), keyname))
            for a in z.acls:
                kn = a.key.name if a.key else "NOKEY"
                for x in a.addresses:
                    if "notify" in a.actions:
                        lines.append("    allow-notify: %s %s" % (x, kn))
                    if "transfer" in a.actions:
                        lines.append("    provide-xfr: %s %s" % (x, kn))
            out.append("\n".join(lines))
        (d / "nsd.conf").write_text("\n".join(out) + "\n")

    def argv(self):
        return [dnstest.program("nsd"), "-d", "-c", str(self.dir / "nsd.conf")]

    def saw_ixfr_in(self, mark=0):
        """Unknown: NSD 4.6 logs "received update to serial N ... from ADDR" for
        both transfer types (None: the caller checks the primary's side)."""
        del mark
        return None


class TandemPeer(Peer, dnstest.Tandem):
    """tandem serve with the issue-3 YAML contract (key/remote/acl/zone with
    primary:, notify:, acl:), storage in its directory, ctl on its socket."""

    def __init__(self, xfr_zones, name=None, server_extra=""):
        dnstest.Tandem.__init__(self, [dnstest.Zone(z.origin, z.path or "/dev/null")
                                       for z in xfr_zones], name=name)
        self._init_peer(xfr_zones)
        self.server_extra = server_extra

    @property
    def storage(self):
        return self.dir / "storage"

    def config_text(self):
        d = self.dir
        self.storage.mkdir(exist_ok=True)
        out = ["server:", '  listen: [ "%s" ]' % self.remote_addr(), "  workers: 1",
               "  control: %s/tandem.sock" % d, "  storage: %s" % self.storage]
        if self.server_extra:
            out.append(self.server_extra.rstrip("\n"))
        keys = all_keys(self.xfr_zones)
        if keys:
            out.append("key:")
            for k in keys:
                out.append('  - { id: %s, algorithm: %s, secret: "%s" }' % (
                    k.name, k.algorithm, k.secret))
        remotes = {}
        for z in self.xfr_zones:
            for s in z.primaries + z.notify:
                remotes["r-%s-%d" % (s.name, s.port)] = (s, z.key)
        if remotes:
            out.append("remote:")
            for rid, (s, key) in remotes.items():
                out.append('  - { id: %s, address: [ "%s" ]%s }' % (
                    rid, s.remote_addr(), (", key: %s" % key.name) if key else ""))
        acls = []
        for zi, z in enumerate(self.xfr_zones):
            for ai, a in enumerate(z.acls):
                acls.append('  - { id: acl-%d-%d, address: [ %s ],%s action: [ %s ] }' % (
                    zi, ai, ", ".join('"%s"' % x for x in a.addresses),
                    (" key: %s," % a.key.name) if a.key else "", ", ".join(a.actions)))
        if acls:
            out.append("acl:")
            out += acls
        out.append("zone:")
        for zi, z in enumerate(self.xfr_zones):
            out.append("  - domain: %s" % z.origin)
            if z.secondary:
                out.append("    primary: [ %s ]" % ", ".join(
                    "r-%s-%d" % (s.name, s.port) for s in z.primaries))
            if z.path:
                out.append("    file: %s" % z.path)
            if z.notify:
                out.append("    notify: [ %s ]" % ", ".join(
                    "r-%s-%d" % (s.name, s.port) for s in z.notify))
            if z.acls:
                out.append("    acl: [ %s ]" % ", ".join(
                    "acl-%d-%d" % (zi, ai) for ai in range(len(z.acls))))
        return "\n".join(out) + "\n"

    def reload_zone(self, origin):
        r = self.ctl("reload", origin)
        if r.returncode != 0:
            raise AssertionError("tandem ctl reload %s failed (%d): %s%s" % (
                origin, r.returncode, r.stdout, r.stderr))

    def transfer_in_re(self, kind, old=None, new=None):
        """The contract's transfer line: type, then (anywhere on the line)
        `serial A -> B`."""
        serial = r"serial\s+%s\s*->\s*%s" % (old if old is not None else r"\d+",
                                              new if new is not None else r"\d+")
        return r"^.*\b%s\b.*%s.*$" % (kind, serial)

    def saw_ixfr_in(self, mark=0):
        return re.search(self.transfer_in_re("IXFR"), self.stderr_text()[mark:], re.M) \
            is not None



PEERS = {"knot": KnotPeer, "bind": BindPeer, "nsd": NsdPeer, "tandem": TandemPeer}


# ----------------------------------------------------------------- throttling proxy

class GateProxy:
    """A loopback proxy in front of a primary (UDP relayed as is, TCP relayed
    byte for byte) that can hold a transfer in the middle: after
    hold_after(n), the reply stream of each TCP connection stops after n
    octets until release(). `held` is set while a stream is held, so a test
    can kill the secondary at a known point mid-transfer.

    It has the attributes a peer config needs (name, hosts, port,
    remote_addr()), so it can stand in XfrZone.primaries."""

    kind = "proxy"

    def __init__(self, target, name="proxy"):
        import threading
        self._threading = threading
        self.target = target                  # (host, port) of the real primary
        self.name = name
        self.hosts = ("127.0.0.1",)
        self.port = dnstest.free_port(self.hosts)
        self.limit = None
        self.held = threading.Event()
        self._go = threading.Event()
        self._stop = threading.Event()
        self.forwarded = 0                     # octets sent to clients, last TCP stream
        self.connections = 0
        self._socks = []
        self._threads = []

    def remote_addr(self):
        return "%s@%d" % (self.hosts[0], self.port)

    @property
    def addr(self):
        return (self.hosts[0], self.port)

    def query(self, qname, qtype="A", qclass="IN", **kw):
        return dnstest.query(self.addr, qname, qtype, qclass, **kw)

    def start(self):
        t = self._threading
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind((self.hosts[0], self.port))
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind((self.hosts[0], self.port))
        self.tcp.listen(8)
        self._socks += [self.udp, self.tcp]
        for fn in (self._udp_loop, self._tcp_loop):
            th = t.Thread(target=fn, daemon=True)
            th.start()
            self._threads.append(th)
        return self

    def hold_after(self, nbytes):
        self.limit = nbytes
        self.held.clear()
        self._go.clear()

    def release(self):
        self.limit = None
        self._go.set()

    def stop(self):
        self._stop.set()
        self._go.set()
        for s in self._socks:
            try:
                s.close()
            except OSError:
                pass

    def _udp_loop(self):
        self.udp.settimeout(0.2)
        while not self._stop.is_set():
            try:
                data, client = self.udp.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as up:
                    up.settimeout(2)
                    up.sendto(data, self.target)
                    reply = up.recv(65535)
                self.udp.sendto(reply, client)
            except OSError:
                continue

    def _tcp_loop(self):
        self.tcp.settimeout(0.2)
        while not self._stop.is_set():
            try:
                client, _ = self.tcp.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.connections += 1
            try:
                up = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            self._socks += [client, up]
            for fn, args in ((self._pipe, (client, up, False)), (self._pipe, (up, client, True))):
                th = self._threading.Thread(target=fn, args=args, daemon=True)
                th.start()

    def _pipe(self, src, dst, downstream):
        sent = 0
        if downstream:
            self.forwarded = 0
        try:
            src.settimeout(0.2)
            while not self._stop.is_set():
                try:
                    data = src.recv(16384)
                except socket.timeout:
                    continue
                if not data:
                    break
                while data:
                    chunk = data
                    if downstream and self.limit is not None:
                        room = self.limit - sent
                        if room <= 0:
                            self.held.set()
                            self._go.wait()
                            if self._stop.is_set():
                                return
                            continue
                        chunk = data[:room]
                    dst.sendall(chunk)
                    sent += len(chunk)
                    if downstream:
                        self.forwarded = sent
                    data = data[len(chunk):]
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def open_files_under(pid, directory):
    """Paths under `directory` that process `pid` has open or mapped."""
    directory = os.path.realpath(str(directory))
    out = set()
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                p = os.readlink("/proc/%d/fd/%s" % (pid, fd))
            except OSError:
                continue
            if p.startswith(directory + "/"):
                out.add(p)
        with open("/proc/%d/maps" % pid) as f:
            for line in f:
                parts = line.split(None, 5)
                if len(parts) == 6 and parts[5].strip().startswith(directory + "/"):
                    out.add(parts[5].strip())
    except FileNotFoundError:
        pass
    return sorted(out)


TEMP_NAME_RE = re.compile(r"(\.tmp|\.part|\.partial|\.new|\.incoming|~|\.swp)(\.|$)|"
                          r"(^|/)(tmp|\.#)", re.I)
