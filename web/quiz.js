// Predict the next packet: the page shows a connection up to one packet and asks for the next
// one: who sends it, its flags, its relative seq and ack, both ends' states after it, and why it
// is there (its event, among a few). The answer is checked against the real packet from the
// timeline, then the packet is revealed with its explanation. The URL is the lesson link:
// ?flow=ID&capture=C&p=N&mode=quiz[&ask=dir,flags,seq,ack,states,why][&lang=zh].

import { h } from './dom.js';
import { t } from './i18n.js';
import { shownLabel } from './ladder.js';

export const PARTS = ['dir', 'flags', 'seq', 'ack', 'states', 'why'];
const FLAGS = ['syn', 'ack', 'fin', 'rst', 'psh'];
const STATES = ['CLOSED', 'LISTEN', 'SYN-SENT', 'SYN-RECEIVED', 'ESTABLISHED', 'FIN-WAIT-1',
    'FIN-WAIT-2', 'CLOSE-WAIT', 'CLOSING', 'LAST-ACK', 'TIME-WAIT'];
// The events offered as reasons, beside the packet's own.
const POOL = ['syn', 'syn-ack', 'handshake-ack', 'data', 'ack', 'fin', 'fin-ack-piggybacked', 'close-ack',
    'rst', 'retransmission', 'duplicate-ack', 'window-update', 'keep-alive'];

export function parseAsk(v) {
    const want = (v || '').split(',').filter((x) => PARTS.includes(x));
    return want.length ? want : PARTS.slice();
}

// Four reasons to choose from: the real one and three others, the same for every student.
function reasons(event, i) {
    const others = POOL.filter((e) => e !== event);
    const pick = [];
    for (let k = 0; pick.length < 3 && k < others.length; k++) {
        pick.push(others[(i * 5 + k * 4) % others.length]);
    }
    const all = [...new Set([event, ...pick])];
    return all.sort((a, b) => shownLabel(a).localeCompare(shownLabel(b)));
}

// The truth for packet p, part by part, in the form the inputs give.
export function truth(p) {
    const tcp = p.tcp || {};
    const f = tcp.flags || {};
    const st = p.states || {};
    return {
        dir: p.dir,
        flags: FLAGS.filter((k) => f[k]).join(','),
        seq: String(tcp.seq_rel),
        ack: f.ack && tcp.ack_rel != null ? String(tcp.ack_rel) : '',
        states: `${st.client || ''}/${st.server || ''}`,
        why: p.event,
    };
}

