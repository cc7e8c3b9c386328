/*
 * test_galaxyurl.c - every URL form of GALAXY-OBJECTS.md section 1 that
 * galaxyurl.c reads, at a site's root and under a prefix, and the links
 * that must stay plain links: other sites, user info, percent-encoded
 * hosts, "." and ".." segments, encoded slashes, keys given twice, odd
 * bytes, malformed values.
 */
#include <string.h>

#include "galaxyurl.h"
#include "tap.h"

#define ROOT "https://usegalaxy.example"
#define PREFIXED "https://galaxy.example.org/galaxy"
#define HID "f2db41e1fa331b3e"
#define HID2 "c6ca0ddb55be603a76ca7b1c3af82659"

struct want {
	const char *url;
	enum galaxyurl_kind kind;
	enum galaxyurl_by by;
	const char *id, *user, *slug, *tool, *version;
};

#define NONE_(u) { u, GALAXYURL_NONE, 0, "", "", "", "", "" }
#define BYID(u, k, id) { u, k, GALAXYURL_BY_ID, id, "", "", "", "" }

static const struct want root_cases[] = {
	/* histories */
	BYID(ROOT "/histories/view?id=" HID, GALAXYURL_HISTORY, HID),
	BYID(ROOT "/histories/view?id=" HID2, GALAXYURL_HISTORY, HID2),
	BYID(ROOT "/published/history?id=" HID, GALAXYURL_HISTORY, HID),
	BYID(ROOT "/histories/sharing?id=" HID, GALAXYURL_HISTORY, HID),
	BYID(ROOT "/histories/permissions?id=" HID, GALAXYURL_HISTORY, HID),
	BYID(ROOT "/histories/citations?id=" HID, GALAXYURL_HISTORY, HID),
	BYID(ROOT "/histories/" HID "/export", GALAXYURL_HISTORY, HID),
	BYID(ROOT "/histories/" HID "/invocations", GALAXYURL_HISTORY, HID),
	BYID(ROOT "/histories/" HID "/archive", GALAXYURL_HISTORY, HID),
	BYID(ROOT "/storage/history/" HID, GALAXYURL_HISTORY, HID),
	BYID(ROOT "/history/view/" HID, GALAXYURL_HISTORY, HID),
	BYID(ROOT "/api/histories/" HID, GALAXYURL_HISTORY, HID),
	BYID(ROOT "/histories/view?id=" HID "#top", GALAXYURL_HISTORY, HID),
	BYID(ROOT "/histories/view/?id=" HID, GALAXYURL_HISTORY, HID),
	BYID(ROOT "/histories/view?x=1&id=" HID "&y", GALAXYURL_HISTORY, HID),
	BYID(ROOT "/histories/view?id=F2DB41E1FA331B3E", GALAXYURL_HISTORY, "F2DB41E1FA331B3E"),
	BYID("HTTPS://UseGalaxy.Example:443/histories/view?id=" HID, GALAXYURL_HISTORY, HID),
	BYID(ROOT "/%68istories/view?id=" HID, GALAXYURL_HISTORY, HID),
	BYID(ROOT "/histories/view?%69d=" HID, GALAXYURL_HISTORY, HID),
	BYID(ROOT "/histories/view?id=%662db41e1fa331b3e", GALAXYURL_HISTORY, HID),
	{ ROOT "/u/alice/h/rna-seq-tutorial", GALAXYURL_HISTORY, GALAXYURL_BY_SLUG, "", "alice",
	  "rna-seq-tutorial", "", "" },
	{ ROOT "/u/al.ice_2/h/my%20old%20slug%C3%A9", GALAXYURL_HISTORY, GALAXYURL_BY_SLUG, "",
	  "al.ice_2", "my old slug\xc3\xa9", "", "" },
	{ ROOT "/u/alice/h/a+b", GALAXYURL_HISTORY, GALAXYURL_BY_SLUG, "", "alice", "a+b", "", "" },
	/* datasets */
	BYID(ROOT "/api/datasets/" HID "/display?to_ext=fastqsanger", GALAXYURL_DATASET, HID),
	BYID(ROOT "/api/datasets/" HID, GALAXYURL_DATASET, HID),
	BYID(ROOT "/api/datasets/" HID "/metadata_file?metadata_file=bam_index", GALAXYURL_DATASET, HID),
	BYID(ROOT "/datasets/" HID "/preview", GALAXYURL_DATASET, HID),
	BYID(ROOT "/datasets/" HID, GALAXYURL_DATASET, HID),
	BYID(ROOT "/datasets/" HID "/details", GALAXYURL_DATASET, HID),
	BYID(ROOT "/datasets/" HID "/edit", GALAXYURL_DATASET, HID),
	BYID(ROOT "/datasets/" HID "/show_params", GALAXYURL_DATASET, HID),
	BYID(ROOT "/datasets/" HID "/display?preview=True", GALAXYURL_DATASET, HID),
	BYID(ROOT "/datasets/" HID "/display/out.bam", GALAXYURL_DATASET, HID),
	BYID(ROOT "/api/histories/" HID2 "/contents/" HID, GALAXYURL_DATASET, HID),
	BYID(ROOT "/api/histories/" HID2 "/contents/datasets/" HID, GALAXYURL_DATASET, HID),
	{ ROOT "/u/alice/d/" HID, GALAXYURL_DATASET, GALAXYURL_BY_ID, HID, "alice", "", "", "" },
	{ ROOT "/u/alice/d/" HID "/reads.fq", GALAXYURL_DATASET, GALAXYURL_BY_ID, HID, "alice", "",
	  "", "" },
	BYID(ROOT "/visualizations?dataset_id=" HID, GALAXYURL_DATASET, HID),
	BYID(ROOT "/visualizations/display?visualization=igv&dataset_id=" HID, GALAXYURL_DATASET, HID),
	BYID(ROOT "/tool_runner/rerun?id=" HID, GALAXYURL_DATASET, HID),
	/* jobs */
	BYID(ROOT "/jobs/" HID "/view", GALAXYURL_JOB, HID),
	BYID(ROOT "/api/jobs/" HID "?full=true", GALAXYURL_JOB, HID),
	BYID(ROOT "/?job_id=" HID, GALAXYURL_JOB, HID),
	BYID(ROOT "/root?job_id=" HID, GALAXYURL_JOB, HID),
	BYID(ROOT "?job_id=" HID, GALAXYURL_JOB, HID),
	BYID(ROOT "/?tool_id=cat1&job_id=" HID, GALAXYURL_JOB, HID),
	/* workflows */
	BYID(ROOT "/published/workflow?id=" HID "&zoom=0.5&embed=true", GALAXYURL_WORKFLOW, HID),
	{ ROOT "/u/alice/w/qc-pipeline", GALAXYURL_WORKFLOW, GALAXYURL_BY_SLUG, "", "alice",
	  "qc-pipeline", "", "" },
	{ ROOT "/u/alice/w/qc-pipeline/json", GALAXYURL_WORKFLOW, GALAXYURL_BY_SLUG, "", "alice",
	  "qc-pipeline", "", "" },
	{ ROOT "/u/alice/w/qc-pipeline/json-download", GALAXYURL_WORKFLOW, GALAXYURL_BY_SLUG, "",
	  "alice", "qc-pipeline", "", "" },
	BYID(ROOT "/workflows/run?id=" HID, GALAXYURL_WORKFLOW, HID),
	BYID(ROOT "/workflows/run?id=" HID "&version=2", GALAXYURL_WORKFLOW, HID),
	BYID(ROOT "/workflows/run?id=" HID "&instance=false", GALAXYURL_WORKFLOW, HID),
	{ ROOT "/workflows/run?id=" HID "&instance=true", GALAXYURL_WORKFLOW, GALAXYURL_BY_VERSION,
	  HID, "", "", "", "" },
	{ ROOT "/api/workflows/" HID "?instance=True", GALAXYURL_WORKFLOW, GALAXYURL_BY_VERSION,
	  HID, "", "", "", "" },
	BYID(ROOT "/api/workflows/" HID "/download?format=json-download", GALAXYURL_WORKFLOW, HID),
	BYID(ROOT "/?workflow_id=" HID, GALAXYURL_WORKFLOW, HID),
	BYID(ROOT "/workflows/edit?id=" HID, GALAXYURL_WORKFLOW, HID),
	BYID(ROOT "/workflows/export?id=" HID, GALAXYURL_WORKFLOW, HID),
	BYID(ROOT "/workflows/sharing?id=" HID, GALAXYURL_WORKFLOW, HID),
	BYID(ROOT "/workflows/" HID "/invocations", GALAXYURL_WORKFLOW, HID),
	/* tools */
	{ ROOT "/root?tool_id=cat1", GALAXYURL_TOOL, 0, "", "", "", "cat1", "" },
	{ ROOT "/?tool_id=Cut1&version=latest", GALAXYURL_TOOL, 0, "", "", "", "Cut1", "" },
	{ ROOT "/?tool_id=Cut1&version=1.0.2", GALAXYURL_TOOL, 0, "", "", "", "Cut1", "1.0.2" },
	{ ROOT "/root?tool_id=Cut1&tool_version=1.0.1", GALAXYURL_TOOL, 0, "", "", "", "Cut1", "1.0.1" },
	{ ROOT "/root?tool_id=toolshed.g2.bx.psu.edu/repos/devteam/fastqc/fastqc/0.74+galaxy0",
	  GALAXYURL_TOOL, 0, "", "", "", "toolshed.g2.bx.psu.edu/repos/devteam/fastqc/fastqc/0.74+galaxy0",
	  "0.74+galaxy0" },
	{ ROOT "/?tool_id=toolshed.g2.bx.psu.edu%2Frepos%2Fdevteam%2Ffastqc%2Ffastqc%2F0.74%2Bgalaxy0"
	  "&version=latest", GALAXYURL_TOOL, 0, "", "", "", "toolshed.g2.bx.psu.edu/repos/devteam/fastqc/fastqc/0.74+galaxy0",
	  "0.74+galaxy0" },
	{ ROOT "/tool_runner?tool_id=upload1", GALAXYURL_TOOL, 0, "", "", "", "upload1", "" },
	{ ROOT "/tool_runner/data_source_redirect?tool_id=ucsc_table_direct1", GALAXYURL_TOOL, 0, "",
	  "", "", "ucsc_table_direct1", "" },

	/* other sites and URL tricks: plain links */
	NONE_("https://evil.example/histories/view?id=" HID),
	NONE_("https://usegalaxy.example.evil.example/histories/view?id=" HID),
	NONE_("https://evil.example/usegalaxy.example/histories/view?id=" HID),
	NONE_("http://usegalaxy.example/histories/view?id=" HID),
	NONE_("https://usegalaxy.example:8443/histories/view?id=" HID),
	NONE_("https://usegalaxy.example./histories/view?id=" HID),
	NONE_("https://usegalaxy.example@evil.example/histories/view?id=" HID),
	NONE_("https://evil.example@usegalaxy.example/histories/view?id=" HID),
	NONE_("https://user:pw@usegalaxy.example/histories/view?id=" HID),
	NONE_("https://usegalaxy%2eexample/histories/view?id=" HID),
	NONE_("https://usegalaxy.example%2fhistories/view?id=" HID),
	NONE_("https://usegalaxy.example\\@evil.example/histories/view?id=" HID),
	NONE_("//usegalaxy.example/histories/view?id=" HID),
	NONE_("/histories/view?id=" HID),
	NONE_("https:/usegalaxy.example/histories/view?id=" HID),
	NONE_("javascript:alert(1)//usegalaxy.example/histories/view?id=" HID),
	NONE_(ROOT "/histories/./view?id=" HID),
	NONE_(ROOT "/x/../histories/view?id=" HID),
	NONE_(ROOT "/x/%2e%2e/histories/view?id=" HID),
	NONE_(ROOT "/histories%2Fview?id=" HID),
	NONE_(ROOT "/histories%5Cview?id=" HID),
	NONE_(ROOT "//histories/view?id=" HID),
	NONE_(ROOT "/histories//view?id=" HID),
	NONE_(ROOT "/histories/view?id=" HID "&id=" HID),
	NONE_(ROOT "/histories/view?id=" HID "&id=c6ca0ddb55be603a"),
	NONE_(ROOT "/histories/view?id=" HID "&%69d=" HID),
	NONE_(ROOT "/histories/view?id=" HID "&x=%zz"),
	NONE_(ROOT "/histories/view?id=" HID "&x=%00"),
	NONE_(ROOT "/histories/view?id=%00" HID),
	NONE_(ROOT "/histories/view?id=" HID "%20"),
	NONE_(ROOT "/histories/view?id=" HID " "),
	NONE_(ROOT "/histories/view?id=\t" HID),
	NONE_(ROOT "/histories/view?id=" HID "\n"),
	NONE_(ROOT "/histories/view?id=zzzz"),
	NONE_(ROOT "/histories/view?id="),
	NONE_(ROOT "/histories/view?id"),
	NONE_(ROOT "/histories/view"),
	NONE_(ROOT "/histories/view?history_id=" HID),
	NONE_(ROOT "/histories/list"),
	NONE_(ROOT "/histories/list_published"),
	NONE_(ROOT "/Histories/view?id=" HID),
	NONE_(ROOT "/histories/view/extra?id=" HID),
	NONE_(ROOT "/datasets/list"),
	NONE_(ROOT "/datasets/" HID "x/details"),
	NONE_(ROOT "/jobs/" HID),
	NONE_(ROOT "/api/histories/" HID "/contents"),
	NONE_(ROOT "/u/alice/h"),
	NONE_(ROOT "/u/alice/h/"),
	NONE_(ROOT "/u/alice/h/a/b"),
	NONE_(ROOT "/u/alice/h/%0a"),
	NONE_(ROOT "/u/alice/h/%ff"),
	NONE_(ROOT "/u/%00/h/x"),
	NONE_(ROOT "/u/alice/x/slug"),
	NONE_(ROOT "/workflows/run?id=" HID "&instance=maybe"),
	NONE_(ROOT "/workflows/run?id=" HID "&instance=true&instance=false"),
	NONE_(ROOT "/?tool_id="),
	NONE_(ROOT "/?tool_id=cat1&tool_id=cat2"),
	NONE_(ROOT "/?tool_id=%3Cscript%3E"),
	NONE_(ROOT "/?tool_id=cat%201"),
	NONE_(ROOT "/?tool_id=/etc/passwd"),
	NONE_(ROOT "/?tool_id=a//b"),
	NONE_(ROOT "/?tool_id=cat1&version=1/2"),
	NONE_(ROOT "/?tool_id=cat1&version=%3C"),
	NONE_(ROOT "/?job_id=nothex&tool_id=cat1"),
	NONE_(ROOT "/welcome"),
	NONE_(ROOT),
	NONE_(ROOT "/"),
	NONE_(ROOT "/histories/view?id=" HID "\xc3\xa9"),
	NONE_(ROOT "/histories/view?id=" HID "<"),
	NONE_(""),
	NONE_("not a url"),
};

