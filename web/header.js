// Header diagrams: the IP and TCP headers of one packet drawn as the 32-bit rows of the
// RFC figures. Every field is a cell whose width is proportional to its bit count, so the
// picture reads like the textbook one while showing this packet's values.

import { vocabLabel, vocabMeaning, vocabRow } from './vocab.js';

const ROW_BITS = 32;

// Unique ids for aria-describedby, since several diagrams may share one document.
let nextId = 0;

// Short cell labels and the longer names used in tooltips and aria-labels.
// Keys are the data-field names; every field name the API can emit has an entry.
const NAMES = {
    'ip.version': { en: ['ver', 'version'], zh: ['版本', '版本'] },
    'ip.header_length': { en: ['IHL', 'header length (IHL)'], zh: ['首部长度', '首部长度（IHL）'] },
    'ip.dscp': { en: ['DSCP', 'DSCP'], zh: ['DSCP', '区分服务（DSCP）'] },
    'ip.ecn': { en: ['ECN', 'ECN'], zh: ['ECN', '显式拥塞通知（ECN）'] },
    'ip.total_length': { en: ['total length', 'total length'], zh: ['总长度', '总长度'] },
    'ip.id': { en: ['identification', 'identification'], zh: ['标识', '标识'] },
    'ip.flag.reserved': { en: ['R', 'reserved flag'], zh: ['R', '保留标志'] },
    'ip.flag.df': { en: ['DF', "DF (don't fragment)"], zh: ['DF', 'DF（不分片）'] },
    'ip.flag.mf': { en: ['MF', 'MF (more fragments)'], zh: ['MF', 'MF（更多分片）'] },
    'ip.fragment_offset': { en: ['fragment offset', 'fragment offset'], zh: ['片偏移', '片偏移'] },
    'ip.ttl': { en: ['TTL', 'time to live (TTL)'], zh: ['生存时间', '生存时间（TTL）'] },
    'ip.protocol': { en: ['protocol', 'protocol'], zh: ['协议', '协议'] },
    'ip.checksum': { en: ['header checksum', 'header checksum'], zh: ['首部校验和', '首部校验和'] },
    'ip.src': { en: ['source address', 'source address'], zh: ['源地址', '源地址'] },
    'ip.dst': { en: ['destination address', 'destination address'], zh: ['目的地址', '目的地址'] },
    'ip.options': { en: ['options', 'IP options'], zh: ['选项', 'IP 选项'] },
    'ip.traffic_class': { en: ['traffic class', 'traffic class'], zh: ['流量类别', '流量类别'] },
    'ip.flow_label': { en: ['flow label', 'flow label'], zh: ['流标签', '流标签'] },
    'ip.payload_length': { en: ['payload length', 'payload length'], zh: ['载荷长度', '载荷长度'] },
    'ip.next_header': { en: ['next header', 'next header'], zh: ['下一个首部', '下一个首部'] },
    'ip.hop_limit': { en: ['hop limit', 'hop limit'], zh: ['跳数限制', '跳数限制'] },
    'ip.hop-by-hop': {
        en: ['hop-by-hop options', 'hop-by-hop options header'],
        zh: ['逐跳选项', '逐跳选项首部'],
    },
    'ip.routing': { en: ['routing header', 'routing header'], zh: ['路由首部', '路由首部'] },
    'ip.fragment': { en: ['fragment header', 'fragment header'], zh: ['分片首部', '分片首部'] },
    'ip.destination-options': {
        en: ['destination options', 'destination options header'],
        zh: ['目的选项', '目的选项首部'],
    },
    'ip.authentication': {
        en: ['authentication header', 'authentication header (AH)'],
        zh: ['认证首部', '认证首部（AH）'],
    },
    'ip.mobility': { en: ['mobility header', 'mobility header'], zh: ['移动首部', '移动首部'] },
    'ip.unknown': { en: ['extension header', 'extension header'], zh: ['扩展首部', '扩展首部'] },
    'tcp.src_port': { en: ['source port', 'source port'], zh: ['源端口', '源端口'] },
    'tcp.dst_port': { en: ['destination port', 'destination port'], zh: ['目的端口', '目的端口'] },
    'tcp.seq': { en: ['sequence number', 'sequence number'], zh: ['序列号', '序列号'] },
    'tcp.ack': {
        en: ['acknowledgement number', 'acknowledgement number'],
        zh: ['确认号', '确认号'],
    },
    'tcp.data_offset': { en: ['HL', 'header length (HL)'], zh: ['首部长度', '首部长度（HL）'] },
    'tcp.reserved': { en: ['rsvd', 'reserved'], zh: ['保留', '保留'] },
    'tcp.flag.ae': { en: ['A', 'AE flag'], zh: ['A', 'AE 标志'] },
    'tcp.flag.cwr': { en: ['C', 'CWR flag'], zh: ['C', 'CWR 标志'] },
    'tcp.flag.ece': { en: ['E', 'ECE flag'], zh: ['E', 'ECE 标志'] },
    'tcp.flag.urg': { en: ['U', 'URG flag'], zh: ['U', 'URG 标志'] },
    'tcp.flag.ack': { en: ['A', 'ACK flag'], zh: ['A', 'ACK 标志'] },
    'tcp.flag.psh': { en: ['P', 'PSH flag'], zh: ['P', 'PSH 标志'] },
    'tcp.flag.rst': { en: ['R', 'RST flag'], zh: ['R', 'RST 标志'] },
    'tcp.flag.syn': { en: ['S', 'SYN flag'], zh: ['S', 'SYN 标志'] },
    'tcp.flag.fin': { en: ['F', 'FIN flag'], zh: ['F', 'FIN 标志'] },
    'tcp.window': { en: ['window', 'window'], zh: ['窗口大小', '窗口大小'] },
    'tcp.checksum': { en: ['checksum', 'checksum'], zh: ['校验和', '校验和'] },
    'tcp.urgent_pointer': { en: ['urgent pointer', 'urgent pointer'], zh: ['紧急指针', '紧急指针'] },
    'tcp.options': { en: ['options', 'options'], zh: ['选项', '选项'] },
    'tcp.padding': { en: ['padding', 'padding'], zh: ['填充', '填充'] },
};

