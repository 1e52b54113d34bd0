//! Alert email: the message (plain text and HTML, the listing's photo and price, a one-click
//! unsubscribe link with RFC 8058's `List-Unsubscribe` and `List-Unsubscribe-Post` headers)
//! and the transport (SMTP from `SCOUT_SMTP_URL`, or `.eml` files in a folder when no SMTP
//! server is configured, so a local run shows what would have been sent).

use lettre::{
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{
        Mailbox, MultiPart,
        header::{Header, HeaderName, HeaderValue},
    },
};
use std::{path::PathBuf, time::Duration};

/// One listing in a message.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// "Volkswagen Golf 1.6 TDI · 17,400 BGN"
    pub title: String,
    /// Why it matched: "Volkswagen, Golf, Diesel; price dropped 1,500 BGN (to 17,400 BGN)".
    pub reason: String,
    pub price: String,
    /// Absolute URLs.
    pub url: String,
    pub photo: Option<String>,
}

/// What a message says and where its unsubscribe link goes.
#[derive(Debug, Clone, PartialEq)]
pub struct Letter {
    pub to: String,
    pub subject: String,
    /// A sentence above the listings (a digest's heading, the daily cap's explanation).
    pub intro: Option<String>,
    pub items: Vec<Item>,
    /// The one-click unsubscribe endpoint (POST) for the headers.
    pub unsubscribe_post: String,
    /// The page a person opens from the message's own link.
    pub unsubscribe_page: String,
    /// What unsubscribing stops: "this alert", "alerts about your favorites", ...
    pub unsubscribe_what: String,
    /// The settings page, for the footer.
    pub settings_url: String,
    /// Unique per delivery, so a receiver can drop a repeat after a crash mid-send.
    pub message_id: String,
}

/// Text safe inside HTML element content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

impl Letter {
    pub fn text(&self) -> String {
        let mut out = String::new();
        if let Some(intro) = &self.intro {
            out.push_str(intro);
            out.push_str("\n\n");
        }
        for item in &self.items {
            // a notice about the account itself has no price
            let price = if item.price.is_empty() {
                String::new()
            } else {
                format!("Price: {}\n", item.price)
            };
            out.push_str(&format!(
                "{}\n{}\n{price}{}\n\n",
                item.title, item.reason, item.url
            ));
        }
        out.push_str(&format!(
            "--\nYou get this because of your Scout alert settings: {}\nStop emails for {}: {}\n",
            self.settings_url, self.unsubscribe_what, self.unsubscribe_page
        ));
        out
    }

    pub fn html(&self) -> String {
        let mut out = String::from(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width\"></head>\
             <body style=\"font-family:system-ui,sans-serif;color:#111;max-width:560px;margin:0 auto;padding:16px\">",
        );
        if let Some(intro) = &self.intro {
            out.push_str(&format!("<p>{}</p>", esc(intro)));
        }
        for item in &self.items {
            out.push_str("<div style=\"border:1px solid #ddd;border-radius:8px;padding:12px;margin:12px 0\">");
            if let Some(photo) = &item.photo {
                out.push_str(&format!(
                    "<a href=\"{}\"><img src=\"{}\" alt=\"{}\" width=\"520\" style=\"max-width:100%;height:auto;border-radius:6px\"></a>",
                    esc(&item.url),
                    esc(photo),
                    esc(&item.title)
                ));
            }
            let price = if item.price.is_empty() {
                String::new()
            } else {
                format!(
                    "<p style=\"font-size:20px;font-weight:bold;margin:4px 0\">{}</p>",
                    esc(&item.price)
                )
            };
            out.push_str(&format!(
                "<h2 style=\"font-size:18px;margin:8px 0\"><a href=\"{}\" style=\"color:#1d4ed8\">{}</a></h2>\
                 {price}<p style=\"margin:4px 0\">{}</p></div>",
                esc(&item.url),
                esc(&item.title),
                esc(&item.reason)
            ));
        }
        out.push_str(&format!(
            "<p style=\"font-size:13px;color:#555\">You get this because of your <a href=\"{}\">Scout alert settings</a>. \
             <a href=\"{}\">Stop emails for {}</a>.</p></body></html>",
            esc(&self.settings_url),
            esc(&self.unsubscribe_page),
            esc(&self.unsubscribe_what)
        ));
        out
    }

