//! A local OpenID Connect provider for the tests, speaking the real protocol over HTTP:
//! discovery, its signing keys, an authorization endpoint that signs the configured person in
//! at once and sends the browser back with a code, and a token endpoint that checks the
//! client, the redirect, the code (single use) and S256 PKCE before it issues an RS256-signed
//! ID token with an access token and a refresh token. The refresh token grant renews them
//! (rotating the refresh token) and RFC 7009 revocation ends them. Knobs make it misbehave
//! the ways an attacker or a broken provider would, or do what a person does at the provider
//! (withdraw Scout's access).
//!
//! It also plays Facebook Login: a token request with the client in its body (as Facebook's
//! is) gets a Graph-shaped answer (a long-lived access token, no refresh token, no ID token),
//! `GET /me` answers who the token belongs to when its `appsecret_proof` is right, and
//! `DELETE /me/permissions` ends the token.

use axum::{
    Form, Json, Router,
    extract::{Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use base64::Engine;
use openidconnect::{
    Audience, EmptyAdditionalClaims, EndUserEmail, IssuerUrl, JsonWebKeyId, Nonce,
    PrivateSigningKey, StandardClaims, SubjectIdentifier,
    core::{
        CoreIdToken, CoreIdTokenClaims, CoreJsonWebKeySet, CoreJwsSigningAlgorithm,
        CoreRsaPrivateSigningKey,
    },
};
use sha2::{Digest, Sha256};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

/// The test-only RSA key the stand-in signs with (made for these tests; it signs nothing else).
const KEY: &str = include_str!("fixtures/oidc-test-key.pem");
pub const CLIENT_ID: &str = "scout-test";
pub const CLIENT_SECRET: &str = "stand-in-secret";

/// Who signs in at the stand-in's authorization endpoint.
#[derive(Clone, Debug)]
pub struct Person {
    pub subject: String,
    pub email: String,
    pub email_verified: bool,
}

/// How the next ID tokens are wrong.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tamper {
    #[default]
    Nothing,
    /// Another issuer in `iss`.
    Issuer,
    /// A nonce other than the one in the authorization request.
    Nonce,
    /// Issued to another client.
    Audience,
    /// Asked to sign the person in again (`max_age`), it names a sign-in of an hour ago as
    /// the one that counts (a provider that kept its session instead).
    StaleSignIn,
}

struct Grant {
    scope: String,
    redirect_uri: String,
    code_challenge: String,
    nonce: Option<String>,
    /// `max_age` was asked for: the ID token says when the person signed in (`auth_time`).
    max_age: bool,
    person: Person,
}

/// How the marketplace's advert API answers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Market {
    #[default]
    Up,
    /// 503 to everything.
    Down,
    /// Does what is asked, then answers 503 as if the answer were lost on the way.
    LosesAnswers,
}

/// How the token endpoint answers a refresh token grant.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Renewals {
    /// New tokens for a live refresh token, `invalid_grant` for any other.
    #[default]
    Normal,
    /// The person withdrew Scout's access at the provider: `invalid_grant`.
    Withdrawn,
    /// The provider is down: 503.
    Down,
}

struct Inner {
    issuer: String,
    renewals: Renewals,
    /// Refresh tokens it issued that still work, and whose they are.
    refresh_tokens: HashMap<String, (Person, String)>,
    /// Access tokens it issued, and whose they are (for `users/me`).
    access_tokens: HashMap<String, Person>,
    /// Every token a client revoked, in order.
    revoked: Vec<String>,
    /// The refresh tokens clients renewed with, in order.
    renewed_with: Vec<String>,
    /// Publishes a revocation endpoint in discovery.
    revocation: bool,
    /// The marketplace's adverts, by id (OLX's shape), and every call made to them.
    adverts: std::collections::BTreeMap<u64, serde_json::Value>,
    advert_calls: Vec<String>,
    /// How many pages of `/cities` were read.
    city_pages: usize,
    /// How the advert API answers.
    market: Market,
    person: Person,
    tamper: Tamper,
    codes: HashMap<String, Grant>,
    /// The query of every authorization request, in order.
    requests: Vec<HashMap<String, String>>,
    next: u32,
}

