//! Photos as pages see them (both targets).

use crate::listings::model::ListingId;
use serde::{Deserialize, Serialize};

/// One size of a photo a browser may fetch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub url: String,
    pub width: u32,
    pub height: u32,
}

/// A photo buyers may see: its sizes (smallest first) and the blur shown until one arrives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Picture {
    pub id: String,
    pub sources: Vec<Source>,
    /// A tiny PNG as a data URL (from the ThumbHash).
    pub placeholder: String,
}

impl Picture {
    /// `srcset` for an `<img>`: every size, by width.
    pub fn srcset(&self) -> String {
        self.sources
            .iter()
            .map(|s| format!("{} {}w", s.url, s.width))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The smallest size at least `width` wide (or the largest there is): the `src` fallback.
    pub fn src_for(&self, width: u32) -> &str {
        self.sources
            .iter()
            .find(|s| s.width >= width)
            .or(self.sources.last())
            .map_or("", |s| s.url.as_str())
    }

    /// The largest size: what the lightbox zooms into.
    pub fn largest(&self) -> Option<&Source> {
        self.sources.last()
    }

    /// Width and height to reserve (any size has the photo's aspect ratio).
    pub fn size(&self) -> (u32, u32) {
        self.sources
            .last()
            .map_or((4, 3), |s| (s.width.max(1), s.height.max(1)))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhotoState {
    /// Uploaded; the sizes are being made. Buyers don't see it yet.
    Processing,
    Ready,
    /// Could not be processed; `error` says why. Buyers never see it.
    Failed,
}

impl PhotoState {
    /// As `listing_photo.status` holds it.
    pub fn as_str(self) -> &'static str {
        match self {
            PhotoState::Processing => "processing",
            PhotoState::Ready => "ready",
            PhotoState::Failed => "failed",
        }
    }

    pub fn from_slug(s: &str) -> Option<PhotoState> {
        [
            PhotoState::Processing,
            PhotoState::Ready,
            PhotoState::Failed,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// A photo in the seller's uploader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SellerPhoto {
    pub id: String,
    pub state: PhotoState,
    pub file_name: String,
    pub picture: Option<Picture>,
    pub error: Option<String>,
}

/// The seller's photos of one listing, in order (the first ready one is the cover).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SellerPhotos {
    pub listing_id: ListingId,
    pub photos: Vec<SellerPhoto>,
    /// How many a listing may have.
    pub max: i64,
    /// Largest file accepted, in bytes.
    pub max_bytes: u64,
}

/// "BMW X5 2017, photo 3 of 12": alt text built from the listing.
pub fn alt_text(title: &str, index: usize, count: usize) -> String {
    format!("{title}, photo {} of {count}", index + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picture() -> Picture {
        let source = |w: u32| Source {
            url: format!("/media/photos/x/{w}.webp"),
            width: w,
            height: w * 3 / 4,
        };
        Picture {
            id: "x".into(),
            sources: vec![source(320), source(960), source(1920)],
            placeholder: "data:image/png;base64,".into(),
        }
    }

    #[test]
    fn sources_are_offered_by_width() {
        let p = picture();
        assert_eq!(
            p.srcset(),
            "/media/photos/x/320.webp 320w, /media/photos/x/960.webp 960w, /media/photos/x/1920.webp 1920w"
        );
        assert_eq!(p.src_for(300), "/media/photos/x/320.webp");
        assert_eq!(p.src_for(900), "/media/photos/x/960.webp");
        assert_eq!(p.src_for(5000), "/media/photos/x/1920.webp");
        assert_eq!(p.size(), (1920, 1440));
    }

    #[test]
    fn alt_text_names_the_listing_and_the_place_in_the_gallery() {
        assert_eq!(alt_text("BMW X5 2017", 2, 12), "BMW X5 2017, photo 3 of 12");
    }
}
