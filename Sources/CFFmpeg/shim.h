// What Swift cannot import from FFmpeg 5.1's headers (function-like and compound macros),
// re-exported as static inline functions and constants.
#ifndef AVATARPIPE_CFFMPEG_SHIM_H
#define AVATARPIPE_CFFMPEG_SHIM_H

#include <errno.h>
#include <libavformat/avformat.h>
#include <libavformat/avio.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/opt.h>
#include <libavutil/imgutils.h>
#include <libavutil/channel_layout.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/error.h>
#include <libswscale/swscale.h>
#include <libswresample/swresample.h>
#include <libavfilter/avfilter.h>
#include <libavfilter/buffersrc.h>
#include <libavfilter/buffersink.h>

static inline int swift_AVERROR(int posix_errno) { return AVERROR(posix_errno); }
static const int swift_AVERROR_EOF = AVERROR_EOF;
static const int swift_AVERROR_EAGAIN = AVERROR(EAGAIN);
static const int swift_AVERROR_INVALIDDATA = AVERROR_INVALIDDATA;
static const int swift_AVERROR_DECODER_NOT_FOUND = AVERROR_DECODER_NOT_FOUND;
static const int swift_AVERROR_STREAM_NOT_FOUND = AVERROR_STREAM_NOT_FOUND;
static const int64_t swift_AV_NOPTS_VALUE = AV_NOPTS_VALUE;
static const int swift_AV_LOG_QUIET = AV_LOG_QUIET;
static const int swift_AV_LOG_ERROR = AV_LOG_ERROR;
static const int swift_AV_LOG_WARNING = AV_LOG_WARNING;
static const int swift_AV_LOG_INFO = AV_LOG_INFO;
static const int swift_AV_LOG_DEBUG = AV_LOG_DEBUG;
static const int swift_AVPROBE_PADDING_SIZE = AVPROBE_PADDING_SIZE;

static inline AVRational swift_AV_TIME_BASE_Q(void) { AVRational q = { 1, AV_TIME_BASE }; return q; }

static inline AVChannelLayout swift_channel_layout_mono(void) {
    AVChannelLayout layout = AV_CHANNEL_LAYOUT_MONO;
    return layout;
}
static inline AVChannelLayout swift_channel_layout_stereo(void) {
    AVChannelLayout layout = AV_CHANNEL_LAYOUT_STEREO;
    return layout;
}

// av_log_set_callback takes a va_list callback; av_log_format_line2 formats it.
typedef void (*swift_av_log_callback)(void *, int, const char *, va_list);

#endif
