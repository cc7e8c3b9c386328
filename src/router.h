/*
 * router.h - map METHOD + PATH_INFO to a handler; apply the checks every
 * route shares (cross-site rules for POST/DELETE, authentication) first.
 */
#ifndef GC_ROUTER_H
#define GC_ROUTER_H

#include "api.h"

/* Runs the route for c->req, filling c->rep (or c->park for a waiting poll).
 * Unknown paths get 404; known paths with another method 405 with Allow. */
void router_dispatch(struct call *c);

/* 1 when a state-changing request passes API.md's cross-site rules
 * (Content-Type application/json; Origin, if sent, allowed). Exposed for tests. */
int router_origin_allowed(const struct cfg *cfg, const struct request *req);

#endif