static const struct want prefixed_cases[] = {
	BYID(PREFIXED "/histories/view?id=" HID, GALAXYURL_HISTORY, HID),
	BYID(PREFIXED "/?job_id=" HID, GALAXYURL_JOB, HID),
	BYID(PREFIXED "?job_id=" HID, GALAXYURL_JOB, HID),
	BYID("https://galaxy.example.org/%67alaxy/jobs/" HID "/view", GALAXYURL_JOB, HID),
	{ PREFIXED "/u/bob/w/x", GALAXYURL_WORKFLOW, GALAXYURL_BY_SLUG, "", "bob", "x", "", "" },
	NONE_("https://galaxy.example.org/histories/view?id=" HID),
	NONE_("https://galaxy.example.org/galaxy2/histories/view?id=" HID),
	NONE_("https://galaxy.example.org/galaxyx/histories/view?id=" HID),
	NONE_("https://galaxy.example.org/Galaxy/histories/view?id=" HID),
	NONE_("https://galaxy.example.org/galaxy/../histories/view?id=" HID),
	NONE_("https://galaxy.example.org/other/../galaxy/histories/view?id=" HID),
	NONE_("https://galaxy.example.org/galaxy/%2e%2e/galaxy/histories/view?id=" HID),
	NONE_("https://galaxy.example.org/galaxy%2Fhistories/view?id=" HID),
};

