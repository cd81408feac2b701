/*
 * layer_words.c - labels and meanings of the link-layer, tunnel and UDP header fields
 * (layer_words.h), in English and Chinese.
 */
#include "layer_words.h"

#include <string.h>

#define W(n, le, lz, me, mz)                                                                       \
    {                                                                                              \
        n, { le, lz },                                                                             \
        {                                                                                          \
            me, mz                                                                                 \
        }                                                                                          \
    }
#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct tl_layer_word eth[] = {
    W("dst", "destination MAC", "目的 MAC", "destination MAC address: the next hop's network card",
      "目的 MAC 地址：下一跳的网卡"),
    W("src", "source MAC", "源 MAC", "source MAC address: the sending network card",
      "源 MAC 地址：发送方的网卡"),
    W("type", "EtherType", "以太类型",
      "EtherType: what follows (0x0800 IPv4, 0x86dd IPv6, 0x8100/0x88a8 a VLAN tag, 0x8847 MPLS, "
      "0x8864 PPPoE)",
      "以太类型：后面是什么（0x0800 IPv4，0x86dd IPv6，0x8100/0x88a8 VLAN 标签，0x8847 MPLS，"
      "0x8864 PPPoE）"),
};

static const struct tl_layer_word sll[] = {
    W("pkttype", "packet type", "分组类型",
      "who the packet was for: 0 this host, 1 broadcast, 2 multicast, 3 another host, 4 sent by "
      "this host",
      "分组发给谁：0 本机，1 广播，2 组播，3 其他主机，4 本机发出"),
    W("hatype", "ARPHRD type", "ARPHRD 类型",
      "the interface's link-layer address type (ARPHRD_*: 1 Ethernet)",
      "接口的链路层地址类型（ARPHRD_*：1 为以太网）"),
    W("halen", "address length", "地址长度", "bytes of the link-layer address that are used",
      "链路层地址实际使用的字节数"),
    W("src", "sender address", "发送方地址", "the sender's link-layer address (a MAC for Ethernet)",
      "发送方的链路层地址（以太网为 MAC）"),
    W("unused", "unused", "未用", "the rest of the 8-byte address field",
      "8 字节地址字段的其余部分"),
    W("type", "protocol", "协议",
      "EtherType of what follows (0x0800 IPv4, 0x86dd IPv6, 0x8100 a VLAN tag)",
      "后面内容的以太类型（0x0800 IPv4，0x86dd IPv6，0x8100 VLAN 标签）"),
    W("reserved", "reserved", "保留", "reserved, zero (v2)", "保留，为零（v2）"),
    W("ifindex", "interface index", "接口索引", "the capturing interface's index (v2)",
      "捕获接口的索引（v2）"),
};

static const struct tl_layer_word vlan[] = {
    W("pcp", "PCP", "PCP", "priority code point (IEEE 802.1p): the frame's class of service, 0-7",
      "优先级代码点（IEEE 802.1p）：帧的服务等级，0-7"),
    W("dei", "DEI", "DEI", "drop eligible indicator: may be dropped first under congestion",
      "可丢弃指示：拥塞时可优先丢弃"),
    W("vid", "VLAN ID", "VLAN ID", "VLAN identifier: which virtual LAN the frame belongs to",
      "VLAN 标识：帧属于哪个虚拟局域网"),
    W("type", "EtherType", "以太类型",
      "EtherType after the tag: another tag's TPID, or the protocol inside",
      "标签之后的以太类型：下一个标签的 TPID，或内部协议"),
};

static const struct tl_layer_word mpls[] = {
    W("label", "label", "标签", "MPLS label: the path the router forwards on (RFC 3032)",
      "MPLS 标签：路由器据以转发的路径（RFC 3032）"),
    W("tc", "TC", "TC", "traffic class (formerly EXP): the packet's class of service",
      "流量类别（原 EXP）：分组的服务等级"),
    W("s", "S", "S", "bottom of stack: 1 on the last label, the payload follows",
      "栈底标志：最后一个标签为 1，其后是载荷"),
    W("ttl", "TTL", "TTL", "time to live: hops left on the label switched path",
      "生存时间：标签交换路径上剩余的跳数"),
};

