"""Helpers for the tcplensd integration tests (test_api.py).

- Server: start a tcplensd on 127.0.0.1 with a free port, its database and data directory in
  a work directory, stderr captured to a log file; stop it with SIGTERM (bounded wait, SIGKILL
  if it hangs), or kill -9 it; restart it on the same database.
- http(): one request over urllib (no proxy, no redirects, a timeout on every request).
- multipart(): a multipart/form-data body built by hand.
- curl(), CurlJob: run `curl -sS --max-time N` and read status, headers and body back.

Every response seen by http() and curl() is offered to the functions in OBSERVERS, so a test
can check globally that no answer was a 500 or HTML.

With TL_TEST_DB=postgresql://... in the environment (tests/pg/pg_harness.py sets it), each
Server gets a fresh PostgreSQL database of its own on that cluster instead of a SQLite file;
Server.backend says which ('sqlite' or 'postgresql').

Only the Python standard library; curl must be on PATH for the curl helpers.
"""

import json
import os
import re
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

LISTEN_RE = re.compile(r'listening on (https?)://127\.0\.0\.1:(\d+)')
MAX_TIMEOUT = 30  # seconds: no request may wait longer than this
DEFAULT_TIMEOUT = 20
TMP_ROOT = None  # where CurlJob keeps its header and body files (None: the system's temp dir)
START_TIMEOUT = 10  # seconds to wait for the "listening on" line
STOP_TIMEOUT = 35  # SIGTERM lets in-flight requests finish for up to 30 s

OBSERVERS = []  # callables (method, url, status, headers, body) called for every response
_observer_lock = threading.Lock()


def _observe(method, url, status, headers, body):
    with _observer_lock:
        observers = list(OBSERVERS)
    for fn in observers:
        fn(method, url, status, headers, body)


class ServerError(Exception):
    pass


try:  # resolved here, in the parent: the child only calls it
    import ctypes
    _PRCTL = ctypes.CDLL(None, use_errno=True).prctl
except Exception:
    _PRCTL = None


def _die_with_parent():
    """In the child before exec (Linux): SIGKILL it if the test process dies, so that a test
    killed by a timeout leaves no server behind."""
    if _PRCTL is not None:
        _PRCTL(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG


# ----------------------------------------------------------------------------------- server

_db_count = [0]


def _test_db():
    """A new database on the cluster of $TL_TEST_DB (its URI), or None for SQLite."""
    base = os.environ.get('TL_TEST_DB', '')
    if not base.startswith(('postgresql://', 'postgres://')):
        return None
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'pg'))
    import pg_harness  # noqa: E402
    _db_count[0] += 1
    name = 'tl_%d_%d' % (os.getpid(), _db_count[0])
    return pg_harness.create_database(os.environ.get('TL_TEST_PG_ADMIN') or base, name)


