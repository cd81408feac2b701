#!/usr/bin/env python3
"""A throw-away PostgreSQL 15 for the tests: initdb into a temporary directory, pg_ctl start
on a unix socket in that directory (no TCP port), databases created on demand, everything
stopped and removed at the end.

PostgreSQL refuses to run as root: when the tests run as root, the cluster belongs to the
system user `postgres` (Debian's package creates it), or `nobody` when there is none, and its
programs run through setpriv with that user's ids. Start-up is bounded (60 s).

As a module:
    with Cluster() as pg:
        uri = pg.create_database('t1')      # postgresql:///t1?host=/tmp/...&user=tcplens

As a command, runs COMMAND with TL_TEST_DB set to the URI of a fresh database (and
TL_TEST_PG_ADMIN to the maintenance database's), then stops the cluster:
    pg_harness.py [--] COMMAND [ARGS...]
Exits with COMMAND's status (77 when PostgreSQL 15 is not installed: ctest's skip code).

Binaries: $TL_PG_BIN, else /usr/lib/postgresql/15/bin. TCPLENS_TEST_KEEP=1 keeps the
directory (its path is printed).
"""

import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

PG_BIN = os.environ.get('TL_PG_BIN', '/usr/lib/postgresql/15/bin')
START_TIMEOUT = 60
SUPERUSER = 'tcplens'
SKIP = 77


class ClusterError(Exception):
    pass


def available():
    return all(os.access(os.path.join(PG_BIN, p), os.X_OK) for p in ('initdb', 'pg_ctl', 'psql'))


def _owner():
    """(uid, gid) the cluster runs as, or None to run as ourselves (not root)."""
    if os.geteuid() != 0:
        return None
    for name in ('postgres', 'nobody'):
        try:
            pw = pwd.getpwnam(name)
            return pw.pw_uid, pw.pw_gid
        except KeyError:
            continue
    raise ClusterError('running as root and neither the user postgres nor nobody exists')


def uri_for(socket_dir, dbname, user=SUPERUSER):
    q = urllib.parse.urlencode({'host': socket_dir, 'user': user})
    return 'postgresql:///%s?%s' % (urllib.parse.quote(dbname), q)