static const struct tl_layer_word pw_eth[] = {
    W("reserved", "flags", "标志",
      "control word's first bits: 0 for an Ethernet pseudowire (RFC 4385)",
      "控制字的前几位：以太网伪线为 0（RFC 4385）"),
    W("sequence", "sequence", "序号", "control word's sequence number (0: not used)",
      "控制字的序号（0 表示不使用）"),
};

static const struct tl_layer_word pppoe[] = {
    W("version", "version", "版本", "PPPoE version: 1 (RFC 2516)", "PPPoE 版本：1（RFC 2516）"),
    W("type", "type", "类型", "PPPoE type: 1", "PPPoE 类型：1"),
    W("code", "code", "代码", "code: 0 for session data", "代码：会话数据为 0"),
    W("session_id", "session ID", "会话 ID", "session identifier the access concentrator gave",
      "接入集中器分配的会话标识"),
    W("length", "length", "长度", "length of the PPPoE payload in bytes (PPP included)",
      "PPPoE 载荷长度（字节，含 PPP）"),
    W("ppp_protocol", "PPP protocol", "PPP 协议",
      "PPP protocol: 0x0021 IPv4, 0x0057 IPv6, 0x0281 MPLS",
      "PPP 协议：0x0021 IPv4，0x0057 IPv6，0x0281 MPLS"),
};

static const struct tl_layer_word vntag[] = {
    W("direction", "d", "d", "direction: 1 from the bridge to the interface virtualizer",
      "方向：从网桥到接口虚拟器为 1"),
    W("pointer", "p", "p", "pointer: the destination is a list of interfaces",
      "指针：目的为接口列表"),
    W("dst_vif", "destination VIF", "目的 VIF", "destination virtual interface", "目的虚拟接口"),
    W("looped", "l", "l", "looped: the frame came back to its source bridge", "环回：帧回到源网桥"),
    W("reserved", "r", "r", "reserved", "保留"),
    W("version", "version", "版本", "VN-Tag version", "VN-Tag 版本"),
    W("src_vif", "source VIF", "源 VIF", "source virtual interface", "源虚拟接口"),
    W("type", "EtherType", "以太类型", "EtherType after the tag", "标签之后的以太类型"),
};

static const struct tl_layer_word etag[] = {
    W("pcp", "PCP", "PCP", "priority code point", "优先级代码点"),
    W("dei", "DEI", "DEI", "drop eligible indicator", "可丢弃指示"),
    W("ingress_ecid_base", "ingress E-CID", "入口 E-CID", "ingress E-channel identifier (base)",
      "入口 E 通道标识（基）"),
    W("reserved", "reserved", "保留", "reserved", "保留"),
    W("grp", "GRP", "GRP", "group: 0 for a single destination", "组：单一目的为 0"),
    W("ecid_base", "E-CID", "E-CID",
      "E-channel identifier (base): the extended port (IEEE 802.1BR)",
      "E 通道标识（基）：扩展端口（IEEE 802.1BR）"),
    W("ingress_ecid_ext", "ingress E-CID ext", "入口 E-CID 扩展", "ingress E-CID extension",
      "入口 E-CID 扩展"),
    W("ecid_ext", "E-CID ext", "E-CID 扩展", "E-CID extension", "E-CID 扩展"),
    W("type", "EtherType", "以太类型", "EtherType after the tag", "标签之后的以太类型"),
};

static const struct tl_layer_word udp[] = {
    W("src_port", "UDP source port", "UDP 源端口", "the sending side's UDP port",
      "发送方的 UDP 端口"),
    W("dst_port", "UDP destination port", "UDP 目的端口",
      "destination port: names the tunnel (4789 VXLAN, 6081 Geneve, 2152 GTP-U, 3544 Teredo)",
      "目的端口：标明隧道（4789 VXLAN，6081 Geneve，2152 GTP-U，3544 Teredo）"),
    W("length", "length", "长度", "length of the UDP header and data in bytes",
      "UDP 首部与数据的长度（字节）"),
    W("checksum", "checksum", "UDP 校验和", "UDP checksum (0: not computed, allowed over IPv4)",
      "UDP 校验和（0 表示未计算，IPv4 下允许）"),
};

