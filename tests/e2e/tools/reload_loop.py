#!/usr/bin/env python3
"""reload_loop.py - N reloads of a running portcullisd, alternating the
policy file between the given versions (each put in place atomically), each
waited for in the status file (its reload-generation grows). Prints
"reloads=N ok=K failed=F seconds=S"; exits 1 when a reload was not done
within 5 s.

    reload_loop.py PID STATUS POLICY N VERSION...
"""
import os
import shutil
import signal
import sys
import time


def status_key(path, key):
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(key + "="):
                    return int(line.split("=", 1)[1])
    except (OSError, ValueError):
        pass
    return None


def main():
    pid, status, policy, n = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
    versions = sys.argv[5:]
    start = time.monotonic()
    for i in range(n):
        shutil.copyfile(versions[i % len(versions)], policy + ".new")
        os.replace(policy + ".new", policy)
        gen = status_key(status, "reload-generation")
        os.kill(pid, signal.SIGHUP)
        deadline = time.monotonic() + 5
        while status_key(status, "reload-generation") == gen:
            if time.monotonic() > deadline:
                print("reload %d not done within 5 s" % (i + 1))
                return 1
            time.sleep(0.002)
    print("reloads=%d ok=%d failed=%d seconds=%.1f" % (
        n, status_key(status, "reloads-ok"), status_key(status, "reloads-failed"),
        time.monotonic() - start))
    return 0


if __name__ == "__main__":
    sys.exit(main())
