// The dashboard in a real browser: a tcplensd on 127.0.0.1 (ephemeral port, temporary database)
// and Debian's chromium driven by playwright-core, checked against the DOM contract between
// web/ and this test (ids, data-* attributes, URLs).
//
// Usage: node dashboard.test.mjs TCPLENSD SOURCE_DIR [SCREENSHOT_DIR]
// Environment:
//   TL_CHROMIUM     the browser (default /usr/bin/chromium; never downloaded)
//   TL_WEB_DIR      dashboard files to serve instead of SOURCE_DIR/web
//   TL_SCREENSHOTS  where the PNGs go when no SCREENSHOT_DIR is given
//
// Prints "ok N - name" / "not ok N - name" per check, then "N passed, N failed"; exits 1 on any
// failure. The server and the browser are stopped whatever happens. harness.mjs holds what
// this test shares with firefox.test.mjs.

import fs from 'node:fs';
import path from 'node:path';
import {
    ARROWS, CJK, Guard, HERE, LAYOUT_KEYS, ROWS, SEED, SEED_LABELS, SEED_SIZE, Server, WAIT_MS, answerQuiz, api,
    checker, current, fail, fieldValue, filesExist, installed, layoutProbe, layoutProblems, makeLongCapture,
    mixedCapture, nextQuestion, uploadCapture, pdfText, report, scrollLongLadder, show, sleep, summary, testArgs, text, tsgAgainstTimeline,
    tsgPoints, until, viewState, waitView as waitViewOf,
} from './harness.mjs';

