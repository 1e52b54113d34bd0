//! Sign-in providers on the pages: "Continue with Google" on the sign-in and sign-up pages,
//! the providers an account is connected to on the Account page, and what a refused sign-in
//! with a provider means in words. The flow itself is in `providers.rs` (server only).

use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::{hooks::use_query_map, params::ParamsMap};
use serde::{Deserialize, Serialize};

/// A provider people may sign in with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderChoice {
    pub id: String,
    pub name: String,
}

/// A provider or marketplace as the Account page lists it: connected (as whom, since when,
/// how the link stands) or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderLink {
    pub id: String,
    pub name: String,
    pub kind: LinkKind,
    pub connected: Option<Connection>,
}

/// What a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkKind {
    /// A way to sign in.
    SignIn,
    /// An outside marketplace Scout publishes the person's listings to.
    Marketplace,
}

/// How a provider's link stands, for its badge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Health {
    Connected,
    ExpiringSoon,
    Expired,
    Revoked,
    Failing,
}

impl Health {
    pub fn label(self) -> &'static str {
        match self {
            Health::Connected => "Connected",
            Health::ExpiringSoon => "Expiring soon",
            Health::Expired => "Expired",
            Health::Revoked => "Revoked",
            Health::Failing => "Failing",
        }
    }
}

/// A provider the account is connected to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connection {
    /// The address the provider gave (may be empty).
    pub email: String,
    /// YYYY-MM-DD.
    pub since: String,
    /// What the provider let Scout see, space-separated ("openid email profile").
    pub scopes: String,
    pub health: Health,
    /// What the health means, in words a person can act on.
    pub detail: String,
    /// Scout holds a token to renew access with ("Refresh now").
    pub renewable: bool,
    /// Disconnecting it leaves another way to sign in (a password or another provider).
    pub removable: bool,
}

/// A connection's health and what it means, from what Scout knows of it at `now`: the
/// provider's refusals first, then the access token's end (a token Scout can't renew that
/// ends within a day is "expiring soon"). Signing in with the provider works in every case:
/// the health is about the access Scout holds.
#[cfg(feature = "ssr")]
pub fn health(
    name: &str,
    row: &super::identities::IdentityRow,
    now: time::OffsetDateTime,
) -> (Health, String) {
    let reason = row.status_reason.trim();
    let or = |default: String| {
        if reason.is_empty() {
            default
        } else {
            reason.to_string()
        }
    };
    match row.status.as_str() {
        "revoked" => {
            return (
                Health::Revoked,
                or(format!(
                    "{name} says Scout's access was withdrawn. Reconnect to give it again."
                )),
            );
        }
        "expired" => {
            return (
                Health::Expired,
                or(format!(
                    "{name} no longer renews Scout's access. Reconnect to renew it."
                )),
            );
        }
        "failing" => {
            return (
                Health::Failing,
                or(format!(
                    "{name} could not be asked to renew Scout's access."
                )),
            );
        }
        _ => {}
    }
    let until = |t: time::OffsetDateTime| {
        format!(
            "{} {:02}:{:02} UTC",
            crate::format::iso_date(t),
            t.hour(),
            t.minute()
        )
    };
    match row.token_expires_at {
        Some(t) if t <= now && !row.renewable => (
            Health::Expired,
            format!(
                "Scout's access ended on {}. Reconnect to renew it.",
                until(t)
            ),
        ),
        Some(t) if t - now < time::Duration::days(1) && !row.renewable => (
            Health::ExpiringSoon,
            format!(
                "Scout's access ends on {}. Reconnect to renew it.",
                until(t)
            ),
        ),
        Some(t) if row.renewable => (
            Health::Connected,
            format!("Access until {}, renewed before it ends.", until(t)),
        ),
        Some(t) => (Health::Connected, format!("Access until {}.", until(t))),
        None => (Health::Connected, String::new()),
    }
}

/// The providers configured on this server (none: nothing is offered).
#[server(prefix = "/api", endpoint = "accounts/providers", input = leptos::server_fn::codec::GetUrl)]
pub async fn sign_in_providers() -> Result<Vec<ProviderChoice>, AppError> {
    let state = crate::server::state::AppState::from_context()?;
    Ok(state
        .config
        .sign_in_providers
        .iter()
        .map(|p| ProviderChoice {
            id: p.id.clone(),
            name: p.name.clone(),
        })
        .collect())
}

