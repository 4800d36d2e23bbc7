/* Bad input for libclerkauth: NULL pointers everywhere, invalid UTF-8, garbage JSON, huge
 * headers, out-of-range indexes and enum values. Every call must return a status code or a
 * documented default, never crash, and leave out-parameters untouched on failure. */
#include "common.h"

#define PK "pk_test_ZGVtby1hcHAuY2xlcmsuYWNjb3VudHMuZGV2JA=="
#define PEM "-----BEGIN PUBLIC KEY-----\\n"                                      \
            "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA0vH4EFtJI1Dii7XGRxO4\\n" \
            "IbuS0UaW4BaD2HzDMTiTbqxpEhqPgf55dtQGnAPLMFgqQf/C7ZQAfX/wPJWrmXJb\\n" \
            "2q2AXxLSeLUg3w24Me9OowJQSHAF7/dUrrQbU7x3AJZWSotFormqU+RHeHIncQ3U\\n" \
            "+xh/Mr2Q/ygJUbDLGppSnab8HPiZyaGM4FaXMeMUGG6pPcVo66iuLuTWNVgJQswG\\n" \
            "/cOvUfrq/8uvix4vUeWP4xzG9yDRmq7vIQMHNc2mGBqJUsx+1OH7kwqiAv42E9Vs\\n" \
            "OVRCP9i4oJ5lWhxkBRG9OIONxmjT6uUr6IMz2x/UafBmSjluZchEZI0AvnpouLuh\\n" \
            "mQIDAQAB\\n-----END PUBLIC KEY-----"
/* Networkless: jwtKey set, and a Backend API URL that nothing listens on. */
static const char *OPTIONS = "{\"publishableKey\":\"" PK "\",\"secretKey\":\"sk_test_bad_input\","
                             "\"apiUrl\":\"http://127.0.0.1:9\",\"jwtKey\":\"" PEM "\"}";
static const char *BAD_UTF8 = "\xff\xfe\xc3\x28";
#define SENTINEL ((void *)0x1)
#define MB (1024 * 1024)

static char *repeat(char c, size_t n) {
    char *s = (char *)malloc(n + 1);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

static void test_static(void) {
    CHECK(clerkauth_version() != NULL && strcmp(clerkauth_version(), CLERKAUTH_VERSION) == 0,
          "version %s vs header %s", clerkauth_version(), CLERKAUTH_VERSION);
    const unsigned known[] = {0, 1, 2, 3, 4, 5, 6, 7, 100, 101, 102, 103, 104, 105, 106, 107, 108};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        const char *t = clerkauth_status_text(known[i]);
        CHECK(t && strcmp(t, "unknown-status") != 0 && t[0], "status %u text %s", known[i], t ? t : "(null)");
        for (size_t j = 0; j < i; j++) {
            CHECK(strcmp(t, clerkauth_status_text(known[j])) != 0, "codes %u and %u share a text", known[i], known[j]);
        }
    }
    CHECK(strcmp(clerkauth_status_text(CLERKAUTH_STATUS_OK), "ok") == 0, "ok text");
    CHECK(strcmp(clerkauth_status_text(CLERKAUTH_STATUS_INVALID_PUBLISHABLE_KEY), "invalid-publishable-key") == 0, "pk text");
    const unsigned unknown[] = {8, 99, 109, 1000, 0x7fffffffu, 0xffffffffu};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        CHECK(strcmp(clerkauth_status_text(unknown[i]), "unknown-status") == 0, "unknown code %u", unknown[i]);
    }
    CHECK(clerkauth_last_error_message() != NULL, "last error never NULL");
    /* Every free accepts NULL. */
    clerkauth_authenticator_free(NULL);
    clerkauth_request_free(NULL);
    clerkauth_result_free(NULL);
    clerkauth_string_free(NULL);
    clerkauth_json_cache_clear();
    CHECK(1, "frees of NULL survived");
}

/* The JSON array `key` of the vocabulary, as a malloc'd NUL-terminated copy of `[...]` (the
 * entries are plain strings without brackets or escaped quotes), or NULL. */
static char *vocab_array(const char *json, const char *key) {
    char want[64];
    snprintf(want, sizeof want, "\"%s\":[", key);
    const char *start = strstr(json, want);
    if (!start) {
        return NULL;
    }
    start += strlen(want) - 1;
    const char *end = strchr(start, ']');
    if (!end) {
        return NULL;
    }
    size_t n = (size_t)(end - start) + 1;
    char *out = (char *)malloc(n + 1);
    memcpy(out, start, n);
    out[n] = '\0';
    return out;
}

static size_t vocab_count(const char *array) {
    size_t quotes = 0;
    for (const char *p = array; *p; p++) {
        quotes += *p == '"';
    }
    return quotes / 2;
}

static int vocab_has(const char *array, const char *entry) {
    char quoted[128];
    snprintf(quoted, sizeof quoted, "\"%s\"", entry);
    return strstr(array, quoted) != NULL;
}

/* The core's vocabulary and the header agree: every token type the header names is in
 * tokenTypes and tokenTypes has no other entry; every error status (100 and up) has its text in
 * errorCodes and errorCodes has no other entry. A token type or error code added to the core
 * fails here until the header (ffi/src/lib.rs, `make -C ffi header`) and this table know it. */
