/*
 * user.h - who a request is acting for.
 *
 * Filled only from Galaxy's database (auth.c), never from the request.
 * Plain value type: copy it freely, nothing inside needs freeing.
 */
#ifndef GC_USER_H
#define GC_USER_H

#define USER_NAME_MAX 256

struct user {
	long long id;                  /* galaxy_user.id */
	char username[USER_NAME_MAX];  /* the chat name: Galaxy's username, or
	                                * "user#<id>" without one (galaxydb.c) */
	char email[USER_NAME_MAX];     /* as stored in galaxy_user.email */
	char gravatar[33];             /* md5 hex of the trimmed, lowercased email */
	int admin;                     /* email listed in admin_users */
};

#endif
