/*
 * addrlist.c - addresses against a list of networks (see addrlist.h).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "addrlist.h"

/* An address in 16 bytes (IPv4 as IPv4-mapped IPv6) and the prefix
 * length that counts, out of 128. */
struct addrlist_net {
	unsigned char a[16];
	int bits;
};

/* Parses "ADDR" or "ADDR/LEN" into *net: 0, or -1. */
static int addrlist_parse(const char *text, int with_len, struct addrlist_net *net)
{
	static const unsigned char mapped[12] = { [10] = 0xff, [11] = 0xff };
	char buf[64];
	const char *slash = with_len ? strchr(text, '/') : NULL;
	size_t len = slash ? (size_t)(slash - text) : strlen(text);
	int v4, max, bits;

	if (len == 0 || len >= sizeof buf)
		return -1;
	memcpy(buf, text, len);
	buf[len] = '\0';
	memset(net, 0, sizeof *net);
	v4 = inet_pton(AF_INET, buf, net->a + 12) == 1;
	if (v4)
		memcpy(net->a, mapped, sizeof mapped);
	else if (inet_pton(AF_INET6, buf, net->a) != 1)
		return -1;
	max = v4 ? 32 : 128;
	bits = max;
	if (slash) {
		char *end;
		long n = strtol(slash + 1, &end, 10);
		if (!slash[1] || *end || slash[1] == '+' || slash[1] == '-' || n < 0 || n > max)
			return -1;
		bits = (int)n;
	}
	net->bits = bits + 128 - max;
	return 0;
}

/* 1 when the first bits bits of a and b agree. */
static int addrlist_prefix(const unsigned char *a, const unsigned char *b, int bits)
{
	int whole = bits / 8, rest = bits % 8;

	if (memcmp(a, b, (size_t)whole) != 0)
		return 0;
	return !rest || ((a[whole] ^ b[whole]) & (0xff << (8 - rest)) & 0xff) == 0;
}

int addrlist_valid(const char *item)
{
	struct addrlist_net net;

	return addrlist_parse(item, 1, &net) == 0;
}

int addrlist_match(char *const *list, size_t n, const char *addr)
{
	struct addrlist_net client, net;

	if (!addr || addrlist_parse(addr, 0, &client) < 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (addrlist_parse(list[i], 1, &net) == 0 && addrlist_prefix(client.a, net.a, net.bits))
			return 1;
	return 0;
}