static void test_vocabulary(void) {
    const char *json = clerkauth_vocabulary_json();
    CHECK(json != NULL && json == clerkauth_vocabulary_json(), "vocabulary is one static string");
    if (!json) {
        return;
    }
    char *reasons = vocab_array(json, "reasons");
    char *types = vocab_array(json, "tokenTypes");
    char *codes = vocab_array(json, "errorCodes");
    CHECK(reasons && types && codes, "vocabulary has its three arrays: %s", json);
    if (reasons && types && codes) {
        static const struct { clerkauth_token_type value; const char *text; } TYPES[] = {
            {CLERKAUTH_TOKEN_TYPE_SESSION_TOKEN, "session_token"},
            {CLERKAUTH_TOKEN_TYPE_API_KEY, "api_key"},
            {CLERKAUTH_TOKEN_TYPE_M2M_TOKEN, "m2m_token"},
            {CLERKAUTH_TOKEN_TYPE_OAUTH_TOKEN, "oauth_token"},
        };
        const size_t n_types = sizeof TYPES / sizeof TYPES[0];
        for (size_t i = 0; i < n_types; i++) {
            CHECK(TYPES[i].value == (clerkauth_token_type)(i + 1), "token type %s is %u", TYPES[i].text, (unsigned)TYPES[i].value);
            CHECK(vocab_has(types, TYPES[i].text), "tokenTypes lacks %s: %s", TYPES[i].text, types);
        }
        CHECK(vocab_count(types) == n_types, "tokenTypes has %zu entries, the header names %zu: %s", vocab_count(types), n_types, types);
        const unsigned first = CLERKAUTH_STATUS_INVALID_PUBLISHABLE_KEY, last = CLERKAUTH_STATUS_UNEXPECTED_ERROR;
        for (unsigned c = first; c <= last; c++) {
            CHECK(vocab_has(codes, clerkauth_status_text(c)), "errorCodes lacks %s (status %u): %s", clerkauth_status_text(c), c, codes);
        }
        CHECK(strcmp(clerkauth_status_text(last + 1), "unknown-status") == 0, "status %u is past the last error status", last + 1);
        CHECK(vocab_count(codes) == last - first + 1, "errorCodes has %zu entries, the header's error statuses %u: %s",
              vocab_count(codes), last - first + 1, codes);
        CHECK(vocab_has(reasons, "session-token-and-uat-missing") && vocab_has(reasons, "token-type-mismatch"), "reasons: %s", reasons);
    }
    free(reasons);
    free(types);
    free(codes);
}

static void test_authenticator_new(void) {
    clerkauth_authenticator *auth = (clerkauth_authenticator *)SENTINEL;
    CHECK_STATUS(clerkauth_authenticator_new(NULL, &auth), CLERKAUTH_STATUS_NULL_PARAMETER);
    CHECK(auth == SENTINEL, "out written on failure");
    CHECK(strlen(clerkauth_last_error_message()) > 0, "a failure leaves a message");
    CHECK_STATUS(clerkauth_authenticator_new(OPTIONS, NULL), CLERKAUTH_STATUS_NULL_PARAMETER);
    CHECK_STATUS(clerkauth_authenticator_new(BAD_UTF8, &auth), CLERKAUTH_STATUS_INVALID_UTF8);
    CHECK_STATUS(clerkauth_authenticator_new("", &auth), CLERKAUTH_STATUS_INVALID_JSON);
    CHECK_STATUS(clerkauth_authenticator_new("{not json", &auth), CLERKAUTH_STATUS_INVALID_JSON);
    CHECK_STATUS(clerkauth_authenticator_new("{\"secretKey\":\"x\"} trailing", &auth), CLERKAUTH_STATUS_INVALID_JSON);
    CHECK_STATUS(clerkauth_authenticator_new("[]", &auth), CLERKAUTH_STATUS_INVALID_OPTION);
    CHECK_STATUS(clerkauth_authenticator_new("null", &auth), CLERKAUTH_STATUS_INVALID_OPTION);
    CHECK_STATUS(clerkauth_authenticator_new("42", &auth), CLERKAUTH_STATUS_INVALID_OPTION);
    CHECK_STATUS(clerkauth_authenticator_new("{\"secretKey\":42}", &auth), CLERKAUTH_STATUS_INVALID_OPTION);
    CHECK_STATUS(clerkauth_authenticator_new("{\"acceptsToken\":\"bogus\"}", &auth), CLERKAUTH_STATUS_INVALID_OPTION);
    CHECK_STATUS(clerkauth_authenticator_new("{\"missingAzp\":\"maybe\"}", &auth), CLERKAUTH_STATUS_INVALID_OPTION);
    CHECK_STATUS(clerkauth_authenticator_new("{\"organizationSyncOptions\":{\"organizationPatterns\":[\"/orgs/:slug(\"]}}", &auth),
                 CLERKAUTH_STATUS_INVALID_ORGANIZATION_PATTERN);
    CHECK(auth == SENTINEL, "out written on failure");
    /* Deep nesting must not overflow the stack. */
    size_t depth = 100000;
    char *deep = (char *)malloc(2 * depth + 1);
    memset(deep, '[', depth);
    memset(deep + depth, ']', depth);
    deep[2 * depth] = '\0';
    CHECK_STATUS(clerkauth_authenticator_new(deep, &auth), CLERKAUTH_STATUS_INVALID_JSON);
    free(deep);
    /* A PEM that is not a key, a huge option value: reported or accepted, never a crash. */
    clerkauth_status st = clerkauth_authenticator_new("{\"jwtKey\":\"-----BEGIN PUBLIC KEY-----\\ngarbage\\n-----END PUBLIC KEY-----\"}", &auth);
    CHECK(st == CLERKAUTH_STATUS_OK || st >= 100, "garbage jwtKey gave %u", (unsigned)st);
    if (st == CLERKAUTH_STATUS_OK) clerkauth_authenticator_free(auth);
    auth = NULL;
    char *big = repeat('k', MB);
    char *json = (char *)malloc(MB + 64);
    snprintf(json, MB + 64, "{\"secretKey\":\"%s\"}", big);
    st = clerkauth_authenticator_new(json, &auth);
    CHECK(st == CLERKAUTH_STATUS_OK || st >= 100, "huge secretKey gave %u", (unsigned)st);
    if (st == CLERKAUTH_STATUS_OK) clerkauth_authenticator_free(auth);
    free(big);
    free(json);
}

