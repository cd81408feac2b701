// The page's own words in English and Chinese. Explanations and summaries come from the API in
// the chosen language (lang=en|zh); everything else the page says is here.

const STRINGS = {
    en: {
        tagline: 'See each TCP connection in a capture open and close.',
        nav_captures: 'Captures',
        upload_title: 'Upload a capture',
        upload_hint: 'Drop a pcap or pcapng file here, or',
        upload_choose: 'choose a file',
        upload_limit: 'The file is decoded on the server and kept with its flows.',
        upload_curl: 'The same from a shell:',
        upload_sending: (s, t) => `Uploading ${s} of ${t}`,
        upload_processing: 'Uploaded; decoding and storing the connections',
        upload_done: (n, f) => `Stored: ${n} packets, ${f} connection${f === 1 ? '' : 's'}.`,
        upload_failed: 'Upload failed',
        upload_network: 'the server could not be reached',
        api_key: 'API key',
        api_key_hint: 'This server needs a key for uploads and deletions.',
        examples_title: 'Try an example',
        examples_hint: 'One small capture per kind of connection.',
        examples_empty: 'No examples on this server.',
        captures_title: 'Captures',
        captures_empty: 'No capture yet: upload one or try an example.',
        col_name: 'Name', col_packets: 'Packets', col_flows: 'Flows', col_first: 'First packet',
        col_uploaded: 'Uploaded', col_size: 'Size',
        delete: 'Delete', delete_confirm: (n) => `Delete capture “${n}” and its flows?`,
        more: 'More',
        flows_title: 'Connections',
        f_host: 'Host', f_host_ph: 'address or prefix, e.g. 10.0.0.0/8',
        f_port: 'Port', f_state: 'Zeek state', f_handshake: 'Handshake', f_teardown: 'Teardown',
        f_any: 'any', apply: 'Filter', clear: 'Clear',
        col_client: 'Client', col_server: 'Server', col_handshake: 'Handshake',
        col_teardown: 'Teardown', col_state: 'State', col_duration: 'Duration', col_bytes: 'Bytes',
        flows_count: (n) => (n === 1 ? '1 flow' : `${n} flows`) + ' on this page',
        flows_empty: 'No connection matches these filters.',
        prev_page: '← Previous', next_page: 'Next →', first_page: 'First page',
        capture_stats: (c) => `${c.packets} packet${c.packets === 1 ? '' : 's'} (${c.tcp_packets} TCP), ` +
            `${c.flows} connection${c.flows === 1 ? '' : 's'}, ${c.format}`,
        truncated: 'The file was cut short: everything before the cut is shown.',
        malformed: 'malformed packets', non_tcp: 'not TCP',
        download_pcap: 'Download pcap',
        flow_title: 'Connection',
        summary_title: 'The story of this connection',
        ladder_title: 'Ladder diagram',
        scale_compressed: 'Compressed', scale_time: 'True to scale',
        scale_hint_time: 'Time runs down in proportion to the capture’s timestamps.',
        scale_hint_compressed: 'One row per packet; long pauses are marked.',
        step_prev: '← Previous', step_next: 'Next →',
        step_keys: 'Keys: ← → step, Home / End first / last, p play / pause.',
        play: '▶ Play', pause: '❚❚ Pause',
        packet_title: (n, t) => `Packet ${n} of ${t}`,
        explanation: 'What happens',
        states_title: 'TCP states (RFC 9293)',
        header_title: 'Headers',
        tcpdump_line: 'As tcpdump prints it',
        client: 'client', server: 'server', both: 'both ends',
        handshake: 'handshake', data: 'data', teardown: 'teardown',
        phase_hs: 'HANDSHAKE', phase_data: 'DATA', phase_td: 'TEARDOWN',
        gap: (s) => `${s} later`,
        rtt: 'Round trip', isn: 'ISN', mss: 'MSS', wscale: 'Window scale', sack: 'SACK',
        timestamps: 'Timestamps', yes: 'yes', no: 'no',
        history: 'Zeek history', completeness: 'Wireshark completeness',
        final_states: 'Final states', initiator: 'closed first by',
        more_packets: (shown, total) => `Showing the first ${shown} of ${total} packets.`,
        load_more: 'Load more',
        loading: 'Loading…',
        analysis: 'Wireshark analysis',
        skip: 'Skip to content',
        field: 'Field',
        footer: 'tcplens: TCP connections from packet captures.',
    },
    zh: {
        tagline: '看清抓包里每条 TCP 连接如何建立、如何断开。',
        nav_captures: '抓包文件',
        upload_title: '上传抓包文件',
        upload_hint: '把 pcap 或 pcapng 文件拖到这里，或者',
        upload_choose: '选择文件',
        upload_limit: '文件在服务器上解析，并与其中的连接一起保存。',
        upload_curl: '在命令行里也可以：',
        upload_sending: (s, t) => `正在上传 ${s} / ${t}`,
        upload_processing: '上传完成，正在解析并保存连接',
        upload_done: (n, f) => `已保存：${n} 个报文，${f} 条连接。`,
        upload_failed: '上传失败',
        upload_network: '无法连接服务器',
        api_key: 'API 密钥',
        api_key_hint: '这台服务器的上传和删除需要密钥。',
        examples_title: '试试示例',
        examples_hint: '每种连接情形一个小抓包。',
        examples_empty: '服务器上没有示例。',
        captures_title: '抓包文件',
        captures_empty: '还没有抓包文件：上传一个，或者试试示例。',
        col_name: '名称', col_packets: '报文', col_flows: '连接', col_first: '第一个报文',
        col_uploaded: '上传时间', col_size: '大小',
        delete: '删除', delete_confirm: (n) => `删除抓包文件“${n}”及其全部连接？`,
        more: '更多',
        flows_title: '连接',
        f_host: '主机', f_host_ph: '地址或前缀，例如 10.0.0.0/8',
        f_port: '端口', f_state: 'Zeek 状态', f_handshake: '握手', f_teardown: '断开',
        f_any: '全部', apply: '筛选', clear: '清除',
        col_client: '客户端', col_server: '服务器', col_handshake: '握手',
        col_teardown: '断开', col_state: '状态', col_duration: '时长', col_bytes: '字节',
        flows_count: (n) => `本页 ${n} 条连接`,
        flows_empty: '没有符合这些条件的连接。',
        prev_page: '← 上一页', next_page: '下一页 →', first_page: '第一页',
        capture_stats: (c) =>
            `${c.packets} 个报文（TCP ${c.tcp_packets} 个），${c.flows} 条连接，${c.format}`,
        truncated: '文件在中途被截断：只显示截断之前的内容。',
        malformed: '畸形报文', non_tcp: '非 TCP',
        download_pcap: '下载 pcap',
        flow_title: '连接',
        summary_title: '这条连接的经过',
        ladder_title: '时序图',
        scale_compressed: '紧凑', scale_time: '按真实时间',
        scale_hint_time: '纵向距离与抓包时间戳成正比。',
        scale_hint_compressed: '每个报文一行；长时间的停顿会标出。',
        step_prev: '← 上一个', step_next: '下一个 →',
        step_keys: '按键：← → 逐个查看，Home / End 第一个 / 最后一个，p 播放 / 暂停。',
        play: '▶ 播放', pause: '❚❚ 暂停',
        packet_title: (n, t) => `第 ${n} 个报文，共 ${t} 个`,
        explanation: '发生了什么',
        states_title: 'TCP 状态（RFC 9293）',
        header_title: '首部',
        tcpdump_line: 'tcpdump 的输出',
        client: '客户端', server: '服务器', both: '双方',
        handshake: '握手', data: '数据', teardown: '断开',
        phase_hs: '握手', phase_data: '数据', phase_td: '断开',
        gap: (s) => `${s} 之后`,
        rtt: '往返时延', isn: '初始序列号', mss: 'MSS', wscale: '窗口扩大因子', sack: 'SACK',
        timestamps: '时间戳', yes: '是', no: '否',
        history: 'Zeek history', completeness: 'Wireshark completeness',
        final_states: '最终状态', initiator: '先关闭的一方',
        more_packets: (shown, total) => `只显示了前 ${shown} 个报文，共 ${total} 个。`,
        load_more: '加载更多',
        loading: '加载中…',
        analysis: 'Wireshark 分析',
        skip: '跳到正文',
        field: '字段',
        footer: 'tcplens：从抓包文件看 TCP 连接。',
    },
};

