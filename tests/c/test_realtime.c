/* verifyToken, WebSocket upgrade tokens, validUntil, redirectLocation and continues() through
 * the C API: clerkauth_verify_token, clerkauth_request_with_websocket_token,
 * clerkauth_result_valid_until_ms, clerkauth_result_redirect_location and
 * clerkauth_result_continues, single-threaded and from several threads at once.
 *
 * Usage: test_realtime   (networkless: jwtKey is set and the Backend API URL is unreachable)
 *
 * The tokens below were signed once with a throwaway RSA key whose public half is PEM (the
 * private key was discarded): issued at NOW_S, valid one hour (exp EXP_S), `sts: "active"`,
 * so every call passes the clock explicitly. TOKEN_A is user_a / sess_a, TOKEN_A2 user_a /
 * sess_a2, TOKEN_B user_b / sess_b. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <time.h>

#include "common.h"

#define NOW_S 1767225600LL
#define EXP_S (NOW_S + 3600)
#define NOW_MS ((NOW_S + 10) * 1000)
#define PK "pk_test_ZGVtby1hcHAuY2xlcmsuYWNjb3VudHMuZGV2JA=="
#define SENTINEL ((void *)0x1)
#define OR_NULL(s) ((s) ? (s) : "(null)")
static const char *BAD_UTF8 = "\xff\xfe\xc3\x28";
#define PEM \
    "-----BEGIN PUBLIC KEY-----\\n" \
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAyQJAWN6K9pvpCkJMWkxG\\n" \
    "I/gb0yWO2IvxCNQ09eZNKCveOZV2Qk9ZCtVraMlF6OJ2gH6tVK6IOv8uq4KZcaM/\\n" \
    "yU4cX0y6wVJm+ND/N63AEs3P86fbVPxoSeqarLl2kqysLwSf+T6/+H9xXTQC60uv\\n" \
    "Ke6g5tUWQN2zH4IK2anL/VRWMl+oj7wX6mtxXYP8Dv6WNufz69dvYNEuPjgsxtc5\\n" \
    "YkqZvoop1dkDm9KxEvgHjabWfSdooeaVDCz5+QWa4Q7F30ymuer8PgC9ivmTRAbE\\n" \
    "mC2jdBgbeSb2opo92r68/BDVD2x2eSr8clWyCKkpeAVhh8Tn9GK/cACnKdjJyvh8\\n" \
    "YQIDAQAB\\n" \
    "-----END PUBLIC KEY-----"
#define TOKEN_A \
    "eyJhbGciOiJSUzI1NiIsImtpZCI6Imluc19jX3JlYWx0aW1lX3Rlc3RzIiwidHlwIjoiSldUIn0.eyJpc3MiOiJodHRwczov" \
    "L2RlbW8tYXBwLmNsZXJrLmFjY291bnRzLmRldiIsImlhdCI6MTc2NzIyNTYwMCwibmJmIjoxNzY3MjI1NTk1LCJleHAiOjE3" \
    "NjcyMjkyMDAsImZ2YSI6WzAsLTFdLCJzdWIiOiJ1c2VyX2EiLCJzaWQiOiJzZXNzX2EiLCJzdHMiOiJhY3RpdmUiLCJqdGki" \
    "OiJjX3Nlc3NfYSJ9.Y8zND4eycyZtQRlnJu8pGt1ba-ZaA5IC56yIaD-YRx1iTs7_h9Q3asB7TRLC6rOmajToZDtDhfsH7dj" \
    "by-mpvSwU3erWjfvgWwUtSBg1_SBR9qKugXSaK1hmLSfsu5qofD8NjaxtT0es-TdbC8TQ3PHn3-8B3WWjowpj6G_hV87Cqkc" \
    "_Zt8ZH-3oKenJUffVIgoDt3j62gYKPi3zpZNydKw81BKDcRnwtlxhZoOk9JwA7mVkN5BsR6q3zpvvv1ufA8XwXlWXYS-OLfy" \
    "OGe7dnkD7kn3EhbrU-I2Lk1_dw2T0fMJmjw5P4cPggbFLRC-GAh-nW8Jtv1h8rmcJ9aYbag"
#define TOKEN_A2 \
    "eyJhbGciOiJSUzI1NiIsImtpZCI6Imluc19jX3JlYWx0aW1lX3Rlc3RzIiwidHlwIjoiSldUIn0.eyJpc3MiOiJodHRwczov" \
    "L2RlbW8tYXBwLmNsZXJrLmFjY291bnRzLmRldiIsImlhdCI6MTc2NzIyNTYwMCwibmJmIjoxNzY3MjI1NTk1LCJleHAiOjE3" \
    "NjcyMjkyMDAsImZ2YSI6WzAsLTFdLCJzdWIiOiJ1c2VyX2EiLCJzaWQiOiJzZXNzX2EyIiwic3RzIjoiYWN0aXZlIiwianRp" \
    "IjoiY19zZXNzX2EyIn0.UUiSdhzJrGaXZwmLoJaRTleCeNNb7QUVdDwDmZ6NHj14ciGQPG3VLx1hZk_oP1-N6POXGt5P3_S_" \
    "PUL466PIDjH-NfZVOu9xmQWsahLEoi_vca7Xl8z_TAn-3GS71n-E7AgDBjr0XJys-sbiTpYN_ukVGZ9EOaGbMDuo-TE061wc" \
    "hff1_tu961fXk-gFX5sLnSruxe1lgeJz95x88dgLtwFCW23cNrlmp7R3u6fdT0_3WL2xiKsT9GDB8teXcQIR1E1G1KG8wwul" \
    "eDaIrHXUDDdJH95x4_ZCS1FSs5_KC-JJ80y3bXHAL5YwI6hQyMJfWn9bzTHkLbWMTfI09ekQdQ"
#define TOKEN_B \
    "eyJhbGciOiJSUzI1NiIsImtpZCI6Imluc19jX3JlYWx0aW1lX3Rlc3RzIiwidHlwIjoiSldUIn0.eyJpc3MiOiJodHRwczov" \
    "L2RlbW8tYXBwLmNsZXJrLmFjY291bnRzLmRldiIsImlhdCI6MTc2NzIyNTYwMCwibmJmIjoxNzY3MjI1NTk1LCJleHAiOjE3" \
    "NjcyMjkyMDAsImZ2YSI6WzAsLTFdLCJzdWIiOiJ1c2VyX2IiLCJzaWQiOiJzZXNzX2IiLCJzdHMiOiJhY3RpdmUiLCJqdGki" \
    "OiJjX3Nlc3NfYiJ9.YjeB6qfY2JuYShTnFFPn6oyjg4C6b48B9fV70qHMOg2y2exWRzJxD45UdOCPMvdAkqxO7QZjmRcrQ07" \
    "fwMRXnXF0lKkw1zi1qEHaEuvUUoP8b8MO8kmzIc4DJOMf6QIqcNhTZZfFaBfBn4NyP4k7zqjAGHLBw4WXhSmr7gxcyi3tDy4" \
    "fliigLxca0CjLBU4t4on1taHx-lMh586aCb7LB5ZCtSoLEu-PmAy-J5T0B0mqOM9QVulQNonht4K2CxWTBpTJ4X7XF3YenEP" \
    "Pj6SiJC5BbaPjeZ_3tpzqcfLFkMoAnYRzgQaHlrBki1tZzpBswdFc6EBN0xmMeVAxOO3IFA"

static const char *OPTIONS = "{\"publishableKey\":\"" PK "\",\"secretKey\":\"sk_test_realtime\","
                             "\"apiUrl\":\"http://127.0.0.1:9\",\"jwtKey\":\"" PEM "\"}";
/* A cookie session of another user than the tab's (TOKEN_B): the multi-tab problem. */
static const char *COOKIE_B = "__session=" TOKEN_B "; __client_uat=1767225600; __clerk_db_jwt=dvb_realtime";

