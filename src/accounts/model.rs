//! Account types that parse their input once. Both targets compile this file, so the
//! browser and the server agree on what a valid email or password is.

use serde::{Deserialize, Serialize};

/// An account's id: a type of its own, so no other uuid (a photo's, a token) can stand in
/// for it. Server-side only: the browser never needs an account's id.
#[cfg(feature = "ssr")]
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, sqlx::Type,
)]
#[serde(transparent)]
#[sqlx(transparent)]
pub struct AccountId(pub uuid::Uuid);

#[cfg(feature = "ssr")]
impl AccountId {
    /// A new random id (v4).
    pub fn random() -> AccountId {
        AccountId(uuid::Uuid::new_v4())
    }
}

/// What `query_as!` reads an `account_id` column into.
#[cfg(feature = "ssr")]
impl From<uuid::Uuid> for AccountId {
    fn from(id: uuid::Uuid) -> AccountId {
        AccountId(id)
    }
}

#[cfg(feature = "ssr")]
impl std::fmt::Display for AccountId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Shortest password we accept (OWASP ASVS 5.0: at least 8).
pub const PASSWORD_MIN_CHARS: usize = 8;
/// Longest password we accept: ASVS asks for at least 64; long passphrases are welcome.
pub const PASSWORD_MAX_CHARS: usize = 128;

/// The 3,000 most common passwords (the head of the Xato/Burnett 10M list as shipped in
/// zxcvbn 4.4.2, MIT licence), one per line, most common first.
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

/// A normalised email address: trimmed and lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    /// Parses what a person typed. The message is shown next to the email field.
    pub fn parse(input: &str) -> Result<Email, &'static str> {
        let email = input.trim().to_lowercase();
        if email.is_empty() {
            return Err("Enter your email address.");
        }
        if email.chars().count() > 254 {
            return Err("That email address is too long.");
        }
        let Some((local, domain)) = email.rsplit_once('@') else {
            return Err("Enter an email address like name@example.com.");
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        if local.is_empty()
            || local.contains('@')
            || email.chars().any(|c| c.is_whitespace() || c.is_control())
            || !domain_ok
        {
            return Err("Enter an email address like name@example.com.");
        }
        Ok(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password that a new account may use: long enough, not too long, not common.
/// No composition rules (NIST SP 800-63B, ASVS 5.0). Never serialised or printed.
#[derive(Clone)]
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(input: &str) -> Result<NewPassword, String> {
        let chars = input.chars().count();
        if chars < PASSWORD_MIN_CHARS {
            return Err(format!(
                "Use at least {PASSWORD_MIN_CHARS} characters. A few words make a strong, memorable password."
            ));
        }
        if chars > PASSWORD_MAX_CHARS {
            return Err(format!("Use at most {PASSWORD_MAX_CHARS} characters."));
        }
        if is_common_password(input) {
            return Err(
                "This is one of the most common passwords, so it is easy to guess. Please choose another."
                    .to_string(),
            );
        }
        Ok(NewPassword(input.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(<redacted>)")
    }
}

/// Whether `password` is on the shipped list of common passwords (case-insensitive, so
/// "Password1" is caught as well as "password1").
pub fn is_common_password(password: &str) -> bool {
    let lower = password.to_lowercase();
    COMMON_PASSWORDS.lines().any(|p| p == lower)
}

/// The signed-in account as the pages see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub email: String,
    /// Whether the owner confirmed the address (opened a link sent to it). Accounts from
    /// before confirmation existed may be signed in without it; they see a banner.
    pub email_verified: bool,
    /// False for an account made with a sign-in provider that has not chosen a password.
    pub has_password: bool,
    /// The sign-in provider (its id) that confirmed it's the owner at this browser in the last
    /// 5 minutes: a change that needs the password goes ahead without it, once.
    #[serde(default)]
    pub confirmed_with: Option<String>,
    /// What is wrong with the account's payments, for the banner on every page ("The payment
    /// for Pro failed ..."); None when nothing is.
    #[serde(default)]
    pub payment_trouble: Option<String>,
}

/// One line of the account's security log, as the Account page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityEventView {
    /// "Changed the password"
    pub what: String,
    /// "Firefox on Windows" (`describe_user_agent`).
    pub device: String,
    /// The client address it came from.
    pub address: String,
    /// "3 days ago"
    pub when: String,
    /// RFC 3339, for the `<time>` element.
    pub at: String,
}

/// One place the account is signed in, as Settings lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    /// What names it when signing it out.
    pub handle: String,
    /// "Chrome on Android" (`describe_user_agent`).
    pub device: String,
    /// The client address it signed in from.
    pub address: String,
    /// Roughly where that address is ("Sofia, BG"); empty when unknown.
    #[serde(default)]
    pub place: String,
    /// "3 days ago"
    pub signed_in: String,
    /// "just now"
    pub last_seen: String,
    /// The session of the browser that asks.
    pub this_one: bool,
}

