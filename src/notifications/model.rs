//! Notification settings as a person sees and edits them, for both targets.

use crate::listings::model::ListingId;
use crate::{accounts::model::Email, error::FieldErrors};
use serde::{Deserialize, Serialize};

/// Where a notification goes (a rule's channels, a person's default channels).
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

    /// The channels whose checkbox a form sent (`ChannelChooser` names each by its slug and
    /// sends "on" when ticked), from the four fields in `Channel::ALL` order.
    pub fn ticked(boxes: [Option<String>; 4]) -> Vec<Channel> {
        Channel::ALL
            .into_iter()
            .zip(boxes)
            .filter(|(_, on)| on.is_some())
            .map(|(c, _)| c)
            .collect()
    }

    /// Channels that deliver today (all of them now; kept for channels to come).
    pub fn available(self) -> bool {
        true
    }
}

/// Where one delivery goes: the account's alert address, one of its push devices, or one
/// of its webhooks. Stored as `delivery.target` / `channel_health.target` text (`email`,
/// `push:{id}`, `webhook:{id}`) and read back here, in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    Email,
    /// A push subscription (`push_subscription.subscription_id`).
    Push(i64),
    /// A webhook endpoint (`webhook_endpoint.endpoint_id`).
    Webhook(i64),
}

impl Target {
    pub fn channel(self) -> Channel {
        match self {
            Target::Email => Channel::Email,
            Target::Push(_) => Channel::Push,
            Target::Webhook(_) => Channel::Webhook,
        }
    }

    /// As stored.
    pub fn key(self) -> String {
        match self {
            Target::Email => "email".into(),
            Target::Push(id) => format!("push:{id}"),
            Target::Webhook(id) => format!("webhook:{id}"),
        }
    }

    /// What `key` made; None for anything else.
    pub fn from_key(key: &str) -> Option<Target> {
        let id = |rest: &str| rest.parse::<i64>().ok();
        match key.split_once(':') {
            None if key == "email" => Some(Target::Email),
            Some(("push", rest)) => id(rest).map(Target::Push),
            Some(("webhook", rest)) => id(rest).map(Target::Webhook),
            _ => None,
        }
    }
}

/// When notifications go out: at once or gathered into a digest.
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

/// Quiet hours: minutes after local midnight; `start > end` crosses midnight (22:00-07:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quiet {
    pub start: u16,
    pub end: u16,
}

/// "07:30" from minutes after midnight.
pub fn clock(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Minutes after midnight from "7:30", "07:30" or "07:30:00" (what `<input type=time>` sends).
pub fn parse_clock(s: &str) -> Option<u16> {
    let mut parts = s.trim().split(':');
    let h: u16 = parts.next()?.parse().ok()?;
    let m: u16 = parts.next()?.parse().ok()?;
    let seconds_ok = parts
        .next()
        .is_none_or(|sec| sec.parse::<u16>().is_ok_and(|v| v < 60));
    (h < 24 && m < 60 && seconds_ok && parts.next().is_none()).then_some(h * 60 + m)
}

impl Quiet {
    /// Both times or neither; the same time twice is not a window.
    pub fn parse(start: &str, end: &str) -> Result<Option<Quiet>, FieldErrors> {
        let mut errors = FieldErrors::default();
        let (s, e) = (start.trim(), end.trim());
        if s.is_empty() && e.is_empty() {
            return Ok(None);
        }
        let start = parse_clock(s);
        let end = parse_clock(e);
        if start.is_none() {
            errors.insert(
                "quiet_start".into(),
                "Enter when quiet hours start, like 22:00.".into(),
            );
        }
        if end.is_none() {
            errors.insert(
                "quiet_end".into(),
                "Enter when quiet hours end, like 07:00.".into(),
            );
        }
        match (start, end) {
            (Some(start), Some(end)) if start == end => {
                errors.insert(
                    "quiet_end".into(),
                    "Quiet hours must end at a different time than they start.".into(),
                );
                Err(errors)
            }
            (Some(start), Some(end)) => Ok(Some(Quiet { start, end })),
            _ => Err(errors),
        }
    }

    pub fn label(self) -> String {
        format!("{}–{}", clock(self.start), clock(self.end))
    }
}

pub const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// The Settings page's notification form as the browser sends it (`input[rhythm]`, ...):
/// every field as typed, a ticked checkbox as `Some("on")`. [`SettingsForm::parse`] reads it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SettingsForm {
    pub inbox: Option<String>,
    pub email: Option<String>,
    pub push: Option<String>,
    pub webhook: Option<String>,
    pub rhythm: String,
    pub digest_hour: String,
    pub digest_weekday: String,
    pub quiet_start: String,
    pub quiet_end: String,
    pub time_zone: String,
    pub alert_email: Option<String>,
}

