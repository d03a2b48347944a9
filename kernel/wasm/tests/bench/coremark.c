// Benchmark: a CoreMark-like mix (not CoreMark itself): linked-list search, reversal
// and merge sort; a number-parsing state machine; small integer matrix kernels; all
// results folded into a CRC-16.
#include "bench.h"

#define ITERATIONS 400
#define LIST_SIZE 200
#define MAT_N 16
#define TEXT_SIZE 1024

struct node {
    struct node *next;
    int16_t data;
    int16_t idx;
};

static struct node pool[LIST_SIZE];
static int16_t ma[MAT_N * MAT_N], mb[MAT_N * MAT_N];
static int32_t mc[MAT_N * MAT_N];
static char text[TEXT_SIZE];

static uint16_t crc16(uint16_t crc, uint32_t v, int bytes)
{
    for (int b = 0; b < bytes; b++) {
        crc ^= (uint16_t)((v >> (8 * b)) & 0xff) << 8;
        for (int i = 0; i < 8; i++) {
            crc = crc & 0x8000 ? (uint16_t)(crc << 1) ^ 0x1021 : (uint16_t)(crc << 1);
        }
    }
    return crc;
}

// ---- lists ----

static struct node *list_build(uint32_t seed)
{
    struct node *head = 0;
    for (int i = LIST_SIZE - 1; i >= 0; i--) {
        seed = seed * 1103515245u + 12345u;
        pool[i].data = (int16_t)((seed >> 16) & 0x7fff);
        pool[i].idx = (int16_t)i;
        pool[i].next = head;
        head = &pool[i];
    }
    return head;
}

static struct node *list_reverse(struct node *l)
{
    struct node *r = 0;
    while (l) {
        struct node *n = l->next;
        l->next = r;
        r = l;
        l = n;
    }
    return r;
}

static int cmp_data(const struct node *a, const struct node *b)
{
    return a->data - b->data;
}

static int cmp_idx(const struct node *a, const struct node *b)
{
    return a->idx - b->idx;
}

// Bottom-up merge sort of a singly linked list.
static struct node *list_sort(struct node *l, int (*cmp)(const struct node *, const struct node *))
{
    for (int width = 1;; width *= 2) {
        struct node *p = l, *tail = 0;
        int merges = 0;
        l = 0;
        while (p) {
            merges++;
            struct node *q = p;
            int psize = 0;
            for (int i = 0; i < width && q; i++) {
                psize++;
                q = q->next;
            }
            int qsize = width;
            while (psize > 0 || (qsize > 0 && q)) {
                struct node *e;
                if (psize == 0) {
                    e = q, q = q->next, qsize--;
                } else if (qsize == 0 || !q || cmp(p, q) <= 0) {
                    e = p, p = p->next, psize--;
                } else {
                    e = q, q = q->next, qsize--;
                }
                if (tail) {
                    tail->next = e;
                } else {
                    l = e;
                }
                tail = e;
            }
            p = q;
        }
        tail->next = 0;
        if (merges <= 1) {
            return l;
        }
    }
}

static uint16_t bench_list(uint32_t seed, uint16_t crc)
{
    struct node *l = list_build(seed);
    for (int16_t v = 0; v < 64; v++) {
        int pos = 0;
        struct node *n = l;
        while (n && n->idx != (int16_t)((v * 37 + seed) % LIST_SIZE)) {
            n = n->next;
            pos++;
        }
        crc = crc16(crc, (uint32_t)pos, 2);
    }
    l = list_reverse(l);
    l = list_sort(l, cmp_data);
    crc = crc16(crc, (uint32_t)l->data, 2);
    l = list_sort(l, cmp_idx);
    for (struct node *n = l; n; n = n->next) {
        crc = crc16(crc, (uint32_t)(n->data ^ n->idx), 2);
    }
    return crc;
}

// ---- state machine: classify the tokens of `text` ----

