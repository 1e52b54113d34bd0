//! The Account page: the profile shown on listings, the sign-in address, the password, where
//! the account is signed in, its security log, the data export and deleting the account.
//! Every section is a plain form that posts to its server function, so it works before the
//! WASM loads (and without it) as well as after.

use super::{
    api::{
        ChangePassword, EndOtherSessions, EndSessionElsewhere, current_account, list_sessions,
        security_log,
    },
    connect::{DisconnectProvider, RefreshProvider},
    model::{
        DISPLAY_NAME_MAX_CHARS, Email, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS, ProfileView,
        SecurityEventView, SessionView,
    },
    pages::{Auth, SubmitButton, form_level},
    profile::{
        ChangeEmail, PROFILE_SAVED, UpdateProfile, email_change_link, email_change_sent,
        email_changed, my_profile,
    },
};
use crate::ui::{
    BUTTON, Field, FormAlert, LINK, Panel, Sent, action_error, load_failed, sign_in_prompt,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// `/account`: everything about the account itself; notifications are in Settings.
#[component]
pub fn AccountPage() -> impl IntoView {
    let update_profile = ServerAction::<UpdateProfile>::new();
    let change_email = ServerAction::<ChangeEmail>::new();
    let change_password = ServerAction::<ChangePassword>::new();
    let end_one = ServerAction::<EndSessionElsewhere>::new();
    let end_others = ServerAction::<EndOtherSessions>::new();
    let disconnect = ServerAction::<DisconnectProvider>::new();
    let refresh = ServerAction::<RefreshProvider>::new();
    // the security log is read again after any change it records
    let changes = Signal::derive(move || {
        update_profile.version().get()
            + change_email.version().get()
            + change_password.version().get()
            + end_one.version().get()
            + end_others.version().get()
            + disconnect.version().get()
    });
    let who = Resource::new(|| (), |_| current_account());
    // Every section's data is asked for here, once, rather than inside the sections: they are
    // drawn inside a Suspend, which the server may run twice; a resource made in the first
    // run is dropped mid-call (its server function then finds no request) and the browser,
    // hydrating with that one's answer, would not match the page the second run drew.
    let profile = Resource::new(move || update_profile.version().get(), |_| my_profile());
    let sessions = Resource::new(
        move || (end_one.version().get(), end_others.version().get()),
        |_| list_sessions(),
    );
    let events = Resource::new(move || changes.get(), |_| security_log());
    // read again after a provider is disconnected or refreshed (the page's data waits for it,
    // so the page shows what it had until the new list is in)
    let providers = Resource::new(
        move || (disconnect.version().get(), refresh.version().get()),
        |_| super::connect::provider_links(),
    );
    let query = use_query_map();
    // after the sign-in address was changed by its link (in any browser, signed in or not)
    let address_changed = Signal::derive(move || {
        query
            .read()
            .get("email_changed")
            .and_then(|new| Email::parse(&new).ok())
            .map(|new| email_changed(new.as_str()))
    });
    view! {
        <Title text="Your account · Scout" />
        <div class="mx-auto max-w-2xl px-4 py-6">
            <h1 class="text-2xl font-bold text-slate-900">"Your account"</h1>
            <div class="mt-3">
                <Sent message=address_changed />
            </div>
            <Transition fallback=|| {
                view! { <p class="mt-4 text-slate-600">"Loading your account…"</p> }
            }>
                {move || Suspend::new(async move {
                    match who.await {
                        Ok(Some(account)) => {
                            let links = providers.await.unwrap_or_default();
                            let owner = Owner::of(&account, &links);
                            // nothing to list when none is configured (or they can't be read)
                            view! {
                                <p class="mt-1 text-slate-700">
                                    "Signed in as "
                                    <strong class="font-semibold">{account.email}</strong>
                                    ". Alerts and how they reach you are in "
                                    <a class=LINK href="/settings">
                                        "Settings"
                                    </a> "."
                                </p>
                                <ProfileSection action=update_profile current=profile />
                                <EmailSection action=change_email owner=owner.clone() />
                                <super::connect::LinksSection
                                    kind=super::connect::LinkKind::SignIn
                                    links=links.clone()
                                    disconnect
                                    refresh
                                />
                                <super::connect::LinksSection
                                    kind=super::connect::LinkKind::Marketplace
                                    links
                                    disconnect
                                    refresh
                                />
                                {if account.has_password {
                                    view! { <ChangePasswordSection action=change_password /> }
                                        .into_any()
                                } else {
                                    view! { <NoPasswordYet /> }.into_any()
                                }}
                                <SessionsSection end_one end_others sessions />
                                <SecurityLog events />
                                <ExportSection />
                                <DeleteAccountSection owner />
                            }
                                .into_any()
                        }
                        Ok(None) => sign_in_prompt(" to manage your account."),
                        Err(e) => load_failed(e),
                    }
                })}
            </Transition>
        </div>
    }
}

/// Profile: the name buyers see on the account's listings, and a phone number shown there
/// only when its box is ticked.
#[component]
fn ProfileSection(
    action: ServerAction<UpdateProfile>,
    current: Resource<Result<ProfileView, crate::error::AppError>>,
) -> impl IntoView {
    let error = action_error(action);
    let query = use_query_map();
    let done = Signal::derive(move || {
        action.value().get().and_then(Result::ok).or_else(|| {
            (query.read().get("changed").as_deref() == Some("profile"))
                .then(|| PROFILE_SAVED.to_string())
        })
    });
    view! {
        <Panel id="profile" heading="Profile" intro="What buyers see about you on your listings.">
            <Sent message=done />
            <FormAlert error=form_level(error) />
            <Transition fallback=|| {
                view! { <p role="status">"Loading your profile…"</p> }
            }>
                {move || Suspend::new(async move {
                    match current.await {
                        Ok(p) => view! { <ProfileForm action p error /> }.into_any(),
                        Err(e) => load_failed(e),
                    }
                })}
            </Transition>
        </Panel>
    }
}

#[component]
fn ProfileForm(
    action: ServerAction<UpdateProfile>,
    p: ProfileView,
    error: Signal<Option<crate::error::AppError>>,
) -> impl IntoView {
    view! {
        <ActionForm action=action>
            <div class="space-y-4">
                <Field
                    label="Display name"
                    name="display_name"
                    autocomplete="name"
                    hint=Some(
                        "Shown on your listings. Left empty, they say “Private seller” (or “Dealer”).",
                    )
                    maxlength=DISPLAY_NAME_MAX_CHARS
                    value=p.display_name
                    required=false
                    error
                />
                <Field
                    label="Phone number"
                    name="phone"
                    input_type="tel"
                    autocomplete="tel"
                    hint=Some(
                        "As you dial it in Bulgaria (0888 123 456), or with its country code.",
                    )
                    maxlength=32
                    value=p.phone
                    required=false
                    error
                />
                <label class="flex items-start gap-2 text-slate-800">
                    <input
                        type="checkbox"
                        name="show_phone"
                        value="yes"
                        checked=p.show_phone
                        class="mt-1 h-4 w-4"
                    />
                    "Show my phone number on my listings"
                </label>
                <SubmitButton
                    pending=action.pending()
                    label="Save profile"
                    pending_label="Saving…"
                />
            </div>
        </ActionForm>
    }
}

/// How the owner shows it's them before a change that needs it: the password or, for an
/// account without one, signing in again at one of its connected sign-in providers.
#[derive(Debug, Clone)]
struct Owner {
    has_password: bool,
    /// The connected sign-in providers (id, name) that can confirm it.
    confirmers: Vec<(String, String)>,
    /// The name of the provider that confirmed it in the last 5 minutes.
    confirmed: Option<String>,
}

impl Owner {
    fn of(account: &super::model::Account, links: &[super::connect::ProviderLink]) -> Owner {
        let confirmers: Vec<(String, String)> = links
            .iter()
            .filter(|l| l.kind == super::connect::LinkKind::SignIn && l.connected.is_some())
            .map(|l| (l.id.clone(), l.name.clone()))
            .collect();
        let confirmed = account.confirmed_with.as_ref().map(|id| {
            confirmers
                .iter()
                .find(|(i, _)| i == id)
                .map_or_else(|| id.clone(), |(_, name)| name.clone())
        });
        Owner {
            has_password: account.has_password,
            confirmers,
            confirmed,
        }
    }
}

/// What a refused confirmation (`?confirm_error=` from the provider's callback) means.
fn confirm_error_message(code: &str, name: &str) -> Option<String> {
    Some(match code {
        "not_you" => format!(
            "{name} signed in someone other than the {name} account connected here. Confirm with that one."
        ),
        "not_recent" => format!(
            "{name} did not ask you to sign in again just now, so it can't confirm it's you. Please try again."
        ),
        other => super::connect::provider_error_message(other, name)?,
    })
}

/// For an account without a password: buttons that confirm it's the owner by signing in
/// again at a connected provider (`then`: the section it comes back to), the refusal of the
/// last try, or that a confirmation holds. Outside the change's own form (forms don't nest).
#[component]
fn ConfirmOwner(owner: Owner, then: &'static str) -> impl IntoView {
    let query = use_query_map();
    let refused = {
        let confirmers = owner.confirmers.clone();
        move || {
            let q = query.read();
            if q.get("then").as_deref() != Some(then) {
                return None;
            }
            let (_, name) = confirmers
                .iter()
                .find(|(id, _)| Some(id.as_str()) == q.get("provider").as_deref())?;
            confirm_error_message(&q.get("confirm_error")?, name)
        }
    };
    if owner.has_password {
        return ().into_any();
    }
    if let Some(name) = owner.confirmed {
        return view! {
            <p
                role="status"
                class="rounded-lg border border-emerald-300 bg-emerald-50 px-4 py-3 text-sm text-emerald-900"
            >
                {format!("{name} confirmed it's you. Go ahead within 5 minutes.")}
            </p>
        }
        .into_any();
    }
    view! {
        <div class="space-y-3">
            {move || refused().map(super::connect::refusal_alert)}
            <p class="text-sm text-slate-700">
                "Your account has no password, so confirm it's you by signing in again with your provider:"
            </p>
            <div class="flex flex-wrap gap-2">
                {owner
                    .confirmers
                    .into_iter()
                    .map(|(id, name)| {
                        view! {
                            <form method="post" action=format!("/auth/{id}/start")>
                                <input type="hidden" name="intent" value="reauth" />
                                <input type="hidden" name="then" value=then />
                                <button type="submit" class=BUTTON>
                                    {format!("Confirm with {name}")}
                                </button>
                            </form>
                        }
                    })
                    .collect_view()}
            </div>
        </div>
    }
    .into_any()
}

/// Inside a change's form: the password field or, for an account without a password, an
/// empty one (a confirmation at a provider stands in for it) and its message.
#[component]
fn PasswordAgain(
    has_password: bool,
    name: &'static str,
    error: Signal<Option<crate::error::AppError>>,
) -> impl IntoView {
    if has_password {
        return view! {
            <Field
                label="Your password"
                name=name
                input_type="password"
                autocomplete="current-password"
                error
            />
        }
        .into_any();
    }
    let message = crate::ui::field_error(error, name);
    view! {
        <input type="hidden" name=name value="" />
        <p role="alert" class="text-sm text-red-700">
            {message}
        </p>
    }
    .into_any()
}

/// The sign-in address: a new one is confirmed by a link mailed to it, after the password
/// (whoever controls the address controls the account).
#[component]
fn EmailSection(action: ServerAction<ChangeEmail>, owner: Owner) -> impl IntoView {
    let error = action_error(action);
    let query = use_query_map();
    let done = Signal::derive(move || {
        action.value().get().and_then(Result::ok).or_else(|| {
            query
                .read()
                .get("email_sent")
                .and_then(|to| Email::parse(&to).ok())
                .map(|to| email_change_sent(to.as_str()))
        })
    });
    view! {
        <Panel
            id="email"
            heading="Sign-in address"
            intro="We send a link to the new address; the change is made when you open it, and we tell the old address."
        >
            <Sent message=done />
            <FormAlert error=form_level(error) />
            <ConfirmOwner owner=owner.clone() then="email" />
            <ActionForm action=action>
                <div class="space-y-4">
                    <Field
                        label="New email address"
                        name="new_email"
                        input_type="email"
                        autocomplete="email"
                        maxlength=254
                        error
                    />
                    <PasswordAgain has_password=owner.has_password name="email_password" error />
                    <SubmitButton
                        pending=action.pending()
                        label="Send the link"
                        pending_label="Sending…"
                    />
                </div>
            </ActionForm>
        </Panel>
    }
}

/// Password: the current one and a new one. Changing it signs out every other device and
/// mails the address about it.
#[component]
fn ChangePasswordSection(action: ServerAction<ChangePassword>) -> impl IntoView {
    let error = action_error(action);
    let query = use_query_map();
    let done = Signal::derive(move || {
        action.value().get().and_then(Result::ok).or_else(|| {
            (query.read().get("changed").as_deref() == Some("password"))
                .then(|| super::api::PASSWORD_CHANGED.to_string())
        })
    });
    view! {
        <Panel
            id="password"
            heading="Password"
            intro="Changing it signs you out on every other device, and we email you that it changed."
        >
            <Sent message=done />
            <FormAlert error=form_level(error) />
            <ActionForm action=action>
                <div class="space-y-4">
                    <Field
                        label="Current password"
                        name="current_password"
                        input_type="password"
                        autocomplete="current-password"
                        error
                    />
                    <Field
                        label="New password"
                        name="new_password"
                        input_type="password"
                        autocomplete="new-password"
                        hint=Some(
                            "At least 8 characters. A few unrelated words make a strong password.",
                        )
                        minlength=Some(PASSWORD_MIN_CHARS)
                        maxlength=PASSWORD_MAX_CHARS
                        error
                    />
                    <SubmitButton
                        pending=action.pending()
                        label="Change password"
                        pending_label="Changing the password…"
                    />
                </div>
            </ActionForm>
        </Panel>
    }
}

/// An account made with a sign-in provider has no password to change: how to choose one.
#[component]
fn NoPasswordYet() -> impl IntoView {
    view! {
        <Panel
            id="password"
            heading="Password"
            intro="Your account has no password: you sign in with a provider. To sign in with your email too, choose one with “Forgot password?” on the sign-in page (we send a link to your address)."
        >
            <a class=LINK href="/forgot-password">
                "Choose a password"
            </a>
        </Panel>
    }
}

/// Where you're signed in: each session with its browser, address and when it was last
/// seen; any other one can be signed out, or all of them at once.
#[component]
fn SessionsSection(
    end_one: ServerAction<EndSessionElsewhere>,
    end_others: ServerAction<EndOtherSessions>,
    sessions: Resource<Result<Vec<SessionView>, crate::error::AppError>>,
) -> impl IntoView {
    let one_error = action_error(end_one);
    let others_error = action_error(end_others);
    let done = Signal::derive(move || end_others.value().get().and_then(Result::ok));
    view! {
        <Panel
            id="sessions"
            heading="Where you're signed in"
            intro="Sign out a device you no longer use or don't recognise: it needs the password to come back."
        >
            <Sent message=done />
            <FormAlert error=one_error />
            <FormAlert error=others_error />
            <Transition fallback=|| {
                view! { <p role="status">"Loading where you're signed in…"</p> }
            }>
                {move || Suspend::new(async move {
                    match sessions.await {
                        Ok(list) => {
                            let others = list.iter().filter(|s| !s.this_one).count();
                            let placed = list.iter().any(|s| !s.place.is_empty());
                            // DB-IP's licence (CC BY 4.0) asks to be named where its places show
                            view! {
                                <ul class="divide-y divide-slate-200">
                                    {list
                                        .into_iter()
                                        .map(|s| view! { <SessionItem s end_one /> })
                                        .collect_view()}
                                </ul>
                                <Show when=move || placed>
                                    <p class="text-xs text-slate-600">
                                        "Places are rough, from the address. "
                                        <a class=LINK href="https://db-ip.com">
                                            "IP Geolocation by DB-IP"
                                        </a>
                                    </p>
                                </Show>
                                <Show when=move || { others > 0 }>
                                    <ActionForm action=end_others>
                                        <button
                                            type="submit"
                                            class=BUTTON
                                            disabled=move || end_others.pending().get()
                                        >
                                            "Sign out everywhere else"
                                        </button>
                                    </ActionForm>
                                </Show>
                            }
                                .into_any()
                        }
                        Err(e) => load_failed(e),
                    }
                })}
            </Transition>
        </Panel>
    }
}

#[component]
fn SessionItem(s: SessionView, end_one: ServerAction<EndSessionElsewhere>) -> impl IntoView {
    let label = format!("Sign out {} ({})", s.device, s.address);
    view! {
        <li class="flex flex-wrap items-center justify-between gap-2 py-3">
            <div>
                <p class="font-medium text-slate-900">{s.device.clone()}</p>
                <p class="text-sm text-slate-600">
                    {format!(
                        "{}{} · signed in {} · last seen {}",
                        if s.place.is_empty() { String::new() } else { format!("{} · ", s.place) },
                        s.address,
                        s.signed_in,
                        s.last_seen,
                    )}
                </p>
            </div>
            {if s.this_one {
                view! {
                    <span class="rounded-full bg-emerald-100 px-2 py-0.5 text-sm font-medium text-emerald-900">
                        "This device"
                    </span>
                }
                    .into_any()
            } else {
                view! {
                    <ActionForm action=end_one>
                        <input type="hidden" name="handle" value=s.handle.clone() />
                        <button type="submit" class=BUTTON aria-label=label>
                            "Sign out"
                        </button>
                    </ActionForm>
                }
                    .into_any()
            }}
        </li>
    }
}

/// The security log: the account's latest sign-ins and changes, each with its browser and
/// address, so its owner notices one that wasn't them.
#[component]
fn SecurityLog(
    events: Resource<Result<Vec<SecurityEventView>, crate::error::AppError>>,
) -> impl IntoView {
    view! {
        <Panel
            id="security-log"
            heading="Security log"
            intro="Sign-ins and changes to your account. If one wasn't you, change your password: that signs out every other device."
        >
            <Transition fallback=|| {
                view! { <p role="status">"Loading the security log…"</p> }
            }>
                {move || Suspend::new(async move {
                    match events.await {
                        Ok(list) if list.is_empty() => {
                            view! { <p class="text-slate-600">"Nothing yet."</p> }.into_any()
                        }
                        Ok(list) => {
                            view! {
                                <ul class="divide-y divide-slate-200" aria-label="Security log">
                                    {list.into_iter().map(event_item).collect_view()}
                                </ul>
                            }
                                .into_any()
                        }
                        Err(e) => load_failed(e),
                    }
                })}
            </Transition>
        </Panel>
    }
}

fn event_item(e: SecurityEventView) -> impl IntoView {
    view! {
        <li class="py-2">
            <p class="font-medium text-slate-900">{e.what}</p>
            <p class="text-sm text-slate-600">
                <time datetime=e.at>{e.when}</time>
                {format!(" · {} · {}", e.device, e.address)}
            </p>
        </li>
    }
}

/// Export my data: a link to the download (a ZIP made while it downloads).
#[component]
fn ExportSection() -> impl IntoView {
    // a download that was refused comes back here with why (`/account/export`)
    let query = use_query_map();
    let refused = move || {
        let q = query.read();
        let wait = q
            .get("wait")
            .and_then(|w| w.parse::<u64>().ok())
            .unwrap_or(60)
            .clamp(1, 86_400);
        let again = crate::format::human_duration(wait);
        match q.get("export").as_deref() {
            Some("limited") => Some(format!(
                "You have downloaded your data {} times today, as many as Scout allows in a day. Please try again in {again}.",
                super::model::EXPORTS_PER_DAY
            )),
            Some("busy") => Some(format!(
                "Scout is preparing other downloads right now. Please try again in {again}."
            )),
            _ => None,
        }
    };
    view! {
        <Panel
            id="export"
            heading="Your data"
            intro="A ZIP file with everything Scout holds about you: the account, your listings with their price history and photos (in the largest size Scout keeps), favorites, alerts, notifications, devices and webhooks (without their secrets), where you're signed in and the security log, in JSON, plus the photo files."
        >
            {move || {
                refused()
                    .map(|message| {
                        view! {
                            <p
                                role="alert"
                                class="rounded-lg border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-800"
                            >
                                {message}
                            </p>
                        }
                    })
            }}
            // no `download` attribute: the ZIP comes with `Content-Disposition: attachment`,
            // and a refusal is a page to show, not a file to save
            <a
                href="/account/export"
                rel="external"
                class="inline-flex items-center rounded-lg border border-slate-300 bg-white px-4 py-2 font-medium text-slate-800 hover:bg-slate-100 focus-visible:outline focus-visible:outline-2 focus-visible:outline-emerald-700"
            >
                "Download my data"
            </a>
        </Panel>
    }
}

/// Delete the account: what goes and what stays said plainly, the password again and a
/// ticked box, then everything is erased and this browser signed out.
#[component]
fn DeleteAccountSection(owner: Owner) -> impl IntoView {
    let action = expect_context::<Auth>().delete_account;
    let error = action_error(action);
    view! {
        <section
            aria-labelledby="delete-heading"
            class="mt-6 space-y-4 rounded-lg border border-red-200 bg-white p-4 sm:p-6"
        >
            <h2 id="delete-heading" class="text-lg font-semibold text-red-900">
                "Delete your account"
            </h2>
            <div class="space-y-2 text-sm text-slate-700">
                <p>
                    "Erased at once and for good: your listings and their photos, favorites, comparisons, saved searches and alerts, notifications, devices and webhooks, the list of where you're signed in and the security log, and the account itself. Buyers stop seeing your listings straight away. The address gets one last email saying the account is deleted."
                </p>
                <p>
                    "Kept: nothing tied to you. Scout holds no payment records yet; the server's request log (pages asked for and the addresses they came from, without your email) is kept only as long as the operator keeps logs. You can sign up again with the same address later, as a new account."
                </p>
            </div>
            <FormAlert error=form_level(error) />
            <ConfirmOwner owner=owner.clone() then="delete" />
            <ActionForm action=action>
                <div class="space-y-4">
                    <PasswordAgain has_password=owner.has_password name="password" error />
                    <Checkbox error />
                    <button
                        type="submit"
                        class="inline-flex items-center rounded-lg bg-red-700 px-4 py-2 font-semibold text-white hover:bg-red-800 focus-visible:outline focus-visible:outline-2 focus-visible:outline-red-700 disabled:cursor-wait disabled:opacity-70"
                        disabled=move || action.pending().get()
                    >
                        {move || {
                            if action.pending().get() {
                                "Deleting the account…"
                            } else {
                                "Delete my account"
                            }
                        }}
                    </button>
                </div>
            </ActionForm>
        </section>
    }
}

/// The "I understand" box, with its error tied to it.
#[component]
fn Checkbox(error: Signal<Option<crate::error::AppError>>) -> impl IntoView {
    let message = move || error.get().and_then(|e| e.field("confirm"));
    view! {
        <div>
            <label class="flex items-start gap-2 text-slate-800">
                <input
                    type="checkbox"
                    name="confirm"
                    value="yes"
                    class="mt-1 h-4 w-4"
                    aria-invalid=move || message().is_some().then_some("true")
                    aria-describedby="confirm-error"
                />
                "I understand that my account and everything in it are deleted for good."
            </label>
            <p id="confirm-error" class="mt-1 text-sm text-red-700">
                {message}
            </p>
        </div>
    }
}

/// `/change-email/:token`: the page the link to a new sign-in address opens. One button makes
/// the change (a button, not the opening, so a mail scanner's visit doesn't use the link up).
#[component]
pub fn ChangeEmailPage() -> impl IntoView {
    let action = expect_context::<Auth>().confirm_email_change;
    let error = action_error(action);
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let link = Resource::new(token, email_change_link);
    view! {
        <Title text="Confirm your new sign-in address · Scout" />
        <div class="mx-auto max-w-md space-y-4 px-4 py-10">
            <h1 class="text-2xl font-bold text-slate-900">"Confirm your new sign-in address"</h1>
            <FormAlert error />
            <Suspense fallback=|| {
                view! { <p role="status">"Checking the link…"</p> }
            }>
                {move || Suspend::new(async move {
                    match link.await {
                        Ok(Some((from, to))) => {
                            view! {
                                <p class="text-slate-700">
                                    "From now on you sign in to Scout with " <strong>{to}</strong>
                                    " instead of " <strong>{from}</strong>
                                    ". Your alerts, listings and everything else stay as they are."
                                </p>
                                <ActionForm action=action>
                                    <input type="hidden" name="token" value=token() />
                                    <SubmitButton
                                        pending=action.pending()
                                        label="Use this address"
                                        pending_label="Changing the address…"
                                    />
                                </ActionForm>
                            }
                                .into_any()
                        }
                        Ok(None) => {
                            view! {
                                <p role="alert" class="text-red-800">
                                    "This link has expired or was already used. Ask for a new one on your "
                                    <a class=LINK href="/account">
                                        "Account page"
                                    </a>
                                    "."
                                </p>
                            }
                                .into_any()
                        }
                        Err(e) => load_failed(e),
                    }
                })}
            </Suspense>
        </div>
    }
}