// box: where the quiz goes. store: the Timeline. revealed: the last packet shown.
// onReveal(i): the page shows packets up to i and selects i. onUrl(revealed): the URL follows.
export function renderQuiz(box, { store, revealed, ask, onReveal, onUrl }) {
    let asked = 0;
    let right = 0;
    let checked = false;
    const toAsk = Math.max(0, store.total - 1 - revealed);

    const score = h('p', { id: 'quiz-score', 'aria-live': 'polite' });
    const q = h('h2', { id: 'quiz-q' });
    const form = h('form', { id: 'quiz-form', class: 'quiz-form' });
    const result = h('p', { id: 'quiz-result', 'aria-live': 'assertive' });
    const expl = h('p', { id: 'quiz-explanation', class: 'explanation', hidden: true });
    const checkBtn = h('button', { type: 'submit', id: 'quiz-check', class: 'primary', form: 'quiz-form' }, t('quiz_check'));
    const nextBtn = h('button', { type: 'button', id: 'quiz-next', disabled: true }, t('quiz_next'));
    const link = h('a', { id: 'lesson-link', href: location.href }, t('quiz_link'));
    box.replaceChildren(
        h('div', { class: 'quiz-head' }, q, score),
        form, h('div', { class: 'quiz-actions' }, checkBtn, nextBtn), result, expl,
        h('p', { class: 'muted small' }, t('quiz_link_hint'), ' ', link));

    function updateScore() {
        score.textContent = t('quiz_score', right, asked, toAsk);
        score.dataset.right = right;
        score.dataset.asked = asked;
        score.dataset.total = toAsk;
        link.href = location.href;
    }

    function field(part, labelText, control) {
        return h('div', { class: 'quiz-part', 'data-part': part }, h('label', { class: 'qlabel' }, labelText, control));
    }

    function build(p, i) {
        checked = false;
        result.textContent = '';
        result.removeAttribute('data-result');
        expl.hidden = true;
        expl.textContent = '';
        nextBtn.disabled = true;
        checkBtn.disabled = false;
        q.textContent = t('quiz_question', i + 1, store.total);
        const parts = [];
        if (ask.includes('dir')) {
            parts.push(field('dir', t('quiz_dir'), h('select', { id: 'quiz-dir', name: 'dir' },
                h('option', { value: '' }, '—'),
                h('option', { value: 'c2s' }, `${t('client')} → ${t('server')}`),
                h('option', { value: 's2c' }, `${t('server')} → ${t('client')}`))));
        }
        if (ask.includes('flags')) {
            parts.push(h('fieldset', { class: 'quiz-part', 'data-part': 'flags' }, h('legend', {}, t('quiz_flags')),
                FLAGS.map((f) => h('label', { class: 'flag' },
                    h('input', { type: 'checkbox', name: 'quiz-flag', value: f }), ` ${f.toUpperCase()} `))));
        }
        if (ask.includes('seq')) {
            parts.push(field('seq', t('quiz_seq'), h('input', { id: 'quiz-seq', name: 'seq', inputmode: 'numeric',
                autocomplete: 'off' })));
        }
        if (ask.includes('ack')) {
            parts.push(field('ack', t('quiz_ack'), h('input', { id: 'quiz-ack', name: 'ack', inputmode: 'numeric',
                autocomplete: 'off', placeholder: t('quiz_ack_none') })));
        }
        if (ask.includes('states')) {
            const sel = (id) => h('select', { id, name: id }, h('option', { value: '' }, '—'),
                STATES.map((s) => h('option', { value: s }, s)));
            parts.push(h('div', { class: 'quiz-part', 'data-part': 'states' },
                h('label', { class: 'qlabel' }, t('quiz_client_state'), sel('quiz-client')),
                h('label', { class: 'qlabel' }, t('quiz_server_state'), sel('quiz-server'))));
        }
        if (ask.includes('why')) {
            parts.push(h('fieldset', { class: 'quiz-part', 'data-part': 'why' }, h('legend', {}, t('quiz_why')),
                reasons(p.event, i).map((e) => h('label', { class: 'why' },
                    h('input', { type: 'radio', name: 'quiz-why', value: e }), ` ${shownLabel(e)}`))));
        }
        form.replaceChildren(...parts);
    }

    function answers() {
        const v = (sel) => {
            const e = form.querySelector(sel);
            return e ? e.value.trim() : '';
        };
        const why = form.querySelector('input[name="quiz-why"]:checked');
        return {
            dir: v('#quiz-dir'),
            flags: [...form.querySelectorAll('input[name="quiz-flag"]:checked')].map((c) => c.value)
                .sort((a, b) => FLAGS.indexOf(a) - FLAGS.indexOf(b)).join(','),
            seq: v('#quiz-seq'),
            ack: v('#quiz-ack'),
            states: `${v('#quiz-client')}/${v('#quiz-server')}`,
            why: why ? why.value : '',
        };
    }

    async function current() {
        return store.load(revealed + 1);
    }

    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        if (checked) {
            return;
        }
        const p = await current();
        if (!p) {
            return;
        }
        checked = true;
        const want = truth(p);
        const got = answers();
        let all = true;
        for (const part of ask) {
            const ok = String(got[part]) === String(want[part]);
            all = all && ok;
            const el = form.querySelector(`[data-part="${part}"]`);
            if (el) {
                el.dataset.correct = String(ok);
                const note = h('span', { class: 'verdict' }, ok ? `✓ ${t('quiz_ok')}` : `✗ ${t('quiz_was')} ${shown(part, want[part])}`);
                el.append(note);
            }
        }
        asked++;
        if (all) {
            right++;
        }
        result.dataset.result = all ? 'right' : 'wrong';
        result.className = all ? 'right' : 'wrong';
        result.textContent = all ? `✓ ${t('quiz_right')}` : `✗ ${t('quiz_wrong')}`;
        expl.textContent = p.explanation || '';
        expl.hidden = false;
        checkBtn.disabled = true;
        revealed++;
        onReveal(revealed);
        onUrl(revealed);
        updateScore();
        if (revealed < store.total - 1) {
            nextBtn.disabled = false;
        } else {
            nextBtn.textContent = t('quiz_done');
            box.dataset.done = '1';
        }
    });

    function shown(part, v) {
        if (part === 'dir') {
            return v === 'c2s' ? `${t('client')} → ${t('server')}` : `${t('server')} → ${t('client')}`;
        }
        if (part === 'why') {
            return shownLabel(v);
        }
        if (part === 'flags') {
            return v ? v.toUpperCase() : '—';
        }
        return v === '' ? t('quiz_ack_none') : v;
    }

    nextBtn.addEventListener('click', async () => {
        if (revealed >= store.total - 1) {
            return;
        }
        const p = await current();
        if (p) {
            build(p, revealed + 1);
            const first = form.querySelector('select, input');
            if (first) {
                first.focus();
            }
        }
    });

    updateScore();
    if (revealed >= store.total - 1) {
        q.textContent = t('quiz_nothing');
        checkBtn.disabled = true;
        return;
    }
    current().then((p) => p && build(p, revealed + 1));
}