    /// The message as sent.
    pub fn message(&self, from: &Mailbox) -> Result<Message, String> {
        let to: Mailbox = self
            .to
            .parse()
            .map_err(|e| format!("the address {} is not usable: {e}", self.to))?;
        Message::builder()
            .from(from.clone())
            .to(to)
            .subject(&self.subject)
            .message_id(Some(self.message_id.clone()))
            .header(ListUnsubscribe(format!("<{}>", self.unsubscribe_post)))
            .header(ListUnsubscribePost)
            .multipart(MultiPart::alternative_plain_html(self.text(), self.html()))
            .map_err(|e| format!("the message could not be built: {e}"))
    }
}

/// The message that asks the owner of a new alert address to confirm it.
pub fn confirmation(to: &str, link: &str, from: &Mailbox) -> Result<Message, String> {
    let to: Mailbox = to
        .parse()
        .map_err(|e| format!("the address {to} is not usable: {e}"))?;
    let text = format!(
        "Someone (we hope you) asked Scout to send alert email to this address.\n\n\
         To start getting alerts here, open this link within 3 days:\n{link}\n\n\
         If it was not you, ignore this message: nothing will be sent here.\n"
    );
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"></head>\
         <body style=\"font-family:system-ui,sans-serif;color:#111;max-width:560px;margin:0 auto;padding:16px\">\
         <p>Someone (we hope you) asked Scout to send alert email to this address.</p>\
         <p><a href=\"{0}\" style=\"color:#1d4ed8\">Confirm this address for Scout alerts</a> (the link works for 3 days).</p>\
         <p style=\"font-size:13px;color:#555\">If it was not you, ignore this message: nothing will be sent here.</p>\
         </body></html>",
        esc(link)
    );
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject("Confirm your address for Scout alerts")
        .multipart(MultiPart::alternative_plain_html(text, html))
        .map_err(|e| format!("the message could not be built: {e}"))
}

/// The "choose a new password" message.
pub fn password_reset(
    to: &str,
    link: &str,
    minutes: i64,
    from: &Mailbox,
) -> Result<Message, String> {
    let text = format!(
        "Someone (we hope you) asked to choose a new password for the Scout account that uses \
         this address.\n\nTo choose one, open this link within {minutes} minutes:\n{link}\n\n\
         Choosing a new password signs you out on every other device.\n\
         If it was not you, ignore this message: your password stays as it is.\n"
    );
    let html = format!(
        "<p>Someone (we hope you) asked to choose a new password for the Scout account that uses this address.</p>\
         <p><a href=\"{0}\" style=\"color:#1d4ed8\">Choose a new password</a> (the link works for {minutes} minutes, once).</p>\
         <p>Choosing a new password signs you out on every other device.</p>\
         <p style=\"font-size:13px;color:#555\">If it was not you, ignore this message: your password stays as it is.</p>",
        esc(link)
    );
    account_message(to, from, "Choose a new Scout password", text, html)
}

/// The "confirm your address" message a sign-up sends (and a sign-in to an account whose
/// address nobody has confirmed yet).
pub fn confirm_address(
    to: &str,
    link: &str,
    hours: i64,
    from: &Mailbox,
) -> Result<Message, String> {
    let text = format!(
        "Someone (we hope you) used this address to create a Scout account.\n\n\
         To confirm it is yours and sign in, open this link within {hours} hours:\n{link}\n\n\
         Until the address is confirmed, nobody can sign in to the account and Scout sends it \
         no alerts.\nIf it was not you, ignore this message: nothing happens without the link.\n"
    );
    let html = format!(
        "<p>Someone (we hope you) used this address to create a Scout account.</p>\
         <p><a href=\"{0}\" style=\"color:#1d4ed8\">Confirm the address and sign in</a> (the link works for {hours} hours, once).</p>\
         <p>Until the address is confirmed, nobody can sign in to the account and Scout sends it no alerts.</p>\
         <p style=\"font-size:13px;color:#555\">If it was not you, ignore this message: nothing happens without the link.</p>",
        esc(link)
    );
    account_message(to, from, "Confirm your address for Scout", text, html)
}

/// What a sign-up with an address that already has a confirmed account sends to that address
/// instead of a link: the page that asked can't tell the two apart, the owner can.
pub fn account_exists(
    to: &str,
    sign_in_link: &str,
    reset_link: &str,
    from: &Mailbox,
) -> Result<Message, String> {
    let text = format!(
        "Someone (we hope you) tried to create a Scout account with this address, but it \
         already has one.\n\nTo sign in: {sign_in_link}\nForgot the password? Choose a new \
         one: {reset_link}\n\nIf it was not you, ignore this message: nothing has changed.\n"
    );
    let html = format!(
        "<p>Someone (we hope you) tried to create a Scout account with this address, but it already has one.</p>\
         <p><a href=\"{0}\" style=\"color:#1d4ed8\">Sign in</a>, or if you forgot the password, \
         <a href=\"{1}\" style=\"color:#1d4ed8\">choose a new one</a>.</p>\
         <p style=\"font-size:13px;color:#555\">If it was not you, ignore this message: nothing has changed.</p>",
        esc(sign_in_link),
        esc(reset_link)
    );
    account_message(to, from, "You already have a Scout account", text, html)
}

