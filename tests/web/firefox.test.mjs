// The dashboard in Firefox: a smoke test against a real tcplensd on 127.0.0.1 (ephemeral port,
// temporary database), with Debian's firefox-esr driven over WebDriver BiDi, which Firefox
// speaks natively. Neither a patched browser nor geckodriver is needed: the test starts Firefox
// with a fresh profile, reads the BiDi address it prints, and sends the commands itself.
// dashboard.test.mjs covers the dashboard in depth in chromium; this one checks that the main
// views, the keys, the language switch and the narrow layout work in Firefox too.
//
// Usage: node firefox.test.mjs TCPLENSD SOURCE_DIR [SCREENSHOT_DIR]
// Environment:
//   TL_FIREFOX      the browser (default /usr/bin/firefox-esr; never downloaded)
//   TL_WEB_DIR      dashboard files to serve instead of SOURCE_DIR/web
//   TL_SCREENSHOTS  where the PNGs go when no SCREENSHOT_DIR is given
//
// Prints "ok N - name" / "not ok N - name" per check, then "N passed, N failed"; exits 1 on any
// failure. The server and Firefox (with all its processes) are stopped whatever happens.
// harness.mjs holds what this test shares with dashboard.test.mjs.

import fs from 'node:fs';
import path from 'node:path';
import {
    ARROWS, CJK, Guard, LAYOUT_KEYS, LoggedProcess, ROWS, SEED, SEED_LABELS, Server, answerQuiz, api, checker, fail,
    fieldValue, filesExist, installed, layoutProbe, layoutProblems, makeLongCapture, mixedCapture, nextQuestion, uploadCapture, pdfText, report,
    scrollLongLadder, show, sleep, summary, testArgs, text, tsgAgainstTimeline, tsgPoints, until, waitView,
} from './harness.mjs';

const TOTAL_BUDGET_MS = 170_000; // the whole run, start to stop (ctest's own limit is higher)
const CHECK_BUDGET_MS = 30_000; // one check, all its waits included
const COMMAND_MS = 10_000; // one BiDi command (a navigation included)
const FIREFOX_START_MS = 30_000; // Firefox's "WebDriver BiDi listening on" line
const STOP_MS = 5_000; // a process to end once asked, before it is killed

const BIDI_RE = /WebDriver BiDi listening on (ws:\/\/127\.0\.0\.1:\d+)/;
const KEY_ARROW_RIGHT = '\uE014'; // WebDriver's code for ArrowRight
const KEY_HOME = '\uE011';
const KEY_END = '\uE010';

// The profile's prefs: nothing in the background may reach out (the machine may be offline)
// or show a first-run page; the test alone decides what Firefox loads.
const PREFS = {
    'app.update.enabled': false,
    'app.update.auto': false,
    'app.update.disabledForTesting': true,
    'app.normandy.enabled': false,
    'app.normandy.api_url': '',
    'app.shield.optoutstudies.enabled': false,
    'nimbus.rollouts.enabled': false,
    'datareporting.policy.dataSubmissionEnabled': false,
    'datareporting.healthreport.uploadEnabled': false,
    'datareporting.usage.uploadEnabled': false,
    'toolkit.telemetry.enabled': false,
    'toolkit.telemetry.unified': false,
    'toolkit.telemetry.archive.enabled': false,
    'toolkit.telemetry.server': '',
    'network.captive-portal-service.enabled': false,
    'network.connectivity-service.enabled': false,
    'network.dns.disablePrefetch': true,
    'network.prefetch-next': false,
    'network.http.speculative-parallel-limit': 0,
    'browser.safebrowsing.downloads.enabled': false,
    'browser.safebrowsing.downloads.remote.enabled': false,
    'browser.safebrowsing.malware.enabled': false,
    'browser.safebrowsing.phishing.enabled': false,
    'browser.safebrowsing.blockedURIs.enabled': false,
    'browser.safebrowsing.provider.mozilla.updateURL': '',
    'services.settings.server': 'data:,#remote-settings-dummy/v1',
    'services.settings.loglevel': 'off',
    'security.remote_settings.intermediates.enabled': false,
    'extensions.update.enabled': false,
    'extensions.systemAddon.update.enabled': false,
    'extensions.getAddons.cache.enabled': false,
    'browser.search.update': false,
    'browser.region.network.url': '',
    'geo.provider.network.url': '',
    'dom.push.connection.enabled': false,
    'browser.shell.checkDefaultBrowser': false,
    'browser.startup.homepage_override.mstone': 'ignore',
    'browser.startup.page': 0,
    'browser.startup.homepage': 'about:blank',
    'startup.homepage_welcome_url': 'about:blank',
    'startup.homepage_welcome_url.additional': '',
    'browser.aboutwelcome.enabled': false,
    'browser.newtabpage.enabled': false,
    'browser.newtabpage.activity-stream.feeds.system.topstories': false,
    'browser.newtabpage.activity-stream.feeds.snippets': false,
    'browser.topsites.contile.enabled': false,
    'browser.translations.enable': false,
    'browser.ml.enable': false,
    'browser.sessionstore.resume_from_crash': false,
    'termsofuse.bypassNotification': true,
    'toolkit.startup.max_resumed_crashes': -1,
    'intl.accept_languages': 'en-US', // English unless the page is told otherwise
    // Scrollbars over the page, as on a phone and in headless chromium: a 375 px viewport
    // leaves 375 px to the layout rather than 363.
    'ui.useOverlayScrollbars': 1,
};