// Zeek's conn_state meanings (Zeek's documentation), for the flows table's tooltips.
const CONN_STATE = {
    en: {
        S0: 'Connection attempt seen, no reply.',
        S1: 'Connection established, not terminated.',
        SF: 'Normal establishment and termination.',
        REJ: 'Connection attempt rejected.',
        S2: 'Established; close attempt by the originator seen, no reply from the responder.',
        S3: 'Established; close attempt by the responder seen, no reply from the originator.',
        RSTO: 'Connection established, originator aborted (sent a RST).',
        RSTR: 'Responder sent a RST.',
        RSTOS0: 'Originator sent a SYN followed by a RST; no SYN-ACK from the responder.',
        RSTRH: 'Responder sent a SYN-ACK followed by a RST; no SYN from the originator.',
        SH: 'Originator sent a SYN followed by a FIN; no SYN-ACK from the responder.',
        SHR: 'Responder sent a SYN-ACK followed by a FIN; no SYN from the originator.',
        OTH: 'No SYN seen, just midstream traffic.',
    },
    zh: {
        S0: '看到连接请求，没有回应。',
        S1: '连接已建立，未结束。',
        SF: '正常建立、正常结束。',
        REJ: '连接请求被拒绝。',
        S2: '已建立；发起方尝试关闭，响应方没有回应。',
        S3: '已建立；响应方尝试关闭，发起方没有回应。',
        RSTO: '连接已建立，发起方中止（发送了 RST）。',
        RSTR: '响应方发送了 RST。',
        RSTOS0: '发起方发送 SYN 后又发送 RST；没有看到响应方的 SYN-ACK。',
        RSTRH: '响应方发送 SYN-ACK 后又发送 RST；没有看到发起方的 SYN。',
        SH: '发起方发送 SYN 后又发送 FIN；没有看到响应方的 SYN-ACK。',
        SHR: '响应方发送 SYN-ACK 后又发送 FIN；没有看到发起方的 SYN。',
        OTH: '没有看到 SYN，只有连接中途的流量。',
    },
};

