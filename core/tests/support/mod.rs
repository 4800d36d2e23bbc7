//! Test support: a real loopback HTTP server with a programmable handler that counts
//! requests, and a local dev instance.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Duration;

/// What the handler answers: status, body, and a delay before answering.
#[derive(Default)]
pub struct Reply {
    pub status: u16,
    pub body: String,
    pub delay: Duration,
    /// Close the connection without answering (after the delay).
    pub hang_up: bool,
}

impl Reply {
    pub fn json(status: u16, body: serde_json::Value) -> Reply {
        Reply { status, body: body.to_string(), ..Reply::default() }
    }
}

/// One request as the server received it (for handlers that check headers or the body).
pub struct Received {
    pub method: String,
    pub target: String,
    /// Headers as sent, in order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

type Handler = dyn Fn(&Received) -> Reply + Send + Sync;

/// A loopback server: `url()` is its base URL, `count()` the requests it has received.
pub struct Server {
    url: String,
    hits: Arc<AtomicUsize>,
}

impl Server {
    pub fn start(handler: impl Fn(&str, &str) -> Reply + Send + Sync + 'static) -> Server {
        Server::start_full(move |r: &Received| handler(&r.method, &r.target))
    }

    /// Like `start`, with the whole request (headers and body) given to the handler.
    pub fn start_full(handler: impl Fn(&Received) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let hits = Arc::new(AtomicUsize::new(0));
        let h: Arc<Handler> = Arc::new(handler);
        let counter = hits.clone();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (h, counter) = (h.clone(), counter.clone());
                thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut stream = stream;
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        let mut p = line.split_whitespace();
                        let (method, target) = (p.next().unwrap_or("").to_string(), p.next().unwrap_or("").to_string());
                        let mut len = 0;
                        let mut headers = Vec::new();
                        loop {
                            let mut hl = String::new();
                            if reader.read_line(&mut hl).unwrap_or(0) == 0 {
                                return;
                            }
                            let hl = hl.trim_end();
                            if hl.is_empty() {
                                break;
                            }
                            if let Some((k, v)) = hl.split_once(':') {
                                if k.eq_ignore_ascii_case("content-length") {
                                    len = v.trim().parse().unwrap_or(0);
                                }
                                headers.push((k.trim().to_string(), v.trim().to_string()));
                            }
                        }
                        let mut body = vec![0; len];
                        if reader.read_exact(&mut body).is_err() {
                            return;
                        }
                        counter.fetch_add(1, Ordering::SeqCst);
                        let r = h(&Received { method, target, headers, body });
                        thread::sleep(r.delay);
                        if r.hang_up {
                            return;
                        }
                        let resp = format!("HTTP/1.1 {} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{}", r.status, r.body.len(), r.body);
                        if stream.write_all(resp.as_bytes()).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Server { url, hits }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn count(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

/// A gate a handler blocks on until the test opens it: holds a connection open without a
/// timer.
#[derive(Default)]
pub struct Gate {
    open: Mutex<bool>,
    opened: Condvar,
}

impl Gate {
    pub fn wait(&self) {
        let open = self.open.lock().unwrap();
        drop(self.opened.wait_while(open, |o| !*o).unwrap());
    }

    pub fn open(&self) {
        *self.open.lock().unwrap() = true;
        self.opened.notify_all();
    }
}

/// Seconds since the epoch, as a clock for tests.
pub const NOW_S: i64 = 1_767_225_600;
pub const NOW_MS: f64 = NOW_S as f64 * 1000.0;
