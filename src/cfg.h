/*
 * cfg.h - the process's configuration: our [chat] INI file merged with the
 * Galaxy keys read from Galaxy's own config (galaxy_config.c).
 *
 * Parsed and validated once at start; read-only afterwards and shared by
 * every thread. A key set in [chat] wins over Galaxy's files and environment.
 * Each key is one row of cfg.c's table, which says where in struct cfg it
 * lands; how to add one is at the top of cfg.c.
 */
#ifndef GC_CFG_H
#define GC_CFG_H

#include <stddef.h>

#define GALAXY_DEFAULT_ID_SECRET "USING THE DEFAULT IS NOT SECURE!"
#define CFG_MAX_DAYS 36500          /* retention_days, prune --older-than */
#define GALAXY_DEFAULT_DATABASE "sqlite:///./database/universe.sqlite?isolation_level=IMMEDIATE"
#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
/* read when neither -c nor $GALAXY_CHAT_CONFIG names a file */
#define CFG_DEFAULT_PATH SYSCONFDIR "/galaxy-chat/galaxy-chat.ini"

/* avatars: where the browser client's pictures of users come from. */
enum cfg_avatars { CFG_AVATARS_INITIALS, CFG_AVATARS_GRAVATAR };
extern const char *const cfg_avatars_names[]; /* "initials", "gravatar", NULL */

/* A rate limit: count actions per seconds; count 0 means no limit. */
struct cfg_rate {
	int count;
	int seconds;
};

#define CFG_BOOTSTRAP_KEYS 2      /* bootstrap_admin_api_key, master_api_key */

struct cfg {
	char *path;                 /* the file read, or NULL when none */
	char *galaxy_config;        /* Galaxy's galaxy.yml / galaxy.ini, or NULL */
	char *galaxy_root;          /* base for relative sqlite paths */

	/* Galaxy keys */
	char *id_secret;            /* raw bytes of Galaxy's id_secret */
	int id_secret_is_default;   /* 1 when Galaxy's insecure default is used */
	char *id_secret_source;     /* where it came from, for `check` */
	char *database_connection;  /* SQLAlchemy URL of Galaxy's database */
	char *database_file;        /* legacy: only read into database_connection */
	char *admin_users;          /* comma-separated emails, as in Galaxy */
	char **persistent_rooms;    /* persistent_communication_rooms, stripped */
	size_t n_persistent_rooms;
	int session_duration;       /* minutes, 0 = off */
	int use_remote_user;        /* use_remote_user (or single_user) is on:
	                             * external users may log in */
	char *single_user;          /* only read into use_remote_user */
	char *bootstrap_api_keys[CFG_BOOTSTRAP_KEYS]; /* bootstrap_admin_api_key, master_api_key
	                             * (its older name) when set, else NULL:
	                             * keys of no user, never accepted */

	/* our own keys */
	char *store;                /* message store: path or postgresql:// URL */
	char **allowed_origins;     /* extra origins for POST/DELETE */
	size_t n_allowed_origins;
	char **metrics_allow;       /* addresses and networks GET /v1/metrics answers (addrlist.h) */
	size_t n_metrics_allow;
	int poll_timeout;           /* seconds, maximum and default long-poll wait */
	int stream_max_seconds;     /* seconds a GET /v1/stream lasts at most */
	size_t max_message_bytes;   /* message text limit */
	int edit_window;            /* minutes after sending a message may be edited, 0 = always */
	size_t max_body_bytes;      /* request body limit */
	int auth_cache_seconds;     /* freshness bound of a cached session check */
	int galaxy_helper;          /* web server's processes ask Galaxy through one
	                             * helper process per host (galaxyhelper.h) */
	int galaxy_helper_idle;     /* seconds without a question before it leaves */
	int workers;                /* --listen: worker threads */
	int max_searches;           /* searches one process runs at once, < workers */
	int max_connections;        /* --listen: requests held at once */
	int keepalive_timeout;      /* seconds a kept connection may wait idle */
	int retention_days;         /* `prune` deletes events older; 0 = keep forever */
	struct cfg_rate rate;       /* messages (room and direct) per user */
	struct cfg_rate join_rate;  /* room joins per user */
	struct cfg_rate search_rate; /* searches per user */
	int rate_exempt_admins;     /* admin_users are not rate limited */
	char **room_topics;         /* room_topic.NAME: pairs of a room (`all` or a persistent
	                             * one, its exact name) and its topic */
	size_t n_room_topics;       /* pairs */
	int max_rooms_per_user;     /* ad-hoc rooms one user may be in, 0 = no limit */
	struct cfg_rate new_room_rate; /* rooms one user may create: max_new_rooms_per_day */
	int avatars;                /* enum cfg_avatars: initials (no third party,
	                             * the default) or gravatar */
	int max_polls_per_user;     /* waiting polls of one user per process, 0 = no limit */
	int max_polls_per_address;  /* waiting polls from one REMOTE_ADDR per process, 0 = no limit */
	int search_timeout_ms;      /* a search stops after this long, with what it found */
	char *galaxy_url;           /* galaxyurl_base() form; NULL: links get no cards */
	struct cfg_rate object_rate;   /* GET /v1/objects per user */

	/* mail (smtp.c, mail.c): Galaxy's keys, which [chat] may set itself */
	char *smtp_server;          /* host or host:port; NULL: no mail */
	char *smtp_username;        /* login only when both are set */
	char *smtp_password;
	int smtp_ssl;               /* SMTPS: TLS from the first byte */
	char *email_from;           /* "addr" or "Name <addr>" (mail_from_parse) */
	/* ... and our own */
	char *chat_url;             /* the chat's page, for links: chat_url#msg=ID */
	char *smtp_ca_file;         /* CAs for the server's certificate; NULL: the system's */
	int notify_every;           /* minutes: at most one email per user so often */
	int notify_after;           /* minutes a message stays unread before it is emailed */
};

/* Loads the config: path, else $GALAXY_CHAT_CONFIG, else the compiled-in
 * default (a missing default file is fine: built-in defaults apply).
 * Returns 0 and a new cfg the caller frees with cfg_free(), or -1 with a
 * message naming the key and the file in err. Warnings (the insecure default
 * secret) are logged, not errors. */
int cfg_load(const char *path, struct cfg **out, char *err, size_t errlen);

void cfg_free(struct cfg *c);

/* 1 when email is one of admin_users (split on ',', whitespace stripped,
 * compared exactly as Galaxy does). */
int cfg_is_admin(const struct cfg *c, const char *email);

/* The name of the i-th key of cfg.c's table, NULL past the last: for the
 * test that every key is documented. */
const char *cfg_key_name(size_t i);

/* Galaxy's database for cfg: database_connection, else Galaxy's default. */
const char *cfg_galaxy_database(const struct cfg *cfg);

/* What Galaxy's answers about a user depend on, as one text: Galaxy's
 * database, galaxy_root, session_duration, use_remote_user and whether
 * users carry gravatar hashes. Part of the auth cache's ids (auth.c) and
 * of what a galaxy helper must have been started with (galaxyhelper_wire.c).
 * Caller frees; NULL on ENOMEM. */
char *cfg_galaxy_answers(const struct cfg *cfg);

#endif