static int has(const char *haystack, const char *needle) {
    return haystack != NULL && strstr(haystack, needle) != NULL;
}

static int str_eq(const char *a, const char *b) {
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* A request from "name: value" pairs (NULL-terminated list). */
static clerkauth_request *request(const char *url, const char *const *headers) {
    clerkauth_request *req = NULL;
    CHECK_STATUS(clerkauth_request_new("GET", url, &req), CLERKAUTH_STATUS_OK);
    for (size_t i = 0; req && headers && headers[i]; i += 2) {
        CHECK_STATUS(clerkauth_request_add_header(req, headers[i], headers[i + 1]), CLERKAUTH_STATUS_OK);
    }
    return req;
}

static clerkauth_result *authenticate(const clerkauth_authenticator *auth, const clerkauth_request *req) {
    clerkauth_result *res = NULL;
    clerkauth_status st = clerkauth_authenticate(auth, req, NULL, NOW_MS, &res);
    CHECK(st == CLERKAUTH_STATUS_OK, "authenticate: %s (%s)", clerkauth_status_text(st), clerkauth_last_error_message());
    return res;
}

static clerkauth_result *authenticate_bearer(const clerkauth_authenticator *auth, const char *token) {
    char bearer[2048];
    snprintf(bearer, sizeof bearer, "Bearer %s", token);
    const char *headers[] = {"authorization", bearer, NULL};
    clerkauth_request *req = request("https://app.example.com/api/items", headers);
    clerkauth_result *res = authenticate(auth, req);
    clerkauth_request_free(req);
    return res;
}

/* --- verifyToken ---------------------------------------------------------------------------- */

/* clerkauth_verify_token returning OK; the JSON (caller frees) or NULL. */
static char *verify(const clerkauth_authenticator *auth, const char *token, const char *overrides, int64_t now_ms) {
    char *json = NULL;
    clerkauth_status st = clerkauth_verify_token(auth, token, overrides, now_ms, &json);
    CHECK(st == CLERKAUTH_STATUS_OK && json != NULL, "verify_token(%s): %s (%s)", OR_NULL(overrides), clerkauth_status_text(st),
          clerkauth_last_error_message());
    return json;
}

static void expect_refused(const clerkauth_authenticator *auth, const char *token, const char *overrides, int64_t now_ms, const char *reason) {
    char *json = verify(auth, token, overrides, now_ms);
    char want[128];
    snprintf(want, sizeof want, "\"reason\":\"%s\"", reason);
    CHECK(has(json, "\"ok\":false") && has(json, want) && has(json, "\"message\":\"") && !has(json, "\"claims\""), "want %s: %s", reason,
          OR_NULL(json));
    clerkauth_string_free(json);
}

static void expect_verify_fails(const clerkauth_authenticator *auth, const char *token, const char *overrides, clerkauth_status want,
                                const char *text) {
    char *json = (char *)SENTINEL;
    clerkauth_status st = clerkauth_verify_token(auth, token, overrides, NOW_MS, &json);
    CHECK(st == want && json == (char *)SENTINEL, "verify_token(%s): %s, want %s", OR_NULL(overrides), clerkauth_status_text(st),
          clerkauth_status_text(want));
    CHECK(has(clerkauth_last_error_message(), text), "message %s lacks %s", clerkauth_last_error_message(), text);
}

static void test_verify_token(const clerkauth_authenticator *auth) {
    char *json = verify(auth, TOKEN_A, NULL, NOW_MS);
    CHECK(has(json, "\"ok\":true") && has(json, "\"claims\":{") && has(json, "\"sub\":\"user_a\"") && has(json, "\"sid\":\"sess_a\"") &&
              has(json, "\"exp\":1767229200") && !has(json, "\"reason\""),
          "valid token: %s", OR_NULL(json));
    clerkauth_string_free(json);
    /* Per-call overrides apply: 3 s after exp is within the default 5 s skew, not within 0. */
    json = verify(auth, TOKEN_A, "{}", (EXP_S + 3) * 1000);
    CHECK(has(json, "\"ok\":true"), "within the default skew: %s", OR_NULL(json));
    clerkauth_string_free(json);
    expect_refused(auth, TOKEN_A, "{\"clockSkewInMs\":0}", (EXP_S + 3) * 1000, "token-expired");
    expect_refused(auth, TOKEN_A, NULL, (EXP_S + 3600) * 1000, "token-expired");
    expect_refused(auth, TOKEN_A, NULL, (NOW_S - 3600) * 1000, "token-not-active-yet");
    /* TOKEN_A's header and payload with TOKEN_B's signature. */
    char forged[2048];
    const char *a = TOKEN_A, *b = TOKEN_B;
    size_t head = (size_t)(strrchr(a, '.') - a);
    snprintf(forged, sizeof forged, "%.*s%s", (int)head, a, strrchr(b, '.'));
    expect_refused(auth, forged, NULL, NOW_MS, "token-invalid-signature");
    expect_refused(auth, "not-a-jwt", NULL, NOW_MS, "token-invalid");
    json = verify(auth, "", NULL, NOW_MS);
    CHECK(has(json, "\"ok\":false"), "empty token refused: %s", OR_NULL(json));
    clerkauth_string_free(json);
    /* A negative clock means the system clock. */
    json = verify(auth, TOKEN_A, NULL, -1);
    int expired_now = (long long)time(NULL) > EXP_S + 5;
    CHECK(has(json, expired_now ? "\"reason\":\"token-expired\"" : "\"ok\":true"), "system clock: %s", OR_NULL(json));
    clerkauth_string_free(json);

    /* Bad arguments and options: an error status, out untouched, a message. */
    expect_verify_fails(auth, TOKEN_A, "{\"authorizedParty\":[\"https://app.example.com\"]}", CLERKAUTH_STATUS_INVALID_OPTION, "authorizedParty");
    expect_verify_fails(auth, TOKEN_A, "[]", CLERKAUTH_STATUS_INVALID_OPTION, "object");
    expect_verify_fails(auth, TOKEN_A, "{oops", CLERKAUTH_STATUS_INVALID_JSON, "overrides_json");
    expect_verify_fails(auth, TOKEN_A, BAD_UTF8, CLERKAUTH_STATUS_INVALID_UTF8, "overrides_json");
    expect_verify_fails(auth, BAD_UTF8, NULL, CLERKAUTH_STATUS_INVALID_UTF8, "token");
    expect_verify_fails(auth, NULL, NULL, CLERKAUTH_STATUS_NULL_PARAMETER, "token");
    expect_verify_fails(NULL, TOKEN_A, NULL, CLERKAUTH_STATUS_NULL_PARAMETER, "auth");
    CHECK_STATUS(clerkauth_verify_token(auth, TOKEN_A, NULL, NOW_MS, NULL), CLERKAUTH_STATUS_NULL_PARAMETER);
}

/* --- WebSocket upgrade tokens --------------------------------------------------------------- */

typedef struct {
    clerkauth_request *req;
    const char *source;
    char *protocol;
} upgrade;

static upgrade with_token(const clerkauth_request *req, const char *options) {
    upgrade u = {NULL, (const char *)SENTINEL, (char *)SENTINEL};
    clerkauth_status st = clerkauth_request_with_websocket_token(req, options, &u.req, &u.source, &u.protocol);
    CHECK(st == CLERKAUTH_STATUS_OK && u.req != NULL && u.source != SENTINEL && u.protocol != SENTINEL, "with_websocket_token(%s): %s (%s)",
          OR_NULL(options), clerkauth_status_text(st), clerkauth_last_error_message());
    if (st != CLERKAUTH_STATUS_OK) {
        u.source = NULL;
        u.protocol = NULL;
    }
    return u;
}

static void upgrade_free(upgrade *u) {
    clerkauth_request_free(u->req);
    clerkauth_string_free(u->protocol);
}

/* The user a request authenticates as (copied, "" when none). */
static void user_of(const clerkauth_authenticator *auth, const clerkauth_request *req, char *out, size_t n) {
    clerkauth_result *res = authenticate(auth, req);
    snprintf(out, n, "%s", clerkauth_result_user_id(res) ? clerkauth_result_user_id(res) : "");
    clerkauth_result_free(res);
}

static void test_websocket(const clerkauth_authenticator *auth) {
    const char *ws[] = {"upgrade", "websocket", "connection", "Upgrade", "cookie", COOKIE_B, "sec-websocket-protocol",
                        "app.v1, clerk.session." TOKEN_A ", app.v2", NULL};
    clerkauth_request *req = request("https://app.example.com/ws", ws);
    char before[64], after[64], user[64];
    user_of(auth, req, before, sizeof before);
    CHECK(strcmp(before, "user_b") == 0, "without the upgrade token the cookie's user: %s", before);

    upgrade u = with_token(req, NULL);
    CHECK(str_eq(u.source, "protocol"), "token source %s", OR_NULL(u.source));
    CHECK(str_eq(u.protocol, "app.v1"), "selected protocol %s", OR_NULL(u.protocol));
    clerkauth_result *res = authenticate(auth, u.req);
    CHECK(clerkauth_result_status(res) == CLERKAUTH_AUTH_STATUS_SIGNED_IN && str_eq(clerkauth_result_user_id(res), "user_a") &&
              str_eq(clerkauth_result_session_id(res), "sess_a") && str_eq(clerkauth_result_token(res), TOKEN_A),
          "the tab's user over the cookie's: %s %s reason %s", OR_NULL(clerkauth_result_status_str(res)), OR_NULL(clerkauth_result_user_id(res)),
          OR_NULL(clerkauth_result_reason(res)));
    clerkauth_result_free(res);
    user_of(auth, req, after, sizeof after);
    CHECK(strcmp(before, after) == 0, "the input request is unchanged: %s then %s", before, after);
    upgrade_free(&u);

    /* The same with an explicit default prefix, and with the optional outputs not asked for. */
    clerkauth_request *plain = NULL;
    CHECK_STATUS(clerkauth_request_with_websocket_token(req, "{\"protocolPrefix\":\"clerk.session.\",\"queryParam\":null}", &plain, NULL, NULL),
                 CLERKAUTH_STATUS_OK);
    user_of(auth, plain, user, sizeof user);
    CHECK(strcmp(user, "user_a") == 0, "explicit defaults: %s", user);
    clerkauth_request_free(plain);
    u = with_token(req, "null");
    CHECK(str_eq(u.source, "protocol") && str_eq(u.protocol, "app.v1"), "JSON null = defaults: %s %s", OR_NULL(u.source), OR_NULL(u.protocol));
    upgrade_free(&u);

    /* Subprotocols disabled: nothing moves, the cookie decides. */
    u = with_token(req, "{\"protocolPrefix\":null}");
    user_of(auth, u.req, user, sizeof user);
    CHECK(u.source == NULL && u.protocol == NULL && strcmp(user, before) == 0, "prefix disabled: %s %s %s", OR_NULL(u.source), OR_NULL(u.protocol),
          user);
    upgrade_free(&u);
    /* Another prefix. */
    const char *custom[] = {"upgrade", "WebSocket", "cookie", COOKIE_B, "sec-websocket-protocol", "tok." TOKEN_A, NULL};
    clerkauth_request *creq = request("https://app.example.com/ws", custom);
    u = with_token(creq, "{\"protocol_prefix\":\"tok.\"}");
    user_of(auth, u.req, user, sizeof user);
    CHECK(str_eq(u.source, "protocol") && u.protocol == NULL && strcmp(user, "user_a") == 0, "custom prefix, only the token offered: %s %s %s",
          OR_NULL(u.source), OR_NULL(u.protocol), user);
    upgrade_free(&u);
    u = with_token(creq, NULL);
    CHECK(u.source == NULL, "the default prefix ignores tok.: %s", OR_NULL(u.source));
    upgrade_free(&u);
    clerkauth_request_free(creq);

    /* Not an upgrade: copied untouched. */
    const char *plain_headers[] = {"cookie", COOKIE_B, "sec-websocket-protocol", "app.v1, clerk.session." TOKEN_A, NULL};
    clerkauth_request *nreq = request("https://app.example.com/ws", plain_headers);
    user_of(auth, nreq, before, sizeof before);
    u = with_token(nreq, NULL);
    user_of(auth, u.req, user, sizeof user);
    CHECK(u.source == NULL && u.protocol == NULL && strcmp(user, before) == 0 && strcmp(user, "user_b") == 0, "not an upgrade: %s %s %s",
          OR_NULL(u.source), OR_NULL(u.protocol), user);
    upgrade_free(&u);
    clerkauth_request_free(nreq);

    /* An Authorization header wins over the offered token. */
    const char *authz[] = {"upgrade", "websocket", "authorization", "Bearer " TOKEN_B, "sec-websocket-protocol", "clerk.session." TOKEN_A ", app.v1",
                           NULL};
    clerkauth_request *areq = request("https://app.example.com/ws", authz);
    u = with_token(areq, NULL);
    user_of(auth, u.req, user, sizeof user);
    CHECK(u.source == NULL && str_eq(u.protocol, "app.v1") && strcmp(user, "user_b") == 0, "Authorization wins: %s %s %s", OR_NULL(u.source),
          OR_NULL(u.protocol), user);
    upgrade_free(&u);
    clerkauth_request_free(areq);

    /* The query parameter only when configured. */
    const char *qh[] = {"upgrade", "websocket", "cookie", COOKIE_B, NULL};
    clerkauth_request *qreq = request("https://app.example.com/ws?room=7&token=" TOKEN_A, qh);
    u = with_token(qreq, NULL);
    user_of(auth, u.req, user, sizeof user);
    CHECK(u.source == NULL && strcmp(user, "user_b") == 0, "query parameter off by default: %s %s", OR_NULL(u.source), user);
    upgrade_free(&u);
    u = with_token(qreq, "{\"queryParam\":\"token\"}");
    user_of(auth, u.req, user, sizeof user);
    CHECK(str_eq(u.source, "query") && u.protocol == NULL && strcmp(user, "user_a") == 0, "query parameter configured: %s %s", OR_NULL(u.source), user);
    upgrade_free(&u);
    clerkauth_request_free(qreq);

    /* Bad arguments: an error status, outputs untouched. */
    clerkauth_request *out = (clerkauth_request *)SENTINEL;
    const char *source = (const char *)SENTINEL;
    char *protocol = (char *)SENTINEL;
    CHECK_STATUS(clerkauth_request_with_websocket_token(NULL, NULL, &out, &source, &protocol), CLERKAUTH_STATUS_NULL_PARAMETER);
    CHECK_STATUS(clerkauth_request_with_websocket_token(req, NULL, NULL, &source, &protocol), CLERKAUTH_STATUS_NULL_PARAMETER);
    CHECK_STATUS(clerkauth_request_with_websocket_token(req, "{oops", &out, &source, &protocol), CLERKAUTH_STATUS_INVALID_JSON);
    CHECK_STATUS(clerkauth_request_with_websocket_token(req, BAD_UTF8, &out, &source, &protocol), CLERKAUTH_STATUS_INVALID_UTF8);
    CHECK_STATUS(clerkauth_request_with_websocket_token(req, "[]", &out, &source, &protocol), CLERKAUTH_STATUS_INVALID_OPTION);
    CHECK_STATUS(clerkauth_request_with_websocket_token(req, "{\"queryParam\":\"\"}", &out, &source, &protocol), CLERKAUTH_STATUS_INVALID_OPTION);
    CHECK_STATUS(clerkauth_request_with_websocket_token(req, "{\"queryParam\":5}", &out, &source, &protocol), CLERKAUTH_STATUS_INVALID_OPTION);
    CHECK_STATUS(clerkauth_request_with_websocket_token(req, "{\"protocolprefix\":\"x.\"}", &out, &source, &protocol),
                 CLERKAUTH_STATUS_INVALID_OPTION);
    CHECK(has(clerkauth_last_error_message(), "protocolprefix"), "the unknown key is named: %s", clerkauth_last_error_message());
    CHECK(out == SENTINEL && source == SENTINEL && protocol == SENTINEL, "outputs written on failure");
    clerkauth_request_free(req);
}

/* --- validUntil, redirectLocation, continues() ---------------------------------------------- */

static void test_result_getters(const clerkauth_authenticator *auth) {
    clerkauth_result *a = authenticate_bearer(auth, TOKEN_A);
    clerkauth_result *a_again = authenticate_bearer(auth, TOKEN_A);
    clerkauth_result *a2 = authenticate_bearer(auth, TOKEN_A2);
    clerkauth_result *b = authenticate_bearer(auth, TOKEN_B);
    clerkauth_request *anon = request("https://app.example.com/api/items", NULL);
    clerkauth_result *out = authenticate(auth, anon);
    clerkauth_request_free(anon);
    const char *doc[] = {"sec-fetch-dest", "document", "accept", "text/html", "cookie", "__client_uat=1767225600", NULL};
    clerkauth_request *dreq = request("https://app.example.com/dashboard", doc);
    clerkauth_result *hs = authenticate(auth, dreq);
    clerkauth_request_free(dreq);

    /* validUntil: the token's exp in ms; none when signed out. */
    double until = -1;
    CHECK(clerkauth_result_valid_until_ms(a, &until) && until == (double)EXP_S * 1000.0, "valid until %.0f", until);
    CHECK(has(clerkauth_result_state_json(a), "\"validUntil\":1767229200000"), "state JSON: %s", OR_NULL(clerkauth_result_state_json(a)));
    until = -1;
    CHECK(clerkauth_result_status(out) == CLERKAUTH_AUTH_STATUS_SIGNED_OUT && !clerkauth_result_valid_until_ms(out, &until) && until == -1,
          "signed out: none, out untouched (%.0f)", until);
    CHECK(!clerkauth_result_valid_until_ms(NULL, &until) && until == -1, "NULL result");
    CHECK(!clerkauth_result_valid_until_ms(a, NULL), "NULL out");

    /* redirectLocation: the handshake's Location; none when signed in. */
    CHECK(clerkauth_result_status(hs) == CLERKAUTH_AUTH_STATUS_HANDSHAKE, "handshake: %s reason %s", OR_NULL(clerkauth_result_status_str(hs)),
          OR_NULL(clerkauth_result_reason(hs)));
    const char *loc = clerkauth_result_redirect_location(hs);
    CHECK(loc != NULL && loc == clerkauth_result_header_value(hs, "location") && has(loc, "/v1/client/handshake?redirect_url="),
          "redirect location %s", OR_NULL(loc));
    CHECK(has(clerkauth_result_state_json(hs), "\"redirectLocation\":\"https://"), "state JSON: %s", OR_NULL(clerkauth_result_state_json(hs)));
    until = -1;
    CHECK(!clerkauth_result_valid_until_ms(hs, &until) && until == -1, "handshake: no validUntil");
    CHECK(clerkauth_result_redirect_location(a) == NULL && clerkauth_result_redirect_location(out) == NULL, "no redirect");
    CHECK(clerkauth_result_redirect_location(NULL) == NULL, "NULL result");

    /* continues(): same user, session and organization, or why not. */
    const char *lapse = (const char *)SENTINEL;
    CHECK(clerkauth_result_continues(a_again, a, &lapse) && lapse == NULL, "same session continues (lapse %s)", OR_NULL(lapse));
    CHECK(clerkauth_result_continues(a, a, NULL), "itself, lapse not asked for");
    CHECK(!clerkauth_result_continues(b, a, &lapse) && str_eq(lapse, "user-changed"), "another user: %s", OR_NULL(lapse));
    CHECK(!clerkauth_result_continues(a2, a, &lapse) && str_eq(lapse, "session-changed"), "another session: %s", OR_NULL(lapse));
    CHECK(!clerkauth_result_continues(out, a, &lapse) && str_eq(lapse, "signed-out"), "signed out: %s", OR_NULL(lapse));
    CHECK(!clerkauth_result_continues(hs, a, &lapse) && str_eq(lapse, "signed-out"), "handshake: %s", OR_NULL(lapse));
    CHECK(!clerkauth_result_continues(a, out, &lapse) && str_eq(lapse, "principal-changed"), "from signed out: %s", OR_NULL(lapse));
    CHECK(!clerkauth_result_continues(b, a, NULL), "another user, lapse not asked for");
    lapse = (const char *)SENTINEL;
    CHECK(!clerkauth_result_continues(NULL, a, &lapse) && lapse == NULL, "NULL result: false, no lapse");
    lapse = (const char *)SENTINEL;
    CHECK(!clerkauth_result_continues(a, NULL, &lapse) && lapse == NULL, "NULL previous: false, no lapse");
    CHECK(!clerkauth_result_continues(NULL, NULL, NULL), "all NULL");

    clerkauth_result_free(a);
    clerkauth_result_free(a_again);
    clerkauth_result_free(a2);
    clerkauth_result_free(b);
    clerkauth_result_free(out);
    clerkauth_result_free(hs);
}

/* --- threads -------------------------------------------------------------------------------- */

typedef struct {
    const clerkauth_authenticator *auth;
    const clerkauth_request *upgrade_req;
    const clerkauth_result *a, *b;
    int rounds, wrong;
} shared;

static void *worker(void *p) {
    shared *s = (shared *)p;
    for (int i = 0; i < s->rounds; i++) {
        char *json = NULL;
        if (clerkauth_verify_token(s->auth, i % 2 ? TOKEN_A : TOKEN_B, NULL, NOW_MS, &json) != CLERKAUTH_STATUS_OK ||
            !has(json, i % 2 ? "\"sub\":\"user_a\"" : "\"sub\":\"user_b\"")) {
            s->wrong++;
        }
        clerkauth_string_free(json);
        clerkauth_request *req = NULL;
        char *protocol = NULL;
        const char *source = NULL;
        clerkauth_result *res = NULL;
        if (clerkauth_request_with_websocket_token(s->upgrade_req, NULL, &req, &source, &protocol) != CLERKAUTH_STATUS_OK ||
            !str_eq(source, "protocol") || !str_eq(protocol, "app.v1") ||
            clerkauth_authenticate(s->auth, req, NULL, NOW_MS, &res) != CLERKAUTH_STATUS_OK || !str_eq(clerkauth_result_user_id(res), "user_a")) {
            s->wrong++;
        }
        const char *lapse = NULL;
        double until = 0;
        if (!clerkauth_result_continues(res, s->a, &lapse) || clerkauth_result_continues(s->b, s->a, &lapse) || !str_eq(lapse, "user-changed") ||
            !clerkauth_result_valid_until_ms(s->a, &until) || until != (double)EXP_S * 1000.0) {
            s->wrong++;
        }
        clerkauth_result_free(res);
        clerkauth_request_free(req);
        clerkauth_string_free(protocol);
    }
    return NULL;
}

static void test_threads(const clerkauth_authenticator *auth, int threads, int rounds) {
    const char *ws[] = {"upgrade", "websocket", "cookie", COOKIE_B, "sec-websocket-protocol", "app.v1, clerk.session." TOKEN_A, NULL};
    clerkauth_request *req = request("https://app.example.com/ws", ws);
    clerkauth_result *a = authenticate_bearer(auth, TOKEN_A);
    clerkauth_result *b = authenticate_bearer(auth, TOKEN_B);
    pthread_t tids[16];
    shared args[16];
    if (threads > 16) threads = 16;
    for (int i = 0; i < threads; i++) {
        args[i] = (shared){auth, req, a, b, rounds, 0};
        pthread_create(&tids[i], NULL, worker, &args[i]);
    }
    int wrong = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(tids[i], NULL);
        wrong += args[i].wrong;
    }
    CHECK(wrong == 0, "%d threads x %d rounds: %d wrong answers", threads, rounds, wrong);
    clerkauth_result_free(a);
    clerkauth_result_free(b);
    clerkauth_request_free(req);
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 4;
    int rounds = argc > 2 ? atoi(argv[2]) : 50;
    clerkauth_authenticator *auth = NULL;
    CHECK_STATUS(clerkauth_authenticator_new(OPTIONS, &auth), CLERKAUTH_STATUS_OK);
    if (!auth) {
        printf("FAIL cannot build the authenticator: %s\n", clerkauth_last_error_message());
        return summary();
    }
    test_verify_token(auth);
    test_websocket(auth);
    test_result_getters(auth);
    test_threads(auth, threads, rounds);
    clerkauth_authenticator_free(auth);
    return summary();
}
