/* Conformance-vector runner for libclerkauth, driven by run_vectors.py over stdin/stdout.
 *
 * Input: records of framed fields (see read_field in common.h):
 *   "typed", options_json, method, url, N, N x (name, value), now_ms, K, K x check_json
 *   "json",  options_json, request_json
 * Output: one JSON line per record. Every authentication runs through the C library:
 *   typed -> clerkauth_authenticator_new + clerkauth_request_* +
 *            clerkauth_authenticate_without_network, then clerkauth_authenticate and every typed
 *            getter; {"ok":true,"state":<state json>,"has":[...],"noNetwork":<the first decided>,
 *            "noNetworkSame":<its state equals the second's>,"typed":{...}}
 *   json  -> clerkauth_json_cache_clear, then clerkauth_authenticate_json twice (fresh, then
 *            cached authenticator); {"ok":true,"first":<json>,"second":<json>}
 *   failure -> {"ok":false,"code":N,"codeText":"...","error":"..."}
 */
#include <inttypes.h>

#include "common.h"

static unsigned long g_record = 0;

static void print_error(clerkauth_status st) {
    printf("{\"ok\":false,\"code\":%u,\"codeText\":", (unsigned)st);
    json_str(stdout, clerkauth_status_text(st));
    printf(",\"error\":");
    json_str(stdout, clerkauth_last_error_message());
    printf("}\n");
}

static void print_list(const clerkauth_result *r, size_t count,
                       clerkauth_status (*get)(const clerkauth_result *, size_t, const char **)) {
    putchar('[');
    for (size_t i = 0; i < count; i++) {
        const char *s = NULL;
        if (i) putchar(',');
        if (get(r, i, &s) == CLERKAUTH_STATUS_OK) {
            json_str(stdout, s);
        } else {
            fputs("\"<accessor failed>\"", stdout);
        }
    }
    putchar(']');
}

static void print_typed(const clerkauth_result *r) {
    printf("{\"status\":");
    json_str(stdout, clerkauth_result_status_str(r));
    printf(",\"statusCode\":%u", (unsigned)clerkauth_result_status(r));
    printf(",\"isAuthenticated\":%s", clerkauth_result_is_authenticated(r) ? "true" : "false");
    printf(",\"reason\":");
    json_str(stdout, clerkauth_result_reason(r));
    printf(",\"message\":");
    json_str(stdout, clerkauth_result_message(r));
    printf(",\"token\":");
    json_str(stdout, clerkauth_result_token(r));
    printf(",\"tokenType\":");
    json_str(stdout, clerkauth_result_token_type_str(r));
    printf(",\"tokenTypeCode\":%u", (unsigned)clerkauth_result_token_type(r));
    size_t n = clerkauth_result_header_count(r);
    printf(",\"headers\":[");
    for (size_t i = 0; i < n; i++) {
        const char *name = NULL, *value = NULL;
        if (i) putchar(',');
        if (clerkauth_result_header(r, i, &name, &value) == CLERKAUTH_STATUS_OK) {
            putchar('[');
            json_str(stdout, name);
            putchar(',');
            json_str(stdout, value);
            putchar(']');
        } else {
            fputs("\"<accessor failed>\"", stdout);
        }
    }
    printf("]");
    /* Out of range must fail and leave the out-params untouched. */
    const char *sentinel = "untouched";
    const char *name = sentinel, *value = sentinel;
    clerkauth_status oor = clerkauth_result_header(r, n, &name, &value);
    printf(",\"headerOutOfRangeOk\":%s",
           (oor == CLERKAUTH_STATUS_INDEX_OUT_OF_RANGE && name == sentinel && value == sentinel) ? "true" : "false");
    printf(",\"location\":");
    json_str(stdout, clerkauth_result_header_value(r, "Location"));
    printf(",\"authKind\":%u", (unsigned)clerkauth_result_auth_kind(r));
    printf(",\"authJson\":");
    json_raw(stdout, clerkauth_result_auth_json(r));
    printf(",\"userId\":");
    json_str(stdout, clerkauth_result_user_id(r));
    printf(",\"sessionId\":");
    json_str(stdout, clerkauth_result_session_id(r));
    printf(",\"sessionStatus\":");
    json_str(stdout, clerkauth_result_session_status(r));
    printf(",\"orgId\":");
    json_str(stdout, clerkauth_result_org_id(r));
    printf(",\"orgRole\":");
    json_str(stdout, clerkauth_result_org_role(r));
    printf(",\"orgSlug\":");
    json_str(stdout, clerkauth_result_org_slug(r));
    printf(",\"orgPermissions\":");
    print_list(r, clerkauth_result_org_permission_count(r), clerkauth_result_org_permission);
    printf(",\"machineId\":");
    json_str(stdout, clerkauth_result_machine_id(r));
    printf(",\"subject\":");
    json_str(stdout, clerkauth_result_subject(r));
    printf(",\"id\":");
    json_str(stdout, clerkauth_result_token_id(r));
    printf(",\"name\":");
    json_str(stdout, clerkauth_result_name(r));
    printf(",\"clientId\":");
    json_str(stdout, clerkauth_result_client_id(r));
    printf(",\"scopes\":");
    print_list(r, clerkauth_result_scope_count(r), clerkauth_result_scope);
    printf(",\"actor\":");
    json_raw(stdout, clerkauth_result_actor_json(r));
    printf(",\"sessionClaims\":");
    json_raw(stdout, clerkauth_result_session_claims_json(r));
    printf(",\"claims\":");
    json_raw(stdout, clerkauth_result_claims_json(r));
    printf(",\"factorVerificationAge\":");
    json_raw(stdout, clerkauth_result_factor_verification_age_json(r));
    int64_t f1 = 0, f2 = 0;
    if (clerkauth_result_factor_verification_age(r, &f1, &f2) == CLERKAUTH_STATUS_OK) {
        printf(",\"fvaPair\":[%" PRId64 ",%" PRId64 "]", f1, f2);
    } else {
        printf(",\"fvaPair\":null");
    }
    printf(",\"organizationSync\":");
    json_raw(stdout, clerkauth_result_organization_sync_json(r));
    printf(",\"organizationSyncOutcome\":");
    json_str(stdout, clerkauth_result_organization_sync_outcome(r));
    printf(",\"trace\":");
    json_raw(stdout, clerkauth_result_trace_json(r));
    printf("}");
}

