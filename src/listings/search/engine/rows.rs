//! The index's rows, read from Postgres: the published listings, whole or by id.

use super::OffsetDateTime;
use crate::listings::search::facets::Vocab;

/// One published listing as the index needs it.
#[derive(Debug, Clone)]
pub struct Row {
    pub listing_id: i64,
    pub make_id: Option<i32>,
    pub model_id: Option<i32>,
    pub year: Option<i16>,
    pub price_eur_minor: i64,
    pub mileage_km: Option<i32>,
    pub power_hp: Option<i16>,
    pub fuel: Option<String>,
    pub transmission: Option<String>,
    pub body: Option<String>,
    pub colour: Option<String>,
    pub condition: String,
    pub seller_type: String,
    pub city_id: i32,
    pub latitude: f64,
    pub longitude: f64,
    pub equipment: Vec<String>,
    pub photo_count: i32,
    pub published_at: Option<OffsetDateTime>,
    pub updated_at: OffsetDateTime,
    /// `search_text::text`: the weighted tsvector Postgres builds (the same words SQL sees).
    pub search_text: String,
}

impl Row {
    /// Its value of a closed vocabulary (the column `facets::VOCABS` names for it).
    pub fn vocab(&self, vocab: Vocab) -> Option<&str> {
        match vocab {
            Vocab::Fuel => self.fuel.as_deref(),
            Vocab::Gearbox => self.transmission.as_deref(),
            Vocab::Body => self.body.as_deref(),
            Vocab::Colour => self.colour.as_deref(),
            Vocab::Condition => Some(&self.condition),
            Vocab::Seller => Some(&self.seller_type),
        }
    }
}

/// The index's rows: the published listings, then `$tail` (more conditions, the order),
/// compile-checked like every other statement.
macro_rules! published_rows {
    ($tail:literal $(, $arg:expr)*) => {
        sqlx::query_as!(
            Row,
            r#"select listing_id, make_id, model_id, year, price_eur_minor, mileage_km, power_hp,
                 fuel, transmission, body, colour, condition, seller_type, city_id, latitude,
                 longitude, equipment, photo_count, published_at, updated_at,
                 search_text::text as "search_text!"
               from listing where status = 'published' "# + $tail
            $(, $arg)*
        )
    };
}

/// The numeric columns range bounds are chosen from: price, mileage, power, published.
pub(super) type Ranged = (i64, Option<i32>, Option<i16>, Option<OffsetDateTime>);

/// Reads the published listings among `ids`.
pub async fn load_rows(db: &sqlx::PgPool, ids: &[i64]) -> sqlx::Result<Vec<Row>> {
    published_rows!("and listing_id = any($1) order by listing_id", ids)
        .fetch_all(db)
        .await
}

/// Calls `each(lexeme, positions)` for every entry of a tsvector's text form
/// (`'word':1A,5 'it''s':3`); weights are 0 = A .. 3 = D.
pub(super) fn parse_tsvector(s: &str, mut each: impl FnMut(&str, &[(u16, u8)])) {
    let b = s.as_bytes();
    let mut i = 0;
    let mut word = String::new();
    let mut positions: Vec<(u16, u8)> = Vec::new();
    while i < b.len() {
        if b[i] != b'\'' {
            i += 1;
            continue;
        }
        i += 1;
        word.clear();
        let start = i;
        let mut plain = true;
        while i < b.len() {
            match b[i] {
                b'\'' if b.get(i + 1) == Some(&b'\'') => {
                    plain = false;
                    i += 2;
                }
                b'\'' => break,
                b'\\' => {
                    plain = false;
                    i += 2;
                }
                _ => i += 1,
            }
        }
        let raw = &s[start..i.min(s.len())];
        if plain {
            word.push_str(raw);
        } else {
            let mut chars = raw.chars().peekable();
            while let Some(c) = chars.next() {
                match c {
                    '\'' | '\\' => {
                        if let Some(n) = chars.next() {
                            word.push(n);
                        }
                    }
                    c => word.push(c),
                }
            }
        }
        i += 1;
        positions.clear();
        if b.get(i) == Some(&b':') {
            i += 1;
            loop {
                let mut p: u32 = 0;
                while i < b.len() && b[i].is_ascii_digit() {
                    p = p * 10 + u32::from(b[i] - b'0');
                    i += 1;
                }
                let weight = match b.get(i) {
                    Some(w @ b'A'..=b'C') => {
                        i += 1;
                        w - b'A'
                    }
                    Some(b'D') => {
                        i += 1;
                        3
                    }
                    _ => 3,
                };
                positions.push((u16::try_from(p).unwrap_or(u16::MAX), weight));
                if b.get(i) == Some(&b',') {
                    i += 1;
                } else {
                    break;
                }
            }
        }
        each(&word, &positions);
    }
}
