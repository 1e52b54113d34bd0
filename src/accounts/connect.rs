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

/// A provider as the Account page lists it: connected (as whom, since when) or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderLink {
    pub id: String,
    pub name: String,
    /// (the email the provider gave, YYYY-MM-DD) when connected.
    pub connected: Option<(String, String)>,
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
    Ok(state
        .config
        .sign_in_providers
        .iter()
        .map(|p| ProviderLink {
            id: p.id.clone(),
            name: p.name.clone(),
            connected: mine
                .iter()
                .find(|i| i.provider == p.id)
                .map(|i| (i.email.clone(), crate::format::iso_date(i.created_at))),
        })
        .collect())
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

/// The refusal in the page's address, in words, for a provider this server offers.
fn refusal(
    query: Memo<ParamsMap>,
    providers: &[ProviderChoice],
) -> impl Fn() -> Option<String> + use<> {
    let providers = providers.to_vec();
    move || {
        let q = query.read();
        let name = providers
            .iter()
            .find(|p| Some(p.id.as_str()) == q.get("provider").as_deref())
            .map(|p| p.name.clone())?;
        provider_error_message(&q.get("provider_error")?, &name)
    }
}

fn refusal_alert(message: String) -> impl IntoView {
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
                let problem = refusal(query, &providers);
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

/// The Account page's list of sign-in providers (`links`, from [`provider_links`]): connected
/// ones with the address they gave and since when, the others with a button to connect them.
/// Nothing when none is configured.
#[component]
pub fn ProvidersSection(links: Vec<ProviderLink>) -> impl IntoView {
    let query = use_query_map();
    let choices: Vec<ProviderChoice> = links
        .iter()
        .map(|l| ProviderChoice {
            id: l.id.clone(),
            name: l.name.clone(),
        })
        .collect();
    let problem = refusal(query, &choices);
    let connected_now = {
        let links = links.clone();
        move || {
            let id = query.read().get("connected")?;
            links
                .iter()
                .find(|l| l.id == id && l.connected.is_some())
                .map(|l| format!("{} is connected: you can sign in with it now.", l.name))
        }
    };
    (!links.is_empty()).then(move || {
        view! {
            <crate::ui::Panel
                id="providers"
                heading="Sign-in providers"
                intro="Sign in with one of these instead of your password. Connecting one takes you to its own sign-in page."
            >
                <crate::ui::Sent message=Signal::derive(connected_now) />
                {move || problem().map(refusal_alert)}
                <ul class="divide-y divide-slate-200">
                    {links.into_iter().map(provider_item).collect_view()}
                </ul>
            </crate::ui::Panel>
        }
    })
}

fn provider_item(l: ProviderLink) -> impl IntoView {
    let status = match &l.connected {
        Some((email, since)) if email.is_empty() => format!("Connected since {since}"),
        Some((email, since)) => format!("Connected as {email} since {since}"),
        None => "Not connected".to_string(),
    };
    let action = format!("/auth/{}/start", l.id);
    let label = format!("Connect {}", l.name);
    view! {
        <li class="flex flex-wrap items-center justify-between gap-2 py-3">
            <div>
                <p class="font-medium text-slate-900">{l.name.clone()}</p>
                <p class="text-sm text-slate-600">{status}</p>
            </div>
            {l
                .connected
                .is_none()
                .then(|| {
                    view! {
                        <form method="post" action=action>
                            <input type="hidden" name="intent" value="link" />
                            <button type="submit" class=crate::ui::BUTTON>
                                {label}
                            </button>
                        </form>
                    }
                })}
        </li>
    }
}