static void run_typed(FILE *in) {
    char *options = read_field(in);
    char *method = read_field(in);
    char *url = read_field(in);
    char *count_s = read_field(in);
    size_t n = count_s ? (size_t)strtoul(count_s, NULL, 10) : 0;
    char **names = (char **)calloc(n + 1, sizeof(char *));
    char **values = (char **)calloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        names[i] = read_field(in);
        values[i] = read_field(in);
    }
    char *now_s = read_field(in);
    char *k_s = read_field(in);
    size_t k = k_s ? (size_t)strtoul(k_s, NULL, 10) : 0;
    char **checks = (char **)calloc(k + 1, sizeof(char *));
    for (size_t i = 0; i < k; i++) {
        checks[i] = read_field(in);
    }
    int64_t now_ms = now_s ? (int64_t)strtoll(now_s, NULL, 10) : -1;

    clerkauth_authenticator *auth = NULL;
    clerkauth_request *req = NULL;
    clerkauth_result *res = NULL;
    clerkauth_status st = clerkauth_authenticator_new(options, &auth);
    if (st == CLERKAUTH_STATUS_OK) {
        /* Alternate between the two ways of building a request. */
        if (g_record % 2 == 0) {
            st = clerkauth_request_new(method, url, &req);
            for (size_t i = 0; st == CLERKAUTH_STATUS_OK && i < n; i++) {
                st = clerkauth_request_add_header(req, names[i], values[i]);
            }
        } else {
            st = clerkauth_request_new_with_headers(method, url, (const char *const *)names,
                                                    (const char *const *)values, n, &req);
        }
    }
    /* The event-loop pattern: the no-network entry point first, the full call after. When the
     * first decides, the second must give the same state. */
    clerkauth_result *fast = NULL;
    bool same = true;
    if (st == CLERKAUTH_STATUS_OK) {
        st = clerkauth_authenticate_without_network(auth, req, NULL, now_ms, &fast);
    }
    if (st == CLERKAUTH_STATUS_OK) {
        st = clerkauth_authenticate(auth, req, NULL, now_ms, &res);
    }
    if (st == CLERKAUTH_STATUS_OK && fast != NULL) {
        same = strcmp(clerkauth_result_state_json(fast), clerkauth_result_state_json(res)) == 0;
    }
    if (st != CLERKAUTH_STATUS_OK) {
        print_error(st);
    } else {
        printf("{\"ok\":true,\"state\":");
        json_raw(stdout, clerkauth_result_state_json(res));
        printf(",\"has\":[");
        for (size_t i = 0; i < k; i++) {
            bool answer = false;
            if (i) putchar(',');
            clerkauth_status hs = clerkauth_result_has(res, checks[i], &answer);
            if (hs == CLERKAUTH_STATUS_OK) {
                fputs(answer ? "true" : "false", stdout);
            } else {
                printf("\"has failed: %s\"", clerkauth_status_text(hs));
            }
        }
        printf("],\"noNetwork\":%s,\"noNetworkSame\":%s,\"typed\":", fast ? "true" : "false", same ? "true" : "false");
        print_typed(res);
        printf("}\n");
    }
    clerkauth_result_free(fast);
    clerkauth_result_free(res);
    clerkauth_request_free(req);
    clerkauth_authenticator_free(auth);

    free(options);
    free(method);
    free(url);
    free(count_s);
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
        free(values[i]);
    }
    free(names);
    free(values);
    free(now_s);
    free(k_s);
    for (size_t i = 0; i < k; i++) {
        free(checks[i]);
    }
    free(checks);
}

static void run_json(FILE *in) {
    char *options = read_field(in);
    char *request = read_field(in);
    char *first = NULL, *second = NULL;
    clerkauth_json_cache_clear();
    clerkauth_status st = clerkauth_authenticate_json(options, request, &first);
    if (st == CLERKAUTH_STATUS_OK) {
        st = clerkauth_authenticate_json(options, request, &second);
    }
    if (st != CLERKAUTH_STATUS_OK) {
        print_error(st);
    } else {
        printf("{\"ok\":true,\"first\":%s,\"second\":%s}\n", first, second);
    }
    clerkauth_string_free(first);
    clerkauth_string_free(second);
    free(options);
    free(request);
}

int main(void) {
    char *mode;
    while ((mode = read_field(stdin)) != NULL) {
        if (strcmp(mode, "typed") == 0) {
            run_typed(stdin);
        } else if (strcmp(mode, "json") == 0) {
            run_json(stdin);
        } else {
            printf("{\"ok\":false,\"code\":-1,\"error\":\"unknown mode\"}\n");
        }
        fflush(stdout);
        free(mode);
        g_record++;
    }
    clerkauth_json_cache_clear();
    return 0;
}
