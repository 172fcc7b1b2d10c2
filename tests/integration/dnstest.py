"""dnstest -- a small harness for integration tests of DNS servers on loopback.

Modelled on the idea of Knot's tests-extra `dnstest`: a test creates `Server`
objects (Knot, Nsd, Tandem), each writes a private configuration into its own
temporary directory, starts on 127.0.0.1 (and ::1 if asked) on a free port,
waits until every zone answers its SOA, and is always stopped (SIGTERM, then
SIGKILL) when the test ends. Logs stay in the server's directory and are
printed when the test fails.

Environment:
  TANDEM_BIN        the tandem binary (default <repo>/build/tandem)
  DNSTEST_SUBJECT   tandem (default), knot or nsd: the server that the generic
                    protocol tests (malformed packets, TCP, reload) run against.
                    Setting knot or nsd validates those tests on a reference server.
  DNSTEST_SLOW      a factor (e.g. 4) for every timeout, for sanitizer builds
  DNSTEST_KEEP      keep the server directories even when the test passes
  DNSTEST_TMP       where to create server directories (default: system temp)
"""

import atexit
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rcode
import dns.rrset
import dns.zone

REPO = Path(__file__).resolve().parents[2]
ZONES_DIR = REPO / "tests" / "data" / "zones"
SLOW = float(os.environ.get("DNSTEST_SLOW", "1") or "1")


def tandem_bin():
    """Path of the tandem binary under test (it may not exist)."""
    return Path(os.environ.get("TANDEM_BIN", str(REPO / "build" / "tandem"))).resolve()


def have_tandem():
    b = tandem_bin()
    return b.is_file() and os.access(b, os.X_OK)


def have_program(name):
    return shutil.which(name) is not None or any(
        os.access(os.path.join(d, name), os.X_OK) for d in ("/usr/sbin", "/sbin"))


def program(name):
    for d in ("/usr/sbin", "/sbin"):
        p = os.path.join(d, name)
        if os.access(p, os.X_OK):
            return p
    return shutil.which(name) or name


def timeout(seconds):
    """A timeout scaled for slow (sanitizer) builds: start-up, reloads."""
    return seconds * SLOW


def packet_wait(seconds):
    """How long to wait for one reply: scaled by at most 2, since a sanitized
    server answers one packet in well under a millisecond anyway and several
    tests wait out packets that get no answer."""
    return seconds * min(SLOW, 2.0)


def ipv6_loopback_available():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def make_temp_dir(prefix):
    """A new private directory under DNSTEST_TMP (created if needed) or the
    system temp directory."""
    root = os.environ.get("DNSTEST_TMP") or None
    if root:
        os.makedirs(root, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=root))


# ----------------------------------------------------------------- ports

_handed_out = set()


def _family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _port_free(host, port):
    fam = _family(host)
    socks = []
    try:
        for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
            s = socket.socket(fam, kind)
            socks.append(s)
            if kind == socket.SOCK_STREAM:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
        return True
    except OSError:
        return False
    finally:
        for s in socks:
            s.close()


def free_port(hosts=("127.0.0.1",)):
    """A port that is free for both UDP and TCP on every host in `hosts`.

    The kernel picks a UDP port on the first host; the port is kept only if TCP
    (and the other hosts) can bind it too and this process has not handed it
    out before. Another process can still take it before the server binds it:
    Server.start() retries with a new port when the server reports so.
    """
    for _ in range(200):
        with socket.socket(_family(hosts[0]), socket.SOCK_DGRAM) as s:
            s.bind((hosts[0], 0))
            port = s.getsockname()[1]
        if port in _handed_out or port < 1024:
            continue
        if all(_port_free(h, port) for h in hosts):
            _handed_out.add(port)
            return port
    raise RuntimeError("no free port found on %s" % (hosts,))


# ----------------------------------------------------------------- zones

class Zone:
    """A zone to serve: origin (absolute, with the final dot) and file path."""

    def __init__(self, origin, path):
        self.origin = origin if origin.endswith(".") else origin + "."
        self.path = Path(path).resolve()

    def __repr__(self):
        return "Zone(%s, %s)" % (self.origin, self.path)

    def load(self):
        """The zone parsed by dnspython (names absolute)."""
        return dns.zone.from_file(str(self.path), self.origin, relativize=False,
                                  check_origin=False)


