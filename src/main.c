/*
 * main.c - galaxy-chat's command line (DESIGN.md "Running it"):
 *
 *   galaxy-chat [-c FILE]                    responder on stdin (mod_fcgid, spawn-fcgi, CGI)
 *   galaxy-chat [-c FILE] --listen ADDR      standalone FastCGI server for nginx
 *   galaxy-chat check [-c FILE]              validate config, reach both databases, report
 *   galaxy-chat prune [-c FILE] [...]        delete old events (prune.c)
 *   galaxy-chat notify [-c FILE] [--dry-run] email what users missed (notify.c)
 *   galaxy-chat export [-c FILE] --room ...  one room's log for a report (export.c)
 *   galaxy-chat migrate --from SQLITE --to POSTGRESQL   copy the store into PostgreSQL
 *   galaxy-chat backup [-c FILE] --to PATH   a copy of the SQLite store while it runs (backup.c)
 *   galaxy-chat check --store PATH           check such a copy (check.c)
 *   galaxy-chat galaxy-helper [-c FILE]      the host's Galaxy lookups (galaxyhelperd.c;
 *                                            started by the responders themselves)
 *   galaxy-chat --help | --version
 *
 * The global options may stand anywhere; every other argument after a
 * command belongs to that command.
 *
 * Serving on stdin needs a web server behind it: run by hand (from a
 * terminal, say), galaxy-chat says which configuration it looked for and
 * how to start, and exits 2, instead of answering a CGI request nobody made.
 */
#include <errno.h>
#include <fcgiapp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backup.h"
#include "cfg.h"
#include "check.h"
#include "export.h"
#include "galaxyhelperd.h"
#include "log.h"
#include "migrate.h"
#include "notify.h"
#include "prune.h"
#include "server.h"

#define MAX_ARGS 64

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: galaxy-chat [-c FILE] [--listen ADDR [--socket-group GROUP]]\n"
	        "       galaxy-chat check [-c FILE]\n"
	        "       galaxy-chat check --store PATH\n"
	        "       galaxy-chat prune [-c FILE] [--older-than DAYS] [--dry-run] [--batch N]\n"
	        "       galaxy-chat notify [-c FILE] [--dry-run]\n"
	        "       galaxy-chat export [-c FILE] --room NAME --since DATE [--until DATE]\n"
	        "                          [--format text|json|csv]\n"
	        "       galaxy-chat migrate --from PATH --to postgresql://...\n"
	        "       galaxy-chat backup [-c FILE] --to PATH [--force]\n"
	        "       galaxy-chat galaxy-helper [-c FILE]\n"
	        "       galaxy-chat --help | --version\n"
	        "\n"
	        "Without --listen, serves FastCGI on standard input (mod_fcgid, spawn-fcgi),\n"
	        "or one CGI request (GATEWAY_INTERFACE set) when standard input is not a socket.\n"
	        "  -c FILE        configuration (default: $GALAXY_CHAT_CONFIG, then\n"
	        "                 %s)\n"
	        "  --listen ADDR  serve FastCGI on unix:/PATH, /PATH, HOST:PORT or :PORT\n"
	        "                 (a Unix socket gets mode 0660: its owner and group connect)\n"
	        "  --socket-group GROUP  that socket's group (the web server's)\n"
	        "  -v, --verbose  log debugging detail\n"
	        "prune deletes events older than retention_days (or DAYS) in short batches;\n"
	        "notify emails users their unread mentions and direct messages (every minute);\n"
	        "export writes one room's log, UTC dates, --until exclusive, to stdout.\n"
	        "migrate copies an SQLite store (a path or sqlite:////PATH) into an empty\n"
	        "PostgreSQL store, ids and times kept.\n"
	        "backup copies the SQLite store while the chat runs; check --store checks\n"
	        "such a copy, without any configuration.\n"
	        "galaxy-helper asks Galaxy's database for the processes a web server starts\n"
	        "(they start it themselves when galaxy_helper = yes: see galaxy-chat.ini(5)).\n"
	        "See galaxy-chat(8) and galaxy-chat.ini(5).\n", CFG_DEFAULT_PATH);
}

/* 1 when no web server started this process: standard input is not a
 * FastCGI socket (libfcgi's own test, which server.c's serving follows)
 * and the environment holds no CGI request. */
static int main_unserved(void)
{
	if (getenv("GATEWAY_INTERFACE") || getenv("REQUEST_METHOD"))
		return 0;
	return FCGX_Init() == 0 && FCGX_IsCGI();
}

/* Says why nothing is served, the configuration files in the order
 * cfg_load() looks for them, and how to start. */