/// Every configured provider, and whether the signed-in account is connected to it.
#[server(prefix = "/api", endpoint = "accounts/provider_links", input = leptos::server_fn::codec::GetUrl)]
pub async fn provider_links() -> Result<Vec<ProviderLink>, AppError> {
    let (state, account) = super::api::signed_in("Sign in to manage your account.").await?;
    let mine = super::identities::of_account(&state.pool, account).await?;
    let password = super::repo::account_summary(&state.pool, account)
        .await?
        .is_some_and(|(_, _, password)| password);
    let ways = mine.iter().filter(|i| i.kind == "sign_in").count();
    let now = time::OffsetDateTime::now_utc();
    let configured = state
        .config
        .sign_in_providers
        .iter()
        .map(|p| (p.id.clone(), p.name.clone(), LinkKind::SignIn))
        .chain(
            state
                .config
                .marketplaces
                .iter()
                .map(|m| (m.id.clone(), m.name.clone(), LinkKind::Marketplace)),
        );
    Ok(configured
        .map(|(id, name, kind)| ProviderLink {
            connected: mine.iter().find(|i| i.provider == id).map(|i| {
                let (health, detail) = health(&name, i, now);
                Connection {
                    email: i.email.clone(),
                    since: crate::format::iso_date(i.created_at),
                    scopes: i.scopes.clone(),
                    health,
                    detail,
                    renewable: i.renewable,
                    // a marketplace is never a way to sign in
                    removable: kind == LinkKind::Marketplace || password || ways > 1,
                }
            }),
            id,
            name,
            kind,
        })
        .collect())
}

/// What needs the seller's attention about their linked marketplaces: one sentence per link
/// that is not healthy (expired, revoked, failing), for a banner on the seller's pages.
/// Nothing for a visitor.
#[server(prefix = "/api", endpoint = "accounts/link_troubles", input = leptos::server_fn::codec::GetUrl)]
pub async fn link_troubles() -> Result<Vec<String>, AppError> {
    let Some(account) = super::api::current_account_id().await? else {
        return Ok(Vec::new());
    };
    let state = crate::server::state::AppState::from_context()?;
    let now = time::OffsetDateTime::now_utc();
    Ok(super::identities::of_account(&state.pool, account)
        .await?
        .iter()
        .filter(|i| i.kind == "marketplace")
        .filter_map(|i| {
            let name = &state.marketplace(&i.provider)?.name;
            let (health, detail) = health(name, i, now);
            matches!(health, Health::Expired | Health::Revoked | Health::Failing)
                .then(|| format!("Your {name} link needs attention: {detail}"))
        })
        .collect())
}

/// A banner on the seller's pages while a linked marketplace needs attention (its listings
/// can't be kept in step there), with the way to the Account page.
/// `spaced`: with room above it (where the page's own frame has none).
#[component]
pub fn LinkTroubleBanner(#[prop(optional)] spaced: bool) -> impl IntoView {
    let troubles = Resource::new(|| (), |()| link_troubles());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let troubles = troubles.await.unwrap_or_default();
                (!troubles.is_empty())
                    .then(|| {
                        view! {
                            <div
                                role="status"
                                class="mb-4 space-y-1 rounded-lg border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-950"
                                class=("mt-6", spaced)
                            >
                                {troubles.into_iter().map(|t| view! { <p>{t}</p> }).collect_view()}
                                <a class=crate::ui::LINK href="/account#marketplaces-heading">
                                    "Manage linked marketplaces"
                                </a>
                            </div>
                        }
                    })
            })}
        </Suspense>
    }
}

