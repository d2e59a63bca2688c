"""Caption timing accuracy and speed: `avatarpipe captions` on a corpus this script builds.

The corpus is speech from flite (a different engine from the aligner's espeak-ng reference)
in several of its voices: sentences spoken one at a time, trimmed, and joined with pauses of
80 ms to 1 s over quiet room tone, so the true start and end of every sentence are known.
Each file exists clean and with pink noise at about 10 dB SNR. For every cue, its start is
compared with the true start of its first sentence and its end with the true end of its last
one (cues that start or end inside a sentence have no truth and are left out). Last, one
5-minute file is aligned to time the command.

Usage: scripts/bench-captions.sh [--files-per-voice N] [--seed N] [--keep] [--no-long]
Environment: BIN (default .build/release/avatarpipe), BENCH_DIR (default .build/bench/captions).
"""
import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
import wave

import numpy as np

RATE = 16000
VOICES = ["slt", "awb", "rms", "kal16"]
# Informational: also a condition at 20 dB SNR (BENCH_EXTRA=1).
EXTRA_CONDITIONS = bool(os.environ.get("BENCH_EXTRA"))
TARGETS = {
    "clean": {"start_median": 20, "start_p95": 60},
    "noise-10dB": {"start_median": 40, "start_p95": 250},
}

SENTENCES = """\
The weather turned cold just after the sun went down behind the hills.
Please remember to bring your own water bottle to the workshop tomorrow.
Our new video editor makes it easy to cut, trim and share your clips.
She opened the window and listened to the rain falling on the roof.
How many people do you think will come to the launch next week?
This report covers the first three months of the year.
We tested the system on four hundred recordings from twelve different speakers.
It was the best meal I have had in a very long time!
The train to the airport leaves every fifteen minutes during the day.
If you have any questions, feel free to send us a message at any time.
Good design is not only how something looks, but how it works.
The museum is closed on Mondays and open late on Fridays.
Could you tell me where the nearest pharmacy is?
He spent the summer learning to play the guitar with his grandfather.
Every frame of the animation was drawn by hand.
Sales grew by twenty percent compared with the same period last year.
The children built a small boat out of wood and old rope.
Thank you for watching, and see you in the next episode.
Most of the energy we use at home goes into heating and hot water.
The library lends out books, films, music and even tools.
When the storm passed, the streets were covered in leaves and branches.
Our support team answers every question within one working day.
The recipe calls for two eggs, a cup of flour and a pinch of salt.
Nobody expected the small team to win the national championship.
A good night's sleep helps you remember what you learned during the day.
The bridge was built more than a hundred years ago.
Click the button below to download the full guide for free.
Birds began to sing long before the first light of dawn.
This camera records sharp video even in very low light.
They walked along the beach, collecting shells and smooth stones.
Learning a new language takes patience, practice and a lot of listening.
The meeting has been moved to Thursday afternoon at three o'clock.
Fresh bread was cooling on the kitchen table.
Why do leaves change colour in the autumn?
The company plans to open two new offices in Europe next spring.
After dinner, we sat outside and watched the stars come out.
Always back up your files before installing a major update.
The old lighthouse still guides ships safely into the harbour.
Her first novel was translated into more than thirty languages.
Drink plenty of water, especially when the weather is hot.
The results of the survey will be published at the end of the month.
A small change in your daily routine can make a big difference.
The orchestra played for almost two hours without a break.
Mountains in the north are covered with snow for most of the year.
We are proud to announce our partnership with a local charity.
The cat jumped onto the shelf and knocked over a vase.
Public transport in the city is cheap, fast and reliable.
Scientists have discovered a new species of frog in the rainforest.
Remember to switch off the lights when you leave the room.
The festival attracts thousands of visitors every summer.
Each lesson is short enough to finish during a coffee break.
The river flooded the fields after a week of heavy rain.
Our goal is simple: better tools for people who make videos.
He finally found his keys in the pocket of his old coat.
The garden looks its best in late spring, when everything is in flower.
Next, we will look at how to set up your account.
Traffic was heavy this morning because of the roadworks on the main street.
Welcome to the team, we are glad to have you with us!
The price includes breakfast, free parking and access to the pool.
Clouds gathered over the valley and the wind grew stronger.
""".strip().split("\n")


def read_wav(path):
    with wave.open(path) as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1, path
        rate = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float64) / 32768
    if rate != RATE:
        raise SystemExit(f"{path}: flite gave {rate} Hz, expected {RATE}")
    return x


def write_wav(path, x):
    pcm = np.clip(np.round(x * 32767), -32768, 32767).astype(np.int16)
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())


