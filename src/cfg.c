/*
 * cfg.c - load the [chat] file, fill in Galaxy's keys from Galaxy's own
 * configuration (galaxy_config.c), apply defaults, and refuse a config that
 * cannot work with a message naming the key and the file.
 *
 * Every key is one row of the table cfg_keys[] below: its name in [chat];
 * its type (cfg_types.c), which parses the text and says where in struct
 * cfg the value lands (offsetof, checked against the field's C type when
 * compiling); its default as text, parsed like a value from the file;
 * the Galaxy key that supplies it when [chat] does not; and an optional
 * post step for what the type cannot say (a rule between keys, a value
 * made from another key).
 * A key's value is the first of: [chat]'s, Galaxy's (its file and the
 * GALAXY_CONFIG_* variables, as Galaxy reads them), the row's default.
 * The rows are filled top to bottom, each followed by its post step (set
 * or not), so a post step may read the fields of the rows above it; the
 * first failure stops the load with its message.
 *
 * To add a key:
 *  1. a field in struct cfg (cfg.h), with a comment;
 *  2. one row in cfg_keys[], e.g.
 *       { .name = "notify_every", CFG_INT(notify_every, 60, 86400), .def = "3600" },
 *       { .name = "smtp_server", CFG_STRING(smtp_server), .galaxy = "smtp_server" },
 *     types: CFG_STRING, CFG_INT / CFG_SIZE (int / size_t, from min to max),
 *     CFG_YESNO (yes/no, true/false, on/off, 1/0: our own booleans),
 *     CFG_GALAXY_BOOL (Galaxy's string_as_bool: anything else is false),
 *     CFG_RATE (COUNT/PERIOD or off), CFG_ENUM (a name of a NULL-ended
 *     list, landing as its index), CFG_LIST (split on the separators
 *     given, into an array and its count), CFG_FAMILY (a family of keys,
 *     NAME.MEMBER = value, each pair landing in an array: the row's name
 *     ends in "."); .post = cfg_post_x for a rule the type cannot check
 *     (it writes its message with f->file or f->src);
 *  3. the key in man/galaxy-chat.ini.5 (".It Cm notify_every") and in
 *     etc/galaxy-chat.ini ("; notify_every = 3600"): tests/unit/test_cfg
 *     fails until both name it.
 * Strings and lists are freed by cfg_free() from the table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "addrlist.h"
#include "cfg.h"
#include "cfg_types.h"
#include "cookie.h"
#include "galaxy_config.h"
#include "galaxyurl.h"
#include "httpparse.h"
#include "ini.h"
#include "log.h"
#include "mail.h"
#include "room.h"
#include "smtp.h"
#include "store.h"

#define CFG_DEFAULT_GALAXY_URL "http://localhost:8080"   /* Galaxy's galaxy_infrastructure_url */
#define CFG_MAX_NOTIFY_MINUTES 43200   /* notify_every, notify_after: 30 days */

const char *const cfg_avatars_names[] = { "initials", "gravatar", NULL };


/* Whether a Galaxy string key is, to Python, false or None: empty, or a
 * YAML false or null. */
static int cfg_galaxy_unset(const char *value)
{
	static const char *const no[] = { "", "false", "no", "off", "0", "null", "~", "none" };

	for (size_t i = 0; i < sizeof no / sizeof *no; i++)
		if (strcasecmp(value, no[i]) == 0)
			return 1;
	return 0;
}

/* ---- post steps: what a type cannot say ---- */

/* Opens Galaxy's config, which the Galaxy keys below read. */
static int cfg_post_galaxy_config(struct cfg_fill *f)
{
	if (galaxy_config_open(f->c->galaxy_config, &f->gc, f->err, f->errlen) < 0) {
		size_t l = strlen(f->err);
		snprintf(f->err + l, f->errlen - l, " (galaxy_config in %s)", f->file);
		return -1;
	}
	return 0;
}

/* Galaxy's root: galaxy_root when set, else the directory of Galaxy's config
 * file, or its parent when that directory is named "config". */
