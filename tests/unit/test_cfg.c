/*
 * test_cfg.c - cfg_load: every key's default and where a set value lands,
 * each kind of refusal with its exact message (naming the key and the file
 * the value came from), Galaxy's keys from Galaxy's config and the
 * environment with [chat] winning, and the rules between keys. And that
 * every key of cfg.c's table is in the man page and the sample config.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg.h"
#include "log.h"
#include "tap.h"

extern char **environ;

static char dir[] = "/tmp/gc-test-cfg-XXXXXX";
static char chat[600];   /* dir/chat.ini, the [chat] file of every test */

/* Writes text to dir/name; returns the path (static buffer). */
static const char *put(const char *name, const char *text)
{
	static char path[600];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((f = fopen(path, "w"))) {
		fputs(text, f);
		fclose(f);
	}
	return path;
}

/* Loads text as the [chat] file; NULL (err filled) when refused. */
static struct cfg *load(const char *text, char *err, size_t errlen)
{
	struct cfg *c = NULL;

	put("chat.ini", text);
	return cfg_load(chat, &c, err, errlen) == 0 ? c : NULL;
}

/* Expects text refused with the message from + want exactly. */
static void refused_from(const char *from, const char *text, const char *want, const char *name)
{
	char err[1024] = "", full[1200];
	struct cfg *c = load(text, err, sizeof err);

	snprintf(full, sizeof full, "%s%s", from, want);
	ok(!c, name);
	is_str(err, full, "  with its message");
	cfg_free(c);
}

/* Expects text refused with the message "<the [chat] file>" + want. */
static void refused(const char *text, const char *want, const char *name)
{
	refused_from(chat, text, want, name);
}

static void test_defaults(void)
{
	char err[1024];
	struct cfg *c = load("[chat]\nid_secret = s3cr3t\n", err, sizeof err);
	char *cwd = getcwd(NULL, 0);

	if (!ok(c, "a [chat] file with only id_secret loads"))
		return printf("#   %s\n", err), free(cwd);
	is_str(c->path, chat, "path: the file read");
	is_str(c->galaxy_config, NULL, "galaxy_config: none");
	is_str(c->galaxy_root, cwd, "galaxy_root: the working directory without galaxy_config");
	is_str(c->id_secret, "s3cr3t", "id_secret: from [chat]");
	is_int(c->id_secret_is_default, 0, "  not the default");
	is_str(c->id_secret_source, chat, "  its source is the [chat] file");
	is_str(c->database_connection, "sqlite:///./database/universe.sqlite?isolation_level=IMMEDIATE",
	       "database_connection: Galaxy's default");
	is_str(c->admin_users, NULL, "admin_users: none");
	is_int(c->n_persistent_rooms, 0, "persistent_communication_rooms: none");
	is_int(c->session_duration, 0, "session_duration: 0");
	is_int(c->use_remote_user, 0, "use_remote_user: off");
	is_str(c->store, "/var/lib/galaxy-chat/chat.sqlite", "store");
	is_int(c->n_allowed_origins, 0, "allowed_origins: none");
	is_int(c->n_metrics_allow, 2, "metrics_allow: loopback");
	if (c->n_metrics_allow == 2)
		ok(strcmp(c->metrics_allow[0], "127.0.0.0/8") == 0 && strcmp(c->metrics_allow[1], "::1") == 0,
		   "  127.0.0.0/8 and ::1");
	is_int(c->poll_timeout, 25, "poll_timeout");
	is_int(c->max_message_bytes, 4000, "max_message_bytes");
	is_int(c->max_body_bytes, 65536, "max_body_bytes");
	is_int(c->auth_cache_seconds, 5, "auth_cache_seconds");
	is_int(c->workers, 8, "workers");
	is_int(c->max_searches, 2, "max_searches: a quarter of workers");
	is_int(c->max_connections, 4096, "max_connections");
	is_int(c->keepalive_timeout, 120, "keepalive_timeout");
	ok(!c->bootstrap_api_keys[0] && !c->bootstrap_api_keys[1], "no bootstrap API keys");
	is_int(c->retention_days, 0, "retention_days");
	is_int(c->rate.count * 1000 + c->rate.seconds, 20010, "rate 20/10s");
	is_int(c->join_rate.count * 1000 + c->join_rate.seconds, 30060, "join_rate 30/60s");
	is_int(c->search_rate.count * 1000 + c->search_rate.seconds, 30060, "search_rate 30/60s");
	is_int(c->rate_exempt_admins, 1, "rate_exempt_admins: yes");
	is_int(c->max_rooms_per_user, 50, "max_rooms_per_user");
	is_int(c->new_room_rate.count * 100000 + c->new_room_rate.seconds, 2086400,
	       "max_new_rooms_per_day: 20 a day");
	is_int(c->avatars, CFG_AVATARS_INITIALS, "avatars: initials");
	is_int(c->max_polls_per_user, 8, "max_polls_per_user");
	is_int(c->max_polls_per_address, 0, "max_polls_per_address");
	is_int(c->search_timeout_ms, 2000, "search_timeout_ms");
	cfg_free(c);
	free(cwd);

	c = load("[chat]\n", err, sizeof err);
	if (ok(c, "an empty [chat] loads")) {
		is_str(c->id_secret, GALAXY_DEFAULT_ID_SECRET, "id_secret: Galaxy's default");
		is_int(c->id_secret_is_default, 1, "  flagged as the default");
		is_str(c->id_secret_source, "Galaxy's built-in default", "  and said so");
	}
	cfg_free(c);
}

