// The RFC 9293 TCP state machine (its Figure 5, compacted) with the transition one packet
// caused for each endpoint highlighted: client in blue, server in teal.

const SVG_NS = 'http://www.w3.org/2000/svg';
const WIDTH = 420;
const HEIGHT = 552;
const BOX_W = 104;
const BOX_H = 26;

// Unique marker and gradient ids: several diagrams may live in one document.
let nextId = 0;

// Node centres, laid out like the RFC figure: opening at the top, ESTABLISHED in the
// middle, the active close down the left and the passive close down the right.
const NODES = {
    CLOSED: { x: 210, y: 42 },
    LISTEN: { x: 210, y: 116 },
    'SYN-RECEIVED': { x: 62, y: 196 },
    'SYN-SENT': { x: 358, y: 196 },
    ESTABLISHED: { x: 210, y: 278 },
    'FIN-WAIT-1': { x: 62, y: 358 },
    'CLOSE-WAIT': { x: 358, y: 358 },
    'FIN-WAIT-2': { x: 62, y: 444 },
    CLOSING: { x: 210, y: 444 },
    'LAST-ACK': { x: 358, y: 444 },
    'TIME-WAIT': { x: 210, y: 526 },
};

// As in the RFC, CLOSED is drawn a second time at the end of the passive close so the
// figure needs no arrow climbing back to the top. Both boxes are the same state.
const CLOSED_AGAIN = { x: 358, y: 526 };