static char *cfg_guess_galaxy_root(const char *galaxy_config)
{
	if (!galaxy_config)
		return getcwd(NULL, 0);
	char *dir = strdup(galaxy_config);
	if (!dir)
		return NULL;
	char *slash = strrchr(dir, '/');
	if (!slash) {
		free(dir);
		return getcwd(NULL, 0);
	}
	*slash = '\0';
	if (dir[0] == '\0')
		strcpy(dir, "/");
	const char *base = strrchr(dir, '/');
	base = base ? base + 1 : dir;
	if (strcmp(base, "config") == 0) {
		char *up = strrchr(dir, '/');
		if (up == dir)
			up[1] = '\0';
		else if (up)
			*up = '\0';
		else
			strcpy(dir, ".");
	}
	return dir;
}

static int cfg_post_galaxy_root(struct cfg_fill *f)
{
	struct cfg *c = f->c;

	if (!c->galaxy_root && !(c->galaxy_root = cfg_guess_galaxy_root(c->galaxy_config)))
		return cfg_oom(f);
	return 0;
}

/* id_secret: Galaxy's default, loudly, when unset; refused when Galaxy
 * itself would refuse it. */
static int cfg_post_id_secret(struct cfg_fill *f)
{
	struct cfg *c = f->c;

	if (!c->id_secret) {
		if (!(c->id_secret = strdup(GALAXY_DEFAULT_ID_SECRET)))
			return cfg_oom(f);
		f->src = "Galaxy's built-in default";
		c->id_secret_is_default = 1;
		log_warning("id_secret is not set in %s%s%s: using Galaxy's default \"%s\", "
		            "which is NOT SECURE; set id_secret in Galaxy's config",
		            f->file, c->galaxy_config ? " nor in " : "",
		            c->galaxy_config ? c->galaxy_config : "", GALAXY_DEFAULT_ID_SECRET);
	} else if (strcmp(c->id_secret, GALAXY_DEFAULT_ID_SECRET) == 0) {
		c->id_secret_is_default = 1;
		log_warning("id_secret in %s is Galaxy's insecure default", f->src);
	}
	if (!cookie_secret_ok(c->id_secret, strlen(c->id_secret))) {
		snprintf(f->err, f->errlen, "%s: id_secret must be 1 to 56 bytes long (Galaxy refuses "
		         "longer ones), this one has %zu", f->src, strlen(c->id_secret));
		return -1;
	}
	return (c->id_secret_source = strdup(f->src)) ? 0 : cfg_oom(f);
}

/* database_connection, else the legacy database_file, else Galaxy's default. */
static int cfg_post_database(struct cfg_fill *f)
{
	struct cfg *c = f->c;

	if (c->database_connection)
		return 0;
	if (c->database_file) {
		size_t n = strlen(c->database_file) + 64;
		if (!(c->database_connection = malloc(n)))
			return cfg_oom(f);
		snprintf(c->database_connection, n, "sqlite:///%s?isolation_level=IMMEDIATE", c->database_file);
		return 0;
	}
	return (c->database_connection = strdup(GALAXY_DEFAULT_DATABASE)) ? 0 : cfg_oom(f);
}

/* Galaxy: use_remote_user = use_remote_user or single_user
 * (lib/galaxy/config/__init__.py): a single_user address turns
 * remote-user mode on, and with it external users in. */
static int cfg_post_single_user(struct cfg_fill *f)
{
	if (f->c->single_user && !cfg_galaxy_unset(f->c->single_user))
		f->c->use_remote_user = 1;
	return 0;
}

/* Galaxy's keys of no user (the bootstrap admin's, and its older name):
 * kept, when not empty, to be refused (auth.c), never logged. */
static int cfg_post_bootstrap_keys(struct cfg_fill *f)
{
	char **keys = f->c->bootstrap_api_keys;
	size_t n = 0;

	for (size_t i = 0; i < CFG_BOOTSTRAP_KEYS; i++) {
		char *key = keys[i];
		keys[i] = NULL;
		if (key && key[0])
			keys[n++] = key;
		else
			free(key);
	}
	return 0;
}