/// Disconnects the signed-in account from provider or marketplace `provider` once `confirm`
/// is "yes": it no longer signs in with it (or Scout no longer publishes there), and Scout's
/// tokens are revoked there where it supports that. Refused while it is the account's only
/// way to sign in.
#[server(prefix = "/api", endpoint = "accounts/disconnect_provider")]
pub async fn disconnect_provider(
    provider: String,
    confirm: Option<String>,
) -> Result<(), AppError> {
    use super::{identities::Kind, repo::SecurityEvent};
    let (state, account) = super::api::signed_in("Sign in to manage your account.").await?;
    let name = super::links::name_of(&state, &provider).ok_or(AppError::NotFound)?;
    if confirm.as_deref() != Some("yes") {
        return Err(AppError::invalid_field(
            "confirm",
            format!("Confirm that you want to disconnect {name}."),
        ));
    }
    match super::identities::unlink(&state.pool, &state.sealer, account, &provider).await? {
        super::identities::Unlinked::NotConnected => return Err(AppError::NotFound),
        super::identities::Unlinked::LastWay => {
            return Err(AppError::Conflict {
                message: format!(
                    "{name} is your only way to sign in. Choose a password (\u{201c}Forgot password?\u{201d} on the sign-in page) or connect another provider first."
                ),
            });
        }
        super::identities::Unlinked::Done {
            kind,
            refresh,
            access,
        } => {
            let event = match kind {
                Kind::SignIn => SecurityEvent::ProviderUnlinked,
                Kind::Marketplace => SecurityEvent::MarketplaceUnlinked,
            };
            super::api::record(&state, account, event, &super::api::this_device()?).await?;
            // revoking is a courtesy to the person: the link is gone here whatever the
            // provider answers
            let (revoke_state, id) = (state.clone(), provider.clone());
            tokio::spawn(async move {
                super::links::revoke(&revoke_state, &id, refresh, access).await;
            });
            tracing::info!(%account, provider, "a link to a provider was removed");
        }
    }
    leptos_axum::redirect(&format!("/account?disconnected={provider}"));
    Ok(())
}

/// Renews Scout's access at provider or marketplace `provider` now with the token it gave for
/// that.
#[server(prefix = "/api", endpoint = "accounts/refresh_provider")]
pub async fn refresh_provider(provider: String) -> Result<(), AppError> {
    use super::links::Refreshed;
    let (state, account) = super::api::signed_in("Sign in to manage your account.").await?;
    match super::links::refresh(&state, account, &provider).await? {
        Refreshed::Renewed => {}
        Refreshed::NothingToRenew => return Err(AppError::NotFound),
        Refreshed::Refused(message) => return Err(AppError::Conflict { message }),
    }
    leptos_axum::redirect(&format!("/account?refreshed={provider}"));
    Ok(())
}

/// What a refused sign-in with `provider` (`?provider_error=` from the callback) means; None
/// for a code Scout doesn't send, so a made-up link can't put words on the page.
pub fn provider_error_message(code: &str, provider: &str) -> Option<String> {
    Some(match code {
        "expired" => format!(
            "Signing in with {provider} took too long, or was started in another browser. Please try again."
        ),
        "cancelled" => format!("Signing in with {provider} was cancelled."),
        "failed" => format!(
            "{provider} could not confirm who you are just now. Please try again, or use your email and password."
        ),
        "unavailable" => format!(
            "{provider} can't be reached just now. Please try again in a few minutes, or use your email and password."
        ),
        "no_email" => format!(
            "{provider} did not share a confirmed email address, which Scout needs for your account."
        ),
        "exists" => format!(
            "A Scout account already uses the email address {provider} gave us. Sign in with that address and its password (or \u{201c}Forgot password?\u{201d}), then connect {provider} on your Account page."
        ),
        "elsewhere" => format!("This {provider} account is connected to another Scout account."),
        "has_one" => format!("Your account is connected to another {provider} account already."),
        _ => return None,
    })
}

/// The refusal in the page's address (`?provider=&provider_error=`), in words by `say`, for
/// one of `offered` (id, name): a made-up provider or code puts nothing on the page.
fn refusal(
    query: Memo<ParamsMap>,
    offered: Vec<(String, String)>,
    say: fn(&str, &str) -> Option<String>,
) -> impl Fn() -> Option<String> + Clone + use<> {
    move || {
        let q = query.read();
        let (_, name) = offered
            .iter()
            .find(|(id, _)| Some(id.as_str()) == q.get("provider").as_deref())?;
        say(&q.get("provider_error")?, name)
    }
}

/// A refusal in words, announced as an alert.
pub(crate) fn refusal_alert(message: String) -> impl IntoView {
    view! {
        <p
            role="alert"
            class="rounded-lg border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-800"
        >
            {message}
        </p>
    }
}

