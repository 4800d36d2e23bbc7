/* toAuth({ treatPendingAsSignedOut }) through clerkauth_result_auth_json_with, and session
 * tokens from the Backend API (getToken({ template, expiresInSeconds })) through
 * clerkauth_session_token, against the loopback Backend API of session_bapi.py.
 *
 * Usage: test_session BAPI_URL   (run as: python3 tests/c/session_bapi.py test_session)
 *
 * The tokens below were signed once with a throwaway RSA key whose public half is PEM (the
 * private key was discarded): issued at NOW_S, valid one hour, so every call passes the clock
 * explicitly. PENDING_TOKEN has `sts: "pending"` (user_pending / sess_pending), ACTIVE_TOKEN
 * `sts: "active"` (user_active / sess_active); both carry org_1 / org:admin / acme. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>

#include "common.h"

#define NOW_S 1767225600LL
#define NOW_MS ((NOW_S + 10) * 1000)
#define PK "pk_test_ZGVtby1hcHAuY2xlcmsuYWNjb3VudHMuZGV2JA=="
#define GOOD_KEY "sk_test_session_good"
#define SENTINEL ((void *)0x1)
#define OR_NULL(s) ((s) ? (s) : "(null)")
static const char *BAD_UTF8 = "\xff\xfe\xc3\x28";
#define PEM \
    "-----BEGIN PUBLIC KEY-----\\n" \
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEArczdzmuaHHhm1Qz0ZPN8\\n" \
    "0mfeMnydBekxf/unyJdi+mnz/Qad4xDToc3oHTbGRQwT9dt0IIxakzfOezz8xa/D\\n" \
    "foKsob9X6/Ik4xXg+POaeFm9/Iztq92+T+Kw3EjSA0dRcDoi1QYm7NOvno1bTQFQ\\n" \
    "sqSEKOZV52uSL3TzwQfe39TjnVRzcQoDESi4+JsAaDySMHBgtH84RtQcQdeLs5xR\\n" \
    "ryXL9EwqwiQsEHRyzG8XHQMxpon4v7yFe0Iw7p08yePrJemg4LyJiMI3GpZgVybR\\n" \
    "lLBqrq2IWoj5E3FFLLvPv+XYtU/DXeDkcxkAxvuhCjv7m/gY5HKde/tCH2cB0w7o\\n" \
    "xQIDAQAB\\n" \
    "-----END PUBLIC KEY-----"
#define PENDING_TOKEN \
    "eyJhbGciOiJSUzI1NiIsImtpZCI6Imluc19jX3Nlc3Npb25fdGVzdHMiLCJ0eXAiOiJKV1QifQ.eyJpc3MiOiJodHRwczovL" \
    "2RlbW8tYXBwLmNsZXJrLmFjY291bnRzLmRldiIsImlhdCI6MTc2NzIyNTYwMCwibmJmIjoxNzY3MjI1NTk1LCJleHAiOjE3N" \
    "jcyMjkyMDAsImZ2YSI6WzAsLTFdLCJvcmdfaWQiOiJvcmdfMSIsIm9yZ19yb2xlIjoib3JnOmFkbWluIiwib3JnX3NsdWciO" \
    "iJhY21lIiwic3ViIjoidXNlcl9wZW5kaW5nIiwic2lkIjoic2Vzc19wZW5kaW5nIiwic3RzIjoicGVuZGluZyIsImp0aSI6I" \
    "mNfcGVuZGluZyJ9.Jpojf371eY0zlzfDloTDBwWyNTnbKgMZMzSNnPTzdqq_BVJT8O85jDEuxOt00QtO71H3OtWL3n8j_Fz_" \
    "9Lpo3-71Aqc89zImAF6L1ixUYKXvSXy-YGD9aPG2497idByqXyUzYq1bLNJE8XUpqh5F0_9avQgN-pxx5o1EbqvmabtVxE3F" \
    "edsnktxNNCKrTFbHlkxs1nSV1Hg-HsoQM21xOb8JfHTa58nIHYy3s5I_MPvCm3McbBDLPecJZuoZSojtrTa4BidnqITlYJwV" \
    "pebLvIysDKGY8zbK4U-vmBybX8Oboem00SbwFFeeC6-vN8yKFO7MvJuGS2eUDaeiWB7o0w"
#define ACTIVE_TOKEN \
    "eyJhbGciOiJSUzI1NiIsImtpZCI6Imluc19jX3Nlc3Npb25fdGVzdHMiLCJ0eXAiOiJKV1QifQ.eyJpc3MiOiJodHRwczovL" \
    "2RlbW8tYXBwLmNsZXJrLmFjY291bnRzLmRldiIsImlhdCI6MTc2NzIyNTYwMCwibmJmIjoxNzY3MjI1NTk1LCJleHAiOjE3N" \
    "jcyMjkyMDAsImZ2YSI6WzAsLTFdLCJvcmdfaWQiOiJvcmdfMSIsIm9yZ19yb2xlIjoib3JnOmFkbWluIiwib3JnX3NsdWciO" \
    "iJhY21lIiwic3ViIjoidXNlcl9hY3RpdmUiLCJzaWQiOiJzZXNzX2FjdGl2ZSIsInN0cyI6ImFjdGl2ZSIsImp0aSI6ImNfY" \
    "WN0aXZlIn0.Qvm8HLtdD1-e90lTFMe2hdYpzEUkcJ0d7tB-u8uO21Ib8UVIdqZrea5N2-gyWrJbEz_lEP11qYHhkUa1Bfl2e" \
    "ZAgAlftwkeRcGCT_r2D-efGvjC0H79wAzOhzT_kUbCop18fM7o0nkSh-ilBqAaI7ABYsWaJ8Vg8xJeb70LtBIN6thrgnRqph" \
    "19OLghET-spaxOWcUvb8kkecC4C9KOILVDOkhqUIi1AO0ucGdO7GwdLVAQVeSopncjxO7CJfo3KWJOs8OqYCeIWniFDyMAQ7" \
    "Wydson_87LQ36PiIpt7o4NubwyUUbWrBnbmaKXfpjHT0prDl_OIHFltRLZ0XWBjOA"

static char g_options[4096];

static clerkauth_result *authenticate(const clerkauth_authenticator *auth, const char *token) {
    clerkauth_request *req = NULL;
    clerkauth_result *res = NULL;
    clerkauth_request_new("GET", "https://app.example.com/api/items", &req);
    if (token) {
        char bearer[2048];
        snprintf(bearer, sizeof bearer, "Bearer %s", token);
        clerkauth_request_add_header(req, "authorization", bearer);
    }
    clerkauth_status st = clerkauth_authenticate(auth, req, NULL, NOW_MS, &res);
    CHECK(st == CLERKAUTH_STATUS_OK, "authenticate: %s (%s)", clerkauth_status_text(st), clerkauth_last_error_message());
    clerkauth_request_free(req);
    return res;
}

static int has(const char *haystack, const char *needle) {
    return haystack != NULL && strstr(haystack, needle) != NULL;
}

/* --- toAuth({ treatPendingAsSignedOut }) ---------------------------------------------------- */

