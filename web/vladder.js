// The ladder of a long connection: one row per packet, drawn only for the rows on screen (and a
// few either side), so that a 100 000-packet connection scrolls as lightly as a short one. The
// rows the store has not loaded yet are placeholders until their chunk arrives. Same arrows,
// classes and data-* hooks as ladder.js (g.arrow[data-index][data-label]).

import { t } from './i18n.js';
import { el, eventLabel, shownLabel, arrowDetail, kindOf, formatDuration } from './ladder.js';

const W = 720;
const LX = 250;
const RX = 590;
const ROW = 58;
const HEAD = 64; // the endpoints' boxes, sticky at the top of the box
const OVERSCAN = 6;

// onRows(container) runs after each set of rows is drawn (the teacher's notes mark theirs).
export function renderVirtualLadder(container, flow, store, { onSelect, onRows, idPrefix = '' } = {}) {
    container.classList.add('virtual');
    const head = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    head.setAttribute('viewBox', `0 0 ${W} ${HEAD}`);
    head.setAttribute('class', 'ladder vl-head');
    head.setAttribute('aria-hidden', 'true');
    for (const [x, who, ep] of [[LX, t('client'), flow.client], [RX, t('server'), flow.server]]) {
        head.append(el('rect', { x: x - 80, y: 8, width: 160, height: 46, rx: 6, class: 'endbox' }));
        head.append(el('text', { x, y: 27, class: 'who' }, who));
        const addr = ep.ip.includes(':') ? `[${ep.ip}]:${ep.port}` : `${ep.ip}:${ep.port}`;
        head.append(el('text', { x, y: 44, class: 'addr' }, addr));
    }
    const body = document.createElement('div');
    body.className = 'vl-body';
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('class', 'ladder scale-compressed virtual');
    svg.setAttribute('role', 'group');
    svg.setAttribute('aria-label', `${t('ladder_title')}: ${store.total}`);
    const defs = el('defs');
    for (const k of ['c2s', 's2c', 'warn', 'rst', 'sel']) {
        const m = el('marker', {
            id: `${idPrefix}vah-${k}`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 8, markerHeight: 8,
            orient: 'auto-start-reverse',
        });
        m.append(el('path', { d: 'M0,0 L10,5 L0,10 z', class: `ah ${k}` }));
        defs.append(m);
    }
    const lives = el('g', { class: 'ends' });
    const rows = el('g', { class: 'arrows' });
    svg.append(defs, lives, rows);
    body.append(svg);
    container.replaceChildren(head, body);

    let selected = -1;
    let limit = null; // the quiz's last revealed packet
    let scale = 1;
    let drawn = { first: -1, last: -1, key: '' };
    let raf = 0;
    let renders = 0;

    function rowPx() {
        return ROW * scale;
    }

    function measure() {
        const w = Math.max(container.clientWidth, 320);
        scale = w / W;
        body.style.height = `${Math.ceil(store.total * rowPx())}px`;
    }

    function arrow(p, i) {
        const y = i * ROW + ROW / 2;
        const c2s = p.dir === 'c2s';
        const kind = kindOf(p);
        const x1 = c2s ? LX : RX;
        const x2 = c2s ? RX : LX;
        const g = el('g', {
            class: `arrow ${p.dir}${kind ? ' ' + kind : ''}${i === selected ? ' selected' : ''}`,
            'data-index': i, 'data-label': eventLabel(p.event), 'data-event': p.event,
            tabindex: i === selected ? 0 : -1, role: 'button',
        });
        if (i === selected) {
            g.setAttribute('aria-current', 'step');
        }
        g.setAttribute('aria-description', `${c2s ? t('client') : t('server')} → ${c2s ? t('server') : t('client')}`);
        g.append(el('line', { x1, y1: y - 12, x2, y2: y + 12, class: 'hit' }));
        g.append(el('line', { x1, y1: y - 12, x2: c2s ? x2 - 2 : x2 + 2, y2: y + 12, class: 'shaft',
            'marker-end': `url(#${idPrefix}vah-${kind || p.dir})` }));
        if (kind === 'warn') {
            const cx = x2 + (c2s ? 14 : -14);
            g.append(el('circle', { cx, cy: y + 12, r: 7, class: 'warnmark' }));
            g.append(el('text', { x: cx, y: y + 16, class: 'warnmark-t', 'aria-hidden': 'true' }, '!'));
        }
        const mid = (LX + RX) / 2;
        g.append(el('text', { x: mid, y: y - 8, class: 'label' }, shownLabel(p.event)));
        g.append(el('text', { x: mid, y: y + 24, class: 'detail' }, arrowDetail(p)));
        g.append(el('text', { x: 12, y: y + 4, class: 'time' }, `+${formatDuration(p.t_us)}`));
        const st = p.states || {};
        g.append(el('text', { x: LX - 10, y: y + 26, class: 'state left' }, st.client || ''));
        g.append(el('text', { x: RX + 10, y: y + 26, class: 'state right' }, st.server || ''));
        g.addEventListener('click', () => onSelect && onSelect(i));
        return g;
    }

    function pending(i) {
        const y = i * ROW + ROW / 2;
        return el('text', { x: (LX + RX) / 2, y: y + 4, class: 'pending' }, `#${i + 1} …`);
    }

    // Draws rows first..last (the screen and the overscan); asks the store for missing ones.
    let loadTimer = 0;
    function render(force = false) {
        raf = 0;
        const t0 = performance.now();
        const top = Math.max(0, container.scrollTop - HEAD * scale);
        const visible = Math.ceil(container.clientHeight / rowPx()) + 1;
        const first = Math.max(0, Math.floor(top / rowPx()) - OVERSCAN);
        const last = Math.min(store.total - 1, first + visible + 2 * OVERSCAN);
        let missing = false;
        for (let i = first; i <= last; i++) {
            if (!store.has(i)) {
                missing = true;
                break;
            }
        }
        const key = `${first}:${last}:${selected}:${limit}:${missing}:${scale}`;
        if (!force && key === drawn.key) {
            return;
        }
        renders++;
        drawn = { first, last, key };
        const n = last - first + 1;
        svg.setAttribute('viewBox', `0 ${first * ROW} ${W} ${n * ROW}`);
        svg.style.top = `${first * rowPx()}px`;
        svg.style.height = `${n * rowPx()}px`;
        lives.replaceChildren(
            el('line', { x1: LX, y1: first * ROW, x2: LX, y2: (last + 1) * ROW, class: 'life' }),
            el('line', { x1: RX, y1: first * ROW, x2: RX, y2: (last + 1) * ROW, class: 'life' }));
        const out = [];
        for (let i = first; i <= last; i++) {
            if (limit != null && i > limit) {
                break;
            }
            const p = store.at(i);
            out.push(p ? arrow(p, i) : pending(i));
        }
        rows.replaceChildren(...out);
        if (onRows) {
            onRows(container);
        }
        if (missing) {
            // Fetched once the scrolling rests, so that a fling through the connection does not
            // ask for every page it passes.
            clearTimeout(loadTimer);
            loadTimer = setTimeout(() => {
                store.loadRange(drawn.first, drawn.last).then(() => schedule(true)).catch(() => {});
            }, 120);
        }
        // How long the rows took to draw, for the browser test's timings.
        container.dataset.renderMs = (performance.now() - t0).toFixed(2);
        container.dataset.rows = String(out.length);
    }

    let forceNext = false;
    function schedule(force = false) {
        forceNext = forceNext || force;
        if (!raf) {
            raf = requestAnimationFrame(() => {
                const f = forceNext;
                forceNext = false;
                render(f);
            });
        }
    }

    const onScroll = () => schedule();
    container.addEventListener('scroll', onScroll, { passive: true });
    const ro = new ResizeObserver(() => {
        measure();
        schedule(true);
    });
    ro.observe(container);
    measure();
    render(true);

    return {
        virtual: true,
        get renders() {
            return renders;
        },
        setLimit(last) {
            limit = last;
            render(true);
        },
        // Packets arrived from the store: the rows on screen may now be drawn.
        refresh() {
            schedule(true);
        },
        select(i, { focus = false, scroll = true } = {}) {
            selected = i;
            if (scroll) {
                const y = HEAD * scale + i * rowPx();
                const h = container.clientHeight;
                if (y < container.scrollTop + HEAD * scale || y > container.scrollTop + h - rowPx()) {
                    container.scrollTop = Math.max(0, y - h / 2);
                }
            }
            render(true);
            if (focus) {
                const g = rows.querySelector(`g.arrow[data-index="${i}"]`);
                if (g) {
                    g.focus({ preventScroll: true });
                }
            }
        },
        destroy() {
            clearTimeout(loadTimer);
            ro.disconnect();
            container.removeEventListener('scroll', onScroll);
            if (raf) {
                cancelAnimationFrame(raf);
            }
            container.classList.remove('virtual');
        },
    };
}