/// Longest display name a seller may show on their listings.
pub const DISPLAY_NAME_MAX_CHARS: usize = 60;

/// The Profile section's values: what the account shows of its owner on listings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProfileView {
    pub display_name: String,
    /// In international form ("+359 88 812 3456"); empty when none is kept.
    pub phone: String,
    pub show_phone: bool,
}

/// A browser's User-Agent as a person names it: "Firefox on Windows", "Safari on iPhone";
/// "An unknown browser" when neither part is recognised.
pub fn describe_user_agent(ua: &str) -> String {
    let has = |s: &str| ua.contains(s);
    let browser = if has("Edg/") || has("EdgiOS") || has("EdgA/") {
        Some("Edge")
    } else if has("OPR/") || has("Opera") {
        Some("Opera")
    } else if has("SamsungBrowser") {
        Some("Samsung Internet")
    } else if has("Firefox/") || has("FxiOS") {
        Some("Firefox")
    } else if has("Chrome/") || has("CriOS") || has("Chromium/") {
        Some("Chrome")
    } else if has("Safari/") {
        Some("Safari")
    } else {
        None
    };
    let os = if has("iPhone") {
        Some("iPhone")
    } else if has("iPad") {
        Some("iPad")
    } else if has("Android") {
        Some("Android")
    } else if has("Windows") {
        Some("Windows")
    } else if has("CrOS") {
        Some("ChromeOS")
    } else if has("Macintosh") || has("Mac OS X") {
        Some("macOS")
    } else if has("Linux") {
        Some("Linux")
    } else {
        None
    };
    match (browser, os) {
        (Some(b), Some(o)) => format!("{b} on {o}"),
        (Some(b), None) => b.to_string(),
        (None, Some(o)) => format!("A browser on {o}"),
        (None, None) => "An unknown browser".to_string(),
    }
}

/// How many times a day one account may download its data (counted from its security log).
pub const EXPORTS_PER_DAY: i64 = 5;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agents_are_named_as_people_name_them() {
        for (ua, named) in [
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
                "Chrome on Windows",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
                "Edge on Windows",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
                "Safari on iPhone",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
                "Samsung Internet on Android",
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.7; rv:133.0) Gecko/20100101 Firefox/133.0",
                "Firefox on macOS",
            ),
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36",
                "Chrome on Linux",
            ),
            ("curl/8.5.0", "An unknown browser"),
            ("", "An unknown browser"),
        ] {
            assert_eq!(describe_user_agent(ua), named, "{ua}");
        }
    }

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        let email = Email::parse("  Ana.Petrova@Example.BG ").map(Email::into_string);
        assert_eq!(email, Ok("ana.petrova@example.bg".to_string()));
    }

    #[test]
    fn malformed_emails_are_refused_with_a_message() {
        for bad in [
            "",
            "   ",
            "ana",
            "ana@",
            "@example.com",
            "ana@example",
            "ana@.example.com",
            "ana@example..com",
            "ana petrova@example.com",
            "ana@exa mple.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn the_shipped_list_holds_three_thousand_passwords() {
        assert_eq!(COMMON_PASSWORDS.lines().count(), 3000);
        assert!(COMMON_PASSWORDS.lines().all(|l| !l.is_empty()));
    }

    #[test]
    fn common_passwords_are_refused_whatever_their_case() {
        assert!(NewPassword::parse("password").is_err());
        assert!(NewPassword::parse("Password").is_err());
        assert!(NewPassword::parse("12345678").is_err());
        assert!(NewPassword::parse("iloveyou").is_err());
        let msg = NewPassword::parse("baseball").err().unwrap_or_default();
        assert!(msg.contains("most common passwords"), "{msg}");
    }

    #[test]
    fn length_is_the_only_rule_for_uncommon_passwords() {
        assert!(NewPassword::parse("short1!").is_err());
        assert!(NewPassword::parse("correct horse battery staple").is_ok());
        assert!(NewPassword::parse("zebra-lantern").is_ok());
        // 64 characters must be accepted (ASVS), and more up to the maximum.
        assert!(NewPassword::parse(&"q".repeat(64)).is_ok());
        assert!(NewPassword::parse(&"q".repeat(PASSWORD_MAX_CHARS)).is_ok());
        assert!(NewPassword::parse(&"q".repeat(PASSWORD_MAX_CHARS + 1)).is_err());
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        // 8 Cyrillic letters are 16 bytes but 8 characters.
        assert!(NewPassword::parse("жълтокос").is_ok());
        assert!(NewPassword::parse("жълток").is_err());
    }

    #[test]
    fn passwords_never_show_in_debug_output() {
        let pw = NewPassword::parse("zebra-lantern").ok();
        assert_eq!(format!("{pw:?}"), "Some(NewPassword(<redacted>))");
    }
}
