//! Sign-in and sign-up pages. Both are plain forms that post to their server function, so
//! they work before the WASM loads (the server redirects back with the error in the URL)
//! and better after it (inline errors, a pending state, no page reload).

use super::{
    api::{
        DeleteAccount, ForgotPassword, ResendVerification, ResetPassword, SignIn, SignOut, SignUp,
        VerifyEmail, check_your_email, current_account, reset_link_works, typed_email,
        verify_link_email,
    },
    model::{Account, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS},
};
use crate::{
    error::AppError,
    i18n::{t_string, use_i18n},
    ui::{Field, FormAlert, PRIMARY_BUTTON, Sent, WIDE, action_error},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The account actions and who is signed in, shared by the header and the pages.
#[derive(Clone, Copy)]
pub struct Auth {
    pub sign_in: ServerAction<SignIn>,
    pub sign_up: ServerAction<SignUp>,
    pub sign_out: ServerAction<SignOut>,
    /// A new password from a reset link also signs in.
    pub reset_password: ServerAction<ResetPassword>,
    /// So does opening the link that confirms a new account's address.
    pub verify_email: ServerAction<VerifyEmail>,
    /// Deleting the account (on the Account page) signs out too.
    pub delete_account: ServerAction<DeleteAccount>,
    /// A new sign-in address changes what the header shows.
    pub confirm_email_change: ServerAction<super::profile::ConfirmEmailChange>,
    pub user: Resource<Result<Option<Account>, AppError>>,
}

impl Auth {
    /// Creates the actions (inside the router, so a no-JS error in the URL reaches them)
    /// and provides them to every page.
    pub fn provide() -> Auth {
        // A form posted without JavaScript comes back with its error in the URL; `<Routes>`
        // would hand it to actions created below it, but these live above it.
        leptos_router::hooks::use_url()
            .read_untracked()
            .provide_server_action_error();
        let sign_in = ServerAction::<SignIn>::new();
        let sign_up = ServerAction::<SignUp>::new();
        let sign_out = ServerAction::<SignOut>::new();
        let reset_password = ServerAction::<ResetPassword>::new();
        let verify_email = ServerAction::<VerifyEmail>::new();
        let delete_account = ServerAction::<DeleteAccount>::new();
        let confirm_email_change = ServerAction::<super::profile::ConfirmEmailChange>::new();
        let user = Resource::new(
            move || {
                (
                    sign_in.version().get(),
                    sign_up.version().get(),
                    sign_out.version().get(),
                    reset_password.version().get(),
                    verify_email.version().get(),
                    delete_account.version().get(),
                    confirm_email_change.version().get(),
                )
            },
            |_| current_account(),
        );
        let auth = Auth {
            sign_in,
            sign_up,
            sign_out,
            reset_password,
            verify_email,
            delete_account,
            confirm_email_change,
            user,
        };
        provide_context(auth);
        auth
    }
}

/// Only the error that is not already shown next to a field.
pub(super) fn form_level(error: Signal<Option<AppError>>) -> Signal<Option<AppError>> {
    Signal::derive(move || {
        error
            .get()
            .filter(|e| !matches!(e, AppError::Invalid { .. }))
    })
}

/// The frame of both pages: title, heading, the link to the other page, the form.
#[component]
fn CredentialsPage(
    title: &'static str,
    heading: &'static str,
    other_question: &'static str,
    other_link: &'static str,
    other_href: &'static str,
    error: Signal<Option<AppError>>,
    children: Children,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, auth.page_title, title) />
        <section class="mx-auto w-full max-w-md px-4 py-10">
            <h1 class="text-2xl font-bold text-slate-900">{heading}</h1>
            <p class="mt-1 text-slate-600">
                {other_question} " "
                <a class="font-medium text-emerald-800 underline" href=other_href>
                    {other_link}
                </a>
            </p>
            <div class="mt-6 space-y-4">
                <FormAlert error=form_level(error) />
                {children()}
            </div>
        </section>
    }
}

