//! Facebook Login for a web server, which is OAuth 2 and the Graph API rather than OpenID
//! Connect: Facebook's discovery document names no token endpoint, and its OIDC code flow is
//! documented as "still in testing". So: the authorization code flow with S256 PKCE (Facebook
//! supports it) and the same single-use `state` as every provider (`providers.rs` keeps it);
//! the code exchanged at the Graph API's token endpoint with the client in the request body,
//! as Facebook documents it; the person read from `<graph>/me` with `appsecret_proof` (an
//! HMAC of the access token under the app secret, so a leaked token is useless to anyone
//! without the secret). A person is (`facebook`, `https://www.facebook.com`, their app-scoped
//! user id); Graph returns an email only when Facebook has confirmed one. Facebook gives no
//! refresh token: its access lasts about 60 days and then the link asks to be reconnected.
//! Disconnecting revokes with `DELETE <graph>/me/permissions`.

use super::identities::Tokens;
use crate::{
    error::AppError,
    server::config::{GraphApi, ProviderConfig},
};
use hmac::{Hmac, Mac};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet,
    EndpointSet, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse, TokenUrl,
    basic::BasicClient,
};
use serde::Deserialize;
use sha2::Sha256;

/// The permissions Scout asks Facebook for.
pub const SCOPES: [&str; 2] = ["email", "public_profile"];

type Client = BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

fn client(origin: &str, config: &ProviderConfig, graph: &GraphApi) -> Result<Client, AppError> {
    Ok(BasicClient::new(ClientId::new(config.client_id.clone()))
        .set_client_secret(ClientSecret::new(config.client_secret.clone()))
        .set_auth_type(AuthType::RequestBody)
        .set_auth_uri(AuthUrl::new(graph.authorize_url.clone()).map_err(AppError::internal)?)
        .set_token_uri(TokenUrl::new(graph.token_url.clone()).map_err(AppError::internal)?)
        .set_redirect_uri(
            RedirectUrl::new(format!("{origin}/auth/{}/callback", config.id))
                .map_err(AppError::internal)?,
        ))
}

/// The login dialog's address for a new sign-in, with its `state` and PKCE verifier.
pub struct Start {
    pub url: String,
    pub state: String,
    pub pkce_verifier: String,
}

/// `reauthenticate`: Facebook asks for the password again even when signed in there.
pub fn start(
    origin: &str,
    config: &ProviderConfig,
    graph: &GraphApi,
    reauthenticate: bool,
) -> Result<Start, AppError> {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let client = client(origin, config, graph)?;
    let mut request = client
        .authorize_url(CsrfToken::new_random)
        .add_scopes(SCOPES.iter().map(|s| Scope::new((*s).into())))
        .set_pkce_challenge(challenge);
    if reauthenticate {
        request = request.add_extra_param("auth_type", "reauthenticate");
    }
    let (url, csrf) = request.url();
    Ok(Start {
        url: url.to_string(),
        state: csrf.secret().clone(),
        pkce_verifier: verifier.secret().clone(),
    })
}

/// The person Facebook signed in, as Graph `/me` names them.
#[derive(Debug, Deserialize)]
pub struct Person {
    /// The app-scoped user id.
    pub id: String,
    /// Present only when Facebook has a confirmed address and the person shared it.
    pub email: Option<String>,
}

/// Exchanges `code` (with its PKCE verifier) for an access token and reads who it belongs to.
/// Err: why, for the log (the person is told the sign-in failed).
pub async fn finish(
    http: &reqwest::Client,
    origin: &str,
    config: &ProviderConfig,
    graph: &GraphApi,
    code: String,
    pkce_verifier: String,
) -> Result<(Person, Tokens), String> {
    let token = client(origin, config, graph)
        .map_err(|e| e.to_string())?
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier))
        .request_async(http)
        .await
        .map_err(|e| format!("the code was refused: {e}"))?;
    let access = token.access_token().secret().clone();
    let answer = http
        .get(format!("{}/me", graph.api_url))
        .query(&[
            ("fields", "id,email"),
            ("appsecret_proof", &proof(&config.client_secret, &access)),
        ])
        .bearer_auth(&access)
        .send()
        .await
        .map_err(|e| format!("/me: {e}"))?;
    if !answer.status().is_success() {
        return Err(format!("/me answered {}", answer.status()));
    }
    let person: Person = answer.json().await.map_err(|e| format!("/me: {e}"))?;
    if person.id.is_empty() || person.id.len() > 255 {
        return Err("/me gave an empty or overlong id".into());
    }
    let tokens = Tokens {
        access,
        refresh: token.refresh_token().map(|r| r.secret().clone()),
        expires_in: token.expires_in(),
        scopes: SCOPES.join(" "),
    };
    Ok((person, tokens))
}

/// `appsecret_proof`: HMAC-SHA256 of the access token under the app secret, in hex.
pub fn proof(app_secret: &str, access_token: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(app_secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(access_token.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Ends everything the person granted Scout at Facebook (`DELETE <graph>/me/permissions`).
pub async fn revoke(
    http: &reqwest::Client,
    config: &ProviderConfig,
    graph: &GraphApi,
    access_token: &str,
) -> Result<(), String> {
    let answer = http
        .delete(format!("{}/me/permissions", graph.api_url))
        .query(&[(
            "appsecret_proof",
            proof(&config.client_secret, access_token),
        )])
        .bearer_auth(access_token)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if answer.status().is_success() {
        Ok(())
    } else {
        Err(format!("Facebook answered {}", answer.status()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231 test case 2 ("Jefe"): `appsecret_proof` is plain HMAC-SHA256 in hex.
    #[test]
    fn the_proof_is_hmac_sha256_of_the_token_under_the_secret() {
        assert_eq!(
            proof("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
