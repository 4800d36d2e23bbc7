/* Shared helpers for the libclerkauth C tests: check counters, framed input, JSON escaping. */
#ifndef CLERKAUTH_TEST_COMMON_H
#define CLERKAUTH_TEST_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clerkauth.h"

static int g_passed = 0;
static int g_failed = 0;

#define CHECK(cond, ...)                                                      \
    do {                                                                      \
        if (cond) {                                                           \
            g_passed++;                                                       \
        } else {                                                              \
            g_failed++;                                                       \
            fprintf(stdout, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);   \
            fprintf(stdout, __VA_ARGS__);                                     \
            fputc('\n', stdout);                                              \
        }                                                                     \
    } while (0)

#define CHECK_STATUS(expr, want)                                              \
    do {                                                                      \
        clerkauth_status got_ = (expr);                                       \
        CHECK(got_ == (clerkauth_status)(want), "%s returned %u (%s), want %s (%u)", #expr, \
              (unsigned)got_, clerkauth_status_text(got_), #want, (unsigned)(want)); \
    } while (0)

static inline int summary(void) {
    printf("%d passed, %d failed\n", g_passed, g_failed);
    return g_failed == 0 ? 0 : 1;
}

/* Reads one framed field: a decimal byte length, '\n', the bytes, '\n'. Returns a malloc'd
 * NUL-terminated string (caller frees) or NULL at end of input. */
static inline char *read_field(FILE *in) {
    char line[64];
    if (!fgets(line, sizeof line, in)) {
        return NULL;
    }
    char *end = NULL;
    unsigned long n = strtoul(line, &end, 10);
    if (end == line) {
        return NULL;
    }
    char *buf = (char *)malloc(n + 1);
    if (!buf) {
        return NULL;
    }
    if (n > 0 && fread(buf, 1, n, in) != n) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    int nl = fgetc(in);
    (void)nl;
    return buf;
}

/* Writes `s` as a JSON string literal (or null for NULL). */
static inline void json_str(FILE *out, const char *s) {
    if (!s) {
        fputs("null", out);
        return;
    }
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (*p < 0x20) {
                fprintf(out, "\\u%04x", *p);
            } else {
                fputc(*p, out);
            }
        }
    }
    fputc('"', out);
}

/* Writes raw JSON text (already JSON) or null for NULL. */
static inline void json_raw(FILE *out, const char *s) {
    fputs(s ? s : "null", out);
}

#endif
