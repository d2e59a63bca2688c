#!/usr/bin/env python3
"""Checks a job's index.html in a real browser (headless Chromium).

The page is served from 127.0.0.1 (file:// would keep Chromium from loading the tracks)
by a small HTTP server with byte ranges, as a web server would serve it. Chromium is driven
over the DevTools protocol on a pipe (--remote-debugging-pipe: no port, no websocket
library). The check passes when the video's metadata loads with the expected duration
(within --tolerance, by default 0.1 s; expected: --expect-duration, else what ffprobe reads
from the source the browser chose), the caption track loads with cues, the thumbnail track
(when the page has one) loads with cues, every local file the page names exists, and no
request fails. A screenshot is written next to the page (index.png).

Exit codes: 0 pass, 1 fail (the reasons on stderr), 2 usage (no DIR/index.html),
77 Chromium is not installed (the check cannot run; install the Debian package chromium).
"""

import argparse
import base64
import fcntl
import html.parser
import http.server
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

MIME_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".vtt": "text/vtt; charset=utf-8",
    ".srt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".mp4": "video/mp4",
    ".m4s": "video/iso.segment",
    ".webm": "video/webm",
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
}

# Runs in the page until it reports done: the video's metadata and both tracks loaded (or failed).
# A track whose mode is "disabled" (a metadata track, a caption track without `default`) is never
# fetched, so it is switched to "hidden"; the caption track's mode before that is reported.
PROBE = r"""
((page) => {
  // Until the navigation has committed, this is still about:blank.
  if (location.href !== page) return {done: false, waiting: 'navigation'};
  const video = document.querySelector('video');
  if (!video) return {done: document.readyState === 'complete', noVideo: true};
  const elements = Array.from(video.querySelectorAll('track'));
  const captions = elements.find(t => t.kind === 'captions' || t.kind === 'subtitles');
  const thumbnails = elements.find(t => t.kind === 'metadata');
  const state = (t) => {
    if (!t) return null;
    const s = {src: t.src, readyState: t.readyState, mode: t.track.mode, isDefault: t.default,
               cues: t.track.cues ? t.track.cues.length : 0};
    if (t.track.mode === 'disabled') t.track.mode = 'hidden';
    return s;
  };
  const result = {
    readyState: video.readyState, networkState: video.networkState, duration: video.duration,
    currentSrc: video.currentSrc, videoWidth: video.videoWidth, videoHeight: video.videoHeight,
    poster: video.poster, error: video.error ? (video.error.code + ' ' + (video.error.message || '')) : null,
    sources: Array.from(video.querySelectorAll('source')).map(s => ({src: s.src, type: s.type})),
    captions: state(captions), thumbnails: state(thumbnails),
  };
  const trackSettled = (t) => !t || t.readyState >= 2;
  const videoSettled = video.readyState >= 1 || video.error !== null || video.networkState === 3;
  result.done = videoSettled && trackSettled(captions) && trackSettled(thumbnails);
  return result;
})(__PAGE_URL__)
"""


# The gallery of a batch: every <video> on the page, each with its caption track when it has one.
GALLERY_PROBE = r"""
((page) => {
  if (location.href !== page) return {done: false, waiting: 'navigation'};
  const videos = Array.from(document.querySelectorAll('video'));
  const items = videos.map(video => {
    const track = video.querySelector('track[kind=captions]');
    if (track && track.track.mode === 'disabled') track.track.mode = 'hidden';
    return {currentSrc: video.currentSrc, readyState: video.readyState, duration: video.duration,
            error: video.error ? (video.error.code + ' ' + (video.error.message || '')) : null,
            networkState: video.networkState, poster: video.poster,
            captions: track ? {src: track.src, readyState: track.readyState, cues: track.track.cues ? track.track.cues.length : 0} : null};
  });
  const settled = items.every(i => (i.readyState >= 1 || i.error !== null || i.networkState === 3)
                                   && (!i.captions || i.captions.readyState >= 2));
  return {done: settled && document.readyState === 'complete', gallery: items, cards: document.querySelectorAll('article').length};
})(__PAGE_URL__)
"""


