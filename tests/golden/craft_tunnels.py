#!/usr/bin/python3
"""craft_tunnels.py - build the encapsulation golden captures with scapy (Debian's
python3-scapy 2.5), written to file, never sent.

    /usr/bin/python3 tests/golden/craft_tunnels.py [CASE...]    (default: every case)

Each case is one small TCP conversation (SYN, SYN-ACK, ACK, 20 bytes of data, ACK, FIN,
FIN-ACK, ACK) wrapped in one encapsulation, written to tests/golden/<case>/capture.pcap with a
SOURCE provenance header; regen.sh then writes the expectations from tshark and tcpdump.
Headers scapy has no layer for are written byte by byte from their specifications (cited).
"""
import os
import struct
import sys

from scapy.all import Ether, IP, IPv6, TCP, UDP, Raw  # noqa: E402
from scapy.contrib.mpls import MPLS  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
T0 = 1700000000.0
MAC_C, MAC_S = "02:00:00:00:00:01", "02:00:00:00:00:02"


def conversation(v6=False, c=None, s=None, sport=40000, dport=80):
    """The inner IP/TCP packets as (direction, bytes): 0 client->server, 1 server->client."""
    c = c or ("2001:db8::1" if v6 else "10.1.0.1")
    s = s or ("2001:db8::2" if v6 else "10.1.0.2")
    ip = (lambda a, b: IPv6(src=a, dst=b, hlim=64)) if v6 else (lambda a, b: IP(src=a, dst=b, ttl=64, id=1))
    cs, ss = 1000, 5000
    opts = [("MSS", 1400), ("SAckOK", b""), ("NOP", None), ("WScale", 7)]
    data = b"GET / HTTP/1.0\r\n\r\n\r\n"
    pk = [
        (0, ip(c, s) / TCP(sport=sport, dport=dport, flags="S", seq=cs, window=64240, options=opts)),
        (1, ip(s, c) / TCP(sport=dport, dport=sport, flags="SA", seq=ss, ack=cs + 1, window=65160, options=opts)),
        (0, ip(c, s) / TCP(sport=sport, dport=dport, flags="A", seq=cs + 1, ack=ss + 1, window=502)),
        (0, ip(c, s) / TCP(sport=sport, dport=dport, flags="PA", seq=cs + 1, ack=ss + 1, window=502) / Raw(data)),
        (1, ip(s, c) / TCP(sport=dport, dport=sport, flags="A", seq=ss + 1, ack=cs + 21, window=509)),
        (0, ip(c, s) / TCP(sport=sport, dport=dport, flags="FA", seq=cs + 21, ack=ss + 1, window=502)),
        (1, ip(s, c) / TCP(sport=dport, dport=sport, flags="FA", seq=ss + 1, ack=cs + 22, window=509)),
        (0, ip(c, s) / TCP(sport=sport, dport=dport, flags="A", seq=cs + 22, ack=ss + 2, window=502)),
    ]
    return [(d, bytes(p)) for d, p in pk]


def ethertype_of(inner):
    return 0x86DD if inner[0] >> 4 == 6 else 0x0800


def eth(d, etype, payload):
    a, b = (MAC_S, MAC_C) if d == 0 else (MAC_C, MAC_S)
    return bytes(Ether(dst=a, src=b, type=etype)) + payload


def tag(tpid, vid, etype, prio=0):
    return struct.pack("!HH", tpid, prio << 13 | vid)[:0] + struct.pack("!HH", prio << 13 | vid, etype)


def vlans(d, tags, inner, etype=None):
    """Ethernet with stacked tags [(tpid, vid), ...] outermost first."""
    etype = etype or ethertype_of(inner)
    hdr = b""
    tpids = [t for t, _ in tags]
    for i, (tpid, vid) in enumerate(tags):
        nxt = tpids[i + 1] if i + 1 < len(tags) else etype
        hdr += struct.pack("!HH", vid, nxt)
    return eth(d, tpids[0], hdr + inner)


