#!/usr/bin/env bash
# Generates the edge-case inputs the tests feed to avatarpipe, from the committed fixtures,
# into DIR (default .build/fixtures). Idempotent: a stamp with this script's hash skips the
# work when nothing changed. Needs ffmpeg and python3 (scripts/setup.sh installs ffmpeg).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/.build/fixtures}
stamp="$out/.stamp"
hash=$(cat "$0" "$root"/fixtures/astronaut.png "$root"/fixtures/speech.wav | sha256sum | cut -c1-16)
if [[ -f "$stamp" && "$(cat "$stamp")" == "$hash" ]]; then exit 0; fi

mkdir -p "$(dirname "$out")"
tmp=$(mktemp -d "${out%/}.tmp.XXXXXX")
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }
photo=$root/fixtures/astronaut.png
speech=$root/fixtures/speech.wav

# Photos
ff -i "$photo" -vf scale=200:200 "$tmp/photo-200.png"
ff -i "$photo" -q:v 3 "$tmp/photo.jpg"
cp "$tmp/photo.jpg" "$tmp/photo-jpeg-named.png"
ff -i "$photo" -c:v libwebp -quality 85 "$tmp/photo.webp"
ff -i "$photo" -vf scale=2400:2400 "$tmp/photo-2400.png"
ff -i "$photo" -vf "crop=384:512:64:0,scale=600:800" "$tmp/photo-portrait.png"
ff -i "$photo" -vf format=gray "$tmp/photo-gray.png"
ff -i "$photo" -vf "format=rgba,geq=r='r(X,Y)':g='g(X,Y)':b='b(X,Y)':a='if(lt(X,100),0,255)'" "$tmp/photo-rgba.png"
ff -i "$photo" -vf "format=rgba,geq=r='r(X,Y)':g='g(X,Y)':b='b(X,Y)':a=255" "$tmp/photo-rgba-opaque.png"
head -c $(( $(stat -c %s "$photo") * 6 / 10 )) "$photo" > "$tmp/photo-truncated.png"
head -c $(( $(stat -c %s "$tmp/photo.jpg") * 6 / 10 )) "$tmp/photo.jpg" > "$tmp/photo-truncated.jpg"
# A 640x480 picture, red on the left half and blue on the right, stored with EXIF orientation 6
# (rotate 90° clockwise to display): displayed, it is 480x640 with red on top.
ff -f lavfi -i "color=red:s=320x480,format=rgb24" -f lavfi -i "color=blue:s=320x480,format=rgb24" \
   -filter_complex hstack -frames:v 1 -q:v 2 "$tmp/halves.jpg"
