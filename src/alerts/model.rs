//! What an alert rule is made of, for both targets: channels, rhythm, the limits, and the
//! validation of a rule's own fields (the search part is the search page's `SearchQuery`).

use crate::{error::FieldErrors, listings::api::Chip};
use serde::{Deserialize, Serialize};

/// Where a rule's notifications go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Inbox,
    Email,
    Push,
    Webhook,
}

impl Channel {
    pub const ALL: [Channel; 4] = [
        Channel::Inbox,
        Channel::Email,
        Channel::Push,
        Channel::Webhook,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Inbox => "inbox",
            Channel::Email => "email",
            Channel::Push => "push",
            Channel::Webhook => "webhook",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Channel::Inbox => "In-app inbox",
            Channel::Email => "Email",
            Channel::Push => "Push notification",
            Channel::Webhook => "Webhook",
        }
    }

    pub fn from_slug(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Channels that deliver today (all of them now; kept for channels to come).
    pub fn available(self) -> bool {
        true
    }
}

/// When a rule's notifications go out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Rhythm {
    #[default]
    Instant,
    Daily,
    Weekly,
}

impl Rhythm {
    pub const ALL: [Rhythm; 3] = [Rhythm::Instant, Rhythm::Daily, Rhythm::Weekly];

    pub fn as_str(self) -> &'static str {
        match self {
            Rhythm::Instant => "instant",
            Rhythm::Daily => "daily",
            Rhythm::Weekly => "weekly",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Rhythm::Instant => "As it happens",
            Rhythm::Daily => "Daily digest",
            Rhythm::Weekly => "Weekly digest",
        }
    }

    pub fn from_slug(s: &str) -> Option<Rhythm> {
        Rhythm::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Rhythms that deliver today.
    pub fn available(self) -> bool {
        true
    }
}

/// What an account may do with alerts. One place, so plans can change them later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Rules that are not paused.
    pub active_rules: usize,
    /// How long a notification waits before it is delivered (0: at once).
    pub delay_minutes: u32,
    /// Notifications per day before the rest wait for the digest.
    pub per_day: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            active_rules: 3,
            delay_minutes: 0,
            per_day: 50,
        }
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
    pub trouble: Vec<crate::notifications::model::ChannelTrouble>,
}

/// One inbox entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notice {
    pub id: i64,
    pub listing_id: i64,
    pub title: String,
    pub reason: String,
    /// "5 minutes ago"
    pub when: String,
    pub read: bool,
}

/// The inbox: newest first, and how many are unread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Inbox {
    pub notices: Vec<Notice>,
    pub unread: i64,
}
