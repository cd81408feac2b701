// Home: upload a capture (drag and drop or the file picker, with the upload's real progress),
// load an example, and the list of stored captures.

import { get, post, del, upload, setApiKey, ApiError } from './api.js';
import { h, formatBytes, formatTs } from './dom.js';
import { t } from './i18n.js';

const CAPTURES_PAGE = 50;

export async function renderHome(ctx, token) {
    const input = h('input', { type: 'file', id: 'file', accept: '.pcap,.pcapng,.cap,.dmp,application/vnd.tcpdump.pcap' });
    const progress = h('progress', { id: 'upload-progress', max: 1, value: 0, 'data-state': 'idle', hidden: true });
    const status = h('p', { id: 'upload-status', class: 'muted' });
    const uploadError = h('p', { id: 'upload-error', role: 'alert', class: 'err', hidden: true });
    const keyBox = apiKeyBox(ctx);
    const drop = h('div', { id: 'dropzone', class: 'dropzone' },
        uploadIcon(),
        h('p', {}, t('upload_hint'), ' ',
            h('label', { for: 'file', class: 'pick' }, t('upload_choose')), '.'),
        input,
        h('p', { class: 'muted small' }, t('upload_limit')));

    const curl = h('div', { class: 'curl' }, h('p', { class: 'muted small' }, t('upload_curl')),
        h('code', { class: 'tcpdump' }, `curl -F file=@capture.pcap ${location.origin}/api/v1/captures`));
    const card = h('section', { class: 'card upload', 'aria-labelledby': 'upload-h' },
        h('h2', { id: 'upload-h' }, t('upload_title')), drop, progress, status, uploadError, keyBox, curl);

    async function send(file) {
        if (!file) {
            return;
        }
        uploadError.hidden = true;
        progress.hidden = false;
        progress.max = Math.max(1, file.size);
        progress.value = 0;
        progress.dataset.state = 'uploading';
        progress.removeAttribute('aria-busy');
        status.textContent = t('upload_sending', formatBytes(0), formatBytes(file.size));
        try {
            const doc = await upload(file, {
                onProgress(sent, total) {
                    progress.max = Math.max(1, total);
                    progress.value = sent;
                    status.textContent = t('upload_sending', formatBytes(sent), formatBytes(total));
                },
                onSent() {
                    progress.dataset.state = 'processing';
                    status.textContent = t('upload_processing');
                },
            });
            progress.value = progress.max;
            progress.dataset.state = 'done';
            const c = doc.capture;
            status.textContent = t('upload_done', c.packets, c.flows);
            ctx.status(status.textContent);
            // Let the finished bar be seen for a moment, then show the capture's connections.
            setTimeout(() => {
                if (ctx.current(token)) {
                    ctx.navigate({ capture: c.id });
                }
            }, 600);
        } catch (err) {
            progress.dataset.state = 'error';
            status.textContent = t('upload_failed');
            uploadError.textContent = err instanceof ApiError ? err.describe() : String(err);
            uploadError.hidden = false;
            if (err instanceof ApiError && err.status === 401) {
                keyBox.hidden = false;
            }
        }
    }

    input.addEventListener('change', () => send(input.files[0]));
    for (const ev of ['dragenter', 'dragover']) {
        drop.addEventListener(ev, (e) => {
            e.preventDefault();
            drop.classList.add('over');
        });
    }
    for (const ev of ['dragleave', 'drop']) {
        drop.addEventListener(ev, () => drop.classList.remove('over'));
    }
    drop.addEventListener('drop', (e) => {
        e.preventDefault();
        const f = e.dataTransfer && e.dataTransfer.files[0];
        send(f);
    });

    const examples = h('section', { class: 'card examples', 'aria-labelledby': 'ex-h' },
        h('h2', { id: 'ex-h' }, t('examples_title')), h('p', { class: 'muted' }, t('examples_hint')),
        h('ul', { id: 'examples', class: 'example-list' }, h('li', { class: 'muted' }, t('loading'))));
    const captures = h('section', { class: 'card captures', 'aria-labelledby': 'cap-h' },
        h('h2', { id: 'cap-h' }, t('captures_title')), h('div', { id: 'captures' }, t('loading')));

    ctx.view.replaceChildren(
        h('h1', { class: 'tagline' }, t('tagline')),
        h('div', { class: 'home-grid' }, card, examples),
        captures);

    const [exList, capList] = await Promise.all([
        get('/examples').catch((e) => e),
        get('/captures', { limit: CAPTURES_PAGE }).catch((e) => e),
    ]);
    if (!ctx.current(token)) {
        return;
    }
    fillExamples(ctx, token, examples.querySelector('#examples'), exList);
    fillCaptures(ctx, captures.querySelector('#captures'), capList);
}

