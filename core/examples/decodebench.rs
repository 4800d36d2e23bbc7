use clerkauth::claims::{claim, header, Claims};
use clerkauth::devinstance::DevInstance;
use serde_json::json;
use std::hint::black_box;
use std::time::Instant;
fn main() {
    let dev = DevInstance::generate("hot-1.clerk.accounts.dev");
    let token = dev.session_token("user_1", "sess_1", 1_767_225_600 - 5, "https://app.example.com", json!({"o": {"id": "org_1", "slg": "acme", "rol": "admin", "per": "read,manage", "fpm": "3"}}));
    let j = clerkauth::jwt::Jwt::decode(&token).unwrap();
    let (h, p) = (j.header.json().to_string(), j.payload.json().to_string());
    println!("header {} bytes, payload {} bytes, token {}", h.len(), p.len(), token.len());
    let n: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(400_000);
    if std::env::var_os("ONLY_PAYLOAD").is_some() {
        for _ in 0..n { black_box(Claims::decode(black_box(p.clone()), &claim::LAYOUT)); }
        return;
    }
    for _ in 0..1 {
        let t = Instant::now();
        for _ in 0..n { black_box(Claims::decode(black_box(p.clone()), &claim::LAYOUT)); }
        let a = t.elapsed().as_nanos() as f64 / n as f64;
        let t = Instant::now();
        for _ in 0..n { black_box(Claims::decode(black_box(h.clone()), &header::LAYOUT)); }
        let b = t.elapsed().as_nanos() as f64 / n as f64;
        let t = Instant::now();
        for _ in 0..n { black_box(p.clone()); }
        let c = t.elapsed().as_nanos() as f64 / n as f64;
        let t = Instant::now();
        for _ in 0..n { black_box(clerkauth::jwt::Jwt::decode(black_box(&token)).unwrap()); }
        let d = t.elapsed().as_nanos() as f64 / n as f64;
        for (name, text) in [("no fva", p.replace("\"fva\":[0,-1],", "")), ("no o", { let i = p.find("\"o\":").unwrap(); let j = p[i..].find('}').unwrap(); format!("{}{}", &p[..i], &p[i + j + 2..]) }), ("empty", "{}".to_string())] {
            let t = Instant::now();
            for _ in 0..n { black_box(Claims::decode(black_box(text.clone()), &claim::LAYOUT)); }
            println!("  {name} ({} bytes): {:.0} ns {}", text.len(), t.elapsed().as_nanos() as f64 / n as f64, if text.len() < 300 { &text } else { "" });
        }
        println!("payload {a:.0} ns, header {b:.0} ns, clone {c:.0} ns, Jwt::decode {d:.0} ns");
    }
}