/// Email, password, "keep me signed in" and the submit button.
#[component]
fn CredentialsFields(
    /// The form's name for `typed_email` (`sign_up`, `sign_in`).
    form: &'static str,
    error: Signal<Option<AppError>>,
    pending: Memo<bool>,
    password_autocomplete: &'static str,
    #[prop(optional)] password_hint: Option<&'static str>,
    #[prop(optional)] password_minlength: Option<usize>,
    /// Offer "keep me signed in" (signing in does; signing up signs in only from the link).
    #[prop(optional)]
    remember: bool,
    submit_label: &'static str,
    pending_label: &'static str,
) -> impl IntoView {
    let i18n = use_i18n();
    // what was typed before a failed post without JavaScript comes back (never the password)
    let typed = Resource::new(|| (), move |()| typed_email(form.to_string()));
    let email = move |value: String| {
        view! {
            <Field
                label=t_string!(i18n, auth.email)
                name="email"
                input_type="email"
                autocomplete="email"
                value=value
                error=error
            />
        }
    };
    view! {
        <div class="space-y-4">
            <Suspense fallback=move || email(
                String::new(),
            )>
                {move || Suspend::new(async move {
                    email(typed.await.ok().flatten().unwrap_or_default())
                })}
            </Suspense>
            <Field
                label=t_string!(i18n, auth.password)
                name="password"
                input_type="password"
                autocomplete=password_autocomplete
                hint=password_hint
                minlength=password_minlength
                maxlength=PASSWORD_MAX_CHARS
                error=error
            />
            <Show when=move || remember>
                <label class="flex items-center gap-2 text-sm text-slate-700">
                    <input
                        type="checkbox"
                        name="remember"
                        value="on"
                        class="h-4 w-4 rounded border-slate-300"
                    />
                    {t_string!(i18n, auth.remember)}
                </label>
            </Show>
            <SubmitButton pending label=submit_label pending_label />
        </div>
    }
}