// The standard transitions. Labels are [event, action] lines placed by hand so that
// none of them collide; `toAgain` edges end on the second CLOSED box.
const EDGES = [
    {
        from: 'CLOSED', to: 'LISTEN', d: 'M196 55 V103',
        label: { x: 190, y: 82, anchor: 'end', en: ['passive OPEN'], zh: ['被动打开'] },
    },
    {
        from: 'LISTEN', to: 'CLOSED', d: 'M224 103 V55',
        label: { x: 230, y: 82, anchor: 'start', en: ['CLOSE'], zh: ['关闭'] },
    },
    {
        from: 'CLOSED', to: 'SYN-SENT', d: 'M262 36 H394 Q402 36 402 44 V183',
        label: {
            x: 330, y: 19, anchor: 'middle', en: ['active OPEN', 'snd SYN'],
            zh: ['主动打开', '发 SYN'],
        },
    },
    {
        from: 'SYN-SENT', to: 'CLOSED', d: 'M380 183 V56 Q380 48 372 48 H262',
        label: { x: 374, y: 82, anchor: 'end', en: ['CLOSE'], zh: ['关闭'] },
    },
    {
        from: 'LISTEN', to: 'SYN-RECEIVED', d: 'M170 129 L88 183',
        label: {
            x: 118, y: 145, anchor: 'end', en: ['rcv SYN', 'snd SYN,ACK'],
            zh: ['收 SYN', '发 SYN,ACK'],
        },
    },
    {
        from: 'LISTEN', to: 'SYN-SENT', d: 'M250 129 L332 183',
        label: {
            x: 302, y: 145, anchor: 'start', en: ['SEND', 'snd SYN'],
            zh: ['发送', '发 SYN'],
        },
    },
    {
        from: 'SYN-SENT', to: 'SYN-RECEIVED', d: 'M306 196 H114',
        label: {
            x: 210, y: 179, anchor: 'middle', en: ['rcv SYN', 'snd SYN,ACK'],
            zh: ['收 SYN', '发 SYN,ACK'],
        },
    },
    {
        from: 'SYN-RECEIVED', to: 'LISTEN', d: 'M28 183 V124 Q28 116 36 116 H158',
        label: { x: 36, y: 110, anchor: 'start', en: ['rcv RST'], zh: ['收 RST'] },
    },
    {
        from: 'SYN-RECEIVED', to: 'ESTABLISHED', d: 'M96 209 L172 265',
        label: {
            x: 134, y: 226, anchor: 'start', en: ['rcv ACK', 'of SYN'],
            zh: ['收 SYN', '的 ACK'],
        },
    },
    {
        from: 'SYN-SENT', to: 'ESTABLISHED', d: 'M324 209 L248 265',
        label: {
            x: 286, y: 226, anchor: 'end', en: ['rcv SYN,ACK', 'snd ACK'],
            zh: ['收 SYN,ACK', '发 ACK'],
        },
    },
    {
        from: 'SYN-RECEIVED', to: 'FIN-WAIT-1', d: 'M28 209 V345',
        label: {
            x: 34, y: 272, anchor: 'start', en: ['CLOSE', 'snd FIN'],
            zh: ['关闭', '发 FIN'],
        },
    },
    {
        from: 'ESTABLISHED', to: 'FIN-WAIT-1', d: 'M170 291 L96 345',
        label: {
            x: 124, y: 304, anchor: 'end', en: ['CLOSE', 'snd FIN'],
            zh: ['关闭', '发 FIN'],
        },
    },
    {
        from: 'ESTABLISHED', to: 'CLOSE-WAIT', d: 'M250 291 L324 345',
        label: {
            x: 296, y: 304, anchor: 'start', en: ['rcv FIN', 'snd ACK'],
            zh: ['收 FIN', '发 ACK'],
        },
    },
    {
        from: 'FIN-WAIT-1', to: 'FIN-WAIT-2', d: 'M62 371 V431',
        label: {
            x: 68, y: 398, anchor: 'start', en: ['rcv ACK', 'of FIN'],
            zh: ['收 FIN', '的 ACK'],
        },
    },
    {
        from: 'FIN-WAIT-1', to: 'CLOSING', d: 'M114 366 L176 431',
        label: {
            x: 150, y: 382, anchor: 'start', en: ['rcv FIN', 'snd ACK'],
            zh: ['收 FIN', '发 ACK'],
        },
    },
    {
        from: 'FIN-WAIT-2', to: 'TIME-WAIT', d: 'M36 457 V518 Q36 526 44 526 H158',
        label: {
            x: 44, y: 494, anchor: 'start', en: ['rcv FIN', 'snd ACK'],
            zh: ['收 FIN', '发 ACK'],
        },
    },
    {
        from: 'CLOSING', to: 'TIME-WAIT', d: 'M210 457 V513',
        label: {
            x: 204, y: 482, anchor: 'end', en: ['rcv ACK', 'of FIN'],
            zh: ['收 FIN', '的 ACK'],
        },
    },
    {
        from: 'CLOSE-WAIT', to: 'LAST-ACK', d: 'M358 371 V431',
        label: {
            x: 352, y: 398, anchor: 'end', en: ['CLOSE', 'snd FIN'],
            zh: ['关闭', '发 FIN'],
        },
    },
    {
        from: 'LAST-ACK', to: 'CLOSED', toAgain: true, d: 'M358 457 V513',
        label: {
            x: 352, y: 482, anchor: 'end', en: ['rcv ACK', 'of FIN'],
            zh: ['收 FIN', '的 ACK'],
        },
    },
    {
        from: 'TIME-WAIT', to: 'CLOSED', toAgain: true, d: 'M262 526 H306',
        label: { x: 284, y: 503, anchor: 'middle', en: ['2MSL', 'timeout'], zh: ['2MSL', '超时'] },
    },
];

const SIDES = ['client', 'server'];

const TEXT = {
    en: {
        title: 'TCP state diagram (RFC 9293)',
        side: { client: 'client', server: 'server' },
        letter: { client: 'C', server: 'S' },
        colon: ': ',
        sep: '; ',
        unchanged: (s) => `unchanged (${s})`,
        now: (s) => `now ${s}`,
        unknown: (s) => `unknown state (${s})`,
        fromUnknown: (s) => ` (previous state unknown: ${s})`,
        adHoc: ' (outside the standard diagram, dashed)',
        twoSteps: ' (two steps in one packet)',
        none: 'none',
    },
    zh: {
        title: 'TCP 状态图（RFC 9293）',
        side: { client: '客户端', server: '服务器' },
        letter: { client: 'C', server: 'S' },
        colon: '：',
        sep: '；',
        unchanged: (s) => `不变（${s}）`,
        now: (s) => `现在为 ${s}`,
        unknown: (s) => `状态未知（${s}）`,
        fromUnknown: (s) => `（之前的状态未知：${s}）`,
        adHoc: '（不在标准状态图中，以虚线表示）',
        twoSteps: '（一个报文走了两步）',
        none: '无',
    },
};

