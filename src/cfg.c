/*
 * cfg.c - load the [chat] file, fill in Galaxy's keys from Galaxy's own
 * configuration (galaxy_config.c), apply defaults, and refuse a config that
 * cannot work with a message naming the key and the file.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cfg.h"
#include "cookie.h"
#include "galaxy_config.h"
#include "galaxyurl.h"
#include "httpparse.h"
#include "ini.h"
#include "log.h"
#include "mail.h"
#include "smtp.h"
#include "store.h"

#define CFG_DEFAULT_STORE "/var/lib/galaxy-chat/chat.sqlite"
#define CFG_DEFAULT_RATE 20, 10        /* messages per seconds */
#define CFG_DEFAULT_JOIN_RATE 30, 60   /* joins per seconds */
#define CFG_DEFAULT_SEARCH_RATE 30, 60 /* searches per seconds */
#define CFG_DEFAULT_OBJECT_RATE 120, 60   /* object cards per seconds */
#define CFG_DEFAULT_GALAXY_URL "http://localhost:8080"   /* Galaxy's galaxy_infrastructure_url */
#define CFG_MAX_NOTIFY_MINUTES 43200   /* notify_every, notify_after: 30 days */

/* The Galaxy keys a [chat] file may set itself; they win over Galaxy's. */
static const char *const cfg_galaxy_keys[] = {
	"id_secret", "database_connection", "database_file", "admin_users",
	"persistent_communication_rooms", "session_duration", "use_remote_user", "single_user",
	"bootstrap_admin_api_key", "master_api_key", "smtp_server", "smtp_username",
	"smtp_password", "smtp_ssl", "email_from", NULL
};

/* Our own keys. */
static const char *const cfg_chat_keys[] = {
	"galaxy_config", "galaxy_root", "store", "allowed_origins", "poll_timeout",
	"max_message_bytes", "max_body_bytes", "auth_cache_seconds", "workers",
	"max_connections", "retention_days", "rate", "join_rate", "rate_exempt_admins",
	"max_rooms_per_user", "max_new_rooms_per_day", "avatars", "max_polls_per_user",
	"max_polls_per_address", "search_timeout_ms", "search_rate", "max_searches",
	"keepalive_timeout", "galaxy_url", "object_rate", "chat_url", "smtp_ca_file",
	"notify_every", "notify_after", NULL
};

/* Index names of the two lists above, for readability. */
enum { K_SECRET, K_DBCONN, K_DBFILE, K_ADMINS, K_ROOMS, K_DURATION, K_REMOTE, K_SINGLE,
       K_BOOTSTRAP, K_MASTER, K_SMTP, K_SMTP_USER, K_SMTP_PASSWORD, K_SMTP_SSL, K_FROM };
enum { C_GALAXY, C_ROOT, C_STORE, C_ORIGINS, C_POLL, C_MSG, C_BODY, C_AUTH,
       C_WORKERS, C_MAXCONN, C_RETENTION, C_RATE, C_JOIN_RATE, C_EXEMPT, C_MAXROOMS,
       C_NEWROOMS, C_AVATARS, C_MAXPOLLS, C_MAXPOLLS_ADDR, C_SEARCH_TIMEOUT, C_SEARCH_RATE,
       C_MAX_SEARCHES, C_KEEPALIVE, C_GALAXY_URL, C_OBJECT_RATE, C_CHAT_URL, C_CA_FILE,
       C_NOTIFY_EVERY, C_NOTIFY_AFTER };

const char *const cfg_avatars_names[] = { "initials", "gravatar", NULL };

/* Raw [chat] values as read, index-aligned with the two key lists. */
struct cfg_raw {
	char *galaxy[sizeof cfg_galaxy_keys / sizeof *cfg_galaxy_keys];
	char *chat[sizeof cfg_chat_keys / sizeof *cfg_chat_keys];
	const char *file;
	char *err;
	size_t errlen;
};

static int cfg_key_index(const char *const *keys, const char *key)
{
	for (int i = 0; keys[i]; i++)
		if (strcmp(keys[i], key) == 0)
			return i;
	return -1;
}

