// The public API, and nothing else: every call the page makes goes through here.

import { lang, t } from './i18n.js';

const BASE = '/api/v1';

// An API failure: the HTTP status and the API's own message (error.message), or a network error.
export class ApiError extends Error {
    constructor(status, code, message, parameter) {
        super(message);
        this.status = status;
        this.code = code;
        this.parameter = parameter;
    }

    // What the page shows: "415 Unsupported Media Type: not a pcap or pcapng file (...)".
    describe() {
        return this.status ? `${this.status}: ${this.message}` : this.message;
    }
}

let apiKey = '';
try {
    apiKey = sessionStorage.getItem('tcplens.key') || '';
} catch {
    apiKey = '';
}

export function setApiKey(k) {
    apiKey = k;
    try {
        sessionStorage.setItem('tcplens.key', k);
    } catch {
        // the key then lasts until the page is left
    }
}

function authHeaders() {
    return apiKey ? { Authorization: `Bearer ${apiKey}` } : {};
}

// The routes that say nothing in words take no lang (the server refuses unknown parameters).
const NO_LANG = new Set(['GET /captures', 'GET /stats']);
const NO_LANG_PATH = /\/annotations(\/|$)/; // the notes, read, written and deleted
const takesLang = (method, path) => !NO_LANG.has(`${method} ${path}`) && !NO_LANG_PATH.test(path);

// Builds "/api/v1/path?a=1&lang=zh", leaving out empty parameters.
export function apiUrl(path, params = {}, { withLang = true } = {}) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) {
        if (v !== undefined && v !== null && v !== '') {
            q.set(k, String(v));
        }
    }
    if (withLang) {
        q.set('lang', lang());
    }
    const qs = q.toString();
    return qs ? `${BASE}${path}?${qs}` : `${BASE}${path}`;
}

async function errorFrom(res) {
    let code = 'http';
    let message = res.statusText || 'request failed';
    let parameter;
    try {
        const body = await res.json();
        if (body && body.error) {
            code = body.error.code || code;
            message = body.error.message || message;
            parameter = body.error.parameter;
        }
    } catch {
        // not JSON (a proxy's page, say): keep the status text
    }
    return new ApiError(res.status, code, message, parameter);
}

async function request(method, path, params, body) {
    let res;
    const headers = { Accept: 'application/json', ...(method === 'GET' ? {} : authHeaders()) };
    if (body !== undefined) {
        headers['Content-Type'] = 'application/json';
    }
    try {
        res = await fetch(apiUrl(path, params, { withLang: takesLang(method, path) }), {
            method,
            headers,
            body: body === undefined ? undefined : JSON.stringify(body),
        });
    } catch (e) {
        throw new ApiError(0, 'network', `${t('upload_network')} (${e.message})`);
    }
    if (!res.ok) {
        throw await errorFrom(res);
    }
    if (res.status === 204) {
        await res.text(); // read to its end: an unread answer counts as an aborted request
        return null;
    }
    return res.json();
}

export const get = (path, params) => request('GET', path, params);
// A picture the API draws (an SVG document) as text, or null when the answer is not one.
export async function getText(path, params) {
    const res = await fetch(apiUrl(path, params), { headers: { Accept: 'image/svg+xml' } });
    return res.ok ? res.text() : null;
}
export const post = (path, params) => request('POST', path, params);
export const del = (path, params) => request('DELETE', path, params);
// A write whose body is a JSON document (an annotation, say).
export const postJson = (path, body, params) => request('POST', path, params, body);

// Uploads one file as the raw request body (so the progress counts exactly the file's bytes).
// onProgress(sent, total) follows the upload; onSent() fires when the last byte has left and the
// server is decoding. Resolves with the capture document; rejects with an ApiError.
// A background ingest job (202 + /api/v1/jobs/{id}): polled until it is done, then its
// capture as an upload answers it; onJob(job) sees each state (bytes_done, packets, eta_s).
async function waitJob(job, onJob) {
    const deadline = Date.now() + 6 * 3600 * 1000; // a 1 GiB capture takes minutes, not hours
    while (job.state === 'queued' || job.state === 'running') {
        if (onJob) {
            onJob(job);
        }
        if (Date.now() > deadline) {
            throw new ApiError(0, 'timeout', `job ${job.id} is still ${job.state}`);
        }
        await new Promise((r) => setTimeout(r, 500));
        job = await get(`/jobs/${job.id}`);
    }
    if (onJob) {
        onJob(job);
    }
    if (job.state !== 'done') {
        const e = job.error || {};
        throw new ApiError(422, e.code || 'job_failed', e.message || `job ${job.id} failed`);
    }
    return get(`/captures/${job.capture}`);
}

export function upload(file, { onProgress, onSent, onJob } = {}) {
    return new Promise((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhr.open('POST', apiUrl('/captures', { name: file.name }));
        xhr.setRequestHeader('Content-Type', 'application/octet-stream');
        xhr.setRequestHeader('Accept', 'application/json');
        for (const [k, v] of Object.entries(authHeaders())) {
            xhr.setRequestHeader(k, v);
        }
        xhr.responseType = 'text';
        xhr.upload.onprogress = (e) => {
            if (onProgress) {
                onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
            }
        };
        xhr.upload.onload = () => onSent && onSent();
        xhr.onerror = () => reject(new ApiError(0, 'network', t('upload_network')));
        xhr.onabort = () => reject(new ApiError(0, 'aborted', 'upload cancelled'));
        xhr.onload = () => {
            let body = null;
            try {
                body = JSON.parse(xhr.responseText);
            } catch {
                body = null;
            }
            if (xhr.status === 202 && body && body.state) {
                // a background job (a big upload): wait for its capture
                waitJob(body, onJob).then(resolve, reject);
                return;
            }
            if (xhr.status >= 200 && xhr.status < 300 && body) {
                resolve(body);
                return;
            }
            const err = body && body.error ? body.error : {};
            reject(new ApiError(xhr.status, err.code || 'http', err.message || xhr.statusText,
                err.parameter));
        };
        xhr.send(file);
    });
}
