//! What a seller shows of themselves on their listings (a display name; a phone number only
//! when they ask for it), and moving the account to another sign-in address: the change is
//! made by a link mailed to the new address, and the old one is told.

use super::model::ProfileView;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::{
        api::{
            check_owner_again, mail_in_background, no_password_typed, password_missing, record,
            signed_in, this_device,
        },
        model::{DISPLAY_NAME_MAX_CHARS, Email},
        repo::{self, EmailChange, SecurityEvent},
    },
    crate::{
        error::FieldErrors,
        server::{secrets::token_sha256, state::AppState},
    },
};

/// A profile as typed, checked and normalised.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub display_name: String,
    /// E.164 ("+359888123456").
    pub phone: Option<String>,
    pub show_phone: bool,
}

#[cfg(feature = "ssr")]
impl Profile {
    /// Reads the Profile form; each field's message is shown next to it.
    pub fn parse(
        display_name: &str,
        phone: &str,
        show_phone: bool,
    ) -> Result<Profile, FieldErrors> {
        let mut fields = FieldErrors::new();
        let display_name = parse_display_name(display_name)
            .map_err(|m| fields.insert("display_name".into(), m.into()))
            .unwrap_or_default();
        let phone = match parse_phone(phone) {
            Ok(None) if show_phone => {
                fields.insert(
                    "phone".into(),
                    "Enter the number buyers should call, or untick \u{201c}Show my phone number on my listings\u{201d}.".into(),
                );
                None
            }
            Ok(phone) => phone,
            Err(m) => {
                fields.insert("phone".into(), m.into());
                None
            }
        };
        if fields.is_empty() {
            Ok(Profile {
                display_name,
                phone,
                show_phone,
            })
        } else {
            Err(fields)
        }
    }
}

/// A display name: runs of spaces, tabs and line breaks become one space, the ends are
/// trimmed; at most [`DISPLAY_NAME_MAX_CHARS`] characters, and none of the invisible ones that
/// reorder or hide text (a name like "Ana\u{202e}rotcoD" must not read as something else).
/// Empty is allowed: the listing then says "Private seller" or "Dealer".
#[cfg(feature = "ssr")]
pub fn parse_display_name(input: &str) -> Result<String, &'static str> {
    let name = input.split_whitespace().collect::<Vec<_>>().join(" ");
    let invisible = |c: char| {
        c.is_control()
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{feff}')
    };
    if name.chars().any(invisible) {
        return Err("Use letters, digits, spaces and punctuation only.");
    }
    if name.chars().count() > DISPLAY_NAME_MAX_CHARS {
        return Err("Use at most 60 characters.");
    }
    Ok(name)
}

/// A phone number as people type it: Bulgarian numbers as dialled at home ("0888 123 456",
/// "02 987 6543") or any number with its country code ("+359 88 812 3456", "00 44 20 …").
/// Checked against libphonenumber's numbering plans; kept in E.164. Empty is none.
#[cfg(feature = "ssr")]
pub fn parse_phone(input: &str) -> Result<Option<String>, &'static str> {
    const MESSAGE: &str = "Enter a phone number as you dial it in Bulgaria (0888 123 456) or with its country code (+49 30 1234567).";
    let input = input.trim();
    if input.is_empty() {
        return Ok(None);
    }
    if input.chars().count() > 32 {
        return Err(MESSAGE);
    }
    let number =
        phonenumber::parse(Some(phonenumber::country::Id::BG), input).map_err(|_| MESSAGE)?;
    if !number.is_valid() {
        return Err(MESSAGE);
    }
    Ok(Some(
        number.format().mode(phonenumber::Mode::E164).to_string(),
    ))
}

/// An E.164 number as people read it: "+359 88 812 3456".
#[cfg(feature = "ssr")]
pub fn phone_for_people(e164: &str) -> String {
    phonenumber::parse(None, e164)
        .map(|n| {
            n.format()
                .mode(phonenumber::Mode::International)
                .to_string()
        })
        .unwrap_or_else(|_| e164.to_string())
}