impl SettingsForm {
    /// The settings it names, checked (`known_zone` says which time zones exist): every
    /// problem under its field's name.
    pub fn parse(
        self,
        known_zone: impl Fn(&str) -> bool,
    ) -> Result<NotificationSettings, FieldErrors> {
        let mut errors = FieldErrors::default();
        let quiet = Quiet::parse(&self.quiet_start, &self.quiet_end).unwrap_or_else(|e| {
            errors.extend(e);
            None
        });
        let settings = NotificationSettings {
            channels: Channel::ticked([self.inbox, self.email, self.push, self.webhook]),
            rhythm: Rhythm::from_slug(self.rhythm.trim()).unwrap_or_default(),
            digest_hour: self.digest_hour.trim().parse().unwrap_or(u8::MAX),
            digest_weekday: self.digest_weekday.trim().parse().unwrap_or(0),
            quiet,
            time_zone: self.time_zone,
            alert_email: self.alert_email,
        };
        match settings.checked(known_zone) {
            Err(e) => {
                errors.extend(e);
                Err(errors)
            }
            Ok(_) if !errors.is_empty() => Err(errors),
            Ok(settings) => Ok(settings),
        }
    }
}

/// The defaults new rules start from, and where and when alerts go.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationSettings {
    pub channels: Vec<Channel>,
    pub rhythm: Rhythm,
    /// 0-23, local.
    pub digest_hour: u8,
    /// 1 = Monday ... 7 = Sunday.
    pub digest_weekday: u8,
    pub quiet: Option<Quiet>,
    /// An IANA zone name; "UTC" until the person (or their browser) says otherwise.
    pub time_zone: String,
    /// None: the sign-in address.
    pub alert_email: Option<String>,
}

impl Default for NotificationSettings {
    fn default() -> Self {
        NotificationSettings {
            channels: vec![Channel::Inbox, Channel::Email],
            rhythm: Rhythm::Instant,
            digest_hour: 8,
            digest_weekday: 1,
            quiet: None,
            time_zone: "UTC".into(),
            alert_email: None,
        }
    }
}

impl NotificationSettings {
    /// Checks what a person entered; `known_zone` says whether a zone name exists.
    pub fn checked(mut self, known_zone: impl Fn(&str) -> bool) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        self.channels.sort_by_key(|c| *c as u8);
        self.channels.dedup();
        if let Some(c) = self.channels.iter().find(|c| !c.available()) {
            errors.insert(
                "channels".into(),
                format!(
                    "{} is not available yet: choose another channel.",
                    c.label()
                ),
            );
        }
        if !self.rhythm.available() {
            errors.insert(
                "rhythm".into(),
                format!("{} is not available yet.", self.rhythm.label()),
            );
        }
        if self.digest_hour > 23 {
            errors.insert("digest_hour".into(), "Choose an hour from 00 to 23.".into());
        }
        if !(1..=7).contains(&self.digest_weekday) {
            errors.insert("digest_weekday".into(), "Choose a day of the week.".into());
        }
        self.time_zone = self.time_zone.trim().to_string();
        if self.time_zone.is_empty() || !known_zone(&self.time_zone) {
            errors.insert(
                "time_zone".into(),
                "Choose a time zone from the list, like Europe/Sofia.".into(),
            );
        }
        self.alert_email = match self.alert_email.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(e) => match Email::parse(e) {
                Ok(e) => Some(e.into_string()),
                Err(msg) => {
                    errors.insert("alert_email".into(), msg.into());
                    None
                }
            },
        };
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }
}

/// A channel that keeps failing, as the Alerts and Settings pages show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelTrouble {
    /// "Email to ana@example.com".
    pub what: String,
    /// "3 hours ago".
    pub since: String,
    pub error: String,
}

