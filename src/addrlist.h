/*
 * addrlist.h - whether a client's address is in a list of addresses and
 * networks, as the metrics_allow key gives them: each an IPv4 or IPv6
 * address, alone or with a prefix length ("127.0.0.0/8", "::1",
 * "10.1.0.0/16", "2001:db8::/32"). An IPv4 client seen as an IPv4-mapped
 * IPv6 address ("::ffff:127.0.0.1") is matched as the IPv4 address. Pure.
 */
#ifndef GC_ADDRLIST_H
#define GC_ADDRLIST_H

#include <stddef.h>

/* 1 when item is an address or network of that form, else 0. */
int addrlist_valid(const char *item);

/* 1 when addr (REMOTE_ADDR; NULL or malformed: never) is in one of the n
 * items of list, else 0. Items that are not valid match nothing. */
int addrlist_match(char *const *list, size_t n, const char *addr);

#endif