/// The signed-in account's profile, for its form.
#[server(prefix = "/api", endpoint = "accounts/profile", input = leptos::server_fn::codec::GetUrl)]
pub async fn my_profile() -> Result<ProfileView, AppError> {
    let (state, account) = signed_in("Sign in to manage your account.").await?;
    let row = repo::profile(&state.pool, account)
        .await?
        .ok_or_else(|| AppError::unauthorized("Sign in to manage your account."))?;
    Ok(ProfileView {
        display_name: row.display_name,
        phone: row
            .phone
            .as_deref()
            .map(phone_for_people)
            .unwrap_or_default(),
        show_phone: row.show_phone,
    })
}

/// What the Account page says once the profile is saved (after a no-JS post, from
/// `?changed=profile`).
pub const PROFILE_SAVED: &str = "Your profile is saved. Your listings show it from now on.";

/// Saves the name (and, when asked, the phone number) that the account's listings show.
#[server(prefix = "/api", endpoint = "accounts/update_profile")]
pub async fn update_profile(
    display_name: String,
    phone: String,
    show_phone: Option<String>,
) -> Result<String, AppError> {
    let (state, account) = signed_in("Sign in to change your profile.").await?;
    let profile =
        Profile::parse(&display_name, &phone, show_phone.is_some()).map_err(AppError::invalid)?;
    if repo::update_profile(
        &state.pool,
        account,
        &profile.display_name,
        profile.phone.as_deref(),
        profile.show_phone,
    )
    .await?
    {
        record(
            &state,
            account,
            SecurityEvent::ProfileChanged,
            &this_device()?,
        )
        .await?;
        // listing pages are rendered per request: they show the new name at once
    }
    leptos_axum::redirect("/account?changed=profile");
    Ok(PROFILE_SAVED.into())
}

/// How long a link that moves the sign-in address works.
pub const EMAIL_CHANGE_LINK_HOURS: i64 = 24;

/// What the Account page says once the link to a new address is on its way.
pub fn email_change_sent(new_email: &str) -> String {
    format!(
        "We sent a link to {new_email}. Your sign-in address changes when you open it (within {EMAIL_CHANGE_LINK_HOURS} hours); until then, sign in as before."
    )
}

/// What the Account page says once the address has changed.
pub fn email_changed(new_email: &str) -> String {
    format!("Done: you sign in to Scout with {new_email} from now on. We told your old address.")
}

/// Asks to sign in with another address: the password again, then a link to the new address
/// (at most one per 2 minutes and 5 a day). Nothing changes until the link is opened.
#[server(prefix = "/api", endpoint = "accounts/change_email")]
pub async fn change_email(new_email: String, email_password: String) -> Result<String, AppError> {
    let (state, account) = signed_in("Sign in to change your sign-in address.").await?;
    let Some((current, _)) = repo::find_email(&state.pool, account).await? else {
        return Err(AppError::unauthorized(
            "Sign in to change your sign-in address.",
        ));
    };
    let mut fields = FieldErrors::new();
    let new = match Email::parse(&new_email) {
        Ok(e) if e.as_str() == current => {
            fields.insert(
                "new_email".into(),
                "That is already your sign-in address.".into(),
            );
            None
        }
        Ok(e) => Some(e),
        Err(m) => {
            fields.insert("new_email".into(), m.into());
            None
        }
    };
    if password_missing(account, &email_password).await? {
        let message = no_password_typed(&state, account).await?;
        fields.insert("email_password".into(), message.into());
    }
    let Some(new) = new.filter(|_| fields.is_empty()) else {
        return Err(AppError::invalid(fields));
    };
    check_owner_again(&state, account, &current, "email_password", email_password).await?;
    let token = crate::server::secrets::random_token();
    // The link goes to the new address whether or not another account uses it (the answer
    // here is the same either way); opening it then says the address is taken.
    if repo::insert_email_change(&state.pool, account, new.as_str(), &token_sha256(&token)).await? {
        record(
            &state,
            account,
            SecurityEvent::EmailChangeRequested,
            &this_device()?,
        )
        .await?;
        let link = format!("{}/change-email/{token}", state.config.public_url.origin());
        let to = new.as_str().to_string();
        mail_in_background(&state, "email-change link", move |from| {
            crate::notifications::email::email_change_link(
                &to,
                &current,
                &link,
                EMAIL_CHANGE_LINK_HOURS,
                from,
            )
        });
    }
    leptos_axum::redirect(&format!(
        "/account?email_sent={}",
        crate::listings::search::query::encode_component(new.as_str())
    ));
    Ok(email_change_sent(new.as_str()))
}