static void check(const char *base, const struct want *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct galaxyurl_ref ref;
		enum galaxyurl_kind k = galaxyurl_parse(base, w[i].url, strlen(w[i].url), &ref);
		int same = k == w[i].kind && ref.kind == w[i].kind && ref.by == w[i].by &&
		           strcmp(ref.id, w[i].id) == 0 && strcmp(ref.user, w[i].user) == 0 &&
		           strcmp(ref.slug, w[i].slug) == 0 && strcmp(ref.tool, w[i].tool) == 0 &&
		           strcmp(ref.version, w[i].version) == 0;
		if (!ok(same, w[i].url[0] ? w[i].url : "(empty)"))
			printf("#   got kind %d by %d id \"%s\" user \"%s\" slug \"%s\" tool \"%s\" "
			       "version \"%s\"\n", k, ref.by, ref.id, ref.user, ref.slug, ref.tool,
			       ref.version);
	}
}

static void test_base(void)
{
	static const struct { const char *in, *out; } good[] = {
		{ "https://usegalaxy.example", "https://usegalaxy.example" },
		{ "https://usegalaxy.example/", "https://usegalaxy.example" },
		{ "HTTPS://UseGalaxy.Example:443/", "https://usegalaxy.example" },
		{ "http://localhost:8080", "http://localhost:8080" },
		{ "https://galaxy.example.org/galaxy/", "https://galaxy.example.org/galaxy" },
		{ "http://[::1]:8080/g/x", "http://[::1]:8080/g/x" },
	};
	static const char *const bad[] = {
		"", "usegalaxy.example", "ftp://usegalaxy.example", "https://",
		"https://a@usegalaxy.example", "https://usegalaxy.example/?x=1",
		"https://usegalaxy.example/#x", "https://usegalaxy.example/g%61laxy",
		"https://usegalaxy.example/../x", "https://usegalaxy.example//x",
		"https://usegalaxy.example/a b", "https://usegalaxy.example:99999",
	};
	char out[GALAXYURL_BASE_MAX];

	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		int rc = galaxyurl_base(good[i].in, out, sizeof out);
		ok(rc == 0 && strcmp(out, good[i].out) == 0, good[i].in);
	}
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		ok(galaxyurl_base(bad[i], out, sizeof out) == -1, bad[i][0] ? bad[i] : "(empty base)");
	ok(galaxyurl_base("https://usegalaxy.example/galaxy", out, 20) == -1, "a base that does not fit");
}