// The API explains fields in English only; these are the Chinese counterparts.
const MEANING_ZH = {
    'ip.version': 'IP 版本号：4 为 IPv4，6 为 IPv6',
    'ip.header_length': '首部长度（IHL），以 32 位字为单位：×4 即字节数',
    'ip.dscp': '区分服务码点：报文所属的服务类别',
    'ip.ecn': '显式拥塞通知（RFC 3168）',
    'ip.total_length': '整个 IP 报文的字节数，含首部',
    'ip.id': '标识：同一数据报的各个分片共用这个值',
    'ip.flag.reserved': '保留标志位，必须为 0',
    'ip.flag.df': '不分片',
    'ip.flag.mf': '后面还有分片',
    'ip.fragment_offset': '本分片的数据在原数据报中的位置，以 8 字节为单位',
    'ip.ttl': '生存时间：还能经过多少跳，为 0 时路由器丢弃报文',
    'ip.protocol': '上层协议：6 为 TCP',
    'ip.checksum': '首部校验和（RFC 1071），只覆盖 IP 首部',
    'ip.src': '源地址',
    'ip.dst': '目的地址',
    'ip.options': 'IP 选项（记录路由、路由器告警等）',
    'ip.traffic_class': '流量类别：DSCP（6 位）和 ECN（2 位）',
    'ip.flow_label': '流标签：为路由器标记同一条流的报文',
    'ip.payload_length': '这个 40 字节首部之后的字节数，含扩展首部',
    'ip.next_header': '后面紧跟的首部：6 为 TCP',
    'ip.hop_limit': '还能经过多少跳，为 0 时路由器丢弃报文',
    'ip.hop-by-hop': 'IPv6 扩展首部：逐跳选项，路径上每个路由器都要处理',
    'ip.routing': 'IPv6 扩展首部：路由首部，指定途经的节点',
    'ip.fragment': 'IPv6 扩展首部：分片首部',
    'ip.destination-options': 'IPv6 扩展首部：目的选项，由接收方处理',
    'ip.authentication': 'IPv6 扩展首部：认证首部（IPsec AH）',
    'ip.mobility': 'IPv6 扩展首部：移动 IPv6 首部',
    'ip.unknown': 'IPv6 扩展首部',
    'tcp.src_port': '源端口：发送方应用程序的端口',
    'tcp.dst_port': '目的端口：接收方应用程序的端口',
    'tcp.seq': '序列号：本报文段第一个字节在发送方字节流中的位置',
    'tcp.ack': '确认号：发送方期望从对端收到的下一个字节',
    'tcp.data_offset': '首部长度（HL），以 32 位字为单位：×4 即字节数',
    'tcp.reserved': '保留位，必须为 0',
    'tcp.flag.ae': 'AE：精确 ECN（原 NS，RFC 3540）',
    'tcp.flag.cwr': 'CWR：拥塞窗口已减小（RFC 3168）',
    'tcp.flag.ece': 'ECE：ECN 回显（RFC 3168）',
    'tcp.flag.urg': 'URG：紧急指针有效',
    'tcp.flag.ack': 'ACK：确认号有效',
    'tcp.flag.psh': 'PSH：立即把数据交给应用程序',
    'tcp.flag.rst': 'RST：重置连接',
    'tcp.flag.syn': 'SYN：同步序列号（建立连接）',
    'tcp.flag.fin': 'FIN：发送方没有更多数据要发送',
    'tcp.window': '窗口大小：发送方还能接收多少字节（缩放之前）',
    'tcp.checksum': '校验和：覆盖伪首部、TCP 首部和数据',
    'tcp.urgent_pointer': '紧急指针：URG 置位时指向紧急数据的末尾',
    'tcp.options': '选项：MSS、窗口缩放、SACK、时间戳……',
};

