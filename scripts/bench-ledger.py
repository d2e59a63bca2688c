"""The ledger's cost, measured three ways (see bench-ledger.sh)."""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from benchlib import run

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, ".build/release/avatarpipe")
BENCH = os.path.join(ROOT, ".build/release/ledger-bench")
OLD_BIN = os.environ.get("OLD_BIN")
REPEATS = int(os.environ.get("REPEATS", "5"))


def claims(work):
    out = subprocess.run([BENCH, work, "500"], check=True, capture_output=True, text=True).stdout
    report = json.loads(out)
    print(f"claim → submitting → answer → commit, 500 renders on disk (synchronous=FULL):")
    for step in ("claim", "submitting", "answer", "commit", "claim_to_commit"):
        s = report[step]
        print(f"  {step:16} mean {s['mean_ms']:6.2f} ms   p50 {s['p50_ms']:6.2f} ms   p95 {s['p95_ms']:6.2f} ms")
    return report


def listing(work):
    ledger = os.path.join(work, "ledger.sqlite")
    floor = ["python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); "
             "print(len(c.execute('select * from renders r left join charges c on c.render_id=r.id').fetchall()))", ledger]
    for name, argv in (("ledger (table)", [BIN, "ledger", "--ledger", ledger]),
                       ("ledger --json", [BIN, "ledger", "--ledger", ledger, "--json"]),
                       ("python3 sqlite3 select (floor)", floor)):
        times = [run(argv)[0] for _ in range(REPEATS)]
        print(f"  {name:32} median {statistics.median(times) * 1000:7.1f} ms over 10,000 renders")


def sandbox(binary):
    proc = subprocess.Popen([binary, "sandbox", "--port", "0", "--latency", "0", "--quiet"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    base = proc.stdout.readline().strip()
    key = proc.stdout.readline().strip()
    return proc, base, key


def runs(work):
    subprocess.run(["bash", "scripts/make-fixtures.sh", ".build/fixtures"], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    photo = os.path.join(ROOT, "fixtures/astronaut.png")
    speech = os.path.join(ROOT, ".build/fixtures/speech-2.5s.wav")
    proc, base, key = sandbox(BIN)
    keyfile = os.path.join(work, "key")
    with open(keyfile, "w") as f:
        f.write(key + "\n")
    binaries = [("ledger", BIN)] + ([("pre-ledger", OLD_BIN)] if OLD_BIN else [])
    times = {name: [] for name, _ in binaries}
    env = dict(os.environ, AVATARPIPE_LEDGER=os.path.join(work, "runs.sqlite"), AVATARPIPE_CACHE=os.path.join(work, "cache"),
               SEGMIND_API_KEY="")
    try:
        for i in range(REPEATS):
            for name, binary in binaries:
                out = os.path.join(work, f"job-{name}-{i}")
                argv = [binary, "run", "--photo", photo, "--audio", speech, "--fit", "contain", "--no-post", "--force-new",
                        "--out", out, "--api-base", base, "--key-file", keyfile]
                start = time.perf_counter()
                status = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
                times[name].append(time.perf_counter() - start)
                if status != 0:
                    raise SystemExit(f"{name} run failed ({status})")
    finally:
        proc.terminate()
        proc.wait()
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"whole `run --no-post --force-new` against the sandbox at latency 0 (median of {REPEATS}, alternating):")
    for name, value in medians.items():
        print(f"  {name:12} {value:6.3f} s")
    if OLD_BIN:
        print(f"  ratio ledger / pre-ledger: {medians['ledger'] / medians['pre-ledger']:.3f}")


def main():
    work = tempfile.mkdtemp(prefix="avatarpipe-bench-ledger-")
    try:
        claims(work)
        print("avatarpipe ledger over 10,000 renders:")
        listing(work)
        runs(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
