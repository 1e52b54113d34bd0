//! What an alert rule is made of, for both targets: the validation of a rule's own fields (the
//! search part is the search page's `SearchQuery`), its summary and the Alerts page's view.
//! Channels and rhythm are the notifications feature's; limits are the plan's.

use crate::{
    billing::plans::Limits,
    error::FieldErrors,
    listings::wire::Chip,
    notifications::model::{Channel, ChannelTrouble, Rhythm},
};
use serde::{Deserialize, Serialize};

/// The rule editor as the browser sends it (`input[name]`, ...): every field as typed, a
/// ticked checkbox as `Some("on")`. [`RuleForm::parse`] turns it into [`RuleFields`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RuleForm {
    pub name: String,
    pub keywords: String,
    pub excluded: String,
    pub min_deal_score: String,
    pub inbox: Option<String>,
    pub email: Option<String>,
    pub push: Option<String>,
    pub webhook: Option<String>,
    pub rhythm: String,
}

impl RuleForm {
    /// The fields it names (checked where they are saved: [`RuleFields::checked`]); a deal
    /// score that is not a number is an error under its field's name.
    pub fn parse(self) -> Result<RuleFields, FieldErrors> {
        let min_deal_score = match self.min_deal_score.trim() {
            "" => None,
            s => Some(s.parse::<i16>().map_err(|_| {
                FieldErrors::from([(
                    "min_deal_score".to_string(),
                    "Enter a whole number from 0 to 100.".to_string(),
                )])
            })?),
        };
        Ok(RuleFields {
            name: self.name,
            keywords: self.keywords,
            excluded: self.excluded,
            min_deal_score,
            channels: Channel::ticked([self.inbox, self.email, self.push, self.webhook]),
            rhythm: Rhythm::from_slug(self.rhythm.trim()).unwrap_or_default(),
        })
    }
}

/// A rule's own fields as a person fills them in.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RuleFields {
    pub name: String,
    pub keywords: String,
    pub excluded: String,
    pub min_deal_score: Option<i16>,
    pub channels: Vec<Channel>,
    pub rhythm: Rhythm,
}

pub const NAME_MAX: usize = 80;
pub const KEYWORDS_MAX: usize = 500;

impl RuleFields {
    /// Trims the fields and checks them; each problem under its field's name.
    pub fn checked(mut self) -> Result<RuleFields, FieldErrors> {
        let mut errors = FieldErrors::new();
        self.name = self.name.trim().to_string();
        self.keywords = self.keywords.trim().to_string();
        self.excluded = self.excluded.trim().to_string();
        if self.name.is_empty() {
            errors.insert("name".into(), "Give the alert a name.".into());
        } else if self.name.chars().count() > NAME_MAX {
            errors.insert(
                "name".into(),
                format!("Keep the name to {NAME_MAX} characters."),
            );
        }
        if self.keywords.chars().count() > KEYWORDS_MAX {
            errors.insert(
                "keywords".into(),
                format!("Keep the keywords to {KEYWORDS_MAX} characters."),
            );
        } else if let Err(e) = super::keywords::parse(&self.keywords) {
            errors.insert("keywords".into(), e);
        }
        if self.excluded.chars().count() > KEYWORDS_MAX {
            errors.insert(
                "excluded".into(),
                format!("Keep the excluded words to {KEYWORDS_MAX} characters."),
            );
        } else if let Err(e) = super::keywords::parse_list(&self.excluded) {
            errors.insert("excluded".into(), e);
        }
        if let Some(s) = self.min_deal_score
            && !(0..=100).contains(&s)
        {
            errors.insert(
                "min_deal_score".into(),
                "A deal score is between 0 and 100.".into(),
            );
        }
        self.channels.sort_by_key(|c| *c as u8);
        self.channels.dedup();
        if self.channels.is_empty() {
            errors.insert(
                "channels".into(),
                "Choose at least one way to hear about matches.".into(),
            );
        } else if let Some(c) = self.channels.iter().find(|c| !c.available()) {
            errors.insert(
                "channels".into(),
                format!("{} notifications are not available yet.", c.label()),
            );
        }
        if !self.rhythm.available() {
            errors.insert(
                "rhythm".into(),
                format!("{}s are not available yet.", self.rhythm.label()),
            );
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }
}

/// One rule as the Alerts page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSummary {
    pub id: i64,
    pub fields: RuleFields,
    /// The search page with the rule's criteria.
    pub search_url: String,
    /// The criteria as chips ("BMW", "Diesel", "Up to 25,000 BGN", "Within 50 km of Sofia").
    pub chips: Vec<Chip>,
    pub paused: bool,
    /// "3 hours ago", or None before the first match.
    pub last_match: Option<String>,
    pub matches_this_week: i64,
}

/// The Alerts page: the rules and how many more may be active.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertsOverview {
    pub rules: Vec<RuleSummary>,
    pub limits: Limits,
    pub active: usize,
    /// Favorites count as implicit rules (price drops, sales) unless switched off.
    pub favorites: bool,
    /// Channels that keep failing.
    #[serde(default)]
    pub trouble: Vec<ChannelTrouble>,
}