static void test_request(void) {
    clerkauth_request *req = (clerkauth_request *)SENTINEL;
    CHECK_STATUS(clerkauth_request_new(NULL, "https://a.example/", &req), CLERKAUTH_STATUS_NULL_PARAMETER);
    CHECK_STATUS(clerkauth_request_new("GET", NULL, &req), CLERKAUTH_STATUS_NULL_PARAMETER);
    CHECK_STATUS(clerkauth_request_new("GET", "https://a.example/", NULL), CLERKAUTH_STATUS_NULL_PARAMETER);
    CHECK_STATUS(clerkauth_request_new(BAD_UTF8, "https://a.example/", &req), CLERKAUTH_STATUS_INVALID_UTF8);
    CHECK_STATUS(clerkauth_request_new("GET", BAD_UTF8, &req), CLERKAUTH_STATUS_INVALID_UTF8);
    CHECK(req == SENTINEL, "out written on failure");

    const char *names[] = {"cookie", NULL};
    const char *values[] = {"a=b", "x"};
    CHECK_STATUS(clerkauth_request_new_with_headers("GET", "https://a.example/", NULL, values, 1, &req), CLERKAUTH_STATUS_NULL_PARAMETER);
    CHECK_STATUS(clerkauth_request_new_with_headers("GET", "https://a.example/", names, NULL, 1, &req), CLERKAUTH_STATUS_NULL_PARAMETER);
    CHECK_STATUS(clerkauth_request_new_with_headers("GET", "https://a.example/", names, values, 2, &req), CLERKAUTH_STATUS_NULL_PARAMETER);
    const char *bad_names[] = {BAD_UTF8};
    CHECK_STATUS(clerkauth_request_new_with_headers("GET", "https://a.example/", bad_names, values, 1, &req), CLERKAUTH_STATUS_INVALID_UTF8);
    CHECK(req == SENTINEL, "out written on failure");
    CHECK_STATUS(clerkauth_request_new_with_headers("GET", "https://a.example/", NULL, NULL, 0, &req), CLERKAUTH_STATUS_OK);
    CHECK(req != SENTINEL && req != NULL, "request created");
    CHECK_STATUS(clerkauth_request_add_header(NULL, "a", "b"), CLERKAUTH_STATUS_NULL_PARAMETER);
    CHECK_STATUS(clerkauth_request_add_header(req, NULL, "b"), CLERKAUTH_STATUS_NULL_PARAMETER);
    CHECK_STATUS(clerkauth_request_add_header(req, "a", NULL), CLERKAUTH_STATUS_NULL_PARAMETER);
    CHECK_STATUS(clerkauth_request_add_header(req, BAD_UTF8, "b"), CLERKAUTH_STATUS_INVALID_UTF8);
    CHECK_STATUS(clerkauth_request_add_header(req, "a", BAD_UTF8), CLERKAUTH_STATUS_INVALID_UTF8);
    CHECK_STATUS(clerkauth_request_add_header(req, "", ""), CLERKAUTH_STATUS_OK);
    clerkauth_request_free(req);

    req = (clerkauth_request *)SENTINEL;
    CHECK_STATUS(clerkauth_request_from_json(NULL, &req), CLERKAUTH_STATUS_NULL_PARAMETER);
    CHECK_STATUS(clerkauth_request_from_json("{}", NULL), CLERKAUTH_STATUS_NULL_PARAMETER);
    CHECK_STATUS(clerkauth_request_from_json("{\"url\":", &req), CLERKAUTH_STATUS_INVALID_JSON);
    CHECK_STATUS(clerkauth_request_from_json(BAD_UTF8, &req), CLERKAUTH_STATUS_INVALID_UTF8);
    CHECK_STATUS(clerkauth_request_from_json("[]", &req), CLERKAUTH_STATUS_INVALID_REQUEST);
    CHECK_STATUS(clerkauth_request_from_json("{\"url\":5}", &req), CLERKAUTH_STATUS_INVALID_REQUEST);
    CHECK_STATUS(clerkauth_request_from_json("{\"url\":\"https://a.example/\",\"headers\":[[1,2]]}", &req), CLERKAUTH_STATUS_INVALID_REQUEST);
    CHECK_STATUS(clerkauth_request_from_json("{\"url\":\"https://a.example/\",\"headers\":\"x\"}", &req), CLERKAUTH_STATUS_INVALID_REQUEST);
    CHECK(req == SENTINEL, "out written on failure");
    CHECK_STATUS(clerkauth_request_from_json("{\"url\":\"https://a.example/\",\"headers\":{\"cookie\":[\"a=1\",\"b=2\"]}}", &req), CLERKAUTH_STATUS_OK);
    clerkauth_request_free(req);
}

