//! The Stripe stand-in (`end2end/stripe-stand-in.mjs`, the same one the browser journeys use)
//! as a child process of a test: its API answers the production client, its hosted Checkout
//! and Portal take the form posts a person's browser would send, and the events it made come
//! back with the signature it put on them, for the test to deliver in any order.

use crate::helpers::TestApp;
use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use scout::server::config::StripeConfig;
use serde_json::Value;
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub const KEY: &str = "sk_test_scout_tests";
pub const SECRET: &str = "whsec_scout_tests";

/// Stripe's prices for Pro and Dealer, monthly and yearly.
const PRICES: &str = r#"{
  "price_pro_month": {"amount": 999, "interval": "month", "product": "Scout Pro"},
  "price_pro_year": {"amount": 9990, "interval": "year", "product": "Scout Pro"},
  "price_dealer_month": {"amount": 4900, "interval": "month", "product": "Scout Dealer"},
  "price_dealer_year": {"amount": 49000, "interval": "year", "product": "Scout Dealer"}
}"#;

pub struct StandIn {
    pub url: String,
    http: reqwest::Client,
    _child: Child,
}

/// One event as the stand-in made and signed it.
#[derive(Debug, Clone)]
pub struct Sent {
    pub id: String,
    pub kind: String,
    pub payload: String,
    pub signature: String,
}

impl StandIn {
    pub async fn start() -> StandIn {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/end2end/stripe-stand-in.mjs");
        let mut child = Command::new("node")
            .arg(script)
            .env("STRIPE_PORT", "0")
            .env("STRIPE_SECRET_KEY", KEY)
            .env("STRIPE_WEBHOOK_SECRET", SECRET)
            .env("STRIPE_PRICES", PRICES)
            .env_remove("STRIPE_WEBHOOK_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("node runs the Stripe stand-in (set-up installs Node)");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let url = tokio::time::timeout(std::time::Duration::from_secs(20), async {
            while let Some(line) = lines.next_line().await.expect("stand-in output") {
                if let Some(url) = line.strip_prefix("stripe-stand-in listening on ") {
                    return url.trim().to_string();
                }
            }
            panic!("the Stripe stand-in ended before listening");
        })
        .await
        .expect("the Stripe stand-in listens within 20 s");
        StandIn {
            url,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            _child: child,
        }
    }

    /// Scout's configuration for this stand-in, with `secrets` as the webhook secrets.
    pub fn config(&self, secrets: &[&str]) -> StripeConfig {
        StripeConfig {
            secret_key: KEY.into(),
            webhook_secrets: secrets.iter().map(|s| (*s).to_string()).collect(),
            api_url: self.url.clone(),
            grace_days: 7,
            prices: vec![
                (
                    "pro".into(),
                    Some("price_pro_month".into()),
                    Some("price_pro_year".into()),
                ),
                (
                    "dealer".into(),
                    Some("price_dealer_month".into()),
                    Some("price_dealer_year".into()),
                ),
            ],
        }
    }

    /// A person pays on the hosted Checkout page at `checkout_url` with `card`; where the page
    /// sends the browser next.
    pub async fn pay(&self, checkout_url: &str, card: &str) -> String {
        let reply = self
            .http
            .post(format!("{checkout_url}/pay"))
            .form(&[("card", card), ("promotion_code", "")])
            .send()
            .await
            .unwrap();
        assert_eq!(
            reply.status(),
            StatusCode::SEE_OTHER,
            "{:?}",
            reply.text().await
        );
        reply.headers()["location"].to_str().unwrap().to_string()
    }

    /// A person presses "Cancel plan" on the hosted Portal page at `portal_url`.
    pub async fn cancel_in_portal(&self, portal_url: &str) {
        let reply = self
            .http
            .post(format!("{portal_url}/cancel"))
            .send()
            .await
            .unwrap();
        assert!(reply.status().is_redirection() || reply.status().is_success());
    }

    /// A test control: `POST /_test/<what>` with `body`.
    pub async fn control(&self, what: &str, body: Value) -> Value {
        let reply = self
            .http
            .post(format!("{}/_test/{what}", self.url))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            reply.status().is_success(),
            "{what}: {:?}",
            reply.text().await
        );
        reply.json().await.unwrap_or(Value::Null)
    }

    /// Every event the stand-in made so far, oldest first.
    pub async fn events(&self) -> Vec<Sent> {
        let list: Value = self
            .http
            .get(format!("{}/_test/events", self.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        list.as_array()
            .unwrap()
            .iter()
            .map(|e| Sent {
                id: e["event"]["id"].as_str().unwrap().into(),
                kind: e["event"]["type"].as_str().unwrap().into(),
                payload: e["payload"].as_str().unwrap().into(),
                signature: e["signature"].as_str().unwrap().into(),
            })
            .collect()
    }

    /// The /v1 requests Scout sent.
    pub async fn requests(&self) -> Vec<Value> {
        self.http
            .get(format!("{}/_test/requests", self.url))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }
}

/// Posts a webhook to Scout as Stripe does: the raw body and its `Stripe-Signature`.
pub async fn deliver(app: &TestApp, payload: &str, signature: Option<&str>) -> StatusCode {
    let mut req = Request::post("/stripe/webhook")
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::CONTENT_TYPE, "application/json")
        .header(
            header::USER_AGENT,
            "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        );
    if let Some(s) = signature {
        req = req.header("stripe-signature", s);
    }
    app.send(req.body(Body::from(payload.to_string())).unwrap())
        .await
        .status
}
