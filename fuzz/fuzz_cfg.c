/*
 * fuzz_cfg.c - libFuzzer target: cfg_load on any [chat] file, read from a
 * file as the server does. A config it accepts must hold what the rest of
 * the code relies on: limits in range, origins in normal form, a body
 * limit that leaves room for a whole message, fewer searches than workers,
 * the keys every caller reads without a NULL check, with mail
 * configured an email_from mail.c takes and a chat_url links extend, and
 * room topics only of `all` and the persistent rooms, each one the API
 * would take.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "httpparse.h"
#include "log.h"
#include "mail.h"
#include "room.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_rate_ok(const struct cfg_rate *r)
{
	return r->count == 0 || (r->count >= 1 && r->seconds >= 1 && r->seconds <= 86400);
}

/* Each room_topic.NAME pair: a room store_open() keeps (`all` or a
 * persistent one, by its exact name), a topic room_topic_check() takes. */
static int fuzz_topics_ok(const struct cfg *c)
{
	char err[160];

	for (size_t i = 0; i < c->n_room_topics; i++) {
		const char *room = c->room_topics[2 * i], *topic = c->room_topics[2 * i + 1];
		int known = strcmp(room, "all") == 0;

		for (size_t j = 0; j < c->n_persistent_rooms && !known; j++)
			known = strcmp(room, c->persistent_rooms[j]) == 0;
		if (!known || room_topic_check(topic, strlen(topic), err, sizeof err) != 0)
			return 0;
	}
	return 1;
}

/* What mail.c and smtp.c rely on when smtp_server is set. */
static int fuzz_mail_ok(const struct cfg *c)
{
	char name[256], addr[MAIL_ADDRESS_MAX + 1];

	if (c->notify_every < 0 || c->notify_after < 0)
		return 0;
	if (!c->smtp_server)
		return !c->email_from && !c->chat_url;
	return c->email_from && mail_from_parse(c->email_from, name, sizeof name, addr, sizeof addr) == 0 &&
	       c->chat_url && strncmp(c->chat_url, "http", 4) == 0 && !strpbrk(c->chat_url, "# \r\n");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct cfg *c = NULL;
	char err[1024], norm[512];
	FILE *f;

	if (!path[0]) {
		snprintf(path, sizeof path, "/tmp/gc-fuzz-cfg-%d.ini", (int)getpid());
		log_set_level(LOG_LVL_ERROR);   /* not the insecure-secret warning every time */
	}
	if (!(f = fopen(path, "wb")))
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	if (cfg_load(path, &c, err, sizeof err) == 0) {
		if (!fuzz_rate_ok(&c->rate) || !fuzz_rate_ok(&c->join_rate) ||
		    !fuzz_rate_ok(&c->search_rate) || c->new_room_rate.seconds != 86400 ||
		    c->max_searches < 1 || (c->workers > 1 && c->max_searches >= c->workers) ||
		    !c->id_secret || !c->id_secret_source || !c->database_connection || !c->galaxy_root ||
		    (unsigned)c->avatars > CFG_AVATARS_GRAVATAR || c->max_rooms_per_user < 0 ||
		    c->max_body_bytes < c->max_message_bytes + 256 || c->poll_timeout < 1 ||
		    !c->store || (c->store[0] != '/' && strncmp(c->store, "postgres", 8) != 0 &&
		                  strncmp(c->store, "sqlite:", 7) != 0) || !fuzz_mail_ok(c) ||
		    !fuzz_topics_ok(c))
			abort();
		for (size_t i = 0; i < c->n_allowed_origins; i++)
			if (http_origin_normalize(c->allowed_origins[i], norm, sizeof norm) != 0 ||
			    strcmp(norm, c->allowed_origins[i]) != 0)
				abort();
		cfg_free(c);
	}
	unlink(path);
	return 0;
}