/// "Continue with …" buttons for the sign-in and sign-up pages (nothing when no provider is
/// configured), with the reason a provider sign-in was refused.
#[component]
pub fn ProviderButtons() -> impl IntoView {
    let providers = Resource::new(|| (), |()| sign_in_providers());
    let query = use_query_map();
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let providers = providers.await.unwrap_or_default();
                let problem = refusal(
                    query,
                    providers.iter().map(|p| (p.id.clone(), p.name.clone())).collect(),
                    provider_error_message,
                );
                (!providers.is_empty())
                    .then(|| {
                        view! {
                            <div class="space-y-3 border-t border-slate-200 pt-4">
                                {move || problem().map(refusal_alert)}
                                {providers
                                    .into_iter()
                                    .map(|p| {
                                        view! {
                                            <form method="post" action=format!("/auth/{}/start", p.id)>
                                                <button
                                                    type="submit"
                                                    class="inline-flex w-full items-center justify-center rounded-lg border border-slate-300 bg-white px-4 py-2 font-medium text-slate-800 hover:bg-slate-100 focus-visible:outline focus-visible:outline-2 focus-visible:outline-emerald-700"
                                                >
                                                    {format!("Continue with {}", p.name)}
                                                </button>
                                            </form>
                                        }
                                    })
                                    .collect_view()}
                            </div>
                        }
                    })
            })}
        </Suspense>
    }
}

/// What the Account page says about links of one kind.
struct Words {
    section: &'static str,
    heading: &'static str,
    intro: &'static str,
    connect: &'static str,
    /// The form that starts connecting provider `id`.
    start: fn(&str) -> (String, Option<&'static str>),
    connected: fn(&str) -> String,
    disconnected: fn(&str) -> String,
    disconnect: &'static str,
    what_stops: fn(&str) -> String,
    refused: fn(&str, &str) -> Option<String>,
}

const SIGN_IN_WORDS: Words = Words {
    section: "providers",
    heading: "Sign-in providers",
    intro: "Sign in with one of these instead of your password. Connecting one takes you to its own sign-in page.",
    connect: "Connect",
    start: |id| (format!("/auth/{id}/start"), Some("link")),
    connected: |name| format!("{name} is connected: you can sign in with it now."),
    disconnected: |name| format!("{name} is disconnected: you no longer sign in with it."),
    disconnect: "Disconnect",
    what_stops: |name| {
        format!(
            "You will no longer be able to sign in with {name}. Scout forgets the access {name} gave it and asks {name} to end it too. You can connect it again at any time."
        )
    },
    refused: provider_error_message,
};

const MARKETPLACE_WORDS: Words = Words {
    section: "marketplaces",
    heading: "Linked marketplaces",
    intro: "Link your account at a marketplace so Scout can publish your listings there too. Linking takes you to the marketplace's own page.",
    connect: "Link",
    start: |id| (format!("/marketplaces/{id}/connect"), None),
    connected: |name| format!("{name} is linked: Scout can publish your listings there."),
    disconnected: |name| format!("{name} is unlinked: Scout no longer publishes there."),
    disconnect: "Unlink",
    what_stops: |name| {
        format!(
            "Scout will no longer publish or update your listings on {name}. Scout forgets the access {name} gave it and asks {name} to end it too. You can link it again at any time."
        )
    },
    refused: marketplace_error_message,
};

fn words(kind: LinkKind) -> &'static Words {
    match kind {
        LinkKind::SignIn => &SIGN_IN_WORDS,
        LinkKind::Marketplace => &MARKETPLACE_WORDS,
    }
}

/// What a refused link to marketplace `name` (`?provider_error=` from its callback) means;
/// None for a code Scout doesn't send.
pub fn marketplace_error_message(code: &str, name: &str) -> Option<String> {
    Some(match code {
        "expired" => format!(
            "Linking {name} took too long, or was started in another browser. Please try again."
        ),
        "cancelled" => format!("Linking {name} was cancelled."),
        "failed" => format!("{name} could not confirm your account just now. Please try again."),
        "elsewhere" => format!("This {name} account is linked to another Scout account."),
        "has_one" => {
            format!("Your account is linked to another {name} account already. Unlink it first.")
        }
        "plan" => format!(
            "Your plan allows no more linked marketplaces: unlink one to link {name}, or upgrade on the Plans and pricing page."
        ),
        _ => return None,
    })
}

