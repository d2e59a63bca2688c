#!/usr/bin/env python3
"""`avatarpipe faces` against OpenCV's CascadeClassifier, same cascade, same image, same parameters.

Both detect on the full-size image (ours with --max-working-size 0 and --cascade alt2, so no
downscaling and no profile pass; OpenCV with the same minSize) and both start from the file
decoded by its own decoder, converted to gray. For each image the face counts and the IoU of
matched boxes are printed (target >= 0.7). Then both are timed on a 2000x2000 upscale of the
astronaut photo: the median of several runs of detection alone (OpenCV timed inside Python
around cvtColor + detectMultiScale2; ours from the `seconds` field of --json, which times gray
conversion + detection, not decoding or cascade loading), with the ratio (target <= 2x).

Needs opencv-python-headless < 5 (OpenCV 5 dropped CascadeClassifier); bench-faces.sh installs it.
"""
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from benchlib import ffmpeg  # noqa: E402

import cv2  # noqa: E402

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binary = os.environ.get("BIN", os.path.join(root, ".build/release/avatarpipe"))
cascades = os.environ.get("AVATARPIPE_CASCADES", "/usr/share/opencv4/haarcascades")
cascade = os.path.join(cascades, "haarcascade_frontalface_alt2.xml")
work = os.path.join(root, ".build/bench")
fixtures = os.path.join(root, ".build/fixtures")
repeats = int(os.environ.get("BENCH_REPEATS", "5"))
scale_factor, min_neighbors, min_size = 1.1, 3, int(os.environ.get("BENCH_MIN_SIZE", "0"))


def images():
    big = os.path.join(work, "astronaut-2000.png")
    if not os.path.exists(big):
        os.makedirs(work, exist_ok=True)
        ffmpeg("-i", os.path.join(root, "fixtures/astronaut.png"), "-vf", "scale=2000:2000:flags=lanczos", big)
    committed = [os.path.join(root, "fixtures", name) for name in ("astronaut.png", "coffee.png", "chelsea.png")]
    generated = [os.path.join(fixtures, name) for name in
                 ("two-people.png", "face-3pct.png", "black.png", "photo-gray.png", "photo-rgba.png",
                  "photo-exif6.jpg", "photo-1024.png", "face-edge.png", "photo-dark.png", "photo-blurred.png")]
    return committed + generated + [big], big


def ours(path):
    """(boxes, seconds) from one run of avatarpipe faces --json."""
    argv = [binary, "faces", path, "--json", "--max-working-size", "0", "--cascade", cascade,
            "--scale-factor", str(scale_factor), "--min-neighbors", str(min_neighbors), "--min-size", str(min_size)]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    report = json.loads(out)
    boxes = [(f["x"], f["y"], f["width"], f["height"], f["neighbors"]) for f in report["faces"]]
    return boxes, report["seconds"]


def theirs(classifier, path):
    """(boxes, seconds) from OpenCV: imread (which applies EXIF orientation), gray, detect."""
    image = cv2.imread(path)
    start = time.perf_counter()
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    rects, counts = classifier.detectMultiScale2(gray, scaleFactor=scale_factor, minNeighbors=min_neighbors,
                                                 minSize=(min_size, min_size))
    seconds = time.perf_counter() - start
    return [tuple(int(v) for v in r) + (int(n),) for r, n in zip(rects, counts)], seconds


def iou(a, b):
    w = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    h = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    shared = w * h
    return shared / (a[2] * a[3] + b[2] * b[3] - shared)


def matched_ious(mine, reference):
    """Each reference box paired with our best-overlapping box."""
    return [max((iou(r, m) for m in mine), default=0.0) for r in reference]


def compare(classifier, path):
    mine, _ = ours(path)
    reference, _ = theirs(classifier, path)
    ious = matched_ious(mine, reference)
    worst = min(ious) if ious else None
    same = sorted(mine) == sorted(reference)
    status = "identical" if same else ("ok" if len(mine) == len(reference) and (worst is None or worst >= 0.7)
                                       else "** differs")
    iou_text = "   -  " if worst is None else f"{worst:5.3f}"
    print(f"  {os.path.basename(path):22s} faces: avatarpipe {len(mine)}  opencv {len(reference)}"
          f"   min IoU {iou_text}   {status}")
    return same


def timing(classifier, path):
    our_times = [ours(path)[1] for _ in range(repeats)]
    their_times = [theirs(classifier, path)[1] for _ in range(repeats)]
    mine, theirs_ = statistics.median(our_times), statistics.median(their_times)
    ratio = mine / theirs_
    print(f"detect 2000x2000 (alt2, scale {scale_factor}, minNeighbors {min_neighbors})   "
          f"avatarpipe {mine * 1000:6.0f} ms   opencv {theirs_ * 1000:6.0f} ms   ratio {ratio:.2f}x   "
          f"(target <= 2.00x){'' if ratio <= 2 else '  ** over target'}")


def main():
    sys.stdout.reconfigure(line_buffering=True)  # keep our lines in order with libpng's warnings
    if not os.path.exists(binary):
        raise SystemExit(f"no binary at {binary}: build first (swift build -c release --product avatarpipe), or set BIN")
    subprocess.run(["bash", os.path.join(root, "scripts/make-fixtures.sh"), fixtures], check=True)
    classifier = cv2.CascadeClassifier(cascade)
    if classifier.empty():
        raise SystemExit(f"OpenCV cannot load {cascade}")
    paths, big = images()
    print(f"avatarpipe faces vs OpenCV {cv2.__version__} CascadeClassifier, {os.path.basename(cascade)}, "
          f"full-size images, {os.cpu_count()} cores (OpenCV threads: {cv2.getNumThreads()})")
    identical = sum(compare(classifier, path) for path in paths)
    print(f"  {identical} of {len(paths)} images give identical boxes and hit counts")
    timing(classifier, big)


main()
