/*
 * postbatch.h - group commit of the posts of one process: the posts that
 * this process's workers make at the same time are stored in one write
 * transaction with one commit (one fsync), each acknowledged only after
 * that commit (store_post_batch() in store.c runs them; the rules of
 * posting stay there).
 *
 * No thread of its own: a post that finds no batch running becomes the
 * leader and runs, on its own store connection, every post queued by then
 * (at first only itself); the posts arriving meanwhile wait and are the
 * next batch, run by one of them. A leader waits for company only when
 * the last batch had some, and at most half a millisecond, for one post
 * more than that batch had. So a lone post costs what it did, and under
 * load one fsync serves as many posts as there are workers posting.
 * Across processes (mod_fcgid, several `--listen` servers) each process
 * batches its own; their transactions take the store's write lock in
 * turn as before. Thread-safe.
 */
#ifndef GC_POSTBATCH_H
#define GC_POSTBATCH_H

#include "store.h"

struct postbatch;

/* A new queue (NULL when out of memory); free with postbatch_free() once
 * no thread uses it. */
struct postbatch *postbatch_new(void);
void postbatch_free(struct postbatch *b);

/* store_post_mentioning() through b's group commit, with st this
 * thread's store connection (used when this post leads a batch, and when
 * another post's failure left it to run alone); the same arguments and
 * results. With b NULL (CGI: one request per process),
 * store_post_mentioning(). */
enum store_result postbatch_post(struct postbatch *b, struct store *st, const struct user *u,
                                 const char *room, long long to_user_id,
                                 const char *text, const char *client_id, long long reply_to,
                                 const struct store_mention *mentions, size_t n,
                                 long long *id, char ts[32], int *created,
                                 char *err, size_t errlen);

#endif
