"""Helpers for the benchmark scripts: run a command, time it, read its peak memory."""
import os
import statistics
import subprocess
import time


def run(argv, stdout=subprocess.DEVNULL):
    """Runs argv; returns (wall seconds, peak RSS in MB, exit status)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=stdout, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    return wall, usage.ru_maxrss / 1024.0, os.waitstatus_to_exitcode(status)


def median_time(commands, repeats):
    """Median over `repeats` runs of the total wall time of `commands` run one after another."""
    totals = []
    peak = 0.0
    for _ in range(repeats):
        total = 0.0
        for argv in commands:
            wall, rss, status = run(argv)
            if status not in (0, 3):
                raise SystemExit(f"command failed ({status}): {' '.join(argv)}")
            total += wall
            peak = max(peak, rss)
        totals.append(total)
    return statistics.median(totals), peak


def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args], check=True)
