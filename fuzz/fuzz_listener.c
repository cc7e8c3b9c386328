/*
 * fuzz_listener.c - libFuzzer target: listener_complete, which decides from
 * peeked bytes whether a FastCGI request has arrived whole. It must never
 * read past len, and its answer must not change when more bytes follow
 * a request it called whole (the listener hands such a connection on).
 */
#include <stdint.h>
#include <stdlib.h>

#include "listener.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t cap = 64 + data[0] * 8;   /* the first byte picks the cap, the rest is peeked */
	data++;
	size--;
	for (size_t len = 0; len <= size && len <= cap; len++) {
		int rc = listener_complete(data, len, cap);
		if (rc < -1 || rc > 2 || (rc == 1 && len < cap))
			abort();
		if (rc >= 1) {
			for (size_t more = len; more <= size && more <= cap; more++)
				if (listener_complete(data, more, cap) != rc)
					abort();
			break;
		}
	}
	return 0;
}