static int cfg_post_store(struct cfg_fill *f)
{
	const char *store = f->c->store;

	if (store[0] != '/' && !store_is_postgresql(store) && strncmp(store, "sqlite:////", 11) != 0) {
		snprintf(f->err, f->errlen, "%s: store must be an absolute path, sqlite:////path or "
		         "a postgresql:// URL, not \"%s\"", f->file, store);
		return -1;
	}
	return 0;
}

/* Each origin in normal form, or refused. */
static int cfg_post_origins(struct cfg_fill *f)
{
	struct cfg *c = f->c;

	for (size_t i = 0; i < c->n_allowed_origins; i++) {
		char norm[512];
		if (http_origin_normalize(c->allowed_origins[i], norm, sizeof norm) < 0) {
			snprintf(f->err, f->errlen, "%s: allowed_origins: \"%s\" is not an origin such as "
			         "https://galaxy.example.org or http://host:8080 (no path, no *)",
			         f->file, c->allowed_origins[i]);
			return -1;
		}
		free(c->allowed_origins[i]);
		if (!(c->allowed_origins[i] = strdup(norm)))
			return cfg_oom(f);
	}
	return 0;
}

/* Each an address or network; "none" alone: no address (admins only). */
static int cfg_post_metrics_allow(struct cfg_fill *f)
{
	struct cfg *c = f->c;

	if (c->n_metrics_allow == 1 && strcmp(c->metrics_allow[0], "none") == 0) {
		cfg_free_list(c->metrics_allow, c->n_metrics_allow);
		c->metrics_allow = NULL;
		c->n_metrics_allow = 0;
	}
	for (size_t i = 0; i < c->n_metrics_allow; i++)
		if (!addrlist_valid(c->metrics_allow[i])) {
			snprintf(f->err, f->errlen, "%s: metrics_allow: \"%s\" is not an address or a "
			         "network such as 127.0.0.1, 10.0.0.0/8, ::1 or 2001:db8::/32 (or say none)",
			         f->file, c->metrics_allow[i]);
			return -1;
		}
	return 0;
}

static int cfg_post_poll_timeout(struct cfg_fill *f)
{
	if (f->c->poll_timeout >= 40)
		log_warning("%s: poll_timeout %d is not below mod_fcgid's FcgidIOTimeout default (40 s); "
		            "raise the web server's timeouts to match", f->file, f->c->poll_timeout);
	return 0;
}

static int cfg_post_stream_max(struct cfg_fill *f)
{
	if (f->c->stream_max_seconds >= 300)
		log_warning("%s: stream_max_seconds %d is not below mod_fcgid's FcgidBusyTimeout default "
		            "(300 s); raise FcgidBusyTimeout to match", f->file, f->c->stream_max_seconds);
	return 0;
}

static int cfg_post_body(struct cfg_fill *f)
{
	struct cfg *c = f->c;

	if (c->max_body_bytes < c->max_message_bytes + 256) {
		snprintf(f->err, f->errlen, "%s: max_body_bytes (%zu) must leave room for a message of "
		         "max_message_bytes (%zu) plus 256 bytes of JSON", f->file,
		         c->max_body_bytes, c->max_message_bytes);
		return -1;
	}
	return 0;
}

/* max_new_rooms_per_day is the count of a rate over one day. */
static int cfg_post_per_day(struct cfg_fill *f)
{
	f->c->new_room_rate.seconds = 86400;
	return 0;
}

/* A quarter of the workers by default: the rest stay free for posts and
 * polls however many searches run. */
static int cfg_post_max_searches(struct cfg_fill *f)
{
	struct cfg *c = f->c;

	if (!c->max_searches)
		c->max_searches = (c->workers + 3) / 4;
	if (c->max_searches >= c->workers && c->workers > 1) {
		snprintf(f->err, f->errlen, "%s: max_searches (%d) must be less than workers (%d), so that "
		         "posts and polls always find a free worker", f->file, c->max_searches, c->workers);
		return -1;
	}
	return 0;
}

/* room_topic.NAME: NAME (lower case: the INI reader's keys are) is `all`
 * or one of the persistent rooms, whatever their case, but only one; it
 * becomes that room's name, and the topic is one room_topic_check()
 * takes. */
