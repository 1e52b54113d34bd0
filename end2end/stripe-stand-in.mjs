// A local stand-in for the slice of Stripe's HTTP API that Scout uses, for the browser journeys
// (Playwright) and the Rust integration tests. Node's standard library only: nothing to install.
//
// It answers what async-stripe 1.0.0-rc.10 sends (form-encoded bodies in Stripe's bracket
// notation, `Authorization: Bearer <key>`, `Idempotency-Key`) with JSON in the shapes Stripe
// returns, so the crate's generated types deserialize it. It also serves the pages a person sees
// on Stripe (hosted Checkout, the billing portal, hosted invoices and invoice PDFs), signs and
// delivers webhook events like Stripe does, and has a few `/_test/*` endpoints to drive billing
// events that have no API of their own (a failed renewal, a trial ending, a period ending).
//
// Configuration (environment):
//   STRIPE_PORT            port to listen on, 127.0.0.1 only; 0 (the default) = any free port.
//                          Once listening, prints exactly one line to stdout:
//                            stripe-stand-in listening on http://127.0.0.1:<port>
//   STRIPE_SECRET_KEY      the API key every /v1 request must carry (default sk_test_stand_in).
//   STRIPE_WEBHOOK_URL     where events are POSTed (optional: without it events are only recorded).
//   STRIPE_WEBHOOK_SECRET  the signing secret for the Stripe-Signature header (default whsec_stand_in).
//   STRIPE_REDELIVER       `reverse`: after delivering a batch of events in order, deliver the same
//                          batch again in reverse order (duplicates out of order).
//   STRIPE_PRICES          JSON {"<price id>":{"amount":999,"interval":"month","product":"Scout Pro"}}.
//                          Currency is eur. Default: price_pro_month and price_pro_year below.
//
// Stripe API (auth required, form-encoded bodies, JSON responses):
//   POST /v1/customers                      GET /v1/customers/:id
//   POST /v1/checkout/sessions              GET /v1/checkout/sessions/:id[/line_items]
//   GET  /v1/subscriptions[?customer&status&price&limit&starting_after&ending_before]
//   GET  /v1/subscriptions/:id              POST /v1/subscriptions/:id   DELETE /v1/subscriptions/:id
//   GET  /v1/invoices[?customer&subscription&status&limit&starting_after&ending_before]
//   GET  /v1/invoices/:id                   POST /v1/billing_portal/sessions
//   GET  /v1/prices/:id                     GET /v1/products/:id
//   `expand[]` works for id fields (customer, subscription, latest_invoice, invoice,
//   items.data.price.product, data.<field> on lists) and for `line_items` on a checkout session.
// Pages (no auth): GET /checkout/:id (+ POST /checkout/:id/pay), GET /portal/:id (+ POST
//   /portal/:id/cancel, /renew, /payment-method), GET /invoices/:id, GET /invoices/:id.pdf,
//   GET /healthz.
// Test controls (no auth, JSON in and out): POST /_test/fail-payment {"customer"},
//   POST /_test/trial-will-end {"subscription"}, POST /_test/end-period {"subscription"},
//   GET /_test/events[?customer=&type=], GET /_test/requests.
//
// Behaviour worth knowing:
//   - Paying on the checkout page creates the subscription and its first invoice and emits, in
//     this order, checkout.session.completed, customer.subscription.created, invoice.paid. The
//     card 4000 0000 0000 0002 is declined (the page shows "Your card was declined.").
//   - As on Stripe, a trial's first period is the trial itself: items.data[0].current_period_start
//     = now and current_period_end = trial_end (the first paid period starts at trial_end). Without
//     a trial the period is now .. now + 1 month/year. The period lives on the subscription item
//     (Stripe's 2025+ API versions); the subscription has no current_period_* fields.
//   - An invoice names its subscription under parent.subscription_details.subscription, not in a
//     top-level `subscription` field (also Stripe's 2025+ shape).
//   - Events caused by an API call carry request.id and request.idempotency_key, like Stripe;
//     events caused by pages and test controls have request {id: null, idempotency_key: null}.
//   - An update that changes nothing emits no event (Stripe doesn't either).
//   - Idempotency: a POST /v1 with an Idempotency-Key seen before on the same path replays the
//     first successful response (header Idempotent-Replayed: true); a different body with the same
//     key is a 400 idempotency_error, as on Stripe. Errors are not remembered.
import http from "node:http";
import crypto from "node:crypto";

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

// The API version async-stripe 1.0.0-rc.10 pins (stripe_shared::version::VERSION) and sends as
// the Stripe-Version header; events carry it as api_version.
const API_VERSION = "2026-09-30.endive";
const CURRENCY = "eur";

const DEFAULT_PRICES = {
  price_pro_month: { amount: 999, interval: "month", product: "Scout Pro" },
  price_pro_year: { amount: 9990, interval: "year", product: "Scout Pro" },
};

const config = {
  port: Number(process.env.STRIPE_PORT ?? 0),
  secretKey: process.env.STRIPE_SECRET_KEY || "sk_test_stand_in",
  webhookUrl: process.env.STRIPE_WEBHOOK_URL || null,
  webhookSecret: process.env.STRIPE_WEBHOOK_SECRET || "whsec_stand_in",
  redeliverReverse: (process.env.STRIPE_REDELIVER ?? "").trim().toLowerCase() === "reverse",
  prices: process.env.STRIPE_PRICES ? JSON.parse(process.env.STRIPE_PRICES) : DEFAULT_PRICES,
};

// Webhook delivery: attempts per event and the wait before each retry (milliseconds).
const DELIVERY_BACKOFF_MS = [200, 500, 1000, 2000];
const DELIVERY_TIMEOUT_MS = 5000;

// Set once listening: the base of every URL the stand-in hands out (checkout, portal, invoices).
let origin = "http://127.0.0.1";

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** A Stripe-looking id: the prefix, then random base62 characters. */
function newId(prefix, length = 24) {
  const bytes = crypto.randomBytes(length);
  let suffix = "";
  for (const b of bytes) suffix += ALPHABET[b % ALPHABET.length];
  return `${prefix}${suffix}`;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);
const DAY = 86400;

/** `start` (unix seconds) plus `count` calendar months or years, as Stripe's billing does. */
function addInterval(start, interval, count = 1) {
  const d = new Date(start * 1000);
  if (interval === "year") d.setUTCFullYear(d.getUTCFullYear() + count);
  else if (interval === "month") d.setUTCMonth(d.getUTCMonth() + count);
  else if (interval === "week") d.setUTCDate(d.getUTCDate() + 7 * count);
  else d.setUTCDate(d.getUTCDate() + count);
  return Math.floor(d.getTime() / 1000);
}

const clone = (value) => structuredClone(value);

/** "€9.99" from 999 cents. */
const formatMoney = (cents) => `€${(cents / 100).toFixed(2)}`;

/** "14 March 2026" from unix seconds (UTC, so tests can compute the same string). */
const formatDate = (seconds) =>
  new Date(seconds * 1000).toLocaleDateString("en-GB", {
    day: "numeric",
    month: "long",
    year: "numeric",
    timeZone: "UTC",
  });

const escapeHtml = (s) =>
  String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

/** Stripe's form booleans are the strings "true" and "false". */
const formBool = (v) => v === true || v === "true" || v === "1" || v === "on";

function formInt(v, fallback = null) {
  if (v === undefined || v === null || v === "") return fallback;
  const n = Number(v);
  return Number.isInteger(n) ? n : fallback;
}