static int cfg_on_key(const char *section, const char *key, const char *value,
                      int lineno, void *ud)
{
	struct cfg_raw *raw = ud;
	char **slot;
	int i;

	if (strcmp(section, "chat") != 0)
		return 0;   /* other sections are for other programs */
	if ((i = cfg_key_index(cfg_galaxy_keys, key)) >= 0)
		slot = &raw->galaxy[i];
	else if ((i = cfg_key_index(cfg_chat_keys, key)) >= 0)
		slot = &raw->chat[i];
	else {
		snprintf(raw->err, raw->errlen, "%s:%d: unknown key \"%s\" in [chat]",
		         raw->file, lineno, key);
		return -1;
	}
	free(*slot);
	if (!(*slot = strdup(value))) {
		snprintf(raw->err, raw->errlen, "%s: out of memory", raw->file);
		return -1;
	}
	return 0;
}

/* Splits a list on commas (and, with spaces_too, white space), stripping
 * each item and dropping empty ones. Returns 0 and a new array (caller frees
 * each string and the array) or -1 on ENOMEM. */
static int cfg_split(const char *list, int spaces_too, char ***out, size_t *n)
{
	const char *seps = spaces_too ? ", \t\n" : ",";
	char **v = NULL;
	size_t cnt = 0;

	*out = NULL;
	*n = 0;
	if (!list)
		return 0;
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, seps);
		const char *s = p, *e = p + len;
		while (s < e && isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		if (e > s) {
			char **nv = realloc(v, (cnt + 1) * sizeof *v);
			if (!nv || !(nv[cnt] = strndup(s, (size_t)(e - s)))) {
				v = nv ? nv : v;
				while (cnt)
					free(v[--cnt]);
				free(v);
				return -1;
			}
			v = nv;
			cnt++;
		}
		p += len;
		if (*p)
			p++;
	}
	*out = v;
	*n = cnt;
	return 0;
}

static void cfg_free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Parses a whole decimal number in [min, max] for key. */
static int cfg_number(const char *value, const char *key, const char *file,
                      long min, long max, long *out, char *err, size_t errlen)
{
	char *end;
	errno = 0;
	long v = value ? strtol(value, &end, 10) : 0;
	if (!value || end == value || *end || errno || v < min || v > max) {
		snprintf(err, errlen, "%s: %s must be a whole number from %ld to %ld, not \"%s\"",
		         file, key, min, max, value ? value : "");
		return -1;
	}
	*out = v;
	return 0;
}

/* Parses a rate limit for key: "COUNT/PERIOD" where PERIOD is seconds,
 * optionally with a unit (s, m, h: "20/10s", "30/1m"), or "off" / "0". */
static int cfg_rate_parse(const char *value, const char *key, const char *file,
                          struct cfg_rate *out, char *err, size_t errlen)
{
	char *end;
	long count, period = 0;

	if (strcmp(value, "off") == 0 || strcmp(value, "0") == 0) {
		out->count = out->seconds = 0;
		return 0;
	}
	errno = 0;
	count = strtol(value, &end, 10);
	if (end != value && *end == '/' && count >= 1 && count <= 1000000 && !errno) {
		const char *p = end + 1;
		period = strtol(p, &end, 10);
		if (end == p || errno || period < 1 || period > 86400)
			period = 0;   /* also keeps the products below from overflowing */
		else if (strcmp(end, "m") == 0)
			period *= 60;
		else if (strcmp(end, "h") == 0)
			period *= 3600;
		else if (*end && strcmp(end, "s") != 0)
			period = 0;
	}
	if (period < 1 || period > 86400) {
		snprintf(err, errlen, "%s: %s must be COUNT/PERIOD such as 20/10s or 30/1m "
		         "(a period of at most one day), or off; not \"%s\"", file, key, value);
		return -1;
	}
	out->count = (int)count;
	out->seconds = (int)period;
	return 0;
}

/* Parses yes/no, true/false, on/off, 1/0 for key. */
static int cfg_bool(const char *value, const char *key, const char *file, int *out,
                    char *err, size_t errlen)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
		if (strcasecmp(value, yes[i]) == 0 || strcasecmp(value, no[i]) == 0) {
			*out = strcasecmp(value, yes[i]) == 0;
			return 0;
		}
	}
	snprintf(err, errlen, "%s: %s must be yes or no, not \"%s\"", file, key, value);
	return -1;
}