static const struct tl_layer_word gre[] = {
    W("checksum_present", "C", "C", "checksum present", "带校验和"),
    W("routing_present", "R", "R", "routing present (RFC 1701)", "带路由（RFC 1701）"),
    W("key_present", "K", "K", "key present (RFC 2890)", "带密钥（RFC 2890）"),
    W("seq_present", "S", "S", "sequence number present", "带序号"),
    W("strict_route", "s", "s", "strict source route (RFC 1701)", "严格源路由（RFC 1701）"),
    W("recursion", "recur", "递归", "recursion control (RFC 1701)", "递归控制（RFC 1701）"),
    W("ack_present", "A", "A", "acknowledgement number present (PPTP)", "带确认号（PPTP）"),
    W("flags", "flags", "标志", "reserved flags, 0", "保留标志，为 0"),
    W("version", "version", "版本", "GRE version: 0 (RFC 2784), 1 PPTP's enhanced GRE",
      "GRE 版本：0（RFC 2784），1 为 PPTP 增强 GRE"),
    W("protocol", "protocol", "协议",
      "protocol type (an EtherType): 0x0800 IPv4, 0x6558 Ethernet, 0x88be ERSPAN, 0x880b PPP",
      "协议类型（以太类型）：0x0800 IPv4，0x6558 以太网，0x88be ERSPAN，0x880b PPP"),
    W("checksum", "checksum", "GRE 校验和", "checksum over the GRE header and payload",
      "GRE 首部与载荷的校验和"),
    W("offset", "offset", "偏移", "offset to the active routing entry (reserved without R)",
      "到当前路由项的偏移（无 R 时保留）"),
    W("key", "key", "密钥", "key: tells apart the tunnels between the same two hosts (RFC 2890)",
      "密钥：区分同一对主机之间的隧道（RFC 2890）"),
    W("payload_length", "PPTP payload length", "PPTP 载荷长度", "PPTP: payload length in bytes",
      "PPTP：载荷长度（字节）"),
    W("call_id", "call ID", "呼叫 ID", "PPTP: the peer's call identifier", "PPTP：对端的呼叫标识"),
    W("seq", "sequence", "序号", "sequence number of the GRE packet", "GRE 分组的序号"),
    W("ack", "acknowledgement", "PPTP 确认号", "PPTP: highest sequence number received",
      "PPTP：收到的最大序号"),
    W("routing", "routing", "路由", "source route entries (RFC 1701)", "源路由项（RFC 1701）"),
};

static const struct tl_layer_word erspan[] = {
    W("version", "version", "版本", "ERSPAN version: 1 type II, 2 type III",
      "ERSPAN 版本：1 为 II 型，2 为 III 型"),
    W("vlan", "VLAN", "VLAN", "the mirrored frame's original VLAN", "被镜像帧原来的 VLAN"),
    W("cos", "COS", "COS", "the mirrored frame's class of service", "被镜像帧的服务等级"),
    W("encap", "En", "En", "how the frame was tagged at the source port", "源端口上帧的标记方式"),
    W("bso", "BSO", "BSO", "bad or short frame indication", "坏帧或短帧指示"),
    W("truncated", "T", "T", "the mirrored frame was truncated", "被镜像帧已截断"),
    W("session_id", "session ID", "会话 ID", "the switch's mirror session", "交换机的镜像会话"),
    W("reserved", "reserved", "保留", "reserved", "保留"),
    W("index", "index", "索引", "the port index of the mirrored frame", "被镜像帧的端口索引"),
    W("timestamp", "timestamp", "镜像时间戳", "when the frame was mirrored (granularity in gra)",
      "帧被镜像的时间（粒度见 gra）"),
    W("sgt", "SGT", "SGT", "security group tag", "安全组标签"),
    W("p", "P", "P", "the frame was Ethernet with its FCS", "帧为带 FCS 的以太网帧"),
    W("ft", "FT", "FT", "frame type: 0 Ethernet", "帧类型：0 为以太网"),
    W("hw_id", "HW ID", "硬件 ID", "hardware identifier of the mirroring engine",
      "镜像引擎的硬件标识"),
    W("direction", "D", "D", "direction: 0 ingress, 1 egress", "方向：0 入口，1 出口"),
    W("gra", "Gra", "Gra", "timestamp granularity", "时间戳粒度"),
    W("o", "O", "O", "an optional platform sub-header follows", "后跟可选的平台子首部"),
    W("platform", "platform", "平台", "platform-specific sub-header", "平台相关的子首部"),
};