// TCP options have no per-option meaning in the API, so both languages live here,
// keyed by the option names the decoder uses (tcpdump's).
const OPTION_MEANING = {
    eol: ['end of option list', '选项列表结束'],
    nop: ['no-operation: one byte that aligns the next option', '无操作：用一个字节对齐下一个选项'],
    mss: [
        'maximum segment size: the largest segment payload this side accepts',
        '最大报文段长度：本端愿意接收的最大数据长度',
    ],
    wscale: [
        "window scale (RFC 7323): this side's window field is multiplied by 2^shift",
        '窗口缩放（RFC 7323）：本端的窗口字段要乘以 2^shift',
    ],
    sackOK: ['selective acknowledgement permitted (RFC 2018)', '允许选择确认（SACK，RFC 2018）'],
    sack: [
        'selective acknowledgement: blocks received beyond the acknowledgement number',
        '选择确认：确认号之后已经收到的数据块',
    ],
    TS: [
        "timestamps (RFC 7323): the sender's clock (val) and the peer's clock echoed (ecr)",
        '时间戳（RFC 7323）：发送方的时钟值（val）和回显的对端时钟值（ecr）',
    ],
    echo: ['echo (obsolete, RFC 1072)', '回显（已废弃，RFC 1072）'],
    echoreply: ['echo reply (obsolete, RFC 1072)', '回显应答（已废弃，RFC 1072）'],
    cc: ['connection count (obsolete, RFC 1644)', '连接计数（已废弃，RFC 1644）'],
    ccnew: ['CC.NEW (obsolete, RFC 1644)', 'CC.NEW（已废弃，RFC 1644）'],
    md5: ['MD5 signature (RFC 2385)', 'MD5 签名（RFC 2385）'],
    scps: ['SCPS capabilities', 'SCPS 能力'],
    uto: ['user timeout (RFC 5482)', '用户超时（RFC 5482）'],
    'tcp-ao': ['TCP authentication option (RFC 5925)', 'TCP 认证选项（RFC 5925）'],
    mptcp: ['Multipath TCP (RFC 8684)', '多路径 TCP（RFC 8684）'],
    tfo: ['TCP Fast Open cookie (RFC 7413)', 'TCP 快速打开 cookie（RFC 7413）'],
    exp: ['experimental option (RFC 6994)', '实验性选项（RFC 6994）'],
};

const PADDING_MEANING = [
    'padding: the bytes after the last option, up to the header length',
    '填充：最后一个选项之后直到首部末尾的字节',
];

const TEXT = {
    en: {
        ipv4: (n) => `IPv4 header (${n} bytes)`,
        ipv6: (n, ext) =>
            ext ? `IPv6 header (40 bytes + ${ext} bytes of extension headers)`
                : `IPv6 header (${n} bytes)`,
        tcp: (n) => `TCP header (${n} bytes)`,
        bits: (a, b, w) =>
            w === 1
                ? `bit offset ${a}, width 1 bit`
                : `bit offset ${a}, width ${w} bits (bits ${a}–${b})`,
        hex: 'hex',
        words: (v) => `${v} × 4 = ${v * 4} bytes`,
        expected: (h) => `expected ${h}`,
        ackUnused: 'the ACK flag is not set, so this number carries no meaning',
        window: (w, m, s) => `window ${w} × ${m} = ${s} bytes`,
        windowZero: (s) => `window 0: scaled, ${s} bytes`,
        rel: (seq, ack) => `relative seq ${seq}` + (ack === null ? '' : `, ack ${ack}`),
        option: (n) => `TCP option kind ${n}`,
        malformed: 'malformed',
        cont: 'continued',
        none: 'no header fields in this packet',
        layer: (name, n) => (n ? `${name} header (${n} bytes)` : `${name} header`),
        outer: (name) => `outer ${name}`,
        path: 'The path through the network, outermost first',
    },
    zh: {
        ipv4: (n) => `IPv4 首部（${n} 字节）`,
        ipv6: (n, ext) =>
            ext ? `IPv6 首部（40 字节 + ${ext} 字节扩展首部）` : `IPv6 首部（${n} 字节）`,
        tcp: (n) => `TCP 首部（${n} 字节）`,
        bits: (a, b, w) => `位偏移 ${a}，宽 ${w} 位` + (w > 1 ? `（第 ${a}–${b} 位）` : ''),
        hex: '十六进制',
        words: (v) => `${v} × 4 = ${v * 4} 字节`,
        expected: (h) => `应为 ${h}`,
        ackUnused: 'ACK 标志没有置位，这个确认号没有意义',
        window: (w, m, s) => `窗口 ${w} × ${m} = ${s} 字节`,
        windowZero: (s) => `窗口 0：缩放后 ${s} 字节`,
        rel: (seq, ack) => `相对序列号 ${seq}` + (ack === null ? '' : `，相对确认号 ${ack}`),
        option: (n) => `TCP 选项，类型 ${n}`,
        malformed: '格式错误',
        cont: '续',
        none: '这个报文没有首部字段',
        layer: (name, n) => (n ? `${name} 首部（${n} 字节）` : `${name} 首部`),
        outer: (name) => `外层 ${name}`,
        path: '报文经过的封装，由外到内',
    },
};