def test_zones():
    """The zone set of the differential test (tests/data/zones)."""
    return [
        Zone("example.com.", ZONES_DIR / "example.com.zone"),
        Zone("sub.example.com.", ZONES_DIR / "sub.example.com.zone"),
        Zone("example.", ZONES_DIR / "rfc4592.example.zone"),
        Zone("all-types.test.", ZONES_DIR / "all-types.test.zone"),
    ]


# ----------------------------------------------------------------- queries

_KNOWN_OPCODES = {int(o) for o in dns.opcode.Opcode}


def opcode_text(value):
    """Mnemonic of an opcode number, or the number for unassigned ones."""
    return dns.opcode.to_text(value) if value in _KNOWN_OPCODES else str(value)


class Reply:
    """One response: raw bytes, the parsed message (or None) and how it came."""

    def __init__(self, query, wire, tcp, error=None):
        self.query = query
        self.wire = wire
        self.tcp = tcp
        self.error = error
        self.msg = None
        # The opcode straight from the header: dnspython refuses opcodes it
        # does not know (3, 6, 7, 15...), so those are parsed as QUERY and
        # the real value is kept here.
        self.opcode = (wire[2] >> 3) & 0xF if wire is not None and len(wire) >= 3 else None
        if wire is not None and error is None:
            parse = wire
            if self.opcode is not None and self.opcode not in _KNOWN_OPCODES:
                parse = wire[:2] + bytes([wire[2] & 0x87]) + wire[3:]
            try:
                # one_rr_per_rrset keeps each RR's own TTL (dnspython would
                # otherwise merge an RRset and keep the smallest TTL).
                self.msg = dns.message.from_wire(parse, one_rr_per_rrset=True,
                                                 ignore_trailing=False)
            except Exception as e:  # noqa: BLE001 - any parse error is a finding
                self.error = "unparseable response (%s: %s): %s" % (
                    type(e).__name__, e, wire.hex())

    @property
    def timed_out(self):
        return self.wire is None

    def __str__(self):
        if self.wire is None:
            return "<no answer: %s>" % (self.error or "timeout")
        if self.msg is None:
            return "<%s>" % self.error
        return self.msg.to_text()


def make_query(qname, qtype="A", qclass="IN", *, edns=None, do=False, edns_version=0,
               edns_options=(), rd=False, cd=False, ad=False, opcode="QUERY", qid=None):
    """A query message. edns=None sends no OPT; an int is the UDP payload size."""
    if isinstance(qname, str):
        qname = dns.name.from_text(qname)
    rdtype = dns.rdatatype.from_text(qtype) if isinstance(qtype, str) else qtype
    rdclass = dns.rdataclass.from_text(qclass) if isinstance(qclass, str) else qclass
    msg = dns.message.Message(id=qid if qid is not None else random.randint(0, 65535))
    msg.flags = 0
    if rd:
        msg.flags |= dns.flags.RD
    if cd:
        msg.flags |= dns.flags.CD
    if ad:
        msg.flags |= dns.flags.AD
    op = dns.opcode.from_text(opcode) if isinstance(opcode, str) else opcode
    # set_opcode() accepts only opcodes dnspython knows; write the bits directly.
    msg.flags |= (int(op) & 0xF) << 11
    msg.find_rrset(msg.question, qname, rdclass, rdtype, create=True, force_unique=True)
    if edns is not None:
        msg.use_edns(edns=edns_version, ednsflags=dns.flags.DO if do else 0, payload=edns,
                     options=list(edns_options))
    return msg


def _recv_exact(sock, n, deadline):
    buf = b""
    while len(buf) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout("timed out")
        sock.settimeout(left)
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed after %d of %d octets" % (len(buf), n))
        buf += chunk
    return buf