// ---- SVG helpers ----

function svgEl(tag, attrs, text) {
    const e = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) {
        e.setAttribute(k, String(v));
    }
    if (text !== undefined) {
        e.textContent = text;
    }
    return e;
}

function isState(s) {
    return typeof s === 'string' && Object.hasOwn(NODES, s);
}

// How an unusable state is named in the caption: its text if it has one.
function shown(s, t) {
    if (typeof s === 'string' && s !== '') {
        return s;
    }
    return typeof s === 'number' ? String(s) : t.none;
}

// What one side did: 'none' (unknown after-state), 'stay', 'enter' (after-state known,
// before-state not) or 'move' (a from→to pair to draw).
function sideChange(tr) {
    const from = tr ? tr.from : undefined;
    const to = tr ? tr.to : undefined;
    if (!isState(to)) {
        return { kind: 'none', from, to };
    }
    if (!isState(from)) {
        return { kind: 'enter', from, to };
    }
    return { kind: from === to ? 'stay' : 'move', from, to };
}

// ---- drawing ----

function defs(id) {
    const d = svgEl('defs');
    for (const cls of ['plain', 'client', 'server']) {
        const m = svgEl('marker', {
            id: `${id}-${cls}`, class: `tl-mk ${cls}`, viewBox: '0 0 10 10', refX: 9, refY: 5,
            markerWidth: cls === 'plain' ? 7 : 9, markerHeight: cls === 'plain' ? 7 : 9,
            markerUnits: 'userSpaceOnUse', orient: 'auto',
        });
        m.append(svgEl('path', { d: 'M0 0 L10 5 L0 10 z' }));
        d.append(m);
    }
    // A box holding both endpoints is filled half blue, half teal.
    const g = svgEl('linearGradient', { id: `${id}-both`, x1: 0, x2: 1, y1: 0, y2: 0 });
    g.append(
        svgEl('stop', { offset: '50%', class: 'tl-stop-c' }),
        svgEl('stop', { offset: '50%', class: 'tl-stop-s' }),
    );
    d.append(g);
    return d;
}

function edgeLabel(label, lang) {
    const lines = label[lang] || label.en;
    const text = svgEl('text', { x: label.x, y: label.y, 'text-anchor': label.anchor });
    lines.forEach((line, i) => {
        text.append(svgEl('tspan', { x: label.x, dy: i === 0 ? 0 : '1.1em' }, line));
    });
    return text;
}

function drawEdge(e, id, lang) {
    const g = svgEl('g', { class: 'edge', 'data-from': e.from, 'data-to': e.to });
    g.append(svgEl('path', { d: e.d, 'marker-end': `url(#${id}-plain)` }));
    if (e.label) {
        g.append(edgeLabel(e.label, lang));
    }
    return g;
}

// Badges: C at the top-left corner, S at the top-right, shown by CSS when highlighted.
function badge(side, x, y, t) {
    const g = svgEl('g', { class: `badge ${side}` });
    g.append(svgEl('circle', { cx: x, cy: y, r: 7 }), svgEl('text', { x, y }, t.letter[side]));
    return g;
}

function drawNode(name, pos, t, again) {
    const x = pos.x - BOX_W / 2;
    const y = pos.y - BOX_H / 2;
    const g = svgEl('g', { class: again ? 'state again' : 'state', 'data-state': name });
    g.append(
        svgEl('rect', {
            class: 'ring', x: x - 4, y: y - 4, width: BOX_W + 8, height: BOX_H + 8, rx: 7,
        }),
        svgEl('rect', { class: 'box', x, y, width: BOX_W, height: BOX_H, rx: 4 }),
        svgEl('text', { class: 'name', x: pos.x, y: pos.y }, name),
        badge('client', x + 2, y, t),
        badge('server', x + BOX_W - 2, y, t),
    );
    return g;
}

// Where the segment from a box's centre towards (px, py) leaves the box.
function boxExit(c, px, py) {
    const dx = px - c.x;
    const dy = py - c.y;
    const s = Math.min(
        dx ? BOX_W / 2 / Math.abs(dx) : Infinity,
        dy ? BOX_H / 2 / Math.abs(dy) : Infinity,
    );
    return { x: c.x + dx * s, y: c.y + dy * s };
}

