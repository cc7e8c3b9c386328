/*
 * auth_probe.c - drives auth_check() for tests/auth.py: builds a struct cfg
 * from options (and optionally a Galaxy config file, read with
 * galaxy_config.c), then reads one request per stdin line and prints one
 * JSON line per answer, so one process (one cache) can be probed over time.
 *
 *   auth_probe [--galaxy-config FILE] [--db URL] [--secret S] [--root DIR]
 *              [--duration MIN] [--cache SEC] [--admins LIST] [--remote-user 0|1] [--avatars initials|gravatar]
 *              [--bootstrap KEY] [--master KEY]
 * stdin lines:  "cookie <Cookie header>" | "nocookie" | "count" | "find <chat name>" |
 *               "key <X-API-Key>" | "keytwice <X-API-Key>" (the header twice) |
 *               "keycookie <X-API-Key> <Cookie header>" |
 *               "parallel <threads> <Cookie header>" (each thread checks
 *               PROBE_ROUNDS times; answers {"result":..., "ok": n, "total": m})
 * stdout:       {"result":"ok","user":{...},"admin":false,"err":""}
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "auth.h"
#include "cfg.h"
#include "galaxy_config.h"

static const char *const results[] = {
	"ok", "no_cookie", "bad_cookie", "no_session", "unavailable", "not_cached",
	"bad_key", "no_key", "two_users"
};

#define PROBE_ROUNDS 50
#define PROBE_MAX_THREADS 64

struct probe_thread {
	struct auth *a;
	const char *header;
	int ok;
};

static void *probe_thread_run(void *arg)
{
	struct probe_thread *t = arg;
	struct user u;
	char err[256];

	struct auth_creds cr = { .cookie = t->header };

	for (int i = 0; i < PROBE_ROUNDS; i++)
		t->ok += auth_check(t->a, &cr, &u, NULL, err, sizeof err) == AUTH_OK && u.id > 0;
	return NULL;
}

/* Runs n threads against one authenticator at once; fills o. */
static void probe_parallel(struct auth *a, int n, const char *header, struct json_object *o)
{
	struct probe_thread t[PROBE_MAX_THREADS];
	pthread_t tid[PROBE_MAX_THREADS];
	int total = 0, started = 0;

	n = n < 1 ? 1 : n > PROBE_MAX_THREADS ? PROBE_MAX_THREADS : n;
	for (int i = 0; i < n; i++) {
		t[i] = (struct probe_thread){ a, header, 0 };
		started += pthread_create(&tid[i], NULL, probe_thread_run, &t[i]) == 0;
	}
	for (int i = 0; i < started; i++) {
		pthread_join(tid[i], NULL);
		total += t[i].ok;
	}
	json_object_object_add(o, "result", json_object_new_string("done"));
	json_object_object_add(o, "ok", json_object_new_int(total));
	json_object_object_add(o, "total", json_object_new_int(n * PROBE_ROUNDS));
}

static void probe_answer(struct auth *a, const char *line)
{
	struct json_object *o = json_object_new_object();
	char err[512] = "";

	if (strncmp(line, "parallel ", 9) == 0) {
		char *rest;
		int n = (int)strtol(line + 9, &rest, 10);
		probe_parallel(a, n, rest + (*rest == ' '), o);
	} else if (strncmp(line, "find ", 5) == 0) {
		long long id = 0;
		enum auth_result r = auth_find_user(a, line + 5, &id, err, sizeof err);
		json_object_object_add(o, "result", json_object_new_string(results[r]));
		json_object_object_add(o, "id", json_object_new_int64(r == AUTH_OK ? id : 0));
	} else if (strcmp(line, "count") == 0) {
		long long n = -1;
		int rc = auth_count_users(a, &n, err, sizeof err);
		json_object_object_add(o, "result", json_object_new_string(rc == 0 ? "ok" : "unavailable"));
		json_object_object_add(o, "count", json_object_new_int64(n));
	} else {
		struct user u;
		struct auth_creds cr = { 0 };
		char *sp;
		if (strncmp(line, "cookie ", 7) == 0) {
			cr.cookie = line + 7;
		} else if (strncmp(line, "key ", 4) == 0) {
			cr.api_key = line + 4;
		} else if (strncmp(line, "keytwice ", 9) == 0) {
			cr.api_key = line + 9;
			cr.api_key_repeated = 1;
		} else if (strncmp(line, "keycookie ", 10) == 0 && (sp = strchr(line + 10, ' '))) {
			*sp = '\0';
			cr.api_key = line + 10;
			cr.cookie = sp + 1;
		}
		enum auth_result r = auth_check(a, &cr, &u, NULL, err, sizeof err);
		json_object_object_add(o, "result", json_object_new_string(results[r]));
		if (r == AUTH_OK) {
			struct json_object *j = json_object_new_object();
			json_object_object_add(j, "id", json_object_new_int64(u.id));
			json_object_object_add(j, "username", json_object_new_string(u.username));
			json_object_object_add(j, "email", json_object_new_string(u.email));
			json_object_object_add(j, "gravatar", json_object_new_string(u.gravatar));
			json_object_object_add(o, "user", j);
			json_object_object_add(o, "admin", json_object_new_boolean(u.admin));
		}
	}
	json_object_object_add(o, "err", json_object_new_string(err));
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	fflush(stdout);
	json_object_put(o);
}

