//! Gives the shared library a versioned soname on Linux (`libclerkauth.so.0.1` for 0.x
//! releases, `libclerkauth.so.MAJOR` from 1.0), matching what `make -C ffi install` lays out.
fn main() {
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_default();
    let minor = std::env::var("CARGO_PKG_VERSION_MINOR").unwrap_or_default();
    let soversion = if major == "0" { format!("0.{minor}") } else { major };
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libclerkauth.so.{soversion}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
