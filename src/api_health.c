/*
 * api_health.c - GET /v1/health: no authentication; says whether the
 * message store and Galaxy's database answer.
 */
#include "api.h"
#include "auth.h"
#include "log.h"
#include "store.h"

void api_health(struct call *c)
{
	char err[256] = "";
	long long n;
	int store_ok = c->store && store_max_id(c->store, &n, err, sizeof err) == STORE_OK;
	if (!store_ok)
		log_error("health: store: %s", c->store ? err : c->store_error);
	int galaxy_ok = auth_count_users(c->auth, &n, err, sizeof err) == 0;
	if (!galaxy_ok)
		log_error("health: Galaxy database: %s", err);

	json_object *o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(store_ok && galaxy_ok));
	json_object_object_add(o, "store", json_object_new_string(store_ok ? "ok" : "down"));
	json_object_object_add(o, "galaxy_db", json_object_new_string(galaxy_ok ? "ok" : "down"));
	if (!(store_ok && galaxy_ok))
		reply_header(c->rep, "Retry-After", "5");
	reply_json(c->rep, store_ok && galaxy_ok ? 200 : 503, o);
}
