// What the browser tests share: the command line, the checks and their report, polling, a
// tcplensd on 127.0.0.1 (ephemeral port, temporary database), the work directory and the safety
// net that stops everything on a watchdog or a signal, and the page probes that do not depend
// on the browser driver (a page here is anything with evaluate(fn, arg) -> Promise).
//
// Prints "ok N - name" / "not ok N - name" per check, then "N passed, N failed"; summary()
// gives the exit status: 1 on any failure, or when nothing was checked at all.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const WAIT_MS = 10_000; // one condition to become true
const START_MS = 20_000; // tcplensd's "listening on" line (slower under ASan)

export const SEED = path.join(HERE, 'seed-telnet.pcap');
export const SEED_SIZE = 536;
export const SEED_LABELS = ['SYN', 'SYN-ACK', 'ACK', 'FIN', 'FIN (piggybacked ACK)', 'ACK'];
export const CJK = /[\u4e00-\u9fff]/;
const LISTEN_RE = /listening on (https?):\/\/127\.0\.0\.1:(\d+)/;
export const ROWS = 'table#flows tbody tr[data-flow]';
export const ARROWS = '#ladder svg g.arrow';

// The command line both tests take: node SCRIPT TCPLENSD SOURCE_DIR [SCREENSHOT_DIR].
export function testArgs(script) {
    const [binary, srcDir, shotArg] = process.argv.slice(2);
    if (!binary || !srcDir) {
        console.error(`usage: node ${script} TCPLENSD SOURCE_DIR [SCREENSHOT_DIR]`);
        process.exit(2);
    }
    return {
        binary,
        webDir: process.env.TL_WEB_DIR || path.join(srcDir, 'web'),
        examplesDir: path.join(srcDir, 'examples'),
        shotDir: path.resolve(shotArg || process.env.TL_SCREENSHOTS ||
                              path.join(os.tmpdir(), 'tcplens-web-screenshots')),
    };
}

// ------------------------------------------------------------------------------- reporting

const results = [];
// The check running now, to tell where a problem came from.
export let current = '';

export function report(name, ok, detail) {
    results.push(ok);
    console.log(`${ok ? 'ok' : 'not ok'} ${results.length} - ${name}`);
    // Without colours: playwright's messages come with terminal escapes.
    for (let line of String(detail || '').replace(/\x1b\[[0-9;]*m/g, '').split('\n')) {
        if (!line.trim()) continue;
        if (line.length > 300) line = `${line.slice(0, 300)}...`;
        console.log(`#   ${line}`);
    }
}

export function summary() {
    const failed = results.filter((r) => !r).length;
    console.log(`${results.length - failed} passed, ${failed} failed`);
    return failed || !results.length ? 1 : 0;
}

export function fail(msg) {
    throw new Error(msg);
}

export const show = (v) => JSON.stringify(v);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// check(name, fn) with budgetMs for each check, all its waits included. A failure is reported
// and the next check goes on, loading a URL of its own so that one broken view does not hide
// the others.
export function checker(budgetMs) {
    return async function check(name, fn) {
        let timer;
        current = name.split('.')[0];
        try {
            const budget = new Promise((_, reject) => {
                timer = setTimeout(() => reject(new Error(`check took over ${budgetMs} ms`)), budgetMs);
            });
            const work = fn();
            work.catch(() => {}); // past its budget, its late failure is no longer news
            const note = await Promise.race([work, budget]);
            report(name, true, note);
            return true;
        } catch (e) {
            report(name, false, e && e.message ? e.message : String(e));
            return false;
        } finally {
            clearTimeout(timer);
        }
    };
}

// Polls probe() until ok(value); a probe that throws (a page still loading) is retried.
export async function until(desc, probe, ok, timeout = WAIT_MS) {
    const deadline = Date.now() + timeout;
    let last, lastErr;
    for (;;) {
        try {
            last = await probe();
            lastErr = undefined;
            if (ok(last)) return last;
        } catch (e) {
            lastErr = e;
        }
        if (Date.now() >= deadline) {
            const seen = lastErr ? `error: ${lastErr.message.split('\n')[0]}` : `last seen: ${show(last)}`;
            fail(`${desc}: not within ${timeout} ms (${seen})`);
        }
        await sleep(50);
    }
}

// The prerequisites, each [what, path, hint]: the first one missing is a failed check.
export function filesExist(list) {
    for (const [what, p, hint = ''] of list) {
        if (!fs.existsSync(p)) {
            report(`${what} exists`, false, `${p} not found${hint}`);
            return false;
        }
    }
    return true;
}

// What load() gives (a package from tests/web/node_modules), or null and a failed check that
// says how to install it.
export async function installed(what, load) {
    try {
        return await load();
    } catch (e) {
        report(`${what} is installed`, false,
               `${e.message}\nrun: sh scripts/install-deps.sh test (npm ci in tests/web)`);
        return null;
    }
}

// ----------------------------------------------------------------------- the run's safety net

// The run's work directory, made on construction. Once armed: past budgetMs (the watchdog) or
// on SIGINT or SIGTERM, kill() stops the processes at once, the logs are saved, the work
// directory goes and the run fails, rather than hang in ctest; kill() also runs however else
// the process ends, so that no browser or server outlives it.
export class Guard {
    constructor(prefix, shotDir) {
        this.shotDir = shotDir;
        fs.mkdirSync(shotDir, { recursive: true });
        this.workdir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
        this.logs = [];
        this.watchdog = null;
    }

    // logs: [from, name in shotDir] pairs; overBudget() the detail of the watchdog's failure.
    arm({ budgetMs, kill, logs, overBudget }) {
        this.logs = logs;
        const abort = (why) => {
            kill();
            this.cleanUp();
            console.log(`# ${why}`);
            summary();
            process.exit(1);
        };
        process.on('exit', kill);
        this.watchdog = setTimeout(() => {
            report('whole run within budget', false, overBudget());
            abort('stopped by the watchdog');
        }, budgetMs);
        for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => abort(`stopped by ${sig}`));
    }

    disarm() {
        clearTimeout(this.watchdog);
    }

    // The logs go next to the screenshots; the work directory never stays behind.
    cleanUp() {
        for (const [from, to] of this.logs) {
            try {
                fs.copyFileSync(from, path.join(this.shotDir, to));
            } catch { /* never started */ }
        }
        fs.rmSync(this.workdir, { recursive: true, force: true, maxRetries: 3 });
    }
}