#[derive(Clone)]
pub struct Provider {
    pub issuer: String,
    inner: Arc<Mutex<Inner>>,
}

impl Provider {
    pub async fn start(person: Person) -> Provider {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let inner = Arc::new(Mutex::new(Inner {
            issuer: issuer.clone(),
            renewals: Renewals::Normal,
            refresh_tokens: HashMap::new(),
            access_tokens: HashMap::new(),
            revoked: Vec::new(),
            renewed_with: Vec::new(),
            revocation: true,
            adverts: Default::default(),
            advert_calls: Vec::new(),
            city_pages: 0,
            market: Market::Up,
            person,
            tamper: Tamper::Nothing,
            codes: HashMap::new(),
            requests: Vec::new(),
            next: 0,
        }));
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .route("/revoke", post(revoke))
            // Facebook's Graph API
            .route("/me", get(graph_me))
            .route("/me/permissions", axum::routing::delete(graph_revoke))
            // the marketplace's API (OLX's shape): who the access token belongs to
            .route("/users/me", get(users_me))
            .route("/cities", get(cities))
            .route("/adverts", post(create_advert))
            .route(
                "/adverts/{id}",
                axum::routing::put(update_advert).delete(delete_advert),
            )
            .route("/adverts/{id}/commands", post(advert_command))
            .with_state(inner.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Provider { issuer, inner }
    }

    pub fn set_person(&self, person: Person) {
        self.inner.lock().unwrap().person = person;
    }

    /// Every access token it issued stops working (what a person withdrawing Scout's access
    /// at the marketplace does; refresh tokens are left alone).
    pub fn forget_access_tokens(&self) {
        self.inner.lock().unwrap().access_tokens.clear();
    }

    pub fn market(&self, market: Market) {
        self.inner.lock().unwrap().market = market;
    }

    /// The adverts the marketplace holds, each with its `id` and `status`.
    pub fn adverts(&self) -> Vec<serde_json::Value> {
        self.inner
            .lock()
            .unwrap()
            .adverts
            .values()
            .cloned()
            .collect()
    }

    /// Every call to the advert API, as "METHOD /path".
    /// How many pages of the marketplace's places were read.
    pub fn city_pages(&self) -> usize {
        self.inner.lock().unwrap().city_pages
    }

    pub fn advert_calls(&self) -> Vec<String> {
        self.inner.lock().unwrap().advert_calls.clone()
    }

    pub fn renewals(&self, renewals: Renewals) {
        self.inner.lock().unwrap().renewals = renewals;
    }

    /// Leaves the revocation endpoint out of discovery.
    pub fn without_revocation(&self) {
        self.inner.lock().unwrap().revocation = false;
    }

    /// Every token clients revoked, in order.
    pub fn revoked(&self) -> Vec<String> {
        self.inner.lock().unwrap().revoked.clone()
    }

    /// The refresh tokens clients renewed with, in order.
    pub fn renewed_with(&self) -> Vec<String> {
        self.inner.lock().unwrap().renewed_with.clone()
    }

    pub fn tamper(&self, tamper: Tamper) {
        self.inner.lock().unwrap().tamper = tamper;
    }

    /// The query of the latest authorization request.
    pub fn last_request(&self) -> HashMap<String, String> {
        self.inner.lock().unwrap().requests.last().cloned().unwrap()
    }

    /// What a browser sent to `authorize_url` gets back: the callback URL with the code.
    pub async fn sign_in(&self, authorize_url: &str) -> String {
        let res = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(authorize_url)
            .send()
            .await
            .unwrap();
        assert!(res.status().is_redirection(), "{:?}", res.text().await);
        res.headers()[header::LOCATION]
            .to_str()
            .unwrap()
            .to_string()
    }
}

type Shared = State<Arc<Mutex<Inner>>>;

async fn discovery(State(inner): Shared) -> Json<serde_json::Value> {
    let (issuer, revocation) = {
        let inner = inner.lock().unwrap();
        (inner.issuer.clone(), inner.revocation)
    };
    let mut doc = serde_json::json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": true
    });
    if revocation {
        doc["revocation_endpoint"] = format!("{issuer}/revoke").into();
    }
    Json(doc)
}