// A transition the RFC figure does not draw (e.g. on RST): a dashed curve. Among a few
// bows on either side (and, for CLOSED, either of its two boxes) it takes the one that
// crosses the fewest other boxes and labels, so it does not cut through uninvolved states.
function adHocEdge(from, to, id) {
    const a = NODES[from];
    const targets = to === 'CLOSED' ? [NODES.CLOSED, CLOSED_AGAIN] : [NODES[to]];
    let best = null;
    for (const b of targets) {
        const len = Math.hypot(b.x - a.x, b.y - a.y) || 1;
        for (const f of [0.3, -0.3, 0.5, -0.5, 0.75, -0.75, 1, -1]) {
            const c = {
                x: (a.x + b.x) / 2 + ((b.y - a.y) / len) * f * len,
                y: (a.y + b.y) / 2 + ((a.x - b.x) / len) * f * len,
            };
            const cost = crossings(a, c, b) * 1000 + Math.abs(f) * len;
            if (!best || cost < best.cost) {
                best = { b, c, cost };
            }
        }
    }
    const { b, c } = best;
    const p = boxExit(a, c.x, c.y);
    const q = boxExit(b, c.x, c.y);
    const g = svgEl('g', { class: 'edge adhoc', 'data-from': from, 'data-to': to });
    g.append(svgEl('path', {
        d: `M${p.x.toFixed(1)} ${p.y.toFixed(1)} Q${c.x.toFixed(1)} ${c.y.toFixed(1)} ` +
            `${q.x.toFixed(1)} ${q.y.toFixed(1)}`,
        'marker-end': `url(#${id}-plain)`,
    }));
    return g;
}

// Obstacles for ad-hoc curves: every box (a little enlarged) and the rough extent of
// every edge label (about 5.3 units per character at the label font size).
const OBSTACLES = (() => {
    const out = [...Object.values(NODES), CLOSED_AGAIN].map((n) => ({
        x0: n.x - BOX_W / 2 - 4, x1: n.x + BOX_W / 2 + 4,
        y0: n.y - BOX_H / 2 - 4, y1: n.y + BOX_H / 2 + 4, node: n,
    }));
    for (const { label: l } of EDGES) {
        const w = Math.max(...l.en.map((s) => s.length)) * 5.3;
        const x0 = l.anchor === 'end' ? l.x - w : l.anchor === 'middle' ? l.x - w / 2 : l.x;
        out.push({ x0, x1: x0 + w, y0: l.y - 8, y1: l.y - 8 + l.en.length * 10.5 });
    }
    return out;
})();

// How many points of the quadratic curve a→c→b fall on an obstacle other than the two
// boxes it joins, or outside the picture.
function crossings(a, c, b) {
    let n = 0;
    for (let t = 0.04; t < 1; t += 0.04) {
        const u = 1 - t;
        const x = u * u * a.x + 2 * u * t * c.x + t * t * b.x;
        const y = u * u * a.y + 2 * u * t * c.y + t * t * b.y;
        if (x < 4 || x > WIDTH - 4 || y < 4 || y > HEIGHT - 4) {
            n += 5;
        }
        for (const o of OBSTACLES) {
            if (o.node !== a && o.node !== b && x >= o.x0 && x <= o.x1 && y >= o.y0 && y <= o.y1) {
                n++;
            }
        }
    }
    return n;
}

// The state between `from` and `to` when two standard edges join them, or null.
function twoSteps(from, to) {
    for (const a of EDGES) {
        if (a.from !== from || a.to === to) {
            continue;
        }
        if (EDGES.some((b) => b.from === a.to && b.to === to)) {
            return a.to;
        }
    }
    return null;
}

// Marks an edge as the current one for a side; when both sides took the same edge a
// second, dashed stroke in the server's colour is laid over the client's.
function markEdge(g, side, id) {
    const path = g.querySelector('path');
    if (g.classList.contains('current')) {
        const over = path.cloneNode();
        over.setAttribute('class', 'overlay server');
        over.setAttribute('marker-end', `url(#${id}-server)`);
        g.append(over);
    } else {
        path.setAttribute('marker-end', `url(#${id}-${side})`);
    }
    g.classList.add('current', side);
}