class Server:
    """One tcplensd process. The work directory holds t.db, data/ and server-N.log."""

    def __init__(self, binary, workdir, args=(), env=None, cafile=None, name='tcplensd',
                 keep_duplicates=True):
        self.binary = binary
        self.workdir = workdir
        # the suites upload the same captures many times over and expect a new capture each
        # time; the duplicate checks start their server with keep_duplicates=False (the default
        # of tcplensd itself: an upload of a stored file answers with the stored capture)
        self.keep_duplicates = keep_duplicates
        self.db = _test_db() or os.path.join(workdir, 't.db')
        self.backend = 'postgresql' if self.db.startswith('postgresql:') else 'sqlite'
        self.data_dir = os.path.join(workdir, 'data')
        self.args = list(args)
        self.env = dict(env or {})
        self.cafile = cafile
        self.name = name
        self.proc = None
        self.url = None
        self.port = None
        self.scheme = None
        self.log_path = None
        self.starts = 0

    # -- life cycle
    def start(self, timeout=START_TIMEOUT):
        if self.proc is not None and self.proc.poll() is None:
            raise ServerError('%s: already running' % self.name)
        os.makedirs(self.workdir, exist_ok=True)
        self.starts += 1
        self.log_path = os.path.join(self.workdir, 'server-%d.log' % self.starts)
        env = {k: v for k, v in os.environ.items() if not k.startswith('TCPLENS_')}
        env.update(self.env)
        cmd = [self.binary, '--listen', '127.0.0.1:0', '--db', self.db,
               '--data-dir', self.data_dir] + self.args
        if self.keep_duplicates and '--duplicates' not in self.args:
            cmd += ['--duplicates', 'keep']
        with open(self.log_path, 'wb') as log:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=log, env=env, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = LISTEN_RE.search(self.log_text())
            if m:
                self.scheme, self.port = m.group(1), int(m.group(2))
                self.url = '%s://127.0.0.1:%d' % (self.scheme, self.port)
                return self
            if self.proc.poll() is not None:
                raise ServerError('%s exited with status %s before listening; log:\n%s'
                                  % (self.name, self.proc.returncode, self.log_tail()))
            time.sleep(0.05)
        self._force_kill()
        raise ServerError('%s: no "listening on" line within %d s; log:\n%s'
                          % (self.name, timeout, self.log_tail()))

    def stop(self, timeout=STOP_TIMEOUT):
        """SIGTERM, wait; returns the exit status. Kills and raises if it does not exit."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._force_kill()
                raise ServerError('%s did not exit within %d s of SIGTERM (killed)'
                                  % (self.name, timeout))
        return self.proc.returncode

    def kill9(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        return self.proc.returncode if self.proc else None

    def _force_kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                pass

    def ensure_stopped(self):
        """For cleanup: SIGTERM with a short wait, then SIGKILL. Never raises."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(10)
        except Exception:
            self._force_kill()

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def __enter__(self):
        if not self.running():
            self.start()
        return self

    def __exit__(self, *exc):
        self.ensure_stopped()
        return False

    # -- logs and files
    def log_text(self):
        try:
            with open(self.log_path, 'rb') as f:
                return f.read().decode('utf-8', 'replace')
        except OSError:
            return ''

    def log_tail(self, lines=20):
        return '\n'.join(self.log_text().splitlines()[-lines:])

    def data_files(self, prefix=''):
        try:
            return sorted(n for n in os.listdir(self.data_dir) if n.startswith(prefix))
        except FileNotFoundError:
            return []

    def db_scalar(self, sql, jobs=False):
        """The first column of the first row of sql (no parameters: literals only), asked of
        the server's database directly: sqlite3 on the file, or psql on PostgreSQL; committed
        (an INSERT ... RETURNING id gives the new id). jobs: SQLite keeps the jobs table in a
        file beside the database (DB-jobs)."""
        if self.backend == 'sqlite':
            import sqlite3
            con = sqlite3.connect(self.db + ('-jobs' if jobs else ''), timeout=10)
            try:
                v = con.execute(sql).fetchone()[0]
                con.commit()
                return v
            finally:
                con.close()
        psql = os.path.join(os.environ.get('TL_PG_BIN', '/usr/lib/postgresql/15/bin'), 'psql')
        out = subprocess.run([psql, '-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-d',
                              self.db, '-c', sql], stdin=subprocess.DEVNULL, capture_output=True,
                             timeout=30, check=True).stdout.decode().strip()
        return int(out) if re.fullmatch(r'-?\d+', out) else out

    def db_exec(self, sql):
        """Run one statement that returns no rows on the server's database directly (the
        server should be stopped: this is for setting up states a test needs)."""
        if self.backend == 'sqlite':
            import sqlite3
            con = sqlite3.connect(self.db, timeout=10)
            try:
                con.execute(sql)
                con.commit()
            finally:
                con.close()
            return
        psql = os.path.join(os.environ.get('TL_PG_BIN', '/usr/lib/postgresql/15/bin'), 'psql')
        subprocess.run([psql, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', self.db, '-c', sql],
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=30, check=True)

    # -- requests
    def request(self, method, path, **kw):
        kw.setdefault('cafile', self.cafile)
        return http(method, self.url + path, **kw)

    def get(self, path, **kw):
        return self.request('GET', path, **kw)

    def get_json(self, path, **kw):
        r = self.get(path, **kw)
        if r.status != 200:
            raise ServerError('GET %s: %d %s' % (path, r.status, r.text()[:300]))
        return r.json()


# ------------------------------------------------------------------------------------- http

class Response:
    def __init__(self, method, url, status, reason, headers, body):
        self.method = method
        self.url = url
        self.status = status
        self.reason = reason
        self.headers = headers  # case-insensitive: .get(name)
        self.body = body

    def header(self, name, default=None):
        return self.headers.get(name, default)

    @property
    def content_type(self):
        return (self.headers.get('Content-Type') or '').split(';')[0].strip().lower()

    def text(self):
        return self.body.decode('utf-8', 'replace')

    def json(self):
        return json.loads(self.body.decode('utf-8'))

    def __repr__(self):
        return '<%s %s -> %d %s>' % (self.method, self.url, self.status, self.text()[:200])


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **kw):
        return None