/// A form's full-width submit button: disabled, and saying so, while the form is sent.
#[component]
pub(super) fn SubmitButton(
    #[prop(into)] pending: Signal<bool>,
    label: &'static str,
    pending_label: &'static str,
) -> impl IntoView {
    view! {
        <button
            type="submit"
            class=format!("{PRIMARY_BUTTON} {WIDE}")
            disabled=move || pending.get()
        >
            {move || if pending.get() { pending_label } else { label }}
        </button>
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = expect_context::<Auth>().sign_in;
    let error = action_error(action);
    let i18n = use_i18n();
    view! {
        <CredentialsPage
            title=t_string!(i18n, auth.sign_in)
            heading=t_string!(i18n, auth.sign_in)
            other_question=t_string!(i18n, auth.new_here)
            other_link=t_string!(i18n, auth.create_an_account)
            other_href="/sign-up"
            error
        >
            <ActionForm action=action>
                <CredentialsFields
                    form="sign_in"
                    error
                    pending=action.pending()
                    password_autocomplete="current-password"
                    remember=true
                    submit_label=t_string!(i18n, auth.sign_in)
                    pending_label=t_string!(i18n, auth.signing_in)
                />
            </ActionForm>
            <p class="text-sm">
                <a class="font-medium text-emerald-800 underline" href="/forgot-password">
                    {t_string!(i18n, auth.forgot)}
                </a>
            </p>
            <super::connect::ProviderButtons />
        </CredentialsPage>
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = expect_context::<Auth>().sign_up;
    let error = action_error(action);
    // after a post without JavaScript the page comes back with `?sent=<address>`
    let query = use_query_map();
    let sent = move || {
        action.value().get().and_then(Result::ok).or_else(|| {
            query
                .read()
                .get("sent")
                .filter(|s| super::model::Email::parse(s).is_ok())
                .map(|to| check_your_email(&to))
        })
    };
    let i18n = use_i18n();
    view! {
        <CredentialsPage
            title=t_string!(i18n, auth.create_an_account)
            heading=t_string!(i18n, auth.create_an_account)
            other_question=t_string!(i18n, auth.have_one)
            other_link=t_string!(i18n, auth.sign_in)
            other_href="/sign-in"
            error
        >
            <Sent message=Signal::derive(sent) />
            <ActionForm action=action>
                <CredentialsFields
                    form="sign_up"
                    error
                    pending=action.pending()
                    password_autocomplete="new-password"
                    password_hint=t_string!(i18n, auth.password_hint)
                    password_minlength=PASSWORD_MIN_CHARS
                    submit_label=t_string!(i18n, auth.create_account)
                    pending_label=t_string!(i18n, auth.creating)
                />
            </ActionForm>
            <super::connect::ProviderButtons />
        </CredentialsPage>
    }
}

/// The page the link in a sign-up's mail opens: one button confirms the address and signs
/// in (a button, not the opening itself, so a mail scanner's visit doesn't use the link up).
#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let action = expect_context::<Auth>().verify_email;
    let error = action_error(action);
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let address = Resource::new(token, verify_link_email);
    view! {
        <CredentialsPage
            title="Confirm your address"
            heading="Confirm your address"
            other_question="Already confirmed?"
            other_link="Sign in"
            other_href="/sign-in"
            error
        >
            <Suspense fallback=|| {
                view! { <p role="status">"Checking the link…"</p> }
            }>
                {move || Suspend::new(async move {
                    match address.await {
                        Ok(Some(email)) => {
                            view! {
                                <p class="text-slate-700">
                                    "This confirms that " <strong>{email}</strong>
                                    " is your address and signs you in to Scout."
                                </p>
                                <ActionForm action=action>
                                    <input type="hidden" name="token" value=token() />
                                    <SubmitButton
                                        pending=action.pending()
                                        label="Confirm and sign in"
                                        pending_label="Confirming…"
                                    />
                                </ActionForm>
                            }
                                .into_any()
                        }
                        Ok(None) => {
                            view! {
                                <p role="alert" class="text-red-800">
                                    "This link has expired or was already used. "
                                    <a
                                        class="font-medium text-emerald-800 underline"
                                        href="/sign-in"
                                    >
                                        "Sign in"
                                    </a>
                                    " to get a new one, or "
                                    <a
                                        class="font-medium text-emerald-800 underline"
                                        href="/sign-up"
                                    >
                                        "sign up again"
                                    </a>
                                    "."
                                </p>
                            }
                                .into_any()
                        }
                        Err(e) => crate::ui::load_failed(e),
                    }
                })}
            </Suspense>
        </CredentialsPage>
    }
}

/// Shown on every page to a signed-in account whose address is not confirmed yet (accounts
/// from before confirmation existed): why it matters, and a new link on request.
#[component]
pub fn VerifyAddressBanner() -> impl IntoView {
    let auth = expect_context::<Auth>();
    let resend = ServerAction::<ResendVerification>::new();
    let unverified = move || {
        auth.user
            .get()
            .and_then(|u| u.ok().flatten())
            .filter(|u| !u.email_verified)
    };
    let answer = move || match resend.value().get() {
        Some(Ok(sent)) => Some(view! { <span role="status">{sent}</span> }.into_any()),
        Some(Err(e)) => Some(view! { <span role="alert">{e.to_string()}</span> }.into_any()),
        None => None,
    };
    view! {
        <Transition fallback=|| ()>
            {move || {
                unverified()
                    .map(|user| {
                        view! {
                            <aside
                                aria-label="Confirm your address"
                                class="border-b border-amber-300 bg-amber-50"
                            >
                                <div class="mx-auto flex max-w-6xl flex-wrap items-center gap-x-3 gap-y-2 px-4 py-2 text-sm text-amber-950">
                                    <p>
                                        "Please confirm that " <strong>{user.email}</strong>
                                        " is your address: until then Scout emails you no alerts, and you will need the link to sign in next time."
                                    </p>
                                    <ActionForm action=resend>
                                        <button
                                            type="submit"
                                            class="rounded-lg border border-amber-400 bg-white px-3 py-1 font-medium hover:bg-amber-100"
                                            disabled=move || resend.pending().get()
                                        >
                                            {move || {
                                                if resend.pending().get() {
                                                    "Sending…"
                                                } else {
                                                    "Send the link again"
                                                }
                                            }}
                                        </button>
                                    </ActionForm>
                                    {answer}
                                </div>
                            </aside>
                        }
                    })
            }}
        </Transition>
    }
}

/// "Forgot password?": an email box; the same answer whether or not an account uses it.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<ForgotPassword>::new();
    let error = action_error(action);
    // after a post without JavaScript the page comes back with `?sent=<address>`
    let query = use_query_map();
    let sent = move || {
        action
            .value()
            .get()
            .and_then(Result::ok)
            .or_else(|| {
                query
                    .read()
                    .get("sent")
                    .filter(|s| super::model::Email::parse(s).is_ok())
                    .map(|to| {
                        format!(
                            "If a Scout account uses {to}, we sent it a link to choose a new password. The link works for an hour; check your spam folder if it doesn't arrive in a few minutes."
                        )
                    })
            })
    };
    view! {
        <CredentialsPage
            title="Forgot password"
            heading="Choose a new password"
            other_question="Remembered it?"
            other_link="Sign in"
            other_href="/sign-in"
            error
        >
            <p class="text-slate-700">
                "Enter the email you sign in with. We'll send it a link to choose a new password."
            </p>
            <Sent message=Signal::derive(sent) />
            <ActionForm action=action>
                <div class="space-y-4">
                    <Field
                        label="Email"
                        name="email"
                        input_type="email"
                        autocomplete="email"
                        error
                    />
                    <SubmitButton
                        pending=action.pending()
                        label="Send the link"
                        pending_label="Sending…"
                    />
                </div>
            </ActionForm>
        </CredentialsPage>
    }
}

