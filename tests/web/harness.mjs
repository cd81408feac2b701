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
        const started = Date.now();
        try {
            const budget = new Promise((_, reject) => {
                timer = setTimeout(() => reject(new Error(`check took over ${budgetMs} ms`)), budgetMs);
            });
            const work = fn();
            work.catch(() => {}); // past its budget, its late failure is no longer news
            const note = await Promise.race([work, budget]);
            report(name, true, `${note ? `${note}\n` : ''}took ${Date.now() - started} ms`);
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

// An upload by the API: the capture document, also when the server makes the upload a
// background job (202 and the job's document: above --async-above), waited for then.
export async function uploadCapture(server, query, body, timeout = 25_000) {
    const doc = await api(server, 'POST', `/api/v1/captures${query}`, body);
    if (doc.capture) return doc;
    const job = await until(`upload job ${doc.id} to end`, () => api(server, 'GET', `/api/v1/jobs/${doc.id}`),
                            (j) => j.state === 'done' || j.state === 'failed', timeout);
    if (job.state !== 'done') fail(`upload job ${doc.id}: ${show(job.error)}`);
    return api(server, 'GET', `/api/v1/captures/${job.capture}`);
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

// ------------------------------------------------------------------------- the classroom

// The key elements of each view whose boxes must neither overlap nor leave the viewport
// sideways (docs/dashboard.md, "Layouts"). Nested pairs are not compared.
export const LAYOUT_KEYS = {
    flow: ['header.top', 'nav.crumbs', '.flow-head h1', '.flow-tools', '.summary-card', '.ladder-card',
           '.step-card', '#prev', '#step-pos', '#next', '#play', '#ladder', '#explanation', '.states-card',
           '.header-card', '#tsg-card', '#worksheet-panel', 'footer.foot'],
    compare: ['header.top', 'nav.crumbs', '.flow-tools', '#differences', '#compare-a', '#compare-b', '#ladder-a',
              '#ladder-b', 'footer.foot'],
    home: ['header.top', '#dropzone', '#examples', '#captures', 'footer.foot'],
};

// In the page: the boxes of the selectors given, the ones that overlap, and the ones cut by the
// viewport's sides; also the document's own width against the viewport's.
export function layoutProbe(page, selectors) {
    return page.evaluate((sels) => {
        const vw = document.documentElement.clientWidth;
        const boxes = [];
        const missing = [];
        for (const s of sels) {
            const e = document.querySelector(s);
            if (!e) {
                missing.push(s);
                continue;
            }
            const r = e.getBoundingClientRect();
            if (r.width === 0 && r.height === 0) continue; // not shown in this view (projector)
            boxes.push({ s, e, l: r.left + scrollX, r: r.right + scrollX, t: r.top + scrollY, b: r.bottom + scrollY });
        }
        const overlaps = [];
        for (let i = 0; i < boxes.length; i++) {
            for (let j = i + 1; j < boxes.length; j++) {
                const a = boxes[i];
                const b = boxes[j];
                if (a.e.contains(b.e) || b.e.contains(a.e)) continue;
                const w = Math.min(a.r, b.r) - Math.max(a.l, b.l);
                const h = Math.min(a.b, b.b) - Math.max(a.t, b.t);
                if (w > 1 && h > 1) overlaps.push(`${a.s} x ${b.s} (${Math.round(w)}x${Math.round(h)})`);
            }
        }
        const cut = boxes.filter((x) => x.l < -1 || x.r > vw + 1).map((x) => `${x.s} [${Math.round(x.l)}, ${Math.round(x.r)}]`);
        return { vw, scrollWidth: document.documentElement.scrollWidth, count: boxes.length, missing, overlaps, cut };
    }, selectors);
}

export function layoutProblems(v) {
    const out = [];
    if (v.missing.length) out.push(`missing: ${v.missing.join(', ')}`);
    if (v.overlaps.length) out.push(`overlapping: ${v.overlaps.join('; ')}`);
    if (v.cut.length) out.push(`cut by the viewport (width ${v.vw}): ${v.cut.join('; ')}`);
    if (v.scrollWidth > v.vw + 1) out.push(`the page scrolls sideways: scrollWidth ${v.scrollWidth} > ${v.vw}`);
    return out;
}

// A PDF's page count and text, enough to check what Chromium's print-to-PDF wrote: the Flate
// streams inflated, each font's ToUnicode CMap read, and the strings of the content streams
// (Tj, TJ) mapped back to Unicode through the font selected with Tf.
export async function pdfText(buf) {
    const zlib = await import('node:zlib');
    const s = buf.toString('latin1');
    const objs = new Map();
    const re = /(\d+) 0 obj\b([\s\S]*?)endobj/g;
    let m;
    while ((m = re.exec(s))) {
        let body = m[2];
        let stream = null;
        const k = body.indexOf('stream');
        if (k >= 0 && /\/Length/.test(body.slice(0, k))) {
            let start = k + 6;
            if (body[start] === '\r') start++;
            if (body[start] === '\n') start++;
            const end = body.lastIndexOf('endstream');
            const raw = Buffer.from(body.slice(start, end), 'latin1');
            try {
                stream = /FlateDecode/.test(body.slice(0, k)) ? zlib.inflateSync(raw).toString('latin1') : raw.toString('latin1');
            } catch {
                stream = '';
            }
            body = body.slice(0, k);
        }
        objs.set(m[1], { dict: body, stream });
    }
    const hexToUni = (hex) => String.fromCodePoint(...(hex.match(/.{4}/g) || []).map((x) => parseInt(x, 16)));
    const cmaps = new Map(); // font object number -> Map(code -> text)
    for (const [num, o] of objs) {
        const tu = /\/ToUnicode (\d+) 0 R/.exec(o.dict);
        if (!tu || !objs.get(tu[1])) continue;
        const cm = objs.get(tu[1]).stream || '';
        const map = new Map();
        for (const sec of cm.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
            for (const [, a, b] of sec[1].matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>/g)) map.set(parseInt(a, 16), hexToUni(b));
        }
        for (const sec of cm.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
            for (const [, a, b, c] of sec[1].matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>/g)) {
                const first = parseInt(c, 16);
                for (let code = parseInt(a, 16); code <= parseInt(b, 16); code++) map.set(code, String.fromCodePoint(first + code - parseInt(a, 16)));
            }
        }
        cmaps.set(num, { map, width: /<([0-9a-fA-F]+)>/.exec(cm.split('begincodespacerange')[1] || '<0000>')[1].length });
    }
    // Font resource names (/F3 12 0 R) to font objects, wherever they are declared.
    const fontByName = new Map();
    for (const o of objs.values()) {
        for (const fm of o.dict.matchAll(/\/Font\s*<<([\s\S]*?)>>/g)) {
            for (const [, name, num] of fm[1].matchAll(/\/([\w.+-]+)\s+(\d+) 0 R/g)) fontByName.set(name, num);
        }
    }
    let text = '';
    for (const o of objs.values()) {
        if (!o.stream || !/\bT[jJ]\b/.test(o.stream)) continue;
        let font = null;
        for (const tm of o.stream.matchAll(/\/([\w.+-]+)\s+[\d.]+\s+Tf|(<[0-9a-fA-F]*>|\[(?:[^\]]*)\])\s*T[jJ]|\bET\b/g)) {
            if (tm[1]) {
                font = cmaps.get(fontByName.get(tm[1]));
                continue;
            }
            if (!tm[2]) {
                text += '\n';
                continue;
            }
            for (const [, hex] of tm[2].matchAll(/<([0-9a-fA-F]*)>/g)) {
                const w = font ? font.width : 4;
                for (let i = 0; i + w <= hex.length; i += w) {
                    const code = parseInt(hex.slice(i, i + w), 16);
                    text += font && font.map.has(code) ? font.map.get(code) : '';
                }
            }
            text += ' ';
        }
    }
    // Page objects, also those packed in object streams (Firefox writes them so).
    const pageRe = /\/Type\s*\/Page\b(?!s)/g;
    let pages = (s.match(pageRe) || []).length;
    for (const o of objs.values()) {
        if (o.stream && /\/Type\s*\/ObjStm/.test(o.dict)) pages += (o.stream.match(pageRe) || []).length;
    }
    return { pages, text };
}