static const struct tl_layer_word vxlan[] = {
    W("flags", "flags", "标志", "flags: 0x08, the I bit, says the VNI is valid (RFC 7348)",
      "标志：0x08 即 I 位，表示 VNI 有效（RFC 7348）"),
    W("reserved", "reserved", "保留", "reserved", "保留"),
    W("vni", "VNI", "VNI", "VXLAN network identifier: which virtual network (tenant segment)",
      "VXLAN 网络标识：哪个虚拟网络（租户网段）"),
    W("reserved2", "reserved", "保留", "reserved", "保留"),
};

static const struct tl_layer_word vxlan_gpe[] = {
    W("flags", "flags", "标志", "flags: I (VNI valid), P (next protocol present), O (OAM)",
      "标志：I（VNI 有效），P（有下一协议），O（OAM）"),
    W("reserved", "reserved", "保留", "reserved", "保留"),
    W("next_protocol", "next protocol", "下一协议", "next protocol: 1 IPv4, 2 IPv6, 3 Ethernet",
      "下一协议：1 IPv4，2 IPv6，3 以太网"),
    W("vni", "VNI", "VNI", "VXLAN network identifier", "VXLAN 网络标识"),
    W("reserved2", "reserved", "保留", "reserved", "保留"),
};

static const struct tl_layer_word geneve[] = {
    W("version", "version", "版本", "Geneve version: 0 (RFC 8926)", "Geneve 版本：0（RFC 8926）"),
    W("opt_len", "option length", "选项长度", "length of the options in 4-byte words",
      "选项长度（4 字节为单位）"),
    W("oam", "O", "O", "control (OAM) packet", "控制（OAM）分组"),
    W("critical", "C", "C", "critical options present", "含关键选项"),
    W("reserved", "reserved", "保留", "reserved", "保留"),
    W("protocol", "protocol", "协议", "protocol type (an EtherType): 0x6558 Ethernet",
      "协议类型（以太类型）：0x6558 为以太网"),
    W("vni", "VNI", "VNI", "virtual network identifier", "虚拟网络标识"),
    W("reserved2", "reserved", "保留", "reserved", "保留"),
    W("options", "options", "选项", "Geneve options (class, type, length, data)",
      "Geneve 选项（类别、类型、长度、数据）"),
};

static const struct tl_layer_word gtpu[] = {
    W("version", "version", "版本", "GTP version: 1", "GTP 版本：1"),
    W("pt", "PT", "PT", "protocol type: 1 GTP (0 GTP')", "协议类型：1 为 GTP（0 为 GTP'）"),
    W("reserved", "reserved", "保留", "reserved", "保留"),
    W("e", "E", "E", "extension header present", "带扩展首部"),
    W("s", "S", "S", "sequence number present", "带序号"),
    W("pn", "PN", "PN", "N-PDU number present", "带 N-PDU 号"),
    W("message_type", "message type", "消息类型", "message type: 255 G-PDU (user data)",
      "消息类型：255 为 G-PDU（用户数据）"),
    W("length", "length", "长度", "length after the first 8 bytes", "前 8 字节之后的长度"),
    W("teid", "TEID", "TEID",
      "tunnel endpoint identifier: the receiving end's bearer (3GPP TS 29.281)",
      "隧道端点标识：接收端的承载（3GPP TS 29.281）"),
    W("seq", "sequence", "序号", "GTP sequence number", "GTP 序号"),
    W("npdu", "N-PDU", "N-PDU", "N-PDU number", "N-PDU 号"),
    W("next_ext", "next extension", "下一扩展", "type of the next extension header (0: none)",
      "下一扩展首部的类型（0 表示无）"),
    W("extensions", "extensions", "GTP 扩展首部", "extension headers", "GTP-U 扩展首部"),
};