/// One of the Account page's lists of links, of one `kind` (sign-in providers, or linked
/// marketplaces), from `links` ([`provider_links`]): each connected one with whom it is
/// connected as, since when, what it shares and how Scout's access stands, with Refresh now,
/// Reconnect and Disconnect (after a confirmation that says what stops working); the others
/// with a button to connect them. Nothing when none of the kind is configured.
#[component]
pub fn LinksSection(
    kind: LinkKind,
    links: Vec<ProviderLink>,
    disconnect: ServerAction<DisconnectProvider>,
    refresh: ServerAction<RefreshProvider>,
) -> impl IntoView {
    let w = words(kind);
    // a refusal without JavaScript doesn't say which link it was about: the first section
    // on the page shows it
    let first = match kind {
        LinkKind::SignIn => true,
        LinkKind::Marketplace => !links.iter().any(|l| l.kind == LinkKind::SignIn),
    };
    let links: Vec<ProviderLink> = links.into_iter().filter(|l| l.kind == kind).collect();
    let query = use_query_map();
    let problem = refusal(
        query,
        links
            .iter()
            .map(|l| (l.id.clone(), l.name.clone()))
            .collect(),
        w.refused,
    );
    // an action's refusal is shown by the section of the link it was about
    let ids: Vec<String> = links.iter().map(|l| l.id.clone()).collect();
    let here = move |about: Option<String>| match about {
        Some(id) => ids.contains(&id),
        None => first,
    };
    let (disconnect_refused, refresh_refused) = (
        crate::ui::action_error(disconnect),
        crate::ui::action_error(refresh),
    );
    let disconnect_error = {
        let here = here.clone();
        Signal::derive(move || {
            disconnect_refused
                .get()
                .filter(|_| here(disconnect.input().get().map(|i| i.provider)))
        })
    };
    let refresh_error = Signal::derive(move || {
        refresh_refused
            .get()
            .filter(|_| here(refresh.input().get().map(|i| i.provider)))
    });
    let done = {
        let links = links.clone();
        move || {
            // a refusal comes back to the address of the page it was asked from, which may
            // still say what the previous action did
            if disconnect_error.read().is_some() || refresh_error.read().is_some() {
                return None;
            }
            let q = query.read();
            let name = |id: String| links.iter().find(|l| l.id == id).map(|l| l.name.clone());
            if let Some(name) = q.get("connected").and_then(name) {
                return Some((w.connected)(&name));
            }
            if let Some(name) = q.get("disconnected").and_then(name) {
                return Some((w.disconnected)(&name));
            }
            q.get("refreshed")
                .and_then(name)
                .map(|name| format!("Scout's access at {name} is renewed."))
        }
    };
    (!links.is_empty()).then(move || {
        view! {
            <crate::ui::Panel id=w.section heading=w.heading intro=w.intro>
                <crate::ui::Sent message=Signal::derive(done) />
                {move || problem().map(refusal_alert)}
                <crate::ui::FormAlert error=disconnect_error />
                <crate::ui::FormAlert error=refresh_error />
                <ul class="divide-y divide-slate-200">
                    {links
                        .into_iter()
                        .map(|l| view! { <ProviderItem l disconnect refresh /> })
                        .collect_view()}
                </ul>
            </crate::ui::Panel>
        }
    })
}

/// What a provider's scopes let Scout see or do, in words (scopes Scout doesn't know are
/// left out).
fn shared(scopes: &str) -> String {
    let words: Vec<&str> = scopes
        .split_whitespace()
        .filter_map(|s| match s {
            "openid" => Some("who you are there"),
            "email" => Some("your email address"),
            "profile" | "public_profile" => Some("your name and picture"),
            "read" => Some("your adverts there"),
            "write" => Some("publishing and changing adverts for you"),
            _ => None,
        })
        .collect();
    match words.as_slice() {
        [] => String::new(),
        [one] => format!("Shares {one}."),
        [rest @ .., last] => format!("Shares {} and {last}.", rest.join(", ")),
    }
}

fn badge_class(health: Health) -> &'static str {
    match health {
        Health::Connected => {
            "rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-medium text-emerald-900"
        }
        Health::ExpiringSoon => {
            "rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-900"
        }
        _ => "rounded-full bg-red-100 px-2 py-0.5 text-xs font-medium text-red-900",
    }
}

