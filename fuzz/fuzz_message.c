/*
 * fuzz_message.c - libFuzzer target: api_message_parse, the checks of a
 * POST /v1/messages body. An accepted message must hold what API.md says:
 * a room name that validates or a recipient, non-blank text within the limit,
 * and every string strict UTF-8.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "room.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 1 when s (NULL: absent) is strict UTF-8. */
static int strict(const char *s)
{
	return !s || utf8_scan(s, strlen(s), 0, NULL) == strlen(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct api_message m;
	char err[256];
	int rc = api_message_parse((const char *)data, size, 100, &m, err, sizeof err);

	if (rc == 0) {
		if (!m.room == !m.to || !m.text || strlen(m.text) > 100 ||
		    (m.room && room_validate(m.room, strlen(m.room), err, sizeof err) != 0) ||
		    !strict(m.text) || !strict(m.to) || !strict(m.client_id))
			abort();
		json_object_put(m.obj);
	} else if ((rc != 400 && rc != 413) || m.obj || !err[0]) {
		abort();
	}
	return 0;
}
