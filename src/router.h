/*
 * router.h - map METHOD + PATH_INFO to a handler; apply the checks every
 * route shares (cross-site rules for POST/PUT/PATCH/DELETE, authentication)
 * first.
 */
#ifndef GC_ROUTER_H
#define GC_ROUTER_H

#include "api.h"

/* Runs the route for c->req, filling c->rep (or c->wait for a poll that
 * waits). Unknown paths get 404; known paths with another method 405 with
 * Allow, or for OPTIONS 204 with Allow (and the CORS preflight answer when
 * the Origin is one of allowed_origins). With c->memory_only, only the
 * long poll's route runs, and only from memory (struct call); anything
 * else sets c->not_in_memory.
 * c->route becomes the index of the route that answers (-1: none).
 * A heavy route (search) beyond max_searches running in the process
 * (c->heavy) gets 503 with Retry-After instead of a worker's time. */
void router_dispatch(struct call *c);

/* The name of route i of the table, "METHOD pattern" (e.g.
 * "POST /v1/rooms/{*}/join"), for metrics; NULL past the last. The first call for each i must come before the threads. */
const char *router_route_name(size_t i);

/* Fills c->rep with the answer to a request whose authentication failed
 * with result (an enum auth_result other than AUTH_OK and AUTH_NOT_CACHED;
 * err says why, for the log): 401 (400 for a cookie and a key of two
 * users), or 503 when Galaxy's database cannot be asked. */
void router_auth_error(struct call *c, int result, const char *err);

/* 1 when a request's Origin is allowed for a state-changing request: none
 * sent, one of allowed_origins, or the request's own scheme://HTTP_HOST
 * (compared in normal form: case, trailing '/', default ports). */
int router_origin_allowed(const struct cfg *cfg, const struct request *req);

/* Adds CORS headers (Access-Control-Allow-Origin/-Credentials, Vary) to rep
 * when origin (the request's Origin, may be NULL) is one of allowed_origins;
 * nothing otherwise. Called for every response, parked polls included. */
void router_cors(const struct cfg *cfg, const char *origin, struct reply *rep);

#endif