int main(int argc, char **argv)
{
	struct cfg cfg = { .auth_cache_seconds = 0 };
	struct galaxy_config *gc = NULL;
	struct auth *a;
	char err[512], *line = NULL;
	size_t cap = 0;
	const char *v;

	for (int i = 1; i + 1 < argc; i += 2) {
		const char *opt = argv[i], *val = argv[i + 1];
		if (strcmp(opt, "--galaxy-config") == 0) {
			if (galaxy_config_open(val, &gc, err, sizeof err) < 0) {
				printf("{\"result\":\"config_error\",\"err\":\"%s\"}\n", err);
				return 2;
			}
			cfg.galaxy_config = (char *)val;
			if ((v = galaxy_config_get(gc, "id_secret")))
				cfg.id_secret = (char *)v;
			if ((v = galaxy_config_get(gc, "database_connection")))
				cfg.database_connection = (char *)v;
			if ((v = galaxy_config_get(gc, "session_duration")))
				cfg.session_duration = atoi(v);
			if ((v = galaxy_config_get(gc, "admin_users")))
				cfg.admin_users = (char *)v;
		} else if (strcmp(opt, "--db") == 0) {
			cfg.database_connection = (char *)val;
		} else if (strcmp(opt, "--secret") == 0) {
			cfg.id_secret = (char *)val;
		} else if (strcmp(opt, "--root") == 0) {
			cfg.galaxy_root = (char *)val;
		} else if (strcmp(opt, "--duration") == 0) {
			cfg.session_duration = atoi(val);
		} else if (strcmp(opt, "--cache") == 0) {
			cfg.auth_cache_seconds = atoi(val);
		} else if (strcmp(opt, "--admins") == 0) {
			cfg.admin_users = (char *)val;
		} else if (strcmp(opt, "--avatars") == 0) {
			cfg.avatars = strcmp(val, "gravatar") == 0 ? CFG_AVATARS_GRAVATAR : CFG_AVATARS_INITIALS;
		} else if (strcmp(opt, "--remote-user") == 0) {
			cfg.use_remote_user = atoi(val);
		} else if (strcmp(opt, "--bootstrap") == 0 || strcmp(opt, "--master") == 0) {
			cfg.bootstrap_api_keys[opt[2] == 'm'] = (char *)val;
		} else {
			fprintf(stderr, "auth_probe: unknown option %s\n", opt);
			return 2;
		}
	}
	if (auth_new(&cfg, AUTH_GALAXY_DIRECT, &a, err, sizeof err) < 0) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "result", json_object_new_string("config_error"));
		json_object_object_add(o, "err", json_object_new_string(err));
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
		galaxy_config_free(gc);
		return 2;
	}
	printf("{\"result\":\"ready\"}\n");
	fflush(stdout);
	while (getline(&line, &cap, stdin) >= 0) {
		line[strcspn(line, "\r\n")] = '\0';
		probe_answer(a, line);
	}
	free(line);
	auth_free(a);
	galaxy_config_free(gc);
	return 0;
}
