//! What a listing is made of, for both targets: money, the closed vocabularies (fuel,
//! gearbox, body, ...), the VIN. Each type parses its input once; the browser and the server
//! run the same code.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A closed vocabulary stored as a slug (in URLs and in the database) with a label for people.
/// `$slug` must match the check constraint in the listings migration.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $slug:literal, $label:literal, [$($word:literal),*];)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// `(slug, label)` of every value, in the order people see them.
            pub const VALUES: &'static [(&'static str, &'static str)] = &[$(($slug, $label)),+];

            /// The slug used in URLs and in the database.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $slug),+ }
            }

            /// The name a person reads.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// From a slug; None for anything else.
            pub fn from_slug(s: &str) -> Option<$name> {
                match s { $($slug => Some($name::$variant),)+ _ => None }
            }

            /// Words people type for it in a search box, English and Bulgarian, normalised
            /// (lower case, no accents). The slug and label count too.
            pub fn from_word(word: &str) -> Option<$name> {
                $(
                    if word == $slug
                        || word == $label.to_lowercase()
                        || [$($word),*].contains(&word)
                    {
                        return Some($name::$variant);
                    }
                )+
                None
            }

            /// The slug of the value `word` names (see [`Self::from_word`]).
            pub fn word_slug(word: &str) -> Option<&'static str> {
                Self::from_word(word).map(Self::as_str)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}

/// A listing's id: a type of its own, so a photo's, a rule's or a notice's number cannot stand
/// in for it. On the wire and in URLs it is the plain number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type), sqlx(transparent))]
#[serde(transparent)]
pub struct ListingId(pub i64);

impl ListingId {
    /// The plain numbers, to bind as a Postgres array.
    pub fn raw(ids: &[ListingId]) -> Vec<i64> {
        ids.iter().map(|id| id.0).collect()
    }
}

/// What `query_as!` reads a `listing_id` column into.
impl From<i64> for ListingId {
    fn from(id: i64) -> ListingId {
        ListingId(id)
    }
}

impl fmt::Display for ListingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for ListingId {
    type Err = std::num::ParseIntError;

    fn from_str(s: &str) -> Result<ListingId, Self::Err> {
        s.parse().map(ListingId)
    }
}

