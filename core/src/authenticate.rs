//! The `authenticateRequest` state machine: dispatch by accepted token type, the header
//! flows, the cookie flow, and the per-tab session checks. The states it ends in are built in
//! `state.rs`, refresh is `refresh.rs`, organization sync is `org_sync.rs`.

use std::sync::Arc;

use url::Url;

use crate::claims::{claim, Field};
use crate::context::{query_param, Call, CallSetup};
use crate::error::{Error, ErrorCode};
use crate::handshake::{set_pairs, HandshakeFailure};
use crate::jwt::Jwt;
use crate::keys::is_development_secret_key;
use crate::machine::{is_machine_class, Candidate, MachineError};
use crate::options::{AcceptsToken, CallOptions, ResolvedOptions};
use crate::reason::Reason;
use crate::request::Request;
use crate::state::{AuthData, AuthStatus, RequestState, TokenType};
use crate::Authenticator;

fn token_type_of(accepts: &AcceptsToken) -> TokenType {
    match accepts {
        AcceptsToken::One(t) => *t,
        _ => TokenType::SessionToken,
    }
}

impl Call<'_> {
    // ----- header flows (sections 6 and 12) -----

    fn session_header_flow(&self, token: &str) -> RequestState {
        let jwt = match self.decode_token(token) {
            Ok(j) => j,
            Err(e) => return self.handle_token_error(e.into(), "header"),
        };
        if is_machine_class(token, &jwt) || jwt.has_non_session_category() {
            self.step("token-class", || "machine or non-session JWT on the session path".into());
            return self.signed_out(Reason::TokenTypeMismatch, "", Vec::new());
        }
        self.verify_session_state(jwt, "header")
    }

    /// Verifies a decoded session JWT and turns the outcome into a state.
    fn verify_session_state(&self, jwt: Arc<Jwt>, carrier: &str) -> RequestState {
        match self.verify_session_jwt(&jwt, self.opts().skew_ms) {
            Ok(claims) => {
                let token = self.owned_token(jwt);
                self.signed_in_session(token, claims, Vec::new())
            }
            Err(e) => self.handle_token_error(e, carrier),
        }
    }

    fn machine_header_flow(&self, token: &Candidate, accepts: &AcceptsToken) -> RequestState {
        let single = token_type_of(accepts);
        if !token.is_machine() {
            return self.signed_out_typed(Reason::TokenTypeMismatch, "", Vec::new(), single);
        }
        let parsed = token.token_type();
        match parsed {
            Some(t) if accepts.accepts(t) => {}
            other => {
                let tt = if matches!(accepts, AcceptsToken::One(_)) { single } else { other.unwrap_or(single) };
                return self.signed_out_typed(Reason::TokenTypeMismatch, "", Vec::new(), tt);
            }
        }
        match self.verify_machine_token(token) {
            Ok(m) => self.signed_in_machine(token.token, m),
            Err(MachineError { token_type, code, message, status }) => {
                let full = MachineError { token_type, code, message, status }.full_message();
                self.signed_out_typed(code, &full, Vec::new(), token_type)
            }
        }
    }

    fn any_header_flow(&self, token: &Candidate, accepts: &AcceptsToken) -> RequestState {
        if token.is_machine() {
            return self.machine_header_flow(token, accepts);
        }
        // Deviation (spec 12.4, recommended): template and unknown-category JWTs are not
        // session tokens on this path either.
        let jwt = match self.decode_token(token.token) {
            Ok(j) => j,
            Err(e) => return self.handle_token_error(e.into(), "header"),
        };
        if jwt.has_non_session_category() {
            return self.signed_out(Reason::TokenTypeMismatch, "", Vec::new());
        }
        self.verify_session_state(jwt, "header")
    }

    // ----- cookie flow (section 7) -----

    fn cookie_flow(&self) -> Result<RequestState, Error> {
        if self.handshake_nonce().is_some() || self.handshake_token().is_some() {
            match self.resolve_handshake() {
                Ok(state) => return Ok(state),
                Err(HandshakeFailure::Token(v)) if self.is_dev() => {
                    let msg = if v.reason == Reason::TokenInvalidSignature {
                        "Clerk: Handshake token verification failed due to an invalid signature. If you have switched Clerk keys locally, clear your cookies and try again.".to_string()
                    } else {
                        format!("Clerk: Handshake token verification failed: {}.", v.full_message(None))
                    };
                    return Err(Error::new(ErrorCode::HandshakeVerificationFailed, msg));
                }
                Err(HandshakeFailure::Token(v)) => {
                    self.log(&format!("Clerk: unable to resolve handshake: {}", v.full_message(None)));
                    self.step("handshake-resolve", || format!("failed: {}; continuing", v.reason));
                }
                Err(HandshakeFailure::Plain(m)) => {
                    self.log(&format!("Clerk: unable to resolve handshake: {m}"));
                    self.step("handshake-resolve", || format!("failed: {m}; continuing"));
                }
            }
        }
        let has_active_client = self.client_uat() != 0.0;
        let has_session = self.session_token_in_cookie().is_some();
        let md_eligible = self.is_satellite() && self.sec_fetch_dest().as_deref() == Some("document") && self.method() == "GET";
        let synced = query_param(self.clerk_url(), "__clerk_synced");
        let needs_sync = synced.as_deref() == Some("false");
        let sync_completed = synced.as_deref() == Some("true");
        let has_cookies = has_session || has_active_client;
        let skip_satellite = !self.opts().satellite_auto_sync && !has_cookies && !needs_sync;

        if md_eligible && !sync_completed && (self.is_prod() || self.is_dev()) {
            if skip_satellite {
                return Ok(self.signed_out(Reason::SessionTokenAndUatMissing, "", Vec::new()));
            }
            if !has_cookies || needs_sync {
                if self.is_prod() {
                    return Ok(self.maybe_handshake(Reason::SatelliteCookieNeedsSyncing, "", None));
                }
                let sign_in = self.opts().sign_in_url.clone().unwrap_or_default();
                let Ok(mut l) = Url::parse(&sign_in) else {
                    self.step("satellite", || format!("signInUrl {sign_in:?} is not absolute"));
                    return Ok(self.signed_out(Reason::UnexpectedError, "", Vec::new()));
                };
                let mut pairs: Vec<(String, String)> = l.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
                pairs.push(("__clerk_redirect_url".into(), self.clerk_url().to_string()));
                set_pairs(&mut l, &pairs);
                return Ok(self.maybe_handshake(Reason::SatelliteCookieNeedsSyncing, "", Some(l.to_string())));
            }
        }
        if self.is_dev() && !self.is_satellite() {
            if let Some(r) = query_param(self.clerk_url(), "__clerk_redirect_url").filter(|r| !r.is_empty()) {
                let Ok(mut l) = Url::parse(&r) else {
                    return Ok(self.signed_out(Reason::UnexpectedError, "", Vec::new()));
                };
                let mut pairs: Vec<(String, String)> = l.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
                if let Some(d) = self.dev_browser_token() {
                    pairs.push(("__clerk_db_jwt".into(), d.to_string()));
                }
                pairs.retain(|(k, _)| k != "__clerk_synced");
                pairs.push(("__clerk_synced".into(), "true".into()));
                set_pairs(&mut l, &pairs);
                return Ok(self.maybe_handshake(Reason::PrimaryRespondsToSyncing, "", Some(l.to_string())));
            }
        }
        if self.is_dev() && self.clerk_url().query_pairs().any(|(k, _)| k == "__clerk_db_jwt") {
            return Ok(self.maybe_handshake(Reason::DevBrowserSync, "", None));
        }
        if self.is_dev() && self.dev_browser_token().is_none() {
            return Ok(self.maybe_handshake(Reason::DevBrowserMissing, "", None));
        }
        if !has_active_client && !has_session {
            return Ok(self.signed_out(Reason::SessionTokenAndUatMissing, "", Vec::new()));
        }
        if !has_active_client && has_session {
            return Ok(self.maybe_handshake(Reason::SessionTokenWithoutClientUat, "", None));
        }
        let Some(token) = self.session_token_in_cookie().as_deref() else {
            return Ok(self.maybe_handshake(Reason::ClientUatWithoutSessionToken, "", None));
        };
        self.step("token-source", || format!("cookie {} (client_uat {})", if self.suffixed() { "__session_<suffix>" } else { "__session" }, self.client_uat()));
        let jwt = match self.decode_token(token) {
            Ok(j) => j,
            Err(e) => return Ok(self.handle_token_error(e.into(), "cookie")),
        };
        if is_machine_class(token, &jwt) || jwt.has_non_session_category() {
            return Ok(self.signed_out(Reason::TokenTypeMismatch, "", Vec::new()));
        }
        // JavaScript's `payload.iat < clientUat`, whatever the unverified `iat` holds.
        if crate::js::to_number(jwt.payload.value(claim::IAT).as_ref()) < self.client_uat() {
            return Ok(self.maybe_handshake(Reason::SessionTokenIatBeforeClientUat, "", None));
        }
        let claims = match self.verify_session_jwt(&jwt, self.opts().skew_ms) {
            Ok(c) => c,
            Err(e) => return Ok(self.handle_token_error(e, "cookie")),
        };
        if matches!(claims.field(claim::AZP), None | Some(Field::Null) | Some(Field::Bool(false))) || claims.str(claim::AZP) == Some("") {
            self.warn_missing_azp();
        }
        let token = self.owned_token(jwt);
        let state = self.signed_in_session(token, claims, Vec::new());
        if state.status != AuthStatus::SignedIn {
            return Ok(state);
        }
        if !self.is_satellite()
            && self.method() == "GET"
            && self.sec_fetch_dest().as_deref() == Some("document")
            && self.is_cross_origin_referrer()
            && !self.is_known_clerk_referrer()
            && self.redirect_loop_counter() == 0.0
        {
            return Ok(self.maybe_handshake(Reason::PrimaryDomainCrossOriginSync, "Cross-origin request from satellite domain requires handshake", None));
        }
        Ok(self.organization_sync(state, true))
    }

    // ----- per-tab sessions -----

    fn check_expected_identity(&self, state: RequestState) -> RequestState {
        let Some(AuthData::Session(s)) = Some(&state.auth).filter(|_| state.status == AuthStatus::SignedIn) else {
            return state;
        };
        let wanted = |h: &Option<String>| h.as_deref().and_then(|h| self.request().header_value(h));
        let want_sid = wanted(&self.opts().expected_session_header);
        let want_sub = wanted(&self.opts().expected_user_header);
        let sid_bad = want_sid.as_deref().is_some_and(|w| s.session_id() != Some(w));
        let sub_bad = want_sub.as_deref().is_some_and(|w| s.user_id() != w);
        if sid_bad || sub_bad {
            let (sid, sub) = (s.session_id().unwrap_or_default().to_string(), s.user_id().to_string());
            self.step("expected-identity", || format!("request names session {want_sid:?} user {want_sub:?}; token has {sid} {sub}"));
            return self.signed_out(Reason::SessionMismatch, "The verified token belongs to another session or user than the request names", Vec::new());
        }
        state
    }

    /// Runs the flows, then organization sync for a signed-in session the flow did not sync
    /// itself (header flows, refresh, handshake resolution). Machine tokens are not affected.
    fn run(&self, accepts: &AcceptsToken) -> Result<RequestState, Error> {
        let state = self.run_flows(accepts)?;
        let session = state.status == AuthStatus::SignedIn && matches!(state.auth, AuthData::Session(_));
        Ok(if session && !self.org_synced() { self.organization_sync(state, false) } else { state })
    }

    fn run_flows(&self, accepts: &AcceptsToken) -> Result<RequestState, Error> {
        let header_token = self.token_in_header().as_deref();
        // Machine-token rules look at the header token once (none apply to `session_token`).
        let candidate = header_token.filter(|_| *accepts != AcceptsToken::One(TokenType::SessionToken)).map(|t| self.candidate(t));
        if let AcceptsToken::List(list) = accepts {
            let parsed = match &candidate {
                Some(c) if c.is_machine() => c.token_type(),
                _ => Some(TokenType::SessionToken),
            };
            if !parsed.is_some_and(|p| list.contains(&p)) {
                return Ok(self.invalid_token_state());
            }
        }
        if let Some(token) = header_token {
            self.step("token-source", || "Authorization header (cookies ignored)".into());
            return Ok(match &candidate {
                None => self.session_header_flow(token),
                Some(c) if matches!(accepts, AcceptsToken::One(_)) => self.machine_header_flow(c, accepts),
                Some(c) => self.any_header_flow(c, accepts),
            });
        }
        if let AcceptsToken::One(t) = accepts {
            if *t != TokenType::SessionToken {
                return Ok(self.signed_out_typed(Reason::NoTokenInHeader, "", Vec::new(), *t));
            }
        }
        if let Some(h) = self.opts().require_tab_token.clone() {
            if self.request().has_header(&h) {
                self.step("tab-token", || format!("request carries {h} but no Authorization token; the shared cookie is not used"));
                return Ok(self.signed_out(Reason::TabTokenRequired, "This request must carry its own session token in the Authorization header", Vec::new()));
            }
        }
        self.cookie_flow()
    }
}

