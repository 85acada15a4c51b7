#!/usr/bin/env python3
"""tls_fingerprints.py - JA3 and JA4 of every ClientHello in a capture,
computed here from the raw bytes (independently of the card and libndr),
and the version each ServerHello chose.

Usage: tls_fingerprints.py FILE.pcap
Prints one line per TCP segment whose payload starts with a TLS
ClientHello or ServerHello, in capture order:
  client SRC SPORT DST DPORT JA3HASH JA4      (or "- -": no fingerprint)
  server SRC SPORT DST DPORT VERSION          (hex, the chosen version)
A ClientHello gets a fingerprint only when it is whole in the segment's
first 1024 payload bytes, the part of a segment the card looks at
(docs/dataplane.md); its lists must also fit what the card keeps (64
ciphers, 32 extensions, 16 groups, 32 signature algorithms, 8 point
formats), else "- -".

JA3: Salesforce's definition (github.com/salesforce/ja3): SSLVersion,
Ciphers, Extensions, EllipticCurves, EllipticCurvePointFormats in decimal,
'-' within a field, ',' between, GREASE values left out; MD5.
JA4: FoxIO's definition (github.com/FoxIO-LLC/ja4, technical_details).
"""
import hashlib
import struct
import sys

VIEW = 1024
LIMITS = dict(ciphers=64, exts=32, groups=16, sigalgs=32, pf=8)


def grease(v):
    return (v & 0x0f0f) == 0x0a0a and (v >> 8) == (v & 0xff)