/// What happened to a listing that people may hear about (`listing_event.kind`, and the
/// notification it becomes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Published,
    /// Back on the market after being sold or archived.
    Back,
    PriceDrop,
    Sold,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Published => "published",
            EventKind::Back => "back",
            EventKind::PriceDrop => "price_drop",
            EventKind::Sold => "sold",
        }
    }

    pub fn from_slug(s: &str) -> Option<EventKind> {
        [
            EventKind::Published,
            EventKind::Back,
            EventKind::PriceDrop,
            EventKind::Sold,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// The first registration year Scout accepts anywhere (a listing, the search box, the
/// index's year buckets, the Sell form's choices).
pub const FIRST_YEAR: i32 = 1900;
/// The last year the database stores (its check constraint); a number past it is no year.
pub const LAST_STORABLE_YEAR: i32 = 2100;

/// The registration years a listing may have when this is `this_year`: up to next year's,
/// since new models arrive early. The one year range; every other place derives from it.
pub fn year_range(this_year: i32) -> std::ops::RangeInclusive<i32> {
    FIRST_YEAR..=this_year + 1
}

vocabulary! {
    /// Fuel or drive.
    Fuel {
        Petrol = "petrol", "Petrol", ["gasoline", "benzin", "бензин", "бензинов"];
        Diesel = "diesel", "Diesel", ["дизел", "дизелов", "tdi", "cdi", "hdi", "dci"];
        Hybrid = "hybrid", "Hybrid", ["хибрид", "хибриден"];
        PlugInHybrid = "plug_in_hybrid", "Plug-in hybrid", ["phev", "plug-in"];
        Electric = "electric", "Electric", ["ev", "електрически", "електро", "електрическа"];
        Lpg = "lpg", "LPG", ["газ", "пропан", "autogas"];
        Cng = "cng", "CNG", ["метан"];
    }
}

vocabulary! {
    /// Gearbox.
    Transmission {
        Manual = "manual", "Manual", ["ръчна", "ръчни", "механична", "mt"];
        Automatic = "automatic", "Automatic", ["автоматична", "автоматик", "автомат", "автоматични", "dsg"];
    }
}

vocabulary! {
    /// Body type.
    Body {
        Sedan = "sedan", "Sedan", ["седан", "saloon"];
        Hatchback = "hatchback", "Hatchback", ["хечбек", "хечбэк", "hatch"];
        Estate = "estate", "Estate", ["комби", "wagon", "kombi", "touring", "avant"];
        Suv = "suv", "SUV", ["джип", "джипове", "4x4", "offroad"];
        Coupe = "coupe", "Coupé", ["купе"];
        Convertible = "convertible", "Convertible", ["кабрио", "кабриолет", "cabrio", "cabriolet"];
        Van = "van", "Van", ["бус", "ван"];
        Pickup = "pickup", "Pickup", ["пикап"];
        Minivan = "minivan", "Minivan", ["миниван", "mpv"];
    }
}

vocabulary! {
    /// Condition of the item.
    Condition {
        New = "new", "New", ["нов", "нова", "ново"];
        Used = "used", "Used", ["употребяван", "употребявана"];
        Damaged = "damaged", "Damaged", ["повреден", "повредена", "ударен", "ударена"];
    }
}

vocabulary! {
    /// Who sells.
    SellerType {
        Private = "private", "Private seller", ["частно", "частно лице"];
        Dealer = "dealer", "Dealer", ["дилър", "автокъща"];
    }
}

vocabulary! {
    /// Where a listing is in its life.
    Status {
        Draft = "draft", "Draft", [];
        Published = "published", "Published", [];
        Sold = "sold", "Sold", [];
        Archived = "archived", "Archived", [];
    }
}

vocabulary! {
    /// Whether the price includes VAT.
    Vat {
        Included = "included", "VAT included", [];
        Excluded = "excluded", "Plus VAT", [];
        NotApplicable = "not_applicable", "No VAT", [];
    }
}

vocabulary! {
    /// Paint colour.
    Colour {
        Black = "black", "Black", ["черен", "черна"];
        White = "white", "White", ["бял", "бяла"];
        Silver = "silver", "Silver", ["сребрист", "сребриста"];
        Grey = "grey", "Grey", ["сив", "сива", "gray"];
        Blue = "blue", "Blue", ["син", "синя"];
        Red = "red", "Red", ["червен", "червена"];
        Green = "green", "Green", ["зелен", "зелена"];
        Brown = "brown", "Brown", ["кафяв", "кафява"];
        Beige = "beige", "Beige", ["бежов", "бежова"];
        Yellow = "yellow", "Yellow", ["жълт", "жълта"];
        Orange = "orange", "Orange", ["оранжев", "оранжева"];
    }
}

impl Status {
    /// The moves a seller can make: publish a draft; mark a published listing sold, archive
    /// it or take it back to draft; relist a sold or archived one.
    pub fn can_become(self, to: Status) -> bool {
        use Status::*;
        matches!(
            (self, to),
            (Draft, Published)
                | (Published, Sold | Archived | Draft)
                | (Sold, Published | Archived)
                | (Archived, Published | Draft)
        )
    }

    /// "published", "marked sold": what happened to a listing.
    pub fn past_tense(self) -> &'static str {
        match self {
            Status::Draft => "turned back into a draft",
            Status::Published => "published",
            Status::Sold => "marked sold",
            Status::Archived => "archived",
        }
    }
}

/// Currencies Scout prices in. The euro is Bulgaria's currency since 1 January 2026 and the
/// default: prices are stored and compared in it. Rates between currencies are data (the
/// `currency` table); only the codes, the lev's fixed conversion rate and how to write
/// amounts live here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Currency {
    #[default]
    #[serde(rename = "EUR")]
    Eur,
    #[serde(rename = "BGN")]
    Bgn,
    #[serde(rename = "USD")]
    Usd,
    #[serde(rename = "RON")]
    Ron,
    #[serde(rename = "GBP")]
    Gbp,
}

