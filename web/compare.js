// Two connections side by side (?compare=ID1,ID2[&cscale=time|packet]): their ladders on one
// scale (one time scale: the same microseconds are the same height in both; one packet scale:
// one row per packet in both, pauses not drawn), and what differs between them in words:
// handshake, teardown, Zeek state, packet counts, the events one has and the other lacks,
// final states, duration.

import { get } from './api.js';
import { h, endpoint } from './dom.js';
import { t, label } from './i18n.js';
import { renderLadder, shownLabel, formatDuration } from './ladder.js';

const LIMIT = 1000;

export async function renderCompare(ctx, token, params) {
    const ids = (params.get('compare') || '').split(',').map((s) => s.trim()).filter(Boolean).slice(0, 2);
    const cscale = params.get('cscale') === 'time' ? 'time' : 'packet';
    ctx.view.replaceChildren(h('p', { class: 'muted' }, t('loading')));
    if (ids.length !== 2) {
        throw new Error(t('compare_need_two'));
    }
    const flows = await Promise.all(ids.map((id) => get(`/flows/${encodeURIComponent(id)}`, { limit: LIMIT })));
    if (!ctx.current(token)) {
        return;
    }
    document.title = `${t('compare_title')} #${ids[0]} · #${ids[1]} · tcplens`;
    const diffs = differences(flows[0], flows[1]);

    const scaleBtns = ['packet', 'time'].map((s) => {
        const b = h('button', { type: 'button', 'data-cscale': s, 'aria-pressed': String(s === cscale) },
            s === 'time' ? t('compare_time') : t('compare_packet'));
        b.addEventListener('click', () => {
            const q = new URLSearchParams({ compare: ids.join(',') });
            if (s === 'time') {
                q.set('cscale', 'time');
            }
            ctx.navigate(q, { replace: true });
        });
        return b;
    });
    const form = h('form', { id: 'compare-pick', class: 'compare-form' },
        ['a', 'b'].map((k, n) => h('label', {}, `${k.toUpperCase()} #`,
            h('input', { name: k, value: ids[n], inputmode: 'numeric', size: 6 }))),
        h('button', { type: 'submit' }, t('compare_go')));
    form.addEventListener('submit', (e) => {
        e.preventDefault();
        const a = form.elements.a.value.trim();
        const b = form.elements.b.value.trim();
        if (/^\d+$/.test(a) && /^\d+$/.test(b)) {
            ctx.navigate(new URLSearchParams({ compare: `${a},${b}`, ...(cscale === 'time' ? { cscale } : {}) }));
        }
    });

    const span = Math.max(1, ...flows.map((f) => f.duration_us || 0));
    const most = Math.max(...flows.map((f) => (f.timeline || []).length));
    const sides = flows.map((f, n) => {
        const k = n ? 'b' : 'a';
        const box = h('div', { id: `ladder-${k}`, class: 'ladder-box compare-ladder' });
        const sec = h('section', { id: `compare-${k}`, class: 'card compare-side', 'data-flow': f.id,
            'aria-labelledby': `compare-${k}-h` },
            h('h2', { id: `compare-${k}-h` }, `${k.toUpperCase()} · `,
                h('a', { href: `?flow=${f.id}` }, `#${f.id}`), ` ${endpoint(f.client)} → ${endpoint(f.server)}`),
            h('ul', { class: 'tags' },
                h('li', { class: `tag hs-${f.handshake.state}` }, `${t('handshake')}: ${label(f.handshake.state)}`),
                h('li', { class: `tag td-${f.teardown.state}` }, `${t('teardown')}: ${label(f.teardown.state)}`),
                h('li', { class: 'tag' }, `conn_state ${f.conn_state}`),
                h('li', { class: 'tag plain' }, formatDuration(f.duration_us))),
            box);
        return { f, box, sec, k };
    });

    ctx.view.replaceChildren(
        h('nav', { class: 'crumbs', 'aria-label': 'breadcrumb' },
            h('a', { href: '/', 'data-nav': true }, t('nav_captures')), ' / ',
            h('span', {}, `${t('compare_title')} #${ids[0]} · #${ids[1]}`)),
        h('h1', {}, t('compare_title')),
        h('div', { class: 'flow-tools' }, form,
            h('div', { class: 'seg', role: 'group', 'aria-label': t('compare_scale') }, scaleBtns)),
        h('section', { class: 'card', 'aria-labelledby': 'diff-h' },
            h('h2', { id: 'diff-h' }, t('compare_diffs')),
            h('ul', { id: 'differences', class: 'differences' },
                diffs.map((d) => h('li', { 'data-diff': d.key, 'data-same': String(d.same), class: d.same ? 'same' : 'differs' },
                    h('span', { class: 'mark', 'aria-hidden': 'true' }, d.same ? '=' : '≠'), ' ', d.text)))),
        h('div', { class: 'compare-grid', id: 'compare', 'data-cscale': cscale }, sides.map((s) => s.sec)));

    for (const s of sides) {
        renderLadder(s.box, s.f, s.f.timeline || [], {
            scale: cscale === 'time' ? 'time' : 'compressed',
            idPrefix: `cmp-${s.k}-`,
            noGaps: true,
            timeSpanUs: cscale === 'time' ? span : null,
            timeHeight: cscale === 'time' ? Math.min(2000, Math.max(480, most * 40)) : null,
            onSelect: (i) => ctx.navigate(new URLSearchParams({ flow: String(s.f.id), p: String(i) })),
        });
    }
}

