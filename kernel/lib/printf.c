// vsnprintf for the kernel: %d %i %u %x %X %p %s %c %%, with l/ll/z/j sizes,
// width (also "%*d"), '-', '0' and '+' flags and precision for strings (also "%.*s").
// No floating point. (QuickJS formats dates with "%0*d" and "%+07d".)
#include "../klib.h"

struct out {
    char *buf;
    size_t size;
    size_t pos;
};

static void put(struct out *o, char c)
{
    if (o->pos + 1 < o->size) {
        o->buf[o->pos] = c;
    }
    o->pos++;
}

static void put_padded(struct out *o, const char *s, size_t len, int width, bool left, char pad)
{
    int fill = width > (int)len ? width - (int)len : 0;
    if (!left) {
        while (fill-- > 0) {
            put(o, pad);
        }
    }
    for (size_t i = 0; i < len; i++) {
        put(o, s[i]);
    }
    if (left) {
        while (fill-- > 0) {
            put(o, ' ');
        }
    }
}

// `sign`: '-', '+' or 0 (none).
static void put_number(struct out *o, uint64_t v, char sign, unsigned base, bool upper, int width,
                       bool left, char pad)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);
    if (sign) {
        if (pad == '0') {
            put(o, sign);
            width--;
        } else {
            tmp[n++] = sign;
        }
    }
    char rev[24];
    for (int i = 0; i < n; i++) {
        rev[i] = tmp[n - 1 - i];
    }
    put_padded(o, rev, (size_t)n, width, left, pad);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = {buf, size, 0};
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            put(&o, *p);
            continue;
        }
        p++;
        bool left = false, plus = false;
        char pad = ' ';
        for (; *p == '-' || *p == '0' || *p == '+'; p++) {
            if (*p == '-') {
                left = true;
            } else if (*p == '+') {
                plus = true;
            } else {
                pad = '0';
            }
        }
        int width = 0;
        if (*p == '*') { // "%*d": the width is an argument (negative: left-justified)
            width = va_arg(ap, int);
            if (width < 0) {
                left = true;
                width = width < -65536 ? 0 : -width;
            }
            p++;
        }
        for (; *p >= '0' && *p <= '9'; p++) {
            width = width * 10 + (*p - '0');
        }
        if (left) {
            pad = ' '; // '-' overrides '0'
        }
        int prec = -1;
        if (*p == '.') {
            prec = 0;
            if (p[1] == '*') { // "%.*s": the precision is an argument
                p += 2;
                prec = va_arg(ap, int);
                prec = prec < 0 ? -1 : prec;
            } else {
                for (p++; *p >= '0' && *p <= '9'; p++) {
                    prec = prec * 10 + (*p - '0');
                }
            }
        }
        int lng = 0;
        for (; *p == 'l' || *p == 'z' || *p == 'j'; p++) {
            lng++;
        }
        switch (*p) {
        case 'd':
        case 'i': {
            int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
            uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
            put_number(&o, mag, v < 0 ? '-' : plus ? '+' : 0, 10, false, width, left, pad);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            uint64_t v = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
            put_number(&o, v, 0, *p == 'u' ? 10 : 16, *p == 'X', width, left, pad);
            break;
        }
        case 'p':
            put(&o, '0');
            put(&o, 'x');
            put_number(&o, (uintptr_t)va_arg(ap, void *), 0, 16, false, width, left, pad);
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            s = s ? s : "(null)";
            size_t len = strlen(s);
            if (prec >= 0 && (size_t)prec < len) {
                len = (size_t)prec;
            }
            put_padded(&o, s, len, width, left, ' ');
            break;
        }
        case 'c':
            put(&o, (char)va_arg(ap, int));
            break;
        case '%':
            put(&o, '%');
            break;
        default:
            put(&o, '%');
            if (*p) {
                put(&o, *p);
            } else {
                p--;
            }
            break;
        }
    }
    if (size) {
        buf[o.pos < size ? o.pos : size - 1] = '\0';
    }
    return (int)o.pos;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