static void test_every_key(void)
{
	char err[1024];
	struct cfg *c = load("[chat]\n"
		"galaxy_root = /srv/galaxy\n"
		"id_secret = s3cr3t\n"
		"database_connection = postgresql:///galaxy\n"
		"database_file = ignored.sqlite\n"
		"admin_users = a@x, b@x\n"
		"persistent_communication_rooms = NGS, Genome Annotation,\n"
		"session_duration = 60\n"
		"use_remote_user = True\n"
		"store = postgresql:///chat\n"
		"allowed_origins = HTTPS://Galaxy.Example.org:443/ http://h:8080,https://x\n"
		"poll_timeout = 30\n"
		"max_message_bytes = 100\n"
		"max_body_bytes = 1000\n"
		"auth_cache_seconds = 0\n"
		"workers = 12\n"
		"max_searches = 4\n"
		"max_connections = 100\n"
		"keepalive_timeout = 60\n"
		"bootstrap_admin_api_key = boot\n"
		"master_api_key =\n"
		"retention_days = 365\n"
		"rate = 5/1m\n"
		"join_rate = off\n"
		"search_rate = 2/1h\n"
		"rate_exempt_admins = no\n"
		"max_rooms_per_user = 0\n"
		"max_new_rooms_per_day = 3\n"
		"avatars = gravatar\n"
		"max_polls_per_user = 2\n"
		"max_polls_per_address = 64\n"
		"search_timeout_ms = 10\n", err, sizeof err);

	if (!ok(c, "a [chat] file setting every key loads")) {
		printf("#   %s\n", err);
		return;
	}
	is_str(c->galaxy_root, "/srv/galaxy", "galaxy_root");
	is_str(c->database_connection, "postgresql:///galaxy", "database_connection wins over database_file");
	is_str(c->admin_users, "a@x, b@x", "admin_users, as written");
	ok(cfg_is_admin(c, "b@x") && !cfg_is_admin(c, "c@x") && !cfg_is_admin(c, "a@x, b@x"),
	   "  split on commas when asked");
	is_int(c->n_persistent_rooms, 2, "persistent_communication_rooms: split on commas, empty dropped");
	if (c->n_persistent_rooms == 2)
		is_str(c->persistent_rooms[1], "Genome Annotation", "  white space inside a name kept");
	is_int(c->session_duration, 60, "session_duration");
	is_int(c->use_remote_user, 1, "use_remote_user: True, as Galaxy reads it");
	is_str(c->store, "postgresql:///chat", "store");
	is_int(c->n_allowed_origins, 3, "allowed_origins: split on commas and spaces");
	if (c->n_allowed_origins == 3)
		is_str(c->allowed_origins[0], "https://galaxy.example.org", "  in normal form");
	is_int(c->poll_timeout, 30, "poll_timeout");
	is_int(c->max_message_bytes, 100, "max_message_bytes");
	is_int(c->max_body_bytes, 1000, "max_body_bytes");
	is_int(c->auth_cache_seconds, 0, "auth_cache_seconds");
	is_int(c->workers, 12, "workers");
	is_int(c->max_searches, 4, "max_searches");
	is_int(c->max_connections, 100, "max_connections");
	is_int(c->keepalive_timeout, 60, "keepalive_timeout");
	is_str(c->bootstrap_api_keys[0], "boot", "bootstrap_admin_api_key");
	is_str(c->bootstrap_api_keys[1], NULL, "master_api_key: empty is none");
	is_int(c->retention_days, 365, "retention_days");
	is_int(c->rate.count * 1000 + c->rate.seconds, 5060, "rate: 5/1m is 5 per 60 s");
	is_int(c->join_rate.count * 1000 + c->join_rate.seconds, 0, "join_rate: off");
	is_int(c->search_rate.count * 10000 + c->search_rate.seconds, 23600, "search_rate: 2/1h");
	is_int(c->rate_exempt_admins, 0, "rate_exempt_admins: no");
	is_int(c->max_rooms_per_user, 0, "max_rooms_per_user");
	is_int(c->new_room_rate.count * 100000 + c->new_room_rate.seconds, 386400, "max_new_rooms_per_day");
	is_int(c->avatars, CFG_AVATARS_GRAVATAR, "avatars: gravatar");
	is_int(c->max_polls_per_user, 2, "max_polls_per_user");
	is_int(c->max_polls_per_address, 64, "max_polls_per_address");
	is_int(c->search_timeout_ms, 10, "search_timeout_ms");
	cfg_free(c);
}