/// The page a reset link opens: a new password, or why the link no longer works.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let action = expect_context::<Auth>().reset_password;
    let error = action_error(action);
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let works = Resource::new(token, reset_link_works);
    view! {
        <CredentialsPage
            title="Choose a new password"
            heading="Choose a new password"
            other_question="Remembered it?"
            other_link="Sign in"
            other_href="/sign-in"
            error
        >
            <Suspense fallback=|| {
                view! { <p role="status">"Checking the link…"</p> }
            }>
                {move || Suspend::new(async move {
                    match works.await {
                        Ok(true) => {
                            view! {
                                <ActionForm action=action>
                                    <div class="space-y-4">
                                        <input type="hidden" name="token" value=token() />
                                        <Field
                                            label="New password"
                                            name="password"
                                            input_type="password"
                                            autocomplete="new-password"
                                            hint=Some(
                                                "At least 8 characters. Choosing it signs you out on every other device.",
                                            )
                                            minlength=Some(PASSWORD_MIN_CHARS)
                                            maxlength=PASSWORD_MAX_CHARS
                                            error
                                        />
                                        <SubmitButton
                                            pending=action.pending()
                                            label="Save the new password and sign in"
                                            pending_label="Saving…"
                                        />
                                    </div>
                                </ActionForm>
                            }
                                .into_any()
                        }
                        Ok(false) => {
                            view! {
                                <p role="alert" class="text-red-800">
                                    "This link has expired or was already used. "
                                    <a
                                        class="font-medium text-emerald-800 underline"
                                        href="/forgot-password"
                                    >
                                        "Ask for a new one"
                                    </a>
                                    "."
                                </p>
                            }
                                .into_any()
                        }
                        Err(e) => crate::ui::load_failed(e),
                    }
                })}
            </Suspense>
        </CredentialsPage>
    }
}
