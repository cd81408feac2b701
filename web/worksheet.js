// The worksheet: what a connection prints as (A4 or Letter) for a lab: its ladder and a packet
// table with direction, flags, seq, ack, length and both ends' states, where the fields the
// teacher chose are blanks to fill in (the ladder's matching words are left out too). On screen
// it is hidden; the print stylesheet shows it and nothing else. The chosen blanks are in the URL
// (&blank=seq,ack,states), so that a worksheet can be handed out as a link as well. The
// teacher's notes print beside their packets (a column of the table, a mark on the ladder's row)
// and, for the notes on the whole connection, under the title.

import { h, endpoint } from './dom.js';
import { t } from './i18n.js';
import { renderLadder, shownLabel, formatDuration } from './ladder.js';
import { markLadder, notesByPacket, sortNotes } from './notes.js';

export const BLANKABLE = ['flags', 'seq', 'ack', 'states', 'event'];
export const MAX_ROWS = 200; // a worksheet is for a connection a student can follow by hand

export function parseBlanks(v) {
    return (v || '').split(',').filter((x) => BLANKABLE.includes(x));
}

// Fills box with the worksheet of flow (packets: its first packets).
export function renderWorksheet(box, flow, packets, blanks, { capName = '', notes = [] } = {}) {
    const rows = packets.slice(0, MAX_ROWS);
    const byPacket = notesByPacket(notes);
    const flowNotes = sortNotes(notes).filter((a) => a.packet == null);
    const noteCol = byPacket.size > 0;
    const blank = new Set(blanks);
    box.className = `worksheet ${blanks.map((b) => `ws-blank-${b}`).join(' ')}`;
    box.dataset.blanks = blanks.join(',');
    const ladderBox = h('div', { class: 'ws-ladder' });
    const cell = (part, text, cls = '') => (blank.has(part)
        ? h('td', { class: `blank ${cls}`, 'data-blank': part }, h('span', { class: 'sr' }, t('ws_blank')))
        : h('td', { class: cls }, text));
    const table = h('table', { id: 'worksheet-table', class: 'ws-table' },
        h('thead', {}, h('tr', {},
            ['#', t('ws_time'), t('ws_dir'), t('ws_flags'), 'seq', 'ack', 'len', `${t('client')}`,
                `${t('server')}`, t('ws_event'), noteCol ? t('ws_notes') : null].filter(Boolean)
                .map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, rows.map((p, i) => {
            const tcp = p.tcp || {};
            const f = tcp.flags || {};
            const st = p.states || {};
            return h('tr', { 'data-index': i },
                h('td', { class: 'num' }, String(i + 1)),
                h('td', { class: 'num' }, `+${formatDuration(p.t_us)}`),
                h('td', {}, p.dir === 'c2s' ? 'C → S' : 'S → C'),
                cell('flags', `[${f.text || '?'}]`, 'mono'),
                cell('seq', tcp.seq_rel ?? '', 'num mono'),
                cell('ack', f.ack && tcp.ack_rel != null ? tcp.ack_rel : '—', 'num mono'),
                h('td', { class: 'num mono' }, String(tcp.payload_length ?? 0)),
                cell('states', st.client || '', 'mono'),
                cell('states', st.server || '', 'mono'),
                cell('event', shownLabel(p.event)),
                noteCol ? h('td', { class: 'ws-note' }, (byPacket.get(i) || []).map((a) => h('p', { 'data-annotation': a.id },
                    `✎ ${a.text}${a.author ? ` (${a.author})` : ''}`))) : null);
        })));
    box.replaceChildren(
        h('header', { class: 'ws-head' },
            h('h1', {}, `${t('ws_title')}: ${endpoint(flow.client)} → ${endpoint(flow.server)}`),
            h('p', {}, `${capName ? `${capName} · ` : ''}${t('flow_title')} #${flow.id} · ` +
                `${rows.length < packets.length ? t('more_packets', rows.length, packets.length) : `${rows.length} ${t('ws_packets')}`}`),
            h('p', { class: 'ws-name' }, `${t('ws_name')}: ________________________   ${t('ws_date')}: ____________`),
            blanks.length ? h('p', { class: 'ws-task' }, t('ws_task', blanks.map((b) => t(`ws_f_${b}`)).join(', '))) : null,
            flowNotes.length ? h('ul', { class: 'ws-flow-notes' }, flowNotes.map((a) => h('li', { 'data-annotation': a.id },
                `✎ ${a.text}${a.author ? ` (${a.author})` : ''}`))) : null),
        ladderBox,
        h('h2', {}, t('ws_table')),
        table);
    renderLadder(ladderBox, flow, rows, { scale: 'compressed', idPrefix: 'ws-', noGaps: true });
    markLadder(ladderBox, notes);
    // The ladder is a picture here: the table is what is read out.
    const svg = ladderBox.querySelector('svg');
    if (svg) {
        svg.setAttribute('aria-hidden', 'true');
        for (const g of svg.querySelectorAll('[tabindex]')) {
            g.removeAttribute('tabindex');
            g.removeAttribute('role');
        }
    }
}
