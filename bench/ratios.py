#!/usr/bin/python3
"""ratios.py RAW.tsv -> Markdown: Tandem's median of each figure beside the
peers', and Tandem as a ratio to the best peer (>1 = better than the best peer,
whatever the direction of the figure)."""
import statistics
import sys
from collections import defaultdict

# figure -> (title, True when higher is better)
FIGURES = [
    ("instr_per_query", "user-space instructions per query (callgrind, 1k zone)", False),
    ("udp_large_qps", "UDP QPS, 1M-record zone", True),
    ("udp_large_qps_per_server_core", "UDP QPS per server core, 1M zone", True),
    ("udp_small_qps", "UDP QPS, 1k zone (dnsperf-bound)", True),
    ("udp_small_qps_per_server_core", "UDP QPS per server core, 1k zone", True),
    ("tcp_small_qps", "TCP QPS, 1k zone", True),
    ("load_large_s", "start -> first answer, 1M zone (s)", False),
    ("pss_large_kB", "PSS with the 1M zone (kB)", False),
    ("startup_small_s", "start -> first answer, 1k zone (s)", False),
    ("axfr_raw_s", "AXFR out of the 1M zone (s)", False),
    ("xfr_in_from_knot_s", "secondary of Knot, serves 1M zone after (s)", False),
]


def main():
    data = defaultdict(lambda: defaultdict(list))
    for line in open(sys.argv[1]):
        p = line.rstrip("\n").split("\t")
        if len(p) < 4:
            continue
        try:
            data[p[0]][p[1]].append(float(p[3]))
        except ValueError:
            pass
    peers = ["knot", "nsd", "bind", "pdns"]
    print("| figure | tandem | knot | nsd | tandem vs best peer |")
    print("|---|---|---|---|---|")
    for fig, title, higher in FIGURES:
        if fig not in data:
            continue
        med = {s: statistics.median(v) for s, v in data[fig].items() if v}
        t = med.get("tandem")
        peer_vals = [med[p] for p in peers if p in med]
        ratio = ""
        if t and peer_vals:
            best = max(peer_vals) if higher else min(peer_vals)
            r = (t / best) if higher else (best / t)
            ratio = "%.2fx %s" % (r, "better" if r >= 1 else "worse")
        cell = lambda s: ("%.3g" % med[s]) if s in med else ""
        print("| %s | %s | %s | %s | %s |" % (title, cell("tandem"), cell("knot"), cell("nsd"), ratio))


if __name__ == "__main__":
    main()
