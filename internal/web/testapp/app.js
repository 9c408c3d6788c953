// The vippslogin test app: plays the user's phone in a browser, using only
// the public app API (DESIGN §6). No framework and no inline code: the
// page's Content-Security-Policy allows this one script and nothing else.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const TOKEN = "vippslogin-app-token";
  const PHONE = "vippslogin-app-phone";
  const SCOPE_WORDS = {
    name: "Your name",
    email: "Your email address",
    phoneNumber: "Your phone number",
    address: "Your addresses",
    birthDate: "Your date of birth",
    nin: "Your national identity number",
    accountNumbers: "Your bank account numbers",
  };
  const SILENT_SCOPES = new Set(["openid", "api_version_2"]);
  const deeplinkId = new URLSearchParams(location.search).get("request");
  // A QR code's page links here with ?qr=<what the code holds>.
  $("scan-url").value = new URLSearchParams(location.search).get("qr") || "";

  let token = sessionStorage.getItem(TOKEN);
  let generation = 0; // bumped on sign-out so that a running poll loop ends
  let pollCtrl = null; // aborts the current long poll to look again at once
  let deeplinkCard = null;
  const cards = new Map(); // request id -> its card in #requests

  class ApiError extends Error {
    constructor(status, detail) {
      super(detail);
      this.status = status;
    }
  }

  // api calls the app API relative to this page, so that the page works
  // below a base path, and turns a problem answer into its detail.
  async function api(method, path, body, signal) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = "Bearer " + token;
    const res = await fetch(path, {
      method, headers, signal, cache: "no-store",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    if (res.status !== 204) {
      try { data = await res.json(); } catch (_) { data = null; }
    }
    if (!res.ok) {
      const detail = (data && data.detail) || `${method} ${path} answered ${res.status}`;
      if (res.status === 401 && path !== "v1/sessions") signOut();
      throw new ApiError(res.status, detail);
    }
    return data;
  }

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else if (v === true) e.setAttribute(k, "");
      else if (v !== false && v != null) e.setAttribute(k, v);
    }
    e.append(...children.filter((c) => c != null));
    return e;
  }

  function showError(msg) { $("error").textContent = msg; $("error").hidden = !msg; }
  function showNotice(...content) {
    $("notice").replaceChildren(...content);
    $("notice").hidden = content.length === 0;
  }
  function clearMessages() { showError(""); showNotice(); }
  function pause(ms, signal) {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      if (signal) signal.addEventListener("abort", () => { clearTimeout(t); resolve(); });
    });
  }
  function scopeWords(scopes) {
    const words = (scopes || []).filter((s) => !SILENT_SCOPES.has(s)).map((s) => SCOPE_WORDS[s] || s);
    return words.length ? words : ["Only that it is you (nothing else)"];
  }
  function when(t) { return new Date(t).toLocaleString(); }

  // --- signing in and out ---

  $("signin").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearMessages();
    const button = ev.submitter || $("signin").querySelector("button");
    button.disabled = true;
    try {
      const phone = $("phone").value.trim();
      const s = await api("POST", "v1/sessions", { phone_number: phone, pin: $("pin").value });
      token = s.token;
      sessionStorage.setItem(TOKEN, token);
      sessionStorage.setItem(PHONE, phone);
      $("pin").value = "";
      start();
    } catch (e) {
      showError(e.message);
    } finally {
      button.disabled = false;
    }
  });

  $("signout").addEventListener("click", () => { clearMessages(); signOut(); });

  function signOut() {
    generation++;
    if (pollCtrl) pollCtrl.abort();
    token = null;
    sessionStorage.removeItem(TOKEN);
    cards.clear();
    $("requests").replaceChildren();
    $("deeplinked").replaceChildren();
    deeplinkCard = null;
    $("home").hidden = true;
    $("signout").hidden = true;
    $("who").textContent = "";
    $("signin").hidden = false;
  }

  function start() {
    $("signin").hidden = true;
    $("home").hidden = false;
    $("signout").hidden = false;
    $("who").textContent = sessionStorage.getItem(PHONE) || "";
    selectTab("requests");
    loadDeeplinked();
    pollLoop(++generation);
  }

  // --- requests ---

  // pollLoop long-polls for waiting requests. Waiting ones come back at
  // once, so after a non-empty answer it pauses instead of asking again
  // straight away; an answer aborts the pause or poll to refresh at once.
  async function pollLoop(gen) {
    while (gen === generation) {
      pollCtrl = new AbortController();
      try {
        const list = await api("GET", "v1/requests?wait=25", undefined, pollCtrl.signal);
        if (gen !== generation) return;
        renderRequests(list.requests);
        if (list.requests.length > 0) await pause(2000, pollCtrl.signal);
      } catch (e) {
        if (gen !== generation) return;
        if (e.name === "AbortError") continue;
        showError(e.message);
        await pause(3000, pollCtrl.signal);
      }
    }
  }

  function renderRequests(reqs) {
    const ids = new Set(reqs.map((r) => r.id));
    for (const [id, card] of cards) {
      if (!ids.has(id)) { card.remove(); cards.delete(id); }
    }
    for (const r of reqs) {
      if (cards.has(r.id) || (deeplinkCard && r.id === deeplinkId)) continue;
      const card = requestCard(r);
      cards.set(r.id, card);
      $("requests").append(card);
    }
    updateIdle();
  }

  function updateIdle() { $("idle").hidden = cards.size > 0 || deeplinkCard !== null; }

  async function loadDeeplinked() {
    if (!deeplinkId) return;
    try {
      const r = await api("GET", "v1/requests/" + encodeURIComponent(deeplinkId));
      deeplinkCard = requestCard(r);
      $("deeplinked").replaceChildren(deeplinkCard);
      const listed = cards.get(r.id);
      if (listed) { listed.remove(); cards.delete(r.id); }
    } catch (e) {
      showError(e.message);
    }
    updateIdle();
  }

  function requestCard(r) {
    const card = el("article", { class: "card", "data-testid": "request", "data-request-id": r.id });
    card.append(
      el("h3", { "data-testid": "request-client" }, r.client_name),
      el("p", { class: "muted", "data-testid": "request-message" }, r.qr_description || r.binding_message || "wants you to log in and share:"),
      el("ul", { "data-testid": "request-scopes" }, ...scopeWords(r.scopes).map((w) => el("li", {}, w))),
    );
    const inBrowser = r.kind === "login";
    if (r.consent_required) {
      card.append(el("p", { class: "muted small" }, inBrowser
        ? "You have not shared this with them before: the browser will ask you to agree."
        : "You have not shared this with them before: approving shares it."));
    }
    if (r.status !== "waiting") {
      card.append(el("p", { class: "error" }, r.status === "expired"
        ? "This request has expired. Start again in the browser."
        : `This request was already answered (${r.status}).`));
      return card;
    }
    card.append(el("p", { class: "muted small" }, "Answer before " + when(r.expires_at) + "."));
    if (r.challenge_options && r.challenge_options.length > 0) {
      card.append(
        el("p", {}, "Pick the number the browser shows:"),
        el("div", { class: "options" }, ...r.challenge_options.map((opt) =>
          el("button", { type: "button", class: "option", "data-testid": "challenge-option",
            onclick: () => answer(r, card, "approve", { challenge: opt }) }, opt))),
      );
    } else if (inBrowser) {
      const remember = el("input", { type: "checkbox", id: "remember-" + r.id, "data-testid": "app-remember" });
      card.append(
        el("label", { class: "remember", for: "remember-" + r.id }, remember, "Remember me in this browser"),
        el("button", { type: "button", class: "primary", "data-testid": "app-approve",
          onclick: () => answer(r, card, "approve", { remember_browser: remember.checked }) }, "Approve"),
      );
    } else {
      card.append(el("button", { type: "button", class: "primary", "data-testid": "app-approve",
        onclick: () => answer(r, card, "approve", {}) }, "Approve"));
    }
    card.append(el("button", { type: "button", class: "secondary", "data-testid": "app-reject",
      onclick: () => answer(r, card, "reject", {}) }, "Reject"));
    // The Vipps app may also reject without knowing why: the client then
    // gets unknown_reject_reason instead of access_denied. Tucked away, as
    // it is for testing how a client handles that error.
    const help = "reject-unknown-help-" + r.id;
    card.append(el("details", { class: "more", "data-testid": "app-more" },
      el("summary", {}, "More ways to answer"),
      el("p", { class: "muted small", id: help },
        "Reject as the app does when it cannot say why: the shop gets the error unknown_reject_reason instead of access_denied."),
      el("button", { type: "button", class: "secondary", "data-testid": "app-reject-unknown", "aria-describedby": help,
        onclick: () => answer(r, card, "reject", { reason: "unknown" }) }, "Reject, reason unknown")));
    return card;
  }

  async function answer(r, card, action, body) {
    clearMessages();
    const controls = card.querySelectorAll("button, input");
    controls.forEach((c) => { c.disabled = true; });
    try {
      const res = await api("POST", `v1/requests/${encodeURIComponent(r.id)}/${action}`, body);
      dropCard(r.id, card);
      const rejected = action !== "approve";
      if (res && res.open_url) {
        // An app_to_app login goes back to the shop's app either way.
        showNotice(rejected ? "Rejected. " : "Approved. ", el("a", { href: res.open_url, "data-testid": "open-url" }, "Continue"));
      } else {
        showNotice(rejected ? (body.reason ? `Rejected: ${r.client_name} was told the reason is ${body.reason}.` : `Rejected: ${r.client_name} was told no.`)
          : r.kind === "qr" ? `Approved: ${r.client_name} is told you logged in.`
          : `Approved: continue in the browser with ${r.client_name}.`);
      }
    } catch (e) {
      showError(e.message);
      // 404, 409 and 410 mean the login is over or gone: nothing to retry.
      if ([404, 409, 410].includes(e.status)) dropCard(r.id, card);
      else controls.forEach((c) => { c.disabled = false; });
    }
    if (pollCtrl) pollCtrl.abort();
  }

  function dropCard(id, card) {
    card.remove();
    cards.delete(id);
    if (card === deeplinkCard) deeplinkCard = null;
    updateIdle();
  }

  // --- scanning a QR code ---

  $("scan").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearMessages();
    try {
      const { request } = await api("POST", "v1/qr/scan", { url: $("scan-url").value.trim() });
      if (!cards.has(request.id)) {
        const card = requestCard(request);
        cards.set(request.id, card);
        $("requests").prepend(card);
        updateIdle();
      }
    } catch (e) {
      showError(e.message);
    }
  });

  // --- consents and browsers ---

  for (const tab of document.querySelectorAll(".tab")) {
    tab.addEventListener("click", () => selectTab(tab.dataset.tab));
  }

  function selectTab(name) {
    for (const tab of document.querySelectorAll(".tab")) {
      const on = tab.dataset.tab === name;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      $("tab-" + tab.dataset.tab).hidden = !on;
    }
    if (name === "consents") loadConsents();
    if (name === "browsers") loadBrowsers();
  }

  async function loadConsents() {
    try {
      const { consents } = await api("GET", "v1/consents");
      $("consents").replaceChildren(...(consents.length === 0
        ? [el("li", { class: "muted" }, "You have not shared anything with anyone.")]
        : consents.map((c) => el("li", { "data-testid": "consent", "data-client-id": c.client_id },
          el("div", {}, el("strong", {}, c.client_name), el("br"),
            el("span", { class: "muted small" }, scopeWords(c.scopes).join(", "))),
          el("button", { type: "button", class: "secondary", "data-testid": "consent-revoke",
            onclick: () => remove("v1/consents/" + encodeURIComponent(c.client_id), loadConsents) }, "Revoke")))));
    } catch (e) {
      showError(e.message);
    }
  }

  async function loadBrowsers() {
    try {
      const { browsers } = await api("GET", "v1/browsers");
      $("browsers").replaceChildren(...(browsers.length === 0
        ? [el("li", { class: "muted" }, "No browser remembers you.")]
        : browsers.map((b) => el("li", { "data-testid": "browser", "data-browser-id": b.id },
          el("div", {}, el("strong", {}, b.description || "A browser"), el("br"),
            el("span", { class: "muted small" }, "Since " + when(b.created_at) + ", until " + when(b.expires_at))),
          el("button", { type: "button", class: "secondary", "data-testid": "browser-forget",
            onclick: () => remove("v1/browsers/" + encodeURIComponent(b.id), loadBrowsers) }, "Forget")))));
    } catch (e) {
      showError(e.message);
    }
  }

  async function remove(path, reload) {
    clearMessages();
    try {
      await api("DELETE", path);
    } catch (e) {
      showError(e.message);
    }
    reload();
  }

  // --- start ---

  if (token) {
    start();
  } else {
    $("signin").hidden = false;
    if (deeplinkId) showNotice("Log in to answer the login request.");
  }
})();
