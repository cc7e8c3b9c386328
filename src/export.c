/*
 * export.c - `galaxy-chat export [-c FILE] --room NAME --since DATE
 * [--until DATE] [--format text|json|csv] [--versions]` (see export.h).
 *
 * Dates are UTC, YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS[.mmm]], optionally
 * ending in Z; --since is inclusive, --until exclusive. A removed message
 * appears as removed, without its text (as in the chat_log view); an
 * edited one with its text now, marked edited, and with --versions its
 * earlier texts after it; joins, leaves, removals, edits, reactions,
 * solved marks, topics and pins read as in chat_log in the text format.
 * Formats: text (one line per event, continuation lines indented), json
 * (JSON Lines: one object per line, streamable), csv (RFC 4180, a header
 * row, every text field quoted, CRLF line ends).
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "cfg.h"
#include "export.h"
#include "room.h"
#include "store.h"

enum export_format { EXPORT_TEXT, EXPORT_JSON, EXPORT_CSV };

struct export_ctx {
	enum export_format format;
	FILE *out;
	struct store *st;
	int versions;                        /* --versions */
	const struct store_log_row *row;     /* the message whose versions are written */
	json_object *list;                   /* json: its "versions" */
};

/* Copies DATE into out as a store time prefix ("Z" dropped, so it compares
 * as text with the store's times). 0, or -1 when it is not a date. */
static int export_date(const char *date, char out[32])
{
	static const char shape[] = "0000-00-00T00:00:00.000";
	size_t len = strlen(date);

	if (len && date[len - 1] == 'Z')
		len--;
	if (len != 10 && len != 16 && len != 19 && len != 23)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (shape[i] == '0' ? (date[i] < '0' || date[i] > '9') : date[i] != shape[i])
			return -1;
	snprintf(out, 32, "%.*s", (int)len, date);
	return 0;
}

