//! Shared components: labelled controls with their errors (`fields` for `input[key]` forms),
//! alerts, buttons, the sign-in prompt and load-failed states, the channel and rhythm choosers
//! (`channels`) and the listing card (`listing_card`).

use crate::error::AppError;
use leptos::prelude::*;

pub mod channels;
pub mod fields;
pub mod listing_card;

/// Classes for the main action of a form: the one primary button. A form that is a page of
/// its own (sign in, sign up) widens it with `WIDE`.
pub const PRIMARY_BUTTON: &str = "inline-flex items-center justify-center rounded-lg bg-emerald-700 px-4 py-2 text-sm font-semibold text-white hover:bg-emerald-800 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-emerald-700 disabled:cursor-wait disabled:opacity-70";

/// Added to `PRIMARY_BUTTON` for a full-width button (full width on a phone only: `WIDE_ON_PHONE`).
pub const WIDE: &str = "w-full py-2.5 text-base";
pub const WIDE_ON_PHONE: &str = "w-full sm:w-auto";

/// Classes for the label above a control, or a fieldset's legend.
pub const LABEL: &str = "block text-sm font-medium text-slate-800";

/// Classes for a secondary button (beside a list entry, in a toolbar, beside the main action).
pub const BUTTON: &str = "inline-flex items-center gap-1 rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-100 focus-visible:outline focus-visible:outline-2 focus-visible:outline-emerald-700 disabled:cursor-wait disabled:opacity-70";

/// Classes for a link inside text.
pub const LINK: &str = "font-medium text-emerald-800 underline";

/// Classes for a text box or select (red border while its field has an error).
pub const INPUT: &str = "block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-base text-slate-900 shadow-sm focus:border-emerald-600 focus:outline-none focus:ring-2 focus:ring-emerald-600/40 aria-[invalid=true]:border-red-600";

/// The error of an action's last run, if it failed.
pub fn action_error<S>(action: ServerAction<S>) -> Signal<Option<AppError>>
where
    S: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let value = action.value();
    Signal::derive(move || value.get().and_then(Result::err))
}

/// The message for field `key` in the form's current error, if any.
pub fn field_error(
    error: Signal<Option<AppError>>,
    key: &'static str,
) -> impl Fn() -> Option<String> + Copy + Send + Sync {
    move || error.get().and_then(|e| e.field(key))
}

/// `aria-describedby` for the control `id` (its hint and, while shown, its error).
pub fn described_by(
    error: Signal<Option<AppError>>,
    key: &'static str,
    id: &str,
    hint: bool,
) -> impl Fn() -> Option<String> + Send + Sync + use<> {
    let message = field_error(error, key);
    let (hint_id, error_id) = (format!("{id}-hint"), format!("{id}-error"));
    move || {
        let mut ids = Vec::new();
        if hint {
            ids.push(hint_id.clone());
        }
        if message().is_some() {
            ids.push(error_id.clone());
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    }
}

/// A label, a control (the children, which carry `id`, `aria-invalid` and [`described_by`]),
/// its hint and its error message underneath. `key` names the field in `AppError::Invalid`.
#[component]
pub fn Labelled(
    label: &'static str,
    #[prop(into)] id: String,
    key: &'static str,
    error: Signal<Option<AppError>>,
    #[prop(default = None)] hint: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    let message = field_error(error, key);
    let error_id = format!("{id}-error");
    view! {
        <div class="space-y-1">
            <label for=id.clone() class=LABEL>
                {label}
            </label>
            {children()}
            {hint
                .map(|h| {
                    view! {
                        <p id=format!("{id}-hint") class="text-sm text-slate-600">
                            {h}
                        </p>
                    }
                })}
            {move || {
                message()
                    .map(|m| {
                        view! {
                            <p id=error_id.clone() class="text-sm font-medium text-red-700">
                                {m}
                            </p>
                        }
                    })
            }}
        </div>
    }
}

/// A labelled input with its error message underneath, tied together for screen readers
/// (`aria-invalid`, `aria-describedby`). `error` holds the current error of the form.
#[component]
pub fn Field(
    /// Visible label.
    label: &'static str,
    /// Form field name (and the key of its message in `AppError::Invalid`).
    name: &'static str,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(default = None)] hint: Option<&'static str>,
    #[prop(default = None)] minlength: Option<usize>,
    #[prop(optional)] maxlength: Option<usize>,
    /// What the box starts with (what was typed before a failed post without JavaScript).
    #[prop(optional, into)]
    value: Option<String>,
    /// Most fields must be filled in; an optional one says so to assistive technology by
    /// not being `required`.
    #[prop(default = true)]
    required: bool,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let message = field_error(error, name);
    view! {
        <Labelled label id=id.clone() key=name error hint>
            <input
                id=id.clone()
                name=name
                type=input_type
                autocomplete=autocomplete
                minlength=minlength
                maxlength=maxlength
                value=value
                required=required
                aria-invalid=move || message().is_some().then_some("true")
                aria-describedby=described_by(error, name, &id, hint.is_some())
                class=INPUT
            />
        </Labelled>
    }
}

/// An error's sentence, with the way on where there is one: a plan's refusal (402) links to
/// the plans, so the upgrade is one click from the action that was refused.
pub fn error_text(e: &AppError) -> AnyView {
    match e {
        AppError::PlanLimit { message } => view! {
            {message.clone()}
            " "
            <a class=LINK href=crate::billing::plans::UPGRADE_PATH>
                "See plans and upgrade"
            </a>
        }
        .into_any(),
        AppError::RateLimited { retry_after_secs } => {
            view! { <RetryCountdown secs=*retry_after_secs /> }.into_any()
        }
        other => other.to_string().into_any(),
    }
}

/// "Too many requests … try again in 42 seconds", counting down to "You can try again now."
/// (the count runs in the browser; without JavaScript the wait stays as it was said).
#[component]
pub fn RetryCountdown(secs: u64) -> impl IntoView {
    let left = RwSignal::new(secs);
    #[cfg(feature = "hydrate")]
    if let Ok(handle) = set_interval_with_handle(
        move || left.update(|n| *n = n.saturating_sub(1)),
        std::time::Duration::from_secs(1),
    ) {
        on_cleanup(move || handle.clear());
    }
    move || match left.get() {
        0 => "You can try again now.".to_string(),
        n => format!(
            "You've made more requests in the last minute than your plan allows. Try again in {}.",
            crate::format::human_duration(n)
        ),
    }
}

/// The form-level message: shown for any error that is not only about individual fields.
#[component]
pub fn FormAlert(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error
            .get()
            .map(|e| {
                view! {
                    <div
                        role="alert"
                        class="rounded-lg border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-800"
                    >
                        {error_text(&e)}
                    </div>
                }
            })
    }
}