#[component]
fn ProviderItem(
    l: ProviderLink,
    disconnect: ServerAction<DisconnectProvider>,
    refresh: ServerAction<RefreshProvider>,
) -> impl IntoView {
    let w = words(l.kind);
    let query = use_query_map();
    let connect_form = |label: String| {
        let (action, intent) = (w.start)(&l.id);
        view! {
            <form method="post" action=action>
                {intent.map(|i| view! { <input type="hidden" name="intent" value=i /> })}
                <button type="submit" class=crate::ui::BUTTON>
                    {label}
                </button>
            </form>
        }
    };
    let Some(c) = l.connected.clone() else {
        return view! {
            <li class="flex flex-wrap items-center justify-between gap-2 py-3">
                <div>
                    <p class="font-medium text-slate-900">{l.name.clone()}</p>
                    <p class="text-sm text-slate-600">"Not connected"</p>
                </div>
                {connect_form(format!("{} {}", w.connect, l.name))}
            </li>
        }
        .into_any();
    };
    let who = if c.email.is_empty() {
        format!("Connected since {}", c.since)
    } else {
        format!("Connected as {} since {}", c.email, c.since)
    };
    let (id, name) = (l.id.clone(), l.name.clone());
    let confirming = {
        let (id, removable) = (id.clone(), c.removable);
        move || removable && query.read().get("disconnect").as_deref() == Some(id.as_str())
    };
    let dialog_id = format!("disconnect-{id}");
    let healthy = c.health == Health::Connected;
    let refresh_form = (c.renewable && c.health != Health::Expired && c.health != Health::Revoked)
        .then(|| {
            let (id, label) = (id.clone(), format!("Refresh {name} now"));
            view! {
                <ActionForm action=refresh>
                    <input type="hidden" name="provider" value=id />
                    // the provider's name is in the visible text, so the button's name is
                    // what it says (WCAG 2.5.3)
                    <button
                        type="submit"
                        class=crate::ui::BUTTON
                        disabled=move || refresh.pending().get()
                    >
                        {label}
                    </button>
                </ActionForm>
            }
        });
    let reconnect_form = (!healthy).then(|| connect_form(format!("Reconnect {name}")));
    let disconnect_link = c.removable.then(|| {
        view! {
            <a href=format!("/account?disconnect={id}#{dialog_id}") class=crate::ui::BUTTON>
                {format!("{} {name}…", w.disconnect)}
            </a>
        }
    });
    view! {
        <li class="space-y-2 py-3">
            <div class="flex flex-wrap items-start justify-between gap-2">
                <div>
                    <p class="flex items-center gap-2 font-medium text-slate-900">
                        {name.clone()} <span class=badge_class(c.health)>{c.health.label()}</span>
                    </p>
                    <p class="text-sm text-slate-600">{who}</p>
                    <p class="text-sm text-slate-600">{shared(&c.scopes)}</p>
                    <p class="text-sm text-slate-700">{c.detail.clone()}</p>
                </div>
                <div class="flex flex-wrap gap-2">
                    {refresh_form} {reconnect_form} {disconnect_link}
                </div>
            </div>
            {(!c.removable)
                .then(|| {
                    view! {
                        <p class="text-sm text-slate-600">
                            {format!(
                                "{name} is your only way to sign in, so it can't be disconnected: choose a password (\u{201c}Forgot password?\u{201d} on the sign-in page) or connect another provider first.",
                            )}
                        </p>
                    }
                })}
            <Show when=confirming>
                <ConfirmDisconnect id=id.clone() name=name.clone() kind=l.kind disconnect />
            </Show>
        </li>
    }
        .into_any()
}