def raw_udp(addr, data, wait=2.0, expect_id=None):
    """Send bytes in one UDP datagram; return the reply bytes or None on timeout.

    With expect_id, datagrams with another ID are skipped (stale answers)."""
    host, port = addr
    with socket.socket(_family(host), socket.SOCK_DGRAM) as s:
        s.connect((host, port))
        s.send(data)
        deadline = time.monotonic() + packet_wait(wait)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            s.settimeout(left)
            try:
                wire = s.recv(65535)
            except (socket.timeout, ConnectionRefusedError):
                return None
            if expect_id is None or (len(wire) >= 2 and
                                     struct.unpack("!H", wire[:2])[0] == expect_id):
                return wire


def tcp_connect(addr, wait=2.0):
    host, port = addr
    s = socket.socket(_family(host), socket.SOCK_STREAM)
    s.settimeout(packet_wait(wait))
    s.connect((host, port))
    return s


def tcp_frame(data):
    return struct.pack("!H", len(data)) + data


def tcp_read_message(sock, wait=2.0):
    """Read one length-prefixed message; None when the peer closed or timed out."""
    deadline = time.monotonic() + packet_wait(wait)
    try:
        n = struct.unpack("!H", _recv_exact(sock, 2, deadline))[0]
        return _recv_exact(sock, n, deadline)
    except (socket.timeout, ConnectionError, OSError):
        return None


def raw_tcp(addr, data, wait=2.0, frame=True):
    """Send bytes over a new TCP connection (framed unless frame=False) and
    return the first response message, or None if the server closed or timed out."""
    try:
        s = tcp_connect(addr, wait)
    except OSError:
        return None
    with s:
        try:
            s.sendall(tcp_frame(data) if frame else data)
        except OSError:
            return None
        return tcp_read_message(s, wait)


def query(addr, qname, qtype="A", qclass="IN", *, tcp=False, wait=2.0, **kw):
    """Send a query (see make_query for options) and return a Reply."""
    msg = make_query(qname, qtype, qclass, **kw)
    return send(addr, msg, tcp=tcp, wait=wait)


def send(addr, msg, tcp=False, wait=2.0, retries=1):
    """Send a dnspython message (or bytes) over UDP or TCP and return a Reply.
    A UDP query that gets no answer is sent again `retries` times (a loaded
    machine can drop a datagram even on loopback)."""
    wire = msg if isinstance(msg, (bytes, bytearray)) else msg.to_wire()
    qid = struct.unpack("!H", wire[:2])[0] if len(wire) >= 2 else None
    answer = None
    for _ in range(1 + (0 if tcp else retries)):
        try:
            if tcp:
                answer = raw_tcp(addr, bytes(wire), wait)
            else:
                answer = raw_udp(addr, bytes(wire), wait, expect_id=qid)
        except OSError as e:
            return Reply(msg, None, tcp, error="%s: %s" % (type(e).__name__, e))
        if answer is not None:
            break
    return Reply(msg, answer, tcp, error=None if answer is not None else "timeout")


# ----------------------------------------------------------------- servers

_running = []


@atexit.register
def _kill_leftovers():
    for srv in list(_running):
        try:
            srv.stop(wait=2)
        except Exception:  # noqa: BLE001 - best effort at interpreter exit
            pass


class ServerError(RuntimeError):
    pass