/// A form's submit button (disabled while the form is being sent) and, beside it, what the
/// last save said (announced to screen readers).
#[component]
pub fn SaveRow(
    label: &'static str,
    #[prop(into)] pending: Signal<bool>,
    #[prop(into)] saved: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <div class="flex items-center gap-3">
            <button type="submit" class=PRIMARY_BUTTON disabled=move || pending.get()>
                {label}
            </button>
            <p role="status" class="text-sm text-emerald-800">
                {move || saved.get()}
            </p>
        </div>
    }
}

/// The frame of a page whose content is a signed-in person's data: `loading` while `data`
/// loads, then `children` with it; a signed-out person gets [`sign_in_prompt`] (`sign_in_to`
/// follows the link) and any other error [`load_failed`]. Use with `let:` for the data.
#[component]
pub fn SignedInContent<T, F, V>(
    data: Resource<Result<T, AppError>>,
    loading: &'static str,
    sign_in_to: &'static str,
    children: F,
) -> impl IntoView
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    F: Fn(T) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    view! {
        <Transition fallback=move || {
            view! { <p class="mt-4 text-slate-600">{loading}</p> }
        }>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    match data.await {
                        Ok(value) => children(value).into_any(),
                        Err(AppError::Unauthorized { .. }) => sign_in_prompt(sign_in_to),
                        Err(e) => load_failed(e),
                    }
                })
            }}
        </Transition>
    }
}

/// "Sign in to see ...": what a page shows a signed-out person (`what` follows the link).
pub fn sign_in_prompt(what: &'static str) -> AnyView {
    view! {
        <p class="mt-4 text-slate-700">
            <a class=LINK href="/sign-in">
                "Sign in"
            </a>
            {what}
        </p>
    }
    .into_any()
}

/// Gives the page being rendered on the server the status of `e` (and its `Retry-After`),
/// so a page whose data could not be loaded never answers 200.
pub fn answer_with(e: &AppError) {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(
            http::StatusCode::from_u16(e.status())
                .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR),
        );
        if let Some(secs) = e.retry_after_secs()
            && let Ok(v) = http::HeaderValue::from_str(&secs.to_string())
        {
            res.insert_header(http::header::RETRY_AFTER, v);
        }
    }
    #[cfg(not(feature = "ssr"))]
    let _ = e;
}

/// What a page shows when its data could not be loaded (the page answers with its status).
pub fn load_failed(e: AppError) -> AnyView {
    answer_with(&e);
    view! {
        <p role="alert" class="mt-4 text-red-800">
            {error_text(&e)}
        </p>
    }
    .into_any()
}

/// What was sent where, once it was (a polite live region).
#[component]
pub fn Sent(message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <Show when=move || message.get().is_some()>
            <p
                role="status"
                class="rounded-lg border border-emerald-300 bg-emerald-50 px-4 py-3 text-emerald-900"
            >
                {move || message.get()}
            </p>
        </Show>
    }
}

/// One part of a page of settings: a region named by its heading, with a line on what it is for.
#[component]
pub fn Panel(
    id: &'static str,
    heading: &'static str,
    intro: &'static str,
    children: Children,
) -> impl IntoView {
    let heading_id = format!("{id}-heading");
    let labelled_by = heading_id.clone();
    view! {
        <section
            aria-labelledby=labelled_by
            class="mt-6 space-y-4 rounded-lg border border-slate-200 bg-white p-4 sm:p-6"
        >
            <h2 id=heading_id class="text-lg font-semibold text-slate-900">
                {heading}
            </h2>
            <p class="text-sm text-slate-600">{intro}</p>
            {children()}
        </section>
    }
}