static void test_refused(void)
{
	char want[200];

	refused("[chat]\nid_secret = s\n\nstroe = /x\n", ":4: unknown key \"stroe\" in [chat]",
	        "unknown key, by line");
	refused("[chat]\nmetrics_allow = 127.0.0.1, localhost\n",
	        ": metrics_allow: \"localhost\" is not an address or a network such as 127.0.0.1, "
	        "10.0.0.0/8, ::1 or 2001:db8::/32 (or say none)", "metrics_allow: a host name");
	refused("[chat]\nmetrics_allow = 10.0.0.0/33\n",
	        ": metrics_allow: \"10.0.0.0/33\" is not an address or a network such as 127.0.0.1, "
	        "10.0.0.0/8, ::1 or 2001:db8::/32 (or say none)", "metrics_allow: a prefix too long");
	refused("[chat]\nmetrics_allow = none, ::1\n",
	        ": metrics_allow: \"none\" is not an address or a network such as 127.0.0.1, "
	        "10.0.0.0/8, ::1 or 2001:db8::/32 (or say none)", "metrics_allow: none only alone");
	refused("[chat]\npoll_timeout = soon\n",
	        ": poll_timeout must be a whole number from 1 to 3600, not \"soon\"", "not a number");
	refused("[chat]\npoll_timeout = 3601\n",
	        ": poll_timeout must be a whole number from 1 to 3600, not \"3601\"", "over the range");
	refused("[chat]\nretention_days = -1\n",
	        ": retention_days must be a whole number from 0 to 36500, not \"-1\"", "under the range");
	refused("[chat]\nmax_message_bytes = 5x\n",
	        ": max_message_bytes must be a whole number from 1 to 1048576, not \"5x\"",
	        "a byte count with trailing junk");
	refused("[chat]\nmax_searches =\n",
	        ": max_searches must be a whole number from 1 to 256, not \"\"", "an empty number");
	refused("[chat]\njoin_rate = 5/0\n",
	        ": join_rate must be COUNT/PERIOD such as 20/10s or 30/1m (a period of at most one day), "
	        "or off; not \"5/0\"", "a rate with no period");
	refused("[chat]\nrate = 1/25h\n",
	        ": rate must be COUNT/PERIOD such as 20/10s or 30/1m (a period of at most one day), "
	        "or off; not \"1/25h\"", "a rate over a day");
	refused("[chat]\nrate_exempt_admins = maybe\n",
	        ": rate_exempt_admins must be yes or no, not \"maybe\"", "not yes or no");
	refused("[chat]\navatars = Gravatar\n", ": avatars must be initials or gravatar, not \"Gravatar\"",
	        "not one of the names, case counts");
	refused("[chat]\nstore = chat.sqlite\n",
	        ": store must be an absolute path, sqlite:////path or a postgresql:// URL, not \"chat.sqlite\"",
	        "a relative store");
	refused("[chat]\nallowed_origins = https://a.org *\n",
	        ": allowed_origins: \"*\" is not an origin such as https://galaxy.example.org or "
	        "http://host:8080 (no path, no *)", "not an origin");
	snprintf(want, sizeof want, "[chat]\nid_secret = %057d\n", 0);
	refused(want, ": id_secret must be 1 to 56 bytes long (Galaxy refuses longer ones), this one has 57",
	        "an id_secret Galaxy refuses");
	refused("[chat]\nmax_message_bytes = 65281\n",
	        ": max_body_bytes (65536) must leave room for a message of max_message_bytes (65281) "
	        "plus 256 bytes of JSON", "max_body_bytes too small for max_message_bytes");
	refused("[chat]\nworkers = 2\nmax_searches = 2\n",
	        ": max_searches (2) must be less than workers (2), so that posts and polls always find a "
	        "free worker", "max_searches not below workers");
}

