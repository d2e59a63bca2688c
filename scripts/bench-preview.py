#!/usr/bin/env python3
"""Times `avatarpipe preview` (30 s, 1080p, from a 2000x2000 photo and 30 s of speech) against
the ffmpeg CLI doing a comparable job in the same run (zoompan push-in, x264 stillimage, AAC,
faststart). Targets (issue 4): at most 0.5x real time, no slower than ffmpeg, peak memory
under 300 MB."""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from benchlib import ffmpeg, run  # noqa: E402

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binary = os.environ.get("BIN", os.path.join(root, ".build/release/avatarpipe"))
work = os.path.join(root, ".build/bench")
repeats = int(os.environ.get("BENCH_REPEATS", "3"))
os.makedirs(work, exist_ok=True)
photo, speech = os.path.join(work, "photo-2000.png"), os.path.join(work, "speech-30s.wav")
if not os.path.exists(photo):
    ffmpeg("-i", os.path.join(root, "fixtures/astronaut.png"), "-vf", "scale=2000:2000:flags=lanczos,noise=alls=6:allf=t",
           "-frames:v", "1", photo)
if not os.path.exists(speech):
    ffmpeg("-stream_loop", "-1", "-i", os.path.join(root, "fixtures/speech.wav"), "-t", "30", speech)

out = tempfile.mkdtemp(prefix="bench-preview-")
try:
    ours, theirs, peaks = [], [], []
    for _ in range(repeats):
        wall, peak, status = run([binary, "preview", "--photo", photo, "--audio", speech, "--out", out])
        if status != 0:
            raise SystemExit(f"avatarpipe preview failed ({status})")
        ours.append(wall)
        peaks.append(peak)
        wall, _, status = run(["ffmpeg", "-nostdin", "-y", "-loglevel", "error", "-loop", "1", "-i", photo, "-i", speech,
                               "-vf", "zoompan=z='min(zoom+0.0004,1.1)':d=1:s=1920x1080:fps=25,format=yuv420p",
                               "-c:v", "libx264", "-tune", "stillimage", "-c:a", "aac", "-shortest",
                               "-movflags", "+faststart", os.path.join(out, "ffmpeg.mp4")])
        theirs.append(wall)
    ours.sort(), theirs.sort()
    mine, ff = ours[len(ours) // 2], theirs[len(theirs) // 2]
    size = os.path.getsize(os.path.join(out, "preview.mp4"))
    print(f"preview 30 s 1080p from a 2000x2000 photo, median of {repeats} runs, {os.cpu_count()} cores")
    print(f"  avatarpipe preview {mine:6.1f} s  = {mine / 30:.2f}x real time (target <= 0.50x)"
          f"{'' if mine <= 15 else '  ** over target'}   {size / 1e6:.1f} MB")
    print(f"  ffmpeg zoompan     {ff:6.1f} s  = {ff / 30:.2f}x real time")
    print(f"  ratio avatarpipe / ffmpeg: {mine / ff:.2f}x (target <= 1.00x)")
    print(f"  peak memory {max(peaks):.0f} MB (target < 300 MB)")
finally:
    shutil.rmtree(out, ignore_errors=True)