// ---- small helpers ----

function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) {
        e.className = cls;
    }
    if (text !== undefined) {
        e.textContent = text;
    }
    return e;
}

// Flags are the 1-bit fields; the ACK flag and the acknowledgement number share the
// API name "ack", so the width is what tells them apart.
function fieldKey(f) {
    if (f.width_bits === 1 && (f.layer === 'tcp' || f.layer === 'ip')) {
        return `${f.layer}.flag.${f.name}`;
    }
    return `${f.layer}.${f.name}`;
}

function names(key, lang) {
    const entry = NAMES[key];
    if (!entry && vocabRow('fields', key)) {
        // link layers and tunnels: their words come from the vocabulary (kind "fields")
        const label = vocabLabel('fields', key, lang);
        return [label, label];
    }
    if (!entry) {
        const bare = key.slice(key.lastIndexOf('.') + 1);
        return [bare, bare];
    }
    return entry[lang] || entry.en;
}

function meaningOf(key, f, lang) {
    if (lang === 'zh' && MEANING_ZH[key]) {
        return MEANING_ZH[key];
    }
    if (lang !== 'en' && vocabRow('fields', key)) {
        return vocabMeaning('fields', key, lang);
    }
    return f.meaning || '';
}

// Byte strings arrive as bare hex; group them by byte so long ones can wrap.
function groupBytes(hex) {
    return (hex.match(/../g) || []).join(' ');
}

// IPv6 addresses come as text only; expand them so the tooltip can show all 128 bits.
function ipv6Hex(text) {
    let s = String(text);
    const v4 = s.match(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/);
    if (v4) {
        const b = v4.slice(1).map((x) => Number(x).toString(16).padStart(2, '0'));
        s = s.slice(0, v4.index) + `${b[0]}${b[1]}:${b[2]}${b[3]}`;
    }
    const [head, tail] = s.includes('::') ? s.split('::') : [s, null];
    const hs = head ? head.split(':') : [];
    const ts = tail ? tail.split(':') : [];
    const fill = tail === null ? [] : Array(8 - hs.length - ts.length).fill('0');
    const groups = [...hs, ...fill, ...ts];
    if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) {
        return null;
    }
    return '0x' + groups.map((g) => g.padStart(4, '0').toLowerCase()).join('');
}

function hexOf(f) {
    if (f.hex) {
        return f.hex;
    }
    if (typeof f.value === 'string' && /^[0-9a-f]*$/i.test(f.value) && f.value.length > 0) {
        return '0x' + f.value.toLowerCase();
    }
    if (typeof f.value === 'string' && f.value.includes(':')) {
        return ipv6Hex(f.value);
    }
    return null;
}

function valueText(f) {
    if (typeof f.value === 'boolean') {
        return f.value ? '1' : '0';
    }
    if (f.value === null || f.value === undefined) {
        return '';
    }
    // Bytes fields (IP options, IPv6 extension headers) are raw hex strings.
    if (!f.hex && typeof f.value === 'string' && /^[0-9a-f]+$/i.test(f.value)) {
        return groupBytes(f.value);
    }
    return String(f.value);
}