const TOTAL_BUDGET_MS = 260_000; // the whole run, start to stop (ctest's own limit is higher)
const CHECK_BUDGET_MS = 30_000; // one check, all its waits included
const LONG_PACKETS = 100_000; // the long connection of check z
const ACTION_MS = 5_000; // one click, fill, focus...
const NAV_MS = 15_000; // one page load
const SERVER_STOP_MS = 35_000; // tcplensd to end on SIGTERM, before it is killed
const LAUNCH_ARGS = [
    '--no-sandbox', // root cannot use chromium's sandbox
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--no-first-run', '--disable-gpu', '--disable-quic', '--no-proxy-server',
    // Nothing but the loopback resolves: the browser itself cannot reach out either.
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

const args = testArgs('dashboard.test.mjs');
const { binary, webDir, shotDir } = args;
const srcDir = path.dirname(args.examplesDir);
// The pictures docs/ shows (worksheet.pdf, tsg.png, compare.png, quiz.png, overview.png,
// notes.png) go beside the other
// screenshots; TL_WEB_DOCS=1 writes them into docs/ to refresh the documentation.
const docDir = process.env.TL_WEB_DOCS ? path.join(srcDir, 'docs') : shotDir;
const chromiumPath = process.env.TL_CHROMIUM || '/usr/bin/chromium';
const check = checker(CHECK_BUDGET_MS);

// ------------------------------------------------------------------------------- the page

// In the page before its own scripts: every state of progress#upload-progress and every XHR
// upload progress event go to the test, which keeps them across the page's own navigations.
const RECORDER = () => {
    const send = (kind, data) => { try { window.__tlRecord(kind, data); } catch { /* gone */ } };
    new MutationObserver((records) => {
        for (const r of records) {
            const el = r.target;
            if (el.id !== 'upload-progress' || el.localName !== 'progress') continue;
            send('progress', { attr: r.attributeName, state: el.getAttribute('data-state'),
                               value: el.getAttribute('value'), max: el.getAttribute('max') });
        }
    }).observe(document, { subtree: true, attributes: true,
                           attributeFilter: ['value', 'max', 'data-state'] });
    const open = XMLHttpRequest.prototype.open;
    XMLHttpRequest.prototype.open = function (...args) {
        this.upload.addEventListener('progress',
            (e) => send('xhr-progress', { loaded: e.loaded, total: e.total }));
        return open.apply(this, args);
    };
};

// What the page does wrong, gathered over the whole run and judged by the last check.
const problems = { console: [], pageerror: [], failed: [], external: [], server5xx: [], dialogs: [] };

// Each kind of problem, the same message counted once with its number of times.
function problemLines(max = 10) {
    const lines = [];
    for (const [k, v] of Object.entries(problems)) {
        if (!v.length) continue;
        const seen = new Map();
        for (const x of v) seen.set(x, (seen.get(x) || 0) + 1);
        lines.push(`${k} (${v.length}):`);
        for (const [x, n] of [...seen].slice(0, max)) lines.push(`  ${x}${n > 1 ? ` (x${n})` : ''}`);
        if (seen.size > max) lines.push(`  ... and ${seen.size - max} more`);
    }
    return lines;
}

// A view not ready in time: the first time, the page's own errors are the likely reason and
// the failure shows them.
function waitView(page, view, timeout = WAIT_MS) {
    return waitViewOf(page, view, {
        timeout, pageErrors: () => [...new Set([...problems.pageerror, ...problems.console])],
    });
}

function param(page, name) {
    return new URL(page.url()).searchParams.get(name);
}

function rowCount(page) {
    return page.locator(ROWS).count();
}

function ladderState(page) {
    return page.evaluate((sel) => {
        const arrows = [...document.querySelectorAll(sel)];
        const pos = document.querySelector('#step-pos');
        return {
            count: arrows.length,
            indexes: arrows.map((a) => a.getAttribute('data-index')),
            labels: arrows.map((a) => a.getAttribute('data-label')),
            texts: arrows.map((a) => {
                const t = a.querySelector('text.label');
                return t ? t.textContent.trim() : null;
            }),
            selected: arrows.filter((a) => a.classList.contains('selected'))
                .map((a) => a.getAttribute('data-index')),
            pos: pos ? pos.textContent.replace(/\s+/g, ' ').trim() : null,
            p: new URLSearchParams(location.search).get('p'),
        };
    }, ARROWS);
}

// Packet i (0-based) of n is selected: the step counter, the arrow and the URL agree.
async function waitSelected(page, i, n = SEED_LABELS.length) {
    return until(`packet ${i} selected (#step-pos "${i + 1} / ${n}", g.arrow[data-index="${i}"].selected, p=${i})`,
                 () => ladderState(page),
                 (s) => s.pos === `${i + 1} / ${n}` && s.selected.length === 1 &&
                        s.selected[0] === String(i) && (s.p === String(i) || (i === 0 && s.p === null)));
}

// Clicks arrow i on its label, else on the arrow itself (whichever takes the pointer).
async function clickArrow(page, i) {
    const errs = [];
    for (const sel of [`${ARROWS}[data-index="${i}"] text.label`, `${ARROWS}[data-index="${i}"]`]) {
        try {
            await page.locator(sel).click({ timeout: 2_500 });
            return;
        } catch (e) {
            errs.push(`${sel}: ${e.message.split('\n')[0]}`);
        }
    }
    fail(`cannot click arrow ${i}:\n${errs.join('\n')}`);
}

async function shot(page, name) {
    await page.screenshot({ path: path.join(shotDir, name), fullPage: true, timeout: WAIT_MS });
}

// ---------------------------------------------------------------------------------- the run

async function main() {
    const pw = await installed('playwright-core', () => import('playwright-core'));
    if (!pw) return;
    if (!filesExist([['tcplensd', binary], ['chromium', chromiumPath, ' (apt-get install chromium, or set TL_CHROMIUM)'],
                     ['web dir', webDir]])) return;
    const guard = new Guard('tcplens-web-', shotDir);
    const server = new Server(guard.workdir, args);
    let browser = null;
    guard.arm({
        budgetMs: TOTAL_BUDGET_MS,
        // playwright kills the browser itself when this process exits
        kill: () => {
            server.kill();
            if (browser) browser.close().catch(() => {});
        },
        logs: [[server.logPath, 'tcplensd.log']],
        overBudget: () => [`over ${TOTAL_BUDGET_MS} ms: stopped; server log in ${shotDir}/tcplensd.log`,
                           ...problemLines()].join('\n'),
    });

    try {
        await server.start();
        console.log(`# tcplensd at ${server.url} (web ${webDir})`);
        browser = await pw.chromium.launch({ executablePath: chromiumPath, headless: true,
                                             args: LAUNCH_ARGS, timeout: 30_000 });
        await run(browser, server, guard.workdir);
    } catch (e) {
        report('set-up', false, e.message);
    } finally {
        if (browser) await browser.close().catch(() => {});
        browser = null;
        const exit = await server.stop(SERVER_STOP_MS);
        const log = server.log();
        const bad = log.split('\n').filter((l) => /AddressSanitizer|LeakSanitizer|runtime error:/.test(l));
        if (server.url) {
            report('tcplensd stops cleanly on SIGTERM (status 0, no sanitizer report)',
                   exit && exit.code === 0 && !exit.late && bad.length === 0,
                   exit && exit.code === 0 && !bad.length ? '' : `exit ${show(exit)}\n${bad.slice(0, 5).join('\n')}\n${server.tail()}`);
        }
        guard.disarm();
        guard.cleanUp();
        console.log(`# screenshots and tcplensd.log: ${shotDir}`);
    }
}

async function run(browser, server, workdir) {
    const base = server.url;
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 },
                                               locale: 'en-US', serviceWorkers: 'block' });
    context.setDefaultTimeout(ACTION_MS);
    context.setDefaultNavigationTimeout(NAV_MS);

    let expectHttpError = false; // while the error-path check runs, its 4xx is wanted
    const progress = [];
    const xhrProgress = [];
    await context.exposeBinding('__tlRecord', (_src, kind, data) => {
        (kind === 'progress' ? progress : xhrProgress).push(data);
    });
    await context.addInitScript(RECORDER);
    const isLocal = (u) => {
        try {
            const url = new URL(u);
            if (['data:', 'blob:', 'about:'].includes(url.protocol)) return true;
            return url.hostname === '127.0.0.1';
        } catch {
            return false;
        }
    };
    await context.route('**/*', (route) => {
        const u = route.request().url();
        if (isLocal(u)) return route.continue();
        if (!problems.external.includes(u)) problems.external.push(u);
        return route.abort('blockedbyclient');
    });
    context.on('request', (req) => {
        if (!isLocal(req.url()) && !problems.external.includes(req.url())) problems.external.push(req.url());
    });

    const page = await context.newPage();
    page.on('console', (msg) => {
        if (msg.type() !== 'error') return;
        // Name the script that logged it; a page URL would only split identical messages.
        const src = msg.location() && msg.location().url;
        const line = `${msg.text()}${src && /\.m?js$/.test(src) ? ` (${src.replace(base, '')})` : ''}`;
        if (expectHttpError && /status of 4\d\d/.test(line)) return;
        problems.console.push(line);
    });
    page.on('pageerror', (err) => problems.pageerror.push(String(err && err.stack || err).split('\n').slice(0, 3).join(' | ')));
    // A request still running when the test itself loads another page is cut short by that,
    // and so is the icon the browser fetches again on every URL change: neither is the page's
    // fault. Any other failure is.
    const inflight = new Set();
    const cutByUs = new Set();
    page.on('request', (req) => inflight.add(req));
    page.on('requestfinished', (req) => inflight.delete(req));
    page.on('requestfailed', (req) => {
        inflight.delete(req);
        const why = req.failure() && req.failure().errorText;
        const icon = /\/favicon\.[a-z]+$/.test(new URL(req.url()).pathname);
        if ((cutByUs.has(req) || icon) && /ERR_ABORTED/.test(why || '')) return;
        problems.failed.push(`${req.method()} ${req.url()}: ${why} (check ${current})`);
    });
    // Before the test loads a page: let the current one finish its requests (150 ms quiet,
    // 2 s at most), then whatever is left is cut by the test.
    const navigating = async () => {
        const deadline = Date.now() + 2_000;
        let quietSince = inflight.size ? 0 : Date.now();
        while (Date.now() < deadline && !(quietSince && Date.now() - quietSince >= 150)) {
            await sleep(25);
            if (inflight.size) quietSince = 0;
            else if (!quietSince) quietSince = Date.now();
        }
        for (const r of inflight) cutByUs.add(r);
    };
    page.on('response', (res) => {
        if (res.status() >= 500) problems.server5xx.push(`${res.status()} ${res.request().method()} ${res.url()}`);
    });
    page.on('websocket', (ws) => {
        if (!isLocal(ws.url().replace(/^ws/, 'http'))) problems.external.push(ws.url());
    });
    page.on('dialog', (d) => {
        problems.dialogs.push(`${d.type()}: ${d.message()}`);
        d.dismiss().catch(() => {});
    });

    const ctx = { captureId: null, flowId: null };
    const goto = async (query, view) => {
        await navigating();
        await page.goto(`${base}/${query}`, { waitUntil: 'domcontentloaded' });
        if (view) await waitView(page, view);
    };
    // Later checks need the seed's capture and flow even when the upload through the page
    // failed: then the API provides them.
    const seedCapture = async () => {
        if (ctx.captureId) return ctx.captureId;
        const form = new FormData();
        form.append('file', new Blob([fs.readFileSync(SEED)]), 'seed-telnet.pcap');
        ctx.captureId = String((await api(server, 'POST', '/api/v1/captures', form)).capture.id);
        return ctx.captureId;
    };
    const seedFlow = async () => {
        if (ctx.flowId) return ctx.flowId;
        const body = await api(server, 'GET', `/api/v1/captures/${await seedCapture()}`);
        if (!body.flows.length) fail('the seed capture has no flow in the API');
        ctx.flowId = String(body.flows[0].id);
        return ctx.flowId;
    };
    const openFlow = async (p = 0) => {
        await goto(`?flow=${await seedFlow()}&p=${p}`, 'flow');
        await until(`${ARROWS} drawn`, () => page.locator(ARROWS).count(), (n) => n === SEED_LABELS.length);
        await waitSelected(page, p);
    };

    await check('a. upload seed-telnet.pcap through input#file: progress done at 536/536, then the flows view', async () => {
        await goto('', 'home');
        await shot(page, 'home.png');
        progress.length = 0;
        xhrProgress.length = 0;
        await page.locator('input#file').setInputFiles(SEED);
        await until('the URL to become ?capture=ID', () => param(page, 'capture'), (v) => /^\d+$/.test(v || ''));
        ctx.captureId = param(page, 'capture');
        await waitView(page, 'flows');
        const done = progress.filter((p) => p.state === 'done');
        if (!done.length) {
            fail(`progress#upload-progress never had data-state="done"; its changes: ${show(progress.slice(-10))}`);
        }
        const last = done[done.length - 1];
        if (Number(last.value) !== SEED_SIZE || Number(last.max) !== SEED_SIZE) {
            fail(`at data-state="done" value=${last.value} max=${last.max}, want both ${SEED_SIZE}`);
        }
        if (!xhrProgress.length) fail('no upload progress event fired (is the upload an XMLHttpRequest?)');
        return `capture ${ctx.captureId}; ${progress.length} progress element changes, ` +
               `${xhrProgress.length} upload progress events (last ${show(xhrProgress[xhrProgress.length - 1])})`;
    });

    await check('o. a file dropped on #dropzone is uploaded like a picked one', async () => {
        await goto('', 'home');
        const before = (await api(server, 'GET', '/api/v1/captures')).captures.length;
        // The drop a user's drag makes: a DataTransfer holding the seed's bytes as a File. The
        // seed was uploaded already and the same bytes would be answered as that capture
        // (duplicate uploads): sigfigs in the file header, which readers ignore, makes it new.
        const seed = Buffer.from(fs.readFileSync(SEED));
        seed.writeUInt32LE(1, 12); // sigfigs
        const bytes = [...seed];
        const handle = await page.evaluateHandle((b) => {
            const dt = new DataTransfer();
            dt.items.add(new File([new Uint8Array(b)], 'dropped-seed.pcap', { type: 'application/octet-stream' }));
            return dt;
        }, bytes);
        await page.locator('#dropzone').dispatchEvent('dragover', { dataTransfer: handle });
        await page.locator('#dropzone').dispatchEvent('drop', { dataTransfer: handle });
        await until('the URL to become ?capture=ID', () => param(page, 'capture'), (v) => /^\d+$/.test(v || ''));
        await waitView(page, 'flows');
        const caps = (await api(server, 'GET', '/api/v1/captures')).captures;
        const got = caps.find((c) => String(c.id) === param(page, 'capture'));
        if (caps.length !== before + 1 || !got || got.name !== 'dropped-seed.pcap' || got.size_bytes !== SEED_SIZE) {
            fail(`after the drop: ${caps.length} captures (was ${before}), this one ${show(got)}`);
        }
        await until(`${ROWS} count 1`, () => rowCount(page), (c) => c === 1);
        return `capture ${got.id} "${got.name}"`;
    });

    await check('b. one flow row: 192.168.3.10:58544 -> 114.215.206.177:5555, SF', async () => {
        if (!ctx.captureId || param(page, 'capture') !== ctx.captureId) await goto(`?capture=${await seedCapture()}`, 'flows');
        const n = await until(`${ROWS} count 1`, () => rowCount(page), (c) => c === 1);
        const row = page.locator(ROWS).first();
        const t = await row.innerText();
        const missing = ['192.168.3.10', '58544', '114.215.206.177', '5555', 'SF'].filter((s) => !t.includes(s));
        if (missing.length) fail(`row text ${show(t)} lacks ${missing.join(', ')}`);
        ctx.flowId = await row.getAttribute('data-flow');
        await shot(page, 'flows.png');
        return `${n} row, flow ${ctx.flowId}`;
    });

    await check('c. filters: port=5555 keeps the row, host=10.99.99.99 empties it, survives a reload, clear', async () => {
        const cap = await seedCapture();
        await goto(`?capture=${cap}`, 'flows');
        const form = page.locator('form#flow-filters');
        await form.locator('input[name=port]').fill('5555');
        await page.locator('#apply-filters').click();
        await until('URL port=5555', () => param(page, 'port'), (v) => v === '5555');
        if (param(page, 'capture') !== cap) fail(`URL lost capture=${cap}: ${page.url()}`);
        await waitView(page, 'flows');
        await until(`${ROWS} count 1 with port=5555`, () => rowCount(page), (c) => c === 1);

        await form.locator('input[name=port]').fill('');
        await form.locator('input[name=host]').fill('10.99.99.99');
        await page.locator('#apply-filters').click();
        await until('URL host=10.99.99.99', () => param(page, 'host'), (v) => v === '10.99.99.99');
        await waitView(page, 'flows');
        await until(`${ROWS} count 0 and #flows-empty visible with host=10.99.99.99`,
                    async () => [await rowCount(page), await page.locator('#flows-empty').isVisible()],
                    ([c, vis]) => c === 0 && vis);

        const shared = page.url();
        await navigating();
        await page.reload({ waitUntil: 'domcontentloaded' });
        await waitView(page, 'flows');
        const host = await form.locator('input[name=host]').inputValue();
        if (host !== '10.99.99.99') fail(`after reloading ${shared} input[name=host] shows ${show(host)}`);
        await until(`${ROWS} count 0 after the reload`, () => rowCount(page), (c) => c === 0);

        await page.locator('#clear-filters').click();
        await until('URL without host and port', () => [param(page, 'host'), param(page, 'port')],
                    ([h, p]) => !h && !p);
        await waitView(page, 'flows');
        await until(`${ROWS} count 1 after clearing`, () => rowCount(page), (c) => c === 1);
        const h2 = await form.locator('input[name=host]').inputValue();
        if (h2) fail(`#clear-filters left input[name=host] = ${show(h2)}`);
    });

    await check('d. open the flow from its row: a 6-arrow ladder SYN, SYN-ACK, ACK, FIN, FIN (piggybacked ACK), ACK', async () => {
        await goto(`?capture=${await seedCapture()}`, 'flows');
        await until(`${ROWS} count 1`, () => rowCount(page), (c) => c === 1);
        const link = page.locator(`${ROWS} > :is(td, th):first-child a[href^="?flow="]`).first();
        const href = await link.getAttribute('href');
        await link.click();
        await until('URL ?flow=ID', () => param(page, 'flow'), (v) => /^\d+$/.test(v || ''));
        if (href !== `?flow=${param(page, 'flow')}`) fail(`link href ${show(href)} but URL ${page.url()}`);
        ctx.flowId = param(page, 'flow');
        await waitView(page, 'flow');
        const s = await until(`${ARROWS} count ${SEED_LABELS.length}`, () => ladderState(page),
                              (v) => v.count === SEED_LABELS.length);
        const want = show(SEED_LABELS);
        if (show(s.labels) !== want) fail(`data-label in order: ${show(s.labels)}, want ${want}`);
        if (show(s.texts) !== want) fail(`text.label in order: ${show(s.texts)}, want ${want}`);
        if (show(s.indexes) !== show(['0', '1', '2', '3', '4', '5'])) fail(`data-index in order: ${show(s.indexes)}`);
        const invisible = [];
        for (let i = 0; i < s.count; i++) {
            if (!(await page.locator(`${ARROWS}[data-index="${i}"] text.label`).isVisible())) invisible.push(i);
        }
        if (invisible.length) fail(`text.label not visible on arrows ${invisible.join(', ')}`);
        const tab = await page.locator(ARROWS).evaluateAll((as) => as.map((a) => a.getAttribute('tabindex')));
        if (tab.some((t) => t === null)) fail(`arrows without tabindex: ${show(tab)}`);
    });

    await check('e. packet 0 selected by a click: header fields, bit offset/width tooltip, explanation', async () => {
        await goto(`?flow=${await seedFlow()}`, 'flow');
        await until(`${ARROWS} drawn`, () => page.locator(ARROWS).count(), (n) => n === SEED_LABELS.length);
        // Start elsewhere so that the click on arrow 0 is what selects it.
        await clickArrow(page, 1);
        await waitSelected(page, 1);
        await clickArrow(page, 0);
        await waitSelected(page, 0);
        for (const [f, want] of [['tcp.src_port', '58544'], ['tcp.dst_port', '5555'], ['tcp.window', '65535']]) {
            await until(`#header-diagram [data-field="${f}"] .value = ${want}`, () => fieldValue(page, f), (v) => v === want);
        }
        await until('#explanation mentions SYN', () => text(page, '#explanation'), (t) => /\bSYN\b/.test(t || ''));
        await shot(page, 'flow.png');

        const field = page.locator('#header-diagram [data-field="tcp.src_port"]');
        await field.focus();
        const focused = await field.evaluate((el) => el === document.activeElement || el.contains(document.activeElement));
        if (!focused) fail('[data-field="tcp.src_port"] cannot take the focus (no tabindex?)');
        // A visible tooltip on focus: the element it is described by, a role=tooltip, or
        // anything shown for it whose class says tooltip.
        const tip = await until('a visible tooltip mentioning width 16 and offset 0 on focus', () => field.evaluate((el) => {
            const visible = (e) => {
                const r = e.getBoundingClientRect();
                const cs = getComputedStyle(e);
                return r.width > 0 && r.height > 0 && cs.visibility !== 'hidden' && cs.display !== 'none' && Number(cs.opacity) > 0;
            };
            const ids = (el.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
            const cands = [...ids.map((id) => document.getElementById(id)),
                           ...document.querySelectorAll('[role=tooltip], [class*=tooltip], [class*=tip]')]
                .filter(Boolean);
            const shown = cands.filter(visible).map((e) => e.textContent.replace(/\s+/g, ' ').trim());
            return { shown, title: el.getAttribute('title') };
        }), (v) => v.shown.some((t) => /\b16\b/.test(t) && /\b0\b/.test(t)), 3_000);
        return `tooltip: ${show(tip.shown.find((t) => /\b16\b/.test(t)))}`;
    });

    await check('f. keyboard: ArrowRight x5, ArrowLeft, End, Home step through; #next disabled at the end', async () => {
        await openFlow(0);
        const unfocus = () => page.evaluate(() => {
            if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
        });
        await unfocus();
        for (let i = 1; i <= 5; i++) {
            await page.keyboard.press('ArrowRight');
            await waitSelected(page, i);
        }
        if (!(await page.locator('#next').isDisabled())) fail('#next is enabled at the last packet (6 / 6)');
        await page.keyboard.press('ArrowLeft');
        await waitSelected(page, 4);
        if (await page.locator('#next').isDisabled()) fail('#next still disabled at packet 5 / 6');
        await until('#explanation of packet 4 (the FIN with the piggybacked ACK) mentions FIN',
                    () => text(page, '#explanation'), (t) => /FIN/.test(t || ''));
        await shot(page, 'flow-fin.png');
        await page.keyboard.press('Home');
        await waitSelected(page, 0);
        await page.keyboard.press('End');
        await waitSelected(page, 5);
        await page.keyboard.press('Home');
        await waitSelected(page, 0);
    });

    await check('g. 中文: #explanation and #summary in Chinese, html[lang=zh], kept over a reload, back to English', async () => {
        await openFlow(0);
        await page.locator('#lang-zh').click();
        const zh = () => page.evaluate(() => ({
            lang: document.documentElement.getAttribute('lang'),
            pressed: document.querySelector('#lang-zh') && document.querySelector('#lang-zh').getAttribute('aria-pressed'),
            explanation: (document.querySelector('#explanation') || {}).textContent || '',
            summary: (document.querySelector('#summary') || {}).textContent || '',
        }));
        const isZh = (v) => v.lang === 'zh' && v.pressed === 'true' && CJK.test(v.explanation) && CJK.test(v.summary);
        await until('html[lang=zh], #lang-zh[aria-pressed=true], CJK in #explanation and #summary', zh, isZh);
        await shot(page, 'flow-zh.png');
        await navigating();
        await page.reload({ waitUntil: 'domcontentloaded' });
        await waitView(page, 'flow');
        await until('still Chinese after a reload', zh, isZh);
        await page.locator('#lang-en').click();
        await until('html[lang=en], #lang-en[aria-pressed=true], no CJK in #summary and #explanation', () => page.evaluate(() => ({
            lang: document.documentElement.getAttribute('lang'),
            pressed: document.querySelector('#lang-en').getAttribute('aria-pressed'),
            explanation: (document.querySelector('#explanation') || {}).textContent || '',
            summary: (document.querySelector('#summary') || {}).textContent || '',
        })), (v) => v.lang === 'en' && v.pressed === 'true' && v.summary && !CJK.test(v.summary) && !CJK.test(v.explanation));
    });

    await check('h. ladder modes: time then compressed keep 6 arrows, and move them', async () => {
        await openFlow(0);
        const layout = () => page.locator(ARROWS).evaluateAll((as) => as.map((a) => {
            const r = a.getBoundingClientRect();
            return Math.round(r.top + r.height / 2);
        }).join(','));
        const seen = {};
        for (const scale of ['time', 'compressed']) {
            await page.locator(`button[data-scale=${scale}]`).click();
            // compressed is the default mode, which the URL may leave out
            await until(`URL scale=${scale}`, () => param(page, 'scale'),
                        (v) => v === scale || (scale === 'compressed' && v === null));
            await waitView(page, 'flow');
            await until(`${ARROWS} count 6 in ${scale} mode`, () => page.locator(ARROWS).count(), (n) => n === 6);
            seen[scale] = await layout();
        }
        if (seen.time === seen.compressed) fail(`the arrows sit at the same heights in both modes: ${seen.time}`);
        return `arrow heights: time ${seen.time}; compressed ${seen.compressed}`;
    });

    await check('m. states: each arrow shows both sides\' states as the API gives them; the diagram lights the transition', async () => {
        await openFlow(0);
        const timeline = (await api(server, 'GET', `/api/v1/flows/${await seedFlow()}`)).timeline;
        const beside = await page.locator(ARROWS).evaluateAll((as) => as.map((a) => [
            a.querySelector('text.state.left').textContent, a.querySelector('text.state.right').textContent]));
        const want = timeline.map((p) => [p.states.client, p.states.server]);
        if (show(beside) !== show(want)) fail(`states beside the arrows ${show(beside)}, API ${show(want)}`);
        const lit = () => page.evaluate(() => ({
            client: [...document.querySelectorAll('#state-diagram g.state.client')].map((g) => g.dataset.state),
            server: [...document.querySelectorAll('#state-diagram g.state.server')].map((g) => g.dataset.state),
            edges: [...document.querySelectorAll('#state-diagram g.edge.current')]
                .map((g) => `${g.dataset.from}>${g.dataset.to}`).sort(),
        }));
        // Packet 0, the SYN: the client went CLOSED -> SYN-SENT (RFC 9293 "active OPEN, snd SYN"),
        // the server still LISTENs.
        await until('SYN: client SYN-SENT via CLOSED>SYN-SENT, server LISTEN', lit,
                    (v) => show(v.client) === show(['SYN-SENT']) && show(v.server) === show(['LISTEN']) &&
                        show(v.edges) === show(['CLOSED>SYN-SENT']));
        // Packet 4, the FIN that carries the ACK: RFC 9293 has the server receive the FIN
        // (CLOSE-WAIT) and close (LAST-ACK) in one segment; the client's FIN is acknowledged.
        await page.keyboard.press('End');
        await page.keyboard.press('ArrowLeft');
        await waitSelected(page, 4);
        await until('FIN+ACK: client FIN-WAIT-2, server LAST-ACK through CLOSE-WAIT', lit,
                    (v) => show(v.client) === show(['FIN-WAIT-2']) && show(v.server) === show(['LAST-ACK']) &&
                        show(v.edges) === show(['CLOSE-WAIT>LAST-ACK', 'ESTABLISHED>CLOSE-WAIT', 'FIN-WAIT-1>FIN-WAIT-2']));
        const caption = await text(page, '#state-diagram');
        if (!/CLOSE-WAIT/.test(caption || '')) fail(`the caption does not name CLOSE-WAIT: ${show(caption)}`);
    });

    await check('n. keys typed in a filter field do not step; the flows count is shown', async () => {
        await goto(`?capture=${await seedCapture()}`, 'flows');
        await until('#flows-count says 1 flow', () => text(page, '#flows-count'), (t) => /\b1 flow\b/.test(t || ''));
        await openFlow(2);
        await page.evaluate(() => {
            const i = document.createElement('input');
            i.id = 'probe-input';
            document.body.append(i);
        });
        await page.locator('#probe-input').focus();
        await page.keyboard.press('ArrowRight');
        await page.keyboard.press('End');
        await page.waitForTimeout(150);
        const pos = await text(page, '#step-pos');
        if ((pos || '').trim() !== '3 / 6') fail(`keys typed in an input moved the step to ${show(pos)}`);
        await page.evaluate(() => document.getElementById('probe-input').remove());
    });

    await check('p. play walks the story on its own and pauses', async () => {
        await openFlow(0);
        await page.locator('#play').click();
        await until('#play pressed', () => page.locator('#play').getAttribute('aria-pressed'), (v) => v === 'true');
        await waitSelected(page, 1);
        await waitSelected(page, 2);
        await page.keyboard.press('p');
        await until('#play released', () => page.locator('#play').getAttribute('aria-pressed'), (v) => v === 'false');
        const at = await text(page, '#step-pos');
        await page.waitForTimeout(1800);
        const later = await text(page, '#step-pos');
        if (at !== later) fail(`still moving after pause: ${show(at)} then ${show(later)}`);
        return `paused at ${at}`;
    });

    await check('q. accessibility: axe-core finds no violation on home, flows, one connection (en, 中文, true to scale)', async () => {
        // axe-core's rules (WCAG 2.x A/AA and best practices) run inside the page; evaluate()
        // goes through the DevTools protocol, so the page's CSP does not stop it.
        const axeSource = fs.readFileSync(path.join(HERE, 'node_modules/axe-core/axe.min.js'), 'utf8');
        const flow = await seedFlow();
        const found = [];
        for (const [where, view] of [['', 'home'], [`?capture=${await seedCapture()}`, 'flows'],
            [`?flow=${flow}&p=4`, 'flow'], [`?flow=${flow}&p=1&lang=zh`, 'flow'],
            [`?flow=${flow}&scale=time`, 'flow'], [`?capture=${await seedCapture()}&view=overview`, 'overview']]) {
            await goto(where, view);
            await page.evaluate(axeSource);
            const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
            for (const v of r.violations) {
                found.push(`${where || '/'}: ${v.impact} ${v.id} (${v.help}) at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
            }
        }
        await goto(`?flow=${flow}`, 'flow');
        await page.locator('#lang-en').click();
        await waitView(page, 'flow');
        if (found.length) fail(found.join('\n'));
        return '6 views, 0 violations';
    });

    await check('r. API errors in a shared link: a bad port names the field, an unknown flow says 404', async () => {
        const cap = await seedCapture();
        expectHttpError = true;
        try {
            await goto(`?capture=${cap}&port=99999`, 'flows');
            const msg = await until('#error shows the 400 and names port', () => page.evaluate(() => {
                const e = document.getElementById('error');
                return e && !e.hidden ? e.textContent : '';
            }), (t) => /400/.test(t) && /port/.test(t));
            const invalid = await page.locator('form#flow-filters input[name=port]').getAttribute('aria-invalid');
            if (invalid !== 'true') fail(`input[name=port] aria-invalid=${show(invalid)}`);
            await goto('?flow=987654321', 'flow');
            const nf = await until('#error shows 404', () => page.evaluate(() => {
                const e = document.getElementById('error');
                return e && !e.hidden ? e.textContent : '';
            }), (t) => /404/.test(t));
            return `${show(msg)}; ${show(nf)}`;
        } finally {
            await page.waitForTimeout(200); // late console lines of the 4xx still count as wanted
            expectHttpError = false;
        }
    });

    await check('k. narrow screen 375x740: the flow view does not scroll sideways', async () => {
        await page.setViewportSize({ width: 375, height: 740 });
        try {
            await openFlow(0);
            const w = await page.evaluate(() => [document.documentElement.scrollWidth, document.body.scrollWidth]);
            await shot(page, 'flow-narrow.png');
            if (w[0] > 376) {
                // The outermost elements sticking out that no scrolling container holds.
                const wide = await page.evaluate(() => [...document.querySelectorAll('body *')]
                    .filter((e) => e.getBoundingClientRect().right > 376)
                    .filter((e) => {
                        for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
                            if (/auto|scroll|hidden|clip/.test(getComputedStyle(a).overflowX)) return false;
                        }
                        return true;
                    })
                    .filter((e) => !e.parentElement || e.parentElement.getBoundingClientRect().right <= 376)
                    .slice(0, 5).map((e) => `${e.localName}${e.id ? '#' + e.id : ''}${e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : ''} (right ${Math.round(e.getBoundingClientRect().right)})`));
                fail(`documentElement.scrollWidth ${w[0]} > 376; too wide: ${wide.join(', ')}`);
            }
            return `scrollWidth ${w[0]}`;
        } finally {
            await page.setViewportSize({ width: 1280, height: 800 });
        }
    });

    await check('i. examples: one button per GET /api/v1/examples; three-segment-close opens its flows', async () => {
        const examples = (await api(server, 'GET', '/api/v1/examples')).examples;
        await goto('', 'home');
        const n = await until(`#examples button[data-example] count ${examples.length}`,
                              () => page.locator('#examples button[data-example]').count(), (c) => c === examples.length);
        await page.locator('#examples button[data-example="three-segment-close"]').click();
        await until('URL ?capture=ID', () => param(page, 'capture'), (v) => /^\d+$/.test(v || ''));
        if (param(page, 'capture') === ctx.captureId) fail('the example opened the seed capture');
        await waitView(page, 'flows');
        const rows = await until(`${ROWS} count >= 1`, () => rowCount(page), (c) => c >= 1);
        return `${n} examples; three-segment-close: ${rows} flow(s)`;
    });

    await check('fb. a connection with payload shows its first bytes as escaped text, as the API gives them', async () => {
        const cap = (await api(server, 'POST', '/api/v1/examples/fourway-close')).capture.id;
        const f = (await api(server, 'GET', `/api/v1/flows?capture=${cap}`)).flows[0];
        if (!f.first_bytes || !f.first_bytes.c2s) fail(`the API gives no first_bytes: ${show(f.first_bytes)}`);
        await goto(`?flow=${f.id}`, 'flow');
        const got = await until('.first-bytes .fb-text count 2', () => page.locator('.first-bytes .fb-text').evaluateAll(
            (cs) => cs.map((c) => ({ text: c.textContent, hex: c.getAttribute('title') }))), (v) => v.length === 2);
        for (const [i, d] of [[0, f.first_bytes.c2s], [1, f.first_bytes.s2c]]) {
            if (got[i].text !== d.text || got[i].hex !== d.hex) fail(`${i ? 's2c' : 'c2s'}: ${show(got[i])}, API ${show(d)}`);
        }
        if (!/GET \/example HTTP\/1\.0\\r\\n/.test(got[0].text)) fail(`the request is not shown escaped: ${show(got[0].text)}`);
        return `client: ${got[0].text}`;
    });

    await check('j. upload of a non-capture: #upload-error shows 415 / the API message, progress data-state=error', async () => {
        const junk = path.join(workdir, 'not-a-capture.txt');
        fs.writeFileSync(junk, 'This is a text file, not a packet capture.\n');
        await goto('', 'home');
        expectHttpError = true;
        try {
            await page.locator('input#file').setInputFiles(junk);
            await until('progress#upload-progress[data-state="error"]',
                        () => page.locator('progress#upload-progress').getAttribute('data-state'), (v) => v === 'error');
            const err = await until('#upload-error visible with 415 or the API message',
                                    async () => ({ visible: await page.locator('#upload-error').isVisible(),
                                                   text: await text(page, '#upload-error') }),
                                    (v) => v.visible && /415|not a pcap/i.test(v.text || ''));
            const role = await page.locator('#upload-error').getAttribute('role');
            if (role !== 'alert') fail(`#upload-error has role=${show(role)}, want alert`);
            const v = await viewState(page);
            if (!v || v.view !== 'home') fail(`left the home view after a failed upload: ${show(v)}`);
            return `#upload-error: ${show(err.text.trim())}`;
        } finally {
            await page.waitForTimeout(200); // late console lines of the 415 still count as wanted
            expectHttpError = false;
        }
    });

    // ------------------------------------------------------------------- the classroom (issue 18)

    const examples = {};
    const exampleFlow = async (name) => {
        if (!examples[name]) {
            const body = await api(server, 'POST', `/api/v1/examples/${name}`);
            if (!body.flows || !body.flows.length) fail(`example ${name} has no flow`);
            examples[name] = String(body.flows[0].id);
        }
        return examples[name];
    };
    const unfocusPage = () => page.evaluate(() => {
        if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
    });
    const SIZES = [[1024, 768], [1280, 720], [1920, 1080], [390, 844]];

    await check('s. layouts 1024x768, 1280x720, 1920x1080, 390x844: flow and compare views, nothing overlapping or cut', async () => {
        const flow = await seedFlow();
        const cmp = `${await exampleFlow('three-segment-close')},${await exampleFlow('fourway-close')}`;
        const notes = [];
        try {
            for (const [w, h] of SIZES) {
                await page.setViewportSize({ width: w, height: h });
                for (const [query, view, keys] of [[`?flow=${flow}&p=4`, 'flow', LAYOUT_KEYS.flow],
                    [`?compare=${cmp}`, 'compare', LAYOUT_KEYS.compare]]) {
                    await goto(query, view);
                    if (view === 'flow') await waitSelected(page, 4);
                    const v = await layoutProbe(page, keys);
                    await page.screenshot({ path: path.join(shotDir, `layout-${view}-${w}x${h}.png`), timeout: WAIT_MS });
                    const bad = layoutProblems(v);
                    if (bad.length) fail(`${view} at ${w}x${h}: ${bad.join('\n')}`);
                    notes.push(`${view} ${w}x${h}: ${v.count} boxes`);
                }
            }
        } finally {
            await page.setViewportSize({ width: 1280, height: 800 });
        }
        return notes.join('; ');
    });

    await check('t. projector: view=projector and #projector: large type, only the ladder and the selected packet', async () => {
        const flow = await seedFlow();
        await page.setViewportSize({ width: 1024, height: 768 });
        try {
            await goto(`?flow=${flow}&p=1&view=projector`, 'flow');
            await waitSelected(page, 1);
            const probe = () => page.evaluate(() => {
                const shown = (s) => {
                    const e = document.querySelector(s);
                    return !!e && e.getBoundingClientRect().height > 0;
                };
                return { body: document.body.classList.contains('projector'),
                         pressed: document.querySelector('#projector').getAttribute('aria-pressed'),
                         ladder: shown('#ladder svg'), explanation: shown('#explanation'),
                         summary: shown('.summary-card'), states: shown('.states-card'), headers: shown('.header-card'),
                         tsg: shown('#tsg-card'), font: parseFloat(getComputedStyle(document.querySelector('#explanation')).fontSize) };
            });
            const v = await probe();
            if (!v.body || v.pressed !== 'true' || !v.ladder || !v.explanation || v.summary || v.states || v.headers ||
                v.tsg || v.font < 24) fail(`projector view: ${show(v)}`);
            const lay = layoutProblems(await layoutProbe(page, LAYOUT_KEYS.flow));
            if (lay.length) fail(lay.join('\n'));
            await shot(page, 'projector-1024x768.png');
            await page.locator('#projector').click();
            await until('view=projector gone from the URL, the summary back', async () => ({ u: param(page, 'view'), v: await probe() }),
                        (x) => x.u === null && !x.v.body && x.v.summary);
            return `explanation ${v.font}px`;
        } finally {
            await page.setViewportSize({ width: 1280, height: 800 });
        }
    });

    await check('u. worksheet: blanks chosen in the page (seq, ack, states), Chromium print-to-PDF (A4 and Letter) has the table', async () => {
        const flow = await seedFlow();
        await goto(`?flow=${flow}`, 'flow');
        await page.locator('#worksheet-panel summary').click();
        for (const b of ['seq', 'ack', 'states']) await page.locator(`#worksheet-panel input[name=blank][value=${b}]`).check();
        await until('URL blank=seq,ack,states', () => param(page, 'blank'), (v) => v === 'seq,ack,states');
        const ws = await page.evaluate(() => ({
            rows: document.querySelectorAll('#worksheet-table tbody tr').length,
            blanks: [...document.querySelectorAll('#worksheet-table td.blank')].map((td) => td.dataset.blank),
            flags: [...document.querySelectorAll('#worksheet-table tbody tr')].map((tr) => tr.children[3].textContent),
        }));
        if (ws.rows !== 6 || ws.blanks.length !== 6 * 4) fail(`worksheet table: ${show(ws)}`);
        await page.emulateMedia({ media: 'print' });
        const printed = await page.evaluate(() => ({
            worksheet: getComputedStyle(document.querySelector('#worksheet')).display,
            ladderCard: document.querySelector('.ladder-card').getBoundingClientRect().height === 0 ? 'none' : 'shown',
            header: getComputedStyle(document.querySelector('header.top')).display }));
        await page.emulateMedia({ media: null }); // page.pdf() prints with the print stylesheet
        if (printed.worksheet === 'none' || printed.ladderCard !== 'none' || printed.header !== 'none') {
            fail(`print media shows the wrong parts: ${show(printed)}`);
        }
        const docsPdf = path.join(docDir, 'worksheet.pdf');
        const notes = [];
        for (const [format, file] of [['A4', docsPdf], ['Letter', path.join(shotDir, 'worksheet-letter.pdf')]]) {
            await page.pdf({ path: file, format, printBackground: true });
            const pdf = await pdfText(fs.readFileSync(file));
            // Kerning splits words in the PDF's strings: compare without spaces.
            const flat = pdf.text.replace(/\s+/g, '');
            const want = ['Worksheet', 'seq', 'ack', 'SYN-ACK', 'FIN(piggybackedACK)', '[S.]', '[F.]', 'C→S', 'S→C'];
            const lacking = want.filter((w) => !flat.includes(w));
            if (pdf.pages < 1 || lacking.length) fail(`${format} PDF: ${pdf.pages} page(s), lacks ${show(lacking)}; text: ${flat.slice(0, 300)}`);
            notes.push(`${format}: ${pdf.pages} page(s), ${fs.statSync(file).size} bytes`);
        }
        return `${notes.join('; ')}; ${docsPdf} written`;
    });

    await check('v. colour-blind-safe: warnings dashed with a "!" mark, RST with a cross, not colour alone', async () => {
        await goto(`?flow=${await exampleFlow('retransmission')}`, 'flow');
        const v = await until('the retransmission arrow drawn', () => page.evaluate(() => {
            const warn = document.querySelector('#ladder g.arrow.warn');
            if (!warn) return null;
            return { dash: getComputedStyle(warn.querySelector('.shaft')).strokeDasharray,
                     mark: !!warn.querySelector('.warnmark') && warn.querySelector('.warnmark-t').textContent,
                     c2s: getComputedStyle(document.documentElement).getPropertyValue('--tl-c2s').trim(),
                     s2c: getComputedStyle(document.documentElement).getPropertyValue('--tl-s2c').trim() };
        }), (x) => x !== null);
        if (!v.dash || v.dash === 'none' || v.mark !== '!') fail(`warning arrow: ${show(v)}`);
        await goto(`?flow=${await exampleFlow('refused')}`, 'flow');
        const rst = await until('the RST arrow has its cross', () => page.evaluate(() => {
            const r = document.querySelector('#ladder g.arrow.rst');
            return r ? { cross: !!r.querySelector('.rstmark'), label: r.getAttribute('data-label') } : null;
        }), (x) => x && x.cross && x.label === 'RST');
        return `${show(v)}; ${show(rst)}`;
    });

    await check('w. time-sequence graph of retransmission.pcap: points = timeline seq/ack/window, R marked, zoom, pan, click selects', async () => {
        const flow = await exampleFlow('retransmission');
        const timeline = (await api(server, 'GET', `/api/v1/flows/${flow}`)).timeline;
        await goto(`?flow=${flow}`, 'flow');
        const notes = [];
        for (const dir of ['c2s', 's2c']) {
            await page.locator(`button[data-tsg-dir=${dir}]`).click();
            const pts = await until(`#tsg svg[data-dir=${dir}]`, () => tsgPoints(page), (p) => p && p.dir === dir);
            const bad = tsgAgainstTimeline(pts, timeline, dir);
            if (bad.length) fail(`${dir}: ${bad.join('\n')}`);
            notes.push(`${dir}: ${pts.segs.length} segments, ${pts.acks.length} ACKs`);
        }
        await page.locator('button[data-tsg-dir=c2s]').click();
        const pts = await until('#tsg back to c2s', () => tsgPoints(page), (p) => p && p.dir === 'c2s');
        const retrans = timeline.filter((p) => p.event === 'retransmission').map((p) => p.index);
        const marked = pts.segs.filter((s) => s.kind === 'retrans').map((s) => s.i);
        if (show(marked) !== show(retrans)) fail(`segments marked R ${show(marked)}, retransmissions in the timeline ${show(retrans)}`);
        const r = await page.evaluate(() => document.querySelector('#tsg g.seg.retrans text.mark').textContent);
        if (r !== 'R') fail(`the retransmission's mark is ${show(r)}`);
        await shot(page, 'tsg-retransmission.png');
        await page.locator('#tsg-card').screenshot({ path: path.join(docDir, 'tsg.png') });
        // zoom: the wheel over the graph, then +, then reset
        const view0 = pts.view;
        const box = await page.locator('#tsg svg').boundingBox();
        await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
        await page.mouse.wheel(0, -300);
        const zoomed = await until('the wheel zooms in', () => tsgPoints(page), (p) => p.view !== view0);
        const span = (v) => { const [a, b] = v.split(',').map(Number); return b - a; };
        if (!(span(zoomed.view) < span(view0))) fail(`wheel: view ${view0} -> ${zoomed.view}`);
        // pan by dragging, then with the keyboard
        await page.mouse.down();
        await page.mouse.move(box.x + box.width / 2 - 120, box.y + box.height / 2, { steps: 4 });
        await page.mouse.up();
        const dragged = await until('a drag pans', () => tsgPoints(page), (p) => p.view !== zoomed.view);
        await page.locator('#tsg svg').focus();
        await page.keyboard.press('ArrowLeft');
        const keyed = await until('ArrowLeft on the graph pans', () => tsgPoints(page), (p) => p.view !== dragged.view);
        const pos = await text(page, '#step-pos');
        if (pos.trim() !== `1 / ${timeline.length}`) fail(`the arrow key on the graph stepped the packet: ${pos}`);
        await page.keyboard.press('0');
        await until('0 resets the view', () => tsgPoints(page), (p) => p.view === view0);
        // click the retransmitted segment: its packet is selected in the ladder
        await page.locator(`#tsg g.seg[data-index="${retrans[0]}"]`).click();
        await waitSelected(page, retrans[0], timeline.length);
        return `${notes.join('; ')}; views ${view0} -> ${zoomed.view} -> ${dragged.view} -> ${keyed.view}`;
    });

    await check('w2. a long connection\'s time-sequence graph is the server\'s tsg.svg, inline: marks are its packets, zoom, pan, click selects', async () => {
        const n = 3000; // more than the first page: the page shows the server's picture
        const file = path.join(workdir, 'tsg-long.pcap');
        await makeLongCapture(binary, file, n);
        const body = await uploadCapture(server, '?name=tsg-long.pcap', fs.readFileSync(file));
        fs.rmSync(file);
        const flow = body.flows[0].id;
        await goto(`?flow=${flow}`, 'flow');
        const g = await until('#tsg svg.tsg from tsg.svg with marks', () => page.evaluate(() => {
            const s = document.querySelector('#tsg svg.tsg');
            const idx = s ? [...s.querySelectorAll('g.seg[data-index], g.ackpt[data-index]')].map((e) => Number(e.dataset.index)) : [];
            return s && idx.length ? { dir: s.dataset.dir, title: s.querySelector('title').textContent, idx, vb: s.getAttribute('viewBox') } : null;
        }), (v) => v);
        const bad = g.idx.filter((i) => !(Number.isInteger(i) && i >= 0 && i < n));
        if (bad.length || g.idx.length > 3000) fail(`${g.idx.length} marks, indexes outside the flow: ${show(bad.slice(0, 5))}`);
        const vb = () => page.evaluate(() => document.querySelector('#tsg svg').getAttribute('viewBox'));
        await page.locator('#tsg-zoom-in').click();
        const zoomed = await until('#tsg-zoom-in zooms the picture', vb, (v) => v !== g.vb);
        await page.locator('#tsg svg').focus();
        await page.keyboard.press('ArrowRight');
        const panned = await until('ArrowRight pans', vb, (v) => v !== zoomed);
        await page.keyboard.press('0');
        await until('0 resets', vb, (v) => v === g.vb);
        // a segment nothing else covers at its middle: a click there selects its packet
        await page.locator('#tsg svg').scrollIntoViewIfNeeded();
        const target = await page.evaluate(() => {
            for (const e of document.querySelectorAll('#tsg g.seg[data-index]')) {
                const r = e.querySelector('line.bar').getBoundingClientRect();
                const x = r.left + r.width / 2;
                const y = r.top + r.height / 2;
                const hit = document.elementFromPoint(x, y);
                if (hit && hit.closest('[data-index]') === e) return { i: Number(e.dataset.index), x, y };
            }
            return null;
        });
        if (!target) fail('no segment mark can be clicked');
        await page.mouse.click(target.x, target.y);
        await waitSelected(page, target.i, n);
        return `${g.dir}: ${g.idx.length} marks; views ${g.vb} -> ${zoomed} -> ${panned}; clicked packet ${target.i}`;
    });

    await check('x. compare: three-segment vs four-way close, refused vs unanswered SYN, one time and one packet scale, in words (en, 中文)', async () => {
        const a = await exampleFlow('three-segment-close');
        const b = await exampleFlow('fourway-close');
        await goto(`?compare=${a},${b}`, 'compare');
        const diffs = () => page.evaluate(() => Object.fromEntries([...document.querySelectorAll('#differences li')]
            .map((li) => [li.dataset.diff, { same: li.dataset.same, text: li.textContent }])));
        let d = await diffs();
        if (d.teardown.same !== 'false' || !/three-segment/.test(d.teardown.text) || !/four-way/.test(d.teardown.text)) fail(`teardown: ${show(d.teardown)}`);
        if (d.handshake.same !== 'true' || d.packets.same !== 'false' || !/10/.test(d.packets.text) || !/11/.test(d.packets.text)) fail(`handshake/packets: ${show(d)}`);
        if (d.events.same !== 'false' || !/FIN \(piggybacked ACK\) 1 \/ 0/.test(d.events.text)) fail(`events: ${show(d.events)}`);
        const arrows = await page.evaluate(() => ['a', 'b'].map((k) => document.querySelectorAll(`#ladder-${k} svg g.arrow`).length));
        if (show(arrows) !== show([10, 11])) fail(`arrows ${show(arrows)}, want [10,11]`);
        await shot(page, 'compare-close.png');
        await page.screenshot({ path: path.join(docDir, 'compare.png'), timeout: WAIT_MS });
        await page.locator('button[data-cscale=time]').click();
        await until('URL cscale=time', () => param(page, 'cscale'), (v) => v === 'time');
        await waitView(page, 'compare');
        // one time scale: the same time is the same height in both ladders
        const ys = await page.evaluate(() => ['a', 'b'].map((k) => {
            const svg = document.querySelector(`#ladder-${k} svg`);
            return svg.getAttribute('viewBox');
        }));
        if (ys[0] !== ys[1]) fail(`one time scale, yet the ladders' heights differ: ${show(ys)}`);
        await goto(`?compare=${await exampleFlow('refused')},${await exampleFlow('syn-unanswered')}&lang=zh`, 'compare');
        d = await diffs();
        if (d.handshake.same !== 'false' || !CJK.test(d.handshake.text) || d.final_states.same !== 'false' || d.conn_state.same !== 'false') fail(`refused vs unanswered: ${show(d)}`);
        await shot(page, 'compare-refused-zh.png');
        await page.locator('#lang-en').click();
        await waitView(page, 'compare');
        return `${d.handshake.text} ${d.conn_state.text}`;
    });

    await check('y. quiz: the seed answered right to the end (score full), then one wrong (marked, explanation shown), lesson link', async () => {
        const flow = await seedFlow();
        const timeline = (await api(server, 'GET', `/api/v1/flows/${flow}`)).timeline;
        await goto(`?flow=${flow}&p=0&mode=quiz`, 'flow');
        await until('#quiz-q asks for packet 2', () => text(page, '#quiz-q'), (t) => /\b2\b/.test(t || ''));
        const hidden = await page.evaluate(() => [...document.querySelectorAll('#ladder g.arrow')]
            .filter((g) => getComputedStyle(g).visibility !== 'hidden').length);
        if (hidden !== 1) fail(`${hidden} arrows visible at the start of the quiz, want 1`);
        let last;
        for (let i = 1; i < timeline.length; i++) {
            last = await answerQuiz(page, timeline[i]);
            if (last.result !== 'right' || !last.explanation) fail(`packet ${i + 1}: ${show(last)}`);
            if (i === 2) await shot(page, 'quiz-right.png');
            if (i < timeline.length - 1) await nextQuestion(page);
        }
        if (last.right !== timeline.length - 1 || last.asked !== last.total) fail(`score ${show(last)}`);
        await page.screenshot({ path: path.join(docDir, 'quiz.png'), timeout: WAIT_MS });
        // The lesson link: capture, flow, packet, language, mode
        await goto(`?flow=${flow}&p=3&mode=quiz&lang=zh`, 'flow');
        const wrong = await answerQuiz(page, timeline[4], { wrong: true });
        if (wrong.result !== 'wrong' || !wrong.wrongParts.includes('seq') || !CJK.test(wrong.explanation) || wrong.right !== 0) fail(`wrong answer: ${show(wrong)}`);
        const q = new URLSearchParams(wrong.url);
        const link = await page.locator('#lesson-link').getAttribute('href');
        for (const [k, v] of [['flow', flow], ['capture', await seedCapture()], ['p', '4'], ['mode', 'quiz'], ['lang', 'zh']]) {
            if (q.get(k) !== v) fail(`lesson URL ${wrong.url}: ${k}=${q.get(k)}, want ${v}`);
        }
        if (!/mode=quiz/.test(link)) fail(`#lesson-link ${link}`);
        await shot(page, 'quiz-wrong-zh.png');
        await page.locator('#lang-en').click();
        await waitView(page, 'flow');
        return `score ${last.right}/${last.total}; wrong marked: ${wrong.wrongParts.join(',')}`;
    });

    await check('z. a 100 000-packet connection: virtual ladder, smooth scrolling, End / Home / → across pages', async () => {
        const file = path.join(workdir, 'long.pcap');
        const t0 = Date.now();
        await makeLongCapture(binary, file, LONG_PACKETS);
        const body = await uploadCapture(server, '?name=long.pcap', fs.readFileSync(file));
        fs.rmSync(file);
        const flow = String(body.flows[0].id);
        const tUp = Date.now() - t0;
        const t1 = Date.now();
        await goto(`?flow=${flow}`, 'flow');
        await until('#step-pos "1 / 100000"', () => text(page, '#step-pos'), (t) => (t || '').trim() === `1 / ${LONG_PACKETS}`);
        const tOpen = Date.now() - t1;
        const s = await scrollLongLadder(page, 40);
        if (s.mostRows > 120) fail(`${s.mostRows} rows in the DOM at once: not virtual`);
        if (s.frameP95Ms > 500 || s.renderMaxMs > 250) fail(`scrolling is not smooth: ${show(s)}`);
        await unfocusPage();
        const t2 = Date.now();
        await page.keyboard.press('End');
        await until(`End: packet ${LONG_PACKETS} selected and drawn`, () => page.evaluate((n) => ({
            pos: document.querySelector('#step-pos').textContent.trim(),
            sel: (document.querySelector('#ladder g.arrow.selected') || {}).dataset,
            title: document.querySelector('#packet-h').textContent }), LONG_PACKETS),
        (v) => v.pos === `${LONG_PACKETS} / ${LONG_PACKETS}` && v.sel && v.sel.index === String(LONG_PACKETS - 1) && !/…/.test(v.title));
        const tEnd = Date.now() - t2;
        await shot(page, 'long-end.png');
        await page.keyboard.press('Home');
        await until('Home: packet 1', () => text(page, '#step-pos'), (t) => (t || '').trim() === `1 / ${LONG_PACKETS}`);
        for (let i = 0; i < 3; i++) await page.keyboard.press('PageDown');
        await until('PageDown x3: packet 61', () => text(page, '#step-pos'), (t) => (t || '').trim() === `61 / ${LONG_PACKETS}`);
        await goto(`?flow=${flow}&p=999`, 'flow');
        await page.keyboard.press('ArrowRight');
        await until('→ from 1000 (the first page\'s last) to 1001', () => page.evaluate(() => ({
            pos: document.querySelector('#step-pos').textContent.trim(), title: document.querySelector('#packet-h').textContent })),
        (v) => v.pos === `1001 / ${LONG_PACKETS}` && !/…/.test(v.title));
        const timing = `upload ${tUp} ms, open ${tOpen} ms, End ${tEnd} ms; scroll over ${s.steps} positions: frame median ${s.frameMedianMs} ms, ` +
            `p95 ${s.frameP95Ms} ms, max ${s.frameMaxMs} ms; row drawing median ${s.renderMedianMs} ms, max ${s.renderMaxMs} ms; at most ${s.mostRows} rows in the DOM`;
        console.log(`# long connection (chromium): ${timing}`);
        return timing;
    });

    // ------------------------------------------- operators and teachers (issue 17 item 6, issue 18 item 5)

    // Nine examples in one capture: five Zeek states, three handshakes, five teardowns, two ports.
    let mixed = null;
    const mixedId = async () => {
        if (!mixed) {
            const body = await api(server, 'POST', '/api/v1/captures?name=mixed.pcap', mixedCapture(args.examplesDir));
            mixed = String(body.capture.id);
            if (body.flows.length !== 9) fail(`the mixed capture has ${body.flows.length} flows, want 9`);
        }
        return mixed;
    };
    const ids = (flows) => flows.map((f) => String(f.id));
    const chartRows = () => page.evaluate(() => ({
        group: (document.querySelector('#ov-chart') || {}).dataset?.group,
        rows: [...document.querySelectorAll('#ov-chart tbody tr')].map((tr) => ({
            key: tr.dataset.key, flows: Number(tr.dataset.flows),
            count: tr.querySelector('.ov-count').textContent.trim(), share: tr.querySelector('.ov-share').textContent.trim(),
            name: tr.querySelector('th').firstChild.textContent.trim(),
            title: tr.querySelector('th [title]') ? tr.querySelector('th [title]').getAttribute('title') : null })),
    }));
    const OV_KEYS = ['header.top', 'nav.crumbs', '.capture-head h1', '.ov-totals-card', '#ov-chart-card', '#ov-slowest',
                     '#ov-retrans', '#notes', 'footer.foot'];

    await check('ov. overview: totals and bars = /api/v1/stats for each grouping, labels and meanings from the vocabulary, slowest = sort=-rtt, most retransmitting = sort=-retrans_bytes', async () => {
        const cap = await mixedId();
        const vocab = await api(server, 'GET', '/api/v1/vocabulary');
        await goto(`?capture=${cap}`, 'flows');
        await page.locator('#overview-link').click();
        await until('URL view=overview', () => param(page, 'view'), (v) => v === 'overview');
        await waitView(page, 'overview');
        const notes = [];
        for (const g of ['conn_state', 'handshake', 'teardown', 'server_port']) {
            if (g !== 'conn_state') {
                await page.locator('#ov-group').selectOption(g);
                await until(`URL group_by=${g}`, () => param(page, 'group_by'), (v) => v === g);
                await waitView(page, 'overview');
            }
            const stats = await api(server, 'GET', `/api/v1/stats?capture=${cap}&group_by=${g}`);
            const got = await until(`#ov-chart[data-group=${g}]`, chartRows, (v) => v.group === g);
            const want = stats.groups.map((x) => ({ key: String(x.key), flows: x.flows }));
            const seen = got.rows.map((r) => ({ key: r.key, flows: r.flows }));
            if (show(seen) !== show(want)) fail(`${g}: bars ${show(seen)}, /api/v1/stats ${show(want)}`);
            const counts = got.rows.map((r) => Number(r.count));
            if (show(counts) !== show(want.map((x) => x.flows))) fail(`${g}: the counts written ${show(counts)}`);
            const shares = got.rows.map((r) => parseFloat(r.share));
            const wantShares = stats.groups.map((x) => Math.round(x.share * 10) / 10);
            if (show(shares) !== show(wantShares)) fail(`${g}: shares ${show(shares)}, API ${show(wantShares)}`);
            if (vocab[g]) {
                for (const r of got.rows) {
                    const row = vocab[g].find((v) => v.name === r.key);
                    if (!row || r.name !== row.label.en || r.title !== row.meaning.en) {
                        fail(`${g} ${r.key}: shown ${show([r.name, r.title])}, vocabulary ${show(row && [row.label.en, row.meaning.en])}`);
                    }
                }
            }
            notes.push(`${g}: ${seen.map((x) => `${x.key} ${x.flows}`).join(', ')}`);
        }
        const stats = await api(server, 'GET', `/api/v1/stats?capture=${cap}`);
        const totals = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('#ov-totals [data-total]')]
            .map((e) => [e.dataset.total, e.querySelector('dd').textContent])));
        if (totals.flows !== String(stats.total.flows) || totals.packets !== String(stats.total.packets) ||
            totals.retrans_packets !== String(stats.total.retrans_packets)) fail(`totals ${show(totals)}, API ${show(stats.total)}`);
        const lists = () => page.evaluate(() => ['#ov-slowest', '#ov-retrans'].map((s) =>
            [...document.querySelectorAll(`${s} li[data-flow]`)].map((li) => li.dataset.flow)));
        const [slow, retr] = await lists();
        const wantSlow = ids((await api(server, 'GET', `/api/v1/flows?capture=${cap}&sort=-rtt&limit=10&min_rtt_us=1`)).flows);
        const wantRetr = ids((await api(server, 'GET', `/api/v1/flows?capture=${cap}&sort=-retrans_bytes&limit=10&min_retrans=1`)).flows);
        if (show(slow) !== show(wantSlow) || slow.length < 2) fail(`slowest ${show(slow)}, /flows?sort=-rtt ${show(wantSlow)}`);
        if (show(retr) !== show(wantRetr) || !retr.length) fail(`most retransmitting ${show(retr)}, API ${show(wantRetr)}`);
        // In Chinese: the same bars, the page's words and the vocabulary's in Chinese
        await goto(`?capture=${cap}&view=overview&lang=zh`, 'overview');
        const zh = await chartRows();
        const zhRow = vocab.conn_state.find((v) => v.name === zh.rows[0].key);
        const h2 = await text(page, '#ov-chart-h');
        if (zh.rows.length !== stats.groups.length || !CJK.test(h2) || zh.rows[0].title !== zhRow.meaning.zh) {
            fail(`中文: ${show(h2)} ${show(zh.rows[0])}`);
        }
        await page.locator('#lang-en').click();
        await waitView(page, 'overview');
        for (const [w, hh] of [[1024, 768], [1920, 1080]]) {
            await page.setViewportSize({ width: w, height: hh });
            const lay = layoutProblems(await layoutProbe(page, OV_KEYS));
            await shot(page, `overview-${w}x${hh}.png`);
            if (lay.length) fail(`overview at ${w}x${hh}: ${lay.join('\n')}`);
        }
        await page.setViewportSize({ width: 1280, height: 800 });
        await page.locator('#ov-chart-card').screenshot({ path: path.join(docDir, 'overview.png') });
        await page.locator(`#ov-slowest li[data-flow="${slow[0]}"] a`).click();
        await until(`URL ?flow=${slow[0]}`, () => param(page, 'flow'), (v) => v === slow[0]);
        await waitView(page, 'flow');
        return `${notes.join('; ')}; slowest ${slow.join(',')}; retransmitting ${retr.join(',')}`;
    });

    await check('so. column headings sort the connections as the API\'s sort= does (ascending, descending), aria-sort, kept in the URL', async () => {
        const cap = await mixedId();
        await goto(`?capture=${cap}`, 'flows');
        const state = () => page.evaluate(() => ({
            rows: [...document.querySelectorAll('table#flows tbody tr[data-flow]')].map((tr) => tr.dataset.flow),
            sorted: [...document.querySelectorAll('table#flows th[aria-sort]')].map((th) => `${th.dataset.col}:${th.getAttribute('aria-sort')}`),
            service: document.querySelectorAll('table#flows tbody td.service').length,
        }));
        const notes = [];
        for (const key of ['first_ts', 'duration', 'rtt', 'packets', 'bytes', 'retrans']) {
            for (const desc of [false, true]) {
                const want = `${desc ? '-' : ''}${key}`;
                await page.locator(`table#flows th button.sort[data-sort="${key}"]`).click();
                await until(`URL sort=${want}`, () => param(page, 'sort'), (v) => v === want);
                await waitView(page, 'flows');
                const api_ = ids((await api(server, 'GET', `/api/v1/flows?capture=${cap}&sort=${want}&limit=50`)).flows);
                const s = await until(`rows in the order of sort=${want}, aria-sort on ${key}`, state,
                    (v) => show(v.rows) === show(api_) && show(v.sorted) === show([`${key}:${desc ? 'descending' : 'ascending'}`]));
                if (s.service !== 9) fail(`${s.service} service cells, want 9`);
                notes.push(`${want}: ${s.rows.join(',')}`);
            }
        }
        await navigating();
        await page.reload({ waitUntil: 'domcontentloaded' });
        await waitView(page, 'flows');
        const after = await state();
        const want = ids((await api(server, 'GET', `/api/v1/flows?capture=${cap}&sort=-retrans&limit=50`)).flows);
        if (show(after.rows) !== show(want) || show(after.sorted) !== show(['retrans:descending'])) fail(`after a reload: ${show(after)}`);
        const orders = new Set(notes.map((n) => n.split(': ')[1]));
        if (orders.size < 3) fail(`the sorts gave only ${orders.size} different orders: ${notes.join('; ')}`);
        return notes.join('; ');
    });

    await check('nt. teacher\'s notes: one on packet 4 is marked beside arrow 5 and listed, one on the connection first; kept over a reload, on the capture, printed, deleted', async () => {
        const flow = await seedFlow();
        const cap = await seedCapture();
        const TEXT = 'The server acknowledges the FIN and sends its own in one segment.';
        const TOP = 'Count the segments of the close: three, not four.';
        const marks = () => page.evaluate(() => ({
            marks: [...document.querySelectorAll('#ladder g.arrow')].filter((g) => g.querySelector('g.note-mark'))
                .map((g) => g.dataset.index),
            list: [...document.querySelectorAll('#notes-list li.ann')].map((li) => [li.dataset.packet, li.querySelector('.ann-text').textContent]),
        }));
        await openFlow(4);
        await page.locator('#note-text').fill(TEXT);
        await page.locator('#note-author').fill('Ms. Li');
        if (!(await page.locator('#note-on-packet').isChecked())) fail('#note-on-packet is not checked by default');
        const label = await text(page, '#note-on-packet-t');
        if (!/\b5\b/.test(label)) fail(`the checkbox says ${show(label)}, want packet 5`);
        await page.locator('#note-add').click();
        let m = await until('a mark on arrow 5 (data-index 4) and the note in the list', marks,
            (v) => show(v.marks) === show(['4']) && v.list.length === 1 && v.list[0][0] === '4' && v.list[0][1] === TEXT);
        const stored = (await api(server, 'GET', `/api/v1/flows/${flow}/annotations`)).annotations;
        if (stored.length !== 1 || stored[0].packet !== 4 || stored[0].text !== TEXT || stored[0].author !== 'Ms. Li') {
            fail(`the API holds ${show(stored)}`);
        }
        // A note on the whole connection: listed first
        await page.locator('#note-on-packet').uncheck();
        await page.locator('#note-text').fill(TOP);
        await page.locator('#note-add').click();
        m = await until('the connection\'s note at the top of the list', marks,
            (v) => v.list.length === 2 && v.list[0][0] === '' && v.list[0][1] === TOP && show(v.marks) === show(['4']));
        await navigating();
        await page.reload({ waitUntil: 'domcontentloaded' });
        await waitView(page, 'flow');
        m = await until('both notes and the mark after a reload', marks,
            (v) => v.list.length === 2 && show(v.marks) === show(['4']) && v.list[1][1] === TEXT);
        // the list's packet button selects it
        await openFlow(0);
        await page.locator('#notes-list li[data-packet="4"] button.ann-where').click();
        await waitSelected(page, 4);
        for (const [w, hh] of [[1024, 768], [1920, 1080]]) {
            await page.setViewportSize({ width: w, height: hh });
            const lay = layoutProblems(await layoutProbe(page, [...LAYOUT_KEYS.flow, '#notes']));
            await shot(page, `notes-${w}x${hh}.png`);
            if (lay.length) fail(`flow with notes at ${w}x${hh}: ${lay.join('\n')}`);
        }
        await page.setViewportSize({ width: 1280, height: 800 });
        await page.locator('.flow-grid').screenshot({ path: path.join(docDir, 'notes.png') });
        // printed: the worksheet's row 5 and its ladder carry the note, the connection's note under the title
        await page.emulateMedia({ media: 'print' });
        const ws = await page.evaluate(() => {
            const td = document.querySelector('#worksheet-table tr[data-index="4"] td.ws-note');
            return { shown: getComputedStyle(document.querySelector('#worksheet')).display !== 'none',
                     row5: td ? td.textContent : null,
                     others: [...document.querySelectorAll('#worksheet-table td.ws-note')].filter((c) => c.textContent).length,
                     mark: !!document.querySelector('#worksheet .ws-ladder g.arrow[data-index="4"] g.note-mark'),
                     top: [...document.querySelectorAll('#worksheet .ws-flow-notes li')].map((li) => li.textContent) };
        });
        await page.emulateMedia({ media: null });
        if (!ws.shown || !ws.row5 || !ws.row5.includes(TEXT) || ws.others !== 1 || !ws.mark || ws.top.length !== 1 || !ws.top[0].includes(TOP)) {
            fail(`the printed worksheet: ${show(ws)}`);
        }
        // the capture's view lists the connection's notes, linked to their packet
        await goto(`?capture=${cap}`, 'flows');
        const capNotes = await until('the capture lists both notes', () => page.evaluate(() =>
            [...document.querySelectorAll('#notes-list li.ann')].map((li) => [li.querySelector('.ann-where').getAttribute('href'), li.querySelector('.ann-text').textContent])),
        (v) => v.length === 2);
        if (!capNotes.some(([href, txt]) => href === `?flow=${flow}&p=4` && txt === TEXT)) fail(`capture notes ${show(capNotes)}`);
        // 中文 words
        await goto(`?flow=${flow}&p=4&lang=zh`, 'flow');
        const zh = await until('#notes-h in Chinese', () => text(page, '#notes-h'), (v) => CJK.test(v || ''));
        await page.locator('#lang-en').click();
        await waitView(page, 'flow');
        // deleted: the mark and the list item go, the API forgets them
        for (const pkt of ['4', '']) {
            await page.locator(`#notes-list li[data-packet="${pkt}"] button.ann-del`).click();
            await until(`the note ${pkt ? 'on packet 4' : 'on the connection'} gone`, marks,
                (v) => !v.list.some((x) => x[0] === pkt) && (pkt !== '4' || v.marks.length === 0));
        }
        const left = (await api(server, 'GET', `/api/v1/flows/${flow}/annotations`)).annotations;
        if (left.length) fail(`after deleting, the API still holds ${show(left)}`);
        return `marks ${show(m.marks)}; worksheet row 5: ${show(ws.row5)}; ${zh}`;
    });

    await check('l. no console errors, page errors, failed requests, 5xx, dialogs or requests off 127.0.0.1', async () => {
        const lines = problemLines();
        if (lines.length) fail(lines.join('\n'));
    });
}

await main();
process.exit(summary()); // and a stray handle does not keep the run alive