class Handler(http.server.SimpleHTTPRequestHandler):
    """Static files with single byte ranges (media elements ask for them) and quiet logs."""

    def log_message(self, format, *args):
        pass

    def guess_type(self, path):
        return MIME_TYPES.get(os.path.splitext(path)[1].lower(), "application/octet-stream")

    def send_head(self):
        path = self.translate_path(self.path)
        if os.path.isdir(path) or not os.path.isfile(path):
            return super().send_head()
        size = os.path.getsize(path)
        header = self.headers.get("Range", "")
        start, end = 0, size - 1
        partial = False
        if header.startswith("bytes=") and "," not in header:
            first, _, last = header[6:].partition("-")
            try:
                if first:
                    start = int(first)
                    end = min(int(last), size - 1) if last else size - 1
                elif last:
                    start = max(0, size - int(last))
                partial = True
            except ValueError:
                partial = False
            if partial and (start >= size or start > end):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.end_headers()
                return None
        handle = open(path, "rb")
        handle.seek(start)
        self.send_response(206 if partial else 200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(end - start + 1))
        if partial:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.end_headers()
        self.remaining = end - start + 1
        return handle

    def copyfile(self, source, outputfile):
        remaining = getattr(self, "remaining", None)
        while remaining is None or remaining > 0:
            chunk = source.read(65536 if remaining is None else min(65536, remaining))
            if not chunk:
                break
            try:
                outputfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break  # the browser had what it wanted
            if remaining is not None:
                remaining -= len(chunk)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a browser dropping a media connection is normal


