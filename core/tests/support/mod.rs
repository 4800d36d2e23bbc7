//! Test support: the Rust tests' one loopback Backend API (like the Node tests'
//! `startBackendApi`): a real HTTP server on 127.0.0.1 (port 0) answering by method and path
//! (`Routes`) or through one handler, recording every request, stopped when dropped; and a
//! gate, a refused URL and a fixed clock.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Duration;

/// What the handler answers: status, body, and a delay before answering.
#[derive(Default, Clone)]
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
#[derive(Clone, Debug)]
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

    /// The target without its query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
}

type Handler = dyn Fn(&Received) -> Reply + Send + Sync;

/// Routes by method and path: a route's path matches the target without its query, unless
/// the route's path has a query (then the whole target must match); the first matching route
/// answers. Requests no route lists get `fallback` (by default a 404 `resource_not_found`).
pub struct Routes {
    routes: Vec<(String, String, Box<Handler>)>,
    fallback: Box<Handler>,
}

impl Default for Routes {
    fn default() -> Routes {
        Routes { routes: Vec::new(), fallback: Box::new(|_| Reply::json(404, serde_json::json!({"errors": [{"code": "resource_not_found", "message": "not found"}]}))) }
    }
}

impl Routes {
    pub fn new() -> Routes {
        Routes::default()
    }

    /// `method path` answered with a fixed reply.
    pub fn reply(self, method: &str, path: &str, reply: Reply) -> Routes {
        self.route(method, path, move |_| reply.clone())
    }

    /// `method path` answered by a function of the request (counting, delays, gates...).
    pub fn route(mut self, method: &str, path: &str, answer: impl Fn(&Received) -> Reply + Send + Sync + 'static) -> Routes {
        self.routes.push((method.to_ascii_uppercase(), path.to_string(), Box::new(answer)));
        self
    }

    /// What the requests no route lists get.
    pub fn fallback(mut self, answer: impl Fn(&Received) -> Reply + Send + Sync + 'static) -> Routes {
        self.fallback = Box::new(answer);
        self
    }

    fn answer(&self, r: &Received) -> Reply {
        for (method, path, answer) in &self.routes {
            let hit = if path.contains('?') { r.target == *path } else { r.path() == path };
            if r.method.eq_ignore_ascii_case(method) && hit {
                return answer(r);
            }
        }
        (self.fallback)(r)
    }
}

/// A loopback server: `url()` is its base URL, `count()` the requests it has received,
/// `calls()` the requests themselves. Dropping it stops accepting connections.
pub struct Server {
    url: String,
    hits: Arc<AtomicUsize>,
    calls: Arc<Mutex<Vec<Received>>>,
    stopped: Arc<AtomicBool>,
}

impl Server {
    pub fn start(handler: impl Fn(&str, &str) -> Reply + Send + Sync + 'static) -> Server {
        Server::start_full(move |r: &Received| handler(&r.method, &r.target))
    }

    /// A server answering by method and path.
    pub fn routes(routes: Routes) -> Server {
        Server::start_full(move |r: &Received| routes.answer(r))
    }

    /// Like `start`, with the whole request (headers and body) given to the handler.
    pub fn start_full(handler: impl Fn(&Received) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let hits = Arc::new(AtomicUsize::new(0));
        let calls: Arc<Mutex<Vec<Received>>> = Arc::default();
        let stopped = Arc::new(AtomicBool::new(false));
        let h: Arc<Handler> = Arc::new(handler);
        let (counter, log, stop) = (hits.clone(), calls.clone(), stopped.clone());
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                let (h, counter, log) = (h.clone(), counter.clone(), log.clone());
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
                        let received = Received { method, target, headers, body };
                        log.lock().unwrap().push(received.clone());
                        counter.fetch_add(1, Ordering::SeqCst);
                        let r = h(&received);
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
        Server { url, hits, calls, stopped }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn count(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    /// Every request received so far, in order.
    pub fn calls(&self) -> Vec<Received> {
        self.calls.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stopped.store(true, Ordering::SeqCst);
        // Wakes the accept loop, which then sees `stopped` and closes the listener.
        let _ = TcpStream::connect(self.url.trim_start_matches("http://"));
    }
}

/// The URL of a loopback port that was just free: connecting to it is refused.
pub fn refused_url() -> String {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    format!("http://127.0.0.1:{port}")
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
