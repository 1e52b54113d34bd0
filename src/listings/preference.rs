//! A person's display currency: the one they chose in Settings. Search results, price
//! filters and a listing's converted prices are in it unless the address names another
//! (`cur=`); anyone not signed in reads the euro.

use crate::error::AppError;
use crate::listings::model::Currency;
use leptos::{prelude::*, server_fn::codec::GetUrl};
use serde::{Deserialize, Serialize};

/// The Settings section's data: the chosen currency and each currency's rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurrencyChoice {
    pub chosen: Currency,
    /// (currency, "1 EUR = 1.95583 BGN, fixed"); the euro has no line.
    pub rates: Vec<(Currency, Option<String>)>,
}

/// The currency `viewer` reads prices in: their choice, else the euro.
#[cfg(feature = "ssr")]
pub async fn of(
    state: &crate::server::state::AppState,
    viewer: Option<crate::accounts::model::AccountId>,
) -> Result<Currency, AppError> {
    let Some(account) = viewer else {
        return Ok(Currency::default());
    };
    Ok(
        crate::accounts::repo::display_currency(&state.pool, account)
            .await?
            .as_deref()
            .and_then(Currency::parse)
            .unwrap_or_default(),
    )
}

/// The signed-in person's display currency (the euro for anyone else).
#[server(prefix = "/api", endpoint = "listings/display_currency", input = GetUrl)]
pub async fn display_currency() -> Result<Currency, AppError> {
    let state = crate::server::state::AppState::from_context()?;
    let viewer = crate::accounts::api::current_account_id().await?;
    of(&state, viewer).await
}

/// The Settings section: the chosen currency and the rates.
#[server(prefix = "/api", endpoint = "listings/my_display_currency", input = GetUrl)]
pub async fn my_display_currency() -> Result<CurrencyChoice, AppError> {
    let (state, account) =
        crate::accounts::api::signed_in("Sign in to choose your currency.").await?;
    let chosen = of(&state, Some(account)).await?;
    let catalog = state.catalog().await?;
    Ok(CurrencyChoice {
        chosen,
        rates: Currency::ALL
            .iter()
            .map(|c| (*c, catalog.rate_line(*c)))
            .collect(),
    })
}

/// Chooses the currency prices are shown in. An unknown code is refused, naming the choices.
#[server(prefix = "/api", endpoint = "listings/save_display_currency")]
pub async fn save_display_currency(currency: String) -> Result<String, AppError> {
    let (state, account) =
        crate::accounts::api::signed_in("Sign in to choose your currency.").await?;
    let Some(chosen) = Currency::parse(&currency).filter(|c| Currency::ALL.contains(c)) else {
        let codes: Vec<&str> = Currency::ALL.iter().map(|c| c.code()).collect();
        return Err(AppError::invalid_field(
            "currency",
            format!("Choose one of {}.", codes.join(", ")),
        ));
    };
    if !crate::accounts::repo::set_display_currency(&state.pool, account, chosen.code()).await? {
        return Err(AppError::unauthorized("Sign in to choose your currency."));
    }
    tracing::info!(%account, currency = chosen.code(), "display currency chosen");
    Ok(format!("Prices now show in {}.", chosen.label()))
}

/// The Settings section "Prices": which currency prices show in, with today's rates.
#[component]
pub fn DisplayCurrencySettings() -> impl IntoView {
    use crate::ui::{FormAlert, LABEL, SaveRow, action_error, described_by, field_error};
    let save = ServerAction::<SaveDisplayCurrency>::new();
    let data = Resource::new(move || save.version().get(), |_| my_display_currency());
    let error = action_error(save);
    let saved = move || save.value().get().and_then(Result::ok);
    view! {
        <section
            class="mt-6 rounded-lg border border-slate-200 bg-white p-4 sm:p-6"
            aria-labelledby="prices-heading"
        >
            <h2 id="prices-heading" class="text-lg font-semibold text-slate-900">
                "Prices"
            </h2>
            <Transition fallback=|| {
                view! { <p class="mt-2 text-slate-600">"Loading your currency…"</p> }
            }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(d) => {
                            view! {
                                <p class="mt-1 text-sm text-slate-600">
                                    "Search results, price filters and listings show prices in this currency; a listing also shows its seller's price. Prices are kept in euro, Bulgaria's currency since 1 January 2026."
                                </p>
                                <ActionForm action=save attr:class="mt-4 space-y-4">
                                    <FormAlert error />
                                    <div>
                                        <label for="display-currency" class=LABEL>
                                            "Show prices in"
                                        </label>
                                        <select
                                            id="display-currency"
                                            name="currency"
                                            class="mt-1 block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-base text-slate-900 sm:max-w-xs"
                                            aria-invalid=move || {
                                                field_error(error, "currency")().is_some().then_some("true")
                                            }
                                            aria-describedby=described_by(
                                                error,
                                                "currency",
                                                "display-currency",
                                                true,
                                            )
                                        >
                                            {Currency::ALL
                                                .iter()
                                                .map(|c| {
                                                    view! {
                                                        <option value=c.code() selected=*c == d.chosen>
                                                            {c.label()}
                                                        </option>
                                                    }
                                                })
                                                .collect_view()}
                                        </select>
                                        {move || {
                                            field_error(error, "currency")()
                                                .map(|m| {
                                                    view! {
                                                        <p
                                                            id="display-currency-error"
                                                            class="mt-1 text-sm text-red-700"
                                                        >
                                                            {m}
                                                        </p>
                                                    }
                                                })
                                        }}
                                        <ul
                                            id="display-currency-hint"
                                            class="mt-2 space-y-0.5 text-sm text-slate-600"
                                        >
                                            {d
                                                .rates
                                                .iter()
                                                .filter_map(|(_, line)| line.clone())
                                                .map(|line| view! { <li>{line}</li> })
                                                .collect_view()}
                                        </ul>
                                    </div>
                                    <SaveRow
                                        label="Save currency"
                                        pending=save.pending()
                                        saved=Signal::derive(saved)
                                    />
                                </ActionForm>
                            }
                                .into_any()
                        }
                        Err(AppError::Unauthorized { .. }) => ().into_any(),
                        Err(e) => crate::ui::load_failed(e),
                    }
                })}
            </Transition>
        </section>
    }
}