def flite(text, voice, path):
    subprocess.run(["flite", "-voice", voice, "-t", text, "-o", path], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def trimmed(x):
    """The sentence from its first to its last sample above -40 dB re its peak."""
    threshold = np.abs(x).max() * 10 ** (-40 / 20)
    loud = np.nonzero(np.abs(x) > threshold)[0]
    return x[loud[0]:loud[-1] + 1]


def room_tone(n, rng, level_db=-62):
    """Quiet, slightly low-passed noise (a room, not digital silence)."""
    white = rng.standard_normal(n + 8)
    tone = np.convolve(white, np.ones(8) / 8, mode="same")[:n]
    return tone / np.sqrt(np.mean(tone ** 2)) * 10 ** (level_db / 20)


def pink_noise(n, rng):
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / RATE)
    f[0] = f[1]
    noise = np.fft.irfft(spectrum / np.sqrt(f), n)
    return noise / np.sqrt(np.mean(noise ** 2))


def sentence_cache(cache, voice, index, text):
    path = os.path.join(cache, f"{voice}-{index:03d}.wav")
    if not os.path.exists(path):
        flite(text, voice, path)
    return trimmed(read_wav(path))


def build_file(cache, voice, sentences, rng):
    """Sentences joined with random pauses; returns the speech, the truth and the speech mask."""
    pieces, truth = [], []
    position = int(rng.uniform(0.4, 1.2) * RATE)
    pieces.append(np.zeros(position))
    for k, (index, text) in enumerate(sentences):
        if k > 0:
            pause = int(rng.uniform(0.08, 1.0) * RATE)
            pieces.append(np.zeros(pause))
            position += pause
        speech = sentence_cache(cache, voice, index, text)
        truth.append((position / RATE, (position + len(speech)) / RATE))
        pieces.append(speech)
        position += len(speech)
    pieces.append(np.zeros(int(rng.uniform(0.5, 1.2) * RATE)))
    x = np.concatenate(pieces)
    mask = np.zeros(len(x), dtype=bool)
    for start, end in truth:
        mask[int(start * RATE):int(end * RATE)] = True
    # Speech at about -20 dBFS RMS.
    x = x / np.sqrt(np.mean(x[mask] ** 2)) * 0.1
    return x, truth, mask


def build_corpus(directory, files_per_voice, seed=7):
    cache = os.path.join(directory, "flite")
    os.makedirs(cache, exist_ok=True)
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    cases = []
    for voice in VOICES:
        for number in range(files_per_voice):
            chosen = rng.sample(range(len(SENTENCES)), rng.randint(7, 11))
            sentences = [(i, SENTENCES[i]) for i in chosen]
            speech, truth, mask = build_file(cache, voice, sentences, nrng)
            tone = room_tone(len(speech), nrng)
            script = " ".join(text for _, text in sentences)
            stem = f"{voice}-{number}"
            with open(os.path.join(directory, stem + ".txt"), "w") as f:
                f.write(script + "\n")
            clean = speech + tone
            pink = pink_noise(len(speech), nrng) * np.sqrt(np.mean(speech[mask] ** 2))
            conditions = [("clean", clean), ("noise-10dB", clean + pink * 10 ** (-10 / 20))]
            if EXTRA_CONDITIONS:
                conditions.append(("noise-20dB", clean + pink * 10 ** (-20 / 20)))
            for condition, signal in conditions:
                path = os.path.join(directory, f"{stem}-{condition}.wav")
                write_wav(path, signal / max(1.0, np.abs(signal).max() / 0.99))
                cases.append({"condition": condition, "voice": voice, "audio": path,
                              "script": os.path.join(directory, stem + ".txt"), "truth": truth,
                              "sentences": len(sentences)})
    return cases


def build_long(directory, seconds=300, seed=11):
    """A file of about `seconds` of speech in one voice, for timing."""
    cache = os.path.join(directory, "flite")
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    sentences, total, k = [], 0.0, 0
    while total < seconds - 2:
        index = k % len(SENTENCES)
        speech = sentence_cache(cache, "slt", index, SENTENCES[index])
        total += len(speech) / RATE + 0.55
        sentences.append((index, SENTENCES[index]))
        k += 1
    rng.shuffle(sentences)
    speech, truth, mask = build_file(cache, "slt", sentences, nrng)
    path = os.path.join(directory, "long-5min.wav")
    write_wav(path, speech + room_tone(len(speech), nrng))
    script = os.path.join(directory, "long-5min.txt")
    with open(script, "w") as f:
        f.write(" ".join(text for _, text in sentences) + "\n")
    return {"audio": path, "script": script, "truth": truth, "duration": len(speech) / RATE}