/// "Your password was changed": so its owner learns of a change they didn't make.
pub fn password_changed(to: &str, reset_link: &str, from: &Mailbox) -> Result<Message, String> {
    let text = format!(
        "The password of the Scout account that uses this address was just changed, and every \
         other device where it was signed in was signed out.\n\nIf it was you, there is \
         nothing to do. If it was not, choose a new password now: {reset_link}\n"
    );
    let html = format!(
        "<p>The password of the Scout account that uses this address was just changed, and every other device where it was signed in was signed out.</p>\
         <p>If it was you, there is nothing to do. If it was not, <a href=\"{0}\" style=\"color:#1d4ed8\">choose a new password now</a>.</p>",
        esc(reset_link)
    );
    account_message(to, from, "Your Scout password was changed", text, html)
}

/// "Your account is deleted": the address learns of it whoever did it.
/// To the new address of an account whose owner asked to sign in with it: the link that makes
/// the change (nothing changes until it is opened).
pub fn email_change_link(
    to: &str,
    current: &str,
    link: &str,
    hours: i64,
    from: &Mailbox,
) -> Result<Message, String> {
    let text = format!(
        "Someone (we hope you) asked to sign in to Scout with this address instead of          {current}.\n\nTo make the change, open this link within {hours} hours:\n{link}\n\n\
         If it was not you, ignore this message: nothing changes.\n"
    );
    let html = format!(
        "<p>Someone (we hope you) asked to sign in to Scout with this address instead of {0}.</p>\
         <p><a href=\"{1}\" style=\"color:#1d4ed8\">Use this address for Scout</a> (the link works for {hours} hours, once).</p>\
         <p style=\"font-size:13px;color:#555\">If it was not you, ignore this message: nothing changes.</p>",
        esc(current),
        esc(link)
    );
    account_message(
        to,
        from,
        "Confirm your new Scout sign-in address",
        text,
        html,
    )
}

/// To the old address once the sign-in address has changed.
pub fn email_changed(to: &str, new_email: &str, from: &Mailbox) -> Result<Message, String> {
    let text = format!(
        "The Scout account that used this address now signs in with {new_email}. Scout sends \
         nothing more about the account to this address.\n\nIf it was you, there is nothing to \
         do. If it was not, someone has your password: reply to this message and we will help \
         you get the account back.\n"
    );
    let html = format!(
        "<p>The Scout account that used this address now signs in with <strong>{0}</strong>. Scout sends nothing more about the account to this address.</p>\
         <p>If it was you, there is nothing to do. If it was not, someone has your password: reply to this message and we will help you get the account back.</p>",
        esc(new_email)
    );
    account_message(
        to,
        from,
        "Your Scout sign-in address was changed",
        text,
        html,
    )
}

pub fn account_deleted(to: &str, from: &Mailbox) -> Result<Message, String> {
    let text = "The Scout account that used this address was deleted just now, with its \
         listings, photos, favorites, saved searches and alerts. Scout sends nothing more to \
         this address.\n\nIf you did not delete it, someone had your password: reply to this \
         message.\n"
        .to_string();
    let html = "<p>The Scout account that used this address was deleted just now, with its listings, photos, favorites, saved searches and alerts. Scout sends nothing more to this address.</p>\
         <p>If you did not delete it, someone had your password: reply to this message.</p>"
        .to_string();
    account_message(to, from, "Your Scout account is deleted", text, html)
}

/// A message about the account itself: `html` is the body's paragraphs, framed here.
fn account_message(
    to: &str,
    from: &Mailbox,
    subject: &str,
    text: String,
    html: String,
) -> Result<Message, String> {
    let to: Mailbox = to
        .parse()
        .map_err(|e| format!("the address {to} is not usable: {e}"))?;
    let framed = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"></head>\
         <body style=\"font-family:system-ui,sans-serif;color:#111;max-width:560px;margin:0 auto;padding:16px\">\
         {html}</body></html>"
    );
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(subject)
        .multipart(MultiPart::alternative_plain_html(text, framed))
        .map_err(|e| format!("the message could not be built: {e}"))
}

/// `List-Unsubscribe: <https://...>` (RFC 2369).
#[derive(Debug, Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.to_string()))
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
#[derive(Debug, Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribePost)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".into())
    }
}