def mpls(labels, inner):
    out = b""
    for i, (label, ttl) in enumerate(labels):
        out += struct.pack("!I", label << 12 | (1 if i == len(labels) - 1 else 0) << 8 | ttl)
    return out + inner


def pppoe(sid, inner):
    proto = 0x0057 if inner[0] >> 4 == 6 else 0x0021
    return struct.pack("!BBHHH", 0x11, 0, sid, len(inner) + 2, proto) + inner


def outer_ip(d, proto, payload, v6=False):
    a, b = ("2001:db8:ff::1", "2001:db8:ff::2") if v6 else ("192.0.2.1", "192.0.2.2")
    if d == 1:
        a, b = b, a
    if v6:
        return bytes(IPv6(src=a, dst=b, nh=proto, hlim=64) / Raw(payload))
    return bytes(IP(src=a, dst=b, proto=proto, ttl=64, id=7) / Raw(payload))


def udp(d, dport, payload, v6=False, sport_base=55555):
    a, b = ("2001:db8:ff::1", "2001:db8:ff::2") if v6 else ("192.0.2.1", "192.0.2.2")
    if d == 1:
        a, b = b, a
    ipl = IPv6(src=a, dst=b, hlim=64) if v6 else IP(src=a, dst=b, ttl=64, id=7)
    return bytes(ipl / UDP(sport=sport_base + d, dport=dport) / Raw(payload))


def gre(flags_ver, proto, payload, key=None, seq=None, cksum=False, ack=None):
    """RFC 2784/2890 (version 0) and RFC 2637 (version 1) headers."""
    hdr = struct.pack("!HH", flags_ver, proto)
    opt = b""
    if cksum:
        opt += b"\x00\x00\x00\x00"
    if key is not None:
        opt += struct.pack("!I", key)
    if seq is not None:
        opt += struct.pack("!I", seq)
    if ack is not None:
        opt += struct.pack("!I", ack)
    body = hdr + opt + payload
    if cksum:
        s = 0
        data = body + (b"\x00" if len(body) % 2 else b"")
        for i in range(0, len(data), 2):
            s += data[i] << 8 | data[i + 1]
        while s >> 16:
            s = (s & 0xFFFF) + (s >> 16)
        body = body[:4] + struct.pack("!H", ~s & 0xFFFF) + body[6:]
    return body


def inner_eth(d, inner):
    a, b = ("02:aa:bb:cc:dd:02", "02:aa:bb:cc:dd:01") if d == 0 else ("02:aa:bb:cc:dd:01", "02:aa:bb:cc:dd:02")
    return bytes(Ether(dst=a, src=b, type=ethertype_of(inner))) + inner


# ---- link layers other than Ethernet (the LINKTYPE_* values of the tcpdump.org list) ----
def wifi(d, inner, qos=False):
    """An IEEE 802.11 data frame (to the AP from the client, from the AP to the client) with an
    LLC/SNAP header (RFC 1042) before the IP packet; QoS data adds the 2-byte QoS control."""
    bssid, sta, peer = b"\x02\x00\x00\x00\x00\xaa", b"\x02\x00\x00\x00\x00\x01", b"\x02\x00\x00\x00\x00\x02"
    if d == 0:  # ToDS: addr1 BSSID, addr2 source, addr3 destination
        fc, a1, a2, a3 = 0x0100, bssid, sta, peer
    else:       # FromDS: addr1 destination, addr2 BSSID, addr3 source
        fc, a1, a2, a3 = 0x0200, sta, bssid, peer
    fc |= 0x0088 if qos else 0x0008  # type 2 (data), subtype 8 (QoS data) or 0
    hdr = struct.pack("<HH", fc, 0)[:0] + bytes([fc & 0xFF, fc >> 8]) + b"\x00\x00" + a1 + a2 + a3 + b"\x10\x00"
    if qos:
        hdr += b"\x00\x00"
    return hdr + b"\xaa\xaa\x03\x00\x00\x00" + struct.pack("!H", ethertype_of(inner)) + inner


