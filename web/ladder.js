// The ladder (sequence) diagram of one connection: the client's and the server's lifelines, one
// arrow per packet, time running down, the phases shaded, each side's state beside each arrow.

import { t, lang } from './i18n.js';
import { vocabLabel, vocabRow } from './vocab.js';

const SVG = 'http://www.w3.org/2000/svg';

// What an arrow is called, its style and its phase: all from the vocabulary (vocab.js). data-label
// keeps the English label whatever the language, so links and tests can rely on it.
export function eventLabel(event) {
    return event == null ? '?' : vocabLabel('events', event, 'en');
}

// The label as shown in the current language.
export function shownLabel(event) {
    return event == null ? '?' : vocabLabel('events', event, lang());
}

function eventRow(event) {
    return vocabRow('events', event) ?? {};
}

const isWarn = (event) => eventRow(event).style === 'warn';
const isOpen = (event) => ['open', 'opened'].includes(eventRow(event).phase);
const isClose = (event) => eventRow(event).phase === 'close';

// The second line of an arrow: "[S.] seq 0 ack 1 win 28960 len 0", relative numbers as
// Wireshark counts them.
export function arrowDetail(p) {
    const tcp = p.tcp || {};
    const parts = [`[${tcp.flags ? tcp.flags.text : '?'}]`];
    if (tcp.seq_rel != null) {
        parts.push(`seq ${tcp.seq_rel}`);
    }
    if (tcp.flags && tcp.flags.ack && tcp.ack_rel != null) {
        parts.push(`ack ${tcp.ack_rel}`);
    }
    parts.push(`len ${tcp.payload_length ?? 0}`);
    return parts.join(' ');
}

export function kindOf(p) {
    if (p.event === 'rst') {
        return 'rst';
    }
    // The event is the verdict: Wireshark's analysis flags a simultaneous open's SYN-ACK (it
    // repeats its sender's SYN) as a retransmission, which it is not, so the flags only add a
    // warning to packets that are not part of the opening.
    if (isWarn(p.event) || (!isOpen(p.event) &&
        (p.analysis || []).some((a) => /retransmission|out_of_order|lost/.test(a)))) {
        return 'warn';
    }
    return '';
}

export function el(name, attrs = {}, text) {
    const e = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) {
        if (v !== undefined && v !== null) {
            e.setAttribute(k, String(v));
        }
    }
    if (text !== undefined) {
        e.textContent = text;
    }
    return e;
}

export function formatDuration(us) {
    if (us == null) {
        return '—';
    }
    const a = Math.abs(us);
    if (a < 1000) {
        return `${us} µs`;
    }
    if (a < 1e6) {
        return `${(us / 1000).toFixed(3)} ms`;
    }
    if (a < 60e6) {
        return `${(us / 1e6).toFixed(3)} s`;
    }
    const m = Math.floor(a / 60e6);
    return `${m} min ${((a - m * 60e6) / 1e6).toFixed(1)} s`;
}

// Where each packet sits vertically. Compressed: one row each, with extra room and a marker for
// pauses. Time: proportional to t_us, with a minimum height so short captures stay legible.
function layout(packets, scale, { timeSpanUs = null, timeHeight = null, noGaps = false } = {}) {
    const TOP = 96;
    const ROW = 58;
    const ys = [];
    const gaps = [];
    if (scale === 'time' && (packets.length > 1 || timeSpanUs)) {
        const span = Math.max(1, timeSpanUs || packets[packets.length - 1].t_us - packets[0].t_us);
        const height = timeHeight || Math.min(4000, Math.max(480, packets.length * 34));
        for (const p of packets) {
            ys.push(TOP + ((p.t_us - packets[0].t_us) / span) * height);
        }
        return { ys, gaps, height: TOP + height + 70, ticks: timeTicks(span, height, TOP) };
    }
    let y = TOP;
    const deltas = packets.map((p, i) => (i === 0 ? 0 : p.t_us - packets[i - 1].t_us));
    const sorted = deltas.slice(1).sort((a, b) => a - b);
    const median = sorted.length ? sorted[Math.floor(sorted.length / 2)] : 0;
    for (let i = 0; i < packets.length; i++) {
        if (i > 0) {
            y += ROW;
            // A pause much longer than the usual spacing (and over 200 ms) gets its own band.
            if (!noGaps && deltas[i] > 200000 && deltas[i] > 20 * Math.max(median, 1)) {
                gaps.push({ y: y, us: deltas[i] });
                y += 30;
            }
        }
        ys.push(y);
    }
    return { ys, gaps, height: y + 80, ticks: [] };
}

// Round time ticks for the true-to-scale mode: about one every 80 px.
function timeTicks(spanUs, height, top) {
    const want = Math.max(2, Math.floor(height / 80));
    const raw = spanUs / want;
    const pow = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) || raw;
    const ticks = [];
    for (let v = 0; v <= spanUs + 1; v += step) {
        ticks.push({ y: top + (v / spanUs) * height, us: v });
        if (ticks.length > 200) {
            break;
        }
    }
    return ticks;
}

