//! The authenticator handle (`clerkauth_authenticator`): built from the options JSON, shared
//! by every thread through its `Arc`'d core authenticator (keys, JWKS cache, HTTP client),
//! freed once.

use std::ffi::c_char;
use std::sync::Arc;

use clerkauth::Authenticator;

use crate::guard::{arg_str, check_out, getter, guarded};
use crate::json::options_from_text;
use crate::status::clerkauth_status;

/// A long-lived authenticator: instance options (keys, domains, Backend API URL), the parsed
/// keys, the JWKS cache and the HTTP client. Build one per Clerk instance and share it: every
/// function taking a `const clerkauth_authenticator *` is thread-safe.
pub struct clerkauth_authenticator {
    pub(crate) inner: Arc<Authenticator>,
}

/// Creates an authenticator from `options_json`, a JSON object with `@clerk/backend`'s option
/// names (`secretKey`, `publishableKey`, `jwtKey`, `apiUrl`, `authorizedParties`,
/// `organizationSyncOptions`, `acceptsToken`, …; every name is listed in ffi/README.md). An
/// unknown name is `CLERKAUTH_STATUS_INVALID_OPTION`, its message naming the key (and the
/// closest known name for a near miss); `@clerk/backend` options that do not affect
/// authentication (`telemetry`, `userAgent`, …) are accepted and ignored.
///
/// Returns OK and writes `*out` (free it with `clerkauth_authenticator_free`), or
/// `CLERKAUTH_STATUS_NULL_PARAMETER`, `_INVALID_UTF8`, `_INVALID_JSON`, `_INVALID_OPTION` or another
/// configuration code (e.g. `_INVALID_PUBLISHABLE_KEY`, `_INVALID_ORGANIZATION_PATTERN`).
///
/// Thread-safe (builds an independent authenticator). Parses keys and compiles organization
/// patterns once; never touches the network.
///
/// # Safety
/// `options_json` is NULL or a NUL-terminated string; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn clerkauth_authenticator_new(options_json: *const c_char, out: *mut *mut clerkauth_authenticator) -> clerkauth_status {
    guarded(|| {
        check_out(out, "out")?;
        // SAFETY: caller contract.
        let text = unsafe { arg_str(options_json, "options_json") }?;
        let opts = options_from_text(text, "options_json")?;
        let auth = Authenticator::new(opts)?;
        let handle = Box::into_raw(Box::new(clerkauth_authenticator { inner: Arc::new(auth) }));
        // SAFETY: `out` checked non-NULL; written only on success.
        unsafe { *out = handle };
        Ok(())
    })
}

/// Frees an authenticator. NULL is a no-op. Call it once, after every thread is done with it.
#[no_mangle]
pub extern "C" fn clerkauth_authenticator_free(auth: Option<Box<clerkauth_authenticator>>) {
    getter((), || drop(auth))
}
