#!/usr/bin/env python3
"""storm.py - N reloads of a running portcullisd, each with the next policy
version (cycling) put in place atomically (copy, then rename) before its
SIGHUP, each waited for in the status file (reload-generation grows by
one) and its result checked against what the version expects: "ok" (taken)
or "failed" (refused). Records the daemon's resident memory after the
reloads listed with --rss-at. Prints one line:

    reloads=N taken=T refused=R wrong=W last-valid=PATH seconds=S rss@K=KB...

and one "wrong: ..." line per reload whose result was not the expected
one. Exits 1 when a reload was not done within 5 s.

    storm.py PID STATUS POLICY N ok:PATH|failed:PATH... [--rss-at K,...]
"""
import argparse
import os
import shutil
import signal
import sys
import time


def status(path):
    keys = {}
    try:
        with open(path) as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition("=")
                keys[k] = v
    except OSError:
        pass
    return keys


def rss(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pid", type=int)
    ap.add_argument("status")
    ap.add_argument("policy")
    ap.add_argument("n", type=int)
    ap.add_argument("versions", nargs="+")
    ap.add_argument("--rss-at", default="")
    a = ap.parse_args()
    versions = [v.split(":", 1) for v in a.versions]
    rss_at = {int(k) for k in a.rss_at.split(",") if k}
    taken = refused = 0
    wrong = []
    samples = []
    last_valid = "-"
    start = time.monotonic()
    for i in range(a.n):
        want, path = versions[i % len(versions)]
        shutil.copyfile(path, a.policy + ".new")
        os.replace(a.policy + ".new", a.policy)
        gen = int(status(a.status).get("reload-generation", "0"))
        os.kill(a.pid, signal.SIGHUP)
        deadline = time.monotonic() + 5
        while True:
            st = status(a.status)
            got = int(st.get("reload-generation", "0") or 0)
            if got > gen:
                break
            if time.monotonic() > deadline:
                print("reload %d (%s) not done within 5 s" % (i + 1, path))
                return 1
            time.sleep(0.002)
        res = st.get("last-reload-result", "?")
        if res == "ok":
            taken += 1
        else:
            refused += 1
        if got != gen + 1 or res != want:
            wrong.append("wrong: reload %d of %s: %s (expected %s), generation %d -> %d"
                         % (i + 1, path, res, want, gen, got))
        if want == "ok":
            last_valid = path
        if i + 1 in rss_at:
            samples.append("rss@%d=%d" % (i + 1, rss(a.pid)))
    print("reloads=%d taken=%d refused=%d wrong=%d last-valid=%s seconds=%.1f %s" % (
        a.n, taken, refused, len(wrong), last_valid, time.monotonic() - start,
        " ".join(samples)))
    for w in wrong:
        print(w)
    return 0


if __name__ == "__main__":
    sys.exit(main())