impl Authenticator {
    /// One call; `no_network`: the no-network path (`None` when the Backend API is needed).
    pub(crate) fn authenticate_call(&self, request: &Request, opts: CallOptions<'_>, now_ms: f64, no_network: bool) -> Result<Option<RequestState>, Error> {
        let accepts = opts.accepts.clone();
        let machine_only = matches!(accepts, AcceptsToken::One(TokenType::M2mToken) | AcceptsToken::One(TokenType::ApiKey));
        // Organization patterns first: a bad pattern is the same error whether it came with the
        // instance options or per call (an authenticator cache moves it to per call).
        let org_matcher = self.org_matcher_for(&opts)?;
        let pk = if machine_only { None } else { Some(self.publishable_key(opts.publishable_key.as_deref())?) };
        let initial = Url::parse(&request.url).map_err(|e| Error::new(ErrorCode::InvalidRequest, format!("Invalid request URL {:?}: {e}", request.url)))?;
        if accepts != AcceptsToken::One(TokenType::M2mToken) {
            if opts.secret_key.as_deref().is_none_or(str::is_empty) {
                return Err(Error::new(ErrorCode::MissingSecretKey, "Missing Clerk Secret Key. Go to https://dashboard.clerk.com and get your key for your instance."));
            }
            if opts.is_satellite {
                check_satellite(&opts, request)?;
            }
        } else if opts.machine_secret_key.as_deref().is_none_or(str::is_empty) && opts.secret_key.as_deref().is_none_or(str::is_empty) {
            return Err(Error::new(
                ErrorCode::MissingMachineSecretKey,
                "Machine token authentication requires either a Machine secret key or a Clerk secret key. Ensure a Clerk secret key or Machine secret key is set.",
            ));
        }
        let call = Call::new(self, request, initial, CallSetup { opts, now_ms, pk, org_matcher, no_network });
        let state = call.run(&accepts);
        if call.needed_network() {
            return Ok(None);
        }
        let mut state = call.check_expected_identity(state?);
        state.trace = call.take_trace();
        Ok(Some(state))
    }
}

fn check_satellite(opts: &ResolvedOptions, request: &Request) -> Result<(), Error> {
    let err = |m: &str| Error::new(ErrorCode::InvalidSatelliteConfig, m);
    let sign_in = opts.sign_in_url.as_deref().filter(|s| !s.is_empty());
    if sign_in.is_none() && is_development_secret_key(opts.secret_key.as_deref().unwrap_or("")) {
        return Err(err("Missing signInUrl. Pass a signInUrl for dev instances if an app is satellite"));
    }
    if let (Some(s), Some(origin)) = (sign_in, request.header_value("origin")) {
        let u = Url::parse(s).map_err(|_| err("The signInUrl needs to have a absolute url format."))?;
        if u.origin().ascii_serialization() == origin {
            return Err(err("The signInUrl needs to be on a different origin than your satellite application."));
        }
    }
    if opts.proxy_url.as_deref().is_none_or(str::is_empty) && opts.domain.as_deref().is_none_or(str::is_empty) {
        return Err(err("Missing domain and proxyUrl. A satellite application needs to specify a domain or a proxyUrl"));
    }
    Ok(())
}