fn signing_key() -> CoreRsaPrivateSigningKey {
    CoreRsaPrivateSigningKey::from_pem(KEY, Some(JsonWebKeyId::new("stand-in-1".into()))).unwrap()
}

async fn jwks() -> Json<CoreJsonWebKeySet> {
    Json(CoreJsonWebKeySet::new(vec![
        signing_key().as_verification_key(),
    ]))
}

async fn authorize(State(inner): Shared, Query(q): Query<HashMap<String, String>>) -> Response {
    let mut inner = inner.lock().unwrap();
    inner.requests.push(q.clone());
    let ok = q.get("response_type").map(String::as_str) == Some("code")
        && q.get("client_id").map(String::as_str) == Some(CLIENT_ID)
        && q.get("code_challenge_method").map(String::as_str) == Some("S256")
        && q.get("scope").is_some_and(|s| !s.is_empty());
    let (Some(redirect_uri), Some(state), Some(challenge), true) = (
        q.get("redirect_uri"),
        q.get("state"),
        q.get("code_challenge"),
        ok,
    ) else {
        return (StatusCode::BAD_REQUEST, "invalid_request").into_response();
    };
    inner.next += 1;
    let code = format!("code-{}", inner.next);
    let grant = Grant {
        scope: q.get("scope").cloned().unwrap_or_default(),
        redirect_uri: redirect_uri.clone(),
        code_challenge: challenge.clone(),
        nonce: q.get("nonce").cloned(),
        max_age: q.contains_key("max_age"),
        person: inner.person.clone(),
    };
    inner.codes.insert(code.clone(), grant);
    let mut to = reqwest::Url::parse(redirect_uri).unwrap();
    to.query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", state)
        .append_pair("iss", &inner.issuer);
    Redirect::to(to.as_str()).into_response()
}

#[derive(serde::Deserialize)]
struct TokenForm {
    grant_type: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    redirect_uri: String,
    code_verifier: Option<String>,
    refresh_token: Option<String>,
    /// Facebook's way: the client in the body rather than HTTP Basic.
    client_id: Option<String>,
    client_secret: Option<String>,
}

fn basic_ok(headers: &HeaderMap) -> bool {
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    );
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        == Some(basic.as_str())
}

/// A new access token and refresh token for `person`, as a token response carries them.
fn new_tokens(inner: &mut Inner, person: Person, scope: &str) -> serde_json::Value {
    inner.next += 1;
    let (access, refresh) = (
        format!("access-{}", inner.next),
        format!("refresh-{}", inner.next),
    );
    inner
        .refresh_tokens
        .insert(refresh.clone(), (person.clone(), scope.to_string()));
    inner.access_tokens.insert(access.clone(), person);
    serde_json::json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": 3600,
        "refresh_token": refresh,
        "scope": scope,
    })
}

#[derive(serde::Deserialize)]
struct RevokeForm {
    token: String,
}