const args = testArgs('firefox.test.mjs');
const { binary, webDir, shotDir } = args;
const firefoxPath = process.env.TL_FIREFOX || '/usr/bin/firefox-esr';
const check = checker(CHECK_BUDGET_MS);

// --------------------------------------------------------------------------------- firefox

// Node 22 has a WebSocket of its own; Node 18 and 20 use the `ws` package (same API).
async function webSocketClass() {
    if (typeof globalThis.WebSocket === 'function') return globalThis.WebSocket;
    return (await import('ws')).default;
}

class Firefox extends LoggedProcess {
    constructor(workdir) {
        super('firefox', path.join(workdir, 'firefox.log'));
        this.profile = path.join(workdir, 'profile');
        this.stopped = false;
    }

    async start() {
        fs.mkdirSync(this.profile);
        fs.writeFileSync(path.join(this.profile, 'user.js'), Object.entries(PREFS)
            .map(([k, v]) => `user_pref(${show(k)}, ${show(v)});\n`).join(''));
        // Firefox refuses connections off the loopback (the page may only reach tcplensd), and
        // then also takes services.settings.server from the prefs instead of Mozilla's.
        const env = { ...process.env, MOZ_CRASHREPORTER_DISABLE: '1', MOZ_DISABLE_NONLOCAL_CONNECTIONS: '1' };
        // Its own process group: the content processes go with it when the group is killed.
        const m = await this.spawn(firefoxPath, ['--headless', '--remote-debugging-port=0', '--profile', this.profile,
                                                 '--no-remote', 'about:blank'],
                                   { env, detached: true, re: BIDI_RE, line: 'WebDriver BiDi listening on',
                                     timeout: FIREFOX_START_MS });
        return `${m[1]}/session`;
    }

    killGroup(signal) {
        if (!this.proc || !this.proc.pid) return;
        try {
            process.kill(-this.proc.pid, signal);
        } catch { /* already gone */ }
    }

    // Asked to end, then the whole group killed: no content process is left behind.
    async stop() {
        if (!this.proc) return;
        if (!this.exit) {
            this.killGroup('SIGTERM');
            await Promise.race([this.exited, sleep(STOP_MS)]);
        }
        this.killGroup('SIGKILL');
        await Promise.race([this.exited, sleep(STOP_MS)]);
        this.stopped = true;
    }

    // At once, as long as stop() has not done it already.
    kill() {
        if (!this.stopped) this.killGroup('SIGKILL');
    }
}

// One BiDi session over a WebSocket: commands answered by id, events to listeners.
class BiDi {
    constructor() {
        this.ws = null;
        this.nextId = 1;
        this.pending = new Map();
        this.listeners = [];
        this.closed = null;
    }

