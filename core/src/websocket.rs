//! Session tokens for WebSocket upgrades. A browser cannot set `Authorization` on a
//! WebSocket, so a tab's own token would have no way in but the shared `__session` cookie
//! (the multi-tab problem). The client may offer it as a subprotocol instead
//! (`new WebSocket(url, ["app.v1", "clerk.session." + token])`) or, opt-in only, as a query
//! parameter; [`Request::with_websocket_token`] moves it to `Authorization: Bearer`, so the
//! request takes the header path: per-tab sessions and organization scoping apply.

use serde_json::{json, Value};
use url::Url;

use crate::{Error, ErrorCode, Request};

/// The default subprotocol prefix that carries a session token.
pub const DEFAULT_PROTOCOL_PREFIX: &str = "clerk.session.";

/// Where an upgrade may carry its session token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSocketTokenOptions {
    /// Subprotocol prefix (`Sec-WebSocket-Protocol: app.v1, clerk.session.<token>`);
    /// `None` disables it. Default [`DEFAULT_PROTOCOL_PREFIX`].
    pub protocol_prefix: Option<String>,
    /// Query parameter name (`wss://host/ws?token=…`); `None` (the default) disables it.
    /// Opt in knowingly: URLs end up in access logs and proxies' logs.
    pub query_param: Option<String>,
}

impl Default for WebSocketTokenOptions {
    fn default() -> Self {
        WebSocketTokenOptions { protocol_prefix: Some(DEFAULT_PROTOCOL_PREFIX.into()), query_param: None }
    }
}

impl WebSocketTokenOptions {
    /// From JSON `{"protocolPrefix": string | null, "queryParam": string | null}` (missing
    /// keys take the defaults; snake_case names are accepted too).
    pub fn from_json(v: &Value) -> Result<WebSocketTokenOptions, Error> {
        let bad = |m: &str| Error::new(ErrorCode::InvalidOption, m);
        let mut o = WebSocketTokenOptions::default();
        let Some(map) = v.as_object() else {
            return if v.is_null() { Ok(o) } else { Err(bad("websocket options must be an object")) };
        };
        for (k, val) in map {
            let slot = match k.as_str() {
                "protocolPrefix" | "protocol_prefix" => &mut o.protocol_prefix,
                "queryParam" | "query_param" => &mut o.query_param,
                other => return Err(bad(&format!("Unknown websocket option {other:?} (expected protocolPrefix, queryParam)"))),
            };
            *slot = match val {
                Value::Null => None,
                Value::String(s) if !s.is_empty() => Some(s.clone()),
                _ => return Err(bad(&format!("websocket option {k:?} must be a non-empty string or null"))),
            };
        }
        Ok(o)
    }
}

/// Where the token of an upgrade came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    /// A `Sec-WebSocket-Protocol` entry.
    Protocol,
    /// The configured query parameter.
    Query,
}

impl TokenSource {
    /// `"protocol"` or `"query"`.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenSource::Protocol => "protocol",
            TokenSource::Query => "query",
        }
    }
}

/// An upgrade request prepared for authentication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSocketUpgrade {
    /// The request to authenticate: the token moved to `Authorization: Bearer`, token
    /// entries removed from `Sec-WebSocket-Protocol` and the query parameter from the URL.
    pub request: Request,
    /// Where the token came from; `None` when the upgrade carried none (or already had an
    /// `Authorization` header, which wins).
    pub token_source: Option<TokenSource>,
    /// The first offered subprotocol that is not a token: the one to answer in the `101`
    /// response's `Sec-WebSocket-Protocol` (a browser fails the socket when it offered
    /// protocols and none is answered).
    pub selected_protocol: Option<String>,
}

impl WebSocketUpgrade {
    /// `{"request": {...}, "tokenSource", "selectedProtocol"}`.
    pub fn to_json(&self) -> Value {
        json!({
            "request": {"method": self.request.method, "url": self.request.url, "headers": self.request.headers},
            "tokenSource": self.token_source.map(TokenSource::as_str),
            "selectedProtocol": self.selected_protocol,
        })
    }
}

fn is_upgrade(request: &Request) -> bool {
    request.header_value("upgrade").is_some_and(|u| u.split(',').any(|p| p.trim().eq_ignore_ascii_case("websocket")))
}

impl Request {
    /// Takes a WebSocket upgrade's session token from its subprotocols (first) or the opt-in
    /// query parameter into `Authorization: Bearer`. Only a WebSocket upgrade
    /// (`Upgrade: websocket`) is changed; an `Authorization` header already present wins.
    pub fn with_websocket_token(&self, opts: &WebSocketTokenOptions) -> WebSocketUpgrade {
        let mut request = self.clone();
        let mut token: Option<(String, TokenSource)> = None;
        let mut selected_protocol = None;
        let upgrade = is_upgrade(self);
        if upgrade {
            if let Some(prefix) = opts.protocol_prefix.as_deref().filter(|p| !p.is_empty()) {
                let offered: Vec<String> = self
                    .headers
                    .iter()
                    .filter(|(n, _)| n.eq_ignore_ascii_case("sec-websocket-protocol"))
                    .flat_map(|(_, v)| v.split(','))
                    .map(|p| p.trim().to_string())
                    .filter(|p| !p.is_empty())
                    .collect();
                let (tokens, others): (Vec<String>, Vec<String>) = offered.into_iter().partition(|p| p.starts_with(prefix));
                token = tokens.iter().map(|p| &p[prefix.len()..]).find(|t| !t.is_empty()).map(|t| (t.to_string(), TokenSource::Protocol));
                selected_protocol = others.first().cloned();
                request.headers.retain(|(n, _)| !n.eq_ignore_ascii_case("sec-websocket-protocol"));
                if !others.is_empty() {
                    request.headers.push(("sec-websocket-protocol".into(), others.join(", ")));
                }
            }
            if let Some(name) = opts.query_param.as_deref().filter(|p| !p.is_empty()) {
                if let Ok(mut url) = Url::parse(&self.url) {
                    let pairs: Vec<(String, String)> = url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
                    if pairs.iter().any(|(k, _)| k == name) {
                        if token.is_none() {
                            token = pairs.iter().find(|(k, v)| k == name && !v.is_empty()).map(|(_, v)| (v.clone(), TokenSource::Query));
                        }
                        let rest: Vec<&(String, String)> = pairs.iter().filter(|(k, _)| k != name).collect();
                        if rest.is_empty() {
                            url.set_query(None);
                        } else {
                            url.query_pairs_mut().clear().extend_pairs(rest.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                        }
                        request.url = url.to_string();
                    }
                }
            }
        }
        let has_authorization = self.headers.iter().any(|(n, v)| n.eq_ignore_ascii_case("authorization") && !v.trim().is_empty());
        let token_source = match token {
            Some((t, source)) if !has_authorization => {
                request.headers.retain(|(n, _)| !n.eq_ignore_ascii_case("authorization"));
                request.headers.push(("authorization".into(), format!("Bearer {t}")));
                Some(source)
            }
            _ => None,
        };
        WebSocketUpgrade { request, token_source, selected_protocol }
    }
}

/// [`Request::with_websocket_token`] with JSON in and out, for hosts that bind through JSON.
pub fn upgrade_json(request: &Value, options: &Value) -> Result<Value, Error> {
    let req = Request::from_json(request)?;
    let opts = WebSocketTokenOptions::from_json(options)?;
    Ok(req.with_websocket_token(&opts).to_json())
}