static void test_limits(void)
{
	char url[GALAXYURL_MAX + 64];
	struct galaxyurl_ref ref;
	size_t n;

	n = (size_t)snprintf(url, sizeof url, ROOT "/histories/view?id=" HID "&pad=");
	memset(url + n, 'x', GALAXYURL_MAX - n);
	ok(galaxyurl_parse(ROOT, url, GALAXYURL_MAX, &ref) == GALAXYURL_HISTORY,
	   "a link of GALAXYURL_MAX bytes is read");
	url[GALAXYURL_MAX] = 'x';
	ok(galaxyurl_parse(ROOT, url, GALAXYURL_MAX + 1, &ref) == GALAXYURL_NONE,
	   "one byte more is not");
	n = (size_t)snprintf(url, sizeof url, ROOT "/histories/view?id=");
	memset(url + n, 'a', GALAXYURL_ID_MAX + 1);
	ok(galaxyurl_parse(ROOT, url, n + GALAXYURL_ID_MAX + 1, &ref) == GALAXYURL_NONE,
	   "an id of more than GALAXYURL_ID_MAX hex digits");
	ok(galaxyurl_parse(ROOT, url, n + GALAXYURL_ID_MAX, &ref) == GALAXYURL_HISTORY,
	   "GALAXYURL_ID_MAX hex digits are read (galaxyid decides)");
	n = (size_t)snprintf(url, sizeof url, ROOT "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r");
	ok(galaxyurl_parse(ROOT, url, n, &ref) == GALAXYURL_NONE, "many segments");
	ok(galaxyurl_parse(ROOT, ROOT "/histories/view?id=" HID "\0x", sizeof ROOT + 36, &ref) ==
	   GALAXYURL_NONE, "a NUL byte inside the length");
	ok(galaxyurl_parse(ROOT, ROOT "/histories/view?id=" HID, 10, &ref) == GALAXYURL_NONE,
	   "len counts, not the NUL");
	ok(galaxyurl_parse(NULL, ROOT, strlen(ROOT), &ref) == GALAXYURL_NONE && ref.kind == 0,
	   "no base: no link");
	is_str(galaxyurl_kind_name(GALAXYURL_WORKFLOW), "workflow", "kind names");
	is_str(galaxyurl_kind_name(GALAXYURL_NONE), "", "no kind, no name");
}

