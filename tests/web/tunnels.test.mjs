// The selected packet's tunnel path and each header's diagram, in a real browser: a tcplensd on
// 127.0.0.1 (ephemeral port, temporary database), tunnelled captures from tests/golden uploaded
// through the API, Debian's chromium driven by playwright-core. Each packet's `layers` become a
// strip of links outermost first (nav.tl-path) and each header of `fields` a diagram
// (figure.tl-hdr[data-layer]), its words from the vocabulary in English and Chinese.
//
// Usage: node tunnels.test.mjs TCPLENSD SOURCE_DIR [SCREENSHOT_DIR]  (environment: as
// dashboard.test.mjs). Prints "ok N - name" per check; exits 1 on any failure.

import fs from 'node:fs';
import path from 'node:path';
import {
    CJK, Guard, Server, WAIT_MS, api, checker, fail, filesExist, installed, layoutProbe, layoutProblems,
    report, show, summary, testArgs, until, uploadCapture, waitView,
} from './harness.mjs';

const TOTAL_BUDGET_MS = 150_000;
const SERVER_STOP_MS = 35_000;
const LAUNCH_ARGS = [
    '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--no-first-run', '--disable-gpu', '--disable-quic', '--no-proxy-server',
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

const args = testArgs('tunnels.test.mjs');
const { binary, webDir, shotDir } = args;
const srcDir = path.dirname(args.examplesDir);
const chromiumPath = process.env.TL_CHROMIUM || '/usr/bin/chromium';
const check = checker(30_000);

// case -> the headers its first packet's path must show, outermost first (every one, from the
// frame's own Ethernet header on)
const CASES = {
    tun_vxlan: ['eth', 'ip', 'udp', 'vxlan', 'eth', 'ip', 'tcp'],
    tun_gre: ['eth', 'ip', 'gre', 'ip', 'tcp'],
    tun_gtpu: ['eth', 'ip', 'udp', 'gtpu', 'ip', 'tcp'],
};

function pathOf(page) {
    return page.evaluate(() => ({
        path: [...document.querySelectorAll('nav.tl-path li')].map((li) => li.dataset.layer),
        text: [...document.querySelectorAll('nav.tl-path li')].map((li) => li.textContent.trim()),
        figures: [...document.querySelectorAll('#header-diagram figure.tl-hdr')].map((f) => ({
            layer: f.dataset.layer, title: f.querySelector('figcaption').textContent,
            cells: f.querySelectorAll('.tl-hdr-grid > *').length,
        })),
        links: [...document.querySelectorAll('nav.tl-path a.tl-path-link')]
            .map((a) => !!document.getElementById(a.getAttribute('href').slice(1))),
    }));
}

// The whole page, and the selected packet's headers alone (NAME-headers.png).
async function shot(page, name) {
    await page.screenshot({ path: path.join(shotDir, name), fullPage: true, timeout: WAIT_MS });
    await page.locator('#header-diagram').screenshot({ path: path.join(shotDir, name.replace('.png', '-headers.png')),
                                                       timeout: WAIT_MS });
}

async function run(browser, server) {
    const flows = {};
    for (const c of Object.keys(CASES)) {
        const body = fs.readFileSync(path.join(srcDir, 'tests', 'golden', c, 'capture.pcap'));
        const doc = await uploadCapture(server, `?name=${c}`, body);
        flows[c] = doc.flows[0].id;
    }
    const vocab = await api(server, 'GET', '/api/v1/vocabulary');
    const context = await browser.newContext({ viewport: { width: 1024, height: 768 }, locale: 'en-US',
                                               serviceWorkers: 'block' });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const goto = async (q) => {
        await page.goto(`${server.url}/${q}`, { waitUntil: 'domcontentloaded' });
        await waitView(page, 'flow', { pageErrors: () => errors });
    };

    await check('a. the vocabulary has every layer and field the packets draw', async () => {
        const layers = new Set(vocab.layers.map((r) => r.name));
        const fields = new Set(vocab.fields.map((r) => r.name));
        const missing = [];
        for (const id of Object.values(flows)) {
            const f = await api(server, 'GET', `/api/v1/flows/${id}?limit=1&fields=true`);
            const p = f.timeline[0];
            for (const l of p.layers) if (!layers.has(l.layer)) missing.push(l.layer);
            for (const x of p.fields) {
                if (x.layer !== 'ip' && x.layer !== 'tcp' && !fields.has(`${x.layer}.${x.name}`)) {
                    missing.push(`${x.layer}.${x.name}`);
                }
            }
        }
        if (missing.length) fail(`not in the vocabulary: ${show([...new Set(missing)])}`);
        return `${layers.size} layers, ${fields.size} fields`;
    });

    for (const [c, want] of Object.entries(CASES)) {
        await check(`b. ${c}: the path ${want.join(' > ')} and one diagram per header`, async () => {
            await goto(`?flow=${flows[c]}&p=0`);
            const v = await until('nav.tl-path drawn', () => pathOf(page), (x) => x.path.length > 0);
            if (show(v.path) !== show(want)) fail(`path ${show(v.path)}, want ${show(want)}`);
            if (show(v.figures.map((f) => f.layer)) !== show(want)) {
                fail(`diagrams ${show(v.figures.map((f) => f.layer))}, want ${show(want)}`);
            }
            if (v.figures.some((f) => f.cells === 0)) fail(`an empty diagram: ${show(v.figures)}`);
            if (!v.links.every(Boolean)) fail('a path link points to no diagram');
            const lay = layoutProblems(await layoutProbe(page, ['#header-diagram', 'nav.tl-path']));
            if (lay.length) fail(`layout at 1024x768: ${lay.join('; ')}`);
            await shot(page, `tunnels-${c}-1024.png`);
            return `${v.text.join(' > ')}`;
        });
    }

    await check('b2. the flow\'s tunnel path above its ladder: each layer named from the vocabulary, VNI and outer addresses, then TCP', async () => {
        await goto(`?flow=${flows.tun_vxlan}`);
        const f = await api(server, 'GET', `/api/v1/flows/${flows.tun_vxlan}?limit=1`);
        const items = await until('nav.flow-path above the ladder', () => page.locator('.ladder-card nav.flow-path .flow-path-item')
            .evaluateAll((ls) => ls.map((l) => ({ kind: l.dataset.kind, text: l.textContent }))), (v) => v.length > 0);
        const want = f.tunnels.map((t) => t.kind).concat(['tcp']);
        if (show(items.map((i) => i.kind)) !== show(want)) fail(`kinds ${show(items.map((i) => i.kind))}, want ${show(want)}`);
        const vx = items.find((i) => i.kind === 'vxlan');
        const label = vocab.layers.find((r) => r.name === 'vxlan').label.en;
        const tun = f.tunnels.find((t) => t.kind === 'vxlan');
        if (!vx || !vx.text.includes(label) || !vx.text.includes(String(tun.vni)) || !vx.text.includes(tun.outer_src)) {
            fail(`the VXLAN item says ${show(vx)}, want ${label}, ${tun.vni} and ${tun.outer_src}`);
        }
        const above = await page.evaluate(() => {
            const n = document.querySelector('.ladder-card nav.flow-path');
            const l = document.querySelector('#ladder');
            return n && l && n.getBoundingClientRect().bottom <= l.getBoundingClientRect().top + 1;
        });
        if (!above) fail('the path is not above the ladder');
        return items.map((i) => i.text).join(' > ');
    });

    await check('c. the VNI cell shows the vocabulary label and the value', async () => {
        await goto(`?flow=${flows.tun_vxlan}&p=0`);
        const cell = page.locator('figure.tl-hdr[data-layer="vxlan"] [data-field="vxlan.vni"]').first();
        await cell.waitFor({ timeout: WAIT_MS });
        const t = await cell.textContent();
        const want = vocab.fields.find((r) => r.name === 'vxlan.vni').label.en;
        if (!t.includes(want) || !t.includes('4242')) fail(`VNI cell says ${show(t)}, want ${show(want)} and 4242`);
        return show(t);
    });

    await check('d. 中文: the path and the diagrams in Chinese, words from the vocabulary', async () => {
        await goto(`?flow=${flows.tun_vxlan}&p=0&lang=zh`);
        const v = await until('nav.tl-path in Chinese', () => pathOf(page), (x) => x.path.length > 0 &&
                              x.figures.some((f) => CJK.test(f.title)));
        const udp = v.figures.find((f) => f.layer === 'udp');
        if (!udp || !CJK.test(udp.title)) fail(`UDP diagram title ${show(udp)} is not Chinese`);
        await shot(page, 'tunnels-tun_vxlan-zh-1024.png');
        return v.figures.map((f) => f.title).join(' | ');
    });

    await check('e. wide (1920x1080): the path on one line, no overflow', async () => {
        await page.setViewportSize({ width: 1920, height: 1080 });
        await goto(`?flow=${flows.tun_vxlan}&p=0`);
        await until('nav.tl-path drawn', () => pathOf(page), (x) => x.path.length > 0);
        const rows = await page.evaluate(() => new Set([...document.querySelectorAll('nav.tl-path li')]
            .map((li) => Math.round(li.getBoundingClientRect().top))).size);
        if (rows !== 1) fail(`the path wraps onto ${rows} lines at 1920 px`);
        const lay = layoutProblems(await layoutProbe(page, ['#header-diagram', 'nav.tl-path']));
        if (lay.length) fail(lay.join('; '));
        await shot(page, 'tunnels-tun_vxlan-1920.png');
        return 'one line';
    });
    if (errors.length) report('no page errors', false, errors.join('\n'));
    await context.close();
}

async function main() {
    const pw = await installed('playwright-core', () => import('playwright-core'));
    if (!pw) return;
    if (!filesExist([['tcplensd', binary], ['chromium', chromiumPath, ''], ['web dir', webDir]])) return;
    const guard = new Guard('tcplens-web-tun-', shotDir);
    const server = new Server(guard.workdir, args);
    let browser = null;
    guard.arm({
        budgetMs: TOTAL_BUDGET_MS,
        kill: () => {
            server.kill();
            if (browser) browser.close().catch(() => {});
        },
        logs: [[server.logPath, 'tcplensd-tunnels.log']],
        overBudget: () => `over ${TOTAL_BUDGET_MS} ms: stopped`,
    });
    try {
        await server.start();
        browser = await pw.chromium.launch({ executablePath: chromiumPath, headless: true,
                                             args: LAUNCH_ARGS, timeout: 30_000 });
        await run(browser, server);
    } catch (e) {
        report('set-up', false, e.message);
    } finally {
        if (browser) await browser.close().catch(() => {});
        const exit = await server.stop(SERVER_STOP_MS);
        const bad = server.log().split('\n').filter((l) => /AddressSanitizer|LeakSanitizer|runtime error:/.test(l));
        report('tcplensd stops cleanly (no sanitizer report)', !!exit && exit.code === 0 && !bad.length,
               bad.slice(0, 5).join('\n'));
        guard.disarm();
        guard.cleanUp();
        console.log(`# screenshots: ${shotDir}`);
    }
}

await main();
process.exit(summary());