// Splits a bit range into grid pieces: a partial first row, a block of whole rows,
// a partial last row. Whole rows are kept in one piece so a long field reads as one box.
function pieces(offset, width) {
    const out = [];
    const end = offset + width;
    let bit = offset;
    while (bit < end) {
        const row = Math.floor(bit / ROW_BITS);
        const col = bit % ROW_BITS;
        if (col === 0 && end - bit >= 2 * ROW_BITS) {
            const rows = Math.floor((end - bit) / ROW_BITS);
            out.push({ row, col, span: ROW_BITS, rows });
            bit += rows * ROW_BITS;
        } else {
            const span = Math.min(ROW_BITS - col, end - bit);
            out.push({ row, col, span, rows: 1 });
            bit += span;
        }
    }
    return out;
}

// ---- building the items (one per drawn field) ----

function checksumNotes(status, expected, t, lang) {
    const notes = [];
    if (status) {
        // the verdict's label, and for offloaded what it means: from the vocabulary
        notes.push(vocabLabel('checksum_status', status, lang));
        if (status === 'offloaded') {
            notes.push(vocabMeaning('checksum_status', status, lang));
        }
    }
    if ((status === 'incorrect' || status === 'offloaded') && expected) {
        notes.push(t.expected(expected));
    }
    return notes;
}

function fieldItem(f, packet, lang) {
    const t = TEXT[lang];
    const key = fieldKey(f);
    const [label, long] = names(key, lang);
    const item = {
        key,
        label,
        long,
        value: valueText(f),
        meaning: meaningOf(key, f, lang),
        offset: f.offset_bits,
        width: f.width_bits,
        hex: hexOf(f),
        notes: [],
        classes: [],
    };
    if (f.width_bits === 1) {
        item.classes.push('tl-flag');
        if (f.value === true || f.value === 1) {
            item.classes.push('is-set');
        }
    }
    if (f.name === 'checksum') {
        const hdr = f.layer === 'tcp' ? packet.tcp : packet.ip;
        const status = hdr && hdr.checksum_status;
        item.mark = status === 'correct' || status === 'offloaded' ? '✓' : status === 'incorrect' ? '✗' : '';
        item.markClass = status === 'incorrect' ? 'bad' : 'ok';
        item.notes = checksumNotes(status, hdr && hdr.checksum_expected, t, lang);
    }
    if (key === 'ip.header_length' || key === 'tcp.data_offset') {
        item.notes.push(t.words(Number(f.value)));
    }
    if (key === 'tcp.ack' && packet.tcp && packet.tcp.flags && packet.tcp.flags.ack === false) {
        item.classes.push('is-unused');
        item.notes.push(t.ackUnused);
    }
    if (key === 'tcp.window' && packet.tcp) {
        const note = windowNote(packet.tcp, t);
        if (note) {
            item.notes.push(note);
        }
    }
    return item;
}

function optionValue(o) {
    switch (o.name) {
        case 'mss':
            return String(o.value);
        case 'wscale':
            return `${o.shift} (×${o.multiplier})`;
        case 'TS':
            return `val ${o.val} ecr ${o.ecr}`;
        case 'sack': {
            const blocks = o.blocks_rel || o.blocks || [];
            return blocks.map((b) => `{${b[0]}:${b[1]}}`).join(' ');
        }
        default:
            return o.hex ? '0x' + o.hex : '';
    }
}

function optionItem(o, i, start, width, bytesHex, lang) {
    const t = TEXT[lang];
    const li = lang === 'zh' ? 1 : 0;
    const meaning = OPTION_MEANING[o.name];
    const first = (start / 8 - 20) * 2;
    const hex = bytesHex.slice(first, first + (width / 8) * 2);
    const item = {
        key: `tcp.option.${i}`,
        label: o.name,
        long: o.name,
        value: o.error ? '' : optionValue(o),
        meaning: meaning ? meaning[li] : t.option(o.kind),
        offset: start,
        width,
        hex: hex ? '0x' + hex : null,
        notes: o.error ? [`${t.malformed}: ${o.error}`] : [],
        classes: ['tl-opt', 'tl-inline'],
        kind: o.kind,
    };
    if (o.error) {
        item.classes.push('is-bad');
    }
    return item;
}

function paddingItem(start, end, bytesHex, lang) {
    const [label, long] = names('tcp.padding', lang);
    const first = (start / 8 - 20) * 2;
    const hex = bytesHex.slice(first, first + ((end - start) / 8) * 2);
    return {
        key: 'tcp.padding',
        label,
        long,
        value: '',
        meaning: PADDING_MEANING[lang === 'zh' ? 1 : 0],
        offset: start,
        width: end - start,
        hex: hex ? '0x' + hex : null,
        notes: [],
        classes: ['tl-pad', 'tl-inline'],
    };
}

