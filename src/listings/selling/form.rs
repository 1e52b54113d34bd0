//! What a seller types into the listing form ([`ListingForm`], raw text, kept as typed so a
//! failed submit loses nothing) and what it becomes once read ([`ListingDraft`]), for both
//! targets. Drafts may be incomplete; publishing needs what buyers filter on.

use crate::error::FieldErrors;
use crate::listings::model::{
    Body, Colour, Condition, Currency, Fuel, Money, SellerType, Transmission, Vat, Vin, year_range,
};
use serde::{Deserialize, Serialize};

pub const TITLE_MAX_CHARS: usize = 120;
pub const DESCRIPTION_MAX_CHARS: usize = 10_000;

/// The form as typed: every field a string, checkboxes as lists.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ListingForm {
    /// "vehicle" or "other".
    pub category: String,
    pub title: String,
    pub description: String,
    pub price: String,
    pub currency: String,
    /// "on" when ticked.
    pub negotiable: Option<String>,
    pub vat: String,
    pub condition: String,
    pub seller_type: String,
    /// City slug.
    pub city: String,
    /// Make slug.
    pub make: String,
    /// Model slug.
    pub model: String,
    pub year: String,
    pub mileage_km: String,
    pub fuel: String,
    pub transmission: String,
    pub body: String,
    pub power_hp: String,
    pub engine_cc: String,
    pub colour: String,
    pub doors: String,
    pub seats: String,
    pub vin: String,
    pub equipment: Vec<String>,
    /// "draft" (save) or "publish"; the button that was pressed.
    pub intent: String,
}

/// A listing as the seller means it, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ListingDraft {
    pub vehicle: bool,
    pub title: String,
    pub description: String,
    pub price: Money,
    pub negotiable: bool,
    pub vat: Vat,
    pub condition: Condition,
    pub seller_type: SellerType,
    pub city: String,
    pub make: Option<String>,
    pub model: Option<String>,
    pub year: Option<i16>,
    pub mileage_km: Option<i32>,
    pub fuel: Option<Fuel>,
    pub transmission: Option<Transmission>,
    pub body: Option<Body>,
    pub power_hp: Option<i16>,
    pub engine_cc: Option<i32>,
    pub colour: Option<Colour>,
    pub doors: Option<i16>,
    pub seats: Option<i16>,
    pub vin: Option<Vin>,
    pub equipment: Vec<String>,
    pub publish: bool,
}

/// An optional whole number within `range`; `what` names it in the message.
fn number<T: TryFrom<i64>>(
    raw: &str,
    range: std::ops::RangeInclusive<i64>,
    field: &str,
    message: &str,
    errors: &mut FieldErrors,
) -> Option<T> {
    let cleaned: String = raw
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ',' && *c != '.' && *c != '\u{a0}')
        .collect();
    if cleaned.is_empty() {
        return None;
    }
    match cleaned.parse::<i64>() {
        Ok(n) if range.contains(&n) => T::try_from(n).ok(),
        _ => {
            errors.insert(field.to_string(), message.to_string());
            None
        }
    }
}

fn choice<T>(
    raw: &str,
    parse: fn(&str) -> Option<T>,
    field: &str,
    message: &str,
    errors: &mut FieldErrors,
) -> Option<T> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    let parsed = parse(raw);
    if parsed.is_none() {
        errors.insert(field.to_string(), message.to_string());
    }
    parsed
}

