#!/usr/bin/env python3
"""Times `avatarpipe post` and measures its renditions against the ffmpeg CLI (issue 6).

The source is a talking-head-like 30 s 1080p30 clip made by `avatarpipe preview` (a 2000 px
photo with a slow push-in, sway and a mouth moving with 30 s of espeak-ng speech of the
fixture script, said twice), encoded at x264 CRF 12 so it is a clean reference. It is cached
in .build/bench/post-clip-1080p30.mp4 (delete it to make a new one).

Three jobs run one after another, each --repeats times (median wall time):
  ours  `avatarpipe post CLIP --script @SCRIPT --out DIR --no-page`: the default ladder
        (1080p, 720p, 480p), poster, 5 thumbnails, storyboard, animated WebP, captions.
  (a)   the ffmpeg CLI commands making the same files one after another: each rendition
        (x264 defaults plus a keyframe every 2 s as ours, AAC 128k 48 kHz, loudnorm to
        -16 LUFS as ours, +faststart), poster (thumbnail filter), 5 thumbnails, storyboard
        (fps, scale, tile) and a 2.5 s animated WebP. Captions have no ffmpeg equivalent.
  (b)   one ffmpeg command with `split` making the three renditions at ffmpeg's default x264
        settings (medium, CRF 23; no forced keyframes), audio as in (a).

For each rendition: bytes and SSIM against the source (ffmpeg's ssim filter, the source
scaled to the rung's size with the default bicubic scaler), ours against (b).
Targets: at most 0.8x the time of (b); each rendition's SSIM no more than 0.0005 below
ffmpeg's and no more bytes; peak memory under 400 MB. Exit status 1 when one is missed.

Usage: scripts/bench-post.sh [--repeats N] [--keep]
Environment: AVATARPIPE_BIN or BIN (default .build/release/avatarpipe, built when missing),
BENCH_REPEATS (default 1), BENCH_DIR (default .build/bench).
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from benchlib import ffmpeg, run  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECONDS = 30
TARGET_RATIO, SSIM_SLACK, PEAK_MB = 0.8, 0.0005, 400
KEYFRAME_INTERVAL = 2.0
QUIET = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
AUDIO = ["-af", "loudnorm=I=-16", "-c:a", "aac", "-b:a", "128k", "-ar", "48000"]
EXPECTED = ["poster.png", "storyboard.jpg", "storyboard.vtt", "preview.webp", "captions.vtt", "captions.srt",
            "manifest.json"]


def binary():
    """The avatarpipe binary: AVATARPIPE_BIN or BIN, else the release build (built when missing)."""
    named = os.environ.get("AVATARPIPE_BIN") or os.environ.get("BIN")
    path = named or os.path.join(ROOT, ".build/release/avatarpipe")
    if not os.access(path, os.X_OK):
        if named:
            raise SystemExit(f"no executable at {path} (AVATARPIPE_BIN / BIN)")
        print("building the release binary (swift build -c release --product avatarpipe)", file=sys.stderr)
        subprocess.run(["swift", "build", "-c", "release", "--product", "avatarpipe"], cwd=ROOT, check=True)
    return path


def make_clip(avatarpipe, work):
    """The cached source clip and its script: preview of a 2000 px photo with 30 s of speech."""
    clip, script = os.path.join(work, "post-clip-1080p30.mp4"), os.path.join(work, "post-script.txt")
    photo, speech = os.path.join(work, "photo-2000.png"), os.path.join(work, "post-speech-30s.wav")
    if not os.path.exists(script):
        with open(os.path.join(ROOT, "fixtures/script.txt")) as f:
            text = f.read().strip()
        with open(script, "w") as f:
            f.write(f"{text}\n{text}\n")
    if not os.path.exists(photo):  # the same photo as bench-preview.py
        ffmpeg("-i", os.path.join(ROOT, "fixtures/astronaut.png"), "-vf", "scale=2000:2000:flags=lanczos,noise=alls=6:allf=t",
               "-frames:v", "1", photo)
    if not os.path.exists(speech):  # the script twice at 135 words a minute is just under 30 s; padded to 30 s
        raw = speech + ".raw.wav"
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "135", "-w", raw, "-f", script], check=True)
        ffmpeg("-i", raw, "-af", "apad", "-t", str(SECONDS), speech)
        os.remove(raw)
    if not os.path.exists(clip):
        out = tempfile.mkdtemp(prefix="bench-post-clip-")
        _, _, status = run([avatarpipe, "preview", "--photo", photo, "--audio", speech, "--resolution", "1080p", "--fps", "30",
                            "--x264-params", "crf=12:rc-lookahead=5", "--out", out])
        if status != 0:
            raise SystemExit(f"avatarpipe preview failed ({status})")
        made = os.path.join(out, "preview.mp4")
        with open(made, "rb") as f:
            clean = b"crf=12.0" in f.read()
        if clean:
            shutil.move(made, clip)
        else:  # the preview's own CRF 23: re-encode once so the reference is clean
            ffmpeg("-i", made, "-c:v", "libx264", "-crf", "12", "-preset", "veryfast", "-c:a", "copy", "-movflags", "+faststart", clip)
        shutil.rmtree(out, ignore_errors=True)
    return clip, script


def ours_command(avatarpipe, clip, script, out):
    return [avatarpipe, "post", clip, "--script", "@" + script, "--out", out, "--no-page"]


def sequential_commands(clip, out, rungs, preview_size):
    """(a): the ffmpeg CLI commands making ours' files one after another."""
    keyframes = ["-force_key_frames", f"expr:gte(t,n_forced*{KEYFRAME_INTERVAL:g})"]
    commands = [QUIET + ["-i", clip, "-vf", f"scale={w}:{h}", "-c:v", "libx264", *keyframes, *AUDIO,
                         "-movflags", "+faststart", os.path.join(out, f"video-{name}.mp4")] for name, w, h in rungs]
    commands.append(QUIET + ["-i", clip, "-vf", "thumbnail", "-frames:v", "1", os.path.join(out, "poster.png")])
    os.makedirs(os.path.join(out, "thumbs"), exist_ok=True)
    for k in range(5):
        at = SECONDS * (k + 0.5) / 5
        commands.append(QUIET + ["-ss", f"{at:g}", "-i", clip, "-frames:v", "1", "-vf", "scale=320:180", "-q:v", "3",
                                 os.path.join(out, f"thumbs/thumb-{k + 1:02d}.jpg")])
    tiles = int(SECONDS / KEYFRAME_INTERVAL)
    commands.append(QUIET + ["-i", clip, "-vf", f"fps=1/{KEYFRAME_INTERVAL:g},scale=160:90,tile=10x{-(-tiles // 10)}",
                             "-frames:v", "1", "-q:v", "5", os.path.join(out, "storyboard.jpg")])
    w, h = preview_size
    commands.append(QUIET + ["-ss", "5", "-t", "2.5", "-i", clip, "-vf", f"fps=15,scale={w}:{h}", "-c:v", "libwebp_anim",
                             "-loop", "0", "-quality", "75", os.path.join(out, "preview.webp")])
    return commands