typedef struct {
    const clerkauth_result *res;
    const char *got;
} race_arg;

static void *race_keep_pending(void *p) {
    race_arg *a = (race_arg *)p;
    a->got = clerkauth_result_auth_json_with(a->res, false);
    return NULL;
}

static void test_pending(const clerkauth_authenticator *auth) {
    /* NULL result: NULL in both modes. */
    CHECK(clerkauth_result_auth_json_with(NULL, true) == NULL && clerkauth_result_auth_json_with(NULL, false) == NULL, "NULL result");

    clerkauth_result *res = authenticate(auth, PENDING_TOKEN);
    if (!res) return;
    /* The state is signed in; the default auth object is signed out with sessionStatus pending. */
    CHECK(clerkauth_result_status(res) == CLERKAUTH_AUTH_STATUS_SIGNED_IN, "pending: state %s reason %s",
          OR_NULL(clerkauth_result_status_str(res)), OR_NULL(clerkauth_result_reason(res)));
    CHECK(clerkauth_result_is_authenticated(res), "pending: state authenticated");
    CHECK(clerkauth_result_auth_kind(res) == CLERKAUTH_AUTH_KIND_SIGNED_OUT, "pending: default kind %u", (unsigned)clerkauth_result_auth_kind(res));
    CHECK(clerkauth_result_user_id(res) == NULL && clerkauth_result_session_id(res) == NULL, "pending: default has no user/session");
    CHECK(clerkauth_result_session_status(res) && strcmp(clerkauth_result_session_status(res), "pending") == 0, "pending: sessionStatus");
    const char *dflt = clerkauth_result_auth_json(res);
    CHECK(clerkauth_result_auth_json_with(res, true) == dflt, "treat=true is auth_json (same string)");
    CHECK(has(dflt, "\"isAuthenticated\":false") && has(dflt, "\"sessionStatus\":\"pending\"") && has(dflt, "\"userId\":null"),
          "default: %s", OR_NULL(dflt));
    /* Keep pending: the signed-in object. */
    const char *kept = clerkauth_result_auth_json_with(res, false);
    CHECK(kept != NULL && kept != dflt, "keep-pending is its own string");
    CHECK(has(kept, "\"isAuthenticated\":true") && has(kept, "\"userId\":\"user_pending\"") && has(kept, "\"sessionId\":\"sess_pending\"") &&
              has(kept, "\"sessionStatus\":\"pending\"") && has(kept, "\"orgId\":\"org_1\"") && has(kept, "\"orgRole\":\"org:admin\"") &&
              has(kept, "\"sessionClaims\":{"),
          "keep-pending: %s", OR_NULL(kept));
    CHECK(clerkauth_result_auth_json_with(res, false) == kept, "keep-pending cached (same pointer)");
    CHECK(clerkauth_result_auth_json_with(res, true) == dflt && clerkauth_result_auth_json(res) == dflt, "default unchanged after");
    /* The state JSON and the field getters keep answering for the default. */
    CHECK(has(clerkauth_result_state_json(res), "\"userId\":null"), "state json keeps the default auth");
    CHECK(clerkauth_result_user_id(res) == NULL, "user_id still the default");
    clerkauth_result_free(res);

    /* First use from 8 threads at once: every thread gets the one cached string. */
    res = authenticate(auth, PENDING_TOKEN);
    if (!res) return;
    pthread_t threads[8];
    race_arg args[8];
    for (int i = 0; i < 8; i++) {
        args[i].res = res;
        args[i].got = NULL;
        pthread_create(&threads[i], NULL, race_keep_pending, &args[i]);
    }
    for (int i = 0; i < 8; i++) pthread_join(threads[i], NULL);
    int same = 1;
    for (int i = 0; i < 8; i++) same = same && args[i].got != NULL && args[i].got == args[0].got;
    CHECK(same && has(args[0].got, "\"userId\":\"user_pending\""), "8 threads, one keep-pending string");
    clerkauth_result_free(res);

    /* An active session: both modes give the same string. */
    res = authenticate(auth, ACTIVE_TOKEN);
    if (!res) return;
    CHECK(clerkauth_result_auth_kind(res) == CLERKAUTH_AUTH_KIND_SIGNED_IN, "active: signed-in object");
    dflt = clerkauth_result_auth_json(res);
    CHECK(has(dflt, "\"userId\":\"user_active\""), "active: %s", OR_NULL(dflt));
    CHECK(clerkauth_result_auth_json_with(res, false) == dflt && clerkauth_result_auth_json_with(res, true) == dflt, "active: same string");
    clerkauth_result_free(res);

    /* Signed out (no credential): both modes give the signed-out object. */
    res = authenticate(auth, NULL);
    if (!res) return;
    dflt = clerkauth_result_auth_json(res);
    CHECK(clerkauth_result_status(res) == CLERKAUTH_AUTH_STATUS_SIGNED_OUT && has(dflt, "\"isAuthenticated\":false"), "signed out");
    CHECK(clerkauth_result_auth_json_with(res, false) == dflt && clerkauth_result_auth_json_with(res, true) == dflt, "signed out: same string");
    clerkauth_result_free(res);
}