/// RFC 7009: the token ends; an unknown one is answered 200 too.
async fn revoke(State(inner): Shared, headers: HeaderMap, Form(f): Form<RevokeForm>) -> Response {
    if !basic_ok(&headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let mut inner = inner.lock().unwrap();
    inner.refresh_tokens.remove(&f.token);
    inner.access_tokens.remove(&f.token);
    inner.revoked.push(f.token);
    StatusCode::OK.into_response()
}

async fn token(State(inner): Shared, headers: HeaderMap, Form(f): Form<TokenForm>) -> Response {
    let refuse = |error: &str| {
        (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({ "error": error })),
        )
            .into_response()
    };
    let in_body = f.client_id.as_deref() == Some(CLIENT_ID)
        && f.client_secret.as_deref() == Some(CLIENT_SECRET);
    if !basic_ok(&headers) && !in_body {
        return (
            StatusCode::UNAUTHORIZED,
            Json(serde_json::json!({ "error": "invalid_client" })),
        )
            .into_response();
    }
    let mut inner = inner.lock().unwrap();
    if f.grant_type == "refresh_token" {
        let held = f.refresh_token.unwrap_or_default();
        inner.renewed_with.push(held.clone());
        let renewals = inner.renewals;
        return match renewals {
            Renewals::Down => StatusCode::SERVICE_UNAVAILABLE.into_response(),
            Renewals::Withdrawn => refuse("invalid_grant"),
            // rotated: a refresh token works once; a renewal may narrow the scopes (the first
            // one asked for is dropped)
            Renewals::Normal => match inner.refresh_tokens.remove(&held) {
                Some((person, scope)) => {
                    let narrower = scope.split(' ').skip(1).collect::<Vec<_>>().join(" ");
                    Json(new_tokens(&mut inner, person, &narrower)).into_response()
                }
                None => refuse("invalid_grant"),
            },
        };
    }
    // a code works once
    let Some(grant) = inner.codes.remove(&f.code) else {
        return refuse("invalid_grant");
    };
    let pkce = f.code_verifier.as_deref().map(|v| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(v.as_bytes()))
    });
    if f.grant_type != "authorization_code"
        || f.redirect_uri != grant.redirect_uri
        || pkce.as_deref() != Some(grant.code_challenge.as_str())
    {
        return refuse("invalid_grant");
    }
    if in_body {
        // Facebook: a long-lived access token and nothing else
        inner.next += 1;
        let access = format!("fb-access-{}", inner.next);
        inner.access_tokens.insert(access.clone(), grant.person);
        return Json(serde_json::json!({
            "access_token": access, "token_type": "bearer", "expires_in": 5_183_944
        }))
        .into_response();
    }
    let issuer = match inner.tamper {
        Tamper::Issuer => "http://127.0.0.1:9/another-issuer".to_string(),
        _ => inner.issuer.clone(),
    };
    let audience = match inner.tamper {
        Tamper::Audience => "someone-else",
        _ => CLIENT_ID,
    };
    let nonce = match inner.tamper {
        Tamper::Nonce => Some("a-nonce-from-another-sign-in".to_string()),
        _ => grant.nonce,
    };
    let now = chrono::Utc::now();
    let claims = CoreIdTokenClaims::new(
        IssuerUrl::new(issuer).unwrap(),
        vec![Audience::new(audience.into())],
        now + chrono::Duration::minutes(5),
        now,
        StandardClaims::new(SubjectIdentifier::new(grant.person.subject.clone()))
            .set_email(Some(EndUserEmail::new(grant.person.email.clone())))
            .set_email_verified(Some(grant.person.email_verified)),
        EmptyAdditionalClaims {},
    )
    .set_nonce(nonce.map(Nonce::new))
    .set_auth_time(grant.max_age.then(|| {
        if inner.tamper == Tamper::StaleSignIn {
            now - chrono::Duration::hours(1)
        } else {
            now
        }
    }));
    let id_token = CoreIdToken::new(
        claims,
        &signing_key(),
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        None,
        None,
    )
    .unwrap();
    let mut answer = new_tokens(&mut inner, grant.person.clone(), &grant.scope);
    answer["id_token"] = id_token.to_string().into();
    Json(answer).into_response()
}

/// `GET /users/me` with a bearer access token it issued: `{"data": {"id", "email", "name"}}`
/// (a numeric subject is a number, as OLX's user ids are).
async fn users_me(State(inner): Shared, headers: HeaderMap) -> Response {
    let inner = inner.lock().unwrap();
    let Some(person) = bearer(&inner, &headers) else {
        return (
            StatusCode::UNAUTHORIZED,
            Json(serde_json::json!({ "error": "invalid_token" })),
        )
            .into_response();
    };
    let id = person.subject.parse::<u64>().map_or_else(
        |_| serde_json::json!(person.subject),
        |n| serde_json::json!(n),
    );
    Json(serde_json::json!({
        "data": { "id": id, "email": person.email, "name": "Stand-in seller" }
    }))
    .into_response()
}

/// Graph's refusal of a token it does not know.
fn graph_refusal() -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(serde_json::json!({ "error": {
            "message": "Invalid OAuth access token data.", "type": "OAuthException", "code": 190
        }})),
    )
        .into_response()
}