class Server:
    """A DNS server process with a private directory, config and logs.

    Subclasses implement write_config() and argv(). Lifecycle: start() (waits
    for every zone's SOA), query(), reload(), stop(). stop() is idempotent."""

    kind = "server"

    def __init__(self, zones, listen=("127.0.0.1",), workers=1, name=None):
        self.zones = list(zones)
        self.hosts = tuple(listen)
        self.workers = workers
        self.name = name or self.kind
        self.dir = make_temp_dir("dnstest-%s-" % self.name)
        self.port = None
        self.proc = None
        self.stdout_path = self.dir / "stdout.log"
        self.stderr_path = self.dir / "stderr.log"
        self.returncode = None

    # -- to implement
    def write_config(self):
        raise NotImplementedError

    def argv(self):
        raise NotImplementedError

    def available(self):
        """None if the server can run here, else the reason it cannot."""
        return None

    # -- addresses
    @property
    def addr(self):
        return (self.hosts[0], self.port)

    def addr_for(self, host):
        return (host, self.port)

    # -- lifecycle
    def start(self, wait_ready=True, ready_timeout=10.0):
        """Start the server; unless wait_ready=False, wait until every zone's SOA
        answers. Raises ServerError (with the logs) if it exits or is not ready."""
        reason = self.available()
        if reason:
            raise unittest.SkipTest(reason)
        for attempt in range(3):
            self.port = free_port(self.hosts)
            self.write_config()
            self._spawn()
            if not wait_ready:
                return self
            try:
                self.wait_ready(ready_timeout)
                return self
            except ServerError:
                log = self.logs().lower()
                early_exit = self.proc.poll() is not None
                self.stop(wait=3)
                if early_exit and attempt < 2 and ("in use" in log or "eaddrinuse" in log):
                    continue  # somebody took the port between free_port() and bind()
                raise
        raise ServerError("%s: could not start" % self.name)

    def _spawn(self):
        self.returncode = None
        out = open(self.stdout_path, "ab")
        err = open(self.stderr_path, "ab")
        try:
            # A new session so that a stuck server and its children can be
            # killed as one process group -- the group of the process we started.
            self.proc = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=err, cwd=str(self.dir),
                                         start_new_session=True)
        finally:
            out.close()
            err.close()
        _running.append(self)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_ready(self, ready_timeout=10.0):
        deadline = time.monotonic() + timeout(ready_timeout)
        pending = [z.origin for z in self.zones]
        last = None
        while True:
            if not self.alive():
                raise ServerError("%s exited with %s before answering\n%s" % (
                    self.name, self.proc.returncode, self.logs()))
            still = []
            for origin in pending:
                r = query(self.addr, origin, "SOA", wait=0.3)
                ok = (r.msg is not None and r.msg.rcode() == dns.rcode.NOERROR and
                      any(rr.rdtype == dns.rdatatype.SOA for rr in r.msg.answer))
                if not ok:
                    still.append(origin)
                    last = r
            pending = still
            if not pending:
                return
            if time.monotonic() > deadline:
                raise ServerError("%s: zones %s not answering SOA after %.0fs (last: %s)\n%s" % (
                    self.name, pending, timeout(ready_timeout), last, self.logs()))
            time.sleep(0.05)

    def signal(self, sig):
        if self.alive():
            os.kill(self.proc.pid, sig)

    def reload(self):
        """Ask the server to re-read its configuration and changed zone files."""
        self.signal(signal.SIGHUP)

    def stop(self, wait=10.0):
        """SIGTERM, then SIGKILL to the process group after `wait` seconds.
        Returns the exit status (negative: killed by that signal)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout(wait))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(10)
        else:
            # The server is gone; its children (if any) must not outlive it.
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.returncode = self.proc.returncode
        if self in _running:
            _running.remove(self)
        return self.returncode

    def cleanup(self, keep=False):
        self.stop()
        if not keep and not os.environ.get("DNSTEST_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)

    def logs(self, tail=200):
        text = []
        for p in (self.stdout_path, self.stderr_path):
            try:
                lines = p.read_text(errors="replace").splitlines()
            except FileNotFoundError:
                continue
            if lines:
                text.append("---- %s (last %d lines)" % (p, min(tail, len(lines))))
                text.extend(lines[-tail:])
        return "\n".join(text) if text else "(no output in %s)" % self.dir

    SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                       "runtime error:", "SUMMARY: UndefinedBehaviorSanitizer",
                       "WARNING: ThreadSanitizer")

    def exit_problem(self, rc, was_running):
        """Why the way the server ended is a failure, or None: it must stop on
        SIGTERM in time (exit 0, or killed by that SIGTERM) and its stderr must
        hold no sanitizer report."""
        text = self.stderr_text()
        for mark in self.SANITIZER_MARKS:
            if mark in text:
                return "%s: sanitizer report on stderr (%s)" % (self.name, mark)
        if rc is None:
            return None
        if rc == -signal.SIGKILL and was_running:
            return "%s did not stop within %.0f s of SIGTERM" % (self.name, timeout(10))
        if was_running and rc not in (0, -signal.SIGTERM):
            return "%s exited with status %s after SIGTERM" % (self.name, rc)
        if not was_running and rc < 0 and rc not in (-signal.SIGTERM, -signal.SIGKILL):
            return "%s died from signal %d during the test" % (self.name, -rc)
        return None

    def stderr_text(self):
        try:
            return self.stderr_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    # -- queries
    def query(self, qname, qtype="A", qclass="IN", host=None, **kw):
        addr = self.addr_for(host) if host else self.addr
        return query(addr, qname, qtype, qclass, **kw)

    def __repr__(self):
        return "<%s port %s dir %s>" % (self.name, self.port, self.dir)


class Knot(Server):
    """knotd with the settings of bench/peers.sh: no semantic checks, no
    journal, zone files read whole, default response policy (udp-max-payload
    1232, no answer rotation, no RRL module)."""

    kind = "knot"

    def available(self):
        return None if have_program("knotd") else "knotd is not installed"

    def write_config(self):
        (self.dir / "db").mkdir(exist_ok=True)
        (self.dir / "zones").mkdir(exist_ok=True)
        listen = ", ".join("%s@%d" % (h, self.port) for h in self.hosts)
        zones = "\n".join('  - domain: "%s"\n    file: "%s"' % (z.origin, z.path)
                          for z in self.zones)
        (self.dir / "knot.conf").write_text("""server:
    rundir: "{d}"
    pidfile: "{d}/knot.pid"
    listen: [ {listen} ]
    udp-workers: {w}
    tcp-workers: {w}
    background-workers: 1
