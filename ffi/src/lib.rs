//! C ABI for clerkauth (in progress).
