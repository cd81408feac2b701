// The page's own words in English and Chinese. Explanations and summaries come from the API in
// the chosen language (lang=en|zh); the names of events and states come from the vocabulary
// (vocab.js); everything else the page says is here.

import { vocabLabel, vocabMeaning, vocabNames, vocabRow } from './vocab.js';

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
        tunnel_path: 'Tunnel path, outermost first',
        first_bytes: 'First payload bytes', first_bytes_hint: 'in sequence order, at most 64 per direction; hover for hex',
        more_packets: (shown, total) => `Showing the first ${shown} of ${total} packets.`,
        load_more: 'Load more',
        loading: 'Loading…',
        analysis: 'Wireshark analysis',
        skip: 'Skip to content',
        field: 'Field',
        projector: 'Projector', projector_hint: 'Large type, high contrast: the ladder and the selected packet only.',
        quiz_start: 'Quiz: predict the next packet',
        quiz_check: 'Check', quiz_next: 'Next question →', quiz_done: 'Done: the whole connection',
        quiz_question: (n, tot) => `What is packet ${n} of ${tot}?`,
        quiz_score: (r, a, tot) => `Score: ${r} / ${a} (${tot} to predict)`,
        quiz_dir: 'Who sends it?', quiz_flags: 'Flags', quiz_seq: 'Relative seq', quiz_ack: 'Relative ack',
        quiz_ack_none: 'none (no ACK flag)', quiz_client_state: 'Client state after it',
        quiz_server_state: 'Server state after it', quiz_why: 'Why is this packet here?',
        quiz_ok: 'right', quiz_was: 'it was', quiz_right: 'Right: that is the packet.',
        quiz_wrong: 'Not quite: here is the real packet.', quiz_link: 'Lesson link',
        quiz_link_hint: 'Hand out this page: the link keeps the capture, the connection, the packet, the language and the quiz.',
        quiz_nothing: 'No packet left to predict: start the quiz at an earlier packet (p=…).',
        tsg_title: 'Time-sequence graph', tsg_c2s: 'client → server', tsg_s2c: 'server → client',
        tsg_dir: 'Direction', tsg_zoom: 'Zoom', tsg_zoom_in: 'Zoom in', tsg_zoom_out: 'Zoom out', tsg_reset: 'Reset',
        tsg_time: 'time since the first packet', tsg_seq: 'relative sequence number', tsg_segments: 'segments',
        tsg_keys: 'Wheel or + / − zoom, drag or the arrow keys (on the graph) pan, 0 resets; click a segment or an ACK to select its packet.',
        tsg_lg_seg: 'segment sent (from its first to its last sequence number)', tsg_lg_ack: 'ACK line (the other side’s acknowledgements)',
        tsg_lg_win: 'receive window (ACK + scaled window)', tsg_lg_sack: 'SACK block', tsg_lg_retrans: 'retransmission',
        tsg_lg_ooo: 'out of order', tsg_lg_lost: 'after a lost (not captured) segment',
        virtual_note: (n) => `${n} packets: only the rows on screen are drawn; Home / End / PageUp / PageDown jump.`,
        ws_title: 'Worksheet', ws_panel: 'Worksheet for printing', ws_print: 'Print worksheet',
        ws_hint: 'Prints the ladder and the packet table (A4 or Letter); the fields ticked here are left blank for students to fill in.',
        ws_blanks: 'Leave blank', ws_f_flags: 'flags', ws_f_seq: 'seq', ws_f_ack: 'ack', ws_f_states: 'states', ws_f_event: 'event',
        ws_time: 'Time', ws_dir: 'Direction', ws_flags: 'Flags', ws_event: 'Event', ws_table: 'Packets',
        ws_packets: 'packets', ws_name: 'Name', ws_date: 'Date', ws_blank: 'blank',
        ws_task: (f) => `Fill in the blanks (${f}) from the ladder and what you know of TCP.`,
        compare_title: 'Compare two connections', compare_with: 'Compare with connection #', compare_ph: 'id',
        compare_go: 'Compare', compare_time: 'One time scale', compare_packet: 'One packet scale',
        compare_scale: 'Scale', compare_diffs: 'What differs', compare_need_two: 'compare needs two flow ids: ?compare=ID1,ID2',
        diff_same: (what, v) => `${what}: both ${v}.`, diff_two: (what, a, b) => `${what}: A ${a}, B ${b}.`,
        diff_packets: (ta, ac, as, tb, bc, bs) => `Packets: A ${ta} (${ac} from the client, ${as} from the server), B ${tb} (${bc} from the client, ${bs} from the server).`,
        diff_events_same: 'Events: the same kinds, as many of each.',
        diff_events: (list) => `Events that differ (A / B): ${list}.`,
        col_service: 'Service', col_start: 'Start', col_rtt: 'RTT', col_retrans: 'Retrans.',
        sort_by: (c) => `Sort by ${c}`, rtt_long: 'handshake round trip',
        ov_link: 'Overview: classes, slowest handshakes, retransmissions', ov_title: 'Overview', ov_all_flows: 'All connections',
        ov_totals: 'Totals', ov_t_flows: 'Connections', ov_t_packets: 'Packets', ov_t_bytes: 'Payload bytes',
        ov_t_retrans_packets: 'Retransmitted packets', ov_t_retrans_bytes: 'Retransmitted bytes',
        ov_group: 'Group by', ov_g_conn_state: 'Zeek state', ov_g_handshake: 'Handshake', ov_g_teardown: 'Teardown',
        ov_g_server_port: 'Server port', ov_g_service: 'Service',
        ov_chart: (g) => `Connections by class: ${g}`, ov_bar: 'Bar', ov_share: 'Share', ov_unknown: 'unknown',
        ov_none: 'None.',
        ov_slowest: 'Slowest handshakes', ov_slowest_hint: 'Round trip from the SYN to the ACK of the SYN-ACK, longest first.',
        ov_retrans: 'Most retransmitting', ov_retrans_hint: 'Connections with retransmissions, most retransmitted bytes first.',
        ov_retrans_value: (b, n) => `${b} in ${n} packet${n === 1 ? '' : 's'}`,
        notes_title: 'Teacher’s notes', notes_empty: 'No notes yet.', note_new: 'Add a note',
        note_text: 'Note', note_author: 'Author (optional)', note_on_packet: (n) => `On the selected packet (${n})`,
        note_add: 'Add note', note_delete: 'Delete', note_delete_label: (id) => `Delete note ${id}`,
        note_packet: (n) => `Packet ${n}`, note_on_flow: 'The whole connection', note_on_capture: 'The whole capture',
        note_flow: (f) => `Connection #${f}`, note_flow_packet: (f, n) => `Connection #${f}, packet ${n}`,
        notes_key_hint: 'Notes are writes: this server needs its API key for them.',
        ws_notes: 'Notes',
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
        tunnel_path: '隧道路径（由外到内）',
        first_bytes: '最初的载荷字节', first_bytes_hint: '按序号排列，每个方向最多 64 字节；悬停可看十六进制',
        more_packets: (shown, total) => `只显示了前 ${shown} 个报文，共 ${total} 个。`,
        load_more: '加载更多',
        loading: '加载中…',
        analysis: 'Wireshark 分析',
        skip: '跳到正文',
        field: '字段',
        projector: '投影模式', projector_hint: '大字、高对比度：只显示时序图和选中的报文。',
        quiz_start: '小测验：预测下一个报文',
        quiz_check: '检查', quiz_next: '下一题 →', quiz_done: '完成：整条连接',
        quiz_question: (n, tot) => `第 ${n} 个报文（共 ${tot} 个）是什么？`,
        quiz_score: (r, a, tot) => `得分：${r} / ${a}（共 ${tot} 题）`,
        quiz_dir: '谁发送？', quiz_flags: '标志位', quiz_seq: '相对 seq', quiz_ack: '相对 ack',
        quiz_ack_none: '无（没有 ACK 标志）', quiz_client_state: '之后客户端的状态',
        quiz_server_state: '之后服务器的状态', quiz_why: '这个报文为什么会出现？',
        quiz_ok: '正确', quiz_was: '应为', quiz_right: '答对了：就是这个报文。',
        quiz_wrong: '不对：真实的报文如下。', quiz_link: '课堂链接',
        quiz_link_hint: '把这个页面发给学生：链接里包含抓包文件、连接、报文、语言和测验模式。',
        quiz_nothing: '没有可以预测的报文了：从更早的报文开始测验（p=…）。',
        tsg_title: '时间-序列号图', tsg_c2s: '客户端 → 服务器', tsg_s2c: '服务器 → 客户端',
        tsg_dir: '方向', tsg_zoom: '缩放', tsg_zoom_in: '放大', tsg_zoom_out: '缩小', tsg_reset: '复原',
        tsg_time: '距第一个报文的时间', tsg_seq: '相对序列号', tsg_segments: '个报文段',
        tsg_keys: '滚轮或 + / − 缩放，拖动或（在图上）方向键平移，0 复原；点击报文段或 ACK 选中该报文。',
        tsg_lg_seg: '发送的报文段（从第一个到最后一个序列号）', tsg_lg_ack: 'ACK 线（对方的确认）',
        tsg_lg_win: '接收窗口（ACK + 扩大后的窗口）', tsg_lg_sack: 'SACK 块', tsg_lg_retrans: '重传',
        tsg_lg_ooo: '乱序', tsg_lg_lost: '在丢失（未抓到）的报文段之后',
        virtual_note: (n) => `${n} 个报文：只绘制屏幕上的行；Home / End / PageUp / PageDown 跳转。`,
        ws_title: '练习题', ws_panel: '打印练习题', ws_print: '打印练习题',
        ws_hint: '打印时序图和报文表（A4 或 Letter）；这里勾选的字段留空，由学生填写。',
        ws_blanks: '留空', ws_f_flags: '标志位', ws_f_seq: 'seq', ws_f_ack: 'ack', ws_f_states: '状态', ws_f_event: '事件',
        ws_time: '时间', ws_dir: '方向', ws_flags: '标志位', ws_event: '事件', ws_table: '报文',
        ws_packets: '个报文', ws_name: '姓名', ws_date: '日期', ws_blank: '空白',
        ws_task: (f) => `根据时序图和 TCP 知识填空（${f}）。`,
        compare_title: '比较两条连接', compare_with: '与连接 # 比较', compare_ph: '编号',
        compare_go: '比较', compare_time: '同一时间比例', compare_packet: '同一报文比例',
        compare_scale: '比例', compare_diffs: '不同之处', compare_need_two: '比较需要两个连接编号：?compare=ID1,ID2',
        diff_same: (what, v) => `${what}：两者都是 ${v}。`, diff_two: (what, a, b) => `${what}：A 为 ${a}，B 为 ${b}。`,
        diff_packets: (ta, ac, as, tb, bc, bs) => `报文：A ${ta} 个（客户端 ${ac} 个，服务器 ${as} 个），B ${tb} 个（客户端 ${bc} 个，服务器 ${bs} 个）。`,
        diff_events_same: '事件：种类和数量都相同。',
        diff_events: (list) => `数量不同的事件（A / B）：${list}。`,
        col_service: '服务', col_start: '开始', col_rtt: '握手时延', col_retrans: '重传',
        sort_by: (c) => `按${c}排序`, rtt_long: '握手往返时延',
        ov_link: '概览：分类、最慢的握手、重传', ov_title: '概览', ov_all_flows: '全部连接',
        ov_totals: '总计', ov_t_flows: '连接', ov_t_packets: '报文', ov_t_bytes: '载荷字节',
        ov_t_retrans_packets: '重传报文', ov_t_retrans_bytes: '重传字节',
        ov_group: '分组依据', ov_g_conn_state: 'Zeek 状态', ov_g_handshake: '握手', ov_g_teardown: '断开',
        ov_g_server_port: '服务器端口', ov_g_service: '服务',
        ov_chart: (g) => `连接分类：${g}`, ov_bar: '条形', ov_share: '占比', ov_unknown: '未知',
        ov_none: '没有。',
        ov_slowest: '最慢的握手', ov_slowest_hint: '从 SYN 到确认 SYN-ACK 的 ACK 的往返时间，最长的在前。',
        ov_retrans: '重传最多', ov_retrans_hint: '有重传的连接，重传字节最多的在前。',
        ov_retrans_value: (b, n) => `${b}，${n} 个报文`,
        notes_title: '教师批注', notes_empty: '还没有批注。', note_new: '添加批注',
        note_text: '批注', note_author: '作者（可选）', note_on_packet: (n) => `加在选中的报文上（第 ${n} 个）`,
        note_add: '添加', note_delete: '删除', note_delete_label: (id) => `删除批注 ${id}`,
        note_packet: (n) => `第 ${n} 个报文`, note_on_flow: '整条连接', note_on_capture: '整个抓包文件',
        note_flow: (f) => `连接 #${f}`, note_flow_packet: (f, n) => `连接 #${f}，第 ${n} 个报文`,
        notes_key_hint: '批注是写操作：这台服务器需要 API 密钥。',
        ws_notes: '批注',
        footer: 'tcplens：从抓包文件看 TCP 连接。',
    },
};

// The names of handshake and teardown states and of Zeek's conn_state, in the server's order,
// with their labels and meanings: from the vocabulary (vocab.js), never copied here.
export const handshakes = () => vocabNames('handshake');
export const teardowns = () => vocabNames('teardown');
export const connStates = () => vocabNames('conn_state');

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
    return vocabMeaning('conn_state', s, current);
}

export function label(value) {
    if (value == null) {
        return '—';
    }
    const kind = vocabRow('handshake', value) ? 'handshake' : 'teardown';
    return vocabLabel(kind, value, current);
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