/** A metadata hash from a parsed form value: string values only; "" deletes a key on update. */
function metadataFrom(value, base = {}) {
  const out = { ...base };
  if (value && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (v === "") delete out[k];
      else out[k] = String(v);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Form parsing: Stripe's bracket notation into nested objects and arrays
// ---------------------------------------------------------------------------------------------

/** The segments of a key: `line_items[0][price]` -> ["line_items", "0", "price"]; `a[]` -> ["a", ""]. */
function keySegments(key) {
  const m = key.match(/^([^[\]]+)((?:\[[^\]]*\])*)$/);
  if (!m) return [key];
  const rest = [...m[2].matchAll(/\[([^\]]*)\]/g)].map((x) => x[1]);
  return [m[1], ...rest];
}

/** Objects whose keys are all array indexes become arrays (in index order), recursively. */
function arraysFromIndexes(node) {
  if (node === null || typeof node !== "object") return node;
  const keys = Object.keys(node);
  for (const k of keys) node[k] = arraysFromIndexes(node[k]);
  if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) {
    return keys.sort((a, b) => Number(a) - Number(b)).map((k) => node[k]);
  }
  return node;
}

/**
 * Parses `application/x-www-form-urlencoded` text (or a query string) in Stripe's bracket
 * notation: `metadata[plan]=pro&line_items[0][price]=p&expand[]=x` ->
 * { metadata: { plan: "pro" }, line_items: [{ price: "p" }], expand: ["x"] }. Values stay strings.
 */
function parseForm(text) {
  const root = {};
  for (const [key, value] of new URLSearchParams(text ?? "")) {
    const segments = keySegments(key);
    let node = root;
    segments.forEach((segment, i) => {
      // `[]` appends: the next free index of this level.
      const name = segment === "" ? String(Object.keys(node).length) : segment;
      if (i === segments.length - 1) {
        node[name] = value;
      } else {
        if (node[name] === null || typeof node[name] !== "object") node[name] = {};
        node = node[name];
      }
    });
  }
  return arraysFromIndexes(root);
}

// ---------------------------------------------------------------------------------------------
// State: everything lives in memory for the life of the process
// ---------------------------------------------------------------------------------------------

const db = {
  products: new Map(), // prod_… -> Product
  prices: new Map(), // price id -> Price
  customers: new Map(), // cus_… -> Customer
  sessions: new Map(), // cs_test_… -> checkout Session
  subscriptions: new Map(), // sub_… -> Subscription
  invoices: new Map(), // in_… -> Invoice
  portalSessions: new Map(), // bps_… -> billing portal Session
  events: [], // { event, payload, customer, deliveries } oldest first
  requests: [], // /v1 requests received, oldest first
  idempotency: new Map(), // "<path>\n<key>" -> { rawBody, status, body }
};

// What the stand-in remembers beside the Stripe objects (things Stripe keeps but does not show).
const extras = {
  // session id -> { lineItems: [{ price, quantity }], checkoutItems: [line item objects], trialDays, subscriptionMetadata, promotionCode }
  sessions: new Map(),
  portal: new Map(), // portal session id -> { paymentMethodUpdates: number }
};

// Ordering for lists: Stripe lists newest first; many objects share a second, so keep a counter.
const creationOrder = new Map();
let creationCounter = 0;
const remember = (map, object) => {
  map.set(object.id, object);
  creationOrder.set(object.id, ++creationCounter);
  return object;
};
const newestFirst = (a, b) => creationOrder.get(b.id) - creationOrder.get(a.id);

/** The object with this id, wherever it is stored (for `expand`). */
function findById(id) {
  for (const map of [db.customers, db.subscriptions, db.invoices, db.sessions, db.products, db.prices, db.portalSessions]) {
    if (map.has(id)) return map.get(id);
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Errors, in Stripe's JSON shape ({"error":{"type":...}}, stripe_shared::Error)
// ---------------------------------------------------------------------------------------------

class StripeError extends Error {
  constructor(status, { type = "invalid_request_error", code = null, message, param = null }) {
    super(message);
    this.status = status;
    this.body = { error: { type, message } };
    if (code) {
      this.body.error.code = code;
      this.body.error.doc_url = `https://stripe.com/docs/error-codes/${code.replaceAll("_", "-")}`;
    }
    if (param) this.body.error.param = param;
  }
}

/**
 * resource_missing with Stripe's wording: "No such subscription: 'sub_x'". Like Stripe: 404 for
 * the id in the path (param "id"), 400 for an id given as a request parameter.
 */
const noSuch = (noun, id, param = "id") =>
  new StripeError(param === "id" ? 404 : 400, { code: "resource_missing", message: `No such ${noun}: '${id}'`, param });

const missingParam = (param) =>
  new StripeError(400, { code: "parameter_missing", message: `Missing required param: ${param}.`, param });

function getOr404(map, noun, id) {
  const object = map.get(id);
  if (!object) throw noSuch(noun, id);
  return object;
}

// ---------------------------------------------------------------------------------------------
// Object builders: one per Stripe object type, in the shapes of async-stripe rc.10's types
// ---------------------------------------------------------------------------------------------

/** A list (stripe_types::List<T>): one page of `items`, honouring limit/starting_after/ending_before. */
function buildList(items, url, query = {}) {
  const limit = Math.min(Math.max(formInt(query.limit, 10), 1), 100);
  let start = 0;
  let end = items.length;
  if (query.starting_after) {
    const i = items.findIndex((o) => o.id === query.starting_after);
    start = i < 0 ? items.length : i + 1;
  } else if (query.ending_before) {
    const i = items.findIndex((o) => o.id === query.ending_before);
    end = i < 0 ? 0 : i;
    start = Math.max(0, end - limit);
  }
  const page = items.slice(start, Math.min(end, start + limit));
  return { object: "list", data: page, has_more: start + page.length < end, url };
}

function buildProduct(name) {
  const created = nowSeconds();
  return {
    id: newId("prod_", 14),
    object: "product",
    active: true,
    attributes: [],
    created,
    default_price: null,
    description: null,
    images: [],
    livemode: false,
    marketing_features: [],
    metadata: {},
    name,
    package_dimensions: null,
    shippable: null,
    statement_descriptor: null,
    tax_code: null,
    type: "service",
    unit_label: null,
    updated: created,
    url: null,
  };
}

function buildPrice(id, { amount, interval }, productId) {
  return {
    id,
    object: "price",
    active: true,
    billing_scheme: "per_unit",
    created: nowSeconds(),
    currency: CURRENCY,
    custom_unit_amount: null,
    livemode: false,
    lookup_key: null,
    metadata: {},
    nickname: null,
    product: productId,
    recurring: { interval, interval_count: 1, meter: null, trial_period_days: null, usage_type: "licensed" },
    tax_behavior: "unspecified",
    tiers_mode: null,
    transform_quantity: null,
    type: "recurring",
    unit_amount: amount,
    unit_amount_decimal: String(amount),
  };
}

/** The legacy Plan view of a recurring price, which subscription items still carry. */
function buildPlan(price) {
  return {
    id: price.id,
    object: "plan",
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: price.billing_scheme,
    created: price.created,
    currency: price.currency,
    interval: price.recurring.interval,
    interval_count: price.recurring.interval_count,
    livemode: false,
    metadata: {},
    meter: null,
    nickname: null,
    product: price.product,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: null,
    usage_type: "licensed",
  };
}

function buildCustomer(params) {
  return {
    id: newId("cus_", 14),
    object: "customer",
    address: null,
    balance: 0,
    created: nowSeconds(),
    currency: null,
    default_source: null,
    delinquent: false,
    description: params.description ?? null,
    discount: null,
    email: params.email ?? null,
    invoice_prefix: newId("", 8).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: metadataFrom(params.metadata),
    name: params.name ?? null,
    next_invoice_sequence: 1,
    phone: params.phone ?? null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: "none",
    test_clock: null,
  };
}

/** A checkout Session in subscription mode, open, with `url` pointing at the hosted page here. */
function buildCheckoutSession(params, lineItems, amountSubtotal) {
  const id = newId("cs_test_", 58);
  const created = nowSeconds();
  return {
    id,
    object: "checkout.session",
    adaptive_pricing: null,
    after_expiration: null,
    allow_promotion_codes: params.allow_promotion_codes === undefined ? null : formBool(params.allow_promotion_codes),
    amount_subtotal: amountSubtotal,
    amount_total: amountSubtotal,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: params.billing_address_collection ?? null,
    cancel_url: params.cancel_url ?? null,
    client_reference_id: params.client_reference_id ?? null,
    client_secret: null,
    collected_information: null,
    consent: null,
    consent_collection: null,
    created,
    currency: CURRENCY,
    currency_conversion: null,
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: params.customer ?? null,
    customer_creation: params.customer ? null : "always",
    customer_details: null,
    customer_email: params.customer_email ?? null,
    discounts: [],
    expires_at: created + DAY,
    invoice: null,
    invoice_creation: null,
    livemode: false,
    locale: params.locale ?? null,
    metadata: metadataFrom(params.metadata),
    mode: params.mode,
    origin_context: null,
    payment_intent: null,
    payment_link: null,
    payment_method_collection: "always",
    payment_method_configuration_details: null,
    payment_method_options: null,
    payment_method_types: ["card"],
    payment_status: "unpaid",
    permissions: null,
    phone_number_collection: { enabled: false },
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: "open",
    submit_type: null,
    subscription: null,
    success_url: params.success_url ?? null,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: "hosted_page",
    url: `${origin}/checkout/${id}`,
  };
}

/** A checkout line item (what `expand[]=line_items` and /line_items return). */
function buildCheckoutLineItem({ price, quantity }) {
  const product = db.products.get(price.product);
  const amount = price.unit_amount * quantity;
  return {
    id: newId("li_", 24),
    object: "item",
    amount_discount: 0,
    amount_subtotal: amount,
    amount_tax: 0,
    amount_total: amount,
    currency: CURRENCY,
    description: product?.name ?? null,
    price: clone(price),
    quantity,
  };
}

/**
 * A subscription item. Since Stripe's 2025 API versions the current period lives here
 * (current_period_start/end), not on the subscription.
 */
function buildSubscriptionItem(subscriptionId, price, quantity, periodStart, periodEnd) {
  return {
    id: newId("si_", 14),
    object: "subscription_item",
    billing_thresholds: null,
    created: nowSeconds(),
    current_period_end: periodEnd,
    current_period_start: periodStart,
    discounts: [],
    metadata: {},
    plan: buildPlan(price),
    price: clone(price),
    quantity,
    subscription: subscriptionId,
    tax_rates: [],
  };
}

/** A subscription for one price; `trialEnd` set means it starts `trialing`. */
function buildSubscription({ customerId, price, quantity, metadata, trialEnd }) {
  const id = newId("sub_", 24);
  const now = nowSeconds();
  const periodEnd = trialEnd ?? addInterval(now, price.recurring.interval);
  return {
    id,
    object: "subscription",
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: trialEnd ?? now,
    billing_cycle_anchor_config: null,
    billing_mode: { flexible: { proration_discounts: "included" }, type: "flexible", updated_at: now },
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, reason: null },
    collection_method: "charge_automatically",
    created: now,
    currency: CURRENCY,
    customer: customerId,
    customer_account: null,
    days_until_due: null,
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    ended_at: null,
    invoice_settings: { account_tax_ids: null, issuer: { type: "self" } },
    items: {
      object: "list",
      data: [buildSubscriptionItem(id, price, quantity, now, periodEnd)],
      has_more: false,
      url: `/v1/subscription_items?subscription=${id}`,
    },
    latest_invoice: null,
    livemode: false,
    metadata: { ...metadata },
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: "off" },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: now,
    status: trialEnd ? "trialing" : "active",
    test_clock: null,
    transfer_data: null,
    trial_end: trialEnd ?? null,
    trial_settings: { end_behavior: { missing_payment_method: "create_invoice" } },
    trial_start: trialEnd ? now : null,
  };
}

