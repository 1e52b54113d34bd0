//! Sign-in and sign-up pages. Both are plain forms that post to their server function, so
//! they work before the WASM loads (the server redirects back with the error in the URL)
//! and better after it (inline errors, a pending state, no page reload).

use super::{
    api::{SignIn, SignOut, SignUp, current_account},
    model::{Account, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS},
};
use crate::{
    error::AppError,
    ui::{Field, FormAlert, PRIMARY_BUTTON},
};
use leptos::prelude::*;
use leptos_meta::Title;

/// The account actions and who is signed in, shared by the header and the pages.
#[derive(Clone, Copy)]
pub struct Auth {
    pub sign_in: ServerAction<SignIn>,
    pub sign_up: ServerAction<SignUp>,
    pub sign_out: ServerAction<SignOut>,
    pub user: Resource<Result<Option<Account>, AppError>>,
}

impl Auth {
    /// Creates the actions (inside the router, so a no-JS error in the URL reaches them)
    /// and provides them to every page.
    pub fn provide() -> Auth {
        let sign_in = ServerAction::<SignIn>::new();
        let sign_up = ServerAction::<SignUp>::new();
        let sign_out = ServerAction::<SignOut>::new();
        let user = Resource::new(
            move || {
                (
                    sign_in.version().get(),
                    sign_up.version().get(),
                    sign_out.version().get(),
                )
            },
            |_| current_account(),
        );
        let auth = Auth {
            sign_in,
            sign_up,
            sign_out,
            user,
        };
        provide_context(auth);
        auth
    }
}

fn action_error<S>(action: ServerAction<S>) -> Signal<Option<AppError>>
where
    S: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let value = action.value();
    Signal::derive(move || value.get().and_then(Result::err))
}

/// Only the error that is not already shown next to a field.
fn form_level(error: Signal<Option<AppError>>) -> Signal<Option<AppError>> {
    Signal::derive(move || {
        error
            .get()
            .filter(|e| !matches!(e, AppError::Invalid { .. }))
    })
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let auth = expect_context::<Auth>();
    let action = auth.sign_in;
    let error = action_error(action);
    let pending = action.pending();
    view! {
        <Title text="Sign in · Scout" />
        <section class="mx-auto w-full max-w-md px-4 py-10">
            <h1 class="text-2xl font-bold text-slate-900">"Sign in"</h1>
            <p class="mt-1 text-slate-600">
                "New to Scout? " <a class="font-medium text-emerald-800 underline" href="/sign-up">
                    "Create an account"
                </a>
            </p>
            <div class="mt-6 space-y-4">
                <FormAlert error=form_level(error) />
                <ActionForm action=action>
                    <div class="space-y-4">
                        <Field
                            label="Email"
                            name="email"
                            input_type="email"
                            autocomplete="email"
                            error=error
                        />
                        <Field
                            label="Password"
                            name="password"
                            input_type="password"
                            autocomplete="current-password"
                            maxlength=PASSWORD_MAX_CHARS
                            error=error
                        />
                        <label class="flex items-center gap-2 text-sm text-slate-700">
                            <input
                                type="checkbox"
                                name="remember"
                                value="on"
                                class="h-4 w-4 rounded border-slate-300"
                            />
                            "Keep me signed in for 30 days"
                        </label>
                        <button type="submit" class=PRIMARY_BUTTON disabled=move || pending.get()>
                            {move || if pending.get() { "Signing in…" } else { "Sign in" }}
                        </button>
                    </div>
                </ActionForm>
            </div>
        </section>
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let auth = expect_context::<Auth>();
    let action = auth.sign_up;
    let error = action_error(action);
    let pending = action.pending();
    view! {
        <Title text="Create an account · Scout" />
        <section class="mx-auto w-full max-w-md px-4 py-10">
            <h1 class="text-2xl font-bold text-slate-900">"Create an account"</h1>
            <p class="mt-1 text-slate-600">
                "Already have one? " <a class="font-medium text-emerald-800 underline" href="/sign-in">
                    "Sign in"
                </a>
            </p>
            <div class="mt-6 space-y-4">
                <FormAlert error=form_level(error) />
                <ActionForm action=action>
                    <div class="space-y-4">
                        <Field
                            label="Email"
                            name="email"
                            input_type="email"
                            autocomplete="email"
                            error=error
                        />
                        <Field
                            label="Password"
                            name="password"
                            input_type="password"
                            autocomplete="new-password"
                            hint="At least 8 characters. A few unrelated words make a strong password."
                            minlength=PASSWORD_MIN_CHARS
                            maxlength=PASSWORD_MAX_CHARS
                            error=error
                        />
                        <label class="flex items-center gap-2 text-sm text-slate-700">
                            <input
                                type="checkbox"
                                name="remember"
                                value="on"
                                class="h-4 w-4 rounded border-slate-300"
                            />
                            "Keep me signed in for 30 days"
                        </label>
                        <button type="submit" class=PRIMARY_BUTTON disabled=move || pending.get()>
                            {move || if pending.get() { "Creating account…" } else { "Create account" }}
                        </button>
                    </div>
                </ActionForm>
            </div>
        </section>
    }
}