// One cell per option, in wire order, then padding up to the header's end.
// Without a decoded option list the options field stays one cell.
function optionItems(f, packet, lang) {
    const opts = (packet.tcp && packet.tcp.options) || [];
    if (opts.length === 0) {
        return [fieldItem(f, packet, lang)];
    }
    const bytesHex = typeof f.value === 'string' ? f.value : '';
    const end = f.offset_bits + f.width_bits;
    const items = [];
    let cursor = f.offset_bits;
    opts.forEach((o, i) => {
        const start = Math.max(cursor, (o.offset || 0) * 8);
        const width = Math.min(Math.max(o.length || 1, 1) * 8, end - start);
        if (width <= 0) {
            return;
        }
        if (start > cursor) {
            items.push(paddingItem(cursor, start, bytesHex, lang));
        }
        items.push(optionItem(o, i, start, width, bytesHex, lang));
        cursor = start + width;
    });
    if (cursor < end) {
        items.push(paddingItem(cursor, end, bytesHex, lang));
    }
    return items;
}

function windowNote(tcp, t) {
    if (tcp.window_scaled === null || tcp.window_scaled === undefined) {
        return null;
    }
    if (!tcp.window) {
        return t.windowZero(tcp.window_scaled);
    }
    return t.window(tcp.window, Math.round(tcp.window_scaled / tcp.window), tcp.window_scaled);
}

// ---- drawing ----

function ruler() {
    const r = el('div', 'tl-hdr-ruler');
    r.setAttribute('aria-hidden', 'true');
    for (let tens = 0; tens < ROW_BITS; tens += 10) {
        const d = el('span', 'tl-tens', String(tens / 10));
        d.style.gridColumn = `${tens + 1}`;
        d.style.gridRow = '1';
        r.append(d);
    }
    for (let bit = 0; bit < ROW_BITS; bit++) {
        const d = el('span', 'tl-unit', String(bit % 10));
        d.style.gridColumn = `${bit + 1}`;
        d.style.gridRow = '2';
        r.append(d);
    }
    return r;
}

function tipLines(item, t) {
    const last = item.offset + item.width - 1;
    // The API's meaning for addresses is just their name, already the tooltip's heading.
    const meaning = item.meaning.toLowerCase() === item.long.toLowerCase() ? '' : item.meaning;
    const lines = [meaning, t.bits(item.offset, last, item.width)];
    if (item.hex) {
        lines.push(`${t.hex} ${item.hex}`);
    }
    return lines.concat(item.notes);
}

function placePiece(cell, p) {
    cell.style.gridColumn = `${p.col + 1} / span ${p.span}`;
    cell.style.gridRow = `${p.row + 1} / span ${p.rows}`;
    cell.dataset.span = String(p.span);
}

// The main piece carries the data-field, the text and the focus; the other pieces of a
// field broken over rows only repeat its name faintly.
function mainCell(item, p, descId, t) {
    const cell = el('div', ['tl-hdr-cell', ...item.classes].join(' '));
    placePiece(cell, p);
    cell.dataset.field = item.key;
    if (item.kind !== undefined) {
        cell.dataset.kind = String(item.kind);
    }
    cell.tabIndex = 0;
    const markWord = item.mark ? ` ${item.notes[0]}` : '';
    const shown = item.value === '' ? '' : `: ${item.value}`;
    cell.setAttribute('aria-label', `${item.long}${shown}${markWord}`);
    cell.setAttribute('aria-describedby', descId);
    cell.title = [item.long + shown, ...tipLines(item, t)].join('\n');
    // The ✓/✗ sits next to the value but outside .value, which holds the value alone.
    const line = el('span', 'line');
    line.append(el('span', 'value', item.value));
    if (item.mark) {
        line.append(el('span', `mark ${item.markClass}`, item.mark));
    }
    cell.append(el('span', 'name', item.label), line);
    return cell;
}

function contCell(item, p, t) {
    const cell = el('div', ['tl-hdr-cell', 'tl-cont', ...item.classes].join(' '));
    placePiece(cell, p);
    cell.dataset.part = item.key;
    cell.setAttribute('aria-hidden', 'true');
    cell.title = `${item.long} (${t.cont})`;
    cell.append(el('span', 'name', item.label));
    return cell;
}

function fillTip(tip, item, t) {
    tip.replaceChildren();
    const head = el('div', 'tl-tip-head', item.long);
    if (item.value !== '') {
        head.append(el('span', 'tl-tip-value', ` = ${item.value}`));
    }
    tip.append(head);
    for (const line of tipLines(item, t)) {
        if (line) {
            // The space keeps the lines apart in the tooltip's text, not on screen.
            tip.append(' ', el('div', 'tl-tip-line', line));
        }
    }
}