/// "Disconnect …?" (or "Unlink …?"): what stops working, and the button that does it. Opened
/// by the "Disconnect…" link (`?disconnect=<id>`), so it works without JavaScript too.
#[component]
fn ConfirmDisconnect(
    id: String,
    name: String,
    kind: LinkKind,
    disconnect: ServerAction<DisconnectProvider>,
) -> impl IntoView {
    let w = words(kind);
    let (dialog_id, title_id, text_id) = (
        format!("disconnect-{id}"),
        format!("disconnect-{id}-title"),
        format!("disconnect-{id}-text"),
    );
    let (labelled_by, described_by) = (title_id.clone(), text_id.clone());
    let title = NodeRef::<leptos::html::H3>::new();
    // hydrated, the dialog opens without a page load: focus goes to it as it would on one
    Effect::new(move || {
        if let Some(h) = title.get() {
            let _ = h.focus();
        }
    });
    view! {
        <div
            id=dialog_id
            role="alertdialog"
            aria-labelledby=labelled_by
            aria-describedby=described_by
            class="space-y-3 rounded-lg border border-red-300 bg-red-50 p-4"
        >
            <h3
                id=title_id
                node_ref=title
                tabindex="-1"
                autofocus=true
                class="font-semibold text-red-900"
            >
                {format!("{} {name}?", w.disconnect)}
            </h3>
            <p id=text_id class="text-sm text-red-900">
                {(w.what_stops)(&name)}
            </p>
            <div class="flex flex-wrap gap-2">
                <ActionForm action=disconnect>
                    <input type="hidden" name="provider" value=id.clone() />
                    <input type="hidden" name="confirm" value="yes" />
                    <button
                        type="submit"
                        class="inline-flex items-center rounded-lg bg-red-700 px-3 py-1.5 text-sm font-semibold text-white hover:bg-red-800 focus-visible:outline focus-visible:outline-2 focus-visible:outline-red-700 disabled:cursor-wait disabled:opacity-70"
                        disabled=move || disconnect.pending().get()
                    >
                        {format!("{} {name}", w.disconnect)}
                    </button>
                </ActionForm>
                <a href=format!("/account#{}-heading", w.section) class=crate::ui::BUTTON>
                    "Keep it"
                </a>
            </div>
        </div>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::accounts::identities::IdentityRow;
    use time::Duration;

    /// 2026-12-06 20:00 UTC.
    const NOW: time::OffsetDateTime = match time::OffsetDateTime::from_unix_timestamp(1_796_587_200)
    {
        Ok(t) => t,
        Err(_) => panic!(),
    };

    fn row(status: &str, expires: Option<Duration>, renewable: bool) -> IdentityRow {
        IdentityRow {
            kind: "sign_in".into(),
            provider: "google".into(),
            email: "jane@example.com".into(),
            created_at: NOW - Duration::days(30),
            scopes: "openid email".into(),
            status: status.into(),
            status_reason: String::new(),
            token_expires_at: expires.map(|d| NOW + d),
            renewable,
            refreshed_at: None,
        }
    }

    #[test]
    fn the_providers_refusal_comes_before_the_tokens_end() {
        let mut r = row("expired", Some(Duration::hours(5)), true);
        assert_eq!(
            health("Google", &r, NOW),
            (
                Health::Expired,
                "Google no longer renews Scout's access. Reconnect to renew it.".into()
            )
        );
        r.status_reason = "Google no longer accepts Scout's access.".into();
        assert_eq!(health("Google", &r, NOW).1, r.status_reason);
        assert_eq!(
            health("Google", &row("revoked", None, false), NOW).0,
            Health::Revoked
        );
        assert_eq!(
            health("Google", &row("failing", None, true), NOW).0,
            Health::Failing
        );
    }

    #[test]
    fn access_that_cannot_be_renewed_expires_and_warns_a_day_ahead() {
        let cases = [
            (Some(-Duration::minutes(1)), false, Health::Expired),
            (Some(Duration::ZERO), false, Health::Expired),
            (Some(Duration::hours(23)), false, Health::ExpiringSoon),
            (Some(Duration::days(2)), false, Health::Connected),
            // a renewable one is renewed: never "expiring"
            (Some(Duration::hours(1)), true, Health::Connected),
            (None, false, Health::Connected),
        ];
        for (expires, renewable, want) in cases {
            assert_eq!(
                health("Google", &row("connected", expires, renewable), NOW).0,
                want,
                "{expires:?} renewable {renewable}"
            );
        }
        assert_eq!(
            health(
                "Google",
                &row("connected", Some(Duration::hours(23)), false),
                NOW
            )
            .1,
            "Scout's access ends on 2026-12-07 19:00 UTC. Reconnect to renew it."
        );
        assert_eq!(
            health(
                "Google",
                &row("connected", Some(Duration::hours(1)), true),
                NOW
            )
            .1,
            "Access until 2026-12-06 21:00 UTC, renewed before it ends."
        );
    }

    #[test]
    fn scopes_are_said_in_words() {
        assert_eq!(
            shared("openid email profile"),
            "Shares who you are there, your email address and your name and picture."
        );
        assert_eq!(shared("email"), "Shares your email address.");
        // a marketplace's (OLX asks for "read write v2")
        assert_eq!(
            shared("read write v2"),
            "Shares your adverts there and publishing and changing adverts for you."
        );
        assert_eq!(shared("https://example.com/custom"), "");
    }
}
