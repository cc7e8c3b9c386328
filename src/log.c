/*
 * log.c - timestamped, single-line log messages on stderr (see log.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static enum log_level log_threshold = LOG_LVL_INFO;

void log_set_level(enum log_level lvl)
{
	log_threshold = lvl;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	char line[2048], stamp[32];
	struct tm tm;
	time_t now = time(NULL);
	va_list ap;

	if (lvl > log_threshold)
		return;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	int n = snprintf(line, sizeof line, "%s galaxy-chat[%d] %s: ", stamp, (int)getpid(), names[lvl]);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	va_end(ap);
	/* one line per message: newlines from callers' data would forge entries */
	for (char *p = line + n; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	size_t len = strlen(line);
	if (len < sizeof line - 1)
		line[len++] = '\n';
	else
		line[len - 1] = '\n';
	/* a single write keeps lines from threads and processes whole */
	ssize_t unused = write(STDERR_FILENO, line, len);
	(void)unused;
}