// Positions the tooltip under the anchor, or above it when it would leave the figure,
// keeping it inside the figure horizontally (the diagram itself may be scrolled).
function placeTip(tip, anchor, fig) {
    tip.hidden = false;
    const f = fig.getBoundingClientRect();
    const a = anchor.getBoundingClientRect();
    const w = tip.offsetWidth;
    const h = tip.offsetHeight;
    let left = a.left - f.left + a.width / 2 - w / 2;
    left = Math.max(0, Math.min(left, f.width - w));
    let top = a.bottom - f.top + 6;
    if (top + h > f.height && a.top - f.top - h - 6 >= 0) {
        top = a.top - f.top - h - 6;
    }
    tip.style.left = `${Math.round(left)}px`;
    tip.style.top = `${Math.round(top)}px`;
}

// Hover and keyboard focus both open the tooltip; Escape closes it (WCAG 1.4.13).
function wireTip(fig, tip, entries, t) {
    const show = (entry, anchor) => {
        fillTip(tip, entry.item, t);
        placeTip(tip, anchor, fig);
    };
    const hide = () => {
        tip.hidden = true;
    };
    const focused = () => entries.find((e) => e.main === document.activeElement);
    for (const entry of entries) {
        for (const cell of entry.cells) {
            cell.addEventListener('mouseenter', () => {
                entry.cells.forEach((c) => c.classList.add('tl-hot'));
                show(entry, cell);
            });
            cell.addEventListener('mouseleave', () => {
                entry.cells.forEach((c) => c.classList.remove('tl-hot'));
                const f = focused();
                if (f) {
                    show(f, f.main);
                } else {
                    hide();
                }
            });
        }
        entry.main.addEventListener('focus', () => show(entry, entry.main));
        entry.main.addEventListener('blur', hide);
    }
    fig.addEventListener('keydown', (ev) => {
        if (ev.key === 'Escape') {
            hide();
        }
    });
}

function diagram(layer, title, items, t, dir) {
    const fig = el('figure', 'tl-hdr');
    fig.dataset.layer = layer;
    if (dir) {
        fig.dataset.dir = dir;
    }
    fig.append(el('figcaption', 'tl-hdr-title', title));
    const scroll = el('div', 'tl-hdr-scroll');
    const grid = el('div', 'tl-hdr-grid');
    grid.setAttribute('role', 'group');
    grid.setAttribute('aria-label', title);
    const descs = el('div', 'tl-hdr-descs');
    descs.hidden = true;
    const entries = [];
    for (const item of items) {
        const descId = `tl-hdr-d${++nextId}`;
        const desc = el('span', '', tipLines(item, t).filter(Boolean).join('. '));
        desc.id = descId;
        descs.append(desc);
        const ps = pieces(item.offset, item.width);
        const big = ps.reduce((m, p, i) => (p.span * p.rows > ps[m].span * ps[m].rows ? i : m), 0);
        const cells = ps.map((p, i) =>
            i === big ? mainCell(item, p, descId, t) : contCell(item, p, t));
        grid.append(...cells);
        entries.push({ item, cells, main: cells[big] });
    }
    scroll.append(ruler(), grid);
    const tip = el('div', 'tl-tip');
    tip.setAttribute('role', 'tooltip');
    tip.hidden = true;
    fig.append(scroll, descs, tip);
    wireTip(fig, tip, entries, t);
    return fig;
}

function headerBytes(fields) {
    const end = fields.reduce((m, f) => Math.max(m, f.offset_bits + f.width_bits), 0);
    return Math.ceil(end / 8);
}

function ipDiagram(packet, fields, lang, t, outer = false) {
    // an outer IP header (a tunnel's) has no verdicts of its own in the packet: none drawn
    const items = fields.map((f) => fieldItem(f, outer ? { dir: packet.dir } : packet, lang));
    const bytes = headerBytes(fields);
    const version = fields.find((f) => f.name === 'version');
    const v6 = !outer && packet.ip ? packet.ip.version === 6 : !!version && version.value === 6;
    const title = v6 ? t.ipv6(bytes, bytes > 40 ? bytes - 40 : 0) : t.ipv4(bytes);
    return diagram('ip', outer ? t.outer(title) : title, items, t, packet.dir);
}

// The identifier a tunnel layer is known by, as its field is named in `fields`.
const ID_FIELD = {
    vlan: 'vid',
    mpls: 'label',
    pppoe: 'session_id',
    vntag: 'dst_vif',
    etag: 'ecid_base',
    gre: 'key',
    erspan: 'session_id',
    vxlan: 'vni',
    'vxlan-gpe': 'vni',
    geneve: 'vni',
    gtpu: 'teid',
};