enum state { S_START, S_INT, S_FRAC, S_EXP, S_EXPSIGN, S_EXPINT, S_HEX, S_BAD, S_COUNT };

static void text_build(uint32_t seed)
{
    static const char *const words[] = {"5012", "-1.23e5", "0x1f", "abc", "+3.5",    "7e-2",
                                        "1.",   "x9",      "0xZ",  "-88", "6.02e23", "42"};
    int pos = 0;
    while (pos < TEXT_SIZE - 12) {
        seed = seed * 1103515245u + 12345u;
        const char *w = words[(seed >> 16) % 12];
        while (*w) {
            text[pos++] = *w++;
        }
        text[pos++] = ',';
    }
    text[pos] = 0;
}

static enum state step(enum state s, char c)
{
    int digit = c >= '0' && c <= '9';
    switch (s) {
    case S_START:
        return digit || c == '+' || c == '-' ? S_INT : S_BAD;
    case S_INT:
        if (c == 'x') {
            return S_HEX;
        }
        return digit ? S_INT : c == '.' ? S_FRAC : c == 'e' ? S_EXP : S_BAD;
    case S_FRAC:
        return digit ? S_FRAC : c == 'e' ? S_EXP : S_BAD;
    case S_EXP:
        return c == '+' || c == '-' ? S_EXPSIGN : digit ? S_EXPINT : S_BAD;
    case S_EXPSIGN:
    case S_EXPINT:
        return digit ? S_EXPINT : S_BAD;
    case S_HEX:
        return digit || (c >= 'a' && c <= 'f') ? S_HEX : S_BAD;
    default:
        return S_BAD;
    }
}

static uint16_t bench_state(uint16_t crc)
{
    uint32_t finals[S_COUNT] = {0};
    uint32_t transitions = 0;
    enum state s = S_START;
    for (const char *p = text; *p; p++) {
        if (*p == ',') {
            finals[s]++;
            s = S_START;
            continue;
        }
        enum state n = step(s, *p);
        transitions += n != s;
        s = n;
    }
    for (int i = 0; i < S_COUNT; i++) {
        crc = crc16(crc, finals[i], 4);
    }
    return crc16(crc, transitions, 4);
}

// ---- matrices ----

static uint16_t bench_matrix(int16_t val, uint16_t crc)
{
    for (int i = 0; i < MAT_N * MAT_N; i++) {
        ma[i] = (int16_t)(ma[i] + val);
    }
    for (int i = 0; i < MAT_N; i++) {
        for (int j = 0; j < MAT_N; j++) {
            int32_t s = 0;
            for (int k = 0; k < MAT_N; k++) {
                s += (int32_t)ma[i * MAT_N + k] * mb[k * MAT_N + j];
            }
            mc[i * MAT_N + j] = s;
        }
    }
    int32_t acc = 0;
    for (int i = 0; i < MAT_N * MAT_N; i++) {
        acc += (mc[i] >> 2) & 0xf;
        acc ^= mc[i] * val;
    }
    for (int i = 0; i < MAT_N; i++) {
        int32_t s = 0;
        for (int j = 0; j < MAT_N; j++) {
            s += ma[i * MAT_N + j] * (int32_t)(j - 8);
        }
        acc += s > 0 ? s : -s;
    }
    return crc16(crc, (uint32_t)acc, 4);
}

uint32_t run(void)
{
    for (int i = 0; i < MAT_N * MAT_N; i++) {
        ma[i] = (int16_t)((i * 7) % 64 - 32);
        mb[i] = (int16_t)((i * 13) % 32 - 16);
    }
    text_build(99);
    uint16_t crc = 0;
    for (uint32_t it = 0; it < ITERATIONS; it++) {
        crc = bench_list(it, crc);
        crc = bench_state(crc);
        crc = bench_matrix((int16_t)(it & 7) - 3, crc);
    }
    return crc;
}