/// The addresses an email-change link moves between while it works (for its page).
#[server(prefix = "/api", endpoint = "accounts/email_change_link", input = leptos::server_fn::codec::GetUrl)]
pub async fn email_change_link(token: String) -> Result<Option<(String, String)>, AppError> {
    let state = AppState::from_context()?;
    Ok(repo::email_change_link(&state.pool, &token_sha256(&token)).await?)
}

/// Uses an email-change link (a button on its page, so a mail scanner opening links doesn't
/// use it up): the account signs in with the new address from now on, and the old address is
/// told.
#[server(prefix = "/api", endpoint = "accounts/confirm_email_change")]
pub async fn confirm_email_change(token: String) -> Result<String, AppError> {
    let state = AppState::from_context()?;
    match repo::use_email_change(&state.pool, &token_sha256(&token)).await? {
        EmailChange::Changed { account, old, new } => {
            record(&state, account, SecurityEvent::EmailChanged, &this_device()?).await?;
            tracing::info!(%account, "sign-in address changed");
            let to = old;
            let new_for_mail = new.clone();
            mail_in_background(&state, "address-changed note", move |from| {
                crate::notifications::email::email_changed(&to, &new_for_mail, from)
            });
            // without JavaScript (and with it) the Account page says so from `?email_changed=`
            leptos_axum::redirect(&format!(
                "/account?email_changed={}",
                crate::listings::search::query::encode_component(&new)
            ));
            Ok(email_changed(&new))
        }
        EmailChange::Taken => Err(AppError::Conflict {
            message: "Another Scout account signs in with this address now, so the change can't be made. Sign in with that account, or delete it first and ask for a new link.".into(),
        }),
        EmailChange::NotValid => Err(AppError::Conflict {
            message: "This link has expired or was already used. Ask for a new one on your Account page.".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bulgarian_numbers_are_read_as_people_dial_them() {
        for typed in [
            "0888 123 456",
            "0888123456",
            "+359 88 812 3456",
            "00359 888 123 456",
            "+359-888-123-456",
            "(0888) 12 34 56",
        ] {
            assert_eq!(
                parse_phone(typed),
                Ok(Some("+359888123456".to_string())),
                "{typed}"
            );
        }
        assert_eq!(parse_phone("02 987 6543"), Ok(Some("+35929876543".into())));
        assert_eq!(
            parse_phone("+49 30 1234567"),
            Ok(Some("+49301234567".into()))
        );
        assert_eq!(parse_phone("   "), Ok(None));
        assert_eq!(phone_for_people("+359888123456"), "+359 88 812 3456");
    }

    #[test]
    fn numbers_outside_any_plan_are_refused() {
        for bad in [
            "12",
            "0888 123",
            "088812345678901",
            "call me",
            "+1 555",
            "0888 123 456 or email",
            &"9".repeat(40),
        ] {
            assert!(parse_phone(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn display_names_are_tidied_and_invisible_characters_refused() {
        assert_eq!(
            parse_display_name("  Иван \t Петров\n "),
            Ok("Иван Петров".into())
        );
        assert_eq!(parse_display_name(""), Ok(String::new()));
        assert!(parse_display_name("Ana\u{202e}rotcoD").is_err());
        assert!(parse_display_name("Ana\u{200b}").is_err());
        assert!(parse_display_name(&"я".repeat(60)).is_ok());
        assert!(parse_display_name(&"я".repeat(61)).is_err());
    }

    #[test]
    fn showing_the_phone_needs_a_number() {
        let fields = Profile::parse("Ana", "", true).err().unwrap_or_default();
        assert!(fields.contains_key("phone"));
        let fields = Profile::parse(&"x".repeat(61), "12", false)
            .err()
            .unwrap_or_default();
        assert_eq!(fields.len(), 2, "both fields are told at once");
        assert_eq!(
            Profile::parse(" Ana ", "0888 123 456", true),
            Ok(Profile {
                display_name: "Ana".into(),
                phone: Some("+359888123456".into()),
                show_phone: true,
            })
        );
    }
}
