"""Cross-site protection (API.md) against the real binary: forged and odd
Origins, the request's own host, form posts, CORS only for allowed_origins
(none by default), and the security headers on every kind of response."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from chatenv import ChatEnv  # noqa: E402
from tap import ok, eq, run  # noqa: E402

SECURITY_HEADERS = {
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "referrer-policy": "no-referrer",
}


def has_security_headers(h):
    return all(h.get(k) == v for k, v in SECURITY_HEADERS.items())


def main():
    galaxy = "https://galaxy.example.org"
    with ChatEnv(users=["alice"], processes=1,
                 options={"allowed_origins": "HTTPS://Galaxy.Example.org/ http://other.example:8080",
                          "rate": "2/60s", "max_body_bytes": "1024", "max_message_bytes": "100"}) as env:
        def join(origin=None, **kw):
            return env.api("alice", "POST", "/v1/rooms/NGS/join", origin=origin, **kw)

        # --- Origin on state-changing requests --------------------------
        st, h, _ = join(galaxy)
        eq(st, 200, "an allowed origin (configured with case and a trailing slash)")
        eq((h.get("access-control-allow-origin"), h.get("access-control-allow-credentials")),
           (galaxy, "true"), "it gets CORS headers naming it")
        eq(join("https://galaxy.example.org:443")[0], 200, "the same origin with its default port")
        eq(join("http://other.example:8080")[0], 200, "a second allowed origin with a port")
        for forged, why in [("https://evil.example", "a foreign site"),
                            ("https://galaxy.example.org.evil.example", "an allowed name as a prefix"),
                            ("https://evilgalaxy.example.org", "an allowed name as a suffix"),
                            ("http://galaxy.example.org", "the allowed host over http"),
                            ("https://galaxy.example.org:8443", "the allowed host on another port"),
                            ("http://other.example", "the other origin without its port"),
                            ("null", "Origin: null (sandboxed frames, file:)"),
                            ("https://galaxy.example.org/path", "an origin with a path"),
                            ("https://alice@galaxy.example.org", "user info"),
                            ("", "an empty Origin")]:
            st, h, body = join(forged, extra={"HTTP_ORIGIN": forged})
            ok(st == 403 and body["error"]["code"] == "forbidden" and
               "access-control-allow-origin" not in h, "forged Origin, %s: 403, no CORS" % why, (st, h))

        # the request's own host, as the web server passed it
        eq(join("http://chat.example:8080", host="chat.example:8080")[0], 200, "own host with port")
        eq(join("http://chat.example", host="Chat.Example:80")[0], 200, "own host: case, default port")
        eq(join("https://chat.example", host="chat.example", extra={"HTTPS": "on"})[0], 200,
           "own host over HTTPS")
        eq(join("http://chat.example", host="chat.example", extra={"HTTPS": "on"})[0], 403,
           "own host, but http where the request came over https: 403")
        eq(join("https://chat.example", host="chat.example")[0], 403,
           "https Origin where the web server says http: 403 (set allowed_origins behind a TLS proxy)")
        eq(join("http://chat.example:8081", host="chat.example:8080")[0], 403, "own host, other port: 403")
        # Debian's nginx passes HTTP_HOST as $host, without the port
        eq(join("http://chat.example:8080", host="chat.example", extra={"SERVER_PORT": "8080"})[0], 200,
           "Host without its port (Debian's nginx): SERVER_PORT completes it")
        eq(join("http://chat.example:8081", host="chat.example", extra={"SERVER_PORT": "8080"})[0], 403,
           "Host without its port, Origin on another port than SERVER_PORT: 403")
        eq(join("http://chat.example:8081", host="chat.example:8080", extra={"SERVER_PORT": "8081"})[0], 403,
           "a Host with its port is not overridden by SERVER_PORT")
        eq(join("http://[::1]:8080", host="[::1]", extra={"SERVER_PORT": "8080"})[0], 200,
           "an IPv6 Host without its port")
        eq(join("http://evil.example", host="chat.example",
                extra={"HTTP_X_FORWARDED_HOST": "evil.example"})[0], 403,
           "X-Forwarded-Host is not trusted")
        eq(join("http://evil.example", host="chat.example/x")[0], 403, "a malformed Host matches nothing")
        eq(join(None, host=None)[0], 200, "no Origin (not a browser's cross-site request): allowed")

        # --- form posts and other content types -----------------------
        for ctype, body in [("text/plain", b"{}"), ("application/x-www-form-urlencoded", b"a=b"),
                            ("multipart/form-data; boundary=x", b"--x--"), ("application/jsonx", b"{}"),
                            ("application/json-patch+json", b"{}"), ("", b"{}"),
                            ("text/plain; application/json", b"{}")]:
            for origin in (None, galaxy):
                st, _, _ = env.api("alice", "POST", "/v1/rooms/NGS/join", body=body, content_type=ctype or None,
                                   origin=origin)
                eq(st, 403, "form-style POST, Content-Type %r, Origin %s: 403" % (ctype, origin))
        eq(join(content_type="APPLICATION/JSON ; charset=utf-8")[0], 200, "JSON in capitals with a charset")

        # --- reads: no CORS for foreign origins, so browsers cannot read them
        st, h, _ = env.api("alice", "GET", "/v1/me", origin="https://evil.example")
        ok(st == 200 and "access-control-allow-origin" not in h, "a foreign GET: no CORS headers")
        st, h, _ = env.api("alice", "GET", "/v1/me", origin=galaxy)
        eq(h.get("access-control-allow-origin"), galaxy, "an allowed GET: CORS headers")
        cursor = env.api("alice", "GET", "/v1/events")[2]["cursor"]
        st, h, body = env.api("alice", "GET", "/v1/events", query="since=%d&timeout=1" % cursor, origin=galaxy)
        ok(st == 200 and body["events"] == [] and h.get("access-control-allow-origin") == galaxy
           and has_security_headers(h), "a parked poll's answer carries CORS and security headers", h)

        # --- preflight ---------------------------------------------------
        st, h, body = env.api(None, "OPTIONS", "/v1/messages", origin=galaxy,
                              extra={"HTTP_ACCESS_CONTROL_REQUEST_METHOD": "POST"})
        eq(st, 204, "preflight from an allowed origin: 204")
        eq((h.get("access-control-allow-origin"), h.get("access-control-allow-methods"),
            h.get("access-control-allow-headers"), h.get("access-control-allow-credentials")),
           (galaxy, "POST", "Content-Type", "true"), "preflight approves POST with Content-Type")
        ok(not body, "no body")
        st, h, _ = env.api(None, "OPTIONS", "/v1/messages", origin="https://evil.example")
        ok(st == 204 and not any(k.startswith("access-control") for k in h),
           "preflight from a foreign origin: not approved", h)
        eq(env.api(None, "OPTIONS", "/v1/nope", origin=galaxy)[0], 404, "preflight of an unknown route: 404")

        # --- security headers on every kind of response ------------------
        post = {"room": "all", "text": "x"}
        cases = [
            ("200", env.api(None, "GET", "/v1/health")),
            ("201", env.api("alice", "POST", "/v1/messages", body=post)),
            ("204", env.api(None, "OPTIONS", "/v1/me")),
            ("400", env.api("alice", "GET", "/v1/events", query="since=x")),
            ("401", env.api(None, "GET", "/v1/me")),
            ("403", join(content_type="text/plain", body=b"{}")),
            ("404", env.api("alice", "GET", "/v1/nope")),
            ("405", env.api("alice", "PUT", "/v1/me")),
            ("413", env.api("alice", "POST", "/v1/messages", body={"room": "all", "text": "x" * 2000})),
        ]
        env.api("alice", "POST", "/v1/messages", body=post)
        cases.append(("429", env.api("alice", "POST", "/v1/messages", body=post)))
        for want, (st, h, _) in cases:
            ok(str(st) == want and has_security_headers(h), "security headers on a %s" % want, (st, h))

    # defaults: no CORS at all; a Galaxy database that is down gives 503 with the headers
    with ChatEnv(users=["alice"], processes=1,
                 options={"database_connection": "postgresql://nobody@127.0.0.1:1/galaxy"}) as env:
        st, h, _ = env.api(None, "OPTIONS", "/v1/messages", origin=galaxy)
        ok(st == 204 and not any(k.startswith("access-control") for k in h),
           "no allowed_origins: preflights are never approved", h)
        st, h, body = env.api("alice", "GET", "/v1/me", origin=galaxy)
        ok(st == 503 and body["error"]["code"] == "unavailable" and h.get("retry-after") and
           has_security_headers(h) and "access-control-allow-origin" not in h,
           "503 (Galaxy database down) with Retry-After and the security headers", (st, h))
        st, h, _ = env.api(None, "GET", "/v1/health")
        ok(st == 503 and has_security_headers(h), "health 503 with the security headers")


run(main)