// A pcap of one long connection, made by the benchmark's generator next to tcplensd
// (bench/README.md): `packets` packets, one connection.
export function makeLongCapture(binary, file, packets) {
    const gen = path.join(path.dirname(binary), 'tl_gen_capture');
    if (!fs.existsSync(gen)) fail(`${gen} not found (cmake --build builds it with tcplensd)`);
    return new Promise((resolve, reject) => {
        const p = spawn(gen, ['-p', String(packets), '-c', '1', '-w', '1', '-o', file], { stdio: 'ignore' });
        p.on('error', reject);
        p.on('exit', (code) => (code === 0 ? resolve(file) : reject(new Error(`tl_gen_capture exited ${code}`))));
    });
}

// What the time-sequence graph plots, as the page holds it: each segment's packet, seq and end,
// each ACK point's packet, ack and window edge, and the drawn y of each (for the scale check).
export function tsgPoints(page) {
    return page.evaluate(() => {
        const svg = document.querySelector('#tsg svg.tsg');
        if (!svg) return null;
        const num = (e, a) => Number(e.getAttribute(a));
        return {
            dir: svg.dataset.dir,
            view: svg.dataset.view,
            segs: [...svg.querySelectorAll('g.seg')].map((g) => ({
                i: num(g, 'data-index'), seq: num(g, 'data-seq'), end: num(g, 'data-end'), kind: g.dataset.kind,
                y: Number(g.querySelector('line.bar').getAttribute('y1')) })),
            acks: [...svg.querySelectorAll('g.ackpt')].map((g) => ({
                i: num(g, 'data-index'), ack: num(g, 'data-ack'), win: num(g, 'data-win') })),
        };
    });
}