// Handshake and teardown labels as the API names them, with their words in each language.
const LABELS = {
    en: {
        complete: 'complete', 'simultaneous-open': 'simultaneous open', 'no-reply': 'no reply',
        rejected: 'rejected', 'no-final-ack': 'no final ACK', 'not-seen': 'not seen',
        'four-way': 'four-way', 'three-segment': 'three-segment',
        'simultaneous-close': 'simultaneous close', reset: 'reset', 'half-closed': 'half-closed',
        open: 'open',
    },
    zh: {
        complete: '完整', 'simultaneous-open': '同时打开', 'no-reply': '无应答', rejected: '被拒绝',
        'no-final-ack': '缺最后的 ACK', 'not-seen': '未看到', 'four-way': '四次挥手',
        'three-segment': '三个报文', 'simultaneous-close': '同时关闭', reset: '复位（RST）',
        'half-closed': '半关闭', open: '未关闭',
    },
};

export const HANDSHAKES = ['complete', 'simultaneous-open', 'no-reply', 'rejected', 'no-final-ack',
    'not-seen'];
export const TEARDOWNS = ['four-way', 'three-segment', 'simultaneous-close', 'reset',
    'half-closed', 'open'];
export const CONN_STATES = Object.keys(CONN_STATE.en);

let current = 'en';

export function setLang(lang) {
    current = lang === 'zh' ? 'zh' : 'en';
    document.documentElement.lang = current;
}

export function lang() {
    return current;
}

// t('key') or t('key', args...) for the entries that are functions.
export function t(key, ...args) {
    const v = STRINGS[current][key] ?? STRINGS.en[key] ?? key;
    return typeof v === 'function' ? v(...args) : v;
}

export function connStateMeaning(s) {
    return CONN_STATE[current][s] ?? '';
}

export function label(value) {
    if (value == null) {
        return '—';
    }
    return LABELS[current][value] ?? value;
}

// The language to start in: the URL, then the last choice, then the browser's.
export function initialLang() {
    const fromUrl = new URLSearchParams(location.search).get('lang');
    if (fromUrl === 'en' || fromUrl === 'zh') {
        return fromUrl;
    }
    try {
        const saved = localStorage.getItem('tcplens.lang');
        if (saved === 'en' || saved === 'zh') {
            return saved;
        }
    } catch {
        // storage may be off (private mode); fall through
    }
    return (navigator.language || '').toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

export function rememberLang(l) {
    try {
        localStorage.setItem('tcplens.lang', l);
    } catch {
        // not fatal: the URL still carries it
    }
}
