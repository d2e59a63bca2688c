// curl_easy_setopt / curl_easy_getinfo / curl_multi_setopt are variadic and unavailable in
// Swift: one typed wrapper per argument kind.
#ifndef AVATARPIPE_CCURL_SHIM_H
#define AVATARPIPE_CCURL_SHIM_H

#include <curl/curl.h>

typedef size_t (*swift_curl_data_callback)(char *, size_t, size_t, void *);
typedef int (*swift_curl_xferinfo_callback)(void *, curl_off_t, curl_off_t, curl_off_t, curl_off_t);
typedef int (*swift_curl_seek_callback)(void *, curl_off_t, int);
typedef int (*swift_curl_debug_callback)(CURL *, curl_infotype, char *, size_t, void *);

static inline CURLcode curl_setopt_long(CURL *c, CURLoption o, long v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode curl_setopt_string(CURL *c, CURLoption o, const char *v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode curl_setopt_pointer(CURL *c, CURLoption o, void *v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode curl_setopt_off(CURL *c, CURLoption o, curl_off_t v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode curl_setopt_slist(CURL *c, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode curl_setopt_data_callback(CURL *c, CURLoption o, swift_curl_data_callback v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode curl_setopt_xferinfo_callback(CURL *c, swift_curl_xferinfo_callback v) { return curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, v); }
static inline CURLcode curl_setopt_seek_callback(CURL *c, swift_curl_seek_callback v) { return curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, v); }
static inline CURLcode curl_setopt_debug_callback(CURL *c, swift_curl_debug_callback v) { return curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, v); }

static inline CURLcode curl_getinfo_long(CURL *c, CURLINFO i, long *v) { return curl_easy_getinfo(c, i, v); }
static inline CURLcode curl_getinfo_off(CURL *c, CURLINFO i, curl_off_t *v) { return curl_easy_getinfo(c, i, v); }
static inline CURLcode curl_getinfo_double(CURL *c, CURLINFO i, double *v) { return curl_easy_getinfo(c, i, v); }
static inline CURLcode curl_getinfo_string(CURL *c, CURLINFO i, char **v) { return curl_easy_getinfo(c, i, v); }

static inline CURLMcode curl_multi_setopt_long(CURLM *m, CURLMoption o, long v) { return curl_multi_setopt(m, o, v); }

// Callback return values and sizes, typed as the callbacks return them.
static const size_t swift_CURL_WRITEFUNC_ERROR = CURL_WRITEFUNC_ERROR;
static const size_t swift_CURL_READFUNC_ABORT = CURL_READFUNC_ABORT;
static const int swift_CURL_SEEKFUNC_OK = CURL_SEEKFUNC_OK;
static const int swift_CURL_SEEKFUNC_FAIL = CURL_SEEKFUNC_FAIL;
static const int swift_CURL_SEEKFUNC_CANTSEEK = CURL_SEEKFUNC_CANTSEEK;
static const size_t swift_CURL_ERROR_SIZE = CURL_ERROR_SIZE;

// The result of a finished transfer sits in a union that Swift reads awkwardly.
static inline CURLcode swift_curl_msg_result(const CURLMsg *m) { return m->data.result; }

#endif