/// The token's holder, when its `appsecret_proof` (HMAC-SHA256 under the client secret) fits.
fn graph_person(inner: &Inner, headers: &HeaderMap, q: &HashMap<String, String>) -> Option<Person> {
    use hmac::Mac;
    let person = bearer(inner, headers)?;
    let token = headers[header::AUTHORIZATION]
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")?;
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(CLIENT_SECRET.as_bytes()).unwrap();
    mac.update(token.as_bytes());
    let proof = hex::encode(mac.finalize().into_bytes());
    (q.get("appsecret_proof") == Some(&proof)).then_some(person)
}

/// Graph `GET /me?fields=id,email`: the app-scoped id, and the email when it is confirmed.
async fn graph_me(
    State(inner): Shared,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let inner = inner.lock().unwrap();
    let Some(person) = graph_person(&inner, &headers, &q) else {
        return graph_refusal();
    };
    let mut me = serde_json::json!({ "id": person.subject });
    if person.email_verified && q.get("fields").is_some_and(|f| f.contains("email")) {
        me["email"] = person.email.into();
    }
    Json(me).into_response()
}

/// Graph `DELETE /me/permissions`: the person's grant to the app ends, and the token with it.
async fn graph_revoke(
    State(inner): Shared,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut inner = inner.lock().unwrap();
    if graph_person(&inner, &headers, &q).is_none() {
        return graph_refusal();
    }
    let token = headers[header::AUTHORIZATION].to_str().unwrap()["Bearer ".len()..].to_string();
    inner.access_tokens.remove(&token);
    inner.revoked.push(token);
    Json(serde_json::json!({ "success": true })).into_response()
}

/// The person a bearer access token it issued belongs to.
fn bearer(inner: &Inner, headers: &HeaderMap) -> Option<Person> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .and_then(|token| inner.access_tokens.get(token))
        .cloned()
}

/// What the advert API answers before looking at the request: 401 without a live token, 503
/// when down.
fn gate(inner: &mut Inner, headers: &HeaderMap, call: String) -> Result<Person, StatusCode> {
    inner.advert_calls.push(call);
    if inner.market == Market::Down {
        return Err(StatusCode::SERVICE_UNAVAILABLE);
    }
    bearer(inner, headers).ok_or(StatusCode::UNAUTHORIZED)
}

/// The marketplace's places (OLX's `/cities`: its own ids), Vidin not among them.
pub const CITIES: [(u64, &str); 8] = [
    (1, "София"),
    (2, "Пловдив"),
    (3, "Варна"),
    (4, "Бургас"),
    (5, "Русе"),
    (6, "Стара Загора"),
    (7, "Плевен"),
    (8, "Благоевград"),
];