# Face-detection cases (issue 3)
ff -i "$photo" -i "$photo" -filter_complex hstack "$tmp/two-people.png"
ff -i "$photo" -vf "scale=150:150,pad=1000:1000:700:80:color=0x5a6e82" "$tmp/face-3pct.png"
ff -i "$photo" -vf "crop=342:512:170:0,pad=640:512:0:0:color=0x5a6e82" "$tmp/face-edge.png"
ff -f lavfi -i "color=black:s=800x800" -frames:v 1 "$tmp/black.png"
ff -i "$photo" -vf "gblur=sigma=5" "$tmp/photo-blurred.png"
ff -i "$photo" -vf "eq=brightness=-0.45:contrast=0.6" "$tmp/photo-dark.png"
ff -i "$photo" -vf "scale=1024:1024:flags=lanczos" "$tmp/photo-1024.png"
# Stored rotated 90° counter-clockwise with EXIF orientation 6: displayed upright.
ff -i "$photo" -vf "transpose=2" -q:v 2 "$tmp/photo-sideways.jpg"
printf 'This is not a picture.\n' > "$tmp/text.png"
printf 'This is not a sound.\n' > "$tmp/text.wav"
: > "$tmp/empty.png"
: > "$tmp/empty.wav"
python3 - "$tmp" <<'PY'
import struct, sys, zlib
out = sys.argv[1]
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
# A PNG "bomb": a valid header declaring 100000x100000 RGB pixels, a few hundred bytes long.
ihdr = struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0)
idat = zlib.compress(b"\0" * 300001, 9)
with open(f"{out}/photo-bomb.png", "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
# EXIF orientation 6 in an APP1 segment right after SOI.
tiff = b"MM\x00\x2a" + struct.pack(">I", 8) + struct.pack(">H", 1) + struct.pack(">HHIHH", 0x0112, 3, 1, 6, 0) + struct.pack(">I", 0)
app1 = b"Exif\x00\x00" + tiff
for source, target in [("halves.jpg", "halves-exif6.jpg"), ("photo-sideways.jpg", "photo-exif6.jpg")]:
    data = open(f"{out}/{source}", "rb").read()
    with open(f"{out}/{target}", "wb") as f:
        f.write(data[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + data[2:])
PY

# Audio
ff -stream_loop -1 -i "$speech" -t 660 -ar 16000 "$tmp/speech-11min.wav"
ff -i "$speech" -t 0.3 "$tmp/speech-0.3s.wav"
ff -i "$speech" -t 2.5 "$tmp/speech-2.5s.wav"
ff -f lavfi -i anullsrc=r=22050:cl=mono -t 5 -c:a pcm_s16le "$tmp/silence.wav"
head -c $(( $(stat -c %s "$speech") / 2 )) "$speech" > "$tmp/speech-truncated.wav"
ff -i "$speech" -af "pan=5.1|FL=c0|FR=c0|FC=c0|LFE=c0|BL=c0|BR=c0" -ar 48000 "$tmp/speech-6ch.wav"
ff -i "$speech" -ar 8000 "$tmp/speech-8k.wav"
ff -i "$speech" "$tmp/speech.flac"
ff -i "$speech" -c:a libvorbis -q:a 4 "$tmp/speech.ogg"
ff -i "$speech" -c:a libmp3lame -b:a 128k "$tmp/speech.mp3"
cp "$tmp/speech.mp3" "$tmp/speech-mp3-named.wav"
ff -i "$speech" -af "aformat=channel_layouts=stereo,aresample=44100" "$tmp/speech-stereo-44k.wav"
ff -i "$speech" -af "volume=24dB" -c:a pcm_s16le "$tmp/speech-clipped.wav"
ff -f lavfi -i anullsrc=r=22050:cl=mono -i "$speech" -filter_complex \
   "[0]atrim=0:4[a];[0]atrim=0:4[b];[a][1][b]concat=n=3:v=0:a=1" -c:a pcm_s16le "$tmp/speech-padded.wav"
ff -i "$speech" -af "volume=-40dB" -c:a pcm_s16le "$tmp/speech-quiet.wav"
ff -f lavfi -i "aevalsrc=0.5*sin(2*PI*1000*t):s=48000:d=4" -c:a pcm_f32le "$tmp/tone-1k.wav"

# Videos for post-processing (issue 6)
ff -loop 1 -i "$photo" -i "$speech" -t 3 -vf "scale=640:360:force_original_aspect_ratio=decrease,pad=640:360:(ow-iw)/2:0,format=yuv420p" \
   -r 25 -c:v libx264 -preset ultrafast -c:a aac -shortest "$tmp/video-3s.mp4"
ff -loop 1 -i "$photo" -i "$speech" -vf "scale=640:360:force_original_aspect_ratio=decrease,pad=640:360:(ow-iw)/2:0,format=yuv420p" \
   -r 25 -c:v libx264 -preset ultrafast -c:a aac -shortest "$tmp/video-speech.mp4"
ff -i "$tmp/video-3s.mp4" -an -c copy "$tmp/video-noaudio.mp4"
ff -i "$tmp/video-3s.mp4" -vn -c copy "$tmp/audio-only.m4a"
head -c $(( $(stat -c %s "$tmp/video-3s.mp4") / 2 )) "$tmp/video-3s.mp4" > "$tmp/video-truncated.mp4"
# 2 s of video with 3 s of audio (the renditions' audio must end with the video)
ff -loop 1 -t 2 -i "$photo" -i "$speech" -vf "scale=320:180:force_original_aspect_ratio=decrease,pad=320:180:(ow-iw)/2:0,format=yuv420p" \
   -r 25 -c:v libx264 -preset ultrafast -c:a aac -t 3 "$tmp/video-long-audio.mp4"
# damaged in the middle: 300 bytes of 0xFF at ten places a third of the way in
cp "$tmp/video-speech.mp4" "$tmp/video-corrupt.mp4"
size=$(stat -c %s "$tmp/video-corrupt.mp4")
for i in $(seq 0 9); do
  head -c 300 /dev/zero | tr '\0' '\377' | dd of="$tmp/video-corrupt.mp4" bs=1 seek=$(( size / 3 + i * 4000 )) conv=notrunc status=none
done
# no audio; a still picture for 1 s at each end of 2 s of motion (--trim-silence cuts still frames)
ff -f lavfi -i "color=gray:s=320x180:r=25:d=1" -f lavfi -i "testsrc2=s=320x180:r=25:d=2" -f lavfi -i "color=gray:s=320x180:r=25:d=1" \
   -filter_complex "[0][1][2]concat=n=3:v=1:a=0,format=yuv420p" -c:v libx264 -preset ultrafast "$tmp/video-still-ends.mp4"
# moov first, so the file opens and the damage shows only while decoding
ff -i "$tmp/video-3s.mp4" -c copy -movflags +faststart "$tmp/video-faststart.mp4"
head -c $(( $(stat -c %s "$tmp/video-faststart.mp4") * 6 / 10 )) "$tmp/video-faststart.mp4" > "$tmp/video-truncated-faststart.mp4"
rm "$tmp/video-faststart.mp4"
: > "$tmp/video-empty.mp4"

# Names with spaces and non-ASCII characters
mkdir -p "$tmp/path with spaces"
cp "$photo" "$tmp/path with spaces/phötö ü.png"
cp "$speech" "$tmp/path with spaces/spëech ü.wav"

echo "$hash" > "$tmp/.stamp"
rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
