/*
 * log.h - one line per event on stderr, in a format an admin can grep:
 *   2026-11-22T10:04:05Z galaxy-chat[1234] warning: message
 * (mod_fcgid and nginx setups both put stderr in the web server's error log;
 * systemd's journal and supervisord capture it too.)
 */
#ifndef GC_LOG_H
#define GC_LOG_H

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARNING, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* Messages above this level are dropped (default LOG_LVL_INFO). */
void log_set_level(enum log_level lvl);

void log_msg(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_LVL_WARNING, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