static int cfg_post_room_topics(struct cfg_fill *f)
{
	struct cfg *c = f->c;
	char msg[160];

	for (size_t i = 0; i < c->n_room_topics; i++) {
		char **room = &c->room_topics[2 * i], *topic = c->room_topics[2 * i + 1];
		const char *found = strcasecmp(*room, ROOM_ALL) == 0 ? ROOM_ALL : NULL, *again = NULL;

		for (size_t j = 0; j < c->n_persistent_rooms; j++) {
			const char *p = c->persistent_rooms[j];

			if (strcasecmp(*room, p) != 0 || (found && strcmp(found, p) == 0))
				continue;   /* another room, or the same one named twice */
			if (found)
				again = p;
			else
				found = p;
		}
		if (!found || again) {
			snprintf(f->err, f->errlen, "%s: room_topic.%s: %s", f->file, *room,
			         again ? "names two persistent rooms (the name's case is not read)"
			               : "no such room in persistent_communication_rooms (nor all)");
			return -1;
		}
		if (room_topic_check(topic, strlen(topic), msg, sizeof msg) != 0) {
			snprintf(f->err, f->errlen, "%s: room_topic.%s: %s", f->file, *room, msg);
			return -1;
		}
		free(*room);
		if (!(*room = strdup(found)))
			return cfg_oom(f);
	}
	return 0;
}

/* galaxy_url, the Galaxy whose links become cards, normalised
 * (galaxyurl_base): one set in [chat] that is no such URL is refused;
 * Galaxy's galaxy_infrastructure_url that is none only warns, and cards are
 * off. */
static int cfg_post_galaxy_url(struct cfg_fill *f)
{
	struct cfg *c = f->c;
	char norm[GALAXYURL_BASE_MAX];

	if (c->galaxy_url && !*c->galaxy_url) {
		free(c->galaxy_url);
		c->galaxy_url = NULL;
	}
	if (!c->galaxy_url)
		return 0;
	if (galaxyurl_base(c->galaxy_url, norm, sizeof norm) < 0) {
		if (f->src != f->file) {
			log_warning("galaxy_infrastructure_url in %s is not an http(s) URL such as "
			            "https://usegalaxy.example or https://host/galaxy: links to Galaxy "
			            "objects get no cards; set galaxy_url in %s", f->src, f->file);
			free(c->galaxy_url);
			c->galaxy_url = NULL;
			return 0;
		}
		snprintf(f->err, f->errlen, "%s: galaxy_url must be an http(s) URL such as "
		         "https://usegalaxy.example or https://host/galaxy (no user, query or "
		         "fragment), not \"%s\"", f->file, c->galaxy_url);
		return -1;
	}
	free(c->galaxy_url);
	if (!(c->galaxy_url = strdup(norm)))
		return cfg_oom(f);
	return 0;
}

/* ---- the emails' keys (mail.c, smtp.c): checked, and kept, only when
 * smtp_server is set; without it no email is sent, and Galaxy's own
 * values need not suit us ---- */

/* Drops *field (NULL: unset), for the mail keys when mail is off. */
static void cfg_drop(char **field)
{
	free(*field);
	*field = NULL;
}

/* smtp_server: unset when Galaxy would take it as unset (empty, false,
 * null), else host[:port]. */
static int cfg_post_smtp_server(struct cfg_fill *f)
{
	char url[1024];
	struct cfg *c = f->c;

	if (c->smtp_server && cfg_galaxy_unset(c->smtp_server))
		cfg_drop(&c->smtp_server);
	if (c->smtp_server && smtp_url(c->smtp_server, 0, url, sizeof url) < 0) {
		snprintf(f->err, f->errlen, "%s: smtp_server must be host or host:port such as "
		         "localhost:25 or [::1]:587, not \"%s\"", f->src, c->smtp_server);
		return -1;
	}
	return 0;
}

/* A login only when both are set (not empty), as in Galaxy. */
static int cfg_post_login(struct cfg_fill *f)
{
	struct cfg *c = f->c;

	if (c->smtp_username && !*c->smtp_username)
		cfg_drop(&c->smtp_username);
	if (c->smtp_password && !*c->smtp_password)
		cfg_drop(&c->smtp_password);
	return 0;
}

