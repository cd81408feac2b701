// The time-sequence graph of one direction of a connection, as Stevens drew it and tcptrace
// plots it: time across, the relative sequence number up. Each segment the sender sent is a
// vertical bar from its first to its last sequence number (an "I"); the receiver's
// acknowledgements are the ACK line (a step line), ACK + window the receive-window line above
// it, SACK blocks are bars beside the ACK line. Retransmissions, out-of-order segments and the
// segment after a lost one are marked with a letter and a shape as well as a colour (R, O, L),
// duplicate ACKs with D, SYN, FIN and RST with S, F and RST, as tcptrace labels them.
//
// Drawn in the page from the timeline (nothing but GET /flows/{id}); zoom with the wheel, the
// buttons or + and -, pan by dragging or with the arrow keys, 0 resets; a click on a segment or
// an ACK selects that packet. Every mark carries data-index (the packet), segments data-seq and
// data-end, ACK points data-ack and data-win, so that a test can hold them to the timeline.

import { t } from './i18n.js';
import { el, formatDuration } from './ladder.js';

const W = 760;
const H = 400;
const M = { l: 74, r: 18, t: 16, b: 40 };
const PW = W - M.l - M.r;
const PH = H - M.t - M.b;

const RETRANS = new Set(['retransmission', 'syn-retransmission', 'syn-ack-retransmission']);

// The points of one direction: `dir`'s segments, the other side's ACKs, windows and SACKs.
export function tsgData(packets, dir) {
    const segs = [];
    const acks = [];
    const sacks = [];
    packets.forEach((p, k) => {
        if (!p || !p.tcp || p.tcp.seq_rel == null) {
            return;
        }
        const tcp = p.tcp;
        const f = tcp.flags || {};
        const i = p.index ?? k;
        const a = p.analysis || [];
        if (p.dir === dir) {
            const len = tcp.payload_length || 0;
            const end = tcp.seq_rel + len + (f.syn ? 1 : 0) + (f.fin ? 1 : 0);
            let kind = 'data';
            if (RETRANS.has(p.event) || a.some((x) => /retransmission/.test(x))) {
                kind = 'retrans';
            } else if (p.event === 'out-of-order' || a.includes('out_of_order')) {
                kind = 'ooo';
            } else if (a.includes('lost_segment')) {
                kind = 'lost';
            }
            segs.push({ i, t: p.t_us, seq: tcp.seq_rel, end, len, kind,
                syn: !!f.syn, fin: !!f.fin, rst: !!f.rst, event: p.event });
        } else if (f.ack && tcp.ack_rel != null) {
            const win = tcp.window_scaled ?? tcp.window ?? 0;
            acks.push({ i, t: p.t_us, ack: tcp.ack_rel, win: tcp.ack_rel + win,
                dup: p.event === 'duplicate-ack' || a.includes('duplicate_ack'), zero: tcp.window === 0 });
            for (const o of tcp.options || []) {
                if (o.name === 'sack' && Array.isArray(o.blocks_rel)) {
                    for (const [left, right] of o.blocks_rel) {
                        sacks.push({ i, t: p.t_us, left, right });
                    }
                }
            }
        }
    });
    return { segs, acks, sacks };
}

function niceStep(span, want) {
    const raw = span / Math.max(1, want);
    const pow = Math.pow(10, Math.floor(Math.log10(raw || 1)));
    return [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) || raw;
}

function shortNum(v) {
    const a = Math.abs(v);
    if (a >= 1e9) {
        return `${+(v / 1e9).toFixed(2)}G`;
    }
    if (a >= 1e6) {
        return `${+(v / 1e6).toFixed(2)}M`;
    }
    if (a >= 1e4) {
        return `${+(v / 1e3).toFixed(1)}k`;
    }
    return String(Math.round(v));
}

