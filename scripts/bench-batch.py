"""Batch benchmarks (see bench-batch.sh). The sandbox runs with --memo: it renders each distinct
photo, speech and framing once, so its own encoding does not take the cores the batch is
measured on (the real service renders elsewhere)."""
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, ".build/release/avatarpipe")
CORES = os.cpu_count() or 1
SLOW_LATENCY = float(os.environ.get("LATENCY", "20"))


def sandbox(work, latency, resolution="720p"):
    proc = subprocess.Popen([BIN, "sandbox", "--port", "0", "--latency", str(latency), "--quiet", "--memo",
                             "--resolution", resolution, "--balance", "100000"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    base = proc.stdout.readline().strip()
    key = proc.stdout.readline().strip()
    keyfile = os.path.join(work, f"key-{proc.pid}")
    with open(keyfile, "w") as f:
        f.write(key + "\n")
    return proc, base, keyfile


def plan(work, rows, speech):
    path = os.path.join(work, f"plan-{rows}.csv")
    photo = os.path.join(ROOT, "fixtures/astronaut.png")
    with open(path, "w") as f:
        f.write("id,photo,audio,fit,motion\n")
        for i in range(rows):
            f.write(f"r{i},{photo},{speech},contain,move {i}\n")
    return path


def batch(work, plan_path, out, base, keyfile, extra):
    env = dict(os.environ, AVATARPIPE_LEDGER=os.path.join(work, "ledger.sqlite"), SEGMIND_API_KEY="")
    argv = [BIN, "batch", plan_path, "--out", out, "--no-sample", "--api-base", base, "--key-file", keyfile,
            "--poll-interval", "0.2", *extra]
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"batch failed ({os.waitstatus_to_exitcode(status)}): {' '.join(argv)}")
    return wall, usage.ru_maxrss / 1024.0


def post_cpu_seconds(video, work):
    """The CPU time (user + system) of one `avatarpipe post` of `video`, run alone."""
    out = os.path.join(work, "post-alone")
    shutil.rmtree(out, ignore_errors=True)
    proc = subprocess.Popen([BIN, "post", video, "--out", out], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    start = time.perf_counter()
    _, status, usage = os.wait4(proc.pid, 0)
    return usage.ru_utime + usage.ru_stime, time.perf_counter() - start


def post_seconds(batch_dir):
    """The post-processing time of every row, from the stage timings in its manifest."""
    import json
    total = 0.0
    rows = os.path.join(batch_dir, "rows")
    for row in os.listdir(rows):
        try:
            with open(os.path.join(rows, row, "manifest.json")) as f:
                total += sum(json.load(f).get("timings", {}).values())
        except (OSError, ValueError):
            pass
    return total


def main():
    work = tempfile.mkdtemp(prefix="avatarpipe-bench-batch-")
    try:
        speech = os.path.join(work, "speech-10s.wav")
        subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", os.path.join(ROOT, "fixtures/speech.wav"),
                        "-t", "10", speech], check=True)
        rows = int(os.environ.get("ROWS", "40"))
        plan40 = plan(work, rows, speech)

        # Latency 0: the batch against the post work it has to do.
        proc, base, keyfile = sandbox(work, 0)
        try:
            wall, rss = batch(work, plan40, os.path.join(work, "fast"), base, keyfile, ["--concurrency", "4"])
        finally:
            proc.terminate()
            proc.wait()
        cpu, alone = post_cpu_seconds(os.path.join(work, "fast/rows/r0/render.mp4"), work)
        ideal = rows * cpu / CORES
        posts = post_seconds(os.path.join(work, "fast"))
        print(f"{rows} rows of 10 s, latency 0, post on: batch {wall:.1f} s (peak {rss:.0f} MB)")
        print(f"  its post times (each row's manifest) summed / {CORES} cores = {posts / CORES:.1f} s; ratio {wall / (posts / CORES):.2f}")
        print(f"  one post alone: {alone:.2f} s wall, {cpu:.2f} s CPU; {rows} × that CPU / {CORES} cores = {ideal:.1f} s; "
              f"ratio {wall / ideal:.2f}")

        # Latency 20 s, 4 in flight, no post: against ⌈rows/4⌉ waves of 20 s plus the last post.
        if SLOW_LATENCY > 0:
            proc, base, keyfile = sandbox(work, SLOW_LATENCY)
            try:
                wall, rss = batch(work, plan40, os.path.join(work, "slow"), base, keyfile, ["--concurrency", "4"])
            finally:
                proc.terminate()
                proc.wait()
            target = math.ceil(rows / 4) * SLOW_LATENCY + alone
            print(f"{rows} rows, latency {SLOW_LATENCY:g} s, concurrency 4, post on: batch {wall:.1f} s; ideal "
                  f"⌈{rows}/4⌉ × {SLOW_LATENCY:g} s + one post = {target:.1f} s; ratio {wall / target:.2f}")

        # Memory: 40 and 400 rows, no post, latency 0 (tiny renders).
        if os.environ.get("MEMORY", "1") == "0":
            return
        proc, base, keyfile = sandbox(work, 0, "180p")
        try:
            for count in (40, 400):
                wall, rss = batch(work, plan(work, count, speech), os.path.join(work, f"mem-{count}"), base, keyfile,
                                  ["--concurrency", "4", "--no-post"])
                print(f"{count} rows, no post: {wall:.1f} s, peak RSS {rss:.0f} MB")
        finally:
            proc.terminate()
            proc.wait()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