def http(method, url, body=None, headers=None, timeout=DEFAULT_TIMEOUT, cafile=None):
    """One request; never raises for an HTTP status (errors come back as a Response)."""
    if timeout > MAX_TIMEOUT:
        raise ValueError('timeout above %d s' % MAX_TIMEOUT)
    host = urllib.parse.urlsplit(url).hostname
    if host not in ('127.0.0.1', 'localhost', '::1'):
        raise ValueError('refusing a request to %r: tests talk to the loopback only' % host)
    handlers = [urllib.request.ProxyHandler({}), _NoRedirect()]
    if url.startswith('https:'):
        ctx = ssl.create_default_context(cafile=cafile)
        handlers.append(urllib.request.HTTPSHandler(context=ctx))
    opener = urllib.request.build_opener(*handlers)
    headers = dict(headers or {})
    if body is not None and not any(k.lower() == 'content-type' for k in headers):
        headers['Content-Type'] = 'application/octet-stream'
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with opener.open(req, timeout=timeout) as f:
            resp = Response(method, url, f.status, f.reason, f.headers, f.read())
    except urllib.error.HTTPError as e:
        try:
            data = e.read()
        except Exception:
            data = b''
        resp = Response(method, url, e.code, e.reason, e.headers, data)
    _observe(method, url, resp.status, resp.headers, resp.body)
    return resp


# -------------------------------------------------------------------------------- multipart

def multipart(parts, boundary=None):
    """parts: (name, value, filename or None, content type or None); value bytes or str.
    Returns (content_type_header, body)."""
    boundary = boundary or 'tcplens-test-' + uuid.uuid4().hex
    crlf = b'\r\n'
    out = bytearray()
    for name, value, filename, ctype in parts:
        if isinstance(value, str):
            value = value.encode('utf-8')
        disp = 'form-data; name="%s"' % name.replace('"', '%22')
        if filename is not None:
            disp += '; filename="%s"' % filename.replace('"', '%22')
        out += b'--' + boundary.encode('ascii') + crlf
        out += ('Content-Disposition: %s' % disp).encode('utf-8') + crlf
        if ctype:
            out += ('Content-Type: %s' % ctype).encode('ascii') + crlf
        out += crlf + value + crlf
    out += b'--' + boundary.encode('ascii') + b'--' + crlf
    return 'multipart/form-data; boundary=%s' % boundary, bytes(out)


# ------------------------------------------------------------------------------------- curl

