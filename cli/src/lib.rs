//! Library side of the `clerkauth` command: the conformance-vector runner and the loopback
//! Backend API server, shared by the binary and the integration tests.

pub mod mockbapi;
pub mod vectors;