/* 1 when url is an absolute http(s) URL with a host, printable ASCII
 * without spaces, and no fragment (links append #msg=ID). */
static int cfg_url_ok(const char *url)
{
	size_t scheme = strncmp(url, "https://", 8) == 0 ? 8 : strncmp(url, "http://", 7) == 0 ? 7 : 0;

	if (!scheme || strcspn(url + scheme, "/?") == 0)
		return 0;
	for (const char *p = url; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f || *p == '#')
			return 0;
	return 1;
}

/* email_from, by default Galaxy's: galaxy-no-reply@ the host of galaxy_url
 * (galaxyurl_base()'s form, or Galaxy's default URL). */
static int cfg_post_email_from(struct cfg_fill *f)
{
	struct cfg *c = f->c;
	const char *url = c->galaxy_url ? c->galaxy_url : CFG_DEFAULT_GALAXY_URL;
	const char *host = strstr(url, "://") + 3;
	int hlen = (int)strcspn(host, ":/");
	char name[256], addr[MAIL_ADDRESS_MAX + 1];

	if (!c->smtp_server || (c->email_from && !*c->email_from))
		cfg_drop(&c->email_from);
	if (!c->smtp_server)
		return 0;
	if (!c->email_from) {
		size_t n = sizeof "galaxy-no-reply@" + (size_t)hlen;
		if (!(c->email_from = malloc(n)))
			return cfg_oom(f);
		snprintf(c->email_from, n, "galaxy-no-reply@%.*s", hlen, host);
		if (!mail_address_ok(c->email_from)) {
			snprintf(f->err, f->errlen, "%s: email_from is not set, and the host of galaxy_url "
			         "(or Galaxy's galaxy_infrastructure_url: %s) makes no address: set "
			         "email_from", f->file, url);
			return -1;
		}
	}
	if (mail_from_parse(c->email_from, name, sizeof name, addr, sizeof addr) < 0) {
		snprintf(f->err, f->errlen, "%s: email_from must be an address such as "
		         "galaxy@example.org or \"Galaxy <galaxy@example.org>\", not \"%s\"",
		         f->src, c->email_from);
		return -1;
	}
	return 0;
}

static int cfg_post_ca_file(struct cfg_fill *f)
{
	struct cfg *c = f->c;

	if (!c->smtp_server)
		cfg_drop(&c->smtp_ca_file);
	if (c->smtp_ca_file && c->smtp_ca_file[0] != '/') {
		snprintf(f->err, f->errlen, "%s: smtp_ca_file must be an absolute path, not \"%s\"",
		         f->file, c->smtp_ca_file);
		return -1;
	}
	return 0;
}

/* chat_url, by default galaxy_url (or Galaxy's default URL) + "/chat/". */
static int cfg_post_chat_url(struct cfg_fill *f)
{
	struct cfg *c = f->c;
	const char *url = c->galaxy_url ? c->galaxy_url : CFG_DEFAULT_GALAXY_URL;
	size_t n = strlen(url) + sizeof "/chat/";

	if (!c->smtp_server) {
		cfg_drop(&c->chat_url);
		return 0;
	}
	if (c->chat_url && !cfg_url_ok(c->chat_url)) {
		snprintf(f->err, f->errlen, "%s: chat_url must be an http:// or https:// URL without "
		         "spaces or #, not \"%s\"", f->file, c->chat_url);
		return -1;
	}
	if (!c->chat_url) {   /* galaxyurl_base()'s form has no trailing '/' */
		if (!(c->chat_url = malloc(n)))
			return cfg_oom(f);
		snprintf(c->chat_url, n, "%s/chat/", url);
	}
	return 0;
}

/* ---- the keys ---- */