class CurlResult:
    def __init__(self, cmd, rc, status, headers, body, stderr):
        self.cmd = cmd
        self.rc = rc  # curl's exit status (28: timed out, 52: empty reply, 56: reset...)
        self.status = status  # last non-1xx HTTP status, or 0 when none was received
        self.headers = headers  # lower-case name -> last value
        self.body = body
        self.stderr = stderr

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)

    @property
    def content_type(self):
        return (self.header('content-type') or '').split(';')[0].strip().lower()

    def text(self):
        return self.body.decode('utf-8', 'replace')

    def json(self):
        return json.loads(self.body.decode('utf-8'))

    def __repr__(self):
        return '<curl rc=%d status=%d %s %s>' % (self.rc, self.status, self.text()[:200],
                                                 self.stderr.strip()[:200])


def _parse_header_dump(raw):
    """The last response's status and headers from a `curl -D` dump (1xx blocks skipped)."""
    status, headers = 0, {}
    for block in re.split(r'\r?\n\r?\n', raw.decode('iso-8859-1')):
        lines = [l for l in block.splitlines() if l.strip()]
        if not lines or not lines[0].startswith('HTTP/'):
            continue
        try:
            code = int(lines[0].split()[1])
        except (IndexError, ValueError):
            continue
        if 100 <= code < 200:
            continue
        status, headers = code, {}
        for l in lines[1:]:
            if ':' in l:
                k, v = l.split(':', 1)
                headers[k.strip().lower()] = v.strip()
    return status, headers


class CurlJob:
    """`curl -sS --max-time N ARGS...` in the background; wait() gives a CurlResult."""

    def __init__(self, args, max_time=DEFAULT_TIMEOUT):
        if max_time > MAX_TIMEOUT:
            raise ValueError('max_time above %d s' % MAX_TIMEOUT)
        self.max_time = max_time
        self.tmp = tempfile.mkdtemp(prefix='curl-', dir=TMP_ROOT)
        self.hdr = os.path.join(self.tmp, 'headers')
        self.out = os.path.join(self.tmp, 'body')
        self.cmd = ['curl', '-sS', '--noproxy', '*', '--max-time', str(max_time),
                    '-D', self.hdr, '-o', self.out] + list(args)
        for a in args:
            if a.startswith(('http://', 'https://')):
                host = urllib.parse.urlsplit(a).hostname
                if host not in ('127.0.0.1', 'localhost', '::1'):
                    raise ValueError('refusing curl to %r: loopback only' % host)
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def running(self):
        return self.proc.poll() is None

    def wait(self, timeout=None):
        try:
            _, err = self.proc.communicate(timeout=timeout or self.max_time + 10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        raw_h = _read(self.hdr)
        body = _read(self.out)
        for p in (self.hdr, self.out):
            if os.path.exists(p):
                os.unlink(p)
        os.rmdir(self.tmp)
        status, headers = _parse_header_dump(raw_h)
        url = next((a for a in self.cmd if a.startswith(('http://', 'https://'))), '')
        method = 'GET'
        if '-X' in self.cmd:
            method = self.cmd[self.cmd.index('-X') + 1]
        elif any(a in self.cmd for a in ('-F', '--data-binary', '-d')):
            method = 'POST'
        elif '-T' in self.cmd:
            method = 'PUT'
        if status:
            _observe(method, url, status, headers, body)
        return CurlResult(self.cmd, self.proc.returncode, status, headers, body,
                          err.decode('utf-8', 'replace'))

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()


def curl(args, max_time=DEFAULT_TIMEOUT):
    return CurlJob(args, max_time).wait()


def _read(path):
    try:
        with open(path, 'rb') as f:
            return f.read()
    except OSError:
        return b''


class Checks:
    """Counted assertions: a failed one is printed and remembered, and the run goes on."""

    def __init__(self):
        self.failures = []
        self.count = 0

    def ok(self, cond, msg):
        self.count += 1
        if not cond:
            self.failures.append(msg)
            print('  FAIL ' + msg, flush=True)
        return bool(cond)

    def eq(self, got, want, what):
        return self.ok(got == want, '%s: got %s, expected %s' % (what, str(got)[:300],
                                                                 str(want)[:300]))


def wait_until(pred, timeout, interval=0.05):
    """Poll pred() until it is true or timeout seconds pass; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(interval)