/* Galaxy's string_as_bool (lib/galaxy/util/__init__.py): true, yes, on
 * or 1 in any case is true; anything else, a typo too, is false. */
static int cfg_galaxy_bool(const char *value)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };

	for (size_t i = 0; value && i < sizeof yes / sizeof *yes; i++)
		if (strcasecmp(value, yes[i]) == 0)
			return 1;
	return 0;
}

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

/* galaxy_url, the Galaxy whose links become cards: [chat]'s (refused
 * when it is no such URL), else Galaxy's galaxy_infrastructure_url (a
 * warning when it is none: cards are off), else unset. Normalised. */
static int cfg_galaxy_url(struct cfg *c, const char *chat, const struct galaxy_config *gc,
                          const char *file, char *err, size_t errlen)
{
	const char *v = chat ? chat : galaxy_config_get(gc, "galaxy_infrastructure_url");
	char norm[GALAXYURL_BASE_MAX];

	if (!v || !*v)
		return 0;
	if (galaxyurl_base(v, norm, sizeof norm) < 0) {
		if (!chat) {
			log_warning("galaxy_infrastructure_url in %s is not an http(s) URL such as "
			            "https://usegalaxy.example or https://host/galaxy: links to Galaxy "
			            "objects get no cards; set galaxy_url in %s",
			            galaxy_config_source(gc, "galaxy_infrastructure_url"), file);
			return 0;
		}
		snprintf(err, errlen, "%s: galaxy_url must be an http(s) URL such as "
		         "https://usegalaxy.example or https://host/galaxy (no user, query or "
		         "fragment), not \"%s\"", file, v);
		return -1;
	}
	if (!(c->galaxy_url = strdup(norm))) {
		snprintf(err, errlen, "%s: out of memory", file);
		return -1;
	}
	return 0;
}

/* The value of Galaxy key i: [chat] first, then Galaxy's config/environment.
 * *source says where it came from. Returns a new string or NULL when unset. */