/// Leva per euro, fixed by the Council of the EU for Bulgaria's changeover (1 January 2026),
/// in millionths: 1.95583.
pub const BGN_PER_EUR_MILLIONTHS: i64 = 1_955_830;

impl Currency {
    /// Every currency a person can read prices in, the euro first.
    pub const ALL: &'static [Currency] = &[
        Currency::Eur,
        Currency::Bgn,
        Currency::Usd,
        Currency::Ron,
        Currency::Gbp,
    ];
    /// What a seller may enter a price in: the euro, or leva (converted to euro on saving).
    pub const ENTERED: &'static [Currency] = &[Currency::Eur, Currency::Bgn];

    /// ISO 4217 code.
    pub fn code(self) -> &'static str {
        match self {
            Currency::Eur => "EUR",
            Currency::Bgn => "BGN",
            Currency::Usd => "USD",
            Currency::Ron => "RON",
            Currency::Gbp => "GBP",
        }
    }

    /// Its name in a menu: "EUR (euro)".
    pub fn label(self) -> &'static str {
        match self {
            Currency::Eur => "EUR (euro)",
            Currency::Bgn => "BGN (Bulgarian lev)",
            Currency::Usd => "USD (US dollar)",
            Currency::Ron => "RON (Romanian leu)",
            Currency::Gbp => "GBP (pound sterling)",
        }
    }

    pub fn parse(code: &str) -> Option<Currency> {
        match code.trim().to_uppercase().as_str() {
            "BGN" | "ЛВ" | "ЛВ." | "LV" => Some(Currency::Bgn),
            "EUR" | "€" => Some(Currency::Eur),
            "USD" | "$" => Some(Currency::Usd),
            "RON" | "LEI" => Some(Currency::Ron),
            "GBP" | "£" => Some(Currency::Gbp),
            _ => None,
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An amount of money: integer minor units (stotinki, cents) and a currency. Never a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

/// Prices above this are refused (a typo, not a car): 1 billion in the main unit.
pub const MAX_PRICE_MAJOR: i64 = 1_000_000_000;

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    /// Whole units, as typed in a price box: "25000", "25 000", "25,000", "25000.50",
    /// "25 000,50 лв" (a comma followed by exactly two digits is a decimal comma).
    pub fn parse(input: &str, currency: Currency) -> Result<Money, &'static str> {
        let lower = input.trim().to_lowercase();
        let mut rest = lower.as_str();
        // a currency written after the amount: "25 000 лв.", "9500 EUR", "12000€"
        for suffix in [
            "лв.", "лв", "bgn", "lv", "leva", "eur", "euro", "€", "usd", "$",
        ] {
            if let Some(r) = rest.strip_suffix(suffix) {
                rest = r.trim_end();
                break;
            }
        }
        let cleaned: String = rest
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '\'')
            .collect();
        if cleaned.is_empty() {
            return Err("Enter a price.");
        }
        let (whole, fraction) = match cleaned.rfind(['.', ',']) {
            Some(i) if cleaned.len() - i - 1 == 2 => (&cleaned[..i], &cleaned[i + 1..]),
            _ => (cleaned.as_str(), ""),
        };
        let whole: String = whole.chars().filter(|c| *c != ',' && *c != '.').collect();
        if whole.is_empty() && fraction.is_empty()
            || !whole.chars().all(|c| c.is_ascii_digit())
            || !fraction.chars().all(|c| c.is_ascii_digit())
        {
            return Err("Enter the price as a number, like 25000 or 25 000.");
        }
        let major: i64 = if whole.is_empty() {
            0
        } else {
            whole
                .parse()
                .map_err(|_| "That price is too large. Check the number of zeros.")?
        };
        if major > MAX_PRICE_MAJOR {
            return Err("That price is too large. Check the number of zeros.");
        }
        let cents: i64 = if fraction.is_empty() {
            0
        } else {
            fraction.parse().unwrap_or(0)
        };
        Ok(Money::new(major * 100 + cents, currency))
    }

    /// The same amount in euro: leva at the fixed rate 1.95583, rounded to the nearest cent
    /// (half up), as Bulgaria's changeover converted prices; any other currency as it is.
    pub fn into_euro(self) -> Money {
        match self.currency {
            Currency::Bgn => {
                let cents = (i128::from(self.minor) * 2_000_000
                    + i128::from(BGN_PER_EUR_MILLIONTHS))
                .div_euclid(i128::from(BGN_PER_EUR_MILLIONTHS) * 2);
                Money::new(i64::try_from(cents).unwrap_or(i64::MAX), Currency::Eur)
            }
            _ => self,
        }
    }

    /// To the nearest whole unit: how a converted, approximate price is shown.
    pub fn rounded(self) -> Money {
        Money::new((self.minor + 50).div_euclid(100) * 100, self.currency)
    }

    /// "25,000 BGN", "1,234.50 EUR": thousands grouped, cents only when there are any.
    pub fn format(self) -> String {
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        let major = group_thousands(abs / 100);
        let cents = abs % 100;
        if cents == 0 {
            format!("{sign}{major} {}", self.currency.code())
        } else {
            format!("{sign}{major}.{cents:02} {}", self.currency.code())
        }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format())
    }
}