static void test_tool_name(void)
{
	char name[64], version[64];

	ok(galaxyurl_tool_name("toolshed.g2.bx.psu.edu/repos/devteam/fastqc/fastqc/0.74+galaxy0",
	                       name, sizeof name, version, sizeof version) == 1 &&
	   strcmp(name, "fastqc") == 0 && strcmp(version, "0.74+galaxy0") == 0,
	   "a Tool Shed id: its tool and version");
	ok(galaxyurl_tool_name("cat1", name, sizeof name, version, sizeof version) == 0 &&
	   strcmp(name, "cat1") == 0 && version[0] == '\0', "a built-in tool: its id, no version");
	ok(galaxyurl_tool_name("a/b/c/d/e/f", name, sizeof name, NULL, 0) == 0 &&
	   strcmp(name, "a/b/c/d/e/f") == 0, "six parts without repos: no Tool Shed id");
	ok(galaxyurl_tool_name("h/repos/o/r/t/v/w", name, sizeof name, NULL, 0) == 0,
	   "seven parts: no Tool Shed id");
	ok(galaxyurl_tool_name("h/repos/o/r/t", name, sizeof name, NULL, 0) == 0, "five parts: none");
	ok(galaxyurl_tool_name("h/repos/o/r/t/v", name, 3, version, 2) == 1 &&
	   strcmp(name, "t") == 0 && strcmp(version, "v") == 0, "small buffers are cut, not overrun");
}

int main(void)
{
	check(ROOT, root_cases, sizeof root_cases / sizeof *root_cases);
	check(PREFIXED, prefixed_cases, sizeof prefixed_cases / sizeof *prefixed_cases);
	test_base();
	test_limits();
	test_tool_name();
	return done_testing();
}