static void main_explain_unserved(const char *config)
{
	const char *env = getenv("GALAXY_CHAT_CONFIG"), *file;

	fprintf(stderr,
	        "galaxy-chat: no web server started this: standard input is not a FastCGI socket\n"
	        "(as mod_fcgid and spawn-fcgi give) and there is no CGI request (GATEWAY_INTERFACE).\n"
	        "Configuration, looked for in this order:\n");
	if (config && *config) {
		file = config;
		fprintf(stderr, "  -c FILE               %s\n", file);
	} else if (env && *env) {
		file = env;
		fprintf(stderr, "  -c FILE               (not given)\n"
		                "  $GALAXY_CHAT_CONFIG   %s\n", file);
	} else {
		file = CFG_DEFAULT_PATH;
		fprintf(stderr, "  -c FILE               (not given)\n"
		                "  $GALAXY_CHAT_CONFIG   (not set)\n"
		                "  the default           %s\n", file);
	}
	fprintf(stderr, "  -> %s: %s\n", file, access(file, R_OK) == 0 ? "found" : strerror(errno));
	fprintf(stderr,
	        "To start:\n"
	        "  galaxy-chat check -c FILE           test a configuration (Galaxy's config, both databases)\n"
	        "  galaxy-chat -c FILE --listen ADDR   serve FastCGI for nginx (unix:/PATH or HOST:PORT)\n"
	        "  galaxy-chat --help                  every command and option\n"
	        "Apache (mod_fcgid, CGI) starts galaxy-chat itself: see doc/deploying.md.\n");
}

enum command { CMD_SERVE, CMD_CHECK, CMD_PRUNE, CMD_EXPORT, CMD_MIGRATE, CMD_BACKUP, CMD_NOTIFY,
               CMD_GALAXY_HELPER };

/* migrate: --from and --to, nothing else (it needs no configuration). */
static int main_migrate(int argc, char **argv, int configured)
{
	const char *from = NULL, *to = NULL;

	for (int i = 0; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--from") == 0)
			from = argv[i + 1];
		else if (strcmp(argv[i], "--to") == 0)
			to = argv[i + 1];
		else
			break;
	}
	if (!from || !to || argc != 4 || configured) {
		fprintf(stderr, "galaxy-chat: migrate takes --from and --to, nothing else\n");
		return 2;
	}
	return migrate_run(from, to, stdout, stderr);
}

int main(int argc, char **argv)
{
	static const char *const names[] = { NULL, "check", "prune", "export", "migrate", "backup",
	                                     "notify", "galaxy-helper" };
	const char *config = NULL, *listen_addr = NULL, *socket_group = NULL;
	enum command cmd = CMD_SERVE;
	char *cmd_argv[MAX_ARGS];
	int cmd_argc = 0, status;
	char err[1024];
	struct cfg *cfg;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		enum command c;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "--version") == 0) {
			printf("galaxy-chat %s\n", PACKAGE_VERSION);
			return 0;
		} else if ((strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) && i + 1 < argc) {
			config = argv[++i];
			continue;
		} else if (strcmp(a, "--listen") == 0 && i + 1 < argc && cmd == CMD_SERVE) {
			listen_addr = argv[++i];
			continue;
		} else if (strcmp(a, "--socket-group") == 0 && i + 1 < argc && cmd == CMD_SERVE) {
			socket_group = argv[++i];
			continue;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			log_set_level(LOG_LVL_DEBUG);
			continue;
		}
		for (c = CMD_CHECK; c <= CMD_GALAXY_HELPER; c++)
			if (strcmp(a, names[c]) == 0)
				break;
		if (cmd == CMD_SERVE && c <= CMD_GALAXY_HELPER && !listen_addr) {
			cmd = c;
		} else if (cmd >= CMD_CHECK && cmd_argc < MAX_ARGS) {
			cmd_argv[cmd_argc++] = argv[i];
		} else {
			fprintf(stderr, "galaxy-chat: unexpected argument \"%s\"\n", a);
			usage(stderr);
			return 2;
		}
	}
	if (socket_group && (!listen_addr || cmd != CMD_SERVE)) {
		fprintf(stderr, "galaxy-chat: --socket-group goes with --listen\n");
		return 2;
	}
	if (cmd == CMD_MIGRATE)
		return main_migrate(cmd_argc, cmd_argv, config != NULL);
	if (cmd == CMD_CHECK && cmd_argc)
		return check_copy_main(cmd_argc, cmd_argv, config != NULL, stdout);
	if (cmd == CMD_SERVE && !listen_addr && main_unserved()) {
		main_explain_unserved(config);
		return 2;
	}
	if (cfg_load(config, &cfg, err, sizeof err) < 0) {
		fprintf(stderr, "galaxy-chat: %s\n", err);
		return 1;
	}
	switch (cmd) {
	case CMD_CHECK:
		status = check_run(cfg, stdout);
		break;
	case CMD_PRUNE:
		status = prune_main(cfg, cmd_argc, cmd_argv, stdout);
		break;
	case CMD_EXPORT:
		status = export_main(cfg, cmd_argc, cmd_argv, stdout);
		break;
	case CMD_BACKUP:
		status = backup_main(cfg, cmd_argc, cmd_argv, stdout);
		break;
	case CMD_NOTIFY:
		status = notify_main(cfg, cmd_argc, cmd_argv, stdout);
		break;
	case CMD_GALAXY_HELPER:
		status = cmd_argc ? 2 : galaxyhelperd_main(cfg);
		break;
	default:
		status = server_run(cfg, listen_addr, socket_group);
	}
	cfg_free(cfg);
	return status;
}
