/* A stand-in for guest/include/forkbox.h that lets tests/handlers compile an example handler
 * natively and call its main() in-process: the same API, but implemented by the test
 * (json_handler_test.cpp) against a request it prepares, instead of by host calls. Only the
 * declarations an example handler uses are here; the field numbers match the real header. */
#ifndef FORKBOX_FAKE_HOST_H
#define FORKBOX_FAKE_HOST_H

#include <stddef.h>

#define FORKBOX_FIELD_METHOD 0
#define FORKBOX_FIELD_PATH 1
#define FORKBOX_FIELD_QUERY 2
#define FORKBOX_FIELD_BODY 3

#ifdef __cplusplus
extern "C" {
#endif

long forkbox_wait_request(void);
long forkbox_request_field(int field, void* buf, size_t cap);
long forkbox_request_header(const char* name, size_t name_len, char* buf, size_t cap);
/* Under forkbox a successful respond does not return; the fake jumps back into the test. */
long forkbox_respond(int status, const char* content_type, const void* body, size_t len);
long forkbox_log(const char* msg, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* FORKBOX_FAKE_HOST_H */
