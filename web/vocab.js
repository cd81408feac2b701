// The teaching vocabulary as the server defines it (GET /api/v1/vocabulary, built from one table
// in the tracker): every event, handshake and teardown state, endpoint state and Zeek state with
// its label and meaning in each language, and how a picture draws it. The page keeps no copy of
// its own: it loads this once before the first view is drawn.

import { get } from './api.js';

let doc = null;
const index = new Map(); // "kind/name" -> row

export async function loadVocabulary() {
    if (doc) {
        return;
    }
    const v = await get('/vocabulary');
    for (const [kind, rows] of Object.entries(v)) {
        if (Array.isArray(rows)) {
            for (const row of rows) {
                index.set(`${kind}/${row.name}`, row);
            }
        }
    }
    doc = v;
}

// The names of one kind in the server's order ("events", "handshake", "teardown", "states",
// "conn_state", ...).
export function vocabNames(kind) {
    return (doc?.[kind] ?? []).map((r) => r.name);
}

export function vocabRow(kind, name) {
    return index.get(`${kind}/${name}`) ?? null;
}

// The label of a value in a language (English when the language has none; the name itself when
// the vocabulary does not know it).
export function vocabLabel(kind, name, lang = 'en') {
    const row = vocabRow(kind, name);
    return row?.label?.[lang] ?? row?.label?.en ?? name;
}

export function vocabMeaning(kind, name, lang = 'en') {
    const row = vocabRow(kind, name);
    return row?.meaning?.[lang] ?? row?.meaning?.en ?? '';
}