// The graph's points against the timeline: dir's segments (seq_rel; end = seq + len + SYN + FIN)
// and the other side's ACKs (ack_rel, ack_rel + scaled window), in order, and the y of each
// segment linear in its seq. Returns a list of problems.
export function tsgAgainstTimeline(pts, timeline, dir) {
    const out = [];
    const wantSegs = timeline.filter((p) => p.dir === dir).map((p) => ({
        i: p.index, seq: p.tcp.seq_rel,
        end: p.tcp.seq_rel + p.tcp.payload_length + (p.tcp.flags.syn ? 1 : 0) + (p.tcp.flags.fin ? 1 : 0) }));
    const wantAcks = timeline.filter((p) => p.dir !== dir && p.tcp.flags.ack).map((p) => ({
        i: p.index, ack: p.tcp.ack_rel, win: p.tcp.ack_rel + (p.tcp.window_scaled ?? p.tcp.window) }));
    const segs = pts.segs.map(({ i, seq, end }) => ({ i, seq, end }));
    if (show(segs) !== show(wantSegs)) out.push(`segments ${show(segs)}\n   timeline ${show(wantSegs)}`);
    if (show(pts.acks) !== show(wantAcks)) out.push(`ACK points ${show(pts.acks)}\n   timeline ${show(wantAcks)}`);
    const withSpan = pts.segs.filter((s) => s.seq !== pts.segs[0].seq);
    if (withSpan.length) {
        const a = pts.segs[0];
        const k = (withSpan[0].y - a.y) / (withSpan[0].seq - a.seq);
        if (!(k < 0)) out.push(`a higher seq is not drawn higher (dy/dseq ${k})`);
        for (const s of withSpan) {
            const want = a.y + k * (s.seq - a.seq);
            if (Math.abs(s.y - want) > 0.2) out.push(`packet ${s.i}: y ${s.y}, the axis puts seq ${s.seq} at ${want.toFixed(1)}`);
        }
    }
    return out;
}

// Answers the quiz's open question in the page from the packet's truth (wrong: a wrong seq),
// then checks it; resolves with the verdict, the explanation shown and the score.
export function answerQuiz(page, packet, { wrong = false } = {}) {
    const tcp = packet.tcp;
    const f = tcp.flags;
    const truth = {
        dir: packet.dir,
        flags: ['syn', 'ack', 'fin', 'rst', 'psh'].filter((k) => f[k]),
        seq: String(wrong ? tcp.seq_rel + 1000 : tcp.seq_rel),
        ack: f.ack && tcp.ack_rel != null ? String(tcp.ack_rel) : '',
        client: packet.states.client, server: packet.states.server, why: packet.event,
    };
    return page.evaluate(async (a) => {
        const set = (sel, v) => {
            const e = document.querySelector(sel);
            if (!e) throw new Error(`no ${sel}`);
            e.value = v;
            e.dispatchEvent(new Event('input', { bubbles: true }));
            e.dispatchEvent(new Event('change', { bubbles: true }));
        };
        set('#quiz-dir', a.dir);
        for (const c of document.querySelectorAll('input[name="quiz-flag"]')) c.checked = a.flags.includes(c.value);
        set('#quiz-seq', a.seq);
        set('#quiz-ack', a.ack);
        set('#quiz-client', a.client);
        set('#quiz-server', a.server);
        const why = document.querySelector(`input[name="quiz-why"][value="${a.why}"]`);
        if (!why) throw new Error(`no reason ${a.why} offered`);
        why.checked = true;
        document.querySelector('#quiz-check').click();
        for (let n = 0; n < 100; n++) {
            const r = document.querySelector('#quiz-result');
            if (r && r.dataset.result) break;
            await new Promise((res) => setTimeout(res, 20));
        }
        const score = document.querySelector('#quiz-score');
        const ex = document.querySelector('#quiz-explanation');
        return {
            result: document.querySelector('#quiz-result').dataset.result || null,
            wrongParts: [...document.querySelectorAll('#quiz-form [data-correct="false"]')].map((e) => e.dataset.part),
            explanation: ex && !ex.hidden ? ex.textContent : '',
            right: Number(score.dataset.right), asked: Number(score.dataset.asked), total: Number(score.dataset.total),
            url: location.search,
        };
    }, truth);
}