def captions(binary, case, out):
    """Runs `avatarpipe captions --json`; returns the track, wall seconds and CPU seconds."""
    start = time.perf_counter()
    proc = subprocess.Popen([binary, "captions", case["audio"], "--script", "@" + case["script"], "--json", "--out", out],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime - captions.cpu_before
    captions.cpu_before = usage.ru_utime + usage.ru_stime
    if proc.returncode != 0:
        raise SystemExit(f"avatarpipe captions failed ({proc.returncode}) on {case['audio']}:\n{stderr}")
    return json.loads(stdout), wall, cpu


captions.cpu_before = 0.0


def errors(track, truth):
    starts, ends, display_ends = [], [], []
    for cue in track["cues"]:
        first, last = cue["first_sentence"], cue["last_sentence"]
        if cue["starts_sentence"]:
            starts.append(abs(cue["start"] - truth[first][0]) * 1000)
        if cue["ends_sentence"]:
            ends.append(abs(cue["speech_end"] - truth[last][1]) * 1000)
            display_ends.append(abs(cue["end"] - truth[last][1]) * 1000)
    return starts, ends, display_ends


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files-per-voice", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7, help="another seed draws another corpus")
    parser.add_argument("--keep", action="store_true", help="keep the captions written for each file")
    parser.add_argument("--no-long", action="store_true", help="skip the 5-minute timing")
    args = parser.parse_args()
    binary = os.environ.get("BIN", ".build/release/avatarpipe")
    if not os.access(binary, os.X_OK):
        raise SystemExit(f"no executable at {binary}: build it (swift build -c release --product avatarpipe) or set BIN")
    directory = os.environ.get("BENCH_DIR", ".build/bench/captions")
    os.makedirs(directory, exist_ok=True)
    out = os.path.join(directory, "out")

    cases = build_corpus(directory, args.files_per_voice, seed=args.seed)
    results = {}
    methods = {}
    for case in cases:
        track, _, _ = captions(binary, case, out)
        if track["diagnostics"]["sentences"] != case["sentences"]:
            print(f"warning: {case['audio']}: the script has {case['sentences']} sentences, avatarpipe found "
                  f"{track['diagnostics']['sentences']}", file=sys.stderr)
            continue
        s, e, d = errors(track, case["truth"])
        bucket = results.setdefault(case["condition"], {"starts": [], "ends": [], "display_ends": [], "cues": 0})
        bucket["starts"] += s
        bucket["ends"] += e
        bucket["display_ends"] += d
        bucket["cues"] += len(track["cues"])
        methods.setdefault(case["condition"], []).append(track["method"])
        if os.environ.get("BENCH_VERBOSE"):
            print(f"  {os.path.basename(case['audio']):28s} {track['method']:8s} cost {track['diagnostics'].get('path_cost')}"
                  f"/{track['diagnostics'].get('baseline_cost')} snr {track['diagnostics'].get('snr_db')} "
                  f"starts max {max(s) if s else 0:.0f} ms")

    print(f"caption timing, {len(cases) // 2} files per condition, voices {', '.join(VOICES)} (flite); reference espeak-ng")
    ok = True
    for condition in ("clean", "noise-10dB"):
        bucket = results.get(condition)
        if not bucket:
            continue
        target = TARGETS[condition]
        med, p95 = statistics.median(bucket["starts"]), percentile(bucket["starts"], 95)
        verdict = "ok" if med <= target["start_median"] and p95 <= target["start_p95"] else "MISSED"
        ok = ok and verdict == "ok"
        fallback = methods[condition].count("fallback")
        print(f"{condition:11s} starts  median {med:5.0f} ms  p95 {p95:5.0f} ms  max {max(bucket['starts']):5.0f} ms  "
              f"(target median <= {target['start_median']} ms, p95 <= {target['start_p95']} ms): {verdict}   "
              f"[{len(bucket['starts'])} cue starts, {fallback} fallback]")
        e, d = bucket["ends"], bucket["display_ends"]
        print(f"{condition:11s} ends    median {statistics.median(e):5.0f} ms  p95 {percentile(e, 95):5.0f} ms  max {max(e):5.0f} ms  "
              f"(speech end of the cue)")
        print(f"{condition:11s} shown   median {statistics.median(d):5.0f} ms  p95 {percentile(d, 95):5.0f} ms  max {max(d):5.0f} ms  "
              f"(display end, held for reading and cut for the gap)")

    if not args.no_long:
        long = build_long(directory)
        runs = []
        for _ in range(3):
            track, wall, cpu = captions(binary, long, out)
            runs.append((track["diagnostics"]["seconds"], wall, cpu, track))
        runs.sort(key=lambda r: r[0])
        aligned, wall, cpu, track = runs[1]
        s, _, _ = errors(track, long["truth"])
        verdict = "ok" if aligned < 2.0 else "MISSED"
        ok = ok and verdict == "ok"
        d = track["diagnostics"]
        load = os.getloadavg()[0]
        print(f"5-minute file ({long['duration']:.0f} s, {d['sentences']} sentences): aligned in {aligned:.2f} s "
              f"(decode {d['decode_seconds']:.2f}, synthesis {d['synthesis_seconds']:.2f}, features+DTW {d['alignment_seconds']:.2f}), "
              f"median of 3 (target < 2 s): {verdict}")
        print(f"  whole command {wall:.2f} s wall, {cpu:.2f} s CPU on {os.cpu_count()} cores (load average {load:.1f} while measuring); "
              f"starts median {statistics.median(s):.0f} ms, p95 {percentile(s, 95):.0f} ms, method {track['method']}")
    if not args.keep:
        subprocess.run(["rm", "-rf", out])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