// Phase bands: the handshake (up to the last opening packet), the teardown (from the first FIN
// or RST), the data in between.
function phases(packets) {
    let lastOpen = -1;
    let firstClose = packets.length;
    packets.forEach((p, i) => {
        if (isOpen(p.event) && i < firstClose) {
            lastOpen = i;
        }
        if (isClose(p.event) && firstClose === packets.length) {
            firstClose = i;
        }
    });
    const out = [];
    if (lastOpen >= 0) {
        out.push({ cls: 'hs', from: 0, to: lastOpen, name: t('phase_hs') });
    }
    if (firstClose - lastOpen > 1) {
        out.push({ cls: 'data', from: lastOpen + 1, to: firstClose - 1, name: t('phase_data') });
    }
    if (firstClose < packets.length) {
        out.push({ cls: 'td', from: firstClose, to: packets.length - 1, name: t('phase_td') });
    }
    return out;
}

// Draws the ladder into container. Returns { select(i) } to move the highlight without a redraw.
// compact: a narrower drawing for small screens, scaled to the box's width.
// idPrefix keeps the arrowheads' ids apart when two ladders share a page (compare, worksheet);
// timeSpanUs and timeHeight put two ladders on one time scale, noGaps on one packet scale.
export function renderLadder(container, flow, packets, { scale = 'compressed', compact = false, onSelect,
    idPrefix = '', timeSpanUs = null, timeHeight = null, noGaps = false } = {}) {
    const W = compact ? 440 : 720;
    const LX = compact ? 100 : 250; // client lifeline
    const RX = compact ? 340 : 590; // server lifeline
    const { ys, gaps, height, ticks } = layout(packets, scale, { timeSpanUs, timeHeight, noGaps });
    const svg = el('svg', {
        viewBox: `0 0 ${W} ${height}`,
        width: W,
        height,
        role: 'group',
        'aria-label': `${t('ladder_title')}: ${packets.length}`,
        class: `ladder scale-${scale}${compact ? ' compact' : ''}`,
    });
    svg.append(el('title', {}, `${t('ladder_title')}: ${flow.client.ip}:${flow.client.port} → ` +
        `${flow.server.ip}:${flow.server.port}`));

    const defs = el('defs');
    for (const k of ['c2s', 's2c', 'warn', 'rst', 'sel']) {
        const m = el('marker', {
            id: `${idPrefix}ah-${k}`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 8, markerHeight: 8,
            orient: 'auto-start-reverse',
        });
        m.append(el('path', { d: 'M0,0 L10,5 L0,10 z', class: `ah ${k}` }));
        defs.append(m);
    }
    svg.append(defs);

    // Phase bands behind everything. A band's edges sit halfway to the neighbouring packets, so
    // bands never overlap even when true-to-scale packets crowd together.
    const bands = el('g', { class: 'bands' });
    const last = packets.length - 1;
    for (const ph of phases(packets)) {
        const y0 = ph.from === 0 ? ys[0] - 32 : (ys[ph.from - 1] + ys[ph.from]) / 2;
        const y1 = ph.to === last ? ys[last] + 34 : (ys[ph.to] + ys[ph.to + 1]) / 2;
        bands.append(el('rect', { x: 8, y: y0, width: W - 16, height: Math.max(1, y1 - y0),
            class: `band ${ph.cls}`, rx: 6 }));
        if (y1 - y0 >= 16) {
            const right = scale === 'time';
            bands.append(el('text', { x: right ? W - 16 : 16, y: y0 + 13,
                class: `band-label ${ph.cls}${right ? ' right' : ''}` }, ph.name));
        }
    }
    svg.append(bands);

    // Endpoints and lifelines.
    const ends = el('g', { class: 'ends' });
    const sides = [[LX, t('client'), flow.client], [RX, t('server'), flow.server]];
    for (const [x, who, ep] of sides) {
        ends.append(el('rect', { x: x - 80, y: 14, width: 160, height: 46, rx: 6, class: 'endbox' }));
        ends.append(el('text', { x, y: 33, class: 'who' }, who));
        const addr = ep.ip.includes(':') ? `[${ep.ip}]:${ep.port}` : `${ep.ip}:${ep.port}`;
        ends.append(el('text', { x, y: 50, class: 'addr' }, addr));
        ends.append(el('line', { x1: x, y1: 60, x2: x, y2: height - 20, class: 'life' }));
    }
    svg.append(ends);

    // Pauses (compressed) and the time axis (true to scale).
    for (const g of gaps) {
        const y = g.y - 14;
        svg.append(el('text', { x: (LX + RX) / 2, y: y + 4, class: 'gap' }, `⋮ ${t('gap',
            formatDuration(g.us))} ⋮`));
    }
    for (const tk of ticks) {
        svg.append(el('line', { x1: 70, x2: 78, y1: tk.y, y2: tk.y, class: 'tick' }));
        svg.append(el('text', { x: 66, y: tk.y + 4, class: 'ticklabel' }, formatDuration(tk.us)));
    }

    const arrows = el('g', { class: 'arrows' });
    const groups = [];
    let lastLabelY = -Infinity;
    packets.forEach((p, i) => {
        const y = ys[i];
        const c2s = p.dir === 'c2s';
        const kind = kindOf(p);
        const slope = scale === 'time' ? 8 : 14;
        const x1 = c2s ? LX : RX;
        const x2 = c2s ? RX : LX;
        const g = el('g', {
            class: `arrow ${p.dir}${kind ? ' ' + kind : ''}`,
            'data-index': i,
            'data-label': eventLabel(p.event),
            'data-event': p.event,
            tabindex: -1,
            role: 'button',
        });
        const st = p.states || {};
        // The name read out is the arrow's visible words (WCAG 2.5.3: what is seen is what is
        // said); who sent it to whom is its description.
        g.setAttribute('aria-description', `${c2s ? t('client') : t('server')} → ${c2s ? t('server') : t('client')}`);
        // A wide invisible line makes the arrow easy to hit with a finger or a mouse.
        g.append(el('line', { x1, y1: y - slope, x2, y2: y + slope, class: 'hit' }));
        g.append(el('line', {
            x1, y1: y - slope, x2: c2s ? x2 - 2 : x2 + 2, y2: y + slope, class: 'shaft',
            'marker-end': `url(#${idPrefix}ah-${kind || p.dir})`,
        }));
        if (kind === 'warn') {
            // Not colour alone: a dashed shaft (CSS) and a "!" in a ring at the arrow's end.
            const cx = x2 + (c2s ? 14 : -14);
            const cy = y + slope;
            g.append(el('circle', { cx, cy, r: 7, class: 'warnmark' }));
            g.append(el('text', { x: cx, y: cy + 4, class: 'warnmark-t', 'aria-hidden': 'true' }, '!'));
        }
        if (kind === 'rst') {
            const cx = x2 + (c2s ? 12 : -12);
            const cy = y + slope;
            g.append(el('path', { d: `M${cx - 5},${cy - 5} L${cx + 5},${cy + 5} M${cx - 5},${cy + 5} L${cx + 5},${cy - 5}`,
                class: 'rstmark' }));
        }
        // In true-to-scale mode packets can sit a pixel apart: their labels would pile up, so only
        // labels with room are drawn (the selected one always is, see select()).
        const crowded = scale === 'time' && y - lastLabelY < 30;
        const mid = (LX + RX) / 2;
        const lbl = el('text', { x: mid, y: y - 10, class: `label${crowded ? ' crowded' : ''}` },
            shownLabel(p.event));
        const det = el('text', { x: mid, y: y + 26, class: `detail${crowded ? ' crowded' : ''}` },
            arrowDetail(p));
        g.append(lbl, det);
        if (!crowded) {
            lastLabelY = y;
        }
        // The time since the first packet, and each side's state once this packet is seen.
        g.append(el('text', { x: 12, y: y + 4, class: 'time' }, `+${formatDuration(p.t_us)}`));
        g.append(el('text', { x: LX - 10, y: y + slope + 16, class: 'state left' }, st.client || ''));
        g.append(el('text', { x: RX + 10, y: y + slope + 16, class: 'state right' }, st.server || ''));
        g.addEventListener('click', () => onSelect && onSelect(i));
        g.addEventListener('keydown', (e) => {
            if (e.key === 'Enter' || e.key === ' ') {
                e.preventDefault();
                if (onSelect) {
                    onSelect(i);
                }
            }
        });
        arrows.append(g);
        groups.push(g);
    });
    svg.append(arrows);

    container.replaceChildren(svg);

    let selected = -1;
    return {
        // Packets after `last` are hidden (the quiz's future); null shows them all.
        setLimit(last) {
            groups.forEach((g, k) => g.classList.toggle('future', last != null && k > last));
        },
        select(i, { focus = false, scroll = true } = {}) {
            if (selected >= 0 && groups[selected]) {
                groups[selected].classList.remove('selected');
                groups[selected].setAttribute('tabindex', '-1');
                groups[selected].removeAttribute('aria-current');
            }
            selected = i;
            const g = groups[i];
            if (!g) {
                return;
            }
            g.classList.add('selected');
            g.setAttribute('tabindex', '0');
            g.setAttribute('aria-current', 'step');
            if (focus) {
                g.focus({ preventScroll: true });
            }
            if (scroll) {
                const box = container.getBoundingClientRect();
                const y = ys[i] * (container.querySelector('svg').getBoundingClientRect().height / height);
                if (container.scrollHeight > container.clientHeight &&
                    (y < container.scrollTop + 40 || y > container.scrollTop + box.height - 60)) {
                    container.scrollTo({ top: Math.max(0, y - box.height / 2) });
                }
            }
        },
    };
}
