/* Many threads sharing one authenticator (and read-only requests), plus the JSON entry point's
 * shared cached authenticator. Input: the fixture written by thread_fixture.py (networkless
 * jwtKey vectors of one instance, with expected outcomes from the vectors).
 *
 * Usage: test_threads FIXTURE [THREADS=8] [REQUESTS_PER_THREAD=500]
 * Each request is checked: status, reason, userId, tokenType, orgId (typed calls) or the
 * same fields in the JSON output (every 4th call goes through clerkauth_authenticate_json,
 * alternately with the shared options plus per-call overrides and with the vector's whole
 * options: the JSON cache's authenticators, keyed by instance options, are shared by calls whose
 * per-call options differ). */
#include <pthread.h>

#include "common.h"

typedef struct {
    char *id, *overrides, *exp_status, *exp_reason, *exp_user, *exp_token_type, *exp_org, *request_json;
    char *full_options, *plain_request_json; /* the same call with every option in options_json */
    int64_t now_ms;
    clerkauth_request *req;
} test_case;

static const clerkauth_authenticator *g_auth;
static const char *g_options;
static test_case *g_cases;
static size_t g_ncases;
static int g_requests;

typedef struct {
    int index;
    int passed, failed;
    int signed_in;
    char first_failure[512];
} worker;

static int same(const char *got, const char *want) {
    /* `want` "" means null. */
    if (!want[0]) return got == NULL;
    return got != NULL && strcmp(got, want) == 0;
}

static int check_typed(const test_case *c, worker *w) {
    clerkauth_result *res = NULL;
    clerkauth_status st = clerkauth_authenticate(g_auth, c->req, c->overrides, c->now_ms, &res);
    int ok = st == CLERKAUTH_STATUS_OK && same(clerkauth_result_status_str(res), c->exp_status) &&
             same(clerkauth_result_reason(res), c->exp_reason) && same(clerkauth_result_user_id(res), c->exp_user) &&
             same(clerkauth_result_token_type_str(res), c->exp_token_type) && same(clerkauth_result_org_id(res), c->exp_org) &&
             clerkauth_result_state_json(res) != NULL;
    if (ok && clerkauth_result_status(res) == CLERKAUTH_AUTH_STATUS_SIGNED_IN) {
        bool has = true;
        ok = clerkauth_result_token(res) != NULL && clerkauth_result_is_authenticated(res) &&
             clerkauth_result_has(res, "{\"role\":\"org:no-such-role\"}", &has) == CLERKAUTH_STATUS_OK && !has;
        w->signed_in++;
    }
    if (!ok && !w->first_failure[0]) {
        snprintf(w->first_failure, sizeof w->first_failure, "typed %s: status %s/%s reason %s user %s",
                 c->id, clerkauth_status_text(st), res ? clerkauth_result_status_str(res) : "-",
                 res && clerkauth_result_reason(res) ? clerkauth_result_reason(res) : "null",
                 res && clerkauth_result_user_id(res) ? clerkauth_result_user_id(res) : "null");
    }
    clerkauth_result_free(res);
    return ok;
}

static int contains_field(const char *json, const char *key, const char *want) {
    char needle[600];
    if (want[0]) {
        snprintf(needle, sizeof needle, "\"%s\":\"%s\"", key, want);
    } else {
        snprintf(needle, sizeof needle, "\"%s\":null", key);
    }
    return strstr(json, needle) != NULL;
}

/* `full`: the vector's whole options as options_json and no overrides. The JSON entry point's
 * cache keys authenticators by the instance options only, so calls that differ in per-call
 * options (authorizedParties, audience ...) share one authenticator and must still get each
 * their own answer. */
static int check_json(const test_case *c, worker *w, int full) {
    char *out = NULL;
    clerkauth_status st = full ? clerkauth_authenticate_json(c->full_options, c->plain_request_json, &out)
                               : clerkauth_authenticate_json(g_options, c->request_json, &out);
    int ok = st == CLERKAUTH_STATUS_OK && contains_field(out, "status", c->exp_status) &&
             contains_field(out, "reason", c->exp_reason) && contains_field(out, "tokenType", c->exp_token_type) &&
             (!c->exp_user[0] || contains_field(out, "userId", c->exp_user));
    if (!ok && !w->first_failure[0]) {
        snprintf(w->first_failure, sizeof w->first_failure, "json%s %s: status %s output %.300s", full ? " (full options)" : "", c->id,
                 clerkauth_status_text(st), out ? out : "-");
    }
    clerkauth_string_free(out);
    return ok;
}