def single_command(clip, out, rungs):
    """(b): one ffmpeg command, `split` into the three renditions at x264's defaults."""
    n = len(rungs)
    graph = [f"[0:v]split={n}" + "".join(f"[v{i}]" for i in range(n)),
             "[0:a]loudnorm=I=-16,aresample=48000,asplit=" + f"{n}" + "".join(f"[a{i}]" for i in range(n))]
    graph += [f"[v{i}]scale={w}:{h}[o{i}]" for i, (_, w, h) in enumerate(rungs)]
    argv = QUIET + ["-i", clip, "-filter_complex", ";".join(graph)]
    for i, (name, _, _) in enumerate(rungs):
        argv += ["-map", f"[o{i}]", "-map", f"[a{i}]", "-c:v", "libx264", "-c:a", "aac", "-b:a", "128k",
                 "-movflags", "+faststart", os.path.join(out, f"video-{name}.mp4")]
    return argv


def timed(argv):
    wall, peak, status = run(argv)
    if status != 0:
        raise SystemExit(f"command failed ({status}): {' '.join(argv)}")
    return wall, peak


def fresh(directory):
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    return directory


def ssim(path, source, width, height):
    """SSIM (All) of `path` against `source` scaled to width x height."""
    proc = subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-i", path, "-i", source, "-lavfi",
                           f"[1:v]scale={width}:{height}[ref];[0:v][ref]ssim", "-f", "null", "-"],
                          capture_output=True, text=True)
    found = re.findall(r"All:([0-9.]+)", proc.stderr)
    if proc.returncode != 0 or not found:
        raise SystemExit(f"ssim failed on {path}:\n{proc.stderr[-2000:]}")
    return float(found[-1])


def keyframe_times(path):
    proc = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time,flags",
                           "-of", "csv=p=0", path], capture_output=True, text=True, check=True)
    times = [float(t) for t, flags in (line.split(",")[:2] for line in proc.stdout.split()) if "K" in flags]
    return sorted(times)


def keyframe_summary(path):
    times = keyframe_times(path)
    gaps = [b - a for a, b in zip(times, times[1:])]
    regular = all(abs(g - KEYFRAME_INTERVAL) < 0.02 for g in gaps)
    return f"{len(times)} keyframes, gaps {min(gaps):.2f}-{max(gaps):.2f} s" + ("" if regular else "  ** not every 2 s")


def rungs_of(manifest):
    """(name, width, height) of each rendition ours wrote, largest first."""
    files = [f for f in manifest["files"] if f["role"] == "rendition"]
    return [(re.sub(r"^video-|\.mp4$", "", f["path"]), f["width"], f["height"]) for f in files]


def missing_files(out, rungs):
    names = EXPECTED + [f"video-{name}.mp4" for name, _, _ in rungs] + [f"thumbs/thumb-{k:02d}.jpg" for k in range(1, 6)]
    return [n for n in names if not os.path.exists(os.path.join(out, n))]


def verdict(ok):
    return "met" if ok else "NOT MET"


