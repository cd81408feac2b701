#!/usr/bin/env python3
"""Every SQLite migration schema/NNN_*.sql has its PostgreSQL twin schema/pg/NNN_*.sql with
the same number, and the other way round, numbers unique: a migration added for one backend
cannot be forgotten for the other.

usage: check_schema_pairs.py REPO_ROOT
"""

import os
import re
import sys

NAME = re.compile(r'^(\d{3})_[a-z0-9_]+\.sql$')


def numbers(d, problems):
    out = {}
    for n in sorted(os.listdir(d)):
        p = os.path.join(d, n)
        if not n.endswith('.sql') or not os.path.isfile(p):
            continue
        m = NAME.match(n)
        if not m:
            problems.append('%s: not named NNN_name.sql' % p)
            continue
        if m.group(1) in out:
            problems.append('%s: number %s is used by %s too' % (p, m.group(1), out[m.group(1)]))
        out[m.group(1)] = n
    return out


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().split('\n\n')[1], file=sys.stderr)
        return 2
    schema = os.path.join(argv[1], 'schema')
    problems = []
    lite = numbers(schema, problems)
    pg = numbers(os.path.join(schema, 'pg'), problems)
    for num, n in sorted(lite.items()):
        if num not in pg:
            problems.append('schema/%s has no PostgreSQL twin schema/pg/%s_*.sql' % (n, num))
    for num, n in sorted(pg.items()):
        if num not in lite:
            problems.append('schema/pg/%s has no SQLite migration schema/%s_*.sql' % (n, num))
    if not lite:
        problems.append('no schema/NNN_*.sql found in %s' % schema)
    for p in problems:
        print('FAIL ' + p)
    print('%s %d SQLite migrations, %d PostgreSQL migrations'
          % ('PASS' if not problems else 'FAIL', len(lite), len(pg)))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
