//! A minimal W3C WebDriver client over plain HTTP, enough for the smoke test: open a session,
//! find elements by CSS selector, read their text, take a screenshot.
//!
//! It only ever talks to tauri-driver on 127.0.0.1.

use std::{
    thread,
    time::{Duration, Instant},
};

use anyhow::{bail, Context, Result};
use base64::Engine;
use serde_json::{json, Value};

/// The key under which W3C WebDriver returns an element reference.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Session {
    agent: ureq::Agent,
    base: String,
    id: String,
}

pub struct Element(String);

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(60)))
        .http_status_as_error(false)
        .build()
        .into()
}

/// Waits until the WebDriver server on `port` answers `/status`.
pub fn wait_until_ready(port: u16, timeout: Duration) -> Result<()> {
    let agent = agent();
    let url = format!("http://127.0.0.1:{port}/status");
    let deadline = Instant::now() + timeout;
    loop {
        if agent.get(&url).call().is_ok() {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("no WebDriver server answered on {url} within {timeout:?}");
        }
        thread::sleep(Duration::from_millis(200));
    }
}

impl Session {
    /// Starts `application` through tauri-driver listening on `port`.
    pub fn start(port: u16, application: &str) -> Result<Self> {
        let agent = agent();
        let base = format!("http://127.0.0.1:{port}/session");
        let capabilities = json!({
            "capabilities": { "alwaysMatch": { "tauri:options": { "application": application } } }
        });
        let value = send(agent.post(&base).send_json(&capabilities), "new session")?;
        let id = value["sessionId"].as_str().context("new session: no sessionId in the reply")?.to_owned();
        Ok(Self { agent, base, id })
    }

    pub fn find_all(&self, css: &str) -> Result<Vec<Element>> {
        let url = format!("{}/{}/elements", self.base, self.id);
        let body = json!({ "using": "css selector", "value": css });
        let value = send(self.agent.post(&url).send_json(&body), "find elements")?;
        let found = value.as_array().context("find elements: reply is not a list")?;
        found
            .iter()
            .map(|element| {
                element[ELEMENT_KEY]
                    .as_str()
                    .map(|id| Element(id.to_owned()))
                    .context("find elements: reply holds no element reference")
            })
            .collect()
    }

    /// Polls for `css` until it matches something or `timeout` passes.
    pub fn wait_for(&self, css: &str, timeout: Duration) -> Result<Vec<Element>> {
        let deadline = Instant::now() + timeout;
        loop {
            let found = self.find_all(css)?;
            if !found.is_empty() || Instant::now() > deadline {
                return Ok(found);
            }
            thread::sleep(Duration::from_millis(250));
        }
    }

    pub fn text(&self, element: &Element) -> Result<String> {
        let url = format!("{}/{}/element/{}/text", self.base, self.id, element.0);
        let value = send(self.agent.get(&url).call(), "element text")?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    /// The window's content as PNG bytes.
    pub fn screenshot(&self) -> Result<Vec<u8>> {
        let url = format!("{}/{}/screenshot", self.base, self.id);
        let value = send(self.agent.get(&url).call(), "screenshot")?;
        let encoded = value.as_str().context("screenshot: reply is not a string")?;
        base64::engine::general_purpose::STANDARD.decode(encoded).context("screenshot: reply is not base64")
    }

    /// Ends the session, which closes the app.
    pub fn end(self) -> Result<()> {
        let url = format!("{}/{}", self.base, self.id);
        send(self.agent.delete(&url).call(), "delete session").map(drop)
    }
}

/// Unwraps a WebDriver reply: `{"value": …}`, or an error object inside `value`.
fn send(reply: Result<ureq::http::Response<ureq::Body>, ureq::Error>, what: &str) -> Result<Value> {
    let mut reply = reply.with_context(|| format!("{what}: request failed"))?;
    let status = reply.status();
    let body: Value = reply.body_mut().read_json().with_context(|| format!("{what}: reply is not JSON ({status})"))?;
    let value = body.get("value").cloned().unwrap_or(Value::Null);
    if let Some(error) = value.get("error").and_then(Value::as_str) {
        let message = value["message"].as_str().unwrap_or_default();
        bail!("{what}: WebDriver error `{error}`: {message}");
    }
    if !status.is_success() {
        bail!("{what}: HTTP {status}");
    }
    Ok(value)
}