// ---------------------------------------------------------------------------- the processes

// The text of a log file, or '' before it exists.
function readLog(p) {
    try {
        return fs.readFileSync(p, 'utf8');
    } catch {
        return '';
    }
}

// A child whose stdout and stderr go to a log file, up once a line of that log says so.
export class LoggedProcess {
    constructor(name, logPath) {
        this.name = name;
        this.logPath = logPath;
        this.proc = null;
        this.exit = null;
    }

    // Starts cmd and resolves with the match of re (`line` in words) in its log; fails when
    // the process ends first or no such line comes within timeout ms.
    async spawn(cmd, args, { env, detached = false, re, line, timeout }) {
        const log = fs.openSync(this.logPath, 'w');
        this.proc = spawn(cmd, args, { stdio: ['ignore', log, log], env, detached });
        fs.closeSync(log);
        this.exited = new Promise((resolve) => {
            this.proc.on('exit', (code, signal) => resolve((this.exit = { code, signal })));
            this.proc.on('error', (err) => resolve((this.exit = { code: null, signal: null, err })));
        });
        const deadline = Date.now() + timeout;
        while (Date.now() < deadline) {
            const m = re.exec(this.log());
            if (m) return m;
            if (this.exit) {
                fail(`${this.name} (${cmd}) ended before listening: ${show(this.exit.err ? this.exit.err.message : this.exit)}\n${this.tail()}`);
            }
            await sleep(50);
        }
        fail(`${this.name}: no "${line}" line within ${timeout} ms\n${this.tail()}`);
    }

    log() {
        return readLog(this.logPath);
    }

    tail(n = 15) {
        return this.log().split('\n').slice(-n).join('\n');
    }
}

export class Server extends LoggedProcess {
    constructor(workdir, { binary, webDir, examplesDir }) {
        super('tcplensd', path.join(workdir, 'server.log'));
        this.workdir = workdir;
        this.binary = binary;
        this.webDir = webDir;
        this.examplesDir = examplesDir;
        this.url = null;
    }

    async start() {
        const env = Object.fromEntries(Object.entries(process.env)
            .filter(([k]) => !k.startsWith('TCPLENS_'))); // the command line alone configures it
        const m = await this.spawn(this.binary, ['--listen', '127.0.0.1:0', '--db', path.join(this.workdir, 't.db'),
                                                 '--web-dir', this.webDir, '--examples-dir', this.examplesDir],
                                   { env, re: LISTEN_RE, line: 'listening on', timeout: START_MS });
        this.url = `${m[1]}://127.0.0.1:${m[2]}`;
    }

    // SIGTERM and a bounded wait, then SIGKILL; returns the exit as seen.
    async stop(timeout) {
        if (!this.proc || this.exit) return this.exit;
        this.proc.kill('SIGTERM');
        let timer;
        const late = new Promise((r) => { timer = setTimeout(() => r('late'), timeout); });
        if ((await Promise.race([this.exited, late])) === 'late') {
            this.kill();
            await this.exited;
            this.exit.late = true;
        }
        clearTimeout(timer);
        return this.exit;
    }

    kill() {
        if (this.proc && !this.exit) this.proc.kill('SIGKILL');
    }
}

export async function api(server, method, p, body) {
    const res = await fetch(server.url + p, { method, body, signal: AbortSignal.timeout(WAIT_MS) });
    const text = await res.text();
    if (!res.ok) fail(`${method} ${p}: ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text);
}

// ------------------------------------------------------------------------------- the page

export function viewState(page) {
    return page.evaluate(() => {
        const m = document.querySelector('main#view');
        return m ? { view: m.getAttribute('data-view'), ready: m.getAttribute('data-ready'),
                     url: location.search } : null;
    });
}

// A view that never got ready once gets a short wait afterwards, so that a dashboard that
// does not start fails every check quickly instead of running out the whole budget.
const viewFailed = new Set();

// pageErrors(), when given, lists what the page got wrong so far: the first time a view does
// not get ready, those errors are the likely reason and the failure shows them.
export async function waitView(page, view, { timeout = WAIT_MS, pageErrors = () => [] } = {}) {
    try {
        return await until(`main#view[data-view="${view}"][data-ready="1"]`, () => viewState(page),
                           (v) => v && v.view === view && v.ready === '1',
                           viewFailed.has(view) ? Math.min(timeout, 3_000) : timeout);
    } catch (e) {
        const errs = viewFailed.has(view) ? [] : pageErrors().slice(0, 3);
        viewFailed.add(view);
        throw new Error(e.message + (errs.length ? `\npage errors so far:\n  ${errs.join('\n  ')}` : ''));
    }
}

export function text(page, sel) {
    return page.evaluate((s) => {
        const el = document.querySelector(s);
        return el ? el.textContent : null;
    }, sel);
}

// The value shown for a header field, e.g. tcp.src_port.
export function fieldValue(page, field) {
    return page.evaluate((f) => {
        const el = document.querySelector(`#header-diagram [data-field="${f}"] .value`);
        return el ? el.textContent.trim() : null;
    }, field);
}