function caption(changes, t) {
    const p = document.createElement('p');
    p.className = 'tl-states-caption';
    SIDES.forEach((side, i) => {
        const c = changes[side];
        const span = document.createElement('span');
        span.className = `tl-side ${side}`;
        const chip = document.createElement('b');
        chip.className = 'tl-chip';
        chip.textContent = t.letter[side];
        chip.setAttribute('aria-hidden', 'true');
        span.append(chip, `${t.side[side]}${t.colon}${sideText(c, t)}`);
        if (i > 0) {
            p.append(t.sep);
        }
        p.append(span);
    });
    return p;
}

function sideText(c, t) {
    switch (c.kind) {
        case 'none':
            return t.unknown(shown(c.to, t));
        case 'enter': {
            const none = c.from === null || c.from === undefined;
            return t.now(c.to) + (none ? '' : t.fromUnknown(shown(c.from, t)));
        }
        case 'stay':
            return t.unchanged(c.to);
        default:
            if (c.via) {
                return `${c.from} → ${c.via} → ${c.to}${t.twoSteps}`;
            }
            return `${c.from} → ${c.to}` + (c.adHoc ? t.adHoc : '');
    }
}

/**
 * Draws the state diagram into `container` (replacing its content), highlighting the
 * state each endpoint is in after the packet and the edge it took to get there.
 * `transition` is {client: {from, to}, server: {from, to}}; `lang` is "en" or "zh".
 */
export function renderStateDiagram(container, transition, lang) {
    const l = lang === 'zh' ? 'zh' : 'en';
    const t = TEXT[l];
    const id = `tl-st${++nextId}`;
    const svg = svgEl('svg', {
        viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', class: 'tl-states',
        preserveAspectRatio: 'xMidYMid meet',
    });
    svg.append(defs(id));

    const edges = svgEl('g', { class: 'edges' });
    const byPair = new Map();
    for (const e of EDGES) {
        const g = drawEdge(e, id, l);
        byPair.set(`${e.from}>${e.to}`, g);
        edges.append(g);
    }

    const nodes = svgEl('g', { class: 'states' });
    const nodeEls = [];
    for (const [name, pos] of Object.entries(NODES)) {
        nodeEls.push(drawNode(name, pos, t, false));
    }
    nodeEls.push(drawNode('CLOSED', CLOSED_AGAIN, t, true));
    nodes.append(...nodeEls);

    const changes = {};
    for (const side of SIDES) {
        const c = sideChange(transition ? transition[side] : undefined);
        changes[side] = c;
        if (c.kind === 'none') {
            continue;
        }
        // Both CLOSED boxes are the one state, so both carry the mark.
        nodeEls.filter((n) => n.dataset.state === c.to).forEach((n) => n.classList.add(side));
        if (c.kind !== 'move') {
            continue;
        }
        const direct = byPair.get(`${c.from}>${c.to}`);
        if (direct) {
            markEdge(direct, side, id);
            continue;
        }
        // One packet can cause two standard steps: a server that gets a FIN and closes at
        // once goes ESTABLISHED -> CLOSE-WAIT -> LAST-ACK with its FIN+ACK. Show both edges.
        const via = twoSteps(c.from, c.to);
        if (via) {
            markEdge(byPair.get(`${c.from}>${via}`), side, id);
            markEdge(byPair.get(`${via}>${c.to}`), side, id);
            c.via = via;
            continue;
        }
        const g = adHocEdge(c.from, c.to, id);
        byPair.set(`${c.from}>${c.to}`, g);
        edges.append(g);
        c.adHoc = true;
        markEdge(g, side, id);
    }
    // Current edges last, so their colour is not crossed by grey lines.
    edges.querySelectorAll('.edge.current').forEach((g) => edges.append(g));
    nodeEls.filter((n) => n.classList.contains('client') && n.classList.contains('server'))
        .forEach((n) => {
            n.querySelector('.box').style.fill = `url(#${id}-both)`;
        });

    svg.append(edges, nodes);
    const said = SIDES.map((side) => `${t.side[side]}${t.colon}${sideText(changes[side], t)}`);
    svg.setAttribute('aria-label', `${t.title}${t.colon}${said.join(t.sep)}`);
    container.replaceChildren(svg, caption(changes, t));
}