function counts(f) {
    const m = new Map();
    for (const p of f.timeline || []) {
        m.set(p.event, (m.get(p.event) || 0) + 1);
    }
    return m;
}

// What differs between flows a and b, each { key, same, text } in the current language.
export function differences(a, b) {
    const out = [];
    const hs = [a.handshake.state, b.handshake.state];
    out.push({ key: 'handshake', same: hs[0] === hs[1],
        text: hs[0] === hs[1] ? t('diff_same', t('handshake'), label(hs[0]))
            : t('diff_two', t('handshake'), label(hs[0]), label(hs[1])) });
    const td = [a, b].map((f) => `${label(f.teardown.state)}${f.teardown.initiator
        ? ` (${t('initiator')}: ${t(f.teardown.initiator)})` : ''}`);
    out.push({ key: 'teardown', same: td[0] === td[1],
        text: td[0] === td[1] ? t('diff_same', t('teardown'), td[0]) : t('diff_two', t('teardown'), td[0], td[1]) });
    out.push({ key: 'conn_state', same: a.conn_state === b.conn_state,
        text: a.conn_state === b.conn_state ? t('diff_same', 'Zeek conn_state', a.conn_state)
            : t('diff_two', 'Zeek conn_state', a.conn_state, b.conn_state) });
    const pk = [a, b].map((f) => f.packets || { c2s: 0, s2c: 0 });
    const tot = pk.map((p) => p.c2s + p.s2c);
    out.push({ key: 'packets', same: tot[0] === tot[1] && pk[0].c2s === pk[1].c2s,
        text: t('diff_packets', tot[0], pk[0].c2s, pk[0].s2c, tot[1], pk[1].c2s, pk[1].s2c) });
    const ca = counts(a);
    const cb = counts(b);
    const evs = [...new Set([...ca.keys(), ...cb.keys()])];
    const differ = evs.filter((e) => (ca.get(e) || 0) !== (cb.get(e) || 0));
    out.push({ key: 'events', same: differ.length === 0,
        text: differ.length === 0 ? t('diff_events_same')
            : t('diff_events', differ.map((e) => `${shownLabel(e)} ${ca.get(e) || 0} / ${cb.get(e) || 0}`).join('; ')) });
    const fs = [a, b].map((f) => `${t('client')} ${(f.final_states || {}).client || '—'}, ${t('server')} ${(f.final_states || {}).server || '—'}`);
    out.push({ key: 'final_states', same: fs[0] === fs[1],
        text: fs[0] === fs[1] ? t('diff_same', t('final_states'), fs[0]) : t('diff_two', t('final_states'), fs[0], fs[1]) });
    out.push({ key: 'duration', same: a.duration_us === b.duration_us,
        text: t('diff_two', t('col_duration'), formatDuration(a.duration_us), formatDuration(b.duration_us)) });
    for (const d of out) {
        d.text = d.text.charAt(0).toUpperCase() + d.text.slice(1);
    }
    return out;
}