def report(times, peak, manifest, table, ours_dir, rungs, repeats, count_a):
    mine, seq, single = (statistics.median(times[k]) for k in ("ours", "a", "b"))
    stages = manifest.get("timings", {})
    print(f"post: 30 s 1080p30 talking-head clip, median of {repeats} run(s), {os.cpu_count()} cores")
    print(f"  ours  {'avatarpipe post':36s} {mine:6.1f} s   renditions {stages.get('renditions', 0):.1f} s, "
          f"pictures {stages.get('pictures', 0):.1f} s, captions {stages.get('captions', 0):.1f} s; peak {peak:.0f} MB")
    print(f"  (a)   {f'ffmpeg CLI, {count_a} commands in sequence':36s} {seq:6.1f} s   {len(rungs)} renditions, poster, 5 thumbnails, "
          f"storyboard, WebP (captions: no ffmpeg equivalent)")
    print(f"  (b)   {'ffmpeg CLI, one command with split':36s} {single:6.1f} s   the {len(rungs)} renditions, x264 defaults")
    print(f"  ratio ours / (a): {mine / seq:.2f}x    ratio ours / (b): {mine / single:.2f}x (target <= {TARGET_RATIO:.2f}x)")
    print(f"  {'rendition':10s} {'size':>10s} {'bytes ours':>12s} {'bytes (b)':>12s} {'ratio':>6s} "
          f"{'SSIM ours':>10s} {'SSIM (b)':>10s} {'diff':>9s}   keyframes (ours)")
    for row in table:
        print(f"  {row['name']:10s} {row['size']:>10s} {row['ours_bytes']:12,d} {row['ff_bytes']:12,d} "
              f"{row['ours_bytes'] / row['ff_bytes']:6.2f} {row['ours_ssim']:10.5f} {row['ff_ssim']:10.5f} "
              f"{row['ours_ssim'] - row['ff_ssim']:+9.5f}   {row['keyframes']}")
    missing = missing_files(ours_dir, rungs)
    if missing:
        print(f"  ** ours is missing: {', '.join(missing)}")
    checks = [
        (f"time <= {TARGET_RATIO:.2f}x the single ffmpeg command ({mine / single:.2f}x)", mine <= TARGET_RATIO * single),
        (f"SSIM >= ffmpeg's - {SSIM_SLACK} on every rendition (worst {min(r['ours_ssim'] - r['ff_ssim'] for r in table):+.5f})",
         all(r["ours_ssim"] >= r["ff_ssim"] - SSIM_SLACK for r in table)),
        (f"bytes <= ffmpeg's on every rendition (largest ratio {max(r['ours_bytes'] / r['ff_bytes'] for r in table):.2f})",
         all(r["ours_bytes"] <= r["ff_bytes"] for r in table)),
        (f"peak memory < {PEAK_MB} MB ({peak:.0f} MB)", peak < PEAK_MB),
    ]
    for text, ok in checks:
        print(f"  target: {text}: {verdict(ok)}")
    return all(ok for _, ok in checks) and not missing


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=int(os.environ.get("BENCH_REPEATS", "1")))
    parser.add_argument("--keep", action="store_true", help="keep the outputs and print where they are")
    args = parser.parse_args()
    avatarpipe = binary()
    work = os.environ.get("BENCH_DIR", os.path.join(ROOT, ".build/bench"))
    os.makedirs(work, exist_ok=True)
    clip, script = make_clip(avatarpipe, work)

    base = tempfile.mkdtemp(prefix="bench-post-")
    dirs = {k: os.path.join(base, k) for k in ("ours", "a", "b")}
    times, peak, manifest = {"ours": [], "a": [], "b": []}, 0.0, None
    try:
        for _ in range(args.repeats):
            wall, rss = timed(ours_command(avatarpipe, clip, script, fresh(dirs["ours"])))
            times["ours"].append(wall)
            peak = max(peak, rss)
            with open(os.path.join(dirs["ours"], "manifest.json")) as f:
                manifest = json.load(f)
            rungs = rungs_of(manifest)
            preview = next(f for f in manifest["files"] if f["role"] == "preview")
            commands = sequential_commands(clip, fresh(dirs["a"]), rungs, (preview["width"], preview["height"]))
            times["a"].append(sum(timed(argv)[0] for argv in commands))
            times["b"].append(timed(single_command(clip, fresh(dirs["b"]), rungs))[0])

        table = []
        for name, w, h in rungs:
            mine, theirs = (os.path.join(dirs[k], f"video-{name}.mp4") for k in ("ours", "b"))
            table.append({"name": name, "size": f"{w}x{h}", "ours_bytes": os.path.getsize(mine),
                          "ff_bytes": os.path.getsize(theirs), "ours_ssim": ssim(mine, clip, w, h),
                          "ff_ssim": ssim(theirs, clip, w, h), "keyframes": keyframe_summary(mine)})
        ok = report(times, peak, manifest, table, dirs["ours"], rungs, args.repeats, len(commands))
        if args.keep:
            print(f"  outputs kept in {base}/{{ours,a,b}}")
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