def packets(path):
    with open(path, 'rb') as f:
        data = f.read()
    magic = struct.unpack('<I', data[:4])[0]
    if magic in (0xa1b2c3d4, 0xa1b23c4d):
        e = '<'
    elif magic in (0xd4c3b2a1, 0x4d3cb2a1):
        e = '>'
    else:
        sys.exit('%s: not a pcap file' % path)
    linktype = struct.unpack(e + 'I', data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        _, _, caplen, _ = struct.unpack(e + 'IIII', data[off:off + 16])
        off += 16
        yield linktype, data[off:off + caplen]
        off += caplen


def tcp_payload(linktype, frame):
    """(src, sport, dst, dport, payload) of an IPv4/IPv6 TCP packet, or None."""
    if linktype == 1:
        if len(frame) < 14:
            return None
        et, p = struct.unpack('!H', frame[12:14])[0], 14
        while et in (0x8100, 0x88a8, 0x9100) and len(frame) >= p + 4:
            et, p = struct.unpack('!H', frame[p + 2:p + 4])[0], p + 4
    elif linktype in (101, 228, 229):
        et, p = (0x86dd if frame and frame[0] >> 4 == 6 else 0x0800), 0
    else:
        return None
    if et == 0x0800 and len(frame) >= p + 20:
        ihl = (frame[p] & 0xf) * 4
        total = struct.unpack('!H', frame[p + 2:p + 4])[0]
        if frame[p + 9] != 6 or struct.unpack('!H', frame[p + 6:p + 8])[0] & 0x3fff:
            return None
        src, dst = frame[p + 12:p + 16], frame[p + 16:p + 20]
        l4, end = p + ihl, p + total
        import ipaddress
        src, dst = str(ipaddress.IPv4Address(src)), str(ipaddress.IPv4Address(dst))
    elif et == 0x86dd and len(frame) >= p + 40:
        if frame[p + 6] != 6:
            return None
        import ipaddress
        src = str(ipaddress.IPv6Address(frame[p + 8:p + 24]))
        dst = str(ipaddress.IPv6Address(frame[p + 24:p + 40]))
        l4, end = p + 40, p + 40 + struct.unpack('!H', frame[p + 4:p + 6])[0]
    else:
        return None
    if len(frame) < l4 + 20:
        return None
    sport, dport = struct.unpack('!HH', frame[l4:l4 + 4])
    doff = (frame[l4 + 12] >> 4) * 4
    return src, sport, dst, dport, frame[l4 + doff:min(end, len(frame))]


class Cut(Exception):
    pass


def u8(b, p):
    if p + 1 > len(b):
        raise Cut()
    return b[p]


def u16(b, p):
    if p + 2 > len(b):
        raise Cut()
    return struct.unpack('!H', b[p:p + 2])[0]


def parse_hello(pay):
    """The hello's fields, or None when it is not whole in the view."""
    hlen = struct.unpack('!I', b'\0' + pay[6:9])[0]
    rlen = u16(pay, 3)
    if 9 + hlen > min(5 + rlen, len(pay), VIEW):
        return None
    b = pay[9:9 + hlen]
    h = dict(server=pay[5] == 2, version=u16(b, 0), exts=[], groups=None, pf=None,
             sigalgs=None, sv=None, alpn=None, sni=False)
    p = 2 + 32
    p += 1 + u8(b, p)
    if h['server']:
        h['ciphers'] = [u16(b, p)]
        p += 3
    else:
        n = u16(b, p)
        h['ciphers'] = [u16(b, p + 2 + 2 * i) for i in range(n // 2)]
        p += 2 + n
        p += 1 + u8(b, p)
    if p < len(b):
        end = p + 2 + u16(b, p)
        p += 2
        while p < end:
            t, n = u16(b, p), u16(b, p + 2)
            d = b[p + 4:p + 4 + n]
            if len(d) < n:
                raise Cut()
            h['exts'].append(t)
            if t == 0:
                h['sni'] = True
            elif t == 10 and h['groups'] is None:
                h['groups'] = [u16(d, 2 + 2 * i) for i in range(u16(d, 0) // 2)]
            elif t == 11 and h['pf'] is None:
                h['pf'] = list(d[1:1 + d[0]])
            elif t == 13 and h['sigalgs'] is None:
                h['sigalgs'] = [u16(d, 2 + 2 * i) for i in range(u16(d, 0) // 2)]
            elif t == 16 and h['alpn'] is None and len(d) >= 3:
                h['alpn'] = d[3:3 + d[2]]
            elif t == 43 and h['sv'] is None:
                if h['server']:
                    h['sv'] = [u16(d, 0)]
                else:
                    h['sv'] = [u16(d, 1 + 2 * i) for i in range(d[0] // 2)]
            p += 4 + n
    return h


def fits(h):
    return (len(h['ciphers']) <= LIMITS['ciphers'] and len(h['exts']) <= LIMITS['exts'] and
            len(h['groups'] or []) <= LIMITS['groups'] and
            len(h['sigalgs'] or []) <= LIMITS['sigalgs'] and
            len(h['pf'] or []) <= LIMITS['pf'])


def ja3(h):
    def dec(v):
        return '-'.join(str(x) for x in v if not grease(x))
    s = '%d,%s,%s,%s,%s' % (h['version'], dec(h['ciphers']), dec(h['exts']),
                            dec(h['groups'] or []), '-'.join(str(x) for x in h['pf'] or []))
    return hashlib.md5(s.encode()).hexdigest()


def ja4(h):
    names = {0x0304: '13', 0x0303: '12', 0x0302: '11', 0x0301: '10', 0x0300: 's3',
             0x0002: 's2', 0xfeff: 'd1', 0xfefd: 'd2', 0xfefc: 'd3'}
    versions = [v for v in (h['sv'] or []) if not grease(v)]
    version = names.get(max(versions) if versions else h['version'], '00')
    ciphers = [c for c in h['ciphers'] if not grease(c)]
    exts = [e for e in h['exts'] if not grease(e)]
    alpn = h['alpn']
    if not alpn:
        a = '00'
    elif chr(alpn[0]).isalnum() and chr(alpn[-1]).isalnum() and alpn[0] < 128 and alpn[-1] < 128:
        a = chr(alpn[0]) + chr(alpn[-1])
    else:
        x = alpn.hex()
        a = x[0] + x[-1]
    head = 't%s%s%02d%02d%s' % (version, 'd' if h['sni'] else 'i', min(len(ciphers), 99),
                                min(len(exts), 99), a)

    def h12(s):
        return hashlib.sha256(s.encode()).hexdigest()[:12] if s else '000000000000'
    b = ','.join('%04x' % c for c in sorted(ciphers))
    c = ','.join('%04x' % e for e in sorted(e for e in exts if e not in (0, 0x10)))
    sig = [s for s in (h['sigalgs'] or []) if not grease(s)]
    if sig:
        c += '_' + ','.join('%04x' % s for s in sig)
    return '%s_%s_%s' % (head, h12(b), h12(c))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    for linktype, frame in packets(sys.argv[1]):
        t = tcp_payload(linktype, frame)
        if not t:
            continue
        src, sport, dst, dport, pay = t
        if len(pay) < 9 or pay[0] != 22 or pay[1] != 3 or pay[5] not in (1, 2):
            continue
        try:
            h = parse_hello(pay)
        except Cut:
            h = None
        if pay[5] == 1:
            fp = '%s %s' % (ja3(h), ja4(h)) if h and fits(h) else '- -'
            print('client %s %d %s %d %s' % (src, sport, dst, dport, fp))
        else:
            v = h['sv'][0] if h and h['sv'] else (h['version'] if h else 0)
            print('server %s %d %s %d %04x' % (src, sport, dst, dport, v))


if __name__ == '__main__':
    main()