/* Authenticates `req` and checks the outcome is an OK signed-out or handshake state. */
static void expect_not_signed_in(const clerkauth_authenticator *auth, const clerkauth_request *req, const char *what) {
    clerkauth_result *res = NULL;
    clerkauth_status st = clerkauth_authenticate(auth, req, NULL, -1, &res);
    CHECK(st == CLERKAUTH_STATUS_OK, "%s: status %s (%s)", what, clerkauth_status_text(st), clerkauth_last_error_message());
    if (st == CLERKAUTH_STATUS_OK) {
        clerkauth_auth_status s = clerkauth_result_status(res);
        CHECK(s == CLERKAUTH_AUTH_STATUS_SIGNED_OUT || s == CLERKAUTH_AUTH_STATUS_HANDSHAKE, "%s: status %u", what, (unsigned)s);
        CHECK(!clerkauth_result_is_authenticated(res), "%s: authenticated", what);
        CHECK(clerkauth_result_state_json(res) != NULL, "%s: state json", what);
    }
    clerkauth_result_free(res);
}

static void test_authenticate(void) {
    clerkauth_authenticator *auth = NULL;
    CHECK_STATUS(clerkauth_authenticator_new(OPTIONS, &auth), CLERKAUTH_STATUS_OK);
    if (!auth) {
        printf("FAIL cannot build the authenticator: %s\n", clerkauth_last_error_message());
        g_failed++;
        return;
    }
    clerkauth_request *req = NULL;
    CHECK_STATUS(clerkauth_request_new("GET", "https://app.example.com/", &req), CLERKAUTH_STATUS_OK);
    clerkauth_result *res = (clerkauth_result *)SENTINEL;
    CHECK_STATUS(clerkauth_authenticate(NULL, req, NULL, -1, &res), CLERKAUTH_STATUS_NULL_PARAMETER);
    CHECK_STATUS(clerkauth_authenticate(auth, NULL, NULL, -1, &res), CLERKAUTH_STATUS_NULL_PARAMETER);
    CHECK_STATUS(clerkauth_authenticate(auth, req, NULL, -1, NULL), CLERKAUTH_STATUS_NULL_PARAMETER);
    CHECK_STATUS(clerkauth_authenticate(auth, req, "{oops", -1, &res), CLERKAUTH_STATUS_INVALID_JSON);
    CHECK_STATUS(clerkauth_authenticate(auth, req, BAD_UTF8, -1, &res), CLERKAUTH_STATUS_INVALID_UTF8);
    CHECK_STATUS(clerkauth_authenticate(auth, req, "[1]", -1, &res), CLERKAUTH_STATUS_INVALID_OPTION);
    CHECK_STATUS(clerkauth_authenticate(auth, req, "{\"acceptsToken\":[\"nope\"]}", -1, &res), CLERKAUTH_STATUS_INVALID_OPTION);
    CHECK(res == SENTINEL, "out written on failure");
    /* A relative URL is not a request the library can use. */
    clerkauth_request *rel = NULL;
    CHECK_STATUS(clerkauth_request_new("GET", "/relative", &rel), CLERKAUTH_STATUS_OK);
    CHECK_STATUS(clerkauth_authenticate(auth, rel, NULL, -1, &res), CLERKAUTH_STATUS_INVALID_REQUEST);
    CHECK(res == SENTINEL, "out written on failure");
    clerkauth_request_free(rel);
    /* Valid overrides and clocks at the extremes. */
    res = NULL;
    CHECK_STATUS(clerkauth_authenticate(auth, req, "{\"explain\":true}", INT64_MAX, &res), CLERKAUTH_STATUS_OK);
    CHECK(clerkauth_result_trace_json(res) != NULL, "explain gives a trace");
    clerkauth_result_free(res);
    res = NULL;
    CHECK_STATUS(clerkauth_authenticate(auth, req, "{}", 0, &res), CLERKAUTH_STATUS_OK);
    CHECK(clerkauth_result_trace_json(res) == NULL, "no trace without explain");
    clerkauth_result_free(res);
    /* The no-network entry point: the same argument checks; with the instance's jwtKey it
     * decides; a machine token needs the Backend API, so it answers NULL (and contacts
     * nothing: the authenticator's apiUrl is not listening). */
    res = (clerkauth_result *)SENTINEL;
    CHECK_STATUS(clerkauth_authenticate_without_network(NULL, req, NULL, -1, &res), CLERKAUTH_STATUS_NULL_PARAMETER);
    CHECK_STATUS(clerkauth_authenticate_without_network(auth, NULL, NULL, -1, &res), CLERKAUTH_STATUS_NULL_PARAMETER);
    CHECK_STATUS(clerkauth_authenticate_without_network(auth, req, NULL, -1, NULL), CLERKAUTH_STATUS_NULL_PARAMETER);
    CHECK_STATUS(clerkauth_authenticate_without_network(auth, req, "{oops", -1, &res), CLERKAUTH_STATUS_INVALID_JSON);
    CHECK(res == SENTINEL, "out written on failure");
    CHECK_STATUS(clerkauth_authenticate_without_network(auth, req, NULL, -1, &res), CLERKAUTH_STATUS_OK);
    CHECK(res != NULL && res != SENTINEL, "decided without the network");
    if (res != NULL && res != SENTINEL) {
        clerkauth_result *full = NULL;
        CHECK_STATUS(clerkauth_authenticate(auth, req, NULL, 0, &full), CLERKAUTH_STATUS_OK);
        CHECK(full != NULL && clerkauth_result_status(res) == clerkauth_result_status(full), "the same status as clerkauth_authenticate");
        clerkauth_result_free(full);
        clerkauth_result_free(res);
    }
    clerkauth_request *machine = NULL;
    CHECK_STATUS(clerkauth_request_new("GET", "https://app.example.com/", &machine), CLERKAUTH_STATUS_OK);
    CHECK_STATUS(clerkauth_request_add_header(machine, "authorization", "Bearer ak_live_0123456789"), CLERKAUTH_STATUS_OK);
    res = (clerkauth_result *)SENTINEL;
    CHECK_STATUS(clerkauth_authenticate_without_network(auth, machine, "{\"acceptsToken\":\"api_key\"}", -1, &res), CLERKAUTH_STATUS_OK);
    CHECK(res == NULL, "an API key needs the Backend API: NULL");
    clerkauth_request_free(machine);
    clerkauth_request_free(req);

    /* Garbage credentials of every kind: signed out (or handshake), never an error. */
    const char *auth_values[] = {"Bearer", "Bearer ", "Bearer a.b.c", "Bearer ....", "Basic abc", "eyJ.eyJ.sig",
                                 "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "Bearer ak_garbage", "Bearer mt_garbage",
                                 "Bearer oat_garbage", "Bearer \xc3\xa9\xe2\x82\xac", "\t\r\n"};
    for (size_t i = 0; i < sizeof auth_values / sizeof auth_values[0]; i++) {
        clerkauth_request *r = NULL;
        clerkauth_request_new("GET", "https://app.example.com/api", &r);
        clerkauth_request_add_header(r, "authorization", auth_values[i]);
        expect_not_signed_in(auth, r, auth_values[i]);
        clerkauth_request_free(r);
    }
    const char *cookies[] = {"__session=a.b.c; __client_uat=1", "__session=; __client_uat=", "__client_uat=abc",
                             "__session=eyJ.eyJ.x; __client_uat=99999999999999999999", ";;;==;", "__session=\xe2\x82\xac"};
    for (size_t i = 0; i < sizeof cookies / sizeof cookies[0]; i++) {
        clerkauth_request *r = NULL;
        clerkauth_request_new("GET", "https://app.example.com/page", &r);
        clerkauth_request_add_header(r, "cookie", cookies[i]);
        clerkauth_request_add_header(r, "sec-fetch-dest", "document");
        expect_not_signed_in(auth, r, cookies[i]);
        clerkauth_request_free(r);
    }

    /* Huge inputs: 1 MB header values, a 1 MB header name, a 1 MB URL, many headers. */
    char *big = repeat('a', MB);
    char *bearer = (char *)malloc(MB + 8);
    snprintf(bearer, MB + 8, "Bearer %s", big);
    char *cookie = (char *)malloc(MB + 32);
    snprintf(cookie, MB + 32, "__session=%s; __client_uat=1", big);
    char *url = (char *)malloc(MB + 64);
    snprintf(url, MB + 64, "https://app.example.com/%s?x=%s", big + MB / 2, big + MB / 2);
    struct {
        const char *method, *url, *name, *value, *what;
    } huge[] = {
        {"GET", "https://app.example.com/", "authorization", bearer, "1 MB bearer"},
        {"GET", "https://app.example.com/", "cookie", cookie, "1 MB session cookie"},
        {"GET", "https://app.example.com/", big, "x", "1 MB header name"},
        {"GET", "https://app.example.com/", "x-forwarded-host", big, "1 MB forwarded host"},
        {"GET", url, "sec-fetch-dest", "document", "1 MB URL"},
        {big, "https://app.example.com/", "accept", "*/*", "1 MB method"},
    };
    for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        clerkauth_request *r = NULL;
        CHECK_STATUS(clerkauth_request_new(huge[i].method, huge[i].url, &r), CLERKAUTH_STATUS_OK);
        CHECK_STATUS(clerkauth_request_add_header(r, huge[i].name, huge[i].value), CLERKAUTH_STATUS_OK);
        expect_not_signed_in(auth, r, huge[i].what);
        clerkauth_request_free(r);
    }
    clerkauth_request *many = NULL;
    clerkauth_request_new("GET", "https://app.example.com/", &many);
    for (int i = 0; i < 10000; i++) {
        clerkauth_request_add_header(many, "cookie", "__client_uat=0");
    }
    expect_not_signed_in(auth, many, "10000 cookie headers");
    clerkauth_request_free(many);
    free(big);
    free(bearer);
    free(cookie);
    free(url);
    clerkauth_authenticator_free(auth);
}