/// 1234567 -> "1,234,567"; any integer type (counts, km, minor units), negatives too.
pub fn group_thousands(n: impl Into<i128>) -> String {
    let n: i128 = n.into();
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A vehicle identification number (ISO 3779): 17 characters, digits and capital letters
/// without I, O and Q. The check digit (position 9) is mandatory only for North American
/// vehicles (WMI starting 1-5); European VINs often use that position freely, so it is
/// verified only there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vin(String);

impl Vin {
    pub fn parse(input: &str) -> Result<Vin, &'static str> {
        let vin: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect::<String>()
            .to_ascii_uppercase();
        if vin.chars().count() != 17 {
            return Err("A VIN has exactly 17 characters.");
        }
        if vin.chars().any(|c| matches!(c, 'I' | 'O' | 'Q')) {
            return Err("A VIN never contains the letters I, O or Q: check for 1 and 0.");
        }
        if !vin.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err("A VIN has only letters and digits.");
        }
        if vin.starts_with(['1', '2', '3', '4', '5']) && check_digit(&vin) != vin.as_bytes()[8] {
            return Err("This VIN's check digit doesn't match: a character may be mistyped.");
        }
        Ok(Vin(vin))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The North American check digit: transliterate, weight, sum mod 11 ('X' for 10).
fn check_digit(vin: &str) -> u8 {
    const WEIGHTS: [u32; 17] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
    let value = |c: u8| -> u32 {
        match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A' | b'J' => 1,
            b'B' | b'K' | b'S' => 2,
            b'C' | b'L' | b'T' => 3,
            b'D' | b'M' | b'U' => 4,
            b'E' | b'N' | b'V' => 5,
            b'F' | b'W' => 6,
            b'G' | b'P' | b'X' => 7,
            b'H' | b'Y' => 8,
            b'R' | b'Z' => 9,
            _ => 0,
        }
    };
    let sum: u32 = vin.bytes().zip(WEIGHTS).map(|(c, w)| value(c) * w).sum();
    match sum % 11 {
        10 => b'X',
        d => b'0' + u8::try_from(d).unwrap_or(0),
    }
}