// A link-layer or tunnel header (Ethernet, 802.1Q, MPLS, PPPoE, UDP, GRE, VXLAN, Geneve, GTP-U
// ...): its fields in 32-bit rows like the IP and TCP headers, its words from the vocabulary.
function layerDiagram(packet, layer, fields, length, lang, t) {
    const items = fields.map((f) => fieldItem(f, {}, lang));
    const bytes = length || headerBytes(fields);
    const fig = diagram(layer, t.layer(vocabLabel('layers', layer, lang), bytes), items, t,
        packet.dir);
    fig.classList.add('tl-hdr-layer');
    return fig;
}

// The packet's headers outermost first, as a strip of links to their diagrams; the headers of
// one tunnel (its outer IP and UDP, say) share a mark.
function pathStrip(packet, groups, lang, t, ids) {
    const nav = el('nav', 'tl-path');
    nav.setAttribute('aria-label', t.path);
    nav.append(el('span', 'tl-path-title', t.path));
    const list = el('ol', 'tl-path-list');
    (packet.layers || []).forEach((l, i) => {
        const item = el('li', 'tl-path-item');
        item.dataset.layer = l.layer;
        if (l.tunnel !== null && l.tunnel !== undefined) {
            item.dataset.tunnel = String(l.tunnel);
            item.classList.add(`tl-path-tun${l.tunnel % 4}`);
        }
        const fs = groups.get(i) || [];
        const idName = ID_FIELD[l.layer];
        const idField = idName && fs.find((f) => f.name === idName);
        let text = vocabLabel('layers', l.layer, lang);
        if (idField) {
            text += ` ${vocabLabel('fields', `${l.layer}.${idName}`, lang)} ${idField.value}`;
        }
        const target = ids.get(i);
        const a = el(target ? 'a' : 'span', 'tl-path-link', text);
        if (target) {
            a.href = `#${target}`;
        }
        a.title = vocabMeaning('layers', l.layer, lang);
        item.append(a);
        list.append(item);
    });
    nav.append(list);
    return nav;
}

function tcpDiagram(packet, fields, lang, t) {
    const items = [];
    for (const f of fields) {
        if (f.name === 'options') {
            items.push(...optionItems(f, packet, lang));
        } else {
            items.push(fieldItem(f, packet, lang));
        }
    }
    const bytes = (packet.tcp && packet.tcp.header_length) || headerBytes(fields);
    const fig = diagram('tcp', t.tcp(bytes), items, t, packet.dir);
    const notes = [];
    if (packet.tcp) {
        const w = windowNote(packet.tcp, t);
        if (w) {
            notes.push(w);
        }
        if (packet.tcp.seq_rel !== undefined && packet.tcp.seq_rel !== null) {
            const ack = packet.tcp.ack_rel === undefined ? null : packet.tcp.ack_rel;
            notes.push(t.rel(packet.tcp.seq_rel, ack));
        }
    }
    if (notes.length) {
        fig.append(el('p', 'tl-hdr-note', notes.join(lang === 'zh' ? '；' : '; ')));
    }
    return fig;
}

/**
 * Replaces the content of `container` with the IP and TCP header diagrams of `packet`
 * (one element of a flow's timeline). `lang` is "en" or "zh".
 */
export function renderHeader(container, packet, lang) {
    const l = lang === 'zh' ? 'zh' : 'en';
    const t = TEXT[l];
    const fields = (packet && packet.fields) || [];
    // one diagram per header, in wire order (layer_index; older documents have ip and tcp only)
    const groups = new Map();
    for (const f of fields) {
        const i = f.layer_index ?? (f.layer === 'tcp' ? 1 : 0);
        if (!groups.has(i)) {
            groups.set(i, []);
        }
        groups.get(i).push(f);
    }
    const order = [...groups.keys()].sort((a, b) => a - b);
    const inner = order.filter((i) => groups.get(i)[0].layer === 'ip').pop();
    const layers = (packet && packet.layers) || [];
    const out = [];
    const ids = new Map();
    for (const i of order) {
        const fs = groups.get(i);
        const layer = fs[0].layer;
        let fig;
        if (layer === 'ip') {
            fig = ipDiagram(packet, fs, l, t, i !== inner);
        } else if (layer === 'tcp') {
            fig = tcpDiagram(packet, fs, l, t);
        } else {
            fig = layerDiagram(packet, layer, fs, layers[i] && layers[i].length, l, t);
        }
        fig.id = `tl-hdr-${++nextId}`;
        ids.set(i, fig.id);
        out.push(fig);
    }
    if (layers.length > 2) { // tunnelled or link layers drawn: the path first
        out.unshift(pathStrip(packet, groups, l, t, ids));
    }
    if (!out.length) {
        out.push(el('p', 'tl-hdr-empty', t.none));
    }
    container.replaceChildren(...out);
}
