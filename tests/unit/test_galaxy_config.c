/*
 * test_galaxy_config.c - galaxy.ini (with %(here)s and friends), galaxy.yml
 * (with lists), both kinds of GALAXY_CONFIG_* variables, and malformed files.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "galaxy_config.h"
#include "tap.h"

static char dir[] = "/tmp/gc-test-XXXXXX";

/* Writes text to dir/name and returns the path (static buffer). */
static const char *put(const char *name, const char *text)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

/* Opens path expecting failure; checks the message mentions want. */
static void refused(const char *path, const char *want, const char *name)
{
	struct galaxy_config *gc = (struct galaxy_config *)1;
	char err[512] = "";

	if (!ok(galaxy_config_open(path, &gc, err, sizeof err) == -1 && gc == NULL, name))
		galaxy_config_free(gc);
	if (!ok(strstr(err, want) != NULL, "  message names it"))
		printf("#   message: %s (want %s)\n", err, want);
}

static void test_ini(void)
{
	struct galaxy_config *gc;
	char err[512], want[600];
	const char *path = put("galaxy.ini",
		"[server:main]\nid_secret = not this one\n\n"
		"[DEFAULT]\nbase = %(here)s/base\nadmin_users = default@x\n\n"
		"[app:main]\n"
		"# comment\n"
		"id_secret = s3cr3t%%percent ; inline comment\n"
		"database_connection = sqlite:///%(here)s/database/universe.sqlite?isolation_level=IMMEDIATE\n"
		"Session_Duration = 30\n"
		"file_path = %(base)s/files\n"
		"persistent_communication_rooms = NGS,\n"
		"   RNA-Seq\n"
		"admin_users = a@x, b@x\n");

	ok(galaxy_config_open(path, &gc, err, sizeof err) == 0, "ini opens");
	is_str(galaxy_config_get(gc, "id_secret"), "s3cr3t%percent", "%% becomes %, inline comment cut");
	snprintf(want, sizeof want, "sqlite:///%s/database/universe.sqlite?isolation_level=IMMEDIATE", dir);
	is_str(galaxy_config_get(gc, "database_connection"), want, "%(here)s is the file's directory");
	is_str(galaxy_config_get(gc, "session_duration"), "30", "keys are lowercased");
	snprintf(want, sizeof want, "%s/base/files", dir);
	is_str(galaxy_config_get(gc, "file_path"), want, "%(key)s refers to [DEFAULT], recursively");
	is_str(galaxy_config_get(gc, "persistent_communication_rooms"), "NGS,\nRNA-Seq",
	       "continuation lines kept");
	is_str(galaxy_config_get(gc, "admin_users"), "a@x, b@x", "[app:main] beats [DEFAULT]");
	is_str(galaxy_config_get(gc, "nope"), NULL, "unset key is NULL");
	is_str(galaxy_config_source(gc, "id_secret"), path, "source is the file");
	is_str(galaxy_config_source(gc, "nope"), NULL, "no source when unset");
	galaxy_config_free(gc);

	/* a relative path: %(here)s is still absolute, as Galaxy's abspath */
	char cwd[512];
	if (getcwd(cwd, sizeof cwd) && chdir(dir) == 0) {
		ok(galaxy_config_open("galaxy.ini", &gc, err, sizeof err) == 0, "relative ini path opens");
		snprintf(want, sizeof want, "sqlite:///%s/database/universe.sqlite?isolation_level=IMMEDIATE", dir);
		is_str(galaxy_config_get(gc, "database_connection"), want, "%(here)s made absolute");
		galaxy_config_free(gc);
		ok(chdir(cwd) == 0, "back to the build directory");
	}

	/* .ini.sample is an ini too; no [app:main] means no keys */
	path = put("galaxy.ini.sample", "[uwsgi]\nid_secret = x\n");
	ok(galaxy_config_open(path, &gc, err, sizeof err) == 0, ".ini.sample opens");
	is_str(galaxy_config_get(gc, "id_secret"), NULL, "keys outside [app:main] ignored");
	galaxy_config_free(gc);
}

static void test_yml(void)
{
	struct galaxy_config *gc;
	char err[512];
	const char *path = put("galaxy.yml",
		"uwsgi:\n  http: 127.0.0.1:8080\n  id_secret: not this one\n"
		"galaxy:\n"
		"  id_secret: 'quoted: s3cr3t'\n"
		"  database_connection: postgresql:///galaxy?host=/var/run/postgresql\n"
		"  session_duration: 30\n"
		"  enable_communication_server: true\n"
		"  persistent_communication_rooms:\n    - NGS\n    - RNA-Seq\n    - Genome Annotation\n"
		"  admin_users: [a@x, b@x]\n"
		"  empty_list: []\n"
		"  cookie_domain: ~\n"
		"  cookie_path: null\n"
		"  nested:\n    a: 1\n"
		"  anchor: &A shared\n"
		"  alias: *A\n");

	ok(galaxy_config_open(path, &gc, err, sizeof err) == 0, "yml opens");
	is_str(galaxy_config_get(gc, "id_secret"), "quoted: s3cr3t", "quoted scalar");
	is_str(galaxy_config_get(gc, "database_connection"),
	       "postgresql:///galaxy?host=/var/run/postgresql", "plain scalar");
	is_str(galaxy_config_get(gc, "session_duration"), "30", "number as written");
	is_str(galaxy_config_get(gc, "enable_communication_server"), "true", "boolean as written");
	is_str(galaxy_config_get(gc, "persistent_communication_rooms"), "NGS,RNA-Seq,Genome Annotation",
	       "block list joined with ,");
	is_str(galaxy_config_get(gc, "admin_users"), "a@x,b@x", "flow list joined with ,");
	is_str(galaxy_config_get(gc, "empty_list"), "", "empty list is empty");
	is_str(galaxy_config_get(gc, "cookie_domain"), NULL, "~ is unset");
	is_str(galaxy_config_get(gc, "cookie_path"), NULL, "null is unset");
	is_str(galaxy_config_get(gc, "nested"), NULL, "mapping skipped");
	is_str(galaxy_config_get(gc, "alias"), "shared", "alias resolved");
	galaxy_config_free(gc);

	path = put("empty.yml", "");
	ok(galaxy_config_open(path, &gc, err, sizeof err) == 0, "empty yml opens");
	is_str(galaxy_config_get(gc, "id_secret"), NULL, "and has no keys");
	galaxy_config_free(gc);
	path = put("nogalaxy.yaml", "uwsgi:\n  x: 1\ngalaxy:\n");
	ok(galaxy_config_open(path, &gc, err, sizeof err) == 0, ".yaml with empty galaxy: opens");
	galaxy_config_free(gc);
}