/// A webhook endpoint as its owner sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookView {
    pub id: i64,
    pub name: String,
    /// "JSON (signed)", "Discord", "Telegram".
    pub kind: String,
    /// Where it goes: the URL's host and path, or "chat -100123".
    pub target: String,
    /// "3 days ago".
    pub added: String,
    /// JSON endpoints: the secret requests are signed with, for the receiver to check.
    pub signing_secret: Option<String>,
}

/// A browser or phone with push notifications on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceView {
    pub id: i64,
    pub name: String,
    /// "3 days ago".
    pub added: String,
}

/// The Settings page's notification section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingsView {
    pub settings: NotificationSettings,
    #[serde(default)]
    pub webhooks: Vec<WebhookView>,
    #[serde(default)]
    pub devices: Vec<DeviceView>,
    /// The VAPID public key (base64url) browsers subscribe with.
    #[serde(default)]
    pub push_key: String,
    /// Where alert email goes when no other address is set.
    pub sign_in_email: String,
    /// A new alert address waiting for its owner to open the link sent to it.
    #[serde(default)]
    pub pending_email: Option<String>,
    pub trouble: Vec<ChannelTrouble>,
    /// Every zone name, for the time zone picker.
    pub zones: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_targets_read_back_what_they_store() {
        for t in [Target::Email, Target::Push(7), Target::Webhook(12_345)] {
            assert_eq!(Target::from_key(&t.key()), Some(t));
        }
        assert_eq!(Target::Push(7).channel(), Channel::Push);
        for bad in [
            "",
            "push",
            "push:",
            "push:x",
            "webhook:1:2",
            "sms:3",
            "email:1",
            "inbox",
        ] {
            assert_eq!(Target::from_key(bad), None, "{bad}");
        }
    }

    #[test]
    fn clock_times_parse_both_ways() {
        assert_eq!(parse_clock("22:00"), Some(1320));
        assert_eq!(parse_clock("7:05"), Some(425));
        assert_eq!(parse_clock("07:05:00"), Some(425));
        assert_eq!(parse_clock("07:05junk"), None);
        assert_eq!(parse_clock("07:05:00:00"), None);
        assert_eq!(parse_clock("24:00"), None);
        assert_eq!(parse_clock("12:60"), None);
        assert_eq!(parse_clock("noon"), None);
        assert_eq!(clock(425), "07:05");
        assert_eq!(
            Quiet::parse("22:00", "07:00")
                .ok()
                .flatten()
                .map(Quiet::label),
            Some("22:00–07:00".to_string())
        );
        assert_eq!(Quiet::parse("", " ").ok(), Some(None));
        let only_start = Quiet::parse("22:00", "").err().unwrap_or_default();
        assert!(only_start.contains_key("quiet_end"));
        let same = Quiet::parse("22:00", "22:00").err().unwrap_or_default();
        assert!(same.contains_key("quiet_end"));
    }

    #[test]
    fn settings_are_checked_field_by_field() {
        let known = |z: &str| z == "Europe/Sofia" || z == "UTC";
        let ok = NotificationSettings {
            channels: vec![Channel::Email, Channel::Inbox, Channel::Email],
            time_zone: " Europe/Sofia ".into(),
            alert_email: Some(" Ana@Example.com ".into()),
            ..NotificationSettings::default()
        }
        .checked(known);
        let ok = ok.ok().unwrap_or_default();
        assert_eq!(ok.channels, vec![Channel::Inbox, Channel::Email]);
        assert_eq!(ok.time_zone, "Europe/Sofia");
        assert!(ok.alert_email.is_some());
        let bad = NotificationSettings {
            time_zone: "Mars/Olympus".into(),
            alert_email: Some("not an address".into()),
            digest_hour: 24,
            digest_weekday: 0,
            ..NotificationSettings::default()
        }
        .checked(known)
        .err()
        .unwrap_or_default();
        for field in ["time_zone", "alert_email", "digest_hour", "digest_weekday"] {
            assert!(bad.contains_key(field), "{field}");
        }
    }
}

/// One inbox entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notice {
    pub id: i64,
    /// The listing it is about; None for a notice about the account itself.
    pub listing_id: Option<ListingId>,
    /// Where it opens: the listing, or a place on the Account page.
    pub href: String,
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