function uploadIcon() {
    const s = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    s.setAttribute('viewBox', '0 0 24 24');
    s.setAttribute('width', '36');
    s.setAttribute('height', '36');
    s.setAttribute('aria-hidden', 'true');
    s.setAttribute('class', 'icon');
    const p = document.createElementNS('http://www.w3.org/2000/svg', 'path');
    p.setAttribute('d', 'M12 16V4m0 0l-5 5m5-5l5 5M4 16v3a1 1 0 001 1h14a1 1 0 001-1v-3');
    s.append(p);
    return s;
}

function apiKeyBox(ctx) {
    const field = h('input', { type: 'password', id: 'api-key', autocomplete: 'off' });
    const box = h('form', { class: 'apikey', hidden: true },
        h('label', { for: 'api-key' }, t('api_key')), field,
        h('button', { type: 'submit' }, 'OK'),
        h('p', { class: 'muted small' }, t('api_key_hint')));
    box.addEventListener('submit', (e) => {
        e.preventDefault();
        setApiKey(field.value.trim());
        box.hidden = true;
        ctx.clearError();
    });
    return box;
}

function fillExamples(ctx, token, ul, res) {
    if (res instanceof Error) {
        ul.replaceChildren(h('li', { class: 'err' }, res.describe ? res.describe() : String(res)));
        return;
    }
    const list = res.examples || [];
    if (!list.length) {
        ul.replaceChildren(h('li', { class: 'muted' }, t('examples_empty')));
        return;
    }
    ul.replaceChildren(...list.map((ex) => {
        const b = h('button', { type: 'button', 'data-example': ex.name, class: 'example' },
            h('span', { class: 'ex-class' }, ex.class || ex.name),
            h('span', { class: 'ex-desc' }, ex.description || ex.file));
        b.addEventListener('click', async () => {
            b.disabled = true;
            ctx.clearError();
            try {
                const doc = await post(`/examples/${encodeURIComponent(ex.name)}`);
                if (ctx.current(token)) {
                    ctx.navigate({ capture: doc.capture.id });
                }
            } catch (err) {
                ctx.showError(err);
                b.disabled = false;
            }
        });
        return h('li', {}, b);
    }));
}

function captureRow(ctx, c) {
    const delBtn = h('button', { type: 'button', class: 'link danger', 'aria-label': `${t('delete')} ${c.name}` }, t('delete'));
    const tr = h('tr', { 'data-capture': c.id },
        h('th', { scope: 'row' }, h('a', { href: `?capture=${c.id}` }, c.name || `#${c.id}`)),
        h('td', { class: 'num' }, c.packets),
        h('td', { class: 'num' }, c.flows),
        h('td', { class: 'ts' }, formatTs(c.first_ts)),
        h('td', { class: 'ts' }, formatTs(c.uploaded_at)),
        h('td', { class: 'num' }, formatBytes(c.size_bytes)),
        h('td', {}, delBtn));
    delBtn.addEventListener('click', async () => {
        if (!confirm(t('delete_confirm', c.name))) {
            return;
        }
        try {
            await del(`/captures/${c.id}`);
            tr.remove();
        } catch (err) {
            ctx.showError(err);
        }
    });
    return tr;
}

function fillCaptures(ctx, box, res) {
    if (res instanceof Error) {
        box.replaceChildren(h('p', { class: 'err' }, res.describe ? res.describe() : String(res)));
        return;
    }
    const list = res.captures || [];
    if (!list.length) {
        box.replaceChildren(h('p', { class: 'muted', id: 'captures-empty' }, t('captures_empty')));
        return;
    }
    const tbody = h('tbody', {}, list.map((c) => captureRow(ctx, c)));
    const more = h('button', { type: 'button', id: 'captures-more', hidden: !res.next_cursor }, t('more'));
    let cursor = res.next_cursor;
    more.addEventListener('click', async () => {
        more.disabled = true;
        try {
            const next = await get('/captures', { limit: CAPTURES_PAGE, cursor });
            tbody.append(...(next.captures || []).map((c) => captureRow(ctx, c)));
            cursor = next.next_cursor;
            more.hidden = !cursor;
        } catch (err) {
            ctx.showError(err);
        }
        more.disabled = false;
    });
    box.replaceChildren(h('div', { class: 'scroll-x' }, h('table', { class: 'grid' },
        h('thead', {}, h('tr', {},
            h('th', { scope: 'col' }, t('col_name')), h('th', { scope: 'col', class: 'num' }, t('col_packets')),
            h('th', { scope: 'col', class: 'num' }, t('col_flows')), h('th', { scope: 'col' }, t('col_first')),
            h('th', { scope: 'col' }, t('col_uploaded')), h('th', { scope: 'col', class: 'num' }, t('col_size')),
            h('th', { scope: 'col' }, h('span', { class: 'sr' }, t('delete'))))),
        tbody)), h('div', { class: 'pager' }, more));
}
