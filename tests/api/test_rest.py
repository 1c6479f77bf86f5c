#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The management server, through the real curl: every /api/v1 endpoint;
bad input of every kind answered with the right 4xx and the one error
shape, and a following GET showing nothing changed; login, sessions, the
CSRF header, API tokens, login rate limiting, the per-address connection
limit; the console's files and path traversal; security headers; TLS;
start-up errors; and what survives a restart (rules, block-list TTLs).

A live wirewall on net_null ports (no traffic needed). Run with Debian's
/usr/bin/python3; WIREWALL names the binary."""
import contextlib
import csv
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pcap"))
import wwtest  # noqa: E402  (WIREWALL, bridge_config, tempdir)

PREFIX = "ww-api-%d" % os.getpid()
_prefixes = []

SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; frame-ancestors 'none'; "
                               "base-uri 'none'; form-action 'self'",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}
MAX_BODY = 4096
MAX_PER_ADDRESS = 4
LOGIN_FAILURES = 3

# Every endpoint as (method, path pattern): the main class records which it
# saw answered with 2xx, and its last test checks none was left out.
ENDPOINTS = [
    ("GET", r"/api/v1/login"), ("POST", r"/api/v1/login"), ("POST", r"/api/v1/logout"),
    ("GET", r"/api/v1/session"),
    ("GET", r"/api/v1/config"), ("PUT", r"/api/v1/config"),
    ("GET", r"/api/v1/rules"), ("POST", r"/api/v1/rules"),
    ("GET", r"/api/v1/rules/\d+"), ("PUT", r"/api/v1/rules/\d+"),
    ("PATCH", r"/api/v1/rules/\d+"), ("DELETE", r"/api/v1/rules/\d+"),
    ("GET", r"/api/v1/security-groups"), ("POST", r"/api/v1/security-groups"),
    ("GET", r"/api/v1/security-groups/[^/]+"), ("DELETE", r"/api/v1/security-groups/[^/]+"),
    ("GET", r"/api/v1/security-groups/[^/]+/rules"), ("POST", r"/api/v1/security-groups/[^/]+/rules"),
    ("GET", r"/api/v1/security-groups/[^/]+/rules/\d+"),
    ("PUT", r"/api/v1/security-groups/[^/]+/rules/\d+"),
    ("PATCH", r"/api/v1/security-groups/[^/]+/rules/\d+"),
    ("DELETE", r"/api/v1/security-groups/[^/]+/rules/\d+"),
    ("GET", r"/api/v1/guards"), ("GET", r"/api/v1/guards/[^/]+"),
    ("PATCH", r"/api/v1/guards/[^/]+"), ("PUT", r"/api/v1/guards/[^/]+"),
    ("GET", r"/api/v1/blocklist"), ("POST", r"/api/v1/blocklist"),
    ("DELETE", r"/api/v1/blocklist/[^/]+"), ("DELETE", r"/api/v1/blocklist/[^/]+/[^/]+"),
    ("DELETE", r"/api/v1/blocklist/[^/]+/[^/]+/\d+"),
    ("GET", r"/api/v1/stats"), ("GET", r"/api/v1/flows"), ("GET", r"/api/v1/events"),
    ("GET", r"/api/v1/series"), ("GET", r"/api/v1/talkers"), ("GET", r"/api/v1/flow-records"),
    ("GET", r"/api/v1/users"), ("POST", r"/api/v1/users"),
    ("PUT", r"/api/v1/users/[^/]+/password"), ("DELETE", r"/api/v1/users/[^/]+"),
    ("GET", r"/api/v1/tokens"), ("POST", r"/api/v1/tokens"), ("DELETE", r"/api/v1/tokens/[^/]+"),
]

# One request per endpoint (a body where it takes one), for the checks
# that every endpoint refuses the same way (no session, no CSRF token).
EVERY_ENDPOINT = [
    ("POST", "/api/v1/logout", None), ("GET", "/api/v1/session", None),
    ("GET", "/api/v1/config", None), ("PUT", "/api/v1/config", {"revision": 0}),
    ("GET", "/api/v1/rules", None), ("POST", "/api/v1/rules", {"rule": "tcp dport 9 drop"}),
    ("GET", "/api/v1/rules/1", None), ("PUT", "/api/v1/rules/1", {"rule": "tcp dport 9 drop"}),
    ("PATCH", "/api/v1/rules/1", {"position": 0}), ("DELETE", "/api/v1/rules/1", None),
    ("GET", "/api/v1/security-groups", None),
    ("POST", "/api/v1/security-groups", {"name": "x", "bridge": "br0"}),
    ("GET", "/api/v1/security-groups/dns", None), ("DELETE", "/api/v1/security-groups/dns", None),
    ("GET", "/api/v1/security-groups/dns/rules", None),
    ("POST", "/api/v1/security-groups/dns/rules", {"rule": "tcp dport 9 drop"}),
    ("GET", "/api/v1/security-groups/dns/rules/1", None),
    ("PUT", "/api/v1/security-groups/dns/rules/1", {"rule": "tcp dport 9 drop"}),
    ("PATCH", "/api/v1/security-groups/dns/rules/1", {"position": 0}),
    ("DELETE", "/api/v1/security-groups/dns/rules/1", None),
    ("GET", "/api/v1/guards", None), ("GET", "/api/v1/guards/icmp", None),
    ("PATCH", "/api/v1/guards/icmp", {"max_size": 999}),
    ("PUT", "/api/v1/guards/icmp", {"max_size": 999}),
    ("GET", "/api/v1/blocklist", None), ("POST", "/api/v1/blocklist", {"address": "192.0.2.1"}),
    ("DELETE", "/api/v1/blocklist/manual", None),
    ("DELETE", "/api/v1/blocklist/manual/192.0.2.1", None),
    ("DELETE", "/api/v1/blocklist/manual/192.0.2.0/24", None),
    ("GET", "/api/v1/stats", None), ("GET", "/api/v1/flows", None), ("GET", "/api/v1/events", None),
    ("GET", "/api/v1/series", None), ("GET", "/api/v1/talkers", None),
    ("GET", "/api/v1/flow-records", None),
    ("GET", "/api/v1/users", None), ("POST", "/api/v1/users", {"name": "eve", "password": "12345678x"}),
    ("PUT", "/api/v1/users/admin/password", {"password": "12345678x"}),
    ("DELETE", "/api/v1/users/admin", None),
    ("GET", "/api/v1/tokens", None), ("POST", "/api/v1/tokens", {"name": "eve"}),
    ("DELETE", "/api/v1/tokens/ci", None),
]


def tearDownModule():
    for p in _prefixes:
        shutil.rmtree("/var/run/dpdk/" + p, ignore_errors=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api_config(**http):
    settings = {"max_body": MAX_BODY, "max_per_address": MAX_PER_ADDRESS,
                "login_failures": LOGIN_FAILURES, "login_window_s": 60}
    settings.update(http)
    return wwtest.bridge_config(
        protected="inside",
        security_groups=[{"name": "dns", "bridge": "br0", "rules": ["udp dport 53 accept"]}],
        http=settings)


class Appliance:
    """One live wirewall: stdout through a pseudo-terminal (so it is line
    buffered and read as it comes), commands on stdin (-i). Subclasses may
    change the memory and telemetry options (EAL)."""

    EAL = ["--no-huge", "-m", "512", "--no-shconf", "--no-telemetry"]

    def __init__(self, tmp, config, state_dir=None, web_dir=None, name="app"):
        self.tmp = tmp
        self.config_path = os.path.join(tmp, name + ".json")
        if config is not None:
            with open(self.config_path, "w") as f:
                json.dump(config, f)
        self.state_dir = state_dir or os.path.join(tmp, name + "-state")
        self.web_dir = web_dir
        self.port = None
        self.password = None
        self.out = ""
        self.err = ""
        self.proc = None

    def _read(self, fd, attr):
        while True:
            try:
                data = os.read(fd, 65536)
            except OSError:
                break
            if not data:
                break
            setattr(self, attr, getattr(self, attr) + data.decode(errors="replace").replace("\r", ""))
        os.close(fd)

    def start(self, expect_ok=True, port=None):
        self.port = port or free_port()
        self.prefix = "%s-%d" % (PREFIX, len(_prefixes))
        _prefixes.append(self.prefix)
        args = [wwtest.WIREWALL, "-l", "0-1", *self.EAL, "--no-pci",
                "--file-prefix", self.prefix,
                "--log-level", "*:warning", "--vdev", "net_null0", "--vdev", "net_null1",
                "--", "-i", "--config", self.config_path, "--state-dir", self.state_dir,
                "--http", "127.0.0.1:%d" % self.port]
        if self.web_dir:
            args += ["--web-dir", self.web_dir]
        master, slave = os.openpty()
        err_r, err_w = os.pipe()
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=slave, stderr=err_w)
        os.close(slave)
        os.close(err_w)
        self.readers = [threading.Thread(target=self._read, args=(master, "out"), daemon=True),
                        threading.Thread(target=self._read, args=(err_r, "err"), daemon=True)]
        for t in self.readers:
            t.start()
        deadline = time.time() + 60
        while time.time() < deadline:
            if "management server on" in self.out or self.proc.poll() is not None:
                break
            time.sleep(0.05)
        if expect_ok and "management server on" not in self.out:
            self.stop()
            raise AssertionError("wirewall did not start:\n%s\n%s" % (self.out, self.err))
        m = re.search(r'user "admin" created with password (\S+)', self.out)
        self.password = m.group(1) if m else None
        return self

    def command(self, text):
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def stop(self):
        """quit at the prompt; SIGTERM, then SIGKILL, if it does not go."""
        if self.proc.poll() is None:
            try:
                self.command("quit\n")
                self.proc.wait(timeout=20)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
        return self.wait_exit()

    def wait_exit(self, timeout=60):
        self.proc.wait(timeout=timeout)
        self.proc.stdin.close()
        for t in self.readers:
            t.join(timeout=5)
        return self.proc.returncode


class Resp:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-case name -> [values]
        self.body = body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    def header(self, name):
        v = self.headers.get(name.lower())
        return v[-1] if v else None

    def __repr__(self):
        return "<%d %s>" % (self.status, self.body[:300])


def read_and_remove(path):
    if not os.path.exists(path):
        return ""
    with open(path, errors="replace", newline="") as f:  # CR LF as sent
        text = f.read()
    os.unlink(path)
    return text


def parse_headers(text):
    # With "100 Continue" there are several blocks: the last one counts.
    blocks = [b for b in re.split(r"\r?\n\r?\n", text) if b.startswith("HTTP/")]
    headers = {}
    for line in (blocks[-1].splitlines()[1:] if blocks else []):
        if ":" in line:
            k, v = line.split(":", 1)
            headers.setdefault(k.strip().lower(), []).append(v.strip())
    return headers


class Api:
    """curl against one appliance, with its own cookie jar and session."""
    counter = 0

    def __init__(self, app, tmp, scheme="http", cacert=None, interface=None, seen=None):
        Api.counter += 1
        self.app = app
        self.tmp = tmp
        self.scheme = scheme
        self.cacert = cacert
        self.interface = interface
        self.jar = os.path.join(tmp, "jar-%d" % Api.counter)
        self.csrf = None
        self.token = None
        self.seen = seen  # set of covered (method, pattern), or None

    def url(self, path):
        host = "localhost" if self.scheme == "https" else "127.0.0.1"
        return "%s://%s:%d%s" % (self.scheme, host, self.app.port, path)

    def curl_args(self):
        args = ["curl", "-s", "-S", "--path-as-is", "--max-time", "20"]
        if self.scheme == "https":
            args += ["--cacert", self.cacert, "--resolve", "localhost:%d:127.0.0.1" % self.app.port]
        if self.interface:
            args += ["--interface", self.interface]
        return args

    def req(self, method, path, body=None, *, raw=None, ctype="application/json",
            csrf=True, cookie=True, token=None, headers=(), extra=()):
        n = Api.counter = Api.counter + 1
        out = os.path.join(self.tmp, "body-%d" % n)
        hdr = os.path.join(self.tmp, "headers-%d" % n)
        args = self.curl_args() + ["-o", out, "-D", hdr, "-w", "%{http_code}", "-X", method]
        if cookie:
            args += ["-b", self.jar, "-c", self.jar]
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        if data is not None:
            path_in = os.path.join(self.tmp, "in-%d" % n)
            with open(path_in, "wb") as f:
                f.write(data if isinstance(data, bytes) else data.encode())
            args += ["--data-binary", "@" + path_in]
            if ctype:
                args += ["-H", "Content-Type: " + ctype]
        if csrf and self.csrf and cookie:
            args += ["-H", "X-CSRF-Token: " + (self.csrf if csrf is True else csrf)]
        token = token or self.token
        if token:
            args += ["-H", "Authorization: Bearer " + token]
        for h in headers:
            args += ["-H", h]
        args += list(extra) + [self.url(path)]
        proc = subprocess.run(args, capture_output=True, text=True, timeout=60)
        status = int(proc.stdout.strip() or 0)
        text, bodytext = read_and_remove(hdr), read_and_remove(out)
        r = Resp(status, parse_headers(text), bodytext)
        r.curl_error = proc.stderr
        if self.seen is not None and 200 <= status < 300:
            p = path.split("?")[0]
            for m, pat in ENDPOINTS:
                if m == method and re.fullmatch(pat, p):
                    self.seen.add((m, pat))
        return r

    def get(self, path, **kw):
        return self.req("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.req("POST", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.req("PUT", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.req("PATCH", path, body, **kw)

    def delete(self, path, **kw):
        return self.req("DELETE", path, **kw)

    def login(self, user, password):
        r = self.post("/api/v1/login", {"user": user, "password": password}, csrf=False)
        if r.status == 200:
            self.csrf = r.json["csrf"]
        return r


def make_web_dir(root):
    """A console with a file of each type, a sub-directory, a dot file and
    two symbolic links that lead out of it."""
    web = os.path.join(root, "web")
    os.makedirs(os.path.join(web, "sub"))
    files = {"index.html": "<!doctype html><title>console</title>", "app.js": "let x = 1;",
             "style.css": "body{}", "logo.svg": "<svg/>", "data.json": "{}",
             "notes.txt": "notes", "sub/index.html": "<p>sub</p>", ".hidden": "secret",
             "login.html": "<p>log in</p>",
             "logo.png": "\x89PNG", "favicon.ico": "ico", "font.woff2": "wOF2"}
    for name, text in files.items():
        with open(os.path.join(web, name), "w") as f:
            f.write(text)
    os.symlink("/etc/passwd", os.path.join(web, "leak"))
    os.symlink(root, os.path.join(web, "sub", "up"))
    return web


class RestApi(unittest.TestCase):
    """One appliance for the whole class; each test leaves it as it found it."""

    @classmethod
    def setUpClass(cls):
        cls.tmpdir = tempfile.TemporaryDirectory(prefix="ww-api-")
        cls.tmp = cls.tmpdir.name
        cls.web = make_web_dir(cls.tmp)
        cls.app = Appliance(cls.tmp, api_config(), web_dir=cls.web).start()
        assert cls.app.password, cls.app.out
        cls.seen = set()
        cls.api = Api(cls.app, cls.tmp, seen=cls.seen)
        r = cls.api.login("admin", cls.app.password)
        assert r.status == 200, r

    @classmethod
    def tearDownClass(cls):
        cls.app.stop()
        cls.tmpdir.cleanup()

    # ---- helpers ----

    def client(self, **kw):
        return Api(self.app, self.tmp, seen=self.seen, **kw)

    def assertHeaders(self, r, api=True):
        for k, v in SECURITY_HEADERS.items():
            self.assertEqual(r.header(k), v, k)
        if api:
            self.assertEqual(r.header("cache-control"), "no-store")
            if r.status != 204:
                self.assertEqual(r.header("content-type"), "application/json")

    def assertError(self, r, status, code, path=None, message=None):
        self.assertEqual(r.status, status, r)
        self.assertIsNotNone(r.json, r)
        self.assertEqual(set(r.json), {"error"}, r)
        e = r.json["error"]
        self.assertEqual(set(e), {"code", "message", "path"}, r)
        self.assertEqual(e["code"], code, r)
        self.assertTrue(e["message"], r)
        if path is not None:
            self.assertEqual(e["path"], path, r)
        if message is not None:
            self.assertRegex(e["message"], message)
        self.assertHeaders(r)
        return e

    def ok(self, r, status=200):
        self.assertEqual(r.status, status, r)
        self.assertHeaders(r)
        return r.json

    def snapshot(self):
        bl = self.ok(self.api.get("/api/v1/blocklist?limit=1000"))
        for item in bl["items"]:
            item.pop("ttl_left", None)  # counts down by itself
        return {
            "config": self.ok(self.api.get("/api/v1/config")),
            "blocklist": bl,
            "users": self.ok(self.api.get("/api/v1/users")),
            "tokens": self.ok(self.api.get("/api/v1/tokens")),
        }

    @contextlib.contextmanager
    def unchanged(self):
        """The block changes nothing a GET can see (the whole document and
        its revision, block lists, users, tokens)."""
        before = self.snapshot()
        yield
        self.assertEqual(self.snapshot(), before)

    def rule_texts(self, group=None):
        base = "/api/v1/security-groups/%s/rules" % group if group else "/api/v1/rules"
        return [i["text"] for i in self.ok(self.api.get(base + "?limit=1000"))["items"]]

    # ---- login, sessions, headers ----

    def test_login_session_and_cookie(self):
        c = self.client()
        r = c.login("admin", self.app.password)
        self.ok(r)
        self.assertEqual(set(r.json), {"user", "csrf"})
        self.assertEqual(r.json["user"], "admin")
        self.assertRegex(r.json["csrf"], r"^[0-9a-f]{64}$")
        cookie = r.header("set-cookie")
        self.assertRegex(cookie, r"^ww_session=[0-9a-f]{64}; ")
        attrs = [a.strip() for a in cookie.split(";")[1:]]
        self.assertIn("HttpOnly", attrs)
        self.assertIn("SameSite=Strict", attrs)
        self.assertIn("Path=/", attrs)
        self.assertNotIn("Secure", attrs)  # plain HTTP; see Tls
        s = self.ok(c.get("/api/v1/session"))
        self.assertEqual(s, {"user": "admin", "csrf": r.json["csrf"]})

    def test_login_wrong_credentials(self):
        c = self.client()
        with self.unchanged():
            a = self.assertError(c.login("admin", "not-the-password"), 401, "unauthorized", "")
            b = self.assertError(c.login("nobody", "not-the-password"), 401, "unauthorized", "")
        self.assertEqual(a["message"], b["message"])  # no hint which was wrong
        self.assertError(c.get("/api/v1/session"), 401, "unauthorized")

    def test_login_bad_input(self):
        c = self.client()
        self.assertError(c.post("/api/v1/login", {"user": 1, "password": "x"}), 400, "invalid",
                         "$.user", "expected a string, got integer")
        self.assertError(c.post("/api/v1/login", {"user": "admin"}), 400, "invalid", "$.password")
        self.assertError(c.post("/api/v1/login", {"user": "admin", "password": "x", "otp": 1}),
                         400, "invalid", "$.otp")
        self.assertError(c.post("/api/v1/login", raw="{user:1}"), 400, "bad_json")
        self.assertError(c.post("/api/v1/login", raw="user=admin", ctype=None), 415,
                         "unsupported_media_type")
        r = c.delete("/api/v1/login")
        self.assertError(r, 401, "unauthorized")  # no session: nothing about the path
        r = self.api.delete("/api/v1/login")
        self.assertError(r, 405, "method_not_allowed")
        self.assertEqual(r.header("allow"), "GET, HEAD, POST")

    def test_login_state(self):
        """GET /login is public and never 401: the user of a live session
        cookie, else null (a console asks it before showing its login)."""
        c = self.client()
        r = c.get("/api/v1/login")
        self.assertEqual(self.ok(r), {"user": None})
        self.assertIsNone(r.header("www-authenticate"))
        self.assertIsNone(r.header("set-cookie"))
        self.ok(c.login("admin", self.app.password))
        with open(c.jar) as f:
            jar = f.read()
        self.assertEqual(self.ok(c.get("/api/v1/login")), {"user": "admin"})
        self.ok(c.post("/api/v1/logout"), 204)
        self.assertEqual(self.ok(c.get("/api/v1/login")), {"user": None})
        with open(c.jar, "w") as f:  # the ended session's cookie, shown again
            f.write(jar)
        self.assertEqual(self.ok(c.get("/api/v1/login")), {"user": None})
        forged = self.client()
        with open(forged.jar, "w") as f:
            f.write("127.0.0.1\tFALSE\t/\tFALSE\t0\tww_session\t%s\n" % ("ab" * 32))
        self.assertEqual(self.ok(forged.get("/api/v1/login")), {"user": None})
        # an API token is a script's, not a browser's session
        r = forged.get("/api/v1/login", cookie=False, token="wwt_" + "0" * 64)
        self.assertEqual(self.ok(r), {"user": None})

    def test_logout(self):
        c = self.client()
        self.ok(c.login("admin", self.app.password))
        with open(c.jar) as f:
            jar = f.read()
        self.assertError(c.post("/api/v1/logout", csrf=False), 403, "csrf")
        self.ok(c.get("/api/v1/session"))  # refused logout: still logged in
        r = c.post("/api/v1/logout")
        self.ok(r, 204)
        self.assertEqual(r.body, "")
        self.assertRegex(r.header("set-cookie"), r"^ww_session=; ")
        self.assertIn("Max-Age=0", r.header("set-cookie"))
        self.assertError(c.get("/api/v1/session"), 401, "unauthorized")
        with open(c.jar, "w") as f:  # the old cookie, shown again: ended
            f.write(jar)
        self.assertError(c.get("/api/v1/session"), 401, "unauthorized")

    def test_security_headers_everywhere(self):
        c = self.client()
        for r, api in ((c.get("/"), False), (c.get("/app.js"), False),
                       (self.api.get("/api/v1/stats"), True), (c.get("/api/v1/stats"), True),
                       (c.get("/nope"), True), (c.get("/../x"), True)):
            self.assertHeaders(r, api)
            self.assertIsNone(r.header("strict-transport-security"))  # plain HTTP
        r = c.get("/api/v1/stats")
        self.assertEqual(r.header("www-authenticate"), 'Bearer realm="wirewall"')

    def test_no_session_every_endpoint(self):
        anon = self.client()
        forged = self.client()
        with open(forged.jar, "w") as f:
            f.write("127.0.0.1\tFALSE\t/\tFALSE\t0\tww_session\t%s\n" % ("ab" * 32))
        with self.unchanged():
            for method, path, body in EVERY_ENDPOINT:
                for c in (anon, forged):
                    r = c.req(method, path, body)
                    self.assertError(r, 401, "unauthorized", "")
                    self.assertEqual(r.header("www-authenticate"), 'Bearer realm="wirewall"')
                r = anon.req(method, path, body, token="wwt_" + "0" * 64)
                self.assertError(r, 401, "unauthorized")
                r = anon.req(method, path, body, headers=["Authorization: Basic YWRtaW46eA=="])
                self.assertError(r, 401, "unauthorized")

    def test_csrf_every_change(self):
        with self.unchanged():
            for method, path, body in EVERY_ENDPOINT:
                if method == "GET":
                    continue
                self.assertError(self.api.req(method, path, body, csrf=False), 403, "csrf", "")
                self.assertError(self.api.req(method, path, body, csrf="0" * 64), 403, "csrf", "")
                self.assertError(self.api.req(method, path, body, csrf=self.api.csrf[:-1]),
                                 403, "csrf")
        self.ok(self.api.get("/api/v1/session"))  # the logout above was refused

    # ---- malformed requests ----

    def test_unknown_path_404(self):
        with self.unchanged():
            for path in ("/api/v1/nope", "/api/v1/rules/1/extra", "/api/v2/rules", "/api",
                         "/api/v1/", "/api/v1/rules/", "/api/v1//rules"):
                self.assertError(self.api.get(path), 404, "not_found", "")
            self.assertError(self.api.post("/api/v1/nope", {"a": 1}), 404, "not_found")

    def test_wrong_method_405(self):
        cases = [("DELETE", "/api/v1/stats", "GET, HEAD"),
                 ("PUT", "/api/v1/rules", "GET, HEAD, POST"),
                 ("POST", "/api/v1/rules/1", "GET, HEAD, PUT, PATCH, DELETE"),
                 ("PATCH", "/api/v1/config", "GET, HEAD, PUT"),
                 ("GET", "/api/v1/users/admin", "DELETE"),
                 ("OPTIONS", "/api/v1/session", "GET, HEAD"),
                 ("GET", "/api/v1/blocklist/manual", "DELETE")]
        with self.unchanged():
            for method, path, allow in cases:
                r = self.api.req(method, path)
                self.assertError(r, 405, "method_not_allowed", "")
                self.assertEqual(r.header("allow"), allow, (method, path))
            for method in ("POST", "PUT", "DELETE"):
                r = self.api.req(method, "/index.html")
                self.assertError(r, 405, "method_not_allowed")
                self.assertEqual(r.header("allow"), "GET, HEAD")

    def test_wrong_content_type_415(self):
        body = json.dumps({"rule": "tcp dport 7 drop"})
        with self.unchanged():
            for ctype in (None, "text/plain", "application/x-www-form-urlencoded",
                          "application/jsonx", "multipart/form-data; boundary=x"):
                self.assertError(self.api.post("/api/v1/rules", raw=body, ctype=ctype), 415,
                                 "unsupported_media_type", "")
            self.assertError(self.api.put("/api/v1/config", raw="{}", ctype="text/json"), 415,
                             "unsupported_media_type")
            self.assertError(self.api.post("/api/v1/blocklist", raw="address=192.0.2.7",
                                           ctype=None), 415, "unsupported_media_type")
        # parameters after the type are fine
        r = self.api.post("/api/v1/rules", raw=body, ctype="application/json; charset=utf-8")
        self.ok(r, 201)
        self.ok(self.api.delete("/api/v1/rules/%d" % r.json["handle"]), 204)

    def test_body_too_large_413(self):
        pad = "x" * (MAX_BODY + 10)
        body = json.dumps({"rule": "tcp dport 7 drop", "pad": pad})
        with self.unchanged():
            # announced with Content-Length, refused before it is read
            self.assertError(self.api.post("/api/v1/rules", raw=body), 413, "too_large", "")
            # chunked: no length announced, counted as it comes
            self.assertError(self.api.post("/api/v1/rules", raw=body,
                                           headers=["Transfer-Encoding: chunked"]),
                             413, "too_large", "")
            self.assertError(self.api.put("/api/v1/config", raw=body), 413, "too_large")
        # exactly at the limit is read (and then judged on its content)
        at_limit = '{"rule": "tcp dport 7 drop"}'.ljust(MAX_BODY)
        self.assertEqual(len(at_limit), MAX_BODY)
        with self.unchanged():
            self.assertError(self.api.post("/api/v1/rules", {"rule": "tcp dport 7 drop", "pad": "x"}),
                             400, "invalid", "$.pad")
        r = self.api.post("/api/v1/rules", raw=at_limit)
        self.ok(r, 201)
        self.ok(self.api.delete("/api/v1/rules/%d" % r.json["handle"]), 204)

    def test_malformed_json(self):
        with self.unchanged():
            e = self.assertError(self.api.post("/api/v1/rules", raw='{"rule": "tcp dport 7 drop",}'),
                                 400, "bad_json", "")
            self.assertRegex(e["message"], r"^line 1 column \d+: ")
            e = self.assertError(self.api.post("/api/v1/rules", raw='{\n"rule": tcp}'),
                                 400, "bad_json")
            self.assertRegex(e["message"], r"^line 2 column \d+: ")
            self.assertError(self.api.post("/api/v1/rules", raw=""), 400, "bad_json")
            self.assertError(self.api.post("/api/v1/rules", raw='{"rule": "a", "rule": "b"}'),
                             400, "bad_json", "", "duplicate")
            self.assertError(self.api.post("/api/v1/rules", raw=b'{"rule": "\xff"}'),
                             400, "bad_json")
            self.assertError(self.api.post("/api/v1/rules", raw='{"rule": "x"} trailing'),
                             400, "bad_json")
            for raw, got in (('["tcp dport 7 drop"]', "array"), ('"x"', "string"),
                             ("7", "integer"), ("null", "null")):
                self.assertError(self.api.post("/api/v1/rules", raw=raw), 400, "invalid", "$",
                                 "expected an object, got " + got)
            self.assertError(self.api.put("/api/v1/config", raw="[]"), 400, "invalid", "$")

    def test_wrong_types_and_unknown_keys(self):
        cases = [
            ("POST", "/api/v1/rules", {"rule": 5}, "$.rule", "expected a string or an object, got integer"),
            ("POST", "/api/v1/rules", {"rule": "tcp dport 7 drop", "position": "0"}, "$.position",
             "expected an integer, got string"),
            ("POST", "/api/v1/rules", {"rule": "tcp dport 7 drop", "position": 1.5}, "$.position",
             "got number"),
            ("POST", "/api/v1/rules", {"rule": "tcp dport 7 drop", "priority": 1}, "$.priority",
             "unknown key"),
            ("POST", "/api/v1/rules", {}, "$.rule", "missing"),
            ("POST", "/api/v1/rules", {"rule": "tcp dport 7 drop", "position": -2}, "$.position", None),
            ("PUT", "/api/v1/rules/1", {"rule": ["x"]}, "$.rule", "got array"),
            ("PATCH", "/api/v1/rules/1", {"position": True}, "$.position", "got boolean"),
            ("PATCH", "/api/v1/rules/1", {"handle": 3}, "$.handle", "unknown key"),
            ("PATCH", "/api/v1/rules/1", {}, "$", None),
            ("POST", "/api/v1/security-groups", {"name": "x", "bridge": "br0", "rules": "none"},
             "$.rules", "expected an array, got string"),
            ("POST", "/api/v1/security-groups", {"name": "x", "bridge": "br0", "colour": 1},
             "$.colour", "unknown key"),
            ("POST", "/api/v1/security-groups", {"name": "x"}, "$.bridge", "missing"),
            ("POST", "/api/v1/security-groups/dns/rules", {"rule": None}, "$.rule", "got null"),
            ("PATCH", "/api/v1/guards/icmp", {}, "$", None),
            ("POST", "/api/v1/blocklist", {"address": 167772161}, "$.address", "got integer"),
            ("POST", "/api/v1/blocklist", {"address": "192.0.2.7", "ttl": -1}, "$.ttl", None),
            ("POST", "/api/v1/blocklist", {"address": "192.0.2.7", "ttl": "600"}, "$.ttl",
             "got string"),
            ("POST", "/api/v1/blocklist", {"address": "192.0.2.7", "ttl": 2 ** 32}, "$.ttl", None),
            ("POST", "/api/v1/blocklist", {"address": "192.0.2.7", "expires": 5}, "$.expires",
             "unknown key"),
            ("POST", "/api/v1/users", {"name": ["bob"], "password": "long enough"}, "$.name",
             "got array"),
            ("POST", "/api/v1/users", {"name": "bob", "password": "long enough", "admin": True},
             "$.admin", "unknown key"),
            ("PUT", "/api/v1/users/admin/password", {"password": 12345678}, "$.password",
             "got integer"),
            ("PUT", "/api/v1/users/admin/password", {"old": "x", "password": "long enough"},
             "$.old", "unknown key"),
            ("POST", "/api/v1/tokens", {"name": None}, "$.name", "got null"),
            ("POST", "/api/v1/tokens", {"name": "ci", "ttl": 5}, "$.ttl", "unknown key"),
        ]
        with self.unchanged():
            for method, path, body, jpath, msg in cases:
                with self.subTest(method=method, path=path, body=body):
                    self.assertError(self.api.req(method, path, body), 400, "invalid", jpath, msg)

    def test_bad_query_and_handles(self):
        cases = [("/api/v1/rules?offset=-1", "offset"), ("/api/v1/rules?offset=abc", "offset"),
                 ("/api/v1/rules?limit=0", "limit"), ("/api/v1/rules?limit=1001", "limit"),
                 ("/api/v1/rules?limit=", "limit"), ("/api/v1/rules?limit=1e3", "limit"),
                 ("/api/v1/security-groups?offset=99999999999", "offset"),
                 ("/api/v1/blocklist?limit=-5", "limit"), ("/api/v1/users?limit=x", "limit"),
                 ("/api/v1/tokens?offset=%2B1", "offset"),
                 ("/api/v1/events?limit=2000", "limit"), ("/api/v1/events?since=yesterday", "since"),
                 ("/api/v1/events?until=-1", "until"),
                 ("/api/v1/events?format=xml", "format"), ("/api/v1/events?format=CSV", "format"),
                 ("/api/v1/events?format=csv&limit=5", "limit"),
                 ("/api/v1/events?format=json&offset=0", "offset"),
                 ("/api/v1/events?format=csv&limit=", "limit"),
                 ("/api/v1/events?format=csv&since=x", "since"),
                 ("/api/v1/flows?top=0", "top"), ("/api/v1/flows?top=1001", "top"),
                 ("/api/v1/flows?top=ten", "top"),
                 # an address is an address (not a prefix, not a name)
                 ("/api/v1/flows?addr=foo", "addr"), ("/api/v1/flows?addr=10.0.0.0/8", "addr"),
                 ("/api/v1/events?addr=10.10", "addr"), ("/api/v1/events?format=csv&addr=x", "addr"),
                 ("/api/v1/flow-records?addr=nonsense", "addr"),
                 ("/api/v1/events?level=bogus", "level"),
                 ("/api/v1/rules/0", "handle"), ("/api/v1/rules/abc", "handle"),
                 ("/api/v1/rules/-1", "handle"), ("/api/v1/rules/4294967296", "handle"),
                 ("/api/v1/security-groups/dns/rules/1x", "handle")]
        for path, name in cases:
            with self.subTest(path=path):
                self.assertError(self.api.get(path), 400, "invalid", name)
        with self.unchanged():
            self.assertError(self.api.put("/api/v1/rules/0", {"rule": "tcp dport 7 drop"}),
                             400, "invalid", "handle")
            self.assertError(self.api.delete("/api/v1/rules/x"), 400, "invalid", "handle")
            self.assertError(self.api.delete("/api/v1/blocklist/manual/192.0.2.0/129"),
                             400, "invalid", "len")
            self.assertError(self.api.delete("/api/v1/blocklist/manual/192.0.2.0/x"),
                             400, "invalid", "len")
        # defaults and limits that are fine
        page = self.ok(self.api.get("/api/v1/rules?offset=0&limit=1000"))
        self.assertEqual((page["offset"], page["limit"]), (0, 1000))
        page = self.ok(self.api.get("/api/v1/security-groups"))
        self.assertEqual((page["offset"], page["limit"]), (0, 100))

    # ---- the document ----

    def test_config_get_put_and_stale_revision(self):
        r = self.api.get("/api/v1/config")
        doc = self.ok(r)
        rev = doc["revision"]
        self.assertEqual(r.header("etag"), '"%d"' % rev)
        self.assertEqual(doc["security_groups"][0]["name"], "dns")
        new = json.loads(json.dumps(doc))
        new["rules"] = doc.get("rules", []) + ["tcp dport 4444 drop"]
        r = self.api.put("/api/v1/config", new)
        self.assertEqual(self.ok(r), {"revision": rev + 1})
        r = self.api.get("/api/v1/config")
        self.assertEqual(r.header("etag"), '"%d"' % (rev + 1))
        self.assertIn("tcp dport 4444 drop", r.json["rules"])
        self.assertIn("tcp dport 4444 drop", self.rule_texts())
        with self.unchanged():
            # based on the old revision: someone changed it in between
            self.assertError(self.api.put("/api/v1/config", new), 409, "stale_revision")
            bad = dict(r.json, bogus=1)  # the document's convention: the object, the key named
            self.assertError(self.api.put("/api/v1/config", bad), 400, "invalid", "$",
                             'unknown key "bogus"')
            bad = dict(r.json, rules=["tcp dport 4444 dorp"])
            self.assertError(self.api.put("/api/v1/config", bad), 400, "invalid")
            bad = dict(r.json, workers=2)  # needs a restart
            self.assertError(self.api.put("/api/v1/config", bad), 409, "needs_restart")
        back = dict(r.json, rules=doc.get("rules", []))
        self.assertEqual(self.ok(self.api.put("/api/v1/config", back)), {"revision": rev + 2})
        self.assertNotIn("tcp dport 4444 drop", self.rule_texts())

    # ---- rules ----

    def check_rules_crud(self, base, group):
        # a security group holds allow rules only
        drop, reject = ("accept", "accept") if group else ("drop", "reject")
        before = self.rule_texts(group)
        r = self.api.post(base, {"rule": "tcp dport 2201 " + drop})
        item = self.ok(r, 201)
        h = item["handle"]
        self.assertGreater(h, 0)
        self.assertEqual(r.header("location"), "%s/%d" % (base, h))
        self.assertEqual(item["text"], "tcp dport 2201 " + drop)
        self.assertEqual(item["position"], len(before))
        self.assertEqual(item["rule"]["action"], drop)
        for k in ("packets", "bytes"):
            self.assertEqual(item[k], 0)
        self.assertEqual(self.ok(self.api.get("%s/%d" % (base, h))), item)
        # the JSON form, at the front
        r = self.api.post(base, {"rule": {"proto": "udp", "dport": [2202], "action": "accept"},
                                 "position": 0})
        first = self.ok(r, 201)
        self.assertEqual(first["position"], 0)
        self.assertEqual(first["text"], "udp dport 2202 accept")
        page = self.ok(self.api.get(base + "?offset=0&limit=1"))
        self.assertEqual(page["total"], len(before) + 2)
        self.assertEqual(page["limit"], 1)
        self.assertEqual([i["handle"] for i in page["items"]], [first["handle"]])
        page = self.ok(self.api.get(base + "?offset=%d" % (len(before) + 1)))
        self.assertEqual([i["handle"] for i in page["items"]], [h])
        # replace in place: same handle, new text
        r = self.ok(self.api.put("%s/%d" % (base, h), {"rule": "tcp dport 2203 " + reject}))
        self.assertEqual((r["handle"], r["text"]), (h, "tcp dport 2203 " + reject))
        # move, and change and move together
        r = self.ok(self.api.patch("%s/%d" % (base, h), {"position": 0}))
        self.assertEqual((r["handle"], r["position"]), (h, 0))
        r = self.ok(self.api.patch("%s/%d" % (base, first["handle"]),
                                   {"rule": "udp dport 2204 accept", "position": 0}))
        self.assertEqual((r["text"], r["position"]), ("udp dport 2204 accept", 0))
        r = self.ok(self.api.patch("%s/%d" % (base, h), {"rule": "tcp dport 2205 " + drop}))
        self.assertEqual((r["text"], r["position"]), ("tcp dport 2205 " + drop, 1))
        # refusals change nothing
        with self.unchanged():
            e = self.assertError(self.api.post(base, {"rule": "tcp dport 2206 dorp"}), 400, "invalid")
            self.assertTrue(e["path"].startswith("$"), e)
            self.assertError(self.api.put("%s/%d" % (base, h), {"rule": "tcp dport"}), 400, "invalid")
            self.assertError(self.api.patch("%s/%d" % (base, h),
                                            {"rule": "udp dport 1 accept", "position": 99}),
                             400, "invalid", "$.position")
            self.assertError(self.api.patch("%s/%d" % (base, h), {"rule": "bogus words"}),
                             400, "invalid")
            self.assertError(self.api.get("%s/999999" % base), 404, "not_found", "")
            self.assertError(self.api.put("%s/999999" % base, {"rule": "tcp dport 1 drop"}),
                             404, "not_found")
            self.assertError(self.api.delete("%s/999999" % base), 404, "not_found")
        for handle in (h, first["handle"]):
            r = self.api.delete("%s/%d" % (base, handle))
            self.ok(r, 204)
            self.assertEqual(r.body, "")
            self.assertError(self.api.get("%s/%d" % (base, handle)), 404, "not_found")
        self.assertEqual(self.rule_texts(group), before)

    def test_rules_crud(self):
        self.check_rules_crud("/api/v1/rules", None)

    def test_security_group_rules_crud(self):
        self.check_rules_crud("/api/v1/security-groups/dns/rules", "dns")
        with self.unchanged():
            self.assertError(self.api.get("/api/v1/security-groups/nope/rules"), 404, "not_found")
            self.assertError(self.api.post("/api/v1/security-groups/nope/rules",
                                           {"rule": "tcp dport 1 drop"}), 404, "not_found")
            self.assertError(self.api.get("/api/v1/security-groups/nope/rules/1"), 404, "not_found")

    def test_security_groups(self):
        page = self.ok(self.api.get("/api/v1/security-groups"))
        self.assertEqual([g["name"] for g in page["items"]], ["dns"])
        self.assertEqual(page["items"][0]["rules"], 1)
        self.assertEqual(page["total"], 1)
        r = self.api.post("/api/v1/security-groups",
                          {"name": "web", "bridge": "br0", "rules": ["tcp dport 80 accept"]})
        sg = self.ok(r, 201)
        self.assertEqual(r.header("location"), "/api/v1/security-groups/web")
        self.assertEqual((sg["name"], sg["bridge"], sg["protected_port"]), ("web", "br0", "inside"))
        self.assertEqual([i["text"] for i in sg["rules"]], ["tcp dport 80 accept"])
        self.assertEqual(self.ok(self.api.get("/api/v1/security-groups/web")), sg)
        empty = self.ok(self.api.post("/api/v1/security-groups", {"name": "empty", "bridge": "br0"}),
                        201)
        self.assertEqual(empty["rules"], [])
        page = self.ok(self.api.get("/api/v1/security-groups?offset=1&limit=1"))
        self.assertEqual((page["total"], len(page["items"])), (3, 1))
        with self.unchanged():
            self.assertError(self.api.post("/api/v1/security-groups", {"name": "web", "bridge": "br0"}),
                             409, "exists")
            self.assertError(self.api.post("/api/v1/security-groups", {"name": "x", "bridge": "br9"}),
                             400, "invalid", "$.bridge")
            self.assertError(self.api.post("/api/v1/security-groups",
                                           {"name": "x", "bridge": "br0", "rules": ["tcp dport"]}),
                             400, "invalid")
            self.assertError(self.api.get("/api/v1/security-groups/nope"), 404, "not_found")
            self.assertError(self.api.delete("/api/v1/security-groups/nope"), 404, "not_found")
        for name in ("web", "empty"):
            self.ok(self.api.delete("/api/v1/security-groups/" + name), 204)
            self.assertError(self.api.get("/api/v1/security-groups/" + name), 404, "not_found")
        self.assertEqual([g["name"] for g in self.ok(self.api.get("/api/v1/security-groups"))["items"]],
                         ["dns"])

    # ---- guards ----

    def test_guards(self):
        guards = self.ok(self.api.get("/api/v1/guards"))
        for g in ("arp", "icmp", "blocklist", "scan", "rate", "synflood", "http"):
            self.assertIn(g, guards)
        icmp = self.ok(self.api.get("/api/v1/guards/icmp"))
        self.assertEqual(icmp, guards["icmp"])
        old = icmp["max_size"]
        r = self.ok(self.api.patch("/api/v1/guards/icmp", {"max_size": 1000}))
        self.assertEqual(r["max_size"], 1000)
        self.assertEqual(self.ok(self.api.get("/api/v1/guards/icmp"))["max_size"], 1000)
        r = self.ok(self.api.put("/api/v1/guards/scan", {"ports": 40, "window_ms": 5000}))
        self.assertEqual((r["ports"], r["window_ms"]), (40, 5000))
        with self.unchanged():
            self.assertError(self.api.get("/api/v1/guards/nope"), 404, "not_found", "")
            self.assertError(self.api.patch("/api/v1/guards/nope", {"x": 1}), 404, "not_found")
            e = self.assertError(self.api.patch("/api/v1/guards/icmp", {"max_size": "big"}),
                                 400, "invalid")
            self.assertIn("max_size", e["path"])
            self.assertError(self.api.patch("/api/v1/guards/icmp", {"colour": 1}), 400, "invalid")
            # table sizes are read at start, as in a whole-document replace
            self.assertError(self.api.patch("/api/v1/guards/arp", {"max_bindings": 16}),
                             409, "needs_restart", "$.guards.arp.max_bindings")
            self.assertError(self.api.patch("/api/v1/guards/blocklist",
                                            {"max_entries": 4096, "block_ttl": 60}),
                             409, "needs_restart", "$.guards.blocklist.max_entries")
            # all or nothing: a good value next to a bad one is not applied
            self.assertError(self.api.patch("/api/v1/guards/icmp", {"max_size": 900, "rate": -1}),
                             400, "invalid")
        self.ok(self.api.patch("/api/v1/guards/icmp", {"max_size": old}))
        self.ok(self.api.patch("/api/v1/guards/scan", {"ports": guards["scan"]["ports"],
                                                       "window_ms": guards["scan"]["window_ms"]}))
        self.assertEqual(self.ok(self.api.get("/api/v1/guards")), guards)

    # ---- block lists ----

    def bl_addresses(self, query=""):
        page = self.ok(self.api.get("/api/v1/blocklist" + query))
        return sorted((i["set"], i["address"]) for i in page["items"])

    def test_blocklist(self):
        before = self.bl_addresses()
        r = self.api.post("/api/v1/blocklist", {"address": "203.0.113.7", "ttl": 600})
        self.assertEqual(self.ok(r, 201), {"address": "203.0.113.7", "set": "manual", "ttl": 600})
        self.assertEqual(r.header("location"), "/api/v1/blocklist/manual/203.0.113.7")
        self.assertEqual(self.ok(self.api.post("/api/v1/blocklist", {"address": "198.51.100.0/24",
                                                                     "set": "manual"}), 201),
                         {"address": "198.51.100.0/24", "set": "manual", "ttl": 0})
        self.ok(self.api.post("/api/v1/blocklist", {"address": "2001:db8::/32", "set": "extra"}), 201)
        self.ok(self.api.post("/api/v1/blocklist", {"address": "2001:db8:1::7", "set": "extra",
                                                    "ttl": 0}), 201)
        page = self.ok(self.api.get("/api/v1/blocklist?q=203.0.113"))
        self.assertEqual(len(page["items"]), 1)
        item = page["items"][0]
        self.assertEqual((item["address"], item["set"], item["origin"]), ("203.0.113.7", "manual", "manual"))
        self.assertTrue(0 < item["ttl_left"] <= 600, item)
        self.assertEqual(item["expires"] - item["added"], 600)
        self.assertEqual(self.bl_addresses("?set=extra"),
                         [("extra", "2001:db8:1::7"), ("extra", "2001:db8::/32")])
        page = self.ok(self.api.get("/api/v1/blocklist?set=extra&limit=1&offset=1"))
        self.assertEqual((page["total"], len(page["items"]), page["offset"]), (2, 1, 1))
        with self.unchanged():
            self.assertError(self.api.post("/api/v1/blocklist", {"address": "nonsense"}), 400,
                             "invalid", "$.address")
            self.assertError(self.api.post("/api/v1/blocklist", {"address": "192.0.2.0/33"}), 400,
                             "invalid")
            for bad in ("x" * 48, "line\nbreak", 7):
                self.assertError(self.api.post("/api/v1/blocklist", {"address": "192.0.2.9",
                                                                     "reason": bad}),
                                 400, "invalid", "$.reason")
            self.assertError(self.api.delete("/api/v1/blocklist/manual/192.0.2.99"), 404,
                             "not_found")
        # an operator's note stays with the entry
        self.ok(self.api.post("/api/v1/blocklist", {"address": "192.0.2.10", "ttl": 60,
                                                    "reason": "ticket 4711: " + "y" * 34}), 201)
        item = self.ok(self.api.get("/api/v1/blocklist?q=192.0.2.10"))["items"][0]
        self.assertEqual((item["origin"], item["reason"]), ("manual", "ticket 4711: " + "y" * 34))
        self.ok(self.api.delete("/api/v1/blocklist/manual/192.0.2.10"), 204)
        # one address, a CIDR (its "/" is a path separator), a whole set
        self.ok(self.api.delete("/api/v1/blocklist/manual/203.0.113.7"), 204)
        self.ok(self.api.delete("/api/v1/blocklist/manual/198.51.100.0/24"), 204)
        self.ok(self.api.delete("/api/v1/blocklist/extra/2001:db8::/32"), 204)
        self.assertEqual(self.bl_addresses("?set=extra"), [("extra", "2001:db8:1::7")])
        self.ok(self.api.post("/api/v1/blocklist", {"address": "192.0.2.8", "set": "extra"}), 201)
        self.assertEqual(self.ok(self.api.delete("/api/v1/blocklist/extra")), {"removed": 2})
        self.assertEqual(self.ok(self.api.delete("/api/v1/blocklist/extra")), {"removed": 0})
        self.assertEqual(self.bl_addresses(), before)

    # ---- what the data plane answers ----

    def test_stats_flows_events(self):
        stats = self.ok(self.api.get("/api/v1/stats"))
        self.assertEqual(set(stats["ports"]), {"outside", "inside"})
        macs = set()
        for name, port in stats["ports"].items():
            link = port["link"]
            self.assertEqual(set(link), {"up", "speed_mbps", "duplex", "mac"}, name)
            # net_null: always up, 10 Gbit/s, full duplex
            self.assertIs(link["up"], True, name)
            self.assertIs(type(link["speed_mbps"]), int, name)
            self.assertEqual(link["speed_mbps"], 10000, name)
            self.assertEqual(link["duplex"], "full", name)
            self.assertRegex(link["mac"], r"^[0-9A-F]{2}(:[0-9A-F]{2}){5}$", name)
            macs.add(link["mac"])
        self.assertEqual(len(macs), 2)  # each port its own
        flows = self.ok(self.api.get("/api/v1/flows?top=5"))
        self.assertIsInstance(flows, dict)
        self.ok(self.api.get("/api/v1/flows"))
        self.ok(self.api.get("/api/v1/flows?addr=192.0.2.1&top=1000"))
        ev = self.ok(self.api.get("/api/v1/events"))
        self.assertEqual((ev["offset"], ev["limit"]), (0, 100))
        self.assertIsInstance(ev["items"], list)
        ev = self.ok(self.api.get("/api/v1/events?category=scan&level=warning&addr=192.0.2.1"
                                  "&since=0&until=4000000000&offset=2&limit=7"))
        self.assertEqual((ev["offset"], ev["limit"]), (2, 7))

    def test_series_talkers_flow_records(self):
        # net_null ports carry traffic of their own: after two seconds the
        # series hold rates, the talkers and the flow records something.
        time.sleep(2.5)
        series = self.ok(self.api.get("/api/v1/series?prefix=port.outside.&seconds=10"))
        self.assertEqual(series["step"], 1)
        self.assertEqual(set(series["series"]), {"port.outside.rx_pps", "port.outside.rx_bps",
                                                 "port.outside.tx_pps", "port.outside.tx_bps"})
        # at most the ten seconds asked for, fewer if the appliance (or a
        # restart in an earlier test) is younger than that; all alike
        lengths = {len(v) for v in series["series"].values()}
        self.assertEqual(len(lengths), 1, lengths)
        self.assertTrue(2 <= lengths.pop() <= 10)
        self.assertGreater(max(series["series"]["port.outside.rx_pps"]), 0)
        talkers = self.ok(self.api.get("/api/v1/talkers?by=packets&top=3"))
        self.assertIsInstance(talkers["items"], list)
        recs = self.ok(self.api.get("/api/v1/flow-records?top=5"))
        self.assertLessEqual(len(recs["items"]), 5)
        with self.unchanged():
            self.assertError(self.api.get("/api/v1/talkers?by=flows"), 400, "invalid")
            self.assertError(self.api.get("/api/v1/series?seconds=0"), 400, "invalid")
            self.assertError(self.api.get("/api/v1/flow-records?addr=nonsense"), 400, "invalid")

    # ---- users and tokens ----

    def test_users(self):
        names = lambda: [u["name"] for u in self.ok(self.api.get("/api/v1/users"))["items"]]
        self.assertEqual(names(), ["admin"])
        r = self.api.post("/api/v1/users", {"name": "alice", "password": "correct horse"})
        self.assertEqual(self.ok(r, 201), {"name": "alice"})
        users = self.ok(self.api.get("/api/v1/users"))
        self.assertEqual(users["total"], 2)
        for u in users["items"]:
            self.assertEqual(set(u), {"name", "created"})  # never a hash
        alice = self.client()
        self.ok(alice.login("alice", "correct horse"))
        self.ok(self.api.put("/api/v1/users/alice/password", {"password": "battery staple"}), 204)
        # whoever knew the old password is logged out, and cannot log in
        self.assertError(alice.get("/api/v1/session"), 401, "unauthorized")
        self.assertError(self.client().login("alice", "correct horse"), 401, "unauthorized")
        alice = self.client()
        self.ok(alice.login("alice", "battery staple"))
        with self.unchanged():
            self.assertError(self.api.post("/api/v1/users", {"name": "alice", "password": "whatever1"}),
                             409, "exists")
            self.assertError(self.api.post("/api/v1/users", {"name": "bob", "password": "short"}),
                             400, "invalid")
            self.assertError(self.api.post("/api/v1/users", {"name": "b o b", "password": "long enough"}),
                             400, "invalid")
            self.assertError(self.api.put("/api/v1/users/nobody/password", {"password": "long enough"}),
                             404, "not_found")
            self.assertError(self.api.put("/api/v1/users/alice/password", {"password": "short"}),
                             400, "invalid")
            self.assertError(self.api.delete("/api/v1/users/nobody"), 404, "not_found")
        self.ok(self.api.delete("/api/v1/users/alice"), 204)
        self.assertEqual(names(), ["admin"])
        self.assertError(alice.get("/api/v1/session"), 401, "unauthorized")
        self.assertError(self.client().login("alice", "battery staple"), 401, "unauthorized")
        with self.unchanged():
            self.assertError(self.api.delete("/api/v1/users/admin"), 409, "last_user")

    def test_tokens(self):
        r = self.api.post("/api/v1/tokens", {"name": "ci"})
        tok = self.ok(r, 201)
        self.assertEqual(tok["name"], "ci")
        self.assertRegex(tok["token"], r"^wwt_[0-9a-f]{64}$")
        listed = self.ok(self.api.get("/api/v1/tokens"))
        self.assertEqual([t["name"] for t in listed["items"]], ["ci"])
        self.assertNotIn(tok["token"], json.dumps(listed))  # shown once only
        script = self.client()
        script.token = tok["token"]
        self.assertEqual(self.ok(script.get("/api/v1/session", cookie=False)),
                         {"user": "ci", "via": "token"})
        # a change with the token needs no CSRF header
        r = script.post("/api/v1/rules", {"rule": "tcp dport 2300 drop"}, cookie=False)
        h = self.ok(r, 201)["handle"]
        self.ok(script.delete("/api/v1/rules/%d" % h, cookie=False), 204)
        # "Bearer" in any case; a token with one digit changed is refused
        self.ok(self.client().get("/api/v1/stats", cookie=False,
                                  headers=["Authorization: bearer " + tok["token"]]))
        wrong = tok["token"][:-1] + ("0" if tok["token"][-1] != "0" else "1")
        with self.unchanged():
            self.assertError(script.post("/api/v1/rules", {"rule": "tcp dport 2301 drop"},
                                         cookie=False, token=wrong), 401, "unauthorized")
            self.assertError(self.api.post("/api/v1/tokens", {"name": "ci"}), 409, "exists")
            self.assertError(self.api.post("/api/v1/tokens", {"name": "bad name!"}), 400, "invalid")
            self.assertError(self.api.delete("/api/v1/tokens/nope"), 404, "not_found")
        self.ok(self.api.delete("/api/v1/tokens/ci"), 204)
        self.assertError(script.get("/api/v1/session", cookie=False), 401, "unauthorized")
        self.assertEqual(self.ok(self.api.get("/api/v1/tokens"))["items"], [])

    # ---- limits ----

    def test_login_rate_limited(self):
        # Its own source address, so the other tests' logins are not limited.
        c = self.client(interface="127.0.0.2")
        for i in range(LOGIN_FAILURES):
            self.assertError(c.login("admin", "wrong-%d" % i), 401, "unauthorized")
        r = c.login("admin", "wrong-again")
        self.assertError(r, 429, "rate_limited", "")
        retry = int(r.header("retry-after"))
        self.assertTrue(0 < retry <= 60, retry)
        # while limited, even the right password is not tried
        self.assertError(c.login("admin", self.app.password), 429, "rate_limited")
        self.ok(self.client().login("admin", self.app.password))  # another source

    def test_per_address_connection_limit(self):
        def connect():
            return socket.create_connection(("127.0.0.1", self.app.port), timeout=5,
                                            source_address=("127.0.0.3", 0))

        def answer(s):
            s.sendall(b"GET /notes.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    return data
                data += chunk

        held = [connect() for _ in range(MAX_PER_ADDRESS)]
        time.sleep(0.5)  # accepted and counted
        refused = 0
        for _ in range(3):
            s = connect()
            try:
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                if s.recv(4096) == b"":
                    refused += 1
            except (ConnectionResetError, BrokenPipeError):
                refused += 1
            s.close()
        self.assertEqual(refused, 3)
        self.assertTrue(answer(held[0]).startswith(b"HTTP/1.1 200"))  # the first ones still served
        for s in held:
            s.close()
        for _ in range(50):  # once they are gone, the address may connect again
            s = connect()
            try:
                if answer(s).startswith(b"HTTP/1.1 200"):
                    break
            except ConnectionResetError:
                pass
            finally:
                s.close()
            time.sleep(0.1)
        else:
            self.fail("no connection accepted after the others closed")

    # ---- the console's files ----

    def test_static_files(self):
        # pages need a session, all but the login page: without one, 303 to it
        c = self.client()
        for path in ("/", "/index.html", "/sub/", "/sub"):
            r = c.get(path)
            self.assertEqual((r.status, r.header("location")), (303, "/login.html"), path)
            self.assertNotIn("console", r.body)
        self.assertEqual(c.get("/login.html").body, "<p>log in</p>")
        r = self.api.get("/")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, "<!doctype html><title>console</title>")
        self.assertEqual(r.header("content-type"), "text/html; charset=utf-8")
        self.assertHeaders(r, api=False)
        self.assertEqual(self.api.get("/sub/").body, "<p>sub</p>")
        self.assertEqual(self.api.get("/sub").body, "<p>sub</p>")
        # scripts, styles and the rest hold no data: public
        types = {"/app.js": "text/javascript", "/style.css": "text/css", "/logo.svg": "image/svg+xml",
                 "/logo.png": "image/png", "/data.json": "application/json",
                 "/favicon.ico": "image/x-icon", "/font.woff2": "font/woff2",
                 "/notes.txt": "text/plain", "/login.html": "text/html"}
        for path, t in types.items():
            r = c.get(path)
            self.assertEqual(r.status, 200, path)
            self.assertTrue(r.header("content-type").startswith(t), (path, r.header("content-type")))
        r = c.req("HEAD", "/notes.txt", extra=["-I"])  # -I: headers only, no body
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("content-length"), "5")
        self.assertNotIn("notes", r.body)
        self.assertError(c.get("/missing.js"), 404, "not_found", "")
        self.assertError(c.get("/.hidden"), 404, "not_found")
        self.assertError(c.get("/metrics/x"), 404, "not_found")

    def test_path_traversal_refused(self):
        c = self.client()
        refused = ["/../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                   "/%2E%2E/%2E%2E/%2E%2E/etc/passwd", "/sub/../../../../etc/passwd",
                   "/..%2f..%2f..%2f..%2fetc%2fpasswd", "/.%2e/.%2e/.%2e/etc/passwd",
                   "/./index.html", "/%2e/index.html", "/sub/.",
                   "/..%5c..%5c..%5cetc%5cpasswd", "/index.html%00.png", "/%00",
                   "/leak", "/sub/up", "/sub/up/", "/api/../etc/passwd",
                   "/api/v1/../../etc/passwd", "/metrics/../etc/passwd"]
        for path in refused:
            with self.subTest(path=path):
                r = c.get(path)
                self.assertError(r, 400, "bad_request", "")
                self.assertNotIn("root:", r.body)
        for path in ("//etc/passwd", "/etc/passwd", "/sub/up/etc/passwd"):
            r = c.get(path)
            self.assertIn(r.status, (400, 404), path)
            self.assertNotIn("root:", r.body)
        # a link that leads back inside is inside
        self.assertEqual(c.get("/sub/up/web/notes.txt").body, "notes")

    def test_metrics(self):
        r = self.client().get("/metrics")
        if r.status == 404:  # the application serves none (yet)
            self.assertError(r, 404, "not_found")
            return
        # "metrics": "token" is the default: a session or token is needed
        self.assertError(r, 401, "unauthorized")
        r = self.api.get("/metrics")
        self.assertEqual(r.status, 200)
        self.assertHeaders(r, api=False)

    # ---- last: was every endpoint exercised? ----

    def test_zz_every_endpoint_covered(self):
        missing = [e for e in ENDPOINTS if e not in self.seen]
        # logout is covered in test_logout; order in the class is alphabetical
        self.assertEqual(missing, [])


# The CSV export's columns; every other key of an event goes to "extra".
CSV_COLUMNS = ["timestamp", "level", "category", "event", "src_ip", "src_port", "dest_ip",
               "dest_port", "proto", "count", "in_port", "detail"]


def write_event_capture(path, broadcast, listed):
    """@broadcast pings to the broadcast address (icmp-broadcast), then
    @listed UDP datagrams from addresses on a block list (blocklist-hit),
    each from a source of its own: one event each, none aggregated."""
    from scapy.all import Ether, IP, ICMP, UDP, wrpcap
    pkts = [Ether(dst="ff:ff:ff:ff:ff:ff") / IP(src="10.100.%d.%d" % divmod(i + 1, 256),
                                                dst="255.255.255.255") / ICMP(id=1)
            for i in range(broadcast)]
    pkts += [Ether() / IP(src="203.0.113.%d" % (i + 1), dst="10.10.0.2") / UDP(sport=1000, dport=53)
             for i in range(listed)]
    wrpcap(path, pkts)


class EventsExport(unittest.TestCase):
    """GET /api/v1/events?format=csv|json: every matching event as one file
    to download, the same rows as the paged answer, in CSV that Python's
    csv module reads back to the same values, or a JSON array."""

    BROADCAST = 300  # icmp-broadcast: category icmp, level warning
    LISTED = 40      # blocklist-hit: category blocklist, level notice

    @classmethod
    def setUpClass(cls):
        cls.tmpdir = tempfile.TemporaryDirectory(prefix="ww-export-")
        cls.tmp = cls.tmpdir.name
        cap = os.path.join(cls.tmp, "events.pcap")
        write_event_capture(cap, cls.BROADCAST, cls.LISTED)
        cfg = wwtest.bridge_config(guards={"icmp": {}, "blocklist": {"sets": {"feeds": ["203.0.113.0/24"]}}})
        cfg["ports"][0]["device"] = "net_pcap0,rx_pcap=" + cap
        cfg["ports"][1]["device"] = "net_null7,no-rx=1"
        cls.app = Appliance(cls.tmp, cfg).start()
        cls.api = Api(cls.app, cls.tmp)
        assert cls.api.login("admin", cls.app.password).status == 200
        deadline = time.time() + 30
        while cls.api.get("/api/v1/events?limit=1").json["total"] < cls.BROADCAST + cls.LISTED:
            assert time.time() < deadline, cls.api.get("/api/v1/events?limit=1")
            time.sleep(0.2)

    @classmethod
    def tearDownClass(cls):
        cls.app.stop()
        cls.tmpdir.cleanup()

    def query(self, q, **more):
        return "/api/v1/events?" + "&".join("%s=%s" % kv for kv in list(q.items()) + list(more.items()))

    def export(self, q, fmt, api=None):
        r = (api or self.api).get(self.query(q, format=fmt))
        self.assertEqual(r.status, 200, r)
        for k, v in SECURITY_HEADERS.items():
            self.assertEqual(r.header(k), v, k)
        self.assertEqual(r.header("cache-control"), "no-store")
        self.assertRegex(r.header("content-disposition"),
                         r'^attachment; filename="wirewall-events-\d{8}T\d{6}Z\.%s"$' % fmt)
        self.assertIsNone(r.header("x-export-truncated"))
        return r

    def export_json(self, q):
        r = self.export(q, "json")
        self.assertEqual(r.header("content-type"), "application/json")
        self.assertTrue(r.body.endswith("]\n"), r.body[-20:])
        self.assertIsInstance(r.json, list, r)
        return r.json

    def export_csv(self, q):
        r = self.export(q, "csv")
        self.assertEqual(r.header("content-type"), "text/csv; charset=utf-8")
        lines = r.body.split("\r\n")
        self.assertEqual(lines[-1], "")  # every record ends with CR LF
        self.assertNotIn("\n", "".join(lines))  # no value holds a line break here
        rows = list(csv.reader(io.StringIO(r.body, newline="")))
        self.assertEqual(rows[0], CSV_COLUMNS + ["extra"])
        self.assertTrue(all(len(row) == len(CSV_COLUMNS) + 1 for row in rows), rows)
        return rows[1:]

    @staticmethod
    def cell(value):
        """What the CSV holds for a JSON value (before any formula quote)."""
        if value is None:
            return ""
        return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))

    def check_same(self, q, expect):
        """The paged answer, the JSON export and the CSV export hold the
        same @expect events, newest first."""
        page = self.api.get(self.query(q, limit=1000)).json
        self.assertEqual(page["total"], expect, q)
        self.assertEqual(len(page["items"]), expect, q)
        self.assertEqual(self.export_json(q), page["items"])
        rows = self.export_csv(q)
        self.assertEqual(len(rows), expect, q)
        for row, ev in zip(rows, page["items"]):
            self.assertEqual(row[:len(CSV_COLUMNS)], [self.cell(ev.get(c)) for c in CSV_COLUMNS])
            self.assertEqual(json.loads(row[-1]),
                             {k: v for k, v in ev.items() if k not in CSV_COLUMNS})
        stamps = [ev["timestamp"] for ev in page["items"]]
        self.assertEqual(stamps, sorted(stamps, reverse=True))
        return page["items"]

    def test_every_event(self):
        items = self.check_same({}, self.BROADCAST + self.LISTED)
        # keys of no fixed column, which the CSV keeps in "extra"
        ev = next(e for e in items if e["event"] == "icmp-broadcast")
        self.assertLessEqual({"event_type", "icmp_type", "icmp_code"}, set(ev))

    def test_filters_apply(self):
        cases = [({"category": "blocklist"}, self.LISTED), ({"level": "notice"}, self.LISTED),
                 ({"category": "icmp", "level": "warning"}, self.BROADCAST),
                 ({"category": "icmp", "level": "notice"}, 0),
                 ({"addr": "10.100.0.7"}, 1), ({"addr": "203.0.113.5", "category": "blocklist"}, 1),
                 ({"addr": "192.0.2.1"}, 0),
                 ({"since": 0, "until": 4000000000}, self.BROADCAST + self.LISTED),
                 ({"since": 4000000000}, 0), ({"until": 1}, 0)]
        for q, n in cases:
            with self.subTest(q=q):
                self.check_same(q, n)
        # nothing matched: the header alone, an empty array
        r = self.api.get("/api/v1/events?format=csv&since=4000000000")
        self.assertEqual(r.body, ",".join(CSV_COLUMNS + ["extra"]) + "\r\n")
        r = self.api.get("/api/v1/events?format=json&since=4000000000")
        self.assertEqual(r.body, "[]\n")

    def test_bad_input_changes_nothing(self):
        before = self.api.get("/api/v1/events?limit=1000").json
        cases = [("format=xml", "format"), ("format=csv&limit=5", "limit"),
                 ("format=json&offset=0&limit=10", "offset"), ("format=csv&until=-1", "until")]
        for query, path in cases:
            with self.subTest(query=query):
                r = self.api.get("/api/v1/events?" + query)
                self.assertEqual(r.status, 400, r)
                self.assertEqual(r.json["error"]["code"], "invalid")
                self.assertEqual(r.json["error"]["path"], path)
                self.assertEqual(r.header("content-type"), "application/json")
                self.assertIsNone(r.header("content-disposition"))
        self.assertEqual(self.api.get("/api/v1/events?limit=1000").json, before)

    def test_login_needed(self):
        anon = Api(self.app, self.tmp)
        for fmt in ("csv", "json"):
            r = anon.get("/api/v1/events?format=" + fmt)
            self.assertEqual(r.status, 401, r)
            self.assertEqual(r.json["error"]["code"], "unauthorized")
            self.assertIsNone(r.header("content-disposition"))
        # a script exports with an API token
        token = self.api.post("/api/v1/tokens", {"name": "export"}).json["token"]
        script = Api(self.app, self.tmp)
        script.token = token
        self.assertEqual(len(self.export({"category": "blocklist"}, "csv", api=script).body.split("\r\n")),
                         self.LISTED + 2)


class Tls(unittest.TestCase):
    def test_tls(self):
        with wwtest.tempdir() as tmp:
            cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                            "-subj", "/CN=localhost", "-days", "1", "-keyout", key, "-out", cert],
                           check=True, capture_output=True)
            app = Appliance(tmp, api_config(tls={"cert": cert, "key": key})).start()
            try:
                self.assertIn("management server on https://", app.out)
                api = Api(app, tmp, scheme="https", cacert=cert)
                r = api.login("admin", app.password)
                self.assertEqual(r.status, 200, (r, r.curl_error))
                attrs = [a.strip() for a in r.header("set-cookie").split(";")]
                self.assertIn("Secure", attrs)
                self.assertIn("HttpOnly", attrs)
                self.assertTrue(r.header("strict-transport-security").startswith("max-age="))
                r = api.get("/api/v1/session")
                self.assertEqual(r.status, 200)
                self.assertEqual(r.json["user"], "admin")
                self.assertTrue(r.header("strict-transport-security"))
                r = api.post("/api/v1/rules", {"rule": "tcp dport 2400 drop"})
                self.assertEqual(r.status, 201, r)
                r = api.get("/")
                self.assertEqual(r.status, 200)
                self.assertTrue(r.header("strict-transport-security"))
                # plain HTTP on the TLS port gets no answer
                plain = Api(app, tmp)
                self.assertEqual(plain.get("/api/v1/session").status, 0)
            finally:
                self.assertEqual(app.stop(), 0, app.err)

    def test_tls_file_errors(self):
        with wwtest.tempdir() as tmp:
            cert = os.path.join(tmp, "cert.pem")
            with open(cert, "w") as f:
                f.write("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
            missing = os.path.join(tmp, "missing.pem")
            app = Appliance(tmp, api_config(tls={"cert": missing, "key": cert}), name="a")
            app.start(expect_ok=False)
            self.assertNotEqual(app.wait_exit(), 0)
            self.assertIn("http.tls.cert %s: No such file or directory" % missing, app.err)
            app = Appliance(tmp, api_config(tls={"cert": cert, "key": missing}), name="b")
            app.start(expect_ok=False)
            self.assertNotEqual(app.wait_exit(), 0)
            self.assertIn("http.tls.key %s: No such file or directory" % missing, app.err)
            app = Appliance(tmp, api_config(tls={"cert": cert, "key": cert}), name="c")
            app.start(expect_ok=False)
            self.assertNotEqual(app.wait_exit(), 0)
            self.assertIn("http.tls %s, %s: " % (cert, cert), app.err)


class StartErrors(unittest.TestCase):
    def test_address_in_use(self):
        with wwtest.tempdir() as tmp, socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen(1)
            port = busy.getsockname()[1]
            app = Appliance(tmp, api_config())
            app.start(expect_ok=False, port=port)
            self.assertNotEqual(app.wait_exit(), 0)
            self.assertIn("http.listen 127.0.0.1:%d: Address already in use" % port, app.err)

    def test_missing_web_dir(self):
        with wwtest.tempdir() as tmp:
            missing = os.path.join(tmp, "no-web")
            app = Appliance(tmp, api_config(), web_dir=missing)
            app.start(expect_ok=False)
            self.assertNotEqual(app.wait_exit(), 0)
            self.assertIn(missing + ": No such file or directory", app.err)


class Persistence(unittest.TestCase):
    def test_rule_and_blocklist_survive_restart(self):
        with wwtest.tempdir() as tmp:
            app = Appliance(tmp, api_config()).start()
            password = app.password
            try:
                api = Api(app, tmp)
                self.assertEqual(api.login("admin", password).status, 200)
                r = api.post("/api/v1/rules", {"rule": "tcp dport 2323 drop"})
                self.assertEqual(r.status, 201, r)
                r = api.post("/api/v1/security-groups/dns/rules", {"rule": "tcp dport 53 accept"})
                self.assertEqual(r.status, 201, r)
                r = api.post("/api/v1/blocklist", {"address": "192.0.2.99", "ttl": 600})
                self.assertEqual(r.status, 201, r)
                r = api.post("/api/v1/blocklist", {"address": "192.0.2.100"})
                self.assertEqual(r.status, 201, r)
                r = api.post("/api/v1/tokens", {"name": "ci"})
                token = r.json["token"]
                r = api.get("/api/v1/config")
                revision = r.json["revision"]
                self.assertGreater(revision, 0)
                time.sleep(1.5)
            finally:
                self.assertEqual(app.stop(), 0, app.err)
            with open(app.config_path) as f:
                self.assertIn("tcp dport 2323 drop", f.read())

            app2 = Appliance(tmp, None).start()
            try:
                self.assertIsNone(app2.password)  # users kept: no new password
                self.assertIn("2 block-list entries restored", app2.out)
                api = Api(app2, tmp)
                self.assertEqual(api.login("admin", password).status, 200)
                rules = api.get("/api/v1/rules").json["items"]
                self.assertEqual([i["text"] for i in rules], ["tcp dport 2323 drop"])
                sg = api.get("/api/v1/security-groups/dns").json
                self.assertEqual([i["text"] for i in sg["rules"]],
                                 ["udp dport 53 accept", "tcp dport 53 accept"])
                r = api.get("/api/v1/config")
                self.assertEqual(r.json["revision"], revision)
                self.assertEqual(r.header("etag"), '"%d"' % revision)
                items = {i["address"]: i for i in api.get("/api/v1/blocklist").json["items"]}
                left = items["192.0.2.99"]["ttl_left"]
                self.assertTrue(0 < left < 600, left)
                self.assertIsNone(items["192.0.2.100"]["ttl_left"])
                r = api.get("/api/v1/session", cookie=False, token=token)
                self.assertEqual(r.json, {"user": "ci", "via": "token"})
                # and the running configuration still takes changes
                r = api.put("/api/v1/config", dict(api.get("/api/v1/config").json, rules=[]))
                self.assertEqual(r.json, {"revision": revision + 1})
            finally:
                self.assertEqual(app2.stop(), 0, app2.err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