def radiotap(frame):
    """A radiotap header (version 0) that announces no field, padded to 12 bytes: the walk must
    use its length field, not its size. (tcpdump prints the fields a header announces, rate,
    channel, signal...; tcplens --format tcpdump does not print radiotap fields yet.)"""
    return struct.pack("<BBHI", 0, 0, 12, 0) + bytes(4) + frame


def nflog(inner, family=2):
    """NFLOG: family, version 0, resource id 0 (big-endian), then TLVs whose length and type
    are in host (little-endian) order, padded to 4 bytes: a packet header (type 1: hw protocol,
    hook, pad), a prefix (type 10), then the payload (type 9)."""
    def tlv(t, v):
        b = struct.pack("<HH", 4 + len(v), t) + v
        return b + bytes((-len(b)) % 4)
    return (struct.pack("!BBH", family, 0, 0) + tlv(1, struct.pack("!HBB", ethertype_of(inner), 1, 0))
            + tlv(10, b"tcplens\x00") + tlv(9, inner))


def pflog(inner):
    """OpenBSD pfloghdr (if_pflog.h): length 61 (PFLOG_HDRLEN, padded to 64 on the wire), af,
    action, reason, ifname[16], ruleset[16], rulenr, subrulenr, uid, pid, rule_uid, rule_pid,
    dir, pad[3], then (OpenBSD) saddr/daddr/sport/dport of the rewrite: 64 bytes in all."""
    af = 24 if inner[0] >> 4 == 6 else 2
    hdr = struct.pack("!BBBB16s16sIIIiIiB3s", 61, af, 0, 0, b"em0", b"", 1, 0xFFFFFFFF, 0, 0, 0, 0, 1, b"")
    return hdr + bytes(64 - len(hdr)) + inner


def ipnet(inner):
    """Solaris ipnet (LINKTYPE_IPNET): version 1, family (2 IPv4, 26 IPv6), htype, packet
    length, interface index, group interface index, source and destination zones: 24 bytes."""
    af = 26 if inner[0] >> 4 == 6 else 2
    return struct.pack("!BBHIIIII", 1, af, 0, len(inner), 2, 0, 0, 0) + inner


def enc(inner):
    """OpenBSD enc(4) (LINKTYPE_ENC): address family (host order), SPI, flags: 12 bytes."""
    af = 24 if inner[0] >> 4 == 6 else 2
    return struct.pack("<I", af) + struct.pack("!II", 0x1234, 0x0400) + inner



def big_tcp():
    """Segmentation-offload super-packets as captured on the sending host: an IPv6 jumbogram
    (RFC 2675: payload length 0, hop-by-hop Jumbo Payload option 70028) and an IPv4 packet whose
    total length field is 0 (Linux BIG TCP for IPv4), each with 70000 bytes of TCP payload and
    a correct TCP checksum (the IPv6 pseudo-header takes the 32-bit length, RFC 8200 section 8.1;
    for IPv4 the length is summed as 32 bits, as Linux's csum_tcpudp_magic() and Wireshark do)."""
    def csum(b):
        if len(b) % 2:
            b += b"\0"
        s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
        while s >> 16:
            s = (s & 0xFFFF) + (s >> 16)
        return ~s & 0xFFFF

    def seg(sport, seq, ack, payload, pseudo):
        h = struct.pack("!HHIIBBHHH", sport, 80, seq, ack, 5 << 4, 0x18, 502, 0, 0) + payload
        c = csum(pseudo(len(h)) + h)
        return h[:16] + struct.pack("!H", c) + h[18:]
    a6, b6 = bytes.fromhex("20010db8000000000000000000000001"), bytes.fromhex("20010db8000000000000000000000002")
    s6 = seg(40000, 1000, 5000, b"x" * 70000, lambda n: a6 + b6 + struct.pack("!I", n) + b"\0\0\0\x06")
    v6 = struct.pack("!IHBB", 6 << 28, 0, 0, 64) + a6 + b6 + bytes([6, 0, 0xC2, 4]) + struct.pack("!I", len(s6) + 8) + s6
    a4, b4 = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
    # the 16-bit length field cannot hold 70020: the sending kernel's sum carries the 17th bit
    s4 = seg(40001, 1, 1, b"y" * 70000, lambda n: a4 + b4 + struct.pack("!BBHH", 0, 6, n & 0xFFFF, n >> 16))
    h4 = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 0, 1, 0x4000, 64, 6, 0, a4, b4))
    h4[10:12] = struct.pack("!H", csum(bytes(h4)))
    return [eth(0, 0x86DD, v6), eth(0, 0x0800, bytes(h4) + s4)]


