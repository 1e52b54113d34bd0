//! What the listings server functions send to the page (both targets): result cards, search
//! results with facets and chips, a listing's detail, the form's options. Plain data: the
//! server builds them (`service`), pages read them.

use crate::listings::model::{Currency, ListingId, Money, SellerType, Status};
use serde::{Deserialize, Serialize};

/// A result card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListingCard {
    pub id: ListingId,
    pub title: String,
    pub status: Status,
    /// What the seller asks.
    pub price: Money,
    /// The same in the buyer's currency, when that differs.
    pub buyer_price: Option<Money>,
    /// The price before the latest drop.
    pub dropped_from: Option<Money>,
    /// "2017", "145,000 km", "Diesel", "Automatic", "190 hp".
    pub specs: Vec<String>,
    pub city: String,
    pub seller_type: SellerType,
    /// "today", "3 days ago".
    pub age: String,
    pub photo_count: i32,
    /// The cover photo, when there are photos.
    #[serde(default)]
    pub cover: Option<crate::gallery::model::Picture>,
    /// In the viewer's favorites; None when nobody is signed in.
    #[serde(default)]
    pub saved: Option<bool>,
    /// In the viewer's comparison.
    #[serde(default)]
    pub compared: bool,
}

/// One value of a filter with its count under the current search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FacetValue {
    pub label: String,
    pub count: i64,
    pub selected: bool,
    /// The search with this value switched on or off.
    pub href: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FacetGroup {
    pub title: String,
    pub values: Vec<FacetValue>,
}

/// A filter in force, shown as a removable chip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chip {
    pub label: String,
    /// The search without it.
    pub href: String,
}

/// On an empty page: what dropping one filter would find.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Loosen {
    pub without: String,
    pub count: i64,
    pub href: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    pub total: i64,
    pub cards: Vec<ListingCard>,
    pub facets: Vec<FacetGroup>,
    pub chips: Vec<Chip>,
    /// The next page, when there is one.
    pub next: Option<String>,
    /// The first page, when this isn't it.
    pub first: Option<String>,
    pub loosen: Vec<Loosen>,
    /// URL parameters that were not understood and so not applied.
    pub ignored: Vec<String>,
    /// Free-text words that were corrected: (typed, used).
    pub corrected: Vec<(String, String)>,
    /// The currency prices and price filters are in (the address's, else the person's own).
    pub currency: Currency,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MakeOption {
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelOption {
    pub make: String,
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CityOption {
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EquipmentOption {
    pub slug: String,
    pub name: String,
}

/// What the search form offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct FormOptions {
    /// The server's current year: the form offers `model::year_range(this_year)`.
    pub this_year: i32,
    pub makes: Vec<MakeOption>,
    pub models: Vec<ModelOption>,
    pub cities: Vec<CityOption>,
    pub equipment: Vec<EquipmentOption>,
}

/// A price the listing had.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PricePoint {
    pub price: Money,
    /// YYYY-MM-DD
    pub date: String,
    /// Change from the previous price in the same currency (negative: a drop).
    pub change: Option<i64>,
}

/// A price converted into another currency, and the rate it is converted at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Converted {
    pub price: Money,
    /// "fixed rate 1.95583", "rate of 4 December 2026"
    pub basis: String,
}

/// A listing's page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListingDetail {
    pub id: ListingId,
    pub title: String,
    pub status: Status,
    pub description: String,
    pub price: Money,
    /// The price in the other currencies, the buyer's own first.
    pub buyer_prices: Vec<Converted>,
    pub dropped_from: Option<Money>,
    pub negotiable: bool,
    pub vat: String,
    pub condition: String,
    pub seller_type: SellerType,
    /// The seller's display name, or "Private seller" / "Dealer" when they gave none.
    pub seller_name: String,
    /// (as people read it, the `tel:` link), when the seller shows their phone.
    pub seller_phone: Option<(String, String)>,
    pub city: String,
    pub city_slug: String,
    pub make: Option<String>,
    pub model: Option<String>,
    pub year: Option<i16>,
    /// (label, value) rows of the spec table, in display order.
    pub specs: Vec<(String, String)>,
    pub equipment: Vec<String>,
    /// The photos buyers see, cover first.
    pub photos: Vec<crate::gallery::model::Picture>,
    pub history: Vec<PricePoint>,
    pub similar: Vec<ListingCard>,
    /// YYYY-MM-DD
    pub published: Option<String>,
    pub updated: String,
    /// The viewer is its seller.
    pub mine: bool,
    /// The absolute URL of this page (canonical, share link).
    pub url: String,
    /// In the viewer's favorites; None when nobody is signed in.
    pub saved: Option<bool>,
    /// In the viewer's comparison.
    pub compared: bool,
}