/// Why a message was not sent; permanent ones (5xx, a bad address) are not retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    pub permanent: bool,
    pub message: String,
}

/// Where email goes.
#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// No SMTP server configured: each message is written to this folder as a `.eml` file.
    Folder(PathBuf, AsyncFileTransport<Tokio1Executor>),
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mailer::Smtp(_) => f.write_str("Mailer::Smtp(<redacted>)"),
            Mailer::Folder(dir, _) => write!(f, "Mailer::Folder({dir:?})"),
        }
    }
}

impl Mailer {
    /// SMTP from a URL like `smtp://user:pass@host:587?tls=required` or `smtps://host`, else
    /// `.eml` files in `folder`.
    pub fn new(smtp_url: Option<&str>, folder: PathBuf) -> anyhow::Result<Mailer> {
        match smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("SCOUT_SMTP_URL is not a usable SMTP URL: {e}"))?
                    .timeout(Some(Duration::from_secs(30)))
                    .build();
                Ok(Mailer::Smtp(transport))
            }
            None => {
                std::fs::create_dir_all(&folder)?;
                let transport = AsyncFileTransport::<Tokio1Executor>::new(&folder);
                Ok(Mailer::Folder(folder, transport))
            }
        }
    }

    pub async fn send(&self, message: Message) -> Result<(), SendError> {
        match self {
            Mailer::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| {
                // The server's own words (host names, policy codes) go to the log; the person
                // sees a sentence they can act on.
                tracing::warn!(error = %e, "the mail server did not take a message");
                SendError {
                    permanent: e.is_permanent(),
                    message: smtp_failure_in_words(&e).to_string(),
                }
            }),
            Mailer::Folder(_, t) => t.send(message).await.map(|_| ()).map_err(|e| {
                tracing::warn!(error = %e, "a message could not be written to the mail folder");
                SendError {
                    permanent: false,
                    message: "the message could not be written".into(),
                }
            }),
        }
    }
}

/// What a failed SMTP send means for the person whose alert it was, without the server's text.
fn smtp_failure_in_words(e: &lettre::transport::smtp::Error) -> &'static str {
    if e.is_permanent() {
        "the mail server refused the address; check that it is spelled right"
    } else if e.is_timeout() {
        "the mail server did not answer in time"
    } else if e.is_transient() {
        "the mail server asked us to try again later"
    } else {
        "the mail server could not be reached"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn letter() -> Letter {
        Letter {
            to: "ana@example.com".into(),
            subject: "Golf <TDI> & more".into(),
            intro: None,
            items: vec![Item {
                title: "Golf <TDI> & more".into(),
                reason: "Diesel; just listed".into(),
                price: "17,400 BGN".into(),
                url: "http://scout.test/listings/7".into(),
                photo: Some("http://scout.test/media/a.webp".into()),
            }],
            unsubscribe_post: "http://scout.test/api/unsubscribe/t0k".into(),
            unsubscribe_page: "http://scout.test/unsubscribe/t0k".into(),
            unsubscribe_what: "this alert".into(),
            settings_url: "http://scout.test/settings".into(),
            message_id: "<delivery-1@scout.test>".into(),
        }
    }

    #[test]
    fn a_message_has_both_parts_and_the_one_click_headers() {
        let from: Mailbox = "Scout <alerts@scout.test>".parse().unwrap_or_else(|_| {
            Mailbox::new(
                None,
                lettre::Address::new("a", "b.c").unwrap_or_else(|_| unreachable!()),
            )
        });
        let raw = letter()
            .message(&from)
            .map(|m| m.formatted())
            .unwrap_or_default();
        let raw = String::from_utf8_lossy(&raw);
        assert!(
            raw.contains("List-Unsubscribe: <http://scout.test/api/unsubscribe/t0k>"),
            "{raw}"
        );
        assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
        assert!(raw.contains("Message-ID: <delivery-1@scout.test>"));
        assert!(raw.contains("multipart/alternative"));
        assert!(raw.contains("text/plain") && raw.contains("text/html"));
        // the HTML escapes what sellers wrote
        let html = letter().html();
        assert!(html.contains("Golf &lt;TDI&gt; &amp; more"));
        assert!(!html.contains("<TDI>"));
        assert!(html.contains("src=\"http://scout.test/media/a.webp\""));
        let text = letter().text();
        assert!(text.contains("Price: 17,400 BGN"));
        assert!(text.contains("Stop emails for this alert: http://scout.test/unsubscribe/t0k"));
        let bad = Letter {
            to: "nobody".into(),
            ..letter()
        };
        assert!(bad.message(&from).is_err());
    }
}