# ---- the cases: name -> (link type, description, frames) ----
def cases():
    c4 = conversation()
    c6 = conversation(v6=True)
    c4b = conversation(sport=40001)
    out = {}

    def add(name, dlt, desc, frames):
        out[name] = (dlt, desc, frames)

    add("tun_vlan_9100_9200", 1,
        "802.1ad-style stacks with the TPIDs seen in the wild: 0x9100 outer tag 30 + 0x8100 inner 300 "
        "(connection 1, port 40000); 0x9200 outer 31 + 0x88a8 31 + 0x8100 301 (connection 2, port 40001)",
        [vlans(d, [(0x9100, 30), (0x8100, 300)], p) for d, p in c4]
        + [vlans(d, [(0x9200, 31), (0x88A8, 31), (0x8100, 301)], p) for d, p in c4b])
    add("tun_mpls", 1,
        "MPLS unicast (0x8847), two-label stack (label 100 ttl 255, label 200 bottom ttl 64) over IPv4 "
        "(connection 1) and a one-label stack (label 300) over IPv6 (connection 2): payload guessed by the first nibble",
        [eth(d, 0x8847, mpls([(100, 255), (200, 64)], p)) for d, p in c4]
        + [eth(d, 0x8847, mpls([(300, 64)], p)) for d, p in c6])
    add("tun_mpls_pw_eth", 1,
        "MPLS (label 16 outer, 17 bottom) carrying an Ethernet pseudowire with its 4-byte control word "
        "(RFC 4448), IPv4 inside",
        [eth(d, 0x8847, mpls([(16, 255), (17, 255)], struct.pack("!I", i + 1) + inner_eth(d, p)))
         for i, (d, p) in enumerate(c4)])
    add("tun_pppoe", 1,
        "PPPoE session 0x8864 (session 0x1234) with PPP IPv4 (0x0021, connection 1) and IPv6 (0x0057, "
        "connection 2, session 0x1235); connection 3 (port 40001): PPPoE inside 802.1Q VLAN 42",
        [eth(d, 0x8864, pppoe(0x1234, p)) for d, p in c4]
        + [eth(d, 0x8864, pppoe(0x1235, p)) for d, p in c6]
        + [vlans(d, [(0x8100, 42)], pppoe(0x1236, p), etype=0x8864) for d, p in c4b])
    add("tun_vntag_etag", 1,
        "Cisco VN-Tag 0x8926 (dst VIF 5, src VIF 9; connection 1) and IEEE 802.1BR E-Tag 0x893f "
        "(E-CID 77; connection 2, port 40001) before IPv4",
        [eth(d, 0x8926, struct.pack("!IH", (5 << 16) | 9, 0x0800) + p) for d, p in c4]
        + [eth(d, 0x893F, struct.pack("!HHHH", 0, 77, 0, 0x0800) + p) for d, p in c4b])
    add("tun_ipip", 1,
        "IP-in-IP: IPv4 in IPv4 (protocol 4, connection 1), IPv4 in IPv6 (4in6, connection 2, port 40001), "
        "IPv6 in IPv6 (6in6, connection 3)",
        [eth(d, 0x0800, outer_ip(d, 4, p)) for d, p in c4]
        + [eth(d, 0x86DD, outer_ip(d, 4, p, v6=True)) for d, p in c4b]
        + [eth(d, 0x86DD, outer_ip(d, 41, p, v6=True)) for d, p in c6])
    add("tun_gre", 1,
        "GRE over IPv4: RFC 2784/2890 with checksum, key 0x2a and sequence number, IPv4 inside "
        "(connection 1); plain GRE carrying IPv6 (connection 2); GRE with key 7 and transparent Ethernet "
        "bridging 0x6558 (connection 3, port 40001)",
        [eth(d, 0x0800, outer_ip(d, 47, gre(0xB000, 0x0800, p, key=0x2A, seq=i, cksum=True)))
         for i, (d, p) in enumerate(c4)]
        + [eth(d, 0x0800, outer_ip(d, 47, gre(0x0000, 0x86DD, p))) for d, p in c6]
        + [eth(d, 0x0800, outer_ip(d, 47, gre(0x2000, 0x6558, inner_eth(d, p), key=7))) for d, p in c4b])
    add("tun_gre_ipv6", 1,
        "GRE inside IPv6 (outer 2001:db8:ff::1 <-> ::2), key 0x10, IPv4 inside",
        [eth(d, 0x86DD, outer_ip(d, 47, gre(0x2000, 0x0800, p, key=0x10), v6=True)) for d, p in c4])
    add("tun_erspan", 1,
        "ERSPAN type II (GRE 0x88be with sequence numbers, session 100; connection 1) and type III "
        "(GRE 0x22eb, session 200, no platform sub-header; connection 2, port 40001) mirroring Ethernet/IPv4",
        [eth(d, 0x0800, outer_ip(d, 47, gre(0x1000, 0x88BE, struct.pack("!HHI", 0x1000 | 10, 100, 0) + inner_eth(d, p), seq=i)))
         for i, (d, p) in enumerate(c4)]
        + [eth(d, 0x0800, outer_ip(d, 47, gre(0x1000, 0x22EB, struct.pack("!HHIHH", 0x2000 | 10, 200, 12345, 0, 0) + inner_eth(d, p), seq=i)))
           for i, (d, p) in enumerate(c4b)])
    add("tun_pptp", 1,
        "PPTP enhanced GRE (RFC 2637: version 1, protocol 0x880b, key = payload length + call id 0x0101, "
        "sequence numbers) carrying PPP (ff 03, protocol 0x0021) IPv4",
        [eth(d, 0x0800, outer_ip(d, 47, gre(0x3001, 0x880B, b"\xff\x03\x00\x21" + p,
                                            key=(len(p) + 4) << 16 | 0x0101, seq=i)))
         for i, (d, p) in enumerate(c4)])
    add("tun_vxlan", 1,
        "VXLAN (UDP 4789, VNI 4242, RFC 7348) carrying Ethernet/IPv4; the outer UDP source port (55555, 55556) differs "
        "per direction",
        [eth(d, 0x0800, udp(d, 4789, struct.pack("!II", 0x08000000, 4242 << 8) + inner_eth(d, p))) for d, p in c4])
    add("tun_vxlan_in_qinq", 1,
        "VXLAN (VNI 99) in IPv4 inside an 802.1ad QinQ stack (0x88a8 outer 10, 0x8100 inner 20)",
        [vlans(d, [(0x88A8, 10), (0x8100, 20)], udp(d, 4789, struct.pack("!II", 0x08000000, 99 << 8) + inner_eth(d, p)))
         for d, p in c4])
    add("tun_vxlan_gpe", 1,
        "VXLAN-GPE (UDP 4790, VNI 77, next protocol 1 = IPv4, no Ethernet inside)",
        [eth(d, 0x0800, udp(d, 4790, struct.pack("!II", 0x0C000001, 77 << 8) + p)) for d, p in c4])
    add("tun_geneve", 1,
        "Geneve (UDP 6081, RFC 8926, VNI 0x123456) with one 8-byte option (class 0x0102 type 0x80), "
        "Ethernet/IPv4 inside",
        [eth(d, 0x0800, udp(d, 6081, struct.pack("!BBHI", 2, 0, 0x6558, 0x123456 << 8)
                            + struct.pack("!HBBI", 0x0102, 0x80, 1, 0xDEADBEEF) + inner_eth(d, p)))
         for d, p in c4])
    add("tun_gtpu", 1,
        "GTP-U (UDP 2152, 3GPP TS 29.281) G-PDUs, TEID 0x1000 uplink and 0x2000 downlink, with a PDU "
        "session container extension header (type 0x85), IPv4 inside",
        [eth(d, 0x0800, udp(d, 2152, struct.pack("!BBHIHBB", 0x34, 0xFF, len(p) + 8, 0x1000 if d == 0 else 0x2000, 0, 0, 0x85)
                            + bytes([1, 0x10 if d == 0 else 0x00, 9, 0]) + p))
         for d, p in c4])
    add("tun_teredo", 1,
        "Teredo (UDP 3544, RFC 4380): IPv6 in UDP/IPv4; the server's packets carry an origin indication",
        [eth(d, 0x0800, udp(d, 3544, (struct.pack("!HH4s", 0, 40000 ^ 0xFFFF, bytes(x ^ 0xFF for x in (192, 0, 2, 1)))
                                      if d == 1 else b"") + p))
         for d, p in conversation(v6=True, c="2001:0:c000:201::1", s="2001:db8::2")])
    add("tun_ayiya", 1,
        "AYIYA (UDP 5072): identity length 16 (idlen 4, type 1), SHA1 signature (5 words), opcode 1 "
        "forward, next header 41: IPv6 inside",
        [eth(d, 0x0800, udp(d, 5072, bytes([0x41, 0x52, 0x11, 41]) + struct.pack("!I", 1700000000)
                            + bytes(16) + bytes(20) + p))
         for d, p in c6])
    add("tun_mpls_over_pppoe", 1,
        "MPLS over PPPoE: PPPoE session 0x77 whose PPP protocol 0x0281 (MPLS unicast) carries label 500, "
        "then IPv4",
        [eth(d, 0x8864, struct.pack("!BBHHH", 0x11, 0, 0x77, len(p) + 6, 0x0281) + mpls([(500, 64)], p))
         for d, p in c4])
    add("link_ppp", 9,
        "LINKTYPE_PPP: PPP in HDLC-like framing (ff 03) with protocol 0x0021 IPv4 (connection 1) and "
        "0x0057 IPv6 (connection 2)",
        [b"\xff\x03\x00\x21" + p for d, p in c4] + [b"\xff\x03\x00\x57" + p for d, p in c6])
    add("link_ppp_hdlc", 50,
        "LINKTYPE_PPP_HDLC (PPP in HDLC-like framing, RFC 1662): ff 03 then protocol 0x0021 IPv4 "
        "(connection 1) and 0x0057 IPv6 (connection 2)",
        [b"\xff\x03\x00\x21" + p for d, p in c4] + [b"\xff\x03\x00\x57" + p for d, p in c6])
    add("link_c_hdlc", 104,
        "LINKTYPE_C_HDLC (Cisco HDLC): address 0x0f (unicast), control 0, EtherType 0x0800 IPv4 "
        "(connection 1) and 0x86dd IPv6 (connection 2)",
        [b"\x0f\x00" + struct.pack("!H", ethertype_of(p)) + p for d, p in c4 + c6])
    add("link_ieee802_11", 105,
        "LINKTYPE_IEEE802_11: data frames ToDS/FromDS with LLC/SNAP (RFC 1042), IPv4 (connection 1); "
        "QoS data frames, IPv6 (connection 2)",
        [wifi(d, p) for d, p in c4] + [wifi(d, p, qos=True) for d, p in c6])
    add("link_radiotap", 127,
        "LINKTYPE_IEEE802_11_RADIOTAP: a 12-byte radiotap header announcing no field before 802.11 data "
        "frames with LLC/SNAP, IPv4",
        [radiotap(wifi(d, p)) for d, p in c4])
    add("link_nflog", 239,
        "LINKTYPE_NFLOG (Linux iptables NFLOG): packet-header and prefix TLVs before the payload TLV, "
        "IPv4 (connection 1, family 2) and IPv6 (connection 2, family 10)",
        [nflog(p) for d, p in c4] + [nflog(p, family=10) for d, p in c6])
    add("link_pflog", 117,
        "LINKTYPE_PFLOG (OpenBSD pf): 64-byte pfloghdr (length 61, interface em0, rule 1), IPv4 "
        "(connection 1) and IPv6 (connection 2, af 24)",
        [pflog(p) for d, p in c4] + [pflog(p) for d, p in c6])
    add("link_ipnet", 226,
        "LINKTYPE_IPNET (Solaris ipnet): 24-byte header, family 2 IPv4 (connection 1) and 26 IPv6 "
        "(connection 2)",
        [ipnet(p) for d, p in c4] + [ipnet(p) for d, p in c6])
    add("link_enc", 109,
        "LINKTYPE_ENC (OpenBSD enc(4)): 12-byte header (af in host order, SPI 0x1234, flags), IPv4 "
        "(connection 1) and IPv6 (connection 2, af 24)",
        [enc(p) for d, p in c4] + [enc(p) for d, p in c6])
    def bad_udp6(frame):
        """the outer UDP checksum of an Ethernet/IPv6/UDP frame, changed"""
        b = bytearray(frame)
        at = 14 + 40 + 6
        b[at] ^= 0x12
        b[at + 1] ^= 0x34
        return bytes(b)
    add("tun_vxlan_ipv6", 1,
        "VXLAN (VNI 5) over IPv6 (outer 2001:db8:ff::1 <-> ::2), Ethernet/IPv4 inside; the outer "
        "UDP checksum (mandatory over IPv6) correct on connection 1, wrong on connection 2 "
        "(port 40001)",
        [eth(d, 0x86DD, udp(d, 4789, struct.pack("!II", 0x08000000, 5 << 8) + inner_eth(d, p),
                            v6=True)) for d, p in c4]
        + [bad_udp6(eth(d, 0x86DD, udp(d, 4789, struct.pack("!II", 0x08000000, 5 << 8)
                                       + inner_eth(d, p), v6=True))) for d, p in c4b])
    add("big_tcp", 1,
        "segmentation-offload super-packets: an IPv6 jumbogram (RFC 2675, Jumbo Payload 70028) and an "
        "IPv4 packet with total length 0 (BIG TCP), 70000 bytes of TCP payload each",
        big_tcp())
    return out