static const struct cfg_key cfg_keys[] = {
	/* first: its post step opens Galaxy's config for the rows below */
	{ .name = "galaxy_config", CFG_STRING(galaxy_config), .post = cfg_post_galaxy_config },
	{ .name = "galaxy_root", CFG_STRING(galaxy_root), .post = cfg_post_galaxy_root },

	/* Galaxy's keys, which [chat] may set too */
	{ .name = "id_secret", CFG_STRING(id_secret), .galaxy = "id_secret",
	  .post = cfg_post_id_secret },
	{ .name = "database_file", CFG_STRING(database_file), .galaxy = "database_file" },
	{ .name = "database_connection", CFG_STRING(database_connection),
	  .galaxy = "database_connection", .post = cfg_post_database },
	{ .name = "admin_users", CFG_STRING(admin_users), .galaxy = "admin_users" },
	{ .name = "persistent_communication_rooms", CFG_LIST(persistent_rooms, n_persistent_rooms, ","),
	  .galaxy = "persistent_communication_rooms" },
	{ .name = "session_duration", CFG_INT(session_duration, 0, 10L * 365 * 24 * 60),
	  .galaxy = "session_duration" },
	{ .name = "use_remote_user", CFG_GALAXY_BOOL(use_remote_user), .galaxy = "use_remote_user" },
	{ .name = "single_user", CFG_STRING(single_user), .galaxy = "single_user",
	  .post = cfg_post_single_user },
	{ .name = "bootstrap_admin_api_key", CFG_STRING(bootstrap_api_keys[0]),
	  .galaxy = "bootstrap_admin_api_key" },
	{ .name = "master_api_key", CFG_STRING(bootstrap_api_keys[1]), .galaxy = "master_api_key",
	  .post = cfg_post_bootstrap_keys },

	/* our own */
	{ .name = "store", CFG_STRING(store), .def = "/var/lib/galaxy-chat/chat.sqlite",
	  .post = cfg_post_store },
	{ .name = "allowed_origins", CFG_LIST(allowed_origins, n_allowed_origins, ", \t\n"),
	  .post = cfg_post_origins },
	{ .name = "metrics_allow", CFG_LIST(metrics_allow, n_metrics_allow, ", \t\n"),
	  .def = "127.0.0.0/8, ::1", .post = cfg_post_metrics_allow },
	{ .name = "poll_timeout", CFG_INT(poll_timeout, 1, 3600), .def = "25",
	  .post = cfg_post_poll_timeout },
	{ .name = "stream_max_seconds", CFG_INT(stream_max_seconds, 5, 86400), .def = "240",
	  .post = cfg_post_stream_max },
	{ .name = "max_message_bytes", CFG_SIZE(max_message_bytes, 1, 1L << 20), .def = "4000" },
	{ .name = "edit_window", CFG_INT(edit_window, 0, 527040), .def = "60" },
	{ .name = "max_body_bytes", CFG_SIZE(max_body_bytes, 256, 16L << 20), .def = "65536",
	  .post = cfg_post_body },
	{ .name = "auth_cache_seconds", CFG_INT(auth_cache_seconds, 0, 300), .def = "5" },
	{ .name = "galaxy_helper", CFG_YESNO(galaxy_helper), .def = "yes" },
	{ .name = "galaxy_helper_idle", CFG_INT(galaxy_helper_idle, 1, 86400), .def = "60" },
	{ .name = "workers", CFG_INT(workers, 1, 256), .def = "8" },
	{ .name = "max_connections", CFG_INT(max_connections, 1, 1000000), .def = "4096" },
	{ .name = "retention_days", CFG_INT(retention_days, 0, CFG_MAX_DAYS), .def = "0" },
	{ .name = "max_rooms_per_user", CFG_INT(max_rooms_per_user, 0, 1000000), .def = "50" },
	{ .name = "max_new_rooms_per_day", CFG_INT(new_room_rate.count, 0, 1000000), .def = "20",
	  .post = cfg_post_per_day },
	/* below persistent_communication_rooms, whose rooms it names */
	{ .name = "room_topic.", CFG_FAMILY(room_topics, n_room_topics), .post = cfg_post_room_topics },
	{ .name = "max_polls_per_user", CFG_INT(max_polls_per_user, 0, 1000000), .def = "8" },
	{ .name = "max_polls_per_address", CFG_INT(max_polls_per_address, 0, 1000000), .def = "0" },
	{ .name = "search_timeout_ms", CFG_INT(search_timeout_ms, 10, 60000), .def = "2000" },
	{ .name = "max_searches", CFG_INT(max_searches, 1, 256), .post = cfg_post_max_searches },
	{ .name = "keepalive_timeout", CFG_INT(keepalive_timeout, 1, 3600), .def = "120" },
	{ .name = "rate", CFG_RATE(rate), .def = "20/10s" },
	{ .name = "join_rate", CFG_RATE(join_rate), .def = "30/60s" },
	{ .name = "search_rate", CFG_RATE(search_rate), .def = "30/60s" },
	{ .name = "object_rate", CFG_RATE(object_rate), .def = "120/60s" },
	{ .name = "rate_exempt_admins", CFG_YESNO(rate_exempt_admins), .def = "yes" },
	/* the Galaxy whose links become object cards */
	{ .name = "galaxy_url", CFG_STRING(galaxy_url), .galaxy = "galaxy_infrastructure_url",
	  .post = cfg_post_galaxy_url },
	/* the emails of notify: Galaxy's mail keys, then ours; below galaxy_url,
	 * which gives email_from and chat_url their defaults */
	{ .name = "smtp_server", CFG_STRING(smtp_server), .galaxy = "smtp_server",
	  .post = cfg_post_smtp_server },
	{ .name = "smtp_username", CFG_STRING(smtp_username), .galaxy = "smtp_username" },
	{ .name = "smtp_password", CFG_STRING(smtp_password), .galaxy = "smtp_password",
	  .post = cfg_post_login },
	{ .name = "smtp_ssl", CFG_GALAXY_BOOL(smtp_ssl), .galaxy = "smtp_ssl" },
	{ .name = "email_from", CFG_STRING(email_from), .galaxy = "email_from",
	  .post = cfg_post_email_from },
	{ .name = "smtp_ca_file", CFG_STRING(smtp_ca_file), .post = cfg_post_ca_file },
	{ .name = "chat_url", CFG_STRING(chat_url), .post = cfg_post_chat_url },
	{ .name = "notify_every", CFG_INT(notify_every, 0, CFG_MAX_NOTIFY_MINUTES), .def = "60" },
	{ .name = "notify_after", CFG_INT(notify_after, 0, CFG_MAX_NOTIFY_MINUTES), .def = "10" },
	/* opt-in: asking gravatar tells a third party who reads the chat */
	{ .name = "avatars", CFG_ENUM(avatars, cfg_avatars_names), .def = "initials" },
};
#define CFG_NKEYS (sizeof cfg_keys / sizeof *cfg_keys)