/// kW from hp (1 hp = 0.7355 kW, metric horsepower as European listings use it), rounded.
pub fn hp_to_kw(hp: i32) -> i32 {
    (hp * 7355 + 5000) / 10000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_are_read_the_way_people_type_them() {
        let bgn = |s| Money::parse(s, Currency::Bgn).map(|m| m.minor);
        assert_eq!(bgn("25000"), Ok(2_500_000));
        assert_eq!(bgn("25 000"), Ok(2_500_000));
        assert_eq!(bgn("25,000"), Ok(2_500_000));
        assert_eq!(bgn("25.000"), Ok(2_500_000));
        assert_eq!(bgn("25000.50"), Ok(2_500_050));
        assert_eq!(bgn("25 000,50 лв."), Ok(2_500_050));
        assert_eq!(bgn("1,234,567"), Ok(123_456_700));
        assert!(bgn("").is_err());
        assert!(bgn("cheap").is_err());
        assert!(bgn("-5").is_err());
        assert!(bgn("99999999999").is_err());
    }

    #[test]
    fn leva_become_euro_at_the_fixed_rate_rounded_to_the_cent() {
        let eur = |bgn_minor| Money::new(bgn_minor, Currency::Bgn).into_euro();
        // 15,000 EUR is exactly 29,337.45 BGN
        assert_eq!(eur(2_933_745), Money::new(1_500_000, Currency::Eur));
        // 1 BGN = 0.511292... EUR; 100 BGN = 51.129... EUR; 0.01 BGN = 0.0051 EUR
        assert_eq!(eur(100), Money::new(51, Currency::Eur));
        assert_eq!(eur(10_000), Money::new(5_113, Currency::Eur));
        assert_eq!(eur(1), Money::new(1, Currency::Eur));
        // half a cent rounds up: 2.93 BGN = 1.4981 EUR -> 1.50; 2.92 BGN = 1.49297 EUR -> 1.49
        assert_eq!(eur(293), Money::new(150, Currency::Eur));
        assert_eq!(eur(292), Money::new(149, Currency::Eur));
        assert_eq!(eur(0), Money::new(0, Currency::Eur));
        assert_eq!(
            Money::new(1_234, Currency::Eur).into_euro(),
            Money::new(1_234, Currency::Eur)
        );
        assert_eq!(
            Money::new(1_234, Currency::Usd).into_euro(),
            Money::new(1_234, Currency::Usd)
        );
        assert_eq!(Currency::default(), Currency::Eur);
        assert_eq!(Currency::parse("лв"), Some(Currency::Bgn));
        assert_eq!(Currency::parse("£"), Some(Currency::Gbp));
    }

    #[test]
    fn money_is_written_with_grouped_thousands() {
        assert_eq!(Money::new(2_500_000, Currency::Bgn).format(), "25,000 BGN");
        assert_eq!(Money::new(123_450, Currency::Eur).format(), "1,234.50 EUR");
        assert_eq!(Money::new(99, Currency::Usd).format(), "0.99 USD");
        assert_eq!(
            Money::new(1_114_823, Currency::Bgn).rounded().format(),
            "11,148 BGN"
        );
        assert_eq!(
            Money::new(1_114_850, Currency::Bgn).rounded().format(),
            "11,149 BGN"
        );
    }

    #[test]
    fn vins_are_checked_where_the_region_uses_a_check_digit() {
        // a valid North American VIN (check digit X)
        assert!(Vin::parse("1M8GDM9AXKP042788").is_ok());
        assert!(Vin::parse("1m8g-dm9a xkp042788").is_ok());
        // one character off
        assert_eq!(
            Vin::parse("1M8GDM9AXKP042789"),
            Err("This VIN's check digit doesn't match: a character may be mistyped.")
        );
        // European VINs need no check digit
        assert!(Vin::parse("WVWZZZ1KZAW000001").is_ok());
        assert!(Vin::parse("WVWZZZ1KZAW00001").is_err());
        assert!(Vin::parse("WVWZZZ1KZOW000001").is_err());
    }

    #[test]
    fn vocabulary_words_in_both_languages() {
        assert_eq!(Fuel::from_word("дизел"), Some(Fuel::Diesel));
        assert_eq!(Fuel::from_word("diesel"), Some(Fuel::Diesel));
        assert_eq!(
            Transmission::from_word("автоматична"),
            Some(Transmission::Automatic)
        );
        assert_eq!(Body::from_word("комби"), Some(Body::Estate));
        assert_eq!(Fuel::from_slug("plug_in_hybrid"), Some(Fuel::PlugInHybrid));
        assert_eq!(Fuel::from_word("golf"), None);
    }

    #[test]
    fn listings_move_only_along_their_life() {
        assert!(Status::Draft.can_become(Status::Published));
        assert!(!Status::Draft.can_become(Status::Sold));
        assert!(Status::Published.can_become(Status::Sold));
        assert!(Status::Sold.can_become(Status::Published));
        assert!(!Status::Sold.can_become(Status::Draft));
        assert!(!Status::Published.can_become(Status::Published));
    }

    #[test]
    fn horsepower_converts_to_kilowatts() {
        assert_eq!(hp_to_kw(150), 110);
        assert_eq!(hp_to_kw(102), 75);
    }
}