static void test_result_getters(void) {
    /* Every getter on NULL returns its documented default. */
    CHECK(clerkauth_result_status(NULL) == CLERKAUTH_AUTH_STATUS_NONE, "status(NULL)");
    CHECK(clerkauth_result_status_str(NULL) == NULL, "status_str(NULL)");
    CHECK(!clerkauth_result_is_authenticated(NULL), "is_authenticated(NULL)");
    CHECK(clerkauth_result_reason(NULL) == NULL && clerkauth_result_message(NULL) == NULL && clerkauth_result_token(NULL) == NULL,
          "reason/message/token(NULL)");
    CHECK(clerkauth_result_token_type(NULL) == CLERKAUTH_TOKEN_TYPE_NONE && clerkauth_result_token_type_str(NULL) == NULL, "token type(NULL)");
    CHECK(clerkauth_result_header_count(NULL) == 0, "header_count(NULL)");
    CHECK(clerkauth_result_header_value(NULL, "location") == NULL, "header_value(NULL)");
    CHECK(clerkauth_result_auth_kind(NULL) == CLERKAUTH_AUTH_KIND_NONE && clerkauth_result_auth_json(NULL) == NULL, "auth(NULL)");
    CHECK(clerkauth_result_user_id(NULL) == NULL && clerkauth_result_session_id(NULL) == NULL &&
              clerkauth_result_session_status(NULL) == NULL && clerkauth_result_org_id(NULL) == NULL &&
              clerkauth_result_org_role(NULL) == NULL && clerkauth_result_org_slug(NULL) == NULL &&
              clerkauth_result_machine_id(NULL) == NULL && clerkauth_result_subject(NULL) == NULL &&
              clerkauth_result_token_id(NULL) == NULL && clerkauth_result_name(NULL) == NULL &&
              clerkauth_result_client_id(NULL) == NULL && clerkauth_result_actor_json(NULL) == NULL &&
              clerkauth_result_session_claims_json(NULL) == NULL && clerkauth_result_claims_json(NULL) == NULL &&
              clerkauth_result_factor_verification_age_json(NULL) == NULL,
          "auth field getters(NULL)");
    CHECK(clerkauth_result_org_permission_count(NULL) == 0 && clerkauth_result_scope_count(NULL) == 0, "counts(NULL)");
    CHECK(clerkauth_result_organization_sync_json(NULL) == NULL && clerkauth_result_organization_sync_outcome(NULL) == NULL,
          "org sync(NULL)");
    CHECK(clerkauth_result_trace_json(NULL) == NULL && clerkauth_result_state_json(NULL) == NULL, "trace/state(NULL)");
    const char *s = (const char *)SENTINEL, *v = (const char *)SENTINEL;
    bool b = true;
    int64_t f1 = 7, f2 = 7;
    CHECK_STATUS(clerkauth_result_header(NULL, 0, &s, &v), CLERKAUTH_STATUS_NULL_PARAMETER);
    CHECK_STATUS(clerkauth_result_org_permission(NULL, 0, &s), CLERKAUTH_STATUS_NULL_PARAMETER);
    CHECK_STATUS(clerkauth_result_scope(NULL, 0, &s), CLERKAUTH_STATUS_NULL_PARAMETER);
    CHECK_STATUS(clerkauth_result_has(NULL, "{\"role\":\"x\"}", &b), CLERKAUTH_STATUS_NULL_PARAMETER);
    CHECK_STATUS(clerkauth_result_factor_verification_age(NULL, &f1, &f2), CLERKAUTH_STATUS_NULL_PARAMETER);
    CHECK(s == SENTINEL && v == SENTINEL && b && f1 == 7 && f2 == 7, "outs untouched");

    /* A real (signed-out) result. */
    clerkauth_authenticator *auth = NULL;
    clerkauth_request *req = NULL;
    clerkauth_result *res = NULL;
    clerkauth_authenticator_new(OPTIONS, &auth);
    clerkauth_request_new("GET", "https://app.example.com/", &req);
    CHECK_STATUS(clerkauth_authenticate(auth, req, NULL, -1, &res), CLERKAUTH_STATUS_OK);
    if (!res) {
        g_failed++;
        return;
    }
    CHECK(clerkauth_result_status(res) == CLERKAUTH_AUTH_STATUS_SIGNED_OUT, "signed out");
    CHECK(clerkauth_result_reason(res) != NULL, "has a reason");
    CHECK(clerkauth_result_auth_kind(res) == CLERKAUTH_AUTH_KIND_SIGNED_OUT, "signed-out auth object");
    CHECK(clerkauth_result_user_id(res) == NULL, "no user id");
    size_t n = clerkauth_result_header_count(res);
    CHECK_STATUS(clerkauth_result_header(res, n, &s, &v), CLERKAUTH_STATUS_INDEX_OUT_OF_RANGE);
    CHECK_STATUS(clerkauth_result_header(res, (size_t)-1, &s, &v), CLERKAUTH_STATUS_INDEX_OUT_OF_RANGE);
    CHECK_STATUS(clerkauth_result_header(res, 0, NULL, &v), CLERKAUTH_STATUS_NULL_PARAMETER);
    CHECK_STATUS(clerkauth_result_header(res, 0, &s, NULL), CLERKAUTH_STATUS_NULL_PARAMETER);
    CHECK(clerkauth_result_header_value(res, NULL) == NULL, "header_value(NULL name)");
    CHECK(clerkauth_result_header_value(res, BAD_UTF8) == NULL, "header_value(bad utf8)");
    CHECK(clerkauth_result_header_value(res, "no-such-header") == NULL, "header_value(absent)");
    CHECK_STATUS(clerkauth_result_org_permission(res, 0, &s), CLERKAUTH_STATUS_INDEX_OUT_OF_RANGE);
    CHECK_STATUS(clerkauth_result_org_permission(res, 0, NULL), CLERKAUTH_STATUS_NULL_PARAMETER);
    CHECK_STATUS(clerkauth_result_scope(res, 3, &s), CLERKAUTH_STATUS_INDEX_OUT_OF_RANGE);
    CHECK_STATUS(clerkauth_result_factor_verification_age(res, &f1, &f2), CLERKAUTH_STATUS_NOT_FOUND);
    CHECK_STATUS(clerkauth_result_factor_verification_age(res, NULL, &f2), CLERKAUTH_STATUS_NULL_PARAMETER);
    CHECK_STATUS(clerkauth_result_has(res, NULL, &b), CLERKAUTH_STATUS_NULL_PARAMETER);
    CHECK_STATUS(clerkauth_result_has(res, "{\"role\":\"x\"}", NULL), CLERKAUTH_STATUS_NULL_PARAMETER);
    CHECK_STATUS(clerkauth_result_has(res, "{role", &b), CLERKAUTH_STATUS_INVALID_JSON);
    CHECK_STATUS(clerkauth_result_has(res, BAD_UTF8, &b), CLERKAUTH_STATUS_INVALID_UTF8);
    CHECK_STATUS(clerkauth_result_has(res, "\"org:admin\"", &b), CLERKAUTH_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(clerkauth_result_has(res, "[]", &b), CLERKAUTH_STATUS_INVALID_ARGUMENT);
    CHECK(s == SENTINEL && v == SENTINEL && b && f1 == 7 && f2 == 7, "outs untouched");
    CHECK_STATUS(clerkauth_result_has(res, "{\"role\":\"org:admin\"}", &b), CLERKAUTH_STATUS_OK);
    CHECK(!b, "signed-out has() is false");
    CHECK_STATUS(clerkauth_result_has(res, "{\"reverification\":{\"level\":\"nope\",\"afterMinutes\":-1}}", &b), CLERKAUTH_STATUS_OK);
    CHECK(!b, "bad reverification is false");
    /* Strings stay put for the result's lifetime (same pointer on repeated calls). */
    CHECK(clerkauth_result_state_json(res) == clerkauth_result_state_json(res), "state json cached");
    CHECK(clerkauth_result_auth_json(res) == clerkauth_result_auth_json(res), "auth json cached");
    clerkauth_result_free(res);
    clerkauth_request_free(req);
    clerkauth_authenticator_free(auth);
}

static void test_json_entry(void) {
    char *out = (char *)SENTINEL;
    const char *ok_req = "{\"method\":\"GET\",\"url\":\"https://app.example.com/\",\"headers\":[]}";
    CHECK_STATUS(clerkauth_authenticate_json(NULL, ok_req, &out), CLERKAUTH_STATUS_NULL_PARAMETER);
    CHECK_STATUS(clerkauth_authenticate_json(OPTIONS, NULL, &out), CLERKAUTH_STATUS_NULL_PARAMETER);
    CHECK_STATUS(clerkauth_authenticate_json(OPTIONS, ok_req, NULL), CLERKAUTH_STATUS_NULL_PARAMETER);
    CHECK_STATUS(clerkauth_authenticate_json(BAD_UTF8, ok_req, &out), CLERKAUTH_STATUS_INVALID_UTF8);
    CHECK_STATUS(clerkauth_authenticate_json(OPTIONS, BAD_UTF8, &out), CLERKAUTH_STATUS_INVALID_UTF8);
    CHECK_STATUS(clerkauth_authenticate_json("{{{", ok_req, &out), CLERKAUTH_STATUS_INVALID_JSON);
    CHECK_STATUS(clerkauth_authenticate_json(OPTIONS, "garbage", &out), CLERKAUTH_STATUS_INVALID_JSON);
    CHECK_STATUS(clerkauth_authenticate_json("[]", ok_req, &out), CLERKAUTH_STATUS_INVALID_OPTION);
    CHECK_STATUS(clerkauth_authenticate_json(OPTIONS, "[]", &out), CLERKAUTH_STATUS_INVALID_REQUEST);
    CHECK_STATUS(clerkauth_authenticate_json(OPTIONS, "{\"method\":\"GET\"}", &out), CLERKAUTH_STATUS_INVALID_REQUEST);
    CHECK_STATUS(clerkauth_authenticate_json(OPTIONS, "{\"url\":\"relative\"}", &out), CLERKAUTH_STATUS_INVALID_REQUEST);
    CHECK_STATUS(clerkauth_authenticate_json(OPTIONS, "{\"url\":\"https://a.example/\",\"nowMs\":\"soon\"}", &out), CLERKAUTH_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(clerkauth_authenticate_json(OPTIONS, "{\"url\":\"https://a.example/\",\"hasChecks\":\"x\"}", &out), CLERKAUTH_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(clerkauth_authenticate_json(OPTIONS, "{\"url\":\"https://a.example/\",\"hasChecks\":[1]}", &out), CLERKAUTH_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(clerkauth_authenticate_json(OPTIONS, "{\"url\":\"https://a.example/\",\"overrides\":5}", &out), CLERKAUTH_STATUS_INVALID_OPTION);
    CHECK_STATUS(clerkauth_authenticate_json(OPTIONS, "{\"url\":\"https://a.example/\",\"overrides\":{\"missingAzp\":1}}", &out), CLERKAUTH_STATUS_INVALID_OPTION);
    CHECK_STATUS(clerkauth_authenticate_json("{\"organizationSyncOptions\":{\"organizationPatterns\":[\"(\"]}}", ok_req, &out),
                 CLERKAUTH_STATUS_INVALID_ORGANIZATION_PATTERN);
    CHECK(out == SENTINEL, "out written on failure");

    /* Works, with hasChecks, a NUL inside a header value, and a 1 MB header. */
    out = NULL;
    CHECK_STATUS(clerkauth_authenticate_json(OPTIONS, "{\"url\":\"https://app.example.com/\",\"nowMs\":1767225600000,"
                                                      "\"headers\":{\"cookie\":\"__client_uat=0\\u0000x\"},"
                                                      "\"hasChecks\":[{\"role\":\"org:admin\"}]}", &out),
                 CLERKAUTH_STATUS_OK);
    CHECK(out && strstr(out, "\"status\":\"signed-out\"") && strstr(out, "\"has\":[false]"), "json output %s", out ? out : "(null)");
    clerkauth_string_free(out);

    char *big = repeat('b', MB);
    size_t len = MB + 256;
    char *req = (char *)malloc(len);
    snprintf(req, len, "{\"url\":\"https://app.example.com/\",\"headers\":[[\"authorization\",\"Bearer %s\"]]}", big);
    out = NULL;
    CHECK_STATUS(clerkauth_authenticate_json(OPTIONS, req, &out), CLERKAUTH_STATUS_OK);
    CHECK(out && strstr(out, "\"status\":\"signed-out\""), "1 MB bearer through JSON");
    clerkauth_string_free(out);
    free(big);
    free(req);
    clerkauth_json_cache_clear();
}

/* One rule for option names: an unknown one is INVALID_OPTION naming it (with the closest known
 * name for a near miss), at build time, per call and through the JSON entry point; the
 * @clerk/backend options that do not affect authentication are accepted. */
static void expect_message(const char *want, const char *what) {
    static const char prefix[] = "invalid-option: "; /* the status text, then the core's message */
    const char *got = clerkauth_last_error_message();
    CHECK(strncmp(got, prefix, sizeof prefix - 1) == 0 && strcmp(got + sizeof prefix - 1, want) == 0,
          "%s: message \"%s\", want \"%s%s\"", what, got, prefix, want);
}

static void test_option_names(void) {
    clerkauth_authenticator *auth = (clerkauth_authenticator *)SENTINEL;
    CHECK_STATUS(clerkauth_authenticator_new("{\"secretKey\":\"sk\",\"authorizedParty\":[\"https://a.example\"]}", &auth),
                 CLERKAUTH_STATUS_INVALID_OPTION);
    expect_message("Unknown option `authorizedParty` (did you mean `authorizedParties`?)", "authenticator_new");
    CHECK_STATUS(clerkauth_authenticator_new("{\"organizationSyncOptions\":{\"onMissmatch\":\"signed-out\"}}", &auth),
                 CLERKAUTH_STATUS_INVALID_OPTION);
    expect_message("Unknown option `organizationSyncOptions.onMissmatch` (did you mean `organizationSyncOptions.onMismatch`?)", "nested");
    CHECK_STATUS(clerkauth_authenticator_new("{\"frobnicate\":null}", &auth), CLERKAUTH_STATUS_INVALID_OPTION);
    expect_message("Unknown option `frobnicate`", "no near miss");
    CHECK_STATUS(clerkauth_authenticator_new("{\"nowMs\":1}", &auth), CLERKAUTH_STATUS_INVALID_OPTION);
    CHECK(strstr(clerkauth_last_error_message(), "`nowMs` is not an option of the core") != NULL, "nowMs: %s", clerkauth_last_error_message());
    CHECK(auth == SENTINEL, "out written on failure");

    auth = NULL;
    CHECK_STATUS(clerkauth_authenticator_new("{\"publishableKey\":\"" PK "\",\"secretKey\":\"sk_test_x\",\"jwtKey\":\"" PEM "\","
                                             "\"telemetry\":{\"disabled\":true},\"userAgent\":\"my-app/1.0\",\"requireSecretKey\":false,"
                                             "\"sdkMetadata\":{\"name\":\"x\",\"version\":\"1\"}}", &auth),
                 CLERKAUTH_STATUS_OK);
    clerkauth_request *req = NULL;
    CHECK_STATUS(clerkauth_request_new("GET", "https://app.example.com/", &req), CLERKAUTH_STATUS_OK);
    clerkauth_result *res = (clerkauth_result *)SENTINEL;
    CHECK_STATUS(clerkauth_authenticate(auth, req, "{\"Explain\":true}", -1, &res), CLERKAUTH_STATUS_INVALID_OPTION);
    expect_message("Unknown option `Explain` (did you mean `explain`?)", "per call");
    CHECK(res == SENTINEL, "out written on failure");
    res = NULL;
    CHECK_STATUS(clerkauth_authenticate(auth, req, "{\"telemetry\":{\"disabled\":true}}", -1, &res), CLERKAUTH_STATUS_OK);
    clerkauth_result_free(res);
    char *jwt = (char *)SENTINEL;
    CHECK_STATUS(clerkauth_session_token(auth, "sess_1", NULL, -1, "{\"apiURL\":\"http://127.0.0.1:9\"}", &jwt), CLERKAUTH_STATUS_INVALID_OPTION);
    expect_message("Unknown option `apiURL` (did you mean `apiUrl`?)", "session token overrides");
    clerkauth_request_free(req);
    clerkauth_authenticator_free(auth);

    char *out = (char *)SENTINEL;
    const char *bad_overrides = "{\"url\":\"https://app.example.com/\",\"overrides\":{\"audiences\":[\"x\"]}}";
    CHECK_STATUS(clerkauth_authenticate_json(OPTIONS, bad_overrides, &out), CLERKAUTH_STATUS_INVALID_OPTION);
    expect_message("Unknown option `audiences` (did you mean `audience`?)", "json overrides");
    CHECK_STATUS(clerkauth_authenticate_json("{\"secret_key\":\"sk\"}", "{\"url\":\"https://app.example.com/\"}", &out), CLERKAUTH_STATUS_INVALID_OPTION);
    expect_message("Unknown option `secret_key` (did you mean `secretKey`?)", "json options");
    CHECK(out == SENTINEL, "out written on failure");
    clerkauth_json_cache_clear();
}

int main(void) {
    test_static();
    test_vocabulary();
    test_authenticator_new();
    test_request();
    test_authenticate();
    test_result_getters();
    test_json_entry();
    test_option_names();
    clerkauth_json_cache_clear();
    return summary();
}
