// libespeak-ng, for speech synthesised in-process (previews of script-only renders and the
// reference speech of caption alignment).
#ifndef AVATARPIPE_CESPEAK_SHIM_H
#define AVATARPIPE_CESPEAK_SHIM_H

#include <espeak-ng/speak_lib.h>
#include <espeak-ng/espeak_ng.h>

static const unsigned int swift_espeakCHARS_UTF8 = espeakCHARS_UTF8;
static const unsigned int swift_espeakSSML = espeakSSML;

#endif