static const struct tl_layer_word teredo[] = {
    W("auth_type", "authentication", "认证", "authentication indicator (0x0001, RFC 4380)",
      "认证指示（0x0001，RFC 4380）"),
    W("auth_id_len", "ID length", "ID 长度", "client identifier length", "客户端标识长度"),
    W("auth_len", "auth length", "认证长度", "authentication value length", "认证值长度"),
    W("authentication", "authentication", "认证",
      "client identifier, value, nonce and confirmation", "客户端标识、认证值、随机数与确认字节"),
    W("origin_type", "origin", "源指示", "origin indicator (0x0000, RFC 4380)",
      "源指示（0x0000，RFC 4380）"),
    W("origin_port", "origin port", "映射端口", "the client's mapped port, obfuscated (inverted)",
      "客户端映射后的端口（按位取反）"),
    W("origin_addr", "origin address", "映射地址", "the client's mapped IPv4 address, obfuscated",
      "客户端映射后的 IPv4 地址（按位取反）"),
};

static const struct tl_layer_word ayiya[] = {
    W("id_len", "ID length", "ID 长度", "identity length: 2^n bytes", "身份长度：2^n 字节"),
    W("id_type", "ID type", "ID 类型", "identity type", "身份类型"),
    W("sig_len", "signature length", "签名长度", "signature length in 4-byte words",
      "签名长度（4 字节为单位）"),
    W("hash_method", "hash", "散列", "hash method", "散列方法"),
    W("auth_method", "authentication", "认证", "authentication method", "认证方法"),
    W("opcode", "opcode", "操作码", "operation: 1 forward", "操作：1 为转发"),
    W("next_header", "next protocol", "下一首部", "the protocol inside: 41 IPv6, 4 IPv4",
      "内部协议：41 为 IPv6，4 为 IPv4"),
    W("epoch", "epoch", "时间", "sender's time in seconds", "发送方时间（秒）"),
    W("identity", "identity", "身份", "the sender's identity", "发送方身份"),
    W("signature", "signature", "签名", "signature", "签名"),
};

static const struct tl_layer_word ieee80211[] = {
    W("frame_control", "frame control", "帧控制",
      "frame control: type, subtype and flags (little-endian)",
      "帧控制：类型、子类型与标志（小端）"),
    W("duration", "duration", "持续时间", "duration or association ID", "持续时间或关联 ID"),
    W("addr1", "address 1", "地址 1", "receiver address", "接收方地址"),
    W("addr2", "address 2", "地址 2", "transmitter address", "发送方地址"),
    W("addr3", "address 3", "地址 3", "BSSID or other address", "BSSID 或其他地址"),
    W("seq_ctrl", "sequence control", "序号控制", "fragment and sequence number", "分片号与序号"),
};

static const struct tl_layer_word none[] = { W("", "", "", "", "") };

