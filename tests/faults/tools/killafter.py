#!/usr/bin/env python3
"""killafter.py - runs CMD and SIGKILLs it MICROSECONDS after it was
started (without the start-up cost of a shell's sleep), then prints its
fate: "finished RC" when it had ended on its own, else "killed".

    killafter.py MICROSECONDS CMD [ARG...]
"""
import os
import signal
import subprocess
import sys
import time


def main():
    delay = int(sys.argv[1]) / 1e6
    p = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    end = time.monotonic() + delay
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        time.sleep(left if left < 0.002 else left / 2)
    try:
        os.kill(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    rc = p.wait()
    print("killed" if rc == -signal.SIGKILL else "finished %d" % rc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