class DevTools:
    """The DevTools protocol over Chromium's pipe: JSON messages separated by NUL bytes."""

    def __init__(self, write_fd, read_fd):
        self.write_fd = write_fd
        self.read_fd = read_fd
        self.buffer = b""
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None, timeout=30):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.write_fd, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self.receive(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def receive(self, deadline):
        while b"\0" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self.read_fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(self.read_fd, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe (it exited)")
            self.buffer += chunk
        message, _, self.buffer = self.buffer.partition(b"\0")
        return json.loads(message)


def find_chromium():
    override = os.environ.get("CHROMIUM")
    if override:
        return override if shutil.which(override) else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


class LinkCollector(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href", "poster") and value:
                self.links.append(value)


def missing_files(directory, page):
    """Local files the page names that are not there."""
    collector = LinkCollector()
    with open(page, encoding="utf-8") as handle:
        collector.feed(handle.read())
    missing = []
    for link in collector.links:
        parts = urllib.parse.urlsplit(link)
        if parts.scheme or parts.netloc or not parts.path:
            continue
        local = os.path.join(directory, urllib.parse.unquote(parts.path))
        if not os.path.exists(local) and link not in missing:
            missing.append(link)
    return missing


def probe_duration(path):
    try:
        out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of",
                              "default=noprint_wrappers=1:nokey=1", path],
                             capture_output=True, text=True, timeout=60).stdout.strip()
        return float(out.splitlines()[0])
    except (OSError, ValueError, IndexError, subprocess.TimeoutExpired):
        return None


def launch(chromium, profile, log):
    """Starts Chromium with its DevTools pipe on fds 3 (commands in) and 4 (replies out)."""
    to_browser_r, to_browser_w = os.pipe()
    from_browser_r, from_browser_w = os.pipe()

    def place_pipes():
        # Move both ends above the low numbers first, so neither dup2 overwrites the other.
        inbound = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
        outbound = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
        os.dup2(inbound, 3)
        os.dup2(outbound, 4)
        os.setsid()

    arguments = [chromium, "--headless", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                 "--mute-audio", "--hide-scrollbars", "--disable-dev-shm-usage", "--disable-extensions",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--remote-debugging-pipe", f"--user-data-dir={profile}", "--window-size=1280,1000",
                 "about:blank"]
    if os.geteuid() == 0:
        arguments.insert(1, "--no-sandbox")  # Chromium's sandbox refuses to run as root
    process = subprocess.Popen(arguments, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                               pass_fds=(3, 4), preexec_fn=place_pipes)
    os.close(to_browser_r)
    os.close(from_browser_w)
    return process, DevTools(to_browser_w, from_browser_r)


def stop(process, devtools):
    if process.poll() is None:
        try:
            devtools.send("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            # Chromium runs in its own session: end the whole group (its renderer and GPU processes).
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    for fd in (devtools.write_fd, devtools.read_fd):
        try:
            os.close(fd)
        except OSError:
            pass


def check(directory, args, chromium):
    page = os.path.join(directory, "index.html")
    failures = [f"{page} names {link}, which is not in {directory}" for link in missing_files(directory, page)]
    server = Server(("127.0.0.1", 0), lambda *a, **k: Handler(*a, directory=directory, **k))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    profile = tempfile.mkdtemp(prefix="check-page-")
    log = open(os.path.join(profile, "chromium.log"), "wb")
    process, devtools = launch(chromium, profile, log)
    result = {}
    try:
        version = devtools.send("Browser.getVersion").get("product", "Chromium")
        pages = [t for t in devtools.send("Target.getTargets")["targetInfos"] if t["type"] == "page"]
        target = pages[0]["targetId"] if pages else devtools.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = devtools.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        devtools.send("Page.enable", session=session)
        devtools.send("Log.enable", session=session)
        devtools.send("Runtime.enable", session=session)
        page_url = base + "index.html"
        devtools.send("Page.navigate", {"url": page_url}, session=session)
        probe = (GALLERY_PROBE if args.gallery else PROBE).replace("__PAGE_URL__", json.dumps(page_url))
        deadline = time.monotonic() + args.timeout
        while True:
            reply = devtools.send("Runtime.evaluate", {"expression": probe, "returnByValue": True}, session=session)
            result = reply.get("result", {}).get("value") or {}
            if result.get("done") or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        if not result.get("done"):
            failures.append(f"the page did not finish loading in {args.timeout:g} s: {json.dumps(result)}")
        # Two animation frames, so the poster is painted before the screenshot.
        devtools.send("Runtime.evaluate", {"expression": "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))",
                                           "awaitPromise": True}, session=session)
        metrics = devtools.send("Page.getLayoutMetrics", session=session)
        size = metrics.get("cssContentSize") or metrics.get("contentSize") or {"width": 1280, "height": 1000}
        shot = devtools.send("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": max(1, size["width"]), "height": min(max(1, size["height"]), 6000), "scale": 1}},
            session=session)
        screenshot = os.path.join(directory, "index.png")
        with open(screenshot, "wb") as handle:
            handle.write(base64.b64decode(shot["data"]))
        result["screenshot"] = screenshot
        result["browser"] = version
        for event in devtools.events:
            if event.get("method") == "Log.entryAdded":
                entry = event["params"]["entry"]
                # A browser asks for /favicon.ico by itself; the page's own requests are what count.
                if entry.get("level") == "error" and entry.get("source") == "network" \
                        and not entry.get("url", "").endswith("/favicon.ico"):
                    failures.append(f"a request failed: {entry.get('text')} {entry.get('url', '')}".strip())
            elif event.get("method") == "Runtime.exceptionThrown":
                details = event["params"]["exceptionDetails"]
                failures.append("the page threw: " + details.get("exception", {}).get("description", details.get("text", "")))
    except (RuntimeError, TimeoutError, OSError, KeyError, IndexError) as error:
        log.flush()
        with open(os.path.join(profile, "chromium.log"), "rb") as handle:
            tail = handle.read()[-1500:].decode(errors="replace").strip()
        failures.append(f"driving Chromium failed: {error}" + (f"\nChromium said:\n{tail}" if tail else ""))
    finally:
        stop(process, devtools)
        log.close()
        server.shutdown()
        server.server_close()
        shutil.rmtree(profile, ignore_errors=True)

    if args.gallery:
        return gallery_result(result, failures, directory, base, args)
    if result.get("noVideo"):
        failures.append("the page has no <video> element")
    if result.get("error"):
        failures.append(f"the video failed to load: {result['error']}")
    duration = result.get("duration")
    source = result.get("currentSrc") or ""
    local_source = urllib.parse.unquote(urllib.parse.urlsplit(source).path).lstrip("/") if source.startswith(base) else None
    expected = args.expect_duration
    if expected is None and local_source:
        expected = probe_duration(os.path.join(directory, local_source))
    result["source"] = local_source
    result["expected_duration"] = expected
    if not isinstance(duration, (int, float)) or duration != duration or duration == float("inf"):
        if result.get("done"):
            failures.append(f"the video's duration is not known (readyState {result.get('readyState')}, source {source or 'none'})")
    elif expected is None:
        failures.append(f"no expected duration: give --expect-duration (the browser played {source or 'nothing'})")
    elif abs(duration - expected) > args.tolerance:
        failures.append(f"the video lasts {duration:.3f} s in the browser, expected {expected:.3f} s (±{args.tolerance:g})")
    captions = result.get("captions")
    if captions is None:
        if result.get("done"):
            failures.append("the page has no caption track")
    elif captions.get("readyState") == 3:
        failures.append(f"the caption track {captions.get('src')} failed to load")
    elif captions.get("cues", 0) == 0:
        failures.append(f"the caption track {captions.get('src')} has no cues")
    thumbnails = result.get("thumbnails")
    if thumbnails is not None:
        if thumbnails.get("readyState") == 3:
            failures.append(f"the thumbnail track {thumbnails.get('src')} failed to load")
        elif thumbnails.get("cues", 0) == 0:
            failures.append(f"the thumbnail track {thumbnails.get('src')} has no cues")
    result["failures"] = failures
    return result