static const struct tl_layer_words layers[] = {
    { "eth",
      W("eth", "Ethernet", "以太网", "Ethernet II header (IEEE 802.3)",
        "以太网 II 首部（IEEE 802.3）"),
      eth, N(eth) },
    { "sll",
      W("sll", "Linux cooked", "Linux cooked",
        "the Linux cooked capture header (SLL, v1 or v2) that stands for the link header",
        "Linux cooked 捕获首部（SLL，v1 或 v2），代替链路层首部"),
      sll, N(sll) },
    { "vlan",
      W("vlan", "802.1Q tag", "802.1Q 标签", "a VLAN tag (IEEE 802.1Q; 802.1ad for QinQ)",
        "VLAN 标签（IEEE 802.1Q；QinQ 为 802.1ad）"),
      vlan, N(vlan) },
    { "mpls",
      W("mpls", "MPLS", "MPLS", "an MPLS label stack entry (RFC 3032)",
        "MPLS 标签栈条目（RFC 3032）"),
      mpls, N(mpls) },
    { "pw-eth",
      W("pw-eth", "pseudowire", "伪线", "an Ethernet pseudowire's control word (RFC 4448)",
        "以太网伪线的控制字（RFC 4448）"),
      pw_eth, N(pw_eth) },
    { "pppoe",
      W("pppoe", "PPPoE", "PPPoE", "PPP over Ethernet session header and PPP protocol (RFC 2516)",
        "以太网上的 PPP 会话首部与 PPP 协议（RFC 2516）"),
      pppoe, N(pppoe) },
    { "vntag",
      W("vntag", "VN-Tag", "VN-Tag", "Cisco VN-Tag (interface virtualization)",
        "思科 VN-Tag（接口虚拟化）"),
      vntag, N(vntag) },
    { "etag",
      W("etag", "E-Tag", "E-Tag", "IEEE 802.1BR E-Tag (port extension)",
        "IEEE 802.1BR E-Tag（端口扩展）"),
      etag, N(etag) },
    { "ieee80211",
      W("ieee80211", "802.11", "802.11", "IEEE 802.11 (Wi-Fi) data frame header",
        "IEEE 802.11（Wi-Fi）数据帧首部"),
      ieee80211, N(ieee80211) },
    { "ip",
      W("ip", "IP", "IP", "an IP header (an outer one carries a tunnel)",
        "IP 首部（外层 IP 承载隧道）"),
      none, 0 },
    { "udp",
      W("udp", "UDP", "UDP", "the UDP header that carries a tunnel (RFC 768)",
        "承载隧道的 UDP 首部（RFC 768）"),
      udp, N(udp) },
    { "gre",
      W("gre", "GRE", "GRE", "Generic Routing Encapsulation (RFC 2784, 2890)",
        "通用路由封装（RFC 2784、2890）"),
      gre, N(gre) },
    { "erspan",
      W("erspan", "ERSPAN", "ERSPAN", "a switch's mirrored frame (ERSPAN type II or III)",
        "交换机镜像的帧（ERSPAN II 型或 III 型）"),
      erspan, N(erspan) },
    { "vxlan",
      W("vxlan", "VXLAN", "VXLAN", "Virtual eXtensible LAN (RFC 7348): Ethernet over UDP",
        "虚拟可扩展局域网（RFC 7348）：UDP 上的以太网"),
      vxlan, N(vxlan) },
    { "vxlan-gpe",
      W("vxlan-gpe", "VXLAN-GPE", "VXLAN-GPE", "VXLAN generic protocol extension",
        "VXLAN 通用协议扩展"),
      vxlan_gpe, N(vxlan_gpe) },
    { "geneve",
      W("geneve", "Geneve", "Geneve", "Generic Network Virtualization Encapsulation (RFC 8926)",
        "通用网络虚拟化封装（RFC 8926）"),
      geneve, N(geneve) },
    { "gtpu",
      W("gtpu", "GTP-U", "GTP-U", "GPRS tunnelling of user data in a mobile core",
        "移动核心网中用户数据的 GPRS 隧道"),
      gtpu, N(gtpu) },
    { "teredo",
      W("teredo", "Teredo", "Teredo", "IPv6 over UDP through NATs (RFC 4380)",
        "穿越 NAT 的 UDP 上的 IPv6（RFC 4380）"),
      teredo, N(teredo) },
    { "ayiya",
      W("ayiya", "AYIYA", "AYIYA", "Anything In Anything tunnel",
        "AYIYA（任意协议中的任意协议）隧道"),
      ayiya, N(ayiya) },
    { "tcp", W("tcp", "TCP", "TCP", "the TCP header", "TCP 首部"), none, 0 },
};

const struct tl_layer_words *tl_layer_words_all(size_t *n)
{
    *n = N(layers);
    return layers;
}

const struct tl_layer_words *tl_layer_words_find(const char *layer)
{
    for (size_t i = 0; i < N(layers); i++) {
        if (strcmp(layers[i].layer, layer) == 0) {
            return &layers[i];
        }
    }
    return NULL;
}

const char *tl_layer_field_meaning(const struct tl_layer_words *l, const char *name)
{
    for (size_t i = 0; l && i < l->n_fields; i++) {
        if (strcmp(l->fields[i].name, name) == 0) {
            return l->fields[i].meaning[0];
        }
    }
    return "";
}