const char *cfg_galaxy_database(const struct cfg *cfg)
{
	return cfg->database_connection ? cfg->database_connection : GALAXY_DEFAULT_DATABASE;
}

char *cfg_galaxy_answers(const struct cfg *cfg)
{
	char *t;

	if (asprintf(&t, "%s\n%s\n%d %d %d\n", cfg_galaxy_database(cfg),
	             cfg->galaxy_root ? cfg->galaxy_root : "", cfg->session_duration,
	             cfg->use_remote_user, cfg->avatars == CFG_AVATARS_GRAVATAR) < 0)
		return NULL;
	return t;
}

const char *cfg_key_name(size_t i)
{
	return i < CFG_NKEYS ? cfg_keys[i].name : NULL;
}

/* ---- reading ---- */

/* A key of a family (CFG_FAMILY) as read: its row, member and value. */
struct cfg_member {
	size_t key;
	char *member, *value;
};

/* The [chat] file being read: raw values, index-aligned with cfg_keys,
 * and the keys of families in the file's order. */
struct cfg_read {
	char **raw;
	struct cfg_member *members;
	size_t n_members;
	const char *file;
	char *err;
	size_t errlen;
};

/* The member key names of row k (a family's: what follows its name), or
 * NULL when key is not k's. */
static const char *cfg_key_member(const struct cfg_key *k, const char *key)
{
	size_t len = strlen(k->name);

	if (k->type != &cfg_t_family)
		return strcmp(k->name, key) == 0 ? key + len : NULL;
	return strncmp(k->name, key, len) == 0 && key[len] ? key + len : NULL;
}

