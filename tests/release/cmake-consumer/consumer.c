/* Authenticates a request without credentials through a released libclerkauth: the header and
 * the library must agree on the version, and the state must be signed-out with the reason the
 * reference gives. Exit status 0 only then. */
#include <stdio.h>
#include <string.h>
#include <clerkauth.h>

int main(void) {
    clerkauth_authenticator *auth = NULL;
    clerkauth_request *req = NULL;
    clerkauth_result *res = NULL;
    int ok = 0;
    if (strcmp(clerkauth_version(), CLERKAUTH_VERSION) != 0) {
        fprintf(stderr, "header %s, library %s\n", CLERKAUTH_VERSION, clerkauth_version());
        return 1;
    }
    if (clerkauth_authenticator_new("{\"publishableKey\":\"pk_live_Y2xlcmsuZXhhbXBsZS5jb20k\",\"secretKey\":\"sk_live_x\"}", &auth) == CLERKAUTH_STATUS_OK
        && clerkauth_request_new("GET", "https://app.example.com/api", &req) == CLERKAUTH_STATUS_OK
        && clerkauth_authenticate(auth, req, NULL, -1, &res) == CLERKAUTH_STATUS_OK) {
        const char *reason = clerkauth_result_reason(res);
        printf("libclerkauth %s: %s / %s\n", clerkauth_version(), clerkauth_result_status_str(res), reason ? reason : "-");
        ok = strcmp(clerkauth_result_status_str(res), "signed-out") == 0 && reason
             && strcmp(reason, "session-token-and-uat-missing") == 0;
    } else {
        fprintf(stderr, "error: %s\n", clerkauth_last_error_message());
    }
    clerkauth_result_free(res);
    clerkauth_request_free(req);
    clerkauth_authenticator_free(auth);
    return ok ? 0 : 1;
}