/* room_topic.NAME: a family of keys, one per room, naming `all` or a
 * persistent room whatever its case (INI keys are lowercased), refused
 * for any other name, for a name two rooms answer to, and for a topic the
 * API would refuse. */
static void test_room_topics(void)
{
	char err[1024], text[1400];
	struct cfg *c = load("[chat]\npersistent_communication_rooms = NGS, RNA-Seq\n"
	                     "room_topic.NGS = Next-generation sequencing: reads, mapping\n"
	                     "room_topic.all = Welcome!\n"
	                     "ROOM_TOPIC.rna-seq = first\n"
	                     "room_topic.RNA-Seq = second: the last one counts\n"
	                     "room_topic.ngs =\n"
	                     "room_topic.NGS = Next-generation sequencing: reads, mapping\n", err, sizeof err);

	if (!ok(c, "room_topic.NAME keys load")) {
		printf("#   %s\n", err);
		return;
	}
	is_int(c->n_room_topics, 3, "one pair per room, a room set twice once");
	if (c->n_room_topics == 3) {
		is_str(c->room_topics[0], "NGS", "the room's own name, whatever the key's case");
		is_str(c->room_topics[1], "Next-generation sequencing: reads, mapping", "its topic");
		is_str(c->room_topics[2], "all", "all");
		is_str(c->room_topics[4], "RNA-Seq", "RNA-Seq");
		is_str(c->room_topics[5], "second: the last one counts", "the later line wins");
	}
	cfg_free(c);
	c = load("[chat]\nid_secret = s\n", err, sizeof err);
	ok(c && c->n_room_topics == 0 && !c->room_topics, "none by default");
	cfg_free(c);
	refused("[chat]\npersistent_communication_rooms = NGS\nroom_topic.tea = Tea\n",
	        ": room_topic.tea: no such room in persistent_communication_rooms (nor all)",
	        "a room that is not persistent");
	refused("[chat]\npersistent_communication_rooms = NGS, ngs\nroom_topic.NGS = x\n",
	        ": room_topic.ngs: names two persistent rooms (the name's case is not read)",
	        "a name two rooms answer to");
	refused("[chat]\npersistent_communication_rooms = NGS\nroom_topic.NGS = a\tb\n",
	        ": room_topic.ngs: a topic is one line of UTF-8 without control characters",
	        "a tab in the topic");
	refused("[chat]\npersistent_communication_rooms = NGS\nroom_topic.NGS = one\n  two\n",
	        ": room_topic.ngs: a topic is one line of UTF-8 without control characters",
	        "a topic over two lines");
	snprintf(text, sizeof text, "[chat]\nroom_topic.all = %0501d\n", 0);
	refused(text, ": room_topic.all: the topic is 501 bytes, over the limit of 500", "a long topic");
	refused("[chat]\nroom_topic. = x\n", ":2: unknown key \"room_topic.\" in [chat]",
	        "a family's name alone is no key");
}

