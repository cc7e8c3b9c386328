/*
 * main.c - galaxy-chat's command line (DESIGN.md "Running it"):
 *
 *   galaxy-chat [-c FILE]                    responder on stdin (mod_fcgid, spawn-fcgi, CGI)
 *   galaxy-chat [-c FILE] --listen ADDR      standalone FastCGI server for nginx
 *   galaxy-chat check [-c FILE]              validate config, reach both databases, report
 *   galaxy-chat migrate --from SQLITE --to POSTGRESQL   copy the store into PostgreSQL
 *   galaxy-chat --help | --version
 */
#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "check.h"
#include "log.h"
#include "migrate.h"
#include "server.h"

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: galaxy-chat [-c FILE] [--listen ADDR]\n"
	        "       galaxy-chat check [-c FILE]\n"
	        "       galaxy-chat migrate --from PATH --to postgresql://...\n"
	        "       galaxy-chat --help | --version\n"
	        "\n"
	        "Without --listen, serves FastCGI on standard input (mod_fcgid, spawn-fcgi),\n"
	        "or one CGI request when standard input is not a socket.\n"
	        "  -c FILE        configuration (default: $GALAXY_CHAT_CONFIG, then\n"
	        "                 %s/galaxy-chat/galaxy-chat.ini)\n"
	        "  --listen ADDR  serve FastCGI on unix:/PATH, /PATH, HOST:PORT or :PORT\n"
	        "  -v, --verbose  log debugging detail\n"
	        "migrate copies an SQLite store (a path or sqlite:////PATH) into an empty\n"
	        "PostgreSQL store, ids and times kept.\n"
	        "See galaxy-chat(8) and galaxy-chat.ini(5).\n", SYSCONFDIR);
}

int main(int argc, char **argv)
{
	const char *config = NULL, *listen_addr = NULL, *from = NULL, *to = NULL;
	int check = 0, migrate = 0;
	char err[1024];
	struct cfg *cfg;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "--version") == 0) {
			printf("galaxy-chat %s\n", PACKAGE_VERSION);
			return 0;
		} else if ((strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) && i + 1 < argc) {
			config = argv[++i];
		} else if (strcmp(a, "--listen") == 0 && i + 1 < argc) {
			listen_addr = argv[++i];
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			log_set_level(LOG_LVL_DEBUG);
		} else if (strcmp(a, "check") == 0 && !check && !migrate) {
			check = 1;
		} else if (strcmp(a, "migrate") == 0 && !check && !migrate) {
			migrate = 1;
		} else if (strcmp(a, "--from") == 0 && migrate && i + 1 < argc) {
			from = argv[++i];
		} else if (strcmp(a, "--to") == 0 && migrate && i + 1 < argc) {
			to = argv[++i];
		} else {
			fprintf(stderr, "galaxy-chat: unexpected argument \"%s\"\n", a);
			usage(stderr);
			return 2;
		}
	}
	if (check && listen_addr) {
		fprintf(stderr, "galaxy-chat: check does not take --listen\n");
		return 2;
	}
	if (migrate) {
		if (!from || !to || listen_addr || config) {
			fprintf(stderr, "galaxy-chat: migrate takes --from and --to, nothing else\n");
			return 2;
		}
		return migrate_run(from, to, stdout, stderr);
	}
	if (cfg_load(config, &cfg, err, sizeof err) < 0) {
		fprintf(stderr, "galaxy-chat: %s\n", err);
		return 1;
	}
	int status = check ? check_run(cfg, stdout) : server_run(cfg, listen_addr);
	cfg_free(cfg);
	return status;
}