def gallery_result(result, failures, directory, base, args):
    """A batch's gallery passes when every video's metadata loads with its file's duration and
    every caption track loads with cues."""
    items = result.get("gallery") or []
    if not items and result.get("done"):
        failures.append("the gallery shows no video")
    for item in items:
        source = item.get("currentSrc") or ""
        local = urllib.parse.unquote(urllib.parse.urlsplit(source).path).lstrip("/") if source.startswith(base) else source
        if item.get("error"):
            failures.append(f"{local or 'a video'} failed to load: {item['error']}")
            continue
        expected = probe_duration(os.path.join(directory, local)) if local else None
        duration = item.get("duration")
        if not isinstance(duration, (int, float)) or duration != duration or expected is None \
                or abs(duration - expected) > args.tolerance:
            failures.append(f"{local}: the browser reads {duration} s, the file holds {expected} s")
        captions = item.get("captions")
        if captions and captions.get("cues", 0) == 0:
            failures.append(f"{local}: the caption track {captions.get('src')} has no cues")
    result["videos"] = len(items)
    result["failures"] = failures
    return result


def main():
    parser = argparse.ArgumentParser(description="Check DIR/index.html in headless Chromium.")
    parser.add_argument("directory", metavar="DIR")
    parser.add_argument("--expect-duration", type=float, metavar="SECONDS",
                        help="the duration the video must have (default: ffprobe of the source the browser chose)")
    parser.add_argument("--tolerance", type=float, default=0.1, metavar="SECONDS")
    parser.add_argument("--timeout", type=float, default=30, metavar="SECONDS", help="for the page to load (default 30)")
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object on stdout")
    parser.add_argument("--gallery", action="store_true",
                        help="a batch's index.html: every video must load with its duration, every caption track with cues")
    args = parser.parse_args()

    directory = os.path.abspath(args.directory)
    if not os.path.isfile(os.path.join(directory, "index.html")):
        print(f"check-page: {args.directory}/index.html: no such file", file=sys.stderr)
        return 2
    chromium = find_chromium()
    if not chromium:
        print("check-page: Chromium is not installed (Debian package chromium; or set CHROMIUM): cannot check the page",
              file=sys.stderr)
        return 77

    result = check(directory, args, chromium)
    failures = result["failures"]
    if args.json:
        print(json.dumps(result, indent=2, sort_keys=True))
    captions = result.get("captions") or {}
    thumbnails = result.get("thumbnails")
    duration = result.get("duration")
    summary = [f"{result.get('source') or result.get('currentSrc') or 'no source'}"
               + (f" {duration:.3f} s" if isinstance(duration, (int, float)) else "")
               + (f" (expected {result['expected_duration']:.3f} s)" if result.get("expected_duration") is not None else "")
               + (f", {result.get('videoWidth')}x{result.get('videoHeight')}" if result.get("videoWidth") else ""),
               f"captions {captions.get('cues', 0)} cues ({captions.get('mode', 'none')})"]
    if thumbnails is not None:
        summary.append(f"thumbnails {thumbnails.get('cues', 0)} cues")
    if result.get("screenshot"):
        summary.append(f"screenshot {result['screenshot']}")
    if args.gallery:
        summary = [f"{result.get('videos', 0)} videos in {result.get('cards', 0)} cards"]
    line = f"{result.get('browser', 'Chromium')}: " + "; ".join(summary)
    if failures:
        print(f"check-page: FAIL {directory}/index.html — {line}", file=sys.stderr)
        for failure in failures:
            print(f"  - {failure}", file=sys.stderr)
        return 1
    print(f"check-page: ok {directory}/index.html — {line}", file=sys.stderr if args.json else sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