impl ListingForm {
    /// Reads the form. `this_year` bounds the registration year (the caller's clock).
    /// Saving a draft needs a title, a price and a city; publishing a vehicle also needs
    /// make, model, year, mileage, fuel and gearbox.
    pub fn parse(&self, this_year: i32) -> Result<ListingDraft, FieldErrors> {
        let mut e = FieldErrors::new();
        let publish = self.intent == "publish";
        let vehicle = self.category != "other";
        let title = self.title.split_whitespace().collect::<Vec<_>>().join(" ");
        if title.chars().count() < 3 {
            e.insert(
                "title".into(),
                "Give the listing a title of at least 3 characters, e.g. “BMW X5 3.0d xDrive”."
                    .into(),
            );
        } else if title.chars().count() > TITLE_MAX_CHARS {
            e.insert(
                "title".into(),
                format!(
                    "Keep the title to {TITLE_MAX_CHARS} characters; details go in the description."
                ),
            );
        }
        let description = self.description.trim().to_string();
        if description.chars().count() > DESCRIPTION_MAX_CHARS {
            e.insert(
                "description".into(),
                format!("The description can be at most {DESCRIPTION_MAX_CHARS} characters."),
            );
        }
        let currency = Currency::parse(&self.currency).unwrap_or_default();
        // a price typed in leva is kept in euro, converted as the changeover did
        let price = match Money::parse(&self.price, currency) {
            Ok(p) if p.minor > 0 => Some(p.into_euro()),
            Ok(_) => {
                e.insert("price".into(), "Enter a price above zero.".into());
                None
            }
            Err(m) => {
                e.insert("price".into(), m.into());
                None
            }
        };
        let city = self.city.trim().to_string();
        if city.is_empty() {
            e.insert("city".into(), "Choose where the car can be seen.".into());
        }
        let vat = Vat::from_slug(self.vat.trim()).unwrap_or(Vat::NotApplicable);
        let condition = Condition::from_slug(self.condition.trim()).unwrap_or(Condition::Used);
        let seller_type =
            SellerType::from_slug(self.seller_type.trim()).unwrap_or(SellerType::Private);

        let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let (make, model) = if vehicle {
            (opt(&self.make), opt(&self.model))
        } else {
            (None, None)
        };
        let years = year_range(this_year);
        let (first, last) = (*years.start(), *years.end());
        let year = number::<i16>(
            &self.year,
            i64::from(first)..=i64::from(last),
            "year",
            &format!("Enter the year of first registration, between {first} and {last}."),
            &mut e,
        );
        let mileage_km = number::<i32>(
            &self.mileage_km,
            0..=5_000_000,
            "mileage_km",
            "Enter the mileage in kilometres, e.g. 145000.",
            &mut e,
        );
        let fuel = choice(
            &self.fuel,
            Fuel::from_slug,
            "fuel",
            "Choose a fuel from the list.",
            &mut e,
        );
        let transmission = choice(
            &self.transmission,
            Transmission::from_slug,
            "transmission",
            "Choose manual or automatic.",
            &mut e,
        );
        let body = choice(
            &self.body,
            Body::from_slug,
            "body",
            "Choose a body type from the list.",
            &mut e,
        );
        let power_hp = number::<i16>(
            &self.power_hp,
            1..=3000,
            "power_hp",
            "Enter the power in hp, between 1 and 3,000.",
            &mut e,
        );
        let engine_cc = number::<i32>(
            &self.engine_cc,
            50..=10_000,
            "engine_cc",
            "Enter the engine size in cm³, e.g. 1968.",
            &mut e,
        );
        let colour = choice(
            &self.colour,
            Colour::from_slug,
            "colour",
            "Choose a colour from the list.",
            &mut e,
        );
        let doors = number::<i16>(
            &self.doors,
            1..=7,
            "doors",
            "Enter the number of doors, 1 to 7.",
            &mut e,
        );
        let seats = number::<i16>(
            &self.seats,
            1..=12,
            "seats",
            "Enter the number of seats, 1 to 12.",
            &mut e,
        );
        let vin = match self.vin.trim() {
            "" => None,
            raw => match Vin::parse(raw) {
                Ok(v) => Some(v),
                Err(m) => {
                    e.insert("vin".into(), m.into());
                    None
                }
            },
        };
        if publish && vehicle {
            let mut need = |missing: bool, field: &str, message: &str| {
                if missing && !e.contains_key(field) {
                    e.insert(field.into(), message.into());
                }
            };
            need(
                make.is_none(),
                "make",
                "Choose the make: buyers filter by it.",
            );
            need(
                model.is_none(),
                "model",
                "Choose the model: buyers filter by it.",
            );
            need(
                year.is_none(),
                "year",
                "Enter the year of first registration.",
            );
            need(
                mileage_km.is_none(),
                "mileage_km",
                "Enter the mileage in kilometres.",
            );
            need(fuel.is_none(), "fuel", "Choose the fuel.");
            need(
                transmission.is_none(),
                "transmission",
                "Choose the gearbox.",
            );
        }
        let (Some(price), true) = (price, e.is_empty()) else {
            return Err(e);
        };
        let mut equipment: Vec<String> = self
            .equipment
            .iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        equipment.sort();
        equipment.dedup();
        Ok(ListingDraft {
            vehicle,
            title,
            description,
            price,
            negotiable: self.negotiable.is_some(),
            vat,
            condition,
            seller_type,
            city,
            make,
            model,
            year,
            mileage_km,
            fuel: if vehicle { fuel } else { None },
            transmission: if vehicle { transmission } else { None },
            body: if vehicle { body } else { None },
            power_hp: if vehicle { power_hp } else { None },
            engine_cc: if vehicle { engine_cc } else { None },
            colour,
            doors: if vehicle { doors } else { None },
            seats: if vehicle { seats } else { None },
            vin: if vehicle { vin } else { None },
            equipment: if vehicle { equipment } else { Vec::new() },
            publish,
        })
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    fn golf() -> ListingForm {
        ListingForm {
            title: "  VW   Golf 1.6 TDI ".into(),
            price: "12 500".into(),
            currency: "BGN".into(),
            city: "sofia".into(),
            make: "volkswagen".into(),
            model: "volkswagen-golf".into(),
            year: "2014".into(),
            mileage_km: "182,000".into(),
            fuel: "diesel".into(),
            transmission: "manual".into(),
            equipment: vec![
                "navigation".into(),
                "navigation".into(),
                "alloy-wheels".into(),
            ],
            intent: "publish".into(),
            ..ListingForm::default()
        }
    }

    #[test]
    fn a_complete_vehicle_publishes() {
        let d = golf().parse(2026).unwrap();
        assert_eq!(d.title, "VW Golf 1.6 TDI");
        // 12,500 leva are 6,391.15 euro at 1.95583 leva to the euro
        assert_eq!(d.price, Money::new(639_115, Currency::Eur));
        assert_eq!(d.mileage_km, Some(182_000));
        assert_eq!(d.equipment, vec!["alloy-wheels", "navigation"]);
        assert!(d.publish);
    }

    #[test]
    fn publishing_needs_what_buyers_filter_on_but_a_draft_does_not() {
        let form = ListingForm {
            make: String::new(),
            year: String::new(),
            ..golf()
        };
        let e = form.parse(2026).unwrap_err();
        assert_eq!(
            e.get("make").unwrap(),
            "Choose the make: buyers filter by it."
        );
        assert!(e.contains_key("year"));
        let draft = ListingForm {
            intent: "draft".into(),
            ..form
        };
        assert!(draft.parse(2026).is_ok());
    }

    #[test]
    fn every_bad_field_gets_its_own_message() {
        let form = ListingForm {
            title: "X".into(),
            price: "cheap".into(),
            year: "1850".into(),
            mileage_km: "-5".into(),
            fuel: "steam".into(),
            vin: "WVWZZZ1KZOW000001".into(),
            city: String::new(),
            ..golf()
        };
        let e = form.parse(2026).unwrap_err();
        let fields: Vec<&str> = e.keys().map(String::as_str).collect();
        assert_eq!(
            fields,
            [
                "city",
                "fuel",
                "mileage_km",
                "price",
                "title",
                "vin",
                "year"
            ]
        );
        assert!(e["year"].contains("between 1900 and 2027"));
    }

    #[test]
    fn other_goods_need_no_vehicle_fields() {
        let form = ListingForm {
            category: "other".into(),
            title: "Roof box, 400 l".into(),
            price: "150".into(),
            city: "varna".into(),
            intent: "publish".into(),
            make: "bmw".into(),
            ..ListingForm::default()
        };
        let d = form.parse(2026).unwrap();
        assert!(!d.vehicle);
        assert_eq!(d.make, None);
    }
}