database:
    storage: "{d}/db"
control:
    listen: "{d}/knot.sock"
log:
  - target: stderr
    any: info
template:
  - id: default
    storage: "{d}/zones"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
    semantic-checks: off
zone:
{zones}
""".format(d=self.dir, listen=listen, w=self.workers, zones=zones))

    def argv(self):
        return [program("knotd"), "-c", str(self.dir / "knot.conf")]


class Nsd(Server):
    """nsd in the foreground with the bench/peers.sh settings: RRL off (all
    queries come from 127.0.0.1), no database file, no remote control."""

    kind = "nsd"

    def available(self):
        return None if have_program("nsd") else "nsd is not installed"

    def write_config(self):
        (self.dir / "xfr").mkdir(exist_ok=True)
        ips = "\n".join("    ip-address: %s@%d" % (h, self.port) for h in self.hosts)
        do6 = "yes" if any(":" in h for h in self.hosts) else "no"
        zones = "\n".join('zone:\n    name: "%s"\n    zonefile: "%s"' % (z.origin, z.path)
                          for z in self.zones)
        (self.dir / "nsd.conf").write_text("""server:
{ips}
    port: {port}
    do-ip6: {do6}
    server-count: {w}
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
    zonefiles-check: yes
    verbosity: 1
    reuseport: no
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
    minimal-responses: {minimal}
    refuse-any: no
    round-robin: no
    # Knot closes idle TCP connections after 10 s; NSD's default is 120 s.
    tcp-timeout: 10
remote-control:
    control-enable: no
{zones}
""".format(ips=ips, port=self.port, do6=do6, w=self.workers, d=self.dir, zones=zones,
           minimal=self.minimal_responses))

    # Knot (and, by design, tandem) answer without an authority NS RRset in
    # positive answers; NSD does so only with minimal-responses.
    minimal_responses = "yes"

    def argv(self):
        return [program("nsd"), "-d", "-c", str(self.dir / "nsd.conf")]


class Tandem(Server):
    """The server under test, with the YAML of the project contract."""

    kind = "tandem"

    def __init__(self, zones, listen=("127.0.0.1",), workers=1, name=None, extra_yaml=""):
        super().__init__(zones, listen, workers, name)
        self.extra_yaml = extra_yaml
        self.config_path = self.dir / "tandem.yaml"

    def available(self):
        if not have_tandem():
            return "tandem binary not found at %s (set TANDEM_BIN)" % tandem_bin()
        return None

    def config_text(self):
        listen = ", ".join('"%s@%d"' % (h, self.port) for h in self.hosts)
        zones = "\n".join("  - domain: %s\n    file: %s" % (z.origin, z.path)
                          for z in self.zones)
        (self.dir / "storage").mkdir(exist_ok=True)
        return """server:
  listen: [ {listen} ]
  workers: {w}
  control: {d}/tandem.sock
  storage: {d}/storage