/** One invoice line for a subscription item over a period. */
function buildInvoiceLineItem({ invoiceId, subscription, item, amount, description, periodStart, periodEnd }) {
  return {
    id: newId("il_", 24),
    object: "line_item",
    amount,
    currency: CURRENCY,
    description,
    discount_amounts: [],
    discountable: true,
    discounts: [],
    invoice: invoiceId,
    livemode: false,
    metadata: { ...subscription.metadata },
    parent: {
      invoice_item_details: null,
      subscription_item_details: {
        invoice_item: null,
        proration: false,
        proration_details: { credited_items: null },
        subscription: subscription.id,
        subscription_item: item.id,
      },
      type: "subscription_item_details",
    },
    period: { end: periodEnd, start: periodStart },
    pretax_credit_amounts: [],
    pricing: {
      price_details: { price: item.price.id, product: item.price.product },
      type: "price_details",
      unit_amount_decimal: item.price.unit_amount_decimal,
    },
    quantity: item.quantity,
    subtotal: amount,
    taxes: [],
  };
}

/**
 * An invoice for a subscription's item. `status` is "paid" or "open"; the subscription link is
 * under parent.subscription_details, as in Stripe's 2025+ API versions.
 */
function buildInvoice({ subscription, customer, amount, status, billingReason, periodStart, periodEnd, linePeriod, lineDescription }) {
  const id = newId("in_", 24);
  const now = nowSeconds();
  const item = subscription.items.data[0];
  const paid = status === "paid";
  const number = `${customer.invoice_prefix}-${String(customer.next_invoice_sequence++).padStart(4, "0")}`;
  return {
    id,
    object: "invoice",
    account_country: "IE",
    account_name: "Scout",
    account_tax_ids: null,
    amount_due: amount,
    amount_overpaid: 0,
    amount_paid: paid ? amount : 0,
    amount_remaining: paid ? 0 : amount,
    amount_shipping: 0,
    application: null,
    attempt_count: paid ? (amount > 0 ? 1 : 0) : 1,
    attempted: paid ? amount > 0 : true,
    auto_advance: !paid,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: null,
    billing_reason: billingReason,
    collection_method: "charge_automatically",
    confirmation_secret: null,
    created: now,
    currency: CURRENCY,
    custom_fields: null,
    customer: customer.id,
    customer_account: null,
    customer_address: null,
    customer_email: customer.email,
    customer_name: customer.name,
    customer_phone: null,
    customer_shipping: null,
    customer_tax_exempt: "none",
    customer_tax_ids: [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    due_date: null,
    effective_at: now,
    ending_balance: 0,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: `${origin}/invoices/${id}`,
    invoice_pdf: `${origin}/invoices/${id}.pdf`,
    issuer: { type: "self" },
    last_finalization_error: null,
    latest_revision: null,
    lines: {
      object: "list",
      data: [
        buildInvoiceLineItem({
          invoiceId: id,
          subscription,
          item,
          amount,
          description: lineDescription,
          periodStart: linePeriod.start,
          periodEnd: linePeriod.end,
        }),
      ],
      has_more: false,
      url: `/v1/invoices/${id}/lines`,
    },
    livemode: false,
    metadata: {},
    next_payment_attempt: paid ? null : now + 3 * DAY,
    number,
    on_behalf_of: null,
    parent: {
      quote_details: null,
      subscription_details: { metadata: { ...subscription.metadata }, subscription: subscription.id },
      type: "subscription_details",
    },
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: periodEnd,
    period_start: periodStart,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status,
    status_transitions: { finalized_at: now, marked_uncollectible_at: null, paid_at: paid ? now : null, voided_at: null },
    subtotal: amount,
    subtotal_excluding_tax: amount,
    test_clock: null,
    total: amount,
    total_discount_amounts: [],
    total_excluding_tax: amount,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: now,
  };
}

function buildPortalSession({ customer, returnUrl, locale }) {
  const id = newId("bps_", 24);
  return {
    id,
    object: "billing_portal.session",
    configuration: "bpc_stand_in_default",
    created: nowSeconds(),
    customer,
    customer_account: null,
    flow: null,
    livemode: false,
    locale: locale ?? null,
    on_behalf_of: null,
    return_url: returnUrl ?? null,
    url: `${origin}/portal/${id}`,
  };
}

/** An event envelope (stripe_shared::Event), with a snapshot of the object as it is now. */
function buildEvent(type, object, { previousAttributes = null, request = null } = {}) {
  const data = { object: clone(object) };
  if (previousAttributes) data.previous_attributes = clone(previousAttributes);
  return {
    id: newId("evt_", 24),
    object: "event",
    api_version: API_VERSION,
    created: nowSeconds(),
    data,
    livemode: false,
    pending_webhooks: 1,
    request: { id: request?.id ?? null, idempotency_key: request?.idempotencyKey ?? null },
    type,
  };
}

// Seed products and prices from STRIPE_PRICES (one product per distinct product name).
for (const [priceId, spec] of Object.entries(config.prices)) {
  let product = [...db.products.values()].find((p) => p.name === spec.product);
  if (!product) product = remember(db.products, buildProduct(spec.product ?? priceId));
  remember(db.prices, buildPrice(priceId, spec, product.id));
}

// ---------------------------------------------------------------------------------------------
// expand[]: replace id strings by the objects they name
// ---------------------------------------------------------------------------------------------

function expandPath(node, segments) {
  if (node === null || node === undefined) return node;
  if (Array.isArray(node)) return node.map((n) => expandPath(n, segments));
  if (segments.length === 0) {
    return typeof node === "string" ? clone(findById(node) ?? node) : node;
  }
  if (typeof node !== "object") return node;
  const [head, ...rest] = segments;
  if (head === "line_items" && rest.length === 0 && node.object === "checkout.session") {
    node.line_items = buildList(extras.sessions.get(node.id).checkoutItems, `/v1/checkout/sessions/${node.id}/line_items`);
  } else if (head in node) {
    node[head] = expandPath(node[head], rest);
  }
  return node;
}

/** A copy of `object` with each `expand` path expanded (`expand` as parsed: array or undefined). */
function withExpand(object, expand) {
  const paths = Array.isArray(expand) ? expand : expand ? [expand] : [];
  let out = clone(object);
  for (const path of paths) out = expandPath(out, String(path).split("."));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Events and webhook delivery
// ---------------------------------------------------------------------------------------------

/** The customer an object belongs to (for /_test/events?customer=). */
function customerOf(object) {
  if (object.object === "customer") return object.id;
  const c = object.customer;
  return typeof c === "string" ? c : (c?.id ?? null);
}

/** Stripe-Signature for `payload` at time `t`: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<payload>">. */
function signPayload(payload, t = nowSeconds()) {
  const v1 = crypto.createHmac("sha256", config.webhookSecret).update(`${t}.${payload}`).digest("hex");
  return `t=${t},v1=${v1}`;
}

/** Records an event (the exact JSON body it is delivered with is fixed now) and returns it. */
function recordEvent(type, object, options) {
  const event = buildEvent(type, object, options);
  const record = { event, payload: JSON.stringify(event), customer: customerOf(object), deliveries: [] };
  db.events.push(record);
  return record;
}

let deliveryChain = Promise.resolve();

/**
 * Queues a batch of events for delivery to STRIPE_WEBHOOK_URL, in order, one at a time, after
 * earlier batches; never blocks the caller. With STRIPE_REDELIVER=reverse the batch is then sent
 * again in reverse order.
 */
function deliverEvents(records) {
  if (!config.webhookUrl || records.length === 0) return;
  const order = config.redeliverReverse ? [...records, ...[...records].reverse()] : records;
  deliveryChain = deliveryChain.then(async () => {
    for (const record of order) await deliverWithRetry(record);
  });
}

async function deliverWithRetry(record) {
  for (let attempt = 0; attempt <= DELIVERY_BACKOFF_MS.length; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, DELIVERY_BACKOFF_MS[attempt - 1]));
    const signature = signPayload(record.payload);
    let outcome;
    try {
      const response = await fetch(config.webhookUrl, {
        method: "POST",
        headers: { "content-type": "application/json", "stripe-signature": signature, "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)" },
        body: record.payload,
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
      await response.arrayBuffer().catch(() => {});
      outcome = { status: response.status };
    } catch (err) {
      outcome = { error: String(err?.cause?.code ?? err?.message ?? err) };
    }
    record.deliveries.push({ at: new Date().toISOString(), attempt: attempt + 1, ...outcome });
    const ok = outcome.status >= 200 && outcome.status < 300;
    console.error(
      `webhook ${record.event.type} ${record.event.id} attempt ${attempt + 1} -> ${outcome.status ?? outcome.error}`,
    );
    if (ok) return;
  }
  console.error(`webhook ${record.event.type} ${record.event.id} given up`);
}

// ---------------------------------------------------------------------------------------------
// Billing actions shared by the API, the pages and the test controls
// ---------------------------------------------------------------------------------------------

const productName = (price) => db.products.get(price.product)?.name ?? price.id;
const intervalWord = (price) => price.recurring.interval; // "month" | "year"

/** An invoice line's description, as Stripe writes it: "1 × Scout Pro (at €9.99 / month)". */
const chargeDescription = (price, quantity) =>
  `${quantity} × ${productName(price)} (at ${formatMoney(price.unit_amount)} / ${intervalWord(price)})`;

/** The customer's newest subscription that is not canceled, or null. */
function liveSubscriptionOf(customerId) {
  return (
    [...db.subscriptions.values()]
      .filter((s) => s.customer === customerId && s.status !== "canceled" && s.status !== "incomplete_expired")
      .sort(newestFirst)[0] ?? null
  );
}

/**
 * Completes an open checkout session as if the card was charged: creates the subscription and
 * its first invoice, completes the session, and emits checkout.session.completed,
 * customer.subscription.created and invoice.paid.
 */
function completeCheckout(session, form) {
  const extra = extras.sessions.get(session.id);
  const { price, quantity } = extra.lineItems[0];

  let customer = session.customer ? db.customers.get(session.customer) : null;
  if (!customer) {
    const email = form.email || session.customer_email || "customer@example.com";
    customer = remember(db.customers, buildCustomer({ email, name: form.name || null }));
  }
  extra.promotionCode = form.promotion_code || null;

  const trialEnd = extra.trialDays ? nowSeconds() + extra.trialDays * DAY : null;
  const subscription = remember(
    db.subscriptions,
    buildSubscription({ customerId: customer.id, price, quantity, metadata: extra.subscriptionMetadata, trialEnd }),
  );
  const item = subscription.items.data[0];
  const amount = trialEnd ? 0 : price.unit_amount * quantity;
  const now = nowSeconds();
  const invoice = remember(
    db.invoices,
    buildInvoice({
      subscription,
      customer,
      amount,
      status: "paid",
      billingReason: "subscription_create",
      periodStart: now,
      periodEnd: now,
      linePeriod: { start: item.current_period_start, end: item.current_period_end },
      lineDescription: trialEnd
        ? `Trial period for ${productName(price)}`
        : chargeDescription(price, quantity),
    }),
  );
  subscription.latest_invoice = invoice.id;

  Object.assign(session, {
    status: "complete",
    payment_status: trialEnd ? "no_payment_required" : "paid",
    amount_total: amount,
    amount_subtotal: amount,
    customer: customer.id,
    customer_details: {
      address: null,
      email: customer.email,
      name: customer.name,
      phone: null,
      tax_exempt: "none",
      tax_ids: [],
    },
    subscription: subscription.id,
    invoice: invoice.id,
  });

  deliverEvents([
    recordEvent("checkout.session.completed", session),
    recordEvent("customer.subscription.created", subscription),
    recordEvent("invoice.paid", invoice),
  ]);
}

/**
 * Sets cancel_at_period_end (as the API and the portal do). Returns the event records it emitted
 * (none when nothing changed, like Stripe).
 */
function setCancelAtPeriodEnd(subscription, cancel, request = null) {
  if (subscription.cancel_at_period_end === cancel) return [];
  const previous = {
    cancel_at: subscription.cancel_at,
    cancel_at_period_end: subscription.cancel_at_period_end,
    canceled_at: subscription.canceled_at,
    cancellation_details: clone(subscription.cancellation_details),
  };
  const periodEnd = subscription.items.data[0].current_period_end;
  Object.assign(subscription, {
    cancel_at_period_end: cancel,
    cancel_at: cancel ? periodEnd : null,
    canceled_at: cancel ? nowSeconds() : null,
    cancellation_details: { comment: null, feedback: null, reason: cancel ? "cancellation_requested" : null },
  });
  return [recordEvent("customer.subscription.updated", subscription, { previousAttributes: previous, request })];
}

/** Ends a subscription now: status canceled, emits customer.subscription.deleted. */
function endSubscription(subscription, endedAt, request = null) {
  Object.assign(subscription, {
    status: "canceled",
    ended_at: endedAt,
    canceled_at: subscription.canceled_at ?? nowSeconds(),
    cancellation_details: { comment: null, feedback: null, reason: "cancellation_requested" },
  });
  return [recordEvent("customer.subscription.deleted", subscription, { request })];
}

/** Starts the next billing period with a paid invoice: emits invoice.paid, customer.subscription.updated. */
function renewSubscription(subscription) {
  const customer = db.customers.get(subscription.customer);
  const item = subscription.items.data[0];
  const previous = { items: clone(subscription.items), latest_invoice: subscription.latest_invoice, status: subscription.status };
  const oldStart = item.current_period_start;
  const start = item.current_period_end;
  const end = addInterval(start, item.price.recurring.interval);
  item.current_period_start = start;
  item.current_period_end = end;
  const amount = item.price.unit_amount * item.quantity;
  const invoice = remember(
    db.invoices,
    buildInvoice({
      subscription,
      customer,
      amount,
      status: "paid",
      billingReason: "subscription_cycle",
      periodStart: oldStart,
      periodEnd: start,
      linePeriod: { start, end },
      lineDescription: chargeDescription(item.price, item.quantity),
    }),
  );
  subscription.latest_invoice = invoice.id;
  subscription.status = "active";
  if (previous.status === subscription.status) delete previous.status;
  return [
    recordEvent("invoice.paid", invoice),
    recordEvent("customer.subscription.updated", subscription, { previousAttributes: previous }),
  ];
}

/** The renewal charge fails: subscription past_due, a new open invoice; emits invoice.payment_failed, customer.subscription.updated. */
function failPayment(subscription) {
  const customer = db.customers.get(subscription.customer);
  const item = subscription.items.data[0];
  const amount = item.price.unit_amount * item.quantity;
  const invoice = remember(
    db.invoices,
    buildInvoice({
      subscription,
      customer,
      amount,
      status: "open",
      billingReason: "subscription_cycle",
      periodStart: item.current_period_start,
      periodEnd: item.current_period_end,
      linePeriod: { start: item.current_period_start, end: item.current_period_end },
      lineDescription: chargeDescription(item.price, item.quantity),
    }),
  );
  const previous = { latest_invoice: subscription.latest_invoice, status: subscription.status };
  subscription.latest_invoice = invoice.id;
  subscription.status = "past_due";
  return {
    invoice,
    records: [
      recordEvent("invoice.payment_failed", invoice),
      recordEvent("customer.subscription.updated", subscription, { previousAttributes: previous }),
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// HTML pages (hosted Checkout, billing portal, hosted invoice) and the invoice PDF
// ---------------------------------------------------------------------------------------------

function page(title, body) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 0; background: #f6f8fa; color: #1a1f36; }
  main { max-width: 32rem; margin: 3rem auto; background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 1px 4px rgba(0,0,0,.12); }
  label { display: block; margin-top: 1rem; font-weight: 600; }
  input { display: block; width: 100%; box-sizing: border-box; padding: .5rem; margin-top: .25rem; font-size: 1rem; }
  button { margin-top: 1.5rem; padding: .6rem 1.2rem; font-size: 1rem; background: #635bff; color: #fff; border: 0; border-radius: 4px; cursor: pointer; }
  button.secondary { background: #fff; color: #1a1f36; border: 1px solid #c1c9d2; }
  .price { font-size: 1.25rem; }
  [role=status], [role=alert] { padding: .75rem; border-radius: 4px; background: #e3f9e5; }
  [role=alert] { background: #fde2e1; }
  table { width: 100%; border-collapse: collapse; margin-top: 1rem; }
  th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #e3e8ee; }
</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

const html = (status, body) => ({ status, headers: { "content-type": "text/html; charset=utf-8" }, body });
const redirect = (location) => ({ status: 303, headers: { location }, body: "" });

/** "€9.99 per month" for a price (times the quantity). */
const priceText = (price, quantity = 1) => `${formatMoney(price.unit_amount * quantity)} per ${intervalWord(price)}`;

/** The hosted checkout page; after a declined card, `error` is shown and `form` refills the fields. */
function checkoutPage(session, { error = null, form = {} } = {}) {
  const extra = extras.sessions.get(session.id);
  const { price, quantity } = extra.lineItems[0];
  const name = productName(price);
  if (session.status !== "open") {
    const next = session.status === "complete" && session.success_url
      ? `<p><a href="${escapeHtml(successUrl(session))}">Continue to Scout</a></p>`
      : "";
    return html(
      session.status === "complete" ? 200 : 410,
      page(`Checkout – ${name}`, `<h1>This checkout is ${session.status === "complete" ? "complete" : "no longer available"}</h1>${next}`),
    );
  }
  const trial = extra.trialDays
    ? `<p>${extra.trialDays} days free</p><p>Nothing is charged today.</p>`
    : "";
  const emailField = session.customer
    ? ""
    : `<label for="email">Email</label>
  <input id="email" name="email" type="email" autocomplete="email" required value="${escapeHtml(form.email ?? session.customer_email ?? "")}">`;
  const promo = session.allow_promotion_codes
    ? `<label for="promotion_code">Promotion code</label>
  <input id="promotion_code" name="promotion_code" type="text" autocomplete="off" value="${escapeHtml(form.promotion_code ?? "")}">`
    : "";
  const alert = error ? `<p role="alert">${escapeHtml(error)}</p>` : "";
  const body = `<h1>Subscribe to ${escapeHtml(name)}</h1>
<p class="price">${escapeHtml(priceText(price, quantity))}</p>
${trial}
${alert}
<form method="post" action="/checkout/${escapeHtml(session.id)}/pay">
  ${emailField}
  <label for="card">Card number</label>
  <input id="card" name="card" type="text" inputmode="numeric" autocomplete="cc-number" value="${escapeHtml(form.card ?? "4242 4242 4242 4242")}" required>
  ${promo}
  <button type="submit">${extra.trialDays ? "Start trial" : "Subscribe"}</button>
</form>
${session.cancel_url ? `<p><a href="${escapeHtml(session.cancel_url)}">Back to Scout</a></p>` : ""}`;
  return html(error ? 402 : 200, page(`Checkout – ${name}`, body));
}

const successUrl = (session) => session.success_url.replaceAll("{CHECKOUT_SESSION_ID}", session.id);

const STATUS_WORDS = {
  active: "Active",
  trialing: "Trial",
  past_due: "Past due",
  canceled: "Canceled",
  unpaid: "Unpaid",
  incomplete: "Incomplete",
  incomplete_expired: "Expired",
  paused: "Paused",
};

function portalPage(portal, notice) {
  const subscription = liveSubscriptionOf(portal.customer);
  const base = `/portal/${escapeHtml(portal.id)}`;
  let plan;
  if (!subscription) {
    plan = `<p>You have no active subscription.</p>`;
  } else {
    const item = subscription.items.data[0];
    const when = subscription.cancel_at_period_end
      ? `Cancels on ${formatDate(subscription.cancel_at ?? item.current_period_end)}`
      : `Renews on ${formatDate(item.current_period_end)}`;
    const action = subscription.cancel_at_period_end
      ? `<form method="post" action="${base}/renew"><button type="submit">Renew plan</button></form>`
      : `<form method="post" action="${base}/cancel"><button type="submit" class="secondary">Cancel plan</button></form>`;
    plan = `<section aria-labelledby="plan-heading">
<h2 id="plan-heading">Current plan</h2>
<p>${escapeHtml(productName(item.price))}</p>
<p>${escapeHtml(priceText(item.price, item.quantity))}</p>
<p>Status: ${escapeHtml(STATUS_WORDS[subscription.status] ?? subscription.status)}</p>
<p>${escapeHtml(when)}</p>
${action}
</section>`;
  }
  const invoices = [...db.invoices.values()].filter((i) => i.customer === portal.customer).sort(newestFirst);
  const history = invoices.length
    ? `<section aria-labelledby="invoices-heading">
<h2 id="invoices-heading">Invoice history</h2>
<table>
<thead><tr><th scope="col">Date</th><th scope="col">Amount</th><th scope="col">Status</th><th scope="col">Invoice</th></tr></thead>
<tbody>
${invoices
  .map(
    (i) =>
      `<tr><td>${escapeHtml(formatDate(i.created))}</td><td>${escapeHtml(formatMoney(i.amount_due))}</td><td>${escapeHtml(i.status)}</td><td><a href="${escapeHtml(i.invoice_pdf)}">${escapeHtml(i.number)} (PDF)</a></td></tr>`,
  )
  .join("\n")}
</tbody>
</table>
</section>`
    : "";
  const message = notice === "payment_method" ? `<p role="status">Payment method updated</p>` : "";
  const body = `<h1>Manage your Scout subscription</h1>
${message}
${plan}
<section aria-labelledby="payment-heading">
<h2 id="payment-heading">Payment method</h2>
<p>Visa ending in 4242</p>
<form method="post" action="${base}/payment-method"><button type="submit" class="secondary">Update payment method</button></form>
</section>
${history}
${portal.return_url ? `<p><a href="${escapeHtml(portal.return_url)}">Return to Scout</a></p>` : ""}`;
  return html(200, page("Manage your Scout subscription", body));
}

function hostedInvoicePage(invoice) {
  const body = `<h1>Invoice ${escapeHtml(invoice.number)}</h1>
<p>${escapeHtml(invoice.account_name)}</p>
<p>Amount due: ${escapeHtml(formatMoney(invoice.amount_due))}</p>
<p>Amount paid: ${escapeHtml(formatMoney(invoice.amount_paid))}</p>
<p>Status: ${escapeHtml(invoice.status)}</p>
<p><a href="${escapeHtml(invoice.invoice_pdf)}">Download invoice (PDF)</a></p>`;
  return html(200, page(`Invoice ${invoice.number}`, body));
}

/** A one-page PDF 1.4 with a few lines of Helvetica text and a correct xref table. */
function buildPdf(lines) {
  // PDF string literal in WinAnsiEncoding: escape \ ( ), write € and Latin-1 letters as octal codes.
  const esc = (s) =>
    [...String(s)]
      .map((c) => {
        const code = c.codePointAt(0);
        if (c === "\\" || c === "(" || c === ")") return `\\${c}`;
        if (code >= 0x20 && code <= 0x7e) return c;
        if (c === "€") return "\\200";
        if (code >= 0xa0 && code <= 0xff) return `\\${code.toString(8)}`;
        return "?";
      })
      .join("");
  const text = lines.map((l, i) => `${i === 0 ? "/F1 18 Tf" : "/F1 12 Tf"} (${esc(l)}) Tj 0 -24 Td`).join(" ");
  const content = `BT 72 770 Td ${text} ET`;
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    `<< /Length ${Buffer.byteLength(content, "latin1")} >>\nstream\n${content}\nendstream`,
  ];
  let out = "%PDF-1.4\n";
  const offsets = [];
  objects.forEach((object, i) => {
    offsets.push(Buffer.byteLength(out, "latin1"));
    out += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, "latin1");
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  out += offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("");
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, "latin1");
}

function invoicePdf(invoice) {
  const item = invoice.lines.data[0];
  return buildPdf([
    `Invoice ${invoice.number}`,
    `Invoice id: ${invoice.id}`,
    `Scout - ${item?.description ?? ""}`,
    `Billed to: ${invoice.customer_email ?? invoice.customer}`,
    `Date: ${formatDate(invoice.created)}`,
    `Amount due: ${formatMoney(invoice.amount_due)}`,
    `Amount paid: ${formatMoney(invoice.amount_paid)}`,
    `Status: ${invoice.status}`,
  ]);
}

// ---------------------------------------------------------------------------------------------
// Routes
// ---------------------------------------------------------------------------------------------

const routes = [];

/** Registers a handler for METHOD and a path pattern with `:name` parameters. */
function route(method, pattern, handler) {
  const names = [];
  const source = pattern.replace(/[.]/g, "\\.").replace(/:(\w+)/g, (_, name) => {
    names.push(name);
    return "([^/]+?)";
  });
  routes.push({ method, regex: new RegExp(`^${source}$`), names, handler });
}

const json = (status, body, headers = {}) => ({ status, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body, null, 2) });
const ok = (body) => json(200, body);

// --- Stripe API: customers ---

route("POST", "/v1/customers", ({ body }) => {
  const customer = remember(db.customers, buildCustomer(body));
  return ok(withExpand(customer, body.expand));
});

route("GET", "/v1/customers/:id", ({ params, query }) =>
  ok(withExpand(getOr404(db.customers, "customer", params.id), query.expand)),
);

// --- Stripe API: checkout sessions ---

route("POST", "/v1/checkout/sessions", ({ body }) => {
  if (!body.mode) throw missingParam("mode");
  if (body.mode !== "subscription") {
    throw new StripeError(400, { message: `The stand-in only supports mode=subscription (got '${body.mode}').`, param: "mode" });
  }
  if (body.customer && !db.customers.has(body.customer)) throw noSuch("customer", body.customer, "customer");
  if (body.success_url === undefined) throw missingParam("success_url");
  const requested = Array.isArray(body.line_items) ? body.line_items : [];
  if (requested.length === 0) throw missingParam("line_items");
  const lineItems = requested.map((li, i) => {
    const price = db.prices.get(li.price);
    if (!price) throw noSuch("price", li.price, `line_items[${i}][price]`);
    return { price, quantity: formInt(li.quantity, 1) };
  });
  const sub = body.subscription_data ?? {};
  const trialDays = formInt(sub.trial_period_days, 0);
  const subtotal = lineItems.reduce((sum, li) => sum + li.price.unit_amount * li.quantity, 0);
  const session = remember(db.sessions, buildCheckoutSession(body, lineItems, trialDays ? 0 : subtotal));
  extras.sessions.set(session.id, {
    lineItems,
    checkoutItems: lineItems.map(buildCheckoutLineItem),
    trialDays,
    subscriptionMetadata: metadataFrom(sub.metadata),
    promotionCode: null,
  });
  return ok(withExpand(session, body.expand));
});

route("GET", "/v1/checkout/sessions/:id", ({ params, query }) =>
  ok(withExpand(getOr404(db.sessions, "checkout.session", params.id), query.expand)),
);

route("GET", "/v1/checkout/sessions/:id/line_items", ({ params, query }) => {
  getOr404(db.sessions, "checkout.session", params.id);
  const items = extras.sessions.get(params.id).checkoutItems;
  return ok(buildList(items, `/v1/checkout/sessions/${params.id}/line_items`, query));
});

// --- Stripe API: subscriptions ---

route("GET", "/v1/subscriptions", ({ query }) => {
  const status = query.status ?? null;
  const items = [...db.subscriptions.values()]
    .filter((s) => !query.customer || s.customer === query.customer)
    .filter((s) => !query.price || s.items.data.some((i) => i.price.id === query.price))
    .filter((s) => {
      if (status === "all") return true;
      if (status === "ended") return s.status === "canceled" || s.status === "incomplete_expired";
      if (status) return s.status === status;
      return s.status !== "canceled"; // Stripe's default: everything but canceled
    })
    .sort(newestFirst);
  return ok(withExpand(buildList(items, "/v1/subscriptions", query), query.expand));
});

route("GET", "/v1/subscriptions/:id", ({ params, query }) =>
  ok(withExpand(getOr404(db.subscriptions, "subscription", params.id), query.expand)),
);

route("POST", "/v1/subscriptions/:id", ({ params, body, request }) => {
  const subscription = getOr404(db.subscriptions, "subscription", params.id);
  if (subscription.status === "canceled" && (body.cancel_at_period_end !== undefined)) {
    throw new StripeError(400, {
      message: "A canceled subscription can only update its cancellation_details and metadata.",
    });
  }
  const records = [];
  if (body.cancel_at_period_end !== undefined) {
    records.push(...setCancelAtPeriodEnd(subscription, formBool(body.cancel_at_period_end), request));
  }
  if (body.metadata !== undefined) {
    const before = clone(subscription.metadata);
    subscription.metadata = metadataFrom(body.metadata, subscription.metadata);
    if (JSON.stringify(before) !== JSON.stringify(subscription.metadata)) {
      records.push(recordEvent("customer.subscription.updated", subscription, { previousAttributes: { metadata: before }, request }));
    }
  }
  deliverEvents(records);
  return ok(withExpand(subscription, body.expand));
});

route("DELETE", "/v1/subscriptions/:id", ({ params, request }) => {
  const subscription = getOr404(db.subscriptions, "subscription", params.id);
  if (subscription.status === "canceled") {
    throw new StripeError(400, { message: `A canceled subscription can not be canceled again.` });
  }
  deliverEvents(endSubscription(subscription, nowSeconds(), request));
  return ok(subscription);
});

// --- Stripe API: invoices ---

route("GET", "/v1/invoices", ({ query }) => {
  const items = [...db.invoices.values()]
    .filter((i) => !query.customer || i.customer === query.customer)
    .filter((i) => !query.subscription || i.parent?.subscription_details?.subscription === query.subscription)
    .filter((i) => !query.status || i.status === query.status)
    .sort(newestFirst);
  return ok(withExpand(buildList(items, "/v1/invoices", query), query.expand));
});

route("GET", "/v1/invoices/:id", ({ params, query }) =>
  ok(withExpand(getOr404(db.invoices, "invoice", params.id), query.expand)),
);

// --- Stripe API: prices and products (read only, seeded from STRIPE_PRICES) ---

route("GET", "/v1/prices/:id", ({ params, query }) => ok(withExpand(getOr404(db.prices, "price", params.id), query.expand)));
route("GET", "/v1/products/:id", ({ params }) => ok(getOr404(db.products, "product", params.id)));

// --- Stripe API: billing portal ---

route("POST", "/v1/billing_portal/sessions", ({ body }) => {
  if (!body.customer) throw missingParam("customer");
  if (!db.customers.has(body.customer)) throw noSuch("customer", body.customer, "customer");
  const portal = remember(
    db.portalSessions,
    buildPortalSession({ customer: body.customer, returnUrl: body.return_url, locale: body.locale }),
  );
  extras.portal.set(portal.id, { paymentMethodUpdates: 0 });
  return ok(portal);
});

// --- Pages: hosted Checkout ---

const notFoundPage = (what) => html(404, page("Not found", `<h1>${escapeHtml(what)} not found</h1>`));

route("GET", "/checkout/:id", ({ params }) => {
  const session = db.sessions.get(params.id);
  return session ? checkoutPage(session) : notFoundPage("Checkout session");
});

route("POST", "/checkout/:id/pay", ({ params, body }) => {
  const session = db.sessions.get(params.id);
  if (!session) return notFoundPage("Checkout session");
  if (session.status === "complete") return redirect(successUrl(session)); // paid already: no second subscription
  if (session.status !== "open") return checkoutPage(session);
  const card = String(body.card ?? "").replace(/\D/g, "");
  if (card === "4000000000000002") return checkoutPage(session, { error: "Your card was declined.", form: body });
  completeCheckout(session, body);
  return redirect(successUrl(session));
});

// --- Pages: billing portal ---

/**
 * A portal form post: runs `act(portal, liveSubscription)` then redirects (303) back to the
 * portal page, with `?notice=` when the page should confirm something.
 */
function portalPost(params, act, notice = null) {
  const portal = db.portalSessions.get(params.id);
  if (!portal) return notFoundPage("Portal session");
  act(portal, liveSubscriptionOf(portal.customer));
  return redirect(`/portal/${encodeURIComponent(portal.id)}${notice ? `?notice=${notice}` : ""}`);
}

route("GET", "/portal/:id", ({ params, query }) => {
  const portal = db.portalSessions.get(params.id);
  return portal ? portalPage(portal, query.notice) : notFoundPage("Portal session");
});

// "Cancel plan": cancel at the end of the period, as Stripe's portal does by default.
route("POST", "/portal/:id/cancel", ({ params }) =>
  portalPost(params, (_, subscription) => subscription && deliverEvents(setCancelAtPeriodEnd(subscription, true))),
);

// "Renew plan": undo a pending cancellation.
route("POST", "/portal/:id/renew", ({ params }) =>
  portalPost(params, (_, subscription) => subscription && deliverEvents(setCancelAtPeriodEnd(subscription, false))),
);

// "Update payment method": records a new default payment method on the customer.
route("POST", "/portal/:id/payment-method", ({ params }) =>
  portalPost(
    params,
    (portal) => {
      extras.portal.get(portal.id).paymentMethodUpdates += 1;
      db.customers.get(portal.customer).invoice_settings.default_payment_method = newId("pm_", 24);
    },
    "payment_method",
  ),
);

// --- Pages: hosted invoice and its PDF ---

route("GET", "/invoices/:id.pdf", ({ params }) => {
  const invoice = db.invoices.get(params.id);
  if (!invoice) return notFoundPage("Invoice");
  return {
    status: 200,
    headers: { "content-type": "application/pdf", "content-disposition": `inline; filename="${invoice.number}.pdf"` },
    body: invoicePdf(invoice),
  };
});

route("GET", "/invoices/:id", ({ params }) => {
  const invoice = db.invoices.get(params.id);
  return invoice ? hostedInvoicePage(invoice) : notFoundPage("Invoice");
});

route("GET", "/healthz", () => ({ status: 200, headers: { "content-type": "text/plain" }, body: "ok" }));

// --- Test controls ---

const testError = (status, message) => json(status, { error: message });

route("POST", "/_test/fail-payment", ({ body }) => {
  if (!body.customer) return testError(400, "body must be {\"customer\":\"cus_...\"}");
  const subscription = liveSubscriptionOf(body.customer);
  if (!subscription) return testError(404, `customer ${body.customer} has no live subscription`);
  const { invoice, records } = failPayment(subscription);
  deliverEvents(records);
  return ok({ subscription, invoice, events: records.map((r) => r.event.id) });
});

route("POST", "/_test/trial-will-end", ({ body }) => {
  const subscription = db.subscriptions.get(body.subscription);
  if (!subscription) return testError(404, `no subscription ${body.subscription}`);
  if (subscription.status !== "trialing") return testError(409, `subscription ${subscription.id} is ${subscription.status}, not trialing`);
  const record = recordEvent("customer.subscription.trial_will_end", subscription);
  deliverEvents([record]);
  return ok({ subscription, events: [record.event.id] });
});

route("POST", "/_test/end-period", ({ body }) => {
  const subscription = db.subscriptions.get(body.subscription);
  if (!subscription) return testError(404, `no subscription ${body.subscription}`);
  if (subscription.status === "canceled") return testError(409, `subscription ${subscription.id} is canceled`);
  const records = subscription.cancel_at_period_end
    ? endSubscription(subscription, subscription.items.data[0].current_period_end)
    : renewSubscription(subscription);
  deliverEvents(records);
  return ok({ subscription, events: records.map((r) => r.event.id) });
});

route("GET", "/_test/events", ({ query }) => {
  const list = db.events
    .filter((r) => !query.customer || r.customer === query.customer)
    .filter((r) => !query.type || r.event.type === query.type)
    .map((r) => ({ event: r.event, payload: r.payload, signature: signPayload(r.payload), deliveries: r.deliveries }));
  return ok(list);
});

route("GET", "/_test/requests", () => ok(db.requests));

// ---------------------------------------------------------------------------------------------
// Server: body reading, auth, idempotency, dispatch, logging
// ---------------------------------------------------------------------------------------------

const MAX_BODY = 1 << 20;

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new StripeError(413, { message: "Request body too large." }));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** The API key in the request: `Bearer <key>`, or Basic auth with the key as the user name. */
function apiKeyOf(req) {
  const header = req.headers.authorization ?? "";
  const [scheme, value = ""] = header.split(/\s+/, 2);
  if (/^bearer$/i.test(scheme)) return value;
  if (/^basic$/i.test(scheme)) return Buffer.from(value, "base64").toString("utf8").split(":")[0];
  return null;
}

function checkAuth(req) {
  const key = apiKeyOf(req);
  if (!key) {
    throw new StripeError(401, {
      message:
        "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
    });
  }
  if (key !== config.secretKey) {
    const masked = key.length > 8 ? `${key.slice(0, 8)}${"*".repeat(Math.max(0, key.length - 12))}${key.slice(-4)}` : key;
    throw new StripeError(401, { message: `Invalid API Key provided: ${masked}` });
  }
}

/** The parsed request body: JSON for the test controls, form encoding otherwise. */
function parseBody(req, raw) {
  const type = req.headers["content-type"] ?? "";
  if (type.includes("application/json") || /^\s*[{[]/.test(raw)) {
    try {
      return raw ? JSON.parse(raw) : {};
    } catch {
      throw new StripeError(400, { message: "Invalid JSON body." });
    }
  }
  return parseForm(raw);
}

function findRoute(method, path) {
  let pathMatched = false;
  for (const r of routes) {
    const m = r.regex.exec(path);
    if (!m) continue;
    pathMatched = true;
    if (r.method !== method) continue;
    const params = Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(m[i + 1])]));
    return { route: r, params };
  }
  return { route: null, pathMatched };
}

async function handle(req, res) {
  const url = new URL(req.url, origin);
  const path = url.pathname;
  const isApi = path.startsWith("/v1/");
  const requestId = newId("req_", 14);
  let response;
  try {
    const raw = req.method === "GET" || req.method === "HEAD" ? "" : await readBody(req);
    const body = parseBody(req, raw);
    const query = parseForm(url.search.slice(1));
    const idempotencyKey = req.headers["idempotency-key"] ?? null;

    if (isApi) {
      checkAuth(req);
      db.requests.push({
        at: new Date().toISOString(),
        method: req.method,
        path,
        query,
        idempotency_key: idempotencyKey,
        stripe_version: req.headers["stripe-version"] ?? null,
        body,
        raw_body: raw,
      });
    }

    const { route: matched, params, pathMatched } = findRoute(req.method, path);
    if (!matched) {
      if (isApi) {
        throw new StripeError(404, {
          message: `Unrecognized request URL (${req.method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
        });
      }
      response = { status: pathMatched ? 405 : 404, headers: { "content-type": "text/plain" }, body: pathMatched ? "method not allowed" : "not found" };
    } else if (isApi && (req.method === "POST" || req.method === "DELETE") && idempotencyKey) {
      // Idempotency (POST and DELETE, like Stripe): the same key on the same path replays the
      // first successful response without doing anything again.
      const cacheKey = `${path}\n${idempotencyKey}`;
      const cached = db.idempotency.get(cacheKey);
      if (cached && cached.rawBody !== raw) {
        throw new StripeError(400, {
          type: "idempotency_error",
          message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
        });
      }
      if (cached) {
        response = { status: cached.status, headers: { ...cached.headers, "idempotent-replayed": "true" }, body: cached.body };
      } else {
        response = await matched.handler({ req, url, params, query, body, raw, request: { id: requestId, idempotencyKey } });
        if (response.status >= 200 && response.status < 300) {
          db.idempotency.set(cacheKey, { rawBody: raw, status: response.status, headers: response.headers, body: response.body });
        }
      }
    } else {
      response = await matched.handler({ req, url, params, query, body, raw, request: { id: requestId, idempotencyKey } });
    }
  } catch (err) {
    if (err instanceof StripeError) {
      response = json(err.status, err.body);
    } else {
      console.error(err);
      response = json(500, { error: { type: "api_error", message: `Stand-in error: ${err?.message ?? err}` } });
    }
  }
  const payload = response.body ?? "";
  res.writeHead(response.status, {
    ...(isApi ? { "request-id": requestId } : {}),
    ...response.headers,
    "content-length": Buffer.byteLength(payload),
  });
  res.end(req.method === "HEAD" ? undefined : payload);
}

const server = http.createServer((req, res) => {
  const started = Date.now();
  res.on("finish", () => {
    const key = req.headers["idempotency-key"] ? ` idempotency-key=${req.headers["idempotency-key"]}` : "";
    console.error(`${new Date().toISOString()} ${req.method} ${req.url} -> ${res.statusCode} (${Date.now() - started} ms)${key}`);
  });
  handle(req, res).catch((err) => {
    console.error(err);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
});

server.on("error", (err) => {
  console.error(`stripe-stand-in: cannot listen on 127.0.0.1:${config.port}: ${err.message}`);
  process.exit(1);
});

server.listen(config.port, "127.0.0.1", () => {
  const { port } = server.address();
  origin = `http://127.0.0.1:${port}`;
  process.stdout.write(`stripe-stand-in listening on ${origin}\n`);
  console.error(
    `stripe-stand-in: prices ${Object.keys(config.prices).join(", ")}; webhooks ${config.webhookUrl ?? "off"}${config.redeliverReverse ? " (redeliver reversed)" : ""}`,
  );
});

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    server.close();
    process.exit(0);
  });
}