static void *run(void *arg) {
    worker *w = (worker *)arg;
    for (int i = 0; i < g_requests; i++) {
        const test_case *c = &g_cases[((size_t)w->index * 7 + (size_t)i) % g_ncases];
        int ok = (i % 4 == 3) ? check_json(c, w, (i / 4) % 2) : check_typed(c, w);
        if (ok) {
            w->passed++;
        } else {
            w->failed++;
        }
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s FIXTURE [THREADS] [REQUESTS]\n", argv[0]);
        return 2;
    }
    int nthreads = argc > 2 ? atoi(argv[2]) : 8;
    g_requests = argc > 3 ? atoi(argv[3]) : 500;
    FILE *in = fopen(argv[1], "rb");
    if (!in) {
        perror(argv[1]);
        return 2;
    }
    char *options = read_field(in);
    char *count = read_field(in);
    g_options = options;
    g_ncases = count ? (size_t)strtoul(count, NULL, 10) : 0;
    g_cases = (test_case *)calloc(g_ncases ? g_ncases : 1, sizeof(test_case));
    clerkauth_authenticator *auth = NULL;
    CHECK_STATUS(clerkauth_authenticator_new(options, &auth), CLERKAUTH_STATUS_OK);
    g_auth = auth;
    CHECK(g_ncases > 0, "fixture has cases");
    for (size_t i = 0; i < g_ncases; i++) {
        test_case *c = &g_cases[i];
        c->id = read_field(in);
        c->overrides = read_field(in);
        char *now = read_field(in);
        char *method = read_field(in);
        char *url = read_field(in);
        char *nh = read_field(in);
        c->now_ms = now ? strtoll(now, NULL, 10) : -1;
        CHECK_STATUS(clerkauth_request_new(method, url, &c->req), CLERKAUTH_STATUS_OK);
        size_t n = nh ? (size_t)strtoul(nh, NULL, 10) : 0;
        for (size_t h = 0; h < n; h++) {
            char *name = read_field(in);
            char *value = read_field(in);
            CHECK_STATUS(clerkauth_request_add_header(c->req, name, value), CLERKAUTH_STATUS_OK);
            free(name);
            free(value);
        }
        c->exp_status = read_field(in);
        c->exp_reason = read_field(in);
        c->exp_user = read_field(in);
        c->exp_token_type = read_field(in);
        c->exp_org = read_field(in);
        c->request_json = read_field(in);
        c->full_options = read_field(in);
        c->plain_request_json = read_field(in);
        CHECK(c->plain_request_json != NULL, "fixture case %zu complete", i);
        free(now);
        free(method);
        free(url);
        free(nh);
    }
    fclose(in);
    if (g_failed == 0 && auth) {
        pthread_t *threads = (pthread_t *)calloc((size_t)nthreads, sizeof(pthread_t));
        worker *workers = (worker *)calloc((size_t)nthreads, sizeof(worker));
        for (int t = 0; t < nthreads; t++) {
            workers[t].index = t;
            CHECK(pthread_create(&threads[t], NULL, run, &workers[t]) == 0, "thread %d started", t);
        }
        int signed_in = 0;
        for (int t = 0; t < nthreads; t++) {
            pthread_join(threads[t], NULL);
            g_passed += workers[t].passed;
            g_failed += workers[t].failed;
            signed_in += workers[t].signed_in;
            if (workers[t].first_failure[0]) {
                printf("FAIL thread %d (%d failures), first: %s\n", t, workers[t].failed, workers[t].first_failure);
            }
        }
        printf("%d threads x %d requests over %zu vectors, %d verified signed-in sessions\n", nthreads, g_requests, g_ncases, signed_in);
        CHECK(signed_in > 0, "some requests were signed in");
        free(threads);
        free(workers);
    }
    for (size_t i = 0; i < g_ncases; i++) {
        test_case *c = &g_cases[i];
        clerkauth_request_free(c->req);
        free(c->id);
        free(c->overrides);
        free(c->exp_status);
        free(c->exp_reason);
        free(c->exp_user);
        free(c->exp_token_type);
        free(c->exp_org);
        free(c->request_json);
        free(c->full_options);
        free(c->plain_request_json);
    }
    free(g_cases);
    free(options);
    free(count);
    clerkauth_authenticator_free(auth);
    clerkauth_json_cache_clear();
    return summary();
}