static char *cfg_galaxy_value(const struct cfg_raw *raw, const struct galaxy_config *gc,
                              int i, const char *chat_file, const char **source)
{
	if (raw->galaxy[i]) {
		*source = chat_file;
		return strdup(raw->galaxy[i]);
	}
	const char *v = galaxy_config_get(gc, cfg_galaxy_keys[i]);
	*source = galaxy_config_source(gc, cfg_galaxy_keys[i]);
	return v ? strdup(v) : NULL;
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

/* Galaxy's default email_from, galaxy-no-reply@HOST with the host of url
 * (galaxyurl_base()'s form), into out; "" when that host is no mail domain. */
static void cfg_default_from(const char *url, char *out, size_t len)
{
	const char *host = strstr(url, "://") + 3;

	snprintf(out, len, "galaxy-no-reply@%.*s", (int)strcspn(host, ":/"), host);
	if (!mail_address_ok(out))
		out[0] = '\0';
}

/* The mail keys (smtp.c, mail.c) from the Galaxy values v (sources src)
 * and our [chat] keys. Checked only when smtp_server is set: without it
 * no email is sent, and Galaxy's own values need not suit us. */
static int cfg_mail(struct cfg *c, const struct cfg_raw *raw, char *const *v,
                    const char *const *src, const char *file, char *err, size_t errlen)
{
	char url[1024], from[MAIL_ADDRESS_MAX + 32], name[256], addr[MAIL_ADDRESS_MAX + 1];
	/* galaxy_url, as cfg_galaxy_url() made it, else Galaxy's default */
	const char *galaxy_url = c->galaxy_url ? c->galaxy_url : CFG_DEFAULT_GALAXY_URL;
	const char *chat_url = raw->chat[C_CHAT_URL];

	if (!v[K_SMTP] || cfg_galaxy_unset(v[K_SMTP]))
		return 0;
	if (smtp_url(v[K_SMTP], 0, url, sizeof url) < 0) {
		snprintf(err, errlen, "%s: smtp_server must be host or host:port such as "
		         "localhost:25 or [::1]:587, not \"%s\"", src[K_SMTP], v[K_SMTP]);
		return -1;
	}
	if (chat_url && !cfg_url_ok(chat_url)) {
		snprintf(err, errlen, "%s: chat_url must be an http:// or https:// URL without "
		         "spaces or #, not \"%s\"", file, chat_url);
		return -1;
	}
	if (raw->chat[C_CA_FILE] && raw->chat[C_CA_FILE][0] != '/') {
		snprintf(err, errlen, "%s: smtp_ca_file must be an absolute path, not \"%s\"",
		         file, raw->chat[C_CA_FILE]);
		return -1;
	}
	if (v[K_FROM] && *v[K_FROM])
		snprintf(from, sizeof from, "%s", v[K_FROM]);
	else
		cfg_default_from(galaxy_url, from, sizeof from);
	if (mail_from_parse(from, name, sizeof name, addr, sizeof addr) < 0) {
		if (v[K_FROM] && *v[K_FROM])
			snprintf(err, errlen, "%s: email_from must be an address such as "
			         "galaxy@example.org or \"Galaxy <galaxy@example.org>\", not \"%s\"",
			         src[K_FROM], v[K_FROM]);
		else
			snprintf(err, errlen, "%s: email_from is not set, and the host of galaxy_url "
			         "(or Galaxy's galaxy_infrastructure_url: %s) makes no address: set email_from",
			         file, galaxy_url);
		return -1;
	}
	size_t ulen = strlen(galaxy_url);   /* no trailing '/' in that form */
	if (!(c->smtp_server = strdup(v[K_SMTP])) || !(c->email_from = strdup(from)) ||
	    (v[K_SMTP_USER] && *v[K_SMTP_USER] && !(c->smtp_username = strdup(v[K_SMTP_USER]))) ||
	    (v[K_SMTP_PASSWORD] && *v[K_SMTP_PASSWORD] &&
	     !(c->smtp_password = strdup(v[K_SMTP_PASSWORD]))) ||
	    (raw->chat[C_CA_FILE] && !(c->smtp_ca_file = strdup(raw->chat[C_CA_FILE])))) {
		snprintf(err, errlen, "%s: out of memory", file);
		return -1;
	}
	if (chat_url)
		c->chat_url = strdup(chat_url);
	else if ((c->chat_url = malloc(ulen + sizeof "/chat/")))
		snprintf(c->chat_url, ulen + sizeof "/chat/", "%s/chat/", galaxy_url);
	if (!c->chat_url) {
		snprintf(err, errlen, "%s: out of memory", file);
		return -1;
	}
	c->smtp_ssl = cfg_galaxy_bool(v[K_SMTP_SSL]);
	return 0;
}

static int cfg_fill(struct cfg *c, struct cfg_raw *raw, char *err, size_t errlen)
{
	const char *file = c->path ? c->path : "(built-in defaults)";
	struct galaxy_config *gc = NULL;
	char *v[sizeof cfg_galaxy_keys / sizeof *cfg_galaxy_keys] = { 0 };
	const char *src[sizeof cfg_galaxy_keys / sizeof *cfg_galaxy_keys] = { 0 };
	long num;
	int rc = -1;

	if (raw->chat[C_GALAXY] && !(c->galaxy_config = strdup(raw->chat[C_GALAXY])))
		goto oom;
	if (galaxy_config_open(c->galaxy_config, &gc, err, errlen) < 0) {
		size_t l = strlen(err);
		snprintf(err + l, errlen - l, " (galaxy_config in %s)", file);
		goto out;
	}
	for (int i = 0; cfg_galaxy_keys[i]; i++)
		v[i] = cfg_galaxy_value(raw, gc, i, file, &src[i]);

	c->galaxy_root = raw->chat[C_ROOT] ? strdup(raw->chat[C_ROOT])
	                                   : cfg_guess_galaxy_root(c->galaxy_config);
	if (!c->galaxy_root)
		goto oom;

	/* id_secret: Galaxy's default, loudly, when unset; refused when Galaxy
	 * itself would refuse it */
	if (!v[K_SECRET]) {
		if (!(v[K_SECRET] = strdup(GALAXY_DEFAULT_ID_SECRET)))
			goto oom;
		src[K_SECRET] = "Galaxy's built-in default";
		c->id_secret_is_default = 1;
		log_warning("id_secret is not set in %s%s%s: using Galaxy's default \"%s\", "
		            "which is NOT SECURE; set id_secret in Galaxy's config",
		            file, c->galaxy_config ? " nor in " : "",
		            c->galaxy_config ? c->galaxy_config : "", GALAXY_DEFAULT_ID_SECRET);
	} else if (strcmp(v[K_SECRET], GALAXY_DEFAULT_ID_SECRET) == 0) {
		c->id_secret_is_default = 1;
		log_warning("id_secret in %s is Galaxy's insecure default", src[K_SECRET]);
	}
	if (!cookie_secret_ok(v[K_SECRET], strlen(v[K_SECRET]))) {
		snprintf(err, errlen, "%s: id_secret must be 1 to 56 bytes long (Galaxy refuses "
		         "longer ones), this one has %zu", src[K_SECRET], strlen(v[K_SECRET]));
		goto out;
	}
	c->id_secret = v[K_SECRET];
	v[K_SECRET] = NULL;
	if (!(c->id_secret_source = strdup(src[K_SECRET] ? src[K_SECRET] : file)))
		goto oom;

	/* database_connection, else legacy database_file, else Galaxy's default */
	if (v[K_DBCONN]) {
		c->database_connection = v[K_DBCONN];
		v[K_DBCONN] = NULL;
	} else if (v[K_DBFILE]) {
		size_t n = strlen(v[K_DBFILE]) + 64;
		if (!(c->database_connection = malloc(n)))
			goto oom;
		snprintf(c->database_connection, n, "sqlite:///%s?isolation_level=IMMEDIATE", v[K_DBFILE]);
	} else if (!(c->database_connection = strdup(GALAXY_DEFAULT_DATABASE)))
		goto oom;

	if (v[K_ADMINS] && !(c->admin_users = strdup(v[K_ADMINS])))
		goto oom;
	if (cfg_split(v[K_ROOMS], 0, &c->persistent_rooms, &c->n_persistent_rooms) < 0)
		goto oom;
	if (v[K_DURATION]) {
		if (cfg_number(v[K_DURATION], "session_duration", src[K_DURATION], 0, 10L * 365 * 24 * 60,
		               &num, err, errlen) < 0)
			goto out;
		c->session_duration = (int)num;
	}
	/* Galaxy: use_remote_user = use_remote_user or single_user
	 * (lib/galaxy/config/__init__.py): a single_user address turns
	 * remote-user mode on, and with it external users in */
	c->use_remote_user = cfg_galaxy_bool(v[K_REMOTE]) ||
	                     (v[K_SINGLE] && !cfg_galaxy_unset(v[K_SINGLE]));
	/* Galaxy's keys of no user (the bootstrap admin's, and its older name):
	 * kept to be refused (auth.c), never logged */
	for (int k = K_BOOTSTRAP, i = 0; k <= K_MASTER; k++)
		if (v[k] && v[k][0]) {
			c->bootstrap_api_keys[i++] = v[k];
			v[k] = NULL;
		}

	if (!(c->store = strdup(raw->chat[C_STORE] ? raw->chat[C_STORE] : CFG_DEFAULT_STORE)))
		goto oom;
	if (c->store[0] != '/' && !store_is_postgresql(c->store) &&
	    strncmp(c->store, "sqlite:////", 11) != 0) {
		snprintf(err, errlen, "%s: store must be an absolute path, sqlite:////path or "
		         "a postgresql:// URL, not \"%s\"", file, c->store);
		goto out;
	}
	if (cfg_split(raw->chat[C_ORIGINS], 1, &c->allowed_origins, &c->n_allowed_origins) < 0)
		goto oom;
	for (size_t i = 0; i < c->n_allowed_origins; i++) {
		char norm[512];
		if (http_origin_normalize(c->allowed_origins[i], norm, sizeof norm) < 0) {
			snprintf(err, errlen, "%s: allowed_origins: \"%s\" is not an origin such as "
			         "https://galaxy.example.org or http://host:8080 (no path, no *)",
			         file, c->allowed_origins[i]);
			goto out;
		}
		free(c->allowed_origins[i]);
		if (!(c->allowed_origins[i] = strdup(norm)))
			goto oom;
	}

	struct { int idx; const char *key; long min, max, def; } nums[] = {
		{ C_POLL, "poll_timeout", 1, 3600, 25 },
		{ C_MSG, "max_message_bytes", 1, 1L << 20, 4000 },
		{ C_BODY, "max_body_bytes", 256, 16L << 20, 65536 },
		{ C_AUTH, "auth_cache_seconds", 0, 300, 5 },
		{ C_WORKERS, "workers", 1, 256, 8 },
		{ C_MAXCONN, "max_connections", 1, 1000000, 4096 },
		{ C_RETENTION, "retention_days", 0, CFG_MAX_DAYS, 0 },
		{ C_MAXROOMS, "max_rooms_per_user", 0, 1000000, 50 },
		{ C_NEWROOMS, "max_new_rooms_per_day", 0, 1000000, 20 },
		{ C_MAXPOLLS, "max_polls_per_user", 0, 1000000, 8 },
		{ C_MAXPOLLS_ADDR, "max_polls_per_address", 0, 1000000, 0 },
		{ C_SEARCH_TIMEOUT, "search_timeout_ms", 10, 60000, 2000 },
		{ C_MAX_SEARCHES, "max_searches", 1, 256, 0 },   /* 0: from workers, below */
		{ C_KEEPALIVE, "keepalive_timeout", 1, 3600, 120 },
		{ C_NOTIFY_EVERY, "notify_every", 0, CFG_MAX_NOTIFY_MINUTES, 60 },
		{ C_NOTIFY_AFTER, "notify_after", 0, CFG_MAX_NOTIFY_MINUTES, 10 },
	};
	long got[sizeof nums / sizeof *nums];
	for (size_t i = 0; i < sizeof nums / sizeof *nums; i++) {
		got[i] = nums[i].def;
		if (raw->chat[nums[i].idx] &&
		    cfg_number(raw->chat[nums[i].idx], nums[i].key, file, nums[i].min, nums[i].max,
		               &got[i], err, errlen) < 0)
			goto out;
	}
	c->poll_timeout = (int)got[0];
	c->max_message_bytes = (size_t)got[1];
	c->max_body_bytes = (size_t)got[2];
	c->auth_cache_seconds = (int)got[3];
	c->workers = (int)got[4];
	c->max_connections = (int)got[5];
	c->retention_days = (int)got[6];
	c->max_rooms_per_user = (int)got[7];
	c->new_room_rate = (struct cfg_rate){ (int)got[8], 86400 };
	c->max_polls_per_user = (int)got[9];
	c->max_polls_per_address = (int)got[10];
	c->search_timeout_ms = (int)got[11];
	/* a quarter of the workers by default: the rest stay free for posts
	 * and polls however many searches run */
	c->max_searches = got[12] ? (int)got[12] : (c->workers + 3) / 4;
	if (c->max_searches >= c->workers && c->workers > 1) {
		snprintf(err, errlen, "%s: max_searches (%d) must be less than workers (%d), so that "
		         "posts and polls always find a free worker", file, c->max_searches, c->workers);
		goto out;
	}
	c->keepalive_timeout = (int)got[13];
	c->notify_every = (int)got[14];
	c->notify_after = (int)got[15];
	c->rate = (struct cfg_rate){ CFG_DEFAULT_RATE };
	c->join_rate = (struct cfg_rate){ CFG_DEFAULT_JOIN_RATE };
	c->search_rate = (struct cfg_rate){ CFG_DEFAULT_SEARCH_RATE };
	c->rate_exempt_admins = 1;
	c->object_rate = (struct cfg_rate){ CFG_DEFAULT_OBJECT_RATE };
	if ((raw->chat[C_OBJECT_RATE] &&
	     cfg_rate_parse(raw->chat[C_OBJECT_RATE], "object_rate", file, &c->object_rate,
	                    err, errlen) < 0) ||
	    cfg_galaxy_url(c, raw->chat[C_GALAXY_URL], gc, file, err, errlen) < 0)
		goto out;
	if ((raw->chat[C_RATE] &&
	     cfg_rate_parse(raw->chat[C_RATE], "rate", file, &c->rate, err, errlen) < 0) ||
	    (raw->chat[C_JOIN_RATE] &&
	     cfg_rate_parse(raw->chat[C_JOIN_RATE], "join_rate", file, &c->join_rate, err, errlen) < 0) ||
	    (raw->chat[C_SEARCH_RATE] &&
	     cfg_rate_parse(raw->chat[C_SEARCH_RATE], "search_rate", file, &c->search_rate,
	                    err, errlen) < 0) ||
	    (raw->chat[C_EXEMPT] &&
	     cfg_bool(raw->chat[C_EXEMPT], "rate_exempt_admins", file, &c->rate_exempt_admins,
	              err, errlen) < 0))
		goto out;
	/* opt-in: asking gravatar tells a third party who reads the chat */
	if (raw->chat[C_AVATARS]) {
		int i = cfg_key_index(cfg_avatars_names, raw->chat[C_AVATARS]);
		if (i < 0) {
			snprintf(err, errlen, "%s: avatars must be initials or gravatar, not \"%s\"",
			         file, raw->chat[C_AVATARS]);
			goto out;
		}
		c->avatars = (enum cfg_avatars)i;
	}
	if (cfg_mail(c, raw, v, src, file, err, errlen) < 0)
		goto out;
	if (c->max_body_bytes < c->max_message_bytes + 256) {
		snprintf(err, errlen, "%s: max_body_bytes (%zu) must leave room for a message of "
		         "max_message_bytes (%zu) plus 256 bytes of JSON", file,
		         c->max_body_bytes, c->max_message_bytes);
		goto out;
	}
	if (c->poll_timeout >= 40)
		log_warning("%s: poll_timeout %d is not below mod_fcgid's FcgidIOTimeout default (40 s); "
		            "raise the web server's timeouts to match", file, c->poll_timeout);
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "%s: out of memory", file);
out:
	for (int i = 0; cfg_galaxy_keys[i]; i++)
		free(v[i]);
	galaxy_config_free(gc);
	return rc;
}