class Cluster:
    def __init__(self, durable=False):
        self.durable = durable  # False: fsync off, as fits a throw-away test database
        self.dir = None
        self.data = None
        self.owner = _owner()
        self.started = False

    # -- running PostgreSQL's programs as the cluster's owner
    def _cmd(self, args):
        if self.owner is None:
            return args
        uid, gid = self.owner
        return ['setpriv', '--reuid=%d' % uid, '--regid=%d' % gid, '--clear-groups', '--'] + args

    def _run(self, args, timeout=60, check=True):
        env = {k: v for k, v in os.environ.items() if not k.startswith('PG')}
        env.update({'LC_ALL': 'C', 'TZ': 'UTC'})
        p = subprocess.run(self._cmd(args), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout, env=env, cwd=self.dir)
        out = p.stdout.decode('utf-8', 'replace')
        if check and p.returncode != 0:
            raise ClusterError('%s exited with %d:\n%s' % (' '.join(args), p.returncode, out))
        return out

    # -- life cycle
    def start(self):
        if not available():
            raise ClusterError('PostgreSQL 15 is not installed in %s' % PG_BIN)
        t0 = time.monotonic()
        self.dir = tempfile.mkdtemp(prefix='tlpg-')  # short: a socket path has 107 bytes
        self.data = os.path.join(self.dir, 'data')
        if self.owner is not None:
            os.chown(self.dir, *self.owner)
        os.chmod(self.dir, 0o755)
        self._run([os.path.join(PG_BIN, 'initdb'), '-D', self.data, '-U', SUPERUSER,
                   '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
                   timeout=START_TIMEOUT)
        left = max(5, int(START_TIMEOUT - (time.monotonic() - t0)))
        opts = "-c listen_addresses='' -k %s -c max_connections=200 -c shared_buffers=128MB" % (
            self.dir)
        if not self.durable:
            opts += ' -c fsync=off -c synchronous_commit=off -c full_page_writes=off'
        self._run([os.path.join(PG_BIN, 'pg_ctl'), '-D', self.data, '-l',
                   os.path.join(self.dir, 'postgres.log'), '-o', opts, '-w', '-t', str(left),
                   'start'], timeout=left + 10)
        self.started = True
        return self

    def stop(self):
        if self.started:
            try:
                self._run([os.path.join(PG_BIN, 'pg_ctl'), '-D', self.data, '-m', 'fast', '-w',
                           '-t', '30', 'stop'], timeout=45, check=False)
            except subprocess.TimeoutExpired:
                self._run([os.path.join(PG_BIN, 'pg_ctl'), '-D', self.data, '-m', 'immediate',
                           'stop'], timeout=30, check=False)
            self.started = False
        if self.dir:
            if os.environ.get('TCPLENS_TEST_KEEP'):
                print('pg_harness: kept %s' % self.dir, flush=True)
            else:
                shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    # -- databases
    def uri(self, dbname='postgres'):
        return uri_for(self.dir, dbname)

    def psql(self, sql, dbname='postgres', timeout=30):
        return self._run([os.path.join(PG_BIN, 'psql'), '-X', '-q', '-t', '-A', '-v',
                          'ON_ERROR_STOP=1', '-h', self.dir, '-U', SUPERUSER, '-d', dbname,
                          '-c', sql], timeout=timeout)

    def create_database(self, name):
        if not re.match(r'^[a-z_][a-z0-9_]{0,62}$', name):
            raise ValueError('database name %r' % name)
        self.psql('CREATE DATABASE %s' % name)
        return self.uri(name)

    def log_tail(self, lines=30):
        try:
            with open(os.path.join(self.dir, 'postgres.log'), 'rb') as f:
                return '\n'.join(f.read().decode('utf-8', 'replace').splitlines()[-lines:])
        except OSError:
            return ''


def create_database(admin_uri, name):
    """CREATE DATABASE name on the cluster of admin_uri (a URI as uri_for makes); returns its
    URI. Used by tests/api/harness.py to give each server a database of its own."""
    u = urllib.parse.urlsplit(admin_uri)
    q = dict(urllib.parse.parse_qsl(u.query))
    if not re.match(r'^[a-z_][a-z0-9_]{0,62}$', name):
        raise ValueError('database name %r' % name)
    env = {k: v for k, v in os.environ.items() if not k.startswith('PG')}
    p = subprocess.run([os.path.join(PG_BIN, 'psql'), '-X', '-q', '-v', 'ON_ERROR_STOP=1',
                        '-d', admin_uri, '-c', 'CREATE DATABASE %s' % name],
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=30, env=env)
    if p.returncode != 0:
        raise ClusterError('CREATE DATABASE %s: %s' % (name, p.stdout.decode('utf-8', 'replace')))
    return uri_for(q['host'], name, q.get('user', SUPERUSER))


def main(argv):
    args = argv[1:]
    if args and args[0] == '--':
        args = args[1:]
    if not args:
        print(__doc__.strip().split('\n\n')[3], file=sys.stderr)
        return 2
    if not available():
        print('pg_harness: skipped: PostgreSQL 15 is not installed in %s '
              '(scripts/install-deps.sh test installs postgresql-15)' % PG_BIN, flush=True)
        return SKIP
    pg = Cluster()
    t0 = time.monotonic()
    try:
        pg.start()
        print('pg_harness: PostgreSQL started in %.1f s in %s' % (time.monotonic() - t0, pg.dir),
              flush=True)
        env = dict(os.environ, TL_TEST_DB=pg.create_database('tcplens_test'),
                   TL_TEST_PG_ADMIN=pg.uri())
        p = subprocess.run(args, env=env)
        if p.returncode != 0:
            print('pg_harness: PostgreSQL log (last lines):\n%s' % pg.log_tail(), flush=True)
        return p.returncode
    except (ClusterError, subprocess.TimeoutExpired) as e:
        print('pg_harness: %s' % e, flush=True)
        if pg.dir:
            print(pg.log_tail(), flush=True)
        return 1
    finally:
        pg.stop()


if __name__ == '__main__':
    sys.exit(main(sys.argv))
