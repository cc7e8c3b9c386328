/*
 * mail_probe.c - drives mail.c and smtp.c for tests/mail.py: loads a
 * galaxy-chat.ini (cfg_load, so the mail keys are read as galaxy-chat
 * reads them), opens one sender, then reads one JSON request per stdin
 * line and prints one JSON line per answer, so one sender (one SMTP
 * connection, reused) is probed over time.
 *
 *   mail_probe -c FILE
 * first line out: {"result": "ready"} or {"result": "error", "err": ...}
 * stdin lines:  {"to": ADDR, "name": NAME, "now": TS, "items": [{"id": N,
 *                "from": NAME, "room": NAME or null, "ts": TS, "text": T}, ...]}
 *               (composed with mail_compose, sent with smtp_send), or
 *               {"probe": true} (smtp_probe)
 * stdout:       {"result": "sent" | "refused" | "unavailable" | "error",
 *                "err": "...", "info": "..."}
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "cfg.h"
#include "mail.h"
#include "smtp.h"

#define PROBE_MAX_ITEMS 64

static const char *const results[] = { "sent", "refused", "unavailable" };

static const char *probe_str(json_object *o, const char *key)
{
	json_object *v = json_object_object_get(o, key);
	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static void probe_answer(const char *result, const char *err, const char *info)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "result", json_object_new_string(result));
	json_object_object_add(o, "err", json_object_new_string(err ? err : ""));
	json_object_object_add(o, "info", json_object_new_string(info ? info : ""));
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	fflush(stdout);
	json_object_put(o);
}

static void probe_line(const struct cfg *cfg, struct smtp *s, const char *line)
{
	struct mail_item items[PROBE_MAX_ITEMS];
	char err[1024] = "", info[256] = "";
	json_object *req = json_tokener_parse(line), *list;
	struct mail m;
	size_t n = 0;

	if (!req) {
		probe_answer("error", "not JSON", NULL);
		return;
	}
	if (json_object_object_get(req, "probe")) {
		enum smtp_result r = smtp_probe(s, info, sizeof info, err, sizeof err);
		probe_answer(results[r], err, info);
		json_object_put(req);
		return;
	}
	list = json_object_object_get(req, "items");
	for (size_t i = 0; list && i < json_object_array_length(list) && n < PROBE_MAX_ITEMS; i++) {
		json_object *it = json_object_array_get_idx(list, i);
		items[n++] = (struct mail_item){
			json_object_get_int64(json_object_object_get(it, "id")), probe_str(it, "from"),
			probe_str(it, "room"), json_object_get_int64(json_object_object_get(it, "ts")),
			probe_str(it, "text")
		};
	}
	if (mail_compose(cfg, probe_str(req, "name"), probe_str(req, "to"), items, n,
	                 (time_t)json_object_get_int64(json_object_object_get(req, "now")), &m,
	                 err, sizeof err) < 0) {
		probe_answer("error", err, NULL);
	} else {
		enum smtp_result r = smtp_send(s, &m, err, sizeof err);
		probe_answer(results[r], r == SMTP_SENT ? "" : err, NULL);
		mail_clear(&m);
	}
	json_object_put(req);
}

int main(int argc, char **argv)
{
	struct cfg *cfg = NULL;
	struct smtp *s = NULL;
	char err[1024], line[1 << 16];

	if (argc != 3 || strcmp(argv[1], "-c") != 0) {
		fprintf(stderr, "usage: mail_probe -c FILE\n");
		return 2;
	}
	if (cfg_load(argv[2], &cfg, err, sizeof err) < 0 || smtp_open(cfg, &s, err, sizeof err) < 0) {
		probe_answer("error", err, NULL);
		cfg_free(cfg);
		return 1;
	}
	probe_answer("ready", NULL, NULL);
	while (fgets(line, sizeof line, stdin))
		probe_line(cfg, s, line);
	smtp_close(s);
	cfg_free(cfg);
	return 0;
}
