//! The sign-in providers' discovery documents (endpoints and signing keys), read when first
//! needed and kept an hour, and the OpenID Connect client made from one.

use crate::{error::AppError, server::config::ProviderConfig};
use openidconnect::{
    AdditionalProviderMetadata, ClientId, ClientSecret, IssuerUrl, ProviderMetadata, RedirectUrl,
    core::{
        CoreAuthDisplay, CoreClaimName, CoreClaimType, CoreClient, CoreClientAuthMethod,
        CoreGrantType, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm,
        CoreJweKeyManagementAlgorithm, CoreResponseMode, CoreResponseType,
        CoreSubjectIdentifierType,
    },
};
use serde::{Deserialize, Serialize};
use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};
use tokio::sync::Mutex;

/// What Scout reads from a discovery document beyond the standard fields: the RFC 7009
/// revocation endpoint (RFC 8414 names it; Google and most issuers publish it).
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Revocation {
    pub revocation_endpoint: Option<String>,
}
impl AdditionalProviderMetadata for Revocation {}

/// A provider's discovery document, with its revocation endpoint.
pub type Metadata = ProviderMetadata<
    Revocation,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

/// A provider's discovery document and keys are read again after this long.
const METADATA_TTL: Duration = Duration::from_secs(3600);

/// The providers' discovery documents (with their signing keys), read when first needed.
#[derive(Clone, Default)]
pub struct Discovery {
    cache: Arc<Mutex<HashMap<String, (Instant, Metadata)>>>,
}

impl Discovery {
    pub async fn metadata(
        &self,
        http: &reqwest::Client,
        provider: &ProviderConfig,
    ) -> Result<Metadata, String> {
        let mut cache = self.cache.lock().await;
        if let Some((at, meta)) = cache.get(&provider.id)
            && at.elapsed() < METADATA_TTL
        {
            return Ok(meta.clone());
        }
        let issuer = IssuerUrl::new(provider.issuer.clone()).map_err(|e| e.to_string())?;
        // the document's `issuer` must equal this exactly, or discovery fails
        let meta = Metadata::discover_async(issuer, http)
            .await
            .map_err(|e| format!("{e}: {:?}", std::error::Error::source(&e)))?;
        cache.insert(provider.id.clone(), (Instant::now(), meta.clone()));
        Ok(meta)
    }
}

/// An OpenID Connect client made from a discovery document; `R`: whether it has a revocation
/// endpoint.
pub type Oidc<R> = CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    R,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

/// The OpenID Connect client for a provider, from its discovery document.
pub fn client(
    origin: &str,
    config: &ProviderConfig,
    meta: Metadata,
) -> Result<Oidc<openidconnect::EndpointNotSet>, AppError> {
    let redirect = RedirectUrl::new(format!("{origin}/auth/{}/callback", config.id))
        .map_err(AppError::internal)?;
    Ok(CoreClient::from_provider_metadata(
        meta,
        ClientId::new(config.client_id.clone()),
        Some(ClientSecret::new(config.client_secret.clone())),
    )
    .set_redirect_uri(redirect))
}