def write(name, dlt, desc, frames):
    d = os.path.join(HERE, name)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "capture.pcap")
    with open(path, "wb") as w:  # pcap (little-endian, microseconds, snaplen 65535 or 262144)
        snaplen = 65535 if max(len(f) for f in frames) <= 65535 else 262144
        w.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, dlt))
        for i, f in enumerate(frames):
            w.write(struct.pack("<IIII", int(T0) + i // 1000, (i * 1000) % 1000000, len(f), len(f)))
            w.write(f)
    src = os.path.join(d, "SOURCE")
    keep = ""
    if os.path.exists(src):
        t = open(src).read()
        i = t.find("--- expectations")
        keep = t[i:] if i >= 0 else ""
    with open(src, "w") as f:
        f.write("case: %s\n" % name)
        f.write("capture: capture.pcap = tests/golden/craft_tunnels.py %s (scapy, written to file, never sent)\n" % name)
        f.write("provenance: crafted for issue 13 (no public capture of this encapsulation in ../shared/corpus)\n")
        f.write("  %s\n\n" % desc)
        f.write(keep or "--- expectations (written by regen.sh; everything below this line is regenerated) ---\n")


def main(argv):
    all_cases = cases()
    for name in argv or sorted(all_cases):
        write(name, *all_cases[name])
        print("wrote", name)


if __name__ == "__main__":
    main(sys.argv[1:])