zone:
{zones}
{extra}""".format(listen=listen, w=self.workers, d=self.dir, zones=zones, extra=self.extra_yaml)

    def write_config(self):
        self.config_path.write_text(self.config_text())

    def argv(self):
        return [str(tandem_bin()), "serve", "-c", str(self.config_path)]

    def ctl(self, *args, wait=10.0):
        """Run `tandem ctl -c CONFIG args...`; returns CompletedProcess."""
        return subprocess.run([str(tandem_bin()), "ctl", "-c", str(self.config_path), *args],
                              capture_output=True, text=True, timeout=timeout(wait))


SERVER_CLASSES = {"knot": Knot, "nsd": Nsd, "tandem": Tandem}


def subject_class():
    """The class of the server the generic protocol tests run against."""
    kind = os.environ.get("DNSTEST_SUBJECT", "tandem").lower()
    if kind not in SERVER_CLASSES:
        raise RuntimeError("DNSTEST_SUBJECT must be one of %s" % sorted(SERVER_CLASSES))
    return SERVER_CLASSES[kind]


def subject_unavailable():
    """None if the subject server can run, else why not (used for skipping)."""
    cls = subject_class()
    if cls is Tandem:
        return None if have_tandem() else \
            "tandem binary not found at %s (set TANDEM_BIN)" % tandem_bin()
    prog = {"knot": "knotd", "nsd": "nsd"}[cls.kind]
    return None if have_program(prog) else "%s is not installed" % prog


# ----------------------------------------------------------------- test case base

class DnsTestCase(unittest.TestCase):
    """TestCase that owns servers: each started server is stopped when the test
    ends, its logs are printed if the test failed, and its directory is removed
    if it passed (kept on failure)."""

    def _test_failed(self):
        outcome = getattr(self, "_outcome", None)
        if outcome is None:
            return False
        if hasattr(outcome, "success"):
            return not outcome.success
        errors = getattr(outcome, "errors", [])  # Python < 3.11
        return any(exc is not None for _, exc in errors)

    def start_server(self, server, **kw):
        def finish():
            was_running = server.alive()
            rc = server.stop()
            problem = server.exit_problem(rc, was_running)
            failed = self._test_failed() or problem is not None
            if failed:
                print("\n==== %s logs (kept in %s)\n%s" % (server.name, server.dir,
                                                         server.logs()), flush=True)
            server.cleanup(keep=failed)
            if problem:
                raise AssertionError(problem)
        self.addCleanup(finish)
        server.start(**kw)
        return server

    def start_subject(self, zones, **kw):
        """Start the configured subject (tandem unless DNSTEST_SUBJECT says otherwise)."""
        reason = subject_unavailable()
        if reason:
            self.skipTest(reason)
        listen = kw.pop("listen", ("127.0.0.1",))
        return self.start_server(subject_class()(zones, listen=listen), **kw)

    def assertAlive(self, server, context=""):
        if not server.alive():
            self.fail("%s died (exit %s) %s\n%s" % (server.name, server.proc.returncode,
                                                    context, server.logs()))

    def assertAnswers(self, server, qname="example.com.", qtype="SOA", tcp=False):
        """The server is alive and gives a NOERROR answer to a normal query."""
        self.assertAlive(server)
        r = server.query(qname, qtype, tcp=tcp)
        self.assertIsNotNone(r.msg, "%s gave no usable answer to %s %s: %s" % (
            server.name, qname, qtype, r))
        self.assertEqual(r.msg.rcode(), dns.rcode.NOERROR, str(r))
        self.assertTrue(r.msg.answer, str(r))
        return r