// Draws the graph into container; returns { update(packets), select(i), setDir(dir), zoom(f),
// pan(dx, dy), reset(), svg }.
export function renderTsg(container, { packets, dir = 'c2s', onSelect }) {
    let data = tsgData(packets, dir);
    let full = extent(data);
    let view = { ...full };
    let selected = -1;
    let curDir = dir;

    const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, class: 'tsg', tabindex: 0, role: 'group',
        'aria-roledescription': 'graph' });
    const title = el('title');
    const clip = el('clipPath', { id: 'tsg-clip' });
    clip.append(el('rect', { x: M.l, y: M.t, width: PW, height: PH }));
    const defs = el('defs');
    defs.append(clip);
    const axes = el('g', { class: 'axes' });
    const plot = el('g', { class: 'plot', 'clip-path': 'url(#tsg-clip)' });
    svg.append(title, defs, axes, plot);
    container.replaceChildren(svg);

    function extent(d) {
        let t0 = Infinity;
        let t1 = -Infinity;
        let s0 = Infinity;
        let s1 = -Infinity;
        for (const s of d.segs) {
            t0 = Math.min(t0, s.t);
            t1 = Math.max(t1, s.t);
            s0 = Math.min(s0, s.seq);
            s1 = Math.max(s1, s.end);
        }
        let w1 = -Infinity;
        for (const a of d.acks) {
            t0 = Math.min(t0, a.t);
            t1 = Math.max(t1, a.t);
            s0 = Math.min(s0, a.ack);
            s1 = Math.max(s1, a.ack);
            w1 = Math.max(w1, a.win);
        }
        if (!Number.isFinite(t0)) {
            return { t0: 0, t1: 1, s0: 0, s1: 1 };
        }
        // The window line is in the picture when it is near the data; a window far above what
        // was sent (the usual case in a short exchange) would flatten everything else, so then
        // it runs off the top, as tcptrace's does once zoomed in.
        if (w1 > s1 && w1 - s0 <= 3 * Math.max(1, s1 - s0)) {
            s1 = w1;
        }
        const dt = Math.max(1, t1 - t0);
        const ds = Math.max(1, s1 - s0);
        return { t0: t0 - dt * 0.03, t1: t1 + dt * 0.03, s0: s0 - ds * 0.04, s1: s1 + ds * 0.09 };
    }

    const X = (tu) => M.l + ((tu - view.t0) / (view.t1 - view.t0)) * PW;
    const Y = (s) => M.t + PH - ((s - view.s0) / (view.s1 - view.s0)) * PH;

    function draw() {
        svg.dataset.view = [view.t0, view.t1, view.s0, view.s1].map((v) => Math.round(v)).join(',');
        svg.dataset.dir = curDir;
        svg.setAttribute('aria-label', `${t('tsg_title')}: ${curDir === 'c2s' ? t('tsg_c2s') : t('tsg_s2c')}, ` +
            `${data.segs.length} ${t('tsg_segments')}, ${data.acks.length} ACK`);
        title.textContent = svg.getAttribute('aria-label');
        // Axes and grid.
        const ax = [el('rect', { x: M.l, y: M.t, width: PW, height: PH, class: 'frame' })];
        const ts = niceStep(view.t1 - view.t0, 6);
        for (let v = Math.ceil(view.t0 / ts) * ts; v <= view.t1; v += ts) {
            const x = X(v);
            ax.push(el('line', { x1: x, x2: x, y1: M.t, y2: M.t + PH, class: 'grid' }));
            ax.push(el('text', { x, y: M.t + PH + 16, class: 'tick x' }, formatDuration(Math.round(v))));
        }
        const ss = niceStep(view.s1 - view.s0, 6);
        for (let v = Math.ceil(view.s0 / ss) * ss; v <= view.s1; v += ss) {
            const y = Y(v);
            ax.push(el('line', { x1: M.l, x2: M.l + PW, y1: y, y2: y, class: 'grid' }));
            ax.push(el('text', { x: M.l - 6, y: y + 4, class: 'tick y' }, shortNum(v)));
        }
        ax.push(el('text', { x: M.l + PW / 2, y: H - 4, class: 'axis-name' }, t('tsg_time')));
        ax.push(el('text', { x: 14, y: M.t + PH / 2, class: 'axis-name y',
            transform: `rotate(-90 14 ${M.t + PH / 2})` }, t('tsg_seq')));
        axes.replaceChildren(...ax);

        const out = [];
        const inT = (tu) => tu >= view.t0 - (view.t1 - view.t0) * 0.05 && tu <= view.t1 + (view.t1 - view.t0) * 0.05;
        // The window and ACK lines: steps from one ACK to the next.
        const acks = data.acks;
        if (acks.length) {
            let dAck = '';
            let dWin = '';
            acks.forEach((a, k) => {
                const x = X(a.t);
                const xn = k + 1 < acks.length ? X(acks[k + 1].t) : X(view.t1);
                dAck += `${k ? 'L' : 'M'}${x.toFixed(1)},${Y(a.ack).toFixed(1)} L${xn.toFixed(1)},${Y(a.ack).toFixed(1)} `;
                dWin += `${k ? 'L' : 'M'}${x.toFixed(1)},${Y(a.win).toFixed(1)} L${xn.toFixed(1)},${Y(a.win).toFixed(1)} `;
            });
            out.push(el('path', { d: dWin, class: 'winline' }));
            out.push(el('path', { d: dAck, class: 'ackline' }));
        }
        for (const s of data.sacks) {
            if (!inT(s.t)) {
                continue;
            }
            const x = X(s.t) + 3;
            out.push(el('line', { x1: x, x2: x, y1: Y(s.left), y2: Y(s.right), class: 'sack',
                'data-index': s.i, 'data-left': s.left, 'data-right': s.right }));
        }
        for (const a of acks) {
            if (!inT(a.t)) {
                continue;
            }
            const x = X(a.t);
            const y = Y(a.ack);
            const g = el('g', { class: `ackpt${a.dup ? ' dup' : ''}${a.i === selected ? ' sel' : ''}`,
                'data-index': a.i, 'data-ack': a.ack, 'data-win': a.win });
            g.append(el('circle', { cx: x, cy: y, r: 9, class: 'hit' }));
            g.append(el('path', { d: `M${x - 3.5},${y + 3.5} L${x},${y} L${x + 3.5},${y + 3.5}`, class: 'tickmark' }));
            if (a.dup) {
                g.append(el('text', { x, y: y + 15, class: 'mark dup' }, 'D'));
            }
            if (a.zero) {
                g.append(el('text', { x, y: y - 8, class: 'mark zero' }, 'Z'));
            }
            out.push(g);
        }
        for (const s of data.segs) {
            if (!inT(s.t)) {
                continue;
            }
            const x = X(s.t);
            const y0 = Y(s.seq);
            const y1 = Math.min(Y(s.end), y0 - 2); // a zero-length segment still shows
            const g = el('g', { class: `seg ${s.kind}${s.i === selected ? ' sel' : ''}`,
                'data-index': s.i, 'data-seq': s.seq, 'data-end': s.end, 'data-kind': s.kind,
                'data-event': s.event });
            g.append(el('rect', { x: x - 7, y: y1 - 5, width: 14, height: y0 - y1 + 10, class: 'hit' }));
            g.append(el('line', { x1: x, x2: x, y1: y0, y2: y1, class: 'bar' }));
            g.append(el('line', { x1: x - 3, x2: x + 3, y1: y0, y2: y0, class: 'cap' }));
            g.append(el('line', { x1: x - 3, x2: x + 3, y1: y1, y2: y1, class: 'cap' }));
            const letter = s.kind === 'retrans' ? 'R' : s.kind === 'ooo' ? 'O' : s.kind === 'lost' ? 'L'
                : s.rst ? 'RST' : s.syn ? 'S' : s.fin ? 'F' : '';
            if (letter) {
                g.append(el('text', { x, y: y1 - 8, class: `mark ${s.kind}` }, letter));
            }
            out.push(g);
        }
        plot.replaceChildren(...out);
    }

    function clampView() {
        const minT = 20; // µs
        const minS = 4;
        if (view.t1 - view.t0 < minT) {
            const c = (view.t0 + view.t1) / 2;
            view.t0 = c - minT / 2;
            view.t1 = c + minT / 2;
        }
        if (view.s1 - view.s0 < minS) {
            const c = (view.s0 + view.s1) / 2;
            view.s0 = c - minS / 2;
            view.s1 = c + minS / 2;
        }
    }

    // Zoom by f (> 1 zooms in) around the point (fx, fy) of the plot, in 0..1 from its
    // left and its bottom.
    function zoom(f, fx = 0.5, fy = 0.5) {
        const tc = view.t0 + (view.t1 - view.t0) * fx;
        const sc = view.s0 + (view.s1 - view.s0) * fy;
        view = { t0: tc - (tc - view.t0) / f, t1: tc + (view.t1 - tc) / f,
            s0: sc - (sc - view.s0) / f, s1: sc + (view.s1 - sc) / f };
        clampView();
        draw();
    }

    // Pan by a fraction of the view (dx > 0: later, dy > 0: higher numbers).
    function pan(dx, dy) {
        const ts = (view.t1 - view.t0) * dx;
        const ss = (view.s1 - view.s0) * dy;
        view = { t0: view.t0 + ts, t1: view.t1 + ts, s0: view.s0 + ss, s1: view.s1 + ss };
        draw();
    }

    function reset() {
        view = { ...full };
        draw();
    }

    // The pointer in plot fractions.
    function frac(e) {
        const r = svg.getBoundingClientRect();
        const k = r.width / W;
        return { fx: ((e.clientX - r.left) / k - M.l) / PW, fy: 1 - ((e.clientY - r.top) / k - M.t) / PH, k };
    }

    svg.addEventListener('wheel', (e) => {
        e.preventDefault();
        const { fx, fy } = frac(e);
        zoom(e.deltaY < 0 ? 1.25 : 0.8, Math.min(1, Math.max(0, fx)), Math.min(1, Math.max(0, fy)));
    }, { passive: false });

    let drag = null;
    svg.addEventListener('pointerdown', (e) => {
        if (e.button !== 0) {
            return;
        }
        drag = { x: e.clientX, y: e.clientY, moved: false, view: { ...view }, target: e.target };
    });
    svg.addEventListener('pointermove', (e) => {
        if (!drag) {
            return;
        }
        const dx = e.clientX - drag.x;
        const dy = e.clientY - drag.y;
        if (!drag.moved && Math.hypot(dx, dy) < 4) {
            return;
        }
        if (!drag.moved) {
            drag.moved = true;
            try {
                svg.setPointerCapture(e.pointerId);
            } catch {
                // a synthetic pointer: panning works without the capture
            }
            svg.classList.add('dragging');
        }
        const k = svg.getBoundingClientRect().width / W;
        const v = drag.view;
        const ts = (-dx / k / PW) * (v.t1 - v.t0);
        const ss = (dy / k / PH) * (v.s1 - v.s0);
        view = { t0: v.t0 + ts, t1: v.t1 + ts, s0: v.s0 + ss, s1: v.s1 + ss };
        draw();
    });
    const endDrag = (e) => {
        if (!drag) {
            return;
        }
        const d = drag;
        drag = null;
        svg.classList.remove('dragging');
        if (!d.moved && e.type === 'pointerup') {
            const hit = d.target instanceof Element ? d.target.closest('[data-index]') : null;
            if (hit && onSelect) {
                onSelect(Number(hit.getAttribute('data-index')));
            }
        }
    };
    svg.addEventListener('pointerup', endDrag);
    svg.addEventListener('pointercancel', endDrag);

    svg.addEventListener('keydown', (e) => {
        const keys = { '+': () => zoom(1.25), '=': () => zoom(1.25), '-': () => zoom(0.8), 0: reset,
            ArrowLeft: () => pan(-0.1, 0), ArrowRight: () => pan(0.1, 0), ArrowUp: () => pan(0, 0.1),
            ArrowDown: () => pan(0, -0.1) };
        if (keys[e.key] && !e.altKey && !e.ctrlKey && !e.metaKey) {
            e.preventDefault();
            e.stopPropagation(); // the page's own keys step through packets
            keys[e.key]();
        }
    });

    draw();
    return {
        svg,
        zoom,
        pan,
        reset,
        get view() {
            return { ...view };
        },
        update(list) {
            data = tsgData(list, curDir);
            const wasFull = ['t0', 't1', 's0', 's1'].every((k) => view[k] === full[k]);
            full = extent(data);
            if (wasFull) {
                view = { ...full };
            }
            draw();
        },
        setDir(d, list) {
            curDir = d;
            data = tsgData(list, d);
            full = extent(data);
            view = { ...full };
            draw();
        },
        select(i) {
            selected = i;
            for (const g of plot.querySelectorAll('.sel')) {
                g.classList.remove('sel');
            }
            for (const g of plot.querySelectorAll(`[data-index="${i}"]`)) {
                g.classList.add('sel');
            }
        },
    };
}