/* Writes s as one CSV field: quoted, quotes doubled. */
static void export_csv_field(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

/* Writes the text of a message, its continuation lines indented. */
static void export_text_body(FILE *out, const char *text)
{
	for (; *text; text++) {
		fputc(*text, out);
		if (*text == '\n')
			fputs("    ", out);
	}
}

/* 1 when row is a message or direct message that is not removed. */
static int export_shown(const struct store_log_row *row)
{
	return !row->deleted && (strcmp(row->type, "message") == 0 || strcmp(row->type, "direct") == 0);
}

static void export_text(const struct store_log_row *row, FILE *out)
{
	const char *t = row->type;

	fprintf(out, "%s ", row->ts);
	if (strcmp(t, "join") == 0 || strcmp(t, "leave") == 0)
		fprintf(out, "* %s %s", row->user, t[0] == 'j' ? "joined" : "left");
	else if (strcmp(t, "delete") == 0)
		fprintf(out, "* %s removed message %lld", row->user, row->target);
	else if (strcmp(t, "edit") == 0)
		fprintf(out, "* %s edited message %lld", row->user, row->target);
	else if (strcmp(t, "reaction") == 0)
		fprintf(out, "* %s %s %s %s message %lld", row->user, row->on ? "reacted" : "took back",
		        row->text ? row->text : "", row->on ? "to" : "from", row->target);
	else if (strcmp(t, "solved") == 0)
		fprintf(out, "* %s %smarked message %lld solved", row->user, row->on ? "" : "un",
		        row->target);
	else if (strcmp(t, "topic") == 0 && !(row->text && *row->text))
		fprintf(out, "* %s cleared the topic", row->user);
	else if (strcmp(t, "topic") == 0)
		fprintf(out, "* %s set the topic: %s", row->user, row->text);
	else if (strcmp(t, "pin") == 0)
		fprintf(out, "* %s %s message %lld", row->user,
		        row->text && strcmp(row->text, "unpin") == 0 ? "unpinned" : "pinned", row->target);
	else if (row->deleted)
		fprintf(out, "<%s> (removed)", row->user);
	else {
		fprintf(out, "<%s> ", row->user);
		if (row->reply_to)
			fprintf(out, "(reply to %lld) ", row->reply_to);
		export_text_body(out, row->text ? row->text : "");
		if (row->edited)
			fprintf(out, " (edited %s)", row->edited);
	}
	fputc('\n', out);
}

static void export_json(const struct store_log_row *row, json_object *versions, FILE *out)
{
	json_object *o = json_object_new_object();
	int reaction = strcmp(row->type, "reaction") == 0;

	json_object_object_add(o, "id", json_object_new_int64(row->id));
	json_object_object_add(o, "ts", json_object_new_string(row->ts));
	json_object_object_add(o, "room", json_object_new_string(row->room));
	json_object_object_add(o, "user", json_object_new_string(row->user));
	json_object_object_add(o, "type", json_object_new_string(row->type));
	if (row->text)
		json_object_object_add(o, reaction ? "emoji" : "text", json_object_new_string(row->text));
	if (row->deleted)
		json_object_object_add(o, "deleted", json_object_new_boolean(1));
	if (row->target)
		json_object_object_add(o, "target", json_object_new_int64(row->target));
	if (reaction || strcmp(row->type, "solved") == 0)
		json_object_object_add(o, "on", json_object_new_boolean(row->on));
	if (row->reply_to)
		json_object_object_add(o, "reply_to", json_object_new_int64(row->reply_to));
	if (row->edited && export_shown(row))
		json_object_object_add(o, "edited", json_object_new_string(row->edited));
	if (versions)
		json_object_object_add(o, "versions", json_object_get(versions));
	fprintf(out, "%s\n", json_object_to_json_string_ext(o,
	        JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/* One CSV row (id,ts,room,user,type,text,deleted,target,edited,reply_to,on):
 * row's, or with type "version" one of its earlier versions. */
static void export_csv(const struct store_log_row *row, const struct store_version *v, FILE *out)
{
	int flag = strcmp(row->type, "reaction") == 0 || strcmp(row->type, "solved") == 0;

	fprintf(out, "%lld,", row->id);
	export_csv_field(out, v ? v->written : row->ts);
	fputc(',', out);
	export_csv_field(out, row->room);
	fputc(',', out);
	export_csv_field(out, row->user);
	fputc(',', out);
	export_csv_field(out, v ? "version" : row->type);
	fputc(',', out);
	export_csv_field(out, v ? v->text : row->text ? row->text : "");
	fprintf(out, ",%d,", row->deleted);
	if (v || row->target)
		fprintf(out, "%lld", v ? row->id : row->target);
	fputc(',', out);
	export_csv_field(out, v ? v->replaced : row->edited && export_shown(row) ? row->edited : "");
	fputc(',', out);
	if (!v && row->reply_to)
		fprintf(out, "%lld", row->reply_to);
	fputc(',', out);
	if (!v && flag)
		fprintf(out, "%d", row->on);
	fputs("\r\n", out);
}

/* One earlier version of x->row, as --versions shows it. */
static int export_version(const struct store_version *v, void *arg)
{
	struct export_ctx *x = arg;
	json_object *o;

	switch (x->format) {
	case EXPORT_TEXT:
		fprintf(x->out, "    (version %d, %s) ", v->version, v->written);
		export_text_body(x->out, v->text);
		fputc('\n', x->out);
		break;
	case EXPORT_JSON:
		o = json_object_new_object();
		json_object_object_add(o, "version", json_object_new_int(v->version));
		json_object_object_add(o, "written", json_object_new_string(v->written));
		json_object_object_add(o, "replaced", json_object_new_string(v->replaced));
		json_object_object_add(o, "text", json_object_new_string(v->text));
		json_object_array_add(x->list, o);
		break;
	case EXPORT_CSV:
		export_csv(x->row, v, x->out);
		break;
	}
	return ferror(x->out) ? -1 : 0;
}

static int export_row(const struct store_log_row *row, void *arg)
{
	struct export_ctx *x = arg;
	char err[256];
	int with = x->versions && row->edited && export_shown(row), rc = 0;

	x->row = row;
	if (with && x->format == EXPORT_JSON) {
		x->list = json_object_new_array();
		rc = store_versions(x->st, row->id, export_version, x, err, sizeof err) == STORE_OK
		     ? 0 : -1;
		if (rc == 0)
			export_json(row, x->list, x->out);
		json_object_put(x->list);
		x->list = NULL;
		return rc < 0 || ferror(x->out) ? -1 : 0;
	}
	if (x->format == EXPORT_TEXT)
		export_text(row, x->out);
	else if (x->format == EXPORT_JSON)
		export_json(row, NULL, x->out);
	else
		export_csv(row, NULL, x->out);
	if (with && store_versions(x->st, row->id, export_version, x, err, sizeof err) != STORE_OK)
		rc = -1;
	return rc < 0 || ferror(x->out) ? -1 : 0;
}

static int export_usage(const char *why)
{
	fprintf(stderr, "galaxy-chat export: %s\nusage: galaxy-chat export [-c FILE] --room NAME "
	        "--since DATE [--until DATE] [--format text|json|csv] [--versions]\n"
	        "  DATE: YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS[.mmm]][Z], UTC\n", why);
	return 2;
}

int export_main(const struct cfg *cfg, int argc, char **argv, FILE *out)
{
	static const char *const formats[] = { "text", "json", "csv" };
	struct export_ctx x = { .format = EXPORT_TEXT, .out = out };
	const char *room = NULL, *since_arg = NULL, *until_arg = NULL;
	char since[32], until[32], err[512] = "";
	struct store *st;
	size_t f;
	int rc;

	for (int i = 0; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(argv[i], "--versions") == 0) {
			x.versions = 1;
			continue;
		}
		if (strcmp(argv[i], "--room") == 0 && v)
			room = v;
		else if (strcmp(argv[i], "--since") == 0 && v)
			since_arg = v;
		else if (strcmp(argv[i], "--until") == 0 && v)
			until_arg = v;
		else if (strcmp(argv[i], "--format") == 0 && v) {
			for (f = 0; f < sizeof formats / sizeof *formats; f++)
				if (strcmp(v, formats[f]) == 0)
					break;
			if (f == sizeof formats / sizeof *formats)
				return export_usage("--format must be text, json or csv");
			x.format = (enum export_format)f;
		} else
			return export_usage("unexpected argument or missing value");
		i++;
	}
	if (!room || !since_arg)
		return export_usage("--room and --since are required");
	if (room_validate(room, strlen(room), err, sizeof err) < 0)
		return export_usage(err);
	if (export_date(since_arg, since) < 0 || (until_arg && export_date(until_arg, until) < 0))
		return export_usage("a date is not YYYY-MM-DD[THH:MM[:SS[.mmm]]][Z]");
	if (store_open(cfg->store, (const char *const *)cfg->persistent_rooms,
	               cfg->n_persistent_rooms, (const char *const *)cfg->room_topics,
	               cfg->n_room_topics, &st, err, sizeof err) < 0) {
		fprintf(stderr, "galaxy-chat export: %s\n", err);
		return 1;
	}
	x.st = st;
	if (x.format == EXPORT_CSV)
		fputs("id,ts,room,user,type,text,deleted,target,edited,reply_to,on\r\n", out);
	rc = store_log(st, room, since, until_arg ? until : NULL, export_row, &x, err, sizeof err);
	store_close(st);
	if (rc == STORE_OK && fflush(out) != 0) {
		snprintf(err, sizeof err, "writing the output failed");
		rc = STORE_ERROR;
	}
	if (rc != STORE_OK) {
		fprintf(stderr, "galaxy-chat export: %s\n", err);
		return 1;
	}
	return 0;
}
