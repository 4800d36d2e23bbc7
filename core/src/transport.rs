//! How the core reaches the Backend API: a small trait, with a real blocking HTTP client
//! (connect and overall timeouts) as the default.

use std::time::Duration;

/// An outgoing HTTP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// Absolute URL.
    pub url: String,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// JSON body, for POST.
    pub body: Option<Vec<u8>>,
}

/// An HTTP response (any status).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Body bytes.
    pub body: Vec<u8>,
}

/// Why a request produced no response at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    /// The request timed out.
    Timeout(String),
    /// Connection refused, DNS failure, TLS failure, malformed URL…
    Network(String),
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TransportError::Timeout(m) => write!(f, "timeout: {m}"),
            TransportError::Network(m) => write!(f, "network error: {m}"),
        }
    }
}

/// Sends requests to the Backend API. Implementations must be thread-safe and return within
/// a bounded time (a timeout): a request with no usable JWKS key waits for the fetch in flight.
pub trait Transport: Send + Sync {
    /// Sends one request and returns the response, whatever its status.
    fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError>;
}

/// The default transport: a pooled blocking HTTP client (`ureq`) with timeouts and a cap on
/// response size.
pub struct HttpTransport {
    agent: ureq::Agent,
}

/// Largest response body read from the Backend API.
const MAX_BODY: u64 = 4 * 1024 * 1024;

impl HttpTransport {
    /// A client with the given connect and overall timeouts.
    pub fn new(connect_timeout: Duration, timeout: Duration) -> Self {
        let agent = ureq::Agent::config_builder().timeout_connect(Some(connect_timeout)).timeout_global(Some(timeout)).http_status_as_error(false).max_redirects(0).build().into();
        HttpTransport { agent }
    }
}

impl Default for HttpTransport {
    fn default() -> Self {
        HttpTransport::new(Duration::from_secs(5), Duration::from_secs(10))
    }
}

impl Transport for HttpTransport {
    fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        let mut builder = ureq::http::Request::builder().method(request.method).uri(&request.url);
        for (k, v) in &request.headers {
            builder = builder.header(k, v);
        }
        let body = request.body.clone().unwrap_or_default();
        let req = builder.body(body).map_err(|e| TransportError::Network(e.to_string()))?;
        let classify = |e: ureq::Error| match e {
            ureq::Error::Timeout(_) => TransportError::Timeout(e.to_string()),
            other => TransportError::Network(other.to_string()),
        };
        let mut resp = self.agent.run(req).map_err(classify)?;
        let status = resp.status().as_u16();
        let body = resp.body_mut().with_config().limit(MAX_BODY).read_to_vec().map_err(classify)?;
        Ok(HttpResponse { status, body })
    }
}