/* Rules between keys, and values made from other keys. */
static void test_rules(void)
{
	static const struct { const char *text; int searches; } derived[] = {
		{ "[chat]\nworkers = 1\n", 1 },
		{ "[chat]\nworkers = 5\n", 2 },
		{ "[chat]\nworkers = 12\n", 3 },
		{ "[chat]\nworkers = 1\nmax_searches = 1\n", 1 },
	};
	char err[1024];
	struct cfg *c;

	for (size_t i = 0; i < sizeof derived / sizeof *derived; i++) {
		c = load(derived[i].text, err, sizeof err);
		ok(c && c->max_searches == derived[i].searches, "max_searches from workers");
		cfg_free(c);
	}
	c = load("[chat]\nmax_message_bytes = 65280\nmax_new_rooms_per_day = 0\n", err, sizeof err);
	ok(c && c->max_message_bytes == 65280, "max_body_bytes exactly max_message_bytes + 256");
	ok(c && c->new_room_rate.count == 0 && c->new_room_rate.seconds == 86400,
	   "max_new_rooms_per_day = 0: no limit");
	cfg_free(c);
	c = load("[chat]\nrate = 0\nsearch_rate = 1/86400\n", err, sizeof err);
	ok(c && c->rate.count == 0 && c->search_rate.seconds == 86400, "rate 0 is off; a one-day period");
	cfg_free(c);
	c = load("[chat]\nmetrics_allow = none\n", err, sizeof err);
	ok(c && c->n_metrics_allow == 0 && !c->metrics_allow, "metrics_allow = none: no address");
	cfg_free(c);
}

/* Galaxy's keys: Galaxy's config, then the environment's override, and
 * [chat] over both. */
static void test_galaxy(void)
{
	char text[1400], err[1024], yml[600], root[600];
	struct cfg *c;

	snprintf(root, sizeof root, "%s/config", dir);
	if (mkdir(root, 0700) < 0)
		ok(0, "mkdir config");
	snprintf(yml, sizeof yml, "%s", put("config/galaxy.yml",
		"galaxy:\n  id_secret: from-yml\n  admin_users: a@x\n"
		"  persistent_communication_rooms: [NGS, RNA-Seq]\n  session_duration: 30\n"
		"  use_remote_user: 'yes'\n  database_file: db/u.sqlite\n"));
	snprintf(text, sizeof text, "[chat]\ngalaxy_config = %s\nadmin_users = chat@x\n", yml);
	c = load(text, err, sizeof err);
	if (!ok(c, "galaxy_config read"))
		printf("#   %s\n", err);
	else {
		is_str(c->galaxy_config, yml, "galaxy_config");
		is_str(c->galaxy_root, dir, "galaxy_root: above Galaxy's config/ directory");
		is_str(c->id_secret, "from-yml", "id_secret from Galaxy's config");
		is_str(c->id_secret_source, yml, "  its source is Galaxy's file");
		is_str(c->admin_users, "chat@x", "[chat] wins over Galaxy's config");
		is_int(c->n_persistent_rooms, 2, "a YAML list of rooms");
		is_int(c->session_duration, 30, "session_duration from Galaxy");
		is_int(c->use_remote_user, 1, "use_remote_user from Galaxy");
		is_str(c->database_connection, "sqlite:///db/u.sqlite?isolation_level=IMMEDIATE",
		       "database_file, the legacy form, when database_connection is unset");
	}
	cfg_free(c);

	setenv("GALAXY_CONFIG_OVERRIDE_ID_SECRET", "from-env", 1);
	c = load(text, err, sizeof err);
	ok(c && strcmp(c->id_secret, "from-env") == 0 &&
	   strcmp(c->id_secret_source, "GALAXY_CONFIG_OVERRIDE_ID_SECRET") == 0,
	   "GALAXY_CONFIG_OVERRIDE_ wins over Galaxy's file, and is named");
	cfg_free(c);
	c = load("[chat]\nid_secret = from-chat\n", err, sizeof err);
	ok(c && strcmp(c->id_secret, "from-chat") == 0, "[chat] wins over the environment");
	cfg_free(c);
	unsetenv("GALAXY_CONFIG_OVERRIDE_ID_SECRET");

	put("config/galaxy.yml", "galaxy:\n  session_duration: soon\n");
	refused_from(yml, text, ": session_duration must be a whole number from 0 to 5256000, not \"soon\"",
	             "a bad value in Galaxy's config names Galaxy's file");
	snprintf(text, sizeof text, "[chat]\ngalaxy_config = %s/none.yml\n", dir);
	c = load(text, err, sizeof err);
	ok(!c && strstr(err, "none.yml") && strstr(err, "(galaxy_config in ") && strstr(err, chat),
	   "a missing galaxy_config names it and the [chat] file");
	cfg_free(c);
}

/* use_remote_user as Galaxy's string_as_bool reads it, turned on by
 * single_user as in Galaxy. */
