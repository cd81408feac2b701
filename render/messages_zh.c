/*
 * messages_zh.c - the Chinese table (messages.h). Each format takes the same arguments as
 * the English one in messages_en.h (see the comments there for what they are); an argument
 * Chinese has no word for, the English plural ending, is consumed with `%N$.0s`.
 *
 * The sentences are written readably, with a space between a Han character and a number or
 * a Latin word; zh_tidy() in explain.c removes exactly those spaces from the finished text.
 */
#include "messages.h"

const struct tl_messages tl_messages_zh = {
    .code = "zh",
    .spacing = TL_SPACING_HAN,
    .format = {
        /* ---- words and joints ---- */
        [TL_MSG_WHO_CLIENT] = "客户端",
        [TL_MSG_WHO_SERVER] = "服务器",
        [TL_MSG_WHO_CLIENT_START] = "客户端",
        [TL_MSG_WHO_SERVER_START] = "服务器",
        [TL_MSG_WHO_BOTH] = "双方",
        [TL_MSG_PL_ONE] = "",
        [TL_MSG_PL_OTHER] = "",
        [TL_MSG_CMP_HIGHER] = "大于",
        [TL_MSG_CMP_NOT_HIGHER] = "不大于",
        [TL_MSG_LIST_COMMA] = "、",
        [TL_MSG_LIST_AND] = " 和 ",
        [TL_MSG_SENTENCE_SPACE] = "",
        [TL_MSG_FULL_STOP] = "。",

        /* ---- a SYN's options and the window ---- */
        [TL_MSG_OPT_MSS] = "MSS %d",
        [TL_MSG_OPT_WSCALE] = "窗口扩大因子 %1$d（×%2$u）",
        [TL_MSG_OPT_SACK] = "SACK",
        [TL_MSG_OPT_TS] = "时间戳",
        [TL_MSG_WINDOW_SCALED] = "窗口 %1$u × %2$u = %3$llu 字节%4$.0s",
        [TL_MSG_WINDOW] = "窗口 %1$u 字节%2$.0s",
        [TL_MSG_WINDOW_SCALE_UNKNOWN] = "窗口 %1$u 字节（扩大因子未知）%2$.0s",

        /* ---- checksums of one packet ---- */
        [TL_MSG_CKSUM_PSEUDO_LOOPBACK] = "校验和字段是 0x%04x，只是伪首部的和：在环回接口上内核从不"
                                         "计算 TCP 校验和（数据不经过网线，无须保护），这不是错误。",
        [TL_MSG_CKSUM_PSEUDO_OFFLOAD] = "校验和字段是 0x%1$04x，只是伪首部的和：抓包发生在发送方主机"
                                        "上，网卡还没有计算校验和（校验和卸载）；网卡在线路上填入的"
                                        "是 0x%2$04x，这不是错误。",
        [TL_MSG_CKSUM_WRONG_ACCEPTED] = "抓到的 TCP 校验和是错的：0x%1$04x，应为 0x%2$04x；但对方确认"
                                        "了这个报文段，说明它被对方接收了：错的是抓包里的值，而不是"
                                        "线路上的。",
        [TL_MSG_CKSUM_WRONG_IGNORED] = "TCP 校验和错误：0x%1$04x，应为 0x%2$04x（按 checksums=ignore "
                                       "计入）。",
        [TL_MSG_DISCARDED_SENDS] = "%1$s发出 [%2$s]，序列号 %3$u，数据%4$u字节。",
        [TL_MSG_DISCARDED_OFFLOAD_VERIFY] = "但按 checksums=verify（与不带 -C 的 Zeek 相同），它被当作"
                                            "被接收方丢弃，不改变任何状态；用 checksums=auto 或 ignore "
                                            "就会计入。",
        [TL_MSG_DISCARDED_IP_CKSUM] = "它的 IPv4 首部校验和错误：按 checksums=verify（与不带 -C 的 "
                                      "Zeek 相同），IP 层在 TCP 之前就丢弃了它，它不改变任何状态。",
        [TL_MSG_DISCARDED_TCP_CKSUM] = "它的 TCP 校验和错误（0x%1$04x，应为 0x%2$04x）：TCP 接收方会悄"
                                       "悄丢弃这样的报文段（RFC 9293 §3.1），所以它不改变任何状态，也"
                                       "不计入握手、挥手和 Zeek 的 history（只记一个 C）。",
        [TL_MSG_DISCARDED_TCP_CKSUM_UNACKED] = "它的 TCP 校验和错误（0x%1$04x，应为 0x%2$04x）：TCP 接收"
                                               "方会悄悄丢弃这样的报文段（RFC 9293 §3.1），而对方后来也"
                                               "没有确认它，所以它不改变任何状态，也不计入握手、挥手和 "
                                               "Zeek 的 history（只记一个 C）。",

        /* ---- a SYN that reuses the ports of an ended connection ---- */
        [TL_MSG_REUSE_TIME_WAIT] = "同一对地址和端口上刚有过一个连接，%s仍处于它的 TIME-WAIT（关闭后"
                                   "要等 2×MSL）。",
        [TL_MSG_REUSE_ENDED] = "同一对地址和端口上刚有过一个连接，它已经结束。",
        [TL_MSG_REUSE_RULE] = "处于 TIME-WAIT 的一端只在新 SYN 不可能是旧连接迟到的报文时才接受它"
                              "（RFC 9293 §3.6.1，RFC 6191）：",
        [TL_MSG_REUSE_ISN] = "这个 SYN 的 ISN %1$u %2$s旧连接里%4$s的下一个序列号 %3$u",
        [TL_MSG_REUSE_BY] = "（大 %u）",
        [TL_MSG_REUSE_TSVAL] = "，时间戳 TSval %1$u %2$s旧连接里%4$s最后的 TSval %3$u",
        [TL_MSG_REUSE_NEW] = "，所以它被当作新连接接受。",
        [TL_MSG_REUSE_OLD] = "，所以处于 TIME-WAIT 的一端可能把它当作旧报文。",

        /* ---- one packet: the event's sentence, then the states ---- */
        [TL_MSG_SYN_OPEN] = "%1$s发送 SYN 发起连接，初始序列号（ISN）为 %2$u，提出 %3$s。",
        [TL_MSG_SYN_OPEN_NO_OPTIONS] = "%1$s发送 SYN 发起连接，初始序列号（ISN）为 %2$u，不带任何选项。",
        [TL_MSG_SYN_SIMULTANEOUS] = "两端几乎同时发出 SYN：这是同时打开（simultaneous open）。",
        [TL_MSG_SYN_FAST_OPEN] = "SYN 已携带 %1$u 字节数据（TCP Fast Open）。%2$.0s",
        [TL_MSG_SYN_RETX] = "%1$s在 %2$s后重发 SYN（ISN 仍是 %3$u）：没有收到回应，重传定时器超时；"
                            "每次重传的间隔加倍。",
        [TL_MSG_SYNACK_RETX] = "%1$s重发 SYN-ACK（序列号 %2$u）：还没有收到对方对它的确认。",
        [TL_MSG_SYNACK] = "%1$s用 SYN-ACK 应答，自己的 ISN 为 %2$u；ack %3$u = %4$s的 ISN %5$u + 1："
                          "SYN 占用一个序列号。",
        [TL_MSG_SYNACK_SYN_UNSEEN] = "（那个 SYN 本身没有被抓到。）",
        [TL_MSG_SYNACK_OPTIONS] = "它提出 %s。",
        [TL_MSG_SYNACK_NO_OPTIONS] = "它不带任何选项。",
        [TL_MSG_SYNACK_SIMULTANEOUS] = "这是同时打开：每一端的 SYN-ACK 都重复自己 SYN 的 ISN，所以它"
                                       "不是重传（Wireshark 因为在 SYN 里见过这个序列号，把它标为疑似"
                                       "重传）。",
        [TL_MSG_SYNACK_BOTH_SCALE] = "双方都提出了窗口扩大选项，所以从此每个报文的窗口字段都要乘以发送"
                                     "方自己的倍数：即发送方在自己的 SYN 里宣布的那个。",
        [TL_MSG_SYNACK_ONE_SCALES] = "只有一方提出窗口扩大，因此两个方向都不扩大（RFC 7323）。",
        [TL_MSG_HSACK_SIMULTANEOUS] = "%1$s确认%2$s的 SYN-ACK：ack %3$u = %4$s的 ISN %5$u + 1，%6$s自己"
                                      "的 SYN-ACK 已经确认过它；同时打开时 SYN-ACK 重复了 SYN 的序列"
                                      "号，这个 ACK 回应的就是这份重复。两个 SYN 都已得到确认，连接建"
                                      "立；两端都没有等待对方的应答，所以这里没有可测量的握手往返时间。"
                                      "通告%7$s。",
        [TL_MSG_HSACK_CARRIES] = "它已经携带 %1$u 字节数据。%2$.0s",
        [TL_MSG_HSACK_SYNACK_DATA] = "%1$s确认%2$s的 SYN：ack %3$u = %4$s的 ISN %5$u + 1 + SYN-ACK 携"
                                     "带的 %6$u 字节数据。三次握手完成",
        [TL_MSG_HSACK] = "%1$s确认%2$s的 SYN：ack %3$u = %4$s的 ISN %5$u + 1。三次握手完成",
        [TL_MSG_HSACK_TIMES] = "，共 %1$s（SYN→SYN-ACK %2$s，SYN-ACK→ACK %3$s）",
        [TL_MSG_HSACK_WINDOW] = "。通告%s。",
        [TL_MSG_DATA] = "%1$s发送 %2$u 字节数据（相对序列号 %4$u–%5$u，下一个字节是 %6$u）%3$.0s",
        [TL_MSG_DATA_ACKS] = "，并确认了对方到相对序列号 %u 为止的数据。",
        [TL_MSG_ACK_NEW] = "%1$s确认收到%2$s到相对序列号 %3$u 之前的全部数据（ack %4$u），通告%5$s。",
        [TL_MSG_ACK_NOTHING_NEW] = "%1$s发送 ACK，没有确认新的数据，通告%2$s。",
        [TL_MSG_RETX_FIN] = "%1$s重发 FIN（序列号 %2$u）：第一个 FIN 没有及时得到确认。",
        [TL_MSG_RETX_FAST] = "%1$s快速重传相对序列号 %2$u 开始的 %3$u 字节：对方已经连续发来重复 "
                             "ACK，说明这一段丢了。%4$.0s",
        [TL_MSG_RETX_SPURIOUS] = "%1$s重发了相对序列号 %2$u 开始的 %3$u 字节，但对方早已确认过它们："
                                 "这是一次多余（spurious）的重传。%4$.0s",
        [TL_MSG_RETX] = "%1$s重发相对序列号 %2$u 开始的 %3$u 字节：这些字节之前已经发送过（疑似重传，"
                        "通常是因为没有及时收到确认）。%4$.0s",
        [TL_MSG_OUT_OF_ORDER] = "%1$s的这一段（相对序列号 %2$u，%3$u 字节）比后面的数据晚到：乱序到达，"
                                "而不是重传。%4$.0s",
        [TL_MSG_DUP_ACK] = "%1$s再次发送 ack %2$u（相对 %3$u），窗口不变：第 %4$u 个重复 ACK，表示它在"
                           "等相对序列号 %5$u 处缺失的数据。",
        [TL_MSG_ZERO_WINDOW_PROBE] = "%1$s发送 1 字节的零窗口探测（序列号 %2$u，正是下一个该发的字节）："
                                     "%3$s最后通告的窗口是 0，%4$s的坚持定时器（persist timer）到期，就"
                                     "发出这个探测（RFC 9293 §3.8.6.1）。如果窗口仍是 0，这个字节不会被"
                                     "接收，应答会再次通告窗口 0；窗口一打开，数据就可以继续发送。",
        [TL_MSG_ZERO_WINDOW_PROBE_KEEPALIVE] = "%1$s发送零窗口探测：%2$s最后通告的窗口是 0，%3$s的坚持定"
                                               "时器（persist timer）到期，就发出窗口探测，看窗口是否重"
                                               "新打开（RFC 9293 §3.8.6.1）。Linux 用保活报文的形式发送"
                                               "它：序列号 %4$u 比下一个新序列号小 1、不带数据，所以 "
                                               "Wireshark 把它标为 keep-alive；但它不是保活定时器发出的，"
                                               "而是因为窗口关闭。对方必须用 ACK 回应，ACK 里的窗口说明"
                                               "能否继续发送。",
        [TL_MSG_ZERO_WINDOW] = "%s通告窗口为 0：接收缓冲区已满，对方必须暂停发送，直到窗口重新打开。",
        [TL_MSG_WINDOW_UPDATE] = "%1$s只更新了窗口：%2$s（应用程序读走了数据，缓冲区腾出了空间）。",
        [TL_MSG_KEEP_ALIVE] = "%1$s发送保活（keep-alive）报文：序列号 %2$u 比下一个应发的序列号小 1，"
                              "对方必须回一个 ACK，以证明连接仍然存在。",
        [TL_MSG_FIN_SIMULTANEOUS] = "%1$s也发出 FIN（序列号 %2$u），但它还没有收到对方的 FIN：两端同时"
                                    "关闭（simultaneous close）。",
        [TL_MSG_FIN_THIRD_STEP] = "%1$s也关闭自己这一方向：FIN（序列号 %2$u）。它早先已单独确认了对方的 "
                                  "FIN，所以这是四次挥手的第三步。",
        [TL_MSG_FIN] = "%1$s没有更多数据要发送：FIN，序列号 %2$u（相对 %3$u）。FIN 占用一个序列号，所以"
                       "它的确认号将是 %4$u。",
        [TL_MSG_FIN_WITH_DATA] = "%1$s没有更多数据要发送：FIN，序列号 %2$u（相对 %3$u），同时携带最后"
                                 "的数据。FIN 占用一个序列号，所以它的确认号将是 %4$u。",
        [TL_MSG_FIN_ACK_PIGGY] = "%1$s也关闭自己这一方向，并且在同一个报文里确认了%2$s的 FIN：ack %3$u "
                                 "= FIN 的序列号 %4$u + 1。它之前没有单独发 ACK，ACK 搭载在 FIN 上"
                                 "（捎带确认），所以这次关闭只用三个报文，而不是教科书上的四个。",
        [TL_MSG_CLOSE_ACK] = "%1$s确认%2$s的 FIN：ack %3$u = FIN 的序列号 %4$u + 1。",
        [TL_MSG_CLOSE_ACK_BOTH_TIME_WAIT] = "它在 TIME-WAIT 中等待 2×MSL；%s的 FIN 得到确认，它也从 "
                                            "CLOSING 进入 TIME-WAIT。",
        [TL_MSG_CLOSE_ACK_TIME_WAIT] = "它进入 TIME-WAIT，要等待 2×MSL，以便在最后这个 ACK 丢失时还能"
                                       "重发；对方收到后即 CLOSED。",
        [TL_MSG_CLOSE_ACK_CLOSING] = "它已收到对方的 FIN，而自己的 FIN 还没有被确认：进入 CLOSING"
                                     "（RFC 9293 §3.6）。",
        [TL_MSG_CLOSE_ACK_PEER_CLOSING] = "这个 ACK 是在它自己的 FIN 之后发出的，所以那个 FIN 先到达"
                                          "%1$s：%2$s也经过了 CLOSING，现在它的 FIN 得到确认，进入 "
                                          "TIME-WAIT。",
        [TL_MSG_CLOSE_ACK_CLOSE_WAIT] = "它进入 CLOSE-WAIT：它仍然可以继续发送数据，直到自己也关闭。",
        [TL_MSG_RST_REFUSED] = "%1$s用 RST 拒绝了连接：端口 %2$u 上没有程序在监听（或防火墙代为拒绝）。"
                               "ack %3$u = SYN 的序列号 + 1，指明被拒绝的是哪个 SYN。没有监听者，所以"
                               "服务器这一端是 CLOSED，而不是此前假定的 LISTEN。",
        [TL_MSG_RST_ABORT] = "%s用 RST 立即中止连接：与 FIN 不同，RST 不需要确认，未发送的数据被丢弃，"
                             "双方都直接进入 CLOSED。",
        [TL_MSG_OTHER_FLAGS] = "标志位 [%s]：正常的 TCP 实现不会发送这种组合（常见于扫描或构造的报文）。",
        [TL_MSG_STATES] = "状态：客户端 %1$s，服务器 %2$s。",

        /* ---- the time-sequence graph (tsg.c) ---- */
        [TL_MSG_TSG_TITLE] = "时间-序列号图，%1$s（%2$s → %3$s）",
        [TL_MSG_TSG_DIR_C2S] = "客户端 → 服务器",
        [TL_MSG_TSG_DIR_S2C] = "服务器 → 客户端",
        [TL_MSG_TSG_DESC] = "横轴是时间，纵轴是相对序列号。每个发出的报文段是一条竖线，从它的第一个序列号到最后"
                            "一个；ACK 线是对方的确认号，窗口线是确认号加上对方通告的（扩大后的）窗口。",
        [TL_MSG_TSG_AXIS_TIME] = "距第一个报文的时间",
        [TL_MSG_TSG_AXIS_SEQ] = "相对序列号",
        [TL_MSG_TSG_LG_SEG] = "报文段",
        [TL_MSG_TSG_LG_RETRANS] = "重传（R）",
        [TL_MSG_TSG_LG_OOO] = "乱序（O）",
        [TL_MSG_TSG_LG_LOST] = "在未抓到的报文段之后（L）",
        [TL_MSG_TSG_LG_ACK] = "ACK 线",
        [TL_MSG_TSG_LG_WIN] = "接收窗口（ACK + 窗口）",
        [TL_MSG_TSG_LG_SACK] = "SACK 块",
        [TL_MSG_TSG_LG_DUP] = "重复 ACK（D）",
        [TL_MSG_TSG_LG_ZERO] = "零窗口（Z）",
        [TL_MSG_TSG_SEG] = "报文 %1$llu：序列号 %2$u 到 %3$u，%4$llu 字节%5$.0s，时间 %6$s",
        [TL_MSG_TSG_SEGS] = "报文 %1$llu 到 %2$llu（共 %3$u 个）：序列号 %4$u 到 %5$u，从 %6$s 起",
        [TL_MSG_TSG_ACK] = "报文 %1$llu：确认号 %2$u，窗口 %3$llu（到 %4$llu），时间 %5$s",
        [TL_MSG_TSG_ACKS] = "截至报文 %1$llu（共 %2$u 个）：确认号 %3$u，窗口 %4$llu（到 %5$llu），时间 %6$s",
        [TL_MSG_TSG_SACK] = "报文 %1$llu：SACK %2$u 到 %3$u，时间 %4$s",
        [TL_MSG_TSG_THINNED] = "为便于显示已合并：%1$llu 个报文段画成 %2$llu 个标记，%3$llu 个 ACK 画成 %4$llu 个点，"
                               "%5$llu 个 SACK 块画成 %6$llu 个。",
        [TL_MSG_TSG_NONE] = "这个方向没有可画的报文。",

        /* ---- the connection's summary ---- */
        [TL_MSG_SUM_CONNECTION] = "客户端 %1$s 与服务器 %2$s 之间的 TCP 连接。",
        [TL_MSG_SUM_GUESSED] = "（没有看到 SYN，谁是客户端是按第一个报文猜的。）",
        [TL_MSG_SUM_HS_COMPLETE] = "三次握手完整",
        [TL_MSG_SUM_HS_TIMES] = "，用时 %1$s：SYN 发出后 %2$s 收到 SYN-ACK，再过 %3$s 客户端发出 ACK",
        [TL_MSG_SUM_HS_NEAR_CLIENT] = "。ACK 紧跟 SYN-ACK，说明抓包点靠近客户端，SYN→SYN-ACK 这段时间"
                                      "基本就是往返时延（RTT）",
        [TL_MSG_SUM_HS_NEAR_SERVER] = "。SYN-ACK 紧跟 SYN，说明抓包点靠近服务器，SYN-ACK→ACK 这段时间"
                                      "基本就是往返时延",
        [TL_MSG_SUM_HS_SYNS] = "客户端的 SYN 发了 %u 次才得到应答。",
        [TL_MSG_SUM_HS_SIMULTANEOUS] = "两端同时发出 SYN（同时打开），随后互相用 SYN-ACK 确认，连接建立。"
                                       "双方都没有等待对方的应答，所以没有客户端到服务器的握手往返时间"
                                       "（rtt_us 为空）。",
        [TL_MSG_SUM_HS_NO_REPLY_SYNS] = "客户端发了 %1$u 次 SYN，时间分别在 %2$s，始终没有得到任何应答："
                                        "服务器宕机、被防火墙静默丢弃，或者报文在途中丢失。",
        [TL_MSG_SUM_HS_NO_REPLY] = "客户端发出 SYN，但在抓包结束前没有得到任何应答。",
        [TL_MSG_SUM_SYN_GAPS] = "（间隔 %s，每次加倍：指数退避）",
        [TL_MSG_SUM_HS_REJECTED] = "服务器用 RST 回应了 SYN：连接被拒绝，端口 %u 上没有程序在监听（防火"
                                   "墙也可能这样回应），所以服务器这一端是 CLOSED，而不是 LISTEN。",
        [TL_MSG_SUM_HS_NO_FINAL_ACK] = "服务器回了 SYN-ACK，但客户端始终没有确认它",
        [TL_MSG_SUM_HS_CLIENT_RST] = "，而是发了 RST",
        [TL_MSG_SUM_HS_SYNACKS] = "；服务器重发了 %u 次 SYN-ACK",
        [TL_MSG_SUM_HS_NEVER_COMPLETED] = "。握手没有完成。",
        [TL_MSG_SUM_HS_AFTER_SYN] = "抓包开始于客户端的 SYN 之后：只看到了 SYN-ACK 和之后的报文。",
        [TL_MSG_SUM_HS_NOT_SEEN] = "抓包开始时连接已经建立（没有看到握手），所以初始序列号和握手选项未"
                                   "知，相对序列号从看到的第一个报文算起。",
        [TL_MSG_SUM_TRAFFIC] = "客户端发送了 %1$llu 个报文、%3$llu 字节数据，服务器发送了 %5$llu 个报文、"
                               "%7$llu 字节数据。%2$.0s%4$.0s%6$.0s%8$.0s",
        [TL_MSG_SUM_ALONG] = "传输中出现了：%s。",
        [TL_MSG_SUM_ALONG_SEP] = "，",
        [TL_MSG_SUM_RETX] = "%1$u 次重传%2$.0s",
        [TL_MSG_SUM_DUP_ACK] = "%1$u 次重复 ACK%2$.0s",
        [TL_MSG_SUM_OUT_OF_ORDER] = "%1$u 次乱序%2$.0s",
        [TL_MSG_SUM_ZERO_WINDOW] = "%1$u 次零窗口通告%2$.0s",
        [TL_MSG_SUM_ZERO_WINDOW_PROBE] = "%1$u 次零窗口探测（坚持定时器）%2$.0s",
        [TL_MSG_SUM_KEEP_ALIVE] = "%1$u 次保活探测%2$.0s",
        [TL_MSG_SUM_TD_FOUR_WAY] = "%1$s先发 FIN 关闭；%2$s先单独确认，随后才发出自己的 FIN，再被确认："
                                   "标准的四次挥手。",
        [TL_MSG_SUM_TD_THREE_SEGMENT] = "%1$s先发 FIN 关闭。%2$s没有单独回 ACK，而是用一个报文同时发出自"
                                        "己的 FIN 并确认对方的 FIN（ACK 捎带在 FIN 上），最后%3$s确认这"
                                        "个 FIN：所以关闭只用了三个报文，而不是教科书上的四个——不是少"
                                        "了一个报文，而是两个合成了一个。",
        [TL_MSG_SUM_TD_SIMULTANEOUS] = "两端在看到对方的 FIN 之前都发出了 FIN：同时关闭。",
        [TL_MSG_SUM_TD_CLOSING] = "%1$s经过 CLOSING：在它自己的 FIN 被确认之前，%2$s的 FIN 已经到达。",
        [TL_MSG_SUM_TD_CLOSING_UNSEEN] = "%1$s的 FIN 是被一个在%2$s自己的 FIN 之后发出的报文确认的，而那"
                                         "个 FIN 先到：%3$s在两个抓到的报文之间经过了 CLOSING，从 "
                                         "FIN-WAIT-1 直接进入 TIME-WAIT。",
        [TL_MSG_SUM_TD_FIN_THEN_RST] = "%1$s先发了 FIN，但连接最终被 %2$s 的 RST 中止。",
        [TL_MSG_SUM_TD_RST] = "连接被 %s 用 RST 中止，而不是用 FIN 正常关闭。",
        [TL_MSG_SUM_TD_HALF_CLOSED] = "%1$s发了 FIN（它不再发送数据），但直到抓包结束%2$s都没有发出自己的 "
                                      "FIN：连接处于半关闭状态。",
        [TL_MSG_SUM_TD_OPEN] = "抓包结束时连接仍然打开（没有 FIN 也没有 RST）。",
        [TL_MSG_SUM_FINAL_STATES] = "最后客户端处于 %1$s，服务器处于 %2$s。",
        [TL_MSG_SUM_CKSUM_PSEUDO_ONE] = "%2$s有%1$u个报文的校验和字段只是伪首部的和：%3$s",
        [TL_MSG_SUM_CKSUM_PSEUDO_OTHER] = "%2$s有%1$u个报文的校验和字段只是伪首部的和：%3$s",
        [TL_MSG_SUM_CKSUM_LOOPBACK] = "这是环回接口，内核从不计算 TCP 校验和，这不是错误。",
        [TL_MSG_SUM_CKSUM_OFFLOAD] = "抓包发生在它自己的主机上，网卡随后才计算校验和（校验和卸载），这不"
                                     "是错误。",
        [TL_MSG_SUM_CKSUM_VERIFY] = "按 checksums=verify，它们被当作已丢弃。",
        [TL_MSG_SUM_CKSUM_BAD_ONE] = "%2$s有%1$u个报文的 TCP 校验和错误",
        [TL_MSG_SUM_CKSUM_BAD_OTHER] = "%2$s有%1$u个报文的 TCP 校验和错误",
        [TL_MSG_SUM_CKSUM_BAD_ACKED] = "，其中%u个被对方确认（错的是抓包里的值）",
        [TL_MSG_SUM_CKSUM_BAD_DROPPED] = "，%u个按被接收方丢弃处理",
        /* ---- the ladder picture ---- */
        [TL_MSG_LADDER_CONN] = "TCP 连接",
        [TL_MSG_LADDER_TO_SCALE] = " \xc2\xb7 按时间比例（行距保持可读）",
        [TL_MSG_LADDER_ONE_ROW] = " \xc2\xb7 每个报文一行",
        [TL_MSG_LADDER_NO_PACKETS] = "没有报文",
        [TL_MSG_LADDER_CLIENT] = "客户端",
        [TL_MSG_LADDER_SERVER] = "服务器",
        [TL_MSG_LADDER_UNKNOWN] = "未知",
        [TL_MSG_LADDER_TITLE] = "TCP 时序图：",
        [TL_MSG_LADDER_DESC] = "时序图：每个报文一个箭头，从发送方指向接收方，时间自上而下。",
        [TL_MSG_LADDER_AT] = "，时间 ",
        [TL_MSG_LADDER_HS] = "握手",
        [TL_MSG_LADDER_DATA] = "数据",
        [TL_MSG_LADDER_TD] = "断开",
        [TL_MSG_LADDER_LEGEND_C2S] = "客户端 \xe2\x86\x92 服务器",
        [TL_MSG_LADDER_LEGEND_S2C] = "服务器 \xe2\x86\x92 客户端",
        [TL_MSG_LADDER_LEGEND_WARN] = "重传、乱序、重复 ACK",
        [TL_MSG_LADDER_LEGEND_RST] = "复位（RST）",
        [TL_MSG_LADDER_FIRST_OF] = "共 %2$llu 个报文中的前 %1$zu 个",
        [TL_MSG_LADDER_PACKETS] = "%1$zu 个报文%2$.0s",
        [TL_MSG_LADDER_IDLE] = "空闲 %s",
        [TL_MSG_LADDER_FLOW_TITLE] = "握手：%1$s，断开：%2$s",
        [TL_MSG_LADDER_MORE] = "\xe2\x8b\xae 还有 %1$llu 个报文未画出%2$.0s",
    },
};
