#!/usr/bin/env python3
"""Times `avatarpipe check --fix` on a 4000x3000 JPEG and a 5-minute FLAC (issue 3: under 2 s
for the preparation), next to `avatarpipe check` alone, and the ffmpeg CLI doing the same
conversions (scale to 2000 px + JPEG, FLAC to 48 kHz 16-bit WAV) in the same run."""
import json
import os
import shutil
import subprocess
import time
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from benchlib import ffmpeg, median_time  # noqa: E402

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binary = os.environ.get("BIN", os.path.join(root, ".build/release/avatarpipe"))
work = os.path.join(root, ".build/bench")
repeats = int(os.environ.get("BENCH_REPEATS", "5"))
os.makedirs(work, exist_ok=True)
photo, audio = os.path.join(work, "photo-4000x3000.jpg"), os.path.join(work, "speech-5min.flac")
if not os.path.exists(photo):
    ffmpeg("-i", os.path.join(root, "fixtures/astronaut.png"), "-vf",
           "scale=4000:3000:flags=lanczos,noise=alls=6:allf=t", "-frames:v", "1", "-q:v", "3", photo)
if not os.path.exists(audio):
    ffmpeg("-stream_loop", "-1", "-i", os.path.join(root, "fixtures/speech.wav"), "-t", "300",
           "-af", "aformat=channel_layouts=stereo,aresample=44100", audio)

out = tempfile.mkdtemp(prefix="bench-prepare-")
try:
    def fix():
        # A fresh job directory each time: nothing may be reused from an earlier run.
        target = tempfile.mkdtemp(dir=out)
        return [binary, "check", "--photo", photo, "--audio", audio, "--fix", "--out", target]

    check_time, _ = median_time([[binary, "check", "--photo", photo, "--audio", audio]], repeats)
    fix_times, prepare_times = [], []
    for _ in range(repeats):
        argv = fix() + ["--json"]
        start = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True)
        fix_times.append(time.perf_counter() - start)
        prepare_times.append(json.loads(done.stdout)["preparation"]["seconds"])
    fix_times.sort(), prepare_times.sort()
    fix_time, prepare = fix_times[len(fix_times) // 2], prepare_times[len(prepare_times) // 2]
    ff_time, _ = median_time([
        ["ffmpeg", "-nostdin", "-y", "-loglevel", "error", "-i", photo, "-vf", "scale=2000:1500:flags=area", "-q:v", "3",
         os.path.join(out, "photo.jpg")],
        ["ffmpeg", "-nostdin", "-y", "-loglevel", "error", "-i", audio, "-ar", "48000", "-c:a", "pcm_s16le",
         os.path.join(out, "audio.wav")]], repeats)
    print(f"prepare 4000x3000 JPEG + 5-minute FLAC, median of {repeats} runs, {os.cpu_count()} cores")
    print(f"  check alone            {check_time * 1000:7.0f} ms")
    print(f"  check --fix            {fix_time * 1000:7.0f} ms  (check, prepare, check of the prepared files)")
    print(f"  of which preparation   {prepare * 1000:7.0f} ms  (target < 2000 ms){'' if prepare < 2 else '  ** over target'}")
    print(f"  ffmpeg CLI, the same two conversions: {ff_time * 1000:.0f} ms   ratio (check --fix / ffmpeg) {fix_time / ff_time:.2f}x")
finally:
    shutil.rmtree(out, ignore_errors=True)