/// `GET /cities?offset=&limit=`: OLX's `{"data": [{"id", "name", "region_id"}]}`, at most
/// three a page (so a client must page through them).
async fn cities(
    State(inner): Shared,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut inner = inner.lock().unwrap();
    if inner.market == Market::Down {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    if bearer(&inner, &headers).is_none() {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    inner.city_pages += 1;
    let offset: usize = q.get("offset").and_then(|o| o.parse().ok()).unwrap_or(0);
    let limit: usize = q.get("limit").and_then(|l| l.parse().ok()).unwrap_or(3);
    let data: Vec<serde_json::Value> = CITIES
        .iter()
        .skip(offset)
        .take(limit.min(3))
        .map(|(id, name)| serde_json::json!({ "id": id, "name": name, "region_id": 1 }))
        .collect();
    Json(serde_json::json!({ "data": data })).into_response()
}

/// OLX's rules for titles and places, answered the way OLX answers a validation error.
fn invalid(advert: &serde_json::Value) -> Option<Response> {
    let title = advert["title"].as_str().unwrap_or_default().chars().count();
    let city = advert["location"]["city_id"].as_u64();
    let problem = if !(16..=70).contains(&title) {
        ("title", "Title must be between 16 and 70 characters")
    } else if !CITIES.iter().any(|(id, _)| Some(*id) == city) {
        ("location.city_id", "Unknown city")
    } else {
        return None;
    };
    Some(
        (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({ "error": {
                "status": 400, "title": "Invalid request", "detail": "Data validation error occurred",
                "validation": [{ "field": problem.0, "title": "Invalid field value",
                                 "detail": problem.1 }]
            }})),
        )
            .into_response(),
    )
}

/// What the stand-in answers once it has done what was asked.
fn done(inner: &Inner, ok: Response) -> Response {
    if inner.market == Market::LosesAnswers {
        StatusCode::SERVICE_UNAVAILABLE.into_response()
    } else {
        ok
    }
}

async fn create_advert(
    State(inner): Shared,
    headers: HeaderMap,
    Json(mut advert): Json<serde_json::Value>,
) -> Response {
    let mut inner = inner.lock().unwrap();
    let person = match gate(&mut inner, &headers, "POST /adverts".into()) {
        Ok(p) => p,
        Err(status) => return status.into_response(),
    };
    if let Some(refusal) = invalid(&advert) {
        return refusal;
    }
    // the same external_id from the same person: the advert it already made
    let external = advert["external_id"].clone();
    if let Some(same) = inner
        .adverts
        .values()
        .find(|a| a["external_id"] == external && a["owner"] == person.subject.as_str())
    {
        let same = same.clone();
        return done(
            &inner,
            Json(serde_json::json!({ "data": same })).into_response(),
        );
    }
    let id = 1000 + inner.adverts.len() as u64 + 1;
    advert["id"] = id.into();
    advert["status"] = "active".into();
    advert["owner"] = person.subject.clone().into();
    inner.adverts.insert(id, advert.clone());
    done(
        &inner,
        Json(serde_json::json!({ "data": advert })).into_response(),
    )
}

/// The advert `id` of the token's owner, if it has one.
fn owned<'a>(inner: &'a mut Inner, id: &str, person: &Person) -> Option<&'a mut serde_json::Value> {
    let id: u64 = id.parse().ok()?;
    inner
        .adverts
        .get_mut(&id)
        .filter(|a| a["owner"] == person.subject.as_str())
}

async fn update_advert(
    State(inner): Shared,
    axum::extract::Path(id): axum::extract::Path<String>,
    headers: HeaderMap,
    Json(mut advert): Json<serde_json::Value>,
) -> Response {
    let mut inner = inner.lock().unwrap();
    let person = match gate(&mut inner, &headers, format!("PUT /adverts/{id}")) {
        Ok(p) => p,
        Err(status) => return status.into_response(),
    };
    if let Some(refusal) = invalid(&advert) {
        return refusal;
    }
    let Some(held) = owned(&mut inner, &id, &person) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    for keep in ["id", "status", "owner", "external_id"] {
        advert[keep] = held[keep].clone();
    }
    *held = advert.clone();
    done(
        &inner,
        Json(serde_json::json!({ "data": advert })).into_response(),
    )
}

async fn advert_command(
    State(inner): Shared,
    axum::extract::Path(id): axum::extract::Path<String>,
    headers: HeaderMap,
    Json(command): Json<serde_json::Value>,
) -> Response {
    let mut inner = inner.lock().unwrap();
    let person = match gate(
        &mut inner,
        &headers,
        format!("POST /adverts/{id}/commands {}", command["command"]),
    ) {
        Ok(p) => p,
        Err(status) => return status.into_response(),
    };
    let status = match command["command"].as_str() {
        Some("activate") => "active",
        Some("deactivate") => "inactive",
        _ => return StatusCode::BAD_REQUEST.into_response(),
    };
    let Some(held) = owned(&mut inner, &id, &person) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    held["status"] = status.into();
    done(&inner, StatusCode::NO_CONTENT.into_response())
}

async fn delete_advert(
    State(inner): Shared,
    axum::extract::Path(id): axum::extract::Path<String>,
    headers: HeaderMap,
) -> Response {
    let mut inner = inner.lock().unwrap();
    let person = match gate(&mut inner, &headers, format!("DELETE /adverts/{id}")) {
        Ok(p) => p,
        Err(status) => return status.into_response(),
    };
    if owned(&mut inner, &id, &person).is_none() {
        return StatusCode::NOT_FOUND.into_response();
    }
    inner.adverts.remove(&id.parse::<u64>().unwrap_or_default());
    done(&inner, StatusCode::NO_CONTENT.into_response())
}
