//! A real loopback HTTP/1.1 server that plays the Backend API for conformance vectors:
//! it answers the listed (method, path) entries and records every request, listed or not.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

use serde_json::Value;

/// One canned answer.
#[derive(Debug, Clone)]
pub struct Route {
    pub method: String,
    pub path: String,
    pub status: u16,
    pub body: Value,
}

/// A request the server saw.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub matched: bool,
}

#[derive(Default)]
struct Shared {
    routes: Vec<Route>,
    seen: Vec<Seen>,
}

/// The server; stops when dropped (the accept thread exits on the next connection).
pub struct MockBapi {
    addr: String,
    shared: Arc<Mutex<Shared>>,
}

impl MockBapi {
    /// Binds 127.0.0.1 on a free port and serves in a background thread.
    pub fn start() -> std::io::Result<MockBapi> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = format!("http://{}", listener.local_addr()?);
        let shared = Arc::new(Mutex::new(Shared::default()));
        let s = shared.clone();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let s = s.clone();
                thread::spawn(move || {
                    let _ = handle(stream, &s);
                });
            }
        });
        Ok(MockBapi { addr, shared })
    }

    /// Base URL, e.g. `http://127.0.0.1:43567`.
    pub fn url(&self) -> &str {
        &self.addr
    }

    /// Replaces the routes and forgets past requests.
    pub fn reset(&self, routes: Vec<Route>) {
        let mut s = self.shared.lock().unwrap();
        s.routes = routes;
        s.seen.clear();
    }

    /// Requests seen since the last reset.
    pub fn seen(&self) -> Vec<Seen> {
        self.shared.lock().unwrap().seen.clone()
    }
}

fn route_matches(r: &Route, method: &str, target: &str) -> bool {
    if !r.method.eq_ignore_ascii_case(method) {
        return false;
    }
    if r.path.contains('?') {
        r.path == target
    } else {
        target.split('?').next() == Some(r.path.as_str())
    }
}

fn handle(stream: TcpStream, shared: &Mutex<Shared>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut stream = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_string();
        let target = parts.next().unwrap_or("").to_string();
        let mut headers = Vec::new();
        let mut len = 0usize;
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h)? == 0 {
                return Ok(());
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    len = v.trim().parse().unwrap_or(0);
                }
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
        }
        let mut body = vec![0u8; len.min(16 << 20)];
        reader.read_exact(&mut body)?;
        let (status, payload) = {
            let mut s = shared.lock().unwrap();
            let found = s.routes.iter().find(|r| route_matches(r, &method, &target)).cloned();
            s.seen.push(Seen { method: method.clone(), target: target.clone(), headers, body: String::from_utf8_lossy(&body).into_owned(), matched: found.is_some() });
            match found {
                Some(r) => (r.status, r.body.to_string()),
                None => (404, r#"{"errors":[{"code":"resource_not_found","message":"not listed in the vector"}]}"#.to_string()),
            }
        };
        let resp = format!("HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{payload}", payload.len());
        stream.write_all(resp.as_bytes())?;
    }
}