int cfg_load(const char *path, struct cfg **out, char *err, size_t errlen)
{
	struct cfg_raw raw = { .err = err, .errlen = errlen };
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
		raw.file = c->path;
		if (ini_parse_file(c->path, cfg_on_key, &raw, err, errlen) != 0)
			goto out;
	}
	rc = cfg_fill(c, &raw, err, errlen);
out:
	for (size_t i = 0; i < sizeof raw.galaxy / sizeof *raw.galaxy; i++)
		free(raw.galaxy[i]);
	for (size_t i = 0; i < sizeof raw.chat / sizeof *raw.chat; i++)
		free(raw.chat[i]);
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
	free(c->path);
	free(c->galaxy_config);
	free(c->galaxy_root);
	free(c->id_secret);
	free(c->id_secret_source);
	free(c->database_connection);
	free(c->admin_users);
	for (size_t i = 0; i < CFG_BOOTSTRAP_KEYS; i++)
		free(c->bootstrap_api_keys[i]);
	cfg_free_list(c->persistent_rooms, c->n_persistent_rooms);
	free(c->store);
	free(c->galaxy_url);
	cfg_free_list(c->allowed_origins, c->n_allowed_origins);
	free(c->smtp_server);
	free(c->smtp_username);
	free(c->smtp_password);
	free(c->email_from);
	free(c->chat_url);
	free(c->smtp_ca_file);
	free(c);
}

int cfg_is_admin(const struct cfg *c, const char *email)
{
	char **admins;
	size_t n;
	int found = 0;

	if (!email || !c->admin_users || cfg_split(c->admin_users, 0, &admins, &n) < 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		found |= strcmp(admins[i], email) == 0;
	cfg_free_list(admins, n);
	return found;
}