static void test_remote_user(void)
{
	static const struct { const char *text; int on; } cases[] = {
		{ "use_remote_user = ON\n", 1 },
		{ "use_remote_user = 1\n", 1 },
		{ "use_remote_user = maybe\n", 0 },
		{ "use_remote_user = no\n", 0 },
		{ "single_user = me@x\n", 1 },
		{ "single_user = false\n", 0 },
		{ "single_user = null\n", 0 },
		{ "single_user =\n", 0 },
		{ "use_remote_user = false\nsingle_user = me@x\n", 1 },
	};
	char text[200], name[200], err[1024];

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		snprintf(text, sizeof text, "[chat]\n%s", cases[i].text);
		snprintf(name, sizeof name, "use_remote_user %s with %s", cases[i].on ? "on" : "off",
		         cases[i].text);
		for (char *p; (p = strchr(name, '\n'));)
			*p = p[1] ? ';' : '\0';
		struct cfg *c = load(text, err, sizeof err);
		ok(c && c->use_remote_user == cases[i].on, name);
		cfg_free(c);
	}
}

/* The file $GC_SRCDIR/rel, whole (caller frees), or NULL. */
static char *slurp(const char *rel)
{
	const char *src = getenv("GC_SRCDIR");
	char path[4096];
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", src ? src : ".", rel);
	if (!(f = fopen(path, "r")))
		return NULL;
	if (getdelim(&text, &len, '\0', f) < 0) {
		free(text);
		text = NULL;
	}
	fclose(f);
	return text;
}

/* Whether a line of text is prefix + key and then, with assigns, "=" after
 * blanks, else a blank or the line's end. With assigns, a family's key
 * (ending in ".") is followed by a member first. */
static int has_line(const char *text, const char *prefix, const char *key, int assigns)
{
	size_t pl = strlen(prefix), kl = strlen(key);

	for (const char *line = text; line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		const char *p = line + pl + kl;
		if (strncmp(line, prefix, pl) != 0 || strncmp(line + pl, key, kl) != 0)
			continue;
		if (assigns && key[kl - 1] == '.')
			p += strcspn(p, " \t=\n");
		if (!assigns && (*p == ' ' || *p == '\n'))
			return 1;
		while (assigns && (*p == ' ' || *p == '\t'))
			p++;
		if (assigns && *p == '=')
			return 1;
	}
	return 0;
}

/* Every key in the table once, described in galaxy-chat.ini(5) (".It Cm
 * key") and shown in the sample ("key =" or "; key ="). */
static void test_documented(void)
{
	char *man = slurp("man/galaxy-chat.ini.5"), *ini = slurp("etc/galaxy-chat.ini");
	const char *key;
	char name[200];
	size_t i;

	if (ok(man && ini, "the man page and the sample are readable")) {
		for (i = 0; (key = cfg_key_name(i)); i++) {
			for (size_t j = 0; j < i; j++)
				if (strcmp(cfg_key_name(j), key) == 0) {
					snprintf(name, sizeof name, "%s: a second row", key);
					ok(0, name);
				}
			snprintf(name, sizeof name, "%s: in man/galaxy-chat.ini.5", key);
			ok(has_line(man, ".It Cm ", key, 0), name);
			snprintf(name, sizeof name, "%s: in etc/galaxy-chat.ini", key);
			ok(has_line(ini, "", key, 1) || has_line(ini, "; ", key, 1), name);
		}
		ok(i >= 30, "the table walked");
	}
	free(man);
	free(ini);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		puts("Bail out! mkdtemp failed");
		return 1;
	}
	snprintf(chat, sizeof chat, "%s/chat.ini", dir);
	/* Galaxy's variables of whoever runs the tests do not count */
	for (int again = 1; again;) {
		again = 0;
		for (char **e = environ; *e; e++) {
			if (strncmp(*e, "GALAXY_", 7) == 0) {
				char name[256];
				snprintf(name, sizeof name, "%.*s", (int)strcspn(*e, "="), *e);
				unsetenv(name);
				again = 1;
				break;
			}
		}
	}
	log_set_level(LOG_LVL_ERROR);   /* not the insecure-secret warning */

	test_defaults();
	test_every_key();
	test_refused();
	test_rules();
	test_galaxy();
	test_remote_user();
	test_room_topics();
	test_documented();

	int rc = done_testing();
	char cmd[700];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return rc;
}
