//! # libclerkauth — the C ABI of clerkauth
//!
//! Conventions (the rustls-ffi habits):
//!
//! * Every symbol and type starts with `clerkauth_`; handles are opaque structs created by a
//!   `_new` function and released by the matching `_free`, which accepts NULL (no-op).
//! * Every fallible function returns a `clerkauth_status` (`CLERKAUTH_STATUS_OK` = 0). Outputs
//!   go through out-parameters and are written **only** when the call returns OK.
//!   A human-readable detail of the most recent failure on the calling thread is available
//!   from `clerkauth_last_error_message()`.
//! * Simple getters cannot fail: they return a documented default (NULL, 0, false) when given
//!   NULL or when the value is absent.
//! * Strings returned by a result's getters are NUL-terminated, UTF-8, owned by the result and
//!   valid until `clerkauth_result_free`. Strings returned through a `char **` out-parameter
//!   (`clerkauth_authenticate_json`, `clerkauth_verify_token`, `clerkauth_session_token`, the
//!   selected protocol of `clerkauth_request_with_websocket_token`) are owned by the caller
//!   and released with `clerkauth_string_free`. Static strings (`clerkauth_version`,
//!   `clerkauth_status_text`, `clerkauth_vocabulary_json`, a WebSocket token source, a
//!   `clerkauth_result_continues` lapse reason) are never freed.
//! * Integers that name enum values are received as `uint32_t` and validated.
//! * Every export runs inside a panic guard: a panic never crosses into C; fallible functions
//!   return `CLERKAUTH_STATUS_PANIC`, getters their documented default.
//! * Thread safety: a `const clerkauth_authenticator *` may be used by any number of threads at
//!   once; a `clerkauth_request` may be read (authenticated, or copied by
//!   `clerkauth_request_with_websocket_token`) concurrently but must not be
//!   mutated (`clerkauth_request_add_header`) while another thread uses it; every getter of a
//!   `const clerkauth_result *` is safe to call concurrently. A handle must not be freed while
//!   another thread still uses it.
//!
//! Modules, declared in the order of `include/clerkauth.h` (cbindgen reads the modules in
//! declaration order, and the header lists the functions in that order):
//!
//! * `vocabulary`: `clerkauth_vocabulary_json`, `clerkauth_version`, the result enums and
//!   their C strings.
//! * `status`: `clerkauth_status`, its one table of names, `clerkauth_status_text`.
//! * `guard`: the panic guard, the last error message, the checks of C arguments.
//! * `authenticator`: the `clerkauth_authenticator` handle.
//! * `request`: the `clerkauth_request` handle and the request JSON of the JSON entry point.
//! * `result`: `clerkauth_authenticate` and the `clerkauth_result` handle's getters.
//! * `standalone`: verifyToken, the JSON entry point, getToken, `clerkauth_string_free`.
//! * `cstr` and `json`: string and JSON helpers (no exports).
#![allow(non_camel_case_types)]
#![deny(unsafe_op_in_unsafe_fn)]

// In header order (cbindgen reads the modules in this order); apart, as rustfmt sorts a group.
mod vocabulary;

mod status;

mod guard;

mod authenticator;

mod request;

mod result;

mod standalone;

mod cstr;
mod json;

pub use authenticator::*;
pub use guard::clerkauth_last_error_message;
pub use request::*;
pub use result::*;
pub use standalone::*;
pub use status::*;
pub use vocabulary::*;
