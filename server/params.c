/*
 * params.c - strict parsers for request parameters (see params.h).
 */
#include "params.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"

bool tl_param_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    if (!s || !*s || strlen(s) > 20) {
        return false;
    }
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9') {
            return false;
        }
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10) {
            return false;
        }
        v = v * 10 + d;
    }
    if (v < min || v > max) {
        return false;
    }
    *out = v;
    return true;
}

bool tl_param_cidr(const char *s, struct tl_addr_range *r)
{
    char addr[64];
    const char *slash = s ? strchr(s, '/') : NULL;
    size_t alen = slash ? (size_t)(slash - s) : (s ? strlen(s) : 0);
    if (!s || alen == 0 || alen >= sizeof addr) {
        return false;
    }
    memcpy(addr, s, alen);
    addr[alen] = '\0';
    uint8_t a[16];
    unsigned bits, max_bits;
    static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    if (inet_pton(AF_INET, addr, a + 12) == 1) {
        memcpy(a, mapped, 12);
        max_bits = 32;
    } else if (inet_pton(AF_INET6, addr, a) == 1) {
        max_bits = 128;
    } else {
        return false;
    }
    r->version = max_bits == 32 ? 4 : 6;
    if (max_bits == 128 && memcmp(a, mapped, 12) == 0) { /* ::ffff:a.b.c.d is IPv4 */
        r->version = 4;
    }
    bits = max_bits;
    if (slash) {
        uint64_t b;
        if (!tl_param_uint(slash + 1, 0, max_bits, &b)) {
            return false;
        }
        bits = (unsigned)b;
    }
    unsigned prefix = bits + (128 - max_bits); /* IPv4 lives under ::ffff:0:0/96 */
    for (unsigned i = 0; i < 16; i++) {
        unsigned keep = prefix >= (i + 1) * 8 ? 8 : (prefix > i * 8 ? prefix - i * 8 : 0);
        uint8_t mask = keep ? (uint8_t)(0xff << (8 - keep)) : 0;
        r->lo[i] = a[i] & mask;
        r->hi[i] = (uint8_t)(a[i] | (uint8_t)~mask);
    }
    r->set = true;
    return true;
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

bool tl_param_time(const char *s, int64_t *ns)
{
    int y, mo, d, h, mi, sec;
    if (!s || strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
        s[7] != '-' || !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
        !digits(s + 17, 2, &sec)) {
        return false;
    }
    static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (y < 1970 || y > 2200 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 ||
        mi > 59 || sec > 60) {
        return false;
    }
    const char *p = s + 19;
    int64_t frac = 0;
    if (*p == '.') {
        int n = 0;
        p++;
        while (*p >= '0' && *p <= '9') {
            if (n < 9) {
                frac = frac * 10 + (*p - '0');
                n++;
            }
            p++;
        }
        if (n == 0) {
            return false;
        }
        for (; n < 9; n++) {
            frac *= 10;
        }
    }
    int64_t off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 23 || om > 59) {
            return false;
        }
        off = (int64_t)(oh * 60 + om) * 60 * (*p == '+' ? 1 : -1);
        p += 6;
    } else {
        return false;
    }
    if (*p) {
        return false;
    }
    int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
    *ns = secs * 1000000000 + frac;
    return true;
}

int tl_accept_language(const char *h)
{
    int best = -1;
    double best_q = 0;
    while (h && *h) {
        while (*h == ' ' || *h == ',') {
            h++;
        }
        char tag[32];
        size_t n = 0;
        while (*h && *h != ',' && *h != ';' && *h != ' ') {
            if (n + 1 < sizeof tag) {
                tag[n++] = (char)tolower((unsigned char)*h);
            }
            h++;
        }
        tag[n] = '\0';
        double q = 1.0;
        while (*h && *h != ',') {
            if (*h == 'q' && h[1] == '=') {
                q = strtod(h + 2, NULL);
                if (q < 0 || q > 1) {
                    q = 0;
                }
            }
            h++;
        }
        int lang = -1;
        if (strncmp(tag, "zh", 2) == 0 && (tag[2] == '\0' || tag[2] == '-')) {
            lang = TL_LANG_ZH;
        } else if (strncmp(tag, "en", 2) == 0 && (tag[2] == '\0' || tag[2] == '-')) {
            lang = TL_LANG_EN;
        }
        if (lang >= 0 && q > best_q) {
            best = lang;
            best_q = q;
        }
    }
    return best;
}

bool tl_param_size(const char *s, uint64_t *out)
{
    char num[32];
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n >= sizeof num) {
        return false;
    }
    memcpy(num, s, n + 1);
    uint64_t mult = 1;
    char last = (char)toupper((unsigned char)num[n - 1]);
    if (last == 'K' || last == 'M' || last == 'G') {
        mult = last == 'K' ? 1024ull : last == 'M' ? 1024ull * 1024 : 1024ull * 1024 * 1024;
        num[n - 1] = '\0';
    }
    uint64_t v;
    if (!tl_param_uint(num, 1, UINT64_MAX / mult, &v)) {
        return false;
    }
    *out = v * mult;
    return true;
}