/* --- getToken({ template, expiresInSeconds }) ----------------------------------------------- */

/* Calls clerkauth_session_token and checks the jwt (the server echoes target|body). */
static void expect_jwt(const clerkauth_authenticator *auth, const char *sid, const char *tpl, int64_t expires, const char *overrides,
                       const char *want) {
    char *jwt = NULL;
    clerkauth_status st = clerkauth_session_token(auth, sid, tpl, expires, overrides, &jwt);
    CHECK(st == CLERKAUTH_STATUS_OK && jwt && strcmp(jwt, want) == 0, "session_token(%s, %s, %lld): %s (%s) jwt %s, want %s", OR_NULL(sid),
          OR_NULL(tpl), (long long)expires, clerkauth_status_text(st), clerkauth_last_error_message(), OR_NULL(jwt), want);
    clerkauth_string_free(jwt);
}

/* Calls clerkauth_session_token and checks it fails with `want` and a message containing `text`. */
static void expect_fail(const clerkauth_authenticator *auth, const char *sid, const char *tpl, const char *overrides, clerkauth_status want,
                        const char *text) {
    char *jwt = (char *)SENTINEL;
    clerkauth_status st = clerkauth_session_token(auth, sid, tpl, -1, overrides, &jwt);
    CHECK(st == want && jwt == (char *)SENTINEL, "session_token(%s, %s, %s): %s, want %s", OR_NULL(sid), OR_NULL(tpl), OR_NULL(overrides),
          clerkauth_status_text(st), clerkauth_status_text(want));
    CHECK(has(clerkauth_last_error_message(), text), "message %s lacks %s", clerkauth_last_error_message(), text);
    CHECK(!has(clerkauth_last_error_message(), "sk_test_"), "a secret key in %s", clerkauth_last_error_message());
}