    async connect(url) {
        const WS = await webSocketClass();
        this.ws = new WS(url);
        await new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`no WebSocket to ${url} within ${COMMAND_MS} ms`)), COMMAND_MS);
            this.ws.addEventListener('open', () => { clearTimeout(timer); resolve(); });
            this.ws.addEventListener('error', (e) => {
                clearTimeout(timer);
                reject(new Error(`WebSocket ${url}: ${e.message || (e.error && e.error.message) || 'error'}`));
            });
        });
        this.ws.addEventListener('message', (e) => this.onMessage(String(e.data)));
        this.ws.addEventListener('close', () => {
            this.closed = 'the BiDi connection closed';
            for (const p of this.pending.values()) p.reject(new Error(`${p.method}: ${this.closed}`));
            this.pending.clear();
        });
    }

    onMessage(text) {
        let msg;
        try {
            msg = JSON.parse(text);
        } catch {
            return;
        }
        if (msg.type === 'event') {
            for (const fn of this.listeners) fn(msg.method, msg.params);
            return;
        }
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        clearTimeout(p.timer);
        if (msg.type === 'error') p.reject(new Error(`${p.method}: ${msg.error}: ${msg.message}`));
        else p.resolve(msg.result);
    }

    send(method, params = {}, timeout = COMMAND_MS) {
        if (this.closed) return Promise.reject(new Error(`${method}: ${this.closed}`));
        const id = this.nextId++;
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => {
                this.pending.delete(id);
                reject(new Error(`${method}: no answer within ${timeout} ms`));
            }, timeout);
            this.pending.set(id, { method, resolve, reject, timer });
            this.ws.send(JSON.stringify({ id, method, params }));
        });
    }

    on(fn) {
        this.listeners.push(fn);
    }

    close() {
        if (this.ws && !this.closed) this.ws.close();
    }
}

// The tab the test drives: page functions run in it with JSON in and out, so that no remote
// object has to be decoded.
class Page {
    constructor(bidi, context) {
        this.bidi = bidi;
        this.context = context;
    }

    async goto(url) {
        await this.bidi.send('browsingContext.navigate', { context: this.context, url, wait: 'complete' });
    }

    async evaluate(fn, ...args) {
        const res = await this.bidi.send('script.callFunction', {
            functionDeclaration: `async (json) => JSON.stringify(await (${fn})(...JSON.parse(json)))`,
            arguments: [{ type: 'string', value: JSON.stringify(args) }],
            target: { context: this.context },
            awaitPromise: true,
            resultOwnership: 'none',
        });
        if (res.type === 'exception') {
            fail(`in the page: ${res.exceptionDetails && res.exceptionDetails.text}`);
        }
        return res.result.type === 'string' ? JSON.parse(res.result.value) : undefined;
    }

    // A reference to the element, for pointer actions aimed at it.
    async element(selector) {
        const res = await this.bidi.send('script.callFunction', {
            functionDeclaration: '(s) => document.querySelector(s)',
            arguments: [{ type: 'string', value: selector }],
            target: { context: this.context },
            awaitPromise: false,
            resultOwnership: 'none',
        });
        if (res.type === 'exception' || !res.result.sharedId) fail(`no element ${selector}`);
        return { sharedId: res.result.sharedId };
    }

    async actions(actions) {
        await this.bidi.send('input.performActions', { context: this.context, actions });
        await this.bidi.send('input.releaseActions', { context: this.context });
    }

    async press(key) {
        await this.actions([{ type: 'key', id: 'keyboard',
                              actions: [{ type: 'keyDown', value: key }, { type: 'keyUp', value: key }] }]);
    }

    // A real mouse click in the middle of the element.
    async click(selector) {
        // In view first: the pointer cannot reach outside the viewport. A view
        // that redraws may replace the element or move it after the scroll, so
        // scroll and look again until its middle is inside (at most 40 tries).
        for (let tries = 0; ; tries++) {
            const inside = await this.evaluate((s) => {
                const e = document.querySelector(s);
                if (!e) return false;
                e.scrollIntoView({ block: 'center', inline: 'center', behavior: 'instant' });
                const r = e.getBoundingClientRect();
                const x = r.left + r.width / 2, y = r.top + r.height / 2;
                return x >= 0 && y >= 0 && x < window.innerWidth && y < window.innerHeight;
            }, selector);
            if (inside) break;
            if (tries >= 40) fail(`${selector} cannot be scrolled into the viewport`);
            await new Promise((r) => setTimeout(r, 50));
        }
        const element = await this.element(selector);
        await this.actions([{ type: 'pointer', id: 'mouse', parameters: { pointerType: 'mouse' },
                              actions: [{ type: 'pointerMove', x: 0, y: 0, origin: { type: 'element', element } },
                                        { type: 'pointerDown', button: 0 },
                                        { type: 'pointerUp', button: 0 }] }]);
    }

