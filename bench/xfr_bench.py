#!/usr/bin/python3
"""Zone-transfer benchmarks of issue 3, side by side in one run (loopback).

  /usr/bin/python3 bench/xfr_bench.py [--reps 5] [--zone FILE] [--origin example.]

1. IXFR latency: a Tandem primary serving the 1M-record zone NOTIFYs three
   secondaries (Tandem, Knot, NSD), all TSIG-signed. Each round changes one
   record and the serial in the primary's file and reloads it (`tandem ctl
   reload`); the clock starts when the primary has the new version (ctl
   returned: it sends NOTIFY at that moment) and stops, per secondary, when
   that secondary answers the new serial (polled every 2 ms).
2. Query rate during a transfer: dnsperf (CPU 1) against a Tandem secondary
   (CPU 0) serving the 1M zone, with 0.5 s statistics; in the middle a full
   transfer is forced (`ctl retransfer`: AXFR of the 1M zone from the
   primary). The rate during the intervals the transfer spans is compared
   with the rate of the idle intervals. Then the same on the primary side:
   dnsperf against the primary while a client pulls the 1M zone by AXFR.

Prints a table; figures are medians. The shared anchor scripts measure the
rest (AXFR out, a secondary started until it serves the zone): bench/run.sh
with PHASES="qps sec".
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "integration"))
import dnstest  # noqa: E402
import peers  # noqa: E402


def pin(pid, cpu):
    subprocess.run(["taskset", "-a", "-p", "-c", str(cpu), str(pid)], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def bump(path, old, new, round_no, new_name=False):
    """Serial old -> new in place (same length) and one small change: the
    address of an existing host (the usual update), or with new_name a new
    name appended (a structural change: the secondary rebuilds its index)."""
    data = path.read_bytes()
    i = data.find(str(old).encode())
    assert i >= 0, "serial %d not found in %s" % (old, path)
    data = data[:i] + str(new).encode() + data[i + len(str(old)):]
    if new_name:
        data += b"benchchange%d 300 IN A 192.0.2.%d\n" % (round_no, round_no % 250 + 1)
    else:
        m = re.search(rb"^h1 IN A (\S+)$", data, re.M)
        assert m, "no 'h1 IN A' line to change"
        data = data[:m.start(1)] + b"10.9.%d.%d" % (round_no // 250, round_no % 250 + 1) + data[m.end(1):]
    path.write_bytes(data)


def ixfr_latency(zone_src, origin, reps, work, new_name=False, which=("tandem", "knot", "nsd")):
    zone = work / "primary.zone"
    zone.write_bytes(zone_src.read_bytes())
    m = re.search(rb"SOA\s+\S+\s+\S+\s+(\d+)", zone.read_bytes()[:4096])
    serial = int(m.group(1))
    secs = {}
    p_zone = peers.XfrZone(origin, path=str(zone))
    primary = peers.TandemPeer([p_zone], name="primary")
    for cls, name in ((peers.TandemPeer, "tandem"), (peers.KnotPeer, "knot"), (peers.NsdPeer, "nsd")):
        if name not in which:
            continue
        s = cls([peers.XfrZone(origin, primaries=[primary])], name=name)
        if s.available():
            print("  (%s not available: %s)" % (name, s.available()))
            continue
        secs[name] = s
    p_zone.notify = list(secs.values())
    primary.start(ready_timeout=60)
    for s in secs.values():
        s.start(wait_ready=False)
    for name, s in secs.items():
        s.wait_serial(origin, serial, 120)
    results = {n: [] for n in secs}
    for r in range(reps):
        new = serial + 1
        bump(zone, serial, new, r, new_name)
        primary.ctl("reload", origin, wait=120)
        t0 = time.monotonic()
        done = {}

        def watch(name, s):
            while time.monotonic() - t0 < 30:
                if s.serial(origin, wait=0.2) == new:
                    done[name] = time.monotonic() - t0
                    return
                time.sleep(0.002)

        threads = [threading.Thread(target=watch, args=(n, s)) for n, s in secs.items()]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for n in secs:
            results[n].append(done.get(n))
        serial = new
        time.sleep(0.5)
    tandem_log = secs["tandem"].stderr_text() if "tandem" in secs else ""
    ixfr_lines = [l for l in tandem_log.splitlines() if "IXFR from" in l]
    for s in list(secs.values()) + [primary]:
        s.cleanup()
    return results, ixfr_lines[-1] if ixfr_lines else ""


def dnsperf_intervals(port, queries, seconds, during):
    """Runs dnsperf for `seconds` with 0.5 s stats; calls during(t_start) in a
    thread after 2 s. Returns [(t_end_of_interval, qps)], (t_begin, t_end) of the action."""
    cmd = ["taskset", "-c", "1", "dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", str(queries),
           "-l", str(seconds), "-S", "0.5", "-c", "4", "-q", "256"]
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    span = {}

    def act():
        time.sleep(2.0)
        span["begin"] = time.monotonic() - t0
        during()
        span["end"] = time.monotonic() - t0

    th = threading.Thread(target=act)
    th.start()
    out, _ = proc.communicate()
    th.join()
    # dnsperf -S lines: "<epoch>.<frac>: 123456.78" (queries per second in the interval)
    rates = [float(x) for x in re.findall(r"^\d+\.\d+: ([\d.]+)$", out, re.M)]
    intervals = [(0.5 * (i + 1), q) for i, q in enumerate(rates)]
    return intervals, (span.get("begin", 0), span.get("end", 0)), out


def rate_during(intervals, span):
    b, e = span
    busy = [q for t, q in intervals if t - 0.5 < e + 0.01 and t > b]
    idle = [q for t, q in intervals if (t <= b or t - 0.5 >= e + 0.5) and t > 0.6 and t < intervals[-1][0]]
    return (statistics.median(idle) if idle else None, min(busy) if busy else None,
            statistics.mean(busy) if busy else None)


def qps_during_transfer(zone_src, origin, queries, work):
    zone = work / "q-primary.zone"
    zone.write_bytes(zone_src.read_bytes())
    p_zone = peers.XfrZone(origin, path=str(zone),
                           acls=[peers.Acl(key=peers.KEY), peers.Acl(addresses=["127.0.0.1"], key=None)])
    primary = peers.TandemPeer([p_zone], name="qprimary")
    sec = peers.TandemPeer([peers.XfrZone(origin, primaries=[primary])], name="qsecondary")
    p_zone.notify = [sec]
    primary.start(ready_timeout=60)
    sec.start(wait_ready=False)
    sec.wait_ready(120)
    pin(sec.proc.pid, 0)
    pin(primary.proc.pid, 1)  # the other vendor: not on the measured server's core
    out = {}
    ints, span, raw = dnsperf_intervals(
        sec.port, queries, 7, lambda: (sec.ctl("retransfer", origin),
                                       sec.wait_log(r"AXFR from .*\d+ records", 60,
                                                    mark=sec.log_mark())))
    out["secondary (AXFR in of 1M)"] = rate_during(ints, span) + (span[1] - span[0],)
    pin(primary.proc.pid, 0)
    probe = ROOT.parent / "shared" / "bench" / "dnsprobe.py"
    count = int((Path(str(zone_src) + ".count")).read_text().split()[0]) if Path(str(zone_src) + ".count").exists() else 0
    # The client stands for another machine: lowest priority, so it does not
    # take CPU from dnsperf (this machine has only 2 cores).
    ints, span, raw = dnsperf_intervals(
        primary.port, queries, 7, lambda: subprocess.run(
            ["nice", "-n", "19", "/usr/bin/python3", str(probe), "axfr", "--port", str(primary.port),
             "--origin", origin, "--expect", str(count + 1), "--timeout", "60"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    out["primary (AXFR out of 1M)"] = rate_during(ints, span) + (span[1] - span[0],)
    sec.cleanup()
    primary.cleanup()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--zone", default=str(ROOT / "bench-results" / "data" / "large.zone"))
    ap.add_argument("--queries", default=str(ROOT / "bench-results" / "data" / "large.q"))
    ap.add_argument("--origin", default="example.")
    ap.add_argument("--secondaries", default="tandem,knot,nsd",
                    help="which secondaries take part (they run at once: each one's work slows the others)")
    ap.add_argument("--skip", default="", help="comma list: ixfr,ixfr-newname,qps")
    a = ap.parse_args()
    zone_src = Path(a.zone)
    if not zone_src.exists():
        sys.exit("no %s: run bench/run.sh once (it generates the zones) or pass --zone" % zone_src)
    os.environ.setdefault("TANDEM_BIN", str(ROOT / "build" / "tandem"))
    work = Path(dnstest.make_temp_dir("xfr-bench-"))
    print("machine: %s, %d CPUs" % (os.uname().nodename, os.cpu_count()))
    for kind in ("ixfr", "ixfr-newname"):
        if kind in a.skip.split(","):
            continue
        what = "a new name" if kind == "ixfr-newname" else "one address changed"
        print("== IXFR latency, 1M-record zone, Tandem primary, %d rounds, %s" % (a.reps, what))
        res, line = ixfr_latency(zone_src, a.origin, a.reps, work, kind == "ixfr-newname",
                                 a.secondaries.split(","))
        print("| secondary | median ms | all rounds (ms) |")
        print("|---|---|---|")
        for n, vals in res.items():
            ok = [v * 1000 for v in vals if v is not None]
            print("| %s | %s | %s |" % (n, "%.0f" % statistics.median(ok) if ok else "n/a",
                                        " ".join("%.0f" % v if v is not None else "-" for v in
                                                 [x * 1000 if x else None for x in vals])))
        if line:
            print("tandem's last IXFR log line: " + line.split(" info: ", 1)[-1])
    if "qps" not in a.skip.split(","):
        q = Path(a.queries)
        if not q.exists():
            print("no %s: skipping the query-rate measurement" % q)
        else:
            print("== UDP queries/s while transferring the 1M zone (dnsperf on CPU 1, server on CPU 0)")
            print("| server | idle qps (median) | during transfer: lowest 0.5 s interval | mean | ratio (mean/idle) | transfer took |")
            print("|---|---|---|---|---|---|")
            for name, (idle, low, mean, took) in qps_during_transfer(zone_src, a.origin, q, work).items():
                if idle and mean:
                    print("| %s | %.0f | %.0f | %.0f | %.2f | %.2f s |" % (name, idle, low, mean, mean / idle, took))
                else:
                    print("| %s | n/a | | | | |" % name)


if __name__ == "__main__":
    main()