static void test_env(void)
{
	struct galaxy_config *gc;
	char err[512];
	const char *path = put("env.yml", "galaxy:\n  id_secret: from-file\n  admin_users: file@x\n");

	setenv("GALAXY_CONFIG_ID_SECRET", "from-env", 1);
	setenv("GALAXY_CONFIG_SESSION_DURATION", "5", 1);
	setenv("GALAXY_CONFIG_OVERRIDE_ADMIN_USERS", "override@x", 1);
	setenv("GALAXY_CONFIG_OVERRIDE_DATABASE_CONNECTION", "sqlite:////o.db", 1);
	setenv("GALAXY_CONFIG_DATABASE_CONNECTION", "sqlite:////plain.db", 1);
	setenv("GALAXY_CONFIG_OVERRIDE_", "nameless", 1);
	ok(galaxy_config_open(path, &gc, err, sizeof err) == 0, "opens with env");
	is_str(galaxy_config_get(gc, "id_secret"), "from-file", "GALAXY_CONFIG_ does not beat the file");
	is_str(galaxy_config_get(gc, "session_duration"), "5", "GALAXY_CONFIG_ fills an unset key");
	is_str(galaxy_config_source(gc, "session_duration"), "GALAXY_CONFIG_SESSION_DURATION",
	       "its source is the variable");
	is_str(galaxy_config_get(gc, "admin_users"), "override@x", "OVERRIDE beats the file");
	is_str(galaxy_config_source(gc, "admin_users"), "GALAXY_CONFIG_OVERRIDE_ADMIN_USERS",
	       "its source is the variable");
	is_str(galaxy_config_get(gc, "database_connection"), "sqlite:////o.db",
	       "OVERRIDE beats GALAXY_CONFIG_");
	is_str(galaxy_config_get(gc, "override_admin_users"), NULL, "OVERRIDE is not a key of its own");
	is_str(galaxy_config_get(gc, ""), NULL, "no empty key");
	galaxy_config_free(gc);

	ok(galaxy_config_open(NULL, &gc, err, sizeof err) == 0, "no file: environment only");
	is_str(galaxy_config_get(gc, "id_secret"), "from-env", "GALAXY_CONFIG_ applies");
	galaxy_config_free(gc);
	unsetenv("GALAXY_CONFIG_ID_SECRET");
	unsetenv("GALAXY_CONFIG_SESSION_DURATION");
	unsetenv("GALAXY_CONFIG_OVERRIDE_ADMIN_USERS");
	unsetenv("GALAXY_CONFIG_OVERRIDE_DATABASE_CONNECTION");
	unsetenv("GALAXY_CONFIG_DATABASE_CONNECTION");
	unsetenv("GALAXY_CONFIG_OVERRIDE_");
}

static void test_malformed(void)
{
	char path[512];

	snprintf(path, sizeof path, "%s/missing.yml", dir);
	refused(path, "missing.yml", "missing file");
	refused(put("galaxy.conf", "[app:main]\n"), "galaxy.conf", "unknown extension");
	refused(put("bad1.ini", "[app:main]\nthis is not a key\n"), "bad1.ini:2", "ini syntax error");
	refused(put("bad2.ini", "id_secret = x\n"), "bad2.ini:1", "ini key before a section");
	refused(put("bad3.ini", "[app:main]\n\na = %(nokey)s\n"), "bad3.ini:3: a:", "unknown %(key)s");
	refused(put("bad4.ini", "[app:main]\na = 100%\n"), "bad4.ini:2", "lone %");
	refused(put("bad5.ini", "[app:main]\na = %(b)s\nb = %(a)s\n"), "deeper", "recursive %(key)s");
	refused(put("bad1.yml", "galaxy:\n  a: [1, 2\n"), "bad1.yml:", "unclosed flow list");
	refused(put("bad2.yml", "galaxy:\n  a: 1\n b: 2\n"), "bad2.yml:3", "bad indentation");
	refused(put("bad3.yml", "- galaxy\n- x\n"), "bad3.yml:1: the top level", "top level is a list");
	refused(put("bad4.yml", "galaxy: just a string\n"), "bad4.yml:1: \"galaxy:\" is not", "galaxy: scalar");
	refused(put("bad5.yml", "galaxy:\n  a: \"\\xZZ\"\n"), "bad5.yml:", "bad escape");
	refused(put("bad6.yml", "galaxy:\n  a: *nothing\n"), "bad6.yml:", "unknown alias");
	refused(put("bad7.yml", "galaxy:\n  a: \xc3\x28\n"), "bad7.yml", "invalid UTF-8");
}

int main(void)
{
	if (!mkdtemp(dir)) {
		puts("Bail out! mkdtemp failed");
		return 1;
	}
	test_ini();
	test_yml();
	test_env();
	test_malformed();
	int rc = done_testing();
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return rc;
}