// The server's picture of the whole connection (GET /flows/{id}/tsg.svg: every packet, the
// marks thinned by the server when there are many), for a connection too long to load here.
// Shown inline; zoom and pan move its viewBox (the wheel, the buttons, dragging, + - 0 and the
// arrow keys on the graph); a click on a mark selects its packet. `source()` fetches the picture
// of the current direction in the page's language (a promise of its text, or null). Returns the
// same handle as renderTsg, with `server: true`.
export function renderServerTsg(container, { source, onSelect }) {
    let svg = null;
    let full = [0, 0, W, H];
    let view = [...full];
    let selected = -1;
    let loads = 0;

    function apply() {
        if (!svg) {
            return;
        }
        svg.setAttribute('viewBox', view.map((v) => v.toFixed(1)).join(' '));
        svg.dataset.viewbox = view.map((v) => Math.round(v)).join(',');
    }

    function markSelected() {
        if (!svg) {
            return;
        }
        for (const g of svg.querySelectorAll('.sel')) {
            g.classList.remove('sel');
        }
        for (const g of svg.querySelectorAll(`[data-index="${selected}"]`)) {
            g.classList.add('sel');
        }
    }

    // Zoom by f (> 1 zooms in) around (fx, fy), fractions of the view from its left and top.
    function zoom(f, fx = 0.5, fy = 0.5) {
        const w = Math.min(full[2], Math.max(full[2] / 400, view[2] / f));
        const k = w / view[2];
        const h = view[3] * k;
        view = [view[0] + view[2] * fx * (1 - k), view[1] + view[3] * fy * (1 - k), w, h];
        apply();
    }

    // Pan by a fraction of the view (dx > 0: later, dy > 0: higher numbers).
    function pan(dx, dy) {
        view = [view[0] + view[2] * dx, view[1] - view[3] * dy, view[2], view[3]];
        apply();
    }

    function reset() {
        view = [...full];
        apply();
    }

    function frac(e) {
        const r = svg.getBoundingClientRect();
        return { fx: (e.clientX - r.left) / Math.max(1, r.width), fy: (e.clientY - r.top) / Math.max(1, r.height), r };
    }

    function attach(s) {
        s.addEventListener('wheel', (e) => {
            e.preventDefault();
            const { fx, fy } = frac(e);
            zoom(e.deltaY < 0 ? 1.25 : 0.8, Math.min(1, Math.max(0, fx)), Math.min(1, Math.max(0, fy)));
        }, { passive: false });
        let drag = null;
        s.addEventListener('pointerdown', (e) => {
            if (e.button === 0) {
                drag = { x: e.clientX, y: e.clientY, moved: false, view: [...view], target: e.target };
            }
        });
        s.addEventListener('pointermove', (e) => {
            if (!drag) {
                return;
            }
            const dx = e.clientX - drag.x;
            const dy = e.clientY - drag.y;
            if (!drag.moved && Math.hypot(dx, dy) < 4) {
                return;
            }
            drag.moved = true;
            s.classList.add('dragging');
            const { r } = frac(e);
            const v = drag.view;
            view = [v[0] - (dx / Math.max(1, r.width)) * v[2], v[1] - (dy / Math.max(1, r.height)) * v[3], v[2], v[3]];
            apply();
        });
        const endDrag = (e) => {
            if (!drag) {
                return;
            }
            const d = drag;
            drag = null;
            s.classList.remove('dragging');
            if (!d.moved && e.type === 'pointerup') {
                const hit = d.target instanceof Element ? d.target.closest('[data-index]') : null;
                if (hit && onSelect) {
                    onSelect(Number(hit.getAttribute('data-index')));
                }
            }
        };
        s.addEventListener('pointerup', endDrag);
        s.addEventListener('pointercancel', endDrag);
        s.addEventListener('keydown', (e) => {
            const keys = { '+': () => zoom(1.25), '=': () => zoom(1.25), '-': () => zoom(0.8), 0: reset,
                ArrowLeft: () => pan(-0.1, 0), ArrowRight: () => pan(0.1, 0), ArrowUp: () => pan(0, 0.1),
                ArrowDown: () => pan(0, -0.1) };
            if (keys[e.key] && !e.altKey && !e.ctrlKey && !e.metaKey) {
                e.preventDefault();
                e.stopPropagation(); // the page's own keys step through packets
                keys[e.key]();
            }
        });
    }

    async function load() {
        const n = ++loads;
        let text = '';
        try {
            text = (await source()) || '';
        } catch {
            text = '';
        }
        if (n !== loads) {
            return; // a later direction was asked for meanwhile
        }
        const root = text ? new DOMParser().parseFromString(text, 'image/svg+xml').documentElement : null;
        if (!root || root.namespaceURI !== 'http://www.w3.org/2000/svg' || root.localName !== 'svg') {
            container.replaceChildren();
            return;
        }
        svg = document.importNode(root, true);
        svg.removeAttribute('width');
        svg.removeAttribute('height');
        svg.setAttribute('tabindex', '0');
        svg.setAttribute('role', 'group');
        svg.setAttribute('aria-roledescription', 'graph');
        const vb = (svg.getAttribute('viewBox') || '').split(/[\s,]+/).map(Number);
        full = vb.length === 4 && vb.every(Number.isFinite) ? vb : [0, 0, W, H];
        view = [...full];
        attach(svg);
        container.replaceChildren(svg);
        apply();
        markSelected();
    }

    load();
    return {
        server: true,
        get svg() {
            return svg;
        },
        zoom,
        pan,
        reset,
        get view() {
            return [...view];
        },
        update() {
            // the server's picture already holds every packet
        },
        setDir() {
            load();
        },
        select(i) {
            selected = i;
            markSelected();
        },
    };
}
