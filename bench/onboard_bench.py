#!/usr/bin/env python3
"""The measuring half of bench/onboard-bench (see there); standard library only.

  onboard_bench.py header | footer
  onboard_bench.py run --n N --device-pid PID --out DIR -- OBT ARGS...

`run` starts obt (its --json events go to DIR/events.json), takes its CPU time from wait4
(getrusage of the child), the device process's CPU time and resident memory from /proc, and
prints one table row. Figures come from obt's --json events: t_ms (monotonic ms) of each event,
requests per owned device, and the done event's totals (datagrams_out, datagrams_in)."""
import json
import os
import subprocess
import sys
import time

# Targets (printed, never asserted): issue 5.
TARGET_JW_P50_MS = 8
TARGET_JW_DATAGRAMS = 24
TARGET_1000_S = 10

COLUMNS = [
    ("N", 5), ("owned", 6), ("onb/s", 8), ("p50 ms", 8), ("p95 ms", 8), ("req/onb", 8),
    ("dgram/onb", 10), ("obt CPU ms/onb", 15), ("dev CPU ms/onb", 15), ("dev sys %", 10), ("dev KiB/dev", 12),
    ("onboard s", 10), ("obt wall s", 11)]


def row(values):
    return "  ".join(str(v).rjust(w) for v, (_, w) in zip(values, COLUMNS))


def proc_cpu_s(pid):
    """(utime, stime) of a process in seconds (/proc/PID/stat fields 14 and 15), or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        tck = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) / tck, int(fields[12]) / tck)
    except (OSError, IndexError, ValueError):
        return None


def proc_rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    k = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[k]


def run(argv):
    args = {"--n": None, "--device-pid": None, "--out": None}
    i = 0
    while argv[i] != "--":
        args[argv[i]] = argv[i + 1]
        i += 2
    cmd = argv[i + 1:]
    n, dev_pid, out = int(args["--n"]), int(args["--device-pid"]), args["--out"]
    dev_cpu0 = proc_cpu_s(dev_pid)
    rss = proc_rss_kib(dev_pid)
    wall0 = time.monotonic()
    with open(os.path.join(out, "events.json"), "w") as ev_out, \
            open(os.path.join(out, "obt.err"), "w") as err_out:
        child = subprocess.Popen(cmd, stdout=ev_out, stderr=err_out, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
    wall = time.monotonic() - wall0
    dev_cpu1 = proc_cpu_s(dev_pid)
    events = []
    with open(os.path.join(out, "events.json")) as f:
        for line in f:
            if line.strip():
                events.append(json.loads(line))
    first, owned_at, reqs = {}, {}, {}
    done = None
    for e in events:
        if e["event"] == "step":
            first.setdefault(e["device"], e["t_ms"])
        elif e["event"] == "owned":
            owned_at[e["device"]] = e["t_ms"]
            reqs[e["device"]] = e["requests"]
        elif e["event"] == "done":
            done = e
    owned = len(owned_at)
    if not done or not owned:
        print(row([n, owned] + ["-"] * (len(COLUMNS) - 2)))
        with open(os.path.join(out, "obt.err")) as f:
            sys.stderr.write(f.read()[-2000:])
        return 1
    lat = sorted(owned_at[d] - first[d] for d in owned_at)
    span_s = max(done["t_ms"] - min(first.values()), 1) / 1000
    obt_cpu = usage.ru_utime + usage.ru_stime
    dev_cpu = dev_sys = None
    if dev_cpu0 is not None and dev_cpu1 is not None:
        dev_sys = dev_cpu1[1] - dev_cpu0[1]
        dev_cpu = dev_cpu1[0] - dev_cpu0[0] + dev_sys
    print(row([
        n, owned, f"{owned / span_s:.1f}", percentile(lat, 50), percentile(lat, 95),
        f"{sum(reqs.values()) / owned:.1f}",
        f"{(done['datagrams_out'] + done['datagrams_in']) / owned:.1f}",
        f"{obt_cpu * 1000 / owned:.2f}",
        f"{dev_cpu * 1000 / owned:.2f}" if dev_cpu is not None else "-",
        f"{100 * dev_sys / dev_cpu:.0f}" if dev_cpu else "-",
        f"{rss / n:.0f}" if rss else "-",
        f"{span_s:.2f}", f"{wall:.2f}"]), flush=True)
    ok = os.waitstatus_to_exitcode(status) == 0 and owned == n
    if not ok:
        with open(os.path.join(out, "obt.err")) as f:
            sys.stderr.write("".join(line for line in f if not line.startswith("  "))[-2000:])
    return 0 if ok else 1


def main():
    if sys.argv[1:2] == ["header"]:
        print(row([name for name, _ in COLUMNS]))
        return 0
    if sys.argv[1:2] == ["footer"]:
        print(f"targets (not asserted): one JW onboarding p50 <= {TARGET_JW_P50_MS} ms (N=1 row) and <= "
              f"{TARGET_JW_DATAGRAMS} datagrams; 1000 devices onboarded in <= {TARGET_1000_S} s (N=1000, "
              "onboard s)")
        print("dev CPU: utime + stime of the device process (10 ms ticks), dev sys %: the kernel's "
              "share of it")
        print("onboard s: first job start to the done event (discovery excluded); obt wall s: the whole "
              "obt run (discovery window, store and key unlock included); obt CPU includes them too")
        return 0
    if sys.argv[1:2] == ["run"]:
        return run(sys.argv[2:])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
