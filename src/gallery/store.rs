//! The media store: where photo files live. One small interface over `object_store`, so the
//! same code writes to a local folder (the default) or to any S3-compatible bucket.
//!
//! Keys: `uploads/<photo id>` holds an original only while its variants are being made (it
//! may carry GPS, so it is never served and is deleted once done); `photos/<photo id>/<kind>-
//! <content hash>.webp` holds a variant. A key is never written twice with different bytes,
//! so it can be cached forever.

use crate::server::config::MediaConfig;
use anyhow::Context;
use bytes::Bytes;
use futures::StreamExt;
use object_store::{
    ObjectStore, PutPayload, aws::AmazonS3Builder, local::LocalFileSystem, path::Path,
};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use uuid::Uuid;

#[derive(Clone)]
pub struct MediaStore {
    inner: Arc<dyn ObjectStore>,
    /// Where buyers' browsers fetch `photos/...` keys from: `/media` or `SCOUT_MEDIA_URL`.
    public_base: String,
}

impl std::fmt::Debug for MediaStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MediaStore({}, {})", self.inner, self.public_base)
    }
}

/// The key of an original waiting to be processed.
pub fn upload_key(photo_id: Uuid) -> String {
    format!("uploads/{photo_id}")
}

/// The key of a variant: unique to the photo, named by a hash of its bytes.
pub fn variant_key(photo_id: Uuid, kind: &str, bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hash: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("photos/{photo_id}/{kind}-{hash}.webp")
}

/// Whether `key` names a variant (the only keys `/media/` serves).
pub fn is_public_key(key: &str) -> bool {
    let mut parts = key.split('/');
    let (Some("photos"), Some(id), Some(file), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    Uuid::parse_str(id).is_ok()
        && file.strip_suffix(".webp").is_some_and(|stem| {
            stem.split_once('-').is_some_and(|(kind, hash)| {
                ["thumb", "medium", "large"].contains(&kind)
                    && hash.len() == 24
                    && hash.bytes().all(|b| b.is_ascii_hexdigit())
            })
        })
}

impl MediaStore {
    pub fn from_config(media: &MediaConfig, media_url: Option<&str>) -> anyhow::Result<Self> {
        let inner: Arc<dyn ObjectStore> = match media {
            MediaConfig::Local { dir } => {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating the media folder {}", dir.display()))?;
                Arc::new(
                    LocalFileSystem::new_with_prefix(dir)
                        .with_context(|| format!("opening the media folder {}", dir.display()))?,
                )
            }
            MediaConfig::S3 {
                bucket,
                endpoint,
                region,
                access_key_id,
                secret_access_key,
            } => {
                let mut builder = AmazonS3Builder::new()
                    .with_bucket_name(bucket)
                    .with_region(region)
                    .with_access_key_id(access_key_id)
                    .with_secret_access_key(secret_access_key);
                if let Some(endpoint) = endpoint {
                    builder = builder
                        .with_endpoint(endpoint)
                        .with_allow_http(endpoint.starts_with("http://"))
                        .with_virtual_hosted_style_request(false);
                }
                Arc::new(builder.build().context("configuring the S3 media store")?)
            }
        };
        Ok(MediaStore {
            inner,
            public_base: media_url.unwrap_or("/media").to_string(),
        })
    }

    /// The URL a browser fetches a variant from.
    pub fn url(&self, key: &str) -> String {
        format!("{}/{key}", self.public_base)
    }

    pub async fn put(&self, key: &str, bytes: Bytes) -> object_store::Result<()> {
        self.inner
            .put(&Path::from(key), PutPayload::from_bytes(bytes))
            .await
            .map(|_| ())
    }

    /// The file, or None when there is none.
    pub async fn get(&self, key: &str) -> object_store::Result<Option<Bytes>> {
        match self.inner.get(&Path::from(key)).await {
            Ok(found) => found.bytes().await.map(Some),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Deletes these files; ones already gone are fine.
    pub async fn delete(&self, keys: &[String]) -> object_store::Result<()> {
        let paths = futures::stream::iter(
            keys.iter()
                .map(|k| Ok(Path::from(k.as_str())))
                .collect::<Vec<_>>(),
        )
        .boxed();
        let mut results = self.inner.delete_stream(paths);
        while let Some(result) = results.next().await {
            match result {
                Ok(_) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Every key under `prefix` (for tests and clean-ups).
    pub async fn list(&self, prefix: &str) -> object_store::Result<Vec<String>> {
        let prefix = Path::from(prefix);
        let mut keys = Vec::new();
        let mut listing = self.inner.list(Some(&prefix));
        while let Some(meta) = listing.next().await {
            keys.push(meta?.location.to_string());
        }
        keys.sort();
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_variant_keys_are_public() {
        let id = Uuid::new_v4();
        let key = variant_key(id, "thumb", b"webp bytes");
        assert!(is_public_key(&key), "{key}");
        assert!(!is_public_key(&upload_key(id)));
        assert!(!is_public_key(&format!("photos/{id}/../../uploads/{id}")));
        assert!(!is_public_key(&format!("photos/{id}/thumb-abc.webp")));
        assert!(!is_public_key(&format!("photos/not-a-uuid/{}", &key[44..])));
        // the same bytes in another photo get another key; other bytes, another name
        assert_ne!(key, variant_key(Uuid::new_v4(), "thumb", b"webp bytes"));
        assert_ne!(key, variant_key(id, "thumb", b"other bytes"));
    }
}