static int cfg_on_key(const char *section, const char *key, const char *value,
                      int lineno, void *ud)
{
	struct cfg_read *r = ud;
	struct cfg_member *m;
	const char *member = NULL;
	size_t i = 0;

	if (strcmp(section, "chat") != 0)
		return 0;   /* other sections are for other programs */
	while (i < CFG_NKEYS && !(member = cfg_key_member(&cfg_keys[i], key)))
		i++;
	if (i == CFG_NKEYS) {
		snprintf(r->err, r->errlen, "%s:%d: unknown key \"%s\" in [chat]", r->file, lineno, key);
		return -1;
	}
	if (cfg_keys[i].type != &cfg_t_family) {
		free(r->raw[i]);
		if ((r->raw[i] = strdup(value)))
			return 0;
	} else if ((m = realloc(r->members, (r->n_members + 1) * sizeof *m))) {
		r->members = m;
		m += r->n_members++;
		*m = (struct cfg_member){ i, strdup(member), strdup(value) };
		if (m->member && m->value)
			return 0;
	}
	snprintf(r->err, r->errlen, "%s: out of memory", r->file);
	return -1;
}

/* Row k's value: [chat]'s (raw), else Galaxy's, else the default; NULL
 * when none. Sets f->src to where it came from. */
static const char *cfg_value(const struct cfg_key *k, const char *raw, struct cfg_fill *f)
{
	const char *v;

	f->src = f->file;
	if (raw)
		return raw;
	if (k->galaxy && (v = galaxy_config_get(f->gc, k->galaxy))) {
		f->src = galaxy_config_source(f->gc, k->galaxy);
		return v;
	}
	return k->def;
}

/* Fills c from what the [chat] file held, row by row. */
static int cfg_fill(struct cfg *c, const struct cfg_read *r, char *err, size_t errlen)
{
	struct cfg_fill f = { .c = c, .file = c->path ? c->path : "(built-in defaults)",
	                      .err = err, .errlen = errlen };
	int rc = 0;

	for (size_t i = 0; i < CFG_NKEYS && rc == 0; i++) {
		const struct cfg_key *k = &cfg_keys[i];
		const char *value = cfg_value(k, r->raw[i], &f);

		for (size_t j = 0; j < r->n_members && rc == 0; j++)
			if (r->members[j].key == i) {
				f.member = r->members[j].member;
				rc = k->type->set(k, r->members[j].value, &f);
			}
		if (rc < 0 || (value && k->type->set(k, value, &f) < 0) || (k->post && k->post(&f) < 0))
			rc = -1;
	}
	galaxy_config_free(f.gc);
	return rc;
}

int cfg_load(const char *path, struct cfg **out, char *err, size_t errlen)
{
	char *raw[CFG_NKEYS] = { 0 };
	struct cfg_read r = { .raw = raw, .err = err, .errlen = errlen };
	struct cfg *c = calloc(1, sizeof *c);
	int explicit = 1;
	int rc = -1;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (!path || !*path) {
		path = getenv("GALAXY_CHAT_CONFIG");
		if (!path || !*path) {
			path = CFG_DEFAULT_PATH;
			explicit = access(path, F_OK) == 0;
		}
	}
	if (explicit) {
		if (!(c->path = strdup(path))) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		r.file = c->path;
		if (ini_parse_file(c->path, cfg_on_key, &r, err, errlen) != 0)
			goto out;
	}
	rc = cfg_fill(c, &r, err, errlen);
out:
	for (size_t i = 0; i < CFG_NKEYS; i++)
		free(raw[i]);
	for (size_t i = 0; i < r.n_members; i++) {
		free(r.members[i].member);
		free(r.members[i].value);
	}
	free(r.members);
	if (rc < 0) {
		cfg_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

void cfg_free(struct cfg *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < CFG_NKEYS; i++)
		if (cfg_keys[i].type->free)
			cfg_keys[i].type->free(&cfg_keys[i], c);
	free(c->path);
	free(c->id_secret_source);
	free(c);
}

int cfg_is_admin(const struct cfg *c, const char *email)
{
	char **admins;
	size_t n;
	int found = 0;

	if (!email || !c->admin_users || cfg_split(c->admin_users, ",", &admins, &n) < 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		found |= strcmp(admins[i], email) == 0;
	cfg_free_list(admins, n);
	return found;
}