static void test_session_token(const clerkauth_authenticator *auth) {
    /* The session id comes from the authenticated result; without a template or expiry the
     * token is the verified session token itself. */
    clerkauth_result *res = authenticate(auth, ACTIVE_TOKEN);
    if (!res) return;
    const char *sid = clerkauth_result_session_id(res);
    CHECK(sid && strcmp(sid, "sess_active") == 0, "session id %s", OR_NULL(sid));
    CHECK(clerkauth_result_token(res) && strcmp(clerkauth_result_token(res), ACTIVE_TOKEN) == 0, "getToken() is the session token");
    if (!sid) {
        clerkauth_result_free(res);
        return;
    }
    expect_jwt(auth, sid, "supabase", -1, NULL, "jwt:/v1/sessions/sess_active/tokens/supabase");
    expect_jwt(auth, sid, "supabase", 3600, NULL, "jwt:/v1/sessions/sess_active/tokens/supabase|{\"expires_in_seconds\":3600}");
    expect_jwt(auth, sid, NULL, 60, NULL, "jwt:/v1/sessions/sess_active/tokens|{\"expires_in_seconds\":60}");
    expect_jwt(auth, sid, "", -1, NULL, "jwt:/v1/sessions/sess_active/tokens");
    expect_jwt(auth, sid, "supabase", -1, "{\"secretKey\":\"" GOOD_KEY "\"}", "jwt:/v1/sessions/sess_active/tokens/supabase");
    /* Hostile names stay one path segment. */
    expect_jwt(auth, sid, "../x", -1, NULL, "jwt:/v1/sessions/sess_active/tokens/..%2Fx");
    expect_jwt(auth, sid, "my template", -1, NULL, "jwt:/v1/sessions/sess_active/tokens/my%20template");
    expect_jwt(auth, sid, "../../users?x=1#f", -1, NULL, "jwt:/v1/sessions/sess_active/tokens/..%2F..%2Fusers%3Fx%3D1%23f");
    expect_jwt(auth, "../users/user_1", "t", -1, NULL, "jwt:/v1/sessions/..%2Fusers%2Fuser_1/tokens/t");
    clerkauth_result_free(res);

    /* Backend API failures: unknown template, bad secret key, unreachable. */
    expect_fail(auth, "sess_active", "missing", NULL, CLERKAUTH_STATUS_UNEXPECTED_ERROR, "404");
    expect_fail(auth, "sess_active", "missing", NULL, CLERKAUTH_STATUS_UNEXPECTED_ERROR, "JWT template not found");
    expect_fail(auth, "sess_active", "supabase", "{\"secretKey\":\"sk_test_wrong\"}", CLERKAUTH_STATUS_UNEXPECTED_ERROR, "401");
    expect_fail(auth, "sess_active", "supabase", "{\"apiUrl\":\"http://127.0.0.1:9\"}", CLERKAUTH_STATUS_UNEXPECTED_ERROR, "unreachable");

    /* Bad arguments: nothing is sent. */
    char *jwt = (char *)SENTINEL;
    CHECK_STATUS(clerkauth_session_token(NULL, "sess_active", "t", -1, NULL, &jwt), CLERKAUTH_STATUS_NULL_PARAMETER);
    CHECK_STATUS(clerkauth_session_token(auth, NULL, "t", -1, NULL, &jwt), CLERKAUTH_STATUS_NULL_PARAMETER);
    CHECK_STATUS(clerkauth_session_token(auth, "sess_active", "t", -1, NULL, NULL), CLERKAUTH_STATUS_NULL_PARAMETER);
    CHECK_STATUS(clerkauth_session_token(auth, BAD_UTF8, "t", -1, NULL, &jwt), CLERKAUTH_STATUS_INVALID_UTF8);
    CHECK_STATUS(clerkauth_session_token(auth, "sess_active", BAD_UTF8, -1, NULL, &jwt), CLERKAUTH_STATUS_INVALID_UTF8);
    CHECK_STATUS(clerkauth_session_token(auth, "sess_active", "t", -1, BAD_UTF8, &jwt), CLERKAUTH_STATUS_INVALID_UTF8);
    CHECK_STATUS(clerkauth_session_token(auth, "sess_active", "t", -1, "{oops", &jwt), CLERKAUTH_STATUS_INVALID_JSON);
    CHECK_STATUS(clerkauth_session_token(auth, "sess_active", "t", -1, "[]", &jwt), CLERKAUTH_STATUS_INVALID_OPTION);
    CHECK_STATUS(clerkauth_session_token(auth, "sess_active", "t", -1, "{\"missingAzp\":\"maybe\"}", &jwt), CLERKAUTH_STATUS_INVALID_OPTION);
    CHECK(jwt == (char *)SENTINEL, "out written on failure");
    expect_fail(auth, "", "t", NULL, CLERKAUTH_STATUS_INVALID_REQUEST, "valid resource ID");
    expect_fail(auth, "sess_active", "..", NULL, CLERKAUTH_STATUS_INVALID_REQUEST, "template");
    expect_fail(auth, "..", "t", NULL, CLERKAUTH_STATUS_INVALID_REQUEST, "resource ID");
    expect_fail(auth, "sess_active", "t", "{\"secretKey\":\"\"}", CLERKAUTH_STATUS_MISSING_SECRET_KEY, "Secret Key");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s BAPI_URL (run through tests/c/session_bapi.py)\n", argv[0]);
        return 2;
    }
    snprintf(g_options, sizeof g_options,
             "{\"publishableKey\":\"" PK "\",\"secretKey\":\"" GOOD_KEY "\",\"jwtKey\":\"" PEM "\",\"apiUrl\":\"%s\"}", argv[1]);
    clerkauth_authenticator *auth = NULL;
    CHECK_STATUS(clerkauth_authenticator_new(g_options, &auth), CLERKAUTH_STATUS_OK);
    if (!auth) {
        printf("FAIL cannot build the authenticator: %s\n", clerkauth_last_error_message());
        return summary();
    }
    test_pending(auth);
    test_session_token(auth);
    clerkauth_authenticator_free(auth);
    return summary();
}