    async viewport(width, height) {
        await this.bidi.send('browsingContext.setViewport', { context: this.context, viewport: { width, height } });
    }

    // The whole document, as the chromium test's full-page screenshots.
    async screenshot(name) {
        const res = await this.bidi.send('browsingContext.captureScreenshot',
                                         { context: this.context, origin: 'document' });
        fs.writeFileSync(path.join(shotDir, name), Buffer.from(res.data, 'base64'));
    }
}

// ------------------------------------------------------------------------------- the page

function ladderState(page) {
    return page.evaluate((sel) => {
        const arrows = [...document.querySelectorAll(sel)];
        const pos = document.querySelector('#step-pos');
        return {
            count: arrows.length,
            labels: arrows.map((a) => a.getAttribute('data-label')),
            pos: pos ? pos.textContent.replace(/\s+/g, ' ').trim() : null,
        };
    }, ARROWS);
}

// ---------------------------------------------------------------------------------- the run

async function main() {
    if (!filesExist([['tcplensd', binary], ['firefox', firefoxPath, ' (apt-get install firefox-esr, or set TL_FIREFOX)'],
                     ['web dir', webDir]])) return;
    if (!(await installed('a WebSocket client (ws)', webSocketClass))) return;
    const guard = new Guard('tcplens-firefox-', shotDir);
    const server = new Server(guard.workdir, args);
    const firefox = new Firefox(guard.workdir);
    const bidi = new BiDi();
    guard.arm({
        budgetMs: TOTAL_BUDGET_MS,
        kill: () => {
            firefox.kill();
            server.kill();
        },
        logs: [[server.logPath, 'tcplensd-firefox.log'], [firefox.logPath, 'firefox.log']],
        overBudget: () => `over ${TOTAL_BUDGET_MS} ms: stopped; logs in ${shotDir}`,
    });

    const started = Date.now();
    try {
        await server.start();
        console.log(`# tcplensd at ${server.url} (web ${webDir})`);
        const wsUrl = await firefox.start();
        await bidi.connect(wsUrl);
        // A loaded machine can take a while to open the first session.
        const session = await bidi.send('session.new', { capabilities: { alwaysMatch: { acceptInsecureCerts: true } } }, 30_000);
        console.log(`# ${session.capabilities.browserName} ${session.capabilities.browserVersion} at ${wsUrl} (started in ${Date.now() - started} ms)`);
        await run(bidi, server, guard.workdir);
    } catch (e) {
        report('set-up', false, e.message);
    } finally {
        guard.disarm();
        await bidi.send('browser.close', {}, 3_000).catch(() => {});
        bidi.close();
        await firefox.stop();
        await server.stop(STOP_MS);
        guard.cleanUp();
        console.log(`# run took ${Date.now() - started} ms; screenshots and logs: ${shotDir}`);
    }
}