// Goes to the next question (the button), waiting for the new form.
export function nextQuestion(page) {
    return page.evaluate(async () => {
        const before = document.querySelector('#quiz-q').textContent;
        document.querySelector('#quiz-next').click();
        for (let n = 0; n < 100 && document.querySelector('#quiz-q').textContent === before; n++) {
            await new Promise((res) => setTimeout(res, 20));
        }
        return document.querySelector('#quiz-q').textContent;
    });
}

// Scrolls the long connection's ladder through `steps` positions spread over the whole
// connection, one per animation frame, and reports how long each frame took to draw the rows
// (placeholders included), the most rows ever in the DOM, and the rows drawn at the end.
export function scrollLongLadder(page, steps) {
    return page.evaluate(async (n) => {
        const box = document.querySelector('#ladder');
        const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
        const times = [];
        const renders = [];
        let most = 0;
        const max = box.scrollHeight - box.clientHeight;
        for (let k = 0; k <= n; k++) {
            const t0 = performance.now();
            box.scrollTop = Math.round((max * k) / n);
            await frame();
            await frame();
            times.push(performance.now() - t0);
            renders.push(Number(box.dataset.renderMs || 0));
            most = Math.max(most, box.querySelectorAll('svg g.arrow, svg text.pending').length);
        }
        times.sort((a, b) => a - b);
        renders.sort((a, b) => a - b);
        const r1 = (v) => Math.round(v * 10) / 10;
        return { steps: n, frameMedianMs: r1(times[Math.floor(times.length / 2)]),
                 frameP95Ms: r1(times[Math.floor(times.length * 0.95)]), frameMaxMs: r1(times[times.length - 1]),
                 renderMedianMs: r1(renders[Math.floor(renders.length / 2)]), renderMaxMs: r1(renders[renders.length - 1]),
                 mostRows: most, scrollHeight: box.scrollHeight };
    }, steps);
}

// ------------------------------------------------------------------- a capture of many classes

// The examples (examples/NAME.pcap, all Ethernet, IPv4, microsecond pcap) as one capture: the
// records of all of them in time order, example k's client port (40000) moved to 40000 + k so
// that each stays a connection of its own, its TCP checksum updated as RFC 1624 says.
export const MIX = ['refused', 'syn-unanswered', 'retransmission', 'fourway-close', 'three-segment-close',
                    'abort-by-client', 'half-close', 'zero-window', 'syn-then-fin'];

export function mixedCapture(examplesDir, names = MIX) {
    const records = [];
    let header = null;
    names.forEach((name, k) => {
        const d = fs.readFileSync(path.join(examplesDir, `${name}.pcap`));
        if (d.readUInt32LE(0) !== 0xa1b2c3d4 || d.readUInt32LE(20) !== 1) fail(`${name}.pcap: not a little-endian Ethernet pcap`);
        header = header || d.subarray(0, 24);
        for (let o = 24; o + 16 <= d.length;) {
            const incl = d.readUInt32LE(o + 8);
            const rec = Buffer.from(d.subarray(o, o + 16 + incl));
            const ip = 16 + 14;
            if (rec.readUInt16BE(16 + 12) === 0x0800 && rec[ip + 9] === 6) {
                const tcp = ip + (rec[ip] & 15) * 4;
                for (const at of [tcp, tcp + 2]) {
                    const old = rec.readUInt16BE(at);
                    if (old !== 40000) continue;
                    const nu = old + k + 1;
                    rec.writeUInt16BE(nu, at);
                    // HC' = ~(~HC + ~m + m') in ones' complement
                    let sum = (~rec.readUInt16BE(tcp + 16) & 0xffff) + (~old & 0xffff) + nu;
                    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
                    rec.writeUInt16BE(~sum & 0xffff, tcp + 16);
                }
            }
            records.push({ t: d.readUInt32LE(o) * 1e6 + d.readUInt32LE(o + 4), k, rec });
            o += 16 + incl;
        }
    });
    records.sort((a, b) => a.t - b.t || a.k - b.k);
    return Buffer.concat([header, ...records.map((r) => r.rec)]);
}
