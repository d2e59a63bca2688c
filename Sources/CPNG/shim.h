// libpng's simplified API from Swift: the format constants and the failure test are macros.
#ifndef AVATARPIPE_CPNG_SHIM_H
#define AVATARPIPE_CPNG_SHIM_H

#include <png.h>

static const png_uint_32 swift_PNG_IMAGE_VERSION = PNG_IMAGE_VERSION;
static const png_uint_32 swift_PNG_FORMAT_FLAG_ALPHA = PNG_FORMAT_FLAG_ALPHA;
static const png_uint_32 swift_PNG_FORMAT_FLAG_COLOR = PNG_FORMAT_FLAG_COLOR;
static const png_uint_32 swift_PNG_FORMAT_FLAG_LINEAR = PNG_FORMAT_FLAG_LINEAR;
static const png_uint_32 swift_PNG_FORMAT_FLAG_COLORMAP = PNG_FORMAT_FLAG_COLORMAP;
static const png_uint_32 swift_PNG_FORMAT_RGBA = PNG_FORMAT_RGBA;
static const png_uint_32 swift_PNG_FORMAT_RGB = PNG_FORMAT_RGB;
static const png_uint_32 swift_PNG_FORMAT_GRAY = PNG_FORMAT_GRAY;

static inline int swift_png_image_failed(const png_image *image) { return PNG_IMAGE_FAILED(*image); }

#endif