async function run(bidi, server, workdir) {
    const base = server.url;

    // Errors the page logs or throws, gathered over the whole run and judged by the last check.
    const errors = [];
    let context = null;
    bidi.on((method, params) => {
        if (method !== 'log.entryAdded' || params.level !== 'error') return;
        const frames = (params.stackTrace && params.stackTrace.callFrames) || [];
        const ours = (context && params.source && params.source.context === context) ||
                     frames.some((f) => (f.url || '').startsWith(base));
        if (!ours) return;
        const at = frames.find((f) => f.url);
        errors.push(`${params.type}: ${params.text}${at ? ` (${at.url.replace(base, '')}:${at.lineNumber + 1})` : ''}`);
    });
    await bidi.send('session.subscribe', { events: ['log.entryAdded'] });
    const tree = await bidi.send('browsingContext.getTree', { maxDepth: 0 });
    context = tree.contexts.length ? tree.contexts[0].context
        : (await bidi.send('browsingContext.create', { type: 'tab' })).context;
    const page = new Page(bidi, context);
    await page.viewport(1400, 900);

    const ctx = { captureId: null, flowId: null };
    const need = (what) => ctx[what] || fail(`no ${what} (the upload failed)`);
    const openFlow = async (query = '') => {
        await page.goto(`${base}/?flow=${need('flowId')}${query}`);
        await waitView(page, 'flow');
        await until(`${ARROWS} count ${SEED_LABELS.length}`, () => ladderState(page),
                    (s) => s.count === SEED_LABELS.length);
    };

    await check('1. seed-telnet.pcap uploaded through the API (raw body, ?name=)', async () => {
        const body = await api(server, 'POST', '/api/v1/captures?name=seed-telnet.pcap', fs.readFileSync(SEED));
        ctx.captureId = String(body.capture.id);
        if (!body.flows || body.flows.length !== 1) fail(`want 1 flow, the API says ${show(body.flows)}`);
        ctx.flowId = String(body.flows[0].id);
        return `capture ${ctx.captureId}, flow ${ctx.flowId}`;
    });

    await check('2. home view ready, the captures table lists the capture', async () => {
        await page.goto(`${base}/`);
        await waitView(page, 'home');
        const id = need('captureId');
        await until(`#captures table tbody tr[data-capture="${id}"] with a[href="?capture=${id}"]`,
                    () => page.evaluate((i) => !!document.querySelector(
                        `#captures table tbody tr[data-capture="${i}"] a[href="?capture=${i}"]`), id),
                    (v) => v === true);
    });

    await check('3. flows view: exactly one row, the seed flow', async () => {
        await page.goto(`${base}/?capture=${need('captureId')}`);
        await waitView(page, 'flows');
        const rows = await until(`${ROWS} count 1`, () => page.evaluate((s) =>
            [...document.querySelectorAll(s)].map((r) => r.getAttribute('data-flow')), ROWS), (v) => v.length === 1);
        if (rows[0] !== ctx.flowId) fail(`row data-flow=${show(rows[0])}, the API says ${ctx.flowId}`);
    });

    await check('4. flow view: 6 labelled arrows, header fields, state diagram, explanation', async () => {
        await openFlow();
        const s = await ladderState(page);
        if (show(s.labels) !== show(SEED_LABELS)) fail(`data-label in order: ${show(s.labels)}, want ${show(SEED_LABELS)}`);
        for (const [f, want] of [['tcp.src_port', '58544'], ['tcp.window', '65535']]) {
            await until(`#header-diagram [data-field="${f}"] .value = ${want}`, () => fieldValue(page, f), (v) => v === want);
        }
        await until('#state-diagram svg', () => page.evaluate(() => !!document.querySelector('#state-diagram svg')),
                    (v) => v === true);
        const expl = await until('#explanation not empty', () => text(page, '#explanation'), (t) => !!(t && t.trim()));
        await page.screenshot('firefox-flow.png');
        return `#explanation: ${show(expl.trim().slice(0, 80))}`;
    });

    await check('5. keyboard: ArrowRight selects packet 2 of 6', async () => {
        await openFlow();
        await until('#step-pos "1 / 6"', () => ladderState(page), (s) => s.pos === '1 / 6');
        // Keys go to the document, as when nothing in particular has the focus.
        await page.evaluate(() => {
            if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
            window.focus();
        });
        await page.press(KEY_ARROW_RIGHT);
        await until('#step-pos "2 / 6"', () => ladderState(page), (s) => s.pos === '2 / 6');
    });

    await check('6. 中文: a click on #lang-zh puts Chinese in #explanation', async () => {
        await openFlow();
        await page.click('#lang-zh');
        const t = await until('CJK characters in #explanation', () => text(page, '#explanation'),
                              (v) => CJK.test(v || ''));
        return `#explanation: ${show(t.trim().slice(0, 40))}`;
    });

    await check('7. narrow screen 375x740: the flow view does not scroll sideways', async () => {
        await page.viewport(375, 740);
        try {
            await openFlow('&lang=en'); // English like the chromium screenshots, whatever was chosen before
            const w = await page.evaluate(() => document.documentElement.scrollWidth);
            await page.screenshot('firefox-narrow.png');
            if (w > 376) {
                // The outermost elements sticking out, to tell where the layout breaks.
                const wide = await page.evaluate(() => [...document.querySelectorAll('body *')]
                    .filter((e) => e.getBoundingClientRect().right > 376)
                    .filter((e) => !e.parentElement || e.parentElement.getBoundingClientRect().right <= 376)
                    .slice(0, 5).map((e) => `${e.localName}${e.id ? '#' + e.id : ''} (right ${Math.round(e.getBoundingClientRect().right)})`));
                fail(`documentElement.scrollWidth ${w} > 376; too wide: ${wide.join(', ')}`);
            }
            return `scrollWidth ${w}`;
        } finally {
            await page.viewport(1400, 900).catch(() => {});
        }
    });

    // ------------------------------------------------------------------- the classroom (issue 18)

    const examples = {};
    const exampleFlow = async (name) => {
        if (!examples[name]) {
            const body = await api(server, 'POST', `/api/v1/examples/${name}`);
            examples[name] = String(body.flows[0].id);
        }
        return examples[name];
    };
    const go = async (query, view) => {
        await page.goto(`${base}/${query}`);
        await waitView(page, view);
    };
    const stepPos = () => text(page, '#step-pos').then((t) => (t || '').trim());

    await check('9. layouts 1024x768, 1280x720, 1920x1080, 390x844: flow and compare, nothing overlapping or cut', async () => {
        const cmp = `${await exampleFlow('three-segment-close')},${await exampleFlow('fourway-close')}`;
        const notes = [];
        try {
            for (const [w, h] of [[1024, 768], [1280, 720], [1920, 1080], [390, 844]]) {
                await page.viewport(w, h);
                for (const [query, view] of [[`?flow=${need('flowId')}&p=4&lang=en`, 'flow'], [`?compare=${cmp}&lang=en`, 'compare']]) {
                    await go(query, view);
                    if (view === 'flow') await until('#step-pos 5 / 6', stepPos, (t) => t === '5 / 6');
                    const v = await layoutProbe(page, LAYOUT_KEYS[view]);
                    await page.screenshot(`firefox-layout-${view}-${w}x${h}.png`);
                    const bad = layoutProblems(v);
                    if (bad.length) fail(`${view} at ${w}x${h}: ${bad.join('\n')}`);
                    notes.push(`${view} ${w}x${h}`);
                }
            }
        } finally {
            await page.viewport(1400, 900).catch(() => {});
        }
        return notes.join(', ');
    });

    await check('10. projector (view=projector): only the ladder and the packet, large type; print: the worksheet PDF', async () => {
        await go(`?flow=${need('flowId')}&p=1&view=projector&blank=seq,ack`, 'flow');
        const v = await until('body.projector, large #explanation, no summary', () => page.evaluate(() => ({
            body: document.body.classList.contains('projector'),
            summary: document.querySelector('.summary-card').getBoundingClientRect().height,
            ladder: document.querySelector('#ladder svg').getBoundingClientRect().height,
            font: parseFloat(getComputedStyle(document.querySelector('#explanation')).fontSize) })),
        (x) => x.body && x.summary === 0 && x.ladder > 0 && x.font >= 24);
        await page.screenshot('firefox-projector.png');
        const res = await bidi.send('browsingContext.print', { context, page: { width: 21, height: 29.7 } }, 20_000);
        const buf = Buffer.from(res.data, 'base64');
        fs.writeFileSync(path.join(shotDir, 'firefox-worksheet.pdf'), buf);
        const pdf = await pdfText(buf);
        if (pdf.pages < 1 || !buf.subarray(0, 5).equals(Buffer.from('%PDF-'))) fail(`Firefox's PDF: ${pdf.pages} pages`);
        const blanks = await page.evaluate(() => document.querySelectorAll('#worksheet-table td.blank').length);
        if (blanks !== 12) fail(`${blanks} blank cells, want 12 (seq and ack of 6 packets)`);
        return `explanation ${v.font}px; PDF ${pdf.pages} page(s), ${buf.length} bytes`;
    });

    await check('11. time-sequence graph of retransmission.pcap: points = timeline, R marked, + zooms, a click selects', async () => {
        const flow = await exampleFlow('retransmission');
        const timeline = (await api(server, 'GET', `/api/v1/flows/${flow}`)).timeline;
        await go(`?flow=${flow}&lang=en`, 'flow');
        for (const dir of ['s2c', 'c2s']) {
            await page.click(`button[data-tsg-dir=${dir}]`);
            const pts = await until(`#tsg svg[data-dir=${dir}]`, () => tsgPoints(page), (p) => p && p.dir === dir);
            const bad = tsgAgainstTimeline(pts, timeline, dir);
            if (bad.length) fail(`${dir}: ${bad.join('\n')}`);
        }
        const pts = await tsgPoints(page);
        const retrans = timeline.filter((p) => p.event === 'retransmission').map((p) => p.index);
        if (show(pts.segs.filter((s) => s.kind === 'retrans').map((s) => s.i)) !== show(retrans)) fail(`R marks ${show(pts.segs)}`);
        await page.click('#tsg-zoom-in');
        await until('#tsg-zoom-in zooms', () => tsgPoints(page), (p) => p.view !== pts.view);
        await page.click('#tsg-reset');
        await until('#tsg-reset back to the whole flow', () => tsgPoints(page), (p) => p.view === pts.view);
        await page.click(`#tsg g.seg[data-index="${retrans[0]}"] line.bar`);
        await until(`packet ${retrans[0] + 1} selected`, stepPos, (t) => t === `${retrans[0] + 1} / ${timeline.length}`);
        await page.screenshot('firefox-tsg.png');
        return `${pts.segs.length} segments, ${pts.acks.length} ACKs`;
    });

    await check('12. compare: three-segment vs four-way close, refused vs unanswered SYN, in words', async () => {
        const diffs = () => page.evaluate(() => Object.fromEntries([...document.querySelectorAll('#differences li')]
            .map((li) => [li.dataset.diff, { same: li.dataset.same, text: li.textContent }])));
        await go(`?compare=${await exampleFlow('three-segment-close')},${await exampleFlow('fourway-close')}&lang=en`, 'compare');
        let d = await diffs();
        if (d.teardown.same !== 'false' || !/three-segment/.test(d.teardown.text) || d.handshake.same !== 'true') fail(show(d));
        await go(`?compare=${await exampleFlow('refused')},${await exampleFlow('syn-unanswered')}&cscale=time&lang=zh`, 'compare');
        d = await diffs();
        if (d.handshake.same !== 'false' || !CJK.test(d.handshake.text) || d.conn_state.same !== 'false') fail(show(d));
        await page.screenshot('firefox-compare.png');
        return d.handshake.text;
    });

    await check('13. quiz: the seed answered right to the end, then one wrong with its explanation', async () => {
        const timeline = (await api(server, 'GET', `/api/v1/flows/${need('flowId')}`)).timeline;
        await go(`?flow=${need('flowId')}&p=0&mode=quiz&lang=en`, 'flow');
        await until('#quiz-q asks for packet 2', () => text(page, '#quiz-q'), (t) => /\b2\b/.test(t || ''));
        let last;
        for (let i = 1; i < timeline.length; i++) {
            last = await answerQuiz(page, timeline[i]);
            if (last.result !== 'right') fail(`packet ${i + 1}: ${show(last)}`);
            if (i < timeline.length - 1) await nextQuestion(page);
        }
        if (last.right !== 5 || last.total !== 5) fail(`score ${show(last)}`);
        await go(`?flow=${need('flowId')}&p=2&mode=quiz&lang=en`, 'flow');
        const wrong = await answerQuiz(page, timeline[3], { wrong: true });
        if (wrong.result !== 'wrong' || !wrong.wrongParts.includes('seq') || !wrong.explanation) fail(show(wrong));
        await page.screenshot('firefox-quiz.png');
        return `score ${last.right}/${last.total}; then ${wrong.result}`;
    });

    await check('14. a 100 000-packet connection: virtual rows, smooth scrolling, End and Home', async () => {
        const file = path.join(workdir, 'long.pcap');
        await makeLongCapture(binary, file, 100_000);
        const body = await uploadCapture(server, '?name=long.pcap', fs.readFileSync(file));
        fs.rmSync(file);
        const t1 = Date.now();
        await go(`?flow=${body.flows[0].id}&lang=en`, 'flow');
        await until('#step-pos 1 / 100000', stepPos, (t) => t === '1 / 100000');
        const tOpen = Date.now() - t1;
        const s = await scrollLongLadder(page, 30);
        if (s.mostRows > 120 || s.frameP95Ms > 500 || s.renderMaxMs > 250) fail(`not smooth or not virtual: ${show(s)}`);
        await page.evaluate(() => document.activeElement && document.activeElement.blur());
        const t2 = Date.now();
        await page.press(KEY_END);
        await until('End: 100000 / 100000, drawn', () => page.evaluate(() => ({
            pos: document.querySelector('#step-pos').textContent.trim(),
            sel: !!document.querySelector('#ladder g.arrow.selected[data-index="99999"]') })),
        (v) => v.pos === '100000 / 100000' && v.sel);
        const tEnd = Date.now() - t2;
        await page.press(KEY_HOME);
        await until('Home: 1 / 100000', stepPos, (t) => t === '1 / 100000');
        const timing = `open ${tOpen} ms, End ${tEnd} ms; scroll over ${s.steps} positions: frame median ${s.frameMedianMs} ms, ` +
            `p95 ${s.frameP95Ms} ms, max ${s.frameMaxMs} ms; rows drawn in median ${s.renderMedianMs} ms, max ${s.renderMaxMs} ms; ` +
            `at most ${s.mostRows} rows in the DOM`;
        console.log(`# long connection (firefox): ${timing}`);
        return timing;
    });

    await check('15. overview of nine examples in one capture: the bars are /api/v1/stats\'s, the slowest handshakes /flows?sort=-rtt\'s', async () => {
        const body = await api(server, 'POST', '/api/v1/captures?name=mixed.pcap', mixedCapture(args.examplesDir));
        const cap = body.capture.id;
        await page.goto(`${base}/?capture=${cap}&view=overview`);
        await waitView(page, 'overview');
        const stats = await api(server, 'GET', `/api/v1/stats?capture=${cap}&group_by=conn_state`);
        const want = show(stats.groups.map((g) => [String(g.key), g.flows]));
        const got = await until('#ov-chart rows = /api/v1/stats', () => page.evaluate(() => ({
            bars: [...document.querySelectorAll('#ov-chart tbody tr')].map((tr) => [tr.dataset.key, Number(tr.querySelector('.ov-count').textContent)]),
            slow: [...document.querySelectorAll('#ov-slowest li[data-flow]')].map((li) => li.dataset.flow) })),
        (v) => show(v.bars) === want);
        const slow = (await api(server, 'GET', `/api/v1/flows?capture=${cap}&sort=-rtt&limit=10&min_rtt_us=1`)).flows.map((f) => String(f.id));
        if (show(got.slow) !== show(slow)) fail(`slowest ${show(got.slow)}, API ${show(slow)}`);
        await page.screenshot('firefox-overview.png');
        return `bars ${show(got.bars)}`;
    });

    await check('16. a teacher\'s note on packet 2 of the seed: marked beside arrow 2, listed, stored by the API', async () => {
        await openFlow('&p=1');
        const TEXT = 'The server answers the SYN with its own SYN and an ACK.';
        await page.evaluate((t) => {
            document.querySelector('#note-text').value = t;
        }, TEXT);
        await page.click('#note-add');
        const v = await until('a mark on arrow 2 and the note listed', () => page.evaluate(() => ({
            marks: [...document.querySelectorAll('#ladder g.arrow')].filter((g) => g.querySelector('g.note-mark')).map((g) => g.dataset.index),
            list: [...document.querySelectorAll('#notes-list li.ann')].map((li) => [li.dataset.packet, li.querySelector('.ann-text').textContent]) })),
        (x) => show(x.marks) === show(['1']) && x.list.length === 1 && x.list[0][0] === '1');
        const stored = (await api(server, 'GET', `/api/v1/flows/${need('flowId')}/annotations`)).annotations;
        if (stored.length !== 1 || stored[0].packet !== 1 || stored[0].text !== TEXT) fail(`the API holds ${show(stored)}`);
        await page.screenshot('firefox-notes.png');
        await page.click('#notes-list li[data-packet="1"] button.ann-del');
        await until('the note deleted', () => page.evaluate(() => document.querySelectorAll('#notes-list li.ann, #ladder g.note-mark').length), (n) => n === 0);
        return show(v.list);
    });

    await check('8. no JavaScript errors logged by the page', async () => {
        await sleep(100); // the last log entries still on their way
        if (errors.length) fail([...new Set(errors)].slice(0, 10).join('\n'));
    });
}

await main();
process.exit(summary()); // and a stray handle does not keep the run alive
